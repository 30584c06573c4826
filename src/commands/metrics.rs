//! `metrics`: fetch `/metrics` from every selected proxy (or read a file) and print it raw, as one
//! merged Prometheus/OpenMetrics exposition with target labels, or as JSON.

use super::{Context, stream_stdout, write_stdout};
use crate::cli::{MetricsArgs, MetricsFormat, ReadFrom};
use crate::error::{Error, Exit, Result};
use crate::interrupt;
use crate::metrics::filter::Filter;
use crate::metrics::held::{HeldBody, HeldSnapshot};
use crate::metrics::model::{PackedTarget, Snapshot, Target, Text};
use crate::metrics::obfuscate::{self, Obfuscation};
use crate::metrics::write::{self, Format, WriteOptions};
use crate::render::json;
use crate::render::raw::{RawEntry, write_raw_entry};
use crate::resolve::PodTarget;
use crate::source::file::load_packed;
use crate::source::raw::RawScrape;
use crate::source::{self, Federation, Live, Options};

/// Runs `metrics`.
pub(super) async fn run(ctx: &Context, args: MetricsArgs) -> Result<Exit> {
    let filter = args.filter.filter()?;
    let obfuscation = ctx.global.obfuscation();
    let options = ctx.source_options();
    if let Some(path) = &args.source.from_file {
        // Read (and checked: malformed, cut short, empty) whatever the output.
        let targets = load_packed(path)?;
        if args.output == MetricsFormat::Raw && filter.is_empty() {
            // Raw text is shown as it is, like a proxy serves it: only obfuscation changes it.
            drop(targets);
            let text = Text::read_file(path).map_err(|e| Error::read(path, e))?;
            match obfuscation {
                Some(level) => write_stdout(obfuscate::obfuscate_body(&text, level).as_bytes())?,
                None => write_stdout(text.as_bytes())?,
            }
            return Ok(Exit::Success);
        }
        let large = targets.iter().any(PackedTarget::is_compressed);
        let kept = match args.output {
            // A large file's targets are held as a live scrape's are, compressed a family at a
            // time, and each is parsed only to be held: the file is never held whole.
            MetricsFormat::Prom | MetricsFormat::Openmetrics if large => {
                let mut held = HeldSnapshot::new(merged_format(args.output));
                let mut kept = 0;
                for target in targets {
                    kept += hold(&mut held, target.unpack(), &filter, obfuscation);
                }
                stream_stdout(|out| held.write_io(out, false))?;
                kept
            }
            _ => print_snapshot(
                Snapshot::unpacked(targets),
                &filter,
                obfuscation,
                args.output,
            )?,
        };
        warn_if_nothing_matched(ctx, &args, kept);
        return Ok(Exit::Success);
    }

    if let Some(ReadFrom::Prometheus(url)) = &args.read_from {
        let federation =
            Federation::connect(&options, &args.source.targets, url.as_deref()).await?;
        let kept = print_snapshot(
            federation.snapshot().await?,
            &filter,
            obfuscation,
            args.output,
        )?;
        warn_if_nothing_matched(ctx, &args, kept);
        return Ok(Exit::Success);
    }

    let live = source::resolve(&options, &args.source.targets).await?;
    let cancel = interrupt::cancel_on_ctrl_c();
    let (exit, kept) = match args.output {
        MetricsFormat::Raw => {
            print_raw_live(
                &options,
                &live,
                &cancel,
                &filter,
                obfuscation,
                live.pods.len(),
            )
            .await?
        }
        MetricsFormat::Json => {
            let (snapshot, exit) = source::scrape_snapshot(&options, &live, &cancel).await;
            let kept = if snapshot.targets.is_empty() {
                None
            } else {
                Some(print_snapshot(snapshot, &filter, obfuscation, args.output)?)
            };
            (exit, kept)
        }
        MetricsFormat::Prom | MetricsFormat::Openmetrics => {
            // Each body is filtered, obfuscated and compressed as it comes in; the merged output
            // is written a family at a time from what is held.
            let format = merged_format(args.output);
            let mut held = HeldSnapshot::new(format);
            let mut kept = 0;
            let exit = source::scrape_targets(&options, &live, &cancel, |target| {
                kept += hold(&mut held, target, &filter, obfuscation);
            })
            .await;
            let scraped = !held.is_empty();
            if scraped {
                held.sort_by_key(|labels| namespace_and_pod(labels));
                stream_stdout(|out| held.write_io(out, false))?;
            }
            (exit, scraped.then_some(kept))
        }
    };
    if let Some(kept) = kept {
        warn_if_nothing_matched(ctx, &args, kept);
    }
    Ok(exit)
}

/// Says on stderr when `-m`/`--match` kept no sample of what was read (`kept` samples).
fn warn_if_nothing_matched(ctx: &Context, args: &MetricsArgs, kept: usize) {
    if let Some(warning) = args.filter.matched_nothing(kept) {
        ctx.warn(warning);
    }
}

/// `(namespace, pod)` of a target's labels, the order merged output lists targets in.
fn namespace_and_pod(labels: &[(String, String)]) -> (Option<String>, Option<String>) {
    let get = |name: &str| {
        labels
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    (get("namespace"), get("pod"))
}

fn merged_format(output: MetricsFormat) -> Format {
    match output {
        MetricsFormat::Openmetrics => Format::OpenMetrics,
        _ => Format::Prometheus,
    }
}

/// `-m`/`--match` and `--obfuscate` on one target.
fn prepare(target: &mut Target, filter: &Filter, obfuscation: Option<Obfuscation>) {
    if !filter.is_empty() {
        filter.retain_target(target);
    }
    if let Some(level) = obfuscation {
        obfuscate::obfuscate_target(target, level);
    }
}

/// [`prepare`]s `target` and holds it; how many samples the filters kept.
fn hold(
    held: &mut HeldSnapshot,
    mut target: Target,
    filter: &Filter,
    obfuscation: Option<Obfuscation>,
) -> usize {
    prepare(&mut target, filter, obfuscation);
    let kept = target.sample_count();
    held.push(target);
    kept
}

/// Applies `-m`/`--match` and `--obfuscate` to a snapshot and prints it in `format`; returns how
/// many samples were kept.
fn print_snapshot(
    mut snapshot: Snapshot,
    filter: &Filter,
    obfuscation: Option<Obfuscation>,
    format: MetricsFormat,
) -> Result<usize> {
    for target in &mut snapshot.targets {
        prepare(target, filter, obfuscation);
    }
    let kept = snapshot.sample_count();
    match format {
        MetricsFormat::Prom | MetricsFormat::Openmetrics => {
            let options = WriteOptions {
                format: merged_format(format),
                timestamps: false,
            };
            stream_stdout(|out| write::write_snapshot_io(out, &snapshot, options))
        }
        MetricsFormat::Json => {
            let mut out = Vec::new();
            json::write(&mut out, &snapshot)
                .map_err(|e| Error::Failed(format!("cannot encode JSON: {e}")))?;
            out.push(b'\n');
            write_stdout(&out)
        }
        MetricsFormat::Raw => {
            let total = snapshot.targets.len();
            stream_stdout(|out| {
                for (i, target) in snapshot.targets.iter().enumerate() {
                    let entry = RawEntry {
                        pod: target.label("pod").unwrap_or("-"),
                        body: Ok(&unlabelled_body(target)),
                    };
                    write_raw_entry(out, entry, i + 1, total)?;
                }
                Ok(())
            })
        }
    }?;
    Ok(kept)
}

/// One target's families as Prometheus text, without its target labels (as a proxy serves them).
fn unlabelled_body(target: &Target) -> Vec<u8> {
    let mut bare = target.clone();
    bare.labels.clear();
    let bare = Snapshot {
        targets: vec![bare],
    };
    write::to_string(&bare, PROM_TEXT).into_bytes()
}

/// Prometheus text without sample timestamps, as proxies serve it.
const PROM_TEXT: WriteOptions = WriteOptions {
    format: Format::Prometheus,
    timestamps: false,
};

/// `-o raw`: each body as served (unless filters or obfuscation ask for changes), held
/// compressed until every proxy is in ([`source::raw`]), then printed in pod order. A body served
/// as is that does not parse is printed all the same, with a warning naming the pod and the
/// line. Returns the exit status and, when some pod answered, the samples the filters kept.
async fn print_raw_live(
    options: &Options,
    live: &Live,
    cancel: &tokio_util::sync::CancellationToken,
    filter: &Filter,
    obfuscation: Option<Obfuscation>,
    total: usize,
) -> Result<(Exit, Option<usize>)> {
    let RawScrape {
        held,
        malformed,
        kept,
        interrupted,
    } = source::raw::scrape_raw(options, live, cancel, filter, obfuscation).await;
    for (pod, e) in malformed {
        options.warn(format!(
            "pod {pod}: malformed metrics: {e}; printed as served"
        ));
    }
    let count = held.len();
    stream_stdout(|out| {
        for (i, (pod, body)) in held.iter().enumerate() {
            let bytes = body.as_ref().map(HeldBody::body);
            let name = match obfuscation {
                Some(Obfuscation::Strict) => obfuscate::hash_value(&pod.pod),
                _ => pod.pod.clone(),
            };
            let entry = RawEntry {
                pod: &name,
                body: match &bytes {
                    Ok(bytes) => Ok(bytes),
                    Err(message) => Err(message),
                },
            };
            write_raw_entry(out, entry, i + 1, count)?;
        }
        Ok(())
    })?;
    let failures: Vec<(&PodTarget, String)> = held
        .iter()
        .filter_map(|(pod, body)| body.as_ref().err().map(|e| (pod, e.clone())))
        .collect();
    let succeeded = count - failures.len();
    let exit = source::report_failures(failures, succeeded, total, interrupted);
    let filtered = !filter.is_empty() && succeeded > 0;
    Ok((exit, filtered.then_some(kept)))
}

//! `metrics`: fetch `/metrics` from every selected proxy (or read a file) and print it raw, as one
//! merged Prometheus/OpenMetrics exposition with target labels, or as JSON.

use super::federation::Federation;
use super::{Context, source, write_stdout};
use crate::cli::{MetricsArgs, MetricsFormat, ReadFrom};
use crate::error::{Error, Exit, Result};
use crate::metrics::model::{Snapshot, Target};
use crate::metrics::obfuscate::{self, Obfuscation};
use crate::metrics::parse;
use crate::metrics::select::Filter;
use crate::metrics::write::{self, Format, WriteOptions};
use crate::render::json;
use crate::render::raw::{RawEntry, write_raw};
use crate::scrape;

/// Runs `metrics`.
pub async fn run(ctx: &Context, args: MetricsArgs) -> Result<Exit> {
    let filter = Filter::new(&args.filter.metric, &args.filter.matches)
        .map_err(|e| Error::Usage(e.to_string()))?;
    let obfuscation = ctx.global.obfuscate.map(Obfuscation::from);
    if let Some(path) = &args.source.from_file {
        if args.output == MetricsFormat::Raw && filter.is_empty() {
            // Raw text is shown as it is, like a proxy serves it: only obfuscation changes it.
            let text = std::fs::read_to_string(path).map_err(|e| Error::read(path, e))?;
            let text = match obfuscation {
                Some(level) => obfuscate::obfuscate_body(&text, level),
                None => text,
            };
            write_stdout(text.as_bytes())?;
            return Ok(Exit::Success);
        }
        print_snapshot(source::load_file(path)?, &filter, obfuscation, args.output)?;
        return Ok(Exit::Success);
    }

    if let Some(ReadFrom::Prometheus(url)) = &args.read_from {
        let federation = Federation::connect(ctx, &args.source.targets, url.as_deref()).await?;
        print_snapshot(
            federation.snapshot().await?,
            &filter,
            obfuscation,
            args.output,
        )?;
        return Ok(Exit::Success);
    }

    let live = source::resolve(ctx, &args.source.targets).await?;
    let cancel = scrape::cancel_on_ctrl_c();
    if args.output == MetricsFormat::Raw {
        let report = source::scrape_with(ctx, &live, &cancel).await;
        return print_raw(
            &report.outcomes,
            &filter,
            obfuscation,
            live.pods.len(),
            report.interrupted,
        );
    }

    let (snapshot, exit) = source::scrape_snapshot(ctx, &live, &cancel).await;
    if !snapshot.targets.is_empty() {
        print_snapshot(snapshot, &filter, obfuscation, args.output)?;
    }
    Ok(exit)
}

/// Applies `-m`/`--match` and `--obfuscate` to a snapshot and prints it in `format`.
fn print_snapshot(
    mut snapshot: Snapshot,
    filter: &Filter,
    obfuscation: Option<Obfuscation>,
    format: MetricsFormat,
) -> Result<()> {
    filter.retain_snapshot(&mut snapshot);
    if let Some(level) = obfuscation {
        obfuscate::obfuscate_snapshot(&mut snapshot, level);
    }
    write_stdout(&render_snapshot(&snapshot, format)?)
}

/// Renders a snapshot in a merged format, or per target in raw layout.
fn render_snapshot(snapshot: &Snapshot, format: MetricsFormat) -> Result<Vec<u8>> {
    let text = |format| {
        write::to_string(
            snapshot,
            WriteOptions {
                format,
                timestamps: false,
            },
        )
        .into_bytes()
    };
    Ok(match format {
        MetricsFormat::Prom => text(Format::Prometheus),
        MetricsFormat::Openmetrics => text(Format::OpenMetrics),
        MetricsFormat::Json => {
            let mut out = Vec::new();
            json::write(&mut out, snapshot)
                .map_err(|e| Error::Failed(format!("cannot encode JSON: {e}")))?;
            out.push(b'\n');
            out
        }
        MetricsFormat::Raw => {
            let bodies: Vec<(String, Vec<u8>)> = snapshot
                .targets
                .iter()
                .map(|t| {
                    (
                        t.label("pod").unwrap_or("-").to_string(),
                        unlabelled_body(t),
                    )
                })
                .collect();
            let entries: Vec<RawEntry<'_>> = bodies
                .iter()
                .map(|(pod, body)| RawEntry {
                    pod,
                    body: Ok(body),
                })
                .collect();
            let mut out = Vec::new();
            write_raw(&mut out, &entries).map_err(|e| Error::Failed(e.to_string()))?;
            out
        }
    })
}

/// One target's families as Prometheus text, without its target labels (as a proxy serves them).
fn unlabelled_body(target: &Target) -> Vec<u8> {
    let bare = Snapshot {
        targets: vec![Target {
            labels: Vec::new(),
            ..target.clone()
        }],
    };
    write::to_string(&bare, PROM_TEXT).into_bytes()
}

/// Prometheus text without sample timestamps, as proxies serve it.
const PROM_TEXT: WriteOptions = WriteOptions {
    format: Format::Prometheus,
    timestamps: false,
};

/// `-o raw`: each body as served, unless filters or obfuscation ask for changes.
fn print_raw(
    outcomes: &[crate::scrape::Outcome],
    filter: &Filter,
    obfuscation: Option<Obfuscation>,
    total: usize,
    interrupted: bool,
) -> Result<Exit> {
    let mut failures = Vec::new();
    let mut bodies: Vec<Result<Vec<u8>, String>> = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        let body = match &outcome.result {
            Ok(scraped) => transform_raw(&scraped.body, filter, obfuscation),
            Err(e) => Err(e.to_string()),
        };
        if let Err(message) = &body {
            failures.push((&outcome.target, message.clone()));
        }
        bodies.push(body);
    }
    let entries: Vec<RawEntry<'_>> = outcomes
        .iter()
        .zip(&bodies)
        .map(|(outcome, body)| RawEntry {
            pod: &outcome.target.pod,
            body: body.as_deref().map_err(String::as_str),
        })
        .collect();
    let mut out = Vec::new();
    write_raw(&mut out, &entries).map_err(|e| Error::Failed(e.to_string()))?;
    write_stdout(&out)?;
    let succeeded = outcomes.len() - failures.len();
    Ok(source::report_failures(
        failures,
        succeeded,
        total,
        interrupted,
    ))
}

/// A raw body with `-m`/`--match` applied (re-written as Prometheus text) and `--obfuscate`.
fn transform_raw(
    body: &[u8],
    filter: &Filter,
    obfuscation: Option<Obfuscation>,
) -> Result<Vec<u8>, String> {
    if filter.is_empty() && obfuscation.is_none() {
        return Ok(body.to_vec());
    }
    let text = std::str::from_utf8(body).map_err(|e| format!("metrics are not UTF-8 text: {e}"))?;
    let filtered;
    let text = if filter.is_empty() {
        text
    } else {
        let mut parsed = parse::parse(text).map_err(|e| format!("malformed metrics: {e}"))?;
        filter.retain_body(&mut parsed);
        let mut out = String::with_capacity(text.len());
        write::write_body(&mut out, &parsed, PROM_TEXT).expect("writing to a String cannot fail");
        filtered = out;
        &filtered
    };
    Ok(match obfuscation {
        Some(level) => obfuscate::obfuscate_body(text, level).into_bytes(),
        None => text.as_bytes().to_vec(),
    })
}

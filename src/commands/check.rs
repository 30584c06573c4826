//! `check`: scrape the targets once (twice with `--window`), hand the scrapes to
//! [`metrics::check`](crate::metrics::check), and print the report as `linkerd check` does, or
//! as JSON. Exit 0 when all is good, 3 on warnings, 1 on problems.

use std::collections::BTreeMap;
use std::path::PathBuf;

use tokio_util::sync::CancellationToken;

use super::{Context, stream_stdout};
use crate::cli::{CheckArgs, CheckFormat};
use crate::error::{Error, Exit, Result};
use crate::interrupt;
use crate::metrics::check::{self, ControlPlane, Input, Outcome, Proxy, Thresholds, Unreachable};
use crate::metrics::model::Target;
use crate::metrics::stat::{BodyReducer, ProxyKey, StatState};
use crate::render;
use crate::resolve::{self, LabelSelector, PodTarget, Scope, Selection, TargetError, TargetSpec};
use crate::source::{self, Live};

/// Runs `check`.
pub(super) async fn run(ctx: &Context, args: CheckArgs) -> Result<Exit> {
    if !args.from_file.is_empty() {
        let (before, after) = from_files(&args.from_file)?;
        let before = before.map(|proxies| {
            let stats = check::stats_of(&proxies);
            Scrape { proxies, stats }
        });
        let stats = check::stats_of(&after);
        let control_plane = check::control_plane_in(&after);
        let after = Scrape {
            proxies: after,
            stats,
        };
        return report(
            ctx,
            &args,
            before.as_ref(),
            &after,
            &[],
            control_plane.as_ref(),
        );
    }
    let live = source::resolve(&ctx.source_options(), &args.targets).await?;
    let cancel = interrupt::cancel_on_ctrl_c();
    let mut unreachable = BTreeMap::new();
    let before = match args.window {
        Some(window) => {
            let first = scrape(ctx, &live, &cancel, &mut unreachable).await;
            if ctx.progress {
                eprintln!(
                    "waiting {} for the second scrape",
                    humantime::format_duration(window)
                );
            }
            tokio::select! {
                () = tokio::time::sleep(window) => {}
                () = cancel.cancelled() => {}
            }
            Some(first)
        }
        None => None,
    };
    let mut after = scrape(ctx, &live, &cancel, &mut unreachable).await;
    if cancel.is_cancelled() {
        return Err(Error::Failed(
            "interrupted before every proxy was scraped; nothing to report".into(),
        ));
    }
    let unreachable: Vec<Unreachable> = unreachable
        .into_iter()
        .map(|(pod, reason)| Unreachable { pod, reason })
        .collect();
    // A proxy that answered only one of the two scrapes is reported as unreachable, not judged.
    let answered = |key: &ProxyKey| {
        let name = format!("{}/{}", key.namespace, key.pod);
        !unreachable.iter().any(|u| u.pod == name)
    };
    after.proxies.retain(|p| answered(&p.key));
    after.stats.proxies.retain(|p| answered(&p.key));
    let control_plane = control_plane(ctx, &live, &after.proxies, &cancel).await;
    report(
        ctx,
        &args,
        before.as_ref(),
        &after,
        &unreachable,
        Some(&control_plane),
    )
}

/// The control plane's proxies, listed as Linkerd lists them (the pods of its namespace, from
/// the selected pods' `linkerd.io/control-plane-ns` label, with a
/// `linkerd.io/control-plane-component` label) and scraped unless `scraped` has them already.
async fn control_plane(
    ctx: &Context,
    live: &Live,
    scraped: &[Proxy],
    cancel: &CancellationToken,
) -> ControlPlane {
    let namespace = live
        .pods
        .iter()
        .find_map(|p| p.labels.get("linkerd.io/control-plane-ns"))
        .map_or("linkerd", String::as_str)
        .to_string();
    let selection = Selection {
        targets: vec![TargetSpec::Namespace(namespace.clone())],
        scope: Scope::Namespace(namespace.clone()),
        selector: LabelSelector::parse("linkerd.io/control-plane-component").ok(),
    };
    let pods = match resolve::resolve(&live.cluster.client, &selection).await {
        Ok(resolved) => resolved.pods,
        Err(TargetError::NoMeshedPods(_)) => Vec::new(),
        Err(e) => {
            return ControlPlane::Unreadable {
                namespace,
                reason: e.to_string(),
            };
        }
    };
    let same =
        |p: &Proxy, pod: &PodTarget| p.key.namespace == pod.namespace && p.key.pod == pod.pod;
    let (reused, missing): (Vec<PodTarget>, Vec<PodTarget>) = pods
        .into_iter()
        .partition(|pod| scraped.iter().any(|p| same(p, pod)));
    let mut proxies: Vec<Proxy> = scraped
        .iter()
        .filter(|p| reused.iter().any(|pod| same(p, pod)))
        .cloned()
        .collect();
    let mut failed = BTreeMap::new();
    if !missing.is_empty() {
        let cp = Live {
            cluster: live.cluster.clone(),
            pods: missing,
            selection,
        };
        proxies.extend(scrape(ctx, &cp, cancel, &mut failed).await.proxies);
    }
    match failed.into_iter().next() {
        Some((pod, reason)) if proxies.is_empty() => ControlPlane::Unreadable {
            namespace,
            reason: format!("its proxies could not be scraped ({pod}: {reason})"),
        },
        _ => ControlPlane::Proxies { namespace, proxies },
    }
}

/// One scrape: the lines of each body the checks read, and `stat`'s reduction of the bodies.
struct Scrape {
    proxies: Vec<Proxy>,
    stats: StatState,
}

/// Runs the checks, prints the report, and gives the exit status it implies.
fn report(
    ctx: &Context,
    args: &CheckArgs,
    before: Option<&Scrape>,
    after: &Scrape,
    unreachable: &[Unreachable],
    control_plane: Option<&ControlPlane>,
) -> Result<Exit> {
    let report = check::check(&Input {
        before: before.map(|b| b.proxies.as_slice()),
        after: &after.proxies,
        stats: (before.map(|b| &b.stats), &after.stats),
        unreachable,
        thresholds: Thresholds {
            cert_warn_secs: args.cert_warn.as_secs_f64(),
            min_success: args.min_success,
        },
        control_plane,
    });
    if let Some(error) = report.control_plane.as_ref().and_then(|c| c.error.as_ref()) {
        ctx.warn(format_args!(
            "cannot read the control plane's version: {error}; proxies are compared with each other only"
        ));
    }
    match args.output {
        CheckFormat::Text => {
            stream_stdout(|out| render::check::write_text(out, &report, ctx.color))?
        }
        CheckFormat::Json => stream_stdout(|out| {
            serde_json::to_writer_pretty(&mut *out, &report)?;
            writeln!(out)
        })?,
    }
    Ok(match report.status {
        Outcome::Success => Exit::Success,
        Outcome::Warning => Exit::Partial,
        Outcome::Error => Exit::Failure,
    })
}

/// The proxies of one file (one scrape), or of two (before and after).
fn from_files(files: &[PathBuf]) -> Result<(Option<Vec<Proxy>>, Vec<Proxy>)> {
    let proxies = |path: &PathBuf, name_from: &PathBuf| -> Result<Vec<Proxy>> {
        Ok(source::targets_from_file(path, name_from)?
            .into_iter()
            .map(|(key, target)| Proxy { key, target })
            .collect())
    };
    let (before, after) = match files {
        [only] => (None, proxies(only, only)?),
        // Targets without a pod label are named after the second file on both sides, as `stat`
        // names them, so raw dumps of the same proxy line up.
        [before, after] => (Some(proxies(before, after)?), proxies(after, after)?),
        _ => {
            return Err(Error::Usage(
                "--from-file takes one file (one scrape) or two (before and after)".into(),
            ));
        }
    };
    if after.is_empty() {
        return Err(Error::Failed(format!(
            "{}: no metrics found",
            files[files.len() - 1].display()
        )));
    }
    Ok((before, after))
}

/// Scrapes every pod of `live` once, reducing each body as it is decoded: `stat`'s reducer takes
/// every line, and only the lines the checks read ([`check::reads`]) are kept. Pods that fail
/// (or whose body is malformed) are added to `unreachable` (`namespace/pod` → why).
async fn scrape(
    ctx: &Context,
    live: &Live,
    cancel: &CancellationToken,
    unreachable: &mut BTreeMap<String, String>,
) -> Scrape {
    let mut proxies = Vec::new();
    let mut stats = StatState::default();
    source::scrape_each(&ctx.source_options(), live, cancel, |outcome| {
        let pod = source::pod_name(&outcome.target);
        let key = ProxyKey::from(&outcome.target);
        let parsed = outcome
            .result
            .map_err(|e| e.to_string())
            .and_then(|scraped| {
                let scraped_at = source::epoch_ms(scraped.scraped_at);
                let mut reducer = BodyReducer::new(key.clone(), scraped_at);
                let mut text = String::new();
                scraped.for_each_line_chunk(ctx.global.max_body_size, |chunk| {
                    reducer.feed(chunk);
                    for line in chunk.lines().filter(|l| check::reads(l)) {
                        text.push_str(line);
                        text.push('\n');
                    }
                })?;
                let target = Target::parse(
                    text,
                    outcome
                        .target
                        .target_labels(ctx.global.target_labels.into()),
                    Some(scraped_at),
                )
                .map_err(|e| format!("malformed metrics: {e}"))?;
                Ok((reducer, target))
            });
        match parsed {
            Ok((reducer, target)) => match stats.add_reduced(reducer).first() {
                None => proxies.push(Proxy { key, target }),
                Some(e) => {
                    stats.proxies.retain(|p| p.key != key);
                    unreachable
                        .entry(pod)
                        .or_insert(format!("malformed metrics: {e}"));
                }
            },
            Err(reason) => {
                unreachable.entry(pod).or_insert(reason);
            }
        }
    })
    .await;
    proxies.sort_by(|a, b| (&a.key.namespace, &a.key.pod).cmp(&(&b.key.namespace, &b.key.pod)));
    Scrape { proxies, stats }
}

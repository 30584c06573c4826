//! `stat`: the numbers of `linkerd viz stat`, computed from two scrapes `--window` apart (or one,
//! since proxy start), each body reduced as it arrives so memory stays flat on large meshes; or
//! from one or two saved files.
//!
//! `--from-file A`: numbers since each proxy started, as of A's scrape time. `--from-file A
//! --from-file B`: the window from A to B, as if A and B were the two scrapes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use tokio_util::sync::CancellationToken;

use super::{Context, write_stdout};
use crate::cli::{ReadFrom, StatArgs, StatBy, StatFormat};
use crate::error::{Error, Exit, Result};
use crate::metrics::model::{Snapshot, Target};
use crate::metrics::stat::{self, BodyReducer, GroupBy, ProxyKey, StatRow, StatState};
use crate::render::table::{self, StatLine, StatTable, TableOptions};
use crate::resolve::{PodTarget, Workload};
use crate::scrape;
use crate::source::{self, Federation};

impl From<StatBy> for GroupBy {
    fn from(by: StatBy) -> Self {
        match by {
            StatBy::Workload => GroupBy::Workload,
            StatBy::Pod => GroupBy::Pod,
            StatBy::Authority => GroupBy::Authority,
            StatBy::Route => GroupBy::Route,
            StatBy::Direction => GroupBy::Direction,
        }
    }
}

/// Runs `stat`.
pub async fn run(ctx: &Context, args: StatArgs) -> Result<Exit> {
    let by = GroupBy::from(args.by);
    if !args.from_file.is_empty() {
        return run_files(ctx, &args, by);
    }
    if let Some(ReadFrom::Prometheus(url)) = &args.read_from {
        return run_federated(ctx, &args, by, url.as_deref()).await;
    }
    let live = source::resolve(&ctx.source_options(), &args.targets).await?;
    let total = live.pods.len();
    let selected: Vec<ProxyKey> = live.pods.iter().map(ProxyKey::from).collect();
    let cancel = crate::interrupt::cancel_on_ctrl_c();
    // With a window, the first scrape is kept only as a baseline, and the second is folded
    // against it proxy by proxy: memory stays at one scrape's series, 16 bytes each.
    let first_keep = if args.since_start {
        Keep::Everything
    } else {
        Keep::Baseline
    };
    let mut first = collect(
        ctx,
        &live.cluster.client,
        live.pods.clone(),
        &cancel,
        first_keep,
    )
    .await;
    let mut failures = first.failures;
    let (before, after, interrupted) = if args.since_start {
        (None, first.state, first.interrupted)
    } else {
        if first.interrupted || first.state.proxies.is_empty() {
            return Ok(report(&failures, 0, total, first.interrupted));
        }
        if ctx.progress {
            eprintln!(
                "waiting {} for the second scrape",
                humantime::format_duration(args.window)
            );
        }
        tokio::select! {
            () = tokio::time::sleep(args.window) => {}
            () = cancel.cancelled() => {
                report(&failures, 0, total, false);
                return Err(Error::Failed("interrupted before the second scrape; nothing to show".into()));
            }
        }
        // A pod that failed the first scrape has no baseline: it is reported once, not re-scraped.
        let scraped: Vec<PodTarget> = live
            .pods
            .iter()
            .filter(|p| first.state.proxy(&p.namespace, &p.pod).is_some())
            .cloned()
            .collect();
        let second = collect(
            ctx,
            &live.cluster.client,
            scraped,
            &cancel,
            Keep::IncreasesSince(&mut first.state),
        )
        .await;
        failures.extend(second.failures);
        (Some(first.state), second.state, second.interrupted)
    };
    let succeeded = after.proxies.len();
    if succeeded > 0 {
        let lines = stat_lines(before.as_ref(), &after, by, &selected);
        print_lines(ctx, &lines, args.output, by)?;
    }
    Ok(report(&failures, succeeded, total, interrupted))
}

/// [`source::report_failures`] over owned failures.
fn report(
    failures: &[(PodTarget, String)],
    succeeded: usize,
    total: usize,
    interrupted: bool,
) -> Exit {
    source::report_failures(
        failures.iter().map(|(pod, message)| (pod, message.clone())),
        succeeded,
        total,
        interrupted,
    )
}

/// `stat --from-file`: one file (since start) or two (before, after).
/// Prints stat lines on stdout, with a NAMESPACE column under `-A` or when rows span namespaces.
fn print_lines(ctx: &Context, lines: &[StatLine], format: StatFormat, by: GroupBy) -> Result<()> {
    let namespace_column = ctx.global.all_namespaces || spans_namespaces(lines);
    write_stdout(&render(lines, format, by, namespace_column, ctx.color)?)
}

fn run_files(ctx: &Context, args: &StatArgs, by: GroupBy) -> Result<Exit> {
    let lines = lines_from_files(&args.from_file, by)?;
    print_lines(ctx, &lines, args.output, by)?;
    Ok(Exit::Success)
}

/// The rows of one file (since start) or two (before, after), for `stat` and `top --from-file`.
pub(crate) fn lines_from_files(files: &[PathBuf], by: GroupBy) -> Result<Vec<StatLine>> {
    let (before, after) = match files {
        [only] => (None, state_from_file(only, only)?),
        // Targets without a pod label are named after the second file on both sides, so raw
        // dumps of the same proxy line up.
        [before, after] => {
            let (older, newer) = (
                state_from_file(before, after)?,
                state_from_file(after, after)?,
            );
            check_file_order(&older, &newer, before, after)?;
            (Some(older), newer)
        }
        _ => {
            return Err(Error::Usage(
                "--from-file takes one file (numbers since proxy start) or two (before and after)"
                    .into(),
            ));
        }
    };
    let selected: Vec<ProxyKey> = after.proxies.iter().map(|p| p.key.clone()).collect();
    Ok(stat_lines(before.as_ref(), &after, by, &selected))
}

/// Two files make a window only when the second was scraped after the first: otherwise there is
/// no rate to show, and the files were most likely given the wrong way round.
fn check_file_order(
    older: &StatState,
    newer: &StatState,
    before: &Path,
    after: &Path,
) -> Result<()> {
    let times = newer.proxies.iter().find_map(|p| {
        older
            .proxy(&p.key.namespace, &p.key.pod)
            .map(|b| (b.scrape_time_ms, p.scrape_time_ms))
            .filter(|(b, a)| b >= a)
    });
    match times {
        Some((b, a)) if b > a => Err(Error::Usage(format!(
            "{} was scraped before {}: give the older file first",
            after.display(),
            before.display()
        ))),
        Some(_) => Err(Error::Usage(format!(
            "{} and {} were scraped at the same time: there is no window to compute rates over",
            before.display(),
            after.display()
        ))),
        None => Ok(()),
    }
}

/// `stat --source prometheus[=URL]`: the same numbers from two reads of the linkerd-viz
/// Prometheus' `/federate` `--window` apart (or one, with `--since-start`). Each proxy's scrape
/// time is the one Prometheus recorded, so rates cover Prometheus' own scrape interval.
async fn run_federated(
    ctx: &Context,
    args: &StatArgs,
    by: GroupBy,
    url: Option<&str>,
) -> Result<Exit> {
    let federation = Federation::connect(&ctx.source_options(), &args.targets, url).await?;
    let first = state_from_snapshot(federation.snapshot().await?);
    let (before, after) = if args.since_start {
        (None, first)
    } else {
        if ctx.progress {
            eprintln!(
                "waiting {} for the second read",
                humantime::format_duration(args.window)
            );
        }
        tokio::select! {
            () = tokio::time::sleep(args.window) => {}
            () = crate::interrupt::cancel_on_ctrl_c().cancelled_owned() => {
                return Err(Error::Failed("interrupted before the second read; nothing to show".into()));
            }
        }
        (
            Some(first),
            state_from_snapshot(federation.snapshot().await?),
        )
    };
    let selected: Vec<ProxyKey> = after.proxies.iter().map(|p| p.key.clone()).collect();
    let lines = stat_lines(before.as_ref(), &after, by, &selected);
    print_lines(ctx, &lines, args.output, by)?;
    Ok(Exit::Success)
}

fn state_from_snapshot(snapshot: Snapshot) -> StatState {
    let mut state = StatState::default();
    for target in snapshot.targets {
        let key = proxy_key(&target, String::new());
        state.add_target(key, &target);
    }
    state
}

/// One scrape reduced to the counters `stat` needs, and the pods that failed it.
pub(crate) struct Collected {
    /// The reduced bodies of the pods that answered with well-formed metrics.
    pub state: StatState,
    /// The pods that did not, with why.
    pub failures: Vec<(PodTarget, String)>,
    /// Whether Ctrl-C cut the scrape short.
    pub interrupted: bool,
}

/// What [`collect`] keeps of each proxy it reduces.
pub(crate) enum Keep<'b> {
    /// Every series: rows can be computed from it (since start, or as `top`'s states).
    Everything,
    /// Only what a later scrape is compared with ([`StatState::keep_last_as_baseline`]).
    Baseline,
    /// Only the increases since the earlier scrape in the given state, which drops it
    /// ([`StatState::fold_last_against`]).
    IncreasesSince(&'b mut StatState),
}

/// Scrapes `pods` once, reducing each body into a [`StatState`] as it arrives and dropping it, so
/// at most `--concurrency` bodies are held at a time, and keeping of each proxy what `keep`
/// says. A body with malformed lines counts as a failure for its pod, as it does for every
/// other command.
pub(crate) async fn collect(
    ctx: &Context,
    client: &kube::Client,
    pods: Vec<PodTarget>,
    cancel: &CancellationToken,
    mut keep: Keep<'_>,
) -> Collected {
    let mut state = StatState::default();
    let mut failures = Vec::new();
    let summary = scrape::scrape_each(
        client,
        pods,
        &source::streaming_scrape_options(&ctx.source_options()),
        cancel,
        |outcome| {
            let scraped = match outcome.result {
                Ok(scraped) => scraped,
                Err(e) => {
                    failures.push((outcome.target, e.to_string()));
                    return;
                }
            };
            let key = ProxyKey::from(&outcome.target);
            let mut reducer = BodyReducer::new(key, source::epoch_ms(scraped.scraped_at));
            if let Err(message) =
                scraped.for_each_line_chunk(ctx.global.max_body_size, |text| reducer.feed(text))
            {
                failures.push((outcome.target, message));
                return;
            }
            let errors = state.add_reduced(reducer);
            if let Some(first) = errors.first() {
                let t = &outcome.target;
                state
                    .proxies
                    .retain(|p| p.key.namespace != t.namespace || p.key.pod != t.pod);
                failures.push((outcome.target, format!("malformed metrics: {first}")));
                return;
            }
            match &mut keep {
                Keep::Everything => {}
                Keep::Baseline => state.keep_last_as_baseline(),
                Keep::IncreasesSince(before) => state.fold_last_against(before),
            }
        },
    )
    .await;
    Collected {
        state,
        failures,
        interrupted: summary.interrupted,
    }
}

/// The rows to show: [`stat::compute`] from `before` to `after` (or since start without
/// `before`), plus an empty row for each selected workload (or pod) that no proxy answered for,
/// the MESHED denominators, and per-workload outbound route totals. Sorted by namespace, then name.
pub fn stat_lines(
    before: Option<&StatState>,
    after: &StatState,
    by: GroupBy,
    selected: &[ProxyKey],
) -> Vec<StatLine> {
    let compute = |by| match before {
        Some(before) => stat::compute(before, after, by),
        None => stat::compute_since_start(after, by),
    };
    let mut rows = compute(by);
    let mut per_workload: HashMap<(String, String), usize> = HashMap::new();
    for key in selected {
        *per_workload
            .entry((key.namespace.clone(), workload_name(key)))
            .or_default() += 1;
    }
    match by {
        GroupBy::Workload => {
            for (namespace, workload) in per_workload.keys() {
                if !rows
                    .iter()
                    .any(|r| &r.namespace == namespace && &r.workload == workload)
                {
                    rows.push(empty_row(namespace, workload, None));
                }
            }
        }
        GroupBy::Pod => {
            for key in selected {
                if !rows.iter().any(|r| {
                    r.namespace == key.namespace && r.pod.as_deref() == Some(key.pod.as_str())
                }) {
                    rows.push(empty_row(
                        &key.namespace,
                        &workload_name(key),
                        Some(&key.pod),
                    ));
                }
            }
        }
        _ => {}
    }
    rows.sort_by(|a, b| row_order(a).cmp(&row_order(b)));
    let routes = if by == GroupBy::Workload {
        route_totals(&compute(GroupBy::Route))
    } else {
        HashMap::new()
    };
    rows.into_iter()
        .map(|row| {
            let workload = (row.namespace.clone(), row.workload.clone());
            let selected_pods = match by {
                GroupBy::Pod => 1,
                _ => per_workload
                    .get(&workload)
                    .copied()
                    .unwrap_or(row.meshed_pods),
            };
            let (route_rps, route_success_rate) =
                routes.get(&workload).copied().unwrap_or((None, None));
            StatLine {
                row,
                selected_pods,
                route_rps,
                route_success_rate,
            }
        })
        .collect()
}

type RowOrder<'r> = (
    &'r str,
    &'r str,
    Option<&'r str>,
    Option<&'r str>,
    Option<&'r str>,
    Option<&'r str>,
);

fn row_order(row: &StatRow) -> RowOrder<'_> {
    (
        &row.namespace,
        &row.workload,
        row.pod.as_deref(),
        row.direction.as_deref(),
        row.authority.as_deref(),
        row.route.as_deref(),
    )
}

/// Route rows summed per workload: requests per second and success rate.
fn route_totals(rows: &[StatRow]) -> HashMap<(String, String), (Option<f64>, Option<f64>)> {
    let mut sums: HashMap<(String, String), (Option<f64>, f64, f64)> = HashMap::new();
    for row in rows {
        let entry = sums
            .entry((row.namespace.clone(), row.workload.clone()))
            .or_default();
        if let Some(rps) = row.rps {
            entry.0 = Some(entry.0.unwrap_or(0.0) + rps);
        }
        entry.1 += row.requests * row.success_rate.unwrap_or(0.0);
        entry.2 += row.requests;
    }
    sums.into_iter()
        .map(|(key, (rps, success, requests))| {
            (key, (rps, (requests > 0.0).then(|| success / requests)))
        })
        .collect()
}

/// A row for a workload or pod whose proxies all failed.
fn empty_row(namespace: &str, workload: &str, pod: Option<&str>) -> StatRow {
    StatRow {
        namespace: namespace.to_string(),
        workload: workload.to_string(),
        pod: pod.map(str::to_string),
        direction: None,
        authority: None,
        route: None,
        meshed_pods: 0,
        requests: 0.0,
        success_rate: None,
        rps: None,
        latency_p50_ms: None,
        latency_p95_ms: None,
        latency_p99_ms: None,
        tcp_connections: None,
        read_bytes_per_sec: None,
        tls_share: None,
        write_bytes_per_sec: None,
    }
}

/// `kind/name` as [`StatRow::workload`] spells it (`pod/NAME` for a bare pod).
pub(crate) fn workload_name(key: &ProxyKey) -> String {
    match &key.workload {
        Some(w) => format!("{}/{}", w.kind, w.name),
        None => format!("pod/{}", key.pod),
    }
}

/// Whether the rows come from more than one namespace (then a NAMESPACE column is needed).
pub fn spans_namespaces(lines: &[StatLine]) -> bool {
    lines
        .windows(2)
        .any(|w| w[0].row.namespace != w[1].row.namespace)
}

/// `lines` in the chosen format: a table (`wide` adds columns) or a JSON array of rows.
pub fn render(
    lines: &[StatLine],
    format: StatFormat,
    by: GroupBy,
    namespace_column: bool,
    color: bool,
) -> Result<Vec<u8>> {
    if format == StatFormat::Json {
        let mut out = serde_json::to_vec_pretty(lines)
            .map_err(|e| Error::Failed(format!("cannot encode JSON: {e}")))?;
        out.push(b'\n');
        return Ok(out);
    }
    let spec = StatTable {
        by,
        wide: format == StatFormat::Wide,
        namespace_column,
    };
    Ok(table::render_stat(lines, spec, TableOptions::for_stdout(color)).into_bytes())
}

/// Reads a snapshot or raw proxy text into a reduced state. Each target's scrape time is its
/// samples' timestamp; without one (raw text), the file's modification time. A target without a
/// `pod` label is named after `name_from`'s file name.
pub(crate) fn state_from_file(path: &Path, name_from: &Path) -> Result<StatState> {
    let mut state = StatState::default();
    for (key, target) in targets_from_file(path, name_from)? {
        state.add_target(key, &target);
    }
    Ok(state)
}

/// The targets of a snapshot or raw proxy text, each with its pod and a scrape time, named as
/// [`state_from_file`] says.
pub(crate) fn targets_from_file(path: &Path, name_from: &Path) -> Result<Vec<(ProxyKey, Target)>> {
    let snapshot = source::file::load_file(path)?;
    let file_time = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| SystemTime::now());
    let stem = name_from
        .file_stem()
        .map_or_else(|| "file".into(), |s| s.to_string_lossy().into_owned());
    let several = snapshot.targets.len() > 1;
    Ok(snapshot
        .targets
        .into_iter()
        .enumerate()
        .map(|(i, mut target)| {
            let fallback_pod = if several {
                format!("{stem}-{i}")
            } else {
                stem.clone()
            };
            target
                .scrape_time_ms
                .get_or_insert_with(|| source::epoch_ms(file_time));
            (proxy_key(&target, fallback_pod), target)
        })
        .collect())
}

/// The workload kinds a target label can name, with the label that names each.
const WORKLOAD_LABELS: &[(&str, &str)] = &[
    ("deployment", "deployment"),
    ("statefulset", "statefulset"),
    ("daemonset", "daemonset"),
    ("replicaset", "replicaset"),
    ("replicationcontroller", "replicationcontroller"),
    ("k8s_job", "job"),
    ("job", "job"),
    ("cronjob", "cronjob"),
];

/// Which proxy a file's target is: its `namespace`, `pod` and workload labels.
pub(crate) fn proxy_key(target: &Target, fallback_pod: String) -> ProxyKey {
    let workload = WORKLOAD_LABELS.iter().find_map(|(label, kind)| {
        target.label(label).map(|name| Workload {
            kind,
            name: name.to_string(),
        })
    });
    ProxyKey {
        namespace: target.label("namespace").unwrap_or_default().to_string(),
        pod: target.label("pod").map_or(fallback_pod, str::to_string),
        workload,
    }
}

//! `demo`: the simulated mesh (spec §8) in-process, either shown through `stat`'s numbers once or
//! kept running (`--serve`) for trying every command and kubectl against it.

use std::path::PathBuf;
use std::time::Duration;

use super::{Context, write_stdout};
use crate::cli::DemoArgs;
use crate::cluster::{self, ClusterOptions};
use crate::error::{Error, Exit, Result};
use crate::interrupt;
use crate::metrics::stat::{self, GroupBy, ProxyKey};
use crate::render::stat::{StatFormat, render};
use crate::resolve::{self, Scope, Selection};
use crate::source;
use linkerd_export_sim::{self as sim, Sim, SimConfig};

/// The window `demo` measures over: long enough for every emojivoto edge to carry traffic at the
/// simulated rates, short enough for a first run.
const DEMO_WINDOW: Duration = Duration::from_secs(3);

/// The namespace `demo` shows.
const DEMO_NAMESPACE: &str = "emojivoto";

/// The simulation the flags describe.
pub(super) fn sim_config(args: &DemoArgs) -> SimConfig {
    let defaults = SimConfig::default();
    SimConfig {
        replicas: args.replicas,
        namespaces: args.namespaces,
        series: args.series,
        latency: args.latency.unwrap_or(defaults.latency),
        faults: args.faults.clone(),
        seed: args.seed,
        listen: args.listen,
        ..defaults
    }
}

/// Runs `demo`.
pub(super) async fn run(ctx: &Context, args: DemoArgs) -> Result<Exit> {
    let config = sim_config(&args);
    if args.serve {
        sim::serve_demo(config, args.kubeconfig_out.clone())
            .await
            .map_err(|e| Error::Failed(e.to_string()))?;
        return Ok(Exit::Success);
    }

    let handle = Sim::start(config)
        .await
        .map_err(|e| Error::Failed(format!("cannot start the simulated mesh: {e}")))?;
    let kubeconfig = Kubeconfig::write(&handle)?;
    let pods = handle.pods().len();
    if !ctx.global.quiet {
        eprintln!(
            "started a simulated Linkerd mesh: emojivoto, linkerd and linkerd-viz, {pods} pods, at {}",
            handle.server_url()
        );
        eprintln!(
            "measuring traffic for {} (kubectl linkerd-export stat deploy -n {DEMO_NAMESPACE} --window {})...",
            humantime::format_duration(DEMO_WINDOW),
            humantime::format_duration(DEMO_WINDOW)
        );
    }
    let exit = show_deployments(ctx, &kubeconfig.0).await?;
    if !ctx.global.quiet {
        eprintln!(
            "\nvoting fails some requests on purpose. To try every command (and kubectl) against the \
             simulated mesh, run `kubectl linkerd-export demo --serve`."
        );
    }
    handle.shutdown();
    Ok(exit)
}

/// What `stat deploy -n emojivoto --window 3s` prints, against the simulator's kubeconfig: the
/// same library calls, with the options spelled out.
async fn show_deployments(ctx: &Context, kubeconfig: &std::path::Path) -> Result<Exit> {
    let cluster = cluster::connect(&ClusterOptions {
        kubeconfig: Some(kubeconfig.to_path_buf()),
        ..ClusterOptions::default()
    })
    .await?;
    let selection = Selection {
        targets: resolve::parse_targets(&["deploy"])?,
        scope: Scope::Namespace(DEMO_NAMESPACE.into()),
        selector: None,
    };
    let options = ctx.source_options();
    let live = source::resolve_selection(&options, cluster, selection).await?;
    let selected: Vec<ProxyKey> = live.pods.iter().map(ProxyKey::from).collect();
    let cancel = interrupt::cancel_on_ctrl_c();
    let measured = source::stat_window(&options, &live, Some(DEMO_WINDOW), &cancel).await?;
    if !measured.after.proxies.is_empty() {
        let by = GroupBy::Workload;
        let lines = stat::stat_lines(measured.before.as_ref(), &measured.after, by, &selected);
        let namespace_column = stat::spans_namespaces(&lines);
        let out = render(&lines, StatFormat::Table, by, namespace_column, ctx.color)
            .map_err(|e| Error::Failed(format!("cannot encode JSON: {e}")))?;
        write_stdout(&out)?;
    }
    Ok(measured.report())
}

/// A kubeconfig for the simulator in the temp directory, removed when dropped.
struct Kubeconfig(PathBuf);

impl Kubeconfig {
    fn write(handle: &sim::SimHandle) -> Result<Kubeconfig> {
        let path = std::env::temp_dir().join(format!(
            "linkerd-export-demo-{}.kubeconfig",
            std::process::id()
        ));
        handle
            .write_kubeconfig(&path)
            .map_err(|e| Error::Failed(e.to_string()))?;
        Ok(Kubeconfig(path))
    }
}

impl Drop for Kubeconfig {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

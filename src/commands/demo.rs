//! `demo`: the simulated mesh (spec §8) in-process, either shown through `stat` once or kept
//! running (`--serve`) for trying every command and kubectl against it.

use std::path::PathBuf;
use std::time::Duration;

use super::{Context, stat};
use crate::cli::{DemoArgs, StatArgs, StatBy, StatFormat};
use crate::error::{Error, Exit, Result};
use linkerd_export_sim::{self as sim, Sim, SimConfig};

/// The window `demo` measures over: long enough for every emojivoto edge to carry traffic at the
/// simulated rates, short enough for a first run.
const DEMO_WINDOW: Duration = Duration::from_secs(3);

/// The simulation the flags describe.
pub fn sim_config(args: &DemoArgs) -> SimConfig {
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
pub async fn run(ctx: &Context, args: DemoArgs) -> Result<Exit> {
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
            "measuring traffic for {} (kubectl linkerd-export stat deploy -n emojivoto --window {})...",
            humantime::format_duration(DEMO_WINDOW),
            humantime::format_duration(DEMO_WINDOW)
        );
    }
    let mut global = ctx.global.clone();
    global.kubeconfig = Some(kubeconfig.0.clone());
    global.context = None;
    global.namespace = Some("emojivoto".into());
    global.all_namespaces = false;
    let stat_ctx = Context {
        global,
        ..ctx.clone()
    };
    let exit = stat::run(
        &stat_ctx,
        StatArgs {
            targets: vec!["deploy".into()],
            from_file: Vec::new(),
            window: DEMO_WINDOW,
            since_start: false,
            by: StatBy::Workload,
            output: StatFormat::Table,
            read_from: None,
        },
    )
    .await?;
    if !ctx.global.quiet {
        eprintln!(
            "\nvoting fails some requests on purpose. To try every command (and kubectl) against the \
             simulated mesh, run `kubectl linkerd-export demo --serve`."
        );
    }
    handle.shutdown();
    Ok(exit)
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

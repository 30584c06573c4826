//! `demo`: the simulated mesh (spec §8) in-process, either shown through `stat` once or kept
//! running (`--serve`) for trying every command and kubectl against it.

use super::Context;
use crate::cli::DemoArgs;
use crate::error::{Error, Exit, Result};
use crate::sim::{self, SimConfig};

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
pub async fn run(_ctx: &Context, args: DemoArgs) -> Result<Exit> {
    let config = sim_config(&args);
    if args.serve {
        sim::serve_demo(config, args.kubeconfig_out.clone())
            .await
            .map_err(|e| Error::Failed(e.to_string()))?;
        return Ok(Exit::Success);
    }
    Err(Error::Failed("demo without --serve needs stat".into()))
}

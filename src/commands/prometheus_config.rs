//! `prometheus-config`: print the federation job or ServiceMonitor of Linkerd's "Exporting
//! Metrics" page ([`crate::render::prometheus_config`]) for this cluster's linkerd-viz namespace
//! (given, or detected).

use super::{Context, write_stdout};
use crate::cli::PrometheusConfigArgs;
use crate::cluster::{self, viz};
use crate::error::{Error, Exit, Result};
use crate::render::prometheus_config::{ConfigFormat, ConfigRequest, render};

/// Runs `prometheus-config`.
pub(super) async fn run(ctx: &Context, args: PrometheusConfigArgs) -> Result<Exit> {
    let format = ConfigFormat::from(args.format);
    if format != ConfigFormat::Static && args.target.is_some() {
        return Err(Error::Usage(
            "--target is only used with --format static".into(),
        ));
    }
    let viz_namespace = match args.viz_namespace {
        Some(namespace) => namespace,
        None => detect_viz_namespace(ctx).await?,
    };
    let yaml = render(&ConfigRequest {
        format,
        viz_namespace,
        target: args.target,
    })?;
    write_stdout(yaml.as_bytes())?;
    Ok(Exit::Success)
}

async fn detect_viz_namespace(ctx: &Context) -> Result<String> {
    let cluster = cluster::connect(&ctx.global.cluster_options()).await?;
    Ok(viz::detect_namespace(&cluster.client).await?)
}

//! The command line mapped to the library's options, so no layer below `cli` sees a clap type:
//! the global flags become [`source::Options`], and each CLI enum its library enum.

use super::{
    FilterArgs, GlobalArgs, ObfuscateMode, PrometheusConfigFormat, ReadFrom, TargetLabels, Via,
};
use crate::error::{Error, Result};
use crate::forward::{self, FetchOptions};
use crate::metrics::obfuscate::Obfuscation;
use crate::metrics::select::Filter;
use crate::render::prometheus_config::ConfigFormat;
use crate::resolve::TargetLabelSet;
use crate::source::{self, LiveFrom};

impl GlobalArgs {
    /// What the sources need from the global options; `progress` says whether stderr gets
    /// progress (a terminal, and no `-q`).
    pub(crate) fn source_options(&self, progress: bool) -> source::Options {
        source::Options {
            cluster: self.cluster_options(),
            namespace: self.namespace.clone(),
            all_namespaces: self.all_namespaces,
            selector: self.selector.clone(),
            fetch: FetchOptions {
                via: self.via.into(),
                timeout: self.timeout,
                max_body: self.max_body_size,
                keep_gzip: false,
            },
            concurrency: self.concurrency,
            progress,
            target_labels: self.target_labels.into(),
            quiet: self.quiet,
        }
    }

    /// `--obfuscate`, if given.
    pub(crate) fn obfuscation(&self) -> Option<Obfuscation> {
        self.obfuscate.map(Obfuscation::from)
    }
}

impl FilterArgs {
    /// `-m`/`--match` as a filter; a bad pattern is a usage error.
    pub(crate) fn filter(&self) -> Result<Filter> {
        Filter::new(&self.metric, &self.matches).map_err(|e| Error::Usage(e.to_string()))
    }
}

impl From<Via> for forward::Via {
    fn from(via: Via) -> Self {
        match via {
            Via::Portforward => forward::Via::PortForward,
            Via::Apiserver => forward::Via::ApiServer,
        }
    }
}

impl From<ObfuscateMode> for Obfuscation {
    fn from(mode: ObfuscateMode) -> Self {
        match mode {
            ObfuscateMode::Compat => Obfuscation::Compat,
            ObfuscateMode::Strict => Obfuscation::Strict,
        }
    }
}

impl From<TargetLabels> for TargetLabelSet {
    fn from(set: TargetLabels) -> Self {
        match set {
            TargetLabels::Full => TargetLabelSet::Full,
            TargetLabels::Minimal => TargetLabelSet::Minimal,
        }
    }
}

impl From<Option<&ReadFrom>> for LiveFrom {
    fn from(read_from: Option<&ReadFrom>) -> Self {
        match read_from {
            Some(ReadFrom::Prometheus(url)) => LiveFrom::Prometheus(url.clone()),
            Some(ReadFrom::Proxies) | None => LiveFrom::Proxies,
        }
    }
}

impl From<PrometheusConfigFormat> for ConfigFormat {
    fn from(format: PrometheusConfigFormat) -> Self {
        match format {
            PrometheusConfigFormat::ScrapeConfig => ConfigFormat::ScrapeConfig,
            PrometheusConfigFormat::Static => ConfigFormat::Static,
            PrometheusConfigFormat::ServiceMonitor => ConfigFormat::ServiceMonitor,
        }
    }
}

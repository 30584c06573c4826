//! The command line mapped to the library's options, so no layer below `cli` sees a clap type:
//! the global flags become [`source::Options`], `export`'s remote-write flags a
//! [`RemoteWriteConfig`], and each CLI enum its library enum.

use super::{
    ExportArgs, FilterArgs, GlobalArgs, ObfuscateMode, PrometheusConfigFormat, ReadFrom,
    TargetLabels, Via,
};
use crate::error::{Error, Result};
use crate::export::http::HttpOptions;
use crate::export::remote_write::{Auth, RemoteWriteConfig, parse_header};
use crate::forward::{self, FetchOptions};
use crate::metrics::filter::Filter;
use crate::metrics::obfuscate::Obfuscation;
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

impl ExportArgs {
    /// What `--remote-write` and its companion flags ask for.
    pub(crate) fn remote_write_config(&self, url: String) -> Result<RemoteWriteConfig> {
        let auth = if let Some(token) = &self.bearer_token {
            Auth::Bearer(token.clone())
        } else if let Some(path) = &self.bearer_token_file {
            let token = std::fs::read_to_string(path).map_err(|e| Error::read(path, e))?;
            if token.trim().is_empty() {
                return Err(Error::Failed(format!(
                    "{}: the bearer token file is empty",
                    path.display()
                )));
            }
            Auth::Bearer(token.trim().to_string())
        } else if let Some(credentials) = &self.basic_auth {
            let (username, password) = credentials.split_once(':').ok_or_else(|| {
                Error::Usage("--basic-auth expects USER:PASSWORD (with a colon)".into())
            })?;
            Auth::Basic {
                username: username.to_string(),
                password: password.to_string(),
            }
        } else {
            Auth::None
        };
        let headers = self
            .headers
            .iter()
            .map(|header| parse_header(header).map_err(Error::from))
            .collect::<Result<_>>()?;
        Ok(RemoteWriteConfig {
            auth,
            headers,
            max_samples_per_request: self.batch_size,
            http: HttpOptions {
                timeout: self.write_timeout,
                ca_file: self.ca_file.clone(),
            },
            ..RemoteWriteConfig::new(url)
        })
    }
}

impl FilterArgs {
    /// `-m`/`--match` as a filter; a bad pattern is a usage error.
    pub(crate) fn filter(&self) -> Result<Filter> {
        Ok(Filter::new(&self.metric, &self.matches)?)
    }

    /// The warning for filters that kept none of what was read (`kept` samples), naming them:
    /// an empty output is otherwise indistinguishable from a typo (spec §9). `None` when
    /// something was kept or there is no filter.
    pub(crate) fn matched_nothing(&self, kept: usize) -> Option<String> {
        if kept > 0 || (self.metric.is_empty() && self.matches.is_empty()) {
            return None;
        }
        let named: Vec<String> = self
            .metric
            .iter()
            .map(|m| format!("-m {m}"))
            .chain(self.matches.iter().map(|m| format!("--match '{m}'")))
            .collect();
        Some(format!("no series matched {}", named.join(" ")))
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

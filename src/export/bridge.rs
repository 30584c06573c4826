//! The bridge from the metrics engine's [`Snapshot`] to what the export paths take: series for
//! remote write (built one at a time), family metadata, and a [`MetricsSource`] for `--serve`
//! that renders a fresh scrape per request.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::FutureExt;
use futures::future::Shared;

use super::remote_write::Collected;
use super::serve::{
    Endpoint, Exposition, ExpositionFormat, MetricsSource, SourceError, SourceFuture, SourceRequest,
};
use super::{Metadata, Series};
use crate::metrics::filter::Filter;
use crate::metrics::model::Snapshot;
use crate::metrics::write::{self, Format, WriteOptions, output_families, sanitize_name};

use crate::resolve::PROXY_JOB;

/// Every sample of a snapshot as a [`Series`], built as the iterator advances: `__name__`, the
/// target labels, then the sample's own labels (a sample's label wins over the target label of
/// the same name, as the writers do it); stamped with the sample's timestamp, else its target's
/// scrape time, else `fallback_ms`.
#[derive(Debug)]
pub struct SnapshotSeries {
    snapshot: Snapshot,
    fallback_ms: i64,
    target: usize,
    family: usize,
    sample: usize,
}

impl SnapshotSeries {
    /// Walks `snapshot`'s samples.
    pub fn new(snapshot: Snapshot, fallback_ms: i64) -> Self {
        Self {
            snapshot,
            fallback_ms,
            target: 0,
            family: 0,
            sample: 0,
        }
    }
}

impl Iterator for SnapshotSeries {
    type Item = Series;

    fn next(&mut self) -> Option<Series> {
        loop {
            let target = self.snapshot.targets.get(self.target)?;
            let Some(family) = target.family_at(self.family) else {
                self.target += 1;
                self.family = 0;
                self.sample = 0;
                continue;
            };
            let Some(sample) = family.sample_at(self.sample) else {
                self.family += 1;
                self.sample = 0;
                continue;
            };
            self.sample += 1;
            let mut labels = Vec::with_capacity(target.labels.len() + 16);
            labels.push((
                "__name__".to_string(),
                sanitize_name(sample.name, true).into_owned(),
            ));
            let mut own: Vec<_> = sample.labels.iter().collect();
            own.sort_by(|a, b| a.name.cmp(&b.name));
            labels.extend(
                target
                    .labels
                    .iter()
                    .filter(|(t, _)| !own.iter().any(|l| l.name == t.as_str()))
                    .cloned(),
            );
            for label in own {
                let name = sanitize_name(&label.name, false).into_owned();
                labels.push((name, label.value.into_owned()));
            }
            return Some(Series {
                labels,
                value: sample.value,
                timestamp_ms: sample
                    .timestamp_ms
                    .or(target.scrape_time_ms)
                    .unwrap_or(self.fallback_ms),
            });
        }
    }
}

/// The families of `snapshot` as Prometheus text names them, with type, help and unit.
pub fn metadata(snapshot: &Snapshot) -> Vec<Metadata> {
    output_families(snapshot, Format::Prometheus)
        .into_iter()
        .map(|family| Metadata {
            family: family.name.into_owned(),
            kind: family.kind,
            help: family.help.unwrap_or_default().into_owned(),
            unit: family.unit.unwrap_or_default().to_string(),
        })
        .collect()
}

/// A scraped snapshot as one remote-write round.
pub fn collected(snapshot: Snapshot, fallback_ms: i64) -> Collected<SnapshotSeries> {
    let metadata = metadata(&snapshot);
    Collected {
        series: SnapshotSeries::new(snapshot, fallback_ms),
        metadata,
    }
}

type ScrapeFuture = Pin<Box<dyn Future<Output = Result<Arc<Snapshot>, String>> + Send>>;

/// A `--serve` source over `scrape`, which scrapes every targeted proxy into a snapshot within
/// the given deadline (the scraper's, when it sent one); its error, for when nothing could be
/// scraped, becomes a 503. Requests that arrive while a scrape is in flight share it, so a
/// Prometheus pair, or `/metrics` and `/federate` jobs scraping together, cost one scrape.
/// `/metrics` is rendered in the format the client prefers; `/federate` keeps the series
/// matching a selector, labelled `job="linkerd-proxy"`, in Prometheus text with timestamps, as
/// Prometheus' own `/federate` does.
pub fn snapshot_source<F, Fut>(scrape: F) -> impl MetricsSource
where
    F: Fn(Option<Duration>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Snapshot, String>> + Send + 'static,
{
    let scrape = Arc::new(scrape);
    let in_flight: Arc<Mutex<Option<Shared<ScrapeFuture>>>> = Arc::default();
    move |request: SourceRequest| -> SourceFuture {
        let filter = match federate_filter(&request) {
            Ok(filter) => filter,
            Err(error) => return Box::pin(std::future::ready(Err(error))),
        };
        let shared = {
            let mut slot = in_flight
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            match slot.as_ref() {
                Some(running) if running.peek().is_none() => running.clone(),
                _ => {
                    let scrape = scrape.clone();
                    let timeout = request.scrape_timeout;
                    let future: ScrapeFuture =
                        Box::pin(async move { scrape(timeout).await.map(Arc::new) });
                    let running = future.shared();
                    *slot = Some(running.clone());
                    running
                }
            }
        };
        Box::pin(async move { render(&request, filter, shared.await) })
    }
}

/// For `/federate`, the selectors parsed, so a bad one is refused before anything is scraped.
fn federate_filter(request: &SourceRequest) -> Result<Option<Filter>, SourceError> {
    match request.endpoint {
        Endpoint::Metrics => Ok(None),
        Endpoint::Federate => Filter::new::<&str, _>(&[], &request.selectors)
            .map(Some)
            .map_err(|err| SourceError::BadRequest(format!("bad match[] selector: {err}"))),
    }
}

fn render(
    request: &SourceRequest,
    filter: Option<Filter>,
    scraped: Result<Arc<Snapshot>, String>,
) -> Result<Exposition, SourceError> {
    let snapshot = scraped.map_err(SourceError::Unavailable)?;
    let (text, format) = match filter {
        None => {
            let format = if request.openmetrics {
                Format::OpenMetrics
            } else {
                Format::Prometheus
            };
            let options = WriteOptions {
                format,
                timestamps: false,
            };
            (write::to_string(&snapshot, options), format)
        }
        Some(filter) => {
            let mut snapshot = Snapshot::clone(&snapshot);
            for target in &mut snapshot.targets {
                if target.label("job").is_none() {
                    target
                        .labels
                        .push(("job".to_string(), PROXY_JOB.to_string()));
                }
            }
            filter.retain_snapshot(&mut snapshot);
            let options = WriteOptions {
                format: Format::Prometheus,
                timestamps: true,
            };
            (write::to_string(&snapshot, options), Format::Prometheus)
        }
    };
    Ok(Exposition {
        body: Bytes::from(text),
        format: match format {
            Format::Prometheus => ExpositionFormat::Prometheus,
            Format::OpenMetrics => ExpositionFormat::OpenMetrics,
        },
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::metrics::MetricType;
    use crate::metrics::model::Target;

    const BODY: &str = "# HELP request_total Total count of HTTP requests.\n\
        # TYPE request_total counter\n\
        request_total{direction=\"inbound\",namespace=\"other\"} 5\n\
        request_total{direction=\"outbound\"} 7\n\
        # TYPE tcp_open_connections gauge\n\
        tcp_open_connections{direction=\"inbound\"} 2\n";

    fn snapshot(scrape_time_ms: Option<i64>) -> Snapshot {
        let labels = vec![
            ("namespace".to_string(), "emojivoto".to_string()),
            ("pod".to_string(), "web-1".to_string()),
            ("container".to_string(), "linkerd-proxy".to_string()),
            ("deployment".to_string(), "web".to_string()),
        ];
        Snapshot {
            targets: vec![Target::parse(BODY.to_string(), labels, scrape_time_ms).unwrap()],
        }
    }

    fn pairs(series: &Series) -> Vec<(&str, &str)> {
        series
            .labels
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn series_carry_target_labels_and_the_samples_own_win_a_clash() {
        let series: Vec<Series> = SnapshotSeries::new(snapshot(Some(1_000)), 9).collect();
        assert_eq!(series.len(), 3);
        assert_eq!(
            pairs(&series[0]),
            [
                ("__name__", "request_total"),
                ("pod", "web-1"),
                ("container", "linkerd-proxy"),
                ("deployment", "web"),
                ("direction", "inbound"),
                ("namespace", "other"),
            ]
        );
        assert_eq!(
            pairs(&series[1]),
            [
                ("__name__", "request_total"),
                ("namespace", "emojivoto"),
                ("pod", "web-1"),
                ("container", "linkerd-proxy"),
                ("deployment", "web"),
                ("direction", "outbound"),
            ]
        );
        assert_eq!((series[1].value, series[1].timestamp_ms), (7.0, 1_000));
        assert_eq!(series[2].name(), "tcp_open_connections");
        let unstamped: Vec<Series> = SnapshotSeries::new(snapshot(None), 9).collect();
        assert!(unstamped.iter().all(|s| s.timestamp_ms == 9));
    }

    #[test]
    fn metadata_names_types_and_help() {
        let metadata = metadata(&snapshot(None));
        assert_eq!(metadata.len(), 2);
        assert_eq!(metadata[0].family, "request_total");
        assert_eq!(metadata[0].kind, MetricType::Counter);
        assert_eq!(metadata[0].help, "Total count of HTTP requests.");
        assert_eq!(metadata[1].kind, MetricType::Gauge);
        assert_eq!(collected(snapshot(None), 0).series.count(), 3);
    }

    fn request(endpoint: Endpoint, selectors: &[&str], openmetrics: bool) -> SourceRequest {
        SourceRequest {
            endpoint,
            selectors: selectors.iter().map(|s| s.to_string()).collect(),
            openmetrics,
            scrape_timeout: None,
        }
    }

    fn counting_source(calls: Arc<AtomicUsize>) -> impl MetricsSource {
        snapshot_source(move |_deadline| {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Ok(snapshot(Some(1_764_014_400_000))) }
        })
    }

    #[tokio::test]
    async fn metrics_in_the_format_asked_for() {
        let source = counting_source(Arc::default());
        let text = source
            .collect(request(Endpoint::Metrics, &[], false))
            .await
            .unwrap();
        assert_eq!(text.format, ExpositionFormat::Prometheus);
        let body = String::from_utf8(text.body.to_vec()).unwrap();
        assert!(body.contains("request_total{namespace=\"emojivoto\",pod=\"web-1\",container=\"linkerd-proxy\",deployment=\"web\",direction=\"outbound\"} 7\n"), "{body}");
        let om = source
            .collect(request(Endpoint::Metrics, &[], true))
            .await
            .unwrap();
        assert_eq!(om.format, ExpositionFormat::OpenMetrics);
        assert!(om.body.ends_with(b"# EOF\n"));
    }

    #[tokio::test]
    async fn federate_filters_adds_the_proxy_job_and_stamps_samples() {
        let calls = Arc::new(AtomicUsize::new(0));
        let source = counting_source(calls.clone());
        let federated = source
            .collect(request(
                Endpoint::Federate,
                &[r#"{job="linkerd-proxy",__name__="tcp_open_connections"}"#],
                true,
            ))
            .await
            .unwrap();
        assert_eq!(federated.format, ExpositionFormat::Prometheus);
        let body = String::from_utf8(federated.body.to_vec()).unwrap();
        assert_eq!(
            body,
            "# TYPE tcp_open_connections gauge\n\
             tcp_open_connections{namespace=\"emojivoto\",pod=\"web-1\",container=\"linkerd-proxy\",deployment=\"web\",job=\"linkerd-proxy\",direction=\"inbound\"} 2 1764014400000\n"
        );
        let err = source
            .collect(request(Endpoint::Federate, &["{job="], false))
            .await
            .unwrap_err();
        assert!(
            matches!(err, SourceError::BadRequest(ref m) if m.starts_with("bad match[] selector")),
            "{err:?}"
        );
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "a bad selector scrapes nothing"
        );
    }

    #[tokio::test]
    async fn nothing_scraped_is_unavailable() {
        let source = snapshot_source(|_deadline| async { Err("every scrape failed".to_string()) });
        let err = source
            .collect(request(Endpoint::Metrics, &[], false))
            .await
            .unwrap_err();
        assert_eq!(err, SourceError::Unavailable("every scrape failed".into()));
    }

    #[tokio::test]
    async fn concurrent_requests_share_one_scrape_and_later_ones_scrape_again() {
        let calls = Arc::new(AtomicUsize::new(0));
        let release = Arc::new(tokio::sync::Notify::new());
        let (counter, gate) = (calls.clone(), release.clone());
        let source = snapshot_source(move |_deadline| {
            counter.fetch_add(1, Ordering::SeqCst);
            let gate = gate.clone();
            async move {
                gate.notified().await;
                Ok(snapshot(None))
            }
        });
        let first = source.collect(request(Endpoint::Metrics, &[], false));
        let second = source.collect(request(Endpoint::Federate, &["request_total"], false));
        release.notify_one();
        let (first, second) = tokio::join!(first, second);
        assert!(first.is_ok() && second.is_ok());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        release.notify_one();
        source
            .collect(request(Endpoint::Metrics, &[], false))
            .await
            .unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }
}

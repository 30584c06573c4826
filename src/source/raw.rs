//! `metrics -o raw` from the proxies: each body as served (or filtered and obfuscated),
//! held compressed until every proxy is in, with the malformed lines of bodies kept as served.

use tokio_util::sync::CancellationToken;

use super::{Live, Options, pod_name, scrape_each};
use crate::metrics::filter::Filter;
use crate::metrics::held::HeldBody;
use crate::metrics::model::{Snapshot, Target};
use crate::metrics::obfuscate::{self, Obfuscation};
use crate::metrics::parse::{self, ParseError};
use crate::metrics::write::{self, Format, WriteOptions};
use crate::resolve::PodTarget;

/// Prometheus text without sample timestamps, as proxies serve it.
const PROM_TEXT: WriteOptions = WriteOptions {
    format: Format::Prometheus,
    timestamps: false,
};

/// What [`scrape_raw`] holds.
pub(crate) struct RawScrape {
    /// Each pod's body, or why there is none, sorted by (namespace, pod).
    pub held: Vec<(PodTarget, Result<HeldBody, String>)>,
    /// The bodies kept as served whose first malformed line is this, by `namespace/pod`, sorted.
    pub malformed: Vec<(String, ParseError)>,
    /// The samples the filters kept (0 without filters).
    pub kept: usize,
    /// Whether Ctrl-C cut the scrape short.
    pub interrupted: bool,
}

/// Scrapes every pod of `live` once, holding each body compressed: as served when there is no
/// filter and no obfuscation (checked line by line as it decodes), else with `filter` applied
/// (re-written as Prometheus text) and obfuscated.
pub(crate) async fn scrape_raw(
    options: &Options,
    live: &Live,
    cancel: &CancellationToken,
    filter: &Filter,
    obfuscation: Option<Obfuscation>,
) -> RawScrape {
    let mut held: Vec<(PodTarget, Result<HeldBody, String>)> = Vec::new();
    let mut kept = 0;
    let mut malformed = Vec::new();
    let summary = scrape_each(options, live, cancel, |outcome| {
        let body = match outcome.result {
            Ok(scraped) if filter.is_empty() && obfuscation.is_none() => {
                // As served: a compressed body is held as it came, once it is known to decode.
                let mut check = BodyCheck::default();
                scraped
                    .for_each_line_chunk(options.fetch.max_body, |text| check.feed(text))
                    .map(|()| {
                        if let Some(e) = check.first_error {
                            malformed.push((pod_name(&outcome.target), e));
                        }
                        HeldBody::as_served(&scraped.body, scraped.gzip)
                    })
            }
            Ok(scraped) => scraped
                .text(options.fetch.max_body)
                .and_then(|text| {
                    // Filters parse the body (a malformed one fails); obfuscation alone keeps
                    // it as served but for the values it hashes, so it is checked like one.
                    if filter.is_empty() {
                        let mut check = BodyCheck::default();
                        check.feed(&text);
                        if let Some(e) = check.first_error {
                            malformed.push((pod_name(&outcome.target), e));
                        }
                    }
                    transform_raw(text.as_bytes(), filter, obfuscation)
                })
                .map(|(body, samples)| {
                    kept += samples;
                    HeldBody::new(&body)
                }),
            Err(e) => Err(e.to_string()),
        };
        held.push((outcome.target, body));
    })
    .await;
    malformed.sort_by(|a, b| a.0.cmp(&b.0));
    held.sort_by(|(a, _), (b, _)| (&a.namespace, &a.pod).cmp(&(&b.namespace, &b.pod)));
    RawScrape {
        held,
        malformed,
        kept,
        interrupted: summary.interrupted,
    }
}

/// The first malformed line of a body read a piece at a time, numbered from its start.
#[derive(Default)]
struct BodyCheck {
    lines_before: usize,
    first_error: Option<ParseError>,
}

impl BodyCheck {
    fn feed(&mut self, text: &str) {
        let mut lines = 0;
        for line in parse::lines(text) {
            lines += 1;
            if let (Err(mut e), None) = (line, &self.first_error) {
                e.line += self.lines_before;
                self.first_error = Some(e);
            }
        }
        self.lines_before += lines;
    }
}

/// A raw body with `-m`/`--match` applied (re-written as Prometheus text) and `--obfuscate`,
/// and the number of samples the filters kept (0 without filters).
fn transform_raw(
    body: &[u8],
    filter: &Filter,
    obfuscation: Option<Obfuscation>,
) -> Result<(Vec<u8>, usize), String> {
    if filter.is_empty() && obfuscation.is_none() {
        return Ok((body.to_vec(), 0));
    }
    let text = std::str::from_utf8(body).map_err(|e| format!("metrics are not UTF-8 text: {e}"))?;
    let filtered;
    let mut kept = 0;
    let text = if filter.is_empty() {
        text
    } else {
        let mut snapshot = Snapshot {
            targets: vec![
                Target::parse(text.to_string(), Vec::new(), None)
                    .map_err(|e| format!("malformed metrics: {e}"))?,
            ],
        };
        filter.retain_snapshot(&mut snapshot);
        kept = snapshot.sample_count();
        filtered = write::to_string(&snapshot, PROM_TEXT);
        &filtered
    };
    let body = match obfuscation {
        Some(level) => obfuscate::obfuscate_body(text, level).into_bytes(),
        None => text.as_bytes().to_vec(),
    };
    Ok((body, kept))
}

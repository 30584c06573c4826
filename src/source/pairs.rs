//! [`scrape_pairs`]: every proxy scraped twice, a time apart, and its two bodies handed over
//! together as the second comes in (`diff TARGET --interval`). Meanwhile the first scrape is
//! held as served (the gzip the proxy sent, or Snappy when it sent plain text), a fraction of
//! its size: the decoded bodies of a mesh take gigabytes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio_util::sync::CancellationToken;

use super::window::{Pass, SecondScrape, Window, WindowScrape, scrape_window_by_pass};
use super::{Live, Options, parse_scraped};
use crate::error::Result;
use crate::metrics::held::HeldBody;
use crate::metrics::model::Target;
use crate::resolve::PodTarget;
use crate::scrape::Scraped;

/// A first scrape held until its pod's second one comes in.
enum HeldScrape {
    /// Still gzip-encoded as served: decoded (and checked) only then.
    Gzip(Scraped),
    /// Plain text, Snappy-compressed.
    Plain(HeldBody, Scraped),
}

impl HeldScrape {
    fn new(scraped: Scraped) -> Self {
        // A copy of exactly the body: what it was read into may be larger.
        let body = if scraped.gzip {
            Bytes::copy_from_slice(&scraped.body)
        } else {
            Bytes::new()
        };
        let held = Scraped {
            body,
            content_type: None,
            ..scraped
        };
        if scraped.gzip {
            HeldScrape::Gzip(held)
        } else {
            HeldScrape::Plain(HeldBody::new(&scraped.body), held)
        }
    }

    fn scraped(self) -> Scraped {
        match self {
            HeldScrape::Gzip(scraped) => scraped,
            HeldScrape::Plain(body, scraped) => Scraped {
                body: body.body().into(),
                ..scraped
            },
        }
    }
}

/// What `read` makes of a body: the first scrape's, held; the second's, paired.
enum Read<R> {
    Held(HeldScrape),
    Paired(R),
}

/// What [`scrape_pairs`] scrapes second.
pub(crate) enum Then<'l> {
    /// The pods that answered the first scrape, this long after it.
    Again(Duration),
    /// Other pods (another target's), right after the first scrape.
    Other(&'l Live),
}

/// Scrapes every pod of `live`, then the pods `then` says. As each pod's second body comes in,
/// it goes with the same pod's first (if it has one), both parsed with their target labels and
/// scrape times, to `pair` on the task that fetched it (so pairs are made on every core while
/// the fetches go on), and what `pair` made of them to `fold`, one pod at a time.
///
/// With [`Then::Again`] a pod is paired only when both its scrapes were read; those that failed
/// either (or whose body is malformed) are failures, reported by [`WindowScrape::report`], and
/// Ctrl-C (`cancel`) during the wait ends the run with an error. With [`Then::Other`], a pod
/// scraped only once is paired with nothing on the other side; the first scrape's are paired
/// last, one at a time.
pub(crate) async fn scrape_pairs<R: Send + 'static>(
    options: &Options,
    live: &Live,
    then: Then<'_>,
    cancel: &CancellationToken,
    pair: impl Fn(Option<Target>, Option<Target>) -> R + Send + Sync + 'static,
    mut fold: impl FnMut(R),
) -> Result<WindowScrape> {
    type Held = HashMap<(String, String), (PodTarget, HeldScrape)>;
    let held: Arc<Mutex<Held>> = Arc::default();
    let key = |pod: &PodTarget| (pod.namespace.clone(), pod.pod.clone());
    let (second, alone) = match then {
        Then::Again(between) => (
            SecondScrape::Again(Window {
                between: Some(between),
            }),
            false,
        ),
        Then::Other(other) => (SecondScrape::Other(other), true),
    };
    let pair = Arc::new(pair);
    let read = {
        let (held, pair) = (held.clone(), pair.clone());
        let options = options.clone();
        move |pass: Pass, pod: &PodTarget, scraped: Scraped| -> Result<Read<R>, String> {
            if pass == Pass::First {
                return Ok(Read::Held(HeldScrape::new(scraped)));
            }
            let first = held
                .lock()
                .expect("no holder of the lock panics")
                .remove(&key(pod));
            let old = match first {
                Some((_, first)) => Some(
                    parse_scraped(&options, pod, &first.scraped())
                        .map_err(|e| format!("first scrape: {e}"))?,
                ),
                None if alone => None,
                None => return Err("no first scrape to compare with".into()),
            };
            let new = parse_scraped(&options, pod, &scraped)?;
            Ok(Read::Paired(pair(old, Some(new))))
        }
    };
    let mut scraped = scrape_window_by_pass(options, live, second, cancel, read, |_, pod, read| {
        match read {
            Read::Held(first) => {
                held.lock()
                    .expect("no holder of the lock panics")
                    .insert(key(pod), (pod.clone(), first));
            }
            Read::Paired(paired) => fold(paired),
        }
        Ok(())
    })
    .await?;
    if alone && scraped.windowed {
        let mut left: Vec<(PodTarget, HeldScrape)> =
            std::mem::take(&mut *held.lock().expect("no holder of the lock panics"))
                .into_values()
                .collect();
        left.sort_by(|(a, _), (b, _)| (&a.namespace, &a.pod).cmp(&(&b.namespace, &b.pod)));
        for (pod, first) in left {
            match parse_scraped(options, &pod, &first.scraped()) {
                Ok(old) => fold(pair(Some(old), None)),
                Err(e) => scraped.failures.push((pod, e)),
            }
        }
    }
    Ok(scraped)
}

//! [`scrape_pairs`]: every proxy scraped twice, a time apart (`diff TARGET --interval`), or two
//! targets' proxies one after the other (`diff TARGET TARGET`), and each pod's two bodies
//! handed over together as the second comes in. Meanwhile the first scrape is held as served
//! (the gzip the proxy sent, or Snappy when it sent plain text), a fraction of its size: the
//! decoded bodies of a mesh take gigabytes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use tokio_util::sync::CancellationToken;

use super::window::{Pass, SecondScrape, WindowScrape, scrape_window_by_pass};
use super::{Live, Options, parse_scraped};
use crate::error::Result;
use crate::metrics::held::HeldBody;
use crate::metrics::model::Target;
use crate::resolve::PodTarget;
use crate::scrape::Scraped;

/// A first scrape held until its pod's second one comes in: its body as served ([`HeldBody`]:
/// a gzip body is decoded, and checked, only then), and the rest of what was scraped.
struct HeldScrape {
    body: HeldBody,
    scraped: Scraped,
}

impl HeldScrape {
    fn new(scraped: Scraped) -> Self {
        HeldScrape {
            body: HeldBody::as_served(&scraped.body, scraped.gzip),
            scraped: Scraped {
                body: Bytes::new(),
                content_type: None,
                ..scraped
            },
        }
    }

    /// The scrape as it came.
    fn scraped(self) -> Scraped {
        let (body, gzip) = self.body.into_served();
        Scraped {
            body: body.into(),
            gzip,
            ..self.scraped
        }
    }
}

/// What `read` makes of a body: the first scrape's, held; the second's, paired.
enum Read<R> {
    Held(HeldScrape),
    Paired(R),
}

/// Scrapes every pod of `live`, then the pods `second` says. As each pod's second body comes in,
/// it goes with the same pod's first (if it has one), both parsed with their target labels and
/// scrape times, to `pair` on the task that fetched it (so pairs are made on every core while
/// the fetches go on), and what `pair` made of them to `fold`, one pod at a time.
///
/// With [`SecondScrape::Again`] a pod is paired only when both its scrapes were read; those that failed
/// either (or whose body is malformed) are failures, reported by [`WindowScrape::report`], and
/// Ctrl-C (`cancel`) during the wait ends the run with an error. With [`SecondScrape::Other`]
/// (another target's pods, scraped right after the first), a pod
/// scraped only once is paired with nothing on the other side; the first scrape's are paired
/// last, one at a time.
pub(crate) async fn scrape_pairs<R: Send + 'static>(
    options: &Options,
    live: &Live,
    second: SecondScrape<'_>,
    cancel: &CancellationToken,
    pair: impl Fn(Option<Target>, Option<Target>) -> R + Send + Sync + 'static,
    mut fold: impl FnMut(R),
) -> Result<WindowScrape> {
    // By name: the same pod listed by two targets may differ in what else they say of it (its
    // workload); each side keeps its own `PodTarget` for its target labels.
    type Held = HashMap<(String, String), (PodTarget, HeldScrape)>;
    let held: Arc<Mutex<Held>> = Arc::default();
    let key = |pod: &PodTarget| (pod.namespace.clone(), pod.pod.clone());
    let alone = matches!(second, SecondScrape::Other(_));
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
                Some((first_pod, first)) => Some(
                    parse_scraped(&options, &first_pod, &first.scraped())
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

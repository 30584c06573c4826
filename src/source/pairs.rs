//! [`scrape_pairs`]: every proxy scraped twice, a time apart, and its two bodies handed over
//! together as the second comes in (`diff TARGET --interval`). Meanwhile the first scrape is
//! held as served (the gzip the proxy sent, or Snappy when it sent plain text), a fraction of
//! its size: the decoded bodies of a mesh take gigabytes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio_util::sync::CancellationToken;

use super::window::{Pass, Window, WindowScrape, scrape_window_by_pass};
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

/// Scrapes every pod of `live`, waits `between`, and scrapes again the pods that answered the
/// first time. As each pod's second body comes in, its two bodies, parsed with their target
/// labels and scrape times, go to `pair` on the task that fetched it (so pairs are made on
/// every core while the fetches go on), and what it made of them to `fold`, one pod at a time.
/// A pod is paired only when both its scrapes were read; those that failed either (or whose
/// body is malformed) are failures, reported by [`WindowScrape::report`]. Ctrl-C (`cancel`)
/// during the wait ends the run with an error.
pub(crate) async fn scrape_pairs<R: Send + 'static>(
    options: &Options,
    live: &Live,
    between: Duration,
    cancel: &CancellationToken,
    pair: impl Fn(Target, Target) -> R + Send + Sync + 'static,
    mut fold: impl FnMut(R),
) -> Result<WindowScrape> {
    let held: Arc<Mutex<HashMap<(String, String), HeldScrape>>> = Arc::default();
    let key = |pod: &PodTarget| (pod.namespace.clone(), pod.pod.clone());
    let read = {
        let held = held.clone();
        let options = options.clone();
        move |pass: Pass, pod: &PodTarget, scraped: Scraped| -> Result<Read<R>, String> {
            if pass == Pass::First {
                return Ok(Read::Held(HeldScrape::new(scraped)));
            }
            let first = held
                .lock()
                .expect("no holder of the lock panics")
                .remove(&key(pod))
                .ok_or("no first scrape to compare with")?;
            let old = parse_scraped(&options, pod, &first.scraped())
                .map_err(|e| format!("first scrape: {e}"))?;
            let new = parse_scraped(&options, pod, &scraped)?;
            Ok(Read::Paired(pair(old, new)))
        }
    };
    let window = Window {
        between: Some(between),
    };
    let scraped = scrape_window_by_pass(options, live, window, cancel, read, |_, pod, read| {
        match read {
            Read::Held(first) => {
                held.lock()
                    .expect("no holder of the lock panics")
                    .insert(key(pod), first);
            }
            Read::Paired(paired) => fold(paired),
        }
        Ok(())
    })
    .await?;
    Ok(scraped)
}

//! `stat`'s measurement from the proxies and from files: each body reduced into a
//! [`StatState`] as it arrives (one scrape since proxy start, or two a window apart through
//! [`scrape_window`], the second folded against the first), and the reduced states of one or
//! two saved files.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use tokio_util::sync::CancellationToken;

use super::window::WindowScrape;
use super::{Live, Options, Pass, Window, epoch_ms, file::load_packed, scrape_window};
use crate::error::{Error, Exit, Result};
use crate::metrics::model::Target;
use crate::metrics::stat::{self, BodyReducer, Collected, ProxyKey, StatState};
use crate::resolve::PodTarget;
use crate::scrape::Scraped;

/// `stat`'s live measurement of `live`'s pods (what `stat` and `demo` print): one scrape since
/// each proxy started (`window` `None`), each proxy's counters summed per row as it comes in, or
/// two `window` apart ([`scrape_window`]), the second folded against the first proxy by proxy so
/// memory stays at one scrape's series, ~4 bytes each. Each body is reduced as it is decoded and
/// dropped; one with malformed lines is a failure of its pod. When the first scrape of a window
/// gave nothing (or Ctrl-C cut it short) no second is taken, and `after` is empty.
pub(crate) async fn stat_window(
    options: &Options,
    live: &Live,
    window: Option<Duration>,
    cancel: &CancellationToken,
) -> Result<StatWindow> {
    measure(options, live, window, None, cancel).await
}

/// One round of `top`, whose rows come from each round against the round before (`previous`,
/// empty before the first): each proxy is compared with its previous round series by series as
/// it comes in, so a counter that went down is found per series, as `increase()` does, and its
/// series are kept only as the next round's baseline, ~4 bytes each
/// ([`StatState::fold_last_keeping_baseline`]). What `previous` held of the proxies scraped is
/// released as they are.
pub(crate) async fn stat_round(
    options: &Options,
    live: &Live,
    previous: &mut StatState,
    cancel: &CancellationToken,
) -> Result<StatWindow> {
    measure(options, live, None, Some(previous), cancel).await
}

/// [`stat_window`], or with `previous_round` one round of `top` ([`stat_round`]).
async fn measure(
    options: &Options,
    live: &Live,
    window: Option<Duration>,
    mut previous_round: Option<&mut StatState>,
    cancel: &CancellationToken,
) -> Result<StatWindow> {
    let limit = options.fetch.max_body;
    let (mut first, mut second) = (StatState::default(), StatState::default());
    let scraped = scrape_window(
        options,
        live,
        Window { between: window },
        cancel,
        move |pod: &PodTarget, scraped: Scraped| {
            let mut reducer = BodyReducer::new(ProxyKey::from(pod), epoch_ms(scraped.scraped_at));
            scraped.for_each_line_chunk(limit, |text| reducer.feed(text))?;
            Ok(reducer)
        },
        |pass, _, reducer| {
            match pass {
                Pass::First => {
                    first.add_checked(reducer)?;
                    if window.is_some() {
                        first.keep_last_as_baseline();
                    } else if let Some(previous) = previous_round.as_deref_mut() {
                        first.fold_last_keeping_baseline(previous);
                    } else {
                        first.sum_last_since_start();
                    }
                }
                Pass::Second => {
                    second.add_checked(reducer)?;
                    second.fold_last_against(&mut first);
                }
            }
            Ok(())
        },
    )
    .await?;
    let (before, after) = match (scraped.windowed, window) {
        (true, _) => (Some(first), second),
        (false, Some(_)) => (None, StatState::default()),
        (false, None) => (None, first),
    };
    Ok(StatWindow {
        before,
        after,
        scraped,
    })
}

/// What [`stat_window`] measured: the scrapes to compute rows from, and how the scrapes went.
pub(crate) struct StatWindow {
    /// The first scrape, with a window (only what was not folded into `after`).
    pub(crate) before: Option<StatState>,
    /// The second scrape (the only one without a window).
    pub(crate) after: StatState,
    /// Which pods failed, and whether Ctrl-C cut the last scrape short.
    pub(crate) scraped: WindowScrape,
}

impl StatWindow {
    /// Says on stderr which pods failed, and gives the exit status.
    pub(crate) fn report(&self) -> Exit {
        self.scraped.report()
    }

    /// The scrape as `top` keeps it: the state rows are computed from, and the failures.
    pub(crate) fn into_collected(self) -> Collected {
        Collected {
            state: self.after,
            failures: self.scraped.failures,
            interrupted: self.scraped.interrupted,
        }
    }
}

/// The targets of a snapshot or raw proxy text ([`load_packed`]), each with its pod and a scrape
/// time ([`stat::name_file_targets`]): a target without a timestamp gets the file's
/// modification time, and one without a `pod` label is named after `name_from`'s file name.
/// Each is parsed as it is taken, so a command that reduces them holds one at a time.
pub(crate) fn targets_from_file(
    path: &Path,
    name_from: &Path,
) -> Result<impl Iterator<Item = (ProxyKey, Target)>> {
    let targets = load_packed(path)?;
    let file_time = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| SystemTime::now());
    let stem = name_from
        .file_stem()
        .map_or_else(|| "file".into(), |s| s.to_string_lossy().into_owned());
    Ok(stat::name_file_targets(targets, stem, epoch_ms(file_time)))
}

/// `stat`'s reduced states of one file (since start) or two (before, after), for `stat` and
/// `top --from-file`. Two files make a window only when the second was scraped after the first.
pub(crate) fn stat_files(files: &[PathBuf]) -> Result<(Option<StatState>, StatState)> {
    let state = |path, name_from| targets_from_file(path, name_from).map(stat::state_of_targets);
    let (before, after) = match files {
        [only] => (None, state(only, only)?),
        // Targets without a pod label are named after the second file on both sides, so raw
        // dumps of the same proxy line up.
        [before, after] => {
            let (older, newer) = (state(before, after)?, state(after, after)?);
            match stat::check_window_order(&older, &newer) {
                Ok(()) => {}
                Err(stat::WindowOrder::Reversed) => {
                    return Err(Error::Usage(format!(
                        "{} was scraped before {}: give the older file first",
                        after.display(),
                        before.display()
                    )));
                }
                Err(stat::WindowOrder::Simultaneous) => {
                    return Err(Error::Usage(format!(
                        "{} and {} were scraped at the same time: there is no window to compute rates over",
                        before.display(),
                        after.display()
                    )));
                }
            }
            (Some(older), newer)
        }
        _ => {
            return Err(Error::Usage(
                "--from-file takes one file (numbers since proxy start) or two (before and after)"
                    .into(),
            ));
        }
    };
    Ok((before, after))
}

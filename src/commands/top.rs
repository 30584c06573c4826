//! `top`: `stat` refreshed every `--interval`, busiest first. Each table covers the previous
//! scrape to this one, and each refresh lists the targets' pods again, so a rollout's new pods
//! are scraped (a new pod's numbers start at its first scrape) and deleted ones no longer are.
//! On a terminal it redraws in place ([`crate::render::terminal`]), with a sparkline of each
//! row's RPS and success rate since `top` started and keys to change the sort column, until `q`,
//! Esc or Ctrl-C; otherwise it prints one table per interval, under a timestamp line, until
//! Ctrl-C or `--iterations`.

use std::io::{self, IsTerminal};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{Context, write_stdout};
use crate::cli::TopArgs;
use crate::error::{Error, Exit, Result};
use crate::interrupt;
use crate::metrics::stat::{self, Collected, GroupBy, ProxyKey, Refresh, StatLine, StatState};
use crate::render::stat::{StatFormat, render};
use crate::render::table::{self, History, SortKey, StatTable, TableOptions};
use crate::render::terminal::{self, Input, Screen};
use crate::source::{self, Live};

/// Runs `top`.
pub(super) async fn run(ctx: &Context, args: TopArgs) -> Result<Exit> {
    if !args.from_file.is_empty() {
        return run_files(ctx, &args);
    }
    let live = source::resolve(&ctx.source_options(), &args.targets).await?;
    let interactive = io::stdout().is_terminal() && io::stdin().is_terminal();
    // Progress bars would scribble over the table: each refresh is quick, so none are drawn.
    // Warnings (a namespace left without meshed pods) would scribble over the screen too.
    let quiet = Context {
        progress: false,
        warnings: ctx.warnings && !interactive,
        ..ctx.clone()
    };
    let cancel = interrupt::cancel_on_ctrl_c();
    let pods = live.pods.len();
    let mut view = View::new(&quiet, &args, live);
    if interactive {
        run_interactive(&mut view, &args, pods, &cancel).await
    } else {
        run_plain(&mut view, &args, &cancel).await
    }
}

/// `top --from-file`: saved data does not change, so one table, busiest first.
fn run_files(ctx: &Context, args: &TopArgs) -> Result<Exit> {
    let by = GroupBy::from(args.by);
    let (before, after) = source::stat_files(&args.from_file)?;
    let mut lines = stat::stat_lines_of(before.as_ref(), &after, by);
    SortKey::Rps.sort(&mut lines);
    let namespace_column = ctx.global.all_namespaces || stat::spans_namespaces(&lines);
    let out = render(&lines, args.output.into(), by, namespace_column, ctx.color)
        .map_err(|e| Error::Failed(format!("cannot encode JSON: {e}")))?;
    write_stdout(&out)?;
    Ok(Exit::Success)
}

/// What a refresh needs: the pods to scrape (listed again at each refresh), the refresh state,
/// and the screen's sort column and sparkline history.
struct View<'a> {
    ctx: &'a Context,
    by: GroupBy,
    format: StatFormat,
    live: Live,
    refresh: Refresh,
    sort: SortKey,
    history: History,
    /// When the last scrape started: a table covers the time from one to the next, which on a
    /// large mesh is longer than `--interval`.
    scrape_started: Option<Instant>,
}

/// One refresh, ready to draw.
struct Frame {
    /// `2026-11-24T21:05:03Z  window 2.0s  proxies 4/4`: the window from the previous scrape's
    /// start to this one's.
    status: String,
    /// The rows, in namespace and name order; `None` before the first table.
    lines: Option<Vec<StatLine>>,
    /// `pod NS/NAME: why` for each pod that failed this refresh (first, why the pods could not
    /// be listed again, if they could not).
    failures: Vec<String>,
}

impl<'a> View<'a> {
    fn new(ctx: &'a Context, args: &TopArgs, live: Live) -> Self {
        let by = GroupBy::from(args.by);
        View {
            ctx,
            by,
            format: args.output.into(),
            refresh: Refresh::new(by, live.pods.iter().map(ProxyKey::from).collect()),
            live,
            sort: SortKey::default(),
            history: History::default(),
            scrape_started: None,
        }
    }

    /// Scrapes every pod once, each compared with its previous round as it comes in; returns
    /// what was scraped and the time since the previous scrape started.
    async fn scrape(&mut self, cancel: &CancellationToken) -> (Collected, Option<Duration>) {
        let started = Instant::now();
        let window = self.scrape_started.map(|previous| started - previous);
        self.scrape_started = Some(started);
        let collected = self.scrape_round(cancel).await;
        (collected, window)
    }

    async fn scrape_round(&mut self, cancel: &CancellationToken) -> Collected {
        let options = self.ctx.source_options();
        let previous = self.refresh.previous_round();
        match source::stat_round(&options, &self.live, previous, cancel).await {
            Ok(measured) => measured.into_collected(),
            // Only a window's wait can be interrupted, and a refresh has none.
            Err(_) => Collected {
                state: StatState::default(),
                failures: Vec::new(),
                interrupted: true,
            },
        }
    }

    /// Takes the first scrape, the baseline of the first table. Returns the pods that failed it,
    /// and whether there is anything to show (some proxy answered, or Ctrl-C cut it short).
    async fn start(&mut self, cancel: &CancellationToken) -> (Vec<String>, bool) {
        let (first, _) = self.scrape(cancel).await;
        let failures = failure_lines(&first);
        (failures, self.refresh.start(first))
    }

    /// Lists the pods again, scrapes them and computes the rows from the previous scrape to
    /// this one. When the pods cannot be listed, the previous ones are scraped.
    async fn refresh(&mut self, cancel: &CancellationToken) -> Frame {
        let listed = source::relist(&self.ctx.source_options(), &self.live).await;
        let not_listed = match listed {
            Ok(live) => {
                self.refresh
                    .relisted(live.pods.iter().map(ProxyKey::from).collect());
                self.live = live;
                None
            }
            Err(e) => {
                self.refresh.relist_failed();
                Some(format!("cannot list the pods again: {e}"))
            }
        };
        let (current, window) = self.scrape(cancel).await;
        let failures = not_listed
            .into_iter()
            .chain(failure_lines(&current))
            .collect();
        let refreshed = self.refresh.advance(current);
        self.history.record(&refreshed.lines);
        Frame {
            status: format!(
                "{}  window {:.1}s  proxies {}/{}",
                humantime::format_rfc3339_seconds(SystemTime::now()),
                window.unwrap_or_default().as_secs_f64(),
                refreshed.scraped,
                self.refresh.selected()
            ),
            lines: Some(refreshed.lines),
            failures,
        }
    }

    fn table_layout(&self, lines: &[StatLine]) -> StatTable {
        StatTable {
            by: self.by,
            wide: self.format == StatFormat::Wide,
            namespace_column: self.ctx.global.all_namespaces || stat::spans_namespaces(lines),
        }
    }

    /// A frame's table as a pipe gets it: busiest first, no sparklines.
    fn plain_table(&self, frame: &Frame) -> String {
        let mut lines = frame.lines.clone().unwrap_or_default();
        SortKey::Rps.sort(&mut lines);
        table::render_stat(
            &lines,
            self.table_layout(&lines),
            TableOptions::for_stdout(self.ctx.color),
        )
    }

    /// A frame's table on the screen: in the chosen order, with sparklines, cut at its width.
    fn screen_table(&self, frame: &Frame) -> String {
        let Some(lines) = &frame.lines else {
            return String::new();
        };
        table::render_top(
            lines,
            self.table_layout(lines),
            self.sort,
            &self.history,
            TableOptions::for_screen(self.ctx.color),
        )
    }

    /// Draws a frame on the screen: a title line, a blank line, the table, the failures.
    fn draw(&self, frame: &Frame, interval: Duration) -> Result<()> {
        let title = format!(
            "kubectl linkerd-export top  every {}  q to quit, r s l n to sort  {}",
            humantime::format_duration(interval),
            frame.status
        );
        let table = self.screen_table(frame);
        let lines = [title.as_str(), ""]
            .into_iter()
            .chain(table.lines())
            .chain(frame.failures.iter().map(String::as_str));
        terminal::draw(lines)
            .map_err(|e| Error::Failed(format!("cannot draw on the terminal: {e}")))
    }

    fn exit(&self) -> Exit {
        if self.refresh.saw_failures() {
            Exit::Partial
        } else {
            Exit::Success
        }
    }
}

/// `pod NS/NAME: why` for each pod that failed a scrape.
fn failure_lines(collected: &Collected) -> Vec<String> {
    collected
        .failures
        .iter()
        .map(|(pod, message)| format!("pod {}: {message}", source::pod_name(pod)))
        .collect()
}

/// Without a terminal: one table per interval under a `# TIME ...` line.
async fn run_plain(
    view: &mut View<'_>,
    args: &TopArgs,
    cancel: &CancellationToken,
) -> Result<Exit> {
    let mut ticker = ticker(args.interval);
    ticker.tick().await;
    let (failures, usable) = view.start(cancel).await;
    for line in &failures {
        eprintln!("error: {line}");
    }
    if !usable {
        return Err(nothing_scraped());
    }
    let mut shown = 0;
    while args.iterations.is_none_or(|n| shown < n) {
        tokio::select! {
            _ = ticker.tick() => {}
            () = cancel.cancelled() => break,
        }
        let frame = view.refresh(cancel).await;
        if cancel.is_cancelled() {
            break;
        }
        for line in &frame.failures {
            eprintln!("error: {line}");
        }
        let separator = if shown == 0 { "" } else { "\n" };
        let table = view.plain_table(&frame);
        write_stdout(format!("{separator}# {}\n{table}", frame.status).as_bytes())?;
        shown += 1;
    }
    Ok(view.exit())
}

fn ticker(interval: Duration) -> tokio::time::Interval {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker
}

/// On a terminal: redraw in place until `q`, Esc, Ctrl-C or `--iterations`.
async fn run_interactive(
    view: &mut View<'_>,
    args: &TopArgs,
    pods: usize,
    cancel: &CancellationToken,
) -> Result<Exit> {
    let screen =
        Screen::enter().map_err(|e| Error::Failed(format!("cannot set up the terminal: {e}")))?;
    let (tx, mut input) = mpsc::unbounded_channel();
    let keyboard = terminal::spawn_keyboard(tx, cancel.clone());
    let mut frame = Frame {
        status: format!("scraping {pods} proxies ..."),
        lines: None,
        failures: Vec::new(),
    };
    view.draw(&frame, args.interval)?;
    let mut ticker = ticker(args.interval);
    ticker.tick().await;
    // Failures of the first scrape when nothing answered, printed once the screen is restored.
    let mut fatal_failures = Vec::new();
    let outcome = async {
        let (failures, usable) = view.start(cancel).await;
        if !usable {
            fatal_failures = failures;
            return Err(nothing_scraped());
        }
        frame.failures = failures;
        frame.status = format!(
            "first scrape done; the table follows in {}",
            humantime::format_duration(args.interval)
        );
        view.draw(&frame, args.interval)?;
        let mut shown = 0;
        while args.iterations.is_none_or(|n| shown < n) {
            tokio::select! {
                _ = ticker.tick() => {}
                () = cancel.cancelled() => break,
                Some(event) = input.recv() => {
                    match event {
                        Input::Quit => break,
                        Input::Resize => {
                            view.draw(&frame, args.interval)?;
                            continue;
                        }
                        Input::Sort(key) => {
                            view.sort = key;
                            view.draw(&frame, args.interval)?;
                            continue;
                        }
                    }
                }
            }
            frame = view.refresh(cancel).await;
            if cancel.is_cancelled() {
                break;
            }
            view.draw(&frame, args.interval)?;
            shown += 1;
        }
        Ok(view.exit())
    }
    .await;
    cancel.cancel();
    drop(screen);
    let _ = keyboard.await;
    for line in &fatal_failures {
        eprintln!("error: {line}");
    }
    outcome
}

fn nothing_scraped() -> Error {
    Error::Failed("no proxy could be scraped; nothing to show".into())
}

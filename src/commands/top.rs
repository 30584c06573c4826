//! `top`: `stat` refreshed every `--interval`, busiest first. Each table covers the previous
//! scrape to this one, and each refresh lists the targets' pods again, so a rollout's new pods
//! are scraped (a new pod's numbers start at its first scrape) and deleted ones no longer are.
//! On a terminal it redraws in place (raw mode, alternate screen), with a sparkline of each row's
//! RPS and success rate since `top` started and keys to change the sort column, until `q`, Esc
//! or Ctrl-C, and restores the terminal on every way out, a panic included; otherwise it prints
//! one table per interval, under a timestamp line, until Ctrl-C or `--iterations`.

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyModifiers};
use crossterm::{cursor, execute, queue, style, terminal};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::stat::{self, Collected};
use super::{Context, write_stdout};
use crate::cli::{StatFormat, TopArgs, TopFormat};
use crate::error::{Error, Exit, Result};
use crate::interrupt;
use crate::metrics::stat::{GroupBy, ProxyKey, StatState};
use crate::render::table::{self, History, SortKey, StatLine, StatTable, TableOptions};
use crate::source::{self, Live};

impl From<TopFormat> for StatFormat {
    fn from(format: TopFormat) -> Self {
        match format {
            TopFormat::Table => StatFormat::Table,
            TopFormat::Wide => StatFormat::Wide,
        }
    }
}

/// Runs `top`.
pub async fn run(ctx: &Context, args: TopArgs) -> Result<Exit> {
    if !args.from_file.is_empty() {
        return run_files(ctx, &args);
    }
    let live = source::resolve(&ctx.source_options(), &args.targets).await?;
    // Progress bars would scribble over the table: each refresh is quick, so none are drawn.
    let mut quiet = ctx.clone();
    quiet.progress = false;
    let interactive = io::stdout().is_terminal() && io::stdin().is_terminal();
    // Warnings (a namespace left without meshed pods) would scribble over the screen too.
    quiet.global.quiet |= interactive;
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
    let mut lines = stat::lines_from_files(&args.from_file, by)?;
    SortKey::Rps.sort(&mut lines);
    let format = StatFormat::from(args.output);
    let namespace_column = ctx.global.all_namespaces || stat::spans_namespaces(&lines);
    write_stdout(&stat::render(
        &lines,
        format,
        by,
        namespace_column,
        ctx.color,
    )?)?;
    Ok(Exit::Success)
}

/// What a refresh needs and what it carries over to the next.
struct View<'a> {
    ctx: &'a Context,
    by: GroupBy,
    format: StatFormat,
    /// The pods to scrape, listed again at each refresh.
    live: Live,
    selected: Vec<ProxyKey>,
    previous: StatState,
    /// Whether any scrape failed for some pod.
    saw_failures: bool,
    /// The screen's sort column.
    sort: SortKey,
    /// Each row's numbers since the first table, for the screen's sparklines.
    history: History,
}

/// One refresh, ready to draw.
struct Frame {
    /// `2026-11-24T21:05:03Z  window 2.0s  proxies 4/4`.
    status: String,
    /// The rows, in namespace and name order; `None` before the first table.
    lines: Option<Vec<StatLine>>,
    /// `pod NS/NAME: why` for each pod that failed this refresh (first, why the pods could not
    /// be listed again, if they could not).
    failures: Vec<String>,
}

impl<'a> View<'a> {
    fn new(ctx: &'a Context, args: &TopArgs, live: Live) -> Self {
        View {
            ctx,
            by: args.by.into(),
            format: args.output.into(),
            selected: live.pods.iter().map(ProxyKey::from).collect(),
            live,
            previous: StatState::default(),
            saw_failures: false,
            sort: SortKey::default(),
            history: History::default(),
        }
    }

    /// Takes the first scrape, the baseline of the first table. Returns the pods that failed it,
    /// and whether there is anything to show (some proxy answered, or Ctrl-C cut it short).
    async fn start(&mut self, cancel: &CancellationToken) -> (Vec<String>, bool) {
        let first = stat::collect(
            self.ctx,
            &self.live.cluster.client,
            self.live.pods.clone(),
            cancel,
            stat::Keep::Everything,
        )
        .await;
        let failures = self.note_failures(&first);
        let usable = !first.state.proxies.is_empty() || first.interrupted;
        self.previous = first.state;
        (failures, usable)
    }

    /// Lists the pods again, scrapes them and computes the rows from the previous scrape to
    /// this one. When the pods cannot be listed, the previous ones are scraped.
    async fn refresh(&mut self, cancel: &CancellationToken, window: Duration) -> Frame {
        let listed = source::relist(&self.ctx.source_options(), &self.live).await;
        let not_listed = match listed {
            Ok(live) => {
                self.selected = live.pods.iter().map(ProxyKey::from).collect();
                self.live = live;
                None
            }
            Err(e) => Some(format!("cannot list the pods again: {e}")),
        };
        let current = stat::collect(
            self.ctx,
            &self.live.cluster.client,
            self.live.pods.clone(),
            cancel,
            stat::Keep::Everything,
        )
        .await;
        let mut failures = self.note_failures(&current);
        if let Some(message) = not_listed {
            self.saw_failures = true;
            failures.insert(0, message);
        }
        // A pod without a baseline (it failed the previous scrape) shows from the next refresh on.
        let (with_baseline, fresh): (Vec<_>, Vec<_>) = current
            .state
            .proxies
            .into_iter()
            .partition(|p| self.previous.proxy(&p.key.namespace, &p.key.pod).is_some());
        let after = StatState {
            proxies: with_baseline,
        };
        let lines = stat::stat_lines(Some(&self.previous), &after, self.by, &self.selected);
        self.history.record(&lines);
        let mut next = after;
        next.proxies.extend(fresh);
        let scraped = next.proxies.len();
        self.previous = next;
        Frame {
            status: format!(
                "{}  window {}  proxies {scraped}/{}",
                humantime::format_rfc3339_seconds(SystemTime::now()),
                humantime::format_duration(round_to_ms(window)),
                self.selected.len()
            ),
            lines: Some(lines),
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

    fn note_failures(&mut self, collected: &Collected) -> Vec<String> {
        self.saw_failures |= !collected.failures.is_empty();
        collected
            .failures
            .iter()
            .map(|(pod, message)| format!("pod {}: {message}", source::pod_name(pod)))
            .collect()
    }

    fn exit(&self) -> Exit {
        if self.saw_failures {
            Exit::Partial
        } else {
            Exit::Success
        }
    }
}

fn round_to_ms(d: Duration) -> Duration {
    Duration::from_millis(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
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
        let frame = view.refresh(cancel, args.interval).await;
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

/// What the keyboard thread reports.
enum Input {
    Quit,
    Resize,
    Sort(SortKey),
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
    let keyboard = spawn_keyboard(tx, cancel.clone());
    let mut frame = Frame {
        status: format!("scraping {pods} proxies ..."),
        lines: None,
        failures: Vec::new(),
    };
    draw(view, &frame, args.interval).map_err(draw_error)?;
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
        draw(view, &frame, args.interval).map_err(draw_error)?;
        let mut shown = 0;
        while args.iterations.is_none_or(|n| shown < n) {
            tokio::select! {
                _ = ticker.tick() => {}
                () = cancel.cancelled() => break,
                Some(event) = input.recv() => {
                    match event {
                        Input::Quit => break,
                        Input::Resize => {
                            draw(view, &frame, args.interval).map_err(draw_error)?;
                            continue;
                        }
                        Input::Sort(key) => {
                            view.sort = key;
                            draw(view, &frame, args.interval).map_err(draw_error)?;
                            continue;
                        }
                    }
                }
            }
            frame = view.refresh(cancel, args.interval).await;
            if cancel.is_cancelled() {
                break;
            }
            draw(view, &frame, args.interval).map_err(draw_error)?;
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

fn draw_error(e: io::Error) -> Error {
    Error::Failed(format!("cannot draw on the terminal: {e}"))
}

/// Reads keys on a blocking thread: `q`, Esc and Ctrl-C quit (raw mode turns Ctrl-C into a key);
/// `r`, `s`, `l` and `n` choose the sort column.
fn spawn_keyboard(
    tx: mpsc::UnboundedSender<Input>,
    cancel: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::task::spawn_blocking(move || {
        while !cancel.is_cancelled() {
            match event::poll(Duration::from_millis(100)) {
                Ok(false) => continue,
                Ok(true) => {}
                Err(_) => break,
            }
            let message = match event::read() {
                Ok(Event::Key(KeyEvent {
                    code, modifiers, ..
                })) => match code {
                    KeyCode::Char('q' | 'Q') | KeyCode::Esc => Input::Quit,
                    KeyCode::Char('c') if modifiers.contains(KeyModifiers::CONTROL) => Input::Quit,
                    KeyCode::Char(key) => match SortKey::from_key(key) {
                        Some(sort) => Input::Sort(sort),
                        None => continue,
                    },
                    _ => continue,
                },
                Ok(Event::Resize(..)) => Input::Resize,
                Ok(_) => continue,
                Err(_) => break,
            };
            let quit = matches!(message, Input::Quit);
            if tx.send(message).is_err() || quit {
                break;
            }
        }
    })
}

/// Draws a frame from the top-left corner, clipped to the terminal's height.
fn draw(view: &View<'_>, frame: &Frame, interval: Duration) -> io::Result<()> {
    // A pseudo-terminal nobody sized reports 0 rows: draw a classic 24.
    let height = match terminal::size()? {
        (_, 0) => 24,
        (_, rows) => rows,
    };
    let mut out = io::stdout().lock();
    queue!(out, cursor::MoveTo(0, 0))?;
    let title = format!(
        "kubectl linkerd-export top  every {}  q to quit, r s l n to sort  {}",
        humantime::format_duration(interval),
        frame.status
    );
    let table = view.screen_table(frame);
    let lines = std::iter::once(title.as_str())
        .chain(std::iter::once(""))
        .chain(table.lines())
        .chain(frame.failures.iter().map(String::as_str));
    for (row, line) in lines.take(usize::from(height)).enumerate() {
        let row = u16::try_from(row).unwrap_or(u16::MAX);
        queue!(
            out,
            cursor::MoveTo(0, row),
            style::Print(line),
            terminal::Clear(terminal::ClearType::UntilNewLine)
        )?;
    }
    queue!(out, terminal::Clear(terminal::ClearType::FromCursorDown))?;
    out.flush()
}

/// Whether the terminal is in top's mode, so the panic hook knows whether to restore it.
static SCREEN_ACTIVE: AtomicBool = AtomicBool::new(false);

/// Raw mode and the alternate screen for as long as it lives.
struct Screen;

impl Screen {
    fn enter() -> io::Result<Screen> {
        install_panic_restore();
        terminal::enable_raw_mode()?;
        SCREEN_ACTIVE.store(true, Ordering::SeqCst);
        let screen = Screen;
        execute!(io::stdout(), terminal::EnterAlternateScreen, cursor::Hide)?;
        Ok(screen)
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore_terminal();
    }
}

fn restore_terminal() {
    if SCREEN_ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = execute!(io::stdout(), cursor::Show, terminal::LeaveAlternateScreen);
        let _ = terminal::disable_raw_mode();
    }
}

/// Chains a panic hook that puts the terminal back before the panic is reported: with
/// `panic = "abort"` no destructor runs, so [`Screen`]'s `Drop` alone would not.
fn install_panic_restore() {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
}

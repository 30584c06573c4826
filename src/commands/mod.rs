//! Running a parsed command line: one submodule per subcommand, each wiring its options to library
//! calls and printing (no command calls another), plus what they share (logging, terminal
//! detection, writing to stdout).

use std::io::{self, IsTerminal, Write};

use tracing::field::{Field, Visit};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::FmtContext;
use tracing_subscriber::fmt::format::{self, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

mod authz;
mod check;
mod completion;
#[cfg(feature = "demo")]
mod demo;
mod diff;
mod edges;
mod export;
mod metrics;
mod prometheus_config;
mod routes;
mod snapshot;
mod stat;
mod top;

use crate::cli::{Cli, ColorWhen, Command, GlobalArgs, StatBy};
use crate::error::{Error, Exit, Result};

/// Runs `cli` to completion.
pub async fn run(cli: Cli) -> Result<Exit> {
    let ctx = Context::new(cli.global);
    match cli.command {
        Command::Metrics(args) => metrics::run(&ctx, args).await,
        // `stat --by route` is the routes view (spec §4b).
        Command::Stat(args) if args.by == StatBy::Route => routes::run_for_stat(&ctx, &args).await,
        Command::Stat(args) => stat::run(&ctx, args).await,
        Command::Top(args) => top::run(&ctx, args).await,
        Command::Check(args) => check::run(&ctx, args).await,
        Command::Edges(args) => edges::run(&ctx, args).await,
        Command::Authz(args) => authz::run(&ctx, args).await,
        Command::Routes(args) => routes::run(&ctx, args).await,
        Command::Diff(args) => diff::run(&ctx, args).await,
        Command::Snapshot(args) => snapshot::run(&ctx, args).await,
        Command::Export(args) => export::run(&ctx, *args).await,
        Command::PrometheusConfig(args) => prometheus_config::run(&ctx, args).await,
        #[cfg(feature = "demo")]
        Command::Demo(args) => demo::run(&ctx, args).await,
        Command::Completion(args) => completion::run(&ctx, &args),
    }
}

/// Sets up `tracing` on stderr (spec §2).
///
/// Below `-vv` only the plugin's own events reach stderr, as `warning: ...` / `error: ...` lines
/// (`-q` keeps the errors only); a dependency's log line never does. From `-vv` on, everything at
/// debug (or trace, `-vvv`) is logged in tracing's format, coloured only when stderr is a terminal
/// and `--color`/`NO_COLOR` allow it.
pub fn init_logging(global: &GlobalArgs) {
    let own = if global.quiet {
        "error"
    } else {
        match global.verbose {
            0 => "warn",
            1 => "info",
            2 => "debug",
            _ => "trace",
        }
    };
    if global.quiet || global.verbose < 2 {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(EnvFilter::new(format!("off,linkerd_export={own}")))
            .with_writer(io::stderr)
            .event_format(PluginLines)
            .try_init();
        return;
    }
    let _ = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(format!(
            "warn,linkerd_export={own},kube={own}"
        )))
        .with_writer(io::stderr)
        .with_ansi(stderr_color(global.color))
        .with_target(false)
        .without_time()
        .try_init();
}

/// Whether stderr gets ANSI colour: it is a terminal, and `--color`/`NO_COLOR` allow it.
fn stderr_color(when: ColorWhen) -> bool {
    io::stderr().is_terminal() && color_allowed(when)
}

/// Whether `--color` and `NO_COLOR` allow colour on a terminal.
fn color_allowed(when: ColorWhen) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// Formats an event as the plugin's own stderr line: `warning: MESSAGE (key=value, ...)`.
struct PluginLines;

impl<S, N> FormatEvent<S, N> for PluginLines
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let prefix = match *event.metadata().level() {
            tracing::Level::ERROR => "error",
            tracing::Level::WARN => "warning",
            tracing::Level::INFO => "info",
            tracing::Level::DEBUG => "debug",
            tracing::Level::TRACE => "trace",
        };
        let mut fields = LineFields::default();
        event.record(&mut fields);
        write!(writer, "{prefix}: {}", fields.message)?;
        if !fields.others.is_empty() {
            write!(writer, " ({})", fields.others.join(", "))?;
        }
        writeln!(writer)
    }
}

/// An event's message and its other fields as `key=value`.
#[derive(Default)]
struct LineFields {
    message: String,
    others: Vec<String>,
}

impl Visit for LineFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.record(field, value.to_string());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.record(field, format!("{value:?}"));
    }
}

impl LineFields {
    fn record(&mut self, field: &Field, value: String) {
        if field.name() == "message" {
            self.message = value;
        } else {
            self.others.push(format!("{}={value}", field.name()));
        }
    }
}

/// What every command needs to know about how it was invoked and where it writes.
#[derive(Debug, Clone)]
pub struct Context {
    /// The global options.
    pub global: GlobalArgs,
    /// Whether to draw progress on stderr: it is a terminal and `-q` was not given.
    pub progress: bool,
    /// Whether stdout gets ANSI colour.
    pub color: bool,
    /// Whether [`Context::warn`] prints: `-q` was not given (and no full-screen view is drawn).
    pub warnings: bool,
}

impl Context {
    /// Decides progress and colour from the options and the terminal.
    pub fn new(global: GlobalArgs) -> Self {
        let progress = !global.quiet && io::stderr().is_terminal();
        let color = match global.color {
            ColorWhen::Always => true,
            when => io::stdout().is_terminal() && color_allowed(when),
        };
        Context {
            warnings: !global.quiet,
            global,
            progress,
            color,
        }
    }

    /// The options of the source layer ([`crate::source`]) the global flags ask for; its
    /// warnings follow [`Context::warn`]'s.
    pub(crate) fn source_options(&self) -> crate::source::Options {
        let mut options = self.global.source_options(self.progress);
        options.quiet = !self.warnings;
        options
    }

    /// Prints a warning on stderr unless `-q` (or a full-screen view is drawn).
    pub fn warn(&self, message: impl std::fmt::Display) {
        if self.warnings {
            eprintln!("warning: {message}");
        }
    }
}

/// Runs `write` on a buffered, locked stdout. A closed pipe (`| head`) is not an error: the reader
/// has what it wanted.
pub fn stream_stdout(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<()> {
    let mut out = io::BufWriter::with_capacity(256 << 10, io::stdout().lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(Error::Failed(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}

/// Writes `bytes` to stdout. A closed pipe (`| head`) is not an error: the reader has what it wanted.
pub fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(Error::Failed(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}

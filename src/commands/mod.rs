//! Running a parsed command line: one submodule per subcommand, plus what they share (logging,
//! terminal detection, writing to stdout).

use std::io::{self, IsTerminal, Write};

use tracing_subscriber::EnvFilter;

mod demo;
pub mod diff;
mod export;
mod federation;
mod metrics;
mod prometheus_config;
pub mod snapshot;
pub mod source;
pub mod stat;
pub mod top;

use crate::cli::{Cli, ColorWhen, Command, GlobalArgs};
use crate::error::{Error, Exit, Result};

/// Runs `cli` to completion.
pub async fn run(cli: Cli) -> Result<Exit> {
    let ctx = Context::new(cli.global);
    match cli.command {
        Command::Metrics(args) => metrics::run(&ctx, args).await,
        Command::Stat(args) => stat::run(&ctx, args).await,
        Command::Top(args) => top::run(&ctx, args).await,
        Command::Diff(args) => diff::run(&ctx, args).await,
        Command::Snapshot(args) => snapshot::run(&ctx, args).await,
        Command::Export(args) => export::run(&ctx, *args).await,
        Command::PrometheusConfig(args) => prometheus_config::run(&ctx, args).await,
        Command::Demo(args) => demo::run(&ctx, args).await,
        Command::Completion(args) => crate::completion::run(&args),
    }
}

/// Sets up `tracing` on stderr: warnings by default, more with each `-v`, errors only with `-q`.
pub fn init_logging(global: &GlobalArgs) {
    let level = if global.quiet {
        "error"
    } else {
        match global.verbose {
            0 => "warn",
            1 => "info",
            2 => "debug",
            _ => "trace",
        }
    };
    // Our own crate at the chosen level; dependencies one step quieter so -v stays readable.
    let directives = match level {
        "debug" | "trace" => format!("warn,linkerd_export={level},kube={level}"),
        _ => format!("{level},linkerd_export={level}"),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(directives))
        .with_writer(io::stderr)
        .with_target(false)
        .without_time()
        .try_init();
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
}

impl Context {
    /// Decides progress and colour from the options and the terminal.
    pub fn new(global: GlobalArgs) -> Self {
        let progress = !global.quiet && io::stderr().is_terminal();
        let color = match global.color {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => {
                io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        Context {
            global,
            progress,
            color,
        }
    }

    /// Prints a warning on stderr unless `-q`.
    pub fn warn(&self, message: impl std::fmt::Display) {
        if !self.global.quiet {
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

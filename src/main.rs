//! The `kubectl-linkerd_export` binary: parse the command line, run it, map errors to exit codes.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use linkerd_export::cli::{self, Cli};
use linkerd_export::{commands, completion};

fn main() -> ExitCode {
    // A panic is a bug: say so in one line, without a stack trace.
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()));
        eprintln!(
            "error: internal error{}: {}; please report it",
            location.unwrap_or_default(),
            panic_message(info.payload())
        );
    }));

    // kubectl's plugin completion runs `kubectl_complete-linkerd_export`, which calls us with the
    // hidden `__complete` word: answer in Cobra's format, never with an error.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(completion::COMPLETE_COMMAND) {
        let answered = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map(|runtime| {
                runtime.block_on(completion::respond(
                    &args[1..],
                    &mut std::io::stdout().lock(),
                ))
            });
        return match answered {
            Ok(Ok(())) => ExitCode::SUCCESS,
            _ => ExitCode::FAILURE,
        };
    }

    let mut command = Cli::command();
    let matches = command.get_matches_mut();
    if let Some(message) = cli::usage_problem(&matches) {
        command
            .error(clap::error::ErrorKind::ArgumentConflict, message)
            .exit();
    }
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.format(&mut command).exit());
    commands::init_logging(&cli.global);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(commands::run(cli));
    // Don't wait for stray tasks (e.g. a forward being torn down) once the answer is printed.
    runtime.shutdown_background();
    match result {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(error.exit().code())
        }
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("panic")
}

//! `completion`: the shell script or kubectl helper on stdout, or the helper installed.

use std::io;

use clap::CommandFactory;

use super::Context;
use crate::cli::{Cli, CompletionArgs};
use crate::completion::{on_path, run_completion};
use crate::error::{Error, Exit};

/// The `completion` subcommand: [`run_completion`] for the plugin's command line, on stdout; with
/// `--install`, a warning on stderr (unless `-q`) when the directory is not on PATH.
pub(super) fn run(ctx: &Context, args: &CompletionArgs) -> Result<Exit, Error> {
    let mut stdout = io::stdout().lock();
    match run_completion(args, &mut Cli::command(), &mut stdout) {
        Ok(()) => {
            if let Some(dir) = &args.install
                && !on_path(dir, std::env::var_os("PATH").as_deref())
            {
                ctx.warn(format!(
                    "{} is not on PATH, so kubectl will not find the helper: add it to PATH, or install into a directory that is",
                    dir.display()
                ));
            }
            Ok(Exit::Success)
        }
        Err(e) => Err(e.into()),
    }
}

//! The scrape's progress bar on stderr: pods done / total and failures so far.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Whether to show progress (spec §2: only on a terminal, never with `-q`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Progress {
    /// No progress output.
    #[default]
    Hidden,
    /// A bar on stderr.
    Bar,
}

impl Progress {
    pub(super) fn start(self, total: usize) -> Running {
        Running(match self {
            Progress::Hidden => None,
            Progress::Bar => {
                let bar =
                    ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
                let style = ProgressStyle::with_template(
                    "scraping {bar:30} {pos}/{len} proxies{msg} ({elapsed})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar());
                bar.set_style(style);
                Some(bar)
            }
        })
    }
}

/// A drawn (or hidden) progress bar.
pub(super) struct Running(Option<ProgressBar>);

impl Running {
    pub(super) fn update(&self, done: usize, failed: usize) {
        if let Some(bar) = &self.0 {
            bar.set_position(done as u64);
            if failed > 0 {
                bar.set_message(format!(", {failed} failed"));
            }
        }
    }

    pub(super) fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

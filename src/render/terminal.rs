//! `top`'s full-screen terminal: raw mode and the alternate screen for as long as a [`Screen`]
//! lives (restored on every way out, a panic included), keys read on a blocking thread
//! ([`spawn_keyboard`]), and frames drawn in place from the top-left corner ([`draw`]).

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyModifiers};
use crossterm::{cursor, execute, queue, style, terminal};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::table::SortKey;

/// What the keyboard thread reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// `q`, Esc or Ctrl-C.
    Quit,
    /// The terminal changed size.
    Resize,
    /// A sort key (`r`, `s`, `l`, `n`).
    Sort(SortKey),
}

/// Reads keys on a blocking thread until `cancel` fires or the receiver is gone: `q`, Esc and
/// Ctrl-C quit (raw mode turns Ctrl-C into a key); `r`, `s`, `l` and `n` choose the sort column.
pub fn spawn_keyboard(
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

/// Draws `lines` from the top-left corner, clipped to the terminal's height, clearing what an
/// earlier frame left to their right and below them.
pub fn draw<'l>(lines: impl Iterator<Item = &'l str>) -> io::Result<()> {
    // A pseudo-terminal nobody sized reports 0 rows: draw a classic 24.
    let height = match terminal::size()? {
        (_, 0) => 24,
        (_, rows) => rows,
    };
    let mut out = io::stdout().lock();
    queue!(out, cursor::MoveTo(0, 0))?;
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
pub struct Screen;

impl Screen {
    /// Enters raw mode and the alternate screen, hiding the cursor.
    pub fn enter() -> io::Result<Screen> {
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

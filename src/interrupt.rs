//! Ctrl-C and SIGTERM, for every command: one listener per process run, read two ways.
//!
//! [`Interrupt`] counts them (long runs: the first asks to stop after the batch in flight, the
//! second abandons it); `Interrupt::cancel_token` turns the first into a [`CancellationToken`]
//! that cuts a scrape short ([`crate::scrape`]). `cancel_on_ctrl_c` is that token for a
//! command that runs once and listens to Ctrl-C only.

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// A readable count of interrupts, shared by everything that must react to them.
#[derive(Debug, Clone)]
pub struct Interrupt {
    count: watch::Receiver<u32>,
}

/// The side that records interrupts.
#[derive(Debug)]
pub struct InterruptTrigger {
    count: watch::Sender<u32>,
}

impl InterruptTrigger {
    /// Records one interrupt.
    pub fn interrupt(&self) {
        self.count.send_modify(|count| *count += 1);
    }
}

impl Interrupt {
    /// A new count at zero and the trigger that raises it.
    pub fn new() -> (InterruptTrigger, Interrupt) {
        let (tx, rx) = watch::channel(0);
        (InterruptTrigger { count: tx }, Interrupt { count: rx })
    }

    /// A count raised by each Ctrl-C (SIGINT) the process receives and, on Unix, each SIGTERM
    /// (how Kubernetes and service managers ask a long-running exporter to stop). Must be called
    /// inside a Tokio runtime.
    pub fn signals() -> Interrupt {
        let (trigger, interrupt) = Interrupt::new();
        tokio::spawn(async move {
            let mut terminate = Terminate::listen();
            loop {
                tokio::select! {
                    received = tokio::signal::ctrl_c() => {
                        if received.is_err() {
                            break;
                        }
                    }
                    () = terminate.recv() => {}
                }
                trigger.interrupt();
            }
        });
        interrupt
    }

    /// A count raised by each Ctrl-C (SIGINT) only, for a command that runs once: SIGTERM keeps
    /// its default (the process ends at once). Must be called inside a Tokio runtime.
    pub(crate) fn ctrl_c() -> Interrupt {
        let (trigger, interrupt) = Interrupt::new();
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                trigger.interrupt();
            }
        });
        interrupt
    }

    /// A token cancelled on the first interrupt, for a scrape to stop at. Must be called inside
    /// a Tokio runtime.
    pub(crate) fn cancel_token(&self) -> CancellationToken {
        let token = CancellationToken::new();
        let trigger = token.clone();
        let interrupt = self.clone();
        tokio::spawn(async move {
            interrupt.stop().await;
            trigger.cancel();
        });
        token
    }

    /// How many interrupts so far.
    pub fn count(&self) -> u32 {
        *self.count.borrow()
    }

    /// Whether a stop was asked (at least one interrupt).
    pub fn stop_requested(&self) -> bool {
        self.count() >= 1
    }

    /// Resolves once at least `n` interrupts were recorded; never, if the trigger is gone first.
    pub async fn reached(&self, n: u32) {
        let mut count = self.count.clone();
        if count.wait_for(|count| *count >= n).await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    /// Resolves on the first interrupt: finish the batch in flight, then stop.
    pub async fn stop(&self) {
        self.reached(1).await;
    }

    /// Resolves on the second interrupt: abandon the batch in flight.
    pub async fn abandon(&self) {
        self.reached(2).await;
    }
}

/// A token cancelled on the first Ctrl-C (SIGINT). The caller should wrap up promptly once it
/// fires: print what finished, then exit.
pub(crate) fn cancel_on_ctrl_c() -> CancellationToken {
    Interrupt::ctrl_c().cancel_token()
}

/// SIGTERM on Unix; nothing elsewhere.
struct Terminate {
    #[cfg(unix)]
    signal: Option<tokio::signal::unix::Signal>,
}

impl Terminate {
    fn listen() -> Terminate {
        Terminate {
            #[cfg(unix)]
            signal: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok(),
        }
    }

    /// Resolves on the next SIGTERM; never where there is none to listen to.
    async fn recv(&mut self) {
        #[cfg(unix)]
        if let Some(signal) = self.signal.as_mut()
            && signal.recv().await.is_some()
        {
            return;
        }
        std::future::pending::<()>().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn stop_then_abandon() {
        let (trigger, interrupt) = Interrupt::new();
        assert!(!interrupt.stop_requested());
        trigger.interrupt();
        tokio::time::timeout(Duration::from_secs(5), interrupt.stop())
            .await
            .unwrap();
        assert!(interrupt.stop_requested());
        let abandon = tokio::time::timeout(Duration::from_millis(20), interrupt.abandon()).await;
        assert!(abandon.is_err(), "one interrupt must not abandon");
        trigger.interrupt();
        tokio::time::timeout(Duration::from_secs(5), interrupt.abandon())
            .await
            .unwrap();
        assert_eq!(interrupt.count(), 2);
    }

    #[tokio::test]
    async fn the_first_interrupt_cancels_the_token() {
        let (trigger, interrupt) = Interrupt::new();
        let token = interrupt.cancel_token();
        assert!(!token.is_cancelled());
        trigger.interrupt();
        tokio::time::timeout(Duration::from_secs(5), token.cancelled())
            .await
            .expect("cancelled on the first interrupt");
    }

    #[tokio::test]
    async fn dropped_trigger_never_fires() {
        let (trigger, interrupt) = Interrupt::new();
        drop(trigger);
        let waited = tokio::time::timeout(Duration::from_millis(20), interrupt.stop()).await;
        assert!(waited.is_err());
    }
}

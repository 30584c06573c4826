//! Ctrl-C (or SIGTERM) as a count: the first asks to stop after the batch in flight, the second
//! abandons it.

use tokio::sync::watch;

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
    async fn dropped_trigger_never_fires() {
        let (trigger, interrupt) = Interrupt::new();
        drop(trigger);
        let waited = tokio::time::timeout(Duration::from_millis(20), interrupt.stop()).await;
        assert!(waited.is_err());
    }
}

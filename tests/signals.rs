//! `Interrupt::signals` counts real SIGINTs and SIGTERMs delivered to the process. Its own test
//! binary, so no other test shares the signals.

use std::time::{Duration, Instant};

use linkerd_export::interrupt::Interrupt;
use tokio::signal::unix::{SignalKind, signal};

fn send(signal: &str) {
    let status = std::process::Command::new("kill")
        .args([signal, &std::process::id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
}

/// Sends `signal` until the count goes past `from`, within a deadline.
async fn raise(interrupt: &Interrupt, signal: &str, from: u32) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while interrupt.count() <= from {
        assert!(Instant::now() < deadline, "{signal} not seen");
        send(signal);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn each_sigint_and_sigterm_raises_the_count() {
    // Installed first, so neither signal can take its default action (ending the test process).
    let _keep_int = signal(SignalKind::interrupt()).unwrap();
    let _keep_term = signal(SignalKind::terminate()).unwrap();
    let interrupt = Interrupt::signals();
    raise(&interrupt, "-INT", 0).await;
    assert!(interrupt.stop_requested());
    let after_int = interrupt.count();
    raise(&interrupt, "-TERM", after_int).await;
    tokio::time::timeout(Duration::from_secs(5), interrupt.abandon())
        .await
        .expect("two interrupts abandon");
}

//! `Interrupt::ctrl_c` counts real SIGINTs delivered to the process. Its own test binary, so no
//! other test shares the signal.

use std::time::{Duration, Instant};

use linkerd_export::export::interrupt::Interrupt;
use tokio::signal::unix::{SignalKind, signal};

fn send_sigint() {
    let status = std::process::Command::new("kill")
        .args(["-INT", &std::process::id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
}

#[tokio::test]
async fn each_sigint_raises_the_count() {
    // Installed first, so a SIGINT can never take the default action (ending the test process).
    let _keep_alive = signal(SignalKind::interrupt()).unwrap();
    let interrupt = Interrupt::ctrl_c();
    for wanted in 1..=2 {
        let deadline = Instant::now() + Duration::from_secs(10);
        while interrupt.count() < wanted {
            assert!(Instant::now() < deadline, "SIGINT {wanted} not seen");
            send_sigint();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    tokio::time::timeout(Duration::from_secs(5), interrupt.abandon())
        .await
        .expect("two interrupts abandon");
}

//! `--every` rounds and Ctrl-C: an interrupt between rounds stops at once, a first one during a
//! push lets the batch in flight finish, a second one abandons it; the summaries say which.

use std::time::Duration;

use linkerd_export::export::ExportError;
use linkerd_export::export::remote_write::{Collected, EveryFailure, EveryReport, run_every};
use linkerd_export::interrupt::Interrupt;

use crate::support::scripted_http::{self, Reply};

use super::{fast_retries, proxy_series, writer};

/// Rounds of the same 3 samples.
fn collect_three() -> impl FnMut() -> std::future::Ready<Result<Collected, String>> {
    || {
        std::future::ready(Ok(Collected {
            series: proxy_series(3, 0),
            metadata: vec![],
        }))
    }
}

#[tokio::test]
async fn every_stops_between_rounds_on_interrupt() {
    let server = scripted_http::start(vec![], None).await;
    let writer = writer(format!("http://{}/w", server.addr), fast_retries(1));
    let (trigger, interrupt) = Interrupt::new();
    let report = run_every(
        &writer,
        Duration::from_secs(3600),
        &interrupt,
        collect_three(),
        |round, report| {
            assert_eq!(report.samples, 3);
            if round == 1 {
                trigger.interrupt();
            }
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (
            report.rounds,
            report.totals.samples,
            report.finished_in_flight
        ),
        (1, 3, false)
    );
    assert_eq!(
        report.summary(writer.url()),
        format!(
            "interrupted between batches; sent 3 samples in 1 request to http://{}/w over 1 rounds",
            server.addr
        )
    );
}

/// Runs `--every 10ms` against a receiver that holds its answer to the second request, and
/// Ctrl-Cs it `interrupts` times once that request arrived; the held answer is released after
/// them if `release`, else only once the run ended.
async fn interrupted_in_flight(
    interrupts: usize,
    release: bool,
) -> Result<EveryReport, EveryFailure> {
    let (held, release_held) = Reply::new(200, "").held();
    let mut server = scripted_http::start(vec![Reply::new(200, ""), held], None).await;
    let writer = writer(format!("http://{}/w", server.addr), fast_retries(1));
    let (trigger, interrupt) = Interrupt::new();
    let run = run_every(
        &writer,
        Duration::from_millis(10),
        &interrupt,
        collect_three(),
        |_, _| {},
    );
    let mut release_held = Some(release_held);
    let driver = async {
        assert_eq!(server.arrivals.recv().await, Some(0));
        assert_eq!(server.arrivals.recv().await, Some(1));
        for _ in 0..interrupts {
            trigger.interrupt();
        }
        if release {
            release_held.take().unwrap().send(()).unwrap();
        }
    };
    let (result, ()) = tokio::join!(run, driver);
    drop(release_held);
    result
}

#[tokio::test]
async fn every_finishes_the_batch_in_flight_on_first_interrupt() {
    let report = interrupted_in_flight(1, true).await.unwrap();
    assert_eq!(
        (
            report.rounds,
            report.totals.samples,
            report.finished_in_flight
        ),
        (2, 6, true)
    );
    assert!(
        report
            .summary("u")
            .starts_with("interrupted: finished the batch in flight; sent 6 samples")
    );
}

#[tokio::test]
async fn every_abandons_the_batch_in_flight_on_second_interrupt() {
    let failure = interrupted_in_flight(2, false).await.unwrap_err();
    assert!(matches!(failure.failure.error, ExportError::Abandoned));
    assert_eq!(
        (
            failure.rounds,
            failure.totals.samples,
            failure.failure.unsent
        ),
        (1, 3, 3)
    );
    assert_eq!(
        failure.to_string(),
        "round 2: interrupted: abandoned the batch in flight (0 samples accepted before that, 3 not sent); 3 samples accepted in all"
    );
}

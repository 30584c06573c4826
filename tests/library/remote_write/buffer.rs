//! `--every` through a receiver's outage: rounds queued in memory or spooled to a directory are
//! resent in order once it answers again, the oldest are dropped (and counted) when the buffer
//! is full, and a 4xx ends the run saying what was not sent.

use std::time::Duration;

use linkerd_export::export::ExportError;
use linkerd_export::export::remote_write::proto::WriteRequest;
use linkerd_export::export::remote_write::{
    Buffer, Collected, Event, EveryFailure, EveryReport, run_every_buffered,
};
use linkerd_export::interrupt::Interrupt;

use crate::support::never;
use crate::support::scripted_http::{self, Reply};

use super::{fast_retries, proxy_series, writer};

/// Rounds of 3 samples each stamped with its round number (1, 2, ...) in milliseconds, so the
/// order the receiver gets them in can be read back.
fn numbered_rounds() -> impl FnMut() -> std::future::Ready<Result<Collected, String>> {
    let mut round = 0;
    move || {
        round += 1;
        std::future::ready(Ok(Collected {
            series: proxy_series(3, round),
            metadata: vec![],
        }))
    }
}

/// The timestamps of the requests the server accepted (answered 2xx), in arrival order; each
/// request is one round here.
fn accepted_rounds(received: &[scripted_http::Recorded], statuses: &[u16]) -> Vec<i64> {
    received
        .iter()
        .zip(statuses.iter().chain(std::iter::repeat(&200)))
        .filter(|(_, status)| **status < 300)
        .map(|(request, _)| {
            let stamps: Vec<i64> = request
                .write_request()
                .timeseries
                .iter()
                .map(|t| t.samples[0].timestamp)
                .collect();
            assert!(stamps.windows(2).all(|w| w[0] == w[1]), "{stamps:?}");
            stamps[0]
        })
        .collect()
}

/// Runs `--every 10ms` with `buffer` against `server` until `stop_after` requests were
/// answered 2xx (`statuses` are the scripted answers, 200 after them), then interrupts; each
/// event goes to `on_event`.
async fn run_until_accepted(
    server: &mut scripted_http::ScriptedServer,
    statuses: &[u16],
    buffer: Buffer,
    stop_after: usize,
    on_event: impl FnMut(Event<'_>),
) -> Result<EveryReport, EveryFailure> {
    let writer = writer(format!("http://{}/w", server.addr), fast_retries(1));
    let (trigger, interrupt) = Interrupt::new();
    let run = run_every_buffered(
        &writer,
        Duration::from_millis(10),
        buffer,
        &interrupt,
        numbered_rounds(),
        on_event,
    );
    let accepted = async {
        let mut accepted = 0;
        while let Some(index) = server.arrivals.recv().await {
            if statuses.get(index).is_none_or(|s| *s < 300) {
                accepted += 1;
            }
            if accepted == stop_after {
                trigger.interrupt();
                return;
            }
        }
    };
    until_done(run, accepted).await
}

/// Runs `run` and `driver` together until `run` ends (the driver may not get to its end when
/// `run` fails first).
async fn until_done<T>(
    run: impl std::future::Future<Output = T>,
    driver: impl std::future::Future<Output = ()>,
) -> T {
    let (done, ended) = tokio::sync::oneshot::channel::<()>();
    let run = async {
        let result = run.await;
        let _ = done.send(());
        result
    };
    let driver = async {
        tokio::select! {
            () = driver => {}
            _ = ended => {}
        }
    };
    tokio::join!(run, driver).0
}

fn replies(statuses: &[u16]) -> Vec<Reply> {
    statuses
        .iter()
        .map(|status| Reply::new(*status, "receiver restarting"))
        .collect()
}

#[tokio::test]
async fn every_queues_rounds_through_an_outage_and_resends_them_in_order() {
    // Round 1 goes out; rounds 2-6 meet a receiver that is down; then it answers again.
    let statuses = [200, 503, 503, 503, 503, 503, 429];
    let mut server = scripted_http::start(replies(&statuses), None).await;
    let mut events = Vec::new();
    let report = run_until_accepted(&mut server, &statuses, Buffer::memory(1 << 20), 12, |e| {
        events.push(format!("{e:?}"))
    })
    .await
    .unwrap();
    let received = server.received.lock().unwrap().clone();
    let accepted = accepted_rounds(&received, &statuses);
    assert!(accepted.len() >= 12, "{accepted:?}");
    let expected: Vec<i64> = (1..=accepted.len() as i64).collect();
    assert_eq!(accepted, expected, "every round once, in order");
    assert_eq!(
        report.buffered.dropped + report.buffered.left,
        0,
        "{report:?}"
    );
    assert_eq!(report.buffered.lost(), 0);
    assert!(report.buffered.resent >= 3, "{report:?}");
    assert_eq!(report.totals.samples, 3 * accepted.len());
    assert_eq!(report.rounds, accepted.len());
    let unavailable = events
        .iter()
        .filter(|e| e.starts_with("Unavailable"))
        .count();
    let recovered = events.iter().filter(|e| e.starts_with("Recovered")).count();
    assert_eq!((unavailable, recovered), (1, 1), "{events:#?}");
    let summary = report.summary("u");
    assert!(
        summary.contains(&format!(
            "({} queued during an outage and sent later)",
            report.buffered.resent
        )) && !summary.contains("lost"),
        "{summary}"
    );
}

#[tokio::test]
async fn every_drops_the_oldest_rounds_when_the_buffer_overflows_and_counts_them() {
    let statuses = [503; 12];
    let mut server = scripted_http::start(replies(&statuses), None).await;
    // One round of 3 samples is about 150 bytes encoded: room for 2 of them.
    let one_round = {
        let series: Vec<_> = proxy_series(3, 1)
            .into_iter()
            .map(|s| linkerd_export::export::remote_write::proto::time_series(s).unwrap())
            .collect();
        let request = WriteRequest {
            timeseries: series,
            metadata: vec![],
        };
        linkerd_export::export::remote_write::proto::encode(&request)
            .unwrap()
            .len() as u64
    };
    let mut events = Vec::new();
    let buffer = Buffer::memory(one_round * 5 / 2);
    let report = run_until_accepted(&mut server, &statuses, buffer, 3, |e| {
        events.push(format!("{e:?}"))
    })
    .await
    .unwrap();
    let received = server.received.lock().unwrap().clone();
    let accepted = accepted_rounds(&received, &statuses);
    // What was accepted is the newest rounds the buffer kept, in order, then new ones.
    assert!(accepted.windows(2).all(|w| w[0] < w[1]), "{accepted:?}");
    assert!(accepted[0] > 1, "the oldest were dropped: {accepted:?}");
    let dropped_rounds = accepted[0] as usize - 1;
    assert_eq!(report.buffered.dropped, 3 * dropped_rounds, "{report:?}");
    let warned: usize = events.iter().filter(|e| e.starts_with("Dropped")).count();
    assert_eq!(warned, dropped_rounds, "{events:#?}");
    assert_eq!(
        report.totals.samples + report.buffered.lost(),
        3 * report.rounds,
        "every sample accounted for: {report:?}"
    );
    let summary = report.summary("u");
    assert!(
        summary.contains(&format!(
            "{} samples lost: dropped from the full buffer",
            3 * dropped_rounds
        )),
        "{summary}"
    );
}

#[tokio::test]
async fn every_ends_on_a_4xx_even_for_a_queued_round_and_says_what_was_not_sent() {
    let statuses = [200, 503, 400];
    let server = scripted_http::start(replies(&statuses), None).await;
    let writer = writer(format!("http://{}/w", server.addr), fast_retries(1));
    let failure = run_every_buffered(
        &writer,
        Duration::from_millis(10),
        Buffer::memory(1 << 20),
        &never(),
        numbered_rounds(),
        |_| {},
    )
    .await
    .unwrap_err();
    let ExportError::Status { status, .. } = &failure.failure.error else {
        panic!("{failure}");
    };
    assert_eq!(status.as_u16(), 400);
    // Round 1 was sent; round 2 was queued, and refused for good when resent with round 3.
    assert_eq!(failure.totals.samples, 3);
    assert_eq!(failure.rounds, 3);
    assert_eq!(failure.failure.unsent, 6, "{failure}");
    assert_eq!(server.received.lock().unwrap().len(), 3);
    assert!(
        failure
            .to_string()
            .contains("answered HTTP 400 Bad Request"),
        "{failure}"
    );
}

#[tokio::test]
async fn every_spools_queued_rounds_to_a_directory_and_removes_them_once_sent() {
    let statuses = [503, 503, 503, 503];
    let mut server = scripted_http::start(replies(&statuses), None).await;
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    let buffer = Buffer::spooled(&spool, 1 << 20).unwrap();
    let mut most_files = 0;
    let report = run_until_accepted(&mut server, &statuses, buffer, 6, |event| {
        if let Event::Queued { buffer, .. } = event {
            let files = std::fs::read_dir(&spool).unwrap().count();
            assert_eq!(files, buffer.len(), "one file per queued request");
            most_files = most_files.max(files);
        }
    })
    .await
    .unwrap();
    assert!(most_files >= 2, "rounds were spooled: {most_files}");
    assert_eq!(
        std::fs::read_dir(&spool).unwrap().count(),
        0,
        "sent, so removed"
    );
    let received = server.received.lock().unwrap().clone();
    let accepted = accepted_rounds(&received, &statuses);
    let expected: Vec<i64> = (1..=accepted.len() as i64).collect();
    assert_eq!(accepted, expected);
    assert_eq!((report.buffered.lost(), report.buffered.left), (0, 0));
}

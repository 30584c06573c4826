//! `top`'s rounds ([`Refresh`], [`StatState::fold_last_keeping_baseline`]): each compared with
//! the round before as its proxies come in.

use super::tests::{body, key, pod_target};
use super::*;

/// One round of `top` as it is scraped: each body reduced and compared with the previous round
/// as it comes in.
fn round(refresh: &mut Refresh, bodies: &[(&str, i64, String)], failed: &[&str]) -> Collected {
    let mut state = StatState::default();
    for (pod, at_ms, text) in bodies {
        state.add_text(key(pod), *at_ms, text);
        state.fold_last_keeping_baseline(refresh.previous_round());
    }
    Collected {
        state,
        failures: failed
            .iter()
            .map(|pod| (pod_target(pod), "connection refused".to_string()))
            .collect(),
        interrupted: false,
    }
}

#[test]
fn a_refresh_shows_a_pod_from_its_second_scrape_on() {
    let at = |ok: f64| body(900.0, ok, 0.0, ok, ok, 1000.0, 1.0);
    let mut refresh = Refresh::new(GroupBy::Pod, vec![key("voting-1"), key("voting-2")]);
    let first = round(
        &mut refresh,
        &[("voting-1", 1_000_000, at(10.0))],
        &["voting-2"],
    );
    assert!(refresh.start(first));
    assert!(refresh.saw_failures());
    let second = round(
        &mut refresh,
        &[
            ("voting-1", 1_010_000, at(30.0)),
            ("voting-2", 1_010_000, at(50.0)),
        ],
        &[],
    );
    let second = refresh.advance(second);
    assert_eq!(second.scraped, 2);
    let rps: Vec<_> = second.lines.iter().map(|l| l.row.rps).collect();
    assert_eq!(rps, [Some(2.0), None], "voting-2 has no baseline yet");
    let third = round(
        &mut refresh,
        &[
            ("voting-1", 1_020_000, at(40.0)),
            ("voting-2", 1_020_000, at(70.0)),
        ],
        &[],
    );
    let third = refresh.advance(third);
    let rps: Vec<_> = third.lines.iter().map(|l| l.row.rps).collect();
    assert_eq!(rps, [Some(1.0), Some(2.0)]);
    refresh.relisted(vec![key("voting-1")]);
    assert_eq!(refresh.selected(), 1);
    let mut empty = Refresh::new(GroupBy::Pod, Vec::new());
    let nothing = round(&mut empty, &[], &["voting-1"]);
    assert!(!empty.start(nothing));
}

#[test]
fn rounds_find_a_counter_that_went_down_in_one_series_of_a_row_and_keep_only_baselines() {
    // Two series of one row (same direction, authority and classification); between rounds one
    // grows by 10 and the other goes down (its process start unchanged): as `increase()`, the
    // second counts from zero, 10 + 3 = 13 requests. Summed per row first, the row would have
    // gone 110 -> 113, 3 requests.
    let at = |first: f64, second: f64| {
        format!(
            "process_start_time_seconds 900\n\
             response_total{{direction=\"inbound\",authority=\"web:80\",classification=\"success\",\
             tls=\"true\",status_code=\"200\"}} {first}\n\
             response_total{{direction=\"inbound\",authority=\"web:80\",classification=\"success\",\
             tls=\"true\",status_code=\"204\"}} {second}\n"
        )
    };
    let mut refresh = Refresh::new(GroupBy::Pod, vec![key("voting-1")]);
    let first = round(
        &mut refresh,
        &[("voting-1", 1_000_000, at(100.0, 10.0))],
        &[],
    );
    assert_eq!(first.state.proxies[0].counters_kept(), 0, "a baseline only");
    assert!(refresh.start(first));
    let second = round(
        &mut refresh,
        &[("voting-1", 1_010_000, at(110.0, 3.0))],
        &[],
    );
    assert!(
        refresh.previous_round().proxies.is_empty(),
        "the previous round is released as each proxy is compared with it"
    );
    let second = refresh.advance(second);
    let rps: Vec<_> = second.lines.iter().map(|l| l.row.rps).collect();
    assert_eq!(rps, [Some(1.3)]);
    let third = round(
        &mut refresh,
        &[("voting-1", 1_020_000, at(120.0, 13.0))],
        &[],
    );
    let third = refresh.advance(third);
    let rps: Vec<_> = third.lines.iter().map(|l| l.row.rps).collect();
    assert_eq!(
        rps,
        [Some(2.0)],
        "each round is compared with the one before"
    );
}

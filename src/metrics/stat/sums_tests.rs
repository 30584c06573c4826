//! [`StatState::sum_last_since_start`]: the same rows since start from a few sums a proxy.

use super::tests::key;
use super::*;

#[test]
fn sums_since_start_give_the_same_rows_from_fewer_counters() {
    // A real body, and one whose 200 destination pods each have their own series of one
    // authority (as a `web` proxy's latency buckets do).
    let mut many = String::from("process_start_time_seconds 900\n");
    for i in 0..200 {
        let labels = format!(
            "direction=\"outbound\",authority=\"emoji:8080\",target_addr=\"10.0.0.{i}:8080\""
        );
        many.push_str(&format!(
            "response_total{{{labels},classification=\"success\"}} {i}\n"
        ));
        for le in ["10", "100", "+Inf"] {
            many.push_str(&format!(
                "response_latency_ms_bucket{{{labels},le=\"{le}\"}} {i}\n"
            ));
        }
    }
    let real = include_str!(
        "../../../tests/fixtures/linkerd/datadog__linkerd__tests__fixtures__linkerd_v2.txt"
    );
    for text in [real, many.as_str()] {
        let (mut whole, mut summed) = (StatState::default(), StatState::default());
        for pod in ["web-1", "web-2"] {
            assert!(whole.add_text(key(pod), 1_000_000, text).is_empty());
            assert!(summed.add_text(key(pod), 1_000_000, text).is_empty());
            summed.sum_last_since_start();
        }
        use GroupBy::*;
        for by in [Workload, Pod, Authority, Route, Direction] {
            // Rates are summed in another order (a sum over series divided once, not each
            // series divided), so they may differ in the last bits: 12 digits are compared.
            let rows = |s: &StatState| {
                let rows = serde_json::to_value(compute_since_start(s, by)).unwrap();
                let rounded = |v: &serde_json::Value| format!("{:.12e}", v.as_f64().unwrap());
                round_numbers(&rows, &rounded)
            };
            assert_eq!(rows(&summed), rows(&whole), "{by:?}");
        }
    }
    let mut s = StatState::default();
    assert!(s.add_text(key("web-1"), 1_000_000, &many).is_empty());
    assert_eq!(s.proxies[0].counters.len(), 800);
    s.sum_last_since_start();
    assert_eq!(
        s.proxies[0].counters.len(),
        4,
        "one success count and three buckets"
    );
}

/// `value` as text with every number written by `number`.
fn round_numbers(
    value: &serde_json::Value,
    number: &dyn Fn(&serde_json::Value) -> String,
) -> String {
    match value {
        serde_json::Value::Number(_) => number(value),
        serde_json::Value::Array(items) => items
            .iter()
            .map(|v| round_numbers(v, number))
            .collect::<Vec<_>>()
            .join(","),
        serde_json::Value::Object(fields) => fields
            .iter()
            .map(|(k, v)| format!("{k}:{}", round_numbers(v, number)))
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    }
}

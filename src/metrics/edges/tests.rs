use super::*;
use crate::resolve::Workload;

const WEB_ID: &str = "web.emojivoto.serviceaccount.identity.linkerd.cluster.local";
const EMOJI_ID: &str = "emoji.emojivoto.serviceaccount.identity.linkerd.cluster.local";
const BOT_ID: &str = "default.emojivoto.serviceaccount.identity.linkerd.cluster.local";

fn proxy(workload: &str, time_ms: i64, body: &str) -> (ProxyKey, Target) {
    let key = ProxyKey {
        namespace: "emojivoto".into(),
        pod: format!("{workload}-0"),
        workload: Some(Workload {
            kind: "deployment",
            name: workload.into(),
        }),
    };
    let target = Target::parse(body.to_string(), Vec::new(), Some(time_ms)).expect("valid body");
    (key, target)
}

/// Outbound series from the calling proxy to `dst` (a deployment), mTLS to `server_id`.
fn outbound(
    dst: &str,
    server_id: &str,
    requests: u64,
    open: u64,
    opened: u64,
    closed: u64,
) -> String {
    let l = format!(
        "direction=\"outbound\",tls=\"true\",server_id=\"{server_id}\",dst_deployment=\"{dst}\",dst_namespace=\"emojivoto\",dst_pod=\"{dst}-0\""
    );
    format!(
        "request_total{{authority=\"{dst}-svc:8080\",{l}}} {requests}\n\
         tcp_open_connections{{peer=\"dst\",{l}}} {open}\n\
         tcp_open_total{{peer=\"dst\",{l}}} {opened}\n\
         tcp_close_total{{peer=\"dst\",{l},errno=\"\"}} {closed}\n"
    )
}

fn inbound(client_id: &str, requests: u64) -> String {
    format!(
        "request_total{{direction=\"inbound\",tls=\"true\",client_id=\"{client_id}\"}} {requests}\n\
         tcp_open_connections{{direction=\"inbound\",peer=\"src\",tls=\"true\",client_id=\"{client_id}\"}} 1\n"
    )
}

fn mesh(t: i64, n: u64) -> Vec<(ProxyKey, Target)> {
    vec![
        proxy("vote-bot", t, &outbound("web", WEB_ID, 10 * n, 1, 1, 0)),
        proxy(
            "web",
            t,
            &format!(
                "{}{}# a comment\ntcp_read_bytes_total{{direction=\"outbound\",peer=\"dst\",dst_deployment=\"emoji\"}} {n}\n",
                inbound(BOT_ID, 10 * n),
                outbound("emoji", EMOJI_ID, 10 * n, 1, 1, 0)
            ),
        ),
        proxy("emoji", t, &inbound(WEB_ID, 10 * n)),
    ]
}

fn row<'r>(rows: &'r [EdgeRow], src: &str, dst: &str) -> &'r EdgeRow {
    rows.iter()
        .find(|r| r.src == src && r.dst == dst)
        .unwrap_or_else(|| panic!("no edge {src} -> {dst} in {rows:#?}"))
}

#[test]
fn only_the_series_edges_reads_are_kept() {
    assert!(reads("request_total{direction=\"outbound\"} 1"));
    assert!(reads("tcp_close_total{errno=\"\"} 1"));
    assert!(reads("request_total 1"));
    assert!(!reads("request_total_other{a=\"b\"} 1"));
    assert!(!reads("response_total{direction=\"outbound\"} 1"));
    assert!(!reads("# TYPE request_total counter"));
}

#[test]
fn a_window_gives_rates_identities_and_connections() {
    let before = mesh(1_000, 100);
    let after = mesh(11_000, 110);
    let rows = compute(Some(&before), &after);
    assert_eq!(rows.len(), 2, "{rows:#?}");
    let bot = row(&rows, "vote-bot", "web");
    assert_eq!(bot.rps, Some(10.0));
    assert_eq!(bot.requests, 100.0);
    assert_eq!(bot.server_id.as_deref(), Some(WEB_ID));
    // Nobody calls vote-bot: its identity is the one client web saw from its namespace.
    assert_eq!(bot.client_id.as_deref(), Some(BOT_ID));
    assert_eq!(bot.secured, SECURED);
    assert_eq!(
        (bot.src_ns.as_str(), bot.dst_ns.as_str()),
        ("emojivoto", "emojivoto")
    );
    assert_eq!(bot.dst_kind, "deployment");
    let web = row(&rows, "web", "emoji");
    // web's identity is what vote-bot saw calling it.
    assert_eq!(web.client_id.as_deref(), Some(WEB_ID));
    assert_eq!(web.server_id.as_deref(), Some(EMOJI_ID));
    assert_eq!(web.connections, 1.0);
    assert_eq!((web.opened, web.closed), (0.0, 0.0));
}

#[test]
fn one_scrape_counts_since_start_without_rates() {
    let rows = compute(None, &mesh(1_000, 100));
    let bot = row(&rows, "vote-bot", "web");
    assert_eq!(bot.rps, None);
    assert_eq!(bot.requests, 1000.0);
    assert_eq!(bot.opened, 1.0);
}

#[test]
fn an_edge_whose_connections_closed_in_the_window_is_shown() {
    let before = vec![proxy("web", 0, &outbound("emoji", EMOJI_ID, 50, 1, 1, 0))];
    let after = vec![proxy(
        "web",
        5_000,
        &outbound("emoji", EMOJI_ID, 50, 0, 1, 1),
    )];
    let rows = compute(Some(&before), &after);
    let web = row(&rows, "web", "emoji");
    assert_eq!((web.connections, web.closed, web.requests), (0.0, 1.0, 0.0));
    assert_eq!(web.rps, Some(0.0));
    // With no change at all, the edge is not shown.
    assert!(compute(Some(&after), &after).is_empty());
}

#[test]
fn traffic_without_mtls_shows_why_and_no_identities() {
    let body = "request_total{direction=\"outbound\",authority=\"legacy:80\",tls=\"no_identity\",no_tls_reason=\"not_provided_by_service_discovery\",dst_namespace=\"default\"} 7\n\
                tcp_open_connections{direction=\"outbound\",peer=\"dst\",target_addr=\"10.0.0.9:80\",tls=\"no_identity\",no_tls_reason=\"not_provided_by_service_discovery\"} 2\n";
    let rows = compute(None, &[proxy("web", 0, body)]);
    assert_eq!(rows.len(), 2, "{rows:#?}");
    let legacy = row(&rows, "web", "legacy:80");
    assert_eq!(legacy.dst_kind, "authority");
    assert_eq!(legacy.dst_ns, "default");
    assert_eq!(legacy.secured, "not_provided_by_service_discovery");
    assert_eq!(
        (legacy.client_id.as_ref(), legacy.server_id.as_ref()),
        (None, None)
    );
    let addr = row(&rows, "web", "10.0.0.9:80");
    assert_eq!((addr.dst_kind.as_str(), addr.connections), ("address", 2.0));
}

#[test]
fn one_plain_series_makes_an_edge_unsecured() {
    let plain = outbound("emoji", EMOJI_ID, 5, 1, 1, 0).replacen(
        &format!("tls=\"true\",server_id=\"{EMOJI_ID}\""),
        "tls=\"disabled\"",
        1,
    );
    let body = format!(
        "{}{plain}",
        outbound("emoji", EMOJI_ID, 5, 1, 1, 0).replace("emoji-0", "emoji-1")
    );
    let rows = compute(None, &[proxy("web", 0, &body)]);
    let web = row(&rows, "web", "emoji");
    assert_eq!(web.secured, "disabled");
    assert_eq!(web.server_id.as_deref(), Some(EMOJI_ID));
    assert_eq!(web.requests, 10.0);
}

#[test]
fn a_counter_reset_counts_the_new_value() {
    let before = vec![proxy("web", 0, &outbound("emoji", EMOJI_ID, 500, 1, 1, 0))];
    let after = vec![proxy(
        "web",
        10_000,
        &outbound("emoji", EMOJI_ID, 40, 1, 1, 0),
    )];
    let web = compute(Some(&before), &after).remove(0);
    assert_eq!((web.requests, web.rps), (40.0, Some(4.0)));
}

#[test]
fn an_ambiguous_client_identity_is_not_guessed() {
    let after = vec![
        proxy("vote-bot", 0, &outbound("web", WEB_ID, 10, 1, 1, 0)),
        proxy(
            "web",
            0,
            &format!(
                "{}{}",
                inbound(BOT_ID, 5),
                inbound(&BOT_ID.replace("default", "other"), 5)
            ),
        ),
    ];
    assert_eq!(
        row(&compute(None, &after), "vote-bot", "web").client_id,
        None
    );
    assert_eq!(identity_namespace(BOT_ID), Some("emojivoto"));
    assert_eq!(identity_namespace("spiffe://x"), None);
}

#[test]
fn a_known_server_identity_beats_the_callee_s_clients() {
    // emoji sees two clients from emojivoto; web's own identity is the one vote-bot called it at.
    let after = vec![
        proxy("vote-bot", 0, &outbound("web", WEB_ID, 10, 1, 1, 0)),
        proxy("web", 0, &outbound("emoji", EMOJI_ID, 10, 1, 1, 0)),
        proxy(
            "emoji",
            0,
            &format!("{}{}", inbound(WEB_ID, 5), inbound(BOT_ID, 5)),
        ),
    ];
    let rows = compute(None, &after);
    assert_eq!(
        row(&rows, "web", "emoji").client_id.as_deref(),
        Some(WEB_ID)
    );
}

#[test]
fn a_destination_shows_the_calls_of_sources_that_were_not_selected() {
    // Only web selected: vote-bot's calls are known from web's inbound series, by identity.
    let before = vec![mesh(1_000, 100).remove(1)];
    let after = vec![mesh(11_000, 110).remove(1)];
    let rows = compute(Some(&before), &after);
    assert_eq!(rows.len(), 2, "{rows:#?}");
    let bot = row(&rows, "default", "web");
    assert_eq!(
        (bot.src_kind.as_str(), bot.src_ns.as_str(), bot.src_text()),
        (SERVICE_ACCOUNT, "emojivoto", "sa/default".to_string())
    );
    assert_eq!(bot.client_id.as_deref(), Some(BOT_ID));
    assert_eq!(bot.dst_kind, "deployment");
    assert_eq!((bot.requests, bot.rps), (100.0, Some(10.0)));
    assert_eq!(bot.connections, 1.0);
    assert_eq!(bot.secured, SECURED);
    row(&rows, "web", "emoji");

    // With its caller selected too, the same calls are one row, not two.
    let both = compute(None, &mesh(1_000, 100));
    assert_eq!(both.len(), 2, "{both:#?}");
    assert!(both.iter().all(|r| r.src_kind == "deployment"), "{both:#?}");
}

#[test]
fn an_unselected_source_is_named_after_the_workload_serving_its_identity() {
    // vote-bot and emoji selected, web not: emoji's client is the web vote-bot called.
    let after = vec![
        proxy("vote-bot", 0, &outbound("web", WEB_ID, 10, 1, 1, 0)),
        proxy("emoji", 0, &inbound(WEB_ID, 7)),
    ];
    let rows = compute(None, &after);
    let web = row(&rows, "web", "emoji");
    assert_eq!(
        (web.src_kind.as_str(), web.src_text()),
        ("deployment", "web".to_string())
    );
    assert_eq!((web.requests, web.rps), (7.0, None));
    // A plain-text client without an identity is a source of its own, with the reason.
    let plain = "request_total{direction=\"inbound\",tls=\"no_identity\",no_tls_reason=\"no_tls_from_remote\"} 3\n";
    let rows = compute(None, &[proxy("emoji", 0, plain)]);
    let unknown = row(&rows, "-", "emoji");
    assert_eq!(
        (
            unknown.src_kind.as_str(),
            unknown.secured.as_str(),
            unknown.client_id.as_ref()
        ),
        ("unknown", "no_tls_from_remote", None)
    );
}

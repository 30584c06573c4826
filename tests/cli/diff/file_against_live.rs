//! `diff FILE TARGET` and `diff TARGET FILE` from the proxies: each pod's body is compared with
//! the file's target of the same pod as it comes in. What it shows is what two files show, and a
//! pod on one side only is removed or added.

use serde_json::Value;

use super::{diff_json, label};
use crate::support::{Mesh, run};

/// A diff's rows without what depends on when each side was read (its scrape times).
fn rows(diff: &Value) -> (Value, Value) {
    (diff["series"].clone(), diff["histograms"].clone())
}

#[test]
fn a_file_against_the_live_target_shows_what_two_files_show() {
    // Counters stand still: the target read now is what a second snapshot holds.
    let mesh = Mesh::still();
    let scope = ["deploy", "-n", "emojivoto"];
    let before = mesh.snapshot("before.om", &scope);
    let now = mesh.snapshot("now.om", &scope);
    let (before, now) = (before.to_str().unwrap(), now.to_str().unwrap());
    for by in ["workload", "pod"] {
        let files = diff_json(&mesh, &[before, now, "--by", by]);
        let live = diff_json(&mesh, &[before, "deploy", "-n", "emojivoto", "--by", by]);
        assert!(files["series"].as_array().unwrap().len() > 100, "{files}");
        assert_eq!(rows(&live), rows(&files), "file, then live, --by {by}");
        assert_eq!(live["old"]["proxies"], files["old"]["proxies"]);
        assert_eq!(live["new"]["proxies"], files["new"]["proxies"]);

        let files = diff_json(&mesh, &[now, before, "--by", by]);
        let live = diff_json(&mesh, &["deploy", "-n", "emojivoto", before, "--by", by]);
        assert_eq!(rows(&live), rows(&files), "live, then file, --by {by}");
    }
}

#[test]
fn pods_on_one_side_only_are_removed_or_added_and_the_sides_keep_their_order() {
    let mesh = Mesh::start();
    let all = mesh.snapshot("all.om", &["deploy", "-n", "emojivoto"]);
    let all = all.to_str().unwrap();
    let web = ["deploy/web", "-n", "emojivoto", "-m", "request_total"];
    let deployments = |diff: &Value, change: &str| -> std::collections::BTreeSet<String> {
        diff["series"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["change"] == change)
            .filter_map(|s| label(s, "deployment").map(str::to_string))
            .collect()
    };

    let mut args = vec![all];
    args.extend(web);
    let diff = diff_json(&mesh, &args);
    assert_eq!(diff["old"]["source"], all);
    assert_eq!(diff["new"]["source"], "deploy/web");
    assert_eq!(diff["old"]["proxies"], 4, "{}", diff["old"]);
    assert_eq!(diff["new"]["proxies"], 1, "{}", diff["new"]);
    assert_eq!(
        deployments(&diff, "removed"),
        ["emoji", "vote-bot", "voting"].map(String::from).into()
    );
    assert!(deployments(&diff, "added").is_empty());
    // web's counters went on since the file: they grew, on the new side.
    let grew = diff["series"].as_array().unwrap().iter().filter(|s| {
        label(s, "deployment") == Some("web")
            && s["change"] == "changed"
            && s["new"].as_f64() > s["old"].as_f64()
    });
    assert!(grew.count() > 0, "{diff}");

    let mut args: Vec<&str> = web.to_vec();
    args.push(all);
    let diff = diff_json(&mesh, &args);
    assert_eq!(diff["old"]["source"], "deploy/web");
    assert_eq!(diff["new"]["proxies"], 4, "{}", diff["new"]);
    assert_eq!(
        deployments(&diff, "added"),
        ["emoji", "vote-bot", "voting"].map(String::from).into()
    );
    assert!(deployments(&diff, "removed").is_empty());
}

#[test]
fn a_pod_that_fails_its_scrape_is_named_once_and_its_file_side_removed() {
    let mesh = Mesh::start();
    let all = mesh.snapshot("all.om", &["deploy", "-n", "emojivoto"]);
    // The same pods (a mesh's pod names do not change from run to run), web's now malformed.
    let broken = Mesh::with_faults(&["garbage:web-*"]);
    let (code, out, err) = run(broken
        .cmd()
        .args(["diff", all.to_str().unwrap(), "deploy", "-n", "emojivoto"])
        .args(["-m", "request_total", "-o", "json"]));
    assert_eq!(code, 3, "{err}");
    let failures: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(failures.len(), 1, "{err}");
    assert!(
        failures[0].contains("pod emojivoto/web-") && failures[0].contains("malformed"),
        "{err}"
    );
    let diff: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(diff["new"]["proxies"], 3, "{}", diff["new"]);
    let series = diff["series"].as_array().unwrap();
    for s in series {
        let web = label(s, "deployment") == Some("web");
        assert_eq!(s["change"] == "removed", web, "{s}");
        assert_ne!(s["change"], "added", "{s}");
    }
    assert!(series.iter().any(|s| label(s, "deployment") == Some("web")));
}

//! `demo`: the README's first command starts the simulated mesh and prints a `stat` table whose
//! numbers match the simulated traffic.

mod kubeconfig;

use crate::support::{BIN, stderr, stdout};

/// The row of `deployment/NAME` split into cells.
fn row<'a>(table: &'a str, name: &str) -> Vec<&'a str> {
    table
        .lines()
        .find(|l| l.starts_with(&format!("deployment/{name} ")))
        .unwrap_or_else(|| panic!("no row for {name} in:\n{table}"))
        .split_whitespace()
        .collect()
}

fn percent(cell: &str) -> f64 {
    cell.trim_end_matches('%').parse().expect(cell)
}

#[test]
fn demo_shows_emojivoto_stat() {
    let out = assert_cmd::Command::new(BIN)
        .env_remove("KUBECONFIG")
        .arg("demo")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let table = stdout(&out);
    assert!(table.starts_with("NAME "), "{table}");
    for name in ["emoji", "vote-bot", "voting", "web"] {
        assert_eq!(row(&table, name)[1], "1/1", "{name} meshed: {table}");
    }
    // The traffic model: voting answers 85% of requests successfully, emoji all of them; the
    // 3 s window and 50 ms counter steps allow a couple of points either way.
    let voting = percent(row(&table, "voting")[2]);
    assert!((82.0..=88.0).contains(&voting), "voting success {voting}");
    assert_eq!(percent(row(&table, "emoji")[2]), 100.0);
    assert!(stderr(&out).contains("demo --serve"), "{}", stderr(&out));
}

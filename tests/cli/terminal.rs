//! Tables in a real terminal (tmux, 80 columns): like kubectl, a row is one line and no cell is
//! wrapped mid-word; a table wider than the terminal overflows (the terminal folds the long
//! line, which tmux joins back), so a terminal shows the table a pipe gets (spec §2).

use crate::support::tmux::Tmux;
use crate::support::{BIN, Mesh, run};

fn trimmed_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.trim_end().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

fn cells(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// The plugin against `mesh` with `args`, as a shell command line (stderr dropped).
fn shell_line(mesh: &Mesh, args: &[&str]) -> String {
    format!(
        "HOME={} {} --kubeconfig {} {} 2>/dev/null",
        mesh.dir().display(),
        BIN,
        mesh.kubeconfig.display(),
        args.iter()
            .map(|a| format!("'{a}'"))
            .collect::<Vec<_>>()
            .join(" ")
    )
}

#[test]
fn stat_colours_failing_success_rates_as_color_and_no_color_say() {
    let mesh = Mesh::start();
    let tmux = Tmux::start(mesh.dir());
    let stat = ["stat", "-n", "emojivoto", "--since-start"];
    let voting_line = |env: &[&str], color: &str| {
        let args = [&stat[..], &["--color", color]].concat();
        let screen = tmux.run(100, env, &shell_line(&mesh, &args));
        screen
            .lines()
            .find(|l| l.contains("voting"))
            .unwrap_or_else(|| panic!("no voting row: {screen}"))
            .to_string()
    };
    // voting succeeds 85 %: red on a terminal unless told otherwise.
    assert!(voting_line(&[], "auto").contains('\u{1b}'));
    assert!(voting_line(&["NO_COLOR=1"], "always").contains('\u{1b}'));
    assert!(!voting_line(&[], "never").contains('\u{1b}'));
    assert!(!voting_line(&["NO_COLOR=1"], "auto").contains('\u{1b}'));
    // Not a terminal: only `always` colours.
    for (color, coloured) in [("always", true), ("auto", false), ("never", false)] {
        let (code, out, err) = run(mesh
            .cmd()
            .env_remove("NO_COLOR")
            .args(stat)
            .args(["--color", color]));
        assert_eq!(code, 0, "{err}");
        assert_eq!(out.contains('\u{1b}'), coloured, "--color {color}: {out:?}");
    }
}

#[test]
fn tables_in_an_80_column_terminal_keep_one_line_per_row() {
    let mesh = Mesh::start();
    let tmux = Tmux::start(mesh.dir());
    // Two files, so both runs of `diff` print the same rows: numbers that moved between a pipe
    // run and the terminal run would change a row's first cell.
    let [before, after] = ["before.om", "after.om"].map(|name| {
        let path = mesh.snapshot(name, &["deploy/web", "-n", "emojivoto"]);
        path.display().to_string()
    });
    let commands: [Vec<&str>; 3] = [
        vec![
            "stat",
            "-n",
            "emojivoto",
            "--since-start",
            "--by",
            "authority",
        ],
        vec!["stat", "-A", "--since-start", "-o", "wide"],
        vec!["diff", &before, &after, "-m", "response_total"],
    ];
    for args in commands {
        // What a pipe gets.
        let (_, piped, err) = run(mesh.cmd().args(&args));
        let piped = trimmed_lines(&piped);
        assert!(!piped.is_empty(), "{args:?}: {err}");
        assert!(
            piped.iter().any(|l| l.chars().count() > 80),
            "{args:?}: the table is wider than the terminal: {piped:#?}"
        );
        let shell = shell_line(&mesh, &args);
        let shown = trimmed_lines(&tmux.run(80, &["NO_COLOR=1"], &shell));
        // Numbers move between the two runs; the layout does not: as many lines, the same
        // header, each row as many cells starting with the same name.
        assert_eq!(
            shown.len(),
            piped.len(),
            "{args:?}: {shown:#?} vs {piped:#?}"
        );
        assert_eq!(shown[0], piped[0], "{args:?}: header");
        for (on_screen, in_pipe) in shown.iter().zip(&piped) {
            let (a, b) = (cells(on_screen), cells(in_pipe));
            assert_eq!(
                (a.len(), a.first()),
                (b.len(), b.first()),
                "{args:?}: {on_screen:?} vs {in_pipe:?}"
            );
        }
    }
}

/// One row of `top`'s screen: its name and its two sparklines (blanks kept, trailing ones cut).
#[derive(Debug)]
struct TopRow {
    name: String,
    rps: String,
    success: String,
}

/// `top`'s header line and rows on `screen` (empty before the first table).
fn top_table(screen: &str) -> (String, Vec<TopRow>) {
    let mut lines = screen.lines().skip_while(|l| !l.contains("RPS_TREND"));
    let Some(header) = lines.next() else {
        return (String::new(), Vec::new());
    };
    let column = |name: &str| header[..header.find(name).unwrap()].chars().count();
    let (rps, success, meshed) = (
        column("RPS_TREND"),
        column("SUCCESS_TREND"),
        column("MESHED"),
    );
    let rows = lines
        .take_while(|l| !l.trim().is_empty())
        .map(|line| {
            let chars: Vec<char> = line.chars().collect();
            let cut = |from: usize, to: usize| {
                chars[from.min(chars.len())..to.min(chars.len())]
                    .iter()
                    .collect::<String>()
                    .trim_end()
                    .to_string()
            };
            TopRow {
                name: line
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string(),
                rps: cut(rps, success),
                success: cut(success, meshed),
            }
        })
        .collect();
    (header.to_string(), rows)
}

fn names(rows: &[TopRow]) -> Vec<&str> {
    rows.iter().map(|r| r.name.as_str()).collect()
}

/// `top` on a terminal draws a sparkline per row that grows with each refresh, and `s`, `n`,
/// `l`, `r` re-sort the rows at once, the header marking the column.
#[test]
fn top_draws_sparklines_and_keys_change_the_sort_column() {
    let mesh = Mesh::start();
    let tmux = Tmux::start(mesh.dir());
    let top = shell_line(&mesh, &["top", "-n", "emojivoto", "--interval", "1s"]);
    tmux.start_session(200, 40, &top);
    let screen = tmux.wait_for("three refreshes of every row", |screen| {
        let (_, rows) = top_table(screen);
        rows.len() == 4 && rows.iter().all(|r| r.rps.chars().count() >= 3)
    });
    let (header, rows) = top_table(&screen);
    assert!(header.contains("RPS▼"), "{screen}");
    assert_eq!(
        names(&rows)[2..],
        ["deployment/voting", "deployment/vote-bot"]
    );
    let row = |name: &str| rows.iter().find(|r| r.name.ends_with(name)).unwrap();
    // Steady traffic (10 rps, give or take a request a second): each RPS sparkline near its
    // row's top; vote-bot receives nothing.
    assert!(
        row("/web").rps.chars().all(|c| "▆▇█".contains(c)),
        "{screen}"
    );
    assert!(row("/vote-bot").rps.chars().all(|c| c == '▁'), "{screen}");
    // Success rates on a 0-100 % scale: emoji always 100 %; voting 85 % (0.75 failures a
    // second, so at least one of three seconds had one); vote-bot no requests.
    assert!(row("/emoji").success.chars().all(|c| c == '█'), "{screen}");
    let voting = &row("/voting").success;
    assert!(
        voting.chars().count() >= 3 && voting.chars().any(|c| c != '█'),
        "{screen}"
    );
    assert_eq!(row("/vote-bot").success, "", "{screen}");

    let sorted_by = |key: &str, marked: &str| {
        tmux.keys(key);
        let screen = tmux.wait_for(&format!("{key}: {marked} marked"), |screen| {
            top_table(screen).0.contains(marked) && top_table(screen).1.len() == 4
        });
        let (header, rows) = top_table(&screen);
        assert_eq!(header.matches(['▲', '▼']).count(), 1, "{screen}");
        names(&rows)
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
    };
    // Lowest success first; rows without requests last.
    let by_success = sorted_by("s", "SUCCESS▲");
    assert_eq!(by_success[0], "deployment/voting");
    assert_eq!(by_success[3], "deployment/vote-bot");
    assert_eq!(
        sorted_by("n", "NAME▲"),
        [
            "deployment/emoji",
            "deployment/vote-bot",
            "deployment/voting",
            "deployment/web"
        ]
    );
    assert_eq!(sorted_by("l", "LATENCY_P99▼")[3], "deployment/vote-bot");
    assert_eq!(
        sorted_by("r", "RPS▼")[2..],
        ["deployment/voting", "deployment/vote-bot"]
    );
    tmux.keys("q");
}

/// A rollout during `top`: the new pod's row appears, its sparkline starting where it was first
/// measured, and the deleted pod's row goes, without an error.
#[test]
fn top_follows_a_rollout() {
    let mesh = Mesh::with(linkerd_export_sim::SimConfig {
        replicas: 2,
        ..Default::default()
    });
    let (old, new) = mesh.rollout_pods();
    let tmux = Tmux::start(mesh.dir());
    let top = shell_line(
        &mesh,
        &[
            "top",
            "deploy/web",
            "-n",
            "emojivoto",
            "--by",
            "pod",
            "--interval",
            "200ms",
        ],
    );
    tmux.start_session(200, 40, &top);
    let row_of = |screen: &str, pod: &str| top_table(screen).1.into_iter().find(|r| r.name == pod);
    tmux.wait_for("the old pod measured three times", |screen| {
        row_of(screen, &old).is_some_and(|r| r.rps.chars().count() >= 3)
    });

    assert!(mesh.sim.set_pod_present("emojivoto", &new, true));
    assert!(mesh.sim.set_pod_present("emojivoto", &old, false));
    let screen = tmux.wait_for("the new pod measured, the old one gone", |screen| {
        row_of(screen, &new).is_some_and(|r| !r.rps.trim().is_empty())
            && row_of(screen, &old).is_none()
    });
    let (_, rows) = top_table(&screen);
    assert_eq!(names(&rows), [new.as_str()], "{screen}");
    // Blank before the new pod's first measured refresh.
    assert!(rows[0].rps.starts_with(' '), "{screen}");
    assert!(screen.contains("proxies 1/1"), "{screen}");
    assert!(!screen.contains("error"), "{screen}");
    tmux.keys("q");
}

//! Every `$ kubectl linkerd-export ...` example in README.md and docs/ runs as written, through the
//! real kubectl with the plugin on PATH, against the simulated mesh, and succeeds. The few that
//! need what a test cannot give are listed in `NOT_RUN` with the test that covers them instead.

use std::path::Path;
use std::process::Command;

use crate::support::kubectl::{plugin_path, require_kubectl};
use crate::support::{self, Mesh, fixture};

/// Examples not run here, and why: a whole example (starting `kubectl `), or a piece of one.
const NOT_RUN: &[(&str, &str)] = &[
    (
        "demo --serve",
        "serves until stopped; the tests start the simulated mesh themselves",
    ),
    (
        "kubectl linkerd-export top -n emojivoto",
        "full-screen until q; tests/cli/top.rs drives it in a pseudo-terminal (script)",
    ),
    (
        "kubectl linkerd-export top -n emojivoto --interval 1s",
        "full-screen until q (a frame of it); tests/cli/terminal.rs drives it in tmux",
    ),
    (
        "--remote-write http",
        "needs a receiver at that address; tests/library/remote_write/prometheus.rs runs a real \
         Prometheus",
    ),
    (
        "--serve 127.0.0.1:9191",
        "serves until stopped; tests/library/serve.rs scrapes it with a real Prometheus",
    ),
    (
        "deploy/web-v1 deploy/web-v2",
        "a canary and its stable, which the simulated mesh does not have; tests/cli/diff.rs \
         compares two of its workloads",
    ),
];

/// The examples of one Markdown file: `$ kubectl linkerd-export` lines, continuation lines joined,
/// trailing `# comments` removed.
fn examples(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = markdown.lines();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix("$ kubectl linkerd-export") else {
            continue;
        };
        let mut command = format!("kubectl linkerd-export{rest}");
        while command.trim_end().ends_with('\\') {
            let trimmed = command
                .trim_end()
                .trim_end_matches('\\')
                .trim_end()
                .to_string();
            command = format!("{trimmed} {}", lines.next().unwrap_or("").trim());
        }
        if let Some(comment) = command.find("  #").or_else(|| command.find("\t#")) {
            command.truncate(comment);
        }
        out.push(command.trim().to_string());
    }
    out
}

fn documented() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<_> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
        .iter()
        .flat_map(|file| {
            let name = file.file_name().unwrap().to_string_lossy().to_string();
            examples(&std::fs::read_to_string(file).unwrap())
                .into_iter()
                .map(move |command| (name.clone(), command))
        })
        .collect()
}

#[test]
fn examples_are_found_with_continuations_and_without_comments() {
    let found = examples(
        "text\n$ kubectl linkerd-export stat -n x   # a comment\n$ kubectl linkerd-export export -A \\\n    --every 30s\n$ other\n",
    );
    assert_eq!(
        found,
        [
            "kubectl linkerd-export stat -n x",
            "kubectl linkerd-export export -A --every 30s"
        ]
    );
}

#[test]
fn every_documented_example_runs() {
    require_kubectl();
    let mesh = Mesh::start();
    let dir = mesh.dir();
    let (_, path) = plugin_path(&mesh);
    // What the examples name: a saved dump, an earlier snapshot, the directories completion
    // installs into.
    std::fs::copy(
        fixture("linkerd2__testutil__prommatch__testdata__sampleMetrics.txt"),
        dir.join("dump.txt"),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join(".krew/bin")).unwrap();
    std::fs::create_dir_all(dir.join(".cargo/bin")).unwrap();
    let shell = |command: &str| {
        // An example that never ends fails (exit 124) instead of hanging the suite.
        let mut cmd = Command::new("timeout");
        cmd.args(["300", "bash", "-c"])
            .arg(command)
            .current_dir(dir)
            .env_clear()
            .env("PATH", &path)
            .env("HOME", dir)
            .env("KUBECONFIG", &mesh.kubeconfig)
            .env("NO_COLOR", "1");
        cmd
    };
    let before = shell("kubectl linkerd-export snapshot -n emojivoto -O before.om -q")
        .output()
        .unwrap();
    assert!(before.status.success(), "{}", support::stderr(&before));

    let all = documented();
    assert!(all.len() >= 20, "found only {} examples", all.len());
    let mut ran = 0;
    for (file, command) in &all {
        let skipped = NOT_RUN.iter().find(|(piece, _)| {
            if piece.starts_with("kubectl ") {
                command == piece
            } else {
                command.contains(piece)
            }
        });
        if let Some((_, why)) = skipped {
            eprintln!("not run ({why}): {command}");
            continue;
        }
        let out = shell(command).output().unwrap();
        let code = out.status.code().unwrap_or(-1);
        // `check` exits 3 when it has warnings: the demo mesh's voting fails some requests.
        let ok = code == 0 || (code == 3 && command.contains(" check "));
        assert!(
            ok,
            "{file}: `{command}` exited {code}\nstdout: {}\nstderr: {}",
            support::stdout(&out),
            support::stderr(&out)
        );
        ran += 1;
    }
    assert!(ran >= 15, "ran only {ran} examples");
}

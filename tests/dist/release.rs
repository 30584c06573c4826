//! The release workflow and build profile, checked structurally (the workflow itself only runs on
//! GitHub): a tag builds exactly the platforms the krew manifest names, packages them with
//! scripts/package.sh and renders plugin.yaml from the archives with scripts/krew-manifest.sh.

use std::path::Path;

use serde_norway::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(path)).unwrap()
}

fn workflow() -> Value {
    serde_norway::from_str(&read(".github/workflows/release.yml")).unwrap()
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or("")
}

/// Every `run:` script of a job's steps, joined.
fn runs(job: &Value) -> String {
    job["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|step| text(&step["run"]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The (os, arch) pairs of plugin.yaml's platforms, in order.
fn manifest_pairs() -> Vec<(String, String)> {
    let manifest: Value = serde_norway::from_str(&read("plugin.yaml")).unwrap();
    manifest["spec"]["platforms"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|p| {
            let labels = &p["selector"]["matchLabels"];
            (
                text(&labels["os"]).to_string(),
                text(&labels["arch"]).to_string(),
            )
        })
        .collect()
}

#[test]
fn runs_on_version_tags() {
    let workflow = workflow();
    let tags = workflow["on"]["push"]["tags"].as_sequence().unwrap();
    assert_eq!(tags, &[Value::from("v*")]);
    let check = runs(&workflow["jobs"]["check-version"]);
    assert!(check.contains("$GITHUB_REF_NAME") && check.contains("cargo metadata"));
}

#[test]
fn builds_every_platform_of_the_krew_manifest_natively_for_its_target() {
    let workflow = workflow();
    let build = &workflow["jobs"]["build"];
    assert_eq!(text(&build["needs"]), "check-version");
    let matrix = build["strategy"]["matrix"]["include"]
        .as_sequence()
        .unwrap();
    let pairs: Vec<(String, String)> = matrix
        .iter()
        .map(|m| (text(&m["os"]).to_string(), text(&m["arch"]).to_string()))
        .collect();
    assert_eq!(pairs, manifest_pairs());

    for entry in matrix {
        let (os, arch, target, runner) = (
            text(&entry["os"]),
            text(&entry["arch"]),
            text(&entry["target"]),
            text(&entry["runner"]),
        );
        let cpu = match arch {
            "amd64" => "x86_64-",
            "arm64" => "aarch64-",
            other => panic!("unexpected arch {other}"),
        };
        let (system, runner_prefix) = match os {
            "linux" => ("-unknown-linux-musl", "ubuntu-"),
            "darwin" => ("-apple-darwin", "macos-"),
            "windows" => ("-pc-windows-msvc", "windows-"),
            other => panic!("unexpected os {other}"),
        };
        assert!(
            target.starts_with(cpu) && target.ends_with(system),
            "{os}/{arch}: {target}"
        );
        assert!(runner.starts_with(runner_prefix), "{os}/{arch} on {runner}");
        if os == "linux" {
            assert_eq!(
                runner.ends_with("-arm"),
                arch == "arm64",
                "{target} is built natively"
            );
        }
    }

    let steps = runs(build);
    assert!(steps.contains("cargo build --release --locked --target ${{ matrix.target }}"));
    assert!(steps.contains(
        "scripts/package.sh \"$GITHUB_REF_NAME\" ${{ matrix.os }} ${{ matrix.arch }} \"$binary\" dist"
    ));
    let uploads: Vec<&Value> = build["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter(|s| text(&s["uses"]).starts_with("actions/upload-artifact@"))
        .collect();
    assert_eq!(uploads.len(), 1);
    assert_eq!(
        text(&uploads[0]["with"]["path"]),
        "${{ steps.package.outputs.archive }}"
    );
}

#[test]
fn the_release_renders_plugin_yaml_from_the_built_archives_and_publishes_it() {
    let workflow = workflow();
    let release = &workflow["jobs"]["release"];
    assert_eq!(text(&release["needs"]), "build");
    assert_eq!(text(&release["permissions"]["contents"]), "write");
    let download = release["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| text(&s["uses"]).starts_with("actions/download-artifact@"))
        .expect("the archives are downloaded");
    assert_eq!(text(&download["with"]["path"]), "dist");
    let steps = runs(release);
    assert!(steps.contains("scripts/krew-manifest.sh \"$GITHUB_REF_NAME\" dist > plugin.yaml"));
    assert!(steps.contains("gh release create") && steps.contains("dist/*.tar.gz"));
    assert!(steps.contains("plugin.yaml"));
}

#[test]
fn actions_are_pinned_to_versions() {
    let workflow = workflow();
    for (name, job) in workflow["jobs"].as_mapping().unwrap() {
        for step in job["steps"].as_sequence().unwrap() {
            let uses = text(&step["uses"]);
            if uses.is_empty() {
                continue;
            }
            let (_, version) = uses.split_once('@').unwrap_or((uses, ""));
            let pinned = version.starts_with('v')
                && version[1..].starts_with(|c: char| c.is_ascii_digit())
                || version == "stable";
            assert!(pinned, "{name:?}: {uses} is not pinned");
        }
    }
}

#[test]
fn release_scripts_are_executable_bash_that_parses() {
    use std::os::unix::fs::PermissionsExt;
    for script in ["scripts/krew-manifest.sh", "scripts/package.sh"] {
        let path = Path::new(ROOT).join(script);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o111, 0o111, "{script} is not executable");
        let status = std::process::Command::new("bash")
            .arg("-n")
            .arg(&path)
            .status()
            .unwrap();
        assert!(status.success(), "{script} does not parse");
    }
}

#[test]
fn the_release_profile_is_tuned_for_a_small_fast_binary() {
    let cargo_toml = read("Cargo.toml");
    let profile: Vec<&str> = cargo_toml
        .split("\n[")
        .find(|section| section.starts_with("profile.release]"))
        .expect("a [profile.release] section")
        .lines()
        .map(str::trim)
        .collect();
    for setting in ["lto = true", "codegen-units = 1", "strip = true"] {
        assert!(
            profile.contains(&setting),
            "[profile.release] lacks {setting}"
        );
    }
}

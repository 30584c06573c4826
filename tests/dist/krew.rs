//! The krew manifest: `plugin.yaml` and `.krew.yaml` obey krew's validation rules (krew's
//! `internal/index/validation` and `cmd/validate-krew-manifest`, restated here), and the manifest
//! `scripts/krew-manifest.sh` renders from real archives agrees with them byte for byte.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use regex::Regex;
use serde_norway::Value;
use sha2::{Digest, Sha256};

mod rules;

use rules::{selected_pairs, str_at, validate_manifest};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The pairs this plugin ships (the release workflow's matrix).
const SHIPPED: &[(&str, &str)] = &[
    ("linux", "amd64"),
    ("linux", "arm64"),
    ("darwin", "amd64"),
    ("darwin", "arm64"),
    ("windows", "amd64"),
];

fn parse(text: &str) -> Value {
    serde_norway::from_str(text).unwrap_or_else(|e| panic!("not YAML: {e}\n{text}"))
}

fn crate_version() -> String {
    format!("v{}", env!("CARGO_PKG_VERSION"))
}

/// Runs a script, returning stdout, or stderr as the error.
fn run(script: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("bash")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    if out.status.success() {
        Ok(String::from_utf8(out.stdout).unwrap())
    } else {
        Err(String::from_utf8(out.stderr).unwrap())
    }
}

/// A scratch copy of the repository's release inputs: the scripts, LICENSE and a README.md.
struct ScratchRepo {
    dir: tempfile::TempDir,
}

impl ScratchRepo {
    fn new() -> ScratchRepo {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("scripts")).unwrap();
        for script in ["krew-manifest.sh", "package.sh"] {
            std::fs::copy(
                Path::new(ROOT).join("scripts").join(script),
                dir.path().join("scripts").join(script),
            )
            .unwrap();
        }
        std::fs::copy(Path::new(ROOT).join("LICENSE"), dir.path().join("LICENSE")).unwrap();
        std::fs::write(dir.path().join("README.md"), "# kubectl linkerd-export\n").unwrap();
        ScratchRepo { dir }
    }

    fn script(&self, name: &str) -> PathBuf {
        self.dir.path().join("scripts").join(name)
    }

    fn dist(&self) -> PathBuf {
        self.dir.path().join("dist")
    }

    /// Packages a stand-in binary (its bytes differ per platform) for every shipped platform.
    fn package_all(&self, version: &str) -> BTreeMap<(String, String), PathBuf> {
        SHIPPED
            .iter()
            .map(|(os, arch)| {
                let binary = self.dir.path().join(format!("build-{os}-{arch}"));
                std::fs::write(&binary, format!("binary for {os}/{arch}\n")).unwrap();
                let archive = run(
                    &self.script("package.sh"),
                    &[
                        version,
                        os,
                        arch,
                        binary.to_str().unwrap(),
                        self.dist().to_str().unwrap(),
                    ],
                )
                .unwrap();
                (
                    (os.to_string(), arch.to_string()),
                    PathBuf::from(archive.trim()),
                )
            })
            .collect()
    }
}

fn archive_listing(archive: &Path) -> Vec<String> {
    let out = Command::new("tar")
        .arg("-tzf")
        .arg(archive)
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut names: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.trim_start_matches("./").to_string())
        .collect();
    names.sort();
    names
}

fn sha256_hex(path: &Path) -> String {
    Sha256::digest(std::fs::read(path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The manifest text without its comments and with every sha256 value blanked.
fn without_sums(text: &str) -> String {
    let sha = Regex::new(r"(?m)^(\s*sha256: )[0-9a-f]{64}$").unwrap();
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    sha.replace_all(&text, "${1}SUM").into_owned()
}

#[test]
fn checked_in_plugin_yaml_passes_krews_rules() {
    let text = std::fs::read_to_string(Path::new(ROOT).join("plugin.yaml")).unwrap();
    let manifest = parse(&text);
    validate_manifest("linkerd-export.yaml", &manifest).unwrap();
    assert_eq!(
        str_at(&manifest, &["spec", "version"]),
        Some(crate_version().as_str())
    );
    let expected: Vec<_> = SHIPPED
        .iter()
        .map(|(o, a)| (o.to_string(), a.to_string()))
        .collect();
    assert_eq!(selected_pairs(&manifest), expected);
    for platform in manifest["spec"]["platforms"].as_sequence().unwrap() {
        let windows = str_at(&platform["selector"], &["matchLabels", "os"]) == Some("windows");
        let bin = if windows {
            "kubectl-linkerd_export.exe"
        } else {
            "kubectl-linkerd_export"
        };
        assert_eq!(str_at(platform, &["bin"]), Some(bin));
    }
}

#[test]
fn checked_in_manifests_are_what_the_script_renders() {
    let repo = ScratchRepo::new();
    let version = crate_version();
    repo.package_all(&version);
    let released = run(
        &repo.script("krew-manifest.sh"),
        &[&version, repo.dist().to_str().unwrap()],
    )
    .unwrap();
    let unreleased = run(
        &repo.script("krew-manifest.sh"),
        &["--unreleased", &version],
    )
    .unwrap();
    let template = run(&repo.script("krew-manifest.sh"), &["--template"]).unwrap();

    let plugin_yaml = std::fs::read_to_string(Path::new(ROOT).join("plugin.yaml")).unwrap();
    assert_eq!(
        without_sums(&plugin_yaml),
        without_sums(&released),
        "plugin.yaml is stale: run scripts/krew-manifest.sh --unreleased {version} > plugin.yaml"
    );
    assert!(plugin_yaml == unreleased || !plugin_yaml.starts_with('#'));
    let krew_yaml = std::fs::read_to_string(Path::new(ROOT).join(".krew.yaml")).unwrap();
    assert_eq!(
        krew_yaml, template,
        ".krew.yaml is stale: run scripts/krew-manifest.sh --template > .krew.yaml"
    );
}

#[test]
fn manifest_rendered_from_release_archives_is_valid_and_matches_them() {
    let repo = ScratchRepo::new();
    let version = "v1.2.3-rc.1";
    let archives = repo.package_all(version);
    let text = run(
        &repo.script("krew-manifest.sh"),
        &[version, repo.dist().to_str().unwrap()],
    )
    .unwrap();
    let manifest = parse(&text);
    validate_manifest("linkerd-export.yaml", &manifest).unwrap();
    assert_eq!(str_at(&manifest, &["spec", "version"]), Some(version));

    let homepage = str_at(&manifest, &["spec", "homepage"]).unwrap();
    let platforms = manifest["spec"]["platforms"].as_sequence().unwrap();
    let pairs = selected_pairs(&manifest);
    let mut sums = Vec::new();
    for (platform, pair) in platforms.iter().zip(&pairs) {
        let archive = &archives[pair];
        let file_name = archive.file_name().unwrap().to_str().unwrap();
        assert_eq!(
            file_name,
            format!(
                "kubectl-linkerd_export_{version}_{}_{}.tar.gz",
                pair.0, pair.1
            )
        );
        assert_eq!(
            str_at(platform, &["uri"]).unwrap(),
            format!("{homepage}/releases/download/{version}/{file_name}")
        );
        let sum = sha256_hex(archive);
        assert_eq!(
            str_at(platform, &["sha256"]),
            Some(sum.as_str()),
            "{file_name}"
        );
        sums.push(sum);

        let listing = archive_listing(archive);
        let bin = str_at(platform, &["bin"]).unwrap();
        assert!(
            listing.iter().any(|f| f == bin),
            "{file_name} lacks {bin}: {listing:?}"
        );
        for op in platform["files"].as_sequence().unwrap() {
            let from = str_at(op, &["from"]).unwrap();
            assert!(
                listing.iter().any(|f| f == from),
                "{file_name} lacks {from}"
            );
        }
        assert!(listing.iter().any(|f| f == "README.md"));
    }
    sums.sort();
    sums.dedup();
    assert_eq!(sums.len(), SHIPPED.len(), "every archive has its own sum");
}

/// Renders `.krew.yaml` the way krew-release-bot does: `{{ .TagName }}` is the tag, and
/// `addURIAndSha URL TAG` becomes `uri: URL\n    sha256: SUM` with SUM fetched for URL.
fn render_like_krew_release_bot(
    template: &str,
    tag: &str,
    sums: &BTreeMap<String, String>,
) -> String {
    let call = Regex::new(r#"\{\{ addURIAndSha "([^"]+)" \.TagName \}\}"#).unwrap();
    let rendered = call.replace_all(template, |c: &regex::Captures| {
        let uri = c[1].replace("{{ .TagName }}", tag);
        let sum = sums
            .get(&uri)
            .unwrap_or_else(|| panic!("no release asset {uri}"));
        format!("uri: {uri}\n    sha256: {sum}")
    });
    rendered.replace("{{ .TagName }}", tag)
}

#[test]
fn krew_release_bot_template_renders_to_the_same_manifest() {
    let repo = ScratchRepo::new();
    let version = "v0.9.0";
    let archives = repo.package_all(version);
    let rendered = run(
        &repo.script("krew-manifest.sh"),
        &[version, repo.dist().to_str().unwrap()],
    )
    .unwrap();
    let homepage = str_at(&parse(&rendered), &["spec", "homepage"])
        .unwrap()
        .to_string();
    let sums = archives
        .values()
        .map(|archive| {
            let name = archive.file_name().unwrap().to_str().unwrap();
            (
                format!("{homepage}/releases/download/{version}/{name}"),
                sha256_hex(archive),
            )
        })
        .collect();
    let template = std::fs::read_to_string(Path::new(ROOT).join(".krew.yaml")).unwrap();
    assert_eq!(
        render_like_krew_release_bot(&template, version, &sums),
        rendered
    );
}

#[test]
fn the_script_refuses_archives_that_disagree_with_the_manifest() {
    let repo = ScratchRepo::new();
    let dist = repo.dist();
    let dist = dist.to_str().unwrap();
    let script = repo.script("krew-manifest.sh");
    let archives = repo.package_all("v0.1.0");
    run(&script, &["v0.1.0", dist]).unwrap();

    let err = run(&script, &["0.1.0", dist]).unwrap_err();
    assert!(err.contains("not semver with a leading v"), "{err}");

    let linux = &archives[&("linux".to_string(), "amd64".to_string())];
    let staging = repo.dir.path().join("staging");
    std::fs::create_dir(&staging).unwrap();
    for file in ["kubectl-linkerd_export", "LICENSE", "README.md", "extra"] {
        std::fs::write(staging.join(file), "x").unwrap();
    }
    let tar = |files: &[&str]| {
        let status = Command::new("tar")
            .arg("-C")
            .arg(&staging)
            .arg("-czf")
            .arg(linux)
            .args(files)
            .status()
            .unwrap();
        assert!(status.success());
    };
    tar(&["kubectl-linkerd_export", "LICENSE", "README.md", "extra"]);
    let err = run(&script, &["v0.1.0", dist]).unwrap_err();
    assert!(
        err.contains("linux_amd64.tar.gz holds") && err.contains("extra"),
        "{err}"
    );
    tar(&["kubectl-linkerd_export", "README.md"]);
    assert!(
        run(&script, &["v0.1.0", dist])
            .unwrap_err()
            .contains("expected")
    );

    std::fs::remove_file(linux).unwrap();
    let err = run(&script, &["v0.1.0", dist]).unwrap_err();
    assert!(
        err.contains("missing archive") && err.contains("linux_amd64"),
        "{err}"
    );
}

#[test]
fn the_validator_rejects_what_krew_rejects() {
    let good = parse(&std::fs::read_to_string(Path::new(ROOT).join("plugin.yaml")).unwrap());
    validate_manifest("linkerd-export.yaml", &good).unwrap();
    let broken = |edit: &dyn Fn(&mut Value)| {
        let mut manifest = good.clone();
        edit(&mut manifest);
        validate_manifest("linkerd-export.yaml", &manifest)
    };
    fn platform0(m: &mut Value) -> &mut Value {
        &mut m["spec"]["platforms"][0]
    }
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Edit)> = vec![
        (
            "name",
            Box::new(|m| m["metadata"]["name"] = "linkerd_export".into()),
        ),
        ("kind", Box::new(|m| m["kind"] = "Plugins".into())),
        (
            "version without v",
            Box::new(|m| m["spec"]["version"] = "0.1.0".into()),
        ),
        (
            "version leading zero",
            Box::new(|m| m["spec"]["version"] = "v0.01.0".into()),
        ),
        (
            "short description",
            Box::new(|m| m["spec"]["shortDescription"] = "a\nb".into()),
        ),
        (
            "uppercase sha",
            Box::new(|m| platform0(m)["sha256"] = "A".repeat(64).into()),
        ),
        (
            "short sha",
            Box::new(|m| platform0(m)["sha256"] = "a".repeat(63).into()),
        ),
        ("no bin", Box::new(|m| platform0(m)["bin"] = "".into())),
        (
            "empty files",
            Box::new(|m| platform0(m)["files"] = Value::Sequence(vec![])),
        ),
        (
            "file without to",
            Box::new(|m| platform0(m)["files"][0]["to"] = "".into()),
        ),
        (
            "selector key",
            Box::new(|m| platform0(m)["selector"]["matchLabels"]["libc"] = "musl".into()),
        ),
        (
            "selector matching two pairs",
            Box::new(|m| {
                let labels = platform0(m)["selector"]["matchLabels"]
                    .as_mapping_mut()
                    .unwrap();
                labels.remove("arch");
            }),
        ),
        (
            "selector matching nothing",
            Box::new(|m| platform0(m)["selector"]["matchLabels"]["os"] = "plan9".into()),
        ),
        (
            "pair matched twice",
            Box::new(|m| {
                let first = m["spec"]["platforms"][0].clone();
                m["spec"]["platforms"]
                    .as_sequence_mut()
                    .unwrap()
                    .push(first);
            }),
        ),
        (
            "no platforms",
            Box::new(|m| m["spec"]["platforms"] = Value::Sequence(vec![])),
        ),
    ];
    for (what, edit) in &cases {
        assert!(broken(edit.as_ref()).is_err(), "{what} was accepted");
    }
    let err = validate_manifest("linkerd_export.yaml", &good).unwrap_err();
    assert!(err.contains("should be named"), "{err}");
    assert!(validate_manifest("linkerd-export.yml", &good).is_err());

    let mut expressions = good.clone();
    expressions["spec"]["platforms"][0]["selector"] = parse(
        "matchExpressions:\n- {key: os, operator: In, values: [linux]}\n- {key: arch, operator: NotIn, values: [\"386\", arm, arm64, ppc64le]}\n",
    );
    validate_manifest("linkerd-export.yaml", &expressions).unwrap();
    expressions["spec"]["platforms"][0]["selector"]["matchExpressions"][1]["values"] =
        parse("[\"386\", arm, ppc64le]");
    assert!(validate_manifest("linkerd-export.yaml", &expressions).is_err());
}

#[test]
fn a_manifest_for_one_local_build_names_only_its_platform() {
    let repo = ScratchRepo::new();
    let binary = repo.dir.path().join("local-build");
    std::fs::write(&binary, "local build\n").unwrap();
    let dist = repo.dist();
    let dist = dist.to_str().unwrap();
    let archive = run(
        &repo.script("package.sh"),
        &["v0.1.0", "linux", "amd64", binary.to_str().unwrap(), dist],
    )
    .unwrap();
    let script = repo.script("krew-manifest.sh");
    let err = run(&script, &["v0.1.0", dist]).unwrap_err();
    assert!(err.contains("missing archive"), "{err}");

    let manifest = parse(&run(&script, &["v0.1.0", dist, "linux/amd64"]).unwrap());
    validate_manifest("linkerd-export.yaml", &manifest).unwrap();
    assert_eq!(
        selected_pairs(&manifest),
        [("linux".to_string(), "amd64".to_string())]
    );
    let sum = sha256_hex(Path::new(archive.trim()));
    assert_eq!(
        str_at(&manifest["spec"]["platforms"][0], &["sha256"]),
        Some(sum.as_str())
    );
    let err = run(&script, &["v0.1.0", dist, "linux/riscv64"]).unwrap_err();
    assert!(
        err.contains("linux/riscv64 is not a released platform"),
        "{err}"
    );
}

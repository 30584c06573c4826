//! The krew manifest: `plugin.yaml` and `.krew.yaml` obey krew's validation rules (krew's
//! `internal/index/validation` and `cmd/validate-krew-manifest`, restated here), and the manifest
//! `scripts/krew-manifest.sh` renders from real archives agrees with them byte for byte.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use regex::Regex;
use serde_norway::Value;
use sha2::{Digest, Sha256};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The pairs krew runs on (validate-krew-manifest's list).
const KREW_PLATFORMS: &[(&str, &str)] = &[
    ("windows", "386"),
    ("windows", "amd64"),
    ("windows", "arm64"),
    ("linux", "386"),
    ("linux", "amd64"),
    ("linux", "arm"),
    ("linux", "arm64"),
    ("linux", "ppc64le"),
    ("darwin", "386"),
    ("darwin", "amd64"),
    ("darwin", "arm64"),
];

/// The pairs this plugin ships (the release workflow's matrix).
const SHIPPED: &[(&str, &str)] = &[
    ("linux", "amd64"),
    ("linux", "arm64"),
    ("darwin", "amd64"),
    ("darwin", "arm64"),
    ("windows", "amd64"),
];

const WINDOWS_RESERVED: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

fn str_at<'v>(value: &'v Value, path: &[&str]) -> Option<&'v str> {
    path.iter()
        .try_fold(value, |v, key| v.get(*key))
        .and_then(Value::as_str)
}

/// krew's semver: a leading `v`, then Semantic Versioning 2.0 (no leading zeros).
fn is_krew_version(version: &str) -> bool {
    let ident = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)";
    let pattern = format!(
        r"^v(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)(?:-{ident}(?:\.{ident})*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
    );
    Regex::new(&pattern).unwrap().is_match(version)
}

/// Whether a Kubernetes label selector matches the labels `os` and `arch`.
fn selector_matches(selector: &Value, os: &str, arch: &str) -> bool {
    let label = |key: &str| match key {
        "os" => Some(os),
        "arch" => Some(arch),
        _ => None,
    };
    let labels_match = selector
        .get("matchLabels")
        .and_then(Value::as_mapping)
        .is_none_or(|labels| {
            labels
                .iter()
                .all(|(k, v)| label(k.as_str().unwrap_or("")) == v.as_str())
        });
    let expressions_match = selector
        .get("matchExpressions")
        .and_then(Value::as_sequence)
        .is_none_or(|expressions| {
            expressions.iter().all(|e| {
                let value = label(e.get("key").and_then(Value::as_str).unwrap_or(""));
                let values: Vec<&str> = e
                    .get("values")
                    .and_then(Value::as_sequence)
                    .map(|vs| vs.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                match e.get("operator").and_then(Value::as_str) {
                    Some("In") => value.is_some_and(|v| values.contains(&v)),
                    Some("NotIn") => value.is_none_or(|v| !values.contains(&v)),
                    Some("Exists") => value.is_some(),
                    Some("DoesNotExist") => value.is_none(),
                    _ => false,
                }
            })
        });
    labels_match && expressions_match
}

fn validate_selector(selector: Option<&Value>) -> Result<(), String> {
    let selector = selector
        .filter(|s| !s.is_null())
        .ok_or("nil selector is not supported")?;
    let labels = selector.get("matchLabels");
    let expressions = selector.get("matchExpressions");
    let label_count = labels.and_then(Value::as_mapping).map(|m| m.len());
    let expression_count = expressions.and_then(Value::as_sequence).map(|s| s.len());
    if label_count.is_none() && expression_count.unwrap_or(0) == 0 {
        return Err("empty selector is not supported".into());
    }
    let keys = labels
        .and_then(Value::as_mapping)
        .into_iter()
        .flat_map(|m| m.keys().map(|k| k.as_str().unwrap_or("").to_string()))
        .chain(
            expressions
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
                .map(|e| str_at(e, &["key"]).unwrap_or("").to_string()),
        );
    for key in keys {
        if key != "os" && key != "arch" {
            return Err(format!("key {key:?} not supported"));
        }
    }
    if label_count == Some(0) {
        return Err("`matchLabels` specified but empty".into());
    }
    if expression_count == Some(0) {
        return Err("`matchExpressions` specified but empty".into());
    }
    Ok(())
}

fn validate_platform(platform: &Value) -> Result<(), String> {
    let field = |name| str_at(platform, &[name]).unwrap_or("");
    if field("uri").is_empty() {
        return Err("`uri` has to be set".into());
    }
    let sha = field("sha256");
    if !Regex::new("^[a-f0-9]{64}$").unwrap().is_match(sha) {
        return Err(format!("`sha256` value {sha:?} is not valid"));
    }
    let bin = field("bin");
    if bin.is_empty() {
        return Err("`bin` has to be set".into());
    }
    let files = platform.get("files").filter(|f| !f.is_null());
    if let Some(files) = files {
        let files = files.as_sequence().ok_or("`files` is not a list")?;
        if files.is_empty() {
            return Err("`files` has to be unspecified or non-empty".into());
        }
        for op in files {
            if str_at(op, &["from"]).unwrap_or("").is_empty() {
                return Err("`from` field has to be set".into());
            }
            if str_at(op, &["to"]).unwrap_or("").is_empty() {
                return Err("`to` field has to be set".into());
            }
        }
    }
    validate_selector(platform.get("selector"))
}

fn line_lengths_within(text: &str, max: usize) -> bool {
    text.lines()
        .all(|line| line.len() <= max || !line.trim().contains(' '))
}

/// krew's rules for the manifest file `file_name`, plus this project's: every line-length warning
/// is an error, each platform matches exactly one supported pair, and ships a LICENSE.
fn validate_manifest(file_name: &str, manifest: &Value) -> Result<(), String> {
    let name = file_name
        .strip_suffix(".yaml")
        .ok_or("the manifest file must end in .yaml")?;
    if str_at(manifest, &["apiVersion"]) != Some("krew.googlecontainertools.github.com/v1alpha2") {
        return Err("unsupported apiVersion".into());
    }
    if str_at(manifest, &["kind"]) != Some("Plugin") {
        return Err("kind must be Plugin".into());
    }
    let safe_name = Regex::new(r"^[\w-]+$").unwrap();
    if !safe_name.is_match(name)
        || WINDOWS_RESERVED
            .iter()
            .any(|r| r.eq_ignore_ascii_case(name))
    {
        return Err(format!("the plugin name {name:?} is not allowed"));
    }
    if str_at(manifest, &["metadata", "name"]) != Some(name) {
        return Err(format!("plugin should be named {name:?}"));
    }
    let spec = |field| str_at(manifest, &["spec", field]).unwrap_or("");
    let short = spec("shortDescription");
    if short.is_empty() {
        return Err("should have a short description".into());
    }
    if short.contains(['\r', '\n']) {
        return Err("should not have line breaks in short description".into());
    }
    let platforms = manifest
        .get("spec")
        .and_then(|s| s.get("platforms"))
        .and_then(Value::as_sequence)
        .filter(|p| !p.is_empty())
        .ok_or("should have a platform specified")?;
    if !is_krew_version(spec("version")) {
        return Err(format!(
            "version {:?} is not semver with a leading v",
            spec("version")
        ));
    }
    for (i, platform) in platforms.iter().enumerate() {
        validate_platform(platform)
            .map_err(|e| format!("platform {i} is badly constructed: {e}"))?;
    }
    if !line_lengths_within(spec("description"), 80)
        || !line_lengths_within(short, 70)
        || !line_lengths_within(spec("caveats"), 80)
    {
        return Err("a description, shortDescription or caveats line is too long".into());
    }
    for (i, platform) in platforms.iter().enumerate() {
        let selector = &platform["selector"];
        let matched: Vec<_> = KREW_PLATFORMS
            .iter()
            .filter(|(os, arch)| selector_matches(selector, os, arch))
            .collect();
        if matched.len() != 1 {
            return Err(format!(
                "platform {i} matches {matched:?}, not exactly one os/arch pair"
            ));
        }
        let license = platform["files"].as_sequence().is_some_and(|files| {
            files
                .iter()
                .any(|op| str_at(op, &["from"]) == Some("LICENSE"))
        });
        if !license {
            return Err(format!("platform {i} does not install LICENSE"));
        }
    }
    for (os, arch) in KREW_PLATFORMS {
        let matching: Vec<usize> = (0..platforms.len())
            .filter(|&i| selector_matches(&platforms[i]["selector"], os, arch))
            .collect();
        if matching.len() > 1 {
            return Err(format!("platforms {matching:?} all select {os}/{arch}"));
        }
    }
    Ok(())
}

/// The (os, arch) each platform of a valid manifest selects, in order.
fn selected_pairs(manifest: &Value) -> Vec<(String, String)> {
    manifest["spec"]["platforms"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|p| {
            let (os, arch) = KREW_PLATFORMS
                .iter()
                .find(|(os, arch)| selector_matches(&p["selector"], os, arch))
                .unwrap();
            (os.to_string(), arch.to_string())
        })
        .collect()
}

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

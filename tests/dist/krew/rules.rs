//! krew's validation rules for a plugin manifest (krew's `internal/index/validation` and
//! `cmd/validate-krew-manifest`), restated over parsed YAML, plus this project's stricter ones.

use regex::Regex;
use serde_norway::Value;

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

const WINDOWS_RESERVED: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

pub fn str_at<'v>(value: &'v Value, path: &[&str]) -> Option<&'v str> {
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
pub fn validate_manifest(file_name: &str, manifest: &Value) -> Result<(), String> {
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
pub fn selected_pairs(manifest: &Value) -> Vec<(String, String)> {
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

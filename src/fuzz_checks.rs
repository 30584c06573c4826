//! What the fuzz targets (`fuzz/`) check, one function per target, each panicking when its
//! property does not hold. `cargo +nightly fuzz run TARGET` explores inputs without end; the
//! tests here run the same functions over seed inputs made from the fixtures, so `cargo test`
//! (and CI) checks every property too. Built for the tests and under `cfg(fuzzing)`, which
//! `cargo fuzz` sets.

use std::borrow::Cow;

use crate::metrics::diff::{self, DiffBy, DiffOptions, SnapshotDiff};
use crate::metrics::filter::{NamePattern, VectorSelector};
use crate::metrics::model::{Snapshot, TARGET_LABEL_NAMES, Target, Text};
use crate::metrics::obfuscate::{Obfuscation, obfuscate_body};
use crate::metrics::parse;
use crate::metrics::write::{self, Format, WriteOptions};
use crate::render::diff::{DiffFormat, DiffSide, render};

/// The parser never panics; strict parsing succeeds exactly when lenient parsing reports no
/// error, with the same result; obfuscation takes any input; whatever parses is written back as
/// Prometheus text and as OpenMetrics that parse strictly with every sample kept.
pub fn parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (lenient, errors) = parse::parse_lenient(text);
    let strict = parse::parse(text);
    assert_eq!(strict.is_ok(), errors.is_empty());
    if let Ok(body) = &strict {
        // Debug text, as a value NaN is not equal to itself.
        assert_eq!(format!("{body:?}"), format!("{lenient:?}"));
    }
    let _ = obfuscate_body(text, Obfuscation::Strict);
    let labels = vec![("pod".into(), "p".into())];
    let snapshot = Snapshot {
        targets: vec![Target::parse_lenient(text.to_string(), labels, Some(1)).0],
    };
    for format in [Format::Prometheus, Format::OpenMetrics] {
        let options = WriteOptions {
            format,
            timestamps: true,
        };
        let out = write::to_string(&snapshot, options);
        let again = parse::parse(&out)
            .unwrap_or_else(|e| panic!("{format:?} output does not parse: {e}\n{out}"));
        assert_eq!(again.sample_count(), lenient.sample_count(), "{out}");
        in_pieces_as_whole(&out);
    }
    in_pieces_as_whole(text);
}

/// A merged exposition read in pieces, down to pieces of its longest line (each cut before a
/// family's comments or inside a family), gives what reading it whole gives, or the same error.
fn in_pieces_as_whole(text: &str) {
    let whole = format!(
        "{:?}",
        Snapshot::from_merged_text(Text::from(text), TARGET_LABEL_NAMES)
    );
    let longest = text.split_inclusive('\n').map(str::len).max().unwrap_or(0);
    for max in [longest, longest + 7, 2 * longest, text.len() / 3] {
        if max < longest || max >= text.len() {
            continue;
        }
        let pieces = Snapshot::from_merged_text_in_pieces(text, max);
        assert_eq!(format!("{pieces:?}"), whole, "pieces of {max}");
    }
}

/// `--match` selectors and `-m` name patterns never panic, and a parsed selector can be
/// evaluated.
pub fn selector(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(selector) = VectorSelector::parse(text) {
        let lookup = |name: &str| (name == "direction").then_some(Cow::Borrowed("inbound"));
        let _ = selector.matches("request_total", "request_total", &lookup);
    }
    if let Ok(pattern) = NamePattern::parse(text) {
        let _ = pattern.matches("request_total");
    }
}

/// Two inputs, split at the first 0xFF byte (which UTF-8 never holds), each read as a file side
/// of `diff` is (a `# POD` dump, else a merged exposition), give the same rows through each of
/// `diff`'s paths, for both groupings and with and without `--only-changed`, and through
/// [`diff::PairedDiff`] one pod at a time where its sums are exact; the rows render as a
/// table, wide and as JSON.
pub fn diff(data: &[u8]) {
    let Some(split) = data.iter().position(|&b| b == 0xff) else {
        return;
    };
    let (Ok(a), Ok(b)) = (
        std::str::from_utf8(&data[..split]),
        std::str::from_utf8(&data[split + 1..]),
    ) else {
        return;
    };
    let (Some(old), Some(new)) = (diff_side(a), diff_side(b)) else {
        return;
    };
    let sides = (
        DiffSide::new("a".into(), Snapshot::default()),
        DiffSide::new("b".into(), Snapshot::default()),
    );
    for by in [DiffBy::Workload, DiffBy::Pod] {
        for only_changed in [false, true] {
            let options = DiffOptions { by, only_changed };
            let [one_thread, halves, hashed] = diff::each_path(&old, &new, options);
            let hashed = hashed.to_snapshot_diff();
            if whole_numbers(&old)
                && whole_numbers(&new)
                && let Some(paired) = diff::paired_whole(&old, &new, options)
            {
                paired_agrees(&paired.to_snapshot_diff(), &hashed, options);
            }
            // Debug text: NaN equals NaN, and -0.0 differs from 0.0, as printed.
            let hashed = format!("{hashed:?}");
            let one_thread_text = format!("{:?}", one_thread.to_snapshot_diff());
            assert_eq!(one_thread_text, hashed, "{options:?}");
            let halves = format!("{:?}", halves.to_snapshot_diff());
            assert_eq!(halves, hashed, "{options:?} in halves");
            for format in [DiffFormat::Table, DiffFormat::Wide, DiffFormat::Json] {
                for color in [false, true] {
                    let mut sink = std::io::sink();
                    render(
                        &mut sink,
                        &sides.0,
                        &sides.1,
                        &one_thread,
                        format,
                        by,
                        color,
                    )
                    .expect("a sink takes anything");
                }
            }
        }
    }
}

/// Whether every value of `snapshot` is a whole number small enough that sums of them are
/// exact whatever order they are added in.
fn whole_numbers(snapshot: &Snapshot) -> bool {
    snapshot.targets.iter().all(|t| {
        t.families().all(|f| {
            f.samples()
                .all(|s| s.value.fract() == 0.0 && s.value.abs() < f64::from(1u32 << 31))
        })
    })
}

/// `paired` ([`diff::PairedDiff`], summing pods in the order they come) gives the rows `hashed`
/// gives: the same but for rates, which sum fractions and may differ in their last bits.
fn paired_agrees(paired: &SnapshotDiff, hashed: &SnapshotDiff, options: DiffOptions) {
    let without_rates = |d: &SnapshotDiff| {
        let mut d = d.clone();
        let rates: Vec<Option<f64>> = d.series.iter_mut().map(|s| s.rate.take()).collect();
        (format!("{d:?}"), rates)
    };
    let (paired, paired_rates) = without_rates(paired);
    let (hashed, hashed_rates) = without_rates(hashed);
    assert_eq!(paired, hashed, "{options:?} paired");
    for (p, h) in paired_rates.iter().zip(&hashed_rates) {
        let close = match (p, h) {
            (Some(p), Some(h)) => p == h || (p - h).abs() <= 1e-12 * p.abs().max(h.abs()),
            (p, h) => p.is_none() && h.is_none(),
        };
        assert!(close, "{options:?} paired rate {p:?}, hashed {h:?}");
    }
}

/// `text` as `diff` reads a file side, if it parses.
fn diff_side(text: &str) -> Option<Snapshot> {
    if parse::has_pod_header(text) {
        let (snapshot, errors) = Snapshot::from_diagnostics(text);
        return errors.is_empty().then_some(snapshot);
    }
    Snapshot::from_merged_text(Text::from(text), TARGET_LABEL_NAMES).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixtures (real proxy output), smallest first.
    fn fixtures() -> Vec<String> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/linkerd");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "txt"))
            .map(|path| std::fs::read_to_string(path).unwrap())
            .collect();
        files.sort_by_key(String::len);
        files
    }

    /// `lines`, each ending in a newline.
    fn joined<'a>(lines: impl Iterator<Item = &'a str>) -> String {
        lines.map(|line| format!("{line}\n")).collect()
    }

    /// Lines `from..from + n` of `text`.
    fn piece(text: &str, from: usize, n: usize) -> String {
        joined(text.lines().skip(from).take(n))
    }

    /// `text` with every third sample's value raised by 5 and every seventh dropped.
    fn changed(text: &str) -> String {
        let mut out = String::new();
        for (i, line) in text.lines().enumerate() {
            match line.rsplit_once(' ') {
                Some((series, value)) if !line.starts_with('#') => {
                    if i % 7 == 6 {
                        continue;
                    }
                    match value.parse::<f64>() {
                        Ok(v) if i % 3 == 0 => out.push_str(&format!("{series} {}\n", v + 5.0)),
                        _ => out.push_str(&format!("{line}\n")),
                    }
                }
                _ => out.push_str(&format!("{line}\n")),
            }
        }
        out
    }

    /// `text` as a `linkerd diagnostics proxy-metrics` dump of `pods` pods.
    fn pods(text: &str, pods: usize) -> String {
        (0..pods)
            .map(|i| format!("#\n# POD web-{i} ({} of {pods})\n#\n{text}", i + 1))
            .collect()
    }

    #[test]
    fn the_parse_target_holds_on_every_fixture_and_its_pieces() {
        for text in fixtures() {
            parse(text.as_bytes());
            for from in (0..text.lines().count()).step_by(97) {
                parse(piece(&text, from, 60).as_bytes());
            }
        }
        for edge in [
            "",
            "#",
            "# EOF\n",
            "a 1\n# EOF\nb 2\n",
            "a{b=\"\\\"\"} NaN 1\n",
            // A blank line between a family's comments: they go to the same family.
            "# TYPE x counter\nx_total{pod=\"a\"} 1\n# TYPE y gauge\n\n# HELP y h\ny{pod=\"a\"} 2\n",
        ] {
            parse(edge.as_bytes());
        }
    }

    #[test]
    fn the_selector_target_holds_on_selectors_and_patterns() {
        for text in [
            "request_total",
            "request_total{direction=\"inbound\"}",
            "{__name__=~\"req.*\",direction!=\"outbound\"}",
            "response_*",
            "*_total",
            "request_total{",
            "{=\"\"}",
            "{a=~\"(\"}",
            "",
        ] {
            selector(text.as_bytes());
        }
    }

    #[test]
    fn the_diff_target_holds_on_pairs_made_from_the_fixtures() {
        let fixtures = fixtures();
        let mut pairs = 0;
        for (f, text) in fixtures.iter().enumerate() {
            let other = &fixtures[(f + 1) % fixtures.len()];
            for from in (0..text.lines().count()).step_by(250) {
                let a = piece(text, from, 80);
                let b = piece(other, from, 80);
                let reversed = joined(a.lines().rev());
                for (old, new) in [
                    (a.clone(), a.clone()),
                    (a.clone(), changed(&a)),
                    (changed(&a), a.clone()),
                    (a.clone(), reversed),
                    (a.clone(), b),
                    (pods(&a, 2), pods(&changed(&a), 3)),
                    (pods(&a, 1), a.clone()),
                ] {
                    let mut data = old.into_bytes();
                    data.push(0xff);
                    data.extend(new.into_bytes());
                    diff(&data);
                    pairs += 1;
                }
            }
        }
        assert!(pairs > 100, "{pairs} pairs");
    }
}

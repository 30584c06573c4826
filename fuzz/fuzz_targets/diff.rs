//! Fuzz `diff`: two inputs (split at the first 0xFF byte, which UTF-8 never holds), each read as
//! a file side is (a `# POD` dump, else a merged exposition), give the same rows through each
//! of `diff`'s paths — pairing by place on one thread and in two halves, and matching by hashes
//! alone — for every grouping and `--only-changed`; and the rows render as a table and as JSON.

#![no_main]

use libfuzzer_sys::fuzz_target;
use linkerd_export::metrics::diff::{self, DiffBy, DiffOptions};
use linkerd_export::metrics::model::{Snapshot, TARGET_LABEL_NAMES, Text};
use linkerd_export::metrics::parse;
use linkerd_export::render::diff::{DiffFormat, DiffSide, render};

fn side(text: &str) -> Option<Snapshot> {
    if parse::has_pod_header(text) {
        let (snapshot, errors) = Snapshot::from_diagnostics(text);
        return errors.is_empty().then_some(snapshot);
    }
    Snapshot::from_merged_text(Text::from(text), TARGET_LABEL_NAMES).ok()
}

fuzz_target!(|data: &[u8]| {
    let Some(split) = data.iter().position(|&b| b == 0xff) else { return };
    let (Ok(a), Ok(b)) = (std::str::from_utf8(&data[..split]), std::str::from_utf8(&data[split + 1..])) else {
        return;
    };
    let (Some(old), Some(new)) = (side(a), side(b)) else { return };
    for by in [DiffBy::Workload, DiffBy::Pod] {
        for only_changed in [false, true] {
            let options = DiffOptions { by, only_changed };
            let [one_thread, halves, hashed] = diff::each_path(&old, &new, options);
            // Debug text: NaN equals NaN, and -0.0 differs from 0.0, as printed.
            let hashed = format!("{:?}", hashed.to_snapshot_diff());
            assert_eq!(format!("{:?}", one_thread.to_snapshot_diff()), hashed, "{options:?}");
            assert_eq!(format!("{:?}", halves.to_snapshot_diff()), hashed, "{options:?} in halves");
            let sides = (DiffSide::new("a".into(), Snapshot::default()), DiffSide::new("b".into(), Snapshot::default()));
            for format in [DiffFormat::Table, DiffFormat::Wide, DiffFormat::Json] {
                for color in [false, true] {
                    render(&mut std::io::sink(), &sides.0, &sides.1, &one_thread, format, by, color).expect("a sink takes anything");
                }
            }
        }
    }
});

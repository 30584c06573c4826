//! A large snapshot written by two threads in turns: the output is cut into pieces of about the
//! same number of samples, a second thread writes every other piece while this one writes the
//! rest, and each is printed in order, so the bytes are those written in one go.

use std::ops::Range;

use super::{OutputFamily, WriteOptions, write_family_part};

/// About how many samples one thread writes before the other's turn (about 1.5 MiB of text for
/// a proxy's samples).
pub(super) const PIECE_SAMPLES: usize = 8192;

/// Part of an output family: its header when `samples` starts at 0, and those of its samples.
#[derive(Debug, Clone)]
struct Piece {
    family: usize,
    samples: Range<usize>,
}

/// The output cut into runs of pieces of about [`PIECE_SAMPLES`] samples each, in output order.
fn pieces(families: &[OutputFamily<'_>]) -> Vec<Vec<Piece>> {
    let mut turns = vec![Vec::new()];
    let mut in_turn = 0;
    for (family, output) in families.iter().enumerate() {
        let len = output.len();
        let mut start = 0;
        loop {
            let end = len.min(start + PIECE_SAMPLES - in_turn);
            turns.last_mut().expect("one turn at least").push(Piece {
                family,
                samples: start..end,
            });
            in_turn += end - start;
            if in_turn >= PIECE_SAMPLES {
                turns.push(Vec::new());
                in_turn = 0;
            }
            start = end;
            if start >= len {
                break;
            }
        }
    }
    turns.retain(|turn| !turn.is_empty());
    turns
}

fn write_turn(
    out: &mut String,
    families: &[OutputFamily<'_>],
    turn: &[Piece],
    options: WriteOptions,
) {
    for piece in turn {
        write_family_part(
            out,
            &families[piece.family],
            piece.samples.clone(),
            options,
            &mut |_: &str| Ok::<(), std::convert::Infallible>(()),
            usize::MAX,
        )
        .expect("the sink cannot fail");
    }
}

/// Write `families` in turns ([`pieces`]): a second thread writes every other turn into a buffer
/// (at most two waiting), this one the others, and each is printed in order. The output is the
/// same as written in one go. When no thread can be started, this one writes every turn.
pub(super) fn write_in_turn<W: std::io::Write>(
    out: &mut W,
    families: &[OutputFamily<'_>],
    options: WriteOptions,
) -> std::io::Result<()> {
    let turns = pieces(families);
    std::thread::scope(|scope| {
        let (done, written) = std::sync::mpsc::sync_channel::<String>(2);
        let (recycle, spare) = std::sync::mpsc::sync_channel::<String>(3);
        let turns = &turns;
        let writer = std::thread::Builder::new().spawn_scoped(scope, move || {
            for turn in turns.iter().step_by(2) {
                let mut buf = spare.try_recv().unwrap_or_default();
                buf.clear();
                write_turn(&mut buf, families, turn, options);
                if done.send(buf).is_err() {
                    // This thread stopped printing (a write failed).
                    return;
                }
            }
        });
        let mut own = String::new();
        let alone = writer.is_err();
        for (i, turn) in turns.iter().enumerate() {
            if i % 2 == 0 && !alone {
                let buf = written
                    .recv()
                    .expect("the writing thread sends every other turn");
                out.write_all(buf.as_bytes())?;
                let _ = recycle.try_send(buf);
            } else {
                own.clear();
                write_turn(&mut own, families, turn, options);
                out.write_all(own.as_bytes())?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::model::{Snapshot, Target};
    use crate::metrics::write::{Format, output_families, to_string, write_snapshot_io};

    /// Three targets whose families (a histogram, a counter with `_created`, a metadata-only
    /// family) add up to several turns, one family alone to more than one.
    fn large_snapshot() -> Snapshot {
        let targets = (0..3)
            .map(|t| {
                let mut body = String::from(
                    "# HELP lat_ms Latency.\n# TYPE lat_ms histogram\n# UNIT lat_ms ms\n",
                );
                for i in 0..2000 {
                    for le in ["1", "+Inf"] {
                        body.push_str(&format!("lat_ms_bucket{{i=\"{i}\",le=\"{le}\"}} {i}\n"));
                    }
                    body.push_str(&format!(
                        "lat_ms_sum{{i=\"{i}\"}} 0.5\nlat_ms_count{{i=\"{i}\"}} {i}\n"
                    ));
                }
                body.push_str("# TYPE req counter\n");
                for i in 0..1000 {
                    body.push_str(&format!(
                        "req_total{{i=\"{i}\"}} {i}\nreq_created{{i=\"{i}\"}} 1\n"
                    ));
                }
                body.push_str("# HELP idle Declared only.\n# TYPE idle gauge\n");
                Target::parse(body, vec![("pod".into(), format!("web-{t}"))], None).unwrap()
            })
            .collect();
        Snapshot { targets }
    }

    #[test]
    fn a_large_snapshot_written_in_turns_is_the_same_as_written_in_one_go() {
        let snapshot = large_snapshot();
        assert!(snapshot.sample_count() >= 2 * PIECE_SAMPLES);
        for format in [Format::Prometheus, Format::OpenMetrics] {
            let options = WriteOptions {
                format,
                timestamps: false,
            };
            let mut written = Vec::new();
            write_snapshot_io(&mut written, &snapshot, options).unwrap();
            assert_eq!(
                String::from_utf8(written).unwrap(),
                to_string(&snapshot, options)
            );
        }
    }

    #[test]
    fn turns_cover_each_sample_once_and_each_header_once() {
        let snapshot = large_snapshot();
        let families = output_families(&snapshot, Format::Prometheus);
        let turns = pieces(&families);
        assert!(turns.len() > 2, "{} turns", turns.len());
        let mut covered = vec![0..0; families.len()];
        for piece in turns.iter().flatten() {
            let seen = &mut covered[piece.family];
            assert_eq!(
                piece.samples.start, seen.end,
                "pieces of a family follow each other"
            );
            seen.end = piece.samples.end;
        }
        for (family, seen) in families.iter().zip(covered) {
            assert_eq!(seen, 0..family.len());
        }
        for turn in &turns[..turns.len() - 1] {
            let samples: usize = turn.iter().map(|p| p.samples.len()).sum();
            assert_eq!(samples, PIECE_SAMPLES);
        }
    }
}

//! The outage buffer of `export --every`: encoded remote-write requests the receiver could not
//! take yet, oldest first, bounded in bytes; held in memory or spooled to a directory (one file
//! per request, written atomically, read back in order, removed once sent).

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use bytes::Bytes;

use crate::export::ExportError;
use crate::export::snapshot_file::write_atomic;

/// The default bound: 64 MiB of encoded (snappy-compressed) requests.
pub const DEFAULT_BUFFER_BYTES: u64 = 64 * 1024 * 1024;

/// The file name ending of a spooled request.
const SPOOL_SUFFIX: &str = ".rwreq";

/// One queued request.
#[derive(Debug)]
struct Entry {
    /// Its place in the order; also its file name in a spool directory.
    seq: u64,
    /// Samples it carries.
    samples: usize,
    /// Its encoded size.
    bytes: u64,
    /// The body, when held in memory.
    body: Option<Bytes>,
}

/// What [`Buffer::push`] had to drop to make room: the oldest requests first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dropped {
    /// Requests dropped.
    pub requests: usize,
    /// Samples they carried.
    pub samples: usize,
}

/// A bounded FIFO of encoded requests.
#[derive(Debug)]
pub struct Buffer {
    limit: u64,
    used: u64,
    dir: Option<PathBuf>,
    entries: VecDeque<Entry>,
    next_seq: u64,
}

impl Buffer {
    /// A buffer in memory holding at most `limit` bytes of requests.
    pub fn memory(limit: u64) -> Buffer {
        Buffer {
            limit,
            used: 0,
            dir: None,
            entries: VecDeque::new(),
            next_seq: 0,
        }
    }

    /// A buffer spooled to `dir` (created if missing), holding at most `limit` bytes. Requests an
    /// earlier run left there are queued first, in their order, to be sent before any new one.
    pub fn spooled(dir: &Path, limit: u64) -> Result<Buffer, ExportError> {
        let unusable = |err: std::io::Error| {
            ExportError::Source(format!(
                "cannot use {} as --buffer-dir: {err}",
                dir.display()
            ))
        };
        std::fs::create_dir_all(dir).map_err(unusable)?;
        let mut entries = Vec::new();
        for item in std::fs::read_dir(dir).map_err(unusable)? {
            let item = item.map_err(unusable)?;
            let name = item.file_name();
            let Some((seq, samples)) = name.to_str().and_then(parse_spool_name) else {
                continue;
            };
            let bytes = item.metadata().map_err(unusable)?.len();
            entries.push(Entry {
                seq,
                samples,
                bytes,
                body: None,
            });
        }
        entries.sort_by_key(|entry| entry.seq);
        Ok(Buffer {
            limit,
            used: entries.iter().map(|entry| entry.bytes).sum(),
            dir: Some(dir.to_path_buf()),
            next_seq: entries.last().map_or(0, |entry| entry.seq + 1),
            entries: entries.into(),
        })
    }

    /// The directory requests are spooled to, if any.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The bound, in bytes.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Bytes of queued requests.
    pub fn used(&self) -> u64 {
        self.used
    }

    /// Queued requests.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Samples in the queued requests.
    pub fn samples(&self) -> usize {
        self.entries.iter().map(|entry| entry.samples).sum()
    }

    /// Queues `body` (carrying `samples`) last, dropping the oldest requests until it fits; a
    /// request larger than the whole bound is dropped itself. Says what was dropped.
    pub fn push(&mut self, body: Bytes, samples: usize) -> Result<Dropped, ExportError> {
        let bytes = body.len() as u64;
        let mut dropped = Dropped::default();
        if bytes > self.limit {
            return Ok(Dropped {
                requests: 1,
                samples,
            });
        }
        while self.used + bytes > self.limit {
            let Some(oldest) = self.pop_front()? else {
                break;
            };
            dropped.requests += 1;
            dropped.samples += oldest.samples;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let body = match &self.dir {
            Some(dir) => {
                write_atomic(&dir.join(spool_name(seq, samples)), &body)
                    .map_err(|err| ExportError::Source(err.to_string()))?;
                None
            }
            None => Some(body),
        };
        self.used += bytes;
        self.entries.push_back(Entry {
            seq,
            samples,
            bytes,
            body,
        });
        Ok(dropped)
    }

    /// The oldest request and its samples, read back from its file when spooled.
    pub fn front(&self) -> Result<Option<(Bytes, usize)>, ExportError> {
        let Some(entry) = self.entries.front() else {
            return Ok(None);
        };
        let body = match (&entry.body, &self.dir) {
            (Some(body), _) => body.clone(),
            (None, Some(dir)) => {
                let path = dir.join(spool_name(entry.seq, entry.samples));
                Bytes::from(std::fs::read(&path).map_err(|err| {
                    ExportError::Source(format!("cannot read {}: {err}", path.display()))
                })?)
            }
            (None, None) => Bytes::new(),
        };
        Ok(Some((body, entry.samples)))
    }

    /// Removes the oldest request (sent, or dropped) and its file; returns its samples.
    pub fn remove_front(&mut self) -> Result<Option<usize>, ExportError> {
        Ok(self.pop_front()?.map(|entry| entry.samples))
    }

    fn pop_front(&mut self) -> Result<Option<Entry>, ExportError> {
        let Some(entry) = self.entries.pop_front() else {
            return Ok(None);
        };
        self.used -= entry.bytes;
        if let Some(dir) = &self.dir {
            let path = dir.join(spool_name(entry.seq, entry.samples));
            match std::fs::remove_file(&path) {
                Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                    return Err(ExportError::Source(format!(
                        "cannot remove {}: {err}",
                        path.display()
                    )));
                }
                _ => {}
            }
        }
        Ok(Some(entry))
    }
}

/// `SEQ-SAMPLES.rwreq`, the sequence number zero-padded so names sort in order.
fn spool_name(seq: u64, samples: usize) -> String {
    format!("{seq:020}-{samples}{SPOOL_SUFFIX}")
}

fn parse_spool_name(name: &str) -> Option<(u64, usize)> {
    let (seq, samples) = name.strip_suffix(SPOOL_SUFFIX)?.split_once('-')?;
    Some((seq.parse().ok()?, samples.parse().ok()?))
}

/// Parses `--buffer SIZE`: a whole number of bytes with an optional unit, `KiB`, `MiB`, `GiB`
/// (powers of 1024) or `kB`, `MB`, `GB` (powers of 1000); `B` alone is bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let multiplier: u64 = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "kB" | "KB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        _ => return Err(size_error(text)),
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(multiplier))
        .filter(|&n| n > 0)
        .ok_or_else(|| size_error(text))
}

fn size_error(text: &str) -> String {
    format!("invalid size {text:?}: expected a number of bytes above 0, like 64MiB, 512KiB or 1GB")
}

/// `1.5 MiB`, `12 KiB`, `300 B`: a size for messages.
pub fn show_size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if bytes >= size {
            let value = bytes as f64 / size as f64;
            return if bytes.is_multiple_of(size) {
                format!("{} {unit}", bytes / size)
            } else {
                format!("{value:.1} {unit}")
            };
        }
    }
    format!("{bytes} B")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(byte: u8, len: usize) -> Bytes {
        Bytes::from(vec![byte; len])
    }

    #[test]
    fn sizes_parse_with_binary_and_decimal_units() {
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("512 KiB"), Ok(512 << 10));
        assert_eq!(parse_size("1GB"), Ok(1_000_000_000));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("7B"), Ok(7));
        for bad in ["", "0", "MiB", "1.5MiB", "64mb", "-1", "99999999999GiB"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        assert_eq!(show_size(64 << 20), "64 MiB");
        assert_eq!(show_size(1536), "1.5 KiB");
        assert_eq!(show_size(300), "300 B");
    }

    #[test]
    fn memory_buffer_keeps_order_and_drops_the_oldest_when_full() {
        let mut buffer = Buffer::memory(25);
        assert_eq!(buffer.push(body(1, 10), 3).unwrap(), Dropped::default());
        assert_eq!(buffer.push(body(2, 10), 4).unwrap(), Dropped::default());
        assert_eq!((buffer.len(), buffer.used(), buffer.samples()), (2, 20, 7));
        let dropped = buffer.push(body(3, 10), 5).unwrap();
        assert_eq!(
            dropped,
            Dropped {
                requests: 1,
                samples: 3
            }
        );
        assert_eq!(buffer.front().unwrap(), Some((body(2, 10), 4)));
        assert_eq!(buffer.remove_front().unwrap(), Some(4));
        assert_eq!(buffer.front().unwrap(), Some((body(3, 10), 5)));
        let too_big = buffer.push(body(4, 26), 9).unwrap();
        assert_eq!(
            too_big,
            Dropped {
                requests: 1,
                samples: 9
            }
        );
        assert_eq!(buffer.len(), 1);
    }

    #[test]
    fn spooled_buffer_writes_files_reads_them_back_in_order_and_removes_them() {
        let dir = tempfile::tempdir().unwrap();
        let spool = dir.path().join("spool");
        let mut buffer = Buffer::spooled(&spool, 1 << 20).unwrap();
        for i in 0..12u8 {
            buffer.push(body(i, 100), usize::from(i) + 1).unwrap();
        }
        let mut names: Vec<String> = std::fs::read_dir(&spool)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names.len(), 12, "one file per request, no temporary left");
        assert!(names.iter().all(|n| n.ends_with(SPOOL_SUFFIX)), "{names:?}");
        assert_eq!(buffer.remove_front().unwrap(), Some(1));
        drop(buffer);

        // A later run picks up what is left, in order, and numbers new requests after it.
        let mut again = Buffer::spooled(&spool, 1 << 20).unwrap();
        assert_eq!((again.len(), again.used()), (11, 1100));
        again.push(body(99, 100), 50).unwrap();
        let mut firsts = Vec::new();
        while let Some((bytes, samples)) = again.front().unwrap() {
            firsts.push((bytes[0], samples));
            again.remove_front().unwrap();
        }
        let expected: Vec<(u8, usize)> = (1..12u8)
            .map(|i| (i, usize::from(i) + 1))
            .chain([(99, 50)])
            .collect();
        assert_eq!(firsts, expected);
        assert_eq!(std::fs::read_dir(&spool).unwrap().count(), 0);
    }
}

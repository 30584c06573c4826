//! [`Text`]: the exposition text a target indexes — a string it owns, or a file mapped into
//! memory — and its pieces, where it is too long to index as one ([`Text::pieces`]).
//!
//! Why map files: reading a 19 MiB file into a fresh buffer spent more time faulting in and
//! zeroing that buffer's pages than reading (a fifth of `metrics --from-file -o prom`); a mapping
//! shares the page cache's pages instead. The price is the usual one of mapped files: a file cut
//! short by another process while it is read ends this one with `SIGBUS`. The files this plugin
//! writes are replaced by a rename, never rewritten in place, so reading them is safe.

use std::fmt;
use std::fs::File;
use std::io;
use std::ops::{Deref, Range};
use std::path::Path;
use std::sync::Arc;

use super::snapshot::PIECE_BYTES;
use crate::metrics::{PARALLEL_MIN_BYTES, join};

/// Exposition text, owned or mapped; valid UTF-8 either way.
#[derive(Clone, Default)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    Owned(String),
    /// Checked to be UTF-8 when it was mapped.
    /// Bytes `.1` of a mapped file (the whole file, or a piece of it: [`Text::pieces`]).
    Mapped(Arc<memmap2::Mmap>, std::ops::Range<usize>),
}

impl Default for Repr {
    fn default() -> Self {
        Repr::Owned(String::new())
    }
}

impl Text {
    /// The text of the file at `path`: mapped rather than copied, unless it is empty or cannot be
    /// mapped. A file that is not UTF-8 is an [`io::ErrorKind::InvalidData`] error, as
    /// [`std::fs::read_to_string`] gives.
    pub fn read_file(path: &Path) -> io::Result<Self> {
        let file = File::open(path)?;
        if file.metadata()?.len() == 0 {
            // Nothing to map (and a pipe or a device has no length to map): read it.
            return std::io::read_to_string(file).map(Text::from);
        }
        // SAFETY: the mapping is read-only; what another process may do to the file meanwhile is
        // the caveat in the module doc.
        let Ok(map) = (unsafe { memmap2::MmapOptions::new().map(&file) }) else {
            // A file system that cannot map files can still be read.
            return std::io::read_to_string(file).map(Text::from);
        };
        if !mapped_is_utf8(&map) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "stream did not contain valid UTF-8",
            ));
        }
        let whole = 0..map.len();
        Ok(Text(Repr::Mapped(Arc::new(map), whole)))
    }

    /// Whether this is a mapped file (which can be mapped again, where an owned text that came
    /// from a pipe could not be read again).
    pub fn is_mapped(&self) -> bool {
        matches!(self.0, Repr::Mapped(..))
    }

    /// The text as a `String`: the owned one, or a copy of a mapped file's.
    pub fn into_string(self) -> String {
        match self.0 {
            Repr::Owned(text) => text,
            Repr::Mapped(..) => self.deref().to_owned(),
        }
    }
}

/// Whether `bytes` are UTF-8; a large text is checked in two halves at once, split where a
/// character starts (so a character cut in two shows in the first half).
impl Text {
    /// The text cut into pieces of at most `max` bytes, each with where it starts and whether
    /// it starts in the middle of a family. A piece ends before the last block of comment lines
    /// (a family's `# HELP`, `# TYPE`, ...) within `max` bytes, so a family is cut only when it
    /// is longer than that, and then after its last whole line that fits. A mapped text's pieces
    /// are ranges of the one mapping. `Err` with where a line longer than `max` starts.
    pub(crate) fn pieces(&self, max: usize) -> Result<Vec<(usize, Text, bool)>, usize> {
        let text: &str = self;
        let mut cuts = vec![(0, false)];
        let mut start = 0;
        while text.len() - start > max {
            let window = &text.as_bytes()[start..=start + max];
            let found = memchr::memmem::rfind(window, b"\n# ");
            if let Repr::Mapped(map, range) = &self.0 {
                // Searched from its end, the window was read as far back as the block found
                // (all of it, in a family longer than a piece): its pages are read again when
                // the piece is indexed.
                let from = found.unwrap_or(0);
                release(
                    map,
                    range.start + start + from..range.start + start + window.len(),
                );
            }
            let block = found.map(|at| {
                // Back to the first of the comment (or blank) lines just above it.
                let mut line = start + at + 1;
                while line > start {
                    let previous = text[start..line - 1]
                        .rfind('\n')
                        .map_or(start, |at| start + at + 1);
                    // Comments and blank lines between them go with the family they open.
                    let above = &text[previous..line - 1];
                    if !(above.starts_with('#') || above.trim().is_empty()) {
                        break;
                    }
                    line = previous;
                }
                line
            });
            let cut = match block {
                Some(line) if line > start => (line, false),
                _ => match memchr::memrchr(b'\n', &window[..max]) {
                    Some(at) => (start + at + 1, true),
                    None => return Err(start),
                },
            };
            cuts.push(cut);
            start = cut.0;
        }
        cuts.push((text.len(), false));
        Ok(cuts
            .windows(2)
            .map(|w| {
                let ((from, continues), (to, _)) = (w[0], w[1]);
                let piece = match &self.0 {
                    Repr::Owned(owned) => Repr::Owned(owned[from..to].to_owned()),
                    Repr::Mapped(map, range) => {
                        Repr::Mapped(map.clone(), range.start + from..range.start + to)
                    }
                };
                (from, Text(piece), continues)
            })
            .collect())
    }
}

impl Text {
    /// Lets go of the pages of a mapped text read so far, so that they no longer count in the
    /// process's resident memory: reading the text again reads them back from the file (from
    /// the page cache, mostly). An owned text is kept as it is.
    pub(crate) fn release(&self) {
        if let Repr::Mapped(map, range) = &self.0 {
            release(map, range.clone());
        }
    }
}

/// Lets go of the pages of `range` of `map` ([`Text::release`]).
fn release(map: &memmap2::Mmap, range: Range<usize>) {
    // SAFETY: the mapping is shared and read-only, so a page let go is read back from the file
    // as it was (what another process may do to the file meanwhile is the caveat in the module
    // doc). Letting go is advice: if it fails, the pages stay.
    let _ = unsafe {
        map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, range.start, range.len())
    };
}

/// Bytes of a mapped file checked to be UTF-8 before they are let go, when the file is read in
/// pieces.
const CHECKED_AT_ONCE: usize = 64 << 20;

/// [`is_utf8`] of a mapped file. A file read in pieces is checked a part at a time, each part
/// let go once checked: the check reads the whole file, which would otherwise stay resident
/// (3.3 GB for a snapshot of 800 pods) although it is then read a piece at a time.
fn mapped_is_utf8(map: &memmap2::Mmap) -> bool {
    if map.len() <= PIECE_BYTES {
        return is_utf8(map);
    }
    let middle = char_boundary(map, map.len() / 2);
    let checked = |part: Range<usize>| {
        let mut start = part.start;
        while start < part.end {
            let end = char_boundary(&map[..part.end], (start + CHECKED_AT_ONCE).min(part.end));
            let utf8 = std::str::from_utf8(&map[start..end]).is_ok();
            release(map, start..end);
            if !utf8 {
                return false;
            }
            start = end;
        }
        true
    };
    let (first, second) = join(|| checked(0..middle), || checked(middle..map.len()));
    first && second
}

/// The first place from `at` on where a character of `bytes` starts (or their end).
fn char_boundary(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && bytes[at] & 0xC0 == 0x80 {
        at += 1;
    }
    at
}

fn is_utf8(bytes: &[u8]) -> bool {
    if bytes.len() < PARALLEL_MIN_BYTES {
        return std::str::from_utf8(bytes).is_ok();
    }
    let (first, second) = bytes.split_at(char_boundary(bytes, bytes.len() / 2));
    let (first, second) = join(
        || std::str::from_utf8(first).is_ok(),
        || std::str::from_utf8(second).is_ok(),
    );
    first && second
}

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        match &self.0 {
            Repr::Owned(text) => text,
            // SAFETY: checked to be UTF-8 in `read_file`, and a piece is cut after a `\n`.
            Repr::Mapped(map, range) => unsafe {
                std::str::from_utf8_unchecked(&map[range.clone()])
            },
        }
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Text(Repr::Owned(text))
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Text(Repr::Owned(text.to_owned()))
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.deref(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapped_file_reads_as_its_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("body.prom");
        std::fs::write(&path, "up 1\n").unwrap();
        let text = Text::read_file(&path).unwrap();
        assert!(text.is_mapped());
        assert_eq!(&*text, "up 1\n");
        assert_eq!(text.into_string(), "up 1\n");
    }

    #[test]
    fn an_empty_file_is_empty_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.prom");
        std::fs::write(&path, "").unwrap();
        assert_eq!(&*Text::read_file(&path).unwrap(), "");
    }

    #[test]
    fn a_large_text_is_utf8_only_when_both_halves_are_and_no_character_is_cut() {
        let mut text = "é".repeat(PARALLEL_MIN_BYTES / 2 + 1).into_bytes();
        assert!(is_utf8(&text));
        // A character cut short just before the middle: its continuation byte is missing.
        let middle = text.len() / 2;
        text.remove(middle - 1);
        assert!(std::str::from_utf8(&text).is_err());
        assert!(!is_utf8(&text));
        let last = text.len() - 1;
        text[last] = 0xff;
        assert!(!is_utf8(&text[middle..]));
    }

    #[test]
    fn a_file_that_is_not_utf8_is_invalid_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("latin1.prom");
        std::fs::write(&path, b"up{a=\"\xe9\"} 1\n").unwrap();
        let err = Text::read_file(&path).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(
            err.to_string(),
            std::fs::read_to_string(&path).unwrap_err().to_string()
        );
    }

    /// KiB of the mapping that starts at `start` resident in this process (`/proc/self/smaps`).
    fn resident_kib(start: *const u8) -> usize {
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let header = format!("{:x}-", start as usize);
        let mut lines = smaps.lines().skip_while(|l| !l.starts_with(&header));
        assert!(lines.next().is_some(), "the mapping at {header}");
        let rss = lines.find(|l| l.starts_with("Rss:")).unwrap();
        rss.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    #[test]
    fn a_file_read_in_pieces_is_not_left_resident_by_checking_and_cutting_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("large.prom");
        // One family longer than the file's pieces: cutting it searches each piece to its start.
        let line = "request_total{pod=\"web-0\",route=\"/api/list\"} 12345\n";
        let text = format!(
            "# TYPE request_total counter\n{}",
            line.repeat(PIECE_BYTES / line.len() + 50_000)
        );
        std::fs::write(&path, &text).unwrap();
        drop(text);
        let mapped = Text::read_file(&path).unwrap();
        assert!(mapped.is_mapped() && mapped.len() > PIECE_BYTES);
        let resident = || resident_kib(mapped.as_ptr());
        let limit = CHECKED_AT_ONCE / 1024;
        assert!(
            resident() < limit,
            "{} KiB resident once checked",
            resident()
        );
        let pieces = mapped.pieces(PIECE_BYTES / 4).unwrap();
        assert!(pieces.len() > 4 && pieces.iter().skip(1).all(|(_, _, continues)| *continues));
        assert!(resident() < limit, "{} KiB resident once cut", resident());
    }
}

//! `-o raw`: per-pod bodies in `linkerd diagnostics proxy-metrics` layout.

use std::io::{self, Write};

/// One pod's part of a raw dump.
#[derive(Debug, Clone, Copy)]
pub struct RawEntry<'a> {
    /// The pod's name, as in the `# POD` header.
    pub pod: &'a str,
    /// The body the proxy served, or why it could not be fetched.
    pub body: Result<&'a [u8], &'a str>,
}

/// Write `entries` in order, each under its `# POD NAME (i of n)` header.
pub fn write_raw(out: &mut impl Write, entries: &[RawEntry<'_>]) -> io::Result<()> {
    let total = entries.len();
    for (i, entry) in entries.iter().enumerate() {
        write_raw_entry(out, *entry, i + 1, total)?;
    }
    Ok(())
}

/// Write entry `position` of `total`: its header, then its body or `# ERROR: message`.
pub fn write_raw_entry(
    out: &mut (impl Write + ?Sized),
    entry: RawEntry<'_>,
    position: usize,
    total: usize,
) -> io::Result<()> {
    write!(out, "#\n# POD {} ({position} of {total})\n#\n", entry.pod)?;
    match entry.body {
        Ok(body) => out.write_all(body),
        Err(message) => writeln!(out, "# ERROR: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_linkerd_layout() {
        let entries = [
            RawEntry {
                pod: "web-1",
                body: Ok(b"a 1\n"),
            },
            RawEntry {
                pod: "web-2",
                body: Err("proxy answered HTTP 503"),
            },
        ];
        let mut out = Vec::new();
        write_raw(&mut out, &entries).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "#\n# POD web-1 (1 of 2)\n#\na 1\n#\n# POD web-2 (2 of 2)\n#\n# ERROR: proxy answered HTTP 503\n"
        );
    }
}

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

/// Writes `entries` in the layout of `linkerd diagnostics proxy-metrics`, in the given order:
/// `#\n# POD NAME (i of n)\n#\n`, then the body as served, or `# ERROR: message` for a failed pod.
pub fn write_raw(out: &mut impl Write, entries: &[RawEntry<'_>]) -> io::Result<()> {
    let total = entries.len();
    for (i, entry) in entries.iter().enumerate() {
        write!(out, "#\n# POD {} ({} of {})\n#\n", entry.pod, i + 1, total)?;
        match entry.body {
            Ok(body) => out.write_all(body)?,
            Err(message) => writeln!(out, "# ERROR: {message}")?,
        }
    }
    Ok(())
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

//! Building a [`Target`]'s index from its text: lexing each line, grouping samples into families
//! as [`parse::parse`] does, and noticing on the way what callers would otherwise read the text
//! again for ([`Noticed`]). A large body is lexed in two parts at once.

use std::borrow::Cow;

use super::{FamilyIndex, SampleIndex, Span, Target};
use crate::metrics::parse::{self, Line, ParseError, belongs_to};
use crate::metrics::{MetricType, PARALLEL_MIN_BYTES, join, more_than_one_core};

impl Target {
    /// The most bytes one target's text may hold: its index's offsets are 31 bits
    /// ([`Span::DECODED`] is the 32nd).
    pub(crate) const MAX_INDEXED: usize = Span::DECODED as usize - 1;

    /// Build the index: families and samples grouped as [`parse::parse`] groups them. Returns
    /// the errors of skipped lines (`strict`: fails on the first) and what was noticed (a label
    /// named like one of `watched`, a `# POD` header, OpenMetrics-only syntax).
    ///
    /// A large body is lexed in two parts at once, the second on its own thread, whose lines are
    /// handed over in chunks and indexed after the first part's: lexing is most of the cost of
    /// indexing, and grouping lines into families stays in input order.
    pub(super) fn index(
        &mut self,
        strict: bool,
        watched: &[&str],
        continued: Option<&Continued>,
    ) -> Result<(Vec<ParseError>, Noticed), ParseError> {
        assert!(
            self.text.len() <= Target::MAX_INDEXED,
            "a body of 2 GiB or more cannot be indexed"
        );
        let mut index = Indexer {
            text: &self.text,
            decoded: String::new(),
            families: Vec::new(),
            samples: Vec::new(),
            previous: None,
        };
        if let Some(family) = continued {
            index.continue_family(family);
        }
        let mut errors = Vec::new();
        let lines = parse::lines(&self.text);
        let noticed = if self.text.len() >= PARALLEL_MIN_BYTES && more_than_one_core() {
            // The first part a little shorter: this thread also indexes the second part's lines,
            // as they come in, after its own.
            let (first, second) = lines.split_at_about(self.text.len() * 45 / 100);
            let (chunks, lexed) = std::sync::mpsc::channel::<Vec<Result<Line<'_>, ParseError>>>();
            let (first, second_noticed) = join(
                || {
                    let (first_lines, first_noticed) =
                        index_lines(&mut index, first, strict, watched, &mut errors)?;
                    for line in lexed.into_iter().flatten() {
                        match line {
                            Ok(line) => index.push(line),
                            Err(mut e) => {
                                e.line += first_lines;
                                if strict {
                                    return Err(e);
                                }
                                errors.push(e);
                            }
                        }
                    }
                    Ok(first_noticed)
                },
                || lex_in_chunks(second, strict, watched, chunks),
            );
            first?.or(second_noticed)
        } else {
            index_lines(&mut index, lines, strict, watched, &mut errors)?.1
        };
        let Indexer {
            decoded,
            families,
            samples,
            ..
        } = index;
        self.decoded = decoded;
        self.families = families;
        self.samples = samples;
        Ok((errors, noticed))
    }
}

/// The family a piece of a long text starts in the middle of ([`super::Text::pieces`] cuts a
/// family longer than a piece), as the piece before has it: the piece's first samples are its.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Continued {
    name: String,
    kind: MetricType,
    /// As written (escaped).
    help: Option<String>,
    unit: Option<String>,
}

impl Continued {
    /// The last family of `target`, to go on in the next piece.
    pub(crate) fn last_of(target: &Target) -> Option<Continued> {
        let family = target.families().last()?;
        Some(Continued {
            name: family.name().to_string(),
            kind: family.kind(),
            help: family.raw_help().map(str::to_string),
            unit: family.unit().map(str::to_string),
        })
    }
}

/// What indexing a body noticed on the way, so that nothing reads the text again for it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Noticed {
    /// A sample has a label named like one of the watched names.
    pub(crate) watched_label: bool,
    /// A `# POD name (i of n)` header line ([`parse::has_pod_header`]).
    pub(crate) pod_header: bool,
    /// Syntax only OpenMetrics has ([`parse::says_openmetrics`]).
    pub(crate) openmetrics: bool,
}

impl Noticed {
    pub(super) fn or(self, other: Noticed) -> Noticed {
        Noticed {
            watched_label: self.watched_label || other.watched_label,
            pod_header: self.pod_header || other.pod_header,
            openmetrics: self.openmetrics || other.openmetrics,
        }
    }
}

/// Notices what [`Noticed`] holds while lines are lexed. Label names are compared only when one
/// of that length is watched (most are not), and then by their first byte before the rest.
struct Watch<'w> {
    watched: &'w [&'w str],
    lengths: u64,
    noticed: Noticed,
}

impl<'w> Watch<'w> {
    fn new(watched: &'w [&'w str]) -> Self {
        let lengths = watched
            .iter()
            .fold(0u64, |mask, name| mask | 1 << name.len().min(63));
        Watch {
            watched,
            lengths,
            noticed: Noticed::default(),
        }
    }

    fn note(&mut self, name: &str) {
        if !self.noticed.watched_label && self.lengths >> name.len().min(63) & 1 == 1 {
            self.noticed.watched_label = self.watched.iter().any(|w| {
                w.len() == name.len() && w.as_bytes()[0] == name.as_bytes()[0] && *w == name
            });
        }
    }

    /// Notice what `line`, lexed from `text`, says.
    fn line(&mut self, text: &str, line: &Line<'_>) {
        match line {
            Line::Comment(_) => self.noticed.pod_header |= parse::is_pod_header(text),
            Line::Type { .. } => {
                self.noticed.openmetrics |= parse::line_says_openmetrics(text, line)
            }
            Line::Sample(sample) if sample.timestamp_ms.is_some() => {
                self.noticed.openmetrics |= parse::line_says_openmetrics(text, line)
            }
            _ => {}
        }
    }
}

/// Lex and index `lines`; returns how many lines there were and what was noticed.
fn index_lines<'a>(
    index: &mut Indexer<'a>,
    mut lines: parse::Lines<'a>,
    strict: bool,
    watched: &[&str],
    errors: &mut Vec<ParseError>,
) -> Result<(usize, Noticed), ParseError> {
    let mut watch = Watch::new(watched);
    while let Some(line) = lines.next_noting(&mut |name| watch.note(name)) {
        match line {
            Ok((_, line)) => {
                watch.line(lines.last_line(), &line);
                index.push(line)
            }
            Err(e) if strict => return Err(e),
            Err(e) => errors.push(e),
        }
    }
    Ok((lines.line_count(), watch.noticed))
}

/// Lines lexed on the second thread are handed over this many at a time.
const CHUNK_LINES: usize = 4096;

/// Lex `lines` (`strict`: up to the first error) and send them to `chunks` a few thousand at a
/// time; returns what was noticed. Stops when nobody receives any more.
fn lex_in_chunks<'a>(
    mut lines: parse::Lines<'a>,
    strict: bool,
    watched: &[&str],
    chunks: std::sync::mpsc::Sender<Vec<Result<Line<'a>, ParseError>>>,
) -> Noticed {
    let mut watch = Watch::new(watched);
    let mut chunk = Vec::with_capacity(CHUNK_LINES);
    while let Some(line) = lines.next_noting(&mut |name| watch.note(name)) {
        let failed = line.is_err();
        if let Ok((_, line)) = &line {
            watch.line(lines.last_line(), line);
        }
        chunk.push(line.map(|(_, line)| line));
        if strict && failed {
            break;
        }
        if chunk.len() == CHUNK_LINES {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK_LINES));
            if chunks.send(full).is_err() {
                return watch.noticed;
            }
        }
    }
    let _ = chunks.send(chunk);
    watch.noticed
}

/// Builds a target's index from its lexed lines, grouping samples into families as
/// [`parse::parse`] does.
struct Indexer<'a> {
    text: &'a str,
    decoded: String,
    families: Vec<FamilyIndex>,
    samples: Vec<SampleIndex>,
    /// The last sample's name (when it is a slice of the text) and how many families there were
    /// after it: a sample of the same name right after it belongs to the same family, without
    /// comparing it with the family's name again.
    previous: Option<(&'a str, usize)>,
}

impl<'a> Indexer<'a> {
    fn span(&self, s: &str) -> Span {
        let start = s.as_ptr() as usize - self.text.as_ptr() as usize;
        Span {
            start: start as u32,
            end: (start + s.len()) as u32,
        }
    }

    /// A name's span: in the text, or (decoded from a quoted name) in the side text.
    fn name_span(&mut self, name: &str) -> Span {
        let (text, at) = (self.text.as_ptr() as usize, name.as_ptr() as usize);
        if at >= text && at + name.len() <= text + self.text.len() {
            return self.span(name);
        }
        self.side_span(name)
    }

    fn str(&self, span: Span) -> &str {
        if span.start & Span::DECODED != 0 {
            &self.decoded[(span.start & !Span::DECODED) as usize..span.end as usize]
        } else {
            &self.text[span.start as usize..span.end as usize]
        }
    }

    fn new_family(&mut self, name: Span) {
        let first = self.samples.len() as u32;
        self.families.push(FamilyIndex {
            name,
            kind: MetricType::Untyped,
            help: None,
            unit: None,
            first_sample: first,
            end_sample: first,
        });
    }

    /// Start with `family`, its name and metadata in the side text.
    fn continue_family(&mut self, family: &Continued) {
        let name = self.side_span(&family.name);
        self.new_family(name);
        let help = family.help.as_deref().map(|help| self.side_span(help));
        let unit = family.unit.as_deref().map(|unit| self.side_span(unit));
        let first = self.families.last_mut().expect("just pushed");
        first.kind = family.kind;
        first.help = help;
        first.unit = unit;
    }

    /// `s`, from elsewhere than the text, written into the side text.
    fn side_span(&mut self, s: &str) -> Span {
        let start = self.decoded.len() as u32;
        self.decoded.push_str(s);
        Span {
            start: start | Span::DECODED,
            end: self.decoded.len() as u32,
        }
    }

    /// The family metadata for `name` goes to: the current family if it has that name and no
    /// samples yet, else a new one.
    fn meta_family(&mut self, name: &str) -> &mut FamilyIndex {
        let reuse = self
            .families
            .last()
            .is_some_and(|f| f.first_sample == f.end_sample && self.str(f.name) == name);
        if !reuse {
            let span = self.name_span(name);
            self.new_family(span);
        }
        self.families.last_mut().expect("a family was just ensured")
    }

    fn push(&mut self, line: Line<'a>) {
        match line {
            Line::Blank | Line::Comment(_) | Line::Eof => {}
            Line::Help { name, text } => {
                let span = self.span(text);
                self.meta_family(&name).help = Some(span);
            }
            Line::Type { name, kind } => self.meta_family(&name).kind = kind,
            Line::Unit { name, unit } => {
                let span = self.span(unit);
                self.meta_family(&name).unit = Some(span);
            }
            Line::Sample(sample) => {
                let repeated = match (&sample.name, self.previous) {
                    (Cow::Borrowed(name), Some((previous, families))) => {
                        families == self.families.len() && *name == previous
                    }
                    _ => false,
                };
                let fits = repeated
                    || self
                        .families
                        .last()
                        .is_some_and(|f| belongs_to(self.str(f.name), f.kind, &sample.name));
                // A name repeated from the sample before points where that one's does: equal
                // names are then the same text, which readers compare by address first.
                let name = match self.samples.last() {
                    Some(last) if repeated => last.name,
                    _ => self.name_span(&sample.name),
                };
                if !fits {
                    self.new_family(name);
                }
                let raw = sample.labels.as_str();
                let labels = if raw.is_empty() {
                    Span::default()
                } else {
                    self.span(raw)
                };
                self.samples.push(SampleIndex {
                    name,
                    labels,
                    value: sample.value,
                    timestamp_ms: sample.timestamp_ms,
                });
                self.families
                    .last_mut()
                    .expect("a family was just ensured")
                    .end_sample = self.samples.len() as u32;
                self.previous = match sample.name {
                    Cow::Borrowed(name) => Some((name, self.families.len())),
                    Cow::Owned(_) => None,
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body over [`PARALLEL_MIN_BYTES`] whose histogram family spans its middle, with
    /// samples without metadata at the end and a malformed line in each half.
    fn large_body() -> String {
        let mut body = String::from("# HELP lat_ms Latency.\n# TYPE lat_ms histogram\n");
        let (mut pod, mut broken_in_second_half) = (0, false);
        while body.len() < PARALLEL_MIN_BYTES * 3 / 2 {
            for le in ["1", "10", "+Inf"] {
                body.push_str(&format!(
                    "lat_ms_bucket{{pod=\"p{pod}\",le=\"{le}\"}} {pod}\n"
                ));
            }
            body.push_str(&format!("lat_ms_sum{{pod=\"p{pod}\"}} 1.5\n"));
            body.push_str(&format!("lat_ms_count{{pod=\"p{pod}\"}} {pod}\n"));
            let second_half = body.len() > PARALLEL_MIN_BYTES;
            if pod == 100 || (second_half && !broken_in_second_half) {
                body.push_str("lat_ms_bucket{pod=\"broken\" 1\n");
                broken_in_second_half = second_half;
            }
            pod += 1;
        }
        body.push_str(
            "# TYPE requests counter\nrequests_total{pod=\"p1\"} 7\nloose 1\nloose_too 2\n",
        );
        body
    }

    #[test]
    fn a_large_body_indexes_as_the_sequential_parser_groups_it() {
        let body = large_body();
        assert!(body.len() > PARALLEL_MIN_BYTES);
        let (expected, expected_errors) = parse::parse_lenient(&body);
        let (target, errors) = Target::parse_lenient(body.clone(), Vec::new(), None);
        assert_eq!(errors, expected_errors);
        assert_eq!(errors.len(), 2);
        assert!(errors[1].line > body.lines().count() / 2, "{errors:?}");
        assert_eq!(target.families().len(), expected.families.len());
        for (family, want) in target.families().zip(&expected.families) {
            assert_eq!((family.name(), family.kind()), (&*want.name, want.kind));
            assert_eq!(family.len(), want.samples.len());
            for (sample, want) in family.samples().zip(&want.samples) {
                assert_eq!(sample.name, want.name);
                assert_eq!(sample.labels.as_str(), want.labels.as_str());
                assert_eq!(sample.value, want.value);
            }
        }
    }

    /// What a strict index notices, next to what the text-reading checks say of the same body.
    fn noticed_and_read(body: &str) -> (Noticed, (bool, bool, bool)) {
        let (_, noticed) =
            Target::parse_watching(body.into(), crate::metrics::model::TARGET_LABEL_NAMES)
                .expect("the body indexes");
        let labelled = parse::parse(body).unwrap().samples().any(|(_, s)| {
            s.labels
                .pairs()
                .any(|l| crate::metrics::model::TARGET_LABEL_NAMES.contains(&l.name))
        });
        let read = (
            labelled,
            parse::has_pod_header(body),
            parse::says_openmetrics(body),
        );
        (noticed, read)
    }

    #[test]
    fn what_indexing_notices_is_what_reading_the_text_again_says() {
        let large = large_body().replace("lat_ms_bucket{pod=\"broken\" 1\n", "");
        let bodies = [
            "up 1\n".to_string(),
            "# TYPE build info\nbuild_info{version=\"1\"} 1\n".into(),
            "# TYPE up gauge\nup 1 1700000000.5\n".into(),
            "# TYPE up gauge\nup 1 1700000000500\n".into(),
            "up{pod=\"web-1\"} 1\n".into(),
            "# POD web-1 (1 of 2)\nup 1\n# POD web-2 (2 of 2)\nup 1\n".into(),
            "#  POD web-1\nup 1\n".into(),
            large.clone(),
            // The OpenMetrics line, the header and the target label in the second part.
            format!(
                "{large}# TYPE ok stateset\nok{{ok=\"a\"}} 1\n# POD web-1 (1 of 1)\nup{{job=\"x\"}} 1\n"
            ),
        ];
        for body in &bodies {
            let (noticed, read) = noticed_and_read(body);
            let noticed = (
                noticed.watched_label,
                noticed.pod_header,
                noticed.openmetrics,
            );
            assert_eq!(noticed, read, "{}", &body[..body.len().min(80)]);
        }
        assert_eq!(noticed_and_read(&bodies[8]).1, (true, true, true));
    }

    #[test]
    fn a_strict_index_of_a_large_body_fails_on_its_first_malformed_line() {
        let body = large_body();
        let first = parse::parse(&body).unwrap_err();
        assert_eq!(
            Target::parse(body.clone(), Vec::new(), None).unwrap_err(),
            first
        );
        // Only the second half's error left: its line number counts the first half's lines.
        let body = body.replacen("lat_ms_bucket{pod=\"broken\" 1\n", "", 1);
        let Err(second) = parse::parse(&body) else {
            panic!("a malformed line is left");
        };
        assert!(second.line > body.lines().count() / 2);
        assert_eq!(Target::parse(body, Vec::new(), None).err(), Some(second));
    }
}

//! PromQL vector selector syntax: `name{label op "value", ...}` with `"`, `'` or backquoted
//! strings and Go escapes.

use super::{MatchOp, Matcher, SelectError, VectorSelector, anchored};

struct P<'a> {
    text: &'a str,
    pos: usize,
}

impl P<'_> {
    fn err<T>(&self, message: &'static str) -> Result<T, SelectError> {
        Err(SelectError::Syntax {
            text: self.text.to_string(),
            column: self.pos + 1,
            message,
        })
    }

    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek()
            && c.is_whitespace()
        {
            self.pos += c.len_utf8();
        }
    }

    fn ident(&mut self, colon_ok: bool) -> Option<&str> {
        let start = self.pos;
        let b = self.text.as_bytes();
        while self.pos < b.len() {
            let c = b[self.pos];
            let ok = c.is_ascii_alphabetic()
                || c == b'_'
                || (colon_ok && c == b':')
                || (self.pos > start && c.is_ascii_digit());
            if !ok {
                break;
            }
            self.pos += 1;
        }
        (self.pos > start).then(|| &self.text[start..self.pos])
    }

    fn string(&mut self) -> Result<String, SelectError> {
        let Some(quote @ ('"' | '\'' | '`')) = self.peek() else {
            return self.err("expected a quoted string");
        };
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return self.err("unterminated string");
            };
            self.pos += c.len_utf8();
            if c == quote {
                return Ok(out);
            }
            if c != '\\' || quote == '`' {
                out.push(c);
                continue;
            }
            let Some(e) = self.peek() else {
                return self.err("unterminated string");
            };
            self.pos += e.len_utf8();
            match e {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'a' => out.push('\x07'),
                'b' => out.push('\x08'),
                'f' => out.push('\x0c'),
                'v' => out.push('\x0b'),
                '\\' | '"' | '\'' => out.push(e),
                'x' | 'u' | 'U' => {
                    let len = match e {
                        'x' => 2,
                        'u' => 4,
                        _ => 8,
                    };
                    let hex = self.text.get(self.pos..self.pos + len).unwrap_or("");
                    match u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
                        Some(ch) if hex.len() == len => out.push(ch),
                        _ => return self.err("invalid escape"),
                    }
                    self.pos += len;
                }
                _ => return self.err("invalid escape"),
            }
        }
    }
}

pub(super) fn parse(text: &str) -> Result<VectorSelector, SelectError> {
    let mut p = P { text, pos: 0 };
    let mut matchers = Vec::new();
    p.skip_ws();
    if let Some(name) = p.ident(true) {
        matchers.push(Matcher {
            name: "__name__".into(),
            op: MatchOp::Equal,
            value: name.to_string(),
            regex: None,
        });
        p.skip_ws();
    }
    if p.peek() == Some('{') {
        p.pos += 1;
        loop {
            p.skip_ws();
            if p.peek() == Some('}') {
                p.pos += 1;
                break;
            }
            let label = match p.peek() {
                Some('"' | '\'' | '`') => p.string()?,
                _ => match p.ident(false) {
                    Some(l) => l.to_string(),
                    None => return p.err("expected a label name"),
                },
            };
            p.skip_ws();
            let rest = &text[p.pos..];
            let (op, len) = if rest.starts_with("=~") {
                (MatchOp::Regex, 2)
            } else if rest.starts_with("!~") {
                (MatchOp::NotRegex, 2)
            } else if rest.starts_with("!=") {
                (MatchOp::NotEqual, 2)
            } else if rest.starts_with('=') {
                (MatchOp::Equal, 1)
            } else {
                return p.err("expected one of =, !=, =~, !~");
            };
            p.pos += len;
            p.skip_ws();
            let value = p.string()?;
            let regex = match op {
                MatchOp::Regex | MatchOp::NotRegex => Some(anchored(&value)?),
                _ => None,
            };
            matchers.push(Matcher {
                name: label,
                op,
                value,
                regex,
            });
            p.skip_ws();
            match p.peek() {
                Some(',') => p.pos += 1,
                Some('}') => {}
                _ => return p.err("expected ',' or '}'"),
            }
        }
        p.skip_ws();
    }
    if p.pos != text.len() {
        return p.err("unexpected text after the selector");
    }
    if matchers.iter().all(|m| m.matches("")) {
        return p.err("a selector needs a name or a matcher that does not match the empty string");
    }
    Ok(VectorSelector { matchers })
}

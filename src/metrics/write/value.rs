//! The text of values, escaped strings and names, as Prometheus writes them.

use std::borrow::Cow;
use std::fmt::{self, Write};

use crate::metrics::parse::{LABEL_NAME_BYTES, METRIC_NAME_BYTES};

/// Write a value the way Prometheus does: `NaN`, `+Inf`, `-Inf`, else the shortest decimal that
/// reads back to the same `f64`.
pub fn write_value<W: Write>(out: &mut W, v: f64) -> fmt::Result {
    // Most values are counts: whole numbers print as integers, without float formatting.
    if v.fract() == 0.0 && v.abs() < 1e15 && v != 0.0 {
        return out.write_str(integer_text(v as i64, &mut [0; 20]));
    }
    if v.is_nan() {
        out.write_str("NaN")
    } else if v.is_infinite() {
        out.write_str(if v > 0.0 { "+Inf" } else { "-Inf" })
    } else if v != 0.0 && (v.abs() >= 1e21 || v.abs() < 1e-6) {
        write!(out, "{v:e}")
    } else {
        write!(out, "{v}")
    }
}

/// `n` in decimal, written into the end of `buf` (core's formatting machinery costs more than
/// the digits on a body of integer counters).
fn integer_text(n: i64, buf: &mut [u8; 20]) -> &str {
    let mut at = buf.len();
    let mut rest = n.unsigned_abs();
    loop {
        at -= 1;
        buf[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if n < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    std::str::from_utf8(&buf[at..]).expect("ASCII digits")
}

/// A value formatted by [`write_value`].
pub fn format_value(v: f64) -> String {
    let mut s = String::new();
    write_value(&mut s, v).expect("writing to a String cannot fail");
    s
}

/// Escape `\`, newline and (in label values and OpenMetrics HELP) `"`.
pub(crate) fn write_escaped<W: Write>(out: &mut W, text: &str, quote: bool) -> fmt::Result {
    if !text.contains(['\\', '\n', '"']) {
        return out.write_str(text);
    }
    for ch in text.chars() {
        match ch {
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '"' if quote => out.write_str("\\\"")?,
            c => out.write_char(c)?,
        }
    }
    Ok(())
}

/// Make `name` a valid metric name (`colon_ok`) or label name: invalid characters become `_`, a
/// leading digit gets a `_` prefix.
pub fn sanitize_name(name: &str, colon_ok: bool) -> Cow<'_, str> {
    // Every sample's name is checked: a table lookup per byte.
    let allowed = if colon_ok {
        &METRIC_NAME_BYTES
    } else {
        &LABEL_NAME_BYTES
    };
    let valid = name.as_bytes().first().is_some_and(|b| !b.is_ascii_digit())
        && name.bytes().all(|b| allowed[usize::from(b)]);
    if valid {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len() + 1);
    if name.as_bytes().first().is_none_or(u8::is_ascii_digit) {
        out.push('_');
    }
    for ch in name.chars() {
        let valid = ch.is_ascii() && allowed[ch as usize];
        out.push(if valid { ch } else { '_' });
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_values_print_as_integers() {
        for n in [
            1_i64,
            7,
            10,
            -1,
            -42,
            1_234_567,
            -1_234_567,
            999_999_999_999_999,
        ] {
            assert_eq!(format_value(n as f64), n.to_string());
        }
        assert_eq!(format_value(0.0), "0");
        assert_eq!(format_value(-0.5), "-0.5");
        assert_eq!(format_value(1e15), "1000000000000000");
    }
}

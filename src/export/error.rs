//! Errors of the export paths: each names the endpoint, and for HTTP answers the status and an
//! excerpt of the body.

use http::StatusCode;

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The endpoint URL cannot be used.
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A `--header` value is not `Name: value`, or not a valid header.
    #[error("invalid header {header:?}: {reason}")]
    InvalidHeader {
        /// The header as given (only its name part is echoed back for secrets' sake).
        header: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A series cannot be sent as is (for example, two labels with the same name).
    #[error("invalid series {series}: {reason}")]
    InvalidSeries {
        /// The series' labels, rendered `name{a="b"}`.
        series: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The CA file could not be read or holds no certificate.
    #[error("cannot use CA file {path}: {reason}")]
    CaFile {
        /// The file as given.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The endpoint could not be reached (connection refused, DNS, TLS, timeout).
    #[error("cannot reach {url}: {reason}{}", attempts_note(*attempts))]
    Unreachable {
        /// The endpoint, credentials removed.
        url: String,
        /// The transport error.
        reason: String,
        /// How many attempts were made.
        attempts: u32,
    },
    /// The endpoint answered with an error status.
    #[error("{url} answered HTTP {status}{}{}{}", body_note(body), attempts_note(*attempts), hint_note(*hint))]
    Status {
        /// The endpoint, credentials removed.
        url: String,
        /// The HTTP status.
        status: StatusCode,
        /// The start of the response body, whitespace collapsed.
        body: String,
        /// How many attempts were made.
        attempts: u32,
        /// What to check, for statuses with a usual cause.
        hint: Option<&'static str>,
    },
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address as given.
        addr: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The samples to export could not be collected.
    #[error("{0}")]
    Source(String),
    /// A second Ctrl-C abandoned a batch that was being sent.
    #[error("interrupted: abandoned the batch in flight")]
    Abandoned,
}

fn attempts_note(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else {
        String::new()
    }
}

fn hint_note(hint: Option<&str>) -> String {
    hint.map(|hint| format!("; {hint}")).unwrap_or_default()
}

fn body_note(body: &str) -> String {
    if body.is_empty() {
        String::new()
    } else {
        format!(": {body}")
    }
}

/// The start of a response body as one line: invalid UTF-8 replaced, whitespace runs collapsed,
/// cut at `max_chars` with `…`.
pub fn body_excerpt(body: &[u8], max_chars: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match collapsed.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &collapsed[..cut]),
        None => collapsed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_collapses_whitespace_and_cuts() {
        assert_eq!(
            body_excerpt(b"  out of\n order\tsample \n", 100),
            "out of order sample"
        );
        assert_eq!(body_excerpt(b"abcdef", 3), "abc…");
        assert_eq!(body_excerpt(b"abc", 3), "abc");
        assert_eq!(body_excerpt(&[0xff, b'a'], 10), "\u{fffd}a");
    }

    #[test]
    fn status_error_names_status_body_and_attempts() {
        let err = ExportError::Status {
            url: "http://127.0.0.1:9/api/v1/write".into(),
            status: StatusCode::BAD_REQUEST,
            body: "out of order sample".into(),
            attempts: 1,
            hint: None,
        };
        assert_eq!(
            err.to_string(),
            "http://127.0.0.1:9/api/v1/write answered HTTP 400 Bad Request: out of order sample"
        );
        let err = ExportError::Status {
            url: "u".into(),
            status: StatusCode::SERVICE_UNAVAILABLE,
            body: String::new(),
            attempts: 4,
            hint: Some("check it"),
        };
        assert_eq!(
            err.to_string(),
            "u answered HTTP 503 Service Unavailable (after 4 attempts); check it"
        );
    }
}

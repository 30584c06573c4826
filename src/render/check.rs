//! `check`'s report as `linkerd check` prints it (the JSON form is the report serialized).

use std::io::Write;

use crate::metrics::check::{Outcome, Report};

/// The report as `linkerd check` prints it: each heading underlined, a mark per line, details and
/// the hint indented under a finding, and the overall status last.
pub fn write_text(out: &mut dyn Write, report: &Report, color: bool) -> std::io::Result<()> {
    let mark = |outcome: Outcome| {
        let code = match outcome {
            Outcome::Success => "32",
            Outcome::Warning => "33",
            Outcome::Error => "31",
        };
        if color {
            format!("\x1b[{code}m{}\x1b[0m", outcome.mark())
        } else {
            outcome.mark().to_string()
        }
    };
    for category in &report.categories {
        writeln!(out, "{}", category.category_name)?;
        writeln!(out, "{}", "-".repeat(category.category_name.len()))?;
        for finding in &category.checks {
            writeln!(out, "{} {}", mark(finding.result), finding.description)?;
            for detail in &finding.details {
                writeln!(out, "    {detail}")?;
            }
            if let Some(hint) = &finding.hint {
                writeln!(out, "    hint: {hint}")?;
            }
        }
        writeln!(out)?;
    }
    writeln!(out, "Status check results are {}", mark(report.status))
}

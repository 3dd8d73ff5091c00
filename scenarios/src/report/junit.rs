//! JUnit XML as GitLab, GitHub (test-reporter actions) and Jenkins read it: one
//! `<testsuite>` per scenario, one `<testcase>` per assertion (a `<failure>` with the
//! measured value against the limit when it does not hold); a scenario that could not be
//! judged is one `<testcase>` with an `<error>`.

use crate::result::{ScenarioResult, Status};
use std::fmt::Write;

/// Escapes text for XML attributes and content.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' && c != '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// The JUnit XML document of a suite's results.
pub fn junit(results: &[ScenarioResult], wall_s: f64) -> String {
    let tests: usize = results.iter().map(|r| r.asserts.len().max(1)).sum();
    let failures: usize = results
        .iter()
        .map(|r| r.asserts.iter().filter(|a| !a.passed).count())
        .sum();
    let errors = results.iter().filter(|r| r.status == Status::Error).count();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"gridhil test\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{wall_s:.3}\">"
    );
    for r in results {
        let file = escape(&r.file.display().to_string());
        let name = escape(&r.name);
        let r_failures = r.asserts.iter().filter(|a| !a.passed).count();
        let r_errors = usize::from(r.status == Status::Error);
        let _ = writeln!(
            x,
            "  <testsuite name=\"{name}\" file=\"{file}\" tests=\"{}\" failures=\"{r_failures}\" errors=\"{r_errors}\" time=\"{:.3}\">",
            r.asserts.len().max(1),
            r.wall_s
        );
        if r.status == Status::Error {
            let message = escape(r.error.as_deref().unwrap_or("error"));
            let _ = writeln!(
                x,
                "    <testcase classname=\"{name}\" name=\"{name}\" file=\"{file}\" time=\"{:.3}\">\n      <error message=\"{message}\">{message}</error>\n    </testcase>",
                r.wall_s
            );
        }
        for a in &r.asserts {
            let _ = write!(
                x,
                "    <testcase classname=\"{name}\" name=\"{}\" file=\"{file}\" line=\"{}\"",
                escape(&a.name),
                a.line
            );
            if a.passed {
                x.push_str("/>\n");
            } else {
                let message = escape(&a.message);
                let _ = writeln!(
                    x,
                    ">\n      <failure message=\"{message}\" type=\"{}\">{}:{}: {message}</failure>",
                    escape(&a.kind),
                    file,
                    a.line
                );
                if let Some(log) = &r.log {
                    let _ = writeln!(
                        x,
                        "      <system-out>run log: {}</system-out>",
                        escape(&log.display().to_string())
                    );
                }
                x.push_str("    </testcase>\n");
            }
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}

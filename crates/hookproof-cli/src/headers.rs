//! Request headers from a file, in any of the forms people have at hand:
//!
//! - a JSON object of string values;
//! - `Name: value` lines (blank lines, `#` comments and a response's `HTTP/…` status line
//!   are passed over);
//! - a raw HTTP request capture: the request line (`POST /path HTTP/1.1`), the header lines,
//!   a blank line, then the body (not read: give the body as BODY);
//! - `curl -v` output: `> ` lines are the request (its request line, its headers), `< `
//!   response lines, `* ` information lines and `{ ` / `} ` data notes are passed over.
//!
//! A line that is none of these is an error naming its line number and an excerpt, never
//! skipped.

use crate::input::escape_controls;

/// Most header lines read from one file.
pub const MAX_HEADERS: usize = 256;

/// Parses a headers file into `(name, value)` pairs, names as written, values trimmed.
pub fn parse(text: &str) -> Result<Vec<(String, String)>, String> {
    if text.trim_start().starts_with('{') {
        return parse_json(text);
    }
    let lines: Vec<&str> = text.lines().collect();
    let is_curl = lines.iter().any(|l| {
        *l == ">" || *l == "<" || l.starts_with("> ") || l.starts_with("< ") || l.starts_with("* ")
    });
    let first = lines
        .iter()
        .position(|l| !l.trim().is_empty())
        .unwrap_or(lines.len());
    let mut out = Vec::new();
    if is_curl {
        let mut in_request = false;
        for (i, line) in lines.iter().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty()
                || line.starts_with("< ")
                || line == "<"
                || line.starts_with("* ")
                || line == "*"
                || line.starts_with("{ ")
                || line.starts_with("} ")
            {
                continue;
            }
            let Some(rest) = line
                .strip_prefix("> ")
                .or(if line == ">" { Some("") } else { None })
            else {
                return Err(unreadable(
                    i,
                    line,
                    "not a `> `, `< ` or `* ` line of `curl -v`",
                ));
            };
            if rest.trim().is_empty() {
                in_request = false; // the blank line that ends the request's headers
                continue;
            }
            if !in_request && is_request_line(rest) {
                in_request = true;
                continue;
            }
            out.push(header_line(i, rest)?);
        }
    } else if lines.get(first).is_some_and(|l| is_request_line(l)) {
        for (i, line) in lines.iter().enumerate().skip(first + 1) {
            let line = line.trim_end_matches('\r');
            if line.is_empty() {
                break; // the body follows
            }
            out.push(header_line(i, line)?);
        }
    } else {
        for (i, line) in lines.iter().enumerate() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') || line.starts_with("HTTP/") {
                continue;
            }
            out.push(header_line(i, line)?);
        }
    }
    if out.len() > MAX_HEADERS {
        return Err(format!("headers file: more than {MAX_HEADERS} headers"));
    }
    Ok(out)
}

fn parse_json(text: &str) -> Result<Vec<(String, String)>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("headers file: {e}"))?;
    let object = value
        .as_object()
        .ok_or("headers file: expected a JSON object")?;
    if object.len() > MAX_HEADERS {
        return Err(format!("headers file: more than {MAX_HEADERS} headers"));
    }
    object
        .iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => Ok((k.clone(), s.clone())),
            _ => Err(format!(
                "headers file: {} is not a string",
                escape_controls(k)
            )),
        })
        .collect()
}

/// `METHOD SP target SP HTTP/n.n`.
fn is_request_line(line: &str) -> bool {
    let parts: Vec<&str> = line.trim_end().split(' ').collect();
    matches!(parts.as_slice(), [method, target, version]
        if !method.is_empty() && method.bytes().all(|b| b.is_ascii_uppercase())
            && !target.is_empty()
            && version.starts_with("HTTP/"))
}

/// One `Name: value` line; `index` is 0-based.
fn header_line(index: usize, line: &str) -> Result<(String, String), String> {
    let Some((name, value)) = line.split_once(':') else {
        return Err(unreadable(index, line, "not `Name: value`"));
    };
    // Names the core will not match are still passed on (it decides); a space or a control
    // character means the line is not a header at all (prose, a folded continuation).
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(unreadable(
            index,
            line,
            "not a header name before the colon",
        ));
    }
    Ok((name.to_owned(), value.trim().to_owned()))
}

fn unreadable(index: usize, line: &str, why: &str) -> String {
    let excerpt: String = line.chars().take(40).collect();
    let more = if line.chars().count() > 40 { "…" } else { "" };
    format!(
        "headers file line {}: `{}{more}` is {why}",
        index + 1,
        escape_controls(&excerpt)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let want = vec![
            ("a".to_owned(), "1".to_owned()),
            ("B".to_owned(), "x: y".to_owned()),
        ];
        assert_eq!(parse("a: 1\nB: x: y\n").unwrap(), want);
        assert_eq!(
            parse("POST /h HTTP/1.1\r\na: 1\r\nB: x: y\r\n\r\n{\"x\":1}").unwrap(),
            want
        );
        assert_eq!(
            parse(
                "* Trying\n> POST /h HTTP/1.1\n> a: 1\n> B: x: y\n>\n< HTTP/1.1 200 OK\n< c: 2\n"
            )
            .unwrap(),
            want
        );
        let mut json = parse(r#"{"a":"1","B":"x: y"}"#).unwrap();
        json.sort_by_key(|(k, _)| k.to_ascii_lowercase());
        assert_eq!(json, want);
        let e = parse("a: 1\nnot a header\n").unwrap_err();
        assert!(e.contains("line 2") && e.contains("not a header"), "{e}");
        let e = parse("* x\n> a: 1\nbody\n").unwrap_err();
        assert!(e.contains("line 3"), "{e}");
        let e = parse("a b: 1\n").unwrap_err();
        assert!(e.contains("line 1"), "{e}");
    }
}

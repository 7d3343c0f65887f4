//! Where the CLI's long or secret values come from, one scheme for every flag:
//!
//! - a flag whose value is text (`--secret`, `--authorization`, `--header`, `--signature`, the
//!   body of `verify` and `sign`): the text itself, `@FILE` for a file's contents, `-` for
//!   standard input;
//! - a flag whose value is a file (`--headers`, `--body`, `--cacert`): `FILE` or `@FILE` for the
//!   file, `-` for standard input;
//! - a secret also from `--…-file PATH` or `--…-env NAME`, which keep it out of the process list.
//!
//! Standard input is read at most once per run; every read is bounded.

use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// Largest secret, credential, header or signature value read from a file, standard input or
/// the environment, in bytes.
pub const MAX_VALUE_BYTES: u64 = 1024 * 1024;
/// Largest body read from a file or standard input, in bytes.
pub const MAX_BODY_BYTES: u64 = 64 * 1024 * 1024;

static STDIN_USED: AtomicBool = AtomicBool::new(false);

/// Reads `path` (`-`: standard input), at most `limit` bytes; `what` names the flag in errors.
pub fn read_source(what: &str, path: &str, limit: u64) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    let read = if path == "-" {
        if STDIN_USED.swap(true, Ordering::Relaxed) {
            return Err(format!(
                "{what}: standard input is already read for another argument; use @FILE"
            ));
        }
        std::io::stdin()
            .lock()
            .take(limit + 1)
            .read_to_end(&mut buf)
    } else {
        std::fs::File::open(Path::new(path)).and_then(|f| f.take(limit + 1).read_to_end(&mut buf))
    };
    let name = if path == "-" { "standard input" } else { path };
    read.map_err(|e| format!("{what}: cannot read {name}: {e}"))?;
    if buf.len() as u64 > limit {
        return Err(format!("{what}: {name} is larger than {limit} bytes"));
    }
    Ok(buf)
}

/// A text flag's value: `@FILE` → the file's bytes, `-` → standard input, else the text.
pub fn text_value(what: &str, value: &str, limit: u64) -> Result<Vec<u8>, String> {
    match value.strip_prefix('@') {
        Some(path) => read_source(what, path, limit),
        None if value == "-" => read_source(what, "-", limit),
        None => Ok(value.as_bytes().to_vec()),
    }
}

/// A file flag's value: `FILE` or `@FILE` → the file's bytes, `-` → standard input.
pub fn file_value(what: &str, value: &str, limit: u64) -> Result<Vec<u8>, String> {
    read_source(what, value.strip_prefix('@').unwrap_or(value), limit)
}

fn utf8(what: &str, bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|_| format!("{what}: not UTF-8 text"))
}

/// Every secret given: each `--secret` value (as given, or `@FILE` / `-`), each `--secret-file`
/// and each `--secret-env` variable. A file, standard input or a variable may hold several
/// secrets, one per line (rotation), each trimmed; blank lines are skipped, but a source with no
/// secret at all is an error.
pub fn secrets(
    values: &[String],
    files: &[String],
    envs: &[String],
) -> Result<Vec<String>, String> {
    fn add(out: &mut Vec<String>, what: &str, text: &str) -> Result<(), String> {
        let before = out.len();
        out.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned),
        );
        if out.len() == before {
            return Err(format!("{what}: empty (no secret in it)"));
        }
        Ok(())
    }
    let mut out = Vec::new();
    for v in values {
        if v == "-" || v.starts_with('@') {
            let text = utf8("--secret", text_value("--secret", v, MAX_VALUE_BYTES)?)?;
            add(&mut out, &format!("--secret {v}"), &text)?;
        } else {
            out.push(v.clone()); // as given: the core reports what is wrong with it
        }
    }
    for f in files {
        let what = format!("--secret-file {f}");
        let text = utf8(&what, file_value(&what, f, MAX_VALUE_BYTES)?)?;
        add(&mut out, &what, &text)?;
    }
    for name in envs {
        let what = format!("--secret-env {name}");
        add(&mut out, &what, &env_value(&what, name)?)?;
    }
    Ok(out)
}

fn env_value(what: &str, name: &str) -> Result<String, String> {
    let value = std::env::var(name).map_err(|e| format!("{what}: {e}"))?;
    if value.len() as u64 > MAX_VALUE_BYTES {
        return Err(format!("{what}: larger than {MAX_VALUE_BYTES} bytes"));
    }
    Ok(value)
}

/// A one-line credential (the legacy `Authorization` value) from at most one of: the text
/// (`@FILE` / `-` / text), a file, an environment variable. Surrounding whitespace and a final
/// newline are removed; an empty value or one with a line break or other control character is
/// an error (it would end or forge the header).
pub fn credential(
    flag: &str,
    value: Option<&str>,
    file: Option<&str>,
    env: Option<&str>,
) -> Result<Option<String>, String> {
    let (what, text) = match (value, file, env) {
        (Some(v), None, None) => (
            flag.to_owned(),
            utf8(flag, text_value(flag, v, MAX_VALUE_BYTES)?)?,
        ),
        (None, Some(f), None) => {
            let what = format!("{flag}-file {f}");
            let text = utf8(&what, file_value(&what, f, MAX_VALUE_BYTES)?)?;
            (what, text)
        }
        (None, None, Some(name)) => {
            let what = format!("{flag}-env {name}");
            let text = env_value(&what, name)?;
            (what, text)
        }
        (None, None, None) => return Ok(None),
        _ => return Err(format!("give {flag} one way only")),
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("{what}: empty"));
    }
    if text.chars().any(|c| c.is_control() && c != '\t') {
        return Err(format!("{what}: must be one line of text"));
    }
    Ok(Some(text.to_owned()))
}

/// `text` with every control character (C0, DEL, C1) and bidirectional-override character
/// escaped (`\x1b`, `\u{202e}`), safe to print to a terminal. Backslashes are left as they are.
pub fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if c.is_control() && u32::from(c) < 0x100 {
            out.push_str(&format!("\\x{:02x}", u32::from(c)));
        } else if c.is_control() || bidi {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// A duration bound: `none`, or seconds as `90`, `90s`, `10m`, `2h`, `1d` or a sum (`1h30m`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bound(pub Option<f64>);

impl Bound {
    /// Parses a `--within` / `--max-wait` value.
    pub fn parse(text: &str) -> Result<Bound, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("none") {
            return Ok(Bound(None));
        }
        let bad = || format!("`{text}` is not a duration like 90s, 10m, 2h, 1h30m or none");
        let mut total = 0.0f64;
        let mut rest = text;
        if rest.is_empty() {
            return Err(bad());
        }
        while !rest.is_empty() {
            let digits = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            let number: f64 = rest[..digits].parse().map_err(|_| bad())?;
            rest = &rest[digits..];
            let unit_len = rest
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(rest.len());
            let factor = match &rest[..unit_len] {
                "" | "s" => 1.0,
                "ms" => 0.001,
                "m" | "min" => 60.0,
                "h" => 3600.0,
                "d" => 86400.0,
                _ => return Err(bad()),
            };
            rest = &rest[unit_len..];
            total += number * factor;
        }
        if !total.is_finite() {
            return Err(bad());
        }
        Ok(Bound(Some(total)))
    }
}

impl std::fmt::Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            None => f.write_str("none"),
            Some(s) => f.write_str(&crate::send::duration_text(s)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_controls() {
        assert_eq!(
            escape_controls("a\u{1b}[2Jb\u{7}\n"),
            "a\\x1b[2Jb\\x07\\x0a"
        );
        assert_eq!(escape_controls("\u{9b}x\u{202e}é"), "\\x9bx\\u{202e}é");
    }

    #[test]
    fn durations() {
        assert_eq!(Bound::parse("90"), Ok(Bound(Some(90.0))));
        assert_eq!(Bound::parse("1h30m"), Ok(Bound(Some(5400.0))));
        assert_eq!(Bound::parse("none"), Ok(Bound(None)));
        assert!(Bound::parse("10 parsecs").is_err());
        assert!(Bound::parse("").is_err());
        assert!(Bound::parse("-5s").is_err());
    }
}

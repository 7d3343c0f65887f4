//! Shared by the Rust hosts of the differential test (`native.rs`, the core itself, and
//! `wasmtime.rs`, the component): the stdio protocol, case fields, body specs and the canonical
//! output forms. The JavaScript twin is `lib.mjs`; both must agree byte for byte.
#![allow(dead_code)]

use std::io::{BufRead, Write};

use serde_json::Value;

/// A case the host cannot read (or the generator should never make): never equals an answer.
pub type Bad = String;

/// Serves the stdio protocol: one JSON case per line, one answer per line, "." ends a batch.
pub fn serve(mut run: impl FnMut(&Value) -> Result<String, Bad>) {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    for line in stdin.lock().lines() {
        let line = line.expect("stdin");
        if line == "." {
            out.write_all(b".\n").expect("stdout");
            out.flush().expect("stdout");
            continue;
        }
        let answer = match serde_json::from_str::<Value>(&line) {
            Ok(c) => run(&c).unwrap_or_else(|why| format!("badcase {why}")),
            Err(_) => "badcase json".to_owned(),
        };
        out.write_all(answer.as_bytes()).expect("stdout");
        out.write_all(b"\n").expect("stdout");
    }
}

// ---------------------------------------------------------------------------------------------
// Case fields

pub fn field<'a>(c: &'a Value, name: &str) -> Result<&'a Value, Bad> {
    c.get(name).ok_or_else(|| format!("missing {name}"))
}

pub fn str_of<'a>(c: &'a Value, name: &str) -> Result<&'a str, Bad> {
    field(c, name)?
        .as_str()
        .ok_or_else(|| format!("{name} is not a string"))
}

/// A string or null.
pub fn opt_str<'a>(c: &'a Value, name: &str) -> Result<Option<&'a str>, Bad> {
    match c.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("{name} is not a string")),
    }
}

/// An integer the JS hosts can carry exactly: |n| ≤ 2^53 − 1.
pub fn safe_int(v: &Value, name: &str) -> Result<i64, Bad> {
    let n = v
        .as_i64()
        .ok_or_else(|| format!("{name} is not an integer"))?;
    if n.unsigned_abs() > MAX_SAFE {
        return Err(format!("{name} is not a safe integer"));
    }
    Ok(n)
}

pub fn int_of(c: &Value, name: &str) -> Result<i64, Bad> {
    safe_int(field(c, name)?, name)
}

pub fn u32_of(c: &Value, name: &str) -> Result<u32, Bad> {
    u32::try_from(int_of(c, name)?).map_err(|_| format!("{name} is not a u32"))
}

pub fn u64_of(c: &Value, name: &str) -> Result<u64, Bad> {
    u64::try_from(int_of(c, name)?).map_err(|_| format!("{name} is negative"))
}

pub fn strings(v: &Value, name: &str) -> Result<Vec<String>, Bad> {
    v.as_array()
        .ok_or_else(|| format!("{name} is not a list"))?
        .iter()
        .map(|s| {
            s.as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("{name} holds a non-string"))
        })
        .collect()
}

pub fn pairs(v: &Value, name: &str) -> Result<Vec<(String, String)>, Bad> {
    v.as_array()
        .ok_or_else(|| format!("{name} is not a list"))?
        .iter()
        .map(|p| match p.as_array().map(Vec::as_slice) {
            Some([Value::String(k), Value::String(v)]) => Ok((k.clone(), v.clone())),
            _ => Err(format!("{name} holds a non-pair")),
        })
        .collect()
}

/// A list, or one comma-separated string.
pub enum Listed {
    List(Vec<String>),
    Text(String),
}

pub fn listed(c: &Value, name: &str) -> Result<Listed, Bad> {
    match field(c, name)? {
        Value::String(s) => Ok(Listed::Text(s.clone())),
        v => strings(v, name).map(Listed::List),
    }
}

/// A key: text (`whsec_`, bare base64, `whpk_`, `whsk_`), raw HMAC secret bytes (a bytes spec),
/// or an ed25519 key's bytes (`{"publicKey": spec}`, `{"signingKey": spec}`).
pub enum SecretSpec {
    Text(String),
    Raw(Vec<u8>),
    PublicKey(Vec<u8>),
    SigningKey(Vec<u8>),
}

pub fn secrets(c: &Value) -> Result<Vec<SecretSpec>, Bad> {
    field(c, "secrets")?
        .as_array()
        .ok_or("secrets is not a list")?
        .iter()
        .map(|s| match s {
            Value::String(t) => Ok(SecretSpec::Text(t.clone())),
            Value::Object(o) if o.contains_key("publicKey") => {
                expand(&o["publicKey"]).map(SecretSpec::PublicKey)
            }
            Value::Object(o) if o.contains_key("signingKey") => {
                expand(&o["signingKey"]).map(SecretSpec::SigningKey)
            }
            spec => expand(spec).map(SecretSpec::Raw),
        })
        .collect()
}

pub enum Tol {
    Default,
    Seconds(u64),
    Ignore,
}

/// `tol`: absent or null (the default), seconds, or `"ignore"`.
pub fn tolerance(c: &Value) -> Result<Tol, Bad> {
    match c.get("tol").unwrap_or(&Value::Null) {
        Value::Null => Ok(Tol::Default),
        Value::String(s) if s == "ignore" => Ok(Tol::Ignore),
        v => u64::try_from(safe_int(v, "tol")?)
            .map(Tol::Seconds)
            .map_err(|_| "negative tol".to_owned()),
    }
}

/// `max`: absent or null (none), or bytes.
pub fn max_payload(c: &Value) -> Result<Option<u64>, Bad> {
    match c.get("max").unwrap_or(&Value::Null) {
        Value::Null => Ok(None),
        v => u64::try_from(safe_int(v, "max")?)
            .map(Some)
            .map_err(|_| "negative max".to_owned()),
    }
}

/// The body of a case, checked against the JS form it travels in (`as`).
pub fn body(c: &Value, name: &str) -> Result<Vec<u8>, Bad> {
    let bytes = expand(field(c, name)?)?;
    if opt_str(c, "as")? == Some("string") && std::str::from_utf8(&bytes).is_err() {
        return Err("string body that is not UTF-8".into());
    }
    Ok(bytes)
}

/// Header pairs, checked against the JS form they travel in (`via`): an object or a Map cannot
/// hold one name twice, fetch `Headers` joins names that differ in case and trims values.
pub fn header_pairs(c: &Value, name: &str) -> Result<Vec<(String, String)>, Bad> {
    let list = pairs(field(c, name)?, name)?;
    let via = opt_str(c, "via")?.unwrap_or("pairs");
    let distinct = |key: &dyn Fn(&str) -> String| {
        let mut seen = std::collections::HashSet::new();
        list.iter().all(|(k, _)| seen.insert(key(k)))
    };
    let ok = match via {
        "pairs" => true,
        "object" | "map" => distinct(&|k| k.to_owned()),
        "headers" => {
            distinct(&|k| k.to_ascii_lowercase())
                && list.iter().all(|(k, v)| {
                    !k.is_empty()
                        && k.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
                        && v.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
                        && !v.starts_with([' ', '\t'])
                        && !v.ends_with([' ', '\t'])
                })
        }
        _ => return Err(format!("via {via}")),
    };
    if ok {
        Ok(list)
    } else {
        Err(format!("pairs that {via} cannot carry"))
    }
}

// ---------------------------------------------------------------------------------------------
// Byte specs (lib.mjs describes them)

pub const UTF8_CHARS: [&str; 25] = [
    "a",
    "Z",
    "0",
    " ",
    "{",
    "\"",
    "\\",
    "/",
    ":",
    ",",
    "\u{0}",
    "\n",
    "\u{7f}",
    "\u{e9}",
    "\u{301}",
    "\u{ff}",
    "\u{2028}",
    "\u{2029}",
    "\u{feff}",
    "\u{fffd}",
    "\u{6771}",
    "\u{4eac}",
    "\u{1f680}",
    "\u{10000}",
    "\u{10ffff}",
];

pub struct XorShift32(u32);

impl XorShift32 {
    pub fn new(seed: u32) -> Self {
        XorShift32(if seed == 0 { 0x9e37_79b9 } else { seed })
    }

    pub fn next(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }
}

pub fn fill(seed: u32, len: usize, kind: &str) -> Result<Vec<u8>, Bad> {
    let mut r = XorShift32::new(seed);
    let mut out = Vec::with_capacity(len);
    match kind {
        "bytes" => out.extend((0..len).map(|_| r.next() as u8)),
        "ascii" => out.extend((0..len).map(|_| 0x20 + (r.next() % 95) as u8)),
        "text" => out.extend((0..len).map(|_| match 0x20 + (r.next() % 95) as u8 {
            b'"' => b'a',
            b'\\' => b'b',
            b => b,
        })),
        "utf8" => {
            loop {
                let c = UTF8_CHARS[(r.next() % UTF8_CHARS.len() as u32) as usize].as_bytes();
                if out.len() + c.len() > len {
                    break;
                }
                out.extend_from_slice(c);
            }
            out.resize(len, b'x');
        }
        _ => return Err(format!("fill kind {kind}")),
    }
    Ok(out)
}

pub fn from_hex(hex: &str) -> Result<Vec<u8>, Bad> {
    if !hex.len().is_multiple_of(2) || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err("hex".into());
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| "hex".to_owned()))
        .collect()
}

pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn expand(spec: &Value) -> Result<Vec<u8>, Bad> {
    let bad = || "bytes spec".to_owned();
    match spec {
        Value::String(s) => Ok(s.as_bytes().to_vec()),
        Value::Object(o) => {
            if let Some(hex) = o.get("hex") {
                return from_hex(hex.as_str().ok_or_else(bad)?);
            }
            if let Some(f) = o.get("fill") {
                let (seed, len, kind) = match f.as_array().map(Vec::as_slice) {
                    Some([s, l, Value::String(k)]) => (s.as_u64(), l.as_u64(), k),
                    _ => return Err(bad()),
                };
                let seed = seed.and_then(|s| u32::try_from(s).ok()).ok_or_else(bad)?;
                let len = len.filter(|&l| l <= 1 << 24).ok_or_else(bad)? as usize;
                return fill(seed, len, kind);
            }
            if let Some(parts) = o.get("cat") {
                let mut out = Vec::new();
                for p in parts.as_array().ok_or_else(bad)? {
                    out.extend(expand(p)?);
                }
                return Ok(out);
            }
            if let Some(s) = o.get("slice") {
                let Some([inner, start, end]) = s.as_array().map(Vec::as_slice) else {
                    return Err(bad());
                };
                let b = expand(inner)?;
                let clamp = |v: &Value| v.as_i64().map(|n| n.clamp(0, b.len() as i64) as usize);
                let start = clamp(start).ok_or_else(bad)?;
                let end = clamp(end).ok_or_else(bad)?.max(start);
                return Ok(b[start..end].to_vec());
            }
            if let Some(x) = o.get("xor") {
                let Some([inner, edits]) = x.as_array().map(Vec::as_slice) else {
                    return Err(bad());
                };
                let mut b = expand(inner)?;
                for e in edits.as_array().ok_or_else(bad)? {
                    let Some([pos, mask]) = e.as_array().map(Vec::as_slice) else {
                        return Err(bad());
                    };
                    let (pos, mask) = (
                        pos.as_u64().ok_or_else(bad)?,
                        mask.as_u64().ok_or_else(bad)?,
                    );
                    if !b.is_empty() {
                        let i = (pos % b.len() as u64) as usize;
                        b[i] ^= mask as u8;
                    }
                }
                return Ok(b);
            }
            Err(bad())
        }
        _ => Err(bad()),
    }
}

// ---------------------------------------------------------------------------------------------
// Canonical output forms

const MAX_SAFE: u64 = (1 << 53) - 1;

/// `JSON.stringify(s)` for a string.
pub fn q(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// JavaScript's `String(number)` (Number::toString) for a finite double.
pub fn js_number(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    if !x.is_finite() {
        return if x.is_nan() {
            "NaN".into()
        } else if x > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    let sign = if x < 0.0 { "-" } else { "" };
    // Shortest round-trip digits, as `{:e}` gives them: d[.ddd]e±x.
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap();
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i64;
    let n = exp.parse::<i64>().unwrap() + 1;
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let e = if e < 0 {
            format!("e-{}", -e)
        } else {
            format!("e+{e}")
        };
        if k == 1 {
            format!("{digits}{e}")
        } else {
            format!("{}.{}{e}", &digits[..1], &digits[1..])
        }
    };
    format!("{sign}{body}")
}

/// An integer in canonical output: exact while |n| ≤ 2^53 − 1, else `≈` and the nearest double.
pub fn int_i64(n: i64) -> String {
    if n.unsigned_abs() <= MAX_SAFE {
        n.to_string()
    } else {
        format!("≈{}", js_number(n as f64))
    }
}

pub fn int_u64(n: u64) -> String {
    if n <= MAX_SAFE {
        n.to_string()
    } else {
        format!("≈{}", js_number(n as f64))
    }
}

pub fn optional_i64(n: Option<i64>) -> String {
    n.map_or_else(|| "none".into(), int_i64)
}

pub fn optional_u64(n: Option<u64>) -> String {
    n.map_or_else(|| "none".into(), int_u64)
}

/// A JSON text (already validated by the core) in canonical output, as `canon(JSON.parse(raw))`
/// in lib.mjs: keys sorted by UTF-16 code units with duplicates resolved last-wins, numbers
/// as JavaScript prints doubles (non-finite as `null`).
pub fn canon_json(raw: &str) -> String {
    let mut p = Json {
        s: raw.as_bytes(),
        i: 0,
    };
    let mut out = String::new();
    p.ws();
    p.value(&mut out);
    out
}

pub fn opt_canon(raw: Option<&str>) -> String {
    raw.map_or_else(|| "null".into(), canon_json)
}

struct Json<'a> {
    s: &'a [u8],
    i: usize,
}

impl Json<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn value(&mut self, out: &mut String) {
        match self.s[self.i] {
            b'{' => {
                self.i += 1;
                let mut members: Vec<(String, String)> = Vec::new();
                self.ws();
                if self.s[self.i] == b'}' {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        let key = self.string();
                        self.ws();
                        self.i += 1; // ':'
                        self.ws();
                        let mut v = String::new();
                        self.value(&mut v);
                        match members.iter_mut().find(|(k, _)| *k == key) {
                            Some(slot) => slot.1 = v,
                            None => members.push((key, v)),
                        }
                        self.ws();
                        let c = self.s[self.i];
                        self.i += 1;
                        if c == b'}' {
                            break;
                        }
                    }
                }
                members.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
                out.push('{');
                for (n, (k, v)) in members.iter().enumerate() {
                    if n > 0 {
                        out.push(',');
                    }
                    out.push_str(&q(k));
                    out.push(':');
                    out.push_str(v);
                }
                out.push('}');
            }
            b'[' => {
                self.i += 1;
                out.push('[');
                self.ws();
                if self.s[self.i] == b']' {
                    self.i += 1;
                } else {
                    let mut first = true;
                    loop {
                        if !first {
                            out.push(',');
                        }
                        first = false;
                        self.ws();
                        self.value(out);
                        self.ws();
                        let c = self.s[self.i];
                        self.i += 1;
                        if c == b']' {
                            break;
                        }
                    }
                }
                out.push(']');
            }
            b'"' => {
                let s = self.string();
                out.push_str(&q(&s));
            }
            b't' => {
                self.i += 4;
                out.push_str("true");
            }
            b'f' => {
                self.i += 5;
                out.push_str("false");
            }
            b'n' => {
                self.i += 4;
                out.push_str("null");
            }
            _ => {
                let start = self.i;
                while self.i < self.s.len()
                    && matches!(
                        self.s[self.i],
                        b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                    )
                {
                    self.i += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.i]).unwrap();
                let x: f64 = text.parse().unwrap();
                out.push_str(&if x.is_finite() {
                    js_number(x)
                } else {
                    "null".into()
                });
            }
        }
    }

    /// A JSON string (the core validated it: escapes well formed, no lone surrogates).
    fn string(&mut self) -> String {
        self.i += 1;
        let mut units: Vec<u16> = Vec::new();
        loop {
            let start = self.i;
            while self.s[self.i] != b'"' && self.s[self.i] != b'\\' {
                self.i += 1;
            }
            units.extend(
                std::str::from_utf8(&self.s[start..self.i])
                    .unwrap()
                    .encode_utf16(),
            );
            if self.s[self.i] == b'"' {
                self.i += 1;
                return String::from_utf16(&units).unwrap();
            }
            self.i += 1;
            let c = self.s[self.i];
            self.i += 1;
            match c {
                b'u' => {
                    let hex = std::str::from_utf8(&self.s[self.i..self.i + 4]).unwrap();
                    units.push(u16::from_str_radix(hex, 16).unwrap());
                    self.i += 4;
                }
                b'b' => units.push(8),
                b'f' => units.push(12),
                b'n' => units.push(10),
                b'r' => units.push(13),
                b't' => units.push(9),
                other => units.push(u16::from(other)),
            }
        }
    }
}

/// The fields of a parsed event, whatever host type they came from.
pub enum EventOut {
    Current {
        id: Option<String>,
        event_type: String,
        generated_date: Option<String>,
        company_id: Option<String>,
        company_name: Option<String>,
        tags: Vec<(String, String)>,
        payload: Option<String>,
    },
    Legacy {
        rule_type: String,
        company_id: Option<String>,
        client_id: Option<String>,
        client_name: Option<String>,
        data_connection_id: Option<String>,
        rule_id: Option<String>,
        alert_id: Option<String>,
        message: Option<String>,
        data: Option<String>,
    },
}

fn oq(s: &Option<String>) -> String {
    s.as_deref().map_or_else(|| "null".into(), q)
}

/// Tags sorted by key (UTF-16 code units), as `[[k,v],…]`.
pub fn tags_line(tags: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = tags.iter().collect();
    sorted.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
    let items: Vec<String> = sorted
        .iter()
        .map(|(k, v)| format!("[{},{}]", q(k), q(v)))
        .collect();
    format!("[{}]", items.join(","))
}

pub fn event_line(e: &EventOut) -> String {
    match e {
        EventOut::Current {
            id,
            event_type,
            generated_date,
            company_id,
            company_name,
            tags,
            payload,
        } => format!(
            "event current id={} type={} date={} company={} name={} tags={} payload={}",
            oq(id),
            q(event_type),
            oq(generated_date),
            oq(company_id),
            oq(company_name),
            tags_line(tags),
            opt_canon(payload.as_deref()),
        ),
        EventOut::Legacy {
            rule_type,
            company_id,
            client_id,
            client_name,
            data_connection_id,
            rule_id,
            alert_id,
            message,
            data,
        } => format!(
            "event legacy type={} company={} client={} clientName={} connection={} rule={} alert={} message={} tags=[] data={}",
            q(rule_type),
            oq(company_id),
            oq(client_id),
            oq(client_name),
            oq(data_connection_id),
            oq(rule_id),
            oq(alert_id),
            oq(message),
            opt_canon(data.as_deref()),
        ),
    }
}

/// A response header (`retry-after`, `webhook-delivery`) from the case's pairs by the core's rule
/// for header lists: the first name that matches ASCII-case-insensitively.
pub fn response_header<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// `"legacy"` / `"current"`.
pub fn policy_name(c: &Value) -> Result<&str, Bad> {
    match str_of(c, "policy")? {
        p @ ("legacy" | "current") => Ok(p),
        p => Err(format!("policy {p}")),
    }
}

/// An attempt's outcome: a status code, `"timeout"` or `"connection_error"`.
pub enum OutcomeIn {
    Status(u16),
    Timeout,
    ConnectionError,
}

pub fn outcome(c: &Value) -> Result<OutcomeIn, Bad> {
    match field(c, "outcome")? {
        Value::String(s) if s == "timeout" => Ok(OutcomeIn::Timeout),
        Value::String(s) if s == "connection_error" => Ok(OutcomeIn::ConnectionError),
        v => v
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .map(OutcomeIn::Status)
            .ok_or_else(|| "outcome".to_owned()),
    }
}

/// Steps of a replay case: `[id, now]` checks, `[id]` forgets.
pub fn replay_steps(c: &Value) -> Result<Vec<(String, Option<i64>)>, Bad> {
    field(c, "steps")?
        .as_array()
        .ok_or("steps")?
        .iter()
        .map(|s| match s.as_array().map(Vec::as_slice) {
            Some([Value::String(id)]) => Ok((id.clone(), None)),
            Some([Value::String(id), now]) => Ok((id.clone(), Some(safe_int(now, "now")?))),
            _ => Err("step".to_owned()),
        })
        .collect()
}

/// Milliseconds of a rate-limit step: 0 ≤ ms ≤ 8.64e15 (what a JS Date holds).
pub fn rate_steps(c: &Value) -> Result<Vec<u64>, Bad> {
    field(c, "steps")?
        .as_array()
        .ok_or("steps")?
        .iter()
        .map(|s| {
            s.as_u64()
                .filter(|&ms| ms <= 8_640_000_000_000_000)
                .ok_or_else(|| "step".to_owned())
        })
        .collect()
}

/// Steps of a per-source limit case: `[source, ms]`, ms as in [`rate_steps`].
pub fn source_rate_steps(c: &Value) -> Result<Vec<(String, u64)>, Bad> {
    field(c, "steps")?
        .as_array()
        .ok_or("steps")?
        .iter()
        .map(|s| match s.as_array().map(Vec::as_slice) {
            Some([Value::String(source), ms]) => ms
                .as_u64()
                .filter(|&ms| ms <= 8_640_000_000_000_000)
                .map(|ms| (source.clone(), ms))
                .ok_or_else(|| "step".to_owned()),
            _ => Err("step".to_owned()),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Two-phase acceptance

/// An acceptance id: a string, or `{"repeat": s, "times": n}` for long ones.
pub fn acceptance_id(v: &Value) -> Result<String, Bad> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Object(o) => {
            let s = o.get("repeat").and_then(Value::as_str).ok_or("id")?;
            let n = o.get("times").and_then(Value::as_u64).ok_or("id")?;
            if s.len() as u64 * n > 1 << 24 {
                return Err("id too long for a case".into());
            }
            Ok(s.repeat(n as usize))
        }
        _ => Err("id".into()),
    }
}

/// An acceptance operation as the cases give it, with the token for commit, abort and enqueue.
pub enum AcceptOpIn {
    Begin,
    Commit(i64),
    Abort(i64),
    Enqueue(i64),
}

pub fn accept_op(op: &str, token: i64) -> Result<AcceptOpIn, Bad> {
    match op {
        "begin" => Ok(AcceptOpIn::Begin),
        "commit" => Ok(AcceptOpIn::Commit(token)),
        "abort" => Ok(AcceptOpIn::Abort(token)),
        "enqueue" => Ok(AcceptOpIn::Enqueue(token)),
        _ => Err(format!("op {op}")),
    }
}

/// A stored entry as the cases give it: null, or `{"state": "in_flight" | "done", "deadline"}`.
pub fn accept_entry(v: &Value) -> Result<Option<(bool, i64)>, Bad> {
    match v {
        Value::Null => Ok(None),
        o => {
            let deadline = safe_int(o.get("deadline").ok_or("deadline")?, "deadline")?;
            match o.get("state").and_then(Value::as_str) {
                Some("in_flight") => Ok(Some((true, deadline))),
                Some("done") => Ok(Some((false, deadline))),
                _ => Err("state".into()),
            }
        }
    }
}

/// A step's token: a number, or the token the begin of step `from` answered (0 if none).
pub fn step_token(v: Option<&Value>, tokens: &[Option<i64>]) -> Result<i64, Bad> {
    match v {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Object(o)) => {
            let from = o.get("from").and_then(Value::as_u64).ok_or("token")? as usize;
            Ok(tokens.get(from).copied().flatten().unwrap_or(0))
        }
        Some(n) => safe_int(n, "token"),
    }
}

/// An answer in canonical form: `new:<token>`, `in_flight:<seconds>`, or its name.
pub fn accept_answer(name: &str, value: Option<i64>) -> String {
    match (name, value) {
        ("new" | "in_flight", Some(v)) => format!("{name}:{}", int_i64(v)),
        _ => name.to_owned(),
    }
}

/// An entry in canonical form: `none`, `in_flight:<deadline>` or `done:<deadline>`.
pub fn accept_entry_line(entry: Option<(bool, i64)>) -> String {
    match entry {
        None => "none".into(),
        Some((true, d)) => format!("in_flight:{}", int_i64(d)),
        Some((false, d)) => format!("done:{}", int_i64(d)),
    }
}

/// The canonical line of a consumer case (steps in the vectors' shape, an answer's body as its
/// JSON text). Twin of `consumerLine` in lib.mjs.
pub fn consumer_line(steps: &[Value]) -> String {
    let o = |v: &Value| v.as_str().map_or_else(|| "null".to_owned(), q);
    let n = |v: &Value| match v {
        Value::Null => "null".to_owned(),
        v => v.to_string(),
    };
    let text = |s: &Value| -> String {
        if let Some(e) = s.get("error") {
            return format!("error {}", e.as_str().unwrap_or("?"));
        }
        match s["step"].as_str().unwrap_or("") {
            "read_body" => format!("read_body {} {}", n(&s["maxBytes"]), n(&s["waitMs"])),
            "check_source" => "check_source".to_owned(),
            "check_rate" => format!("check_rate {}", n(&s["waitMs"])),
            "begin" => format!("begin {} {} {}", o(&s["id"]), o(&s["key"]), n(&s["waitMs"])),
            "deliver" => format!(
                "deliver {} {} {} {} {}",
                o(&s["id"]),
                n(&s["token"]),
                o(&s["eventType"]),
                o(&s["companyId"]),
                n(&s["waitMs"])
            ),
            step @ ("commit" | "abort") => format!(
                "{step} {} {} {} {}",
                o(&s["id"]),
                o(&s["key"]),
                n(&s["token"]),
                n(&s["waitMs"])
            ),
            "answer" => format!(
                "answer {} {} {} {} {} {}",
                n(&s["status"]),
                o(&s["body"]),
                n(&s["retryAfter"]),
                o(&s["allow"]),
                s["close"].as_bool().unwrap_or(false),
                s["sender"].as_str().unwrap_or("?")
            ),
            other => format!("!step={}", q(other)),
        }
    };
    let parts: Vec<String> = steps.iter().map(text).collect();
    format!("consumer {}", parts.join(" | "))
}

//! The conformance vector suite (`tests/vectors/*.json`) over any Rust-side host: the native
//! core (`tests/vectors.rs`) and the Wasmtime component host (`tests/wasmtime-host`). A host
//! implements [`Host`] by mapping plain inputs to its API; the expected values come only from
//! the vector files. Every failure names its file and `tcId`.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Map, Value, json};

/// A key as the vectors give it: text (`whsec_`/`whpk_`/`whsk_`/bare base64), or raw bytes of an
/// HMAC secret, an ed25519 public key or an ed25519 signing key.
#[derive(Debug, Clone)]
pub enum SecretIn {
    Text(String),
    Raw(Vec<u8>),
    PublicKey(Vec<u8>),
    SigningKey(Vec<u8>),
}

impl SecretIn {
    /// Whether this is a v1a (ed25519) key, which a build without the `v1a` feature refuses.
    pub fn is_asymmetric(&self) -> bool {
        match self {
            SecretIn::Text(t) => t.starts_with("whpk_") || t.starts_with("whsk_"),
            SecretIn::Raw(_) => false,
            SecretIn::PublicKey(_) | SecretIn::SigningKey(_) => true,
        }
    }
}

/// Timestamp tolerance as the vectors give it.
#[derive(Debug, Clone, Copy)]
pub enum Tol {
    Default,
    Seconds(u64),
    Ignore,
}

/// A verifier's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub secrets: Vec<SecretIn>,
    pub tolerance: Tol,
    pub max_payload: Option<u64>,
    /// Read text keys as svix does, through an HMAC-only constructor (bare base64 is a
    /// secret): `signature.json`'s `result`. Otherwise through a constructor that takes both
    /// kinds, where unprefixed text is refused (`kindsStated`, and all of `v1a.json`).
    pub svix_reading: bool,
}

/// A filter given as a list or as one comma-separated string.
#[derive(Debug, Clone)]
pub enum Filter {
    List(Vec<String>),
    Text(String),
}

/// An error code, with the header name or entry index it names, if any.
pub type Coded = (String, Option<Value>);

pub trait Host {
    /// Whether the host has an HMAC-only constructor with svix's reading of text keys (see
    /// [`Config::svix_reading`]); `signature.json` then runs through it as well.
    fn has_svix_reading(&self) -> bool {
        false
    }
    /// Builds a verifier of `secrets` with the tolerance and payload bound given as a host's
    /// numbers (`signature.json` op `options`); `None` for a host whose option types cannot
    /// hold a negative or fractional value (those cases are skipped).
    fn number_options(
        &mut self,
        _secrets: &[SecretIn],
        _tolerance: Option<f64>,
        _max_payload: Option<f64>,
    ) -> Option<Result<(), String>> {
        None
    }
    /// `Ok((id, timestamp))` or the error code (+ header name for header errors).
    fn verify(
        &mut self,
        cfg: &Config,
        headers: &[(String, String)],
        body: &[u8],
        now: i64,
    ) -> Result<(String, i64), Coded>;
    fn sign(
        &mut self,
        cfg: &Config,
        id: &str,
        timestamp: i64,
        body: &[u8],
    ) -> Result<String, String>;
    fn hmac(&mut self, key: &[u8], data: &[u8]) -> Vec<u8>;
    /// Strict ed25519 verification: `Ok(valid?)`, or the error code for a refused key.
    fn ed25519_verify(&mut self, public_key: &[u8], msg: &[u8], sig: &[u8])
    -> Result<bool, String>;
    /// ed25519 signature with a seed (or seed ‖ public key), or the error code.
    fn ed25519_sign(&mut self, signing_key: &[u8], msg: &[u8]) -> Result<Vec<u8>, String>;
    fn authorization(&mut self, expected: &Value, header: Option<&str>) -> Result<(), String>;
    /// `outcome` is `{"status": n}`, `"timeout"` or `"connection_error"`.
    fn classify(
        &mut self,
        policy: &str,
        outcome: &Value,
        retry_after: Option<&str>,
        delivery: Option<&str>,
    ) -> String;
    /// The decision in the vectors' shape: `{"action": …, "at"?: …, "reason"?: …}`.
    fn next_attempt(
        &mut self,
        policy: &str,
        attempt: u32,
        outcome: &Value,
        retry_after: Option<&str>,
        delivery: Option<&str>,
        now: i64,
    ) -> Value;
    fn parse_retry_after(&mut self, value: &str, now: i64) -> Option<u64>;
    fn parse_http_date(&mut self, value: &str, now: i64) -> Option<i64>;
    fn format_http_date(&mut self, unix: i64) -> Option<String>;
    fn tag_filter(&mut self, filter: &Filter, company: &[(String, String)]) -> Result<bool, Coded>;
    /// `{kind, eventType, companyId, companyTags}` plus `id`, `generatedDate` (current) or
    /// `clientId` (legacy).
    fn parse_event(&mut self, body: &[u8]) -> Result<Value, String>;
    fn event_type_filter(&mut self, patterns: &Filter, event_type: &str) -> Result<bool, Coded>;
    fn client_id(&mut self, expected: &str, header: Option<&str>) -> Result<(), String>;
    /// `allowlist` `None` is Codat's default list.
    fn source(&mut self, allowlist: Option<&[String]>, address: &str) -> Result<bool, Coded>;
    /// `"allow"` or the Retry-After seconds, per step.
    fn rate_limit(
        &mut self,
        per_second: u32,
        burst: u32,
        steps_ms: &[u64],
    ) -> Result<Vec<Value>, String>;
    /// `"allow"` or the Retry-After seconds, per `(source, now_ms)` step.
    fn source_limit(
        &mut self,
        per_second: u32,
        burst: u32,
        capacity: u32,
        steps: &[(String, u64)],
    ) -> Result<Vec<Value>, String>;
    /// Steps of `(id, now, forget)`; `"new"`/`"duplicate"` per checked step.
    fn replay(
        &mut self,
        capacity: u32,
        ttl: u64,
        steps: &[(String, i64, bool)],
    ) -> Result<Vec<Value>, String>;
    /// The store key of `id`, or the error code.
    fn acceptance_key(&mut self, id: &str) -> Result<String, String>;
    /// A fresh guard (`capacity`: memory store size, `None` for the default), then each step;
    /// each step's answer in the vectors' `expected` shape. `Err(code)` if the configuration
    /// is refused.
    fn acceptance_sequence(
        &mut self,
        window: u64,
        lease: u64,
        capacity: Option<u32>,
        steps: &[AcceptStep],
    ) -> Result<Vec<Value>, String>;
    /// `consumer.json`: builds a consumer from `settings` (the vectors' JSON), starts an
    /// exchange with `request` and feeds each of `feeds`; returns the step after the start and
    /// after each feed in the vectors' shape (an answer's `body` as text or as the object), or
    /// the settings' error code.
    fn consumer(
        &mut self,
        settings: &Value,
        request: &Value,
        feeds: &[Value],
    ) -> Result<Vec<Value>, String>;
    /// The pure transition: `{entry, answer}` in the vectors' shape.
    fn acceptance_transition(
        &mut self,
        window: u64,
        lease: u64,
        entry: Option<AcceptEntry>,
        op: AcceptOp,
        now: i64,
    ) -> Result<Value, String>;
}

/// An acceptance operation, with the token for commit and abort.
#[derive(Debug, Clone, Copy)]
pub enum AcceptOp {
    Begin,
    Commit(i64),
    Abort(i64),
}

/// A stored acceptance entry: in flight (lease deadline) or done (window end).
#[derive(Debug, Clone, Copy)]
pub enum AcceptEntry {
    InFlight(i64),
    Done(i64),
}

/// One step of a sequence.
#[derive(Debug, Clone)]
pub struct AcceptStep {
    pub op: AcceptOp,
    pub id: String,
    pub now: i64,
}

/// The vectors' shape of an entry.
pub fn entry_json(e: Option<AcceptEntry>) -> Value {
    match e {
        None => Value::Null,
        Some(AcceptEntry::InFlight(d)) => json!({"state": "in_flight", "deadline": d}),
        Some(AcceptEntry::Done(d)) => json!({"state": "done", "deadline": d}),
    }
}

/// An id as the vectors give it: a string or `{repeat, times}`.
pub fn id_of(v: &Value) -> String {
    match v.as_str() {
        Some(s) => s.to_owned(),
        None => v["repeat"]
            .as_str()
            .unwrap()
            .repeat(v["times"].as_u64().unwrap() as usize),
    }
}

pub const FILES: [&str; 12] = [
    "signature.json",
    "v1a.json",
    "hmac.json",
    "authorization.json",
    "classify.json",
    "retry_after.json",
    "tags.json",
    "events.json",
    "filters.json",
    "guards.json",
    "acceptance.json",
    "consumer.json",
];

pub fn load(dir: &Path, name: &str) -> Vec<Value> {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc: Value = serde_json::from_str(&text).unwrap();
    let tests = doc["tests"].as_array().unwrap().clone();
    assert_eq!(
        doc["numberOfTests"].as_u64().unwrap() as usize,
        tests.len(),
        "{name}"
    );
    tests
}

/// Runs every file; returns the number of cases and the failures.
pub fn run_all(host: &mut impl Host, dir: &Path) -> (usize, Vec<String>) {
    let mut total = 0;
    let mut failures = Vec::new();
    for name in FILES {
        let (n, mut f) = run_file(host, dir, name);
        total += n;
        failures.append(&mut f);
    }
    (total, failures)
}

/// Runs one file; returns the number of cases and the failures.
pub fn run_file(host: &mut impl Host, dir: &Path, name: &str) -> (usize, Vec<String>) {
    let tests = load(dir, name);
    let mut failures = Vec::new();
    for t in &tests {
        if let Err(why) = run_case(host, name, t) {
            failures.push(format!(
                "{name} tcId {} ({}): {why}",
                t["tcId"], t["comment"]
            ));
        }
    }
    (tests.len(), failures)
}

/// Runs one case of the file `name`.
pub fn run_case(host: &mut impl Host, name: &str, t: &Value) -> Result<(), String> {
    {
        match name {
            "signature.json" => signature(host, t),
            "v1a.json" => v1a(host, t),
            "hmac.json" => hmac(host, t),
            "authorization.json" => expect(
                "verdict",
                verdict(host.authorization(&t["expected"], t["header"].as_str())),
                want(t),
            ),
            "classify.json" => classify(host, t),
            "retry_after.json" => retry_after(host, t),
            "tags.json" => tags(host, t),
            "events.json" => events(host, t),
            "filters.json" => filters(host, t),
            "guards.json" => guards(host, t),
            "acceptance.json" => acceptance(host, t),
            "consumer.json" => consumer(host, t),
            _ => Err(format!("no runner for {name}")),
        }
    }
}

/// Panics with every failure listed.
pub fn assert_clean(total: usize, failures: &[String], at_least: usize) {
    let mut text = String::new();
    for f in failures {
        writeln!(text, "  {f}").unwrap();
    }
    assert!(
        failures.is_empty(),
        "{} vector failures:\n{text}",
        failures.len()
    );
    assert!(total >= at_least, "only {total} vectors ran");
}

fn expect<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, want {want:?}"))
    }
}

fn want(t: &Value) -> Value {
    if t["result"] == "valid" {
        json!("valid")
    } else {
        t["error"].clone()
    }
}

fn verdict(r: Result<(), String>) -> Value {
    match r {
        Ok(()) => json!("valid"),
        Err(code) => json!(code),
    }
}

pub fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn body(t: &Value) -> Vec<u8> {
    match (&t["body"], &t["bodyHex"]) {
        (Value::String(s), _) => s.as_bytes().to_vec(),
        (_, Value::String(h)) => hex(h),
        _ => panic!("case without body"),
    }
}

pub fn config(t: &Value) -> Config {
    let list = if t["keys"].is_array() {
        &t["keys"]
    } else {
        &t["secrets"]
    };
    let secrets = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| match s {
            Value::String(text) => SecretIn::Text(text.clone()),
            o => match (&o["hex"], &o["publicKeyHex"], &o["signingKeyHex"]) {
                (Value::String(h), _, _) => SecretIn::Raw(hex(h)),
                (_, Value::String(h), _) => SecretIn::PublicKey(hex(h)),
                (_, _, Value::String(h)) => SecretIn::SigningKey(hex(h)),
                _ => panic!("unknown key form {o}"),
            },
        })
        .collect();
    let tolerance = match &t["tolerance"] {
        Value::Null => Tol::Default,
        Value::String(s) if s == "ignore" => Tol::Ignore,
        n => Tol::Seconds(n.as_u64().unwrap()),
    };
    Config {
        secrets,
        tolerance,
        max_payload: t["maxPayload"].as_u64(),
        svix_reading: false,
    }
}

/// `signature.json`: through the svix reading where the host has one (`result`), and through
/// the constructor taking both kinds (`kindsStated` where given, else `result`).
fn signature(host: &mut impl Host, t: &Value) -> Result<(), String> {
    if t["op"] == "options" {
        let secrets = config(&json!({"secrets": t["secrets"]})).secrets;
        return match host.number_options(
            &secrets,
            t["tolerance"].as_f64(),
            t["maxPayload"].as_f64(),
        ) {
            Some(got) => expect("verdict", verdict(got), want(t)),
            None => Ok(()),
        };
    }
    if host.has_svix_reading() {
        one_signature(host, t, true).map_err(|e| format!("svix reading: {e}"))?;
    }
    let stated = match t.get("kindsStated") {
        Some(k) => {
            let mut t = t.clone();
            t["result"] = k["result"].clone();
            t["error"] = k["error"].clone();
            t
        }
        None => t.clone(),
    };
    one_signature(host, &stated, false)
}

fn one_signature(host: &mut impl Host, t: &Value, svix_reading: bool) -> Result<(), String> {
    let cfg = Config {
        svix_reading,
        ..config(t)
    };
    if t["op"] == "sign" {
        let got = host.sign(
            &cfg,
            t["id"].as_str().unwrap(),
            t["timestamp"].as_i64().unwrap(),
            &body(t),
        );
        return match got {
            Ok(sig) if t["result"] != "invalid" => {
                expect("signature", sig.as_str(), t["expected"].as_str().unwrap())
            }
            Ok(sig) => Err(format!("signed {sig:?}, want {}", t["error"])),
            Err(code) => expect("verdict", json!(code), want(t)),
        };
    }
    let headers: Vec<(String, String)> = t["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_owned(),
                p[1].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    match host.verify(&cfg, &headers, &body(t), t["now"].as_i64().unwrap()) {
        Ok((id, _)) => {
            expect("verdict", json!("valid"), want(t))?;
            let sent = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("svix-id"))
                .or_else(|| {
                    headers
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("webhook-id"))
                })
                .map(|(_, v)| v.clone());
            expect("verified id", Some(id), sent)
        }
        Err((code, named)) => {
            expect("verdict", json!(code), want(t))?;
            if let Some(h) = t.get("header") {
                expect("header", named.as_ref(), Some(h))?;
            }
            Ok(())
        }
    }
}

fn v1a(host: &mut impl Host, t: &Value) -> Result<(), String> {
    match t["op"].as_str().unwrap() {
        "verify" | "sign" => one_signature(host, t, false),
        "ed25519_verify" => {
            let got = host.ed25519_verify(
                &hex(t["publicKeyHex"].as_str().unwrap()),
                &hex(t["msgHex"].as_str().unwrap()),
                &hex(t["sigHex"].as_str().unwrap()),
            );
            let got = match got {
                Ok(true) => json!("valid"),
                Ok(false) => json!("invalid"),
                Err(code) => json!(code),
            };
            let want = match &t["error"] {
                Value::String(_) => t["error"].clone(),
                _ => t["result"].clone(),
            };
            expect("verdict", got, want)
        }
        "ed25519_sign" => {
            let got = host.ed25519_sign(
                &hex(t["signingKeyHex"].as_str().unwrap()),
                &hex(t["msgHex"].as_str().unwrap()),
            );
            match got {
                Ok(sig) => expect(
                    "signature",
                    Some(sig.iter().map(|b| format!("{b:02x}")).collect::<String>()),
                    t["expected"].as_str().map(str::to_owned),
                ),
                Err(code) => expect("verdict", json!(code), want(t)),
            }
        }
        op => Err(format!("unknown op {op}")),
    }
}

fn hmac(host: &mut impl Host, t: &Value) -> Result<(), String> {
    let tag: String = host
        .hmac(
            &hex(t["keyHex"].as_str().unwrap()),
            &hex(t["msgHex"].as_str().unwrap()),
        )
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let want = t["tagHex"].as_str().unwrap();
    let matches = tag.get(..want.len()) == Some(want);
    expect("tag matches", matches, t["result"] == "valid")
}

fn classify(host: &mut impl Host, t: &Value) -> Result<(), String> {
    let policy = t["policy"].as_str().unwrap();
    let retry_after = t["headers"]["retry-after"].as_str();
    let delivery = t["headers"]["webhook-delivery"].as_str();
    let want = &t["expected"];
    expect(
        "classification",
        json!(host.classify(policy, &t["outcome"], retry_after, delivery)),
        want["classification"].clone(),
    )?;
    let attempt = t["attempt"].as_u64().unwrap() as u32;
    let got = host.next_attempt(
        policy,
        attempt,
        &t["outcome"],
        retry_after,
        delivery,
        t["now"].as_i64().unwrap(),
    );
    expect("decision", &got, &want["decision"])
}

fn retry_after(host: &mut impl Host, t: &Value) -> Result<(), String> {
    let now = t["now"].as_i64().unwrap_or(0);
    match t["kind"].as_str().unwrap() {
        "retry_after" => {
            let want = match &t["expected"] {
                Value::Null => None,
                Value::String(s) => Some(s.parse::<u64>().unwrap()),
                n => Some(n.as_u64().unwrap()),
            };
            expect(
                "delay",
                host.parse_retry_after(t["value"].as_str().unwrap(), now),
                want,
            )
        }
        "http_date" => expect(
            "unix",
            host.parse_http_date(t["value"].as_str().unwrap(), now),
            t["expected"].as_i64(),
        ),
        "format" => {
            let unix = t["unix"].as_i64().unwrap();
            let text = host.format_http_date(unix);
            expect("text", text.as_deref(), t["expected"].as_str())?;
            expect(
                "round trip",
                host.parse_http_date(t["expected"].as_str().unwrap(), 0),
                Some(unix),
            )
        }
        k => Err(format!("unknown kind {k}")),
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    v.as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn expect_error(got: Coded, t: &Value) -> Result<(), String> {
    let mut g = Map::new();
    g.insert("error".into(), json!(got.0));
    if let Some(i) = got.1 {
        g.insert("index".into(), i);
    }
    let mut w = Map::new();
    w.insert("error".into(), t["error"].clone());
    if let Some(i) = t.get("index") {
        w.insert("index".into(), i.clone());
    }
    expect("error", Value::Object(g), Value::Object(w))
}

fn filtered(t: &Value, got: Result<bool, Coded>, key: &str) -> Result<(), String> {
    match got {
        Err(e) => expect_error(e, t),
        Ok(matches) => {
            if t.get("error").is_some() {
                return Err("accepted a bad filter".into());
            }
            expect(key, Some(matches), t[key].as_bool())
        }
    }
}

fn tags(host: &mut impl Host, t: &Value) -> Result<(), String> {
    let filter = match &t["filterList"] {
        Value::String(list) => Filter::Text(list.clone()),
        _ => Filter::List(strings(&t["filter"])),
    };
    filtered(
        t,
        host.tag_filter(&filter, &pairs(&t["company"])),
        "matches",
    )
}

fn events(host: &mut impl Host, t: &Value) -> Result<(), String> {
    match host.parse_event(&body(t)) {
        Err(code) => expect("verdict", json!(code), want(t)),
        Ok(got) => {
            if t["result"] != "valid" {
                return Err(format!("parsed: {got}"));
            }
            expect("event", &got, &t["event"])
        }
    }
}

fn filters(host: &mut impl Host, t: &Value) -> Result<(), String> {
    match t["kind"].as_str().unwrap() {
        "event_type" => {
            let patterns = match &t["patterns"] {
                Value::Object(o) => Filter::Text(o["list"].as_str().unwrap().to_owned()),
                p => Filter::List(strings(p)),
            };
            let got = host.event_type_filter(&patterns, t["eventType"].as_str().unwrap_or(""));
            filtered(t, got, "matches")
        }
        "client_id" => expect(
            "verdict",
            verdict(host.client_id(t["expected"].as_str().unwrap(), t["header"].as_str())),
            want(t),
        ),
        "source" => {
            let list = t["allowlist"].as_array().map(|_| strings(&t["allowlist"]));
            let got = host.source(
                list.as_deref(),
                t["address"].as_str().unwrap_or("127.0.0.1"),
            );
            filtered(t, got, "allowed")
        }
        k => Err(format!("unknown kind {k}")),
    }
}

fn guards(host: &mut impl Host, t: &Value) -> Result<(), String> {
    let steps = t["steps"].as_array().cloned().unwrap_or_default();
    let got = match t["kind"].as_str().unwrap() {
        "rate_limit" => {
            let times: Vec<u64> = steps.iter().map(|s| s[0].as_u64().unwrap()).collect();
            host.rate_limit(
                t["perSecond"].as_u64().unwrap() as u32,
                t["burst"].as_u64().unwrap() as u32,
                &times,
            )
            .map(|r| (r, steps.iter().map(|s| s[1].clone()).collect::<Vec<_>>()))
        }
        "source_limit" => {
            let script: Vec<(String, u64)> = steps
                .iter()
                .map(|s| (s[0].as_str().unwrap().to_owned(), s[1].as_u64().unwrap()))
                .collect();
            host.source_limit(
                t["perSecond"].as_u64().unwrap() as u32,
                t["burst"].as_u64().unwrap() as u32,
                t["capacity"].as_u64().unwrap() as u32,
                &script,
            )
            .map(|r| (r, steps.iter().map(|s| s[2].clone()).collect::<Vec<_>>()))
        }
        "replay" => {
            let script: Vec<(String, i64, bool)> = steps
                .iter()
                .map(|s| {
                    (
                        s[0].as_str().unwrap().to_owned(),
                        s[1].as_i64().unwrap(),
                        s[2] == "forget",
                    )
                })
                .collect();
            host.replay(
                t["capacity"].as_u64().unwrap() as u32,
                t["ttl"].as_u64().unwrap(),
                &script,
            )
            .map(|r| {
                (
                    r,
                    steps
                        .iter()
                        .filter(|s| s[2] != "forget")
                        .map(|s| s[2].clone())
                        .collect::<Vec<_>>(),
                )
            })
        }
        k => return Err(format!("unknown kind {k}")),
    };
    match got {
        Err(code) => expect("error", Some(json!(code)), t.get("error").cloned()),
        Ok((got, want)) => {
            if t.get("error").is_some() {
                return Err("accepted a bad configuration".into());
            }
            expect("steps", got, want)
        }
    }
}

fn acceptance(host: &mut impl Host, t: &Value) -> Result<(), String> {
    let window = t["window"].as_u64().unwrap_or(0);
    let lease = t["lease"].as_u64().unwrap_or(0);
    let op = |t: &Value| match t["op"].as_str().unwrap() {
        "begin" => AcceptOp::Begin,
        "commit" => AcceptOp::Commit(t["token"].as_i64().unwrap()),
        _ => AcceptOp::Abort(t["token"].as_i64().unwrap()),
    };
    match t["kind"].as_str().unwrap() {
        "key" => {
            let got = match host.acceptance_key(&id_of(&t["id"])) {
                Ok(k) => json!({"key": k}),
                Err(e) => json!({"error": e}),
            };
            let want = match t.get("error") {
                Some(e) => json!({"error": e}),
                None => json!({"key": t["key"]}),
            };
            expect("key", got, want)
        }
        "config" => {
            let capacity = t["capacity"].as_u64().map(|c| c as u32);
            let got = host.acceptance_sequence(window, lease, capacity, &[]);
            expect("error", got.err(), t["error"].as_str().map(str::to_owned))
        }
        "sequence" => {
            let capacity = t["capacity"].as_u64().map(|c| c as u32);
            let steps: Vec<AcceptStep> = t["steps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| AcceptStep {
                    op: op(s),
                    id: id_of(&s["id"]),
                    now: s["now"].as_i64().unwrap(),
                })
                .collect();
            let want: Vec<Value> = t["steps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["expected"].clone())
                .collect();
            let got = host.acceptance_sequence(window, lease, capacity, &steps)?;
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                if g != w {
                    return Err(format!("step {}: got {g}, want {w}", i + 1));
                }
            }
            expect("steps", got.len(), want.len())
        }
        "transition" => {
            let entry = match t["entry"]["state"].as_str() {
                None => None,
                Some("in_flight") => Some(AcceptEntry::InFlight(
                    t["entry"]["deadline"].as_i64().unwrap(),
                )),
                Some(_) => Some(AcceptEntry::Done(t["entry"]["deadline"].as_i64().unwrap())),
            };
            let got = host.acceptance_transition(
                window,
                lease,
                entry,
                op(t),
                t["now"].as_i64().unwrap(),
            )?;
            expect("transition", got, t["expected"].clone())
        }
        k => Err(format!("unknown kind {k}")),
    }
}

/// `consumer.json`: the steps, an answer's body compared as JSON.
fn consumer(host: &mut impl Host, t: &Value) -> Result<(), String> {
    let feeds = t["feeds"].as_array().cloned().unwrap_or_default();
    match host.consumer(&t["settings"], &t["request"], &feeds) {
        Err(code) => expect("error", Some(json!(code)), t.get("error").cloned()),
        Ok(steps) => {
            if t.get("error").is_some() {
                return Err("accepted refused settings".into());
            }
            let steps: Vec<Value> = steps
                .into_iter()
                .map(|mut s| {
                    if let Some(text) = s["body"].as_str() {
                        s["body"] = serde_json::from_str(text).unwrap_or(Value::Null);
                    }
                    s
                })
                .collect();
            expect("steps", &Value::Array(steps), &t["expected"])
        }
    }
}

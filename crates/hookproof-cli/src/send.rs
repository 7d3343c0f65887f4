//! `hookproof send`: deliver an example event the way Codat does. Each attempt is signed
//! afresh (Svix stamps the attempt time), POSTed within the 15 s deadline, classified by the
//! core under the chosen policy, and retried on that policy's schedule.
//!
//! Time: every wait — the policy's own and a `Retry-After` the legacy policy honours — is
//! compressed by `--time-scale` (1 = real time) and shown on a virtual clock; a `Retry-After`
//! wait is then capped at `--max-wait` of real time (a far-future date must not hold a run for
//! years). A consumer whose rate limiter frees up only in real time is best tried at
//! `--time-scale 1`. A run ends at the latest when its next wait would pass `--within` (real
//! time), or after `--max-attempts`; it says so on standard error when it starts.
//!
//! Redirects (legacy policy only; the current service, like Svix, treats 3xx as a failure)
//! stay within the URL's origin with everything; to another origin they carry neither the
//! `Authorization` header, nor `--header` headers, nor the webhook-* signature unless
//! `--location-trusted`; an https:// → http:// redirect is never followed.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use hookproof::classify::{Attempt, Outcome};
use hookproof::{Decision, Policy, TagFilter};
use serde_json::{Value, json};

use crate::input::{self, Bound, escape_controls};
use crate::{
    SecretArgs, catalog, new_message_id, random_token, signature_header, signing_keys, unix_now,
};

/// At most this many redirects are followed within one attempt (legacy policy).
const MAX_REDIRECTS: usize = 5;
/// Largest response body read, in bytes.
const MAX_RESPONSE_BYTES: u64 = 64 * 1024;

#[derive(Clone, Copy, ValueEnum)]
pub enum PolicyArg {
    /// Codat's legacy rule webhooks: 3 retries (15 s, 30 s, 60 s or Retry-After), 3xx followed.
    Legacy,
    /// Codat's current (Svix) service: 8 attempts over ≈ 28 h, anything but 2xx retried.
    Current,
}

#[derive(Args)]
pub struct SendArgs {
    /// The consumer's URL (http:// or https://; TLS trusts Mozilla's roots, or --cacert).
    url: String,
    /// Secrets to sign with (`whsec_…`, or v1a `whsk_…`); without one no webhook-* headers are
    /// sent.
    #[command(flatten)]
    secrets: SecretArgs,
    /// PEM file of the CA certificate(s) to trust for https:// instead of Mozilla's roots
    /// (a private CA): `PEM`, `@PEM` or `-`.
    #[arg(long, value_name = "PEM")]
    cacert: Option<String>,
    /// PEM file of the client certificate (chain, leaf first) to present for https:// (mutual
    /// TLS, as Codat presents the certificate a consumer gave it): `PEM` or `@PEM`. Needs
    /// --client-key.
    #[arg(long, value_name = "PEM", requires = "client_key")]
    client_cert: Option<String>,
    /// PEM file of the private key of --client-cert (PKCS#8, PKCS#1 or SEC1): `PEM` or `@PEM`.
    #[arg(long, value_name = "PEM", requires = "client_cert")]
    client_key: Option<String>,
    /// Event type from Codat's catalog (see `hookproof events`); with --legacy-body, a RuleType.
    #[arg(long, value_name = "T", default_value = "read.completed")]
    event_type: String,
    /// The company's tags, `key:value,…`.
    #[arg(long, value_name = "K:V,…", default_value = "region:us")]
    company_tags: String,
    /// Extra request header: `Name: value`, or `@FILE` / `-` for a headers file in any form
    /// --headers of `verify` reads. Repeatable. Never sent to another origin on a redirect
    /// (see --location-trusted).
    #[arg(long = "header", value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// Which Codat delivery service to behave like.
    #[arg(long, value_enum, default_value_t = PolicyArg::Current)]
    policy: PolicyArg,
    /// Multiply the policy's waits by this (1 = real time; 0.001 turns ≈ 28 h into ≈ 90 s).
    #[arg(long, value_name = "F", default_value_t = 1.0)]
    time_scale: f64,
    /// Stop (exit 1, `stopped`) before any wait that would end more than DURATION of real time
    /// after the start (`90s`, `10m`, `2h`, `none`).
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = Bound::parse)]
    within: Bound,
    /// Stop (exit 1, `stopped`) after N attempts, before the policy would give up.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_attempts: Option<u32>,
    /// Wait at most DURATION of real time for a consumer's Retry-After, after --time-scale
    /// (the timeline still shows what Codat would wait); `none` for no cap.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = Bound::parse)]
    max_wait: Bound,
    /// Send a legacy rule body instead of the current envelope.
    #[arg(long)]
    legacy_body: bool,
    /// Read the Authorization header (legacy security) from this file (`-`: standard input).
    #[arg(long, value_name = "PATH", conflicts_with_all = ["authorization", "authorization_env"])]
    authorization_file: Option<String>,
    /// Read the Authorization header from this environment variable.
    #[arg(long, value_name = "NAME", conflicts_with = "authorization")]
    authorization_env: Option<String>,
    /// The Authorization header itself, e.g. `Bearer tok_…`, or `@FILE` / `-`. Written here it
    /// is visible to every local user in the process list: prefer --authorization-file or
    /// --authorization-env.
    #[arg(long, value_name = "VALUE")]
    authorization: Option<String>,
    /// On a redirect to another origin (scheme, host, port), send Authorization, --header
    /// headers and the webhook-* signature there too (as curl's --location-trusted). An
    /// https:// → http:// redirect is never followed.
    #[arg(long)]
    location_trusted: bool,
    /// The X-Codat-ClientId header (and the legacy body's ClientId).
    #[arg(long, value_name = "UUID")]
    client_id: Option<String>,
    /// Send this body file instead of a generated event: `FILE`, `@FILE` or `-`.
    #[arg(long, value_name = "FILE")]
    body: Option<String>,
    /// Use this message id (to show de-duplication).
    #[arg(long, value_name = "ID")]
    id: Option<String>,
    /// Change one byte of the body after signing (to show a rejected tampered body).
    #[arg(long)]
    tamper: bool,
    /// Shift webhook-timestamp by this many seconds (to show an expired signature).
    #[arg(
        long,
        value_name = "S",
        default_value_t = 0,
        allow_hyphen_values = true
    )]
    timestamp_offset: i64,
    /// Seconds to wait for each response (Codat: 15).
    #[arg(long, value_name = "S", default_value_t = 15.0)]
    deadline: f64,
    /// Print the timeline as JSON instead of text.
    #[arg(long)]
    json: bool,
    /// A label for the text output.
    #[arg(long, value_name = "TEXT")]
    label: Option<String>,
}

struct Response {
    outcome: Outcome,
    retry_after: Option<String>,
    webhook_delivery: Option<String>,
    location: Option<String>,
    body: String,
    millis: u128,
}

fn post(agent: &ureq::Agent, url: &str, headers: &[(String, String)], body: &[u8]) -> Response {
    let started = Instant::now();
    let mut request = agent.post(url);
    for (k, v) in headers {
        request = request.header(k.as_str(), v.as_str());
    }
    let result = request.send(body);
    let millis = started.elapsed().as_millis();
    match result {
        Ok(mut response) => {
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let (retry_after, webhook_delivery, location) = (
                header("retry-after"),
                header("webhook-delivery"),
                header("location"),
            );
            let status = response.status().as_u16();
            // Not UTF-8 is shown as it is, with replacement characters.
            let body = response
                .body_mut()
                .with_config()
                .limit(MAX_RESPONSE_BYTES)
                .read_to_vec()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            Response {
                outcome: Outcome::Status(status),
                retry_after,
                webhook_delivery,
                location,
                body,
                millis,
            }
        }
        // A TLS failure (untrusted issuer, expired certificate, wrong name) is a connection
        // error to Codat: a failed attempt, retried under both policies. Its reason is kept.
        Err(e) => {
            let outcome = match e {
                ureq::Error::Timeout(_) => Outcome::Timeout,
                _ => Outcome::ConnectionError,
            };
            Response {
                outcome,
                retry_after: None,
                webhook_delivery: None,
                location: None,
                body: e.to_string(),
                millis,
            }
        }
    }
}

/// Resolves a Location against the URL it came from: absolute http(s) URLs, scheme-relative
/// `//host/path` and absolute or relative paths (taken from the root). Other schemes: `None`.
fn resolve(base: &str, location: &str) -> Option<String> {
    let lower = location.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Some(location.to_owned());
    }
    let (scheme, after_scheme) = base.split_once("://")?;
    if location.starts_with("//") {
        return Some(format!("{scheme}:{location}"));
    }
    if location.split_once("://").is_some_and(|(s, _)| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    }) {
        return None;
    }
    let authority = after_scheme.split('/').next()?;
    let path = if location.starts_with('/') {
        location.to_owned()
    } else {
        format!("/{location}")
    };
    Some(format!("{scheme}://{authority}{path}"))
}

/// The origin of an http(s) URL: scheme, host (lowercase) and port (default filled in).
fn origin(url: &str) -> Option<(String, String, u16)> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) if !p.contains(']') => (
            h,
            if p.is_empty() {
                default
            } else {
                p.parse().ok()?
            },
        ),
        _ => (host_port, default),
    };
    Some((scheme, host.to_ascii_lowercase(), port))
}

/// Mozilla's roots (webpki-roots), or exactly the certificates of a `--cacert` PEM file; the
/// client certificate and key of `--client-cert` / `--client-key`, if given.
fn tls_config(
    cacert: Option<&str>,
    client: Option<(&str, &str)>,
) -> Result<ureq::tls::TlsConfig, String> {
    use ureq::tls::{RootCerts, TlsConfig};
    let builder = TlsConfig::builder().client_cert(client.map(client_cert).transpose()?);
    let Some(path) = cacert else {
        return Ok(builder.root_certs(RootCerts::WebPki).build());
    };
    Ok(builder
        .root_certs(RootCerts::new_with_certs(&ca_certs(path)?))
        .build())
}

/// The certificates of a `--cacert` PEM file (at least one).
fn ca_certs(path: &str) -> Result<Vec<ureq::tls::Certificate<'static>>, String> {
    use ureq::tls::{PemItem, parse_pem};
    let pem = input::file_value("--cacert", path, input::MAX_VALUE_BYTES)?;
    let mut certs = Vec::new();
    for item in parse_pem(&pem) {
        match item.map_err(|e| format!("--cacert {path}: {e}"))? {
            PemItem::Certificate(c) => certs.push(c),
            _ => continue,
        }
    }
    if certs.is_empty() {
        return Err(format!("--cacert {path}: no certificate in it"));
    }
    Ok(certs)
}

/// `--client-cert` (every certificate of the file, leaf first) and `--client-key` (its first
/// private key; its text is wiped after parsing and never printed).
fn client_cert((cert, key): (&str, &str)) -> Result<ureq::tls::ClientCert, String> {
    use ureq::tls::{ClientCert, PemItem, PrivateKey, parse_pem};
    let pem = input::file_value("--client-cert", cert, input::MAX_VALUE_BYTES)?;
    let mut chain = Vec::new();
    for item in parse_pem(&pem) {
        if let PemItem::Certificate(c) = item.map_err(|e| format!("--client-cert {cert}: {e}"))? {
            chain.push(c);
        }
    }
    if chain.is_empty() {
        return Err(format!(
            "--client-cert {cert}: no certificate (-----BEGIN CERTIFICATE-----) in it"
        ));
    }
    let mut text = input::file_value("--client-key", key, input::MAX_VALUE_BYTES)?;
    let parsed = PrivateKey::from_pem(&text).map_err(|_| {
        format!(
            "--client-key {key}: no readable private key (-----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY) in it"
        )
    });
    text.iter_mut().for_each(|b| *b = 0);
    Ok(ClientCert::new_with_certs(&chain, parsed?))
}

fn outcome_text(o: Outcome) -> String {
    match o {
        Outcome::Status(s) => s.to_string(),
        Outcome::Timeout => "timeout".into(),
        Outcome::ConnectionError => "connection error".into(),
    }
}

/// `90s`, `5m00s`, `10h00m`: a duration for people.
pub fn duration_text(secs: f64) -> String {
    let s = secs.round() as u64;
    match s {
        0..=119 => format!("{secs:.0}s"),
        120..=7199 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
    }
}

/// Sleeps `real` seconds, showing a progress line on a terminal.
fn wait(real: f64, virtual_secs: f64, next: u32) {
    let total = Duration::try_from_secs_f64(real.max(0.0)).unwrap_or(Duration::MAX);
    let started = Instant::now();
    let tty = std::io::stderr().is_terminal();
    while started.elapsed() < total {
        if tty {
            let left = (total - started.elapsed()).as_secs_f64();
            eprint!(
                "\r  … attempt #{next} in {left:.1}s (Codat would wait {})   ",
                duration_text(virtual_secs)
            );
            let _ = std::io::stderr().flush();
        }
        std::thread::sleep((total - started.elapsed()).min(Duration::from_millis(100)));
    }
    if tty {
        eprint!("\r{:70}\r", "");
    }
}

fn build_body(
    args: &SendArgs,
    tags: &[(String, String)],
) -> Result<(Vec<u8>, Option<String>), String> {
    if let Some(path) = &args.body {
        return input::file_value("--body", path, input::MAX_BODY_BYTES).map(|b| (b, None));
    }
    let uuid = || {
        let t = random_token(32)
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_hexdigit() { c } else { 'a' })
            .collect::<String>();
        format!(
            "{}-{}-4{}-8{}-{}",
            &t[0..8],
            &t[8..12],
            &t[13..16],
            &t[17..20],
            &t[20..32]
        )
    };
    let event_id = uuid();
    let value = if args.legacy_body {
        let rule = if catalog::EVENT_TYPES
            .iter()
            .any(|(t, _)| *t == args.event_type)
        {
            "DataConnectionStatusChanged"
        } else {
            args.event_type.as_str()
        };
        let client = args.client_id.clone().unwrap_or_else(uuid);
        catalog::legacy_event(rule, &event_id, &client)
    } else {
        let generated = hookproof::HttpDate::new(unix_now() as i64)
            .map(|d| d.to_string())
            .unwrap_or_default();
        catalog::current_event(
            &args.event_type,
            &event_id,
            &iso8601(unix_now() as i64).unwrap_or(generated),
            tags,
        )
    };
    Ok((value.to_string().into_bytes(), Some(event_id)))
}

/// `YYYY-MM-DDTHH:MM:SSZ` through the core's HTTP-date arithmetic.
fn iso8601(unix: i64) -> Option<String> {
    let text = hookproof::HttpDate::new(unix)?.to_string(); // "Sun, 06 Nov 1994 08:49:37 GMT"
    let parts: Vec<&str> = text.split(' ').collect();
    let name = *parts.get(2)?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == name)?
        + 1;
    Some(format!(
        "{}-{month:02}-{}T{}Z",
        parts.get(3)?,
        parts.get(1)?,
        parts.get(4)?
    ))
}

pub fn run(args: SendArgs) -> ExitCode {
    match deliver(&args) {
        Ok(delivered) => {
            if delivered {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("hookproof send: {e}");
            ExitCode::from(2)
        }
    }
}

/// A limit of this run (not Codat's) that ended it.
fn stopped(reason: &str, number: u32) -> Value {
    json!({"result": "stopped", "reason": reason, "attempts": number})
}

fn deliver(args: &SendArgs) -> Result<bool, String> {
    if !args.url.starts_with("http://") && !args.url.starts_with("https://") {
        return Err("URL must be http:// or https://".into());
    }
    if !(args.time_scale.is_finite() && args.time_scale >= 0.0) {
        return Err("--time-scale must be a number ≥ 0".into());
    }
    if !(args.deadline.is_finite() && args.deadline > 0.0) {
        return Err("--deadline must be a positive number of seconds".into());
    }
    let policy = match args.policy {
        PolicyArg::Legacy => Policy::Legacy,
        PolicyArg::Current => Policy::Current,
    };
    let keys = args
        .secrets
        .read()
        .and_then(|s| signing_keys(&s))
        .map_err(|e| format!("--secret: {e}"))?;
    let tags =
        TagFilter::parse_list(&args.company_tags).map_err(|e| format!("--company-tags: {e}"))?;
    let tags: Vec<(String, String)> = tags
        .tags()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let (body, event_id) = build_body(args, &tags)?;
    let msg_id = args.id.clone().unwrap_or_else(new_message_id);

    // Sent to every origin.
    let mut fixed = vec![
        ("content-type".to_owned(), "application/json".to_owned()),
        (
            "user-agent".to_owned(),
            concat!("hookproof-send/", env!("CARGO_PKG_VERSION")).to_owned(),
        ),
    ];
    if let Some(c) = &args.client_id {
        fixed.push(("x-codat-clientid".into(), c.clone()));
    }
    // Sent to the URL's origin only, unless --location-trusted.
    let mut private = Vec::new();
    if let Some(a) = input::credential(
        "--authorization",
        args.authorization.as_deref(),
        args.authorization_file.as_deref(),
        args.authorization_env.as_deref(),
    )? {
        private.push(("authorization".to_owned(), a));
    }
    for h in &args.headers {
        let text = input::text_value("--header", h, input::MAX_VALUE_BYTES)?;
        let text = String::from_utf8(text).map_err(|_| "--header: not UTF-8".to_owned())?;
        let parsed = crate::headers::parse(&text).map_err(|e| format!("--header: {e}"))?;
        if parsed.is_empty() {
            return Err(format!(
                "--header `{}` is not `Name: value`",
                escape_controls(h)
            ));
        }
        private.extend(parsed);
    }
    let home = origin(&args.url).ok_or("URL must be http:// or https:// with a host")?;

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .tls_config(tls_config(
            args.cacert.as_deref(),
            args.client_cert.as_deref().zip(args.client_key.as_deref()),
        )?)
        .timeout_global(Some(Duration::from_secs_f64(args.deadline)))
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();

    let started = unix_now();
    let real_start = Instant::now();
    let mut virtual_elapsed = 0.0f64;
    let mut attempts: Vec<Value> = Vec::new();
    let label = args
        .label
        .clone()
        .unwrap_or_else(|| format!("{} → {}", args.event_type, args.url));
    eprintln!("{}", start_line(args, policy));
    if !args.json {
        println!("▶ {label}  [{} policy, message {msg_id}]", policy.name());
    }
    let mut number: u32 = 1;
    let verdict: Value = loop {
        let mut url = args.url.clone();
        let mut redirects = 0;
        let mut refused: Option<&str> = None;
        let (response, decision) = loop {
            let ts = unix_now() as i64 + args.timestamp_offset;
            let trusted = args.location_trusted || origin(&url).as_ref() == Some(&home);
            let mut headers = fixed.clone();
            let mut sent = body.clone();
            if trusted {
                headers.extend(private.iter().cloned());
                if !keys.is_empty() {
                    headers.push(("webhook-id".into(), msg_id.clone()));
                    headers.push(("webhook-timestamp".into(), ts.to_string()));
                    headers.push((
                        "webhook-signature".into(),
                        signature_header(&keys, &msg_id, ts, &body),
                    ));
                }
            }
            if let Some(last) = sent
                .iter()
                .rposition(|b| b.is_ascii_alphanumeric())
                .filter(|_| args.tamper)
            {
                sent[last] = if sent[last] == b'x' { b'y' } else { b'x' };
            }
            let response = post(&agent, &url, &headers, &sent);
            virtual_elapsed += response.millis as f64 / 1000.0;
            let now = (started + virtual_elapsed) as i64;
            let attempt = Attempt {
                outcome: Some(response.outcome),
                retry_after: response.retry_after.as_deref(),
                webhook_delivery: response.webhook_delivery.as_deref(),
            };
            let decision = hookproof::next_attempt(policy, number, &attempt, now);
            if decision == Decision::FollowRedirect {
                let target = response.location.as_deref().and_then(|l| resolve(&url, l));
                let downgrade = target.as_deref().is_some_and(|t| {
                    url.to_ascii_lowercase().starts_with("https://")
                        && !t.to_ascii_lowercase().starts_with("https://")
                });
                if downgrade {
                    refused = Some("insecure_redirect");
                } else if let (Some(target), true) = (target, redirects < MAX_REDIRECTS) {
                    let cross = origin(&target).as_ref() != Some(&home);
                    let withheld = cross && !args.location_trusted;
                    attempts.push(json!({
                        "attempt": number, "at": virtual_elapsed, "url": url, "status": status_json(response.outcome),
                        "classification": "redirect", "location": target, "millis": response.millis as u64,
                        "crossOrigin": cross, "credentialsWithheld": withheld,
                    }));
                    if !args.json {
                        let note = if withheld {
                            " (another origin: Authorization, --header and webhook-* headers not sent; --location-trusted sends them)"
                        } else {
                            ""
                        };
                        println!(
                            "  #{number} +{}  {} → redirect to {}{note}",
                            duration_text(virtual_elapsed),
                            outcome_text(response.outcome),
                            escape_controls(&target)
                        );
                    }
                    url = target;
                    redirects += 1;
                    continue;
                }
                break (
                    response,
                    Decision::GiveUp(hookproof::GiveUpReason::Unrecoverable),
                );
            }
            break (response, decision);
        };
        let classification = hookproof::classify(
            policy,
            &Attempt {
                outcome: Some(response.outcome),
                retry_after: response.retry_after.as_deref(),
                webhook_delivery: response.webhook_delivery.as_deref(),
            },
        );
        let mut entry = json!({
            "attempt": number,
            "at": virtual_elapsed,
            "url": url,
            "status": status_json(response.outcome),
            "classification": classification.name(),
            "millis": response.millis as u64,
            "response": response.body.chars().take(200).collect::<String>(),
        });
        if let Some(r) = &response.retry_after {
            entry["retryAfter"] = json!(r);
        }
        if !matches!(response.outcome, Outcome::Status(_)) {
            entry["error"] = json!(response.body);
        }
        let shown_body = escape_controls(&response.body.chars().take(80).collect::<String>());
        let line = format!(
            "  #{number} +{}  {} ({} ms) {}",
            duration_text(virtual_elapsed),
            outcome_text(response.outcome),
            response.millis,
            if shown_body.is_empty() {
                String::new()
            } else {
                format!("{shown_body} ")
            }
        );
        match decision {
            Decision::Delivered => {
                entry["decision"] = json!({"action": "delivered"});
                attempts.push(entry);
                if !args.json {
                    println!("{line}→ delivered");
                }
                break json!({"result": "delivered", "attempts": number});
            }
            Decision::GiveUp(reason) => {
                let reason = if let Some(r) = refused {
                    r
                } else if redirects >= MAX_REDIRECTS {
                    "too_many_redirects"
                } else {
                    reason.name()
                };
                entry["decision"] = json!({"action": "give_up", "reason": reason});
                attempts.push(entry);
                if !args.json {
                    let why = match (refused, response.location.as_deref()) {
                        (Some(_), Some(l)) => format!(
                            ": an https:// URL redirected to {}, not followed",
                            escape_controls(l)
                        ),
                        _ => String::new(),
                    };
                    println!("{line}→ dropped ({reason}){why}");
                }
                break json!({"result": "dropped", "reason": reason, "attempts": number});
            }
            Decision::RetryAt(at) => {
                let now = started + virtual_elapsed;
                let delay = (at as f64 - now.floor()).max(0.0);
                let honours_retry_after = policy == Policy::Legacy
                    && response
                        .retry_after
                        .as_deref()
                        .and_then(|v| hookproof::parse_retry_after(v, now as i64))
                        .is_some();
                let scaled = delay * args.time_scale;
                let (real, capped) = match (honours_retry_after, args.max_wait.0) {
                    (true, Some(cap)) if scaled > cap => (cap, true),
                    _ => (scaled, false),
                };
                entry["decision"] = json!({"action": "retry", "after": delay, "retryAfterHonoured": honours_retry_after});
                if capped {
                    entry["decision"]["waited"] = json!(real);
                }
                attempts.push(entry);
                if !args.json {
                    let why = match (honours_retry_after, capped) {
                        (true, true) => format!(
                            " (Retry-After; waiting {}: --max-wait)",
                            duration_text(real)
                        ),
                        (true, false) => " (Retry-After)".to_owned(),
                        _ => String::new(),
                    };
                    println!("{line}→ retry in {}{why}", duration_text(delay));
                }
                if args.max_attempts.is_some_and(|max| number >= max) {
                    break stopped("max_attempts", number);
                }
                let past_within = args
                    .within
                    .0
                    .is_some_and(|w| real_start.elapsed().as_secs_f64() + real > w);
                if past_within {
                    break stopped("within", number);
                }
                wait(real, delay, number + 1);
                virtual_elapsed += delay;
                number += 1;
            }
            // The inner loop turns every redirect into a follow or a give-up.
            Decision::FollowRedirect => {
                break json!({"result": "dropped", "reason": "too_many_redirects", "attempts": number});
            }
        }
    };
    let delivered = verdict["result"] == "delivered";
    if args.json {
        println!(
            "{}",
            json!({"policy": policy.name(), "messageId": msg_id, "eventId": event_id, "attempts": attempts, "verdict": verdict})
        );
    } else {
        let span = duration_text(virtual_elapsed);
        match verdict["result"].as_str() {
            Some("delivered") => println!(
                "  ✔ delivered after {} attempt(s), {span} on Codat's clock",
                verdict["attempts"]
            ),
            Some("stopped") => println!(
                "  ■ stopped after {} attempt(s), {span} on Codat's clock: {}",
                verdict["attempts"],
                match verdict["reason"].as_str() {
                    Some("within") => format!(
                        "the next wait would pass --within {} (--within none lifts it)",
                        args.within
                    ),
                    _ => "--max-attempts reached".to_owned(),
                }
            ),
            _ => println!(
                "  ✘ dropped after {} attempt(s), {span} on Codat's clock: {}",
                verdict["attempts"],
                verdict["reason"].as_str().unwrap_or("")
            ),
        }
    }
    Ok(delivered)
}

/// The one line on standard error naming the bounds of this run and how to lift them.
fn start_line(args: &SendArgs, policy: Policy) -> String {
    let pace = if args.time_scale == 1.0 {
        "in real time (--time-scale 0.001 compresses it)".to_owned()
    } else {
        format!("waits ×{}", args.time_scale)
    };
    let within = match args.within.0 {
        Some(_) => format!(
            "stops before a wait that would pass {} of real time (--within none lifts it)",
            args.within
        ),
        None => "no time bound (--within none)".to_owned(),
    };
    let attempts = match args.max_attempts {
        Some(n) => format!(", after at most {n} attempt(s) (--max-attempts)"),
        None => String::new(),
    };
    format!(
        "hookproof send: {} policy {pace}; {within}{attempts}; Retry-After waits at most {} (--max-wait)",
        policy.name(),
        args.max_wait
    )
}

fn status_json(o: Outcome) -> Value {
    match o {
        Outcome::Status(s) => json!(s),
        Outcome::Timeout => json!("timeout"),
        Outcome::ConnectionError => json!("connection_error"),
    }
}

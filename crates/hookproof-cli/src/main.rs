//! `hookproof`: verify and sign Codat (Svix / Standard Webhooks) webhooks, and deliver example
//! events to a consumer the way Codat would, reporting how Codat treats each response.

mod catalog;
mod headers;
mod input;
mod send;

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Args, Parser, Subcommand, ValueEnum};
use hookproof::{ErrorCode, Key, Tolerance, Verifier, VerifyError};

#[derive(Parser)]
#[command(
    name = "hookproof",
    version,
    about = "Verify, sign and deliver Codat webhooks (Svix / Standard Webhooks)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Verify a message: exit 0 when valid, 1 with the error code and a hint otherwise.
    Verify(VerifyArgs),
    /// Sign a body: print the webhook-id, webhook-timestamp and webhook-signature headers.
    Sign(SignArgs),
    /// Deliver an example event to URL the way Codat does, following its retry policy.
    ///
    /// Secrets: give them with --secret-file PATH or --secret-env NAME (or `--secret @FILE`,
    /// `--secret -`); the same for --authorization. A value on the command line is visible to
    /// every local user in the process list.
    ///
    /// Bounded by default: a run stops (exit 1, `stopped`) before a wait that would pass
    /// --within (10 min of real time), so the current policy's ≈ 28 h schedule is one flag away:
    /// --time-scale 0.001 replays it in ≈ 90 s, --within none follows it in real time. A
    /// consumer's Retry-After is waited for in real time (a rate limiter frees up in real time),
    /// at most --max-wait (5 min). The bounds in force are printed to standard error on start.
    ///
    /// Redirects: the current service, like Svix, treats 3xx as a failed attempt and retries
    /// the same URL. The legacy service follows them (up to 5 per attempt): to the URL's own
    /// origin with every header; to another origin (scheme, host, port) without Authorization,
    /// --header headers and the webhook-* signature unless --location-trusted; an https:// →
    /// http:// redirect is never followed (dropped: insecure_redirect).
    ///
    /// Text output escapes control characters in anything the consumer sent (`\x1b`).
    Send(Box<send::SendArgs>),
    /// List the example event types `send` can build.
    Events,
    /// Run the webhook gateway: verify, filter, de-duplicate and deliver Codat webhooks to a
    /// backend, answering 2xx only once the backend took the event (docs/gateway.md).
    ///
    /// `--check` validates the config and explains every error with its key and line.
    /// The server is ready when GET /readyz answers 200; SIGTERM drains and stops it.
    Gateway(GatewayArgs),
}

#[derive(Args)]
struct GatewayArgs {
    /// The TOML config file.
    #[arg(long, value_name = "FILE")]
    config: std::path::PathBuf,
    /// Validate the config and exit (0: valid; 1: every error, with its key and line).
    #[arg(long)]
    check: bool,
}

/// Secrets and keys, in the order `--help` recommends them: a file or an environment variable
/// keep them out of the process list, which every local user can read.
#[derive(Args)]
pub struct SecretArgs {
    /// Read the secret(s) from this file (`-`: standard input), one per line: `whsec_…`
    /// secrets, `whpk_…` public keys (verify), `whsk_…` signing keys (sign, send). Repeatable;
    /// several secrets are rotation (verify accepts any; sign and send sign with each).
    #[arg(long, value_name = "PATH")]
    pub secret_file: Vec<String>,
    /// Read the secret(s) from this environment variable, one per line. Repeatable.
    #[arg(long, value_name = "NAME")]
    pub secret_env: Vec<String>,
    /// The secret itself, or `@FILE` / `-` as --secret-file. A secret written here is
    /// visible to every local user in the process list while the command runs: prefer
    /// --secret-file or --secret-env. Repeatable.
    #[arg(long, value_name = "S")]
    pub secret: Vec<String>,
}

impl SecretArgs {
    /// Every secret given, from every source.
    pub fn read(&self) -> Result<Vec<String>, String> {
        input::secrets(&self.secret, &self.secret_file, &self.secret_env)
    }

    /// As `read`, and at least one secret is required.
    fn read_required(&self) -> Result<Vec<String>, String> {
        let secrets = self.read()?;
        if secrets.is_empty() {
            return Err(
                "give a secret: --secret-file PATH, --secret-env NAME or --secret S".into(),
            );
        }
        Ok(secrets)
    }
}

/// `svix verify`'s arguments are accepted as they are: `--secret`, `--msg-id`, `--timestamp`,
/// `--signature` and the payload as the last argument. With `--msg-id`, as `svix verify`, the
/// timestamp's age is not checked unless `--now` or `--tolerance` is given.
#[derive(Args)]
struct VerifyArgs {
    #[command(flatten)]
    secrets: SecretArgs,
    /// The webhook-id header.
    #[arg(long, value_name = "I", requires_all = ["timestamp", "signature"], conflicts_with_all = ["headers", "msg_id"])]
    id: Option<String>,
    /// The webhook-id header, as `svix verify` names it (then, as svix, no timestamp window
    /// unless --now or --tolerance is given).
    #[arg(long = "msg-id", value_name = "I", requires_all = ["timestamp", "signature"], conflicts_with = "headers")]
    msg_id: Option<String>,
    /// The webhook-timestamp header.
    #[arg(long, value_name = "T")]
    timestamp: Option<String>,
    /// The webhook-signature header: the value, `@FILE` or `-` for standard input.
    #[arg(long, value_name = "V")]
    signature: Option<String>,
    /// A file of the request's headers (`FILE`, `@FILE`, or `-` for standard input):
    /// `Name: value` lines, a JSON object, a raw HTTP request capture (request line, headers,
    /// blank line, body — the body is not read from it), or `curl -v` output (`> ` lines; `< `,
    /// `* `, `{ ` and `} ` lines passed over). A line it cannot read is an error naming it.
    #[arg(long, value_name = "FILE", required_unless_present_any = ["id", "msg_id"])]
    headers: Option<String>,
    /// Allowed clock difference in seconds (default 300).
    #[arg(long, value_name = "N", conflicts_with = "ignore_timestamp")]
    tolerance: Option<u64>,
    /// Skip the timestamp window (for stored messages).
    #[arg(long)]
    ignore_timestamp: bool,
    /// The current time, Unix seconds (default: the system clock).
    #[arg(long, value_name = "T", allow_hyphen_values = true)]
    now: Option<i64>,
    /// The raw body: the text itself (as `svix verify` takes it), `@FILE` for a file's bytes,
    /// or `-` / nothing for standard input.
    #[arg(value_name = "BODY")]
    body: Option<String>,
}

#[derive(Args)]
struct SignArgs {
    #[command(flatten)]
    secrets: SecretArgs,
    /// Message id (default: a fresh `msg_…`).
    #[arg(long, visible_alias = "msg-id", value_name = "I")]
    id: Option<String>,
    /// Unix seconds (default: now).
    #[arg(long, value_name = "T")]
    timestamp: Option<i64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SignFormat::Headers)]
    format: SignFormat,
    /// The raw body: the text itself, `@FILE` for a file's bytes, or `-` / nothing for
    /// standard input.
    #[arg(value_name = "BODY")]
    body: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum SignFormat {
    /// `Name: value` lines.
    Headers,
    /// A JSON object.
    Json,
    /// The webhook-signature value alone (what `svix sign` prints).
    Signature,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Verify(args) => verify(args),
        Command::Sign(args) => sign(args),
        Command::Send(args) => send::run(*args),
        Command::Gateway(args) => hookproof_gateway::main(&args.config, args.check),
        Command::Events => {
            println!("Current service (eventType), for `send --event-type`:");
            for (name, what) in catalog::EVENT_TYPES {
                println!("  {name:<44} {what}");
            }
            println!("\nLegacy rule types (RuleType), for `send --legacy-body --event-type`:");
            for name in catalog::LEGACY_RULE_TYPES {
                println!("  {name}");
            }
            ExitCode::SUCCESS
        }
    }
}

/// Unix seconds now.
pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("hookproof: {message}");
    ExitCode::from(2)
}

/// The body argument of `verify` and `sign`: the text itself, `@FILE`, or `-` / none for
/// standard input.
fn body_argument(arg: Option<&str>) -> Result<Vec<u8>, String> {
    input::text_value("BODY", arg.unwrap_or("-"), input::MAX_BODY_BYTES)
}

fn hint(e: VerifyError) -> &'static str {
    match e {
        VerifyError::MissingHeader(_) => {
            "pass all three webhook-* (or svix-*) headers exactly as received"
        }
        VerifyError::InvalidTimestamp => {
            "webhook-timestamp must be whole Unix seconds, digits only"
        }
        VerifyError::InvalidNow => "--now is Unix seconds, not milliseconds",
        VerifyError::TimestampTooOld | VerifyError::TimestampTooNew => {
            "compare your clock with the timestamp, or use --ignore-timestamp for a stored message"
        }
        VerifyError::NoMatchingSignature => {
            "verify the raw body bytes (not re-serialized JSON) with this endpoint's whsec_ signing secret (or the sender's whpk_ public key)"
        }
        _ => "see the error code in docs/limits-and-differences.md",
    }
}

fn verify(args: VerifyArgs) -> ExitCode {
    let secrets = match args.secrets.read_required() {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let verifier = match Verifier::from_texts(secrets.iter().map(String::as_str)) {
        Ok(v) => v,
        Err(e) => return fail(format_args!("{}: {e}", e.code())),
    };
    // `svix verify` checks the signature, not the timestamp's age.
    let svix_style = args.msg_id.is_some() && args.now.is_none();
    let verifier = match (args.ignore_timestamp || svix_style, args.tolerance) {
        (_, Some(n)) => verifier.tolerance(Tolerance::Seconds(n)),
        (true, None) => verifier.tolerance(Tolerance::Ignore),
        (false, None) => verifier,
    };
    let body = match body_argument(args.body.as_deref()) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let now = args.now.unwrap_or(unix_now() as i64);
    let result = match &args.headers {
        Some(path) => {
            let text = match input::file_value("--headers", path, input::MAX_VALUE_BYTES)
                .and_then(|b| String::from_utf8(b).map_err(|_| "--headers: not UTF-8".into()))
            {
                Ok(t) => t,
                Err(e) => return fail(e),
            };
            let headers = match headers::parse(&text) {
                Ok(h) => h,
                Err(e) => return fail(e),
            };
            verifier
                .verify(headers.as_slice(), &body, now)
                .map(|v| (v.id.to_owned(), v.timestamp))
        }
        None => {
            let signature = match args.signature.as_deref().map(|v| {
                input::text_value("--signature", v, input::MAX_VALUE_BYTES)
                    .map(|b| String::from_utf8_lossy(&b).trim_end().to_owned())
            }) {
                Some(Err(e)) => return fail(e),
                Some(Ok(s)) => s,
                None => String::new(),
            };
            verifier
                .verify_parts(
                    args.id.as_deref().or(args.msg_id.as_deref()).unwrap_or(""),
                    args.timestamp.as_deref().unwrap_or(""),
                    &signature,
                    &body,
                    now,
                )
                .map(|v| (v.id.to_owned(), v.timestamp))
        }
    };
    match result {
        Ok((id, ts)) => {
            println!("valid: id {id}, timestamp {ts}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("invalid: {}: {e}", e.code());
            println!("hint: {}", hint(e));
            ExitCode::from(1)
        }
    }
}

/// A fresh `msg_` id: 27 base62 characters from a hash of the time, process and a counter.
pub fn new_message_id() -> String {
    format!("msg_{}", random_token(27))
}

/// `len` base62 characters, unpredictable enough for ids (not for secrets).
pub fn random_token(len: usize) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let seed = format!(
        "{nanos}:{}:{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let mut out = String::new();
    let mut block = 0u32;
    while out.len() < len {
        let bytes = hookproof::signature::hmac_sha256(seed.as_bytes(), &block.to_le_bytes());
        for b in bytes {
            if out.len() < len && usize::from(b) < 248 {
                out.push(char::from(ALPHABET[usize::from(b) % 62]));
            }
        }
        block += 1;
    }
    out
}

/// Parses `--secret` keys for signing; every one must be able to sign.
pub fn signing_keys(texts: &[String]) -> Result<Vec<Key>, String> {
    texts
        .iter()
        .map(|text| {
            let key = Key::parse(text).map_err(|e| format!("{}: {e}", e.code()))?;
            if key.kind() == hookproof::KeyKind::PublicKey {
                let e = hookproof::SignError::NoSigningKey;
                return Err(format!("{}: {e}", e.code()));
            }
            Ok(key)
        })
        .collect()
}

/// Every key's signature, space-separated: one webhook-signature value.
pub fn signature_header(keys: &[Key], id: &str, ts: i64, body: &[u8]) -> String {
    keys.iter()
        .filter_map(|k| k.sign(id, ts, body).ok())
        .collect::<Vec<_>>()
        .join(" ")
}

fn sign(args: SignArgs) -> ExitCode {
    let keys = match args.secrets.read_required().and_then(|s| signing_keys(&s)) {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    let body = match body_argument(args.body.as_deref()) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let id = args.id.unwrap_or_else(new_message_id);
    let ts = args.timestamp.unwrap_or(unix_now() as i64);
    let signature = signature_header(&keys, &id, ts, &body);
    match args.format {
        SignFormat::Signature => println!("{signature}"),
        SignFormat::Headers => {
            println!("webhook-id: {id}");
            println!("webhook-timestamp: {ts}");
            println!("webhook-signature: {signature}");
        }
        SignFormat::Json => println!(
            "{}",
            serde_json::json!({"webhook-id": id, "webhook-timestamp": ts.to_string(), "webhook-signature": signature})
        ),
    }
    ExitCode::SUCCESS
}

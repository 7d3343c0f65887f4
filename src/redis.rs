//! Two-phase acceptance and the GCRA on Redis, without I/O: the Lua scripts, the key layout and
//! the parsing of their replies into the core's answers.
//!
//! The scripts exist once, beside the machines they mirror: [`ACCEPTANCE_SCRIPT`]
//! (`src/redis/acceptance.lua`, [`crate::acceptance::transition`] applied atomically per key,
//! with the [enqueue step](crate::acceptance) as `XADD` + commit) and [`RATE_LIMIT_SCRIPT`]
//! (`src/redis/rate_limit.lua`, [`crate::rate_limit`]'s GCRA). The npm package's
//! `hookproof/redis` inlines the same files at build, so a fleet mixing Node consumers and
//! Rust services (the gateway) on one Redis shares one de-duplication: same keys, same stored
//! values, same answers. `tests/vectors/acceptance.json` and the rate-limit cases of
//! `tests/vectors/guards.json` run through the scripts on a real Redis and on a Redis Cluster.
//!
//! A caller (any Redis client) runs `EVALSHA` (loading with `SCRIPT LOAD`, again after
//! `NOSCRIPT`) with the keys of a [`Layout`] and the arguments of [`acceptance_args`] /
//! [`rate_limit_args`], then parses the reply with [`parse_acceptance_reply`] /
//! [`parse_rate_limit_reply`]. Replies are answer *names* (`"new"`, `"in_flight"`, `"done"`,
//! `"committed"`, `"late"`, `"released"`, `"not_held"`; `"allow"`, `"retry_after"`), never
//! numbers.
//!
//! # Keys and Redis Cluster
//!
//! Every key a script touches is in one hash slot: the acceptance key of an id,
//! `<prefix>acceptance:{<scope>}:<key>`, and the scope's stream, `<prefix>stream:{<scope>}`,
//! share the hash tag `{<scope>}` (Redis hashes only the text between the first `{` and the
//! next `}`), so `enqueue` (`XADD` and the commit in one script) is never refused with
//! `CROSSSLOT`. `<key>` is [`crate::acceptance::key`] of the webhook id, at most 71 bytes.
//!
//! **What one slot per scope means for scaling.** A scope is one endpoint (Svix reuses a
//! message id on every endpoint it fans out to, so endpoints must not share keys), and all of
//! one endpoint's keys and its stream live in one slot, so on one cluster master. A cluster
//! spreads *endpoints* over masters, not the events of one endpoint: one endpoint's script
//! throughput and memory (its ids for the window, plus its stream) are one master's, and adding
//! masters helps only when there are more endpoints than masters. Splitting one endpoint over
//! several scopes would break de-duplication unless every delivery of an id reached the same
//! scope; keep one scope per endpoint.
//!

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::acceptance::{Abort, AcceptanceConfig, Answer, Begin, Commit, Enqueue, Key, Op};
use crate::error::ErrorCode;
use crate::rate_limit::{RateDecision, RateLimiter};

/// The acceptance script (`src/redis/acceptance.lua`).
pub const ACCEPTANCE_SCRIPT: &str = include_str!("redis/acceptance.lua");
/// The GCRA script (`src/redis/rate_limit.lua`).
pub const RATE_LIMIT_SCRIPT: &str = include_str!("redis/rate_limit.lua");
/// How long Redis keeps a dead entry before expiring it, in ms: a dead entry reads as absent,
/// so this only absorbs clock differences between callers.
pub const EXPIRY_SLACK_MS: u64 = 60_000;
/// The default key prefix.
pub const DEFAULT_PREFIX: &str = "hookproof:";
/// Longest scope accepted, in bytes.
pub const MAX_SCOPE_LEN: usize = 256;
/// Longest prefix accepted, in bytes.
pub const MAX_PREFIX_LEN: usize = 256;
/// Most field/value pairs one stream entry may carry.
pub const MAX_STREAM_FIELDS: usize = 64;

/// Why a layout or a reply was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RedisError {
    /// The scope is empty, longer than [`MAX_SCOPE_LEN`], or contains `{` or `}`.
    InvalidScope,
    /// The prefix is longer than [`MAX_PREFIX_LEN`] or contains `{` or `}` (a brace would
    /// move the hash tag).
    InvalidPrefix,
    /// A stream entry needs 1 to [`MAX_STREAM_FIELDS`] field/value pairs.
    InvalidFields,
    /// The reply is not one the script gives (another script under that SHA, or a bug).
    UnexpectedReply,
}

impl ErrorCode for RedisError {
    fn code(&self) -> &'static str {
        match self {
            RedisError::InvalidScope => "invalid_scope",
            RedisError::InvalidPrefix => "invalid_prefix",
            RedisError::InvalidFields => "invalid_fields",
            RedisError::UnexpectedReply => "unexpected_reply",
        }
    }

    fn message(&self) -> &'static str {
        match self {
            RedisError::InvalidScope => {
                "scope must name the endpoint: 1 to 256 bytes without { or } (it is the keys' Redis Cluster hash tag)"
            }
            RedisError::InvalidPrefix => "prefix must be at most 256 bytes without { or }",
            RedisError::InvalidFields => "a stream entry needs 1 to 64 field/value pairs",
            RedisError::UnexpectedReply => "unexpected reply from the Redis script",
        }
    }
}

impl fmt::Display for RedisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for RedisError {}

/// The keys of one scope (one endpoint), all in the hash slot of `{scope}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Layout {
    prefix: String,
    scope: String,
}

impl Layout {
    /// The layout of `scope` under `prefix` (e.g. [`DEFAULT_PREFIX`]).
    pub fn new(prefix: &str, scope: &str) -> Result<Layout, RedisError> {
        if scope.is_empty() || scope.len() > MAX_SCOPE_LEN || scope.contains(['{', '}']) {
            return Err(RedisError::InvalidScope);
        }
        if prefix.len() > MAX_PREFIX_LEN || prefix.contains(['{', '}']) {
            return Err(RedisError::InvalidPrefix);
        }
        Ok(Layout {
            prefix: String::from(prefix),
            scope: String::from(scope),
        })
    }

    /// The scope.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// The hash tag every key of the scope carries: `{scope}`.
    pub fn hash_tag(&self) -> String {
        format!("{{{}}}", self.scope)
    }

    /// The key of one id: `<prefix>acceptance:{<scope>}:<key>`.
    pub fn acceptance_key(&self, key: &Key) -> String {
        format!(
            "{}acceptance:{{{}}}:{}",
            self.prefix,
            self.scope,
            key.as_str()
        )
    }

    /// The scope's stream, where `enqueue` adds events: `<prefix>stream:{<scope>}`. Readers
    /// consume it with `XREADGROUP`.
    pub fn stream_key(&self) -> String {
        format!("{}stream:{{{}}}", self.prefix, self.scope)
    }
}

fn op_parts(op: Op) -> (&'static str, i64) {
    match op {
        Op::Begin => ("begin", 0),
        Op::Commit { token } => ("commit", token),
        Op::Abort { token } => ("abort", token),
        Op::Enqueue { token } => ("enqueue", token),
    }
}

/// `ARGV` for [`ACCEPTANCE_SCRIPT`] (keys: the id's [`Layout::acceptance_key`], and for
/// [`Op::Enqueue`] also [`Layout::stream_key`]). For `enqueue`, `max_len` (0: none; else
/// `XADD MAXLEN ~`) and the entry's `fields` follow.
pub fn acceptance_args(
    config: &AcceptanceConfig,
    op: Op,
    now: i64,
    enqueue: Option<(u64, &[(&str, &str)])>,
) -> Result<Vec<String>, RedisError> {
    let (name, token) = op_parts(op);
    let mut args = Vec::with_capacity(8);
    args.push(String::from(name));
    args.push(format!("{token}"));
    args.push(format!("{now}"));
    args.push(format!("{}", config.window_secs()));
    args.push(format!("{}", config.lease_secs()));
    args.push(format!("{EXPIRY_SLACK_MS}"));
    if let Op::Enqueue { .. } = op {
        let (max_len, fields) = enqueue.ok_or(RedisError::InvalidFields)?;
        if fields.is_empty() || fields.len() > MAX_STREAM_FIELDS {
            return Err(RedisError::InvalidFields);
        }
        args.push(format!("{max_len}"));
        for (field, value) in fields {
            args.push(String::from(*field));
            args.push(String::from(*value));
        }
    }
    Ok(args)
}

/// The acceptance script's reply, as the client read it: the answer name, the integer, and the
/// stream entry id an `enqueue` wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reply<'a> {
    /// First element: the answer's name.
    pub answer: &'a str,
    /// Second element: the token (`new`) or the seconds left (`in_flight`), else 0.
    pub value: i64,
    /// Third element, present when `enqueue` wrote the event.
    pub stream_id: Option<&'a str>,
}

/// The core's answer to `op` from the script's reply; refuses a name `op` cannot answer, a
/// retry-after below 1, or a written entry without its id (and the reverse).
pub fn parse_acceptance_reply(op: Op, reply: Reply<'_>) -> Result<Answer, RedisError> {
    let bad = Err(RedisError::UnexpectedReply);
    let retry_after = || match u64::try_from(reply.value) {
        Ok(s) if s >= 1 => Ok(s),
        _ => Err(RedisError::UnexpectedReply),
    };
    let written = reply.stream_id.is_some();
    if written
        != matches!(
            (op, reply.answer),
            (Op::Enqueue { .. }, "committed" | "late")
        )
    {
        return bad;
    }
    Ok(match (op, reply.answer) {
        (Op::Begin, "new") => Answer::Begin(Begin::New { token: reply.value }),
        (Op::Begin, "in_flight") => Answer::Begin(Begin::InFlight {
            retry_after: retry_after()?,
        }),
        (Op::Begin, "done") => Answer::Begin(Begin::Done),
        (Op::Commit { .. }, "committed") => Answer::Commit(Commit::Committed),
        (Op::Commit { .. }, "late") => Answer::Commit(Commit::Late),
        (Op::Abort { .. }, "released") => Answer::Abort(Abort::Released),
        (Op::Abort { .. }, "not_held") => Answer::Abort(Abort::NotHeld),
        (Op::Enqueue { .. }, "committed") => Answer::Enqueue(Enqueue::Committed),
        (Op::Enqueue { .. }, "late") => Answer::Enqueue(Enqueue::Late),
        (Op::Enqueue { .. }, "done") => Answer::Enqueue(Enqueue::Done),
        (Op::Enqueue { .. }, "in_flight") => Answer::Enqueue(Enqueue::InFlight {
            retry_after: retry_after()?,
        }),
        _ => return bad,
    })
}

/// `ARGV` for [`RATE_LIMIT_SCRIPT`] (key: the limiter's, one per limit) at `now_ms` (Unix ms).
pub fn rate_limit_args(limiter: &RateLimiter, now_ms: u64) -> [String; 4] {
    let (interval, tolerance) = limiter.gcra_params();
    [
        format!("{now_ms}"),
        format!("{interval}"),
        format!("{tolerance}"),
        format!("{EXPIRY_SLACK_MS}"),
    ]
}

/// The decision from the GCRA script's reply (`"allow"`, or `"retry_after"` with the seconds).
pub fn parse_rate_limit_reply(answer: &str, value: i64) -> Result<RateDecision, RedisError> {
    match answer {
        "allow" => Ok(RateDecision::Allow),
        "retry_after" => match u64::try_from(value) {
            Ok(s) if s >= 1 => Ok(RateDecision::RetryAfter(s)),
            _ => Err(RedisError::UnexpectedReply),
        },
        _ => Err(RedisError::UnexpectedReply),
    }
}

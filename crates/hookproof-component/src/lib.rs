//! The hookproof core as a WebAssembly component exporting `hookproof:webhooks/webhooks`
//! (`wit/`). This layer only converts between WIT types and the core's; every rule is in the
//! core. The world imports nothing: no clock, no WASI.

#[allow(clippy::too_many_arguments)]
mod bindings {
    wit_bindgen::generate!({
        world: "webhooks",
        path: "../../wit",
    });
}

use std::cell::RefCell;

mod consumer;

use bindings::exports::hookproof::webhooks::{
    acceptance, authorization, delivery, guards, routing, signatures,
};
use hookproof::classify::{Attempt, Outcome};

pub(crate) struct Component;

bindings::export!(Component with_types_in bindings);

fn index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

// ---------------------------------------------------------------------------------------------
// signatures

fn header(h: hookproof::Header) -> signatures::Header {
    match h {
        hookproof::Header::Id => signatures::Header::Id,
        hookproof::Header::Timestamp => signatures::Header::Timestamp,
        _ => signatures::Header::Signature,
    }
}

fn verify_error(e: hookproof::VerifyError) -> signatures::VerifyError {
    use hookproof::VerifyError as E;
    use signatures::VerifyError as W;
    match e {
        E::MissingHeader(h) => W::MissingHeader(header(h)),
        E::HeaderTooLarge(h) => W::HeaderTooLarge(header(h)),
        E::InvalidTimestamp => W::InvalidTimestamp,
        E::InvalidNow => W::InvalidNow,
        E::TimestampTooOld => W::TimestampTooOld,
        E::TimestampTooNew => W::TimestampTooNew,
        E::TooManySignatures => W::TooManySignatures,
        E::PayloadTooLarge => W::PayloadTooLarge,
        _ => W::NoMatchingSignature,
    }
}

fn secret_error(e: hookproof::SecretError) -> signatures::SecretError {
    use hookproof::ErrorCode;
    match e.code() {
        "too_many_secrets" => signatures::SecretError::TooManySecrets,
        "invalid_key" => signatures::SecretError::InvalidKey,
        "unsupported_key" => signatures::SecretError::UnsupportedKey,
        "ambiguous_key" => signatures::SecretError::AmbiguousKey,
        _ => signatures::SecretError::InvalidSecret,
    }
}

fn key(k: &signatures::Key) -> Result<hookproof::Key, hookproof::SecretError> {
    match k {
        signatures::Key::Text(t) => hookproof::Key::parse(t),
        signatures::Key::Raw(b) => hookproof::Secret::from_bytes(b).map(hookproof::Key::from),
        signatures::Key::PublicKey(b) => hookproof::Key::public_key_from_bytes(b),
        signatures::Key::SigningKey(b) => hookproof::Key::signing_key_from_bytes(b),
    }
}

fn verified(v: hookproof::Verified<'_>) -> signatures::Verified {
    signatures::Verified {
        id: v.id.to_owned(),
        timestamp: v.timestamp,
    }
}

/// The `verifier` resource.
pub struct Verifier(hookproof::Verifier);

impl signatures::GuestVerifier for Verifier {
    fn create(
        keys: Vec<signatures::Key>,
        options: signatures::Options,
    ) -> Result<signatures::Verifier, signatures::SecretError> {
        // The core's order: every key is read first (the first malformed one is the error),
        // then `with_keys` bounds the count.
        let parsed = keys
            .iter()
            .map(key)
            .collect::<Result<Vec<_>, _>>()
            .map_err(secret_error)?;
        let mut v = hookproof::Verifier::with_keys(&parsed).map_err(secret_error)?;
        v = v.tolerance(match options.tolerance {
            signatures::Tolerance::Seconds(s) => hookproof::Tolerance::Seconds(s),
            signatures::Tolerance::Ignore => hookproof::Tolerance::Ignore,
        });
        if let Some(max) = options.max_payload {
            v = v.max_payload(usize::try_from(max).unwrap_or(usize::MAX));
        }
        Ok(signatures::Verifier::new(Verifier(v)))
    }

    fn verify(
        &self,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        now: i64,
    ) -> Result<signatures::Verified, signatures::VerifyError> {
        self.0
            .verify(headers.as_slice(), &body, now)
            .map(verified)
            .map_err(verify_error)
    }

    fn verify_parts(
        &self,
        id: String,
        timestamp: String,
        signature: String,
        body: Vec<u8>,
        now: i64,
    ) -> Result<signatures::Verified, signatures::VerifyError> {
        self.0
            .verify_parts(&id, &timestamp, &signature, &body, now)
            .map(verified)
            .map_err(verify_error)
    }

    fn sign(&self, id: String, timestamp: i64, body: Vec<u8>) -> String {
        self.0.sign(&id, timestamp, &body)
    }

    fn try_sign(
        &self,
        id: String,
        timestamp: i64,
        body: Vec<u8>,
    ) -> Result<String, signatures::SignError> {
        self.0
            .try_sign(&id, timestamp, &body)
            .map_err(|_| signatures::SignError::NoSigningKey)
    }
}

impl signatures::Guest for Component {
    type Verifier = Verifier;

    fn verify_once(
        secret: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        now: i64,
    ) -> Result<signatures::Verified, signatures::VerifyOnceError> {
        let key = hookproof::Key::parse(&secret)
            .map_err(|e| signatures::VerifyOnceError::Secret(secret_error(e)))?;
        hookproof::Verifier::from_key(&key)
            .verify(headers.as_slice(), &body, now)
            .map(verified)
            .map_err(|e| signatures::VerifyOnceError::Message(verify_error(e)))
    }

    fn hmac_sha256(key: Vec<u8>, data: Vec<u8>) -> Vec<u8> {
        hookproof::signature::hmac_sha256(&key, &data).to_vec()
    }

    #[cfg(feature = "v1a")]
    fn ed25519_verify(
        public_key: Vec<u8>,
        message: Vec<u8>,
        signature: Vec<u8>,
    ) -> Result<bool, signatures::SecretError> {
        hookproof::key::ed25519_verify(&public_key, &message, &signature).map_err(secret_error)
    }

    #[cfg(feature = "v1a")]
    fn ed25519_sign(
        signing_key: Vec<u8>,
        message: Vec<u8>,
    ) -> Result<Vec<u8>, signatures::SecretError> {
        hookproof::key::ed25519_sign(&signing_key, &message)
            .map(|s| s.to_vec())
            .map_err(secret_error)
    }

    #[cfg(not(feature = "v1a"))]
    fn ed25519_verify(_: Vec<u8>, _: Vec<u8>, _: Vec<u8>) -> Result<bool, signatures::SecretError> {
        Err(signatures::SecretError::UnsupportedKey)
    }

    #[cfg(not(feature = "v1a"))]
    fn ed25519_sign(_: Vec<u8>, _: Vec<u8>) -> Result<Vec<u8>, signatures::SecretError> {
        Err(signatures::SecretError::UnsupportedKey)
    }
}

// ---------------------------------------------------------------------------------------------
// authorization

impl authorization::Guest for Component {
    fn check(
        header: Option<String>,
        expected: authorization::Credentials,
    ) -> Result<(), authorization::AuthorizationError> {
        use authorization::AuthorizationError as W;
        use hookproof::AuthorizationError as E;
        let credentials = match &expected {
            authorization::Credentials::Basic(b) => {
                hookproof::Credentials::basic(&b.username, &b.password)
            }
            authorization::Credentials::Bearer(t) => hookproof::Credentials::bearer(t),
        };
        credentials
            .and_then(|c| hookproof::check_authorization(header.as_deref(), &c))
            .map_err(|e| match e {
                E::MissingAuthorization => W::MissingAuthorization,
                E::MalformedAuthorization => W::MalformedAuthorization,
                E::WrongScheme => W::WrongScheme,
                E::AuthorizationMismatch => W::AuthorizationMismatch,
                _ => W::InvalidCredentials,
            })
    }
}

// ---------------------------------------------------------------------------------------------
// delivery

fn policy(p: delivery::Policy) -> hookproof::Policy {
    match p {
        delivery::Policy::Legacy => hookproof::Policy::Legacy,
        delivery::Policy::Current => hookproof::Policy::Current,
    }
}

fn attempt(a: &delivery::Attempt) -> Attempt<'_> {
    Attempt {
        outcome: Some(match a.outcome {
            delivery::Outcome::Status(s) => Outcome::Status(s),
            delivery::Outcome::Timeout => Outcome::Timeout,
            delivery::Outcome::ConnectionError => Outcome::ConnectionError,
        }),
        retry_after: a.retry_after.as_deref(),
        webhook_delivery: a.webhook_delivery.as_deref(),
    }
}

fn classification(c: hookproof::Classification) -> delivery::Classification {
    match c {
        hookproof::Classification::Delivered => delivery::Classification::Delivered,
        hookproof::Classification::Redirect => delivery::Classification::Redirect,
        hookproof::Classification::Retry => delivery::Classification::Retry,
        hookproof::Classification::Failed => delivery::Classification::Failed,
    }
}

impl delivery::Guest for Component {
    fn classify(p: delivery::Policy, a: delivery::Attempt) -> delivery::Classification {
        classification(hookproof::classify(policy(p), &attempt(&a)))
    }

    fn classify_status(p: delivery::Policy, status: u16) -> delivery::Classification {
        classification(hookproof::classify(policy(p), &Attempt::status(status)))
    }

    fn next_attempt(
        p: delivery::Policy,
        attempt_number: u32,
        a: delivery::Attempt,
        now: i64,
    ) -> delivery::Decision {
        use hookproof::GiveUpReason as R;
        match hookproof::next_attempt(policy(p), attempt_number, &attempt(&a), now) {
            hookproof::Decision::Delivered => delivery::Decision::Delivered,
            hookproof::Decision::FollowRedirect => delivery::Decision::FollowRedirect,
            hookproof::Decision::RetryAt(t) => delivery::Decision::RetryAt(t),
            hookproof::Decision::GiveUp(reason) => delivery::Decision::GiveUp(match reason {
                R::Unrecoverable => delivery::GiveUpReason::Unrecoverable,
                R::Aborted => delivery::GiveUpReason::Aborted,
                R::EndpointDisabled => delivery::GiveUpReason::EndpointDisabled,
                _ => delivery::GiveUpReason::RetriesExhausted,
            }),
        }
    }

    fn parse_retry_after(value: String, now: i64) -> Option<u64> {
        hookproof::parse_retry_after(&value, now)
    }

    fn parse_http_date(value: String, now: i64) -> Option<i64> {
        hookproof::parse_http_date(&value, now)
    }

    fn format_http_date(unix: i64) -> Option<String> {
        hookproof::HttpDate::new(unix).map(|d| d.to_string())
    }
}

// ---------------------------------------------------------------------------------------------
// routing

fn tag_error(e: hookproof::TagError) -> routing::TagError {
    match e {
        hookproof::TagError::InvalidTag { index: i, .. } => routing::TagError::InvalidTag(index(i)),
        _ => routing::TagError::TooManyTags,
    }
}

/// The `tag-filter` resource.
pub struct TagFilter(hookproof::TagFilter);

impl routing::GuestTagFilter for TagFilter {
    fn create(tags: Vec<String>) -> Result<routing::TagFilter, routing::TagError> {
        hookproof::TagFilter::new(&tags)
            .map(|f| routing::TagFilter::new(TagFilter(f)))
            .map_err(tag_error)
    }

    fn parse_list(text: String) -> Result<routing::TagFilter, routing::TagError> {
        hookproof::TagFilter::parse_list(&text)
            .map(|f| routing::TagFilter::new(TagFilter(f)))
            .map_err(tag_error)
    }

    fn matches(&self, company_tags: Vec<(String, String)>) -> bool {
        self.0
            .matches(company_tags.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }
}

fn event_type_error(e: hookproof::EventTypeError) -> routing::EventTypeError {
    match e {
        hookproof::EventTypeError::InvalidEventType { index: i } => {
            routing::EventTypeError::InvalidEventType(index(i))
        }
        _ => routing::EventTypeError::TooManyEventTypes,
    }
}

/// The `event-type-filter` resource.
pub struct EventTypeFilter(hookproof::EventTypeFilter);

impl routing::GuestEventTypeFilter for EventTypeFilter {
    fn create(patterns: Vec<String>) -> Result<routing::EventTypeFilter, routing::EventTypeError> {
        hookproof::EventTypeFilter::new(&patterns)
            .map(|f| routing::EventTypeFilter::new(EventTypeFilter(f)))
            .map_err(event_type_error)
    }

    fn parse_list(text: String) -> Result<routing::EventTypeFilter, routing::EventTypeError> {
        hookproof::EventTypeFilter::parse_list(&text)
            .map(|f| routing::EventTypeFilter::new(EventTypeFilter(f)))
            .map_err(event_type_error)
    }

    fn matches(&self, event_type: String) -> bool {
        self.0.matches(&event_type)
    }
}

fn source_error(e: hookproof::SourceError) -> routing::SourceError {
    match e {
        hookproof::SourceError::InvalidSource { index: i } => {
            routing::SourceError::InvalidSource(index(i))
        }
        hookproof::SourceError::TooManySources => routing::SourceError::TooManySources,
        _ => routing::SourceError::InvalidAddress,
    }
}

/// The `source-allowlist` resource.
pub struct SourceAllowlist(hookproof::SourceAllowlist);

impl routing::GuestSourceAllowlist for SourceAllowlist {
    fn create(entries: Vec<String>) -> Result<routing::SourceAllowlist, routing::SourceError> {
        hookproof::SourceAllowlist::new(&entries)
            .map(|l| routing::SourceAllowlist::new(SourceAllowlist(l)))
            .map_err(source_error)
    }

    fn codat() -> routing::SourceAllowlist {
        routing::SourceAllowlist::new(SourceAllowlist(hookproof::SourceAllowlist::codat()))
    }

    fn is_allowed(&self, address: String) -> Result<bool, routing::SourceError> {
        self.0.is_allowed(&address).map_err(source_error)
    }
}

fn company(c: &hookproof::Company) -> routing::Company {
    routing::Company {
        id: c.id.clone(),
        name: c.name.clone(),
        tags: c.tags.clone(),
    }
}

impl routing::Guest for Component {
    type TagFilter = TagFilter;
    type EventTypeFilter = EventTypeFilter;
    type SourceAllowlist = SourceAllowlist;

    fn parse_event(body: Vec<u8>) -> Result<routing::Event, routing::EventError> {
        let event = hookproof::parse_event(&body).map_err(|e| match e {
            hookproof::EventError::InvalidEvent(field) => {
                routing::EventError::InvalidEvent(field.to_owned())
            }
            hookproof::EventError::EventTooLarge => routing::EventError::EventTooLarge,
            _ => routing::EventError::InvalidPayload,
        })?;
        Ok(match event {
            hookproof::Event::Legacy {
                rule_type,
                company_id,
                client_id,
                client_name,
                data_connection_id,
                rule_id,
                alert_id,
                message,
                data,
            } => routing::Event::Legacy(routing::LegacyEvent {
                rule_type,
                company_id,
                client_id,
                client_name,
                data_connection_id,
                rule_id,
                alert_id,
                message,
                data,
            }),
            hookproof::Event::Current {
                id,
                event_type,
                generated_date,
                company: c,
                payload,
            } => routing::Event::Current(routing::CurrentEvent {
                id,
                event_type,
                generated_date,
                company: c.as_ref().map(company),
                payload,
            }),
            _ => return Err(routing::EventError::InvalidEvent("kind".to_owned())),
        })
    }

    fn check_client_id(
        expected: String,
        header: Option<String>,
    ) -> Result<(), routing::ClientIdError> {
        hookproof::check_client_id(&expected, header.as_deref()).map_err(|e| match e {
            hookproof::ClientIdError::MissingClientId => routing::ClientIdError::MissingClientId,
            _ => routing::ClientIdError::ClientIdMismatch,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// guards

/// The `rate-limiter` resource (resources are borrowed immutably; state lives in a cell).
pub struct RateLimiter(RefCell<hookproof::RateLimiter>);

impl guards::GuestRateLimiter for RateLimiter {
    fn create(per_second: u32, burst: u32) -> Result<guards::RateLimiter, guards::RateLimitError> {
        hookproof::RateLimiter::new(per_second, burst)
            .map(|l| guards::RateLimiter::new(RateLimiter(RefCell::new(l))))
            .map_err(|_| guards::RateLimitError::InvalidRate)
    }

    fn check(&self, now_ms: u64) -> guards::RateDecision {
        match self.0.borrow_mut().check(now_ms) {
            hookproof::RateDecision::Allow => guards::RateDecision::Allow,
            hookproof::RateDecision::RetryAfter(s) => guards::RateDecision::RetryAfter(s),
        }
    }
}

/// The `source-limiter` resource.
pub struct SourceLimiter(RefCell<hookproof::SourceLimiter>);

impl guards::GuestSourceLimiter for SourceLimiter {
    fn create(
        per_second: u32,
        burst: u32,
        capacity: u32,
    ) -> Result<guards::SourceLimiter, guards::RateLimitError> {
        hookproof::SourceLimiter::new(
            per_second,
            burst,
            usize::try_from(capacity).unwrap_or(usize::MAX),
        )
        .map(|l| guards::SourceLimiter::new(SourceLimiter(RefCell::new(l))))
        .map_err(|_| guards::RateLimitError::InvalidRate)
    }

    fn check(&self, source: String, now_ms: u64) -> guards::RateDecision {
        match self.0.borrow_mut().check(&source, now_ms) {
            hookproof::RateDecision::Allow => guards::RateDecision::Allow,
            hookproof::RateDecision::RetryAfter(s) => guards::RateDecision::RetryAfter(s),
        }
    }
}

/// The `replay-guard` resource.
pub struct ReplayGuard(RefCell<hookproof::ReplayGuard>);

impl guards::GuestReplayGuard for ReplayGuard {
    fn create(capacity: u32, ttl_seconds: u64) -> Result<guards::ReplayGuard, guards::ReplayError> {
        hookproof::ReplayGuard::new(usize::try_from(capacity).unwrap_or(usize::MAX), ttl_seconds)
            .map(|g| guards::ReplayGuard::new(ReplayGuard(RefCell::new(g))))
            .map_err(|_| guards::ReplayError::InvalidCapacity)
    }

    fn check(&self, id: String, now: i64) -> guards::Seen {
        match self.0.borrow_mut().check(&id, now) {
            hookproof::Seen::New => guards::Seen::New,
            hookproof::Seen::Duplicate => guards::Seen::Duplicate,
        }
    }

    fn forget(&self, id: String) -> bool {
        self.0.borrow_mut().forget(&id)
    }
}

impl guards::Guest for Component {
    type RateLimiter = RateLimiter;
    type SourceLimiter = SourceLimiter;
    type ReplayGuard = ReplayGuard;
}

// ---------------------------------------------------------------------------------------------
// acceptance (two-phase acceptance: begin → queue → commit, or abort)

fn acceptance_error(e: hookproof::AcceptanceError) -> acceptance::AcceptanceError {
    use hookproof::AcceptanceError as E;
    match e {
        E::InvalidId => acceptance::AcceptanceError::InvalidId,
        E::StoreFull => acceptance::AcceptanceError::StoreFull,
        E::Contended => acceptance::AcceptanceError::Contended,
        E::StoreUnavailable => acceptance::AcceptanceError::StoreUnavailable,
        _ => acceptance::AcceptanceError::InvalidConfig,
    }
}

fn acceptance_config(
    c: acceptance::Config,
) -> Result<hookproof::AcceptanceConfig, acceptance::AcceptanceError> {
    hookproof::AcceptanceConfig::new(c.window_seconds, c.lease_seconds).map_err(acceptance_error)
}

fn acceptance_op(op: acceptance::Op) -> hookproof::acceptance::Op {
    use hookproof::acceptance::Op;
    match op {
        acceptance::Op::Begin => Op::Begin,
        acceptance::Op::Commit(token) => Op::Commit { token },
        acceptance::Op::Abort(token) => Op::Abort { token },
        acceptance::Op::Enqueue(token) => Op::Enqueue { token },
    }
}

fn acceptance_answer(a: hookproof::acceptance::Answer) -> acceptance::Answer {
    use hookproof::acceptance::{Abort, Answer, Begin, Commit, Enqueue};
    match a {
        Answer::Begin(Begin::New { token }) => acceptance::Answer::New(token),
        Answer::Begin(Begin::InFlight { retry_after }) => acceptance::Answer::InFlight(retry_after),
        Answer::Begin(Begin::Done) => acceptance::Answer::Done,
        Answer::Commit(Commit::Committed) => acceptance::Answer::Committed,
        Answer::Commit(Commit::Late) => acceptance::Answer::Late,
        Answer::Abort(Abort::Released) => acceptance::Answer::Released,
        Answer::Abort(Abort::NotHeld) => acceptance::Answer::NotHeld,
        Answer::Enqueue(Enqueue::Committed) => acceptance::Answer::Committed,
        Answer::Enqueue(Enqueue::Late) => acceptance::Answer::Late,
        Answer::Enqueue(Enqueue::Done) => acceptance::Answer::Done,
        Answer::Enqueue(Enqueue::InFlight { retry_after }) => {
            acceptance::Answer::InFlight(retry_after)
        }
    }
}

/// The `guard` resource: acceptance over the core's bounded in-memory store.
pub struct AcceptanceGuard(RefCell<hookproof::AcceptanceGuard>);

impl acceptance::GuestGuard for AcceptanceGuard {
    fn create(
        config: acceptance::Config,
        capacity: u32,
    ) -> Result<acceptance::Guard, acceptance::AcceptanceError> {
        let capacity = usize::try_from(capacity).unwrap_or(usize::MAX);
        hookproof::AcceptanceGuard::in_memory(acceptance_config(config)?, capacity)
            .map(|g| acceptance::Guard::new(AcceptanceGuard(RefCell::new(g))))
            .map_err(acceptance_error)
    }

    fn apply(
        &self,
        id: String,
        op: acceptance::Op,
        now: i64,
    ) -> Result<acceptance::Answer, acceptance::AcceptanceError> {
        self.0
            .borrow_mut()
            .apply(&id, acceptance_op(op), now)
            .map(acceptance_answer)
            .map_err(acceptance_error)
    }

    fn size(&self) -> u32 {
        u32::try_from(self.0.borrow().store().len()).unwrap_or(u32::MAX)
    }
}

impl acceptance::Guest for Component {
    type Guard = AcceptanceGuard;

    fn key(id: String) -> Result<String, acceptance::AcceptanceError> {
        hookproof::acceptance::key(&id)
            .map(|k| k.as_str().to_owned())
            .map_err(acceptance_error)
    }

    fn redis_keys(
        prefix: String,
        scope: String,
        id: String,
    ) -> Result<acceptance::RedisLayout, acceptance::RedisKeyError> {
        use hookproof::redis::{Layout, RedisError};
        let layout = Layout::new(&prefix, &scope).map_err(|e| match e {
            RedisError::InvalidPrefix => acceptance::RedisKeyError::InvalidPrefix,
            _ => acceptance::RedisKeyError::InvalidScope,
        })?;
        let key =
            hookproof::acceptance::key(&id).map_err(|_| acceptance::RedisKeyError::InvalidId)?;
        Ok(acceptance::RedisLayout {
            stream: layout.stream_key(),
            acceptance: layout.acceptance_key(&key),
        })
    }

    fn transition(
        config: acceptance::Config,
        entry: Option<acceptance::Entry>,
        op: acceptance::Op,
        now: i64,
    ) -> Result<acceptance::Step, acceptance::AcceptanceError> {
        use hookproof::acceptance::Entry;
        let entry = entry.map(|e| match e {
            acceptance::Entry::InFlight(lease_until) => Entry::InFlight { lease_until },
            acceptance::Entry::Done(until) => Entry::Done { until },
        });
        let t = hookproof::acceptance::transition(
            &acceptance_config(config)?,
            entry,
            acceptance_op(op),
            now,
        );
        Ok(acceptance::Step {
            entry: t.entry.map(|e| match e {
                Entry::InFlight { lease_until } => acceptance::Entry::InFlight(lease_until),
                Entry::Done { until } => acceptance::Entry::Done(until),
            }),
            answer: acceptance_answer(t.answer),
        })
    }
}

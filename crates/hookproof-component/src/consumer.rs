//! The `consumer` interface: the core's request decision (`hookproof::consumer`). Only
//! conversions between WIT types and the core's.

use std::cell::RefCell;
use std::rc::Rc;

use hookproof::ErrorCode;
use hookproof::acceptance::Begin;
use hookproof::consumer::{
    AuthorizationSetting, Backend4xx, Consumer, ConsumerError, ConsumerSettings, Delivered,
    Exchange, Head, Step,
};
use hookproof::{AcceptanceError, Classification, Policy, RateDecision};

use crate::Component;
use crate::bindings::exports::hookproof::webhooks::consumer as wit;
use crate::bindings::exports::hookproof::webhooks::delivery;

fn error(e: ConsumerError) -> wit::ConsumerError {
    use wit::ConsumerError as W;
    match e.code() {
        "no_credentials" => W::NoCredentials,
        "unsupported_key" => W::UnsupportedKey,
        "ambiguous_key" => W::AmbiguousKey,
        "too_many_secrets" => W::TooManySecrets,
        "invalid_credentials" => W::InvalidCredentials,
        "invalid_source" | "invalid_address" => W::InvalidSource,
        "too_many_sources" => W::TooManySources,
        "invalid_event_type" => W::InvalidEventType,
        "too_many_event_types" => W::TooManyEventTypes,
        "invalid_tag" => W::InvalidTag,
        "too_many_tags" => W::TooManyTags,
        "invalid_setting" => W::InvalidSetting,
        "unexpected_result" => W::UnexpectedResult,
        _ => W::InvalidSecret,
    }
}

fn classification(c: Classification) -> delivery::Classification {
    match c {
        Classification::Delivered => delivery::Classification::Delivered,
        Classification::Redirect => delivery::Classification::Redirect,
        Classification::Retry => delivery::Classification::Retry,
        Classification::Failed => delivery::Classification::Failed,
    }
}

fn step(s: Step) -> wit::Step {
    match s {
        Step::ReadBody { max_bytes, wait_ms } => {
            wit::Step::ReadBody(wit::ReadBodyStep { max_bytes, wait_ms })
        }
        Step::CheckSource => wit::Step::CheckSource,
        Step::CheckRate { wait_ms } => wit::Step::CheckRate(wait_ms),
        Step::Begin { id, key, wait_ms } => wit::Step::Begin(wit::BeginStep { id, key, wait_ms }),
        Step::Deliver {
            id,
            token,
            event_type,
            company_id,
            wait_ms,
        } => wit::Step::Deliver(wit::DeliverStep {
            id,
            token,
            event_type,
            company_id,
            wait_ms,
        }),
        Step::Commit {
            id,
            key,
            token,
            wait_ms,
        } => wit::Step::Commit(wit::SettleStep {
            id,
            key,
            token,
            wait_ms,
        }),
        Step::Abort {
            id,
            key,
            token,
            wait_ms,
        } => wit::Step::Abort(wit::SettleStep {
            id,
            key,
            token,
            wait_ms,
        }),
        Step::Answer(a) => wit::Step::Answer(wit::Answer {
            status: a.status,
            body: a.body,
            retry_after: a.retry_after,
            allow: a.allow.map(str::to_owned),
            close: a.close,
            sender: classification(a.sender),
        }),
    }
}

fn settings(s: wit::Settings) -> ConsumerSettings {
    let d = ConsumerSettings::default();
    ConsumerSettings {
        keys: s.keys,
        authorization: s.authorization.map(|a| match a {
            wit::AuthorizationSetting::Bearer(token) => AuthorizationSetting::Bearer(token),
            wit::AuthorizationSetting::Basic((username, password)) => {
                AuthorizationSetting::Basic { username, password }
            }
        }),
        policy: match s.policy {
            Some(delivery::Policy::Legacy) => Policy::Legacy,
            Some(delivery::Policy::Current) | None => Policy::Current,
        },
        tolerance_seconds: s.tolerance_seconds,
        client_id: s.client_id,
        sources: s.sources,
        event_types: s.event_types.unwrap_or_default(),
        company_tags: s.company_tags.unwrap_or_default(),
        max_body_bytes: s.max_body_bytes.unwrap_or(d.max_body_bytes),
        body_timeout_ms: s.body_timeout_ms.unwrap_or(d.body_timeout_ms),
        budget_ms: s.budget_ms.unwrap_or(d.budget_ms),
        retry_after_seconds: s.retry_after_seconds.unwrap_or(d.retry_after_seconds),
        rate_limited: s.rate_limited,
        source_limited: s.source_limited.unwrap_or(d.source_limited),
        backend_4xx: match s.backend_client_error {
            Some(wit::BackendClientError::Reject) => Backend4xx::Reject,
            Some(wit::BackendClientError::Acknowledge) => Backend4xx::Acknowledge,
            Some(wit::BackendClientError::Retry) | None => Backend4xx::Retry,
        },
    }
}

/// The `consumer` resource.
pub struct WitConsumer(Rc<Consumer>);

/// The `exchange` resource.
pub struct WitExchange {
    consumer: Rc<Consumer>,
    inner: RefCell<Exchange>,
}

type Fed = Result<wit::Step, wit::ConsumerError>;

impl WitExchange {
    fn feed(&self, f: impl FnOnce(&Consumer, &mut Exchange) -> Result<Step, ConsumerError>) -> Fed {
        f(&self.consumer, &mut self.inner.borrow_mut())
            .map(step)
            .map_err(error)
    }
}

impl wit::GuestConsumer for WitConsumer {
    fn create(settings_in: wit::Settings) -> Result<wit::Consumer, wit::ConsumerError> {
        Consumer::new(&settings(settings_in))
            .map(|c| wit::Consumer::new(WitConsumer(Rc::new(c))))
            .map_err(error)
    }

    fn start(&self, now_ms: u64, head: wit::Head) -> (wit::Exchange, wit::Step) {
        let (inner, first) = self.0.exchange(
            now_ms,
            &Head {
                method: &head.method,
                source: head.source.as_deref(),
                content_length: head.content_length,
            },
        );
        let exchange = WitExchange {
            consumer: Rc::clone(&self.0),
            inner: RefCell::new(inner),
        };
        (wit::Exchange::new(exchange), step(first))
    }
}

impl wit::GuestExchange for WitExchange {
    fn body(&self, headers: Vec<(String, String)>, body: Vec<u8>, now_ms: u64) -> Fed {
        self.feed(|c, e| e.body(c, headers.as_slice(), &body, now_ms))
    }

    fn too_large(&self) -> Fed {
        self.feed(|c, e| e.too_large(c))
    }

    fn timeout(&self, now_ms: u64) -> Fed {
        self.feed(|c, e| e.timeout(c, now_ms))
    }

    fn rate(&self, result: wit::RateResult, now_ms: u64) -> Fed {
        let decision = match result {
            wit::RateResult::Allow => Some(RateDecision::Allow),
            wit::RateResult::RetryAfter(s) => Some(RateDecision::RetryAfter(s)),
            wit::RateResult::Unavailable => None,
        };
        self.feed(|c, e| e.rate(c, decision, now_ms))
    }

    fn begun(&self, begun: wit::Begun, now_ms: u64) -> Fed {
        let begun = match begun {
            wit::Begun::New(token) => Ok(Begin::New { token }),
            wit::Begun::InFlight(retry_after) => Ok(Begin::InFlight { retry_after }),
            wit::Begun::Done => Ok(Begin::Done),
            wit::Begun::StoreFull => Err(AcceptanceError::StoreFull),
            wit::Begun::StoreUnavailable => Err(AcceptanceError::StoreUnavailable),
        };
        self.feed(|c, e| e.begun(c, begun, now_ms))
    }

    fn delivered(&self, delivered: wit::Delivered, now_ms: u64) -> Fed {
        let retry_after;
        let d = match delivered {
            wit::Delivered::Accepted => Delivered::Accepted,
            wit::Delivered::Committed => Delivered::Committed,
            wit::Delivered::Duplicate => Delivered::Duplicate,
            wit::Delivered::InFlight(s) => Delivered::InFlight { retry_after: s },
            wit::Delivered::Backend(b) => {
                retry_after = b.retry_after;
                Delivered::Backend {
                    status: b.status,
                    retry_after: retry_after.as_deref(),
                }
            }
            wit::Delivered::Unreachable => Delivered::Unreachable,
            wit::Delivered::Pending => Delivered::Pending,
        };
        self.feed(|c, e| e.delivered(c, d, now_ms))
    }

    fn settled(&self) -> Fed {
        self.feed(|_, e| e.settled())
    }
}

impl wit::Guest for Component {
    type Consumer = WitConsumer;
    type Exchange = WitExchange;
}

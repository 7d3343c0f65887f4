//! A consumer step in `tests/vectors/consumer.json`'s shape, shared by the vector runner
//! (`tests/vectors.rs`) and the differential's native host (`tests/differential/native.rs`).

use serde_json::{Value, json};

/// A step in the vectors' shape (written out here, not through the optional serde derive).
pub fn consumer_step(step: hookproof::consumer::Step) -> Value {
    use hookproof::consumer::Step;
    match step {
        Step::ReadBody { max_bytes, wait_ms } => {
            json!({"step": "read_body", "maxBytes": max_bytes, "waitMs": wait_ms})
        }
        Step::CheckSource => json!({"step": "check_source"}),
        Step::CheckRate { wait_ms } => json!({"step": "check_rate", "waitMs": wait_ms}),
        Step::Begin { id, key, wait_ms } => {
            json!({"step": "begin", "id": id, "key": key, "waitMs": wait_ms})
        }
        Step::Deliver {
            id,
            token,
            event_type,
            company_id,
            wait_ms,
        } => json!({"step": "deliver", "id": id, "token": token, "eventType": event_type,
            "companyId": company_id, "waitMs": wait_ms}),
        Step::Commit {
            id,
            key,
            token,
            wait_ms,
        } => json!({"step": "commit", "id": id, "key": key, "token": token, "waitMs": wait_ms}),
        Step::Abort {
            id,
            key,
            token,
            wait_ms,
        } => json!({"step": "abort", "id": id, "key": key, "token": token, "waitMs": wait_ms}),
        Step::Answer(a) => json!({"step": "answer", "status": a.status, "body": a.body,
            "retryAfter": a.retry_after, "allow": a.allow, "close": a.close,
            "sender": a.sender.name()}),
    }
}

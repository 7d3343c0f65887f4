//! A tour of the core, as a consumer of Codat's webhooks meets it: verify, filter, answer,
//! and what Codat does with each answer. `make tour` runs it.

use std::time::{SystemTime, UNIX_EPOCH};

use hookproof::classify::{Attempt, CURRENT_RETRY_INTERVALS};
use hookproof::{
    Credentials, Decision, ErrorCode, EventTypeFilter, Policy, Secret, TagFilter, Verifier,
    check_authorization, next_attempt, parse_event, parse_retry_after,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let now = i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs())?;
    let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    let verifier = Verifier::new(&secret);

    println!("== 1. Signatures (Standard Webhooks v1, as Codat sends them through Svix)");
    let body = br#"{"id":"743ec94a-8aa4-44bb-8bd4-e1855ee0e74b","eventType":"read.completed","generatedDate":"2026-11-24T04:00:00Z","payload":{"referenceCompany":{"id":"0498e921-9b53-4396-a412-4f2f5983b0a2","name":"Toft stores","tags":{"region":"us","service":"minerva"}},"dataType":"invoices"}}"#;
    let id = "msg_2p5jXN8AQM9LWM0D4loKWxJek";
    let signature = verifier.sign(id, now, body);
    let ts = now.to_string();
    let headers = [
        ("webhook-id", id),
        ("webhook-timestamp", ts.as_str()),
        ("webhook-signature", signature.as_str()),
    ];
    println!("   webhook-signature: {signature}");
    let ok = verifier.verify(&headers, body, now)?;
    println!("   valid          -> id {} at {}", ok.id, ok.timestamp);
    let mut tampered = body.to_vec();
    tampered[20] ^= 1;
    report("tampered body ", verifier.verify(&headers, &tampered, now));
    report("10 min later  ", verifier.verify(&headers, body, now + 600));
    let bypass = [headers[0], headers[1], ("webhook-signature", "v1,")];
    report("`v1,` bypass  ", verifier.verify(&bypass, body, now));

    println!("\n== 2. Is this event for us? (event type, company tags)");
    let event = parse_event(body)?;
    let types = EventTypeFilter::parse_list("read.*, company.created")?;
    for filter in ["region:us, service:t2k", "region:uk"] {
        let tags = TagFilter::parse_list(filter)?;
        println!(
            "   type {:<15} accepted: {:<5} | tags [{filter}] match: {}",
            event.event_type(),
            types.matches(event.event_type()),
            tags.matches(event.company_tags())
        );
    }

    println!("\n== 3. Legacy webhooks: the Authorization header");
    let expected = Credentials::bearer("tok_2f9c1e0b7a4d")?;
    for header in [
        Some("Bearer tok_2f9c1e0b7a4d"),
        Some("Bearer wrong"),
        Some("Basic Zm9vOmJhcg=="),
        None,
    ] {
        let verdict = match check_authorization(header, &expected) {
            Ok(()) => "ok".to_string(),
            Err(e) => e.code().to_string(),
        };
        println!("   {:<28} -> {verdict}", header.unwrap_or("(none)"));
    }

    println!("\n== 4. What Codat does with each answer");
    timeline(
        Policy::Legacy,
        &[
            Attempt::status(503),
            Attempt::timeout(),
            Attempt::status(200),
        ],
        now,
    );
    let busy = Attempt {
        retry_after: Some("45"),
        ..Attempt::status(429)
    };
    timeline(Policy::Legacy, &[busy, Attempt::status(200)], now);
    timeline(Policy::Legacy, &[Attempt::status(400)], now);
    timeline(Policy::Current, &[Attempt::status(301); 8], now);
    let abort = Attempt {
        webhook_delivery: Some("abort-message"),
        ..Attempt::status(500)
    };
    timeline(Policy::Current, &[Attempt::status(500), abort], now);
    println!(
        "   current schedule after each failure (s): {:?}",
        CURRENT_RETRY_INTERVALS
    );
    println!(
        "   Retry-After \"Wed, 21 Oct 2015 07:28:00 GMT\" today -> {:?} s",
        parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now)
    );
    Ok(())
}

fn report<T>(what: &str, result: Result<T, hookproof::VerifyError>) {
    match result {
        Ok(_) => println!("   {what} -> valid"),
        Err(e) => println!("   {what} -> {}: {e}", e.code()),
    }
}

/// Plays responses through the policy, one per attempt, and prints the sender's decisions.
fn timeline(policy: Policy, responses: &[Attempt<'_>], start: i64) {
    let mut line = format!("   {:<7}", policy.name());
    let mut at = start;
    for (n, attempt) in responses.iter().enumerate() {
        let status = match attempt.outcome {
            Some(hookproof::Outcome::Status(s)) => s.to_string(),
            Some(hookproof::Outcome::Timeout) => "timeout".into(),
            _ => "conn-error".into(),
        };
        let number = u32::try_from(n + 1).unwrap_or(u32::MAX);
        let decision = next_attempt(policy, number, attempt, at);
        line.push_str(&format!(" #{number}@+{}s {status}", at - start));
        match decision {
            Decision::RetryAt(next) => {
                line.push_str(" ->");
                at = next;
            }
            Decision::Delivered => {
                line.push_str(" => delivered");
                break;
            }
            Decision::FollowRedirect => {
                line.push_str(" => follow redirect");
                break;
            }
            Decision::GiveUp(reason) => {
                line.push_str(&format!(" => dropped ({})", reason.name()));
                break;
            }
        }
    }
    println!("{line}");
}

//! Example events, shaped like Codat's: the current envelope (`id`, `eventType`,
//! `generatedDate`, `payload` with `referenceCompany`) and the legacy rule body.

use serde_json::{Value, json};

/// Event types `send` can build, from Codat's event catalog.
pub const EVENT_TYPES: &[(&str, &str)] = &[
    (
        "company.created",
        "a company was created (the company is the payload)",
    ),
    ("company.deleted", "a company was deleted"),
    ("connection.created", "a data connection was created"),
    ("connection.connected", "a data connection was linked"),
    ("connection.disconnected", "a data connection was unlinked"),
    ("connection.reconnected", "a data connection was relinked"),
    ("connection.failed", "a data connection failed to link"),
    ("connection.deleted", "a data connection was deleted"),
    ("read.completed", "a data read finished"),
    (
        "read.completed.initial",
        "the first read of a connection finished",
    ),
    (
        "invoices.write.successful",
        "a write (here: invoices) succeeded",
    ),
    (
        "invoices.write.unsuccessful",
        "a write (here: invoices) failed",
    ),
    ("client.rateLimit.reached", "the client hit its rate limit"),
    ("client.rateLimit.reset", "the client's rate limit reset"),
    (
        "bankFeeds.sourceAccount.connected",
        "a bank-feed source account was connected",
    ),
    (
        "bankFeeds.sourceAccount.disconnected",
        "a bank-feed source account was disconnected",
    ),
    ("expenses.sync.successful", "an expense sync succeeded"),
    ("expenses.sync.unsuccessful", "an expense sync failed"),
    (
        "reports.creditModel.generate.successful",
        "a credit model report was generated",
    ),
    (
        "reports.spendAnalysis.generate.successful",
        "a spend analysis report was generated",
    ),
];

/// Legacy rule types (`RuleType`) `send --legacy-body` can build.
pub const LEGACY_RULE_TYPES: &[&str] = &[
    "DataConnectionStatusChanged",
    "New company synchronized",
    "Data sync completed",
    "Dataset data changed",
    "Data Sync Status Changed To Error",
    "Push Operation Status Changed()",
    "Push Operation Timed Out",
    "Account Categories Updated",
    "Sync Connection Deleted",
    "Sync Completed",
    "Sync Failed",
    "Rate Limit Reached",
    "Rate Limit Reset",
];

const COMPANY_ID: &str = "0498e921-9b53-4396-a412-4f2f5983b0a2";
const CONNECTION_ID: &str = "51baa045-4836-4317-a42e-3542e991e581";

fn company(tags: &[(String, String)]) -> Value {
    let tags: serde_json::Map<String, Value> = tags
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
        .collect();
    json!({
        "id": COMPANY_ID,
        "name": "Toft stores",
        "description": "Scottish retailer",
        "links": { "portal": format!("https://app.codat.io/companies/{COMPANY_ID}/summary") },
        "tags": tags,
    })
}

/// The current envelope for `event_type`, `id` a UUID, `generated` an ISO 8601 time.
pub fn current_event(
    event_type: &str,
    id: &str,
    generated: &str,
    tags: &[(String, String)],
) -> Value {
    let reference = company(tags);
    let payload = match event_type {
        t if t.starts_with("company.") => reference,
        t if t.starts_with("connection.") => json!({
            "referenceCompany": reference,
            "connectionId": CONNECTION_ID,
            "platformKey": "gbol",
            "status": if t.ends_with("connected") && !t.ends_with("disconnected") { "Linked" } else { "Unlinked" },
        }),
        t if t.starts_with("read.") => json!({
            "referenceCompany": reference,
            "connectionId": CONNECTION_ID,
            "dataTypes": ["invoices", "bills", "chartOfAccounts"],
            "modifiedFromDate": "2026-01-01T00:00:00Z",
        }),
        t if t.contains(".write.") => json!({
            "referenceCompany": reference,
            "connectionId": CONNECTION_ID,
            "dataType": t.split('.').next().unwrap_or("invoices"),
            "pushOperationKey": "b8b7c8bd-7a5d-4a40-8fd8-2d6b3ae54b34",
            "status": if t.ends_with("unsuccessful") { "Failed" } else { "Success" },
        }),
        t if t.starts_with("client.rateLimit") => json!({
            "dailyQuota": 1000,
            "quotaRemaining": if t.ends_with("reached") { 0 } else { 1000 },
            "expiresUtc": "2026-11-25T00:00:00Z",
        }),
        _ => json!({ "referenceCompany": reference, "connectionId": CONNECTION_ID }),
    };
    json!({ "id": id, "eventType": event_type, "generatedDate": generated, "payload": payload })
}

/// A legacy rule body.
pub fn legacy_event(rule_type: &str, alert_id: &str, client_id: &str) -> Value {
    json!({
        "CompanyId": COMPANY_ID,
        "ClientId": client_id,
        "ClientName": "Toft",
        "DataConnectionId": CONNECTION_ID,
        "RuleId": "70af3071-65d9-4ec3-b3cb-5283e8d55dac",
        "RuleType": rule_type,
        "AlertId": alert_id,
        "Message": format!("{rule_type} for SandBox"),
        "Data": { "dataConnectionId": CONNECTION_ID, "newStatus": "Linked", "oldStatus": "PendingAuth", "platformKey": "mqjo" },
    })
}

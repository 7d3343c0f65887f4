//! Codat webhook bodies: the current envelope and the legacy rule body.
//!
//! Current (`Webhooks.json` in Codat's docs): `{ "id", "eventType", "generatedDate", "payload" }`,
//! where most payloads carry `referenceCompany { id, name, tags }` and `company.*` events put the
//! company itself in `payload`. Codat's own `company.created` example says `type` instead of
//! `eventType`; both are accepted (`eventType` wins when both are present).
//!
//! Legacy: `{ "RuleType", "CompanyId", "ClientId", "ClientName", "DataConnectionId", "RuleId",
//! "AlertId", "Message", "Data" }`, recognised by its `RuleType`.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use crate::error::ErrorCode;
use crate::json::{self, Kind, Node};

/// Largest body [`parse_event`] reads, in bytes (Standard Webhooks asks for < 20 KB; Codat's
/// events are references, not data).
pub const MAX_EVENT_LEN: usize = 1024 * 1024;
/// Most company tags read from one event (Codat's schema allows 10).
pub const MAX_EVENT_TAGS: usize = 100;
/// Deepest JSON nesting accepted; deeper input is `invalid_payload`.
pub const MAX_EVENT_DEPTH: usize = json::MAX_DEPTH;

/// Why a body is not a Codat event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventError {
    /// Not JSON (or not UTF-8, or nested deeper than [`MAX_EVENT_DEPTH`]).
    InvalidPayload,
    /// JSON, but not the shape of a Codat event; the field at fault is named.
    InvalidEvent(&'static str),
    /// Larger than [`MAX_EVENT_LEN`].
    EventTooLarge,
}

impl ErrorCode for EventError {
    fn code(&self) -> &'static str {
        match self {
            EventError::InvalidPayload => "invalid_payload",
            EventError::InvalidEvent(_) => "invalid_event",
            EventError::EventTooLarge => "event_too_large",
        }
    }

    fn message(&self) -> &'static str {
        match self {
            EventError::InvalidPayload => "body is not valid JSON",
            EventError::InvalidEvent(_) => "body is not a Codat event: a field is bad or missing",
            EventError::EventTooLarge => "body is larger than 1048576 bytes",
        }
    }
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventError::InvalidEvent(field) => {
                write!(f, "body is not a Codat event: bad or missing {field}")
            }
            _ => f.write_str(self.message()),
        }
    }
}

impl core::error::Error for EventError {}

/// The company an event is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Company {
    /// Codat company id.
    pub id: Option<String>,
    /// Company name.
    pub name: Option<String>,
    /// Company tags as `(key, value)` pairs in document order (a repeated key keeps its last
    /// value, as `JSON.parse` does).
    pub tags: Vec<(String, String)>,
}

impl Company {
    /// The tags as borrowed pairs, ready for [`crate::TagFilter::matches`].
    pub fn tag_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// A parsed Codat webhook body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(
        tag = "kind",
        rename_all = "snake_case",
        rename_all_fields = "camelCase"
    )
)]
pub enum Event {
    /// The current service's envelope.
    Current {
        /// Event id (a UUID in Codat's schema), if present.
        id: Option<String>,
        /// `eventType` (or `type`), e.g. `read.completed`.
        event_type: String,
        /// `generatedDate`, ISO 8601, if present.
        generated_date: Option<String>,
        /// The company, from `payload.referenceCompany` or, for `company.*`, `payload`.
        company: Option<Company>,
        /// The `payload` object's JSON text, exactly as received (`None` when absent or null).
        payload: Option<String>,
    },
    /// A legacy rule webhook body.
    Legacy {
        /// `RuleType`, e.g. `DataConnectionStatusChanged`.
        rule_type: String,
        /// `CompanyId`.
        company_id: Option<String>,
        /// `ClientId`.
        client_id: Option<String>,
        /// `ClientName`.
        client_name: Option<String>,
        /// `DataConnectionId`.
        data_connection_id: Option<String>,
        /// `RuleId` (deprecated by Codat).
        rule_id: Option<String>,
        /// `AlertId`.
        alert_id: Option<String>,
        /// `Message`.
        message: Option<String>,
        /// The `Data` member's JSON text, exactly as received (`None` when absent or null).
        data: Option<String>,
    },
}

impl Event {
    /// `eventType` for current events, `RuleType` for legacy ones.
    pub fn event_type(&self) -> &str {
        match self {
            Event::Current { event_type, .. } => event_type,
            Event::Legacy { rule_type, .. } => rule_type,
        }
    }

    /// The company id, wherever the body keeps it.
    pub fn company_id(&self) -> Option<&str> {
        match self {
            Event::Current { company, .. } => company.as_ref()?.id.as_deref(),
            Event::Legacy { company_id, .. } => company_id.as_deref(),
        }
    }

    /// The company's tags (legacy bodies carry none).
    pub fn company_tags(&self) -> impl Iterator<Item = (&str, &str)> {
        let company = match self {
            Event::Current { company, .. } => company.as_ref(),
            Event::Legacy { .. } => None,
        };
        company.into_iter().flat_map(Company::tag_pairs)
    }

    /// `"current"` or `"legacy"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Current { .. } => "current",
            Event::Legacy { .. } => "legacy",
        }
    }
}

/// Parses a raw webhook body (bytes as received) into an [`Event`].
///
/// Memory: the body is validated in place; the heap holds only the strings the [`Event`]
/// returns (each no longer than its text in the body), so at most about twice the body when
/// the company's fields are copied beside the payload's text that contains them.
pub fn parse_event(body: &[u8]) -> Result<Event, EventError> {
    if body.len() > MAX_EVENT_LEN {
        return Err(EventError::EventTooLarge);
    }
    let root = json::parse(body).map_err(|_| EventError::InvalidPayload)?;
    if root.kind() != Kind::Object {
        return Err(EventError::InvalidEvent("body (not an object)"));
    }
    let [rule_type, event_type, type_, id, generated_date, payload] = root.fields([
        "RuleType",
        "eventType",
        "type",
        "id",
        "generatedDate",
        "payload",
    ]);
    if rule_type.is_some() {
        return parse_legacy(&root);
    }
    let event_type = match event_type.or(type_).and_then(|n| n.str()) {
        Some(t) if !t.is_empty() => t.into_owned(),
        _ => return Err(EventError::InvalidEvent("eventType")),
    };
    let id = opt_string(id, "id")?;
    let generated_date = opt_string(generated_date, "generatedDate")?;
    let company = match payload {
        None => None,
        Some(p) => match p.kind() {
            Kind::Null => None,
            Kind::Object => {
                let reference = p.get("referenceCompany");
                match reference.map(|c| c.kind()) {
                    Some(Kind::Object) => reference.map(company).transpose()?,
                    Some(Kind::Null) | None if event_type.starts_with("company.") => {
                        Some(company(p)?)
                    }
                    Some(Kind::Null) | None => None,
                    Some(_) => return Err(EventError::InvalidEvent("payload.referenceCompany")),
                }
            }
            _ => return Err(EventError::InvalidEvent("payload")),
        },
    };
    Ok(Event::Current {
        id,
        event_type,
        generated_date,
        company,
        payload: raw(payload),
    })
}

fn raw(node: Option<Node<'_>>) -> Option<String> {
    node.filter(|n| n.kind() != Kind::Null)
        .map(|n| n.raw().to_string())
}

fn parse_legacy(root: &Node<'_>) -> Result<Event, EventError> {
    let [
        rule_type,
        company_id,
        client_id,
        client_name,
        data_connection_id,
        rule_id,
        alert_id,
        message,
        data,
    ] = root.fields([
        "RuleType",
        "CompanyId",
        "ClientId",
        "ClientName",
        "DataConnectionId",
        "RuleId",
        "AlertId",
        "Message",
        "Data",
    ]);
    let rule_type = match rule_type.and_then(|n| n.str()) {
        Some(t) if !t.is_empty() => t.into_owned(),
        _ => return Err(EventError::InvalidEvent("RuleType")),
    };
    Ok(Event::Legacy {
        rule_type,
        company_id: opt_string(company_id, "CompanyId")?,
        client_id: opt_string(client_id, "ClientId")?,
        client_name: opt_string(client_name, "ClientName")?,
        data_connection_id: opt_string(data_connection_id, "DataConnectionId")?,
        rule_id: opt_string(rule_id, "RuleId")?,
        alert_id: opt_string(alert_id, "AlertId")?,
        message: opt_string(message, "Message")?,
        data: raw(data),
    })
}

/// A string member that may be absent or `null`; any other type is a shape error.
fn opt_string(node: Option<Node<'_>>, field: &'static str) -> Result<Option<String>, EventError> {
    match node {
        None => Ok(None),
        Some(n) if n.kind() == Kind::Null => Ok(None),
        Some(n) => match n.str() {
            Some(s) => Ok(Some(s.into_owned())),
            None => Err(EventError::InvalidEvent(field)),
        },
    }
}

fn company(node: Node<'_>) -> Result<Company, EventError> {
    let [tags_node, id, name] = node.fields(["tags", "id", "name"]);
    let mut tags: Vec<(String, String)> = Vec::new();
    match tags_node.map(|n| (n.kind(), n)) {
        None | Some((Kind::Null, _)) => {}
        Some((Kind::Object, members)) => {
            if members.members().count() > MAX_EVENT_TAGS {
                return Err(EventError::InvalidEvent("tags (too many)"));
            }
            for (key, value) in members.members() {
                let (Some(key), Some(value)) = (key.str(), value.str()) else {
                    return Err(EventError::InvalidEvent("tags (values must be strings)"));
                };
                match tags.iter_mut().find(|(k, _)| *k == key) {
                    Some(slot) => slot.1 = value.into_owned(),
                    None => tags.push((key.into_owned(), value.into_owned())),
                }
            }
        }
        Some(_) => return Err(EventError::InvalidEvent("tags")),
    }
    Ok(Company {
        id: opt_string(id, "id")?,
        name: opt_string(name, "name")?,
        tags,
    })
}

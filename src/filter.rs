//! Event-type and client filters: which events a consumer wants.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use crate::error::ErrorCode;

/// Most patterns in one [`EventTypeFilter`] (Codat's catalog has under 40 types).
pub const MAX_EVENT_TYPE_PATTERNS: usize = 64;
/// Longest event-type pattern, in bytes.
pub const MAX_EVENT_TYPE_LEN: usize = 128;
/// `X-Codat-ClientId`, the header naming the Codat client (legacy docs, "Filtering events by
/// client"; a custom header on the current service).
pub const CODAT_CLIENT_ID: &str = "x-codat-clientid";

/// Why an event-type filter was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventTypeError {
    /// More than [`MAX_EVENT_TYPE_PATTERNS`] patterns.
    TooManyEventTypes,
    /// The pattern at this zero-based index is empty, too long, has control characters, or a
    /// `*` anywhere but as a whole final segment.
    InvalidEventType {
        /// Zero-based position of the offending pattern.
        index: usize,
    },
}

impl ErrorCode for EventTypeError {
    fn code(&self) -> &'static str {
        match self {
            EventTypeError::TooManyEventTypes => "too_many_event_types",
            EventTypeError::InvalidEventType { .. } => "invalid_event_type",
        }
    }

    fn message(&self) -> &'static str {
        match self {
            EventTypeError::TooManyEventTypes => "more than 64 event types",
            EventTypeError::InvalidEventType { .. } => {
                "an event type is not a name, `prefix.*` or `*`"
            }
        }
    }

    fn index(&self) -> Option<usize> {
        EventTypeError::index(self)
    }
}

impl fmt::Display for EventTypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventTypeError::InvalidEventType { index } => write!(
                f,
                "event type #{} is not a name, `prefix.*` or `*`",
                index + 1
            ),
            _ => f.write_str(self.message()),
        }
    }
}

impl EventTypeError {
    /// The zero-based position of the offending entry, when the error names one.
    pub fn index(&self) -> Option<usize> {
        match self {
            EventTypeError::InvalidEventType { index } => Some(*index),
            _ => None,
        }
    }
}

impl core::error::Error for EventTypeError {}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    Any,
    Exact(String),
    /// The prefix including its final `.`.
    Prefix(String),
}

/// Accepted event types: exact names (`read.completed`), prefixes (`connection.*` matches
/// `connection.connected` and any deeper name under `connection.`) and `*` (everything).
/// Names are compared exactly and case-sensitively; legacy `RuleType`s work as names too.
/// An empty filter accepts every event type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventTypeFilter {
    patterns: Vec<Pattern>,
}

impl EventTypeFilter {
    /// Parses the patterns.
    pub fn new<I, S>(patterns: I) -> Result<EventTypeFilter, EventTypeError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut parsed = Vec::new();
        for (index, pattern) in patterns.into_iter().enumerate() {
            if index == MAX_EVENT_TYPE_PATTERNS {
                return Err(EventTypeError::TooManyEventTypes);
            }
            let p = pattern.as_ref();
            let invalid = EventTypeError::InvalidEventType { index };
            if p.is_empty() || p.len() > MAX_EVENT_TYPE_LEN || p.chars().any(char::is_control) {
                return Err(invalid);
            }
            let parsed_pattern = if p == "*" {
                Pattern::Any
            } else if let Some(prefix) = p.strip_suffix('*') {
                if !prefix.ends_with('.') || prefix.len() < 2 || prefix.contains('*') {
                    return Err(invalid);
                }
                Pattern::Prefix(prefix.to_string())
            } else if p.contains('*') {
                return Err(invalid);
            } else {
                Pattern::Exact(p.to_string())
            };
            parsed.push(parsed_pattern);
        }
        Ok(EventTypeFilter { patterns: parsed })
    }

    /// Parses a comma-separated list, trimming spaces; blank is the empty filter.
    pub fn parse_list(list: &str) -> Result<EventTypeFilter, EventTypeError> {
        if list.trim().is_empty() {
            return Ok(EventTypeFilter::default());
        }
        EventTypeFilter::new(list.split(',').map(str::trim))
    }

    /// Whether `event_type` is accepted.
    pub fn matches(&self, event_type: &str) -> bool {
        self.patterns.is_empty()
            || self.patterns.iter().any(|p| match p {
                Pattern::Any => true,
                Pattern::Exact(name) => name == event_type,
                Pattern::Prefix(prefix) => {
                    event_type.len() > prefix.len() && event_type.starts_with(prefix.as_str())
                }
            })
    }
}

/// Why an `X-Codat-ClientId` check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClientIdError {
    /// No (or an empty) `X-Codat-ClientId` header.
    MissingClientId,
    /// A different client id.
    ClientIdMismatch,
}

impl ErrorCode for ClientIdError {
    fn code(&self) -> &'static str {
        match self {
            ClientIdError::MissingClientId => "missing_client_id",
            ClientIdError::ClientIdMismatch => "client_id_mismatch",
        }
    }

    fn message(&self) -> &'static str {
        match self {
            ClientIdError::MissingClientId => "missing X-Codat-ClientId header",
            ClientIdError::ClientIdMismatch => "X-Codat-ClientId names a different client",
        }
    }
}

impl fmt::Display for ClientIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for ClientIdError {}

/// Checks the `X-Codat-ClientId` header against the expected client id. Codat client ids are
/// UUIDs, so the comparison ignores ASCII case and surrounding spaces.
pub fn check_client_id(expected: &str, header: Option<&str>) -> Result<(), ClientIdError> {
    let actual = header.map(|h| h.trim_matches([' ', '\t'])).unwrap_or("");
    if actual.is_empty() {
        Err(ClientIdError::MissingClientId)
    } else if actual.eq_ignore_ascii_case(expected.trim_matches([' ', '\t'])) {
        Ok(())
    } else {
        Err(ClientIdError::ClientIdMismatch)
    }
}

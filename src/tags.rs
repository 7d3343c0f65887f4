//! Company-tag filters, as Codat's webhook consumers apply them.
//!
//! A filter holds up to 10 `key:value` tags (split at the first colon, so the value may hold
//! colons). A company matches when **any** of its tags equals any filter tag, exactly and
//! case-sensitively; an empty filter matches every company (Codat, "Filter webhooks by company
//! tags").

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use crate::error::ErrorCode;

/// Most tags in one filter (Codat: "Each webhook consumer can support up to 10 company tags").
pub const MAX_FILTER_TAGS: usize = 10;
/// Longest tag key, in characters (Codat's company-tag schema: keys `^.{1,27}$`).
pub const MAX_TAG_KEY_CHARS: usize = 27;
/// Longest tag value, in characters (Codat's company-tag schema: `maxLength: 100`).
pub const MAX_TAG_VALUE_CHARS: usize = 100;

/// What is wrong with one filter tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TagProblem {
    /// No `:` separating key and value.
    MissingColon,
    /// Nothing before the colon.
    EmptyKey,
    /// Key longer than [`MAX_TAG_KEY_CHARS`] characters.
    KeyTooLong,
    /// Value longer than [`MAX_TAG_VALUE_CHARS`] characters.
    ValueTooLong,
}

/// Why a tag filter was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TagError {
    /// More than [`MAX_FILTER_TAGS`] tags.
    TooManyTags,
    /// The tag at this zero-based index is malformed.
    InvalidTag {
        /// Zero-based position of the offending entry.
        index: usize,
        /// What is wrong with it.
        problem: TagProblem,
    },
}

impl ErrorCode for TagError {
    fn code(&self) -> &'static str {
        match self {
            TagError::TooManyTags => "too_many_tags",
            TagError::InvalidTag { .. } => "invalid_tag",
        }
    }

    fn message(&self) -> &'static str {
        match self {
            TagError::TooManyTags => "more than 10 company tags",
            TagError::InvalidTag { problem, .. } => match problem {
                TagProblem::MissingColon => "a company tag is not key:value",
                TagProblem::EmptyKey => "a company tag has an empty key",
                TagProblem::KeyTooLong => "a company tag has a key longer than 27 characters",
                TagProblem::ValueTooLong => "a company tag has a value longer than 100 characters",
            },
        }
    }

    fn index(&self) -> Option<usize> {
        TagError::index(self)
    }
}

impl fmt::Display for TagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TagError::TooManyTags => f.write_str(self.message()),
            TagError::InvalidTag { index, problem } => {
                let what = match problem {
                    TagProblem::MissingColon => "is not key:value",
                    TagProblem::EmptyKey => "has an empty key",
                    TagProblem::KeyTooLong => "has a key longer than 27 characters",
                    TagProblem::ValueTooLong => "has a value longer than 100 characters",
                };
                write!(f, "company tag #{} {what}", index + 1)
            }
        }
    }
}

impl TagError {
    /// The zero-based position of the offending entry, when the error names one.
    pub fn index(&self) -> Option<usize> {
        match self {
            TagError::InvalidTag { index, .. } => Some(*index),
            _ => None,
        }
    }
}

impl core::error::Error for TagError {}

/// A parsed company-tag filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagFilter {
    tags: Vec<(String, String)>,
}

impl TagFilter {
    /// Parses `key:value` tags, exactly as given (no trimming).
    pub fn new<I, S>(tags: I) -> Result<TagFilter, TagError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut parsed = Vec::new();
        for (index, tag) in tags.into_iter().enumerate() {
            if index == MAX_FILTER_TAGS {
                return Err(TagError::TooManyTags);
            }
            let (key, value) = parse_tag(tag.as_ref())
                .map_err(|problem| TagError::InvalidTag { index, problem })?;
            parsed.push((key.to_string(), value.to_string()));
        }
        Ok(TagFilter { tags: parsed })
    }

    /// Parses a comma-separated list (`"region:us, service:t2k"`), trimming spaces around each
    /// tag; an empty or blank list is the empty filter.
    pub fn parse_list(list: &str) -> Result<TagFilter, TagError> {
        if list.trim().is_empty() {
            return Ok(TagFilter::default());
        }
        TagFilter::new(list.split(',').map(str::trim))
    }

    /// Whether the filter has no tags (and so matches every company).
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }

    /// The filter's tags as `(key, value)` pairs.
    pub fn tags(&self) -> impl Iterator<Item = (&str, &str)> {
        self.tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Whether a company with these `(key, value)` tags is selected.
    pub fn matches<'a, I>(&self, company_tags: I) -> bool
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        if self.tags.is_empty() {
            return true;
        }
        company_tags
            .into_iter()
            .any(|(key, value)| self.tags.iter().any(|(k, v)| k == key && v == value))
    }
}

/// Splits one `key:value` tag at its first colon and checks Codat's bounds.
pub fn parse_tag(tag: &str) -> Result<(&str, &str), TagProblem> {
    let (key, value) = tag.split_once(':').ok_or(TagProblem::MissingColon)?;
    if key.is_empty() {
        Err(TagProblem::EmptyKey)
    } else if key.chars().count() > MAX_TAG_KEY_CHARS {
        Err(TagProblem::KeyTooLong)
    } else if value.chars().count() > MAX_TAG_VALUE_CHARS {
        Err(TagProblem::ValueTooLong)
    } else {
        Ok((key, value))
    }
}

//! Company-tag filters: within Codat's bounds when accepted, stable when re-joined, and
//! matching agrees with a direct model.
#![no_main]
#[path = "common.rs"]
mod common;

use hookproof::TagFilter;
use hookproof::tags::{MAX_FILTER_TAGS, MAX_TAG_KEY_CHARS, MAX_TAG_VALUE_CHARS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parts = common::split(data, 2);
    let (Some(list), Some(company)) = (common::text(parts[0]), common::text(parts[1])) else {
        return;
    };
    let Ok(filter) = TagFilter::parse_list(list) else {
        return;
    };
    let tags: Vec<(&str, &str)> = filter.tags().collect();
    assert!(tags.len() <= MAX_FILTER_TAGS);
    for (k, v) in &tags {
        assert!((1..=MAX_TAG_KEY_CHARS).contains(&k.chars().count()));
        assert!(v.chars().count() <= MAX_TAG_VALUE_CHARS);
    }
    let joined: Vec<String> = tags.iter().map(|(k, v)| format!("{k}:{v}")).collect();
    assert_eq!(TagFilter::new(&joined).unwrap(), filter);
    let company: Vec<(&str, &str)> = company
        .split(',')
        .filter_map(|t| t.split_once(':'))
        .collect();
    let model = tags.is_empty() || company.iter().any(|c| tags.contains(c));
    assert_eq!(filter.matches(company.iter().copied()), model);
});

//! Event-type filters: never panics; a listed name always matches; `prefix.*` matches only
//! names under the prefix.
#![no_main]
#[path = "common.rs"]
mod common;

use hookproof::EventTypeFilter;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parts = common::split(data, 2);
    let (Some(list), Some(event_type)) = (common::text(parts[0]), common::text(parts[1])) else {
        return;
    };
    let Ok(filter) = EventTypeFilter::parse_list(list) else {
        return;
    };
    let patterns: Vec<&str> = list.split(',').map(str::trim).collect();
    let matched = filter.matches(event_type);
    if patterns.contains(&event_type) {
        assert!(matched);
    }
    if matched
        && !list.trim().is_empty()
        && !patterns.contains(&"*")
        && !patterns.contains(&event_type)
    {
        assert!(patterns.iter().any(|p| {
            p.strip_suffix('*')
                .is_some_and(|pre| event_type.starts_with(pre) && event_type.len() > pre.len())
        }));
    }
});

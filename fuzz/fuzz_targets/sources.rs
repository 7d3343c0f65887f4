//! Source allowlists: never panics, and an address listed verbatim is always allowed.
#![no_main]
#[path = "common.rs"]
mod common;

use hookproof::SourceAllowlist;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parts = common::split(data, 2);
    let (Some(entries), Some(address)) = (common::text(parts[0]), common::text(parts[1])) else {
        return;
    };
    let entries: Vec<&str> = entries.split(',').collect();
    let allowed = SourceAllowlist::codat().is_allowed(address);
    let Ok(list) = SourceAllowlist::new(&entries) else {
        return;
    };
    let result = list.is_allowed(address);
    if address.parse::<std::net::IpAddr>().is_ok() {
        assert!(allowed.is_ok());
        if entries.contains(&address) {
            assert_eq!(result, Ok(true));
        }
    }
});

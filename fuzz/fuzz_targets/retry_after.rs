//! `Retry-After` and HTTP-dates: parsing never panics, delta-seconds round-trip, and any
//! date that parses formats as an IMF-fixdate that parses to the same instant.
#![no_main]
use hookproof::{HttpDate, parse_http_date, parse_retry_after};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let now = i64::from_le_bytes(data[..8].try_into().unwrap());
    let Ok(value) = std::str::from_utf8(&data[8..]) else {
        return;
    };
    let delay = parse_retry_after(value, now);
    let trimmed = value.trim_matches([' ', '\t']);
    if trimmed.len() > hookproof::retry_after::MAX_RETRY_AFTER_LEN {
        assert_eq!(delay, None);
    } else if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        assert_eq!(delay, trimmed.parse::<u64>().ok());
    }
    if let Some(at) = parse_http_date(value, now) {
        let text = HttpDate::new(at)
            .expect("a parsed date is formattable")
            .to_string();
        assert_eq!(
            parse_http_date(&text, now),
            Some(at),
            "{value:?} -> {text:?}"
        );
        assert_eq!(
            delay,
            Some(u64::try_from(at.saturating_sub(now)).unwrap_or(0))
        );
    }
});

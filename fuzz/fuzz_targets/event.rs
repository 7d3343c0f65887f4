//! Event bodies: never panics; whatever the core reads as an event is JSON to serde_json too
//! (but for numbers beyond f64's range, which the core keeps as text).
#![no_main]
use hookproof::{Event, parse_event};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(event) = parse_event(data) else { return };
    if let Err(e) = serde_json::from_slice::<serde_json::Value>(data) {
        let why = e.to_string();
        assert!(
            why.contains("out of range") || why.contains("recursion limit"),
            "{why}"
        );
    }
    assert!(!event.event_type().is_empty());
    if let Event::Current {
        payload: Some(p), ..
    } = &event
    {
        assert!(std::str::from_utf8(data).unwrap().contains(p.as_str()));
    }
});

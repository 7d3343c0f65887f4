//! Secrets: exactly the texts svix 2.5.0 and standardwebhooks 1.1.1 take (their decoder,
//! `@stablelib/base64` 1.0.1, ported below line for line) parse, to the same key, within the
//! 4096-character and 1024-byte bounds; a parsed secret formats back to `whsec_…` text that
//! parses to the same key.
#![no_main]
use hookproof::{Secret, Verifier};
use libfuzzer_sys::fuzz_target;

/// `@stablelib/base64` 1.0.1 `decode` over UTF-16 units; writes past its array are dropped.
fn stablelib(s: &str) -> Option<Vec<u8>> {
    let s: Vec<u16> = s.encode_utf16().collect();
    if s.is_empty() {
        return Some(Vec::new());
    }
    let padding = s
        .iter()
        .rev()
        .take_while(|&&c| c == u16::from(b'='))
        .count();
    if s.len() < 4 || padding > 2 {
        return None;
    }
    let length = (s.len() - padding) as isize;
    let mut out = vec![0u8; (length as usize) * 3 / 4];
    let dec = |c: u16| -> u32 {
        match c {
            43 => 62,
            47 => 63,
            48..=57 => u32::from(c) + 4,
            65..=90 => u32::from(c) - 65,
            97..=122 => u32::from(c) - 71,
            _ => 256,
        }
    };
    let (mut op, mut bad, mut i) = (0usize, 0u32, 0isize);
    let mut put = |b: u32| {
        if let Some(slot) = out.get_mut(op) {
            *slot = b as u8;
        }
        op += 1;
    };
    let at = |k: isize| dec(s[k as usize]);
    while i < length - 4 {
        let v = [at(i), at(i + 1), at(i + 2), at(i + 3)];
        put(v[0] << 2 | v[1] >> 4);
        put(v[1] << 4 | v[2] >> 2);
        put(v[2] << 6 | v[3]);
        bad |= (v[0] | v[1] | v[2] | v[3]) & 256;
        i += 4;
    }
    let (mut v1, mut v2) = (0, 0);
    if i < length - 1 {
        let v0 = at(i);
        v1 = at(i + 1);
        put(v0 << 2 | v1 >> 4);
        bad |= (v0 | v1) & 256;
    }
    if i < length - 2 {
        v2 = at(i + 2);
        put(v1 << 4 | v2 >> 2);
        bad |= v2 & 256;
    }
    if i < length - 3 {
        let v3 = at(i + 3);
        put(v2 << 6 | v3);
        bad |= v3 & 256;
    }
    (bad == 0).then_some(out)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let encoded = text.strip_prefix("whsec_").unwrap_or(text);
    let reference =
        stablelib(encoded).filter(|k| text.len() <= 4096 && (1..=1024).contains(&k.len()));
    let parsed = Secret::parse(text).ok();
    assert_eq!(
        parsed.as_ref().map(|s| s.expose_bytes().to_vec()),
        reference,
        "{text:?}"
    );
    let Some(secret) = parsed else {
        return;
    };
    assert!(!text.is_empty() && text != "whsec_");
    let again = Secret::parse(secret.to_whsec().as_str()).expect("whsec_ text of a secret parses");
    let a = Verifier::new(&secret).sign("m", 1, data);
    let b = Verifier::new(&again).sign("m", 1, data);
    assert_eq!(a, b);
    let encoded = &secret.to_whsec()[6..];
    if encoded.len() >= 12 {
        assert!(!format!("{secret:?}").contains(encoded));
    }
});

//! Property tests: round trips, single-bit tampering, exact tolerance edges, a model of tag
//! matching, Retry-After parse/format agreement, and "never panics" for every parser of
//! untrusted text.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hookproof::{
    Credentials, EventTypeFilter, HttpDate, Secret, SourceAllowlist, TagFilter, Tolerance,
    Verifier, VerifyError, check_authorization, parse_event, parse_http_date, parse_retry_after,
};
use proptest::prelude::*;

fn verifier(key: &[u8]) -> Verifier {
    Verifier::new(&Secret::from_bytes(key).unwrap())
}

fn id_strategy() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_]{1,64}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn sign_then_verify(
        key in prop::collection::vec(any::<u8>(), 1..100),
        id in id_strategy(),
        ts in 0i64..=4_102_444_800,
        body in prop::collection::vec(any::<u8>(), 0..2048),
    ) {
        let v = verifier(&key);
        let sig = v.sign(&id, ts, &body);
        let ts_text = ts.to_string();
        let ok = v.verify_parts(&id, &ts_text, &sig, &body, ts).unwrap();
        prop_assert_eq!(ok.id, id.as_str());
        prop_assert_eq!(ok.timestamp, ts);
        // Through whsec_ text as well.
        let secret = Secret::from_bytes(&key).unwrap();
        let again = Verifier::from_texts([secret.to_whsec().as_str()]).unwrap();
        prop_assert!(again.verify_parts(&id, &ts_text, &sig, &body, ts).is_ok());
    }

    #[test]
    fn signing_formats_any_timestamp_as_its_decimal_text(
        key in prop::collection::vec(any::<u8>(), 1..64),
        ts in prop_oneof![any::<i64>(), Just(i64::MIN), Just(i64::MAX), Just(0i64), -10i64..10],
    ) {
        use hmac::{Hmac, KeyInit, Mac};
        let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&key).unwrap();
        mac.update(format!("m.{ts}.").as_bytes());
        mac.update(b"body");
        let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        prop_assert_eq!(verifier(&key).sign("m", ts, b"body"), expected);
    }

    #[test]
    fn any_flipped_body_bit_fails(
        key in prop::collection::vec(any::<u8>(), 1..64),
        body in prop::collection::vec(any::<u8>(), 1..512),
        bit in any::<prop::sample::Index>(),
    ) {
        let v = verifier(&key);
        let sig = v.sign("msg_1", 1_700_000_000, &body);
        let mut tampered = body.clone();
        let i = bit.index(body.len() * 8);
        tampered[i / 8] ^= 1 << (i % 8);
        prop_assert_eq!(
            v.verify_parts("msg_1", "1700000000", &sig, &tampered, 1_700_000_000),
            Err(VerifyError::NoMatchingSignature)
        );
    }

    #[test]
    fn any_flipped_signature_bit_fails(
        key in prop::collection::vec(any::<u8>(), 1..64),
        body in prop::collection::vec(any::<u8>(), 0..256),
        bit in 0usize..256,
    ) {
        let v = verifier(&key);
        let sig = v.sign("msg_1", 1_700_000_000, &body);
        let mut mac = [0u8; 32];
        let decoded = STANDARD.decode(&sig[3..]).unwrap();
        mac.copy_from_slice(&decoded);
        mac[bit / 8] ^= 1 << (bit % 8);
        let tampered = format!("v1,{}", STANDARD.encode(mac));
        prop_assert_eq!(
            v.verify_parts("msg_1", "1700000000", &tampered, &body, 1_700_000_000),
            Err(VerifyError::NoMatchingSignature)
        );
    }

    #[test]
    fn changed_id_or_timestamp_fails(
        key in prop::collection::vec(any::<u8>(), 1..64),
        id in id_strategy(),
        pos in any::<prop::sample::Index>(),
        ts in 1i64..=4_102_444_800,
        dts in prop_oneof![Just(-1i64), Just(1i64), 2i64..1000],
    ) {
        let v = verifier(&key);
        let sig = v.sign(&id, ts, b"{}");
        let mut other: Vec<char> = id.chars().collect();
        let i = pos.index(other.len());
        other[i] = if other[i] == 'x' { 'y' } else { 'x' };
        let other: String = other.into_iter().collect();
        let ts_text = ts.to_string();
        prop_assert_eq!(
            v.verify_parts(&other, &ts_text, &sig, b"{}", ts),
            Err(VerifyError::NoMatchingSignature)
        );
        let moved = (ts + dts).to_string();
        prop_assert_eq!(
            v.verify_parts(&id, &moved, &sig, b"{}", ts + dts),
            Err(VerifyError::NoMatchingSignature)
        );
    }

    #[test]
    fn tolerance_edges_are_exact(
        tol in 0u64..1_000_000,
        ts in 1_000_000i64..4_000_000_000,
    ) {
        let v = verifier(b"key").tolerance(Tolerance::Seconds(tol));
        let sig = v.sign("m", ts, b"");
        let t = ts.to_string();
        let tol = tol as i64;
        prop_assert!(v.verify_parts("m", &t, &sig, b"", ts + tol).is_ok());
        prop_assert!(v.verify_parts("m", &t, &sig, b"", ts - tol).is_ok());
        prop_assert_eq!(v.verify_parts("m", &t, &sig, b"", ts + tol + 1), Err(VerifyError::TimestampTooOld));
        prop_assert_eq!(v.verify_parts("m", &t, &sig, b"", ts - tol - 1), Err(VerifyError::TimestampTooNew));
    }

    #[test]
    fn tag_matching_agrees_with_a_model(
        filter in prop::collection::vec(("[ab]{1,2}", "[xy:]{0,2}"), 0..=10),
        company in prop::collection::btree_map("[ab]{1,2}", "[xy:]{0,2}", 0..6),
    ) {
        let texts: Vec<String> = filter.iter().map(|(k, v)| format!("{k}:{v}")).collect();
        let f = TagFilter::new(&texts).unwrap();
        let model = filter.is_empty()
            || company.iter().any(|(ck, cv)| filter.iter().any(|(k, v)| k == ck && v == cv));
        prop_assert_eq!(f.matches(company.iter().map(|(k, v)| (k.as_str(), v.as_str()))), model);
    }

    #[test]
    fn retry_after_parses_what_http_date_formats(
        unix in HttpDate::MIN..=HttpDate::MAX,
        now in -10_000_000_000i64..10_000_000_000,
    ) {
        let text = HttpDate::new(unix).unwrap().to_string();
        prop_assert_eq!(parse_http_date(&text, now), Some(unix));
        let want = u64::try_from(unix - now).unwrap_or(0);
        prop_assert_eq!(parse_retry_after(&text, now), Some(want));
    }

    #[test]
    fn delta_seconds_round_trip(n in any::<u64>(), now in any::<i64>()) {
        prop_assert_eq!(parse_retry_after(&n.to_string(), now), Some(n));
    }

    #[test]
    fn parsers_never_panic(text in ".{0,200}", bytes in prop::collection::vec(any::<u8>(), 0..300), now in any::<i64>()) {
        let _ = parse_retry_after(&text, now);
        let _ = parse_http_date(&text, now);
        let _ = Secret::parse(&text);
        let _ = TagFilter::parse_list(&text);
        let _ = EventTypeFilter::parse_list(&text);
        let _ = SourceAllowlist::new(text.split(','));
        let _ = SourceAllowlist::codat().is_allowed(&text);
        let _ = parse_event(&bytes);
        let _ = parse_event(text.as_bytes());
        let creds = Credentials::bearer("t").unwrap();
        let _ = check_authorization(Some(&text), &creds);
        let basic = Credentials::basic("u", "p").unwrap();
        let _ = check_authorization(Some(&text), &basic);
        let v = verifier(b"k");
        let _ = v.verify_parts(&text, &text, &text, &bytes, now);
        let parts: Vec<&str> = text.splitn(3, '|').collect();
        if let [a, b, c] = parts.as_slice() {
            let _ = v.verify_parts(a, b, c, &bytes, now);
        }
    }

    #[test]
    fn http_date_shaped_garbage_never_panics(
        day in "[A-Za-z]{3,9}", dd in "[0-9 ]{1,3}", mon in "[A-Za-z]{3}", year in "[0-9]{1,5}",
        time in "[0-9:]{5,9}", sep in prop_oneof![Just(", "), Just(" ")], zone in "[A-Z]{0,4}",
        now in any::<i64>(),
    ) {
        let _ = parse_http_date(&format!("{day}{sep}{dd} {mon} {year} {time} {zone}"), now);
        let _ = parse_http_date(&format!("{day}{sep}{dd}-{mon}-{year} {time} {zone}"), now);
        let _ = parse_http_date(&format!("{day} {mon} {dd} {time} {year}"), now);
    }
}

#[cfg(feature = "v1a")]
mod v1a {
    use hookproof::{Key, Verifier, VerifyError};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Sign with a random seed, verify with its public key alone, in a mixed header and
        /// next to an HMAC secret; any flipped bit of body or signature fails.
        #[test]
        fn v1a_sign_then_verify(
            seed in prop::array::uniform32(any::<u8>()),
            body in prop::collection::vec(any::<u8>(), 0..512),
            bit in any::<prop::sample::Index>(),
            ts in 0i64..=4_102_444_800,
        ) {
            let signing = Key::signing_key_from_bytes(&seed).unwrap();
            let public = signing.public_key().unwrap();
            let sig = signing.sign("msg_1", ts, &body).unwrap();
            prop_assert!(sig.starts_with("v1a,"));
            let ts_text = ts.to_string();
            let v = Verifier::with_keys([&public]).unwrap();
            prop_assert!(v.verify_parts("msg_1", &ts_text, &sig, &body, ts).is_ok());
            let secret = Key::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
            let mixed = Verifier::with_keys([&secret, &public]).unwrap();
            let header = format!("{} {sig}", secret.sign("msg_1", ts, &body).unwrap());
            prop_assert!(mixed.verify_parts("msg_1", &ts_text, &header, &body, ts).is_ok());
            let only_secret = Verifier::with_keys([&secret]).unwrap();
            prop_assert_eq!(
                only_secret.verify_parts("msg_1", &ts_text, &sig, &body, ts),
                Err(VerifyError::NoMatchingSignature)
            );
            if !body.is_empty() {
                let mut tampered = body.clone();
                let i = bit.index(body.len() * 8);
                tampered[i / 8] ^= 1 << (i % 8);
                prop_assert_eq!(
                    v.verify_parts("msg_1", &ts_text, &sig, &tampered, ts),
                    Err(VerifyError::NoMatchingSignature)
                );
            }
            let mut raw = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &sig[4..]).unwrap();
            let i = bit.index(raw.len() * 8);
            raw[i / 8] ^= 1 << (i % 8);
            let flipped = format!("v1a,{}", base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &raw));
            prop_assert_eq!(
                v.verify_parts("msg_1", &ts_text, &flipped, &body, ts),
                Err(VerifyError::NoMatchingSignature)
            );
        }

        /// Key parsing never panics, and a key that parses prints back to text that parses to
        /// the same key.
        #[test]
        fn key_text_never_panics(text in "(whpk_|whsk_|whsec_)?[A-Za-z0-9+/=_ -]{0,100}") {
            if let Ok(key) = Key::parse(&text) {
                let again = Key::parse(key.to_text().as_str()).unwrap();
                prop_assert_eq!(again.expose_bytes(), key.expose_bytes());
                prop_assert_eq!(again.kind(), key.kind());
            }
            // A key's kind is stated by its prefix: text without one never parses, whatever it
            // decodes to (a bare public key must not become an HMAC secret).
            if !["whpk_", "whsk_", "whsec_"].iter().any(|p| text.starts_with(p)) {
                prop_assert!(Key::parse(&text).is_err());
            }
        }
    }
}

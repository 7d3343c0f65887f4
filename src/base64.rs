//! The base64 the webhook formats use (RFC 4648 §4, the standard alphabet), in three dialects.
//!
//! A few hundred bytes of code instead of a general-purpose engine, so the smallest wasm build
//! stays small. Every dialect decodes exactly what the `base64` crate's equivalent engine
//! decodes (the `base64` fuzz target checks this on arbitrary input).

use alloc::string::String;
use alloc::vec::Vec;

/// The input is not base64 of this dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Invalid;

#[derive(Clone, Copy)]
enum Padding {
    /// Exactly the `=` that complete the last quantum, so the length is a multiple of 4.
    Canonical,
    /// The canonical `=`, fewer, or none.
    Optional,
}

/// One base64 dialect: the standard alphabet, with its padding rule and whether the unused low
/// bits of the last character may be non-zero.
pub(crate) struct Dialect {
    padding: Padding,
    trailing_bits: bool,
}

/// Padding required and canonical: exactly what Svix emits for signatures. A non-canonical
/// encoding of the same bytes never matches, as in every peer.
pub(crate) const STRICT: Dialect = Dialect {
    padding: Padding::Canonical,
    trailing_bits: false,
};

/// Padding optional: for `Authorization: Basic` credentials.
pub(crate) const LENIENT: Dialect = Dialect {
    padding: Padding::Optional,
    trailing_bits: false,
};

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Each byte's 6-bit value, or `INVALID`: one table lookup per character on the verify path.
// Evaluated at compile time: an index out of bounds would fail the build, not panic.
#[allow(clippy::indexing_slicing)]
const DECODE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};
const INVALID: u8 = 0xff;

#[inline]
fn value(c: u8) -> Result<u32, Invalid> {
    match DECODE.get(usize::from(c)) {
        Some(&v) if v != INVALID => Ok(u32::from(v)),
        _ => Err(Invalid),
    }
}

impl Dialect {
    /// The decoded bytes of `input`.
    pub(crate) fn decode(&self, input: &[u8]) -> Result<Vec<u8>, Invalid> {
        let mut out = Vec::with_capacity(input.len() / 4 * 3 + 2);
        self.decode_into(input, |byte| out.push(byte))?;
        Ok(out)
    }

    /// Decodes `input` into `out`, returning the decoded length; an `out` too short is
    /// [`Invalid`].
    pub(crate) fn decode_slice(&self, input: &[u8], out: &mut [u8]) -> Result<usize, Invalid> {
        let mut len = 0;
        let mut overflow = false;
        self.decode_into(input, |byte| {
            match out.get_mut(len) {
                Some(slot) => *slot = byte,
                None => overflow = true,
            }
            len += 1;
        })?;
        if overflow { Err(Invalid) } else { Ok(len) }
    }

    fn decode_into(&self, input: &[u8], mut emit: impl FnMut(u8)) -> Result<(), Invalid> {
        let pad = input.iter().rev().take_while(|&&c| c == b'=').count();
        let data = input.get(..input.len() - pad).ok_or(Invalid)?;
        let rem = data.len() % 4;
        // The `=` that would complete the last quantum.
        let canonical = (4 - rem) % 4;
        let padding_ok = match self.padding {
            Padding::Canonical => pad == canonical,
            Padding::Optional => pad <= canonical,
        };
        if rem == 1 || pad > 2 || !padding_ok {
            return Err(Invalid);
        }
        let mut chunks = data.chunks_exact(4);
        for chunk in &mut chunks {
            let mut n = 0u32;
            for &c in chunk {
                n = n << 6 | value(c)?;
            }
            let [_, a, b, c] = n.to_be_bytes();
            emit(a);
            emit(b);
            emit(c);
        }
        let tail = chunks.remainder();
        if tail.is_empty() {
            return Ok(());
        }
        let mut n = 0u32;
        for &c in tail {
            n = n << 6 | value(c)?;
        }
        // 2 characters carry 1 byte and 4 unused bits; 3 carry 2 bytes and 2 unused bits.
        let unused = if tail.len() == 2 { 4 } else { 2 };
        if !self.trailing_bits && n & ((1 << unused) - 1) != 0 {
            return Err(Invalid);
        }
        let n = n >> unused;
        if tail.len() == 2 {
            emit(n as u8);
        } else {
            emit((n >> 8) as u8);
            emit(n as u8);
        }
        Ok(())
    }

    /// Appends the padded standard base64 of `input` to `out`.
    pub(crate) fn encode_string(&self, input: impl AsRef<[u8]>, out: &mut String) {
        let symbol = |n: u32| {
            ALPHABET
                .get((n & 63) as usize)
                .map_or('=', |&c| char::from(c))
        };
        let input = input.as_ref();
        out.reserve(input.len().div_ceil(3) * 4);
        let mut chunks = input.chunks_exact(3);
        for chunk in &mut chunks {
            if let [a, b, c] = *chunk {
                let n = u32::from_be_bytes([0, a, b, c]);
                for shift in [18, 12, 6, 0] {
                    out.push(symbol(n >> shift));
                }
            }
        }
        match *chunks.remainder() {
            [a] => {
                let n = u32::from(a) << 16;
                out.push(symbol(n >> 18));
                out.push(symbol(n >> 12));
                out.push_str("==");
            }
            [a, b] => {
                let n = u32::from(a) << 16 | u32::from(b) << 8;
                out.push(symbol(n >> 18));
                out.push(symbol(n >> 12));
                out.push(symbol(n >> 6));
                out.push('=');
            }
            _ => {}
        }
    }
}

/// Decodes a secret's base64 exactly as svix 2.5.0 and standardwebhooks 1.1.1 do (both call
/// `@stablelib/base64` 1.0.1's `decode`), so every secret text they take decodes here to the
/// same key, and every text they refuse is refused:
///
/// - trailing `=` are counted; more than 2, or text shorter than 4 characters, is refused;
/// - the characters before them must be the standard alphabet, padding complete or not
///   (`dGhlIHNlY3JldA` is `dGhlIHNlY3JldA==`), non-zero trailing bits ignored (`QR==` is `QQ==`);
/// - one character dangling after whole quanta (the 4n+1st before the `=`) is dropped whatever
///   it is, which is how `whsec_…\n` (a secret read from a file) or `whsec_… ` works when the
///   base64 has no `=`. A character in any other position outside the alphabet (a leading
///   space, `\r\n`, a space or `=` inside, URL-safe `-` `_`) is refused.
///
/// The peers count UTF-16 units: a character beyond U+FFFF is two, and always lands where it
/// is refused, so it is refused here too.
pub(crate) fn decode_secret(text: &str) -> Result<Vec<u8>, Invalid> {
    if text.chars().any(|c| u32::from(c) > 0xffff) {
        return Err(Invalid);
    }
    let units = text.chars().count();
    let pad = text.bytes().rev().take_while(|&c| c == b'=').count();
    if units < 4 || pad > 2 {
        return Err(Invalid);
    }
    let len = units - pad;
    let decoded = if len % 4 == 1 { len - 1 } else { len };
    // Every character before `decoded` must be ASCII (in the alphabet), so characters and
    // bytes coincide up to there.
    let data = text.as_bytes().get(..decoded).ok_or(Invalid)?;
    let mut out = Vec::with_capacity(decoded / 4 * 3 + 2);
    for chunk in data.chunks(4) {
        let mut n = 0u32;
        for &c in chunk {
            n = n << 6 | value(c)?;
        }
        let n = n << (6 * (4 - chunk.len()));
        let [_, a, b, c] = n.to_be_bytes();
        // 4 characters carry 3 bytes, 3 carry 2, 2 carry 1 (and 1 never remains).
        out.extend([a, b, c].into_iter().take((chunk.len() * 6) / 8));
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    extern crate std;

    use alloc::vec::Vec;

    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    use proptest::prelude::*;

    use super::{Dialect, LENIENT, STRICT, decode_secret};

    /// The `base64` crate engines each dialect must agree with.
    fn reference(dialect: &Dialect) -> GeneralPurpose {
        let padding = match dialect.padding {
            super::Padding::Canonical => DecodePaddingMode::RequireCanonical,
            super::Padding::Optional => DecodePaddingMode::Indifferent,
        };
        GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            GeneralPurposeConfig::new()
                .with_decode_padding_mode(padding)
                .with_decode_allow_trailing_bits(dialect.trailing_bits),
        )
    }

    fn agree(text: &[u8]) {
        for dialect in [&STRICT, &LENIENT] {
            let ours = dialect.decode(text).ok();
            let theirs = reference(dialect).decode(text).ok();
            assert_eq!(
                ours,
                theirs,
                "{:?}",
                alloc::string::String::from_utf8_lossy(text)
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn decoding_agrees_with_the_base64_crate(text in "[A-Za-z0-9+/=]{0,14}|[A-D=+/ -]{0,9}|[\\x00-\\x7f]{0,6}") {
            agree(text.as_bytes());
        }

        #[test]
        fn encoding_agrees_and_round_trips(bytes in prop::collection::vec(any::<u8>(), 0..70)) {
            let mut ours = alloc::string::String::new();
            STRICT.encode_string(&bytes, &mut ours);
            prop_assert_eq!(&ours, &base64::engine::general_purpose::STANDARD.encode(&bytes));
            prop_assert_eq!(STRICT.decode(ours.as_bytes()).unwrap(), bytes);
        }
    }

    /// `@stablelib/base64` 1.0.1's `decode` (what svix and standardwebhooks call), line for
    /// line over UTF-16 units, writes past the end of its array dropped as a typed array does.
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
        let length = s.len() - padding;
        let mut out = alloc::vec![0u8; length / 4 * 3 + (length % 4) * 3 / 4];
        let decode = |c: u16| -> u32 {
            match c {
                43 => 62,
                47 => 63,
                48..=57 => u32::from(c) - 48 + 52,
                65..=90 => u32::from(c) - 65,
                97..=122 => u32::from(c) - 97 + 26,
                _ => 256,
            }
        };
        let mut op = 0;
        let mut put = |b: u32| {
            if let Some(slot) = out.get_mut(op) {
                *slot = b as u8;
            }
            op += 1;
        };
        let (mut bad, mut i) = (0u32, 0usize);
        let (v0, mut v1, mut v2);
        while (i as isize) < length as isize - 4 {
            let v: Vec<u32> = (0..4).map(|k| decode(s[i + k])).collect();
            put(v[0] << 2 | v[1] >> 4);
            put(v[1] << 4 | v[2] >> 2);
            put(v[2] << 6 | v[3]);
            bad |= v.iter().fold(0, |a, &x| a | (x & 256));
            i += 4;
        }
        v1 = 0;
        v2 = 0;
        if (i as isize) < length as isize - 1 {
            v0 = decode(s[i]);
            v1 = decode(s[i + 1]);
            put(v0 << 2 | v1 >> 4);
            bad |= (v0 | v1) & 256;
        }
        if (i as isize) < length as isize - 2 {
            v2 = decode(s[i + 2]);
            put(v1 << 4 | v2 >> 2);
            bad |= v2 & 256;
        }
        if (i as isize) < length as isize - 3 {
            let v3 = decode(s[i + 3]);
            put(v2 << 6 | v3);
            bad |= v3 & 256;
        }
        (bad == 0).then_some(out)
    }

    fn agrees_with_stablelib(text: &str) {
        // The peers refuse an empty key after decoding; `decode_secret` refuses empty text.
        let theirs = stablelib(text).filter(|k| !k.is_empty());
        assert_eq!(decode_secret(text).ok(), theirs, "{text:?}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn secrets_decode_as_the_peers_do(text in "[A-Za-z0-9+/=]{0,14}[ \\n\\r\\t=é_-]{0,3}|[A-D=+/ \\n-]{0,9}|\\PC{0,6}|[\\x00-\\x7f]{0,9}") {
            agrees_with_stablelib(&text);
        }
    }

    #[test]
    fn secret_edge_cases_decode_as_the_peers_do() {
        for text in [
            "",
            "=",
            "==",
            "===",
            "====",
            "Q",
            "QQ",
            "QQ=",
            "QQ==",
            "QQ===",
            "QR==",
            "QR",
            "QUI",
            "QUI=",
            "QUJ=",
            "QUJD",
            "QUJD=",
            "QUJDR",
            "QUJDR=",
            "QUJDRA",
            "Q=Q=",
            "QQ==QQ==",
            "QUJD\n",
            "QUJD \n",
            "QUJD\r\n",
            " QUJD",
            "QUJDé",
            "QUJD\u{1F600}",
            "QU\u{1F600}",
            "QUJDRUZH\n",
            "QUJDRUZH=\n",
            "QUJDRUZ\n",
            "QUJD-_==",
            "QUJDRUZHSA==\n",
        ] {
            agrees_with_stablelib(text);
        }
    }

    #[test]
    fn edge_cases_agree() {
        for text in [
            "", "=", "==", "===", "====", "Q", "QQ", "QQ=", "QQ==", "QQ===", "QR==", "QR", "QUI",
            "QUI=", "QUJ=", "QUJD", "QUJD=", "QUJDR", "Q=Q=", "QQ==QQ==", "////", "++++", "QUJD\n",
        ] {
            agree(text.as_bytes());
        }
        let mut short = [0u8; 2];
        assert!(STRICT.decode_slice(b"QUJD", &mut short).is_err());
    }
}

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

/// Padding required (complete base64, as every Codat and Svix secret is), non-zero trailing
/// bits tolerated: for `whsec_` secrets. svix and standardwebhooks refuse text shorter than one
/// padded quantum (`whsec_QQ`) and accept `whsec_QR==` as `whsec_QQ==`; this dialect does the
/// same. Unlike them it refuses unpadded text (`whsec_dGhlIHNlY3JldA`), which they decode
/// leniently, dropping a dangling character where there is one: a missing `=` means the secret
/// was not copied whole (README: deliberate differences).
pub(crate) const SECRET: Dialect = Dialect {
    padding: Padding::Canonical,
    trailing_bits: true,
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    extern crate std;

    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    use proptest::prelude::*;

    use super::{Dialect, LENIENT, SECRET, STRICT};

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
        for dialect in [&STRICT, &LENIENT, &SECRET] {
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

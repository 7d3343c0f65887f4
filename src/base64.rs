//! The two base64 dialects the webhook formats use, in one place.

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Standard alphabet, padding required and canonical: exactly what Svix emits for
/// signatures. A non-canonical encoding of the same bytes never matches, as in every peer.
pub(crate) const STRICT: GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Standard alphabet, padding optional: for `Authorization: Basic` credentials.
pub(crate) const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Standard alphabet, padding required (complete base64, as every Codat and Svix secret is),
/// non-zero trailing bits tolerated: for `whsec_` secrets. svix and standardwebhooks refuse
/// text shorter than one padded quantum (`whsec_QQ`) and accept `whsec_QR==` as `whsec_QQ==`;
/// this engine does the same. Unlike them it refuses unpadded text (`whsec_dGhlIHNlY3JldA`),
/// which they decode leniently, dropping a dangling character where there is one: a missing
/// `=` means the secret was not copied whole (README: deliberate differences).
pub(crate) const SECRET: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(true),
);

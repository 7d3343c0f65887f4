//! The two base64 dialects the webhook formats use, in one place.

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Standard alphabet, padding required and canonical: exactly what Svix emits for
/// signatures. A non-canonical encoding of the same bytes never matches, as in every peer.
pub(crate) const STRICT: GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Standard alphabet, padding optional: for secrets (`whsec_…` is often pasted without
/// `=`, as standardwebhooks' Python library accepts) and `Authorization: Basic`.
pub(crate) const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

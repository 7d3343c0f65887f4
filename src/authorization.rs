//! The legacy `Authorization` check: Codat's legacy rule webhooks (and custom headers on the
//! current service) carry `Authorization: Basic base64(user:password)` or
//! `Authorization: Bearer <token>`, set in the Codat Portal.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::base64::LENIENT;
use crate::error::ErrorCode;

/// `Authorization`, the request header checked (RFC 9110 §11.6.2).
pub const AUTHORIZATION: &str = "authorization";
/// Largest accepted `Authorization` header, in bytes.
pub const MAX_AUTHORIZATION_LEN: usize = 4096;

/// Why an `Authorization` header was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthorizationError {
    /// No `Authorization` header, or an empty one.
    MissingAuthorization,
    /// Not `<scheme> <credentials>`, bad base64, no `:` in Basic credentials, or too long.
    MalformedAuthorization,
    /// A scheme other than the one configured (e.g. `Basic` where `Bearer` is expected).
    WrongScheme,
    /// Well formed, right scheme, wrong credentials.
    AuthorizationMismatch,
    /// The configured credentials themselves are unusable: an empty user name, password or
    /// token (a missing setting must never make every request pass), whitespace in a token, or
    /// `:` in a user name.
    InvalidCredentials,
}

impl ErrorCode for AuthorizationError {
    fn code(&self) -> &'static str {
        match self {
            AuthorizationError::MissingAuthorization => "missing_authorization",
            AuthorizationError::MalformedAuthorization => "malformed_authorization",
            AuthorizationError::WrongScheme => "wrong_scheme",
            AuthorizationError::AuthorizationMismatch => "authorization_mismatch",
            AuthorizationError::InvalidCredentials => "invalid_credentials",
        }
    }

    fn message(&self) -> &'static str {
        match self {
            AuthorizationError::MissingAuthorization => "missing Authorization header",
            AuthorizationError::MalformedAuthorization => {
                "malformed Authorization header: expected `Basic <base64 user:password>` or `Bearer <token>`"
            }
            AuthorizationError::WrongScheme => {
                "Authorization header uses a different scheme than the one configured"
            }
            AuthorizationError::AuthorizationMismatch => {
                "Authorization credentials do not match the configured ones"
            }
            AuthorizationError::InvalidCredentials => {
                "configured credentials are unusable: an empty user name, password or token, whitespace in a token, or a user name containing ':'"
            }
        }
    }
}

impl fmt::Display for AuthorizationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for AuthorizationError {}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Basic,
    Bearer,
}

/// The credentials a consumer expects. Never printed; zeroized on drop.
#[derive(Clone)]
pub struct Credentials {
    scheme: Scheme,
    /// SHA-256 of the expected credential bytes (`user:password` or the token), so the
    /// comparison is constant-time and leaks no length.
    digest: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.scheme {
            Scheme::Basic => "Basic",
            Scheme::Bearer => "Bearer",
        };
        write!(f, "Credentials({scheme} [REDACTED])")
    }
}

impl Credentials {
    /// `Authorization: Basic base64(username:password)` (RFC 7617). Both must be non-empty (an
    /// unset password is an error, never an open door) and the user name must not contain `:`;
    /// both are compared as UTF-8 bytes.
    pub fn basic(username: &str, password: &str) -> Result<Credentials, AuthorizationError> {
        if username.is_empty() || password.is_empty() || username.contains(':') {
            return Err(AuthorizationError::InvalidCredentials);
        }
        let mut joined = Zeroizing::new(Vec::with_capacity(username.len() + 1 + password.len()));
        joined.extend_from_slice(username.as_bytes());
        joined.push(b':');
        joined.extend_from_slice(password.as_bytes());
        Ok(Credentials {
            scheme: Scheme::Basic,
            digest: digest(&joined),
        })
    }

    /// `Authorization: Bearer <token>` (RFC 6750). The token must be non-empty and free of
    /// whitespace.
    pub fn bearer(token: &str) -> Result<Credentials, AuthorizationError> {
        if token.is_empty() || token.bytes().any(|b| b.is_ascii_whitespace()) {
            return Err(AuthorizationError::InvalidCredentials);
        }
        Ok(Credentials {
            scheme: Scheme::Bearer,
            digest: digest(token.as_bytes()),
        })
    }
}

fn digest(bytes: &[u8]) -> Zeroizing<[u8; 32]> {
    Zeroizing::new(Sha256::digest(bytes).into())
}

/// Checks an `Authorization` header value against the expected credentials.
///
/// The scheme name is case-insensitive; spaces around the value and between scheme and
/// credentials are tolerated. Basic credentials must decode (base64, padding optional) to
/// `user:password`. Comparison is constant-time over SHA-256 digests.
pub fn check_authorization(
    header: Option<&str>,
    expected: &Credentials,
) -> Result<(), AuthorizationError> {
    let value = header.map(|h| h.trim_matches([' ', '\t'])).unwrap_or("");
    if value.is_empty() {
        return Err(AuthorizationError::MissingAuthorization);
    }
    if value.len() > MAX_AUTHORIZATION_LEN {
        return Err(AuthorizationError::MalformedAuthorization);
    }
    let (scheme, credentials) = value
        .split_once([' ', '\t'])
        .ok_or(AuthorizationError::MalformedAuthorization)?;
    let credentials = credentials.trim_start_matches([' ', '\t']);
    if credentials.is_empty() || credentials.contains([' ', '\t']) {
        return Err(AuthorizationError::MalformedAuthorization);
    }
    let scheme = if scheme.eq_ignore_ascii_case("basic") {
        Scheme::Basic
    } else if scheme.eq_ignore_ascii_case("bearer") {
        Scheme::Bearer
    } else {
        return Err(AuthorizationError::WrongScheme);
    };
    if scheme != expected.scheme {
        return Err(AuthorizationError::WrongScheme);
    }
    let presented = match scheme {
        Scheme::Bearer => digest(credentials.as_bytes()),
        Scheme::Basic => {
            let decoded = Zeroizing::new(
                LENIENT
                    .decode(credentials.as_bytes())
                    .map_err(|_| AuthorizationError::MalformedAuthorization)?,
            );
            if !decoded.contains(&b':') {
                return Err(AuthorizationError::MalformedAuthorization);
            }
            digest(&decoded)
        }
    };
    if bool::from(presented.ct_eq(&*expected.digest)) {
        Ok(())
    } else {
        Err(AuthorizationError::AuthorizationMismatch)
    }
}

/// Builds the header value for `Basic` credentials (for senders and tests).
pub fn basic_header(username: &str, password: &str) -> Zeroizing<String> {
    let mut plain = Zeroizing::new(String::with_capacity(username.len() + 1 + password.len()));
    plain.push_str(username);
    plain.push(':');
    plain.push_str(password);
    let mut out = String::from("Basic ");
    crate::base64::STRICT.encode_string(plain.as_bytes(), &mut out);
    Zeroizing::new(out)
}

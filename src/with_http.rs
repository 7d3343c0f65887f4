//! The `http` crate's types as inputs (feature `http`): a [`HeaderSource`] for
//! [`http::HeaderMap`], and [`Verifier::verify_request`] for an [`http::Request`] — what axum,
//! actix-web (through `http`), hyper and tower services hand a handler.
//!
//! The header rule is the core's, as on every host: for each header `svix-*` is looked up before
//! `webhook-*`; of several values under one name the first wins; an empty value counts as
//! missing. A value that is not valid UTF-8 (a `HeaderValue` may hold obs-text bytes) counts as
//! empty, so as missing.
//!
//! ```
//! use hookproof::{Secret, Verifier};
//!
//! let request = http::Request::post("/codat")
//!     .header("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
//!     .header("webhook-timestamp", "1614265330")
//!     .header("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
//!     .body(br#"{"test": 2432232314}"#.to_vec())?;
//! let verifier = Verifier::new(&Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?);
//! let verified = verifier.verify_request(&request, 1614265330)?;
//! assert_eq!(verified.id, "msg_p5jXN8AQM9LWM0D4loKWxJek");
//! // The headers alone are a `HeaderSource` too.
//! assert!(verifier.verify(request.headers(), request.body(), 1614265330).is_ok());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::signature::{HeaderSource, Verified, Verifier, VerifyError};

impl HeaderSource for http::HeaderMap {
    fn header(&self, name: &str) -> Option<&str> {
        self.get(name)
            .map(|value| core::str::from_utf8(value.as_bytes()).unwrap_or(""))
    }
}

impl Verifier {
    /// Verifies an [`http::Request`] from its headers and its body (the raw bytes received).
    /// `now` is Unix seconds.
    pub fn verify_request<'r, B: AsRef<[u8]>>(
        &self,
        request: &'r http::Request<B>,
        now: i64,
    ) -> Result<Verified<'r>, VerifyError> {
        self.verify(request.headers(), request.body().as_ref(), now)
    }
}

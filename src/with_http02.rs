//! `http` 0.2's types as inputs (feature `http02`): a [`HeaderSource`] for `http` 0.2's
//! `HeaderMap` — what hyper 0.14, axum 0.6, warp 0.3 and older svix releases hand a handler
//! (actix-web 4: see below).
//!
//! The header rule is the core's, exactly as for `http` 1.x (feature `http`): for each header
//! `svix-*` is looked up before `webhook-*`; of several values under one name the first wins; an
//! empty value counts as missing; a value that is not valid UTF-8 counts as empty, so as missing.
//!
//! The dependency is renamed `http02` so both versions can be on at once; in a service on
//! `http` 0.2 the map is simply `http::HeaderMap`:
//!
//! ```
//! use hookproof::{Secret, Verifier};
//! use http02::{HeaderMap, HeaderValue};
//!
//! let mut headers = HeaderMap::new();
//! headers.insert("webhook-id", HeaderValue::from_static("msg_p5jXN8AQM9LWM0D4loKWxJek"));
//! headers.insert("webhook-timestamp", HeaderValue::from_static("1614265330"));
//! headers.insert(
//!     "webhook-signature",
//!     HeaderValue::from_static("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
//! );
//! let verifier = Verifier::new(&Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?);
//! let verified = verifier.verify(&headers, br#"{"test": 2432232314}"#, 1614265330)?;
//! assert_eq!(verified.id, "msg_p5jXN8AQM9LWM0D4loKWxJek");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! actix-web 4 keeps a `HeaderMap` of its own (not `http`'s): pass its headers as
//! `(name, value)` pairs, a value that is not text as empty (so missing, as above):
//! `req.headers().iter().map(|(n, v)| (n.as_str(), v.to_str().unwrap_or(""))).collect::<Vec<_>>()`.

use crate::signature::HeaderSource;

impl HeaderSource for http02::HeaderMap {
    fn header(&self, name: &str) -> Option<&str> {
        self.get(name)
            .map(|value| core::str::from_utf8(value.as_bytes()).unwrap_or(""))
    }
}

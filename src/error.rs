//! The error vocabulary every host shares: one [`ErrorCode`] trait, implemented by every public
//! error type of the crate. A leaf: it imports nothing from the crate, so every module can use
//! it without an arrow back up to the crate root.

/// A stable, machine-readable name for an error, shared by every host, with a sentence a
/// person can act on and, where the error is about one entry of a list, that entry's position.
///
/// The Rust variant `TimestampTooOld`, the JS `error.code` `"timestamp_too_old"` and the
/// WIT case `timestamp-too-old` name the same condition; `code()` returns the JS form.
pub trait ErrorCode {
    /// The snake_case code, e.g. `"no_matching_signature"`.
    fn code(&self) -> &'static str;

    /// A sentence saying what is wrong, without the formatting machinery (so the smallest wasm
    /// builds stay small). Where the `Display` text names a position or a field, this is the
    /// same sentence without it; otherwise the two are equal.
    fn message(&self) -> &'static str;

    /// The zero-based position of the offending entry, when the error names one (an invalid
    /// event type, allowlist entry or tag); `None` otherwise.
    fn index(&self) -> Option<usize> {
        None
    }
}

//! The one place the core's errors become JS values: each is thrown as the package's
//! `HookproofError` (`js/src/errors.js`, a subclass of `Error`), made here with its `code`, its
//! `message` and, when it names an entry of a list, the entry's zero-based `index`.

use core::fmt::Display;

use hookproof::ErrorCode;
use wasm_bindgen::prelude::*;

// The path is relative to the glue wasm-bindgen writes (`js/pkg/codat/`), so js/build.mjs
// resolves it to the package's one copy of the class, shared by every entry.
#[wasm_bindgen(raw_module = "../../src/errors.js")]
extern "C" {
    /// The package's error class: `new HookproofError(code, message, index?)`.
    #[wasm_bindgen(extends = js_sys::Error)]
    pub type HookproofError;

    #[wasm_bindgen(constructor)]
    fn new(code: &str, message: &str, index: Option<u32>) -> HookproofError;
}

/// What every fallible export returns.
pub type JsResult<T> = Result<T, HookproofError>;

/// A core error as a `HookproofError`.
pub fn fail<E: ErrorCode + Display>(e: E) -> HookproofError {
    HookproofError::new(e.code(), &e.to_string(), None)
}

/// A core error naming the entry at `index` of the list it was given.
pub fn fail_at<E: ErrorCode + Display>(e: E, index: Option<usize>) -> HookproofError {
    let index = index.map(|i| u32::try_from(i).unwrap_or(u32::MAX));
    HookproofError::new(e.code(), &e.to_string(), index)
}

/// An argument the binding itself refuses before the core sees it.
pub fn usage(code: &str, message: &str) -> HookproofError {
    HookproofError::new(code, message, None)
}

/// A structured value as JS sees it: plain objects, `null` for an absent member, arrays for
/// lists and pairs (`serde_wasm_bindgen`'s JSON-compatible form).
pub fn to_js<T: serde::Serialize + ?Sized>(value: &T) -> JsResult<JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| usage("invalid_argument", &e.to_string()))
}

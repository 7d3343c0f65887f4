//! A small, strict JSON reader (RFC 8259) for webhook bodies: the one place the core reads
//! JSON. It keeps numbers as text (no float parsing), borrows strings that need no unescaping,
//! records every value's raw text, bounds nesting at [`MAX_DEPTH`], and never panics.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

/// Deepest nesting of arrays and objects accepted.
pub(crate) const MAX_DEPTH: usize = 128;

/// A parsed JSON value and the exact text it was parsed from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node<'a> {
    pub(crate) raw: &'a str,
    pub(crate) value: Value<'a>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value<'a> {
    Null,
    Bool(bool),
    /// A number, validated against the JSON grammar; its text is the node's `raw`.
    Number,
    String(Cow<'a, str>),
    Array(Vec<Node<'a>>),
    /// Members in document order; [`Node::get`] finds the last of duplicate keys, as
    /// `JSON.parse` and serde_json do.
    Object(Vec<(Cow<'a, str>, Node<'a>)>),
}

impl<'a> Node<'a> {
    /// The member `key` of an object (the last one, if repeated).
    pub(crate) fn get(&self, key: &str) -> Option<&Node<'a>> {
        match &self.value {
            Value::Object(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Why the text is not JSON (kept coarse: callers report one `invalid_payload`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SyntaxError;

/// Parses a whole document: UTF-8, one value, surrounding whitespace only.
pub(crate) fn parse(input: &[u8]) -> Result<Node<'_>, SyntaxError> {
    let text = core::str::from_utf8(input).map_err(|_| SyntaxError)?;
    let mut p = Parser { text, pos: 0 };
    p.skip_ws();
    let node = p.value(0)?;
    p.skip_ws();
    if p.pos == text.len() {
        Ok(node)
    } else {
        Err(SyntaxError)
    }
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    fn eat(&mut self, b: u8) -> Result<(), SyntaxError> {
        if self.bump() == Some(b) {
            Ok(())
        } else {
            Err(SyntaxError)
        }
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn since(&self, start: usize) -> Result<&'a str, SyntaxError> {
        self.text.get(start..self.pos).ok_or(SyntaxError)
    }

    fn literal(&mut self, word: &str) -> Result<(), SyntaxError> {
        let end = self.pos.checked_add(word.len()).ok_or(SyntaxError)?;
        if self.text.get(self.pos..end) == Some(word) {
            self.pos = end;
            Ok(())
        } else {
            Err(SyntaxError)
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node<'a>, SyntaxError> {
        let start = self.pos;
        let value = match self.peek().ok_or(SyntaxError)? {
            b'n' => self.literal("null").map(|()| Value::Null)?,
            b't' => self.literal("true").map(|()| Value::Bool(true))?,
            b'f' => self.literal("false").map(|()| Value::Bool(false))?,
            b'"' => Value::String(self.string()?),
            b'[' => {
                if depth >= MAX_DEPTH {
                    return Err(SyntaxError);
                }
                Value::Array(self.array(depth + 1)?)
            }
            b'{' => {
                if depth >= MAX_DEPTH {
                    return Err(SyntaxError);
                }
                Value::Object(self.object(depth + 1)?)
            }
            b'-' | b'0'..=b'9' => self.number().map(|()| Value::Number)?,
            _ => return Err(SyntaxError),
        };
        Ok(Node {
            raw: self.since(start)?,
            value,
        })
    }

    fn array(&mut self, depth: usize) -> Result<Vec<Node<'a>>, SyntaxError> {
        self.eat(b'[')?;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(items);
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth)?);
            self.skip_ws();
            match self.bump() {
                Some(b',') => continue,
                Some(b']') => return Ok(items),
                _ => return Err(SyntaxError),
            }
        }
    }

    #[allow(clippy::type_complexity)]
    fn object(&mut self, depth: usize) -> Result<Vec<(Cow<'a, str>, Node<'a>)>, SyntaxError> {
        self.eat(b'{')?;
        let mut members = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(members);
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(SyntaxError);
            }
            let key = self.string()?;
            self.skip_ws();
            self.eat(b':')?;
            self.skip_ws();
            let value = self.value(depth)?;
            members.push((key, value));
            self.skip_ws();
            match self.bump() {
                Some(b',') => continue,
                Some(b'}') => return Ok(members),
                _ => return Err(SyntaxError),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// `-? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> Result<(), SyntaxError> {
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(SyntaxError),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(SyntaxError);
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(SyntaxError);
            }
        }
        Ok(())
    }

    fn string(&mut self) -> Result<Cow<'a, str>, SyntaxError> {
        self.eat(b'"')?;
        let start = self.pos;
        // Fast path: no escapes, borrow the text.
        loop {
            match self.peek().ok_or(SyntaxError)? {
                b'"' => {
                    let s = self.since(start)?;
                    self.pos += 1;
                    return Ok(Cow::Borrowed(s));
                }
                b'\\' => break,
                0..=0x1f => return Err(SyntaxError),
                _ => self.pos += 1,
            }
        }
        let mut out = String::from(self.since(start)?);
        loop {
            let run = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(self.since(run)?);
            match self.bump().ok_or(SyntaxError)? {
                b'"' => return Ok(Cow::Owned(out)),
                b'\\' => {
                    let c = match self.bump().ok_or(SyntaxError)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return Err(SyntaxError),
                    };
                    out.push(c);
                }
                _ => return Err(SyntaxError),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let end = self.pos.checked_add(4).ok_or(SyntaxError)?;
        let digits = self.text.get(self.pos..end).ok_or(SyntaxError)?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(SyntaxError);
        }
        self.pos = end;
        u32::from_str_radix(digits, 16).map_err(|_| SyntaxError)
    }

    /// After `\u`: one BMP code point, or a surrogate pair written as two escapes. A lone
    /// surrogate is an error, as in serde_json.
    fn unicode_escape(&mut self) -> Result<char, SyntaxError> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                self.literal("\\u")?;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(SyntaxError);
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(SyntaxError),
            c => c,
        };
        char::from_u32(code).ok_or(SyntaxError)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    //! Differential tests against serde_json: same verdict, same strings, same structure.
    extern crate std;

    use super::*;
    use alloc::string::ToString;
    use proptest::prelude::*;
    use std::format;

    /// Converts our tree to serde_json's, numbers through their text.
    fn to_serde(node: &Node<'_>) -> serde_json::Value {
        match &node.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number => serde_json::from_str(node.raw).unwrap(),
            Value::String(s) => serde_json::Value::String(s.to_string()),
            Value::Array(items) => serde_json::Value::Array(items.iter().map(to_serde).collect()),
            Value::Object(members) => {
                let mut map = serde_json::Map::new();
                for (k, v) in members {
                    map.insert(k.to_string(), to_serde(v));
                }
                serde_json::Value::Object(map)
            }
        }
    }

    fn agree(text: &[u8]) {
        let ours = parse(text);
        let theirs: Result<serde_json::Value, _> = serde_json::from_slice(text);
        match (&ours, &theirs) {
            (Ok(node), Ok(value)) => {
                assert_eq!(
                    &to_serde(node),
                    value,
                    "{:?}",
                    alloc::string::String::from_utf8_lossy(text)
                );
                assert_eq!(node.raw.as_bytes(), trim(text));
            }
            (Err(_), Err(e)) => {
                let _ = e;
            }
            _ => panic!(
                "disagree on {:?}: ours {:?}, serde_json {:?}",
                alloc::string::String::from_utf8_lossy(text),
                ours.is_ok(),
                theirs.map(|_| ())
            ),
        }
    }

    fn trim(text: &[u8]) -> &[u8] {
        let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
        let start = text.iter().position(|b| !ws(b)).unwrap_or(text.len());
        let end = text.iter().rposition(|b| !ws(b)).map_or(start, |e| e + 1);
        &text[start..end]
    }

    #[test]
    fn known_cases() {
        for text in [
            "null",
            "true",
            "false",
            "0",
            "-0",
            "1.5e3",
            "-12.25E-2",
            "\"\"",
            "\"a\\u00e9\\ud83d\\ude80\\n\"",
            "[]",
            "[1,[2,[3]]]",
            "{}",
            " {\"a\" : [1, {\"b\": null}] } ",
            "{\"a\":1,\"a\":2}",
            "01",
            "1.",
            ".5",
            "+1",
            "1e",
            "-",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\x\"",
            "\"\u{1}\"",
            "[1,]",
            "{\"a\":1,}",
            "{a:1}",
            "[1 2]",
            "nul",
            "truex",
            "\"abc",
            "",
            " ",
            "[",
            "{\"a\"}",
            "\"\\u12\"",
            "\"\\uZZZZ\"",
            "1 2",
            "\u{feff}1",
        ] {
            agree(text.as_bytes());
        }
        agree(b"\"\xff\"");
        agree(b"\xef\xbb\xbf{}");
    }

    #[test]
    fn depth_is_bounded() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(ok.as_bytes()).is_ok());
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(parse(deep.as_bytes()).is_err());
        let huge = "[".repeat(1_000_000);
        assert!(parse(huge.as_bytes()).is_err());
    }

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i64>().prop_map(|n| serde_json::json!(n)),
            (-1e300f64..1e300).prop_map(|n| serde_json::json!(n)),
            ".*".prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(6, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(serde_json::Value::Array),
                prop::collection::vec((".{0,8}", inner), 0..8)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn serialized_values_parse_identically(v in json_value(), pretty in any::<bool>()) {
            let text = if pretty { serde_json::to_string_pretty(&v) } else { serde_json::to_string(&v) }.unwrap();
            agree(text.as_bytes());
        }

        #[test]
        fn mutated_documents_get_the_same_verdict(
            v in json_value(),
            edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        ) {
            let mut bytes = serde_json::to_vec(&v).unwrap();
            for (at, byte) in edits {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            // serde_json refuses numbers outside f64's range; we keep numbers as text.
            let overflow = matches!(serde_json::from_slice::<serde_json::Value>(&bytes), Err(e) if e.to_string().contains("out of range"));
            if !overflow {
                agree(&bytes);
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
            let _ = parse(&bytes);
        }
    }
}

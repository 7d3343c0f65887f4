//! A small, strict JSON reader (RFC 8259) for webhook bodies: the one place the core reads
//! JSON. [`parse`] validates the whole document (UTF-8, grammar, nesting at most
//! [`MAX_DEPTH`]) without allocating, and returns the root as a [`Node`]: a kind and the exact
//! text. Members, items and string contents are read again from that text when asked for, so
//! a parsed document costs no heap beyond what the caller copies out (a tree of nodes would
//! cost ≈ 36 to 97 bytes of heap per byte of body). Numbers stay text (no float parsing).
//! Never panics.

use alloc::borrow::Cow;
use alloc::string::String;

/// Deepest nesting of arrays and objects accepted.
pub(crate) const MAX_DEPTH: usize = 128;

/// The kind of a JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Null,
    Bool,
    /// A number, validated against the JSON grammar; its text is the node's `raw`.
    Number,
    String,
    Array,
    Object,
}

/// A value of a document that [`parse`] accepted: its kind and the exact text it was parsed
/// from. Only [`parse`] and the readers below make nodes, so the text is always valid JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Node<'a> {
    raw: &'a str,
    kind: Kind,
}

impl<'a> Node<'a> {
    /// The value's exact text, as received.
    pub(crate) fn raw(&self) -> &'a str {
        self.raw
    }

    pub(crate) fn kind(&self) -> Kind {
        self.kind
    }

    /// A string's contents, unescaped (borrowed when the text has no escapes; otherwise a new
    /// string no longer than the text). `None` for any other kind.
    pub(crate) fn str(&self) -> Option<Cow<'a, str>> {
        if self.kind != Kind::String {
            return None;
        }
        let inner = self.raw.get(1..self.raw.len().checked_sub(1)?)?;
        if !inner.contains('\\') {
            return Some(Cow::Borrowed(inner));
        }
        let mut out = String::with_capacity(inner.len());
        Parser::new(self.raw).string(&mut out).ok()?;
        Some(Cow::Owned(out))
    }

    /// Whether this is a string whose unescaped contents are `want` (without allocating).
    pub(crate) fn is_str(&self, want: &str) -> bool {
        if self.kind != Kind::String {
            return false;
        }
        let mut m = Match {
            rest: want,
            ok: true,
        };
        Parser::new(self.raw).string(&mut m).is_ok() && m.ok && m.rest.is_empty()
    }

    /// An array's items in order (none for any other kind).
    #[cfg(test)]
    pub(crate) fn items(&self) -> impl Iterator<Item = Node<'a>> + use<'a> {
        Seq::new(*self, Kind::Array).map(|(_, v)| v)
    }

    /// An object's members in document order, duplicates included, each key as a string node
    /// (none for any other kind).
    pub(crate) fn members(&self) -> impl Iterator<Item = (Node<'a>, Node<'a>)> + use<'a> {
        Seq::new(*self, Kind::Object).filter_map(|(k, v)| Some((k?, v)))
    }

    /// The member `key` of an object (the last one, if repeated, as `JSON.parse` and
    /// serde_json read duplicates).
    pub(crate) fn get(&self, key: &str) -> Option<Node<'a>> {
        let [found] = self.fields([key]);
        found
    }

    /// The members named `keys` of an object, in one pass over it (the last of each, if
    /// repeated); `None` for those absent and for all when this is not an object.
    pub(crate) fn fields<const N: usize>(&self, keys: [&str; N]) -> [Option<Node<'a>>; N] {
        let mut found = [None; N];
        for (key, value) in self.members() {
            for (slot, want) in found.iter_mut().zip(keys) {
                if key.is_str(want) {
                    *slot = Some(value);
                }
            }
        }
        found
    }
}

/// Why the text is not JSON (kept coarse: callers report one `invalid_payload`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SyntaxError;

/// Parses a whole document: UTF-8, one value, surrounding whitespace only.
pub(crate) fn parse(input: &[u8]) -> Result<Node<'_>, SyntaxError> {
    let text = core::str::from_utf8(input).map_err(|_| SyntaxError)?;
    let mut p = Parser::new(text);
    p.skip_ws();
    let node = p.value(0)?;
    p.skip_ws();
    if p.pos == text.len() {
        Ok(node)
    } else {
        Err(SyntaxError)
    }
}

/// Where [`Parser::string`] puts a string's unescaped contents.
trait Sink {
    fn push_str(&mut self, s: &str);
    fn push(&mut self, c: char);
}

/// Validation only.
impl Sink for () {
    fn push_str(&mut self, _: &str) {}
    fn push(&mut self, _: char) {}
}

impl Sink for String {
    fn push_str(&mut self, s: &str) {
        String::push_str(self, s);
    }
    fn push(&mut self, c: char) {
        String::push(self, c);
    }
}

/// Compares the contents with `rest` as they are read.
struct Match<'w> {
    rest: &'w str,
    ok: bool,
}

impl Sink for Match<'_> {
    fn push_str(&mut self, s: &str) {
        match self.rest.strip_prefix(s) {
            Some(rest) if self.ok => self.rest = rest,
            _ => self.ok = false,
        }
    }
    fn push(&mut self, c: char) {
        self.push_str(c.encode_utf8(&mut [0; 4]));
    }
}

/// The items (`Array`) or members (`Object`) of a node, read from its text.
struct Seq<'a> {
    p: Parser<'a>,
    keyed: bool,
    close: u8,
    first: bool,
    done: bool,
}

impl<'a> Seq<'a> {
    fn new(node: Node<'a>, kind: Kind) -> Self {
        let close = if kind == Kind::Object { b'}' } else { b']' };
        Seq {
            p: Parser {
                text: node.raw,
                pos: 1,
            },
            keyed: kind == Kind::Object,
            close,
            first: true,
            done: node.kind != kind,
        }
    }

    fn step(&mut self) -> Result<Option<(Option<Node<'a>>, Node<'a>)>, SyntaxError> {
        self.p.skip_ws();
        if core::mem::take(&mut self.first) && self.p.peek() == Some(self.close) {
            return Ok(None);
        }
        let key = if self.keyed {
            let start = self.p.pos;
            self.p.string(&mut ())?;
            let key = Node {
                raw: self.p.since(start)?,
                kind: Kind::String,
            };
            self.p.skip_ws();
            self.p.eat(b':')?;
            self.p.skip_ws();
            Some(key)
        } else {
            None
        };
        // The node's text was validated with its real depth; below it, it is shallower.
        let value = self.p.value(0)?;
        self.p.skip_ws();
        match self.p.bump() {
            Some(b',') => {}
            Some(b) if b == self.close => self.done = true,
            _ => return Err(SyntaxError),
        }
        Ok(Some((key, value)))
    }
}

impl<'a> Iterator for Seq<'a> {
    type Item = (Option<Node<'a>>, Node<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.step() {
            Ok(Some(item)) => Some(item),
            Ok(None) | Err(SyntaxError) => {
                self.done = true;
                None
            }
        }
    }
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Parser { text, pos: 0 }
    }

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

    /// Validates one value (and everything in it) and returns it as a node.
    fn value(&mut self, depth: usize) -> Result<Node<'a>, SyntaxError> {
        let start = self.pos;
        let kind = match self.peek().ok_or(SyntaxError)? {
            b'n' => self.literal("null").map(|()| Kind::Null)?,
            b't' => self.literal("true").map(|()| Kind::Bool)?,
            b'f' => self.literal("false").map(|()| Kind::Bool)?,
            b'"' => self.string(&mut ()).map(|()| Kind::String)?,
            b'[' => {
                if depth >= MAX_DEPTH {
                    return Err(SyntaxError);
                }
                self.array(depth + 1).map(|()| Kind::Array)?
            }
            b'{' => {
                if depth >= MAX_DEPTH {
                    return Err(SyntaxError);
                }
                self.object(depth + 1).map(|()| Kind::Object)?
            }
            b'-' | b'0'..=b'9' => self.number().map(|()| Kind::Number)?,
            _ => return Err(SyntaxError),
        };
        Ok(Node {
            raw: self.since(start)?,
            kind,
        })
    }

    fn array(&mut self, depth: usize) -> Result<(), SyntaxError> {
        self.eat(b'[')?;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_ws();
            self.value(depth)?;
            self.skip_ws();
            match self.bump() {
                Some(b',') => continue,
                Some(b']') => return Ok(()),
                _ => return Err(SyntaxError),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<(), SyntaxError> {
        self.eat(b'{')?;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(SyntaxError);
            }
            self.string(&mut ())?;
            self.skip_ws();
            self.eat(b':')?;
            self.skip_ws();
            self.value(depth)?;
            self.skip_ws();
            match self.bump() {
                Some(b',') => continue,
                Some(b'}') => return Ok(()),
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

    /// Reads one string, writing its unescaped contents to `out`.
    fn string(&mut self, out: &mut impl Sink) -> Result<(), SyntaxError> {
        self.eat(b'"')?;
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
                b'"' => return Ok(()),
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

    /// Converts our document to serde_json's, numbers through their text.
    fn to_serde(node: &Node<'_>) -> serde_json::Value {
        match node.kind() {
            Kind::Null => serde_json::Value::Null,
            Kind::Bool => serde_json::Value::Bool(node.raw() == "true"),
            Kind::Number => serde_json::from_str(node.raw()).unwrap(),
            Kind::String => serde_json::Value::String(node.str().unwrap().to_string()),
            Kind::Array => serde_json::Value::Array(node.items().map(|n| to_serde(&n)).collect()),
            Kind::Object => {
                let mut map = serde_json::Map::new();
                for (k, v) in node.members() {
                    assert!(k.is_str(&k.str().unwrap()));
                    map.insert(k.str().unwrap().to_string(), to_serde(&v));
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
                assert_eq!(node.raw().as_bytes(), trim(text));
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

    #[test]
    fn lookups_read_the_text() {
        let doc = br#" { "a" : 1, "b\u0063": [true, {"d": "\u00e9x"}], "a": "last", "e": {} } "#;
        let root = parse(doc).unwrap();
        assert_eq!(root.get("a").unwrap().str().unwrap(), "last");
        let [a, bc, e, missing] = root.fields(["a", "bc", "e", "z"]);
        assert_eq!(a.unwrap().raw(), r#""last""#);
        assert_eq!(bc.unwrap().raw(), r#"[true, {"d": "\u00e9x"}]"#);
        assert_eq!(e.unwrap().kind(), Kind::Object);
        assert_eq!(e.unwrap().members().count(), 0);
        assert!(missing.is_none());
        let items: alloc::vec::Vec<_> = bc.unwrap().items().collect();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].kind(), Kind::Bool);
        assert_eq!(items[1].get("d").unwrap().str().unwrap(), "\u{e9}x");
        assert!(items[1].get("d").unwrap().is_str("\u{e9}x"));
        assert!(!items[1].get("d").unwrap().is_str("\u{e9}"));
        assert!(!items[1].get("d").unwrap().is_str("\u{e9}xy"));
        // Lookups on the wrong kind find nothing.
        assert!(items[0].get("d").is_none());
        assert_eq!(items[1].items().count(), 0);
        assert!(items[0].str().is_none());
        assert!(root.members().count() == 4);
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

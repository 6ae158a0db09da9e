//! A busy server's report.json is larger than a reader can hold (tens of thousands of sockets, about
//! 2 KB each): it is read as a stream here, and each socket list in it (`{"kind": "sockets",
//! "value": [...]}` and a reproduce snapshot's `"sockets": [...]`) keeps its first sockets only,
//! the others skipped without being held. What is left is ordinary report.json text, parsed as any
//! other; how many sockets each list lost is returned, in the order the lists appear, for the views
//! to say. Everything else is copied as it is; the copy may not grow past the reader's limit, and
//! nesting deeper than any report's is refused, so a stranger's file cannot exhaust memory.

use std::io::{self, BufRead, BufReader, Read};

/// Nesting no report.json comes near (sections, data, sockets, subflows, tcp info: about 8).
const MAX_DEPTH: usize = 128;

/// The capped text and, in document order, how many sockets each socket list lost.
pub struct Capped {
    pub json: Vec<u8>,
    pub cut: Vec<usize>,
}

enum Frame {
    Object {
        /// The key whose value comes next (None between a value and the next key).
        key: Option<Vec<u8>>,
        expect_key: bool,
        /// `"kind": "sockets"` was seen: its `"value"` is a socket list.
        sockets: bool,
    },
    Array {
        /// Sockets to keep (None: not a socket list).
        keep: Option<usize>,
        values: usize,
        cut: usize,
        /// A `,` and the space after it, not yet written (written once the next value is known to
        /// be kept).
        pending: Vec<u8>,
    },
}

struct Capper<'a> {
    out: Vec<u8>,
    max: usize,
    stack: Vec<Frame>,
    /// Depth of the skipped value's frame while one is being skipped (its array's depth + 1).
    skipping: Option<usize>,
    cut: Vec<usize>,
    keep: usize,
    input: BufReader<&'a mut dyn Read>,
}

fn too_large(max: usize) -> io::Error {
    io::Error::other(format!(
        "more than {max} bytes even with its socket lists cut short"
    ))
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("not JSON: {what}"))
}

impl Capper<'_> {
    fn emit(&mut self, b: &[u8]) -> io::Result<()> {
        if self.skipping.is_some() {
            return Ok(());
        }
        if self.out.len() + b.len() > self.max {
            return Err(too_large(self.max));
        }
        self.out.extend_from_slice(b);
        Ok(())
    }

    fn byte(&mut self) -> io::Result<Option<u8>> {
        let buf = self.input.fill_buf()?;
        let Some(&b) = buf.first() else {
            return Ok(None);
        };
        self.input.consume(1);
        Ok(Some(b))
    }

    /// A value starts here: in a socket list, decides whether it is kept (and writes the comma
    /// before it if so).
    fn value_starts(&mut self) -> io::Result<()> {
        let depth = self.stack.len();
        if let Some(Frame::Array {
            keep,
            values,
            cut,
            pending,
        }) = self.stack.last_mut()
        {
            let pending = std::mem::take(pending);
            *values += 1;
            if self.skipping.is_none() && keep.is_some_and(|k| *values > k) {
                *cut += 1;
                self.skipping = Some(depth + 1);
                return Ok(());
            }
            self.emit(&pending)?;
        }
        Ok(())
    }

    /// A scalar value ended, or a container closed back to `depth`: a skipped value may be done.
    fn value_ends(&mut self, depth: usize) {
        if self.skipping == Some(depth + 1) {
            self.skipping = None;
        }
        if let Some(Frame::Object {
            key, expect_key, ..
        }) = self.stack.last_mut()
        {
            *key = None;
            *expect_key = false;
        }
    }

    /// Reads a string's bytes after its opening quote, up to and with its closing quote.
    fn string(&mut self) -> io::Result<Vec<u8>> {
        let mut s = vec![b'"'];
        loop {
            let b = self.byte()?.ok_or_else(|| bad("a string does not end"))?;
            s.push(b);
            match b {
                b'\\' => s.push(self.byte()?.ok_or_else(|| bad("a string does not end"))?),
                b'"' => return Ok(s),
                _ => {}
            }
            if s.len() > self.max {
                return Err(too_large(self.max));
            }
        }
    }

    fn run(mut self) -> io::Result<Capped> {
        while let Some(b) = self.byte()? {
            match b {
                b' ' | b'\t' | b'\n' | b'\r' => match self.stack.last_mut() {
                    Some(Frame::Array { pending, .. }) if !pending.is_empty() => {
                        if pending.len() > 4096 {
                            return Err(bad("a run of spaces longer than any report's"));
                        }
                        pending.push(b);
                    }
                    _ => self.emit(&[b])?,
                },
                b'{' | b'[' => {
                    self.value_starts()?;
                    let keep = match self.stack.last() {
                        Some(Frame::Object {
                            key: Some(k),
                            sockets,
                            ..
                        }) if b == b'['
                            && ((*sockets && k == b"\"value\"") || k == b"\"sockets\"") =>
                        {
                            Some(self.keep)
                        }
                        _ => None,
                    };
                    if self.stack.len() >= MAX_DEPTH {
                        return Err(bad("nested too deep"));
                    }
                    self.stack.push(if b == b'{' {
                        Frame::Object {
                            key: None,
                            expect_key: true,
                            sockets: false,
                        }
                    } else {
                        Frame::Array {
                            keep,
                            values: 0,
                            cut: 0,
                            pending: Vec::new(),
                        }
                    });
                    self.emit(&[b])?;
                }
                b'}' | b']' => {
                    let frame = self
                        .stack
                        .pop()
                        .ok_or_else(|| bad("a close without an open"))?;
                    if matches!(&frame, Frame::Array { pending, .. } if !pending.is_empty()) {
                        // Dropping the comma would make a malformed list well-formed.
                        return Err(bad("a comma before the end of a list"));
                    }
                    if let Frame::Array {
                        keep: Some(_), cut, ..
                    } = frame
                    {
                        self.cut.push(cut);
                    }
                    self.emit(&[b])?;
                    self.value_ends(self.stack.len());
                }
                b',' => match self.stack.last_mut() {
                    Some(Frame::Array { pending, keep, .. }) if keep.is_some() => {
                        if !pending.is_empty() {
                            return Err(bad("two commas in a row"));
                        }
                        if self.skipping.is_none() {
                            *pending = b",".to_vec();
                        }
                    }
                    Some(Frame::Object { expect_key, .. }) => {
                        *expect_key = true;
                        self.emit(b",")?;
                    }
                    _ => self.emit(b",")?,
                },
                b':' => self.emit(b":")?,
                b'"' => {
                    let s = self.string()?;
                    let is_key = matches!(
                        self.stack.last(),
                        Some(Frame::Object {
                            expect_key: true,
                            ..
                        })
                    );
                    if is_key {
                        self.emit(&s)?;
                        if let Some(Frame::Object {
                            key, expect_key, ..
                        }) = self.stack.last_mut()
                        {
                            *key = Some(s);
                            *expect_key = false;
                        }
                        continue;
                    }
                    self.value_starts()?;
                    self.emit(&s)?;
                    if let Some(Frame::Object {
                        key: Some(k),
                        sockets,
                        ..
                    }) = self.stack.last_mut()
                    {
                        if k == b"\"kind\"" && s == b"\"sockets\"" {
                            *sockets = true;
                        }
                    }
                    self.value_ends(self.stack.len());
                }
                _ => {
                    // A number, true, false or null: up to the next structural byte or space.
                    self.value_starts()?;
                    let mut lit = vec![b];
                    loop {
                        let next = self.input.fill_buf()?.first().copied();
                        match next {
                            Some(c) if !b",]} \t\r\n:".contains(&c) => {
                                lit.push(c);
                                self.input.consume(1);
                                if lit.len() > 64 {
                                    return Err(bad("a literal longer than any number"));
                                }
                            }
                            _ => break,
                        }
                    }
                    self.emit(&lit)?;
                    self.value_ends(self.stack.len());
                }
            }
        }
        if !self.stack.is_empty() {
            return Err(bad("it ends inside an object or array"));
        }
        Ok(Capped {
            json: self.out,
            cut: self.cut,
        })
    }
}

/// report.json text from `input` with each socket list cut to its first `keep` sockets; an error
/// when the text is not JSON or would still be more than `max` bytes.
pub fn cap_socket_lists(input: &mut dyn Read, keep: usize, max: usize) -> io::Result<Capped> {
    Capper {
        out: Vec::new(),
        max,
        stack: Vec::new(),
        skipping: None,
        cut: Vec::new(),
        keep,
        input: BufReader::with_capacity(64 * 1024, input),
    }
    .run()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cap(text: &str, keep: usize) -> (String, Vec<usize>) {
        let c = cap_socket_lists(&mut text.as_bytes(), keep, 1 << 20).unwrap();
        (String::from_utf8(c.json).unwrap(), c.cut)
    }

    #[test]
    fn socket_lists_keep_their_first_sockets_and_the_rest_is_untouched() {
        let doc = r#"{"sections": [{"data": [{"kind": "sockets", "value": [{"a": [1, 2]}, {"b": "x,]}"}, {"c": 3}]},
            {"kind": "endpoints", "value": [1, 2, 3]}]}],
          "reproduce": {"before": {"sockets": [1, 2, 3, 4], "counters": [5, 6, 7]}, "other": {"value": [1, 2, 3]}}}"#;
        let (out, cut) = cap(doc, 1);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            v["sections"][0]["data"][0]["value"],
            serde_json::json!([{"a": [1, 2]}])
        );
        assert_eq!(
            v["sections"][0]["data"][1]["value"],
            serde_json::json!([1, 2, 3])
        );
        assert_eq!(v["reproduce"]["before"]["sockets"], serde_json::json!([1]));
        assert_eq!(
            v["reproduce"]["before"]["counters"],
            serde_json::json!([5, 6, 7])
        );
        assert_eq!(
            v["reproduce"]["other"]["value"],
            serde_json::json!([1, 2, 3])
        );
        assert_eq!(cut, [2, 3]);
        // Keeping as many as there are changes nothing, not even the spacing.
        let (same, cut) = cap(doc, 10);
        assert_eq!(same, doc);
        assert_eq!(cut, [0, 0]);
        // Keeping none leaves empty lists.
        let (none, _) = cap(doc, 0);
        let v: serde_json::Value = serde_json::from_str(&none).unwrap();
        assert_eq!(v["sections"][0]["data"][0]["value"], serde_json::json!([]));
    }

    /// Any JSON value, a few levels deep, with keys that sometimes name socket lists.
    fn json() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(serde_json::Value::from),
            "\\PC{0,12}".prop_map(serde_json::Value::from),
            Just(serde_json::Value::from("sockets")),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            let key = prop_oneof![
                Just("kind".to_string()),
                Just("value".to_string()),
                Just("sockets".to_string()),
                "[a-z\\\\\"]{0,6}",
            ];
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
                proptest::collection::btree_map(key, inner, 0..6)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        /// Arbitrary bytes: an answer or an error, never a panic, never more than the limit.
        #[test]
        fn any_bytes_give_an_answer_or_an_error(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            if let Ok(c) = cap_socket_lists(&mut &bytes[..], 1, 300) {
                proptest::prop_assert!(c.json.len() <= 300);
            }
        }

        /// Any JSON, compact or pretty: with room for every socket it comes back byte for byte; cut
        /// to none, it is still JSON, and only socket lists changed (each now empty).
        #[test]
        fn any_json_is_copied_or_only_its_socket_lists_are_cut(v in json(), pretty in proptest::prelude::any::<bool>()) {
            let text = if pretty { serde_json::to_string_pretty(&v) } else { serde_json::to_string(&v) }.unwrap();
            let all = cap_socket_lists(&mut text.as_bytes(), usize::MAX, 1 << 20).unwrap();
            proptest::prop_assert_eq!(&all.json, text.as_bytes());
            proptest::prop_assert!(all.cut.iter().all(|&n| n == 0));
            let none = cap_socket_lists(&mut text.as_bytes(), 0, 1 << 20).unwrap();
            let back: serde_json::Value = serde_json::from_slice(&none.json).unwrap();
            proptest::prop_assert_eq!(count_leaves(&back) <= count_leaves(&v), true);
        }
    }

    fn count_leaves(v: &serde_json::Value) -> usize {
        match v {
            serde_json::Value::Array(a) => a.iter().map(count_leaves).sum(),
            serde_json::Value::Object(o) => o.values().map(count_leaves).sum(),
            _ => 1,
        }
    }

    #[test]
    fn hostile_text_is_an_error_not_a_crash_or_a_copy_without_end() {
        for bad in [
            "{",
            "[[[",
            "{\"a\": \"open",
            "]",
            "{\"a\": 1}}",
            &"[".repeat(1000),
            // A comma the filter would drop must not turn a malformed list into a well-formed one.
            "{\"sockets\": [1, ]}",
            "{\"sockets\": [1,, 2]}",
        ] {
            assert!(
                cap_socket_lists(&mut bad.as_bytes(), 1, 1 << 20).is_err(),
                "{bad}"
            );
        }
        let long = format!("{{\"a\": \"{}\"}}", "x".repeat(5000));
        assert!(cap_socket_lists(&mut long.as_bytes(), 1, 1000).is_err());
        let lit = format!("[{}]", "1".repeat(100));
        assert!(cap_socket_lists(&mut lit.as_bytes(), 1, 1 << 20).is_err());
    }
}

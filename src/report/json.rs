//! report.json as serde_json's pretty printer writes it, byte for byte, but cheaper: serde_json
//! writes an indentation level as one `write_all` per level (ten calls deep inside a socket's
//! subflows), and through `&mut dyn Write` every call is a virtual one. Here a newline and its whole
//! indentation go out in one write, into a concrete buffer. With tens of thousands of sockets
//! report.json is tens of megabytes: this is most of what writing it costs.
//!
//! One exception (`write_report`, `write_list`): the items of a list inside a section's data (a
//! socket with its subflows, a counter, a route) are each written on one line, compact. Indented,
//! a socket took about 80 lines and 2.2 KB; on one line it takes half the bytes (report.json at
//! 9,000 connections: 40 -> 18 MB, 2.9 -> 1.9 MB compressed), and one line per socket is what grep
//! and a reader scrolling through want anyway.

use serde::Serialize;
use std::io::{self, BufWriter, Write};

/// Bytes handed on at a time (the archive's compressor takes them in chunks of this size).
const BUFFER: usize = 64 * 1024;

/// A newline and the deepest indentation written in one call; deeper levels take more calls.
const NEWLINE_INDENT: &[u8; 129] = &{
    let mut b = [b' '; 129];
    b[0] = b'\n';
    b
};

/// serde_json's `PrettyFormatter` with its default two-space indent: the same bytes, except that
/// containers opened at nesting level `one_line_from` or deeper (the outermost is level 1) are
/// written compact.
pub struct Pretty {
    level: usize,
    has_value: bool,
    one_line_from: usize,
}

impl Default for Pretty {
    fn default() -> Pretty {
        Pretty::one_line_from(usize::MAX)
    }
}

/// The level of a socket (or any item of a list in a section's data) in report.json: the report,
/// `sections`, a section, `data`, one datum (`kind`, `value`), its `value` list, the item.
pub const REPORT_ITEM_LEVEL: usize = 7;

/// The level of the items of a list written on its own (the reproduce window's socket lists).
pub const LIST_ITEM_LEVEL: usize = 2;

impl Pretty {
    pub fn one_line_from(level: usize) -> Pretty {
        Pretty {
            level: 0,
            has_value: false,
            one_line_from: level,
        }
    }

    /// Inside a container written on one line.
    fn compact(&self) -> bool {
        self.level >= self.one_line_from
    }

    /// `\n` and the current indentation (nothing on one line).
    fn newline<W: ?Sized + Write>(&self, w: &mut W) -> io::Result<()> {
        if self.compact() {
            return Ok(());
        }
        let mut spaces = self.level * 2;
        let first = spaces.min(NEWLINE_INDENT.len() - 1);
        w.write_all(&NEWLINE_INDENT[..1 + first])?;
        spaces -= first;
        while spaces > 0 {
            let n = spaces.min(NEWLINE_INDENT.len() - 1);
            w.write_all(&NEWLINE_INDENT[1..1 + n])?;
            spaces -= n;
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        let compact = self.compact();
        self.level -= 1;
        if self.has_value && !compact {
            self.newline(w)?;
        }
        w.write_all(bracket)
    }

    fn item<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.newline(w)
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.item(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.item(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(if self.compact() { b":" } else { b": " })
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Writes `value` as pretty JSON and a final newline (what `serde_json::to_string_pretty` gives,
/// plus `\n`), in chunks of about 64 KiB.
#[cfg(test)]
pub(crate) fn write_pretty<T: Serialize + ?Sized>(w: &mut dyn Write, value: &T) -> io::Result<()> {
    write_with(w, value, Pretty::default())
}

/// report.json (and `--format json`): pretty, each item of a list in a section's data on one line.
pub fn write_report(w: &mut dyn Write, report: &crate::report::Report) -> io::Result<()> {
    write_with(w, report, Pretty::one_line_from(REPORT_ITEM_LEVEL))
}

/// A list written on its own (the window's sockets-before.json), an item a line.
pub fn write_list<T: Serialize + ?Sized>(w: &mut dyn Write, list: &T) -> io::Result<()> {
    write_with(w, list, Pretty::one_line_from(LIST_ITEM_LEVEL))
}

fn write_with<T: Serialize + ?Sized>(
    w: &mut dyn Write,
    value: &T,
    formatter: Pretty,
) -> io::Result<()> {
    let mut buf = BufWriter::with_capacity(BUFFER, w);
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    value.serialize(&mut ser).map_err(io::Error::from)?;
    buf.write_all(b"\n")?;
    buf.flush()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    fn ours<T: Serialize>(v: &T) -> String {
        let mut out = Vec::new();
        write_pretty(&mut out, v).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_same_bytes_as_serde_json() {
        // Nesting deeper than one write of indentation, empty containers, escapes, numbers.
        let mut deep = json!("leaf");
        for i in 0..80 {
            deep = if i % 2 == 0 {
                json!([deep, {}, []])
            } else {
                json!({"k": deep, "e": [], "o": {}, "n": null})
            };
        }
        let values = [
            json!({}),
            json!([]),
            json!(null),
            json!({"a": [1, 2.5, -3, u64::MAX], "b": {"c": "q\"\\\n\u{7f}\u{1}é"}, "d": true}),
            deep,
        ];
        for v in &values {
            assert_eq!(ours(v), serde_json::to_string_pretty(v).unwrap() + "\n");
        }
    }

    /// A report with sockets, subflows and an artifact (the shapes report.json is made of).
    pub(crate) fn sample_report(sockets: usize) -> crate::report::Report {
        use crate::report::*;
        let at = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let socket = |i: usize| MptcpSocket {
            state: "ESTAB".into(),
            local: format!("10.0.0.1:{}", 1000 + i).into(),
            peer: "[2001:db8::1]:443".into(),
            inode: Some(i as u32),
            mptcp: Some(MptcpInfo {
                size: 96,
                token: i as u32,
                retransmits: Some(0),
                ..Default::default()
            }),
            subflows: vec![Subflow {
                state: "ESTAB".into(),
                local: format!("10.0.0.1:{}", 1000 + i).into(),
                peer: "[2001:db8::1]:443".into(),
                dev: Some("eth0".into()),
                token_loc: Some(i as u32),
                tcp: Some(TcpInfo {
                    rtt_us: 40,
                    snd_cwnd: 10,
                    ..Default::default()
                }),
                ..Default::default()
            }],
            ..Default::default()
        };
        let mut section = Section::ok(
            "sockets",
            vec![Data::Sockets((0..sockets).map(socket).collect())],
        );
        section.artifacts.push(Artifact {
            name: "ss_-ManiH.txt".into(),
            source: Source::File { path: "/x".into() },
            content: "ESTAB 0 0 \"quoted\"\n\ttab\n".into(),
            truncated: false,
            original_size: 20,
            spool: None,
            in_raw: false,
        });
        Report::new(Meta::new(at, "host"), vec![section])
    }

    #[test]
    fn a_whole_report_reads_the_same() {
        let report = sample_report(3);
        let want = serde_json::to_string_pretty(&report).unwrap() + "\n";
        assert_eq!(ours(&report), want);
        // As report.json: the same JSON, each socket (with its subflows) on one line of its own.
        let mut out = Vec::new();
        write_report(&mut out, &report).unwrap();
        let text = String::from_utf8(out).unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, serde_json::to_value(&report).unwrap());
        let socket_lines: Vec<&str> = text
            .lines()
            .filter(|l| l.contains(r#""state":"ESTAB""#))
            .collect();
        assert_eq!(socket_lines.len(), 3, "{text}");
        for (i, l) in socket_lines.iter().enumerate() {
            let l = l.trim().trim_end_matches(',');
            let socket: crate::report::MptcpSocket = serde_json::from_str(l).unwrap();
            assert_eq!(socket.inode, Some(i as u32));
            assert_eq!(socket.subflows.len(), 1);
        }
        // The rest stays indented as before.
        assert!(
            text.contains("\n      \"collector\": \"sockets\",\n"),
            "{text}"
        );
        // A list on its own: an item a line.
        let mut out = Vec::new();
        write_list(&mut out, &[json!({"a": [1, {"b": 2}]}), json!({})]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "[\n  {\"a\":[1,{\"b\":2}]},\n  {}\n]\n"
        );
    }
}

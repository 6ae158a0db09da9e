//! report.json as serde_json's pretty printer writes it, byte for byte, but cheaper: serde_json
//! writes an indentation level as one `write_all` per level (ten calls deep inside a socket's
//! subflows), and through `&mut dyn Write` every call is a virtual one. Here a newline and its whole
//! indentation go out in one write, into a concrete buffer. With tens of thousands of sockets
//! report.json is tens of megabytes: this is most of what writing it costs.

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

/// serde_json's `PrettyFormatter` with its default two-space indent: the same bytes.
#[derive(Default)]
pub struct Pretty {
    level: usize,
    has_value: bool,
}

impl Pretty {
    /// `\n` and the current indentation.
    fn newline<W: ?Sized + Write>(&self, w: &mut W) -> io::Result<()> {
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
        self.level -= 1;
        if self.has_value {
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
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// About how many bytes `report` is as pretty JSON, cheaply (no serialization): its artifacts'
/// text, its sockets (about 2,500 bytes each with a subflow, 1,200 without: measured at 10,000
/// connections), its kernel log and a fixed part. Only to choose how to write it.
pub fn size_hint(report: &crate::report::Report) -> u64 {
    use crate::report::Data;
    let mut n = 64 * 1024;
    for s in &report.sections {
        n += s
            .artifacts
            .iter()
            .map(|a| a.content.len() + a.content.len() / 8)
            .sum::<usize>();
        for d in &s.data {
            n += match d {
                Data::Sockets(socks) => 1200 * socks.len() + 1300 * socks.subflow_count(),
                Data::KernelLog(k) => k.lines.iter().map(|l| l.len() + 12).sum(),
                _ => 0,
            };
        }
    }
    n as u64
}

/// Writes `value` as pretty JSON and a final newline (what `serde_json::to_string_pretty` gives,
/// plus `\n`), in chunks of about 64 KiB.
pub fn write_pretty<T: Serialize + ?Sized>(w: &mut dyn Write, value: &T) -> io::Result<()> {
    let mut buf = BufWriter::with_capacity(BUFFER, w);
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, Pretty::default());
    value.serialize(&mut ser).map_err(io::Error::from)?;
    buf.write_all(b"\n")?;
    buf.flush()
}

#[cfg(test)]
mod tests {
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
    pub fn sample_report(sockets: usize) -> crate::report::Report {
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
    fn the_size_hint_tells_small_reports_from_large_ones() {
        // Never far under the size (which would write a large one on one thread); a few sockets
        // are small, thousands are not.
        for n in [0, 3, 5000] {
            let report = sample_report(n);
            let (hint, real) = (size_hint(&report), ours(&report).len() as u64);
            assert!(real < hint * 2, "{n}: {hint} {real}");
            assert_eq!(
                hint <= super::super::stream::INLINE_UP_TO,
                n < 5000,
                "{n}: {hint}"
            );
        }
    }

    #[test]
    fn a_whole_report_reads_the_same() {
        let report = sample_report(3);
        let want = serde_json::to_string_pretty(&report).unwrap() + "\n";
        assert_eq!(ours(&report), want);
    }
}

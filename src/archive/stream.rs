//! How members reach the archive without extra copies: raw artifacts are written from the report's
//! own strings (borrowed, not cloned), and report.json is serialized once, straight into the
//! compressed stream: a producer thread serializes into a bounded pipe of 64 KiB chunks while this
//! thread compresses them, and the member's tar header is written once its size is known (gz.rs).
//! A member is never whole in memory twice; report.json is never whole in memory at all. A small
//! produced member (a default collect's report.json) is serialized and compressed on this thread.

use super::gz::{Deflated, GzTar, Sink};
use flate2::Crc;
use std::borrow::Cow;
use std::io::{self, Write};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

/// What goes into the archive at `path`.
pub struct Entry<'a> {
    pub path: String,
    pub body: Body<'a>,
}

/// Writes a member's bytes into the archive (called once, on a thread of its own).
pub type Producer<'a> = dyn Fn(&mut dyn Write) -> io::Result<()> + Sync + 'a;

pub enum Body<'a> {
    /// Bytes in memory, after a short `head` (a truncation note, or nothing).
    Bytes { head: Vec<u8>, data: Cow<'a, [u8]> },
    /// Bytes compressed beforehand.
    Deflated(&'a Deflated),
    /// Whole members compressed beforehand, headers and all (`precompress`): the entry's path only
    /// names them.
    Members(&'a Deflated),
    /// A spooled output, copied from its file a piece at a time (its size is known).
    Spooled(&'a crate::report::TextSpool),
    /// Bytes produced while the member is written; `hint` is about how many (u64::MAX: unknown).
    Stream {
        produce: &'a Producer<'a>,
        hint: u64,
    },
}

impl<'a> Entry<'a> {
    pub fn bytes(path: impl Into<String>, data: impl Into<Cow<'a, [u8]>>) -> Entry<'a> {
        Entry {
            path: path.into(),
            body: Body::Bytes {
                head: Vec::new(),
                data: data.into(),
            },
        }
    }

    /// A member produced by `produce` as it is written.
    pub fn stream(path: impl Into<String>, produce: &'a Producer<'a>) -> Entry<'a> {
        Entry {
            path: path.into(),
            body: Body::Stream {
                produce,
                hint: u64::MAX,
            },
        }
    }

    /// About how many bytes a streamed member will be: a small one is produced on this thread.
    pub fn size_hint(mut self, bytes: u64) -> Entry<'a> {
        if let Body::Stream { hint, .. } = &mut self.body {
            *hint = bytes;
        }
        self
    }
}

/// Size of the chunks a producer hands to the compressor (two may wait in the pipe).
const CHUNK: usize = 64 * 1024;

/// Up to this size a streamed member is produced and compressed on one thread: a second thread
/// pays off only once serializing and compressing take longer than starting it and handing chunks
/// over (the report.json of a default collect, ~200 KB, took 0.58 ms piped, 0.38 ms on one thread).
pub(super) const INLINE_UP_TO: u64 = 1 << 20;

/// The producer's end of the pipe. It sums what it sends (CRC-32, for the gzip trailer), so the
/// compressing thread, the slower one, does not. Emptied chunks come back to be filled again
/// (a fresh one each time would be fresh pages each time: tens of thousands of page faults for a
/// report.json of tens of megabytes).
struct ChunkWriter {
    tx: SyncSender<Vec<u8>>,
    back: Receiver<Vec<u8>>,
    buf: Vec<u8>,
    crc: Crc,
}

impl ChunkWriter {
    fn send(&mut self) -> io::Result<()> {
        let empty = match self.back.try_recv() {
            Ok(mut v) => {
                v.clear();
                v
            }
            Err(_) => Vec::with_capacity(CHUNK),
        };
        let full = std::mem::replace(&mut self.buf, empty);
        self.crc.update(&full);
        self.tx
            .send(full)
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "archive writer stopped"))
    }
}

impl Write for ChunkWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(buf);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Runs `produce` on its own thread and compresses what it writes as it comes; returns how many
/// bytes it wrote.
fn piped<S: Sink>(produce: &Producer, gz: &mut GzTar<S>) -> io::Result<u64> {
    std::thread::scope(|s| {
        let (tx, rx) = sync_channel(2);
        let (back_tx, back) = std::sync::mpsc::channel();
        let producer = std::thread::Builder::new()
            .name("archive-member".into())
            .spawn_scoped(s, move || {
                let mut w = ChunkWriter {
                    tx,
                    back,
                    buf: Vec::with_capacity(CHUNK),
                    crc: Crc::new(),
                };
                produce(&mut w)?;
                w.send()?;
                Ok(w.crc)
            })?;
        let mut total = 0u64;
        let mut written = Ok(());
        for chunk in rx.iter() {
            total += chunk.len() as u64;
            written = gz.data_summed_elsewhere(&chunk);
            if written.is_err() {
                break;
            }
            let _ = back_tx.send(chunk);
        }
        // A writer that stopped early closes the pipe, which stops the producer too.
        drop(rx);
        let produced = producer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("report serialization panicked")));
        written?;
        gz.add_crc(&produced?);
        Ok(total)
    })
}

/// Compresses what `produce` writes as it comes, on this thread (it writes in 64 KiB pieces);
/// returns how many bytes it wrote.
fn inline<S: Sink>(produce: &Producer, gz: &mut GzTar<S>) -> io::Result<u64> {
    struct Inline<'g, S: Sink> {
        gz: &'g mut GzTar<S>,
        total: u64,
    }
    impl<S: Sink> Write for Inline<'_, S> {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.gz.data(buf)?;
            self.total += buf.len() as u64;
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut w = Inline { gz, total: 0 };
    produce(&mut w)?;
    Ok(w.total)
}

/// Up to this many bytes in all, members may be compressed ahead into memory (`precompress`).
const PRECOMPRESS_UP_TO: u64 = 4 << 20;

/// `entries` under `top/` compressed now into one piece that `Body::Members` splices into the
/// archive later: so they can be compressed on one thread while another does something else (the
/// summary, which comes first in the archive). None when they are too large to hold compressed in
/// memory (a busy server's report.json, a spooled output): they are then written as the archive is.
pub fn precompress(top: &str, entries: &[Entry], mtime: u64) -> io::Result<Option<Deflated>> {
    let mut total = 0u64;
    for e in entries {
        total = total.saturating_add(match &e.body {
            Body::Bytes { head, data } => (head.len() + data.len()) as u64,
            Body::Deflated(d) | Body::Members(d) => d.len,
            Body::Stream { hint, .. } if *hint <= INLINE_UP_TO => *hint,
            Body::Stream { .. } | Body::Spooled(_) => return Ok(None),
        });
    }
    if total > PRECOMPRESS_UP_TO {
        return Ok(None);
    }
    let mut gz = GzTar::piece();
    for e in entries {
        append(&mut gz, top, e, mtime)?;
    }
    gz.finish_piece().map(Some)
}

/// Appends one entry under `top/` with the archive's fixed mode and mtime.
pub fn append<S: Sink>(gz: &mut GzTar<S>, top: &str, entry: &Entry, mtime: u64) -> io::Result<()> {
    let path = format!("{top}/{}", entry.path);
    match &entry.body {
        Body::Bytes { head, data } => gz.member(&path, &[head, data], mtime),
        Body::Deflated(d) => gz.member_deflated(&path, d, mtime),
        Body::Members(d) => gz.splice(d),
        Body::Spooled(s) => gz.member_read(&path, s.len(), &mut s.reader(), mtime),
        Body::Stream { produce, hint } if *hint <= INLINE_UP_TO => {
            gz.member_produced(&path, mtime, |gz| inline(*produce, gz))
        }
        Body::Stream { produce, .. } => gz.member_produced(&path, mtime, |gz| piped(*produce, gz)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn members_of(gz: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(gz));
        ar.entries()
            .unwrap()
            .map(|e| {
                let mut e = e.unwrap();
                let mut data = Vec::new();
                e.read_to_end(&mut data).unwrap();
                (e.path().unwrap().display().to_string(), data)
            })
            .collect()
    }

    #[test]
    fn streamed_and_borrowed_members_read_back_exactly() {
        // Piped (size unknown or large) and produced on this thread (small): the same bytes.
        for hint in [u64::MAX, INLINE_UP_TO + 1, 1000] {
            streamed_and_borrowed(hint);
        }
    }

    fn streamed_and_borrowed(hint: u64) {
        let big: Vec<u64> = (0..100_000).collect();
        let produce = |w: &mut dyn Write| crate::report::json::write_pretty(w, &big);
        let text = String::from("raw output\n");
        let entries = [
            Entry::stream("report.json", &produce).size_hint(hint),
            Entry {
                path: "raw/x".into(),
                body: Body::Bytes {
                    head: b"[note]\n".to_vec(),
                    data: text.as_bytes().into(),
                },
            },
            Entry::bytes("empty", Vec::new()),
        ];
        let mut gz = GzTar::new(Vec::new());
        for e in &entries {
            append(&mut gz, "top", e, 0).unwrap();
        }
        let out = members_of(&gz.finish().unwrap());
        let want = serde_json::to_string_pretty(&big).unwrap() + "\n";
        assert_eq!(out[0], ("top/report.json".into(), want.into_bytes()));
        assert_eq!(out[1].1, b"[note]\nraw output\n");
        assert_eq!(out[2].1, b"");
    }

    #[test]
    fn a_failing_producer_or_writer_is_an_error_not_a_corrupt_archive() {
        let failing = |w: &mut dyn Write| -> io::Result<()> {
            w.write_all(&[b'x'; 3 * CHUNK])?;
            Err(io::Error::other("boom"))
        };
        for hint in [u64::MAX, 0] {
            let mut gz = GzTar::new(Vec::new());
            let entry = Entry::stream("r", &failing).size_hint(hint);
            let err = append(&mut gz, "top", &entry, 0).unwrap_err();
            assert_eq!(err.to_string(), "boom");
        }
        // A sink that fails stops the producer, and its error is the one told.
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::other("disk full"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        impl Sink for Full {
            fn patch(&mut self, _: u64, _: &[u8]) -> io::Result<()> {
                Ok(())
            }
        }
        // Bytes that do not compress, so the compressed stream soon reaches the sink.
        let endless = |w: &mut dyn Write| -> io::Result<()> {
            let mut x = 1u64;
            loop {
                let chunk: Vec<u8> = (0..CHUNK)
                    .map(|_| {
                        x = x
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        (x >> 56) as u8
                    })
                    .collect();
                w.write_all(&chunk)?;
            }
        };
        for hint in [u64::MAX, 0] {
            let mut gz = GzTar::new(Full);
            let entry = Entry::stream("r", &endless).size_hint(hint);
            let err = append(&mut gz, "top", &entry, 0).unwrap_err();
            assert_eq!(err.to_string(), "disk full");
        }
    }

    #[test]
    fn members_compressed_ahead_give_the_same_archive() {
        let big: Vec<u64> = (0..20_000).collect();
        let produce = |w: &mut dyn Write| crate::report::json::write_pretty(w, &big);
        let text = "raw output\n".repeat(500);
        let entries = || {
            vec![
                Entry::stream("report.json", &produce).size_hint(300_000),
                Entry::bytes("manifest.json", text.as_bytes()),
                Entry::bytes("raw/empty", Vec::new()),
            ]
        };
        let first = Entry::bytes("summary.md", &b"# Summary\n"[..]);
        let mut direct = GzTar::new(Vec::new());
        for e in std::iter::once(&first).chain(&entries()) {
            append(&mut direct, "top", e, 9).unwrap();
        }
        let ahead = precompress("top", &entries(), 9).unwrap().unwrap();
        let mut spliced = GzTar::new(Vec::new());
        append(&mut spliced, "top", &first, 9).unwrap();
        let label = Entry {
            path: "(the rest)".into(),
            body: Body::Members(&ahead),
        };
        append(&mut spliced, "top", &label, 9).unwrap();
        let (direct, spliced) = (direct.finish().unwrap(), spliced.finish().unwrap());
        assert_eq!(members_of(&spliced), members_of(&direct));
        assert_eq!(members_of(&spliced).len(), 4);
        // Too large to hold compressed in memory: written as the archive is, not ahead.
        let large = [Entry::stream("report.json", &produce).size_hint(INLINE_UP_TO + 1)];
        assert!(precompress("top", &large, 9).unwrap().is_none());
        let many = vec![0u8; PRECOMPRESS_UP_TO as usize / 2 + 1];
        let two = [Entry::bytes("a", &many[..]), Entry::bytes("b", &many[..])];
        assert!(precompress("top", &two, 9).unwrap().is_none());
    }
}

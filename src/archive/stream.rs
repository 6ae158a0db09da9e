//! How members reach the archive without extra copies: raw artifacts are written from the report's
//! own strings (borrowed, not cloned), and report.json is serialized straight into the compressed
//! stream (a tar header needs the size first, so a counting pass measures it, then a producer thread
//! serializes again into a bounded pipe that the tar writer reads). A member is never whole in
//! memory twice; report.json is never whole in memory at all.

use std::borrow::Cow;
use std::io::{self, Read, Write};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

/// What goes into the archive at `path`.
pub struct Entry<'a> {
    pub path: String,
    pub body: Body<'a>,
}

/// Writes a member's bytes (exactly as many as announced) into the archive.
pub type Producer<'a> = dyn Fn(&mut dyn Write) -> io::Result<()> + Sync + 'a;

pub enum Body<'a> {
    /// Bytes in memory, after a short `head` (a truncation note, or nothing).
    Bytes { head: Vec<u8>, data: Cow<'a, [u8]> },
    /// Bytes produced while the member is written: `len` of them.
    Stream { len: u64, produce: &'a Producer<'a> },
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

    /// A member produced by `produce` as it is written; measured first by running it into a
    /// counter (it must write the same bytes each time).
    pub fn stream(path: impl Into<String>, produce: &'a Producer<'a>) -> io::Result<Entry<'a>> {
        let mut counter = Counter(0);
        produce(&mut counter)?;
        Ok(Entry {
            path: path.into(),
            body: Body::Stream {
                len: counter.0,
                produce,
            },
        })
    }

    pub fn len(&self) -> u64 {
        match &self.body {
            Body::Bytes { head, data } => (head.len() + data.len()) as u64,
            Body::Stream { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Counts what is written.
struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Size of the chunks a producer hands to the tar writer (two may wait in the pipe).
const CHUNK: usize = 64 * 1024;

struct ChunkWriter {
    tx: SyncSender<Vec<u8>>,
    buf: Vec<u8>,
}

impl ChunkWriter {
    fn send(&mut self) -> io::Result<()> {
        let full = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
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

struct ChunkReader {
    rx: Receiver<Vec<u8>>,
    chunk: Vec<u8>,
    pos: usize,
    total: u64,
}

impl Read for ChunkReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.chunk.len() {
            match self.rx.recv() {
                Ok(c) => (self.chunk, self.pos) = (c, 0),
                Err(_) => return Ok(0), // the producer is done
            }
        }
        let n = out.len().min(self.chunk.len() - self.pos);
        out[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        self.total += n as u64;
        Ok(n)
    }
}

/// Appends one entry under `top/` with the archive's fixed mode and mtime.
pub fn append<W: Write>(
    tar: &mut tar::Builder<W>,
    top: &str,
    entry: &Entry,
    mtime: u64,
) -> io::Result<()> {
    let mut h = tar::Header::new_gnu();
    h.set_size(entry.len());
    h.set_mode(0o600);
    h.set_mtime(mtime);
    h.set_entry_type(tar::EntryType::Regular);
    let path = format!("{top}/{}", entry.path);
    match &entry.body {
        Body::Bytes { head, data } => tar.append_data(&mut h, path, head.chain(&data[..])),
        Body::Stream { len, produce } => std::thread::scope(|s| {
            let (tx, rx) = sync_channel(2);
            let producer = s.spawn(move || {
                let mut w = ChunkWriter {
                    tx,
                    buf: Vec::with_capacity(CHUNK),
                };
                produce(&mut w)?;
                w.send()
            });
            let mut reader = ChunkReader {
                rx,
                chunk: Vec::new(),
                pos: 0,
                total: 0,
            };
            let appended = tar.append_data(&mut h, &path, &mut reader);
            let total = reader.total;
            // A writer that stopped early unblocks the producer, which then fails too.
            drop(reader);
            let produced = producer
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("report serialization panicked")));
            appended?;
            produced?;
            if total != *len {
                return Err(io::Error::other(format!(
                    "{}: {total} bytes written, {len} announced",
                    entry.path
                )));
            }
            Ok(())
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members_of(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut ar = tar::Archive::new(bytes);
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
        let big: Vec<u64> = (0..100_000).collect();
        let produce = |w: &mut dyn Write| -> io::Result<()> {
            serde_json::to_writer_pretty(&mut *w, &big)?;
            w.write_all(b"\n")
        };
        let text = String::from("raw output\n");
        let entries = [
            Entry::stream("report.json", &produce).unwrap(),
            Entry {
                path: "raw/x".into(),
                body: Body::Bytes {
                    head: b"[note]\n".to_vec(),
                    data: text.as_bytes().into(),
                },
            },
            Entry::bytes("empty", Vec::new()),
        ];
        let mut tar = tar::Builder::new(Vec::new());
        for e in &entries {
            append(&mut tar, "top", e, 0).unwrap();
        }
        let out = members_of(&tar.into_inner().unwrap());
        let want = serde_json::to_string_pretty(&big).unwrap() + "\n";
        assert_eq!(out[0], ("top/report.json".into(), want.into_bytes()));
        assert_eq!(out[1].1, b"[note]\nraw output\n");
        assert_eq!(out[2].1, b"");
    }

    #[test]
    fn a_producer_that_changes_its_length_is_an_error_not_a_corrupt_archive() {
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let produce = |w: &mut dyn Write| -> io::Result<()> {
            let n = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            w.write_all(&vec![b'x'; 100 + n])
        };
        let e = Entry::stream("r", &produce).unwrap();
        let mut tar = tar::Builder::new(Vec::new());
        let err = append(&mut tar, "top", &e, 0).unwrap_err();
        assert!(
            err.to_string().contains("101 bytes written, 100 announced"),
            "{err}"
        );
        // A producer that fails is reported, whatever the tar writer saw.
        let failing = |_: &mut dyn Write| -> io::Result<()> { Err(io::Error::other("boom")) };
        let e = Entry {
            path: "r".into(),
            body: Body::Stream {
                len: 10,
                produce: &failing,
            },
        };
        assert!(append(&mut tar, "top", &e, 0)
            .unwrap_err()
            .to_string()
            .contains("boom"));
    }
}

//! The archive's gzip stream, written in one pass. A tar header states its member's size before the
//! member's bytes, and the size of report.json (or of any member produced while it is written) is
//! known only at its end. Such a member's header therefore goes into the deflate stream as a stored
//! (uncompressed) block: a placeholder of the header's exact length is written first, and the real
//! header is written over it in the file once the member is complete. Before the placeholder the
//! compressor is fully flushed, so its output is byte-aligned and nothing after it refers back past
//! it; the gzip trailer's CRC-32 is combined from the parts in stream order. A reader sees one
//! ordinary gzip member holding an ordinary tar: the same bytes, member for member, that the `tar`
//! crate's builder writes.

use flate2::{Compress, Compression, Crc, FlushCompress, Status};
use std::io::{self, Write};

/// Compressed bytes gathered before they go to the file.
const OUT: usize = 64 * 1024;
/// Room the compressor is always given.
const SPARE: usize = 16 * 1024;
/// tar's block: headers are one or more blocks, member data is padded to a whole block.
const BLOCK: usize = 512;

/// Where the compressed stream goes: written in order, then patched at known offsets.
pub trait Sink: Write {
    /// Overwrites `bytes` at `offset` (already written).
    fn patch(&mut self, offset: u64, bytes: &[u8]) -> io::Result<()>;
}

impl Sink for std::fs::File {
    fn patch(&mut self, offset: u64, bytes: &[u8]) -> io::Result<()> {
        std::os::unix::fs::FileExt::write_all_at(self, bytes, offset)
    }
}

impl Sink for Vec<u8> {
    fn patch(&mut self, offset: u64, bytes: &[u8]) -> io::Result<()> {
        let at = offset as usize;
        self.get_mut(at..at + bytes.len())
            .ok_or_else(|| io::Error::other("patch past the end"))?
            .copy_from_slice(bytes);
        Ok(())
    }
}

/// The header block(s) of a regular file `path` of `size` bytes, as the archive has always written
/// them (GNU format, mode 0600, `mtime`; a long path gets tar's GNU long-name block first).
pub fn tar_header(path: &str, size: u64, mtime: u64) -> io::Result<Vec<u8>> {
    let mut h = tar::Header::new_gnu();
    h.set_size(size);
    h.set_mode(0o600);
    h.set_mtime(mtime);
    h.set_entry_type(tar::EntryType::Regular);
    let mut b = tar::Builder::new(Vec::new());
    b.append_data(&mut h, path, io::empty())?;
    // Taken before the builder is dropped (dropping it appends the end-of-archive blocks).
    Ok(std::mem::take(b.get_mut()))
}

/// Bytes compressed on their own (raw deflate): byte-aligned, not final, and referring to nothing
/// before them, so they fit anywhere in the stream after a full flush. A member that is the same in
/// every archive (schema.json) is compressed so at build time (build.rs).
pub struct Deflated {
    pub bytes: std::borrow::Cow<'static, [u8]>,
    /// CRC-32 of the uncompressed bytes, and their length.
    pub crc: Crc,
    pub len: u64,
}

impl Deflated {
    /// `data` and `bytes`, its compressed form made beforehand.
    pub fn prebuilt(bytes: &'static [u8], data: &[u8]) -> Deflated {
        let mut crc = Crc::new();
        crc.update(data);
        Deflated {
            bytes: bytes.into(),
            crc,
            len: data.len() as u64,
        }
    }
}

/// A tar inside a gzip stream, written member by member into `sink`.
pub struct GzTar<S: Sink> {
    sink: S,
    z: Compress,
    /// CRC-32 and length of the uncompressed stream so far (of the member being produced, while one
    /// is: `outer` holds the rest until it ends).
    crc: Crc,
    out: Vec<u8>,
    /// Bytes already handed to the sink.
    written: u64,
    /// Headers to write over their placeholders at the end.
    patches: Vec<(u64, Vec<u8>)>,
    /// Uncompressed bytes so far (the CRC's count wraps at 4 GiB).
    len: u64,
}

/// A compressor set aside for the next stream (one used before, reset): a new one zeroes a few
/// hundred KiB of fresh pages (tables and window), which a reset one has already touched.
static SPARE_COMPRESSOR: std::sync::Mutex<Option<Compress>> = std::sync::Mutex::new(None);

/// A compressor at the archive's level: the one set aside, else a new one.
fn compressor() -> Compress {
    SPARE_COMPRESSOR
        .lock()
        .ok()
        .and_then(|mut s| s.take())
        .unwrap_or_else(|| Compress::new(Compression::fast(), false))
}

/// Sets `z` aside, reset (its output is then the same as a new one's), for the next stream.
fn spare(mut z: Compress) {
    z.reset();
    if let Ok(mut s) = SPARE_COMPRESSOR.lock() {
        s.get_or_insert(z);
    }
}

impl<S: Sink> GzTar<S> {
    /// Starts the gzip stream (the header flate2's `GzEncoder` writes at its fast level).
    pub fn new(sink: S) -> GzTar<S> {
        let mut gz = GzTar::headless(sink);
        gz.out
            .extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 255]);
        gz
    }

    fn headless(sink: S) -> GzTar<S> {
        GzTar {
            sink,
            z: compressor(),
            crc: Crc::new(),
            out: Vec::with_capacity(OUT),
            written: 0,
            patches: Vec::new(),
            len: 0,
        }
    }

    fn spill(&mut self) -> io::Result<()> {
        self.sink.write_all(&self.out)?;
        self.written += self.out.len() as u64;
        self.out.clear();
        Ok(())
    }

    /// Compresses `input` (already counted in the CRC) with `flush`.
    fn deflate(&mut self, mut input: &[u8], flush: FlushCompress) -> io::Result<()> {
        loop {
            if self.out.capacity() - self.out.len() < SPARE {
                self.spill()?;
            }
            let before = self.z.total_in();
            let status = self
                .z
                .compress_vec(input, &mut self.out, flush)
                .map_err(io::Error::other)?;
            input = &input[(self.z.total_in() - before) as usize..];
            let room_left = self.out.len() < self.out.capacity();
            match flush {
                FlushCompress::Finish if status == Status::StreamEnd => return Ok(()),
                FlushCompress::Finish => {}
                FlushCompress::None if input.is_empty() => return Ok(()),
                _ if input.is_empty() && room_left => return Ok(()),
                _ => {}
            }
        }
    }

    /// Uncompressed bytes of the tar stream.
    pub fn data(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.crc.update(bytes);
        self.len += bytes.len() as u64;
        self.deflate(bytes, FlushCompress::None)
    }

    /// `data` whose CRC-32 the caller computes (on another thread) and hands over with `add_crc`
    /// before the member ends.
    pub fn data_summed_elsewhere(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.len += bytes.len() as u64;
        self.deflate(bytes, FlushCompress::None)
    }

    /// The CRC-32 of bytes given with `data_summed_elsewhere`, in their order.
    pub fn add_crc(&mut self, crc: &Crc) {
        self.crc.combine(crc);
    }

    /// Zeros up to the next tar block after a member of `len` bytes.
    fn pad(&mut self, len: u64) -> io::Result<()> {
        let rest = (BLOCK - (len % BLOCK as u64) as usize) % BLOCK;
        self.data(&[0; BLOCK][..rest])
    }

    /// A member whose bytes are known: header, `parts` in order, padding.
    pub fn member(&mut self, path: &str, parts: &[&[u8]], mtime: u64) -> io::Result<()> {
        let len: u64 = parts.iter().map(|p| p.len() as u64).sum();
        self.data(&tar_header(path, len, mtime)?)?;
        for p in parts {
            self.data(p)?;
        }
        self.pad(len)
    }

    /// A member of `len` bytes read from `r` (an error if it gives more or fewer).
    pub fn member_read(
        &mut self,
        path: &str,
        len: u64,
        r: &mut dyn std::io::Read,
        mtime: u64,
    ) -> io::Result<()> {
        self.data(&tar_header(path, len, mtime)?)?;
        let mut buf = vec![0u8; 64 * 1024];
        let mut left = len;
        while left > 0 {
            let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            let n = r.read(&mut buf[..want])?;
            if n == 0 {
                return Err(io::Error::other(format!("{path}: {left} bytes short")));
            }
            self.data(&buf[..n])?;
            left -= n as u64;
        }
        self.pad(len)
    }

    /// A member compressed beforehand: its header, its bytes (`splice`), the padding.
    pub fn member_deflated(&mut self, path: &str, d: &Deflated, mtime: u64) -> io::Result<()> {
        self.data(&tar_header(path, d.len, mtime)?)?;
        self.splice(d)?;
        self.pad(d.len)
    }

    /// Bytes compressed beforehand, after a full flush (so nothing compressed later refers back
    /// across them).
    pub fn splice(&mut self, d: &Deflated) -> io::Result<()> {
        self.deflate(&[], FlushCompress::Full)?;
        if self.out.capacity() - self.out.len() < d.bytes.len() {
            self.spill()?;
        }
        self.out.extend_from_slice(&d.bytes);
        self.crc.combine(&d.crc);
        self.len += d.len;
        Ok(())
    }

    /// A member whose size is known only at its end: `produce` hands its bytes to `self.data` (or
    /// `data_summed_elsewhere` and `add_crc`) and returns how many; the header is patched in
    /// afterwards.
    pub fn member_produced(
        &mut self,
        path: &str,
        mtime: u64,
        produce: impl FnOnce(&mut Self) -> io::Result<u64>,
    ) -> io::Result<()> {
        let len = tar_header(path, 0, mtime)?.len();
        let stored_len = u16::try_from(len)
            .map_err(|_| io::Error::other(format!("{path}: path too long for the archive")))?;
        // Byte-aligned, and the compressor forgets what came before: nothing compressed after the
        // placeholder can refer back across it.
        self.deflate(&[], FlushCompress::Full)?;
        // A stored block, not the last one: BFINAL 0, BTYPE 00, then LEN and its complement.
        self.out.push(0);
        self.out.extend_from_slice(&stored_len.to_le_bytes());
        self.out.extend_from_slice(&(!stored_len).to_le_bytes());
        let at = self.written + self.out.len() as u64;
        self.out.resize(self.out.len() + len, 0);
        self.len += len as u64;
        let outer = std::mem::take(&mut self.crc);
        let produced = produce(self);
        let member = std::mem::replace(&mut self.crc, outer);
        let size = produced?;
        if member.amount() as u64 != size % (1 << 32) {
            return Err(io::Error::other(format!(
                "{path}: {} bytes written, {size} announced",
                member.amount()
            )));
        }
        let header = tar_header(path, size, mtime)?;
        debug_assert_eq!(header.len(), len);
        let mut h = Crc::new();
        h.update(&header);
        self.crc.combine(&h);
        self.crc.combine(&member);
        self.patches.push((at, header));
        self.pad(size)
    }

    /// Ends the tar (two zero blocks) and the gzip stream, writes the headers over their
    /// placeholders, and returns the sink.
    pub fn finish(mut self) -> io::Result<S> {
        self.data(&[0; 2 * BLOCK])?;
        self.deflate(&[], FlushCompress::Finish)?;
        let (sum, amount) = (self.crc.sum(), self.crc.amount());
        self.out.extend_from_slice(&sum.to_le_bytes());
        self.out.extend_from_slice(&amount.to_le_bytes());
        self.spill()?;
        self.sink.flush()?;
        for (at, header) in std::mem::take(&mut self.patches) {
            self.sink.patch(at, &header)?;
        }
        Ok(self.sink)
    }
}

impl GzTar<Vec<u8>> {
    /// A piece of the tar to splice into another stream later (`splice`): compressed like the rest,
    /// without the gzip header, trailer or the tar's end.
    pub fn piece() -> GzTar<Vec<u8>> {
        GzTar::headless(Vec::new())
    }

    /// Ends a `piece`: fully flushed, its headers written over their placeholders.
    pub fn finish_piece(mut self) -> io::Result<Deflated> {
        self.deflate(&[], FlushCompress::Full)?;
        self.spill()?;
        let GzTar {
            mut sink,
            z,
            crc,
            patches,
            len,
            ..
        } = self;
        for (at, header) in patches {
            sink.patch(at, &header)?;
        }
        spare(z);
        Ok(Deflated {
            bytes: sink.into(),
            crc,
            len,
        })
    }
}

#[cfg(test)]
#[path = "gz_tests.rs"]
mod tests;

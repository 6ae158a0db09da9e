//! The spool files' bytes on disk are ciphertext: nothing unredacted reaches a disk, even in a file
//! that has no name (a spool is written before the redaction runs, and freed blocks keep what they
//! held). Each file gets its own random AES-128 key and nonce, held only in this process's memory,
//! and is encrypted in counter mode, so any byte range reads back on its own (records are read at
//! their offsets).

use aes::cipher::{BlockCipherEncrypt, KeyInit};
use aes::{Aes128, Block};
use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::FileExt;

pub struct SealedFile {
    file: File,
    cipher: Aes128,
    nonce: [u8; 8],
}

impl SealedFile {
    /// A new unlinked file (see `unlinked_file`) with a fresh key.
    pub fn create() -> io::Result<SealedFile> {
        let file = super::socket_list::unlinked_file()?;
        // 32 random bytes from the system's generator (what the redaction's fresh keys use).
        let random = ipcrypt_rs::IpcryptPfx::generate_key();
        let cipher = Aes128::new_from_slice(&random[..16]).map_err(io::Error::other)?;
        let mut nonce = [0u8; 8];
        nonce.copy_from_slice(&random[16..24]);
        Ok(SealedFile {
            file,
            cipher,
            nonce,
        })
    }

    /// The file as the disk holds it (tests check that it is ciphertext).
    #[cfg(test)]
    pub(crate) fn raw(&self) -> &File {
        &self.file
    }

    /// XORs `buf`, which sits at `offset` in the file, with the key stream.
    fn apply(&self, buf: &mut [u8], offset: u64) {
        const BATCH: usize = 256;
        let mut blocks = [Block::default(); BATCH];
        let mut stream = [0u8; BATCH * 16];
        let mut done = 0usize;
        while done < buf.len() {
            let at = offset + done as u64;
            let (first, skip) = (at / 16, (at % 16) as usize);
            let want = (buf.len() - done + skip).div_ceil(16).min(BATCH);
            for (i, b) in blocks[..want].iter_mut().enumerate() {
                b[..8].copy_from_slice(&self.nonce);
                b[8..].copy_from_slice(&(first + i as u64).to_be_bytes());
            }
            self.cipher.encrypt_blocks(&mut blocks[..want]);
            for (i, b) in blocks[..want].iter().enumerate() {
                stream[i * 16..i * 16 + 16].copy_from_slice(b);
            }
            let end = (done + want * 16 - skip).min(buf.len());
            for (x, k) in buf[done..end].iter_mut().zip(&stream[skip..]) {
                *x ^= k;
            }
            done = end;
        }
    }

    /// Writes `data` at `offset`, encrypted.
    pub fn write_all_at(&self, data: &[u8], offset: u64, scratch: &mut Vec<u8>) -> io::Result<()> {
        scratch.clear();
        scratch.extend_from_slice(data);
        self.apply(scratch, offset);
        self.file.write_all_at(scratch, offset)
    }

    /// Reads up to `buf.len()` bytes at `offset`, decrypted.
    pub fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let n = self.file.read_at(buf, offset)?;
        self.apply(&mut buf[..n], offset);
        Ok(n)
    }

    /// Fills `buf` from `offset`, decrypted.
    pub fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        self.file.read_exact_at(buf, offset)?;
        self.apply(buf, offset);
        Ok(())
    }
}

/// Reads the first `len` bytes of a sealed file from its start, decrypted, through its own offset
/// (so readers of one file do not disturb each other). Buffered: records and lines are read a few
/// bytes at a time.
pub fn reader(file: &SealedFile, len: u64) -> io::BufReader<SealedReader<'_>> {
    io::BufReader::with_capacity(64 * 1024, SealedReader { file, at: 0, len })
}

pub struct SealedReader<'a> {
    file: &'a SealedFile,
    at: u64,
    len: u64,
}

impl io::Read for SealedReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.len.saturating_sub(self.at);
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(0);
        }
        let n = self.file.read_at(&mut buf[..want], self.at)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.at += n as u64;
        Ok(n)
    }
}

/// Appends to a sealed file (wrap it in a BufWriter: each write is one encrypted pwrite).
pub struct SealedWriter {
    file: SealedFile,
    len: u64,
    scratch: Vec<u8>,
}

impl SealedWriter {
    pub fn create() -> io::Result<SealedWriter> {
        Ok(SealedWriter {
            file: SealedFile::create()?,
            len: 0,
            scratch: Vec::new(),
        })
    }

    /// A new sealed file to append to through a 64 KiB buffer (what every spool writes with).
    pub fn buffered() -> io::Result<io::BufWriter<SealedWriter>> {
        Ok(io::BufWriter::with_capacity(
            64 * 1024,
            SealedWriter::create()?,
        ))
    }

    /// Flushes a `buffered` writer: the file it wrote and its length.
    pub fn finish(out: io::BufWriter<SealedWriter>) -> io::Result<(SealedFile, u64)> {
        let w = out.into_inner().map_err(|e| e.into_error())?;
        Ok((w.file, w.len))
    }
}

impl Write for SealedWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write_all_at(buf, self.len, &mut self.scratch)?;
        self.len += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_written_is_ciphertext_on_disk_and_reads_back_at_any_offset() {
        let mut w = SealedWriter::create().unwrap();
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        // Unaligned pieces, as a BufWriter hands them over.
        for piece in data.chunks(777) {
            w.write_all(piece).unwrap();
        }
        assert_eq!(w.len, data.len() as u64);
        let f = &w.file;
        let mut raw = vec![0u8; data.len()];
        f.file.read_exact_at(&mut raw, 0).unwrap();
        let same = raw.iter().zip(&data).filter(|(a, b)| a == b).count();
        assert!(same < data.len() / 100, "{same} bytes in the clear");
        for (at, len) in [
            (0, 1),
            (1, 15),
            (15, 2),
            (16, 16),
            (12_345, 4_321),
            (99_990, 10),
        ] {
            let mut buf = vec![0u8; len];
            f.read_exact_at(&mut buf, at as u64).unwrap();
            assert_eq!(buf, data[at..at + len], "at {at}");
        }
        let mut buf = vec![0u8; 64];
        assert_eq!(f.read_at(&mut buf, 99_980).unwrap(), 20);
        assert_eq!(buf[..20], data[99_980..]);
        // Two files never share a key stream.
        let mut other = SealedWriter::create().unwrap();
        other.write_all(&data[..64]).unwrap();
        let mut raw2 = vec![0u8; 64];
        other.file.file.read_exact_at(&mut raw2, 0).unwrap();
        assert_ne!(raw2, raw[..64]);
    }
}

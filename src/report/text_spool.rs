//! A raw output too large to hold, kept in an unlinked, encrypted file (see sealed_file) instead: the `ss -ManiH` text of a
//! spooled socket list is written here as it is rendered, read back a few lines at a time by the
//! summary and the redaction, and copied into the archive's raw/ from here. Clones share the file.

use super::sealed_file::{SealedFile, SealedReader, SealedWriter};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::sync::Arc;

#[derive(Clone)]
pub struct TextSpool {
    file: Arc<SealedFile>,
    len: u64,
}

impl TextSpool {
    /// Bytes of text.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The text from its start (each reader has its own offset).
    pub fn reader(&self) -> BufReader<SealedReader<'_>> {
        super::sealed_file::reader(&self.file, self.len)
    }

    /// The text in pieces of whole lines, each at most about `max` bytes (a longer line is a piece
    /// of its own). Stops at the first error `f` or the file gives.
    pub fn try_for_each_piece(
        &self,
        max: usize,
        mut f: impl FnMut(&str) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut r = self.reader();
        let mut piece = String::new();
        let mut line = String::new();
        loop {
            line.clear();
            let n = r.read_line(&mut line)?;
            if (n == 0 || piece.len() + line.len() > max) && !piece.is_empty() {
                f(&piece)?;
                piece.clear();
            }
            if n == 0 {
                return Ok(());
            }
            piece.push_str(&line);
        }
    }

    /// The whole text in memory (a small spool, or a view that prints everything).
    pub fn read_all(&self) -> io::Result<String> {
        let mut s = String::with_capacity(self.len as usize);
        self.reader().read_to_string(&mut s)?;
        Ok(s)
    }
}

impl std::fmt::Debug for TextSpool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TextSpool({} bytes)", self.len)
    }
}

/// Two spools are equal when their texts are.
impl PartialEq for TextSpool {
    fn eq(&self, other: &TextSpool) -> bool {
        if self.len != other.len {
            return false;
        }
        let (mut a, mut b) = (self.reader(), other.reader());
        loop {
            let (x, y) = match (a.fill_buf(), b.fill_buf()) {
                (Ok(x), Ok(y)) => (x, y),
                _ => return false,
            };
            let n = x.len().min(y.len());
            if n == 0 {
                return x.is_empty() && y.is_empty();
            }
            if x[..n] != y[..n] {
                return false;
            }
            a.consume(n);
            b.consume(n);
        }
    }
}

/// Writes a new spool.
pub struct TextSpoolWriter {
    out: BufWriter<SealedWriter>,
}

impl TextSpoolWriter {
    pub fn create() -> io::Result<TextSpoolWriter> {
        Ok(TextSpoolWriter {
            out: SealedWriter::buffered()?,
        })
    }

    pub fn finish(self) -> io::Result<TextSpool> {
        let (file, len) = SealedWriter::finish(self.out)?;
        Ok(TextSpool {
            file: Arc::new(file),
            len,
        })
    }
}

impl Write for TextSpoolWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spool(text: &str) -> TextSpool {
        let mut w = TextSpoolWriter::create().unwrap();
        w.write_all(text.as_bytes()).unwrap();
        w.finish().unwrap()
    }

    #[test]
    fn a_spool_reads_back_whole_and_in_pieces_of_whole_lines() {
        let text: String = (0..5000).map(|i| format!("line {i}\n")).collect::<String>() + "no end";
        let s = spool(&text);
        assert_eq!(s.len(), text.len() as u64);
        assert_eq!(s.read_all().unwrap(), text);
        let mut pieces = Vec::new();
        s.try_for_each_piece(100, |p| {
            pieces.push(p.to_string());
            Ok(())
        })
        .unwrap();
        assert_eq!(pieces.concat(), text);
        assert!(pieces.iter().all(|p| p.len() <= 100));
        assert!(pieces[..pieces.len() - 1].iter().all(|p| p.ends_with('\n')));
        // A line longer than a piece is a piece of its own.
        let long = format!("a\n{}\nb\n", "x".repeat(300));
        let mut pieces = Vec::new();
        spool(&long)
            .try_for_each_piece(100, |p| {
                pieces.push(p.to_string());
                Ok(())
            })
            .unwrap();
        assert_eq!(pieces, ["a\n", &format!("{}\n", "x".repeat(300)), "b\n"]);
        assert_eq!(spool(&text), s.clone());
        assert_ne!(spool("other"), s);
        assert!(spool("").is_empty());
    }
}

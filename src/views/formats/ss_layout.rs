//! ss's output buffer and column layout, replayed: ss writes each field as a token into 1 MiB
//! chunks and lays out the columns of what it buffered once five chunks are in use (and at the end),
//! padding each column to the widest field seen so far except the last one written. The same tokens
//! in the same chunks give the same layout points and widths, so thousands of sockets come out
//! exactly as ss prints them.
//!
//! The tokens are not kept: the caller feeds them twice. The first pass (`Layout::measure`) only
//! counts, and notes the widths of each batch when ss would lay it out; the second
//! (`Layout::write`) writes each token as soon as it is complete, padded to its batch's widths. So
//! the text is in memory once, as the output, never also as ss's buffer of tokens (at 10,000
//! connections that buffer was 4 MB more at the run's memory peak).

#[derive(Clone, Copy, PartialEq)]
enum Align {
    Left,
    Right,
}

struct Col {
    align: Align,
    ldelim: &'static str,
    disabled: bool,
    max_len: usize,
    width: usize,
}

const fn col(align: Align, ldelim: &'static str, disabled: bool) -> Col {
    Col {
        align,
        ldelim,
        disabled,
        max_len: 0,
        width: 0,
    }
}

/// ss's chunk size and the data room of one chunk (after its `next` and `end` pointers).
const CHUNK_DATA: usize = 1024 * 1024 - 16;
/// ss lays out what it buffered once this many chunks are in use.
const CHUNKS_MAX: usize = 5;
pub(crate) const COL_STATE: usize = 1;
pub(crate) const COL_RECVQ: usize = 2;
pub(crate) const COL_SENDQ: usize = 3;
pub(crate) const COL_ADDR: usize = 4;
const COL_PROC: usize = 9;

/// ss's output buffer and column layout, replayed: the same tokens in the same chunks, so the same
/// layout points and widths.
pub(crate) struct Layout {
    cols: [Col; 10],
    cur: usize,
    head: bool,
    chunks: usize,
    /// Offset of the current token's length field in the current chunk, its length, bytes in use.
    t: usize,
    t_len: usize,
    used: usize,
    /// The current token (the only one held), and the bytes of all tokens put.
    tok: String,
    bytes: usize,
    /// The widths of each batch, in order: noted by the measuring pass, used by the writing pass.
    batches: Vec<[usize; 10]>,
    /// Writing: the batch being written, and where its walk over the columns is.
    writing: Option<Walk>,
    pub(crate) out: String,
}

/// Where the writing pass is in a batch's table: the batch, the column of the next token, and
/// whether a field of the current line was written.
struct Walk {
    batch: usize,
    col: usize,
    started: bool,
}

impl Layout {
    /// The first pass: counts, and notes each batch's widths.
    pub(crate) fn measure() -> Layout {
        use Align::*;
        Layout {
            // Netid (disabled: one table), State, Recv-Q, Send-Q, Local Address:, Port, Peer
            // Address:, Port, the info column, the process column.
            cols: [
                col(Left, "", true),
                col(Left, " ", false),
                col(Left, " ", false),
                col(Left, " ", false),
                col(Right, " ", false),
                col(Left, "", false),
                col(Right, " ", false),
                col(Left, "", false),
                col(Left, "", false),
                col(Left, "", false),
            ],
            cur: 0,
            head: false,
            chunks: 0,
            t: 0,
            t_len: 0,
            used: 0,
            tok: String::new(),
            bytes: 0,
            batches: Vec::new(),
            writing: None,
            out: String::new(),
        }
    }

    /// The second pass, fed the same tokens as `measured` was: writes the table into `out`.
    pub(crate) fn write(measured: Layout, capacity: usize) -> Layout {
        Layout {
            batches: measured.batches,
            writing: Some(Walk {
                batch: 0,
                col: 0,
                started: false,
            }),
            out: String::with_capacity(capacity),
            ..Layout::measure()
        }
    }

    /// Bytes of the tokens put so far: the output's size but for its padding.
    pub(crate) fn token_bytes(&self) -> usize {
        self.bytes
    }

    fn new_chunk(&mut self) {
        self.chunks += 1;
        self.t = 0;
        self.t_len = 0;
        self.used = 2;
    }

    pub(crate) fn put(&mut self, s: &str) {
        if self.cols[self.cur].disabled {
            return;
        }
        if !self.head {
            self.head = true;
            self.new_chunk();
            self.begin_batch();
        }
        loop {
            let avail = CHUNK_DATA - self.used;
            if s.len() < avail || self.t == 0 {
                let n = s.len().min(avail).min(usize::from(u16::MAX) - self.t_len);
                self.used += n;
                self.t_len += n;
                self.bytes += n;
                if self.writing.is_some() {
                    self.tok.push_str(s.get(..n).unwrap_or(s));
                }
                return;
            }
            // The token moves to a fresh chunk and is written again there.
            self.chunks += 1;
            self.t = 0;
            self.used = 2 + self.t_len;
        }
    }

    fn flush(&mut self) {
        let c = &mut self.cols[self.cur];
        if c.disabled {
            return;
        }
        c.max_len = c.max_len.max(self.t_len);
        // The token is complete: the next one starts (in a fresh chunk when this one is full).
        self.emit();
        let pad = self.t_len % 2;
        let avail = (CHUNK_DATA - self.used) as u32;
        if avail.wrapping_sub(pad as u32) < 2 {
            self.new_chunk();
            return;
        }
        self.t += 2 + self.t_len + pad;
        self.t_len = 0;
        self.used = self.t + 2;
    }

    pub(crate) fn next(&mut self) {
        let last = self.cur == COL_PROC;
        if last && self.chunks >= CHUNKS_MAX {
            self.render();
            return;
        }
        self.flush();
        self.cur = if last { 0 } else { self.cur + 1 };
    }

    pub(crate) fn set(&mut self, id: usize) {
        while self.cur != id {
            self.next();
        }
    }

    /// The widths ss lays the batch out with: each column's widest field so far, plus its
    /// delimiter unless it is the first column shown.
    fn widths(&self) -> [usize; 10] {
        let mut w = [0; 10];
        let mut first = true;
        for (i, c) in self.cols.iter().enumerate().filter(|(_, c)| !c.disabled) {
            w[i] = if !first && c.max_len > 0 {
                c.max_len + c.ldelim.len()
            } else {
                c.max_len
            };
            first &= w[i] == 0;
        }
        w
    }

    /// A batch starts: the writing pass takes up its widths; its walk starts at the first column
    /// with a width.
    fn begin_batch(&mut self) {
        let Some(walk) = &self.writing else {
            return;
        };
        let widths = self.batches.get(walk.batch).copied().unwrap_or_default();
        for (c, w) in self.cols.iter_mut().zip(widths) {
            c.width = w;
        }
        let col = self.cols.iter().position(|c| c.width > 0).unwrap_or(0);
        self.writing = Some(Walk {
            col,
            started: false,
            ..*walk
        });
    }

    /// Writes the complete current token (writing pass) at its place in the table.
    fn emit(&mut self) {
        let Some(walk) = self.writing.as_mut() else {
            return;
        };
        let pad = |out: &mut String, n: isize| {
            for _ in 0..n.max(0) {
                out.push(' ');
            }
        };
        let c = &self.cols[walk.col];
        let mut printed = 0isize;
        if walk.started {
            self.out.push_str(c.ldelim);
            printed = c.ldelim.len() as isize;
        }
        walk.started = true;
        if c.width > 0 && c.align == Align::Right {
            let s = c.width as isize - self.tok.len() as isize - printed;
            pad(&mut self.out, s);
            printed += s.max(0);
        }
        self.out.push_str(&self.tok);
        printed += self.tok.len() as isize;
        if c.width > 0 && c.align == Align::Left {
            pad(&mut self.out, c.width as isize - printed);
        }
        self.tok.clear();
        loop {
            if walk.col == COL_PROC {
                self.out.push('\n');
                walk.col = 0;
                walk.started = false;
            } else {
                walk.col += 1;
            }
            if !self.cols[walk.col].disabled {
                break;
            }
        }
    }

    /// Lays out what is buffered, as ss does when five chunks are in use and at the end: the
    /// measuring pass notes the batch's widths, the writing pass writes its last token.
    pub(crate) fn render(&mut self) {
        if !self.head {
            return;
        }
        if self.writing.is_none() {
            let w = self.widths();
            self.batches.push(w);
        } else {
            self.emit();
            if let Some(walk) = self.writing.as_mut() {
                if walk.started {
                    self.out.push('\n');
                }
                walk.batch += 1;
            }
        }
        self.head = false;
        self.chunks = 0;
        self.cur = 0;
    }
}

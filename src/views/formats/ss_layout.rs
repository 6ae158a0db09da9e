//! ss's output buffer and column layout, replayed: ss writes each field as a token into 1 MiB
//! chunks and lays out the columns of what it buffered once five chunks are in use (and at the end),
//! padding each column to the widest field seen so far except the last one written. The same tokens
//! in the same chunks give the same layout points and widths, so thousands of sockets come out
//! exactly as ss prints them.

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
    /// The tokens of the current batch, back to back, and where each ends (the last is current). A
    /// batch holds at most `CHUNKS_MAX` chunks of text, so an end fits in 32 bits (at 10,000
    /// connections this list is 200,000 entries long, held at the run's memory peak).
    text: String,
    ends: Vec<u32>,
    pub(crate) out: String,
}

impl Layout {
    pub(crate) fn new() -> Layout {
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
            text: String::new(),
            ends: Vec::new(),
            out: String::new(),
        }
    }

    fn new_chunk(&mut self) {
        self.chunks += 1;
        self.t = 0;
        self.t_len = 0;
        self.used = 2;
        self.ends.push(self.text.len() as u32);
    }

    pub(crate) fn put(&mut self, s: &str) {
        if self.cols[self.cur].disabled {
            return;
        }
        if !self.head {
            self.head = true;
            self.new_chunk();
        }
        loop {
            let avail = CHUNK_DATA - self.used;
            if s.len() < avail || self.t == 0 {
                let n = s.len().min(avail).min(usize::from(u16::MAX) - self.t_len);
                self.used += n;
                self.t_len += n;
                self.text.push_str(s.get(..n).unwrap_or(s));
                if let Some(e) = self.ends.last_mut() {
                    *e = self.text.len() as u32;
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
        let pad = self.t_len % 2;
        let avail = (CHUNK_DATA - self.used) as u32;
        if avail.wrapping_sub(pad as u32) < 2 {
            self.new_chunk();
            return;
        }
        self.t += 2 + self.t_len + pad;
        self.t_len = 0;
        self.used = self.t + 2;
        self.ends.push(self.text.len() as u32);
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

    pub(crate) fn render(&mut self) {
        if !self.head {
            return;
        }
        let mut first = true;
        for c in self.cols.iter_mut().filter(|c| !c.disabled) {
            c.width = if !first && c.max_len > 0 {
                c.max_len + c.ldelim.len()
            } else {
                c.max_len
            };
            first &= c.width == 0;
        }
        let mut f = self.cols.iter().position(|c| c.width > 0).unwrap_or(0);
        let mut started = false;
        let pad = |out: &mut String, n: isize| {
            for _ in 0..n.max(0) {
                out.push(' ');
            }
        };
        let mut start = 0;
        for &end in &self.ends {
            let end = end as usize;
            let tok = &self.text[start..end];
            start = end;
            let c = &self.cols[f];
            let mut printed = 0isize;
            if started {
                self.out.push_str(c.ldelim);
                printed = c.ldelim.len() as isize;
            }
            started = true;
            if c.width > 0 && c.align == Align::Right {
                let s = c.width as isize - tok.len() as isize - printed;
                pad(&mut self.out, s);
                printed += s.max(0);
            }
            self.out.push_str(tok);
            printed += tok.len() as isize;
            if c.width > 0 && c.align == Align::Left {
                pad(&mut self.out, c.width as isize - printed);
            }
            loop {
                if f == COL_PROC {
                    self.out.push('\n');
                    f = 0;
                    started = false;
                } else {
                    f += 1;
                }
                if !self.cols[f].disabled {
                    break;
                }
            }
        }
        if started {
            self.out.push('\n');
        }
        self.text.clear();
        self.ends.clear();
        self.head = false;
        self.chunks = 0;
        self.cur = 0;
    }
}

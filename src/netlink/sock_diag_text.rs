//! The text `ss -ManiH` (iproute2 6.1) prints, rendered from the typed sockets byte for byte: its
//! state names, address and port formats, the `mptcp_info` fields it shows, and its column layout —
//! ss buffers output in 1 MiB chunks and lays out the columns of up to five chunks at a time, padding
//! each column to the widest field seen so far, which is emulated here so that thousands of sockets
//! come out exactly as ss prints them.

use crate::report::{MptcpInfo, MptcpSocket};
use std::net::{IpAddr, Ipv6Addr};

/// ss's names for the TCP states (0..=11).
const STATES: [&str; 12] = [
    "UNKNOWN",
    "ESTAB",
    "SYN-SENT",
    "SYN-RECV",
    "FIN-WAIT-1",
    "FIN-WAIT-2",
    "TIME-WAIT",
    "UNCONN",
    "CLOSE-WAIT",
    "LAST-ACK",
    "LISTEN",
    "CLOSING",
];

pub fn state_name(state: u8) -> &'static str {
    STATES.get(state as usize).copied().unwrap_or("UNKNOWN")
}

/// An IPv6 address as glibc's inet_ntop prints it: RFC 5952 compression, and the embedded IPv4
/// form for ::a.b.c.d (not :: or ::1) and ::ffff:a.b.c.d.
pub fn ntop6(a: &Ipv6Addr) -> String {
    let w = a.segments();
    let o = a.octets();
    let zeros = w.iter().take_while(|&&x| x == 0).count();
    let v4 = |prefix: &str| format!("{prefix}{}.{}.{}.{}", o[12], o[13], o[14], o[15]);
    if zeros == 6 || (zeros == 7 && w[7] != 1) {
        return v4("::");
    }
    if zeros == 5 && w[5] == 0xffff {
        return v4("::ffff:");
    }
    a.to_string()
}

/// `addr:port` as `ss -n` prints an endpoint: IPv6 in brackets, the IPv6 wildcard as `*` (unless the
/// socket is v6only), `%dev` after the address of a bound socket, port 0 as `*`.
pub fn addr_text(family: u8, ip: IpAddr, port: u16, dev: Option<&str>, v6only: bool) -> String {
    let addr = match ip {
        IpAddr::V4(a) if family == libc::AF_INET as u8 => a.to_string(),
        IpAddr::V6(a) if !v6only && a.is_unspecified() => "*".to_string(),
        IpAddr::V6(a) => format!("[{}]", ntop6(&a)),
        IpAddr::V4(a) => format!("[{}]", ntop6(&a.to_ipv6_compatible())),
    };
    let dev = dev.map(|d| format!("%{d}")).unwrap_or_default();
    let port = if port == 0 {
        "*".to_string()
    } else {
        port.to_string()
    };
    format!("{addr}{dev}:{port}")
}

/// The `mptcp_info` fields iproute2 6.1's ss prints (only the non-zero ones), one piece per field
/// as ss writes them.
pub fn info_pieces(i: Option<&MptcpInfo>) -> Vec<String> {
    let mut v = Vec::new();
    if let Some(i) = i {
        each_piece(i, &mut String::new(), |p| v.push(p.to_string()));
    }
    v
}

/// Calls `f` with each piece, built in `buf`.
fn each_piece(i: &MptcpInfo, buf: &mut String, mut f: impl FnMut(&str)) {
    use std::fmt::Write;
    let mut emit = |buf: &mut String, args: std::fmt::Arguments| {
        buf.clear();
        let _ = buf.write_fmt(args);
        f(buf);
    };
    for (name, n) in [
        ("subflows", i.subflows),
        ("add_addr_signal", i.add_addr_signal),
        ("add_addr_accepted", i.add_addr_accepted),
        ("subflows_max", i.subflows_max),
        ("add_addr_signal_max", i.add_addr_signal_max),
        ("add_addr_accepted_max", i.add_addr_accepted_max),
    ] {
        if n != 0 {
            emit(buf, format_args!(" {name}:{n}"));
        }
    }
    if i.flags & MptcpInfo::FLAG_FALLBACK != 0 {
        emit(buf, format_args!(" fallback"));
    }
    if i.flags & MptcpInfo::FLAG_REMOTE_KEY_RECEIVED != 0 {
        emit(buf, format_args!(" remote_key"));
    }
    if i.token != 0 {
        emit(buf, format_args!(" token:{:x}", i.token));
    }
    for (name, n) in [
        ("write_seq", i.write_seq),
        ("snd_una", i.snd_una),
        ("rcv_nxt", i.rcv_nxt),
    ] {
        if n != 0 {
            emit(buf, format_args!(" {name}:{n:x}"));
        }
    }
}

/// The info line's words (what follows the tab), as one string.
pub fn info_words(i: Option<&MptcpInfo>) -> String {
    info_pieces(i).concat()
}

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
const COL_STATE: usize = 1;
const COL_RECVQ: usize = 2;
const COL_SENDQ: usize = 3;
const COL_ADDR: usize = 4;
const COL_PROC: usize = 9;

/// ss's output buffer and column layout, replayed: the same tokens in the same chunks, so the same
/// layout points and widths.
struct Layout {
    cols: [Col; 10],
    cur: usize,
    head: bool,
    chunks: usize,
    /// Offset of the current token's length field in the current chunk, its length, bytes in use.
    t: usize,
    t_len: usize,
    used: usize,
    /// The tokens of the current batch, back to back, and where each ends (the last is current).
    text: String,
    ends: Vec<usize>,
    out: String,
}

impl Layout {
    fn new() -> Layout {
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
        self.ends.push(self.text.len());
    }

    fn put(&mut self, s: &str) {
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
                    *e = self.text.len();
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
        self.ends.push(self.text.len());
    }

    fn next(&mut self) {
        let last = self.cur == COL_PROC;
        if last && self.chunks >= CHUNKS_MAX {
            self.render();
            return;
        }
        self.flush();
        self.cur = if last { 0 } else { self.cur + 1 };
    }

    fn set(&mut self, id: usize) {
        while self.cur != id {
            self.next();
        }
    }

    fn render(&mut self) {
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

/// Splits `addr:port` at the last colon: (`addr:`, `port`), the two fields ss prints.
fn split_end(s: &str) -> (&str, &str) {
    match s.rfind(':') {
        Some(i) => s.split_at(i + 1),
        None => (s, ""),
    }
}

/// Exactly what iproute2 6.1's `ss -ManiH` prints for these sockets.
pub fn render_ss(sockets: &[MptcpSocket]) -> String {
    use std::fmt::Write;
    let mut l = Layout::new();
    l.out.reserve(sockets.len() * 200);
    let mut piece = String::new();
    for s in sockets {
        l.set(0);
        l.put("mptcp");
        l.set(COL_STATE);
        l.put(&s.state);
        // `%-6d` of an int.
        for (col, q) in [(COL_RECVQ, s.recv_q), (COL_SENDQ, s.send_q)] {
            l.set(col);
            piece.clear();
            let _ = write!(piece, "{:<6}", q as u32 as i32);
            l.put(&piece);
        }
        l.set(COL_ADDR);
        for end in [&s.local, &s.peer] {
            let (addr, port) = split_end(end);
            l.put(addr);
            l.next();
            l.put(port);
            l.next();
        }
        l.put("\n\t");
        if let Some(i) = &s.mptcp {
            each_piece(i, &mut piece, |p| l.put(p));
        }
    }
    l.render();
    l.out
}

#[cfg(test)]
#[path = "sock_diag_text_tests.rs"]
mod tests;

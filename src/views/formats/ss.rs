//! The text `ss -ManiH` (iproute2 6.1) prints, rendered from the typed sockets byte for byte: its
//! state names, address and port formats and the `mptcp_info` fields it shows, laid out in columns
//! the way ss does it (sock_diag_layout).

use super::ss_layout::{Layout, COL_ADDR, COL_RECVQ, COL_SENDQ, COL_STATE};
use crate::report::endpoint::fmt_ip;
use crate::report::{MptcpInfo, MptcpSocket};
use std::net::IpAddr;

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

/// `addr:port` as `ss -n` prints an endpoint: IPv6 in brackets, the IPv6 wildcard as `*` (unless the
/// socket is v6only), `%dev` after the address of a bound socket, port 0 as `*`.
pub fn addr_text(family: u8, ip: IpAddr, port: u16, dev: Option<&str>, v6only: bool) -> String {
    let addr = match ip {
        IpAddr::V4(a) if family == libc::AF_INET as u8 => a.to_string(),
        IpAddr::V6(a) if !v6only && a.is_unspecified() => "*".to_string(),
        IpAddr::V6(_) => format!("[{}]", fmt_ip(&ip)),
        IpAddr::V4(a) => format!("[{}]", fmt_ip(&IpAddr::V6(a.to_ipv6_compatible()))),
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
#[path = "ss_tests.rs"]
mod tests;

//! The text `ss -ManiH` (iproute2 6.1) prints, rendered from the typed sockets byte for byte: its
//! state names, address and port formats and the `mptcp_info` fields it shows, laid out in columns
//! the way ss does it (sock_diag_layout).

use super::ss_layout::{Layout, COL_ADDR, COL_RECVQ, COL_SENDQ, COL_STATE};
use crate::report::endpoint::fmt_ip;
use crate::report::{CompactString, MptcpInfo, MptcpSocket};
use std::fmt::Write;
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
/// socket is v6only), `%dev` after the address of a bound socket, port 0 as `*`. Built in place: most
/// fit the inline room of a `CompactString`, so an IPv4 endpoint costs no allocation.
pub fn addr_text(
    family: u8,
    ip: IpAddr,
    port: u16,
    dev: Option<&str>,
    v6only: bool,
) -> CompactString {
    let mut s = CompactString::default();
    let _ = match ip {
        IpAddr::V4(a) if family == libc::AF_INET as u8 => write!(s, "{a}"),
        IpAddr::V6(a) if !v6only && a.is_unspecified() => write!(s, "*"),
        IpAddr::V6(_) => write!(s, "[{}]", fmt_ip(&ip)),
        IpAddr::V4(a) => write!(s, "[{}]", fmt_ip(&IpAddr::V6(a.to_ipv6_compatible()))),
    };
    if let Some(d) = dev {
        let _ = write!(s, "%{d}");
    }
    let _ = match port {
        0 => write!(s, ":*"),
        p => write!(s, ":{p}"),
    };
    s
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

/// Exactly what iproute2 6.1's `ss -ManiH` prints for these sockets. The sockets are fed to ss's
/// layout twice (see ss_layout): once to learn the widths, once to write.
pub fn render_ss(sockets: &[MptcpSocket]) -> String {
    render_with(|l, piece| feed(l, sockets.iter(), piece))
}

/// Gives the `ss -ManiH` artifacts kept in raw/ only (`in_raw`: too large to hold when collected)
/// their text again, rendered from the section's typed sockets (report.json has every one), cut at
/// `max` bytes as any artifact read back is.
pub fn fill_in_raw(report: &mut crate::report::Report, max: usize) {
    let ss_artifact = crate::report::artifact_name_for(&["ss", "-ManiH"]);
    for s in &mut report.sections {
        // Only the sockets collector's own text, once a section: an archive that marks more
        // artifacts `in_raw` does not get the list rendered again for each.
        if s.collector != "sockets" {
            continue;
        }
        let Some(list) = s.data.iter().find_map(|d| match d {
            crate::report::Data::Sockets(l) => Some(l),
            _ => None,
        }) else {
            continue;
        };
        let ss = s
            .artifacts
            .iter_mut()
            .find(|a| a.in_raw && a.content.is_empty() && a.name == ss_artifact);
        if let Some(a) = ss {
            a.content = render_ss_list(list);
            crate::report::cut_text(&mut a.content, max);
        }
    }
}

/// `render_ss` of a list that may be spooled: it is walked twice, one socket at a time.
pub fn render_ss_list(sockets: &crate::report::SocketList) -> String {
    render_with(|l, piece| feed(l, sockets.iter(), piece))
}

/// `render_ss_list` into `out` as it is written (the text is never whole in memory).
pub fn render_ss_list_into(
    sockets: &crate::report::SocketList,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut piece = String::new();
    let mut measured = Layout::measure();
    feed(&mut measured, sockets.iter(), &mut piece);
    let mut l = Layout::write(measured, 64 * 1024);
    for s in sockets.iter() {
        feed_one(&mut l, &s, &mut piece);
        if l.out.len() >= 60 * 1024 {
            out.write_all(l.out.as_bytes())?;
            l.out.clear();
        }
    }
    l.render();
    out.write_all(l.out.as_bytes())
}

fn render_with(feed: impl Fn(&mut Layout, &mut String)) -> String {
    let mut piece = String::new();
    let mut measured = Layout::measure();
    feed(&mut measured, &mut piece);
    // Room for the padding too (shrunk to fit at the end).
    let size = measured.token_bytes() + measured.token_bytes() / 4;
    let mut l = Layout::write(measured, size);
    feed(&mut l, &mut piece);
    l.out.shrink_to_fit();
    l.out
}

/// Puts each socket's fields into the layout as ss does.
fn feed<S: std::borrow::Borrow<MptcpSocket>>(
    l: &mut Layout,
    sockets: impl Iterator<Item = S>,
    piece: &mut String,
) {
    for s in sockets {
        feed_one(l, s.borrow(), piece);
    }
    l.render();
}

/// One socket's fields.
fn feed_one(l: &mut Layout, s: &MptcpSocket, piece: &mut String) {
    l.set(0);
    l.put("mptcp");
    l.set(COL_STATE);
    l.put(&s.state);
    // `%-6d` of an int.
    for (col, q) in [(COL_RECVQ, s.recv_q), (COL_SENDQ, s.send_q)] {
        l.set(col);
        piece.clear();
        let _ = write!(piece, "{:<6}", q as u32 as i32);
        l.put(piece);
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
        each_piece(i, piece, |p| l.put(p));
    }
}

#[cfg(test)]
#[path = "ss_tests.rs"]
mod tests;

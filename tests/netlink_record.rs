//! Real netlink answers recorded in a namespace (endpoints, limits, nlctrl, links, addresses, routes,
//! rules, and the sock_diag dumps of one MPTCP connection over loopback) and checked: every datagram
//! frames whole, decoding and emitting again gives the kernel's bytes (messages of the typed families,
//! attributes of every family), and the endpoint answer renders as `ip mptcp endpoint show` printed
//! it. `MGD_RECORD_NETLINK=1` also writes them to tests/fixtures/netlink/recorded_*.hex, which the
//! always-run `recorded_answers_round_trip` checks the same way.

use crate::testns::TestNs;
use mptcp_get_debug::collect::convert;
use mptcp_get_debug::netlink::consts::*;
use mptcp_get_debug::netlink::family::parse_family;
use mptcp_get_debug::netlink::genl::GenlMsg;
use mptcp_get_debug::netlink::mptcp_pm::{decode_addr, PmAttr};
use mptcp_get_debug::netlink::nla::{emit_all, raw_all, RawNla};
use mptcp_get_debug::netlink::sock_diag::{decode_msg, ext_bit, Request, INET_DIAG_INFO};
use mptcp_get_debug::netlink::socket::{
    datagrams_from_hex, messages, Message, NlSocket, NETLINK_GENERIC, NETLINK_ROUTE,
    NETLINK_SOCK_DIAG,
};
use mptcp_get_debug::views::formats::iproute::render_endpoints;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const GENL_ID_CTRL: u16 = 16;

/// What each recording is: its file stem, the netlink protocol, and how its answers' bodies split
/// into a fixed header and attributes.
#[derive(Clone, Copy)]
pub enum Kind {
    /// nlctrl or mptcp_pm: a 4-byte generic netlink header, attributes.
    Genl,
    /// Route netlink with this header length (ifinfomsg 16, ifaddrmsg 8, rtmsg / fib_rule_hdr 12).
    Rtnl(usize),
    /// sock_diag: struct inet_diag_msg (72 bytes), attributes.
    Diag,
}

pub const RECORDINGS: &[(&str, Kind)] = &[
    ("recorded_ctrl_getfamily", Kind::Genl),
    ("recorded_get_addr", Kind::Genl),
    ("recorded_get_limits", Kind::Genl),
    ("recorded_getlink", Kind::Rtnl(16)),
    ("recorded_getaddr", Kind::Rtnl(8)),
    ("recorded_getroute4", Kind::Rtnl(12)),
    ("recorded_getrule4", Kind::Rtnl(12)),
    ("recorded_diag_mptcp4", Kind::Diag),
    ("recorded_diag_tcp4", Kind::Diag),
];

/// Checks one recording: framing, and decode -> emit giving the same bytes. Returns the answers'
/// generic netlink messages (for Genl recordings).
pub fn check(name: &str, kind: Kind, datagrams: &[Vec<u8>]) -> Vec<GenlMsg> {
    assert!(!datagrams.is_empty(), "{name}: nothing recorded");
    let mut genl = Vec::new();
    for d in datagrams {
        let mut again = Vec::new();
        for m in messages(d) {
            let m = m.unwrap_or_else(|e| panic!("{name}: {e}"));
            if m.kind == NLMSG_ERROR || m.kind == NLMSG_DONE {
                again.extend(m.emit());
                continue;
            }
            let (head, attrs) = match kind {
                Kind::Genl => (4, m.body.get(4..).unwrap_or_default()),
                Kind::Rtnl(_) | Kind::Diag if m.body.len() < n_or_72(kind) => {
                    panic!("{name}: short answer of {} bytes", m.body.len())
                }
                Kind::Rtnl(n) => (n, &m.body[n..]),
                Kind::Diag => (72, &m.body[72..]),
            };
            // Every family: the attributes, kept raw, emit to the same bytes.
            assert_eq!(emit_all(&raw_all(attrs)), attrs, "{name}: attributes");
            let body = match kind {
                Kind::Genl => {
                    let g = GenlMsg::parse(m.body).unwrap();
                    // The typed mptcp_pm attributes emit to the same bytes too.
                    if m.kind != GENL_ID_CTRL {
                        let typed = PmAttr::decode_all(&g.attrs).unwrap();
                        assert_eq!(emit_all(&typed), g.attrs, "{name}: typed attributes");
                    }
                    let body = g.emit();
                    genl.push(g);
                    body
                }
                Kind::Diag => {
                    decode_msg(m.body).unwrap_or_else(|e| panic!("{name}: {e}"));
                    [&m.body[..head], &emit_all(&raw_all(attrs))[..]].concat()
                }
                Kind::Rtnl(_) => [&m.body[..head], &emit_all(&raw_all(attrs))[..]].concat(),
            };
            again.extend(Message { body: &body, ..m }.emit());
        }
        assert_eq!(&again, d, "{name}: decode -> emit");
    }
    genl
}

fn n_or_72(kind: Kind) -> usize {
    match kind {
        Kind::Rtnl(n) => n,
        _ => 72,
    }
}

/// Sends one request and keeps every datagram of the answer, raw.
fn record(sock: &mut NlSocket, kind: u16, dump: bool, payload: &[u8]) -> Vec<Vec<u8>> {
    let flags = if dump { 0x300 } else { 0x4 };
    let seq = sock.send(kind, flags, payload).unwrap();
    let mut out = Vec::new();
    loop {
        let d = sock.recv().unwrap().to_vec();
        let end = messages(&d)
            .map_while(Result::ok)
            .any(|m| m.seq == seq && (m.kind == NLMSG_DONE || m.kind == NLMSG_ERROR || !dump));
        out.push(d);
        if end {
            return out;
        }
    }
}

/// The report's endpoints of a GET_ADDR answer; the only device in the namespace is lo.
fn endpoints(answers: &[GenlMsg]) -> Vec<mptcp_get_debug::report::Endpoint> {
    answers
        .iter()
        .map(|g| {
            let a = decode_addr(g).unwrap();
            let dev = a.ifindex().map(|_| "lo".to_string());
            convert::pm::endpoint(&a, dev).unwrap()
        })
        .collect()
}

fn genl_request(cmd: u8, version: u8, attrs: &[RawNla]) -> Vec<u8> {
    GenlMsg::new(cmd, version, emit_all(attrs)).emit()
}

/// One datagram a line, hex, after a comment saying what it is.
fn to_hex(what: &str, datagrams: &[Vec<u8>]) -> String {
    let mut s = format!(
        "# {what}, recorded by tests/netlink_record.rs (Linux {})\n",
        kernel()
    );
    for d in datagrams {
        s.extend(d.iter().map(|b| format!("{b:02x}")));
        s.push('\n');
    }
    s
}

fn kernel() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default()
        .trim()
        .to_string()
}

pub fn fixture_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/netlink")
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn record_and_round_trip_real_answers() {
    let Some(ns) = TestNs::new() else { return };
    ns.ip("mptcp endpoint add 127.0.0.2 dev lo subflow");
    ns.ip("mptcp endpoint add 127.0.0.3 port 10123 signal backup");
    ns.ip("mptcp limits set subflows 2 add_addr_accepted 1");
    let ip_text = ns.ip("mptcp endpoint show");
    // One MPTCP connection over loopback, held until the recordings are made.
    let mut holder = Command::new("ip")
        .args(["netns", "exec", &ns.name, "python3", "-c"])
        .arg(
            "import socket,sys,time\n\
             l=socket.socket(socket.AF_INET,socket.SOCK_STREAM,262)\n\
             l.bind(('127.0.0.1',10001));l.listen()\n\
             c=socket.socket(socket.AF_INET,socket.SOCK_STREAM,262)\n\
             c.connect(('127.0.0.1',10001));a,_=l.accept()\n\
             c.send(b'x');a.recv(1);time.sleep(1)\n\
             print('ok',flush=True);sys.stdin.read()",
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut line = String::new();
    BufReader::new(holder.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ok", "the connection was not made");
    let recorded = ns.on_thread(|| {
        let mut out = Vec::new();
        let mut g = NlSocket::open(NETLINK_GENERIC).unwrap();
        let name = RawNla::new(2, &b"mptcp_pm\0"[..]);
        let ctrl = record(&mut g, GENL_ID_CTRL, false, &genl_request(3, 2, &[name]));
        let msg = messages(&ctrl[0]).next().unwrap().unwrap();
        let family = parse_family(&GenlMsg::parse(msg.body).unwrap()).unwrap().id;
        out.push(ctrl);
        out.push(record(
            &mut g,
            family,
            true,
            &genl_request(MPTCP_PM_CMD_GET_ADDR, MPTCP_PM_VER, &[]),
        ));
        out.push(record(
            &mut g,
            family,
            false,
            &genl_request(MPTCP_PM_CMD_GET_LIMITS, MPTCP_PM_VER, &[]),
        ));
        let mut r = NlSocket::open(NETLINK_ROUTE).unwrap();
        out.push(record(&mut r, 18, true, &[0; 16]));
        out.push(record(&mut r, 22, true, &[0; 8]));
        out.push(record(
            &mut r,
            26,
            true,
            &[2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        ));
        out.push(record(
            &mut r,
            34,
            true,
            &[2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        ));
        let mut s = NlSocket::open(NETLINK_SOCK_DIAG).unwrap();
        for protocol in [262, 6] {
            let req = Request {
                family: libc::AF_INET as u8,
                protocol,
                ext: ext_bit(INET_DIAG_INFO),
                states: 0xfff,
            };
            out.push(record(&mut s, 20, true, &req.encode()));
        }
        out
    });
    drop(holder.stdin.take());
    let _ = holder.wait();
    let write = std::env::var_os("MGD_RECORD_NETLINK").is_some();
    for ((name, kind), datagrams) in RECORDINGS.iter().zip(&recorded) {
        let genl = check(name, *kind, datagrams);
        if *name == "recorded_get_addr" {
            assert_eq!(render_endpoints(&endpoints(&genl)), ip_text);
        }
        if write {
            let path = fixture_dir().join(format!("{name}.hex"));
            std::fs::write(&path, to_hex(name, datagrams)).unwrap();
            if *name == "recorded_get_addr" {
                std::fs::write(fixture_dir().join("recorded_get_addr.txt"), &ip_text).unwrap();
            }
        }
    }
}

/// The checked-in recordings, checked the same way (always run).
#[test]
fn recorded_answers_round_trip() {
    for (name, kind) in RECORDINGS {
        let path = fixture_dir().join(format!("{name}.hex"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("{}: {e} (record with MGD_RECORD_NETLINK=1)", path.display())
        });
        let genl = check(name, *kind, &datagrams_from_hex(&text).unwrap());
        if *name == "recorded_get_addr" {
            let ip_text =
                std::fs::read_to_string(fixture_dir().join("recorded_get_addr.txt")).unwrap();
            assert_eq!(render_endpoints(&endpoints(&genl)), ip_text);
        }
    }
}

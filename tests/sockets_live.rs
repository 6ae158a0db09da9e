//! Sockets and counters against the real kernel, compared line for line with what the installed
//! iproute2 prints for the same namespaces: the native `ss -ManiH` text with live MPTCP connections
//! (listeners, IPv4 with three subflows over three links, IPv6), each connection's subflows grouped
//! under it, the native `nstat -zas` text, and the self-test leaving no trace in what is reported.

use crate::testns::TestNs;
use crate::util::bin;
use mptcp_get_debug::collect::convert::sockets::{collect_netns_bounded, Families};
use mptcp_get_debug::report::{MptcpSocket, Report, Source, Status};
use mptcp_get_debug::sys::Netns;
use mptcp_get_debug::views::formats::ss::render_ss_list;
use mptcp_get_debug::views::formats::ss_summary::connection_line;
use pretty_assertions::assert_eq;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const ROOT_NETNS: &str = "needs root and network namespaces (run by .ci/run)";

fn mptcp_fd(addr: &SocketAddr) -> i32 {
    let domain = if addr.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    };
    // SAFETY: plain socket(2).
    let fd = unsafe { libc::socket(domain, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 262) };
    assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
    fd
}

/// An MPTCP listener: std's TcpListener over an IPPROTO_MPTCP socket.
fn listen(addr: SocketAddr) -> TcpListener {
    let fd = mptcp_fd(&addr);
    // SAFETY: a fresh socket we own.
    let l = unsafe { TcpListener::from_raw_fd(fd) };
    let s2 = socket2_addr(&addr);
    // SAFETY: valid fd, address and length.
    let rc = unsafe { libc::bind(fd, s2.0.as_ptr().cast(), s2.1) };
    assert_eq!(rc, 0, "bind {addr}: {}", std::io::Error::last_os_error());
    // SAFETY: valid fd.
    assert_eq!(unsafe { libc::listen(fd, 16) }, 0);
    l
}

fn connect(addr: SocketAddr) -> TcpStream {
    let fd = mptcp_fd(&addr);
    // SAFETY: a fresh socket we own.
    let s = unsafe { TcpStream::from_raw_fd(fd) };
    let s2 = socket2_addr(&addr);
    // SAFETY: valid fd, address and length.
    let rc = unsafe { libc::connect(fd, s2.0.as_ptr().cast(), s2.1) };
    assert_eq!(rc, 0, "connect {addr}: {}", std::io::Error::last_os_error());
    s
}

/// The sockaddr bytes of `addr`.
fn socket2_addr(addr: &SocketAddr) -> (Vec<u8>, libc::socklen_t) {
    let mut b = Vec::new();
    match addr {
        SocketAddr::V4(a) => {
            b.extend_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
            b.extend_from_slice(&a.port().to_be_bytes());
            b.extend_from_slice(&a.ip().octets());
            b.resize(16, 0);
        }
        SocketAddr::V6(a) => {
            b.extend_from_slice(&(libc::AF_INET6 as u16).to_ne_bytes());
            b.extend_from_slice(&a.port().to_be_bytes());
            b.extend_from_slice(&0u32.to_ne_bytes());
            b.extend_from_slice(&a.ip().octets());
            b.extend_from_slice(&0u32.to_ne_bytes());
        }
    }
    let len = b.len() as libc::socklen_t;
    (b, len)
}

/// Extra subflows of a connection (the first byte of MPTCP_INFO).
fn extra_subflows(s: &TcpStream) -> u8 {
    let mut info = [0u8; 256];
    let mut len = info.len() as libc::socklen_t;
    // SAFETY: info is writable for len bytes.
    let rc = unsafe { libc::getsockopt(s.as_raw_fd(), 284, 1, info.as_mut_ptr().cast(), &mut len) };
    if rc == 0 {
        info[0]
    } else {
        0
    }
}

/// Runs `f` on a thread inside `ns`, which keeps what `f` returns alive until `stop` is dropped.
fn hold_in<T: 'static>(
    ns: &TestNs,
    f: impl FnOnce() -> T + Send + 'static,
) -> (
    mpsc::Sender<()>,
    std::thread::JoinHandle<()>,
    mpsc::Receiver<()>,
) {
    let netns = Netns::named(&ns.name);
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let (ready_tx, ready_rx) = mpsc::channel::<()>();
    let h = std::thread::spawn(move || {
        netns.enter().expect("setns");
        let kept = f();
        let _ = ready_tx.send(());
        let _ = stop_rx.recv();
        drop(kept);
    });
    (stop_tx, h, ready_rx)
}

/// Client namespace with c1..c3 (10.9.N.1, and 2001:db8:9:1::1 on c1), server namespace with s1..s3
/// (10.9.N.2, 2001:db8:9:1::2); the client has `subflow` endpoints on c2 and c3 (backup), and routes
/// that let a subflow bound to c2 or c3 reach the server's first address.
fn two_namespaces() -> (TestNs, TestNs) {
    let c = TestNs::new().expect(ROOT_NETNS);
    let s = TestNs::new().expect(ROOT_NETNS);
    for n in 1..=3 {
        c.ip(&format!(
            "link add c{n} type veth peer name s{n} netns {}",
            s.name
        ));
        c.ip(&format!("addr add 10.9.{n}.1/24 dev c{n}"));
        s.ip(&format!("addr add 10.9.{n}.2/24 dev s{n}"));
        c.ip(&format!("link set c{n} up"));
        s.ip(&format!("link set s{n} up"));
    }
    c.ip("addr add 2001:db8:9:1::1/64 dev c1 nodad");
    s.ip("addr add 2001:db8:9:1::2/64 dev s1 nodad");
    c.ip("route add 10.9.1.2/32 dev c1 metric 100");
    c.ip("route add 10.9.1.2/32 dev c2 metric 200");
    c.ip("route add 10.9.1.2/32 dev c3 metric 300");
    c.ip("mptcp endpoint add 10.9.2.1 dev c2 subflow");
    c.ip("mptcp endpoint add 10.9.3.1 dev c3 subflow backup");
    c.ip("mptcp limits set subflows 2");
    s.ip("mptcp limits set subflows 2");
    (c, s)
}

fn collect(namespaces: &[&TestNs], only: &str, extra: &[&str]) -> Report {
    let mut cmd = bin();
    for ns in namespaces {
        cmd.args(["--netns", &ns.name]);
    }
    let out = cmd
        .args(["--only", only])
        .args(["--format", "json", "--no-archive", "-q", "--no-redact"])
        .args(extra)
        .output()
        .unwrap();
    crate::util::assert_ok(&out);
    serde_json::from_slice(&out.stdout).expect("stdout is the report JSON")
}

fn section<'a>(
    r: &'a Report,
    collector: &str,
    ns: &TestNs,
) -> &'a mptcp_get_debug::report::Section {
    r.sections
        .iter()
        .find(|s| s.collector == collector && s.netns.as_deref() == Some(&ns.name))
        .unwrap_or_else(|| panic!("no {collector} section for {}", ns.name))
}

/// What `f` returns, run on a thread inside `ns`.
fn in_netns<T: Send + 'static>(ns: &TestNs, f: impl FnOnce() -> T + Send + 'static) -> T {
    let netns = Netns::named(&ns.name);
    std::thread::spawn(move || {
        netns.enter().expect("setns");
        f()
    })
    .join()
    .unwrap()
}

/// `ss -ManiH` in `ns`, once two runs in a row agree (the connections have gone quiet).
fn quiet_ss(ns: &TestNs) -> String {
    let mut last = ns.exec(&["ss", "-ManiH"]);
    for _ in 0..50 {
        std::thread::sleep(Duration::from_millis(100));
        let now = ns.exec(&["ss", "-ManiH"]);
        if now == last {
            return now;
        }
        last = now;
    }
    panic!("the sockets of {} never went quiet:\n{last}", ns.name)
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn native_sockets_match_ss_and_group_subflows_under_their_connection() {
    let (c, s) = two_namespaces();
    let v4: SocketAddr = "10.9.1.2:10001".parse().unwrap();
    let v6: SocketAddr = "[2001:db8:9:1::2]:10002".parse().unwrap();
    let any6: SocketAddr = "[::]:10003".parse().unwrap();
    let (listening_tx, listening) = mpsc::channel();
    let (server_stop, server, server_ready) = hold_in(&s, move || {
        let ls = [listen(v4), listen(v6), listen(any6)];
        listening_tx.send(()).unwrap();
        let mut kept = Vec::new();
        for l in &ls[..2] {
            let (mut st, _) = l.accept().unwrap();
            let mut buf = [0u8; 1000];
            st.read_exact(&mut buf).unwrap();
            st.write_all(&buf).unwrap();
            kept.push(st);
        }
        (ls, kept)
    });
    listening.recv().unwrap();
    let (client_stop, client, client_ready) = hold_in(&c, move || {
        let mut kept = Vec::new();
        for (addr, want) in [(v4, 2), (v6, 0)] {
            let mut st = connect(addr);
            st.write_all(&[7u8; 1000]).unwrap();
            let mut back = [0u8; 1000];
            st.read_exact(&mut back).unwrap();
            let deadline = Instant::now() + Duration::from_secs(10);
            while extra_subflows(&st) < want {
                assert!(
                    Instant::now() < deadline,
                    "the joins to {addr} never came up"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            kept.push(st);
        }
        kept
    });
    client_ready.recv().unwrap();
    server_ready.recv().unwrap();

    let expected_c = quiet_ss(&c);
    let expected_s = quiet_ss(&s);
    let report = collect(&[&c, &s], "sockets", &[]);
    for (ns, expected) in [(&c, &expected_c), (&s, &expected_s)] {
        let sec = section(&report, "sockets", ns);
        assert_eq!(sec.status, Status::Ok, "{:?}", sec.notes);
        assert_eq!(sec.artifacts[0].name, "ss_-ManiH.txt");
        assert_eq!(&sec.artifacts[0].content, expected, "netns {}", ns.name);
        // Nothing was run to get them.
        assert!(
            matches!(&sec.artifacts[0].source, Source::Command { argv, .. } if argv[0] == "netlink")
        );
        assert!(sec.notes.is_empty(), "{:?}", sec.notes);
    }
    assert_eq!(expected_c.lines().count(), 4, "{expected_c}");
    assert_eq!(expected_s.lines().count(), 10, "{expected_s}");
    assert!(expected_s.contains("*:10003"), "{expected_s}");
    assert!(
        expected_s.contains("[2001:db8:9:1::2]:10002"),
        "{expected_s}"
    );

    // The client's IPv4 connection: three subflows (c1, then the joins on c2 and c3), one backup.
    let socks: Vec<MptcpSocket> = report.sockets(Some(&c.name)).unwrap().to_vec();
    let conn = socks.iter().find(|x| x.peer == "10.9.1.2:10001").unwrap();
    let token = conn.mptcp.as_ref().unwrap().token;
    assert_eq!(conn.subflows.len(), 3, "{conn:#?}");
    assert!(conn.subflows.iter().all(|f| f.token_loc == Some(token)));
    let mut seen: Vec<(Option<String>, Option<u8>, bool)> = conn
        .subflows
        .iter()
        .map(|f| (f.dev.as_ref().map(|d| d.to_string()), f.id_loc, f.backup()))
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            (Some("c1".into()), Some(0), false),
            (Some("c2".into()), Some(1), false),
            (Some("c3".into()), Some(2), true),
        ]
    );
    assert!(conn.subflows.iter().all(|f| f
        .tcp
        .as_ref()
        .is_some_and(|t| t.rtt_us > 0 && t.snd_cwnd > 0)));
    let line = connection_line(conn);
    assert!(line.starts_with("ESTAB 10.9.1.1:"), "{line}");
    assert!(
        line.contains(&format!("token {token:x}: 3 subflows (")),
        "{line}"
    );
    assert!(line.contains("c3 id 2/0 backup"), "{line}");
    // The IPv6 connection has its one subflow; the server has its listeners with theirs.
    let conn6 = socks
        .iter()
        .find(|x| x.peer == "[2001:db8:9:1::2]:10002")
        .unwrap();
    assert_eq!(conn6.subflows.len(), 1);
    let ssocks = report.sockets(Some(&s.name)).unwrap();
    let sconn = ssocks
        .iter()
        .find(|x| x.local == "10.9.1.2:10001" && x.state == "ESTAB")
        .unwrap();
    assert_eq!(sconn.subflows.len(), 3);
    assert!(sconn.subflows.iter().any(|f| f.backup()));
    for l in ssocks.iter().filter(|x| x.state == "LISTEN") {
        assert_eq!(l.subflows.len(), 1, "{l:#?}");
        assert_eq!(l.subflows[0].state, "LISTEN");
    }
    for ns in [&c, &s] {
        let run = report.sock_diag(Some(&ns.name)).unwrap();
        assert_eq!(run.source, "sock_diag");
        assert!(run.unmatched_subflows.is_empty(), "{run:#?}");
        assert_eq!(run.subflows_missing, None);
    }
    // Past its bound the list is spooled (sockets and subflows both): the same sockets, subflows and
    // text, read back one at a time.
    for (ns, expected) in [(&c, &expected_c), (&s, &expected_s)] {
        let (held, spooled) = in_netns(ns, || {
            let held = collect_netns_bounded(true, Families::BOTH, 1000).unwrap();
            let spooled = collect_netns_bounded(true, Families::BOTH, 1).unwrap();
            (held, spooled)
        });
        assert!(!held.sockets.spooled() && spooled.sockets.spooled());
        // The kernel's clocks (last_data_sent, ...) move between the dumps: compare what is not a time.
        let key = |list: &mptcp_get_debug::report::SocketList| -> Vec<String> {
            list.iter()
                .map(|x| {
                    let sf: Vec<_> = x
                        .subflows
                        .iter()
                        .map(|f| (&f.state, &f.local, &f.peer, &f.dev, f.id_loc, f.flags))
                        .collect();
                    let token = x.mptcp.as_ref().map(|m| m.token);
                    format!(
                        "{} {} {} {:?} {token:?} {sf:?}",
                        x.state, x.local, x.peer, x.inode
                    )
                })
                .collect()
        };
        assert_eq!(key(&spooled.sockets), key(&held.sockets));
        assert_eq!(
            key(&spooled.sockets),
            key(report.sockets(Some(&ns.name)).unwrap())
        );
        assert_eq!(&render_ss_list(&spooled.sockets), expected);
        assert!(
            spooled.unmatched.is_empty() && spooled.notes.is_empty(),
            "{spooled:?}"
        );
    }
    drop((client_stop, server_stop));
    client.join().unwrap();
    server.join().unwrap();
}

fn netstat_value(ns: &TestNs, name: &str) -> u64 {
    let text = ns.exec(&["cat", "/proc/net/netstat"]);
    let mut lines = text.lines();
    while let (Some(h), Some(v)) = (lines.next(), lines.next()) {
        if !h.starts_with("MPTcpExt:") {
            continue;
        }
        let i = h.split_whitespace().position(|w| w == name).unwrap();
        return v.split_whitespace().nth(i).unwrap().parse().unwrap();
    }
    panic!("no MPTcpExt in /proc/net/netstat")
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn native_nstat_text_matches_nstat_line_for_line() {
    let ns = TestNs::new().expect(ROOT_NETNS);
    let history = tempfile::tempdir().unwrap();
    let hist = history.path().join("nstat.history");
    let report = collect(&[&ns], "nstat,mib", &[]);
    // A quiet namespace: nothing moves between the two reads.
    let out = std::process::Command::new("ip")
        .args(["netns", "exec", &ns.name, "nstat", "-zas"])
        .env("NSTAT_HISTORY", "/dev/null")
        .output()
        .unwrap();
    crate::util::assert_ok(&out);
    let expected = String::from_utf8(out.stdout).unwrap();
    let sec = section(&report, "nstat", &ns);
    assert_eq!(sec.status, Status::Ok);
    assert_eq!(sec.artifacts[0].name, "nstat_-zas.txt");
    assert_eq!(sec.artifacts[0].content, expected);
    assert!(expected.lines().count() > 300, "{expected}");
    assert!(matches!(sec.artifacts[0].source, Source::File { .. }));
    // The typed counters are the same list, and no history file was written anywhere.
    let mib = report.mib(Some(&ns.name)).unwrap();
    assert_eq!(mib.nstat.len() + 1, expected.lines().count());
    assert!(!hist.exists());
    assert!(report
        .sections
        .iter()
        .flat_map(|s| &s.artifacts)
        .all(|a| !matches!(
            &a.source,
            Source::Command { argv, .. } if argv[0] == "nstat" || argv[0] == "ss"
        )));
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn selftest_runs_after_counters_and_sockets_are_read() {
    let ns = TestNs::new().expect(ROOT_NETNS);
    let report = collect(&[&ns], "mib,nstat,sockets,links,kmsg,selftest", &[]);
    let st = report.self_test(Some(&ns.name)).unwrap();
    assert_eq!(st.result.as_str(), "ok", "{}", st.detail);
    // It made a connection...
    assert_eq!(netstat_value(&ns, "MPCapableSYNTX"), 1);
    // ...that nothing in the report saw.
    let mib = report.mib(Some(&ns.name)).unwrap();
    assert_eq!(mib.get("MPTcpExt", "MPCapableSYNTX"), Some(0));
    let nstat = &section(&report, "nstat", &ns).artifacts[0].content;
    assert!(
        nstat.contains("\nMPTcpExtMPCapableSYNTX          0 "),
        "{nstat}"
    );
    assert!(report.sockets(Some(&ns.name)).unwrap().is_empty());
    // Nor the loopback's statistics: nothing has gone over it.
    let links = section(&report, "links", &ns);
    let lo = links
        .data
        .iter()
        .find_map(|d| match d {
            mptcp_get_debug::report::Data::Links(l) => l.iter().find(|l| l.name == "lo"),
            _ => None,
        })
        .expect("lo in the links section");
    let counters = lo.counters.as_ref().expect("lo's counters");
    assert_eq!((counters.rx_packets, counters.tx_packets), (0, 0));
}

/// The mib and nstat sections show the same instant: one read of the namespace's counters per
/// collection, while traffic keeps them moving (two reads would differ in the UDP counters).
#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn mib_and_nstat_show_one_read_of_the_counters() {
    let ns = TestNs::new().expect(ROOT_NETNS);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    let name = ns.name.clone();
    let traffic = std::thread::spawn(move || {
        Netns::named(&name).enter().expect("setns");
        let rx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let tx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let to = rx.local_addr().unwrap();
        let mut sent = 0u64;
        while !flag.load(std::sync::atomic::Ordering::Relaxed) {
            tx.send_to(b"x", to).unwrap();
            sent += 1;
        }
        sent
    });
    let report = collect(&[&ns], "mib,nstat", &[]);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(traffic.join().unwrap() > 1000);
    let mib = report.mib(Some(&ns.name)).unwrap();
    let text = &section(&report, "nstat", &ns).artifacts[0].content;
    let shown: std::collections::BTreeMap<&str, u64> = text
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            Some((w.next()?, w.next()?.parse().ok()?))
        })
        .collect();
    assert!(shown["UdpOutDatagrams"] > 0, "{text}");
    for c in &mib.nstat {
        assert_eq!(shown.get(c.name.as_str()), Some(&c.value), "{}", c.name);
    }
}

/// The self-test waits only for the collectors that read what its connection changes (its spec's
/// `after`); the others run beside it, so they must read nothing it changes: in a fresh namespace,
/// each gives the same facts before and after a self-test there, while a counter it waits for moves.
#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn collectors_beside_the_selftest_read_nothing_it_changes() {
    let ns = TestNs::new().expect(ROOT_NETNS);
    let specs = mptcp_get_debug::collect::spec::load_all(&[]).unwrap();
    let selftest = specs.iter().find(|s| s.name == "selftest").unwrap();
    assert!(!selftest.last && !selftest.after.is_empty());
    // Every other collector of a namespace (opt-in ones too: --only runs them).
    let beside: Vec<&str> = specs
        .iter()
        .filter(|s| s.per_netns && s.name != "selftest" && !selftest.after.contains(&s.name))
        .map(|s| s.name.as_str())
        .collect();
    for name in ["sysctl", "endpoints", "limits", "routing"] {
        assert!(beside.contains(&name), "{beside:?}");
    }
    let only = format!("{},mib", beside.join(","));
    let facts = |r: &Report, name: &str| {
        let sec = section(r, name, &ns);
        assert_eq!(sec.status, Status::Ok, "{name}: {:?}", sec.status);
        let texts: Vec<(&str, &str)> = sec
            .artifacts
            .iter()
            .map(|a| (a.name.as_str(), a.content.as_str()))
            .collect();
        serde_json::to_string_pretty(&(texts, &sec.data)).unwrap()
    };
    let before = collect(&[&ns], &only, &[]);
    let st = collect(&[&ns], "selftest", &[]);
    let st = st.self_test(Some(&ns.name)).unwrap();
    assert_eq!(st.result.as_str(), "ok", "{}", st.detail);
    let after = collect(&[&ns], &only, &[]);
    for name in &beside {
        assert_eq!(facts(&before, name), facts(&after, name), "{name}");
    }
    let syn = |r: &Report| {
        r.mib(Some(&ns.name))
            .unwrap()
            .get("MPTcpExt", "MPCapableSYNTX")
    };
    assert_eq!((syn(&before), syn(&after)), (Some(0), Some(1)));
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn reproduce_window_never_contains_the_selftest() {
    let ns = TestNs::new().expect(ROOT_NETNS);
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args([
            "reproduce",
            "--netns",
            &ns.name,
            "--duration",
            "300ms",
            "-q",
            "-o",
        ])
        .arg(dir.path())
        .args(["--format", "json", "--no-redact"])
        .output()
        .unwrap();
    crate::util::assert_ok(&out);
    let report: Report = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report.self_test(Some(&ns.name)).unwrap().result.as_str(),
        "ok"
    );
    assert_eq!(netstat_value(&ns, "MPCapableSYNTX"), 1);
    let w = crate::reproduce_live::window(&report, &ns);
    assert_eq!(w.events_total, 0, "{:?}", w.events);
    assert_eq!(w.changed_counters(), vec![]);
    assert!(w
        .after
        .counters
        .iter()
        .any(|c| c.name == "TcpExtTCPTimeouts"));
    assert_eq!(w.after.sockets.as_ref().map(|s| s.len()), Some(0));
    let members = crate::util::unpack(&crate::util::only_archive(dir.path()));
    let nstat = members
        .iter()
        .find(|(n, _)| *n == format!("reproduce/netns-{}/nstat.txt", ns.name))
        .expect("nstat.txt in the archive");
    assert_eq!(nstat.1, b"#kernel\n");
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn no_system_changes_makes_no_connection_and_says_why() {
    let ns = TestNs::new().expect(ROOT_NETNS);
    let report = collect(&[&ns], "sockets,selftest", &["--no-system-changes"]);
    let sec = section(&report, "selftest", &ns);
    match &sec.status {
        Status::Skipped { reason } => {
            assert!(reason.starts_with("--no-system-changes"), "{reason}")
        }
        other => panic!("selftest ran: {other:?}"),
    }
    assert_eq!(netstat_value(&ns, "MPCapableSYNTX"), 0);
    // mptcp_diag is built in or loaded here: the sockets are still listed.
    assert_eq!(section(&report, "sockets", &ns).status, Status::Ok);
    assert_eq!(
        report.sock_diag(Some(&ns.name)).unwrap().modules_loaded,
        Vec::<String>::new()
    );
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn unprivileged_run_lists_the_sockets_with_their_subflows() {
    let ns = TestNs::new().expect(ROOT_NETNS);
    let addr: SocketAddr = "127.0.0.1:10004".parse().unwrap();
    let (stop, h, ready) = hold_in(&ns, move || {
        let l = listen(addr);
        let mut c = connect(addr);
        let (mut sv, _) = l.accept().unwrap();
        c.write_all(b"x").unwrap();
        sv.read_exact(&mut [0u8; 1]).unwrap();
        (l, c, sv)
    });
    ready.recv().unwrap();
    let expected = quiet_ss(&ns);
    // Inside the namespace as user 65534: sock_diag answers, without the subflows' MPTCP details.
    let out = std::process::Command::new("ip")
        .args([
            "netns", "exec", &ns.name, "setpriv", "--reuid", "65534", "--regid", "65534",
        ])
        .args(["--clear-groups", "--"])
        .arg(env!("CARGO_BIN_EXE_mptcp-get-debug"))
        .args([
            "--only",
            "sockets",
            "--format",
            "json",
            "--no-archive",
            "-q",
            "--no-redact",
        ])
        .env_remove("CI")
        .output()
        .unwrap();
    crate::util::assert_ok(&out);
    let report: Report = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!report.meta.privileged);
    let sec = report
        .sections
        .iter()
        .find(|s| s.collector == "sockets")
        .unwrap();
    assert_eq!(sec.status, Status::Ok, "{:?}", sec.notes);
    assert_eq!(sec.artifacts[0].content, expected);
    // Tokens, ids and flags come without CAP_NET_ADMIN, so the subflows are still grouped; only
    // their sequence numbers are the kernel's to withhold.
    let run = report.sock_diag(None).unwrap();
    assert_eq!(run.subflows_missing, None);
    assert!(run.unmatched_subflows.is_empty());
    for c in report
        .sockets(None)
        .unwrap()
        .iter()
        .filter(|c| c.state == "ESTAB")
    {
        assert_eq!(c.subflows.len(), 1, "{c:#?}");
        let f = &c.subflows[0];
        assert_eq!(f.token_loc, c.mptcp.as_ref().map(|i| i.token));
        assert!(f.flags.is_some() && f.map_seq.is_none(), "{f:#?}");
    }
    assert_eq!(report.sockets(None).unwrap().len(), 3);
    drop(stop);
    h.join().unwrap();
}

/// An idle namespace (no MPTCP socket counted in /proc/net/protocols) is not asked: nothing to list,
/// as `ss -ManiH` prints nothing there. One listener is counted, so the next run asks sock_diag and
/// lists it like `ss -ManiH`.
#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn idle_namespace_is_not_asked_and_a_listener_is() {
    let ns = TestNs::new().expect(ROOT_NETNS);
    ns.ip("link set lo up");
    let report = collect(&[&ns], "sockets", &[]);
    let sec = section(&report, "sockets", &ns);
    assert_eq!(sec.status, Status::Ok, "{:?}", sec.notes);
    assert_eq!(sec.artifacts[0].content, ns.exec(&["ss", "-ManiH"]));
    assert_eq!(sec.artifacts[0].content, "");
    assert!(report.sockets(Some(&ns.name)).unwrap().is_empty());
    let run = report.sock_diag(Some(&ns.name)).unwrap();
    assert_eq!(run.source, "/proc/net/protocols");

    let (stop, h, ready) = hold_in(&ns, || listen("127.0.0.1:10555".parse().unwrap()));
    ready.recv().unwrap();
    let report = collect(&[&ns], "sockets", &[]);
    let sec = section(&report, "sockets", &ns);
    assert_eq!(
        report.sock_diag(Some(&ns.name)).unwrap().source,
        "sock_diag"
    );
    assert_eq!(sec.artifacts[0].content, quiet_ss(&ns));
    let socks = report.sockets(Some(&ns.name)).unwrap().to_vec();
    assert_eq!(socks.len(), 1, "{socks:#?}");
    assert_eq!(
        (socks[0].state.as_str(), socks[0].local.as_str()),
        ("LISTEN", "127.0.0.1:10555")
    );
    drop(stop);
    h.join().unwrap();
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn sockets_past_the_bound_stream_to_raw_and_the_summary_from_spools() {
    let ns = TestNs::new().expect(ROOT_NETNS);
    ns.ip("link set lo up");
    let addr: SocketAddr = "127.0.0.1:10777".parse().unwrap();
    let (stop, h, ready) = hold_in(&ns, move || {
        let l = listen(addr);
        let conns: Vec<_> = (0..12)
            .map(|_| (connect(addr), l.accept().unwrap().0))
            .collect();
        (l, conns)
    });
    ready.recv().unwrap();
    let expected = quiet_ss(&ns);
    // Well past the bound of three (a handful of the twelve pairs may still be coming up).
    let n = expected.lines().filter(|l| !l.starts_with('\t')).count();
    assert!(n > 10, "{expected}");
    let dir = tempfile::tempdir().unwrap();
    let run = |redact: bool| {
        let _ = std::fs::remove_dir_all(dir.path());
        std::fs::create_dir_all(dir.path()).unwrap();
        let mut cmd = bin();
        cmd.env("MPTCP_GET_DEBUG_SOCKETS_HELD", "3")
            .args([
                "--netns", &ns.name, "--only", "sockets", "-q", "--batch", "-o",
            ])
            .arg(dir.path());
        if !redact {
            cmd.arg("--no-redact");
        }
        let out = cmd.output().unwrap();
        crate::util::assert_ok(&out);
        let archive = crate::util::only_archive(dir.path());
        let members = crate::util::unpack(&archive);
        let text = |suffix: &str| {
            let (_, data) = members
                .iter()
                .find(|(p, _)| p.ends_with(suffix))
                .unwrap_or_else(|| panic!("no {suffix} in the archive"));
            String::from_utf8(data.clone()).unwrap()
        };
        (
            text("sockets/ss_-ManiH.txt"),
            text("summary.md"),
            text("report.json"),
            archive,
        )
    };
    // Unredacted, raw/ has exactly what ss prints, streamed from the spool.
    let (raw, summary, json, archive) = run(false);
    assert_eq!(raw, expected);
    let report: Report = serde_json::from_str(&json).unwrap();
    let sec = section(&report, "sockets", &ns);
    assert!(sec.artifacts[0].in_raw && sec.artifacts[0].content.is_empty());
    assert_eq!(report.sockets(Some(&ns.name)).unwrap().len(), n);
    // The summary shows them (small enough: whole, read back from the spool).
    assert!(summary.contains(&expected), "{summary}");
    // Read back (show), the text is rendered again from the typed sockets.
    let back = mptcp_get_debug::archive::read_report(&archive).unwrap();
    let a = &section(&back, "sockets", &ns).artifacts[0];
    assert_eq!(a.content, expected);
    let shown = bin().args(["show"]).arg(&archive).output().unwrap();
    crate::util::assert_ok(&shown);
    assert!(String::from_utf8_lossy(&shown.stdout).contains("127.0.0.1:10777"));
    // Redacted, the spooled text goes through the redaction too (loopback stays as it is).
    let (raw, summary, _, _) = run(true);
    assert_eq!(raw.lines().count(), expected.lines().count());
    assert!(raw.contains("127.0.0.1:10777") && summary.contains("127.0.0.1:10777"));
    drop(stop);
    h.join().unwrap();
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn spooled_sockets_leave_no_address_unredacted_anywhere_in_the_archive() {
    let (c, s) = two_namespaces();
    let addr: SocketAddr = "10.9.1.2:10888".parse().unwrap();
    let (listening_tx, listening) = mpsc::channel();
    let (server_stop, server, server_ready) = hold_in(&s, move || {
        let l = listen(addr);
        listening_tx.send(()).unwrap();
        let conns: Vec<_> = (0..6).map(|_| l.accept().unwrap().0).collect();
        (l, conns)
    });
    listening.recv().unwrap();
    let (client_stop, client, client_ready) = hold_in(&c, move || {
        (0..6).map(|_| connect(addr)).collect::<Vec<_>>()
    });
    client_ready.recv().unwrap();
    server_ready.recv().unwrap();
    let before = quiet_ss(&c);
    assert!(
        before.contains("10.9.1.1:") && before.contains("10.9.1.2:10888"),
        "{before}"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .env("MPTCP_GET_DEBUG_SOCKETS_HELD", "1")
        .args([
            "--netns",
            &c.name,
            "--only",
            "sockets",
            "-q",
            "--batch",
            "--redact-key",
            "new",
            "-o",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    crate::util::assert_ok(&out);
    let members = crate::util::unpack(&crate::util::only_archive(dir.path()));
    let (_, raw) = members
        .iter()
        .find(|(p, _)| p.ends_with("sockets/ss_-ManiH.txt"))
        .expect("the sockets' text in raw/");
    let raw = String::from_utf8(raw.clone()).unwrap();
    // The spooled text was redacted with the rest: same shape, other addresses.
    assert_eq!(raw.lines().count(), before.lines().count(), "{raw}");
    assert!(raw.contains(":10888"), "{raw}");
    for (path, data) in &members {
        let text = String::from_utf8_lossy(data);
        assert!(
            !text.contains("10.9.1."),
            "{path} keeps an address:\n{text}"
        );
    }
    drop((client_stop, server_stop));
    client.join().unwrap();
    server.join().unwrap();
}

//! Benchmark (not a test): the MPTCP sockets of a namespace with N connections, listed natively
//! (`collect_netns`: sock_diag dumps of the MPTCP sockets and of their TCP subflows, grouped, plus the
//! `ss -ManiH` text rendered from them) against running `ss -ManiH`. Makes the connections itself in
//! a throw-away namespace, over loopback with a second `subflow` endpoint so each connection has two
//! subflows on each side; they are held by child processes of up to 9,000 connections each (the fd
//! limit). Checks that the two texts are identical (past about 13,000 connections ss lays out its
//! output in several batches, which the native text reproduces) and prints medians and ratios.
//! Needs root.
//!
//!   cargo bench --bench sockets [-- N [N ...]]      (default: 1000 3000)

use mptcp_get_debug::collect::convert::sockets::{collect_netns, Families};
use mptcp_get_debug::netlink::sock_diag::*;
use mptcp_get_debug::sys::Netns;
use mptcp_get_debug::views::formats::ss::render_ss_list;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::FromRawFd;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 7;
/// Connections per holder process: two fds each, under a 20,000 fd limit.
const PER_HOLDER: usize = 9000;

fn ip(args: &[&str]) {
    let st = Command::new("ip").args(args).status().expect("ip");
    assert!(st.success(), "ip {}", args.join(" "));
}

fn mptcp_socket(v6: bool) -> i32 {
    let domain = if v6 { libc::AF_INET6 } else { libc::AF_INET };
    // SAFETY: plain socket(2).
    let fd = unsafe { libc::socket(domain, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 262) };
    assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
    fd
}

/// A long IPv6 address on lo, so the IPv6 sockets are wider than the IPv4 ones in ss's table.
const V6: &str = "2001:db8:1:2:3:4:5:6";

/// 127.0.0.1:port, or [V6]:port: the bytes of the sockaddr.
fn sockaddr(port: u16, v6: bool) -> Vec<u8> {
    let mut b = Vec::new();
    if v6 {
        b.extend_from_slice(&(libc::AF_INET6 as u16).to_ne_bytes());
        b.extend_from_slice(&port.to_be_bytes());
        b.extend_from_slice(&[0; 4]);
        b.extend_from_slice(&V6.parse::<std::net::Ipv6Addr>().unwrap().octets());
        b.extend_from_slice(&[0; 4]);
    } else {
        b.extend_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
        b.extend_from_slice(&port.to_be_bytes());
        b.extend_from_slice(&[127, 0, 0, 1]);
        b.extend_from_slice(&[0; 8]);
    }
    b
}

/// Child mode: enter `ns`, make `n` connections to a listener on `port`, exchange a byte each way
/// on each (so they become fully established and the path manager adds the joins), say "ready",
/// hold them until stdin closes.
fn hold(ns: &str, n: usize, port: u16, v6: bool) {
    Netns::named(ns).enter().expect("setns");
    let fd = mptcp_socket(v6);
    let a = sockaddr(port, v6);
    let len = a.len() as libc::socklen_t;
    // SAFETY: valid fd and sockaddr; the listener owns the fd.
    let l = unsafe {
        assert_eq!(libc::bind(fd, a.as_ptr().cast(), len), 0);
        assert_eq!(libc::listen(fd, 4096), 0);
        TcpListener::from_raw_fd(fd)
    };
    let mut kept = Vec::with_capacity(2 * n);
    for _ in 0..n {
        let fd = mptcp_socket(v6);
        // SAFETY: valid fd and sockaddr; the stream owns the fd.
        let mut c = unsafe {
            let rc = libc::connect(fd, a.as_ptr().cast(), len);
            assert_eq!(rc, 0, "connect: {}", std::io::Error::last_os_error());
            TcpStream::from_raw_fd(fd)
        };
        let (mut s, _) = l.accept().expect("accept");
        c.write_all(b"x").unwrap();
        s.read_exact(&mut [0u8; 1]).unwrap();
        s.write_all(b"y").unwrap();
        c.read_exact(&mut [0u8; 1]).unwrap();
        kept.push((c, s));
    }
    println!("ready");
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    drop((l, kept));
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The four dumps with the answers only counted: the kernel's share of the cost.
fn raw_dumps() -> usize {
    let mut sock = DiagSocket::open().unwrap();
    let mut n = 0;
    for (protocol, ext) in [(IPPROTO_MPTCP, 0x0e), (IPPROTO_TCP, 0x02)] {
        for family in [libc::AF_INET as u8, libc::AF_INET6 as u8] {
            let req = Request {
                family,
                protocol,
                ext,
                states: 0xfff,
            };
            sock.dump(&req, &mut |_| n += 1).unwrap();
        }
    }
    n
}

struct Figures {
    subflows: usize,
    native: Duration,
    text: Duration,
    mptcp_only: Duration,
    kernel: Duration,
    ss: Duration,
    same: bool,
    bytes: usize,
    layouts: usize,
    json: usize,
}

fn measure(expected_subflows: usize) -> Figures {
    // Let the joins come up (one per connection and side) before measuring.
    let deadline = Instant::now() + Duration::from_secs(60);
    let subflows = loop {
        let d = collect_netns(true, Families::BOTH).expect("sock_diag");
        let sf: usize = d.sockets.iter().map(|s| s.subflows.len()).sum();
        if sf >= expected_subflows || Instant::now() > deadline {
            break sf;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let mut t: [Vec<Duration>; 5] = Default::default();
    let (mut ours, mut theirs) = (String::new(), String::new());
    let mut json = 0;
    // Interleaved, so every variant sees the same machine load.
    for _ in 0..RUNS {
        let t0 = Instant::now();
        let d = collect_netns(true, Families::BOTH).expect("sock_diag");
        t[0].push(t0.elapsed());
        let t0 = Instant::now();
        ours = render_ss_list(&d.sockets);
        t[1].push(t0.elapsed());
        json = serde_json::to_string(&d.sockets).map_or(0, |j| j.len());
        drop(d);
        let t0 = Instant::now();
        collect_netns(false, Families::BOTH).expect("sock_diag");
        t[2].push(t0.elapsed());
        let t0 = Instant::now();
        raw_dumps();
        t[3].push(t0.elapsed());
        let t0 = Instant::now();
        let out = Command::new("ss").arg("-ManiH").output().expect("ss");
        t[4].push(t0.elapsed());
        theirs = String::from_utf8(out.stdout).expect("utf-8");
    }
    let [native, text, mptcp_only, kernel, ss] = t.map(median);
    // How many layouts ss used for the lines of IPv4 connections: more than one once its table
    // spans several layout batches with wider IPv6 lines in a later one.
    let layouts: std::collections::BTreeSet<usize> = theirs
        .lines()
        .filter(|l| l.starts_with("ESTAB"))
        .filter_map(|l| l.find("127.0.0.1:"))
        .collect();
    Figures {
        subflows,
        native,
        text,
        mptcp_only,
        kernel,
        ss,
        same: ours == theirs,
        bytes: ours.len(),
        layouts: layouts.len(),
        json,
    }
}

fn bench(n: usize) {
    let name = format!("mgd-bench-{}", std::process::id());
    ip(&["netns", "add", &name]);
    ip(&["-n", &name, "link", "set", "lo", "up"]);
    ip(&["-n", &name, "addr", "add", "127.0.0.2/8", "dev", "lo"]);
    let v6addr = format!("{V6}/128");
    ip(&["-n", &name, "addr", "add", &v6addr, "dev", "lo", "nodad"]);
    ip(&[
        "-n",
        &name,
        "mptcp",
        "endpoint",
        "add",
        "127.0.0.2",
        "dev",
        "lo",
        "subflow",
    ]);
    ip(&["-n", &name, "mptcp", "limits", "set", "subflows", "1"]);
    let t = Instant::now();
    let me = std::env::current_exe().expect("own path");
    let mut holders: Vec<Child> = Vec::new();
    // IPv4 connections, then IPv6 ones: ss lists the IPv6 ones last, with wider addresses, so a
    // table long enough for several layout batches shows that the batches are cut where ss cuts them.
    let v6 = (n / 100).clamp(1, 50);
    let mut left = n;
    while left > 0 {
        let k = if left == v6 {
            v6
        } else {
            (left - v6).min(PER_HOLDER)
        };
        let port = (20000 + holders.len()).to_string();
        let family = if left == v6 { "v6" } else { "v4" };
        let mut c = Command::new(&me)
            .args(["--hold", &name, &k.to_string(), &port, family])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("holder");
        let mut line = String::new();
        BufReader::new(c.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line, "ready\n", "a holder failed");
        holders.push(c);
        left -= k;
    }
    let setup = t.elapsed();
    let listeners = holders.len();
    let ns = Netns::named(&name);
    let figures = std::thread::scope(|s| {
        s.spawn(|| {
            ns.enter().expect("setns");
            // Two subflows on each side of an IPv4 connection (the endpoint is IPv4), one for IPv6.
            measure(4 * (n - v6) + 2 * v6)
        })
        .join()
    });
    for mut h in holders {
        drop(h.stdin.take());
        let _ = h.wait();
    }
    ip(&["netns", "del", &name]);
    let f = figures.expect("bench thread");
    println!(
        "{n:>6} connections: {} MPTCP sockets, {} subflows (set up in {:.1} s); text {} KiB in {} layout batch(es), {}; report JSON {} KiB",
        2 * n + listeners,
        f.subflows,
        setup.as_secs_f64(),
        f.bytes / 1024,
        f.layouts,
        if f.same {
            "identical to ss"
        } else {
            "DIFFERS from ss"
        },
        f.json / 1024
    );
    println!(
        "        native sockets+subflows {:.1} ms + text {:.1} ms = {:.1} ms ({:.2}x `ss -ManiH`; the kernel's dumps alone {:.1} ms); native sockets only {:.1} ms ({:.2}x); `ss -ManiH` {:.1} ms",
        ms(f.native),
        ms(f.text),
        ms(f.native + f.text),
        ms(f.native + f.text) / ms(f.ss),
        ms(f.kernel),
        ms(f.mptcp_only),
        ms(f.mptcp_only) / ms(f.ss),
        ms(f.ss)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--hold") {
        hold(
            &args[1],
            args[2].parse().expect("count"),
            args[3].parse().expect("port"),
            args[4] == "v6",
        );
        return;
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        println!("skipped: needs root (network namespaces)");
        return;
    }
    let sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() {
        vec![1000, 3000]
    } else {
        sizes
    };
    println!("MPTCP sockets: native sock_diag vs `ss -ManiH` (medians of {RUNS} interleaved runs)");
    for n in sizes {
        bench(n);
    }
}

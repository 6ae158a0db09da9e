//! A small MPTCP client/server used by the reproduce-mode tests (built by `cargo test`, never
//! installed): a server thread (optionally in another network namespace) echoes what each client
//! connection sends; the client makes N connections, optionally waits until the path manager added
//! extra subflows, exchanges data and closes. One line per connection on stdout:
//! `connection local=IP:PORT remote=IP:PORT subflows=K`.
//!
//! mptcp_pair --addr IP:PORT [--server-netns NAME] [--count N] [--parallel P] [--bytes B]
//!            [--wait-subflows K] [--hold-ms MS]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd};
use std::time::{Duration, Instant};

const IPPROTO_MPTCP: libc::c_int = 262;
const SOL_MPTCP: libc::c_int = 284;
const MPTCP_INFO: libc::c_int = 1;

struct Opts {
    addr: SocketAddr,
    server_netns: Option<String>,
    count: usize,
    parallel: usize,
    bytes: usize,
    wait_subflows: u8,
    hold: Duration,
}

fn parse() -> Result<Opts, String> {
    let mut o = Opts {
        addr: "127.0.0.1:10001".parse().unwrap(),
        server_netns: None,
        count: 1,
        parallel: 1,
        bytes: 4096,
        wait_subflows: 0,
        hold: Duration::ZERO,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut v = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--addr" => o.addr = v()?.parse().map_err(|e| format!("--addr: {e}"))?,
            "--server-netns" => o.server_netns = Some(v()?),
            "--count" => o.count = v()?.parse().map_err(|e| format!("--count: {e}"))?,
            "--parallel" => o.parallel = v()?.parse().map_err(|e| format!("--parallel: {e}"))?,
            "--bytes" => o.bytes = v()?.parse().map_err(|e| format!("--bytes: {e}"))?,
            "--wait-subflows" => {
                o.wait_subflows = v()?.parse().map_err(|e| format!("--wait-subflows: {e}"))?
            }
            "--hold-ms" => {
                o.hold = Duration::from_millis(v()?.parse().map_err(|e| format!("--hold-ms: {e}"))?)
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(o)
}

fn mptcp_socket(addr: &SocketAddr) -> std::io::Result<libc::c_int> {
    let domain = if addr.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    };
    // SAFETY: plain socket(2) call.
    let fd = unsafe {
        libc::socket(
            domain,
            libc::SOCK_STREAM | libc::SOCK_CLOEXEC,
            IPPROTO_MPTCP,
        )
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(fd)
}

fn sockaddr(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: an all-zero sockaddr_storage is valid; the right variant is filled below.
    let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as u16,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(a.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is larger than sockaddr_in.
            unsafe { std::ptr::write(&mut ss as *mut _ as *mut libc::sockaddr_in, sin) };
            std::mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as u16,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: 0,
                sin6_addr: libc::in6_addr {
                    s6_addr: a.ip().octets(),
                },
                sin6_scope_id: 0,
            };
            // SAFETY: sockaddr_storage is larger than sockaddr_in6.
            unsafe { std::ptr::write(&mut ss as *mut _ as *mut libc::sockaddr_in6, sin6) };
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (ss, len as libc::socklen_t)
}

fn check(rc: libc::c_int, what: &str) -> std::io::Result<()> {
    if rc < 0 {
        let e = std::io::Error::last_os_error();
        return Err(std::io::Error::new(e.kind(), format!("{what}: {e}")));
    }
    Ok(())
}

fn listen(addr: &SocketAddr) -> std::io::Result<TcpListener> {
    let fd = mptcp_socket(addr)?;
    // SAFETY: fd is a fresh socket we own; TcpListener takes it over.
    let l = unsafe { TcpListener::from_raw_fd(fd) };
    let one: libc::c_int = 1;
    let (ss, len) = sockaddr(addr);
    // SAFETY: valid pointers and lengths for setsockopt/bind/listen.
    unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_REUSEADDR,
            &one as *const _ as *const libc::c_void,
            4,
        );
        check(
            libc::bind(fd, &ss as *const _ as *const libc::sockaddr, len),
            "bind",
        )?;
        check(libc::listen(fd, 1024), "listen")?;
    }
    Ok(l)
}

fn connect(addr: &SocketAddr) -> std::io::Result<TcpStream> {
    let fd = mptcp_socket(addr)?;
    // SAFETY: fd is a fresh socket we own; TcpStream takes it over.
    let s = unsafe { TcpStream::from_raw_fd(fd) };
    let (ss, len) = sockaddr(addr);
    // SAFETY: valid sockaddr pointer and length.
    check(
        unsafe { libc::connect(fd, &ss as *const _ as *const libc::sockaddr, len) },
        "connect",
    )?;
    Ok(s)
}

/// Extra subflows of an MPTCP socket (mptcpi_subflows, the first byte of struct mptcp_info).
fn extra_subflows(s: &TcpStream) -> u8 {
    let mut info = [0u8; 256];
    let mut len = info.len() as libc::socklen_t;
    // SAFETY: info is writable for len bytes.
    let rc = unsafe {
        libc::getsockopt(
            s.as_raw_fd(),
            SOL_MPTCP,
            MPTCP_INFO,
            info.as_mut_ptr() as *mut libc::c_void,
            &mut len,
        )
    };
    if rc == 0 {
        info[0]
    } else {
        0
    }
}

fn serve(l: TcpListener, count: usize) {
    let mut workers = Vec::new();
    for _ in 0..count {
        let Ok((mut s, _)) = l.accept() else { break };
        workers.push(std::thread::spawn(move || {
            let mut buf = [0u8; 16384];
            while let Ok(n) = s.read(&mut buf) {
                if n == 0 || s.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }));
    }
    for w in workers {
        let _ = w.join();
    }
}

fn client(o: &Opts) -> std::io::Result<String> {
    let mut s = connect(&o.addr)?;
    let data: Vec<u8> = (0..o.bytes.max(1)).map(|i| (i % 251) as u8).collect();
    let mut back = vec![0u8; data.len()];
    let mut echo = |s: &mut TcpStream, chunk: &[u8]| -> std::io::Result<()> {
        s.write_all(chunk)?;
        s.read_exact(&mut back[..chunk.len()])?;
        if back[..chunk.len()] != *chunk {
            return Err(std::io::Error::other("echo mismatch"));
        }
        Ok(())
    };
    echo(&mut s, &data)?;
    // Data must flow for the connection and its joins to become fully established: ping-pong small
    // chunks until the path manager's extra subflows are up (or give up after 5 s).
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut subflows = extra_subflows(&s);
    while subflows < o.wait_subflows && Instant::now() < deadline {
        echo(&mut s, &data[..data.len().min(64)])?;
        std::thread::sleep(Duration::from_millis(2));
        subflows = extra_subflows(&s);
    }
    // Keep the connection alive (and data flowing) while a test changes endpoints around it.
    let until = Instant::now() + o.hold;
    while Instant::now() < until {
        echo(&mut s, &data[..data.len().min(64)])?;
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(format!(
        "connection local={} remote={} subflows={subflows}",
        s.local_addr()?,
        s.peer_addr()?
    ))
}

fn main() {
    let o = match parse() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("mptcp_pair: {e}");
            std::process::exit(2);
        }
    };
    let (tx, rx) = std::sync::mpsc::channel();
    let (addr, ns, count) = (o.addr, o.server_netns.clone(), o.count);
    let server = std::thread::spawn(move || {
        if let Some(ns) = ns {
            let f = std::fs::File::open(format!("/run/netns/{ns}")).expect("server netns");
            // SAFETY: setns on a valid namespace fd; affects only this thread.
            if unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
                let _ = tx.send(Err(std::io::Error::last_os_error()));
                return;
            }
        }
        match listen(&addr) {
            Ok(l) => {
                let _ = tx.send(Ok(()));
                serve(l, count);
            }
            Err(e) => {
                let _ = tx.send(Err(e));
            }
        }
    });
    if let Ok(Err(e)) | Err(e) = rx.recv().map_err(std::io::Error::other) {
        eprintln!("mptcp_pair: server: {e}");
        std::process::exit(1);
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failed = std::sync::atomic::AtomicBool::new(false);
    let lines = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..o.parallel.max(1) {
            scope.spawn(|| {
                while next.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < o.count {
                    match client(&o) {
                        Ok(line) => lines.lock().unwrap().push(line),
                        Err(e) => {
                            eprintln!("mptcp_pair: client: {e}");
                            failed.store(true, std::sync::atomic::Ordering::SeqCst);
                        }
                    }
                }
            });
        }
    });
    for l in lines.into_inner().unwrap() {
        println!("{l}");
    }
    if failed.load(std::sync::atomic::Ordering::SeqCst) {
        std::process::exit(1);
    }
    let _ = server.join();
}

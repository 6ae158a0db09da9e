//! A real MPTCP connection over loopback in the namespace: listener and client on 127.0.0.1, a few
//! bytes each way, then MPTCP_INFO to see whether the connection fell back to TCP. Tells "MPTCP
//! works here" apart from "disabled", "not supported" or "falls back", which config alone cannot.
//!
//! It runs in the collected namespace itself, not in a throw-away one, because what it tests is that
//! namespace (net.mptcp.* and firewall rules are per namespace). So that it leaves no trace in what
//! is reported, its spec is `last`: it starts only when every other collector of every namespace has
//! finished (counters, nstat, sockets already read), and reproduce mode runs it after the window's
//! "after" snapshot and event watch. `--no-system-changes` skips it.

use super::{Builtin, Ctx, Output, Result, Stop};
use crate::report::{Data, Entry, Facts, Section, SelfTest, SelfTestResult, View};
use std::time::{Duration, Instant};

pub struct Selftest;

const IPPROTO_MPTCP: libc::c_int = 262;
const SOL_MPTCP: libc::c_int = 284;
const MPTCP_INFO: libc::c_int = 1;
/// struct mptcp_info: six u8 counters, a 2-byte hole, then the u32 flags.
const INFO_FLAGS_OFFSET: usize = 8;
const INFO_FLAG_FALLBACK: u32 = 1;
/// Budget for each wait (connect, accept, read).
const STEP_TIMEOUT: Duration = Duration::from_millis(25);

/// An owned fd, closed on drop (every path).
struct Fd(libc::c_int);
impl Drop for Fd {
    fn drop(&mut self) {
        // SAFETY: the fd is owned by this guard and closed once.
        unsafe { libc::close(self.0) };
    }
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn err(what: &str) -> (SelfTestResult, String) {
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EPROTONOSUPPORT) => (
            SelfTestResult::Unsupported,
            format!("{what}: {e} (kernel without MPTCP)"),
        ),
        Some(libc::ENOPROTOOPT) => (
            SelfTestResult::Disabled,
            format!("{what}: {e} (net.mptcp.enabled = 0)"),
        ),
        _ => (SelfTestResult::Error, format!("{what}: {e}")),
    }
}

fn mptcp_socket(what: &str) -> std::result::Result<Fd, (SelfTestResult, String)> {
    // SAFETY: plain syscall; the result is checked.
    let fd = unsafe {
        libc::socket(
            libc::AF_INET,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            IPPROTO_MPTCP,
        )
    };
    if fd < 0 {
        return Err(err(what));
    }
    Ok(Fd(fd))
}

fn wait(
    fd: &Fd,
    events: libc::c_short,
    what: &str,
) -> std::result::Result<(), (SelfTestResult, String)> {
    let mut p = libc::pollfd {
        fd: fd.0,
        events,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    let n = unsafe { libc::poll(&mut p, 1, STEP_TIMEOUT.as_millis() as libc::c_int) };
    match n {
        n if n < 0 => Err(err(what)),
        0 => Err((
            SelfTestResult::Error,
            format!("{what}: timed out after {} ms", STEP_TIMEOUT.as_millis()),
        )),
        _ => Ok(()),
    }
}

fn sockaddr(port: u16) -> libc::sockaddr_in {
    // SAFETY: sockaddr_in is plain data; all-zero is valid.
    let mut a: libc::sockaddr_in = unsafe { std::mem::zeroed() };
    a.sin_family = libc::AF_INET as libc::sa_family_t;
    a.sin_port = port.to_be();
    a.sin_addr.s_addr = u32::from(std::net::Ipv4Addr::LOCALHOST).to_be();
    a
}

const ALEN: libc::socklen_t = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;

/// Runs the exchange; Ok(detail) or the failure (result, detail).
fn exchange() -> std::result::Result<(SelfTestResult, String), (SelfTestResult, String)> {
    let listener = mptcp_socket("socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP)")?;
    let a = sockaddr(0);
    // SAFETY: valid fd and sockaddr_in of the given length.
    if unsafe { libc::bind(listener.0, &a as *const _ as *const libc::sockaddr, ALEN) } < 0 {
        return Err(err("bind 127.0.0.1:0"));
    }
    // SAFETY: valid fd.
    if unsafe { libc::listen(listener.0, 1) } < 0 {
        return Err(err("listen"));
    }
    let mut bound = sockaddr(0);
    let mut len = ALEN;
    // SAFETY: out-pointer to a sockaddr_in with its length.
    if unsafe {
        libc::getsockname(
            listener.0,
            &mut bound as *mut _ as *mut libc::sockaddr,
            &mut len,
        )
    } < 0
    {
        return Err(err("getsockname"));
    }
    let client = mptcp_socket("client socket")?;
    // SAFETY: valid fd and address.
    let rc = unsafe { libc::connect(client.0, &bound as *const _ as *const libc::sockaddr, ALEN) };
    if rc < 0 && errno() != libc::EINPROGRESS {
        return Err(err(&format!(
            "connect 127.0.0.1:{}",
            u16::from_be(bound.sin_port)
        )));
    }
    wait(&listener, libc::POLLIN, "accept")?;
    // SAFETY: valid listener fd; the peer address is not needed.
    let afd = unsafe {
        libc::accept4(
            listener.0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
        )
    };
    if afd < 0 {
        return Err(err("accept"));
    }
    let server = Fd(afd);
    wait(&client, libc::POLLOUT, "connect")?;
    let msg = b"mptcp-get-debug";
    // SAFETY: buffer valid for its length.
    if unsafe { libc::send(client.0, msg.as_ptr().cast(), msg.len(), libc::MSG_NOSIGNAL) }
        != msg.len() as isize
    {
        return Err(err("send"));
    }
    wait(&server, libc::POLLIN, "read on the server side")?;
    let mut buf = [0u8; 64];
    // SAFETY: buffer valid for its length.
    let n = unsafe { libc::recv(server.0, buf.as_mut_ptr().cast(), buf.len(), 0) };
    if n < 0 {
        return Err(err("recv"));
    }
    if &buf[..n as usize] != msg {
        return Err((
            SelfTestResult::Error,
            format!("received {n} bytes that differ from what was sent"),
        ));
    }
    let mut info = [0u8; 256];
    let mut ilen = info.len() as libc::socklen_t;
    // SAFETY: out-buffer with its length; the kernel copies at most ilen bytes.
    if unsafe {
        libc::getsockopt(
            client.0,
            SOL_MPTCP,
            MPTCP_INFO,
            info.as_mut_ptr().cast(),
            &mut ilen,
        )
    } < 0
    {
        return Err(err("getsockopt(SOL_MPTCP, MPTCP_INFO)"));
    }
    if (ilen as usize) < INFO_FLAGS_OFFSET + 4 {
        return Err((
            SelfTestResult::Error,
            format!("MPTCP_INFO returned only {ilen} bytes"),
        ));
    }
    let flags = u32::from_ne_bytes(
        info[INFO_FLAGS_OFFSET..INFO_FLAGS_OFFSET + 4]
            .try_into()
            .unwrap(),
    );
    let port = u16::from_be(bound.sin_port);
    if flags & INFO_FLAG_FALLBACK != 0 {
        return Ok((
            SelfTestResult::Fallback,
            format!(
                "connection to 127.0.0.1:{port} fell back to TCP (MPTCP_INFO flags {flags:#x})"
            ),
        ));
    }
    Ok((
        SelfTestResult::Ok,
        format!(
            "MPTCP connection to 127.0.0.1:{port}, {} bytes exchanged, MPTCP_INFO flags {flags:#x}",
            msg.len()
        ),
    ))
}

/// Whether `lo` is up in the calling thread's namespace (SIOCGIFFLAGS); None when it cannot tell.
fn lo_is_up() -> Option<bool> {
    // SAFETY: plain syscall; the result is checked and the fd owned by a guard.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return None;
    }
    let fd = Fd(fd);
    // SAFETY: ifreq is plain data; all-zero is valid.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (d, s) in req.ifr_name.iter_mut().zip(b"lo") {
        *d = *s as libc::c_char;
    }
    // SAFETY: valid fd and an ifreq the kernel fills.
    if unsafe { libc::ioctl(fd.0, libc::SIOCGIFFLAGS, &mut req) } < 0 {
        return None;
    }
    // SAFETY: SIOCGIFFLAGS fills the flags member of the union.
    let flags = unsafe { req.ifr_ifru.ifru_flags };
    Some(flags as libc::c_int & libc::IFF_UP != 0)
}

impl Builtin for Selftest {
    fn name(&self) -> &'static str {
        "selftest"
    }

    fn facts(&self) -> Option<Facts> {
        Some(Facts::SelfTest)
    }

    fn present(&self, section: &Section) -> Vec<Entry> {
        section
            .data
            .iter()
            .find_map(|d| match d {
                Data::SelfTest(t) => Some(vec![Entry::text(format!(
                    "{}: {} ({:.1} ms)",
                    t.result, t.detail, t.duration_ms
                ))
                .only(&[View::Summary, View::Text])]),
                _ => None,
            })
            .unwrap_or_default()
    }

    fn applies(&self, ctx: &Ctx) -> std::result::Result<(), String> {
        if ctx.env.read_only {
            return Err(
                "--no-system-changes: no test connection is made (it would add to the counters)"
                    .into(),
            );
        }
        if !ctx.fs().kernel_is_live() {
            return Err("not the live system (--root)".into());
        }
        if !ctx.fs().exists("/proc/sys/net/mptcp") {
            return Err("/proc/sys/net/mptcp does not exist: an MPTCP socket could make the kernel load a module".into());
        }
        Ok(())
    }

    fn collect(&self, ctx: &Ctx, out: &mut Output) -> Result {
        // Asked of the kernel from this thread: /sys shows the namespace it was mounted in.
        if lo_is_up() == Some(false) {
            return Err(Stop::Skipped(
                "loopback is down in this namespace (not changed)".into(),
            ));
        }
        let start = Instant::now();
        // With endpoints configured, the in-kernel PM would act on a test connection (try joins from
        // `subflow` endpoints, announce `signal` ones), which changes counters and what the user sees:
        // then only the socket is opened, no connection is made.
        let endpoints = ctx.env.pm.endpoints().map(|e| e.len()).unwrap_or(0);
        let (result, detail) = if endpoints > 0 {
            match mptcp_socket("socket") {
                Ok(_fd) => (
                    SelfTestResult::Ok,
                    format!("MPTCP socket created; no test connection made, because the {endpoints} endpoint(s) here would make the path manager act on it"),
                ),
                Err(e) => e,
            }
        } else {
            exchange().unwrap_or_else(|e| e)
        };
        out.data.push(Data::SelfTest(SelfTest {
            result,
            detail,
            duration_ms: start.elapsed().as_secs_f64() * 1000.0,
        }));
        Ok(())
    }
}

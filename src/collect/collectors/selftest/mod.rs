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
use crate::sys::poll::{poll, PollFd};
use crate::sys::socket::{interface_up, mptcp_info_flags, mptcp_stream, INFO_FLAG_FALLBACK};
use rustix::net::{RecvFlags, SendFlags, SocketFlags};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::os::fd::OwnedFd;
use std::time::{Duration, Instant};

pub struct Selftest;

/// Budget for each wait (connect, accept, read).
const STEP_TIMEOUT: Duration = Duration::from_millis(25);

/// A failed step as the report says it: (result, detail).
type Failure = (SelfTestResult, String);

fn err(what: &str, e: impl Into<std::io::Error>) -> Failure {
    let e = e.into();
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

fn mptcp_socket(what: &str) -> std::result::Result<OwnedFd, Failure> {
    mptcp_stream().map_err(|e| err(what, e))
}

fn wait(fd: PollFd, what: &str) -> std::result::Result<(), Failure> {
    match poll(&mut [fd], Some(STEP_TIMEOUT)) {
        Err(e) => Err(err(what, e)),
        Ok(0) => Err((
            SelfTestResult::Error,
            format!("{what}: timed out after {} ms", STEP_TIMEOUT.as_millis()),
        )),
        Ok(_) => Ok(()),
    }
}

/// Runs the exchange; Ok(detail) or the failure (result, detail).
fn exchange() -> std::result::Result<(SelfTestResult, String), Failure> {
    let listener = mptcp_socket("socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP)")?;
    rustix::net::bind(&listener, &SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| err("bind 127.0.0.1:0", e))?;
    rustix::net::listen(&listener, 1).map_err(|e| err("listen", e))?;
    let bound = rustix::net::getsockname(&listener)
        .map_err(|e| err("getsockname", e))
        .and_then(|a| {
            SocketAddrV4::try_from(a).map_err(|e| err("getsockname", std::io::Error::from(e)))
        })?;
    let port = bound.port();
    let client = mptcp_socket("client socket")?;
    match rustix::net::connect(&client, &bound) {
        Ok(()) | Err(rustix::io::Errno::INPROGRESS) => {}
        Err(e) => return Err(err(&format!("connect 127.0.0.1:{port}"), e)),
    }
    wait(PollFd::readable(&listener), "accept")?;
    let server = rustix::net::accept_with(&listener, SocketFlags::NONBLOCK | SocketFlags::CLOEXEC)
        .map_err(|e| err("accept", e))?;
    wait(PollFd::writable(&client), "connect")?;
    let msg = b"mptcp-get-debug";
    match rustix::net::send(&client, msg, SendFlags::NOSIGNAL) {
        Ok(n) if n == msg.len() => {}
        Ok(n) => {
            return Err((
                SelfTestResult::Error,
                format!("send: {n} of {} bytes sent", msg.len()),
            ))
        }
        Err(e) => return Err(err("send", e)),
    }
    wait(PollFd::readable(&server), "read on the server side")?;
    let mut buf = [0u8; 64];
    let (n, _) =
        rustix::net::recv(&server, &mut buf[..], RecvFlags::empty()).map_err(|e| err("recv", e))?;
    if &buf[..n] != msg {
        return Err((
            SelfTestResult::Error,
            format!("received {n} bytes that differ from what was sent"),
        ));
    }
    let flags = match mptcp_info_flags(&client) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            return Err((SelfTestResult::Error, e.to_string()))
        }
        Err(e) => return Err(err("getsockopt(SOL_MPTCP, MPTCP_INFO)", e)),
    };
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

/// Whether `lo` is up in the calling thread's namespace; None when it cannot tell.
fn lo_is_up() -> Option<bool> {
    interface_up("lo").ok()
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

//! The command given after `--`: started in the first collected namespace (like `ip netns exec`),
//! its output passed through to stderr (stdout stays the report's) while the last 64 KiB of each
//! stream are kept; its end wakes the waiting code through a pipe.

use crate::report::CommandRun;
use crate::sys::signals::pipe;
use crate::sys::Netns;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const TAIL: usize = 64 << 10;

/// The running child's pid (0 when none), for the abort path.
static CHILD: AtomicI32 = AtomicI32::new(0);

pub struct Running {
    done_r: OwnedFd,
    waiter: JoinHandle<CommandRun>,
}

/// Finds a program the way execvp would; Err(message) when it is not there.
pub fn check_program(prog: &str) -> Result<(), String> {
    let runnable = |p: &std::path::Path| {
        std::fs::metadata(p).is_ok_and(|m| {
            use std::os::unix::fs::PermissionsExt;
            m.is_file() && m.permissions().mode() & 0o111 != 0
        })
    };
    if prog.contains('/') {
        return runnable(std::path::Path::new(prog))
            .then_some(())
            .ok_or_else(|| format!("{prog}: not an executable file"));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .any(|d| runnable(&d.join(prog)))
        .then_some(())
        .ok_or_else(|| format!("{prog}: command not found"))
}

fn pump(mut from: impl Read, echo: bool) -> (String, bool) {
    let mut tail: Vec<u8> = Vec::new();
    let mut truncated = false;
    let mut buf = [0u8; 8192];
    while let Ok(n) = from.read(&mut buf) {
        if n == 0 {
            break;
        }
        if echo {
            let _ = std::io::stderr().write_all(&buf[..n]);
        }
        tail.extend_from_slice(&buf[..n]);
        if tail.len() > TAIL {
            tail.drain(..tail.len() - TAIL);
            truncated = true;
        }
    }
    (String::from_utf8_lossy(&tail).into_owned(), truncated)
}

/// Starts `argv` (in `netns` when given). `echo` passes its output through to stderr.
pub fn spawn(argv: &[String], netns: Option<Netns>, echo: bool, stdin: Stdio) -> Running {
    let (done_r, done_w) = pipe().expect("pipe");
    let argv = argv.to_vec();
    let waiter = std::thread::spawn(move || {
        let mut run = CommandRun {
            argv: argv.clone(),
            netns: netns.as_ref().map(|n| n.label.clone()),
            ..Default::default()
        };
        let t0 = Instant::now();
        let started = match &netns {
            Some(ns) => ns
                .enter()
                .map_err(|e| format!("cannot enter {}: {e}", ns.label)),
            None => Ok(()),
        }
        .and_then(|()| {
            Command::new(&argv[0])
                .args(&argv[1..])
                .stdin(stdin)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| format!("{}: {e}", argv[0]))
        });
        match started {
            Err(e) => run.error = Some(e),
            Ok(mut child) => {
                CHILD.store(child.id() as i32, Ordering::SeqCst);
                let out = child
                    .stdout
                    .take()
                    .map(|o| std::thread::spawn(move || pump(o, echo)));
                let err = child
                    .stderr
                    .take()
                    .map(|e| std::thread::spawn(move || pump(e, echo)));
                let status = child.wait();
                CHILD.store(0, Ordering::SeqCst);
                run.duration_ms = t0.elapsed().as_secs_f64() * 1000.0;
                if let Ok(s) = status {
                    use std::os::unix::process::ExitStatusExt;
                    run.exit_code = s.code();
                    run.signal = s.signal();
                }
                for (h, slot) in [(out, &mut run.stdout_tail), (err, &mut run.stderr_tail)] {
                    if let Some((text, cut)) = h.and_then(|h| h.join().ok()) {
                        *slot = text;
                        run.truncated |= cut;
                    }
                }
            }
        }
        drop(done_w); // wakes the waiting code
        run
    });
    Running { done_r, waiter }
}

/// Sends `sig` to the running child, if any.
pub fn signal_child(sig: libc::c_int) {
    let pid = CHILD.load(Ordering::SeqCst);
    if pid > 0 {
        // SAFETY: kill(2) on a pid we started and have not reaped yet (CHILD is cleared before).
        unsafe { libc::kill(pid, sig) };
    }
}

impl Running {
    /// Readable (EOF) once the command has ended.
    pub fn done_fd(&self) -> RawFd {
        self.done_r.as_raw_fd()
    }

    /// Stops the command (SIGTERM, SIGKILL after 2 s) and returns its record, marked stopped.
    pub fn stop(self) -> CommandRun {
        let already_ended = self.waiter.is_finished();
        signal_child(libc::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(2);
        while !self.waiter.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        if !self.waiter.is_finished() {
            signal_child(libc::SIGKILL);
        }
        let mut run = self.finish();
        run.stopped = !already_ended;
        run
    }

    /// The record of a command that has ended.
    pub fn finish(self) -> CommandRun {
        self.waiter.join().unwrap_or_default()
    }
}

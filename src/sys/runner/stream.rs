//! The runner's streaming mode, for the command given to `reproduce -- CMD`: the user's command, so
//! the user's environment and PATH (like `ip netns exec`), started by a thread that first enters the
//! namespace. It stays in the tool's process group, so it keeps the terminal (an interactive command
//! reads it; Ctrl-C reaches it as it reaches us). Its output is echoed to stderr as it comes (stdout
//! stays the report's) and the tail of each stream is kept. Its end closes a pipe the waiting code
//! polls; `stop` ends it (SIGTERM, then SIGKILL).

use super::pump::{pipe, pump, AfterExit, Tail};
use crate::sys::interrupt;
use crate::sys::Netns;
use rustix::process::Signal;
use std::os::fd::OwnedFd;
use std::process::{Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A command to stream.
#[derive(Debug, Clone)]
pub struct StreamRequest {
    pub argv: Vec<String>,
    /// The network namespace to start it in.
    pub netns: Option<Netns>,
    /// Its stdin is the tool's (a terminal); else /dev/null.
    pub inherit_stdin: bool,
    /// Copy its output to stderr as it comes.
    pub echo: bool,
    /// Bytes kept of the end of each stream.
    pub cap: usize,
}

/// What became of a streamed command.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Streamed {
    pub exit_code: Option<i32>,
    /// The signal that ended it.
    pub signal: Option<i32>,
    pub duration: Duration,
    pub stdout_tail: String,
    pub stderr_tail: String,
    /// A stream was longer than its kept tail.
    pub truncated: bool,
    /// Why it did not start (the namespace, or the program).
    pub error: Option<String>,
    /// Ended by `stop`, not by itself.
    pub stopped: bool,
}

/// A command running; its record comes from `finish` or `stop`.
pub struct Streaming {
    done_r: OwnedFd,
    pid: Option<i32>,
    waiter: JoinHandle<Streamed>,
}

/// Starts the command (see the module comment). Fails only when no thread or pipe can be had; a
/// command that cannot start ends at once with `error` set.
pub fn stream(req: StreamRequest) -> std::io::Result<Streaming> {
    let (done_r, done_w) = crate::sys::poll::wake_pipe()?;
    let (pid_tx, pid_rx) = std::sync::mpsc::channel();
    let waiter = std::thread::Builder::new()
        .name("reproduce-command".into())
        .spawn(move || {
            let run = run(req, pid_tx);
            drop(done_w); // wakes the waiting code
            run
        })?;
    // The thread says once the process exists (or that it never will).
    let pid = pid_rx.recv().ok().flatten();
    Ok(Streaming {
        done_r,
        pid,
        waiter,
    })
}

fn run(req: StreamRequest, pid_tx: std::sync::mpsc::Sender<Option<i32>>) -> Streamed {
    let t0 = Instant::now();
    let mut out = Streamed::default();
    let started = match &req.netns {
        Some(ns) => ns
            .enter()
            .map_err(|e| format!("cannot enter {}: {e}", ns.label)),
        None => Ok(()),
    }
    .and_then(|()| {
        let mut cmd = Command::new(&req.argv[0]);
        cmd.args(&req.argv[1..])
            .stdin(if req.inherit_stdin {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        interrupt::spawn_registered(&mut cmd, false).map_err(|e| format!("{}: {e}", req.argv[0]))
    });
    let mut child = match started {
        Ok(c) => c,
        Err(e) => {
            let _ = pid_tx.send(None);
            out.error = Some(e);
            return out;
        }
    };
    let pid = child.id() as i32;
    let _ = pid_tx.send(Some(pid));
    let (mut stdout, mut stderr) = (Tail::new(req.cap), Tail::new(req.cap));
    let pipes = [pipe(child.stdout.take()), pipe(child.stderr.take())];
    pump(
        &child,
        pipes,
        [&mut stdout, &mut stderr],
        None,
        AfterExit::Drain,
        req.echo,
    );
    // Exited, not reaped: forgotten first, so that `stop` never signals a recycled pid.
    interrupt::forget(pid);
    let status = child.wait();
    out.duration = t0.elapsed();
    if let Ok(s) = status {
        use std::os::unix::process::ExitStatusExt;
        out.exit_code = s.code();
        out.signal = s.signal();
    }
    let (text, cut, _) = stdout.finish();
    (out.stdout_tail, out.truncated) = (text, cut);
    let (text, cut, _) = stderr.finish();
    (out.stderr_tail, out.truncated) = (text, out.truncated || cut);
    out
}

impl Streaming {
    /// Readable (end of file) once the command has ended.
    pub fn done(&self) -> &OwnedFd {
        &self.done_r
    }

    /// Ends the command (SIGTERM, SIGKILL after `grace`) and returns its record, marked stopped
    /// unless it had ended by itself already.
    pub fn stop(self, grace: Duration) -> Streamed {
        let already_ended = self.waiter.is_finished();
        let signal = |sig| {
            if let Some(pid) = self.pid {
                interrupt::signal(pid, sig);
            }
        };
        signal(Signal::TERM);
        let deadline = Instant::now() + grace;
        while !self.waiter.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        if !self.waiter.is_finished() {
            signal(Signal::KILL);
        }
        let mut run = self.finish();
        run.stopped = !already_ended;
        run
    }

    /// The record of a command that has ended (waits for it).
    pub fn finish(self) -> Streamed {
        self.waiter.join().unwrap_or_default()
    }
}

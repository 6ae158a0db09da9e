//! The one command runner, with two modes:
//! - captured (`Runner::run`, the collectors' commands): argv only (no shell), a fixed safe PATH and C
//!   locale, stdin closed (or a small input), a timeout, and an output cap that keeps the tail. Each
//!   command runs in its own process group, which is killed whole when the command times out or ends
//!   (nothing it started outlives it).
//! - streaming (`stream`, the reproduce command after `--`): the user's command with the user's
//!   environment, started in a network namespace, stdin the terminal's or none, its output echoed to
//!   stderr as it comes while the tail is kept, stopped when the window ends (see stream.rs).
//!
//! Both read the child's pipes and its exit on one thread with poll(2) (pump.rs), register what they
//! start with `interrupt` (killed when the run is interrupted) and record what happened (exit status,
//! signal, missing program, timeout, truncation), never hiding it.

mod fixture;
mod pump;
mod stream;
#[cfg(test)]
mod tests;

pub use fixture::FixtureRunner;
pub use stream::{stream, StreamRequest, Streamed, Streaming};

use super::interrupt::{self, Started};
use pump::{pipe, pump, AfterExit, Tail};
use rustix::process::Signal;
use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const SAFE_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

#[derive(Debug, Clone, PartialEq, Default)]
pub struct CommandOutput {
    pub stdout: String,
    pub stderr: String,
    /// None when killed by a signal, timed out, or never started.
    pub exit_code: Option<i32>,
    pub duration: Duration,
    pub timed_out: bool,
    /// The program is not on the safe PATH.
    pub missing: bool,
    pub truncated: bool,
    /// Bytes the command wrote to stdout, before the cap.
    pub original_size: u64,
}

impl CommandOutput {
    pub fn success(&self) -> bool {
        self.exit_code == Some(0)
    }
}

/// A request to run one program.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandRequest {
    pub argv: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub timeout: Duration,
    pub cap: usize,
    /// Bytes written to the program's stdin, which is then closed (closed at once when None).
    pub stdin: Option<Vec<u8>>,
}

impl CommandRequest {
    pub fn new(argv: &[&str], timeout: Duration, cap: usize) -> CommandRequest {
        CommandRequest {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            env: BTreeMap::new(),
            timeout,
            cap,
            stdin: None,
        }
    }
}

pub trait Runner: Send + Sync {
    fn run(&self, req: &CommandRequest) -> CommandOutput;
    /// Whether the program exists on the safe PATH (used by triggers).
    fn has(&self, program: &str) -> bool;
}

/// Runs real processes.
pub struct RealRunner;

pub fn which(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        return Path::new(program).is_file().then(|| PathBuf::from(program));
    }
    SAFE_PATH
        .split(':')
        .map(|d| Path::new(d).join(program))
        .find(|p| p.is_file())
}

impl Runner for RealRunner {
    fn has(&self, program: &str) -> bool {
        which(program).is_some()
    }

    fn run(&self, req: &CommandRequest) -> CommandOutput {
        let start = Instant::now();
        let Some(prog) = req.argv.first().and_then(|p| which(p)) else {
            return CommandOutput {
                missing: true,
                duration: start.elapsed(),
                ..Default::default()
            };
        };
        let mut cmd = Command::new(prog);
        cmd.args(&req.argv[1..])
            .env_clear()
            .env("PATH", SAFE_PATH)
            .env("LC_ALL", "C")
            .envs(&req.env)
            .stdin(if req.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Its own process group: a timeout or an interrupt kills everything the command started.
        cmd.process_group(0);
        let mut child = match interrupt::spawn_registered(&mut cmd, true) {
            Ok(c) => c,
            Err(e) => {
                return CommandOutput {
                    stderr: format!("could not start: {e}"),
                    duration: start.elapsed(),
                    ..Default::default()
                }
            }
        };
        if let (Some(data), Some(mut pipe)) = (&req.stdin, child.stdin.take()) {
            // Small inputs only (a batch of commands): they fit the pipe buffer, so this cannot block
            // on a child that does not read. A child that exits early just gives EPIPE here.
            let _ = std::io::Write::write_all(&mut pipe, data);
        }
        let pid = child.id() as i32;
        let mut out = Tail::new(req.cap);
        let mut err = Tail::new(64 << 10);
        let pipes = [pipe(child.stdout.take()), pipe(child.stderr.take())];
        let timed_out = pump(
            &child,
            pipes,
            [&mut out, &mut err],
            Some(start + req.timeout),
            AfterExit::KillGroup,
            false,
        );
        // The whole group: the command if it timed out, and whatever it left running (a background
        // grandchild) either way. Not reaped yet (only `wait` below reaps), so the pid, which is the
        // group's id, still names our child's group; forgotten before the reaping frees the pid.
        Started::Group(pid).signal(Signal::KILL);
        interrupt::forget(pid);
        let status = child.wait().ok();
        let (stdout, truncated, original_size) = out.finish();
        let (stderr, _, _) = err.finish();
        CommandOutput {
            stdout,
            stderr,
            exit_code: if timed_out {
                None
            } else {
                status.and_then(|s| s.code())
            },
            duration: start.elapsed(),
            timed_out,
            missing: false,
            truncated,
            original_size,
        }
    }
}

//! The one command runner: argv only (no shell), a fixed safe PATH and C locale, stdin closed, a
//! timeout that kills the process, and an output cap that keeps the tail. What happened (exit status,
//! signal, missing program, truncation) is recorded, never hidden.

use std::collections::BTreeMap;
use std::io::Read;
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
}

impl CommandRequest {
    pub fn new(argv: &[&str], timeout: Duration, cap: usize) -> CommandRequest {
        CommandRequest {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            env: BTreeMap::new(),
            timeout,
            cap,
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
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                return CommandOutput {
                    stderr: format!("could not start: {e}"),
                    duration: start.elapsed(),
                    ..Default::default()
                }
            }
        };
        let cap = req.cap;
        let mut out_pipe = child.stdout.take().expect("piped");
        let mut err_pipe = child.stderr.take().expect("piped");
        let out_t = std::thread::spawn(move || read_tail(&mut out_pipe, cap));
        let err_t = std::thread::spawn(move || read_tail(&mut err_pipe, 64 << 10));
        // Wait on a helper thread so the exit is seen at once (no polling); kill on timeout.
        let pid = child.id() as libc::pid_t;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait());
        });
        let (status, timed_out) = match rx.recv_timeout(req.timeout) {
            Ok(st) => (st.ok(), false),
            Err(_) => {
                // Not reaped yet (the waiter would have sent), so the pid still names our child.
                // SAFETY: kill(2) on our own unreaped child.
                unsafe { libc::kill(pid, libc::SIGKILL) };
                (rx.recv().ok().and_then(|r| r.ok()), true)
            }
        };
        let (stdout, truncated, original_size) = out_t.join().unwrap_or_default();
        let (stderr, _, _) = err_t.join().unwrap_or_default();
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

/// Reads everything, keeping only the last `cap` bytes. Returns (text, truncated, total bytes).
fn read_tail(r: &mut impl Read, cap: usize) -> (String, bool, u64) {
    let mut kept: Vec<u8> = Vec::new();
    let mut total = 0u64;
    let mut buf = [0u8; 16 << 10];
    loop {
        match r.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                total += n as u64;
                kept.extend_from_slice(&buf[..n]);
                if kept.len() > cap.saturating_mul(2).max(64 << 10) {
                    let cut = kept.len() - cap;
                    kept.drain(..cut);
                }
            }
        }
    }
    let truncated = kept.len() > cap;
    if truncated {
        let cut = kept.len() - cap;
        kept.drain(..cut);
        // Start at a line boundary so the kept tail reads cleanly.
        if let Some(nl) = kept.iter().position(|&b| b == b'\n') {
            kept.drain(..=nl);
        }
    }
    (
        String::from_utf8_lossy(&kept).into_owned(),
        total > kept.len() as u64,
        total,
    )
}

/// Replays recorded outputs from a directory (tests, `--commands-from`). A command's output lives in
/// `<dir>/<argv joined by spaces>` ; an optional `<same>.exit` holds its exit code, `<same>.stderr` its
/// stderr. A command without a file is "not found".
pub struct FixtureRunner {
    dir: PathBuf,
}

impl FixtureRunner {
    pub fn new(dir: impl Into<PathBuf>) -> FixtureRunner {
        FixtureRunner { dir: dir.into() }
    }

    pub fn file_for(&self, argv: &[String]) -> PathBuf {
        self.dir.join(argv.join(" "))
    }

    /// The recorded stdout of a command, if any.
    pub fn recorded(&self, argv: &[&str]) -> Option<String> {
        let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
        std::fs::read_to_string(self.file_for(&argv)).ok()
    }
}

impl Runner for FixtureRunner {
    fn has(&self, program: &str) -> bool {
        std::fs::read_dir(&self.dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok()).any(|e| {
                    let n = e.file_name().to_string_lossy().into_owned();
                    n == program || n.starts_with(&format!("{program} "))
                })
            })
            .unwrap_or(false)
    }

    fn run(&self, req: &CommandRequest) -> CommandOutput {
        let path = self.file_for(&req.argv);
        let Ok(stdout) = std::fs::read_to_string(&path) else {
            return CommandOutput {
                missing: !self.has(&req.argv[0]),
                exit_code: None,
                ..Default::default()
            };
        };
        let side = |ext: &str| std::fs::read_to_string(format!("{}.{ext}", path.display())).ok();
        let exit_code = side("exit")
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        let original_size = stdout.len() as u64;
        let (stdout, truncated) = if stdout.len() > req.cap {
            let mut cut = stdout.len() - req.cap;
            while !stdout.is_char_boundary(cut) {
                cut += 1;
            }
            (stdout[cut..].to_string(), true)
        } else {
            (stdout, false)
        };
        CommandOutput {
            stdout,
            stderr: side("stderr").unwrap_or_default(),
            exit_code: Some(exit_code),
            duration: Duration::from_millis(1),
            timed_out: false,
            missing: false,
            truncated,
            original_size,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(argv: &[&str], timeout_ms: u64, cap: usize) -> CommandRequest {
        CommandRequest::new(argv, Duration::from_millis(timeout_ms), cap)
    }

    #[test]
    fn records_exit_status_and_output() {
        let out = RealRunner.run(&req(
            &["sh", "-c", "echo hi; echo err >&2; exit 3"],
            5000,
            1024,
        ));
        assert_eq!(out.stdout, "hi\n");
        assert_eq!(out.stderr, "err\n");
        assert_eq!(out.exit_code, Some(3));
        assert!(!out.timed_out && !out.missing);
    }

    #[test]
    fn missing_program_is_recorded() {
        let out = RealRunner.run(&req(&["no-such-program-xyz"], 1000, 1024));
        assert!(out.missing);
        assert_eq!(out.exit_code, None);
    }

    #[test]
    fn timeout_kills() {
        let out = RealRunner.run(&req(&["sleep", "5"], 100, 1024));
        assert!(out.timed_out);
        assert!(out.duration < Duration::from_secs(4));
    }

    #[test]
    fn cap_keeps_the_tail() {
        let out = RealRunner.run(&req(&["seq", "1", "100000"], 5000, 100));
        assert!(out.truncated);
        assert!(out.stdout.ends_with("100000\n"));
        assert!(out.stdout.len() <= 100);
        assert!(out.original_size > 500_000);
    }

    #[test]
    fn stdin_is_closed_and_env_is_clean() {
        let out = RealRunner.run(&req(&["sh", "-c", "cat; echo \"$PATH|$HOME\""], 5000, 1024));
        assert_eq!(out.stdout, format!("{SAFE_PATH}|\n"));
    }
}

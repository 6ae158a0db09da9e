//! The one command runner: argv only (no shell), a fixed safe PATH and C locale, stdin closed, a
//! timeout, and an output cap that keeps the tail. Each command runs in its own process group, which
//! is killed whole when the command times out or ends (nothing it started outlives it) and when the
//! run is interrupted (system::interrupt). What happened (exit status, signal, missing program,
//! timeout, truncation) is recorded, never hidden.

use std::collections::BTreeMap;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
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
        let mut child = match super::interrupt::spawn_group(&mut cmd) {
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
        let pid = child.id() as libc::pid_t;
        let out_pipe = child.stdout.take().expect("piped");
        let err_pipe = child.stderr.take().expect("piped");
        let mut out = Tail::new(req.cap);
        let mut err = Tail::new(64 << 10);
        let timed_out = pump(
            pid,
            out_pipe,
            err_pipe,
            &mut out,
            &mut err,
            start + req.timeout,
        );
        // The whole group: the command if it timed out, and whatever it left running (a background
        // grandchild) either way. Not reaped yet (only `wait` below reaps), so the pid, which is the
        // group's id, still names our child's group.
        // SAFETY: kill(2) on the process group of our own unreaped child.
        unsafe { libc::kill(-pid, libc::SIGKILL) };
        let status = child.wait().ok();
        super::interrupt::remove_group(pid);
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

/// Reads both pipes of child `pid` on this thread until they close and the child has exited, or until
/// `deadline`. Returns whether the deadline passed. No helper threads: one poll(2) over the pipes and
/// a pidfd (Linux 5.3+; without one, the exit is polled every millisecond once the pipes close).
fn pump(
    pid: libc::pid_t,
    out_pipe: impl AsRawFd,
    err_pipe: impl AsRawFd,
    out: &mut Tail,
    err: &mut Tail,
    deadline: Instant,
) -> bool {
    // SAFETY: pidfd_open on our own child; the result is owned right away or is -1.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as RawFd;
    let pidfd = (pidfd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(pidfd) });
    let mut open = [Some(out_pipe.as_raw_fd()), Some(err_pipe.as_raw_fd())];
    for fd in open.iter().flatten() {
        // SAFETY: fcntl on a pipe we own.
        unsafe { libc::fcntl(*fd, libc::F_SETFL, libc::O_NONBLOCK) };
    }
    let mut exited = false;
    let mut buf = [0u8; 16 << 10];
    loop {
        if open.iter().all(Option::is_none) && (exited || pidfd.is_none() && exited_now(pid)) {
            return false;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            // An exited child whose pipes a background grandchild still holds has not timed out.
            return !(exited || pidfd.is_none() && exited_now(pid));
        }
        let mut fds: Vec<libc::pollfd> = open
            .iter()
            .flatten()
            .map(|&fd| libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        if let (Some(p), false) = (&pidfd, exited) {
            fds.push(libc::pollfd {
                fd: p.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            });
        }
        // Without a pidfd and with the pipes closed there is nothing to wait on: tick.
        let ms = if fds.is_empty() {
            1
        } else {
            left.as_millis().clamp(1, i32::MAX as u128) as i32
        };
        // SAFETY: poll over a live array of pollfds of the given length.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
        if n < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return false;
        }
        for p in &fds {
            if p.revents == 0 {
                continue;
            }
            if pidfd.as_ref().is_some_and(|f| f.as_raw_fd() == p.fd) {
                exited = true;
                // What the command left running ends with it, closing the pipes it holds: the
                // output so far stays readable.
                // SAFETY: kill(2) on the group of our own exited, not yet reaped child.
                unsafe { libc::kill(-pid, libc::SIGKILL) };
                continue;
            }
            let (slot, tail) = if Some(p.fd) == open[0] {
                (0, &mut *out)
            } else {
                (1, &mut *err)
            };
            loop {
                // SAFETY: read(2) into our buffer from a pipe we own.
                let r = unsafe { libc::read(p.fd, buf.as_mut_ptr().cast(), buf.len()) };
                if r > 0 {
                    tail.push(&buf[..r as usize]);
                    continue;
                }
                let e = std::io::Error::last_os_error().kind();
                if r < 0
                    && (e == std::io::ErrorKind::WouldBlock || e == std::io::ErrorKind::Interrupted)
                {
                    break;
                }
                open[slot] = None;
                break;
            }
        }
    }
}

/// Whether child `pid` has exited (without reaping it).
fn exited_now(pid: libc::pid_t) -> bool {
    // SAFETY: waitid with WNOWAIT on our own child leaves it for `Child::wait` to reap.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    let r = unsafe {
        libc::waitid(
            libc::P_PID,
            pid as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        )
    };
    // SAFETY: si_pid is set by waitid when a child changed state, zero otherwise.
    r == 0 && unsafe { info.si_pid() } != 0
}

/// The last `cap` bytes of a stream, and how many there were in all.
struct Tail {
    kept: Vec<u8>,
    total: u64,
    cap: usize,
}

impl Tail {
    fn new(cap: usize) -> Tail {
        Tail {
            kept: Vec::new(),
            total: 0,
            cap,
        }
    }

    fn push(&mut self, b: &[u8]) {
        self.total += b.len() as u64;
        self.kept.extend_from_slice(b);
        if self.kept.len() > self.cap.saturating_mul(2).max(64 << 10) {
            let cut = self.kept.len() - self.cap;
            self.kept.drain(..cut);
        }
    }

    /// (text, truncated, total bytes); a cut tail starts at a line boundary so it reads cleanly.
    fn finish(mut self) -> (String, bool, u64) {
        if self.kept.len() > self.cap {
            let cut = self.kept.len() - self.cap;
            self.kept.drain(..cut);
            if let Some(nl) = self.kept.iter().position(|&b| b == b'\n') {
                self.kept.drain(..=nl);
            }
        }
        (
            String::from_utf8_lossy(&self.kept).into_owned(),
            self.total > self.kept.len() as u64,
            self.total,
        )
    }
}

/// Replays recorded outputs from a directory (tests, `--commands-from`). A command's output lives in
/// `<dir>/<argv joined by spaces>` (`/` written `%2F`); an optional `<same>.exit` holds its exit code, `<same>.stderr` its
/// stderr. A command without a file is "not found".
pub struct FixtureRunner {
    dir: PathBuf,
}

/// A recorded command's file name: `/` written `%2F` (and `%` as `%25`), so it stays one file.
fn escape_name(s: &str) -> String {
    s.replace('%', "%25").replace('/', "%2F")
}

impl FixtureRunner {
    pub fn new(dir: impl Into<PathBuf>) -> FixtureRunner {
        FixtureRunner { dir: dir.into() }
    }

    /// `<dir>/<argv joined by spaces>`, each `/` written `%2F` (and `%` as `%25`) so a program named
    /// by its path stays one file inside the directory.
    pub fn file_for(&self, argv: &[String]) -> PathBuf {
        self.dir.join(escape_name(&argv.join(" ")))
    }

    /// The recorded stdout of a command, if any.
    pub fn recorded(&self, argv: &[&str]) -> Option<String> {
        let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
        std::fs::read_to_string(self.file_for(&argv)).ok()
    }
}

impl FixtureRunner {
    /// `ip [-force] -batch -` with its commands on stdin, replayed from the recordings of each
    /// `ip <line>`: outputs in order, and like iproute2 a failed line adds `Command failed -:N` to
    /// stderr and stops the batch unless `-force` is given.
    fn ip_batch(&self, req: &CommandRequest) -> Option<CommandOutput> {
        let is_batch = req.argv.first().is_some_and(|p| p == "ip")
            && req.argv.iter().any(|a| a == "-batch")
            && req.argv.last().is_some_and(|a| a == "-");
        let input = req.stdin.as_ref().filter(|_| is_batch)?;
        let force = req.argv.iter().any(|a| a == "-force");
        let mut out = CommandOutput {
            exit_code: Some(0),
            duration: Duration::from_millis(1),
            ..Default::default()
        };
        for (n, line) in String::from_utf8_lossy(input).lines().enumerate() {
            let mut argv = vec!["ip".to_string()];
            argv.extend(line.split_whitespace().map(String::from));
            let one = self.run(&CommandRequest {
                argv,
                stdin: None,
                ..req.clone()
            });
            out.stdout.push_str(&one.stdout);
            out.stderr.push_str(&one.stderr);
            if one.success() {
                continue;
            }
            out.exit_code = Some(1);
            if one.exit_code.is_none() && !one.timed_out {
                out.stderr
                    .push_str(&format!("Object \"{line}\" is not recorded\n"));
            }
            out.stderr
                .push_str(&format!("Command failed -:{}\n", n + 1));
            if !force {
                break;
            }
        }
        out.original_size = out.stdout.len() as u64;
        Some(out)
    }
}

impl Runner for FixtureRunner {
    fn has(&self, program: &str) -> bool {
        std::fs::read_dir(&self.dir)
            .map(|rd| {
                let program = escape_name(program);
                rd.filter_map(|e| e.ok()).any(|e| {
                    let n = e.file_name().to_string_lossy().into_owned();
                    n == program || n.starts_with(&format!("{program} "))
                })
            })
            .unwrap_or(false)
    }

    fn run(&self, req: &CommandRequest) -> CommandOutput {
        if let Some(out) = self.ip_batch(req) {
            return out;
        }
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
    fn a_background_grandchild_holding_the_pipe_does_not_hang_the_run() {
        let out = RealRunner.run(&req(&["sh", "-c", "sleep 5 & echo hi"], 300, 1024));
        assert_eq!(out.stdout, "hi\n");
        assert_eq!(out.exit_code, Some(0));
        assert!(!out.timed_out);
        assert!(out.duration < Duration::from_secs(4));
    }

    /// Whether process `pid` is gone (or a zombie waiting for its new parent to reap it), within 5 s.
    fn gone(pid: &str) -> bool {
        let stat = format!("/proc/{}/stat", pid.trim());
        for _ in 0..500 {
            match std::fs::read_to_string(&stat) {
                Err(_) => return true,
                Ok(s) if s.rsplit_once(") ").is_some_and(|(_, r)| r.starts_with('Z')) => {
                    return true
                }
                Ok(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
        false
    }

    #[test]
    fn a_timeout_kills_the_whole_process_group() {
        let out = RealRunner.run(&req(
            &["sh", "-c", "sleep 30 & echo $!; sleep 30"],
            500,
            1024,
        ));
        assert!(out.timed_out);
        assert_eq!(out.exit_code, None);
        assert!(gone(&out.stdout), "grandchild {} still running", out.stdout);
    }

    #[test]
    fn what_a_command_leaves_running_ends_with_it() {
        let out = RealRunner.run(&req(&["sh", "-c", "sleep 30 & echo $!"], 5000, 1024));
        assert!(!out.timed_out);
        assert_eq!(out.exit_code, Some(0));
        assert!(gone(&out.stdout), "grandchild {} still running", out.stdout);
    }

    #[test]
    fn each_command_runs_in_its_own_process_group() {
        let out = RealRunner.run(&req(
            &["sh", "-c", "echo $$; ps -o pgid= -p $$"],
            5000,
            1024,
        ));
        let mut lines = out.stdout.lines();
        let (pid, pgid) = (lines.next().unwrap(), lines.next().unwrap_or("?"));
        assert_eq!(pid.trim(), pgid.trim(), "{}", out.stdout);
        // SAFETY: getpgrp has no preconditions.
        assert_ne!(pgid.trim(), unsafe { libc::getpgrp() }.to_string());
    }

    #[test]
    fn both_pipes_drain_without_deadlock() {
        let out = RealRunner.run(&req(
            &["sh", "-c", "seq 1 200000 >&2; seq 1 200000; echo done"],
            10_000,
            4 << 20,
        ));
        assert_eq!(out.exit_code, Some(0));
        assert!(out.stdout.ends_with("200000\ndone\n"));
        assert!(!out.truncated);
        assert!(out.stderr.ends_with("200000\n"), "stderr keeps its tail");
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
    fn fixture_names_keep_programs_given_by_path_inside_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path()
                .join("%2Fusr%2Flibexec%2Fmptcpd%2Fmptcpd --version"),
            "mptcpd 0.12\n",
        )
        .unwrap();
        let f = FixtureRunner::new(dir.path());
        let out = f.run(&req(
            &["/usr/libexec/mptcpd/mptcpd", "--version"],
            1000,
            1024,
        ));
        assert_eq!(
            (out.stdout.as_str(), out.exit_code),
            ("mptcpd 0.12\n", Some(0))
        );
        assert_eq!(f.file_for(&["a/b%c".into()]), dir.path().join("a%2Fb%25c"));
    }

    #[test]
    fn stdin_data_reaches_the_program() {
        let mut r = req(&["sh", "-c", "cat; echo end"], 5000, 1024);
        r.stdin = Some(b"line 1\nline 2\n".to_vec());
        let out = RealRunner.run(&r);
        assert_eq!(out.stdout, "line 1\nline 2\nend\n");
    }

    #[test]
    fn fixture_replays_an_ip_batch_line_by_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ip a show"), "A\n").unwrap();
        std::fs::write(dir.path().join("ip b show"), "").unwrap();
        std::fs::write(dir.path().join("ip b show.exit"), "2").unwrap();
        std::fs::write(dir.path().join("ip b show.stderr"), "Error: b\n").unwrap();
        std::fs::write(dir.path().join("ip c show"), "C\n").unwrap();
        let f = FixtureRunner::new(dir.path());
        let mut r = req(&["ip", "-force", "-batch", "-"], 1000, 1024);
        r.stdin = Some(b"a show\nb show\nc show\n".to_vec());
        let out = f.run(&r);
        assert_eq!(out.stdout, "A\nC\n");
        assert_eq!(out.stderr, "Error: b\nCommand failed -:2\n");
        assert_eq!(out.exit_code, Some(1));
        // Without -force the batch stops at the failed line.
        let mut r = req(&["ip", "-batch", "-"], 1000, 1024);
        r.stdin = Some(b"b show\nc show\n".to_vec());
        assert_eq!(f.run(&r).stdout, "");
    }

    #[test]
    fn stdin_is_closed_and_env_is_clean() {
        let out = RealRunner.run(&req(&["sh", "-c", "cat; echo \"$PATH|$HOME\""], 5000, 1024));
        assert_eq!(out.stdout, format!("{SAFE_PATH}|\n"));
    }
}

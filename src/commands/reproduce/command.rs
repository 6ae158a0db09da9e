//! The command given after `--`: checked before the window opens, then run by the runner's streaming
//! mode (sys::runner::stream): started in the first collected namespace (like `ip netns exec`), its
//! output passed through to stderr (stdout stays the report's) while the last 64 KiB of each stream
//! are kept, stopped when the window ends first. Here only what the report records of it.

use crate::report::CommandRun;
use crate::sys::runner::{stream, StreamRequest, Streamed, Streaming};
use crate::sys::Netns;
use std::time::Duration;

/// Bytes kept of the end of each output stream.
const TAIL: usize = 64 << 10;
/// How long a stopped command has between SIGTERM and SIGKILL.
const GRACE: Duration = Duration::from_secs(2);

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

/// A running command and what the report will say of it.
pub struct Running {
    streaming: Streaming,
    argv: Vec<String>,
    netns: Option<String>,
}

/// Starts `argv` (in `netns` when given); `echo` passes its output through to stderr, `terminal`
/// gives it the tool's stdin (else /dev/null).
pub fn spawn(
    argv: &[String],
    netns: Option<Netns>,
    echo: bool,
    terminal: bool,
) -> std::io::Result<Running> {
    let label = netns.as_ref().map(|n| n.label.clone());
    let streaming = stream(StreamRequest {
        argv: argv.to_vec(),
        netns,
        inherit_stdin: terminal,
        echo,
        cap: TAIL,
    })?;
    Ok(Running {
        streaming,
        argv: argv.to_vec(),
        netns: label,
    })
}

impl Running {
    /// Readable (end of file) once the command has ended.
    pub fn done(&self) -> &std::os::fd::OwnedFd {
        self.streaming.done()
    }

    /// Stops the command (SIGTERM, SIGKILL after 2 s) and returns its record, marked stopped.
    pub fn stop(self) -> CommandRun {
        let streamed = self.streaming.stop(GRACE);
        record(self.argv, self.netns, streamed)
    }

    /// The record of a command that has ended.
    pub fn finish(self) -> CommandRun {
        let streamed = self.streaming.finish();
        record(self.argv, self.netns, streamed)
    }
}

fn record(argv: Vec<String>, netns: Option<String>, s: Streamed) -> CommandRun {
    CommandRun {
        argv,
        netns,
        exit_code: s.exit_code,
        signal: s.signal,
        duration_ms: s.duration.as_secs_f64() * 1000.0,
        stdout_tail: s.stdout_tail,
        stderr_tail: s.stderr_tail,
        truncated: s.truncated,
        stopped: s.stopped,
        error: s.error,
    }
}

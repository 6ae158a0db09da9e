//! The fixture runner: recorded outputs replayed from a directory instead of running programs (tests,
//! `--commands-from`), behind the same `Runner` trait as the real one. A recording may come from
//! someone else: it is read through the sealed reader over its directory (links stay inside it,
//! regular files only, at most MAX_FILE bytes each), never as plain paths.

use super::{CommandOutput, CommandRequest, Runner};
use crate::sys::fs::Fs;
use std::path::PathBuf;
use std::time::Duration;

/// Replays recorded outputs from a directory (tests, `--commands-from`). A command's output lives in
/// `<dir>/<argv joined by spaces>` (`/` written `%2F`); an optional `<same>.exit` holds its exit code, `<same>.stderr` its
/// stderr. A command without a file is "not found".
pub struct FixtureRunner {
    dir: PathBuf,
    files: Fs,
}

/// A recorded command's file name: `/` written `%2F` (and `%` as `%25`), so it stays one file.
fn escape_name(s: &str) -> String {
    s.replace('%', "%25").replace('/', "%2F")
}

impl FixtureRunner {
    pub fn new(dir: impl Into<PathBuf>) -> FixtureRunner {
        let dir = dir.into();
        FixtureRunner {
            files: Fs::new(&dir),
            dir,
        }
    }

    /// A recorded file's text (`name` inside the directory), sealed; None when it is not there or
    /// not a regular file. The second value: its size when it was longer than the reader takes.
    fn read(&self, name: &str) -> Option<(String, u64)> {
        let t = self.files.read_text(&format!("/{name}")).ok()?;
        Some((t.text, t.original_size))
    }

    /// `<dir>/<argv joined by spaces>`, each `/` written `%2F` (and `%` as `%25`) so a program named
    /// by its path stays one file inside the directory.
    pub fn file_for(&self, argv: &[String]) -> PathBuf {
        self.dir.join(escape_name(&argv.join(" ")))
    }

    /// The recorded stdout of a command, if any.
    pub fn recorded(&self, argv: &[&str]) -> Option<String> {
        self.read(&escape_name(&argv.join(" ")))
            .map(|(text, _)| text)
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
        let program = escape_name(program);
        self.files.list_dir("/").is_ok_and(|names| {
            names
                .iter()
                .any(|n| *n == program || n.starts_with(&format!("{program} ")))
        })
    }

    fn run(&self, req: &CommandRequest) -> CommandOutput {
        if let Some(out) = self.ip_batch(req) {
            return out;
        }
        let name = escape_name(&req.argv.join(" "));
        let Some((stdout, recorded_size)) = self.read(&name) else {
            return CommandOutput {
                missing: !self.has(&req.argv[0]),
                exit_code: None,
                ..Default::default()
            };
        };
        let side = |ext: &str| self.read(&format!("{name}.{ext}")).map(|(t, _)| t);
        let exit_code = side("exit")
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        let original_size = recorded_size;
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

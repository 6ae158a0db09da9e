//! Standard output and error as a Unix tool uses them: data on stdout, written with error checks (a
//! closed pipe ends the run quietly, a full disk is an error naming stdout), notes on stderr that never
//! panic. Text headed for a terminal has its control characters escaped here (views that are always
//! escaped did so when rendered).

use super::escape;
use std::io::{IsTerminal, Write};

/// Exit status of a run whose stdout reader went away (128 + SIGPIPE, what the shell shows for a
/// tool killed by SIGPIPE): quiet, like `cat` or `yes` under `| head -1`.
pub const EXIT_BROKEN_PIPE: u8 = 141;

/// Writing stdout failed.
#[derive(Debug)]
pub enum StdoutError {
    /// The reader closed the pipe (EPIPE): end quietly.
    Closed,
    /// Any other error (ENOSPC on `>/dev/full`, EIO, ...).
    Failed(std::io::Error),
}

impl std::fmt::Display for StdoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            StdoutError::Closed => f.write_str("stdout: the reading end of the pipe was closed"),
            StdoutError::Failed(e) => write!(f, "cannot write to stdout: {e}"),
        }
    }
}

impl std::error::Error for StdoutError {}

/// How stdout text is made safe for a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Already escaped by its view (markdown, text, merge, diff): written as is.
    Escaped,
    /// Plain text from an archive or the system (list, unredact): escaped when stdout is a terminal.
    Text,
    /// JSON: on a terminal, the characters JSON allows raw (DEL, C1, bidi controls) become `\uXXXX`,
    /// which leaves the same JSON value.
    Json,
}

/// Writes `text` to stdout and flushes.
pub fn print(text: &str, kind: Kind) -> Result<(), StdoutError> {
    let tty = std::io::stdout().is_terminal();
    let text = match kind {
        Kind::Text if tty => escape::escape(text),
        Kind::Json if tty => escape::escape_json(text),
        _ => std::borrow::Cow::Borrowed(text),
    };
    write_all(text.as_bytes())
}

fn write_all(bytes: &[u8]) -> Result<(), StdoutError> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                StdoutError::Closed
            } else {
                StdoutError::Failed(e)
            }
        })
}

/// Writes a note to stderr, escaped when stderr is a terminal; errors (a closed stderr) are ignored.
pub fn note(text: &str) {
    let text = if std::io::stderr().is_terminal() {
        escape::escape(text)
    } else {
        std::borrow::Cow::Borrowed(text)
    };
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// `mptcp-get-debug: MSG` on stderr (see `note`).
pub fn say(msg: &str) {
    note(&format!("mptcp-get-debug: {msg}\n"));
}

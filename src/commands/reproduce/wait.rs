//! The reproduction window: wait for Enter, a duration, the end of a command, or a signal, all in
//! one poll(2) (sys::poll) over the signal wake-up pipe, stdin and the command's end. Like mptcpd's
//! script, a stdin that is not a terminal is read too: its first line or its end closes the window.

use super::command::Running;
use crate::report::{CommandRun, EndedBy};
use crate::sys::poll::{poll, PollFd};
use crate::sys::signals::Signals;
use std::time::Instant;

/// What stdin means for the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StdinMode {
    /// A terminal: prompt, and Enter ends the window.
    Terminal,
    /// A pipe, a file, /dev/null or closed: a line or its end ends the window (no prompt).
    Input,
    /// `--batch` (or CI on a terminal): stdin is never read.
    Ignore,
}

impl StdinMode {
    /// Explicit `--batch` never reads stdin; `CI` only stops a prompt on a terminal, so a wrapper that
    /// pipes a line in CI still works as it does with the script.
    pub fn for_run(batch: bool, ci: bool, stdin_is_terminal: bool) -> StdinMode {
        match (batch, stdin_is_terminal) {
            (true, _) => StdinMode::Ignore,
            (false, true) if ci => StdinMode::Ignore,
            (false, true) => StdinMode::Terminal,
            (false, false) => StdinMode::Input,
        }
    }
}

/// What may end the window.
pub struct Ends<'a> {
    pub signals: &'a Signals,
    /// Wait for a line (Enter on a terminal) or the end of stdin.
    pub enter: bool,
    /// stdin is a terminal (the window then ends "by Enter").
    pub terminal: bool,
    pub deadline: Option<Instant>,
    pub command: Option<Running>,
}

/// Waits until something ends the window; a command still running then is stopped.
pub fn wait(ends: Ends) -> (EndedBy, Option<CommandRun>) {
    let Ends {
        signals,
        enter,
        terminal,
        deadline,
        command,
    } = ends;
    let ended = loop {
        let stdin = std::io::stdin();
        let mut fds = vec![PollFd::readable(signals.wake())];
        if enter {
            fds.push(PollFd::readable(&stdin));
        }
        if let Some(c) = &command {
            fds.push(PollFd::readable(c.done()));
        }
        let timeout = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let Ok(n) = poll(&mut fds, timeout) else {
            // ENOMEM: try again shortly (EINTR is resumed by poll itself).
            std::thread::sleep(std::time::Duration::from_millis(10));
            continue;
        };
        if fds[0].ready() || signals.interrupted() {
            break EndedBy::Signal;
        }
        if n == 0 && deadline.is_some_and(|d| Instant::now() >= d) {
            break EndedBy::Duration;
        }
        if command.is_some() && fds.last().is_some_and(PollFd::ready) {
            break EndedBy::Command;
        }
        if enter && fds[1].ready() {
            // Readable (a line, or end of file), a closed pipe, or stdin closed (not a descriptor):
            // read what is there, if anything; any of them ends the window.
            if !fds[1].invalid() {
                let mut line = String::new();
                let _ = stdin.read_line(&mut line);
            }
            break if terminal {
                EndedBy::Enter
            } else {
                EndedBy::Input
            };
        }
    };
    let run = command.map(|c| match ended {
        EndedBy::Command => c.finish(),
        _ => c.stop(),
    });
    (ended, run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_modes_follow_the_script() {
        use StdinMode::*;
        // (batch, CI, terminal)
        assert_eq!(StdinMode::for_run(false, false, true), Terminal);
        assert_eq!(StdinMode::for_run(false, false, false), Input);
        assert_eq!(StdinMode::for_run(false, true, false), Input);
        assert_eq!(StdinMode::for_run(false, true, true), Ignore);
        assert_eq!(StdinMode::for_run(true, false, false), Ignore);
        assert_eq!(StdinMode::for_run(true, false, true), Ignore);
    }
}

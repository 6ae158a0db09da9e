//! The reproduction window: wait for Enter, a duration, the end of a command, or a signal, all in
//! one poll(2) over the signal wake-up pipe, stdin and the command's end. Like mptcpd's script, a
//! stdin that is not a terminal is read too: its first line or its end closes the window.

use super::command::Running;
use super::model::{CommandRun, EndedBy};
use super::signals::Signals;
use std::time::{Duration, Instant};

/// Parses `--duration` values: `30s`, `5m`, `1500ms`, `1h`, or plain seconds (`30`, `0.5`).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let (num, unit) = match t.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => t.split_at(i),
        None => (t, "s"),
    };
    let factor = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => return Err(format!("unknown unit {unit:?} (use ms, s, m or h)")),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration like 30s, 5m or 500ms"))?;
    if !(n.is_finite() && n > 0.0) {
        return Err(format!("{s:?}: must be more than zero"));
    }
    let secs = n * factor;
    if secs > 7.0 * 86400.0 {
        return Err(format!("{s:?}: longer than a week"));
    }
    Ok(Duration::from_secs_f64(secs))
}

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
        let mut fds = vec![libc::pollfd {
            fd: signals.wake_fd(),
            events: libc::POLLIN,
            revents: 0,
        }];
        if enter {
            fds.push(libc::pollfd {
                fd: libc::STDIN_FILENO,
                events: libc::POLLIN,
                revents: 0,
            });
        }
        if let Some(c) = &command {
            fds.push(libc::pollfd {
                fd: c.done_fd(),
                events: libc::POLLIN,
                revents: 0,
            });
        }
        let timeout = match deadline {
            Some(d) => d
                .saturating_duration_since(Instant::now())
                .as_millis()
                .min(i32::MAX as u128) as i32,
            None => -1,
        };
        // SAFETY: fds is a valid, initialised pollfd array of the given length.
        let rc = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout) };
        if rc < 0 {
            continue; // EINTR: the signal itself shows up on the wake pipe
        }
        if fds[0].revents != 0 || signals.interrupted() {
            break EndedBy::Signal;
        }
        if rc == 0 && deadline.is_some_and(|d| Instant::now() >= d) {
            break EndedBy::Duration;
        }
        let last = fds.last().map(|f| f.revents).unwrap_or(0);
        if command.is_some() && last != 0 {
            break EndedBy::Command;
        }
        if enter && fds[1].revents != 0 {
            // POLLIN (a line, or end of file), POLLHUP (a closed pipe) or POLLNVAL (stdin closed):
            // read what is there, if anything; any of them ends the window.
            if fds[1].revents & libc::POLLNVAL == 0 {
                let mut line = String::new();
                let _ = std::io::stdin().read_line(&mut line);
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

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1500ms"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("0.5s"), Ok(Duration::from_millis(500)));
        assert!(parse_duration("5x").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("-3s").is_err());
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("9999h").is_err());
    }
}

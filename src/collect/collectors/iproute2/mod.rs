//! What the shell script printed, kept raw for maintainers used to iproute2's own output: `ip mptcp
//! endpoint show` and `ip mptcp limits show` of the installed iproute2 (6.1, for instance, shows
//! implicit/laminar as rawflags). Both run in the spec's one `ip -force -batch -` process, one program
//! start instead of two; this splits its output back per command.

use super::{command_artifact, Builtin, Ctx, Output, Result};
use crate::report::Artifact;
use crate::sys::CommandOutput;

pub struct IpMptcp;

/// The spec's batch command: its stdin holds the two lines, endpoints then limits.
const BATCH: &str = "batch";

/// One command's share of a batch run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Part {
    pub stdout: String,
    pub stderr: String,
    /// None when the batch stopped before this command ran.
    pub exit_code: Option<i32>,
}

fn is_limits_line(l: &str) -> bool {
    l.starts_with("add_addr_accepted ") || l.starts_with("subflows ")
}

/// Splits the batch of two lines (endpoints, limits) back into the endpoint and limits outputs. iproute2 writes
/// `Command failed -:N` after the error of line N and goes on (`-force`); some errors (an unknown
/// family, a usage error) end the whole process instead, without that line.
pub fn split(res: &CommandOutput) -> [Part; 2] {
    let mut parts = [Part::default(), Part::default()];
    // stderr: each chunk up to a `Command failed -:N` line belongs to line N.
    let mut chunk = String::new();
    let mut failed = [false; 2];
    for line in res.stderr.lines() {
        let n = line
            .strip_prefix("Command failed -:")
            .and_then(|n| n.trim().parse::<usize>().ok());
        match n {
            Some(n @ 1..=2) => {
                parts[n - 1].stderr = std::mem::take(&mut chunk);
                failed[n - 1] = true;
            }
            _ => {
                chunk.push_str(line);
                chunk.push('\n');
            }
        }
    }
    // stdout: the limits line comes last; everything before it is the endpoint list.
    let mut lines: Vec<&str> = res.stdout.split_inclusive('\n').collect();
    let limits = lines
        .last()
        .filter(|l| is_limits_line(l))
        .map(|l| l.to_string());
    if limits.is_some() {
        lines.pop();
    }
    parts[0].stdout = lines.concat();
    parts[1].stdout = limits.clone().unwrap_or_default();
    let code = res.exit_code;
    if code == Some(0) {
        parts[0].exit_code = Some(0);
        parts[1].exit_code = Some(0);
    } else if failed.iter().any(|f| *f) || limits.is_some() {
        // With markers (or a limits line) every line ran; a leftover chunk is the last line's.
        for (p, f) in parts.iter_mut().zip(failed) {
            p.exit_code = Some(if f { code.unwrap_or(1).max(1) } else { 0 });
        }
        if !chunk.is_empty() {
            parts[1].stderr.push_str(&chunk);
            parts[1].exit_code = parts[1].exit_code.filter(|c| *c != 0).or(code);
        }
    } else if parts[0].stdout.is_empty() {
        // The process ended on the first line (or was killed): the second never ran.
        parts[0].stderr = chunk;
        parts[0].exit_code = code;
    } else {
        parts[0].exit_code = Some(0);
        parts[1].stderr = chunk;
        parts[1].exit_code = code;
    }
    parts
}

impl Builtin for IpMptcp {
    fn name(&self) -> &'static str {
        "iproute2"
    }

    fn own_thread(&self) -> bool {
        true
    }

    fn collect(&self, ctx: &Ctx, out: &mut Output) -> Result {
        let Some(c) = ctx.spec.and_then(|s| s.command(BATCH)) else {
            out.notes
                .push("the spec declares no `batch` command: nothing to split".into());
            return Ok(());
        };
        let lines: Vec<&str> = c.stdin.iter().flat_map(|s| s.lines()).collect();
        let Some(res) = out.ran(BATCH).cloned() else {
            // Not run: the engine said why (not installed, --root).
            return Ok(());
        };
        if lines.len() != 2 {
            out.notes.push(format!(
                "`{}`: {} lines on stdin, not the two (endpoints, limits) it splits: kept whole",
                c.argv.join(" "),
                lines.len()
            ));
            return Ok(());
        }
        // The split outputs replace the batch's own.
        let batch = c.artifact_name();
        out.artifacts.retain(|a| a.name != batch);
        if res.exit_code.is_none() && !res.timed_out && !res.missing {
            out.notes
                .push("`ip -force -batch -` gave no result (not recorded, or killed)".into());
        }
        for (line, part) in lines.iter().zip(split(&res)) {
            let mut words = vec![c.argv[0].as_str()];
            words.extend(line.split_whitespace());
            let name = crate::collect::spec::artifact_name_for(&words);
            let one = CommandOutput {
                original_size: part.stdout.len() as u64,
                stdout: part.stdout,
                stderr: part.stderr,
                exit_code: part.exit_code,
                truncated: res.truncated,
                ..res.clone()
            };
            match one.exit_code {
                Some(0) => {}
                Some(c) => out.notes.push(format!(
                    "`ip {line}` failed (exit {c}): {}",
                    one.stderr.trim()
                )),
                None if res.timed_out => out.notes.push(format!("`ip {line}` timed out")),
                None if res.missing => {}
                None => out.notes.push(format!(
                    "`ip {line}` did not run: the batch stopped before it"
                )),
            }
            let mut art: Artifact = command_artifact(name, &c.argv, &one);
            if let crate::report::Source::Command { argv, .. } = &mut art.source {
                argv.push(format!("<<< {line}"));
            }
            out.artifacts.push(art);
        }
        if res.missing {
            out.notes.push("`ip` not found on the safe PATH".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(stdout: &str, stderr: &str, code: Option<i32>) -> CommandOutput {
        CommandOutput {
            stdout: stdout.into(),
            stderr: stderr.into(),
            exit_code: code,
            ..Default::default()
        }
    }

    #[test]
    fn splits_endpoints_from_the_limits_line() {
        let p = split(&res(
            "10.0.0.1 id 3 signal \n10.0.0.2 id 4 subflow backup dev lo \nadd_addr_accepted 0 subflows 2 \n",
            "",
            Some(0),
        ));
        assert_eq!(
            p[0].stdout,
            "10.0.0.1 id 3 signal \n10.0.0.2 id 4 subflow backup dev lo \n"
        );
        assert_eq!(p[1].stdout, "add_addr_accepted 0 subflows 2 \n");
        assert_eq!((p[0].exit_code, p[1].exit_code), (Some(0), Some(0)));
        // No endpoints: an empty first part.
        let p = split(&res("add_addr_accepted 0 subflows 2 \n", "", Some(0)));
        assert_eq!(
            (p[0].stdout.as_str(), p[1].stdout.as_str()),
            ("", "add_addr_accepted 0 subflows 2 \n")
        );
    }

    #[test]
    fn attributes_errors_by_the_command_failed_lines() {
        let p = split(&res(
            "add_addr_accepted 0 subflows 2 \n",
            "Error: permission denied\nCommand failed -:1\n",
            Some(1),
        ));
        assert_eq!(p[0].exit_code, Some(1));
        assert_eq!(p[0].stderr, "Error: permission denied\n");
        assert_eq!((p[1].exit_code, p[1].stderr.as_str()), (Some(0), ""));
        let p = split(&res(
            "10.0.0.1 id 1 signal \n",
            "Error: boom\nCommand failed -:2\n",
            Some(1),
        ));
        assert_eq!((p[0].exit_code, p[1].exit_code), (Some(0), Some(1)));
        assert_eq!(p[0].stdout, "10.0.0.1 id 1 signal \n");
        assert_eq!(p[1].stderr, "Error: boom\n");
    }

    #[test]
    fn a_batch_that_ended_early_marks_the_rest_not_run() {
        // iproute2 exits at once when the family is missing: no marker, nothing on stdout.
        let p = split(&res(
            "",
            "Error: mptcp_pm: genl family not found\n",
            Some(1),
        ));
        assert_eq!(p[0].exit_code, Some(1));
        assert_eq!(p[0].stderr, "Error: mptcp_pm: genl family not found\n");
        assert_eq!(p[1].exit_code, None);
        // Ended on the second line after endpoints were printed.
        let p = split(&res("10.0.0.1 id 1 signal \n", "usage\n", Some(255)));
        assert_eq!((p[0].exit_code, p[1].exit_code), (Some(0), Some(255)));
        assert_eq!(p[1].stderr, "usage\n");
    }
}

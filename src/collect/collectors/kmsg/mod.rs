//! MPTCP-related kernel messages: lines mentioning mptcp and whole WARNING/BUG/Oops splats whose call
//! trace goes through MPTCP code. Read from /dev/kmsg without ever blocking; falls back to `dmesg`,
//! then `journalctl -k` when /dev/kmsg is not readable. What is kept is filtered as the log is read
//! (kmsg_filter.rs): a large ring buffer is never held whole.
//!
//! A log that could not be read is "not collected", with each source's reason, never an empty log:
//! `journalctl -k` exits 0 when it finds no journal or may not read it ("No journal files were
//! found", "-- No entries --", the hint about other users' messages), and that says nothing about
//! the kernel's log.

pub mod filter;

use super::kmsg_filter::Extractor;
use super::{command_artifact, command_problem, Builtin, Ctx, Output, Result, Stop};
use crate::report::{Artifact, Body, Data, Entry, Facts, Format, KernelLog, Section, Source, Span};
use crate::sys::CommandOutput;
use crate::views::formats::kmsg::{ends_splat, starts_splat};

/// The spec's fallbacks when /dev/kmsg cannot be read, in order.
const FALLBACKS: [&str; 2] = ["dmesg", "journal"];

pub struct Kmsg;

/// Reads every record currently in /dev/kmsg, non-blocking, into `ex` as message texts (prefix
/// removed). Err(errno text) when it cannot be opened or read.
fn read_dev_kmsg(ex: &mut Extractor) -> std::result::Result<(), String> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open("/dev/kmsg")
        .map_err(|e| format!("/dev/kmsg: {e}"))?;
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let rec = String::from_utf8_lossy(&buf[..n]);
                // "prio,seq,usec,flags;message\n" then optional " KEY=value" continuation lines.
                let msg = rec.split_once(';').map_or(&*rec, |(_, m)| m);
                if let Some(first) = msg.lines().next() {
                    ex.push(first);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            // A record overwritten while reading: continue with the next one.
            Err(e) if e.raw_os_error() == Some(libc::EPIPE) => continue,
            Err(e) => return Err(format!("/dev/kmsg: {e}")),
        }
    }
    Ok(())
}

/// Why `journalctl -k` output that exited 0 is no evidence of the kernel log, if it is not: no
/// journal, no permission to read it, or no kernel message at all (a booted kernel always logs).
pub fn journal_problem(stdout: &str, stderr: &str) -> Option<String> {
    const SAYS: [&str; 3] = [
        "No journal files were found",
        "No journal files were opened due to insufficient permissions",
        "You are currently not seeing messages from other users and the system",
    ];
    let cmd = "`journalctl -k`";
    if let Some(s) = SAYS
        .iter()
        .find(|s| stderr.contains(*s) || stdout.contains(*s))
    {
        return Some(format!("{cmd}: {s}"));
    }
    let lines: Vec<&str> = stdout.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() || lines.iter().all(|l| l.trim() == "-- No entries --") {
        return Some(format!(
            "{cmd}: no kernel messages (the journal holds none for this boot)"
        ));
    }
    None
}

impl Builtin for Kmsg {
    fn name(&self) -> &'static str {
        "kmsg"
    }

    fn facts(&self) -> Option<Facts> {
        Some(Facts::KernelLog)
    }

    /// How many lines and splats, then the lines, shortened in the views to the latest ones with
    /// the first and the latest splats kept.
    fn present(&self, section: &Section) -> Vec<Entry> {
        let Some(k) = section.data.iter().find_map(|d| match d {
            Data::KernelLog(k) => Some(k),
            _ => None,
        }) else {
            return Vec::new();
        };
        let mut out = vec![Entry::text(format!(
            "{} MPTCP-related line(s) from {}, {} WARNING/BUG splat(s) through MPTCP code.",
            k.lines.len(),
            k.source,
            k.splats
        ))];
        // The kept lines themselves (at most a few hundred): the artifact says how much the command
        // printed, which is not these lines' size.
        if !k.lines.is_empty() {
            out.push(
                Entry::new(Body::Code {
                    text: k.lines.iter().map(|l| format!("{l}\n")).collect(),
                    format: Format::Log,
                    marks: splat_spans(&k.lines),
                })
                .counted_as("lines")
                .all_in(section.artifacts.first().map(|a| a.name.as_str())),
            );
        }
        out
    }

    fn collect(&self, ctx: &Ctx, out: &mut Output) -> Result {
        let mut source = String::new();
        let mut all = None;
        // The command the lines came from, when not /dev/kmsg.
        let mut from_command = None;
        if ctx.fs().kernel_is_live() {
            let mut ex = Extractor::default();
            match read_dev_kmsg(&mut ex) {
                Ok(()) => {
                    source = "/dev/kmsg".into();
                    all = Some(ex);
                }
                Err(e) => out.notes.push(e),
            }
        }
        if all.is_none() && ctx.env.live() {
            for id in FALLBACKS {
                let mut kept = Output::default();
                // Only the MPTCP-related lines are kept (below), not the whole log.
                let res = ctx.run_declared(id, &[], &mut kept);
                out.notes.append(&mut kept.notes);
                let argv = ctx.argv_of(id);
                let problem = command_problem(&argv, &res).or_else(|| {
                    (id == "journal")
                        .then(|| journal_problem(&res.stdout, &res.stderr))
                        .flatten()
                });
                match problem {
                    None => {
                        source = argv.join(" ");
                        let mut ex = Extractor::default();
                        res.stdout.lines().for_each(|l| ex.push(l));
                        all = Some(ex);
                        let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
                        from_command = Some((argv, res));
                        break;
                    }
                    Some(p) => out.notes.push(p),
                }
            }
        }
        let Some(all) = all else {
            let mut why = std::mem::take(&mut out.notes);
            if why.is_empty() {
                why.push(
                    "/dev/kmsg is read only on the live system, and no command output was given"
                        .into(),
                );
            }
            // Without root the summary adds how to get it (render::privilege).
            return Err(Stop::Skipped(format!(
                "kernel log not readable: {}",
                why.join("; ")
            )));
        };
        let (lines, splats) = all.finish();
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let name = "kernel_log_mptcp.txt".to_string();
        out.artifacts.push(match from_command {
            // Only the MPTCP-related lines are kept; the manifest still says which command gave them.
            Some((argv, res)) => {
                let kept = CommandOutput {
                    stdout: text,
                    ..res
                };
                command_artifact(name, &argv, &kept)
            }
            None => Artifact {
                name,
                source: Source::File {
                    path: source.clone(),
                },
                original_size: text.len() as u64,
                content: text,
                truncated: false,
                spool: None,
                in_raw: false,
            },
        });
        out.data.push(Data::KernelLog(KernelLog {
            source,
            lines,
            splats,
        }));
        Ok(())
    }
}

/// Where each WARNING/BUG splat is among the kept lines (a "cut here" line starts the splat its
/// WARNING line continues; "---[ end trace" ends it).
pub fn splat_spans(lines: &[String]) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !starts_splat(&lines[i]) {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        while i < lines.len()
            && !ends_splat(&lines[i])
            && !(starts_splat(&lines[i]) && i > start + 1)
        {
            i += 1;
        }
        if i < lines.len() && ends_splat(&lines[i]) {
            i += 1;
        }
        spans.push(Span { start, end: i });
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_or_unreadable_journal_is_no_evidence() {
        let p = |o: &str, e: &str| journal_problem(o, e);
        assert!(p("-- No entries --\n", "No journal files were found.\n")
            .unwrap()
            .contains("No journal files were found"));
        assert!(p("-- No entries --\n", "")
            .unwrap()
            .contains("no kernel messages"));
        assert!(p("", "").is_some());
        let hint = "Hint: You are currently not seeing messages from other users and the system.\n      Users in groups 'adm', 'systemd-journal' can see all messages.\n";
        assert!(p("-- No entries --\n", hint)
            .unwrap()
            .contains("not seeing messages"));
        assert!(p(
            "",
            "No journal files were opened due to insufficient permissions.\n"
        )
        .unwrap()
        .contains("insufficient permissions"));
        assert_eq!(p("Nov 29 host kernel: Linux version 6.18\n", ""), None);
    }
}

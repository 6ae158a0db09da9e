//! MPTCP-related kernel messages: lines mentioning mptcp and whole WARNING/BUG/Oops splats whose call
//! trace goes through MPTCP code. Read from /dev/kmsg without ever blocking; falls back to `dmesg`,
//! then `journalctl -k` when /dev/kmsg is not readable.
//!
//! A log that could not be read is "not collected", with each source's reason, never an empty log:
//! `journalctl -k` exits 0 when it finds no journal or may not read it ("No journal files were
//! found", "-- No entries --", the hint about other users' messages), and that says nothing about
//! the kernel's log.

use super::{command_artifact, command_problem, Builtin, Ctx, Output, Result, Stop};
use crate::report::{Artifact, Data, KernelLog, Source};
use crate::system::CommandOutput;

pub struct Kmsg;

/// At most this many matching lines are kept (the most recent).
pub const MAX_LINES: usize = 200;

/// Reads every record currently in /dev/kmsg, non-blocking, as message texts (prefix removed).
/// Err(errno text) when it cannot be opened or read.
fn read_dev_kmsg() -> std::result::Result<Vec<String>, String> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open("/dev/kmsg")
        .map_err(|e| format!("/dev/kmsg: {e}"))?;
    let mut lines = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let rec = String::from_utf8_lossy(&buf[..n]);
                // "prio,seq,usec,flags;message\n" then optional " KEY=value" continuation lines.
                let msg = rec.split_once(';').map_or(&*rec, |(_, m)| m);
                if let Some(first) = msg.lines().next() {
                    lines.push(first.to_string());
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            // A record overwritten while reading: continue with the next one.
            Err(e) if e.raw_os_error() == Some(libc::EPIPE) => continue,
            Err(e) => return Err(format!("/dev/kmsg: {e}")),
        }
    }
    Ok(lines)
}

/// Strips a `[   12.345678] ` dmesg timestamp so splat markers are found at the start.
fn body(line: &str) -> &str {
    let t = line.trim_start();
    if t.starts_with('[') {
        if let Some(i) = t.find("] ") {
            return &t[i + 2..];
        }
    }
    t
}

fn starts_splat(line: &str) -> bool {
    let b = body(line);
    b.starts_with("WARNING:")
        || b.starts_with("BUG:")
        || b.starts_with("Oops")
        || b.starts_with("kernel BUG at")
        || b.starts_with("------------[ cut here ]")
}

fn ends_splat(line: &str) -> bool {
    let b = body(line);
    b.starts_with("---[ end trace")
}

/// Keeps mptcp lines and whole splats mentioning mptcp; returns (lines, number of such splats).
pub fn extract(all: &[String]) -> (Vec<String>, usize) {
    let mut kept = Vec::new();
    let mut splats = 0;
    let mut i = 0;
    while i < all.len() {
        if starts_splat(&all[i]) {
            let start = i;
            i += 1;
            // A "cut here" line is followed by the WARNING line itself: same splat.
            while i < all.len() && !ends_splat(&all[i]) && !(starts_splat(&all[i]) && i > start + 1)
            {
                i += 1;
            }
            let end = if i < all.len() && ends_splat(&all[i]) {
                i + 1
            } else {
                i
            };
            let block = &all[start..end];
            if block
                .iter()
                .any(|l| l.to_ascii_lowercase().contains("mptcp"))
            {
                kept.extend(block.iter().cloned());
                splats += 1;
            }
            i = end;
        } else {
            if all[i].to_ascii_lowercase().contains("mptcp") {
                kept.push(all[i].clone());
            }
            i += 1;
        }
    }
    if kept.len() > MAX_LINES {
        kept.drain(..kept.len() - MAX_LINES);
    }
    (kept, splats)
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

    fn collect(&self, ctx: &Ctx, out: &mut Output) -> Result {
        let mut source = String::new();
        let mut all = None;
        // The command the lines came from, when not /dev/kmsg.
        let mut from_command = None;
        if ctx.fs().kernel_is_live() {
            match read_dev_kmsg() {
                Ok(l) => {
                    source = "/dev/kmsg".into();
                    all = Some(l);
                }
                Err(e) => out.notes.push(e),
            }
        }
        if all.is_none() && ctx.env.live {
            for argv in [
                &["dmesg"][..],
                &["journalctl", "-k", "-n", "2000", "--no-pager"],
            ] {
                let res = ctx.run(argv);
                let problem = command_problem(argv, &res).or_else(|| {
                    (argv[0] == "journalctl")
                        .then(|| journal_problem(&res.stdout, &res.stderr))
                        .flatten()
                });
                match problem {
                    None => {
                        source = argv.join(" ");
                        all = Some(res.stdout.lines().map(String::from).collect());
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
        let (lines, splats) = extract(&all);
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let name = "kernel_log_mptcp.txt".to_string();
        out.artifacts.push(match from_command {
            // Only the MPTCP-related lines are kept; the manifest still says which command gave them.
            Some((argv, res)) => {
                let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
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

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "\
[    1.000000] Linux version 6.18.0
[    2.000000] MPTCP token hash table entries: 8192 (order: 5, 196608 bytes, linear)
[   10.000000] ------------[ cut here ]------------
[   10.000001] WARNING: CPU: 1 PID: 42 at net/mptcp/protocol.c:1234 __mptcp_clean_una+0x1a/0x200
[   10.000002] Modules linked in: veth
[   10.000003] Call Trace:
[   10.000004]  <TASK>
[   10.000005]  mptcp_sendmsg+0x3ab/0x7c0
[   10.000006]  __sys_sendto+0x10d/0x170
[   10.000007]  </TASK>
[   10.000008] ---[ end trace 0000000000000000 ]---
[   11.000000] e1000: eth0 NIC Link is Up
[   12.000000] ------------[ cut here ]------------
[   12.000001] WARNING: CPU: 0 PID: 7 at net/ipv4/tcp.c:99 tcp_foo+0x1/0x2
[   12.000002] Call Trace:
[   12.000003]  tcp_sendmsg+0x1/0x2
[   12.000004] ---[ end trace 0000000000000001 ]---
[   13.000000] MPTCP: subflow reset, unexpected mptcp option
[   14.000000] BUG: kernel NULL pointer dereference, address: 0000000000000008
[   14.000001] RIP: 0010:subflow_data_ready+0x20/0x90
[   14.000002] Call Trace:
[   14.000003]  mptcp_incoming_options+0x44/0x100
[   14.000004] ---[ end trace 0000000000000002 ]---
";

    #[test]
    fn keeps_mptcp_lines_and_mptcp_splats_only() {
        let all: Vec<String> = LOG.lines().map(String::from).collect();
        let (lines, splats) = extract(&all);
        assert_eq!(splats, 2);
        assert!(lines[0].contains("MPTCP token hash"));
        assert!(lines[1].contains("cut here"));
        assert!(lines.iter().any(|l| l.contains("mptcp_sendmsg")));
        assert!(lines.iter().any(|l| l.contains("Modules linked in")));
        assert!(!lines
            .iter()
            .any(|l| l.contains("tcp_foo") || l.contains("]  tcp_sendmsg")));
        assert!(!lines.iter().any(|l| l.contains("e1000")));
        assert!(lines.iter().any(|l| l.contains("subflow reset")));
        assert!(lines.iter().any(|l| l.contains("subflow_data_ready")));
        assert_eq!(lines.len(), 9 + 1 + 1 + 5);
    }

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

    #[test]
    fn keeps_only_the_last_lines() {
        let all: Vec<String> = (0..500).map(|i| format!("mptcp line {i}")).collect();
        let (lines, _) = extract(&all);
        assert_eq!(lines.len(), MAX_LINES);
        assert_eq!(lines.last().unwrap(), "mptcp line 499");
    }
}

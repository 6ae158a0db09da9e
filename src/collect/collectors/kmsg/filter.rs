//! The MPTCP part of a kernel log, kept as the log streams past: lines mentioning mptcp (the latest
//! `MAX_LINES`) and whole WARNING/BUG/Oops splats whose trace goes through MPTCP code (the first and
//! the latest ones, `MAX_SPLAT_LINES` in all), in log order. Memory holds only what is kept and the
//! splat being read, however long the log: the ring buffer is never copied whole.

use crate::views::formats::kmsg::{ends_splat, starts_splat};
use std::collections::VecDeque;

/// At most this many plain MPTCP lines are kept (the most recent).
pub const MAX_LINES: usize = 200;
/// At most about this many lines of MPTCP splats are kept: the first splat, then the latest ones.
pub const MAX_SPLAT_LINES: usize = 400;
/// A splat without an end marker is closed after this many lines.
const SPLAT_MAX: usize = 300;

fn mentions_mptcp(line: &str) -> bool {
    let b = line.as_bytes();
    // Only where an m starts (lowercased by its 0x20 bit): most lines have few.
    (0..b.len().saturating_sub(4))
        .any(|i| b[i] | 0x20 == b'm' && b[i..i + 5].eq_ignore_ascii_case(b"mptcp"))
}

/// Feed it the log line by line (`push`), then `finish`.
#[derive(Default)]
pub struct Extractor {
    /// Lines seen so far: the order of what is kept.
    seq: usize,
    lines: VecDeque<(usize, String)>,
    splats: Vec<(usize, Vec<String>)>,
    splat_lines: usize,
    /// Splats through MPTCP code seen, kept or not.
    count: usize,
    /// The splat being read, from its line number.
    open: Option<(usize, Vec<String>)>,
}

impl Extractor {
    /// The next line of the log (copied only when kept).
    pub fn push(&mut self, line: &str) {
        self.seq += 1;
        if let Some((_, block)) = &mut self.open {
            // A "cut here" line is followed by the WARNING line itself: same splat.
            if starts_splat(line) && block.len() > 1 {
                self.close();
            } else {
                let end = ends_splat(line);
                block.push(line.to_string());
                if end || block.len() >= SPLAT_MAX {
                    self.close();
                }
                return;
            }
        }
        if starts_splat(line) {
            self.open = Some((self.seq, vec![line.to_string()]));
        } else if mentions_mptcp(line) {
            self.lines.push_back((self.seq, line.to_string()));
            if self.lines.len() > MAX_LINES {
                self.lines.pop_front();
            }
        }
    }

    fn close(&mut self) {
        let Some((at, block)) = self.open.take() else {
            return;
        };
        if !block.iter().any(|l| mentions_mptcp(l)) {
            return;
        }
        self.count += 1;
        self.splat_lines += block.len();
        self.splats.push((at, block));
        // Keep the first splat and the latest ones.
        while self.splat_lines > MAX_SPLAT_LINES && self.splats.len() > 2 {
            self.splat_lines -= self.splats.remove(1).1.len();
        }
    }

    /// The kept lines in log order, and the number of splats through MPTCP code.
    pub fn finish(mut self) -> (Vec<String>, usize) {
        self.close();
        let mut items: Vec<(usize, Vec<String>)> = self.splats;
        items.extend(self.lines.into_iter().map(|(at, l)| (at, vec![l])));
        items.sort_by_key(|(at, _)| *at);
        (items.into_iter().flat_map(|(_, l)| l).collect(), self.count)
    }
}

/// `Extractor` over a whole log.
pub fn extract(all: &[String]) -> (Vec<String>, usize) {
    let mut ex = Extractor::default();
    for l in all {
        ex.push(l);
    }
    ex.finish()
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
    fn mptcp_is_found_in_any_case_anywhere() {
        for line in [
            "mptcp",
            "x MPTCP: y",
            "subflow (MpTcP)",
            "...mptcp_sendmsg+0x1",
            "mmptcp",
        ] {
            assert!(mentions_mptcp(line), "{line}");
        }
        for line in ["", "mptc", "m p t c p", "tcp: mptc p", "MPTC"] {
            assert!(!mentions_mptcp(line), "{line}");
        }
    }

    #[test]
    fn keeps_only_the_last_lines() {
        let all: Vec<String> = (0..500).map(|i| format!("mptcp line {i}")).collect();
        let (lines, _) = extract(&all);
        assert_eq!(lines.len(), MAX_LINES);
        assert_eq!(lines.last().unwrap(), "mptcp line 499");
    }

    #[test]
    fn an_old_splat_outlives_later_lines_and_the_latest_splats_are_kept() {
        // Ten lines each: 101 of them are more than the splat budget.
        let splat = |n: usize| {
            let mut s = vec![
                format!("[{n}] ------------[ cut here ]------------"),
                format!("[{n}] WARNING: CPU: 0 PID: {n} at net/mptcp/subflow.c:1 x"),
            ];
            s.extend((0..7).map(|i| format!("[{n}]  frame_{i}+0x1/0x2")));
            s.push(format!("[{n}] ---[ end trace {n} ]---"));
            s
        };
        let mut all = splat(0);
        for i in 0..1000 {
            all.push(format!("mptcp line {i}"));
            if i % 10 == 0 {
                all.extend(splat(i + 1));
            }
        }
        let (lines, splats) = extract(&all);
        assert_eq!(splats, 101);
        // The very first splat, the latest ones within the splat budget, the latest 200 lines.
        assert!(lines[0].contains("cut here") && lines[1].contains("PID: 0 "));
        assert!(lines.iter().any(|l| l.contains("PID: 991 ")));
        assert!(!lines.iter().any(|l| l.contains("PID: 11 ")));
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("mptcp line")).count(),
            MAX_LINES
        );
        assert!(lines.len() <= MAX_LINES + MAX_SPLAT_LINES + 3);
        // In log order.
        assert!(lines.last().unwrap() == "mptcp line 999");
    }
}

//! The report's own vocabulary: words that name things in MPTCP, iproute2, the kernel and this tool.
//! A host or user called `mptcp`, `signal`, `client` or `ok` identifies nobody, and replacing that word
//! in free text would wreck the evidence (`id 2 signal dev eth0`, `net.mptcp.enabled`). Such a name is
//! replaced only in the fields that *are* the name (node name, host-name files, the host column of log
//! lines, `user@host`), never in free text.
//!
//! The words come from a fixed list and from the report itself: collector names and descriptions,
//! command lines, sysctl keys, counter names, kernel config symbols, interface names and flags, the
//! kernel's release, version and machine, and the distribution's os-release fields.

use crate::report::{Data, Report, Source};
use std::collections::HashSet;

/// Words of MPTCP, iproute2, ss, nstat, the kernel log and this tool's own output.
const WORDS: &[&str] = &[
    // this tool and its report
    "mptcp",
    "mptcpd",
    "debug",
    "get",
    "report",
    "summary",
    "collect",
    "reproduce",
    "client",
    "server",
    "ok",
    "file",
    "command",
    "skipped",
    "failed",
    "timed",
    "out",
    "error",
    "warning",
    "info",
    "problem",
    "unknown",
    "none",
    "true",
    "false",
    "yes",
    "no",
    "on",
    "off",
    "enabled",
    "disabled",
    "default",
    "fallback",
    "unsupported",
    "redacted",
    "host",
    "user",
    "domain",
    "connection",
    "raw",
    "archive",
    "manifest",
    "section",
    "kernel",
    "system",
    "linux",
    "gnu",
    "localhost",
    "local",
    "root",
    "test",
    "selftest",
    "check",
    "version",
    "data",
    "source",
    // iproute2 / ss / nstat vocabulary
    "ip",
    "ss",
    "nstat",
    "sysctl",
    "uname",
    "endpoint",
    "limits",
    "monitor",
    "show",
    "id",
    "dev",
    "port",
    "signal",
    "subflow",
    "subflows",
    "backup",
    "fullmesh",
    "implicit",
    "laminar",
    "add",
    "accepted",
    "estab",
    "listen",
    "unconn",
    "closed",
    "established",
    "created",
    "announced",
    "removed",
    "priority",
    "token",
    "flags",
    "state",
    "inet",
    "inet6",
    "link",
    "ether",
    "loopback",
    "lo",
    "up",
    "down",
    "dormant",
    "lower",
    "broadcast",
    "multicast",
    "noarp",
    "mtu",
    "qdisc",
    "noqueue",
    "fq",
    "codel",
    "pfifo",
    "group",
    "qlen",
    "scope",
    "global",
    "via",
    "proto",
    "metric",
    "table",
    "main",
    "from",
    "to",
    "all",
    "lookup",
    "src",
    "blackhole",
    "unreachable",
    "prohibit",
    "throw",
    "valid",
    "lft",
    "preferred",
    "forever",
    "dynamic",
    "permanent",
    "tentative",
    "tcp",
    "udp",
    "ulp",
    "rtt",
    "cwnd",
    "send",
    "recv",
    "wscale",
    "cubic",
    "bbr",
    "reno",
    "net",
    "ipv4",
    "ipv6",
    "conf",
    "core",
    "vm",
    "fs",
    "abi",
    // kernel log
    "bug",
    "rip",
    "call",
    "trace",
    "tainted",
    "hardware",
    "name",
    "modules",
    "linked",
    // network manager / mptcpd
    "networkmanager",
    "nmcli",
    "ethernet",
    "wifi",
    "vpn",
    "wireguard",
    "bridge",
    "bond",
    "team",
    "vlan",
    "manual",
    "auto",
    "dhcp",
    "userspace",
    "netlink",
    "plugins",
    "sspi",
    "addr",
    // distributions (os-release ids) and installer default host names
    "debian",
    "ubuntu",
    "fedora",
    "rhel",
    "centos",
    "rocky",
    "almalinux",
    "alma",
    "arch",
    "archlinux",
    "manjaro",
    "opensuse",
    "suse",
    "sles",
    "gentoo",
    "alpine",
    "nixos",
    "kali",
    "raspberrypi",
    "raspbian",
    "pop",
    "mint",
    "void",
    "amzn",
    "ol",
    "coreos",
    "openwrt",
    "localdomain",
    "lan",
    "home",
    "internal",
];

pub struct Vocabulary {
    words: HashSet<String>,
}

impl Vocabulary {
    /// The fixed words, and every word found in the vocabulary fields of `report`.
    pub fn of(report: &Report) -> Vocabulary {
        let mut v = Vocabulary::fixed();
        v.add_words(&report.tool.name);
        v.add_words(report.meta.mode.as_str());
        for s in &report.sections {
            v.add_words(&s.collector);
            v.add_words(&s.description);
            for a in &s.artifacts {
                if let Source::Command { argv, .. } = &a.source {
                    argv.iter().for_each(|w| v.add_words(w));
                }
            }
            for d in &s.data {
                v.add_data(d);
            }
        }
        v
    }

    fn add_data(&mut self, d: &Data) {
        match d {
            Data::Sysctls(list) => list.iter().for_each(|s| self.add_words(&s.name)),
            Data::Mib(m) => {
                for (g, cs) in &m.groups {
                    self.add_words(g);
                    cs.iter().for_each(|c| self.add_words(&c.name));
                }
            }
            Data::KernelConfig(k) => k.symbols.keys().for_each(|s| self.add_words(s)),
            Data::Interfaces(i) => {
                for l in &i.links {
                    self.add_words(&l.name);
                    self.add_words(&l.state);
                    l.flags.iter().for_each(|f| self.add_words(f));
                }
            }
            Data::Endpoints(es) => es
                .iter()
                .filter_map(|e| e.dev.as_deref())
                .for_each(|n| self.add_words(n)),
            Data::Distro(dist) => {
                for (k, v) in &dist.fields {
                    self.add_words(k);
                    self.add_words(v.trim_matches('"'));
                }
            }
            Data::Kernel(k) => {
                for f in [&k.sysname, &k.release, &k.version, &k.machine] {
                    self.add_words(f);
                }
                k.taint_flags.iter().for_each(|f| self.add_words(f));
            }
            Data::Mptcpd(m) => m.config.keys().for_each(|k| self.add_words(k)),
            _ => {}
        }
    }

    /// The fixed words only.
    pub fn fixed() -> Vocabulary {
        Vocabulary {
            words: WORDS.iter().map(|w| w.to_string()).collect(),
        }
    }

    /// Adds `text` whole and each of its words (split at anything but letters and digits).
    fn add_words(&mut self, text: &str) {
        let t = text.trim().to_lowercase();
        if t.is_empty() {
            return;
        }
        // Words between any punctuation (`add`, `addr`, `timeout`), and the pieces of dotted keys and
        // paths (`add_addr_timeout`, `mptcp-flags`).
        let pieces = t
            .split(|c: char| !c.is_alphanumeric())
            .chain(t.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-')));
        for w in pieces {
            if !w.is_empty() {
                self.words.insert(w.to_string());
            }
        }
        self.words.insert(t);
    }

    /// A name that identifies nobody in free text: a vocabulary word, a single character, or only
    /// digits.
    pub fn contains(&self, name: &str) -> bool {
        let n = name.trim().to_lowercase();
        n.chars().count() < 2 || n.chars().all(|c| c.is_ascii_digit()) || self.words.contains(&n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_and_learned_words() {
        let mut v = Vocabulary::fixed();
        v.add_words("net.mptcp.add_addr_timeout");
        for w in [
            "mptcp",
            "MPTCP",
            "signal",
            "ok",
            "timeout",
            "add_addr_timeout",
            "1234",
        ] {
            assert!(v.contains(w), "{w}");
        }
        for w in ["laptop", "alice", "srv-01", "ünïcode"] {
            assert!(!v.contains(w), "{w}");
        }
    }
}

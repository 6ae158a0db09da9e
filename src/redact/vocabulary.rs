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

/// The vocabulary fields' texts, kept as they are (trimmed, lowercased) rather than split into a set
/// of words: the set cost a hash and an allocation per word of every counter, sysctl and kernel
/// config symbol on each run, to answer `contains` for the few names a run learns. A name is looked
/// for in these texts instead, with the same answer.
pub struct Vocabulary {
    /// Every field, trimmed and lowercased, one after the other.
    text: String,
    /// Where each field is in `text`.
    fields: Vec<(usize, usize)>,
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
            text: String::new(),
            fields: Vec::new(),
        }
    }

    /// Adds `text` whole and each of its words: the pieces between any punctuation (`add`, `addr`,
    /// `timeout`), and the pieces of dotted keys and paths (`add_addr_timeout`, `mptcp-flags`).
    fn add_words(&mut self, text: &str) {
        let t = text.trim();
        if t.is_empty() {
            return;
        }
        let start = self.text.len();
        if t.is_ascii() {
            self.text.push_str(t);
            self.text[start..].make_ascii_lowercase();
        } else {
            // Not char by char: a final sigma lowercases differently at the end of a word.
            self.text.push_str(&t.to_lowercase());
        }
        self.fields.push((start, self.text.len()));
        self.text.push(SEPARATOR);
    }

    /// A name that identifies nobody in free text: a vocabulary word, a single character, or only
    /// digits.
    pub fn contains(&self, name: &str) -> bool {
        let n = name.trim().to_lowercase();
        if n.chars().count() < 2 || n.chars().all(|c| c.is_ascii_digit()) || WORDS.contains(&&*n) {
            return true;
        }
        if n.contains(SEPARATOR) {
            // Could span two fields in `text`: field by field.
            return self.fields.iter().any(|&(s, e)| {
                let field = &self.text[s..e];
                field
                    .match_indices(n.as_str())
                    .any(|(at, _)| is_word_at(field, at, &n))
            });
        }
        // One search over every field: a match lies inside one field (the separator is not in the
        // name), and a match that counts is never hidden by an overlapping earlier one (that one
        // would end in a character of the name right before it, a character the word cannot have
        // next to it).
        self.text.match_indices(n.as_str()).any(|(i, _)| {
            let f = self.fields.partition_point(|&(s, _)| s <= i) - 1;
            let (s, e) = self.fields[f];
            is_word_at(&self.text[s..e], i - s, &n)
        })
    }
}

/// Between fields in `Vocabulary::text`.
const SEPARATOR: char = '\0';

/// Whether `n`, found at `at` in `field`, is the field whole or one of its pieces: a run of
/// alphanumerics, or of alphanumerics, `_` and `-`, with none of them on either side.
fn is_word_at(field: &str, at: usize, n: &str) -> bool {
    if field.len() == n.len() {
        return true;
    }
    let word = |c: char| c.is_alphanumeric();
    let dotted = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    let piece = |keep: &dyn Fn(char) -> bool| {
        n.chars().all(keep)
            && !field[..at].chars().next_back().is_some_and(keep)
            && !field[at + n.len()..].chars().next().is_some_and(keep)
    };
    piece(&word) || piece(&dotted)
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

    /// What the vocabulary held when it was a set of every word: each field whole, and its pieces
    /// split at non-alphanumerics and at characters other than alphanumerics, `_` and `-`.
    fn as_set(fields: &[&str]) -> std::collections::HashSet<String> {
        let mut words: std::collections::HashSet<String> =
            WORDS.iter().map(|w| w.to_string()).collect();
        for f in fields {
            let t = f.trim().to_lowercase();
            if t.is_empty() {
                continue;
            }
            let pieces = t
                .split(|c: char| !c.is_alphanumeric())
                .chain(t.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-')));
            words.extend(pieces.filter(|w| !w.is_empty()).map(str::to_string));
            words.insert(t);
        }
        words
    }

    #[test]
    fn the_same_answers_as_a_set_of_every_word() {
        let fields = [
            "net.mptcp.add_addr_timeout",
            " Debian GNU/Linux 12 (bookworm) ",
            "/usr/sbin/ip -batch -",
            "MPTcpExtMPCapableSYNRX",
            "CONFIG_MPTCP_IPV6",
            "eth0",
            "wlp2s0-ΣΑΣ",
            "ÅSA srv-01.lan",
            "aaa",
            "a.b-c_d e",
        ];
        let mut v = Vocabulary::fixed();
        fields.iter().for_each(|f| v.add_words(f));
        let set = as_set(&fields);
        let mut names: Vec<String> = set.iter().cloned().collect();
        names.extend(
            [
                "aa",
                "ad",
                "add_addr",
                "addr_timeout",
                "sbin/ip",
                "srv",
                "srv-01",
                "srv-01.lan",
                "01.lan",
                "Σας",
                "σας",
                "ςας",
                "wlp2s0-σας",
                "åsa",
                "ÅSA",
                "b-c",
                "c_d",
                "d e",
                "a.b-c_d e",
                "laptop",
                "bookworm)",
                "(bookworm)",
                "12 (bookworm)",
                "-batch",
            ]
            .map(String::from),
        );
        for n in names {
            let want = {
                let t = n.trim().to_lowercase();
                t.chars().count() < 2 || t.chars().all(|c| c.is_ascii_digit()) || set.contains(&t)
            };
            assert_eq!(v.contains(&n), want, "{n:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn the_same_answers_for_any_fields(
            fields in proptest::collection::vec("[abAB_.\\- Σσς0-9\\x00]{0,8}", 0..5),
            name in "[abAB_.\\- Σσς0-9\\x00]{0,6}",
        ) {
            let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
            let mut v = Vocabulary::fixed();
            fields.iter().for_each(|f| v.add_words(f));
            let t = name.trim().to_lowercase();
            let want = t.chars().count() < 2
                || t.chars().all(|c| c.is_ascii_digit())
                || as_set(&fields).contains(&t);
            proptest::prop_assert_eq!(v.contains(&name), want);
        }
    }
}

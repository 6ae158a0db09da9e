//! nstat's view of the kernel counters, without running nstat: the /proc/net files parsed the way
//! iproute2 6.1's nstat parses them (names from the header lines, values matched from the right,
//! negative values wrapped like strtoull, the "useless numbers" dropped), in nstat's order, and
//! rendered byte for byte like `nstat -zas` (and like `nstat` after `nstat -n` for a window's
//! increments).
//!
//! Why not procfs-core: its `Snmp` and `Snmp6` are structs of fixed fields, filled from a hash map,
//! so they lose the file's order (which nstat's output keeps) and every counter they do not name (a
//! newer kernel's; MPTcpExt lives in /proc/net/netstat, which it does not parse at all), and they fail
//! on a whole file when one expected counter is missing (an older kernel's). Matching `nstat -zas`
//! byte for byte needs every name and value as written, in order, which this parser keeps.

use crate::report::Counter;

/// Counters nstat never shows (configuration values, not counters).
const USELESS: &[&str] = &[
    "IpForwarding",
    "IpDefaultTTL",
    "TcpRtoAlgorithm",
    "TcpRtoMin",
    "TcpRtoMax",
    "TcpMaxConn",
    "TcpCurrEstab",
];

/// The files nstat reads, relative to /proc, in the order their counters are listed.
pub const FILES: &[(&str, Table)] = &[
    ("/proc/net/sctp/snmp", Table::Good),
    ("/proc/net/snmp", Table::Ugly),
    ("/proc/net/snmp6", Table::Good),
    ("/proc/net/netstat", Table::Ugly),
];

/// The two layouts: "ugly" (`Group: names` then `Group: values`) and "good" (`Name value` lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Ugly,
    Good,
}

/// A value as `sscanf("%llu")` reads it: leading blanks, an optional sign (a minus wraps around),
/// digits; None when there are no digits.
fn strtoull(s: &str) -> Option<u64> {
    let s = s.trim_start();
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let end = digits
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len());
    if end == 0 {
        return None;
    }
    // strtoull saturates on overflow.
    let v = digits[..end].parse::<u64>().unwrap_or(u64::MAX);
    Some(if neg { v.wrapping_neg() } else { v })
}

/// Parses a `Group: names` / `Group: values` file (/proc/net/snmp, /proc/net/netstat) into nstat
/// ids (`Group` + name) in file order.
pub fn parse_ugly(text: &str) -> Result<Vec<Counter>, String> {
    let mut out = Vec::new();
    let mut lines = text.split_inclusive('\n');
    while let Some(header) = lines.next() {
        let colon = header
            .find(':')
            .ok_or_else(|| format!("line without a group: {:?}", header.trim_end()))?;
        let group = &header[..colon];
        let names: Vec<&str> = header
            .get(colon + 2..)
            .unwrap_or("")
            .trim_end_matches('\n')
            .split(' ')
            .collect();
        let values = lines
            .next()
            .ok_or_else(|| format!("{group}: header without a values line"))?;
        let spaces = |l: &str| l.bytes().filter(|&b| b == b' ' || b == b'\n').count();
        // More values than names: the extra trailing ones are folded into the last name (nstat's
        // trick for a dummy trailing ICMP MIB of Linux 2.4).
        let mut skip = spaces(values).saturating_sub(spaces(header));
        let mut vals = vec![None; names.len()];
        let mut n = names.len();
        let mut rest = values.trim_end_matches('\n');
        loop {
            let sp = rest
                .rfind(' ')
                .ok_or_else(|| format!("{group}: malformed values line"))?;
            let v = strtoull(&rest[sp + 1..])
                .ok_or_else(|| format!("{group}: {:?} is not a number", &rest[sp + 1..]))?;
            if n == 0 {
                return Err(format!("{group}: more values than names"));
            }
            vals[n - 1] = Some(v);
            if skip > 0 {
                skip -= 1;
            } else {
                n -= 1;
            }
            rest = &rest[..sp];
            if sp <= colon + 2 {
                break;
            }
        }
        if n > 0 {
            return Err(format!(
                "{group}: {} names but {} values",
                names.len(),
                names.len() - n
            ));
        }
        for (name, v) in names.iter().zip(vals) {
            let id = format!("{group}{name}");
            if !USELESS.contains(&id.as_str()) {
                out.push(Counter {
                    name: id,
                    value: v.unwrap_or(0),
                });
            }
        }
    }
    Ok(out)
}

/// Parses a `Name value` file (/proc/net/snmp6, /proc/net/sctp/snmp).
pub fn parse_good(text: &str) -> Result<Vec<Counter>, String> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        let mut words = line.split_ascii_whitespace();
        let (Some(id), Some(v)) = (words.next(), words.next().and_then(strtoull)) else {
            return Err(format!("malformed line {line:?}"));
        };
        if !USELESS.contains(&id) {
            out.push(Counter {
                name: id.to_string(),
                value: v,
            });
        }
    }
    Ok(out)
}

/// One line as nstat prints it: name, value, rate (always 0.0 when read from the kernel).
fn line(out: &mut String, name: &str, value: u64) {
    use std::fmt::Write;
    let _ = writeln!(out, "{name:<32}{value:<16}{:>6}", "0.0");
}

/// `nstat -zas`: every counter with its absolute value.
pub fn render_zas(counters: &[Counter]) -> String {
    let mut out = String::with_capacity(counters.len() * 55 + 8);
    out.push_str("#kernel\n");
    for c in counters {
        line(&mut out, &c.name, c.value);
    }
    out
}

/// `nstat` after `nstat -n`: the counters that moved between `before` and `after`, with their
/// increments. Like nstat, a counter unknown before shows its absolute value and one that went down
/// (wrapped or reset) counts as not moved.
pub fn render_increments(before: &[Counter], after: &[Counter]) -> String {
    let old: std::collections::HashMap<&str, u64> =
        before.iter().map(|c| (c.name.as_str(), c.value)).collect();
    let mut out = String::from("#kernel\n");
    for c in after {
        let value = match old.get(c.name.as_str()) {
            Some(&b) => c.value.saturating_sub(b),
            None => c.value,
        };
        if value != 0 {
            line(&mut out, &c.name, value);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(c: &[Counter]) -> Vec<(&str, u64)> {
        c.iter().map(|c| (c.name.as_str(), c.value)).collect()
    }

    #[test]
    fn ugly_tables_get_prefixed_ids_and_drop_useless_numbers() {
        let t = "Ip: Forwarding DefaultTTL InReceives\nIp: 1 64 7\nTcp: RtoAlgorithm MaxConn ActiveOpens\nTcp: 1 -1 3\n";
        assert_eq!(
            names(&parse_ugly(t).unwrap()),
            [("IpInReceives", 7), ("TcpActiveOpens", 3)]
        );
    }

    #[test]
    fn negative_values_wrap_like_strtoull() {
        let t = "Tcp: A B\nTcp: -1 2\n";
        assert_eq!(
            names(&parse_ugly(t).unwrap()),
            [("TcpA", u64::MAX), ("TcpB", 2)]
        );
    }

    #[test]
    fn extra_trailing_values_fold_into_the_last_name() {
        // The 2.4 "dummy trailing ICMP MIB": the last name keeps the leftmost of the extra values.
        let t = "Icmp: A B\nIcmp: 1 2 3 4\n";
        assert_eq!(names(&parse_ugly(t).unwrap()), [("IcmpA", 1), ("IcmpB", 2)]);
    }

    #[test]
    fn malformed_tables_are_errors_not_panics() {
        for t in [
            "no colon\n",
            "X: a b\n",
            "X: a b\nX: 1\n",
            "X: a\nX: b\n",
            "X: a\nX: 1 \n",
            "X:\nX:\n",
            ":\n:\n",
        ] {
            assert!(parse_ugly(t).is_err(), "{t:?}");
        }
        assert!(parse_good("Ip6InReceives\n").is_err());
        assert!(parse_good("\n").is_err());
    }

    #[test]
    fn good_tables() {
        let t = "Ip6InReceives                   \t1\nIp6InHdrErrors                  \t0\n";
        assert_eq!(
            names(&parse_good(t).unwrap()),
            [("Ip6InReceives", 1), ("Ip6InHdrErrors", 0)]
        );
    }

    #[test]
    fn renders_like_nstat() {
        let c = vec![
            Counter {
                name: "MPTcpExtMPCapableSYNRX".into(),
                value: 1,
            },
            Counter {
                name: "TcpExtTCPAbortOnMemoryWithAVeryLongName".into(),
                value: 12345678901234567890,
            },
        ];
        assert_eq!(
            render_zas(&c),
            "#kernel\nMPTcpExtMPCapableSYNRX          1                  0.0\nTcpExtTCPAbortOnMemoryWithAVeryLongName12345678901234567890   0.0\n"
        );
    }

    #[test]
    fn increments_show_only_what_moved() {
        let c = |n: &str, v: u64| Counter {
            name: n.into(),
            value: v,
        };
        let before = [c("A", 1), c("B", 5), c("C", 9)];
        let after = [c("A", 1), c("B", 7), c("C", 3), c("D", 2)];
        assert_eq!(
            render_increments(&before, &after),
            "#kernel\nB                               2                  0.0\nD                               2                  0.0\n"
        );
    }
}

//! Facts several rules derive from the same data: what the host did (connections it opened and
//! accepted, without the traces of this tool's own self-test), which addresses it has, its open MPTCP
//! connections, and counters. Each returns None when the data behind it was not collected, so a rule
//! built on them says nothing rather than guessing.

use crate::report::{Endpoint, Interfaces, Report, Role};
use std::collections::HashSet;
use std::net::IpAddr;

/// The most loopback connections attributed to earlier self-tests. Each earlier run of the self-test
/// in a namespace left one MPTCP connection over 127.0.0.1 there: one MPCapableSYNTX and
/// MPCapableSYNACKRX on its client side, one MPCapableSYNRX and MPCapableACKRX on its server side.
/// A host that only serves then looks like it also initiated, and a client like it also accepted.
/// The self-test is meant to run where no counter is read (its own namespace); the discount stays for
/// counters left by runs that did not. It is bounded (a few runs) so that a host that really both
/// initiates and accepts more than a few connections keeps both roles.
pub const SELFTEST_TRACES_MAX: u64 = 3;

/// A counter of the MPTcpExt group (None when the counters were not collected or the kernel has no
/// such counter).
pub fn mptcp_counter(r: &Report, ns: Option<&str>, name: &str) -> Option<u64> {
    r.mib(ns)?.get("MPTcpExt", name)
}

/// A counter of the TcpExt group.
pub fn tcp_counter(r: &Report, ns: Option<&str>, name: &str) -> Option<u64> {
    r.mib(ns)?.get("TcpExt", name)
}

/// `MPTcpExt NAME = V` evidence line.
pub fn counter_line(name: &str, value: u64) -> String {
    format!("MPTcpExt {name} = {value}")
}

/// Whether this tool's self-test ran in `ns` in this report (whatever its result).
fn selftest_ran(r: &Report, ns: Option<&str>) -> bool {
    r.sections
        .iter()
        .any(|s| s.collector == "selftest" && s.netns.as_deref() == ns)
}

/// Loopback connections the counters of `ns` owe to earlier self-tests (see SELFTEST_TRACES_MAX).
/// When the four counters are equal, every connection was one to the host itself, as the
/// self-test's are: all of them are discounted (a host that only talks to itself over loopback is
/// neither a client nor a server of anyone).
pub fn selftest_traces(r: &Report, ns: Option<&str>) -> u64 {
    if !selftest_ran(r, ns) {
        return 0;
    }
    let c = |n| mptcp_counter(r, ns, n).unwrap_or(0);
    let four = [
        c("MPCapableSYNTX"),
        c("MPCapableSYNACKRX"),
        c("MPCapableSYNRX"),
        c("MPCapableACKRX"),
    ];
    let least = four.into_iter().min().unwrap_or(0);
    if four.iter().all(|&v| v == least) {
        return least;
    }
    least.min(SELFTEST_TRACES_MAX)
}

/// MPTCP connections `ns` initiated and accepted according to its counters, without self-test traces.
pub fn mptcp_opens(r: &Report, ns: Option<&str>) -> Option<(u64, u64)> {
    let mib = r.mib(ns)?;
    let tx = mib.get("MPTcpExt", "MPCapableSYNTX").unwrap_or(0);
    let rx = mib.get("MPTcpExt", "MPCapableSYNRX").unwrap_or(0);
    let k = selftest_traces(r, ns);
    Some((tx.saturating_sub(k), rx.saturating_sub(k)))
}

/// What the counters and sockets say this host does: (initiates, accepts).
pub fn roles(r: &Report, ns: Option<&str>) -> Option<(bool, bool)> {
    if let Some((tx, rx)) = mptcp_opens(r, ns) {
        if tx + rx > 0 {
            return Some((tx > 0, rx > 0));
        }
    }
    r.sockets(ns)?.derived("roles", socket_roles)
}

/// What the sockets say: a connection from a port something listens on was accepted, any other
/// was initiated; a listener accepts.
fn socket_roles(socks: &crate::report::SocketList) -> Option<(bool, bool)> {
    // One walk: listeners' ports, and the local port of every other socket (ports repeat: a set,
    // of at most 65,536 bits whatever the number of sockets; `*` is port 0, and anything else that
    // is not a port, which `ss` does not print, is kept as text).
    let (mut listen_ports, mut other_ports) = (PortSet::default(), PortSet::default());
    for s in socks.heads() {
        let port = s.local.rsplit(':').next().unwrap_or("");
        if s.state == "LISTEN" {
            listen_ports.insert(port);
        } else {
            other_ports.insert(port);
        }
    }
    let (mut initiates, mut accepts) = (false, !listen_ports.is_empty());
    for port in other_ports.iter() {
        if listen_ports.contains(&port) {
            accepts = true;
        } else {
            initiates = true;
        }
    }
    (initiates || accepts).then_some((initiates, accepts))
}

/// A set of ports as `ss` prints them.
#[derive(Default)]
struct PortSet {
    bits: Vec<u64>,
    odd: HashSet<String>,
}

#[derive(PartialEq)]
enum Port<'a> {
    Number(u16),
    Odd(&'a str),
}

impl PortSet {
    fn port(text: &str) -> Port<'_> {
        match text {
            "*" => Port::Number(0),
            t => t.parse().map_or(Port::Odd(t), Port::Number),
        }
    }

    fn insert(&mut self, text: &str) {
        match PortSet::port(text) {
            Port::Number(n) => {
                if self.bits.is_empty() {
                    self.bits = vec![0; 1 << 10];
                }
                self.bits[n as usize / 64] |= 1 << (n % 64);
            }
            Port::Odd(t) => {
                self.odd.insert(t.to_string());
            }
        }
    }

    fn contains(&self, port: &Port) -> bool {
        match port {
            Port::Number(n) => self
                .bits
                .get(*n as usize / 64)
                .is_some_and(|w| w & (1 << (n % 64)) != 0),
            Port::Odd(t) => self.odd.contains(*t),
        }
    }

    fn is_empty(&self) -> bool {
        self.bits.iter().all(|&w| w == 0) && self.odd.is_empty()
    }

    fn iter(&self) -> impl Iterator<Item = Port<'_>> {
        let numbers = self.bits.iter().enumerate().flat_map(|(i, &w)| {
            (0..64)
                .filter(move |b| w & (1 << b) != 0)
                .map(move |b| Port::Number((i * 64 + b) as u16))
        });
        numbers.chain(self.odd.iter().map(|t| Port::Odd(t)))
    }
}

/// Whether the host plays `role`: as labelled with --side, else as its counters and sockets show.
/// None when neither says.
pub fn plays(r: &Report, ns: Option<&str>, role: Role) -> Option<bool> {
    if let Some(side) = r.meta.side.as_ref().filter(|s| !s.guessed) {
        return Some(side.role == role);
    }
    let (initiates, accepts) = roles(r, ns)?;
    Some(match role {
        Role::Client => initiates,
        Role::Server => accepts,
    })
}

/// The in-kernel path manager is in use (the default; path_manager absent before 6.15). None when the
/// sysctls were not collected.
pub fn kernel_pm(r: &Report, ns: Option<&str>) -> Option<bool> {
    r.sysctls(ns)?;
    Some(match r.sysctl(ns, "path_manager") {
        Some(pm) => pm == "kernel",
        None => r.sysctl(ns, "pm_type").is_none_or(|t| t == "0"),
    })
}

/// The userspace path manager is selected: the sysctl line that says so.
pub fn userspace_pm(r: &Report, ns: Option<&str>) -> Option<&'static str> {
    match (r.sysctl(ns, "path_manager"), r.sysctl(ns, "pm_type")) {
        (Some("userspace"), _) => Some("net.mptcp.path_manager = userspace"),
        (None, Some("1")) => Some("net.mptcp.pm_type = 1"),
        _ => None,
    }
}

/// An address parsed from `ip addr` (`10.0.0.1/24`) or from `ss` (`10.0.0.1:80`, `[2001:db8::1]:80`,
/// `[::ffff:10.0.0.1]:80`); IPv4-mapped IPv6 addresses count as IPv4, as the kernel's path manager
/// treats them.
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s.split('/').next()?;
    let host = if let Some(rest) = s.strip_prefix('[') {
        rest.split(']').next()?
    } else if s.matches(':').count() == 1 {
        s.split(':').next()?
    } else {
        s
    };
    let host = host.split('%').next()?;
    match host.parse::<IpAddr>().ok()? {
        IpAddr::V6(v6) => Some(v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4)),
        v4 => Some(v4),
    }
}

/// An interface address a subflow can use: not link-local. Only that is asked of the address
/// itself: loopback addresses are recognised by their link (lo), and in a redacted report an
/// encrypted address can land in any range (multicast, loopback, ...), so its value says nothing
/// more. The redactor keeps link-local addresses and the fe80::/64 prefix as they are.
pub fn is_global(a: &IpAddr) -> bool {
    !match a {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
    }
}

/// `(interface, address with prefix)` for every usable address on an interface that is up.
pub fn global_addrs(ifs: &Interfaces) -> Vec<(&str, &str)> {
    ifs.links
        .iter()
        .filter(|l| l.name != "lo" && !l.flags.iter().any(|f| f == "LOOPBACK"))
        .filter(|l| l.flags.is_empty() || l.flags.iter().any(|f| f == "UP"))
        .flat_map(|l| l.addrs.iter().map(move |a| (l.name.as_str(), a.as_str())))
        .filter(|(_, a)| parse_ip(a).is_some_and(|ip| is_global(&ip)))
        .collect()
}

/// More than one path out: usable addresses on two interfaces, or two of one family on one. None
/// when the interfaces were not collected.
pub fn multihomed(r: &Report, ns: Option<&str>) -> Option<bool> {
    let ifs = r.interfaces(ns).filter(|i| !i.links.is_empty())?;
    let addrs = global_addrs(ifs);
    let mut links: Vec<&str> = addrs.iter().map(|(l, _)| *l).collect();
    links.dedup();
    let v4 = addrs.iter().filter(|(_, a)| !a.contains(':')).count();
    Some(links.len() > 1 || v4 > 1 || addrs.len() - v4 > 1)
}

/// Open (not listening) MPTCP connections as (local, peer) addresses, walked from the list (a busy
/// server's is not held: nothing per connection is kept); None when sockets were not collected.
pub fn connections<'a>(
    r: &'a Report,
    ns: Option<&str>,
) -> Option<impl Iterator<Item = (IpAddr, IpAddr)> + 'a> {
    Some(
        r.sockets(ns)?
            .heads()
            .filter(|s| s.state != "LISTEN")
            .filter_map(|s| Some((parse_ip(&s.local)?, parse_ip(&s.peer)?)))
            .filter(|(l, _)| !l.is_loopback()),
    )
}

/// The endpoint as `ip mptcp endpoint show` prints it.
pub fn endpoint_line(e: &Endpoint) -> String {
    e.iproute_line().trim_end().to_string()
}

/// Unanswered joins it takes to say joins fail: one can be a join that lost the race with its
/// connection's close (a short connection closes before the SYN/ACK of its join comes back).
pub const JOINS_MISSING_MIN: u64 = 2;

/// Joins this host sent that got no MP_JOIN SYN/ACK back (HMAC failures were answered):
/// (sent, answered, unanswered).
pub fn joins_unanswered(r: &Report, ns: Option<&str>) -> Option<(u64, u64, u64)> {
    let sent = mptcp_counter(r, ns, "MPJoinSynTx")?;
    let acked = mptcp_counter(r, ns, "MPJoinSynAckRx").unwrap_or(0)
        + mptcp_counter(r, ns, "MPJoinSynAckHMacFailure").unwrap_or(0);
    Some((sent, acked, sent.saturating_sub(acked)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_from_ip_and_ss() {
        let ip = |s: &str| parse_ip(s).map(|a| a.to_string());
        assert_eq!(ip("10.0.0.1/24").as_deref(), Some("10.0.0.1"));
        assert_eq!(ip("10.0.0.1:80").as_deref(), Some("10.0.0.1"));
        assert_eq!(ip("[2001:db8::1]:80").as_deref(), Some("2001:db8::1"));
        assert_eq!(ip("[::ffff:10.0.0.1]:80").as_deref(), Some("10.0.0.1"));
        assert_eq!(ip("2001:db8::1/64").as_deref(), Some("2001:db8::1"));
        assert_eq!(ip("0.0.0.0:*").as_deref(), Some("0.0.0.0"));
        assert_eq!(ip("[fe80::1%eth0]:80").as_deref(), Some("fe80::1"));
        assert_eq!(ip("*:*"), None);
        assert!(!is_global(&"fe80::1".parse().unwrap()));
        assert!(!is_global(&"169.254.1.1".parse().unwrap()));
        assert!(is_global(&"2001:db8::1".parse().unwrap()));
        // An encrypted address in a redacted report can look like anything.
        assert!(is_global(&"231.212.226.170".parse().unwrap()));
    }
}

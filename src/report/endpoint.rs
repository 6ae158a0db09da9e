//! What an endpoint's fields mean, as part of the report's model: the flag bits `Endpoint::flags` holds
//! (the kernel's MPTCP_PM_ADDR_FLAG_* values, a stable ABI), their names, and the one line
//! `ip mptcp endpoint show` prints for an endpoint. Triage quotes that line as evidence and the views
//! print it, so both read it here instead of reaching into the netlink layer.

use super::Endpoint;
use std::fmt::Write;
use std::net::{IpAddr, Ipv6Addr};

impl Endpoint {
    /// MPTCP_PM_ADDR_FLAG_SIGNAL: announced to the peer (ADD_ADDR).
    pub const FLAG_SIGNAL: u32 = 1 << 0;
    /// MPTCP_PM_ADDR_FLAG_SUBFLOW: additional subflows are created from it.
    pub const FLAG_SUBFLOW: u32 = 1 << 1;
    /// MPTCP_PM_ADDR_FLAG_BACKUP: subflows using it are backups.
    pub const FLAG_BACKUP: u32 = 1 << 2;
    /// MPTCP_PM_ADDR_FLAG_FULLMESH: a subflow to every address of the peer.
    pub const FLAG_FULLMESH: u32 = 1 << 3;
    /// MPTCP_PM_ADDR_FLAG_IMPLICIT: created by the kernel for an address in use (its bookkeeping).
    pub const FLAG_IMPLICIT: u32 = 1 << 4;
    /// MPTCP_PM_ADDR_FLAG_LAMINAR: used to answer the peer's announcements (6.18+).
    pub const FLAG_LAMINAR: u32 = 1 << 5;

    /// The flags' names, in the order iproute2 prints them.
    pub const FLAG_NAMES: &'static [(&'static str, u32)] = &[
        ("signal", Self::FLAG_SIGNAL),
        ("subflow", Self::FLAG_SUBFLOW),
        ("backup", Self::FLAG_BACKUP),
        ("fullmesh", Self::FLAG_FULLMESH),
        ("implicit", Self::FLAG_IMPLICIT),
        ("laminar", Self::FLAG_LAMINAR),
    ];

    /// Whether any of the bits of `flag` is set.
    pub fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }

    /// The endpoint as `ip mptcp endpoint show` prints it, byte for byte, without the newline (iproute2
    /// ends each line with a space).
    pub fn iproute_line(&self) -> String {
        let mut out = format!("{} ", fmt_ip(&self.addr));
        if self.port != 0 {
            let _ = write!(out, "port {} ", self.port);
        }
        let _ = write!(out, "id {} ", self.id);
        out.push_str(&flag_words(self.flags));
        // iproute2 names the device; an index without a name (device removed) prints as `if<N>`.
        match (&self.dev, self.ifindex) {
            (Some(dev), _) => {
                let _ = write!(out, "dev {dev} ");
            }
            (None, Some(i)) if i != 0 => {
                let _ = write!(out, "dev if{i} ");
            }
            _ => {}
        }
        out
    }
}

/// Flag words as iproute2 prints them, each followed by a space; bits without a name as
/// `rawflags XX` (hex), so a newer kernel's flag is shown, not dropped.
pub fn flag_words(flags: u32) -> String {
    let mut out = String::new();
    let mut rest = flags;
    for (name, bit) in Endpoint::FLAG_NAMES {
        if flags & bit != 0 {
            let _ = write!(out, "{name} ");
        }
        rest &= !bit;
    }
    if rest != 0 {
        let _ = write!(out, "rawflags {rest:02x} ");
    }
    out
}

/// An IP address as glibc's inet_ntop prints it (`::10.1.2.3`, not Rust's `::a01:203`).
pub fn fmt_ip(addr: &IpAddr) -> String {
    match addr {
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) => fmt_ipv6(a),
    }
}

fn fmt_ipv6(a: &Ipv6Addr) -> String {
    let w = a.segments();
    // inet_ntop prints an embedded IPv4 address for ::a.b.c.d (not ::, not ::1) and ::ffff:a.b.c.d.
    let compat = w[..6].iter().all(|&x| x == 0) && (w[6] != 0);
    let mapped = w[..5].iter().all(|&x| x == 0) && w[5] == 0xffff;
    if compat || mapped {
        let o = a.octets();
        let prefix = if mapped { "::ffff:" } else { "::" };
        return format!("{prefix}{}.{}.{}.{}", o[12], o[13], o[14], o[15]);
    }
    a.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(addr: &str, port: u16, flags: u32, ifindex: Option<i32>, dev: Option<&str>) -> Endpoint {
        Endpoint {
            id: 3,
            addr: addr.parse().unwrap(),
            port,
            flags,
            ifindex,
            dev: dev.map(str::to_string),
            unknown_attrs: Vec::new(),
        }
    }

    #[test]
    fn lines_as_iproute2_prints_them() {
        let subflow = Endpoint::FLAG_SUBFLOW | Endpoint::FLAG_BACKUP;
        assert_eq!(
            ep("10.0.2.1", 0, subflow, Some(2), Some("eth1")).iproute_line(),
            "10.0.2.1 id 3 subflow backup dev eth1 "
        );
        assert_eq!(
            ep("2001:db8::1", 8080, Endpoint::FLAG_SIGNAL, None, None).iproute_line(),
            "2001:db8::1 port 8080 id 3 signal "
        );
        // A device that is gone: its index.
        assert_eq!(
            ep("10.0.2.1", 0, 0, Some(7), None).iproute_line(),
            "10.0.2.1 id 3 dev if7 "
        );
        assert_eq!(flag_words(0x2 | 0x40), "subflow rawflags 40 ");
        assert!(ep("10.0.2.1", 0, subflow, None, None).has(Endpoint::FLAG_BACKUP));
        assert!(!ep("10.0.2.1", 0, subflow, None, None).has(Endpoint::FLAG_SIGNAL));
    }

    #[test]
    fn ipv6_like_inet_ntop() {
        let ip = |s: &str| fmt_ip(&s.parse().unwrap());
        assert_eq!(ip("::a01:203"), "::10.1.2.3");
        assert_eq!(ip("::ffff:10.1.2.3"), "::ffff:10.1.2.3");
        assert_eq!(ip("::1"), "::1");
        assert_eq!(ip("2001:db8::1"), "2001:db8::1");
    }
}

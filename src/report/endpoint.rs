//! What an endpoint's `flags` mean (MPTCP_PM_ADDR_FLAG_*, as in include/uapi/linux/mptcp.h) and the
//! line `ip mptcp endpoint show` prints for one endpoint. The line lives with the type because every
//! layer quotes it: the views, and triage's evidence (which may import nothing but the report).

use super::Endpoint;
use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

pub const MPTCP_PM_ADDR_FLAG_SIGNAL: u32 = 1 << 0;
pub const MPTCP_PM_ADDR_FLAG_SUBFLOW: u32 = 1 << 1;
pub const MPTCP_PM_ADDR_FLAG_BACKUP: u32 = 1 << 2;
pub const MPTCP_PM_ADDR_FLAG_FULLMESH: u32 = 1 << 3;
pub const MPTCP_PM_ADDR_FLAG_IMPLICIT: u32 = 1 << 4;
pub const MPTCP_PM_ADDR_FLAG_LAMINAR: u32 = 1 << 5;

/// Names in the order iproute2 prints them.
pub const ENDPOINT_FLAG_NAMES: &[(&str, u32)] = &[
    ("signal", MPTCP_PM_ADDR_FLAG_SIGNAL),
    ("subflow", MPTCP_PM_ADDR_FLAG_SUBFLOW),
    ("backup", MPTCP_PM_ADDR_FLAG_BACKUP),
    ("fullmesh", MPTCP_PM_ADDR_FLAG_FULLMESH),
    ("implicit", MPTCP_PM_ADDR_FLAG_IMPLICIT),
    ("laminar", MPTCP_PM_ADDR_FLAG_LAMINAR),
];

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

/// The flag words iproute2 prints, each followed by a space; unknown bits as `rawflags NN`.
pub fn flag_words(flags: u32) -> String {
    let mut out = String::new();
    let mut rest = flags;
    for (name, bit) in ENDPOINT_FLAG_NAMES {
        if flags & bit != 0 {
            out.push_str(name);
            out.push(' ');
        }
        rest &= !bit;
    }
    if rest != 0 {
        out.push_str(&format!("rawflags {rest:02x} "));
    }
    out
}

/// The endpoint as `ip mptcp endpoint show` prints it, with iproute2's trailing space and without
/// the newline.
impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", fmt_ip(&self.addr))?;
        if self.port != 0 {
            write!(f, "port {} ", self.port)?;
        }
        write!(f, "id {} {}", self.id, flag_words(self.flags))?;
        // iproute2 names the device; an index without a name (device removed) prints as `if<N>`.
        match (&self.dev, self.ifindex) {
            (Some(dev), _) => write!(f, "dev {dev} "),
            (None, Some(i)) if i != 0 => write!(f, "dev if{i} "),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_like_inet_ntop() {
        assert_eq!(fmt_ip(&"::a01:203".parse().unwrap()), "::10.1.2.3");
        assert_eq!(
            fmt_ip(&"::ffff:10.1.2.3".parse().unwrap()),
            "::ffff:10.1.2.3"
        );
        assert_eq!(fmt_ip(&"::1".parse().unwrap()), "::1");
        assert_eq!(fmt_ip(&"2001:db8::1".parse().unwrap()), "2001:db8::1");
    }

    #[test]
    fn unknown_flags_kept_raw() {
        assert_eq!(flag_words(0x2 | 0x40), "subflow rawflags 40 ");
    }

    #[test]
    fn one_endpoint_line() {
        let e = Endpoint {
            id: 7,
            addr: "192.0.2.1".parse().unwrap(),
            port: 10123,
            flags: MPTCP_PM_ADDR_FLAG_SIGNAL,
            ifindex: Some(3),
            dev: None,
            unknown_attrs: Vec::new(),
        };
        assert_eq!(e.to_string(), "192.0.2.1 port 10123 id 7 signal dev if3 ");
    }
}

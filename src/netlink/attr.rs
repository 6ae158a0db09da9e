//! Typed views of netlink attribute numbers and the readers for their payloads.
//!
//! Attribute numbers become enums with an `Unknown(N)` variant, so a newer kernel that adds one never
//! breaks decoding; payload readers check lengths and say which attribute was malformed instead of
//! panicking. Byte order is explicit at each call: the endpoint PORT is host order, event ports and
//! IPv4 addresses are network order.

use super::consts::*;
use neli::genl::{Genlmsghdr, Nlattr};
use neli::types::Buffer;
use std::net::{Ipv4Addr, Ipv6Addr};

/// A generic netlink message with an untyped command byte and untyped attribute numbers.
pub type GenlMsg = Genlmsghdr<u8, u16>;
/// One attribute of such a message.
pub type Attr = Nlattr<u16, Buffer>;

/// Declares a typed enum over a kernel constant type, with `Unknown(N)` for anything else.
macro_rules! kernel_enum {
    ($(#[$m:meta])* $name:ident: $ty:ty { $($variant:ident = $konst:ident),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)+
            Unknown($ty),
        }

        impl From<$ty> for $name {
            fn from(v: $ty) -> Self {
                match v {
                    $($konst => $name::$variant,)+
                    other => $name::Unknown(other),
                }
            }
        }

        impl From<$name> for $ty {
            fn from(v: $name) -> $ty {
                match v {
                    $($name::$variant => $konst,)+
                    $name::Unknown(n) => n,
                }
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use kernel_enum;

kernel_enum! {
    /// Top-level attributes of `mptcp_pm` commands (enum mptcp_pm_attrs).
    PmAttr: u16 {
        Addr = MPTCP_PM_ATTR_ADDR,
        RcvAddAddrs = MPTCP_PM_ATTR_RCV_ADD_ADDRS,
        Subflows = MPTCP_PM_ATTR_SUBFLOWS,
        Token = MPTCP_PM_ATTR_TOKEN,
        LocId = MPTCP_PM_ATTR_LOC_ID,
        AddrRemote = MPTCP_PM_ATTR_ADDR_REMOTE,
    }
}

kernel_enum! {
    /// Attributes nested in MPTCP_PM_ATTR_ADDR (enum mptcp_pm_addr_attrs).
    AddrAttr: u16 {
        Family = MPTCP_PM_ADDR_ATTR_FAMILY,
        Id = MPTCP_PM_ADDR_ATTR_ID,
        Addr4 = MPTCP_PM_ADDR_ATTR_ADDR4,
        Addr6 = MPTCP_PM_ADDR_ATTR_ADDR6,
        Port = MPTCP_PM_ADDR_ATTR_PORT,
        Flags = MPTCP_PM_ADDR_ATTR_FLAGS,
        IfIdx = MPTCP_PM_ADDR_ATTR_IF_IDX,
    }
}

/// The attribute number without the NESTED / NET_BYTEORDER bits.
pub fn kind(a: &Attr) -> u16 {
    *a.nla_type().nla_type()
}

pub fn payload(a: &Attr) -> &[u8] {
    a.nla_payload().as_ref()
}

/// The attributes nested in `a`.
pub fn nested(a: &Attr, what: &str) -> Result<Vec<Attr>, String> {
    let handle = a
        .get_attr_handle::<u16>()
        .map_err(|e| format!("{what}: malformed nested attributes ({e})"))?;
    Ok(handle.get_attrs().to_vec())
}

fn exact<const N: usize>(p: &[u8], what: &str) -> Result<[u8; N], String> {
    p.get(..N)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| format!("{what}: expected {N} bytes, got {}", p.len()))
}

pub fn u8_of(p: &[u8], what: &str) -> Result<u8, String> {
    Ok(exact::<1>(p, what)?[0])
}

pub fn u16_host(p: &[u8], what: &str) -> Result<u16, String> {
    Ok(u16::from_ne_bytes(exact(p, what)?))
}

pub fn u16_net(p: &[u8], what: &str) -> Result<u16, String> {
    Ok(u16::from_be_bytes(exact(p, what)?))
}

pub fn u32_host(p: &[u8], what: &str) -> Result<u32, String> {
    Ok(u32::from_ne_bytes(exact(p, what)?))
}

pub fn i32_host(p: &[u8], what: &str) -> Result<i32, String> {
    Ok(i32::from_ne_bytes(exact(p, what)?))
}

pub fn ipv4(p: &[u8], what: &str) -> Result<Ipv4Addr, String> {
    Ok(Ipv4Addr::from(exact::<4>(p, what)?))
}

pub fn ipv6(p: &[u8], what: &str) -> Result<Ipv6Addr, String> {
    Ok(Ipv6Addr::from(exact::<16>(p, what)?))
}

/// A NUL-terminated string attribute (the terminator and anything after it dropped).
pub fn string(p: &[u8]) -> String {
    let end = p.iter().position(|&b| b == 0).unwrap_or(p.len());
    String::from_utf8_lossy(&p[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_numbers_survive_a_round_trip() {
        assert_eq!(AddrAttr::from(7), AddrAttr::IfIdx);
        assert_eq!(AddrAttr::from(42), AddrAttr::Unknown(42));
        assert_eq!(u16::from(AddrAttr::Unknown(42)), 42);
        assert_eq!(u16::from(PmAttr::Subflows), MPTCP_PM_ATTR_SUBFLOWS);
    }

    #[test]
    fn short_payloads_are_errors_not_panics() {
        assert_eq!(
            u32_host(&[1, 2], "FLAGS").unwrap_err(),
            "FLAGS: expected 4 bytes, got 2"
        );
        assert_eq!(u16_net(&[0x27, 0x11], "SPORT").unwrap(), 10001);
        assert_eq!(
            ipv4(&[10, 0, 0, 1], "ADDR4").unwrap(),
            Ipv4Addr::new(10, 0, 0, 1)
        );
        assert_eq!(string(b"mptcp_pm\0"), "mptcp_pm");
    }
}

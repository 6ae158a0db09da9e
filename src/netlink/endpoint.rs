//! Decoding `mptcp_pm` GET_ADDR and GET_LIMITS answers into the report's `Endpoint` and `Limits`.
//!
//! Pure functions over neli messages, so tests feed them captured kernel bytes. Unknown flag bits are
//! kept (they render as `rawflags NN`); the interface name is resolved separately because it depends
//! on the namespace the calling thread is in.

use super::attr::{self, AddrAttr, GenlMsg, PmAttr};
use crate::report::{Endpoint, Limits};
use std::net::IpAddr;

/// One endpoint from a GET_ADDR answer (the nested MPTCP_PM_ATTR_ADDR).
pub fn decode_endpoint(msg: &GenlMsg) -> Result<Endpoint, String> {
    let addr = msg
        .attrs()
        .iter()
        .find(|a| PmAttr::from(attr::kind(a)) == PmAttr::Addr)
        .ok_or("GET_ADDR answer without MPTCP_PM_ATTR_ADDR")?;
    let (mut family, mut v4, mut v6) = (None, None, None);
    let mut ep = Endpoint {
        id: 0,
        addr: IpAddr::from([0, 0, 0, 0]),
        port: 0,
        flags: 0,
        ifindex: None,
        dev: None,
    };
    for a in attr::nested(addr, "MPTCP_PM_ATTR_ADDR")? {
        let p = attr::payload(&a);
        match AddrAttr::from(attr::kind(&a)) {
            AddrAttr::Family => family = Some(attr::u16_host(p, "MPTCP_PM_ADDR_ATTR_FAMILY")?),
            AddrAttr::Id => ep.id = attr::u8_of(p, "MPTCP_PM_ADDR_ATTR_ID")?,
            AddrAttr::Addr4 => v4 = Some(attr::ipv4(p, "MPTCP_PM_ADDR_ATTR_ADDR4")?),
            AddrAttr::Addr6 => v6 = Some(attr::ipv6(p, "MPTCP_PM_ADDR_ATTR_ADDR6")?),
            // Host byte order (the kernel converts with ntohs before sending).
            AddrAttr::Port => ep.port = attr::u16_host(p, "MPTCP_PM_ADDR_ATTR_PORT")?,
            AddrAttr::Flags => ep.flags = attr::u32_host(p, "MPTCP_PM_ADDR_ATTR_FLAGS")?,
            AddrAttr::IfIdx => {
                let i = attr::i32_host(p, "MPTCP_PM_ADDR_ATTR_IF_IDX")?;
                ep.ifindex = (i != 0).then_some(i);
            }
            // A newer kernel's attribute: nothing in the report to put it in, and nothing lost
            // for the iproute2 view, which does not print it either.
            AddrAttr::Unknown(_) => {}
        }
    }
    ep.addr = match (family.map(i32::from), v4, v6) {
        (Some(libc::AF_INET6), _, Some(a)) => IpAddr::V6(a),
        (Some(libc::AF_INET), Some(a), _) => IpAddr::V4(a),
        (None, Some(a), None) => IpAddr::V4(a),
        (None, None, Some(a)) => IpAddr::V6(a),
        (f, _, _) => {
            return Err(format!(
                "endpoint id {}: no address for family {}",
                ep.id,
                f.map_or("none".into(), |f| f.to_string())
            ))
        }
    };
    Ok(ep)
}

/// The answer to GET_LIMITS.
pub fn decode_limits(msg: &GenlMsg) -> Result<Limits, String> {
    let mut l = Limits::default();
    for a in msg.attrs().iter() {
        let p = attr::payload(a);
        match PmAttr::from(attr::kind(a)) {
            PmAttr::RcvAddAddrs => {
                l.add_addr_accepted = Some(attr::u32_host(p, "MPTCP_PM_ATTR_RCV_ADD_ADDRS")?)
            }
            PmAttr::Subflows => l.subflows = Some(attr::u32_host(p, "MPTCP_PM_ATTR_SUBFLOWS")?),
            _ => {}
        }
    }
    Ok(l)
}

/// The name of an interface index in the calling thread's network namespace; None when no device has
/// that index (removed since the endpoint was added).
pub fn ifname(index: i32) -> Option<String> {
    let index = u32::try_from(index).ok().filter(|&i| i != 0)?;
    let mut buf = [0 as libc::c_char; libc::IF_NAMESIZE];
    // SAFETY: buf has IF_NAMESIZE bytes as if_indextoname requires; it NUL-terminates on success.
    let p = unsafe { libc::if_indextoname(index, buf.as_mut_ptr()) };
    if p.is_null() {
        return None;
    }
    // SAFETY: on success buf holds a NUL-terminated name.
    let name = unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) };
    Some(name.to_string_lossy().into_owned())
}

#[cfg(test)]
#[path = "endpoint_tests.rs"]
mod tests;

//! The live `PmSource`: mptcp_pm GET_ADDR (dump) and GET_LIMITS over generic netlink, decoded into the
//! Report's types. Sockets are opened per call, on the calling thread, so they live in the network
//! namespace that thread entered.

use super::consts::*;
use super::genl::{GenlSocket, Request};
use super::msg::Attr;
use super::{PmError, PmSource};
use crate::report::{Endpoint, Limits};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub struct LivePm;

/// Opens a socket and resolves the mptcp_pm family id.
pub fn open() -> Result<(GenlSocket, super::genl::Family), PmError> {
    let mut sock = GenlSocket::connect()?;
    let fam = sock.family(MPTCP_PM_NAME)?;
    Ok((sock, fam))
}

impl PmSource for LivePm {
    fn endpoints(&self) -> Result<Vec<Endpoint>, PmError> {
        let (mut sock, fam) = open()?;
        let mut eps = Vec::new();
        let mut bad = None;
        sock.request(
            &Request {
                family: fam.id,
                cmd: MPTCP_PM_CMD_GET_ADDR,
                version: MPTCP_PM_VER,
                dump: true,
                attrs: &[],
                what: "get_addr",
            },
            |_, attrs| {
                for a in attrs.iter().filter(|a| a.kind == MPTCP_PM_ATTR_ADDR) {
                    match decode_endpoint(&a.attrs()) {
                        Ok(mut e) => {
                            e.dev = e.ifindex.filter(|&i| i > 0).and_then(ifname);
                            eps.push(e)
                        }
                        Err(m) => bad = Some(m),
                    }
                }
            },
        )?;
        if let Some(m) = bad {
            return Err(PmError::Other(format!("get_addr: {m}")));
        }
        Ok(eps)
    }

    fn limits(&self) -> Result<Limits, PmError> {
        let (mut sock, fam) = open()?;
        let mut limits = Limits::default();
        sock.request(
            &Request {
                family: fam.id,
                cmd: MPTCP_PM_CMD_GET_LIMITS,
                version: MPTCP_PM_VER,
                dump: false,
                attrs: &[],
                what: "get_limits",
            },
            |_, attrs| {
                limits = decode_limits(attrs);
            },
        )?;
        Ok(limits)
    }
}

/// Decodes the attributes nested in MPTCP_PM_ATTR_ADDR. Unknown attributes are ignored here; unknown
/// flag bits are kept in `flags`.
pub fn decode_endpoint(attrs: &[Attr]) -> Result<Endpoint, String> {
    let mut id = None;
    let mut addr = None;
    let mut port = 0;
    let mut flags = 0;
    let mut ifindex = None;
    for a in attrs {
        match a.kind {
            MPTCP_PM_ADDR_ATTR_ID => id = a.u8(),
            MPTCP_PM_ADDR_ATTR_ADDR4 => {
                let o: [u8; 4] = a.payload.try_into().map_err(|_| "ADDR4 is not 4 bytes")?;
                addr = Some(IpAddr::V4(Ipv4Addr::from(o)));
            }
            MPTCP_PM_ADDR_ATTR_ADDR6 => {
                let o: [u8; 16] = a.payload.try_into().map_err(|_| "ADDR6 is not 16 bytes")?;
                addr = Some(IpAddr::V6(Ipv6Addr::from(o)));
            }
            // Host byte order in the endpoint attribute (unlike the events' ports).
            MPTCP_PM_ADDR_ATTR_PORT => port = a.u16().unwrap_or(0),
            MPTCP_PM_ADDR_ATTR_FLAGS => flags = a.u32().unwrap_or(0),
            MPTCP_PM_ADDR_ATTR_IF_IDX => ifindex = a.i32(),
            _ => {}
        }
    }
    Ok(Endpoint {
        id: id.ok_or("endpoint without an id")?,
        addr: addr.ok_or("endpoint without an address")?,
        port,
        flags,
        ifindex,
        dev: None,
    })
}

pub fn decode_limits(attrs: &[Attr]) -> Limits {
    let mut l = Limits::default();
    for a in attrs {
        match a.kind {
            MPTCP_PM_ATTR_RCV_ADD_ADDRS => l.add_addr_accepted = a.u32(),
            MPTCP_PM_ATTR_SUBFLOWS => l.subflows = a.u32(),
            _ => {}
        }
    }
    l
}

/// Interface name for an index in the calling thread's namespace.
pub fn ifname(index: i32) -> Option<String> {
    let mut buf = [0 as libc::c_char; libc::IF_NAMESIZE];
    // SAFETY: buf has IF_NAMESIZE bytes as if_indextoname requires.
    let p = unsafe { libc::if_indextoname(index as libc::c_uint, buf.as_mut_ptr()) };
    if p.is_null() {
        return None;
    }
    // SAFETY: on success buf holds a NUL-terminated name.
    Some(
        unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) }
            .to_string_lossy()
            .into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlink::msg::parse_msgs;

    /// A GET_ADDR dump answer captured on 6.18 (endpoint `10.0.1.2 port 10001 id 3 signal backup
    /// rawflags 40 dev if1`), as raw bytes.
    #[test]
    fn decodes_a_captured_get_addr_answer() {
        let mut nest = Vec::new();
        use crate::netlink::msg::put_attr;
        put_attr(&mut nest, MPTCP_PM_ADDR_ATTR_FAMILY, &2u16.to_ne_bytes());
        put_attr(&mut nest, MPTCP_PM_ADDR_ATTR_ID, &[3]);
        put_attr(&mut nest, MPTCP_PM_ADDR_ATTR_ADDR4, &[10, 0, 1, 2]);
        put_attr(&mut nest, MPTCP_PM_ADDR_ATTR_PORT, &10001u16.to_ne_bytes());
        put_attr(&mut nest, MPTCP_PM_ADDR_ATTR_FLAGS, &0x45u32.to_ne_bytes());
        put_attr(&mut nest, MPTCP_PM_ADDR_ATTR_IF_IDX, &1i32.to_ne_bytes());
        put_attr(&mut nest, 99, &[1, 2, 3, 4]);
        let mut attrs = Vec::new();
        put_attr(&mut attrs, MPTCP_PM_ATTR_ADDR | NLA_F_NESTED, &nest);
        let bytes = crate::netlink::msg::genl_request(
            0x1c,
            NLM_F_MULTI,
            7,
            MPTCP_PM_CMD_GET_ADDR,
            1,
            &attrs,
        );
        let msgs = parse_msgs(&bytes);
        let (cmd, top) = msgs[0].genl().unwrap();
        assert_eq!(cmd, MPTCP_PM_CMD_GET_ADDR);
        assert!(top[0].nested);
        let e = decode_endpoint(&top[0].attrs()).unwrap();
        assert_eq!(e.addr, "10.0.1.2".parse::<IpAddr>().unwrap());
        assert_eq!(
            (e.id, e.port, e.flags, e.ifindex),
            (3, 10001, 0x45, Some(1))
        );
        assert_eq!(
            crate::netlink::iproute::render_endpoints(&[e]),
            "10.0.1.2 port 10001 id 3 signal backup rawflags 40 dev if1 \n"
        );
    }

    #[test]
    fn an_endpoint_without_id_is_an_error() {
        assert!(decode_endpoint(&[]).is_err());
    }
}

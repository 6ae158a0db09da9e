//! The answers of the route-netlink dumps as plain structs: the family header's fields and the
//! attributes this tool reads (links, addresses), or all of them kept raw (routes, rules) for the
//! iproute2 renderers. Parsers take the body after the netlink header and never panic.

use super::{attrs, ip_of, str_of, u32_of, u8_of};
use crate::netlink::nla::{self, RawNla};
use std::net::IpAddr;

// IFLA_* attributes used here.
const IFLA_ADDRESS: u16 = 1;
const IFLA_BROADCAST: u16 = 2;
const IFLA_IFNAME: u16 = 3;
const IFLA_MTU: u16 = 4;
const IFLA_LINK: u16 = 5;
const IFLA_QDISC: u16 = 6;
const IFLA_MASTER: u16 = 10;
const IFLA_TXQLEN: u16 = 13;
const IFLA_OPERSTATE: u16 = 16;
const IFLA_LINKINFO: u16 = 18;
const IFLA_INFO_KIND: u16 = 1;
const IFLA_GROUP: u16 = 27;
const IFLA_LINK_NETNSID: u16 = 37;
const IFLA_PROTO_DOWN: u16 = 39;

/// One RTM_NEWLINK answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinkMsg {
    pub index: i32,
    /// ARPHRD_* hardware type.
    pub kind: u16,
    pub flags: u32,
    pub name: String,
    pub mtu: Option<u32>,
    pub address: Option<Vec<u8>>,
    pub broadcast: Option<Vec<u8>>,
    pub link: Option<i32>,
    pub link_netnsid: Option<i32>,
    pub qdisc: Option<String>,
    pub master: Option<i32>,
    pub txqlen: Option<u32>,
    pub operstate: Option<u8>,
    pub group: Option<u32>,
    pub info_kind: Option<String>,
    pub proto_down: bool,
}

impl LinkMsg {
    pub fn parse(b: &[u8]) -> Option<LinkMsg> {
        if b.len() < 16 {
            return None;
        }
        let mut l = LinkMsg {
            kind: u16::from_ne_bytes([b[2], b[3]]),
            index: i32::from_ne_bytes(b[4..8].try_into().ok()?),
            flags: u32::from_ne_bytes(b[8..12].try_into().ok()?),
            ..LinkMsg::default()
        };
        for a in attrs(&b[16..]) {
            match a.kind {
                IFLA_ADDRESS => l.address = Some(a.data.to_vec()),
                IFLA_BROADCAST => l.broadcast = Some(a.data.to_vec()),
                IFLA_IFNAME => l.name = str_of(a.data),
                IFLA_MTU => l.mtu = u32_of(a.data),
                IFLA_LINK => l.link = u32_of(a.data).map(|v| v as i32),
                IFLA_QDISC => l.qdisc = Some(str_of(a.data)),
                IFLA_MASTER => l.master = u32_of(a.data).map(|v| v as i32),
                IFLA_TXQLEN => l.txqlen = u32_of(a.data),
                IFLA_OPERSTATE => l.operstate = u8_of(a.data),
                IFLA_GROUP => l.group = u32_of(a.data),
                IFLA_LINK_NETNSID => l.link_netnsid = u32_of(a.data).map(|v| v as i32),
                IFLA_PROTO_DOWN => l.proto_down = u8_of(a.data).unwrap_or(0) != 0,
                IFLA_LINKINFO => {
                    l.info_kind = attrs(a.data)
                        .find(|i| i.kind == IFLA_INFO_KIND)
                        .map(|i| str_of(i.data))
                }
                _ => {}
            }
        }
        Some(l)
    }
}

const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const IFA_LABEL: u16 = 3;
const IFA_BROADCAST: u16 = 4;
const IFA_ANYCAST: u16 = 5;
const IFA_CACHEINFO: u16 = 6;
const IFA_FLAGS: u16 = 8;
const IFA_RT_PRIORITY: u16 = 9;

/// One RTM_NEWADDR answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AddrMsg {
    pub family: u8,
    pub prefixlen: u8,
    /// The 32-bit IFA_FLAGS when present, else the 8-bit header flags.
    pub flags: u32,
    pub scope: u8,
    pub index: u32,
    pub address: Option<IpAddr>,
    pub local: Option<IpAddr>,
    pub label: Option<String>,
    pub broadcast: Option<IpAddr>,
    pub anycast: Option<IpAddr>,
    /// (preferred, valid) lifetimes in seconds; u32::MAX is forever.
    pub lifetimes: Option<(u32, u32)>,
    pub metric: Option<u32>,
}

impl AddrMsg {
    pub fn parse(b: &[u8]) -> Option<AddrMsg> {
        if b.len() < 8 {
            return None;
        }
        let mut a = AddrMsg {
            family: b[0],
            prefixlen: b[1],
            flags: b[2] as u32,
            scope: b[3],
            index: u32::from_ne_bytes(b[4..8].try_into().ok()?),
            ..AddrMsg::default()
        };
        for at in attrs(&b[8..]) {
            match at.kind {
                IFA_ADDRESS => a.address = ip_of(at.data),
                IFA_LOCAL => a.local = ip_of(at.data),
                IFA_LABEL => a.label = Some(str_of(at.data)),
                IFA_BROADCAST => a.broadcast = ip_of(at.data),
                IFA_ANYCAST => a.anycast = ip_of(at.data),
                IFA_FLAGS => a.flags = u32_of(at.data).unwrap_or(a.flags),
                IFA_RT_PRIORITY => a.metric = u32_of(at.data),
                IFA_CACHEINFO => {
                    if let (Some(p), Some(v)) =
                        (u32_of(at.data), at.data.get(4..8).and_then(u32_of))
                    {
                        a.lifetimes = Some((p, v));
                    }
                }
                _ => {}
            }
        }
        Some(a)
    }

    /// The interface's own address: IFA_LOCAL when present (IPv4), else IFA_ADDRESS.
    pub fn own(&self) -> Option<IpAddr> {
        self.local.or(self.address)
    }
}

/// The attributes of one answer, kept as they came: renderers read them in iproute2's order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attrs(pub Vec<RawNla>);

impl Attrs {
    pub fn parse(buf: &[u8]) -> Attrs {
        Attrs(nla::raw_all(buf))
    }

    pub fn get(&self, kind: u16) -> Option<&[u8]> {
        self.0
            .iter()
            .find(|a| a.number() == kind)
            .map(|a| a.value.as_slice())
    }
}

pub const RTA_DST: u16 = 1;
pub const RTA_SRC: u16 = 2;
pub const RTA_IIF: u16 = 3;
pub const RTA_OIF: u16 = 4;
pub const RTA_GATEWAY: u16 = 5;
pub const RTA_PRIORITY: u16 = 6;
pub const RTA_PREFSRC: u16 = 7;
pub const RTA_METRICS: u16 = 8;
pub const RTA_MULTIPATH: u16 = 9;
pub const RTA_FLOW: u16 = 11;
pub const RTA_CACHEINFO: u16 = 12;
pub const RTA_TABLE: u16 = 15;
pub const RTA_MARK: u16 = 16;
pub const RTA_VIA: u16 = 18;
pub const RTA_NEWDST: u16 = 19;
pub const RTA_PREF: u16 = 20;
pub const RTA_ENCAP_TYPE: u16 = 21;
pub const RTA_UID: u16 = 25;
pub const RTA_TTL_PROPAGATE: u16 = 26;
pub const RTA_NH_ID: u16 = 30;

/// One RTM_NEWROUTE answer: the header fields and the raw attributes (the renderer reads them in
/// iproute2's order).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RouteMsg {
    pub family: u8,
    pub dst_len: u8,
    pub src_len: u8,
    pub tos: u8,
    pub table: u32,
    pub protocol: u8,
    pub scope: u8,
    pub kind: u8,
    pub flags: u32,
    pub attrs: Attrs,
}

impl RouteMsg {
    pub fn parse(b: &[u8]) -> Option<RouteMsg> {
        if b.len() < 12 {
            return None;
        }
        let mut r = RouteMsg {
            family: b[0],
            dst_len: b[1],
            src_len: b[2],
            tos: b[3],
            table: b[4] as u32,
            protocol: b[5],
            scope: b[6],
            kind: b[7],
            flags: u32::from_ne_bytes(b[8..12].try_into().ok()?),
            attrs: Attrs::parse(&b[12..]),
        };
        // Tables above 255 are only in RTA_TABLE.
        if let Some(t) = r.attr(RTA_TABLE).and_then(u32_of) {
            r.table = t;
        }
        Some(r)
    }

    pub fn attr(&self, kind: u16) -> Option<&[u8]> {
        self.attrs.get(kind)
    }
}

pub const FRA_DST: u16 = 1;
pub const FRA_SRC: u16 = 2;
pub const FRA_IIFNAME: u16 = 3;
pub const FRA_GOTO: u16 = 4;
pub const FRA_PRIORITY: u16 = 6;
pub const FRA_FWMARK: u16 = 10;
pub const FRA_FLOW: u16 = 11;
pub const FRA_TUN_ID: u16 = 12;
pub const FRA_SUPPRESS_IFGROUP: u16 = 13;
pub const FRA_SUPPRESS_PREFIXLEN: u16 = 14;
pub const FRA_TABLE: u16 = 15;
pub const FRA_FWMASK: u16 = 16;
pub const FRA_OIFNAME: u16 = 17;
pub const FRA_L3MDEV: u16 = 19;
pub const FRA_UID_RANGE: u16 = 20;
pub const FRA_PROTOCOL: u16 = 21;
pub const FRA_IP_PROTO: u16 = 22;
pub const FRA_SPORT_RANGE: u16 = 23;
pub const FRA_DPORT_RANGE: u16 = 24;

/// One RTM_NEWRULE answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleMsg {
    pub family: u8,
    pub dst_len: u8,
    pub src_len: u8,
    pub tos: u8,
    pub table: u32,
    pub action: u8,
    pub flags: u32,
    pub attrs: Attrs,
}

impl RuleMsg {
    pub fn parse(b: &[u8]) -> Option<RuleMsg> {
        if b.len() < 12 {
            return None;
        }
        let mut r = RuleMsg {
            family: b[0],
            dst_len: b[1],
            src_len: b[2],
            tos: b[3],
            table: b[4] as u32,
            action: b[7],
            flags: u32::from_ne_bytes(b[8..12].try_into().ok()?),
            attrs: Attrs::parse(&b[12..]),
        };
        if let Some(t) = r.attr(FRA_TABLE).and_then(u32_of) {
            r.table = t;
        }
        Some(r)
    }

    pub fn attr(&self, kind: u16) -> Option<&[u8]> {
        self.attrs.get(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlink::rtnl::AF_INET;

    fn attr(kind: u16, data: &[u8]) -> Vec<u8> {
        nla::emit_all(&[RawNla::new(kind, data)])
    }

    #[test]
    fn parses_link_and_address_messages() {
        let mut b = vec![0u8; 16];
        b[2..4].copy_from_slice(&1u16.to_ne_bytes());
        b[4..8].copy_from_slice(&7i32.to_ne_bytes());
        b[8..12].copy_from_slice(&0x11043u32.to_ne_bytes());
        b.extend(attr(IFLA_IFNAME, b"veth0\0"));
        b.extend(attr(IFLA_MTU, &1400u32.to_ne_bytes()));
        b.extend(attr(IFLA_OPERSTATE, &[6]));
        let mut info = attr(IFLA_INFO_KIND, b"veth\0");
        let mut li = ((4 + info.len()) as u16).to_ne_bytes().to_vec();
        li.extend_from_slice(&IFLA_LINKINFO.to_ne_bytes());
        li.append(&mut info);
        b.extend(li);
        let l = LinkMsg::parse(&b).unwrap();
        assert_eq!((l.index, l.kind, l.flags), (7, 1, 0x11043));
        assert_eq!(l.name, "veth0");
        assert_eq!(l.mtu, Some(1400));
        assert_eq!(l.operstate, Some(6));
        assert_eq!(l.info_kind.as_deref(), Some("veth"));

        let mut a = vec![AF_INET, 24, 0x80, 0, 7, 0, 0, 0];
        a.extend(attr(IFA_ADDRESS, &[10, 0, 0, 1]));
        a.extend(attr(IFA_LOCAL, &[10, 0, 0, 1]));
        a.extend(attr(IFA_FLAGS, &0x280u32.to_ne_bytes()));
        let m = AddrMsg::parse(&a).unwrap();
        assert_eq!(m.own(), Some("10.0.0.1".parse().unwrap()));
        assert_eq!((m.prefixlen, m.flags, m.index), (24, 0x280, 7));
        assert!(LinkMsg::parse(&[0; 4]).is_none());
    }
}

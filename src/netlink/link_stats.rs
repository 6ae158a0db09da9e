//! Interface counters and the link attributes the `links` collector needs beyond `rtnl::LinkMsg`: the
//! 64-bit statistics (IFLA_STATS64, also answered alone by RTM_GETSTATS for the reproduce sampler) and
//! the parent device's bus (IFLA_PARENT_DEV_*), which, unlike sysfs, is answered per network namespace;
//! and the route lookup that tells the sampler which interface a subflow leaves by. Decoders take the
//! bytes after the netlink header and never panic on short input.

use super::nla::{emit_all, RawNla};
use super::rtnl::{
    attrs, str_of, u32_of, RouteMsg, RtSocket, RTA_DST, RTA_OIF, RTA_SRC, RTM_GETROUTE,
};
use std::io;
use std::net::IpAddr;

// include/uapi/linux/if_link.h
pub const IFLA_STATS64: u16 = 23;
pub const IFLA_CARRIER_CHANGES: u16 = 35;
pub const IFLA_PARENT_DEV_NAME: u16 = 56;
pub const IFLA_PARENT_DEV_BUS_NAME: u16 = 57;
// include/uapi/linux/rtnetlink.h and if_link.h (struct if_stats_msg, IFLA_STATS_*)
pub const RTM_GETSTATS: u16 = 94;
pub const IFLA_STATS_LINK_64: u16 = 1;

/// The names of `struct rtnl_link_stats64`'s u64 fields, in order.
pub const STATS64_FIELDS: &[&str] = &[
    "rx_packets",
    "tx_packets",
    "rx_bytes",
    "tx_bytes",
    "rx_errors",
    "tx_errors",
    "rx_dropped",
    "tx_dropped",
    "multicast",
    "collisions",
    "rx_length_errors",
    "rx_over_errors",
    "rx_crc_errors",
    "rx_frame_errors",
    "rx_fifo_errors",
    "rx_missed_errors",
    "tx_aborted_errors",
    "tx_carrier_errors",
    "tx_fifo_errors",
    "tx_heartbeat_errors",
    "tx_window_errors",
    "rx_compressed",
    "tx_compressed",
    "rx_nohandler",
    "rx_otherhost_dropped",
];

/// `struct rtnl_link_stats64` as (field name, value) in kernel order; a kernel sending fewer fields
/// (older) gives fewer, one sending more (newer) has the extra ones ignored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats64(pub Vec<(&'static str, u64)>);

impl Stats64 {
    pub fn parse(b: &[u8]) -> Stats64 {
        Stats64(
            STATS64_FIELDS
                .iter()
                .zip(b.chunks_exact(8))
                .map(|(name, c)| (*name, u64::from_ne_bytes(c.try_into().unwrap_or([0; 8]))))
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> u64 {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(0, |(_, v)| *v)
    }
}

/// What an RTM_NEWLINK answer says besides `rtnl::LinkMsg`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinkExtra {
    pub stats: Option<Stats64>,
    pub carrier_changes: Option<u32>,
    /// The parent device (e.g. 0000:00:03.0) and its bus (e.g. pci).
    pub parent_dev: Option<String>,
    pub parent_bus: Option<String>,
}

/// Decodes the extra attributes of one RTM_NEWLINK body (struct ifinfomsg, then attributes).
pub fn decode_link_extra(body: &[u8]) -> LinkExtra {
    let mut x = LinkExtra::default();
    for a in attrs(body.get(16..).unwrap_or_default()) {
        match a.kind {
            IFLA_STATS64 => x.stats = Some(Stats64::parse(a.data)),
            IFLA_CARRIER_CHANGES => x.carrier_changes = u32_of(a.data),
            IFLA_PARENT_DEV_NAME => x.parent_dev = Some(str_of(a.data)),
            IFLA_PARENT_DEV_BUS_NAME => x.parent_bus = Some(str_of(a.data)),
            _ => {}
        }
    }
    x
}

/// Decodes one RTM_NEWSTATS body (struct if_stats_msg: family, pad, pad, ifindex, filter_mask) into the
/// interface index and its 64-bit counters.
pub fn decode_stats_msg(body: &[u8]) -> Option<(i32, Stats64)> {
    let index = i32::from_ne_bytes(body.get(4..8)?.try_into().ok()?);
    let stats = attrs(body.get(12..)?)
        .find(|a| a.kind == IFLA_STATS_LINK_64)
        .map(|a| Stats64::parse(a.data))?;
    Some((index, stats))
}

/// Every link's RTM_NEWLINK body, raw (decode with `rtnl::LinkMsg::parse` and `decode_link_extra`).
pub fn link_bodies(sock: &mut RtSocket) -> io::Result<Vec<Vec<u8>>> {
    sock.dump(super::rtnl::RTM_GETLINK, &[0u8; 16])
}

/// Every link's 64-bit counters (RTM_GETSTATS, only IFLA_STATS_LINK_64: about 200 bytes per link, so
/// cheap enough to ask every 100 ms).
pub fn link_stats(sock: &mut RtSocket) -> io::Result<Vec<(i32, Stats64)>> {
    let mut hdr = [0u8; 12];
    let mask: u32 = 1 << (IFLA_STATS_LINK_64 - 1);
    hdr[8..12].copy_from_slice(&mask.to_ne_bytes());
    Ok(sock
        .dump(RTM_GETSTATS, &hdr)?
        .iter()
        .filter_map(|b| decode_stats_msg(b))
        .collect())
}

/// The interface index a packet from `src` to `dst` leaves by (`ip route get DST from SRC`).
pub fn route_oif(sock: &mut RtSocket, src: IpAddr, dst: IpAddr) -> io::Result<Option<i32>> {
    let (family, bits) = match dst {
        IpAddr::V4(_) => (libc::AF_INET as u8, 32u8),
        IpAddr::V6(_) => (libc::AF_INET6 as u8, 128u8),
    };
    let octets = |ip: IpAddr| match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    };
    // struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags.
    let mut req = vec![family, bits, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    let mut attrs = vec![RawNla::new(RTA_DST, octets(dst))];
    if src.is_ipv4() == dst.is_ipv4() && !src.is_unspecified() {
        attrs.push(RawNla::new(RTA_SRC, octets(src)));
        req[2] = bits;
    }
    req.extend(emit_all(&attrs));
    let answer = sock.get(RTM_GETROUTE, &req)?;
    Ok(answer
        .iter()
        .filter_map(|b| RouteMsg::parse(b))
        .find_map(|r| r.attr(RTA_OIF).and_then(u32_of))
        .map(|i| i as i32))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(kind: u16, data: &[u8]) -> Vec<u8> {
        emit_all(&[RawNla::new(kind, data)])
    }

    fn stats(values: &[u64]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_ne_bytes()).collect()
    }

    #[test]
    fn decodes_stats_and_parent_bus_of_a_link() {
        let mut b = vec![0u8; 16];
        let mut v: Vec<u64> = (1..=25).collect();
        v[6] = 7000; // rx_dropped
        b.extend(attr(IFLA_STATS64, &stats(&v)));
        b.extend(attr(IFLA_PARENT_DEV_NAME, b"0000:00:03.0\0"));
        b.extend(attr(IFLA_PARENT_DEV_BUS_NAME, b"pci\0"));
        b.extend(attr(IFLA_CARRIER_CHANGES, &3u32.to_ne_bytes()));
        let x = decode_link_extra(&b);
        let s = x.stats.unwrap();
        assert_eq!(s.get("rx_packets"), 1);
        assert_eq!(s.get("rx_dropped"), 7000);
        assert_eq!(s.get("rx_missed_errors"), 16);
        assert_eq!(s.get("rx_otherhost_dropped"), 25);
        assert_eq!(x.parent_dev.as_deref(), Some("0000:00:03.0"));
        assert_eq!(x.parent_bus.as_deref(), Some("pci"));
        assert_eq!(x.carrier_changes, Some(3));
    }

    #[test]
    fn short_and_old_stats_never_panic() {
        // An older kernel's 23-field struct: the newer fields read as absent (0).
        let s = Stats64::parse(&stats(&[5; 23]));
        assert_eq!(s.0.len(), 23);
        assert_eq!(s.get("rx_nohandler"), 0);
        assert_eq!(Stats64::parse(&[1, 2, 3]).0.len(), 0);
        assert_eq!(decode_link_extra(&[0; 3]), LinkExtra::default());
        assert!(decode_stats_msg(&[0; 6]).is_none());
    }

    #[test]
    fn decodes_a_getstats_answer() {
        let mut b = vec![0u8; 12];
        b[4..8].copy_from_slice(&4i32.to_ne_bytes());
        b.extend(attr(IFLA_STATS_LINK_64, &stats(&[10, 20, 3000, 4000])));
        let (i, s) = decode_stats_msg(&b).unwrap();
        assert_eq!(i, 4);
        assert_eq!((s.get("rx_bytes"), s.get("tx_bytes")), (3000, 4000));
    }
}

//! Route-netlink links and addresses into the report's `Link`s (name, index, state, flags, MTU,
//! `addr/len` of each address), which triage reads.

use crate::collect::rtnl_text::{link_flags, operstate};
use crate::netlink::rtnl::{AddrMsg, LinkMsg};
use crate::report::Link;

/// The report's view of links: name, index, state, flags, MTU, and `addr/len` of each address.
pub fn report_links(links: &[LinkMsg], addrs: &[AddrMsg]) -> Vec<Link> {
    links
        .iter()
        .map(|l| Link {
            name: l.name.clone(),
            index: l.index,
            state: l.operstate.map(operstate).unwrap_or_default(),
            flags: link_flags(l.flags),
            mtu: l.mtu,
            addrs: addrs
                .iter()
                .filter(|a| a.index as i32 == l.index)
                .filter_map(|a| Some(format!("{}/{}", a.own()?, a.prefixlen)))
                .collect(),
            rp_filter: None,
        })
        .collect()
}

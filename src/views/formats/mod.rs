//! The text formats of the tools maintainers know, rendered byte for byte from typed data (and some
//! parsed back, for recorded outputs): `ip mptcp endpoint/limits show` and `ip mptcp monitor`
//! (iproute), `ip addr` / `ip route` / `ip rule` (rtnl), `ss -ManiH` (ss, with ss's column layout
//! replayed in ss_layout) and the sockets-at-a-glance lines of the summary (ss_summary). Collectors
//! render their raw/ texts with these; the views quote them.

pub mod iproute;
pub mod monitor;
pub mod rtnl;
pub mod ss;
mod ss_layout;
pub mod ss_summary;

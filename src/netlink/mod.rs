//! Netlink, protocol only: generic netlink `mptcp_pm` (endpoints, limits, events) and `ethtool`,
//! route netlink (links, addresses, routes, rules, counters) and sock_diag (MPTCP sockets and their
//! subflows), as typed messages that keep what this build does not know (`Other(..)`).
//!
//! One stack: sockets from netlink-sys (opened on the calling thread, so in the namespace it entered),
//! framing, errors and the attribute vocabulary from netlink-packet-core, the generic netlink header
//! from netlink-packet-generic. Nothing here knows the report: collect turns these messages into
//! report types and views print them. Imports nothing from the crate but `crate::sys`.

pub mod consts;
pub mod drvinfo;
pub mod ethtool;
pub mod event;
pub mod family;
pub mod genl;
pub mod link_stats;
pub mod monitor;
pub mod mptcp_pm;
pub mod nla;
pub mod rtnl;
pub mod sock_diag;
pub mod socket;
pub mod typed;

use thiserror::Error;

/// Why a generic netlink exchange failed, as users should read it.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum PmError {
    #[error("MPTCP netlink family not available (kernel without CONFIG_MPTCP?)")]
    FamilyMissing,
    #[error("permission denied talking to the MPTCP path manager (needs CAP_NET_ADMIN)")]
    PermissionDenied,
    #[error("{0}")]
    Other(String),
}

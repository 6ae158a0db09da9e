//! Generic netlink `mptcp_pm`: the primary source of endpoints, limits and events.
//!
//! `PmSource` is the seam between collectors and the kernel: the live source talks generic netlink
//! (works with any iproute2 version), the fixture source parses captured `ip mptcp` text so tests and
//! `--root` analyses see the same typed data.

pub mod attr;
pub mod consts;
pub mod diag_sample;
pub mod drvinfo;
pub mod endpoint;
pub mod ethtool;
pub mod event;
pub mod family;
pub mod frame;
pub mod genl;
pub mod iproute;
pub mod link_stats;
pub mod live;
pub mod monitor;
pub mod monitor_text;
pub mod rtnl;
pub mod rtnl_text;
pub mod sock_diag;
pub mod sock_diag_dump;
pub mod sock_diag_info;
pub mod sock_diag_layout;
pub mod sock_diag_summary;
pub mod sock_diag_text;

pub use consts::{
    MPTCP_PM_ADDR_FLAG_BACKUP, MPTCP_PM_ADDR_FLAG_FULLMESH, MPTCP_PM_ADDR_FLAG_IMPLICIT,
    MPTCP_PM_ADDR_FLAG_LAMINAR, MPTCP_PM_ADDR_FLAG_SIGNAL, MPTCP_PM_ADDR_FLAG_SUBFLOW,
};

use crate::report::{Endpoint, Limits};
use thiserror::Error;

/// Names in the order iproute2 prints them.
pub const ENDPOINT_FLAG_NAMES: &[(&str, u32)] = &[
    ("signal", MPTCP_PM_ADDR_FLAG_SIGNAL),
    ("subflow", MPTCP_PM_ADDR_FLAG_SUBFLOW),
    ("backup", MPTCP_PM_ADDR_FLAG_BACKUP),
    ("fullmesh", MPTCP_PM_ADDR_FLAG_FULLMESH),
    ("implicit", MPTCP_PM_ADDR_FLAG_IMPLICIT),
    ("laminar", MPTCP_PM_ADDR_FLAG_LAMINAR),
];

#[derive(Debug, Error, Clone, PartialEq)]
pub enum PmError {
    #[error("MPTCP netlink family not available (kernel without CONFIG_MPTCP?)")]
    FamilyMissing,
    #[error("permission denied talking to the MPTCP path manager (needs CAP_NET_ADMIN)")]
    PermissionDenied,
    #[error("{0}")]
    Other(String),
}

/// Where endpoints and limits come from. Called on the thread that already entered the target
/// network namespace, so implementations open their sockets there.
pub trait PmSource: Send + Sync {
    fn endpoints(&self) -> Result<Vec<Endpoint>, PmError>;
    fn limits(&self) -> Result<Limits, PmError>;
}

/// A source with nothing behind it (e.g. `--root` without recorded command outputs).
pub struct NoPm(pub String);

impl PmSource for NoPm {
    fn endpoints(&self) -> Result<Vec<Endpoint>, PmError> {
        Err(PmError::Other(self.0.clone()))
    }
    fn limits(&self) -> Result<Limits, PmError> {
        Err(PmError::Other(self.0.clone()))
    }
}

/// Endpoints and limits parsed from recorded `ip mptcp ... show` outputs (tests, offline analysis).
pub struct RecordedPm {
    pub dir: std::path::PathBuf,
}

impl RecordedPm {
    fn read(&self, what: &str) -> Result<String, PmError> {
        let p = self.dir.join(format!("ip mptcp {what} show"));
        let side = |ext: &str| std::fs::read_to_string(format!("{}.{ext}", p.display())).ok();
        if side("exit").is_some_and(|c| c.trim() != "0") {
            let err = side("stderr").unwrap_or_default();
            return Err(PmError::Other(format!(
                "recorded `ip mptcp {what} show` failed: {}",
                err.trim()
            )));
        }
        std::fs::read_to_string(&p).map_err(|e| PmError::Other(format!("{}: {e}", p.display())))
    }
}

impl PmSource for RecordedPm {
    fn endpoints(&self) -> Result<Vec<Endpoint>, PmError> {
        iproute::parse_endpoints(&self.read("endpoint")?).map_err(PmError::Other)
    }
    fn limits(&self) -> Result<Limits, PmError> {
        iproute::parse_limits(&self.read("limits")?).map_err(PmError::Other)
    }
}

/// The live source: generic netlink on the running kernel.
pub fn live_source() -> std::sync::Arc<dyn PmSource> {
    std::sync::Arc::new(live::LivePm)
}

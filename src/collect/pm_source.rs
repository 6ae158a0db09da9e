//! Where endpoints and limits come from: `PmSource` is the seam between the collectors and the
//! kernel. The live source talks generic netlink (works with any iproute2 version), the recorded
//! source parses captured `ip mptcp` text so tests and `--root` analyses see the same typed data.

use super::convert::pm;
use crate::netlink::mptcp_pm::PmConn;
use crate::netlink::rtnl::RtSocket;
use crate::netlink::PmError;
use crate::report::{Endpoint, Limits};
use crate::views::formats::iproute;

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

/// The live source: generic netlink on the running kernel. Each call opens its socket on the
/// calling thread, which the engine has already moved into the target namespace.
pub struct LivePm;

impl PmSource for LivePm {
    fn endpoints(&self) -> Result<Vec<Endpoint>, PmError> {
        let addrs = PmConn::open()?.endpoints()?;
        // Interface names as this namespace knows them (one route socket for all endpoints).
        let mut rt = addrs
            .iter()
            .any(|a| a.ifindex().is_some())
            .then(|| RtSocket::open().ok())
            .flatten();
        addrs
            .iter()
            .map(|a| {
                let dev = a
                    .ifindex()
                    .and_then(|i| rt.as_mut().and_then(|rt| rt.link_name(i)));
                pm::endpoint(a, dev).map_err(PmError::Other)
            })
            .collect()
    }

    fn limits(&self) -> Result<Limits, PmError> {
        Ok(pm::limits(&PmConn::open()?.limits()?))
    }
}

/// The live source.
pub fn live_source() -> std::sync::Arc<dyn PmSource> {
    std::sync::Arc::new(LivePm)
}

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
    /// The recorded `ip mptcp WHAT show`, read like every recorded output (sealed inside its
    /// directory, bounded: see FixtureRunner).
    fn read(&self, what: &str) -> Result<String, PmError> {
        use crate::sys::runner::CommandRequest;
        use crate::sys::{FixtureRunner, Runner};
        let argv = ["ip", "mptcp", what, "show"];
        let out = FixtureRunner::new(&self.dir).run(&CommandRequest::new(
            &argv,
            std::time::Duration::from_secs(1),
            usize::MAX,
        ));
        match out.exit_code {
            None => Err(PmError::Other(format!(
                "{}: not recorded",
                self.dir.join(argv.join(" ")).display()
            ))),
            Some(0) => Ok(out.stdout),
            Some(_) => Err(PmError::Other(format!(
                "recorded `ip mptcp {what} show` failed: {}",
                out.stderr.trim()
            ))),
        }
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

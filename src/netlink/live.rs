//! The live `PmSource`: endpoints and limits from the running kernel over generic netlink.
//!
//! Each call opens its socket on the calling thread, which the engine has already moved into the
//! target network namespace; nothing is shared between threads, so namespaces never mix.

use super::consts::*;
use super::endpoint::{decode_endpoint, decode_limits, ifname};
use super::genl::GenlSocket;
use super::{PmError, PmSource};
use crate::report::{Endpoint, Limits};

pub struct LivePm;

/// A socket with the `mptcp_pm` family resolved, in the calling thread's namespace.
pub struct PmConn {
    pub sock: GenlSocket,
    pub family: super::family::Family,
}

impl PmConn {
    pub fn open() -> Result<PmConn, PmError> {
        let sock = GenlSocket::open()?;
        let family = sock.family(MPTCP_PM_NAME)?;
        Ok(PmConn { sock, family })
    }

    pub fn endpoints(&self) -> Result<Vec<Endpoint>, PmError> {
        let msgs = self.sock.request(
            self.family.id,
            MPTCP_PM_CMD_GET_ADDR,
            MPTCP_PM_VER,
            Vec::new(),
            true,
            "mptcp_pm get_addr",
        )?;
        msgs.iter()
            .map(|m| {
                let mut ep = decode_endpoint(m).map_err(PmError::Other)?;
                ep.dev = ep.ifindex.and_then(ifname);
                Ok(ep)
            })
            .collect()
    }

    pub fn limits(&self) -> Result<Limits, PmError> {
        let msgs = self.sock.request(
            self.family.id,
            MPTCP_PM_CMD_GET_LIMITS,
            MPTCP_PM_VER,
            Vec::new(),
            false,
            "mptcp_pm get_limits",
        )?;
        let msg = msgs
            .first()
            .ok_or_else(|| PmError::Other("mptcp_pm get_limits: no answer".into()))?;
        decode_limits(msg).map_err(PmError::Other)
    }
}

impl PmSource for LivePm {
    fn endpoints(&self) -> Result<Vec<Endpoint>, PmError> {
        PmConn::open()?.endpoints()
    }

    fn limits(&self) -> Result<Limits, PmError> {
        PmConn::open()?.limits()
    }
}

//! A generic netlink socket owned by the calling thread: family lookup through nlctrl, one request
//! (or dump) at a time, and kernel errors turned into `PmError`s with the kernel's extended-ACK text.
//! The generic netlink header is netlink-packet-generic's; the attributes after it stay bytes for
//! the family's own decoder (`mptcp_pm.rs`, `event.rs`, `ethtool.rs`, `family.rs`).

use super::family::{parse_family, Family};
use super::nla::{emit_all, RawNla};
use super::socket::{Message, NlError, NlSocket, NETLINK_GENERIC};
use super::PmError;
use netlink_packet_core::Emitable;
use netlink_packet_generic::constants::{CTRL_ATTR_FAMILY_NAME, CTRL_CMD_GETFAMILY, GENL_ID_CTRL};
pub use netlink_packet_generic::GenlHeader;

/// nlctrl's own protocol version, as genl(8) and libnl send it.
pub const CTRL_VERSION: u8 = 2;
const GENL_HDRLEN: usize = 4;

/// One generic netlink message: its header (command, version) and its attributes, as bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenlMsg {
    pub header: GenlHeader,
    pub attrs: Vec<u8>,
}

impl GenlMsg {
    pub fn new(cmd: u8, version: u8, attrs: Vec<u8>) -> GenlMsg {
        GenlMsg {
            header: GenlHeader { cmd, version },
            attrs,
        }
    }

    /// The body of a netlink message (after its 16-byte header).
    pub fn parse(body: &[u8]) -> Result<GenlMsg, String> {
        let header = GenlHeader::parse(body).map_err(|e| e.to_string())?;
        Ok(GenlMsg {
            header,
            attrs: body[GENL_HDRLEN..].to_vec(),
        })
    }

    /// The body again: the header (reserved bytes zero, as the kernel sends them) and the attributes.
    pub fn emit(&self) -> Vec<u8> {
        let mut out = vec![0u8; GENL_HDRLEN];
        self.header.emit(&mut out);
        out.extend_from_slice(&self.attrs);
        out
    }

    pub fn cmd(&self) -> u8 {
        self.header.cmd
    }
}

/// Maps a kernel errno for operation `op` to the error users see.
pub fn errno_error(op: &str, errno: i32, ext_ack: Option<&str>) -> PmError {
    match errno {
        libc::EPERM | libc::EACCES => PmError::PermissionDenied,
        _ => PmError::Other(format!(
            "{op}: {}",
            NlError::Kernel {
                errno,
                ext_ack: ext_ack.map(str::to_string)
            }
        )),
    }
}

/// Maps an error from the family lookup: nlctrl answers ENOENT when the family does not exist.
pub fn lookup_error(errno: i32, ext_ack: Option<&str>) -> PmError {
    match errno {
        libc::ENOENT => PmError::FamilyMissing,
        _ => errno_error("generic netlink family lookup", errno, ext_ack),
    }
}

fn nl_error(op: &str, e: NlError) -> PmError {
    match e {
        NlError::Kernel { errno, ext_ack } => errno_error(op, errno, ext_ack.as_deref()),
        NlError::Io(io) => match io.raw_os_error() {
            Some(errno) => errno_error(op, errno, None),
            None => PmError::Other(format!("{op}: {io}")),
        },
        NlError::Malformed(m) => {
            PmError::Other(format!("{op}: malformed answer from the kernel ({m})"))
        }
    }
}

pub struct GenlSocket {
    sock: NlSocket,
}

impl GenlSocket {
    /// Opens a NETLINK_GENERIC socket in the calling thread's network namespace.
    pub fn open() -> Result<GenlSocket, PmError> {
        let sock = NlSocket::open(NETLINK_GENERIC).map_err(|e| match e.raw_os_error() {
            Some(libc::EAFNOSUPPORT | libc::EPROTONOSUPPORT) => {
                PmError::Other("generic netlink is not available in this kernel".into())
            }
            _ => nl_error("opening a generic netlink socket", NlError::Io(e)),
        })?;
        Ok(GenlSocket { sock })
    }

    pub fn socket(&mut self) -> &mut NlSocket {
        &mut self.sock
    }

    pub fn socket_ref(&self) -> &NlSocket {
        &self.sock
    }

    /// Looks a family up by name (id, version, multicast groups).
    pub fn family(&mut self, name: &str) -> Result<Family, PmError> {
        let mut nul_terminated = name.as_bytes().to_vec();
        nul_terminated.push(0);
        let attrs = emit_all(&[RawNla::new(CTRL_ATTR_FAMILY_NAME, nul_terminated)]);
        let req = GenlMsg::new(CTRL_CMD_GETFAMILY, CTRL_VERSION, attrs);
        let reply = self
            .exchange(GENL_ID_CTRL, &req, false)
            .map_err(|e| match e {
                NlError::Kernel { errno, ext_ack } => lookup_error(errno, ext_ack.as_deref()),
                e => nl_error("generic netlink family lookup", e),
            })?;
        let msg = reply.first().ok_or(PmError::FamilyMissing)?;
        parse_family(msg).map_err(|e| PmError::Other(format!("nlctrl: {e}")))
    }

    /// Sends one request and collects the answer: every message of a dump, or the single reply (none
    /// for commands that only acknowledge).
    pub fn request(
        &mut self,
        family: u16,
        cmd: u8,
        version: u8,
        attrs: &[u8],
        dump: bool,
        op: &str,
    ) -> Result<Vec<GenlMsg>, PmError> {
        let req = GenlMsg::new(cmd, version, attrs.to_vec());
        self.exchange(family, &req, dump)
            .map_err(|e| nl_error(op, e))
    }

    /// Joins a multicast group by id.
    pub fn join(&self, group: u32) -> Result<(), PmError> {
        self.sock
            .socket()
            .add_membership(group)
            .map_err(|e| nl_error("joining the multicast group", NlError::Io(e)))
    }

    fn exchange(&mut self, kind: u16, req: &GenlMsg, dump: bool) -> Result<Vec<GenlMsg>, NlError> {
        let mut out = Vec::new();
        let mut bad = None;
        self.sock.request(
            kind,
            dump,
            &req.emit(),
            &mut |m: &Message| match GenlMsg::parse(m.body) {
                Ok(g) => out.push(g),
                Err(e) => bad = bad.take().or(Some(e)),
            },
        )?;
        match bad {
            Some(e) => Err(NlError::Malformed(e)),
            None => Ok(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_mapping_is_clean() {
        assert_eq!(lookup_error(libc::ENOENT, None), PmError::FamilyMissing);
        assert_eq!(
            lookup_error(libc::ENOENT, None).to_string(),
            "MPTCP netlink family not available (kernel without CONFIG_MPTCP?)"
        );
        assert_eq!(
            errno_error("get_addr", libc::EPERM, None),
            PmError::PermissionDenied
        );
        assert_eq!(
            errno_error("get_addr", libc::EACCES, None),
            PmError::PermissionDenied
        );
        assert_eq!(
            errno_error("get_addr", libc::EINVAL, Some("missing attribute")).to_string(),
            "get_addr: Invalid argument: missing attribute"
        );
        assert_eq!(
            errno_error("get_limits", libc::ERANGE, None).to_string(),
            "get_limits: Numerical result out of range"
        );
    }

    #[test]
    fn the_generic_header_round_trips() {
        let m = GenlMsg::new(3, 1, vec![8, 0, 1, 0, 1, 0, 0, 0]);
        let body = m.emit();
        assert_eq!(&body[..4], &[3, 1, 0, 0]);
        assert_eq!(GenlMsg::parse(&body).unwrap(), m);
        assert!(GenlMsg::parse(&[3]).is_err());
    }
}

//! A generic netlink socket owned by the calling thread: family lookup through nlctrl, one request
//! (or dump) at a time, and kernel errors turned into `PmError`s with the kernel's extended-ACK text.
//!
//! A bare `NlSocketHandle` rather than neli's `NlRouter`: the router starts its own thread (which would
//! not be in the namespace this thread entered with setns), drops the extended-ACK text, and mistakes
//! multicast messages from groups above 32 for replies.

use super::attr::{self, Attr, GenlMsg};
use super::consts::*;
use super::family::{parse_family, Family};
use super::PmError;
use neli::consts::nl::{NlmF, Nlmsg};
use neli::consts::socket::NlFamily;
use neli::err::SocketError;
use neli::genl::{AttrTypeBuilder, GenlmsghdrBuilder, NlattrBuilder};
use neli::nl::{NlPayload, NlmsghdrBuilder};
use neli::socket::synchronous::NlSocketHandle;
use neli::types::{Buffer, GenlBuffer};
use neli::utils::Groups;
use std::cell::Cell;
use std::os::fd::{AsRawFd, RawFd};

pub struct GenlSocket {
    sock: NlSocketHandle,
    seq: Cell<u32>,
}

/// The text of an errno without Rust's " (os error N)" suffix.
pub fn describe_errno(errno: i32) -> String {
    let s = std::io::Error::from_raw_os_error(errno).to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Maps a kernel errno for operation `op` to the error users see.
pub fn errno_error(op: &str, errno: i32, ext_ack: Option<&str>) -> PmError {
    match errno {
        libc::EPERM | libc::EACCES => PmError::PermissionDenied,
        _ => {
            let detail = ext_ack
                .filter(|m| !m.is_empty())
                .map(|m| format!(": {m}"))
                .unwrap_or_default();
            PmError::Other(format!("{op}: {}{detail}", describe_errno(errno)))
        }
    }
}

/// Maps an error from the family lookup: nlctrl answers ENOENT when the family does not exist.
pub fn lookup_error(errno: i32, ext_ack: Option<&str>) -> PmError {
    match errno {
        libc::ENOENT => PmError::FamilyMissing,
        _ => errno_error("generic netlink family lookup", errno, ext_ack),
    }
}

fn socket_error(op: &str, e: SocketError) -> PmError {
    match e {
        SocketError::Io(io) => match io.raw_os_error() {
            Some(errno) => errno_error(op, errno, None),
            None => PmError::Other(format!("{op}: {io}")),
        },
        SocketError::De(d) => {
            PmError::Other(format!("{op}: malformed answer from the kernel ({d})"))
        }
        other => PmError::Other(format!("{op}: {other}")),
    }
}

/// Builds one attribute with a raw payload.
pub fn attr(kind: u16, payload: &[u8]) -> Result<Attr, PmError> {
    let t = AttrTypeBuilder::default()
        .nla_type(kind)
        .build()
        .map_err(|e| PmError::Other(e.to_string()))?;
    NlattrBuilder::default()
        .nla_type(t)
        .nla_payload(Buffer::from(payload))
        .build()
        .map_err(|e| PmError::Other(e.to_string()))
}

/// Builds a nested attribute (NLA_F_NESTED set) holding `children`.
pub fn nest(kind: u16, children: &[Attr]) -> Result<Attr, PmError> {
    let t = AttrTypeBuilder::default()
        .nla_type(kind)
        .nla_nested(true)
        .build()
        .map_err(|e| PmError::Other(e.to_string()))?;
    let mut a = NlattrBuilder::default()
        .nla_type(t)
        .nla_payload(Buffer::new())
        .build()
        .map_err(|e| PmError::Other(e.to_string()))?;
    for c in children {
        a = a.nest(c).map_err(|e| PmError::Other(e.to_string()))?;
    }
    Ok(a)
}

impl GenlSocket {
    /// Opens a NETLINK_GENERIC socket in the calling thread's network namespace.
    pub fn open() -> Result<GenlSocket, PmError> {
        let sock = NlSocketHandle::connect(NlFamily::Generic, None, Groups::empty()).map_err(
            |e| match e {
                SocketError::Io(io)
                    if matches!(
                        io.raw_os_error(),
                        Some(libc::EAFNOSUPPORT | libc::EPROTONOSUPPORT)
                    ) =>
                {
                    PmError::Other("generic netlink is not available in this kernel".into())
                }
                e => socket_error("opening a generic netlink socket", e),
            },
        )?;
        // Extended ACKs carry the kernel's reason text; older kernels simply ignore the option.
        let _ = sock.enable_ext_ack(true);
        Ok(GenlSocket {
            sock,
            seq: Cell::new(0),
        })
    }

    pub fn handle(&self) -> &NlSocketHandle {
        &self.sock
    }

    /// Looks a family up by name (id, version, multicast groups).
    pub fn family(&self, name: &str) -> Result<Family, PmError> {
        let mut nul_terminated = name.as_bytes().to_vec();
        nul_terminated.push(0);
        let reply = self
            .exchange(
                GENL_ID_CTRL,
                CTRL_CMD_GETFAMILY,
                CTRL_VERSION,
                vec![attr(CTRL_ATTR_FAMILY_NAME, &nul_terminated)?],
                false,
            )
            .map_err(|e| match e {
                Exchange::Kernel(errno, ext) => lookup_error(errno, ext.as_deref()),
                Exchange::Local(e) => e,
            })?;
        let msg = reply.first().ok_or(PmError::FamilyMissing)?;
        parse_family(msg).map_err(|e| PmError::Other(format!("nlctrl: {e}")))
    }

    /// Sends one request and collects the answer: every message of a dump, or the single reply (none
    /// for commands that only acknowledge).
    pub fn request(
        &self,
        family: u16,
        cmd: u8,
        version: u8,
        attrs: Vec<Attr>,
        dump: bool,
        op: &str,
    ) -> Result<Vec<GenlMsg>, PmError> {
        self.exchange(family, cmd, version, attrs, dump)
            .map_err(|e| match e {
                Exchange::Kernel(errno, ext) => errno_error(op, errno, ext.as_deref()),
                Exchange::Local(PmError::Other(m)) => PmError::Other(format!("{op}: {m}")),
                Exchange::Local(e) => e,
            })
    }

    /// Joins a multicast group by id.
    pub fn join(&self, group: u32) -> Result<(), PmError> {
        self.sock
            .add_mcast_membership(Groups::new_groups(&[group]))
            .map_err(|e| socket_error("joining the multicast group", e))
    }

    fn exchange(
        &self,
        nl_type: u16,
        cmd: u8,
        version: u8,
        attrs: Vec<Attr>,
        dump: bool,
    ) -> Result<Vec<GenlMsg>, Exchange> {
        let local = |e: String| Exchange::Local(PmError::Other(e));
        let seq = self.seq.get().wrapping_add(1);
        self.seq.set(seq);
        let genl = GenlmsghdrBuilder::<u8, u16>::default()
            .cmd(cmd)
            .version(version)
            .attrs(attrs.into_iter().collect::<GenlBuffer<u16, Buffer>>())
            .build()
            .map_err(|e| local(e.to_string()))?;
        // A dump ends with DONE; anything else asks for an ACK so that commands without a reply
        // message (ADD_ADDR, SET_LIMITS, ...) end too.
        let flags = if dump {
            NlmF::REQUEST | NlmF::DUMP
        } else {
            NlmF::REQUEST | NlmF::ACK
        };
        let msg = NlmsghdrBuilder::default()
            .nl_type(nl_type)
            .nl_flags(flags)
            .nl_seq(seq)
            .nl_payload(NlPayload::Payload(genl))
            .build()
            .map_err(|e| local(e.to_string()))?;
        self.sock
            .send(&msg)
            .map_err(|e| Exchange::Local(socket_error("sending the request", e)))?;
        let done: u16 = Nlmsg::Done.into();
        let mut out = Vec::new();
        loop {
            // neli parses only datagrams whose lengths add up (frame.rs).
            let received = match super::frame::reject_malformed(self.sock.as_raw_fd()) {
                Ok(Some(why)) => return Err(local(why)),
                Ok(None) => self.sock.recv::<u16, GenlMsg>(),
                Err(e) => Err(SocketError::Io(e.into())),
            };
            let (msgs, _) =
                received.map_err(|e| Exchange::Local(socket_error("reading the answer", e)))?;
            for m in msgs {
                let m = m.map_err(|e| Exchange::Local(socket_error("reading the answer", e)))?;
                // Multicast notifications and answers to older requests are not ours.
                if *m.nl_seq() != seq || *m.nl_pid() != self.sock.pid() {
                    continue;
                }
                match m.nl_payload() {
                    NlPayload::Payload(p) if *m.nl_type() != done => {
                        out.push(p.clone());
                        if !dump {
                            return Ok(out);
                        }
                    }
                    NlPayload::Err(e) => {
                        return Err(Exchange::Kernel(
                            e.error().saturating_neg(),
                            ext_ack_msg(e.ext_ack()),
                        ))
                    }
                    NlPayload::DumpExtAck(e) if *e.error() != 0 => {
                        return Err(Exchange::Kernel(
                            e.error().saturating_neg(),
                            ext_ack_msg(e.ext_ack()),
                        ))
                    }
                    NlPayload::Ack(_) => return Ok(out),
                    _ => {}
                }
                if *m.nl_type() == done {
                    return Ok(out);
                }
            }
        }
    }
}

impl AsRawFd for GenlSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.sock.as_raw_fd()
    }
}

/// Why an exchange failed: the kernel said no (errno, extended-ACK text), or something local.
enum Exchange {
    Kernel(i32, Option<String>),
    Local(PmError),
}

fn ext_ack_msg(attrs: &GenlBuffer<neli::consts::nl::NlmsgerrAttr, Buffer>) -> Option<String> {
    attrs
        .iter()
        .find(|a| u16::from(*a.nla_type().nla_type()) == NLMSGERR_ATTR_MSG)
        .map(|a| attr::string(a.nla_payload().as_ref()))
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
}

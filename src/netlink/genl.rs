//! A generic netlink socket over neli's `NlSocket`: family lookup through nlctrl, request/dump with
//! errors mapped to clean messages (errno + the kernel's extended-ACK text), and multicast joins.
//! The socket lives in the network namespace of the thread that creates it.

use super::consts::*;
use super::msg::{genl_request, parse_msgs, put_attr, Attr};
use super::PmError;
use neli::consts::socket::{Msg as MsgFlags, NlFamily};
use neli::socket::NlSocket;
use neli::utils::Groups;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    pub id: u16,
    pub version: u32,
    /// Multicast group name -> id.
    pub groups: BTreeMap<String, u32>,
}

/// One generic netlink request.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub family: u16,
    pub cmd: u8,
    pub version: u8,
    pub dump: bool,
    pub attrs: &'a [u8],
    /// Names the operation in error messages.
    pub what: &'a str,
}

pub struct GenlSocket {
    sock: NlSocket,
    seq: u32,
    buf: Vec<u8>,
}

/// An errno from the kernel, as a typed error.
pub fn errno_error(errno: i32, ext: Option<String>, what: &str) -> PmError {
    match errno {
        libc::EPERM | libc::EACCES => PmError::PermissionDenied,
        libc::ENOENT if what == "family" => PmError::FamilyMissing,
        _ => {
            let os = std::io::Error::from_raw_os_error(errno);
            let text = match ext {
                Some(m) if !m.is_empty() => format!("{what}: {m} ({os})"),
                _ => format!("{what}: {os}"),
            };
            PmError::Other(text)
        }
    }
}

fn io_error(e: std::io::Error, what: &str) -> PmError {
    match e.raw_os_error() {
        Some(n) => errno_error(n, None, what),
        None => PmError::Other(format!("{what}: {e}")),
    }
}

impl GenlSocket {
    pub fn connect() -> Result<GenlSocket, PmError> {
        let sock = NlSocket::connect(NlFamily::Generic, None, Groups::empty())
            .map_err(|e| io_error(e, "netlink socket"))?;
        // Extended ACKs carry the kernel's reason text; older kernels refuse the option: fine.
        let _ = sock.enable_ext_ack(true);
        Ok(GenlSocket {
            sock,
            seq: 0,
            buf: vec![0u8; 64 << 10],
        })
    }

    pub fn set_recv_buffer_size(&self, bytes: usize) -> Result<(), PmError> {
        self.sock
            .set_recv_buffer_size(bytes)
            .map_err(|e| io_error(e, "receive buffer"))
    }

    pub fn join_group(&self, id: u32) -> Result<(), PmError> {
        self.sock
            .add_mcast_membership(Groups::new_groups(&[id]))
            .map_err(|e| io_error(e, "multicast join"))
    }

    /// Sends a request and hands every answer's (cmd, attrs) to `f` (one for `do`, many for dumps).
    pub fn request(&mut self, r: &Request, mut f: impl FnMut(u8, &[Attr])) -> Result<(), PmError> {
        let Request {
            family,
            cmd,
            version,
            dump,
            attrs,
            what,
        } = *r;
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let flags = NLM_F_REQUEST | NLM_F_ACK | if dump { NLM_F_DUMP } else { 0 };
        let req = genl_request(family, flags, seq, cmd, version, attrs);
        self.sock
            .send(&req, MsgFlags::empty())
            .map_err(|e| io_error(e, what))?;
        loop {
            let (n, _) = self
                .sock
                .recv(&mut self.buf[..], MsgFlags::empty())
                .map_err(|e| io_error(e, what))?;
            let mut done = false;
            for m in parse_msgs(&self.buf[..n]) {
                if m.seq != seq {
                    continue;
                }
                match m.kind {
                    NLMSG_ERROR => {
                        let (errno, ext) = m.error().ok_or_else(|| {
                            PmError::Other(format!("{what}: malformed error message"))
                        })?;
                        if errno != 0 {
                            return Err(errno_error(errno, ext, what));
                        }
                        done = true;
                    }
                    NLMSG_DONE => done = true,
                    NLMSG_NOOP => {}
                    NLMSG_OVERRUN => {
                        return Err(PmError::Other(format!("{what}: netlink overrun")))
                    }
                    _ => {
                        if let Some((c, a)) = m.genl() {
                            f(c, &a);
                        }
                        // A non-dump answer is followed by the ACK we asked for.
                    }
                }
            }
            if done {
                return Ok(());
            }
        }
    }

    /// Resolves a generic netlink family by name.
    pub fn family(&mut self, name: &str) -> Result<Family, PmError> {
        let mut attrs = Vec::new();
        let mut cname = name.as_bytes().to_vec();
        cname.push(0);
        put_attr(&mut attrs, CTRL_ATTR_FAMILY_NAME, &cname);
        let mut fam = None;
        self.request(
            &Request {
                family: GENL_ID_CTRL,
                cmd: CTRL_CMD_GETFAMILY,
                version: 2,
                dump: false,
                attrs: &attrs,
                what: "family",
            },
            |_, a| fam = Some(decode_family(a)),
        )?;
        fam.flatten().ok_or(PmError::FamilyMissing)
    }

    /// Blocks until a datagram arrives; returns its bytes. ENOBUFS (events lost) comes back as
    /// `Err(Some(ENOBUFS))`, a signal interruption as `Err(Some(EINTR))`.
    pub fn recv_raw(&mut self) -> Result<&[u8], std::io::Error> {
        let (n, _) = self.sock.recv(&mut self.buf[..], MsgFlags::empty())?;
        Ok(&self.buf[..n])
    }

    pub fn nonblock(&self) -> std::io::Result<()> {
        self.sock.nonblock()
    }

    pub fn fd(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsRawFd;
        self.sock.as_raw_fd()
    }
}

/// Decodes a CTRL_CMD_NEWFAMILY answer.
pub fn decode_family(attrs: &[Attr]) -> Option<Family> {
    let mut fam = Family {
        id: 0,
        version: 0,
        groups: BTreeMap::new(),
    };
    for a in attrs {
        match a.kind {
            CTRL_ATTR_FAMILY_ID => fam.id = a.u16()?,
            CTRL_ATTR_VERSION => fam.version = a.u32().unwrap_or(0),
            CTRL_ATTR_MCAST_GROUPS => {
                for g in a.attrs() {
                    let inner = g.attrs();
                    let name = inner
                        .iter()
                        .find(|x| x.kind == CTRL_ATTR_MCAST_GRP_NAME)
                        .map(|x| x.string());
                    let id = inner
                        .iter()
                        .find(|x| x.kind == CTRL_ATTR_MCAST_GRP_ID)
                        .and_then(|x| x.u32());
                    if let (Some(name), Some(id)) = (name, id) {
                        fam.groups.insert(name, id);
                    }
                }
            }
            _ => {}
        }
    }
    (fam.id != 0).then_some(fam)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_mapping_gives_clean_messages() {
        assert_eq!(
            errno_error(libc::ENOENT, None, "family"),
            PmError::FamilyMissing
        );
        assert_eq!(
            errno_error(libc::EPERM, None, "get_addr"),
            PmError::PermissionDenied
        );
        let e = errno_error(libc::EINVAL, Some("missing attribute".into()), "get_addr").to_string();
        assert_eq!(
            e,
            "get_addr: missing attribute (Invalid argument (os error 22))"
        );
        assert_eq!(
            PmError::FamilyMissing.to_string(),
            "MPTCP netlink family not available (kernel without CONFIG_MPTCP?)"
        );
    }
}

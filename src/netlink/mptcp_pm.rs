//! The `mptcp_pm` generic netlink family: its attribute sets as typed enums (unknown attributes kept
//! as `Other`), the GET_ADDR / GET_LIMITS answers and the path-manager events as protocol messages,
//! and `PmConn`, a socket with the family resolved. What the report makes of these lives in collect.

use super::consts::*;
use super::genl::{GenlMsg, GenlSocket};
use super::nla::{emit_all, Nla, RawNla, NLA_F_NESTED};
use super::typed::typed_attrs;
use super::PmError;
use std::net::IpAddr;

typed_attrs! {
    /// Attributes nested in MPTCP_PM_ATTR_ADDR (enum mptcp_pm_addr_attrs).
    AddrAttr {
        Family = MPTCP_PM_ADDR_ATTR_FAMILY => U16,
        Id = MPTCP_PM_ADDR_ATTR_ID => U8,
        Addr4 = MPTCP_PM_ADDR_ATTR_ADDR4 => V4,
        Addr6 = MPTCP_PM_ADDR_ATTR_ADDR6 => V6,
        // Host byte order (the kernel converts with ntohs before sending).
        Port = MPTCP_PM_ADDR_ATTR_PORT => U16,
        Flags = MPTCP_PM_ADDR_ATTR_FLAGS => U32,
        IfIdx = MPTCP_PM_ADDR_ATTR_IF_IDX => I32,
    }
}

typed_attrs! {
    /// Scalar top-level attributes of `mptcp_pm` commands (enum mptcp_pm_attrs); the nested address
    /// attributes are `PmAttr::Addr` / `AddrRemote`.
    PmScalar {
        RcvAddAddrs = MPTCP_PM_ATTR_RCV_ADD_ADDRS => U32,
        Subflows = MPTCP_PM_ATTR_SUBFLOWS => U32,
        Token = MPTCP_PM_ATTR_TOKEN => U32,
        LocId = MPTCP_PM_ATTR_LOC_ID => U8,
    }
}

/// A top-level attribute of an `mptcp_pm` command or answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PmAttr {
    Addr(Vec<AddrAttr>),
    AddrRemote(Vec<AddrAttr>),
    Scalar(PmScalar),
}

impl Nla for PmAttr {
    fn value_len(&self) -> usize {
        match self {
            PmAttr::Addr(a) | PmAttr::AddrRemote(a) => a.as_slice().buffer_len(),
            PmAttr::Scalar(s) => s.value_len(),
        }
    }
    fn kind(&self) -> u16 {
        // The kernel nests with nla_nest_start, which sets NLA_F_NESTED.
        match self {
            PmAttr::Addr(_) => MPTCP_PM_ATTR_ADDR | NLA_F_NESTED,
            PmAttr::AddrRemote(_) => MPTCP_PM_ATTR_ADDR_REMOTE | NLA_F_NESTED,
            PmAttr::Scalar(s) => s.kind(),
        }
    }
    fn emit_value(&self, b: &mut [u8]) {
        match self {
            PmAttr::Addr(a) | PmAttr::AddrRemote(a) => super::nla::emit_into(a, b),
            PmAttr::Scalar(s) => s.emit_value(b),
        }
    }
}

use super::nla::Emitable;

impl PmAttr {
    pub fn decode_all(buf: &[u8]) -> Result<Vec<PmAttr>, String> {
        super::nla::attrs(buf)
            .map(|a| {
                let v = super::nla::value(&a);
                Ok(match a.kind() {
                    MPTCP_PM_ATTR_ADDR => PmAttr::Addr(AddrAttr::decode_all(v)?),
                    MPTCP_PM_ATTR_ADDR_REMOTE => PmAttr::AddrRemote(AddrAttr::decode_all(v)?),
                    _ => {
                        let raw = a.into_inner();
                        PmAttr::Scalar(PmScalar::decode(u16::from_ne_bytes([raw[2], raw[3]]), v)?)
                    }
                })
            })
            .collect()
    }
}

/// One endpoint as GET_ADDR describes it: the attributes of MPTCP_PM_ATTR_ADDR, in the kernel's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PmAddr {
    pub attrs: Vec<AddrAttr>,
}

impl PmAddr {
    pub fn id(&self) -> u8 {
        self.find(|a| match a {
            AddrAttr::Id(v) => Some(*v),
            _ => None,
        })
        .unwrap_or(0)
    }
    pub fn port(&self) -> u16 {
        self.find(|a| match a {
            AddrAttr::Port(v) => Some(*v),
            _ => None,
        })
        .unwrap_or(0)
    }
    pub fn flags(&self) -> u32 {
        self.find(|a| match a {
            AddrAttr::Flags(v) => Some(*v),
            _ => None,
        })
        .unwrap_or(0)
    }
    /// The interface index; None when absent or 0.
    pub fn ifindex(&self) -> Option<i32> {
        self.find(|a| match a {
            AddrAttr::IfIdx(v) => Some(*v),
            _ => None,
        })
        .filter(|i| *i != 0)
    }
    /// Attributes this build does not know.
    pub fn unknown(&self) -> impl Iterator<Item = &RawNla> {
        self.attrs.iter().filter_map(|a| match a {
            AddrAttr::Other(r) => Some(r),
            _ => None,
        })
    }

    /// The address, by the family attribute when there is one.
    pub fn addr(&self) -> Result<IpAddr, String> {
        let family = self.find(|a| match a {
            AddrAttr::Family(f) => Some(i32::from(*f)),
            _ => None,
        });
        let v4 = self.find(|a| match a {
            AddrAttr::Addr4(v) => Some(*v),
            _ => None,
        });
        let v6 = self.find(|a| match a {
            AddrAttr::Addr6(v) => Some(*v),
            _ => None,
        });
        match (family, v4, v6) {
            (Some(libc::AF_INET6), _, Some(a)) => Ok(IpAddr::V6(a)),
            (Some(libc::AF_INET), Some(a), _) => Ok(IpAddr::V4(a)),
            (None, Some(a), None) => Ok(IpAddr::V4(a)),
            (None, None, Some(a)) => Ok(IpAddr::V6(a)),
            (f, _, _) => Err(format!(
                "endpoint id {}: no address for family {}",
                self.id(),
                f.map_or("none".into(), |f| f.to_string())
            )),
        }
    }

    fn find<T>(&self, f: impl Fn(&AddrAttr) -> Option<T>) -> Option<T> {
        self.attrs.iter().find_map(f)
    }
}

/// One endpoint of a GET_ADDR answer (the nested MPTCP_PM_ATTR_ADDR).
pub fn decode_addr(msg: &GenlMsg) -> Result<PmAddr, String> {
    let attrs = PmAttr::decode_all(&msg.attrs)?;
    attrs
        .into_iter()
        .find_map(|a| match a {
            PmAttr::Addr(attrs) => Some(PmAddr { attrs }),
            _ => None,
        })
        .ok_or_else(|| "GET_ADDR answer without MPTCP_PM_ATTR_ADDR".into())
}

/// The answer to GET_LIMITS.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PmLimits {
    pub add_addr_accepted: Option<u32>,
    pub subflows: Option<u32>,
}

pub fn decode_limits(msg: &GenlMsg) -> Result<PmLimits, String> {
    let mut l = PmLimits::default();
    for a in PmAttr::decode_all(&msg.attrs)? {
        match a {
            PmAttr::Scalar(PmScalar::RcvAddAddrs(v)) => l.add_addr_accepted = Some(v),
            PmAttr::Scalar(PmScalar::Subflows(v)) => l.subflows = Some(v),
            _ => {}
        }
    }
    Ok(l)
}

/// A socket with the `mptcp_pm` family resolved, in the calling thread's namespace.
pub struct PmConn {
    pub sock: GenlSocket,
    pub family: super::family::Family,
}

impl PmConn {
    pub fn open() -> Result<PmConn, PmError> {
        let mut sock = GenlSocket::open()?;
        let family = sock.family(MPTCP_PM_NAME)?;
        Ok(PmConn { sock, family })
    }

    /// Sends one `mptcp_pm` command; the answers (a dump's every message, else the one reply).
    pub fn command(
        &mut self,
        cmd: u8,
        attrs: &[PmAttr],
        dump: bool,
        op: &str,
    ) -> Result<Vec<GenlMsg>, PmError> {
        let id = self.family.id;
        self.sock
            .request(id, cmd, MPTCP_PM_VER, &emit_all(attrs), dump, op)
    }

    pub fn endpoints(&mut self) -> Result<Vec<PmAddr>, PmError> {
        let msgs = self.command(MPTCP_PM_CMD_GET_ADDR, &[], true, "mptcp_pm get_addr")?;
        msgs.iter()
            .map(|m| decode_addr(m).map_err(PmError::Other))
            .collect()
    }

    pub fn limits(&mut self) -> Result<PmLimits, PmError> {
        let msgs = self.command(MPTCP_PM_CMD_GET_LIMITS, &[], false, "mptcp_pm get_limits")?;
        let msg = msgs
            .first()
            .ok_or_else(|| PmError::Other("mptcp_pm get_limits: no answer".into()))?;
        decode_limits(msg).map_err(PmError::Other)
    }
}

#[cfg(test)]
#[path = "mptcp_pm_tests.rs"]
mod tests;

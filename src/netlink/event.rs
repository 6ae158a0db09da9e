//! Path-manager events (the `mptcp_pm_events` multicast group) as protocol messages: the event type
//! (the generic netlink command byte) and its attributes, typed, with `Other` for an attribute this
//! build does not know. Byte order follows the kernel: event ports and addresses are network order,
//! everything else host order. The report's `PmEvent` is made from these in collect.

use super::consts::*;
use super::genl::GenlMsg;
use super::nla::emit_all;
use super::typed::typed_attrs;

typed_attrs! {
    /// enum mptcp_event_attr.
    EventAttr {
        Token = MPTCP_ATTR_TOKEN => U32,
        Family = MPTCP_ATTR_FAMILY => U16,
        LocId = MPTCP_ATTR_LOC_ID => U8,
        RemId = MPTCP_ATTR_REM_ID => U8,
        Saddr4 = MPTCP_ATTR_SADDR4 => V4,
        Saddr6 = MPTCP_ATTR_SADDR6 => V6,
        Daddr4 = MPTCP_ATTR_DADDR4 => V4,
        Daddr6 = MPTCP_ATTR_DADDR6 => V6,
        // Event ports are network byte order (unlike the endpoint PORT attribute).
        Sport = MPTCP_ATTR_SPORT => U16Be,
        Dport = MPTCP_ATTR_DPORT => U16Be,
        Backup = MPTCP_ATTR_BACKUP => U8,
        Error = MPTCP_ATTR_ERROR => U8,
        Flags = MPTCP_ATTR_FLAGS => U16,
        Timeout = MPTCP_ATTR_TIMEOUT => U32,
        IfIdx = MPTCP_ATTR_IF_IDX => I32,
        ResetReason = MPTCP_ATTR_RESET_REASON => U32,
        ResetFlags = MPTCP_ATTR_RESET_FLAGS => U32,
        // Deprecated (older kernels); newer ones set MPTCP_PM_EV_FLAG_SERVER_SIDE in FLAGS.
        ServerSide = MPTCP_ATTR_SERVER_SIDE => U8,
    }
}

/// One event message: its type (enum mptcp_event_type) and attributes in the kernel's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventMsg {
    pub kind: u8,
    pub version: u8,
    pub attrs: Vec<EventAttr>,
}

/// Decodes one event message (the genl command byte is the event type).
pub fn decode_event(msg: &GenlMsg) -> Result<EventMsg, String> {
    Ok(EventMsg {
        kind: msg.header.cmd,
        version: msg.header.version,
        attrs: EventAttr::decode_all(&msg.attrs)?,
    })
}

impl EventMsg {
    /// The generic netlink message again (decode -> emit gives the kernel's bytes).
    pub fn encode(&self) -> GenlMsg {
        GenlMsg::new(self.kind, self.version, emit_all(&self.attrs))
    }
}

//! Path-manager events (the `mptcp_pm_events` multicast group), decoded natively for every event type
//! the kernel has. A type or attribute this version does not know is kept (`unknown(N)`, raw bytes in
//! hex), never dropped, so a report from a newer kernel still shows everything.

use super::attr::{self, kernel_enum, GenlMsg};
use super::consts::*;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

kernel_enum! {
    /// enum mptcp_event_type.
    EventKind: u8 {
        Created = MPTCP_EVENT_CREATED,
        Established = MPTCP_EVENT_ESTABLISHED,
        Closed = MPTCP_EVENT_CLOSED,
        Announced = MPTCP_EVENT_ANNOUNCED,
        Removed = MPTCP_EVENT_REMOVED,
        SubEstablished = MPTCP_EVENT_SUB_ESTABLISHED,
        SubClosed = MPTCP_EVENT_SUB_CLOSED,
        SubPriority = MPTCP_EVENT_SUB_PRIORITY,
        ListenerCreated = MPTCP_EVENT_LISTENER_CREATED,
        ListenerClosed = MPTCP_EVENT_LISTENER_CLOSED,
    }
}

impl EventKind {
    /// The snake_case name used in JSON (`unknown(N)` for types this version does not know).
    pub fn name(self) -> String {
        let s = match self {
            EventKind::Created => "created",
            EventKind::Established => "established",
            EventKind::Closed => "closed",
            EventKind::Announced => "announced",
            EventKind::Removed => "removed",
            EventKind::SubEstablished => "sub_established",
            EventKind::SubClosed => "sub_closed",
            EventKind::SubPriority => "sub_priority",
            EventKind::ListenerCreated => "listener_created",
            EventKind::ListenerClosed => "listener_closed",
            EventKind::Unknown(n) => return format!("unknown({n})"),
        };
        s.to_string()
    }

    pub fn from_name(s: &str) -> Option<EventKind> {
        if let Some(n) = s.strip_prefix("unknown(").and_then(|r| r.strip_suffix(')')) {
            return n.parse().ok().map(EventKind::Unknown);
        }
        (1..=u8::MAX)
            .map(EventKind::from)
            .find(|k| !matches!(k, EventKind::Unknown(_)) && k.name() == s)
    }
}

impl Serialize for EventKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

impl schemars::JsonSchema for EventKind {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "EventKind".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "The event type's snake_case name (created, established, closed, announced, removed, sub_established, sub_closed, sub_priority, listener_created, listener_closed), or unknown(N) for a type this version does not know"
        })
    }
}

impl<'de> Deserialize<'de> for EventKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        EventKind::from_name(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown event kind {s:?}")))
    }
}

/// An attribute this version cannot name: its number and payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RawAttr {
    #[serde(rename = "type")]
    pub kind: u16,
    pub hex: String,
}

/// One path-manager event. Fields are None when the kernel did not send the attribute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PmEvent {
    /// When this process received it.
    pub time: DateTime<Utc>,
    pub kind: EventKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loc_id: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rem_id: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saddr: Option<IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daddr: Option<IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sport: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dport: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<u8>,
    /// MPTCP_PM_EV_FLAG_* bits (0x2: server side).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ifindex: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_reason: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_flags: Option<u32>,
    /// The deprecated MPTCP_ATTR_SERVER_SIDE attribute (older kernels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_side: Option<u8>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown_attrs: Vec<RawAttr>,
}

impl PmEvent {
    pub fn new(time: DateTime<Utc>, kind: EventKind) -> PmEvent {
        PmEvent {
            time,
            kind,
            token: None,
            family: None,
            loc_id: None,
            rem_id: None,
            saddr: None,
            daddr: None,
            sport: None,
            dport: None,
            backup: None,
            error: None,
            flags: None,
            timeout: None,
            ifindex: None,
            reset_reason: None,
            reset_flags: None,
            server_side: None,
            unknown_attrs: Vec::new(),
        }
    }

    /// Server side of the connection (flag bit, or the older separate attribute).
    pub fn is_server_side(&self) -> bool {
        self.flags
            .is_some_and(|f| f & MPTCP_PM_EV_FLAG_SERVER_SIDE != 0)
            || self.server_side.is_some_and(|s| s != 0)
    }
}

fn hex(p: &[u8]) -> String {
    p.iter().map(|b| format!("{b:02x}")).collect()
}

/// Decodes one event message (the genl command byte is the event type).
pub fn decode_event(msg: &GenlMsg, time: DateTime<Utc>) -> Result<PmEvent, String> {
    let mut e = PmEvent::new(time, EventKind::from(*msg.cmd()));
    for a in msg.attrs().iter() {
        let p = attr::payload(a);
        match attr::kind(a) {
            MPTCP_ATTR_TOKEN => e.token = Some(attr::u32_host(p, "MPTCP_ATTR_TOKEN")?),
            MPTCP_ATTR_FAMILY => e.family = Some(attr::u16_host(p, "MPTCP_ATTR_FAMILY")?),
            MPTCP_ATTR_LOC_ID => e.loc_id = Some(attr::u8_of(p, "MPTCP_ATTR_LOC_ID")?),
            MPTCP_ATTR_REM_ID => e.rem_id = Some(attr::u8_of(p, "MPTCP_ATTR_REM_ID")?),
            MPTCP_ATTR_SADDR4 => e.saddr = Some(attr::ipv4(p, "MPTCP_ATTR_SADDR4")?.into()),
            MPTCP_ATTR_SADDR6 => e.saddr = Some(attr::ipv6(p, "MPTCP_ATTR_SADDR6")?.into()),
            MPTCP_ATTR_DADDR4 => e.daddr = Some(attr::ipv4(p, "MPTCP_ATTR_DADDR4")?.into()),
            MPTCP_ATTR_DADDR6 => e.daddr = Some(attr::ipv6(p, "MPTCP_ATTR_DADDR6")?.into()),
            // Event ports are network byte order (unlike the endpoint PORT attribute).
            MPTCP_ATTR_SPORT => e.sport = Some(attr::u16_net(p, "MPTCP_ATTR_SPORT")?),
            MPTCP_ATTR_DPORT => e.dport = Some(attr::u16_net(p, "MPTCP_ATTR_DPORT")?),
            MPTCP_ATTR_BACKUP => e.backup = Some(attr::u8_of(p, "MPTCP_ATTR_BACKUP")?),
            MPTCP_ATTR_ERROR => e.error = Some(attr::u8_of(p, "MPTCP_ATTR_ERROR")?),
            MPTCP_ATTR_FLAGS => e.flags = Some(attr::u16_host(p, "MPTCP_ATTR_FLAGS")?),
            MPTCP_ATTR_TIMEOUT => e.timeout = Some(attr::u32_host(p, "MPTCP_ATTR_TIMEOUT")?),
            MPTCP_ATTR_IF_IDX => e.ifindex = Some(attr::i32_host(p, "MPTCP_ATTR_IF_IDX")?),
            MPTCP_ATTR_RESET_REASON => {
                e.reset_reason = Some(attr::u32_host(p, "MPTCP_ATTR_RESET_REASON")?)
            }
            MPTCP_ATTR_RESET_FLAGS => {
                e.reset_flags = Some(attr::u32_host(p, "MPTCP_ATTR_RESET_FLAGS")?)
            }
            MPTCP_ATTR_SERVER_SIDE => {
                e.server_side = Some(attr::u8_of(p, "MPTCP_ATTR_SERVER_SIDE")?)
            }
            other => e.unknown_attrs.push(RawAttr {
                kind: other,
                hex: hex(p),
            }),
        }
    }
    Ok(e)
}

#[cfg(test)]
#[path = "event_tests.rs"]
mod tests;

//! Path-manager events as the report keeps them (the `mptcp_pm_events` multicast group): every event
//! type the kernel has, and a type or attribute this version does not know kept (`unknown(N)`, raw
//! bytes in hex), never dropped, so a report from a newer kernel still shows everything. Decoding
//! the wire format is netlink's (`netlink::event`); collect turns its messages into these.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// MPTCP_PM_EV_FLAG_SERVER_SIDE (include/uapi/linux/mptcp.h): the event's connection is server side.
pub const EVENT_FLAG_SERVER_SIDE: u16 = 1 << 1;

/// enum mptcp_event_type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    Created,
    Established,
    Closed,
    Announced,
    Removed,
    SubEstablished,
    SubClosed,
    SubPriority,
    ListenerCreated,
    ListenerClosed,
    Unknown(u8),
}

/// The kernel's number of each known type.
const CODES: [(EventKind, u8); 10] = [
    (EventKind::Created, 1),
    (EventKind::Established, 2),
    (EventKind::Closed, 3),
    (EventKind::Announced, 6),
    (EventKind::Removed, 7),
    (EventKind::SubEstablished, 10),
    (EventKind::SubClosed, 11),
    (EventKind::SubPriority, 13),
    (EventKind::ListenerCreated, 15),
    (EventKind::ListenerClosed, 16),
];

impl From<u8> for EventKind {
    fn from(code: u8) -> EventKind {
        CODES
            .iter()
            .find(|(_, c)| *c == code)
            .map_or(EventKind::Unknown(code), |(k, _)| *k)
    }
}

impl From<EventKind> for u8 {
    fn from(kind: EventKind) -> u8 {
        match kind {
            EventKind::Unknown(n) => n,
            k => CODES.iter().find(|(x, _)| *x == k).map_or(0, |(_, c)| *c),
        }
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

/// An attribute this version cannot name: its number (with the kernel's NESTED / NET_BYTEORDER bits)
/// and its payload in hex.
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
        self.flags.is_some_and(|f| f & EVENT_FLAG_SERVER_SIDE != 0)
            || self.server_side.is_some_and(|s| s != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_keep_their_codes_and_names() {
        for code in 0..=u8::MAX {
            let k = EventKind::from(code);
            assert_eq!(u8::from(k), code);
            assert_eq!(EventKind::from_name(&k.name()), Some(k));
        }
        assert_eq!(EventKind::from(15), EventKind::ListenerCreated);
        assert_eq!(EventKind::from(42).name(), "unknown(42)");
    }
}

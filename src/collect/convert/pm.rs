//! `mptcp_pm` answers and events into the report's `Endpoint`, `Limits` and `PmEvent`: typed fields
//! where the attribute is known, `unknown_attrs` (number and hex payload) for the rest.

use crate::netlink::event::{EventAttr, EventMsg};
use crate::netlink::mptcp_pm::{PmAddr, PmLimits};
use crate::netlink::nla::RawNla;
use crate::report::{Endpoint, EventKind, Limits, PmEvent, RawAttr};
use chrono::{DateTime, Utc};

fn hex(p: &[u8]) -> String {
    p.iter().map(|b| format!("{b:02x}")).collect()
}

/// An attribute this version does not know, as the report keeps it.
pub fn raw_attr(r: &RawNla) -> RawAttr {
    RawAttr {
        kind: r.kind,
        hex: hex(&r.value),
    }
}

/// One endpoint; `dev` is the interface name resolved in the endpoint's namespace.
pub fn endpoint(a: &PmAddr, dev: Option<String>) -> Result<Endpoint, String> {
    Ok(Endpoint {
        id: a.id(),
        addr: a.addr()?,
        port: a.port(),
        flags: a.flags(),
        ifindex: a.ifindex(),
        dev,
        unknown_attrs: a.unknown().map(raw_attr).collect(),
    })
}

pub fn limits(l: &PmLimits) -> Limits {
    Limits {
        add_addr_accepted: l.add_addr_accepted,
        subflows: l.subflows,
    }
}

/// One event, received at `time`.
pub fn event(m: &EventMsg, time: DateTime<Utc>) -> PmEvent {
    let mut e = PmEvent::new(time, EventKind::from(m.kind));
    for a in &m.attrs {
        match a {
            EventAttr::Token(v) => e.token = Some(*v),
            EventAttr::Family(v) => e.family = Some(*v),
            EventAttr::LocId(v) => e.loc_id = Some(*v),
            EventAttr::RemId(v) => e.rem_id = Some(*v),
            EventAttr::Saddr4(v) => e.saddr = Some((*v).into()),
            EventAttr::Saddr6(v) => e.saddr = Some((*v).into()),
            EventAttr::Daddr4(v) => e.daddr = Some((*v).into()),
            EventAttr::Daddr6(v) => e.daddr = Some((*v).into()),
            EventAttr::Sport(v) => e.sport = Some(*v),
            EventAttr::Dport(v) => e.dport = Some(*v),
            EventAttr::Backup(v) => e.backup = Some(*v),
            EventAttr::Error(v) => e.error = Some(*v),
            EventAttr::Flags(v) => e.flags = Some(*v),
            EventAttr::Timeout(v) => e.timeout = Some(*v),
            EventAttr::IfIdx(v) => e.ifindex = Some(*v),
            EventAttr::ResetReason(v) => e.reset_reason = Some(*v),
            EventAttr::ResetFlags(v) => e.reset_flags = Some(*v),
            EventAttr::ServerSide(v) => e.server_side = Some(*v),
            EventAttr::Other(r) => e.unknown_attrs.push(raw_attr(r)),
        }
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlink::consts;
    use crate::report::Endpoint;

    #[test]
    fn the_reports_flag_bits_are_the_kernels() {
        assert_eq!(Endpoint::FLAG_SIGNAL, consts::MPTCP_PM_ADDR_FLAG_SIGNAL);
        assert_eq!(Endpoint::FLAG_SUBFLOW, consts::MPTCP_PM_ADDR_FLAG_SUBFLOW);
        assert_eq!(Endpoint::FLAG_BACKUP, consts::MPTCP_PM_ADDR_FLAG_BACKUP);
        assert_eq!(Endpoint::FLAG_FULLMESH, consts::MPTCP_PM_ADDR_FLAG_FULLMESH);
        assert_eq!(Endpoint::FLAG_IMPLICIT, consts::MPTCP_PM_ADDR_FLAG_IMPLICIT);
        assert_eq!(Endpoint::FLAG_LAMINAR, consts::MPTCP_PM_ADDR_FLAG_LAMINAR);
        assert_eq!(
            crate::report::event::EVENT_FLAG_SERVER_SIDE,
            consts::MPTCP_PM_EV_FLAG_SERVER_SIDE
        );
        for code in [
            consts::MPTCP_EVENT_CREATED,
            consts::MPTCP_EVENT_ESTABLISHED,
            consts::MPTCP_EVENT_CLOSED,
            consts::MPTCP_EVENT_ANNOUNCED,
            consts::MPTCP_EVENT_REMOVED,
            consts::MPTCP_EVENT_SUB_ESTABLISHED,
            consts::MPTCP_EVENT_SUB_CLOSED,
            consts::MPTCP_EVENT_SUB_PRIORITY,
            consts::MPTCP_EVENT_LISTENER_CREATED,
            consts::MPTCP_EVENT_LISTENER_CLOSED,
        ] {
            assert!(
                !matches!(EventKind::from(code), EventKind::Unknown(_)),
                "{code}"
            );
        }
    }
}

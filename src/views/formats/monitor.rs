//! Events as current `ip mptcp monitor` prints them (iproute2 after 6.2: listener events named, a
//! 16-wide right-aligned name column), so maintainers read the format they know.

use crate::report::endpoint::fmt_ip;
use crate::report::{EventKind, PmEvent};
use std::fmt::Write;

/// The name in the bracketed column; None for types iproute2 prints as `[UNKNOWN N]`.
pub fn monitor_name(kind: EventKind) -> Option<&'static str> {
    Some(match kind {
        EventKind::Created => "CREATED",
        EventKind::Established => "ESTABLISHED",
        EventKind::Closed => "CLOSED",
        EventKind::Announced => "ANNOUNCED",
        EventKind::Removed => "REMOVED",
        EventKind::SubEstablished => "SF_ESTABLISHED",
        EventKind::SubClosed => "SF_CLOSED",
        EventKind::SubPriority => "SF_PRIO",
        EventKind::ListenerCreated => "LISTENER_CREATED",
        EventKind::ListenerClosed => "LISTENER_CLOSED",
        EventKind::Unknown(_) => return None,
    })
}

/// One event, one line (with the newline), attributes in iproute2's order.
pub fn render_event(e: &PmEvent) -> String {
    let Some(name) = monitor_name(e.kind) else {
        return format!("[UNKNOWN {}]\n", u8::from(e.kind));
    };
    let mut o = format!("[{name:>16}]");
    if let Some(t) = e.token {
        let _ = write!(o, " token={t:08x}");
    }
    if let Some(v) = e.rem_id {
        let _ = write!(o, " remid={v}");
    }
    if let Some(v) = e.loc_id {
        let _ = write!(o, " locid={v}");
    }
    // iproute2 prints the IPv4 pair before the IPv6 pair.
    for v6 in [false, true] {
        for (key, addr) in [("saddr", e.saddr), ("daddr", e.daddr)] {
            if let Some(a) = addr.filter(|a| a.is_ipv6() == v6) {
                let _ = write!(o, " {key}{}={}", if v6 { 6 } else { 4 }, fmt_ip(&a));
            }
        }
    }
    if let Some(v) = e.sport {
        let _ = write!(o, " sport={v}");
    }
    if let Some(v) = e.dport {
        let _ = write!(o, " dport={v}");
    }
    if let Some(v) = e.backup {
        let _ = write!(o, " backup={v}");
    }
    if let Some(v) = e.error {
        let _ = write!(o, " error={v}");
    }
    if let Some(v) = e.flags {
        let _ = write!(o, " flags={v:x}");
    }
    if let Some(v) = e.timeout {
        let _ = write!(o, " timeout={v}");
    }
    if let Some(v) = e.ifindex {
        let _ = write!(o, " ifindex={v}");
    }
    if let Some(v) = e.reset_reason {
        let _ = write!(o, " reset_reason={v}");
    }
    if let Some(v) = e.reset_flags {
        let _ = write!(o, " reset_flags=0x{v:x}");
    }
    o.push('\n');
    o
}

pub fn render_events(events: &[PmEvent]) -> String {
    events.iter().map(render_event).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use pretty_assertions::assert_eq;

    #[test]
    fn ipv6_addresses_use_the_v6_keys_after_v4() {
        let mut e = PmEvent::new(DateTime::UNIX_EPOCH, EventKind::Announced);
        e.token = Some(0xab);
        e.rem_id = Some(2);
        e.daddr = Some("::a01:203".parse().unwrap());
        e.dport = Some(443);
        e.timeout = Some(120);
        e.reset_flags = Some(0x10);
        assert_eq!(
            render_event(&e),
            "[       ANNOUNCED] token=000000ab remid=2 daddr6=::10.1.2.3 dport=443 timeout=120 reset_flags=0x10\n"
        );
    }
}

//! Rules on the peer's address announcements (ADD_ADDR). What the kernel does with one (6.18,
//! net/mptcp/pm.c `mptcp_pm_add_addr_received`): with the in-kernel path manager and no room left in
//! `add_addr_accepted` it echoes the announcement (EchoAddTx) and ignores it: AddAddr rises,
//! AddAddrDrop does not. AddAddrDrop rises when the in-kernel path manager is still busy with an
//! earlier announcement, or when a userspace path manager has no daemon subscribed to its events
//! (that case is reported by userspace-pm-no-daemon).

use super::facts::{counter_line, kernel_pm, mptcp_counter};
use super::{finding, namespaces, where_, DOCS_PM};
use crate::report::{Endpoint, Finding, Report, Severity};

/// AddAddr > 0 with add_addr_accepted 0 and the in-kernel path manager. Certain (a warning) when this
/// host made no join at all or has no `subflow` endpoint; otherwise the one exception, a peer that
/// sets the C flag (its initial address takes no joins), may have let one announcement through to
/// the `subflow` endpoints, so it is information.
pub fn add_addr_ignored(r: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for ns in namespaces(r) {
        let (Some(add_addr), Some(limits)) = (mptcp_counter(r, ns, "AddAddr"), r.limits(ns)) else {
            continue;
        };
        if add_addr == 0 || limits.add_addr_accepted != Some(0) || kernel_pm(r, ns) != Some(true) {
            continue;
        }
        let joins = mptcp_counter(r, ns, "MPJoinSynTx").unwrap_or(0);
        let subflow_endpoints = r
            .endpoints(ns)
            .map(|e| e.iter().any(|e| e.has(Endpoint::FLAG_SUBFLOW)));
        let certain = joins == 0 || subflow_endpoints == Some(false);
        let mut ev = vec![counter_line("AddAddr", add_addr)];
        if let Some(echo) = mptcp_counter(r, ns, "EchoAddTx") {
            ev.push(counter_line("EchoAddTx", echo));
        }
        ev.push("limits: add_addr_accepted 0".into());
        ev.push(counter_line("MPJoinSynTx", joins));
        let (sev, title) = if certain {
            (Severity::Warning, format!("The peer announced addresses but add_addr_accepted is 0{}: the kernel acknowledged and ignored them, so no subflow goes to them (raise it: ip mptcp limits set add_addr_accepted N)", where_(ns)))
        } else {
            (Severity::Info, format!("The peer announced addresses but add_addr_accepted is 0{}: the kernel ignores them (unless the peer refuses joins to its initial address, when one is used with the `subflow` endpoints)", where_(ns)))
        };
        out.push(finding("add-addr-ignored", sev, title, ev, DOCS_PM));
    }
    out
}

/// AddAddrDrop (or RmAddrDrop) > 0 with the in-kernel path manager: an announcement arrived while the
/// path manager was still handling the previous one. The peer resends unechoed announcements after
/// its add_addr_timeout, so this is information unless it goes with other failures.
pub fn add_addr_dropped(r: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for ns in namespaces(r) {
        if kernel_pm(r, ns) != Some(true) {
            continue;
        }
        let ev: Vec<String> = ["AddAddrDrop", "RmAddrDrop"]
            .iter()
            .filter_map(|n| {
                mptcp_counter(r, ns, n)
                    .filter(|&v| v > 0)
                    .map(|v| counter_line(n, v))
            })
            .collect();
        if ev.is_empty() {
            continue;
        }
        out.push(finding("add-addr-dropped", Severity::Info, format!("Address announcements or removals from the peer were dropped{}: the in-kernel path manager was still busy with an earlier one (the peer resends an unacknowledged ADD_ADDR after its add_addr_timeout)", where_(ns)), ev, DOCS_PM));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    #[test]
    fn add_addr_ignored_with_add_addr_accepted_0() {
        // The 6.18 signature: AddAddr and EchoAddTx rise, AddAddrDrop stays 0.
        let counters = |joins| {
            mib(&[
                ("MPCapableSYNTX", 3),
                ("AddAddr", 3),
                ("EchoAddTx", 3),
                ("AddAddrDrop", 0),
                ("MPJoinSynTx", joins),
            ])
        };
        let r = with(vec![limits(0, 2), counters(0)]);
        assert_eq!(says(add_addr_ignored, &r), ["Warning:add-addr-ignored"]);
        assert_eq!(
            add_addr_ignored(&r)[0].evidence,
            [
                "MPTcpExt AddAddr = 3",
                "MPTcpExt EchoAddTx = 3",
                "limits: add_addr_accepted 0",
                "MPTcpExt MPJoinSynTx = 0"
            ]
        );
        // Joins from `subflow` endpoints: the C-flag exception may apply.
        let r = with(vec![limits(0, 2), counters(3)]);
        assert_eq!(says(add_addr_ignored, &r), ["Info:add-addr-ignored"]);
        // Accepted, no announcement, another path manager, or no limits: nothing.
        assert!(add_addr_ignored(&with(vec![limits(1, 2), counters(0)])).is_empty());
        assert!(add_addr_ignored(&report(healthy())).is_empty());
        let userspace = section(
            "sysctl",
            sysctls(&[("enabled", "1"), ("path_manager", "userspace")]),
        );
        assert!(add_addr_ignored(&with(vec![limits(0, 2), counters(0), userspace])).is_empty());
        let mut r = with(vec![counters(0)]);
        r.sections.retain(|s| s.collector != "limits");
        assert!(add_addr_ignored(&r).is_empty());
    }

    #[test]
    fn add_addr_dropped_with_the_in_kernel_path_manager() {
        let r = with(vec![mib(&[("MPCapableSYNTX", 3), ("AddAddrDrop", 2)])]);
        assert_eq!(says(add_addr_dropped, &r), ["Info:add-addr-dropped"]);
        let userspace = section(
            "sysctl",
            sysctls(&[("enabled", "1"), ("path_manager", "userspace")]),
        );
        let r = with(vec![mib(&[("AddAddrDrop", 2)]), userspace]);
        assert!(add_addr_dropped(&r).is_empty());
        assert!(add_addr_dropped(&report(healthy())).is_empty());
    }
}

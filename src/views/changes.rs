//! Endpoint and limit changes between the two snapshots, as lines a maintainer reads at a glance
//! (endpoints printed the way `ip mptcp endpoint show` prints them).

use crate::report::Endpoint;
use crate::report::Snapshot;
use crate::views::formats::iproute::{render_endpoints, render_limits};

fn line(e: &Endpoint) -> String {
    render_endpoints(std::slice::from_ref(e))
        .trim_end()
        .to_string()
}

/// "added: ...", "removed: ...", "changed: A -> B", "limits: A -> B"; empty when nothing changed or
/// one side could not be read (that is in the snapshot notes).
pub fn changes(before: &Snapshot, after: &Snapshot) -> Vec<String> {
    let mut out = Vec::new();
    if let (Some(b), Some(a)) = (&before.endpoints, &after.endpoints) {
        for e in b {
            match a.iter().find(|x| x.id == e.id) {
                None => out.push(format!("removed: {}", line(e))),
                Some(x) if x != e => out.push(format!("changed: {} -> {}", line(e), line(x))),
                Some(_) => {}
            }
        }
        for x in a.iter().filter(|x| !b.iter().any(|e| e.id == x.id)) {
            out.push(format!("added: {}", line(x)));
        }
    }
    if let (Some(b), Some(a)) = (&before.limits, &after.limits) {
        if a != b {
            out.push(format!(
                "limits: {} -> {}",
                render_limits(b).trim_end(),
                render_limits(a).trim_end()
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::formats::iproute::{parse_endpoints, parse_limits};

    fn snap(eps: &str, limits: &str) -> Snapshot {
        Snapshot {
            taken_at: chrono::DateTime::UNIX_EPOCH,
            counters: vec![],
            endpoints: Some(parse_endpoints(eps).unwrap()),
            limits: Some(parse_limits(limits).unwrap()),
            sockets: None,
            notes: vec![],
        }
    }

    #[test]
    fn added_removed_changed_and_limits() {
        let b = snap(
            "10.0.0.1 id 1 subflow dev eth0 \n10.0.0.2 id 2 signal \n",
            "add_addr_accepted 0 subflows 2 \n",
        );
        let a = snap(
            "10.0.0.1 id 1 subflow backup dev eth0 \n10.0.0.3 id 3 signal \n",
            "add_addr_accepted 0 subflows 4 \n",
        );
        assert_eq!(
            changes(&b, &a),
            vec![
                "changed: 10.0.0.1 id 1 subflow dev eth0 -> 10.0.0.1 id 1 subflow backup dev eth0",
                "removed: 10.0.0.2 id 2 signal",
                "added: 10.0.0.3 id 3 signal",
                "limits: add_addr_accepted 0 subflows 2 -> add_addr_accepted 0 subflows 4",
            ]
        );
        assert!(changes(&a, &a).is_empty());
    }
}

//! Which side of the connection a report is from: as the user said (`--side`), else guessed (and
//! marked as a guess) from what the host did, else from its endpoints. Used to label the report and
//! to pair a client with a server in `merge`.

use crate::cli::SideArg;
use crate::report::{Report, Side};

/// The report's side: as given, else guessed (and marked as a guess) from what the host did (counters,
/// sockets), else from its endpoints: only `signal` ones make a server, only `subflow` ones a client.
pub fn side(report: &Report, given: Option<SideArg>) -> Option<Side> {
    let (role, guessed) = match given {
        Some(SideArg::Client) => ("client", false),
        Some(SideArg::Server) => ("server", false),
        None => (guess_role(report)?, true),
    };
    Some(Side {
        role: role.into(),
        guessed,
    })
}

fn guess_role(report: &Report) -> Option<&'static str> {
    use crate::netlink::{MPTCP_PM_ADDR_FLAG_SIGNAL, MPTCP_PM_ADDR_FLAG_SUBFLOW};
    // What the namespaces did, together: one role only when no namespace did the other.
    let all = super::namespaces(report);
    let (mut initiates, mut accepts) = (false, false);
    for ns in &all {
        if let Some((i, a)) = super::roles(report, *ns) {
            initiates |= i;
            accepts |= a;
        }
    }
    match (initiates, accepts) {
        (true, false) => return Some("client"),
        (false, true) => return Some("server"),
        (true, true) => return None,
        (false, false) => {}
    }
    let ns = all
        .into_iter()
        .find(|ns| report.endpoints(*ns).is_some())
        .flatten();
    let eps = report.endpoints(ns)?;
    let has = |flag: u32| eps.iter().any(|e| e.flags & flag != 0);
    match (
        has(MPTCP_PM_ADDR_FLAG_SUBFLOW),
        has(MPTCP_PM_ADDR_FLAG_SIGNAL),
    ) {
        (true, false) => Some("client"),
        (false, true) => Some("server"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::SideArg;

    #[test]
    fn side_is_given_or_guessed() {
        use crate::report::{Data, Endpoint, Section, Status};
        let mut r: Report = serde_json::from_value(serde_json::json!({
            "schema_version": 1,
            "tool": {"name": "mptcp-get-debug", "version": "0"},
            "meta": {"started_at": "2026-11-25T07:00:00Z", "finished_at": "2026-11-25T07:00:00Z",
                     "mode": "collect", "hostname": "h", "uid": 0, "privileged": true, "args": [],
                     "root": "/", "netns": [""]},
            "sections": []
        }))
        .unwrap();
        let role = |r: &Report, given| side(r, given).map(|s| (s.role, s.guessed));
        assert_eq!(role(&r, None), None);
        assert_eq!(
            role(&r, Some(SideArg::Server)),
            Some(("server".into(), false))
        );
        let endpoints = |flags: &[u32]| Section {
            collector: "endpoints".into(),
            description: String::new(),
            netns: None,
            status: Status::Ok,
            duration_ms: 0.0,
            data: vec![Data::Endpoints(
                flags
                    .iter()
                    .enumerate()
                    .map(|(i, &flags)| Endpoint {
                        id: i as u8 + 1,
                        addr: "10.0.0.1".parse().unwrap(),
                        port: 0,
                        flags,
                        ifindex: None,
                        dev: None,
                    })
                    .collect(),
            )],
            artifacts: vec![],
            notes: vec![],
        };
        r.sections = vec![endpoints(&[1])];
        assert_eq!(role(&r, None), Some(("server".into(), true)));
        r.sections = vec![endpoints(&[2, 2])];
        assert_eq!(role(&r, None), Some(("client".into(), true)));
        r.sections = vec![endpoints(&[1, 2])];
        assert_eq!(role(&r, None), None);
        // Counters of every namespace count: a second namespace that initiated makes a client, one
        // that initiated beside one that accepted makes no guess.
        let mib = |ns: &str, name: &str| Section {
            collector: "mib".into(),
            netns: Some(ns.into()),
            data: vec![Data::Mib(crate::report::Mib {
                groups: [(
                    "MPTcpExt".to_string(),
                    vec![crate::report::Counter {
                        name: name.to_string(),
                        value: 4,
                    }],
                )]
                .into_iter()
                .collect(),
                ..Default::default()
            })],
            ..endpoints(&[])
        };
        r.sections = vec![endpoints(&[1]), mib("a", "MPCapableSYNTX")];
        assert_eq!(role(&r, None), Some(("client".into(), true)));
        r.sections.push(mib("b", "MPCapableSYNRX"));
        assert_eq!(role(&r, None), None);
    }
}

//! Which side of the connection a report is from: as the user said (`--side`), else guessed (and
//! marked as a guess) from what the host did, else from its endpoints. Used to label the report and
//! to pair a client with a server in `merge`.

use crate::report::{Endpoint, Report, Role, Side};

/// The report's side: as given, else guessed (and marked as a guess) from what the host did (counters,
/// sockets), else from its endpoints: only `signal` ones make a server, only `subflow` ones a client.
pub fn side(report: &Report, given: Option<Role>) -> Option<Side> {
    let (role, guessed) = match given {
        Some(role) => (role, false),
        None => (guess_role(report)?, true),
    };
    Some(Side { role, guessed })
}

fn guess_role(report: &Report) -> Option<Role> {
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
        (true, false) => return Some(Role::Client),
        (false, true) => return Some(Role::Server),
        (true, true) => return None,
        (false, false) => {}
    }
    let ns = all
        .into_iter()
        .find(|ns| report.endpoints(*ns).is_some())
        .flatten();
    let eps = report.endpoints(ns)?;
    let has = |flag: u32| eps.iter().any(|e| e.has(flag));
    match (has(Endpoint::FLAG_SUBFLOW), has(Endpoint::FLAG_SIGNAL)) {
        (true, false) => Some(Role::Client),
        (false, true) => Some(Role::Server),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    fn role(r: &Report, given: Option<Role>) -> Option<(Role, bool)> {
        side(r, given).map(|s| (s.role, s.guessed))
    }

    #[test]
    fn side_is_given_or_guessed() {
        let mut r = report(vec![]);
        assert_eq!(role(&r, None), None);
        assert_eq!(role(&r, Some(Role::Server)), Some((Role::Server, false)));
        // From the endpoints, when nothing shows what the host did.
        let eps = |flags: &[u32]| {
            endpoints(
                flags
                    .iter()
                    .enumerate()
                    .map(|(i, &f)| ep("10.0.0.1", i as u8 + 1, f, None))
                    .collect(),
            )
        };
        r.sections = vec![eps(&[Endpoint::FLAG_SIGNAL])];
        assert_eq!(role(&r, None), Some((Role::Server, true)));
        r.sections = vec![eps(&[Endpoint::FLAG_SUBFLOW, Endpoint::FLAG_SUBFLOW])];
        assert_eq!(role(&r, None), Some((Role::Client, true)));
        r.sections = vec![eps(&[Endpoint::FLAG_SIGNAL, Endpoint::FLAG_SUBFLOW])];
        assert_eq!(role(&r, None), None);
        // Counters of every namespace count: a second namespace that initiated makes a client, one
        // that initiated beside one that accepted makes no guess.
        let mib_in = |ns: &str, name: &str| Section {
            netns: Some(ns.into()),
            ..mib(&[(name, 4)])
        };
        r.sections = vec![eps(&[Endpoint::FLAG_SIGNAL]), mib_in("a", "MPCapableSYNTX")];
        assert_eq!(role(&r, None), Some((Role::Client, true)));
        r.sections.push(mib_in("b", "MPCapableSYNRX"));
        assert_eq!(role(&r, None), None);
    }
}

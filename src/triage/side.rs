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
    use crate::report::{MPTCP_PM_ADDR_FLAG_SIGNAL, MPTCP_PM_ADDR_FLAG_SUBFLOW};
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

//! What an unprivileged run could not collect, and how to get it: every section, note and event
//! watch that failed for lack of permission, said once in the summary, the text view and on stderr,
//! so a report never looks complete when it is not.

use crate::report::{Report, Status};

/// Words the kernel, the tools and our collectors use when permission was missing.
const SIGNS: [&str; 8] = [
    "Permission denied",
    "Operation not permitted",
    "insufficient permissions",
    "not seeing messages from other users",
    "CAP_NET_ADMIN",
    "CAP_SYS_ADMIN",
    "needs root",
    "run as root",
];

fn for_lack_of_permission(text: &str) -> bool {
    SIGNS.iter().any(|s| text.contains(s))
}

/// One line per collector (and per reproduce namespace) that lost data for lack of permission:
/// `kmsg: kernel log not readable: ...`. Empty for a privileged run.
pub fn missing_without_root(report: &Report) -> Vec<String> {
    if report.meta.privileged {
        return Vec::new();
    }
    let mut out = Vec::new();
    for s in &report.sections {
        let mut why: Vec<String> = Vec::new();
        if !matches!(s.status, Status::Ok) && for_lack_of_permission(&s.status.detail()) {
            why.push(s.status.detail());
        }
        why.extend(
            s.notes
                .iter()
                .filter(|n| for_lack_of_permission(n))
                .cloned(),
        );
        if !why.is_empty() {
            let ns = s
                .netns
                .as_deref()
                .map(|n| format!(" (netns {n})"))
                .unwrap_or_default();
            out.push(format!("{}{ns}: {}", s.collector, why.join("; ")));
        }
    }
    for w in report.reproduce.iter().flat_map(|r| &r.namespaces) {
        if let Some(e) = w
            .subscribe_error
            .as_deref()
            .filter(|e| for_lack_of_permission(e))
        {
            let ns = w
                .netns
                .as_deref()
                .map(|n| format!(" (netns {n})"))
                .unwrap_or_default();
            out.push(format!("path-manager events{ns}: {e}"));
        }
    }
    out
}

/// The advice that goes with a non-empty list.
pub const HOW: &str =
    "rerun as root (`sudo mptcp-get-debug`, with the same options) for a complete report";

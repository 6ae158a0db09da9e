//! The archive: what goes into it (members named after what produced them), how it is written
//! (`write`: reserved name, complete or absent, never orphaned) and how a stranger's archive is read
//! (`read`: streamed and bounded).

mod read;
mod write;

pub use read::{
    parse_report, read, read_members, read_report, report_from_reader, Limits, LIMITS, MAX_CONTENT,
    MAX_STRING,
};
pub use write::{create_private, write, Reserved};

use crate::report::{Report, Source};

/// One member to write: its path inside the archive and its bytes.
pub struct Member {
    pub path: String,
    pub data: Vec<u8>,
}

/// Members for every raw artifact: `raw/[netns-<ns>/]<collector>/<name>`.
pub fn raw_members(report: &Report) -> Vec<Member> {
    let mut out = Vec::new();
    for s in &report.sections {
        for a in &s.artifacts {
            let ns = s
                .netns
                .as_deref()
                .map(|n| format!("netns-{}/", sanitize(n)))
                .unwrap_or_default();
            let mut data = a.content.clone().into_bytes();
            if let Source::Command { stderr, .. } = &a.source {
                if !stderr.is_empty() {
                    out.push(Member {
                        path: format!("raw/{ns}{}/{}.stderr", s.collector, a.name),
                        data: stderr.clone().into_bytes(),
                    });
                }
            }
            if a.truncated {
                // Commands keep the tail (where errors are); files are read from the start.
                let (what, part) = match &a.source {
                    Source::Command { .. } => ("output", "the tail"),
                    Source::File { .. } => ("file", "the head"),
                };
                let note = format!(
                    "[mptcp-get-debug: {what} truncated, {} of {} bytes kept ({part})]\n",
                    a.content.len(),
                    a.original_size
                );
                data.splice(0..0, note.into_bytes());
            }
            out.push(Member {
                path: format!("raw/{ns}{}/{}", s.collector, a.name),
                data,
            });
        }
    }
    out
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

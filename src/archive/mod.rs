//! The archive: what goes into it (members named after what produced them), how it is written
//! (`write`: reserved name, complete or absent, never orphaned) and how a stranger's archive is read
//! (`read`: streamed and bounded).

mod gz;
pub mod json;
pub mod json_cap;
mod read;
mod stream;
pub mod window;
mod write;

pub use read::{
    parse_report, read, read_members, read_report, report_from_reader, Limits, LIMITS, MAX_CONTENT,
    MAX_STRING,
};
pub use stream::{Body, Entry, Producer};
pub use write::{create_private, write, Reserved};

use crate::report::{Report, Source};
use gz::Deflated;
use std::sync::OnceLock;

/// The JSON Schema of report.json (schema.json in every archive): the file shipped in the
/// repository, which a test keeps equal to what the types generate (`generate schema`), so a run
/// does not generate it again.
pub const SCHEMA: &str = include_str!("../../schema/report.schema.json");

/// schema.json compressed: while the collectors run (`warm_up`), so it is ready when the archive is
/// written (else when it is); it is the same in every archive, and a quarter of a default collect's
/// archive (0.19 ms of its compression).
static SCHEMA_DEFLATED: OnceLock<Option<Deflated>> = OnceLock::new();

/// schema.json compressed, once per run (on whichever thread asks first).
fn schema_deflated() -> &'static Option<Deflated> {
    SCHEMA_DEFLATED.get_or_init(|| Deflated::of(SCHEMA.as_bytes()).ok())
}

/// Compresses schema.json now, on this thread (a thread with time to spare while the collectors run),
/// so that writing the archive later needs no thread for it.
pub fn warm_up() {
    schema_deflated();
}

/// The schema.json member: compressed ahead of time (now, if it was not), else as plain bytes.
pub fn schema_entry() -> Entry<'static> {
    match schema_deflated() {
        Some(d) => Entry {
            path: "schema.json".into(),
            body: Body::Deflated(d),
        },
        None => Entry::bytes("schema.json", SCHEMA.as_bytes()),
    }
}

/// One member to write: its path inside the archive and its bytes.
pub struct Member {
    pub path: String,
    pub data: Vec<u8>,
}

impl Member {
    /// This member as an entry to write (borrowing its bytes).
    pub fn entry(&self) -> Entry<'_> {
        Entry::bytes(self.path.clone(), &self.data[..])
    }
}

/// Entries for every raw artifact: `raw/[netns-<ns>/]<collector>/<name>`, borrowing the report's
/// text (a truncated one starts with a note saying so).
pub fn raw_entries(report: &Report) -> Vec<Entry<'_>> {
    let mut out = Vec::new();
    for s in &report.sections {
        for a in &s.artifacts {
            let path = crate::report::raw_path(s.netns.as_deref(), &s.collector, &a.name);
            if let Source::Command { stderr, .. } = &a.source {
                if !stderr.is_empty() {
                    out.push(Entry::bytes(format!("{path}.stderr"), stderr.as_bytes()));
                }
            }
            let head = match a.truncated {
                true => {
                    // Commands keep the tail (where errors are); files are read from the start.
                    let (what, part) = match &a.source {
                        Source::Command { .. } => ("output", "the tail"),
                        Source::File { .. } => ("file", "the head"),
                    };
                    format!(
                        "[mptcp-get-debug: {what} truncated, {} of {} bytes kept ({part})]\n",
                        a.content.len(),
                        a.original_size
                    )
                }
                false => String::new(),
            };
            let body = match &a.spool {
                Some(s) => Body::Spooled(s),
                None => Body::Bytes {
                    head: head.into_bytes(),
                    data: a.content.as_bytes().into(),
                },
            };
            out.push(Entry { path, body });
        }
    }
    out
}

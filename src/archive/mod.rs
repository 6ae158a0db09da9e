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
pub use stream::{precompress, Body, Entry, Producer};
pub use write::{create_private, write, Reserved};

use crate::report::{Report, Source};
use gz::Deflated;
use std::sync::OnceLock;

/// The JSON Schema of report.json (schema.json in every archive): the file shipped in the
/// repository, which a test keeps equal to what the types generate (`generate schema`), so a run
/// does not generate it again.
pub const SCHEMA: &str = include_str!("../../schema/report.schema.json");

/// schema.json as build.rs compressed it (the same in every archive, and a quarter of a default
/// collect's archive).
static SCHEMA_DEFLATE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/schema.deflate"));

/// schema.json's compressed member with its CRC-32, once per run (on whichever thread asks first).
static SCHEMA_DEFLATED: OnceLock<Deflated> = OnceLock::new();

fn schema_deflated() -> &'static Deflated {
    SCHEMA_DEFLATED.get_or_init(|| Deflated::prebuilt(SCHEMA_DEFLATE, SCHEMA.as_bytes()))
}

/// Sums schema.json now, on this thread (one with time to spare while the collectors run).
pub fn warm_up() {
    schema_deflated();
}

/// The schema.json member, compressed at build time.
pub fn schema_entry() -> Entry<'static> {
    Entry {
        path: "schema.json".into(),
        body: Body::Deflated(schema_deflated()),
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

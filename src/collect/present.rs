//! The presentation pass: each section's entries (report/present.rs) from its builtin, built after
//! redaction from the redacted facts, so an entry never holds more than the facts it shows; and the
//! "not collected" entry of a titled collector that gave nothing. Archives from before sections
//! carried entries (before schema 5) are brought up to date the same way when they are read.

use crate::collect::collectors::{builtin, builtin_for};
use crate::collect::spec::{load_all, Spec};
use crate::report::{Body, Entry, Report, Section, Status};

/// The schema version from which sections carry their entries.
const ENTRIES_SINCE: u32 = 6;

/// Adds every section's entries: its builtin's presentation when it ran, why not when it has a title.
pub fn present(report: &mut Report) {
    report.sections.iter_mut().for_each(present_section);
}

fn present_section(s: &mut Section) {
    if s.status == Status::Ok {
        if let Some(b) = s.kind().and_then(builtin_for) {
            let entries = b.present(s);
            s.entries.extend(entries);
        }
    } else if s.title.is_some() && s.entries.is_empty() {
        s.entries.push(Entry::new(Body::Missing));
    }
}

/// A report of an older schema, as this version would have made it: each section gets its
/// collector's kind, title and entries from the built-in specs (by collector name, the only link an
/// old report has), in the specs' order.
pub fn upgrade(report: &mut Report) {
    if report.schema_version >= ENTRIES_SINCE {
        return;
    }
    let specs = load_all(&[]).unwrap_or_default();
    let spec_of = |s: &Section| specs.iter().find(|p| p.name == s.collector);
    for s in &mut report.sections {
        let Some(spec) = spec_of(s) else { continue };
        s.facts = s.facts.or_else(|| {
            spec.builtin
                .as_deref()
                .and_then(builtin)
                .and_then(|b| b.facts())
        });
        s.title = s.title.take().or_else(|| spec.title.clone());
        if s.entries.is_empty() {
            present_section(s);
        }
    }
    report
        .sections
        .sort_by_key(|s| spec_of(s).map_or(u32::MAX, Spec::order_key));
}

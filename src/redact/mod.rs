//! The redactor: one pass over everything that leaves the process (the Report, and through it every
//! archive member, the summary and stdout), before any byte is written.
//!
//! This is the seam; the full redaction (keyed prefix-preserving IPs, pseudonyms, secret scrubbing)
//! plugs in behind `Redactor` without changing callers.

use crate::report::{RedactionSummary, Report};
use std::path::PathBuf;

#[derive(Debug, Clone, Default)]
pub struct RedactOptions {
    /// Redact identities (off with --no-redact; secrets are scrubbed regardless).
    pub enabled: bool,
    /// --redact-key FILE: read, or create with mode 0600.
    pub key_file: Option<PathBuf>,
}

pub struct Redactor {
    opts: RedactOptions,
}

impl Redactor {
    pub fn new(opts: &RedactOptions) -> anyhow::Result<Redactor> {
        Ok(Redactor { opts: opts.clone() })
    }

    /// Learns names to hide from the report (host name, ...) then rewrites every string in it.
    pub fn redact_report(&mut self, _report: &mut Report) {}

    pub fn redact_text(&mut self, text: &str) -> String {
        text.to_string()
    }

    /// The pseudonym used for the machine's host name (archive name, manifest).
    pub fn host_label(&self, hostname: &str) -> String {
        hostname.to_string()
    }

    pub fn summary(&self) -> RedactionSummary {
        RedactionSummary {
            enabled: self.opts.enabled,
            ..Default::default()
        }
    }

    /// The private map (what became what), written next to the archive; None when nothing to keep.
    pub fn private_map(&self) -> Option<serde_json::Value> {
        None
    }
}

//! Views of a Report: the issue-form summary (markdown, from templates/), plain text and JSON. Every
//! view reads only the Report, so `show` on an archive prints exactly what the collecting run printed.

pub mod context_view;
pub mod reproduce_view;
pub mod summary;
pub mod text;

pub use summary::{render_summary, SummaryOptions};
pub use text::render_text;

use crate::report::Report;

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Md,
    Text,
    Json,
}

pub fn render_json(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(report).expect("a Report always serialises");
    s.push('\n');
    s
}

pub fn render(report: &Report, format: Format, opts: &SummaryOptions) -> anyhow::Result<String> {
    Ok(match format {
        Format::Md => render_summary(report, opts)?,
        Format::Text => render_text(report),
        Format::Json => render_json(report),
    })
}

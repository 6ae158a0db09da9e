//! Views of a Report: the issue-form summary (markdown, from templates/), plain text and JSON. Every
//! view reads only the Report, so `show` on an archive prints exactly what the collecting run printed.

pub mod context_view;
pub mod merge;
pub mod perf_view;
pub mod reproduce_view;
pub mod summary;
pub mod sysinfo;
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

/// Renders a view model through a minijinja template, with the settings every template here assumes.
pub(crate) fn render_template(
    name: &str,
    template: &str,
    view: &impl serde::Serialize,
) -> anyhow::Result<String> {
    let mut env = minijinja::Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    env.add_template(name, template)
        .map_err(|e| anyhow::anyhow!("{name} template: {e}"))?;
    env.get_template(name)
        .and_then(|t| t.render(view))
        .map_err(|e| anyhow::anyhow!("{name} template: {e}"))
}

pub fn render(report: &Report, format: Format, opts: &SummaryOptions) -> anyhow::Result<String> {
    Ok(match format {
        Format::Md => render_summary(report, opts)?,
        Format::Text => render_text(report),
        Format::Json => render_json(report),
    })
}

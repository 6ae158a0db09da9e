//! Views of a Report: the issue-form summary (markdown, from templates/, within its budget), plain
//! text, JSON, the merged and diff views, the bug-form link, and the text formats maintainers read
//! (formats/: `sysctl`, `nstat`, ...). Every view reads only the Report, so `show` on an archive
//! prints exactly what the collecting run printed.

pub mod budget;
mod budget_lists;
mod budget_namespaces;
pub mod budget_sockets;
mod budget_sysinfo;
pub mod changes;
pub mod context_view;
pub mod diff;
mod excerpt;
pub mod findings;
pub mod form;
pub mod formats;
pub mod merge;
pub mod perf_view;
pub mod privilege;
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

/// report.json's text. Fails only when a spooled socket list cannot be read back.
pub fn render_json(report: &Report) -> anyhow::Result<String> {
    let mut out = Vec::new();
    crate::report::json::write_report(&mut out, report)?;
    Ok(String::from_utf8(out)?)
}

/// Renders a view model through a minijinja template, with the settings every template here assumes.
/// The bug form's narrative fields, `{% include "form_fields" %}` in the summary templates.
pub const FORM_FIELDS_TEMPLATE: &str = include_str!("../../templates/form_fields.md.j2");

/// Reads a `--template FILE` and checks its syntax now, so a bad template is a usage error before
/// anything runs, not a failure after the collect.
pub fn read_template(path: &std::path::Path) -> anyhow::Result<String> {
    use anyhow::Context;
    // A template is text of a few kilobytes: a megabyte is plenty.
    let text = crate::sys::fs::read_named_file(path, 1 << 20)
        .with_context(|| format!("--template {}", path.display()))
        .map_err(crate::exit::usage)?;
    let mut env = minijinja::Environment::new();
    env.add_template("user", &text)
        .map_err(|e| crate::exit::usage(anyhow::anyhow!("--template {}: {e}", path.display())))?;
    Ok(text)
}

/// A compiled template: the summary's own one is compiled once per run (`warm_up`), others each time.
pub(crate) enum Compiled<'s> {
    Shared(&'static minijinja::Environment<'static>),
    Own(minijinja::Environment<'s>),
}

impl<'s> std::ops::Deref for Compiled<'s> {
    type Target = minijinja::Environment<'s>;
    fn deref(&self) -> &Self::Target {
        match self {
            Compiled::Shared(e) => e,
            Compiled::Own(e) => e,
        }
    }
}

/// The built-in summary template, compiled.
static SUMMARY: std::sync::OnceLock<minijinja::Environment<'static>> = std::sync::OnceLock::new();

fn summary_environment() -> &'static minijinja::Environment<'static> {
    SUMMARY.get_or_init(|| {
        build_environment("summary", summary::DEFAULT_TEMPLATE)
            .expect("templates/summary.md.j2 is valid (tested)")
    })
}

/// Compiles the built-in summary template ahead of the run's end (called while the collectors run:
/// about a third of the time a summary takes).
pub fn warm_up() {
    summary_environment();
}

/// The environment holding the template `name`, with the settings every template here assumes.
pub(crate) fn environment<'s>(name: &'s str, template: &'s str) -> anyhow::Result<Compiled<'s>> {
    if name == "summary" && std::ptr::eq(template, summary::DEFAULT_TEMPLATE) {
        return Ok(Compiled::Shared(summary_environment()));
    }
    build_environment(name, template).map(Compiled::Own)
}

/// A minijinja environment holding one template, with the settings every template here assumes.
fn build_environment<'s>(
    name: &'s str,
    template: &'s str,
) -> anyhow::Result<minijinja::Environment<'s>> {
    let mut env = minijinja::Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    env.add_template("form_fields", FORM_FIELDS_TEMPLATE)
        .expect("templates/form_fields.md.j2 is valid (tested)");
    env.add_template(name, template)
        .map_err(|e| anyhow::anyhow!("{name} template: {e}"))?;
    Ok(env)
}

pub fn render(report: &Report, format: Format, opts: &SummaryOptions) -> anyhow::Result<String> {
    Ok(match format {
        Format::Md => render_summary(report, opts)?,
        Format::Text => render_text(report),
        Format::Json => render_json(report)?,
    })
}

/// How stdout treats a `--format` view's text: JSON is escaped for a terminal as JSON, the other views
/// were escaped when rendered.
pub fn stdout_kind(format: Format) -> crate::sys::stdio::Kind {
    match format {
        Format::Json => crate::sys::stdio::Kind::Json,
        _ => crate::sys::stdio::Kind::Escaped,
    }
}

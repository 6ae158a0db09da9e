//! The one pipeline collect and reproduce (and check) share: engine -> Report -> redact -> triage, then
//! views -> archive. The commands only prepare Settings and decide what to print around it.

use crate::archive::{self, Entry, Member};
use crate::cli::settings::Settings;
use crate::collect::engine::{self, Plan};
use crate::collect::{plan, source};
use crate::exit::usage;
use crate::redact::Redactor;
use crate::report::{Meta, Report, Reproduce};
use crate::sys::stdio;
use crate::usage_bail;
use crate::views::{self, SummaryOptions};
use anyhow::Result;
use chrono::Utc;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// Everything a run produced, before it is written anywhere: the redacted, triaged report and the
/// redactor (its private map and host label).
pub struct Collected {
    pub report: Report,
    pub redactor: Redactor,
}

/// What a run collects from: the environment (files, kernel, commands) and the namespaces `--netns`
/// names, checked (entering a namespace needs root). Reproduce prepares once for its snapshots,
/// watch and sampler and collects from the same preparation after the window.
pub struct Prepared {
    pub env: Arc<crate::collect::collectors::Env>,
    pub namespaces: Vec<Option<crate::sys::Netns>>,
}

pub fn prepare(settings: &Settings) -> Result<Prepared> {
    let mut env = source::environment(&settings.source, settings.timeout)?;
    env.read_only = settings.read_only;
    let namespaces = plan::namespaces(&settings.netns)?;
    if namespaces.iter().any(Option::is_some) && !env.privileged {
        usage_bail!("--netns: entering a network namespace needs root (CAP_SYS_ADMIN)");
    }
    Ok(Prepared {
        env: Arc::new(env),
        namespaces,
    })
}

/// Runs the collectors and builds the redacted, triaged Report (nothing written yet); `window` is the
/// reproduce window's record, redacted with the rest.
pub fn collect(settings: &Settings, window: Option<Reproduce>) -> Result<Collected> {
    collect_prepared(settings, prepare(settings)?, window)
}

/// `collect` from an environment already prepared.
pub fn collect_prepared(
    settings: &Settings,
    prepared: Prepared,
    window: Option<Reproduce>,
) -> Result<Collected> {
    let Prepared { env, namespaces } = prepared;
    let specs = plan::load_specs(
        &settings.collectors_dirs,
        env.fs.kernel_is_live(),
        &settings.collectors,
    )?;
    let mut redactor = Redactor::new(&settings.redact).map_err(usage)?;
    let started_at = Utc::now();
    let plan = Plan {
        specs,
        namespaces: namespaces.clone(),
        collector_timeout: settings.collector_timeout(),
    };
    let progress = |done: usize, total: usize, name: &str| {
        eprint!("\r\x1b[2Kcollecting: {done}/{total} {name}");
        if done == total {
            eprint!("\r\x1b[2K");
        }
    };
    let privileged = env.privileged;
    let root = env.fs.root().display().to_string();
    let sysroot = env.fs.kernel_is_live() && !env.fs.is_live();
    let hostname = env
        .fs
        .read_trimmed("/proc/sys/kernel/hostname")
        // An offline image (--root) has no /proc: its configured name is in /etc/hostname.
        .or_else(|| env.fs.read_trimmed("/etc/hostname"))
        .unwrap_or_else(|| "unknown".into());
    // While the collectors run: what the views and triage need that depends on nothing collected.
    let meanwhile = || {
        if settings.template.is_none() {
            views::warm_up();
        }
        crate::triage::kernel::data();
        if settings.output.is_some() {
            archive::warm_up();
        }
    };
    let sections = engine::run_meanwhile(
        &plan,
        env,
        if settings.progress {
            Some(&progress)
        } else {
            None
        },
        &meanwhile,
    );
    let meta = Meta {
        finished_at: Utc::now(),
        mode: settings.mode,
        uid: crate::sys::ids::uid(),
        privileged,
        args: settings.argv.clone(),
        root,
        sysroot,
        netns: namespaces
            .iter()
            .map(|n| n.as_ref().map(|n| n.label.clone()).unwrap_or_default())
            .collect(),
        ..Meta::new(started_at, &hostname)
    };
    let mut report = Report::new(meta, sections);
    report.reproduce = window;
    report.meta.side = crate::triage::side::side(&report, settings.side);
    redactor.redact_report(&mut report)?;
    // What every view shows, built from the redacted facts.
    crate::collect::present::present(&mut report);
    report.redaction = Some(redactor.summary());
    report.findings = crate::triage::evaluate(&report);
    Ok(Collected { report, redactor })
}

pub fn manifest(report: &Report) -> serde_json::Value {
    use crate::report::Source;
    let collectors: Vec<serde_json::Value> = report
        .sections
        .iter()
        .map(|s| {
            let artifacts: Vec<serde_json::Value> = s
                .artifacts
                .iter()
                .map(|a| {
                    let mut v = serde_json::json!({"name": a.name, "truncated": a.truncated, "original_size": a.original_size});
                    if let Source::Command { argv, exit_code, timed_out, missing, duration_ms, .. } = &a.source {
                        v["argv"] = serde_json::json!(argv);
                        v["exit_code"] = serde_json::json!(exit_code);
                        v["timed_out"] = serde_json::json!(timed_out);
                        v["missing"] = serde_json::json!(missing);
                        v["duration_ms"] = serde_json::json!(duration_ms);
                    }
                    v
                })
                .collect();
            serde_json::json!({
                "name": s.collector,
                "netns": s.netns,
                "status": s.status.label(),
                "detail": s.status.detail(),
                "duration_ms": s.duration_ms,
                "artifacts": artifacts,
                "notes": s.notes,
            })
        })
        .collect();
    let mut m = serde_json::json!({
        "tool": report.tool.name,
        "version": report.tool.version,
        "schema_version": report.schema_version,
        "mode": report.meta.mode,
        "args": report.meta.args,
        "uid": report.meta.uid,
        "privileged": report.meta.privileged,
        "started_at": report.meta.started_at,
        "finished_at": report.meta.finished_at,
        "root": report.meta.root,
        "netns": report.meta.netns,
        "redaction": report.redaction,
        "collectors": collectors,
    });
    if let Some(r) = &report.reproduce {
        m["reproduce"] = window_manifest(r);
    }
    m
}

/// The manifest's view of the window: how it ended and what was watched or lost.
fn window_manifest(r: &Reproduce) -> serde_json::Value {
    let lost: u64 = r.namespaces.iter().map(|w| w.events_lost).sum();
    serde_json::json!({
        "ended_by": r.ended_by,
        "duration_ms": r.duration_ms,
        "command": r.command.as_ref().map(|c| serde_json::json!({
            "argv": c.argv, "status": c.status(), "duration_ms": c.duration_ms,
        })),
        "events": r.namespaces.iter().map(|w| w.events_total).sum::<u64>(),
        "events_lost": lost,
        "events_lost_text": format!("{lost} events lost"),
        "namespaces": r.namespaces.iter().map(|w| serde_json::json!({
            "netns": w.netns,
            "subscribed": w.subscribed,
            "subscribe_error": w.subscribe_error,
            "events": w.events_total,
            "events_lost": w.events_lost,
        })).collect::<Vec<_>>(),
    })
}

/// Archive base name: mptcp-debug-<host>-<UTC timestamp>.
pub fn archive_stem(host_label: &str, at: chrono::DateTime<Utc>) -> String {
    let host: String = host_label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("mptcp-debug-{host}-{}", at.format("%Y%m%dT%H%M%SZ"))
}

/// Writes the archive (and the private map next to it); returns the archive path and the summary
/// written into it.
pub fn write_archive(
    dir: &Path,
    collected: &mut Collected,
    template: Option<String>,
) -> Result<(PathBuf, String)> {
    let report = &mut collected.report;
    let stem = archive_stem(
        &collected.redactor.host_label(&report.meta.hostname),
        report.meta.started_at,
    );
    // The name is held (an exclusive partial file) before it is written into the summary.
    let reserved = archive::Reserved::new(dir, &stem)?;
    let archive_name = reserved.archive_name();
    let map = collected.redactor.private_map();
    if map.is_some() {
        if let Some(r) = report.redaction.as_mut() {
            r.map_file = Some(format!("{archive_name}.map.json"));
        }
    }
    // The output path may hold a user name (/home/NAME/...).
    let shown = collected
        .redactor
        .redact_text(&dir.join(&archive_name).display().to_string());
    report.meta.archive = Some(shown.clone());
    let opts = SummaryOptions {
        archive: Some(shown),
        template,
    };
    let report = &*report;
    // summary.md comes first in the archive: it is rendered on a thread of its own while this one
    // compresses the other members ahead (when they are small enough to hold compressed), so the
    // two costliest steps of writing a default collect's archive overlap.
    std::thread::scope(|s| {
        let render = || views::render_summary(report, &opts);
        let rendering = std::thread::Builder::new()
            .name("summary".into())
            .spawn_scoped(s, render);
        let summary = || match rendering {
            Ok(thread) => thread
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p)),
            Err(_) => render(),
        };
        write_members(dir, reserved, report, map, summary)
    })
}

/// Writes the archive into `reserved`: summary.md (from `summary`, asked for once the other members
/// are compressed ahead) first, then report.json, the manifest, the schema, raw/ and the window's
/// members; `map` beside it. Returns its path and the summary.
fn write_members(
    dir: &Path,
    reserved: archive::Reserved,
    report: &Report,
    map: Option<serde_json::Value>,
    summary: impl FnOnce() -> Result<String>,
) -> Result<(PathBuf, String)> {
    let told = dir.join(reserved.archive_name()).display().to_string();
    let manifest_json = serde_json::to_string_pretty(&manifest(report))? + "\n";
    // report.json goes straight from the Report into the compressed stream: never a second copy in
    // memory (archive/stream.rs). The same bytes as `--format json`.
    let json = |w: &mut dyn std::io::Write| archive::json::write_report(w, report);
    let reproduce = crate::archive::window::archive_members(report);
    let mut members = vec![
        Entry::stream("report.json", &json).size_hint(archive::json::size_hint(report)),
        Entry::bytes("manifest.json", manifest_json.as_bytes()),
        // The contract report.json follows, so a reader needs nothing but the archive.
        archive::schema_entry(),
    ];
    members.extend(archive::raw_entries(report));
    members.extend(reproduce.iter().map(Member::entry));
    // The reproduce window's socket snapshots, streamed from their lists (about as large as
    // report.json says sockets are: a small one is written on this thread).
    let snapshots: Vec<(String, u64, Box<archive::Producer>)> =
        archive::window::socket_lists(report)
            .into_iter()
            .map(|(path, list)| {
                let hint = archive::json::socket_bytes(list) as u64;
                let produce = move |w: &mut dyn std::io::Write| archive::json::write_list(w, list);
                (path, hint, Box::new(produce) as Box<archive::Producer>)
            })
            .collect();
    members.extend(snapshots.iter().map(|(path, hint, produce)| {
        Entry::stream(path.clone(), produce.as_ref()).size_hint(*hint)
    }));
    let mtime = report.meta.started_at.timestamp().max(0) as u64;
    let ahead = archive::precompress(reserved.stem(), &members, mtime)
        .map_err(|e| anyhow::anyhow!("cannot write {told}: {e}"))?;
    let summary = summary()?;
    let mut entries = vec![Entry::bytes("summary.md", summary.as_bytes())];
    match &ahead {
        Some(compressed) => entries.push(Entry {
            path: "(the other members)".into(),
            body: archive::Body::Members(compressed),
        }),
        None => entries.append(&mut members),
    }
    let map = map
        .map(|m| serde_json::to_string_pretty(&m).map(|s| s + "\n"))
        .transpose()?;
    let path = reserved.write(&entries, mtime, map.as_deref().map(str::as_bytes), &told)?;
    Ok((path, summary))
}

/// The largest file GitHub takes as an attachment to an issue or a comment (25 MB).
pub const ATTACHMENT_MAX: u64 = 25_000_000;

/// What to tell about an archive of `bytes` too large to attach to the bug report (a server with
/// tens of thousands of connections), else None.
pub fn attachment_note(bytes: u64) -> Option<String> {
    (bytes > ATTACHMENT_MAX).then(|| {
        format!(
            "note: the archive is {:.1} MB, and GitHub takes attachments of at most 25 MB: share it another way (a link in the issue), or collect again with `--skip sockets` (on a busy server its sockets are most of the archive)",
            bytes as f64 / 1e6
        )
    })
}

/// Writes the archive (unless --no-archive) and prints the report in the chosen format.
pub fn emit(
    settings: &Settings,
    mut collected: Collected,
    dir: Option<PathBuf>,
    template: Option<String>,
) -> Result<ExitCode> {
    if !settings.quiet {
        let missing = views::privilege::missing_without_root(&collected.report);
        if !missing.is_empty() {
            stdio::say(&format!(
                "note: not running as root, so not collected: {}; {}",
                missing.join("; "),
                views::privilege::HOW
            ));
        }
    }
    // An archive that cannot be written (read-only or full directory, a user in /) must not cost the
    // user the summary: it is still printed, and the exit status says the archive is missing.
    let mut archive_error = None;
    let archive = match &dir {
        Some(dir) => match write_archive(dir, &mut collected, template.clone()) {
            Ok(written) => Some(written),
            Err(e) => {
                archive_error = Some(archive_problem(dir, &e));
                collected.report.meta.archive = None;
                if let Some(r) = collected.report.redaction.as_mut() {
                    r.map_file = None;
                }
                None
            }
        },
        None => None,
    };
    // Rendered from the already-redacted report: nothing here needs a second pass. The markdown is
    // the summary.md just written, when there is an archive; JSON goes out as it is serialized.
    // The archive is written; a closed or full stdout still gets its path said before the run ends.
    let kind = crate::views::stdout_kind(settings.format);
    let printed = match (&archive, settings.format) {
        (_, views::Format::Json) => {
            stdio::print_streamed(kind, |w| archive::json::write_report(w, &collected.report))
        }
        (Some((_, summary)), views::Format::Md) => stdio::print(summary, kind),
        _ => {
            let opts = SummaryOptions {
                archive: collected.report.meta.archive.clone(),
                template,
            };
            stdio::print(
                &views::render(&collected.report, settings.format, &opts)?,
                kind,
            )
        }
    };
    if let (Some((p, _)), false) = (&archive, settings.quiet) {
        stdio::say(&format!("report written to {}", p.display()));
        let size = std::fs::metadata(p).map_or(0, |m| m.len());
        if let Some(note) = attachment_note(size) {
            stdio::say(&note);
        }
    }
    if settings.issue_url {
        stdio::say(&views::form::link_line(&views::form::for_report(
            &collected.report,
        )));
    }
    // The run ends here: the OS takes the report back at once, instead of it being freed string by
    // string (tens of milliseconds with tens of thousands of sockets).
    std::mem::forget(collected);
    if let Some(problem) = archive_error {
        stdio::say(&problem);
        printed?;
        return Ok(ExitCode::from(crate::exit::ARCHIVE_MISSING));
    }
    printed?;
    Ok(ExitCode::SUCCESS)
}

/// The one line saying that no archive was written, why, and where (the path is always named).
fn archive_problem(dir: &Path, e: &anyhow::Error) -> String {
    let why = format!("{e:#}");
    let shown = dir.display().to_string();
    let why = if why.contains(&shown) {
        why
    } else {
        format!("{shown}: {why}")
    };
    format!("no archive written ({why}); the report on stdout is all there is: run again with -o DIR naming a writable directory with free space")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_archive_too_large_to_attach_is_told_with_what_to_do() {
        assert_eq!(attachment_note(56_000), None);
        assert_eq!(attachment_note(ATTACHMENT_MAX), None);
        let note = attachment_note(31_240_000).unwrap();
        assert!(note.starts_with("note: the archive is 31.2 MB"), "{note}");
        assert!(note.contains("--skip sockets"), "{note}");
    }
}

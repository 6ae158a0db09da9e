//! Whether a collector applies here: its spec's triggers (paths, programs, kernel modules, what the
//! source allows) and its builtin's own check, with the reason when it does not. Used by the engine
//! and by `list`.

use crate::collect::collectors::{builtin, installed, Ctx};
use crate::collect::spec::Spec;

/// Why a spec would not run here (None = it would). Used by the engine and by `list`.
pub fn would_skip(spec: &Spec, ctx: &Ctx) -> Option<String> {
    let why = triggers_fail(spec, ctx)?;
    Some(spec.triggers.reason.clone().unwrap_or(why))
}

/// Why the spec's triggers (or its builtin's own check) do not hold here, in generic words.
fn triggers_fail(spec: &Spec, ctx: &Ctx) -> Option<String> {
    let env = ctx.env;
    let t = &spec.triggers;
    if t.live && !env.live() {
        return Some("needs the live system".into());
    }
    if t.running_kernel && !env.native() {
        return Some("needs the running kernel, not --root or recorded outputs".into());
    }
    if t.this_machine && !env.fs.is_live() {
        return Some("describes the running machine only, not the files under --root".into());
    }
    if let Some(p) = t.paths.iter().find(|p| !env.fs.exists(p)) {
        return Some(format!("{p} does not exist"));
    }
    if (!t.any_paths.is_empty() || !t.any_commands.is_empty())
        && !t.any_paths.iter().any(|p| env.fs.exists(p))
        && !t.any_commands.iter().any(|c| installed(env, c))
    {
        let all: Vec<&str> = t
            .any_paths
            .iter()
            .chain(&t.any_commands)
            .map(String::as_str)
            .collect();
        return Some(format!("none of {} exists", all.join(", ")));
    }
    if let Some(m) = t.kernel_modules.iter().find(|m| !module_present(ctx, m)) {
        return Some(format!("kernel module {m} is neither loaded nor built in"));
    }
    // Commands are the spec's whole work, or its triggers need programs: not under --root alone.
    let only_commands = spec.files.is_empty() && spec.builtin.is_none();
    if (only_commands || !t.commands.is_empty()) && !env.live() {
        return Some("commands are not run under --root (no recorded outputs given)".into());
    }
    if let Some(c) = t.commands.iter().find(|c| !installed(env, c)) {
        return Some(format!("{c} is not installed"));
    }
    if let Some(b) = spec.builtin.as_deref().and_then(builtin) {
        if let Err(reason) = b.applies(ctx) {
            return Some(reason);
        }
    }
    None
}

/// Whether kernel module `name` is loaded or built in (`-` and `_` are the same in module names).
fn module_present(ctx: &Ctx, name: &str) -> bool {
    let fs = ctx.fs();
    let name = name.replace('-', "_");
    let loaded = fs.read_to_string("/proc/modules").is_ok_and(|t| {
        t.lines()
            .any(|l| l.split_whitespace().next() == Some(name.as_str()))
    });
    if loaded || fs.exists(&format!("/sys/module/{name}")) {
        return true;
    }
    let release = fs
        .read_trimmed("/proc/sys/kernel/osrelease")
        .unwrap_or_default();
    let ko = format!("/{name}.ko");
    fs.read_to_string(&format!("/lib/modules/{release}/modules.builtin"))
        .is_ok_and(|t| t.lines().any(|l| l.replace('-', "_").ends_with(&ko)))
}

#[cfg(test)]
#[path = "triggers_tests.rs"]
mod tests;

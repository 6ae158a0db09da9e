//! Kernel identity: the `uname -a` line, /proc/version and the taint mask decoded. Read from
//! /proc/sys/kernel so `--root` fixtures and mounted images work too. On the live system the
//! `uname -a` line is assembled from uname(2) as coreutils upstream prints it (every field is the
//! kernel's; no program is started for it). Replaying recorded outputs, it is the recorded line, which
//! may be a patched coreutils' (RHEL's print processor and platform: `... x86_64 x86_64 x86_64
//! GNU/Linux`).

use super::{Builtin, Ctx, Output, Result, Stop};
use crate::report::{Data, Entry, Facts, KernelInfo, Section, View};

pub struct Kernel;

/// os-release's parser lives with the distro collector (named here too for the fuzz targets).
pub use super::distro::parse_os_release;

/// Kernel taint bits (Documentation/admin-guide/tainted-kernels.rst): bit, letter, meaning.
pub const TAINT_FLAGS: &[(u32, char, &str)] = &[
    (0, 'P', "proprietary module was loaded"),
    (1, 'F', "module was force loaded"),
    (2, 'S', "kernel running on an out of specification system"),
    (3, 'R', "module was force unloaded"),
    (4, 'M', "processor reported a Machine Check Exception"),
    (5, 'B', "bad page referenced or unexpected page flags"),
    (6, 'U', "taint requested by userspace application"),
    (
        7,
        'D',
        "kernel died recently, i.e. there was an OOPS or BUG",
    ),
    (8, 'A', "an ACPI table was overridden by user"),
    (9, 'W', "kernel issued warning"),
    (10, 'C', "staging driver was loaded"),
    (11, 'I', "workaround for bug in platform firmware applied"),
    (12, 'O', "externally-built (out-of-tree) module was loaded"),
    (13, 'E', "unsigned module was loaded"),
    (14, 'L', "soft lockup occurred"),
    (15, 'K', "kernel has been live patched"),
    (16, 'X', "auxiliary taint, defined for and used by distros"),
    (
        17,
        'T',
        "kernel was built with the struct randomization plugin",
    ),
    (18, 'N', "an in-kernel test has been run"),
    (
        19,
        'J',
        "userspace used a mutating debug operation in fwctl",
    ),
];

pub fn decode_taint(mask: u64) -> Vec<String> {
    let mut out: Vec<String> = TAINT_FLAGS
        .iter()
        .filter(|(bit, _, _)| mask & (1u64 << bit) != 0)
        .map(|(bit, letter, what)| format!("{letter} (bit {bit}): {what}"))
        .collect();
    let known: u64 = TAINT_FLAGS.iter().map(|(b, _, _)| 1u64 << b).sum();
    if mask & !known != 0 {
        out.push(format!("unknown bits 0x{:x}", mask & !known));
    }
    out
}

impl Builtin for Kernel {
    fn name(&self) -> &'static str {
        "kernel"
    }

    fn facts(&self) -> Option<Facts> {
        Some(Facts::Kernel)
    }

    fn present(&self, section: &Section) -> Vec<Entry> {
        let Some(k) = section.data.iter().find_map(|d| match d {
            Data::Kernel(k) => Some(k),
            _ => None,
        }) else {
            return Vec::new();
        };
        let mut out = vec![
            Entry::code(format!("{}\n", k.uname))
                .titled("kernel")
                .only(&[View::Text]),
            Entry::facts(
                "versions",
                vec![
                    ("kernel release".into(), k.release.clone()),
                    ("kernel build".into(), k.version.clone()),
                ],
            ),
        ];
        if !k.taint_flags.is_empty() {
            out.push(
                Entry::list(k.taint_flags.clone())
                    .titled("Kernel taint")
                    .only(&[View::Summary, View::Text]),
            );
        }
        out
    }

    fn collect(&self, ctx: &Ctx, out: &mut Output) -> Result {
        let fs = ctx.fs();
        let k = |f: &str| fs.read_trimmed(&format!("/proc/sys/kernel/{f}"));
        let mut info = KernelInfo {
            sysname: k("ostype").unwrap_or_default(),
            nodename: k("hostname").unwrap_or_default(),
            release: k("osrelease").unwrap_or_default(),
            version: k("version").unwrap_or_default(),
            machine: k("arch").unwrap_or_default(),
            ..Default::default()
        };
        if fs.kernel_is_live() {
            fill_from_uname(&mut info);
        }
        if info.release.is_empty() {
            return Err(Stop::Failed(
                "could not read the kernel release (/proc/sys/kernel/osrelease)".into(),
            ));
        }
        if info.sysname.is_empty() {
            info.sysname = "Linux".into();
        }
        // Like coreutils' `uname -a` on Linux: processor and hardware platform are omitted when unknown.
        let mut parts = vec![
            info.sysname.as_str(),
            info.nodename.as_str(),
            info.release.as_str(),
            info.version.as_str(),
        ];
        if !info.machine.is_empty() {
            parts.push(&info.machine);
        }
        parts.push("GNU/Linux");
        info.uname = parts.join(" ");
        if let Some(line) = uname_program(ctx, out) {
            info.uname = line;
        }
        info.proc_version = out.file("/proc/version").map(|s| s.trim_end().to_string());
        if let Some(t) = k("tainted").and_then(|t| t.parse::<u64>().ok()) {
            info.taint = Some(t);
            info.taint_flags = decode_taint(t);
        }
        out.data.push(Data::Kernel(info));
        Ok(())
    }
}

/// The line the recorded `uname -a` printed, when outputs are replayed and it printed one line; None
/// otherwise (live, --root, not recorded, failed): the assembled line is used then, and a note says
/// why when the recorded run failed.
fn uname_program(ctx: &Ctx, out: &mut Output) -> Option<String> {
    if ctx.env.native() || !ctx.env.live() {
        return None;
    }
    let res = ctx.run_declared("uname", &[], out);
    let line = res.stdout.trim_end_matches('\n');
    if res.success() && !line.is_empty() && !line.contains('\n') {
        return Some(line.to_string());
    }
    if !res.missing {
        let problem = super::command_problem(&ctx.argv_of("uname"), &res)
            .unwrap_or_else(|| "`uname -a` printed no single line".into());
        out.notes.push(format!(
            "{problem}; the uname -a line is assembled from uname(2)"
        ));
    }
    None
}

/// The live system's uname(2), which also knows the machine on kernels without /proc/sys/kernel/arch.
fn fill_from_uname(info: &mut KernelInfo) {
    let u = crate::sys::uname::uname();
    info.sysname = u.sysname;
    info.nodename = u.nodename;
    info.release = u.release;
    info.version = u.version;
    info.machine = u.machine;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taint_decoding() {
        assert!(decode_taint(0).is_empty());
        let t = decode_taint((1 << 9) | (1 << 12) | (1 << 40));
        assert_eq!(t.len(), 3);
        assert!(t[0].starts_with("W (bit 9)"));
        assert!(t[1].starts_with("O (bit 12)"));
        assert_eq!(t[2], "unknown bits 0x10000000000");
    }
}

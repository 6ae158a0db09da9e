//! The machine behind a throughput report: how many CPUs are online and what they are, memory and
//! swap, load averages, uptime and boot time. A maintainer's first questions about "slower than
//! expected" are these. Read through the sealed reader and parsed by procfs-core (/proc/stat,
//! /proc/cpuinfo, /proc/meminfo, /proc/loadavg, /proc/uptime): the running kernel's files on the live
//! system and under `--sysroot`, and a `--root` image's when it holds a captured /proc (an image
//! without one is skipped).

use super::{Builtin, Ctx, Output, Result, Stop};
use crate::report::{Data, Entry, Facts, Host as HostData, Section, View};
use crate::sys::Fs;
use procfs_core::{CpuInfo, ExplicitSystemInfo, FromRead, FromReadSI, KernelStats, LoadAverage};
use procfs_core::{Meminfo, Uptime};
use std::collections::BTreeSet;

pub struct Host;

/// Why the collector does not run here, if it does not.
fn describable(ctx: &Ctx) -> std::result::Result<(), String> {
    let fs = ctx.fs();
    if fs.kernel_is_live() || fs.exists("/proc/meminfo") {
        Ok(())
    } else {
        Err("no /proc/meminfo under --root: an image without a captured /proc".into())
    }
}

/// A /proc file parsed by procfs-core; Err names the file.
fn parse<T>(
    fs: &Fs,
    path: &str,
    from: impl FnOnce(&[u8]) -> procfs_core::ProcResult<T>,
) -> std::result::Result<T, String> {
    let bytes = fs.read_bytes(path).map_err(|e| format!("{path}: {e}"))?;
    from(&bytes).map_err(|e| format!("{path}: {e}"))
}

/// /proc/stat needs no system facts for what is used here (CPU lines and btime): the tick rate and
/// page size given only satisfy the parser.
const STAT_INFO: ExplicitSystemInfo = ExplicitSystemInfo {
    boot_time_secs: 0,
    ticks_per_second: 100,
    page_size: 4096,
    is_little_endian: cfg!(target_endian = "little"),
};

/// A load average as the file wrote it (procfs-core keeps an f32: 0.15 would read 0.15000000596).
fn load(v: f32) -> f64 {
    v.to_string().parse().unwrap_or(v as f64)
}

/// ARM's MIDR implementer codes (/proc/cpuinfo `CPU implementer`), for CPUs without a vendor_id.
const ARM_IMPLEMENTERS: &[(&str, &str)] = &[
    ("0x41", "ARM"),
    ("0x42", "Broadcom"),
    ("0x43", "Cavium"),
    ("0x46", "Fujitsu"),
    ("0x48", "HiSilicon"),
    ("0x4e", "NVIDIA"),
    ("0x50", "APM"),
    ("0x51", "Qualcomm"),
    ("0x53", "Samsung"),
    ("0x56", "Marvell"),
    ("0x61", "Apple"),
    ("0x69", "Intel"),
    ("0xc0", "Ampere"),
];

/// (model, vendor, physical cores) from /proc/cpuinfo.
fn cpu_identity(info: &CpuInfo) -> (Option<String>, Option<String>, Option<usize>) {
    let text = |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty()).map(String::from);
    let model = text(info.model_name(0))
        .or_else(|| text(info.get_field(0, "CPU part")).map(|p| format!("CPU part {p}")));
    let vendor = text(info.vendor_id(0)).or_else(|| {
        let code = text(info.get_field(0, "CPU implementer"))?;
        Some(
            ARM_IMPLEMENTERS
                .iter()
                .find(|(c, _)| c.eq_ignore_ascii_case(&code))
                .map_or_else(|| format!("CPU implementer {code}"), |(_, n)| n.to_string()),
        )
    });
    // Distinct (physical id, core id) pairs; a CPU without them (most ARM boards) is a core of its own.
    let cores: BTreeSet<(String, String)> = (0..info.num_cores())
        .map(|i| {
            match (
                info.get_field(i, "physical id"),
                info.get_field(i, "core id"),
            ) {
                (Some(p), Some(c)) => (p.trim().to_string(), c.trim().to_string()),
                _ => ("cpu".into(), i.to_string()),
            }
        })
        .collect();
    let cores = Some(cores.len()).filter(|&n| n > 0);
    (model, vendor, cores)
}

/// The host facts `fs` describes, and what could not be read.
pub fn read(fs: &Fs) -> (HostData, Vec<String>) {
    let mut h = HostData::default();
    let mut problems = Vec::new();
    match parse(fs, "/proc/stat", |b| KernelStats::from_read(b, &STAT_INFO)) {
        Ok(stat) => {
            h.cpus_online = stat.cpu_time.len();
            h.boot_time = (stat.btime > 0)
                .then(|| chrono::DateTime::from_timestamp(stat.btime as i64, 0))
                .flatten();
        }
        Err(e) => problems.push(format!("no CPU was listed ({e})")),
    }
    match parse(fs, "/proc/cpuinfo", |b| CpuInfo::from_read(b)) {
        Ok(info) => (h.cpu_model, h.cpu_vendor, h.physical_cores) = cpu_identity(&info),
        Err(e) => problems.push(e),
    }
    match parse(fs, "/proc/meminfo", |b| Meminfo::from_read(b)) {
        Ok(m) => {
            h.memory_total_bytes = m.mem_total;
            // Kernels before 3.14 have no MemAvailable: the estimate free(1) made before it.
            h.memory_available_bytes = m.mem_available.unwrap_or_else(|| {
                (m.mem_free + m.buffers + m.cached + m.s_reclaimable.unwrap_or(0))
                    .saturating_sub(m.shmem.unwrap_or(0))
            });
            h.swap_total_bytes = m.swap_total;
            h.swap_free_bytes = m.swap_free;
        }
        Err(e) => problems.push(format!("memory sizes could not be read ({e})")),
    }
    match parse(fs, "/proc/loadavg", |b| LoadAverage::from_read(b)) {
        Ok(l) => (h.load_1, h.load_5, h.load_15) = (load(l.one), load(l.five), load(l.fifteen)),
        Err(e) => problems.push(e),
    }
    match parse(fs, "/proc/uptime", |b| Uptime::from_read(b)) {
        Ok(u) => h.uptime_seconds = u.uptime as u64,
        Err(e) => problems.push(e),
    }
    h.arch = if fs.kernel_is_live() {
        Some(crate::sys::uname::uname().machine)
    } else {
        fs.read_trimmed("/proc/sys/kernel/arch")
    }
    .filter(|a| !a.is_empty());
    (h, problems)
}

impl Builtin for Host {
    fn name(&self) -> &'static str {
        "host"
    }

    fn facts(&self) -> Option<Facts> {
        Some(Facts::Host)
    }

    fn present(&self, section: &Section) -> Vec<Entry> {
        let Some(h) = section.data.iter().find_map(|d| match d {
            Data::Host(h) => Some(h),
            _ => None,
        }) else {
            return Vec::new();
        };
        let gib = |b: u64| b as f64 / (1u64 << 30) as f64;
        let model = h
            .cpu_model
            .as_deref()
            .map(|m| format!(" ({m})"))
            .unwrap_or_default();
        vec![Entry::text(format!(
            "{} CPUs online{model}; memory {:.1} GiB, {:.1} GiB available; swap {:.1} GiB, {:.1} GiB free; load {:.2} {:.2} {:.2}; up {} s.",
            h.cpus_online,
            gib(h.memory_total_bytes),
            gib(h.memory_available_bytes),
            gib(h.swap_total_bytes),
            gib(h.swap_free_bytes),
            h.load_1,
            h.load_5,
            h.load_15,
            h.uptime_seconds
        ))
        .titled("Machine")
        .only(&[View::Text])]
    }

    fn applies(&self, ctx: &Ctx) -> std::result::Result<(), String> {
        describable(ctx)
    }

    fn collect(&self, ctx: &Ctx, out: &mut Output) -> Result {
        describable(ctx).map_err(Stop::Skipped)?;
        let (host, problems) = read(ctx.fs());
        out.notes.extend(problems);
        out.data.push(Data::Host(host));
        Ok(())
    }
}

#[cfg(test)]
#[path = "host_tests.rs"]
mod tests;

//! The machine behind a throughput report: how many CPUs are online and what they are, memory and
//! swap, load averages, uptime and boot time. A maintainer's first questions about "slower than
//! expected" are these. Read with `sysinfo` from the running system only: under `--root` the files are
//! another machine's, and sysinfo would describe this one.

use super::{Builtin, Ctx, Output, Result};
use crate::report::{Data, Entry, Facts, Host as HostData, Section, View};
use sysinfo::{CpuRefreshKind, MemoryRefreshKind, System};

pub struct Host;

/// What sysinfo says, as the report's facts.
pub fn read() -> HostData {
    let mut sys = System::new();
    sys.refresh_memory_specifics(MemoryRefreshKind::everything());
    sys.refresh_cpu_list(CpuRefreshKind::nothing());
    let cpus = sys.cpus();
    let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let load = System::load_average();
    let boot = System::boot_time();
    HostData {
        cpus_online: cpus.len(),
        physical_cores: System::physical_core_count(),
        cpu_model: cpus.first().and_then(|c| text(c.brand())),
        cpu_vendor: cpus.first().and_then(|c| text(c.vendor_id())),
        arch: text(&System::cpu_arch()),
        memory_total_bytes: sys.total_memory(),
        memory_available_bytes: sys.available_memory(),
        swap_total_bytes: sys.total_swap(),
        swap_free_bytes: sys.free_swap(),
        load_1: load.one,
        load_5: load.five,
        load_15: load.fifteen,
        uptime_seconds: System::uptime(),
        boot_time: (boot > 0)
            .then(|| chrono::DateTime::from_timestamp(boot as i64, 0))
            .flatten(),
    }
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

    /// The running machine only (the spec's `this_machine` trigger): under --root the files are
    /// another machine's, and sysinfo would describe this one.
    fn collect(&self, _ctx: &Ctx, out: &mut Output) -> Result {
        let host = read();
        if host.cpus_online == 0 {
            out.notes
                .push("no CPU was listed (is /proc/stat readable?)".into());
        }
        if host.memory_total_bytes == 0 {
            out.notes
                .push("memory sizes could not be read (/proc/meminfo)".into());
        }
        out.data.push(Data::Host(host));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_machine() {
        let h = read();
        let online = std::thread::available_parallelism().map_or(1, |n| n.get());
        // available_parallelism honours affinity masks and cgroup quotas: never more than online.
        assert!(h.cpus_online >= online, "{} < {online}", h.cpus_online);
        assert!(h.memory_total_bytes > 0 && h.memory_available_bytes <= h.memory_total_bytes);
        assert!(h.swap_free_bytes <= h.swap_total_bytes);
        assert!(h.uptime_seconds > 0);
        assert!(h.load_1 >= 0.0 && h.load_5 >= 0.0 && h.load_15 >= 0.0);
        let boot = h.boot_time.expect("boot time");
        let age = (chrono::Utc::now() - boot).num_seconds() as u64;
        assert!(
            age.abs_diff(h.uptime_seconds) <= 2,
            "{age} vs {}",
            h.uptime_seconds
        );
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap();
        let kb: u64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap();
        assert_eq!(h.memory_total_bytes, kb * 1024);
    }

    #[test]
    fn skipped_under_root() {
        let dir = tempfile::tempdir().unwrap();
        let env = crate::collect::source::environment(
            &crate::collect::source::Source::Image(dir.path().into()),
            1.0,
        )
        .unwrap();
        let spec = crate::collect::spec::load_all(&[])
            .unwrap()
            .into_iter()
            .find(|s| s.name == "host")
            .unwrap();
        let ctx = Ctx {
            env: &env,
            netns: None,
            spec: Some(&spec),
        };
        let (status, out) = crate::collect::engine::run_one(&spec, &ctx);
        assert!(status.detail().contains("--root"), "{status:?}");
        assert!(out.data.is_empty());
    }
}

//! The machine behind a throughput report: how many CPUs are online and what they are, memory and
//! swap, load averages, uptime and boot time. A maintainer's first questions about "slower than
//! expected" are these. Read with `sysinfo` from the running system only: under `--root` the files are
//! another machine's, and sysinfo would describe this one.

use super::{Builtin, Ctx, Output, Result, Stop};
use crate::report::{Data, Host as HostData};
use sysinfo::{CpuRefreshKind, MemoryRefreshKind, System};

pub struct Host;

/// Why the collector does not run here, if it does not.
fn live_only(ctx: &Ctx) -> std::result::Result<(), String> {
    if ctx.fs().is_live() {
        Ok(())
    } else {
        Err("describes the running machine only, not the files under --root".into())
    }
}

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

    fn applies(&self, ctx: &Ctx) -> std::result::Result<(), String> {
        live_only(ctx)
    }

    fn collect(&self, ctx: &Ctx, out: &mut Output) -> Result {
        live_only(ctx).map_err(Stop::Skipped)?;
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
        let ctx = Ctx {
            env: &env,
            netns: None,
        };
        let why = Host.applies(&ctx).unwrap_err();
        assert!(why.contains("--root"), "{why}");
        let mut out = Output::default();
        assert_eq!(Host.collect(&ctx, &mut out), Err(Stop::Skipped(why)));
        assert!(out.data.is_empty());
    }
}

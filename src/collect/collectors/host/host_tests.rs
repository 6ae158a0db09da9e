use super::*;
use crate::collect::collectors::Env;

fn env_for_root(root: &std::path::Path) -> Env {
    crate::collect::source::environment(&crate::collect::source::Source::Image(root.into()), 1.0)
        .unwrap()
}

#[test]
fn reads_this_machine() {
    let (h, problems) = read(&Fs::open("/").unwrap());
    assert!(problems.is_empty(), "{problems:?}");
    let online = std::thread::available_parallelism().map_or(1, |n| n.get());
    // available_parallelism honours affinity masks and cgroup quotas: never more than online.
    assert!(h.cpus_online >= online, "{} < {online}", h.cpus_online);
    assert!(h
        .physical_cores
        .is_some_and(|c| c >= 1 && c <= h.cpus_online));
    assert!(h.memory_total_bytes > 0 && h.memory_available_bytes <= h.memory_total_bytes);
    assert!(h.swap_free_bytes <= h.swap_total_bytes);
    assert!(h.uptime_seconds > 0);
    assert!(h.load_1 >= 0.0 && h.load_5 >= 0.0 && h.load_15 >= 0.0);
    assert_eq!(h.arch.as_deref(), Some(std::env::consts::ARCH));
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

/// A captured /proc of a two-socket machine with hyperthreads (4 CPUs online, 2 cores), of an
/// older kernel without MemAvailable.
const PROC: &[(&str, &str)] = &[
    (
        "proc/stat",
        "cpu  10 0 10 100 0 0 0 0 0 0\ncpu0 1 0 1 10 0 0 0 0 0 0\ncpu1 1 0 1 10 0 0 0 0 0 0\n\
         cpu2 1 0 1 10 0 0 0 0 0 0\ncpu3 1 0 1 10 0 0 0 0 0 0\nintr 0\nctxt 42\nbtime 1700000000\n\
         processes 7\nprocs_running 1\nprocs_blocked 0\n",
    ),
    (
        "proc/cpuinfo",
        "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU E5-2680\n\
         physical id\t: 0\ncore id\t\t: 0\n\nprocessor\t: 1\nvendor_id\t: GenuineIntel\n\
         model name\t: Intel(R) Xeon(R) CPU E5-2680\nphysical id\t: 0\ncore id\t\t: 0\n\n\
         processor\t: 2\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU E5-2680\n\
         physical id\t: 1\ncore id\t\t: 0\n\nprocessor\t: 3\nvendor_id\t: GenuineIntel\n\
         model name\t: Intel(R) Xeon(R) CPU E5-2680\nphysical id\t: 1\ncore id\t\t: 0\n\n",
    ),
    (
        "proc/meminfo",
        "MemTotal:        2048000 kB\nMemFree:          100000 kB\nBuffers:           20000 kB\n\
         Cached:           300000 kB\nSwapCached:            0 kB\nActive:           500000 kB\n\
         Inactive:         400000 kB\nSwapTotal:        1024000 kB\nSwapFree:          512000 kB\n\
         Dirty:                 0 kB\nWriteback:             0 kB\nMapped:            10000 kB\n\
         Shmem:             5000 kB\nSlab:              40000 kB\nSReclaimable:      30000 kB\n\
         SUnreclaim:        10000 kB\nPageTables:         1000 kB\nNFS_Unstable:          0 kB\n\
         Bounce:                0 kB\nWritebackTmp:          0 kB\nCommitLimit:   2000000 kB\n\
         Committed_AS:   1000000 kB\nVmallocTotal:   1000000 kB\nVmallocUsed:        1000 kB\n\
         VmallocChunk:    900000 kB\n",
    ),
    ("proc/loadavg", "0.15 1.50 12.05 2/345 6789\n"),
    ("proc/uptime", "12345.67 40000.00\n"),
    ("proc/sys/kernel/arch", "x86_64\n"),
];

#[test]
fn a_root_with_a_captured_proc_is_described() {
    let dir = tempfile::tempdir().unwrap();
    for (p, text) in PROC {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let env = env_for_root(dir.path());
    let ctx = Ctx {
        env: &env,
        netns: None,
        spec: None,
        shared: None,
    };
    assert_eq!(Host.applies(&ctx), Ok(()));
    let mut out = Output::default();
    Host.collect(&ctx, &mut out).unwrap();
    assert!(out.notes.is_empty(), "{:?}", out.notes);
    let [Data::Host(h)] = &out.data[..] else {
        panic!("{:?}", out.data)
    };
    let want = HostData {
        cpus_online: 4,
        physical_cores: Some(2),
        cpu_model: Some("Intel(R) Xeon(R) CPU E5-2680".into()),
        cpu_vendor: Some("GenuineIntel".into()),
        arch: Some("x86_64".into()),
        memory_total_bytes: 2048000 * 1024,
        // free + buffers + cached + reclaimable slab - shmem
        memory_available_bytes: (100000 + 20000 + 300000 + 30000 - 5000) * 1024,
        swap_total_bytes: 1024000 * 1024,
        swap_free_bytes: 512000 * 1024,
        load_1: 0.15,
        load_5: 1.5,
        load_15: 12.05,
        uptime_seconds: 12345,
        boot_time: chrono::DateTime::from_timestamp(1_700_000_000, 0),
    };
    assert_eq!(h, &want);
}

#[test]
fn an_arm_cpu_is_named_by_its_implementer() {
    let text = "processor\t: 0\nBogoMIPS\t: 108.00\nCPU implementer\t: 0x41\nCPU part\t: 0xd08\n\n\
                processor\t: 1\nBogoMIPS\t: 108.00\nCPU implementer\t: 0x41\nCPU part\t: 0xd08\n\n\
                Hardware\t: BCM2835\n";
    let info = CpuInfo::from_read(text.as_bytes()).unwrap();
    assert_eq!(
        cpu_identity(&info),
        (Some("CPU part 0xd08".into()), Some("ARM".into()), Some(2))
    );
}

#[test]
fn a_root_without_proc_is_skipped_and_broken_files_are_notes() {
    let dir = tempfile::tempdir().unwrap();
    let env = env_for_root(dir.path());
    let ctx = Ctx {
        env: &env,
        netns: None,
        spec: None,
        shared: None,
    };
    let why = Host.applies(&ctx).unwrap_err();
    assert!(why.contains("--root"), "{why}");
    let mut out = Output::default();
    assert_eq!(Host.collect(&ctx, &mut out), Err(Stop::Skipped(why)));
    assert!(out.data.is_empty());
    std::fs::create_dir_all(dir.path().join("proc")).unwrap();
    std::fs::write(dir.path().join("proc/meminfo"), "MemTotal: lots\n").unwrap();
    std::fs::write(dir.path().join("proc/loadavg"), "\u{0}\u{ff}garbage").unwrap();
    let (h, problems) = read(&Fs::open(dir.path()).unwrap());
    assert_eq!(h.memory_total_bytes, 0);
    assert_eq!(problems.len(), 5, "{problems:?}");
    assert!(problems[0].starts_with("no CPU was listed (/proc/stat: "));
    assert!(problems[2].starts_with("memory sizes could not be read (/proc/meminfo: "));
    assert!(problems[3].starts_with("/proc/loadavg: "));
}

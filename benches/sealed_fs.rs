//! Benchmark (not a test): what the sealed reader costs per file against a plain `File::open` of the
//! joined path (the reader before the root was sealed). Reads the live /proc/sys files a collect
//! reads (sysctl, kernel), /proc/net/netstat (through the per-thread link), and an image's
//! os-release reached through an absolute link; prints microseconds per read and the ratio for
//! openat2 and for the component-wise fallback.
//!
//!   cargo bench --bench sealed_fs [-- ROUNDS]

use mptcp_get_debug::sys::{Fs, Resolver};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

const LIVE: &[&str] = &[
    "/proc/sys/kernel/osrelease",
    "/proc/sys/kernel/version",
    "/proc/sys/kernel/hostname",
    "/proc/sys/net/mptcp/enabled",
    "/proc/sys/net/mptcp/add_addr_timeout",
    "/proc/sys/net/mptcp/checksum_enabled",
    "/proc/net/netstat",
    "/etc/os-release",
];

/// The old reader: root joined with the path, the thread's /proc/net, File::open, a capped read.
fn plain(root: &Path, p: &str) -> usize {
    let rel = p.trim_start_matches('/');
    let path: PathBuf = match rel.strip_prefix("proc/net") {
        Some(rest) if root == Path::new("/") => format!("/proc/thread-self/net{rest}").into(),
        _ => root.join(rel),
    };
    let mut buf = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(16 << 20).read_to_end(&mut buf))
        .unwrap_or(0)
}

/// Median microseconds per read of `paths` over `rounds` rounds.
fn time(rounds: usize, paths: &[&str], mut read: impl FnMut(&str) -> usize) -> f64 {
    let mut per = Vec::with_capacity(rounds);
    let mut sink = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        for p in paths {
            sink += read(p);
        }
        per.push(t.elapsed().as_secs_f64() * 1e6 / paths.len() as f64);
    }
    assert!(sink > 0, "nothing was read");
    per.sort_by(f64::total_cmp);
    per[per.len() / 2]
}

fn report(name: &str, root: &Path, paths: &[&str], rounds: usize) {
    let base = time(rounds, paths, |p| plain(root, p));
    println!("{name}: plain File::open {base:.2} µs/read");
    for r in [Resolver::Openat2, Resolver::Components] {
        let fs = Fs::with_resolver(root, r).unwrap();
        let t = time(rounds, paths, |p| {
            fs.read_bytes(p).map(|b| b.len()).unwrap_or(0)
        });
        println!(
            "{name}: sealed ({r:?}) {t:.2} µs/read, {:+.2} µs, x{:.2}",
            t - base,
            t / base
        );
    }
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(2000);
    report("live /", Path::new("/"), LIVE, rounds);
    let img = std::env::temp_dir().join(format!("sealed-fs-bench-{}", std::process::id()));
    std::fs::create_dir_all(img.join("usr/lib")).unwrap();
    std::fs::create_dir_all(img.join("etc")).unwrap();
    std::fs::write(img.join("usr/lib/os-release"), "ID=bench\n").unwrap();
    let _ = std::os::unix::fs::symlink("/usr/lib/os-release", img.join("etc/os-release"));
    std::fs::write(img.join("etc/hostname"), "bench\n").unwrap();
    // The plain reader follows /usr/lib/os-release out of the image (the bug this fixes); the
    // figure still says what a read costs.
    report(
        "image (a link, a file)",
        &img,
        &["/etc/os-release", "/etc/hostname"],
        rounds,
    );
    let _ = std::fs::remove_dir_all(&img);
}

//! No lost and no orphan reports: same-second runs into one directory, SIGINT/SIGTERM at any moment
//! of a collect, and a disk that fills up at every point of the write.

use super::{spec_dir, BIN};
use crate::util::{bin, fixture_args, is_root};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Every archive in `dir` reads back and has its own map (the map's key is the one the report's
/// key id was made with); nothing else is there (no partial file, no orphan map). Returns the
/// archives.
fn complete_pairs_only(dir: &Path) -> Vec<PathBuf> {
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let archives: Vec<PathBuf> = names
        .iter()
        .filter(|n| n.ends_with(".tar.gz"))
        .map(|n| dir.join(n))
        .collect();
    for n in &names {
        assert!(
            n.ends_with(".tar.gz")
                || (n.ends_with(".tar.gz.map.json")
                    && names.contains(&n.trim_end_matches(".map.json").to_string())),
            "stray file {n} in {names:?}"
        );
    }
    for a in &archives {
        let name = a.file_name().unwrap().to_string_lossy().into_owned();
        let report = mptcp_get_debug::archive::read_report(a).unwrap();
        let red = report.redaction.unwrap();
        let map_name = format!("{name}.map.json");
        assert_eq!(red.map_file.as_deref(), Some(map_name.as_str()));
        assert!(report.meta.archive.unwrap().ends_with(&name));
        let map = mptcp_get_debug::redact::PrivateMap::load(&dir.join(&map_name)).unwrap();
        let key = mptcp_get_debug::redact::key_from_hex(&map.key).unwrap();
        let r = mptcp_get_debug::redact::Redactor::with_key(
            &mptcp_get_debug::redact::RedactOptions {
                enabled: true,
                key: Default::default(),
            },
            Some(key),
        )
        .unwrap();
        assert_eq!(
            red.key_id,
            Some(r.key_id()),
            "{map_name} is this archive's map"
        );
    }
    archives
}

#[test]
fn twenty_same_second_collects_into_one_directory_all_land() {
    let dir = tempfile::tempdir().unwrap();
    let children: Vec<_> = (0..20)
        .map(|_| {
            Command::new(BIN)
                .args(fixture_args("modern"))
                .arg("-o")
                .arg(dir.path())
                .args(["--batch", "-q", "--format", "json"])
                .env_remove("CI")
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let archives = complete_pairs_only(dir.path());
    assert_eq!(archives.len(), 20);
    // Runs met in the same second: suffixed names were handed out.
    assert!(
        archives
            .iter()
            .any(|a| a.to_string_lossy().ends_with("Z-2.tar.gz")),
        "{archives:?}"
    );
}

/// A small pseudo-random sequence (seed printed) for the moments signals are sent.
fn delays(n: usize) -> Vec<u64> {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("signal delays seed {seed}");
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % 1600
        })
        .collect()
}

#[test]
fn sigint_and_sigterm_at_random_points_leave_nothing_half_done() {
    // A collector that sleeps about a second (a unique argument, to find its process afterwards).
    let secs = format!("1.{:06}", std::process::id() % 1_000_000);
    let specs = spec_dir("slow", &["sleep", &secs], 30.0);
    let mut fixed = vec![0, 5, 20, 60, 150];
    fixed.extend(delays(11));
    for (i, delay) in fixed.into_iter().enumerate() {
        let sig = if i % 2 == 0 {
            libc::SIGINT
        } else {
            libc::SIGTERM
        };
        let out = tempfile::tempdir().unwrap();
        let mut child = Command::new(BIN)
            .arg("--collectors-dir")
            .arg(specs.path())
            .args(["--only", "slow", "--batch", "-o"])
            .arg(out.path())
            .env_remove("CI")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        // SAFETY: kill(2) on our own child, not yet reaped.
        unsafe { libc::kill(child.id() as i32, sig) };
        let status = child.wait().unwrap();
        let code = status
            .code()
            .unwrap_or_else(|| 128 + status.signal().unwrap());
        eprintln!("signal {sig} after {delay} ms: exit {code}");
        // 128 + sig: by our handler, or by the default action before it was installed; 0 when the
        // run had finished.
        assert!(code == 0 || code == 128 + sig, "exit {code}");
        let archives = complete_pairs_only(out.path());
        assert!(archives.len() <= 1);
        if code == 0 {
            assert_eq!(archives.len(), 1);
        }
        // The sleeping command (its own process group) did not outlive the run.
        let t = Instant::now();
        while sleeping(&secs) && t.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            !sleeping(&secs),
            "`sleep {secs}` still running after signal {sig} at {delay} ms"
        );
    }
}

fn sleeping(arg: &str) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|e| {
        let cmd = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        let zombie = stat
            .rsplit_once(") ")
            .is_some_and(|(_, r)| r.starts_with('Z'));
        !zombie && cmd == format!("sleep\0{arg}\0").as_bytes()
    })
}

/// Unmounts on drop, even when the test fails.
struct Tmpfs(PathBuf);

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn free_bytes(p: &Path) -> u64 {
    // SAFETY: statvfs fills a zeroed struct for a valid path.
    let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
    let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::statvfs(c.as_ptr(), &mut s) }, 0);
    s.f_bavail as u64 * s.f_frsize as u64
}

#[test]
#[ignore = "needs root to mount a 2 MB tmpfs (run by .ci/run)"]
fn a_full_disk_at_any_point_leaves_no_partial_file_and_names_the_file() {
    assert!(is_root(), "run as root (.ci/run does)");
    let tmp = tempfile::tempdir().unwrap();
    // Sizes of a real run's archive and map.
    let sizes = tmp.path().join("sizes");
    std::fs::create_dir(&sizes).unwrap();
    let a = super::fixture_archive(&sizes);
    let (asize, msize) = (
        std::fs::metadata(&a).unwrap().len(),
        std::fs::metadata(format!("{}.map.json", a.display()))
            .unwrap()
            .len(),
    );
    let mnt = tmp.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let st = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=2m", "tmpfs"])
        .arg(&mnt)
        .status()
        .unwrap();
    assert!(st.success(), "mount tmpfs");
    let _guard = Tmpfs(mnt.clone());
    let out = mnt.join("out");
    std::fs::create_dir(&out).unwrap();
    let page = 4096;
    let (mut ok, mut failed) = (0, 0);
    let mut named = Vec::new();
    // Free space from nothing to room for both, a page at a time around each file's end.
    let mut levels: Vec<u64> = vec![0, page, asize / 2];
    levels
        .extend((asize.saturating_sub(2 * page)..asize + msize + 3 * page).step_by(page as usize));
    // Each run's archive differs by a few bytes (durations are in it), which can move it across a
    // page boundary between two levels and skip the one-page window where only the map does not fit:
    // every level near the end is tried twice.
    let levels: Vec<u64> = levels
        .into_iter()
        .flat_map(|l| {
            if l + 2 * page >= asize {
                vec![l, l]
            } else {
                vec![l]
            }
        })
        .collect();
    for want_free in levels {
        let filler = mnt.join("filler");
        let _ = std::fs::remove_file(&filler);
        let fill = free_bytes(&mnt).saturating_sub(want_free);
        std::fs::write(&filler, vec![0u8; fill as usize]).unwrap();
        let o = bin()
            .args(fixture_args("modern"))
            .arg("-o")
            .arg(&out)
            .args(["--batch", "-q"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(!err.contains("panicked"), "{err}");
        if o.status.success() {
            ok += 1;
            assert_eq!(complete_pairs_only(&out).len(), 1);
        } else {
            failed += 1;
            // 3: the summary went to stdout, the archive is missing (exit.rs).
            assert_eq!(o.status.code(), Some(3), "{err}");
            assert_eq!(err.trim_end().lines().count(), 1, "{err}");
            assert!(
                err.contains("No space left on device") && err.contains(&out.display().to_string()),
                "names the file: {err}"
            );
            named.push(err.clone());
            let left: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
            assert!(
                left.is_empty(),
                "free {want_free}: left {left:?} after: {err}"
            );
        }
        for e in std::fs::read_dir(&out).unwrap() {
            std::fs::remove_file(e.unwrap().path()).unwrap();
        }
        eprintln!(
            "free {want_free}: {}",
            if o.status.success() {
                "written".into()
            } else {
                err
            }
        );
    }
    assert!(
        ok > 0 && failed > 0,
        "both outcomes seen ({ok} written, {failed} refused)"
    );
    // The disk filled up while writing the archive at some levels and while writing the map at others.
    assert!(
        named.iter().any(|e| e.contains(".tar.gz: No space")),
        "{named:?}"
    );
    assert!(
        named.iter().any(|e| e.contains(".map.json: No space")),
        "{named:?}"
    );
}

//! Issue 13: hostile archives, hostile environments and interruptions. Helpers shared by the parts:
//! a measured run of the binary (peak RSS through wait4), a fixture archive, raw tar.gz building for
//! bombs, and a pty for "stdout is a terminal".

mod archives;
mod commands;
mod escapes;
mod interrupts;
mod pipes;

use crate::util::{bin, fixture_args, only_archive};
use std::ffi::OsStr;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_mptcp-get-debug");

/// What a finished run of the binary gave.
pub struct Run {
    /// The exit status, or 128 + the signal that killed it.
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
    /// Peak resident memory of the process, in KiB (getrusage's ru_maxrss through wait4).
    pub max_rss_kib: u64,
}

/// Runs the binary with `args` (stdout and stderr to files) and measures its peak memory. Through
/// GNU time, not wait4 here: a child's ru_maxrss starts from its parent's RSS at fork (kept across
/// exec), and this test process is large; `time` is small.
pub fn run_measured<S: AsRef<OsStr>>(args: &[S]) -> Run {
    let time = Path::new("/usr/bin/time");
    assert!(
        time.exists(),
        "needs GNU time (/usr/bin/time, Debian package `time`)"
    );
    let dir = tempfile::tempdir().unwrap();
    let (o, e, m) = (
        dir.path().join("out"),
        dir.path().join("err"),
        dir.path().join("rss"),
    );
    let status = Command::new(time)
        .arg("-o")
        .arg(&m)
        .args(["-f", "%M"])
        .arg(BIN)
        .args(args)
        .env_remove("CI")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&o).unwrap())
        .stderr(std::fs::File::create(&e).unwrap())
        .status()
        .unwrap();
    let rss = std::fs::read_to_string(&m).unwrap();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: std::fs::read(&o).unwrap(),
        stderr: std::fs::read_to_string(&e).unwrap(),
        // "Command exited with non-zero status N" comes first when it failed.
        max_rss_kib: rss.lines().last().unwrap().trim().parse().unwrap(),
    }
}

/// A real archive collected from the `modern` fixture into `dir`.
pub fn fixture_archive(dir: &Path) -> PathBuf {
    bin()
        .args(fixture_args("modern"))
        .arg("-o")
        .arg(dir)
        .args(["--batch", "-q"])
        .assert()
        .success();
    only_archive(dir)
}

/// The report.json of an archive, as JSON.
pub fn report_json(archive: &Path) -> serde_json::Value {
    let members = mptcp_get_debug::archive::read(archive).unwrap();
    let (_, data) = members.iter().find(|(p, _)| p == "report.json").unwrap();
    serde_json::from_slice(data).unwrap()
}

/// Writes an archive holding `report.json` (and nothing else) as `dir/NAME.tar.gz`.
pub fn archive_with_report(dir: &Path, name: &str, report: &serde_json::Value) -> PathBuf {
    let members = vec![mptcp_get_debug::archive::Member {
        path: "report.json".into(),
        data: serde_json::to_vec(report).unwrap(),
    }];
    mptcp_get_debug::archive::write(dir, name, &members, 0).unwrap()
}

/// One gzip member holding `data`.
pub fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Gzip members (read back as one stream) holding `n` zero bytes: one 16 MiB member compressed
/// once and repeated, so a 2 GiB bomb is built in milliseconds and is about 2 MB on disk.
pub fn zeros_gz(n: u64) -> Vec<u8> {
    static CHUNK: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    const SIZE: u64 = 16 << 20;
    let chunk = CHUNK.get_or_init(|| gz(&vec![0; SIZE as usize]));
    let mut out = Vec::new();
    for _ in 0..n / SIZE {
        out.extend_from_slice(chunk);
    }
    out.extend(gz(&vec![0; (n % SIZE) as usize]));
    out
}

/// A raw tar header (GNU format) for `path` with `size` and entry type `kind`.
pub fn header(path: &[u8], size: u64, kind: u8) -> Vec<u8> {
    let mut h = tar::Header::new_gnu();
    {
        let gnu = h.as_gnu_mut().unwrap();
        let n = path.len().min(gnu.name.len());
        gnu.name[..n].copy_from_slice(&path[..n]);
    }
    h.set_size(size);
    h.set_mode(0o600);
    h.set_entry_type(tar::EntryType::new(kind));
    h.set_cksum();
    h.as_bytes().to_vec()
}

/// A tar.gz member entry whose data is `size` zero bytes (and padding), as gzip members.
pub fn zero_entry(path: &[u8], size: u64, kind: u8) -> Vec<u8> {
    let mut out = gz(&header(path, size, kind));
    out.extend(zeros_gz(size.div_ceil(512) * 512));
    out
}

/// A tar.gz member entry holding `data`.
pub fn data_entry(path: &[u8], data: &[u8], kind: u8) -> Vec<u8> {
    let mut raw = header(path, data.len() as u64, kind);
    raw.extend_from_slice(data);
    raw.resize(raw.len().div_ceil(512) * 512, 0);
    gz(&raw)
}

/// The end-of-archive marker.
pub fn end() -> Vec<u8> {
    gz(&[0; 1024])
}

/// A pseudo-terminal: (master, slave), the slave in raw mode so output reads back unchanged.
pub fn pty() -> (OwnedFd, OwnedFd) {
    let (mut m, mut s) = (0, 0);
    // SAFETY: openpty writes two descriptors; the optional arguments are null.
    let r = unsafe {
        libc::openpty(
            &mut m,
            &mut s,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(r, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: termios is plain data; tcgetattr fills it for our own pty.
    unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        libc::tcgetattr(s, &mut t);
        libc::cfmakeraw(&mut t);
        libc::tcsetattr(s, libc::TCSANOW, &t);
    }
    // SAFETY: openpty just returned these descriptors; nothing else owns them.
    unsafe { (OwnedFd::from_raw_fd(m), OwnedFd::from_raw_fd(s)) }
}

/// Runs the binary with stdout on a terminal: (exit status, what the terminal received, stderr).
pub fn run_on_tty<S: AsRef<OsStr>>(args: &[S]) -> (i32, String, String) {
    let (master, slave) = pty();
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("CI")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::from(slave))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The terminal is read while the child writes (a pty buffer is small); once the slave is closed
    // in both processes the master reads what is left, then EIO.
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let mut f = std::fs::File::from(master);
        let mut buf = [0u8; 65536];
        loop {
            match f.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
        out
    });
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    let out = reader.join().unwrap();
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out).into_owned(),
        err,
    )
}

/// Whether process `pid` is gone (or a zombie), waiting up to 5 s.
pub fn gone(pid: u32) -> bool {
    for _ in 0..500 {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => return true,
            Ok(s) if s.rsplit_once(") ").is_some_and(|(_, r)| r.starts_with('Z')) => return true,
            Ok(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
        }
    }
    false
}

/// A --collectors-dir holding one spec `NAME` that runs `argv` with `timeout` seconds.
pub fn spec_dir(name: &str, argv: &[&str], timeout: f64) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let argv: Vec<String> = argv.iter().map(|a| format!("{a:?}")).collect();
    std::fs::write(
        d.path().join(format!("{name}.toml")),
        format!(
            "name = \"{name}\"\ndescription = \"test collector {name}\"\n\n[[command]]\nargv = [{}]\ntimeout = {timeout}\n",
            argv.join(", ")
        ),
    )
    .unwrap();
    d
}

//! A closed or full stdout on every subcommand: `| head -1`, a reader that is already gone (`| true`)
//! and `>/dev/full`. EPIPE ends the run quietly with 141 (after collect said where its archive is);
//! any other write error is one line naming stdout and exit 1; never a panic.

use super::{fixture_archive, BIN};
use crate::util::fixture_args;
use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Every subcommand with arguments that make it print, for a fresh output directory `out`.
fn subcommands(tmp: &Path, out: &Path) -> Vec<(&'static str, Vec<String>)> {
    let a = fixture_archive(&tmp.join("a"));
    let b = fixture_archive(&tmp.join("b"));
    let map = PathBuf::from(format!("{}.map.json", a.display()));
    let s = |p: &Path| p.display().to_string();
    let mut collect = fixture_args("modern");
    collect.extend(["-o".into(), s(out), "--batch".into()]);
    let mut json = collect.clone();
    json.extend(["--format".into(), "json".into()]);
    let mut list = vec!["list".to_string()];
    list.extend(fixture_args("modern").into_iter().take(2));
    vec![
        ("collect", collect),
        ("collect json", json),
        ("show", vec!["show".into(), s(&a)]),
        (
            "show text",
            vec!["show".into(), "--format".into(), "text".into(), s(&a)],
        ),
        ("merge", vec!["merge".into(), s(&a), s(&b)]),
        ("diff", vec!["diff".into(), s(&a), s(&b)]),
        ("list", list),
        (
            "unredact",
            vec![
                "unredact".into(),
                "--map".into(),
                s(&map),
                "host-1 was here\n".repeat(10),
            ],
        ),
    ]
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    for d in ["a", "b", "out"] {
        std::fs::create_dir(tmp.path().join(d)).unwrap();
    }
    let out = tmp.path().join("out");
    (tmp, out)
}

/// For collect: its archive and map are complete; the output directory is emptied for the next run.
fn check_and_clear_collect(name: &str, out: &Path, stderr: &str) {
    if !name.starts_with("collect") {
        return;
    }
    let archive = crate::util::only_archive(out);
    assert!(
        stderr.contains(&format!("report written to {}", archive.display())),
        "{name}: the archive path is said: {stderr}"
    );
    assert!(mptcp_get_debug::archive::read_report(&archive).is_ok());
    assert!(PathBuf::from(format!("{}.map.json", archive.display())).exists());
    for e in std::fs::read_dir(out).unwrap() {
        std::fs::remove_file(e.unwrap().path()).unwrap();
    }
}

#[test]
fn a_reader_that_is_gone_ends_the_run_quietly() {
    let (tmp, out) = setup();
    for (name, args) in subcommands(tmp.path(), &out) {
        let mut fds = [0; 2];
        // SAFETY: fds has room for the two descriptors pipe writes.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        // SAFETY: pipe just returned these descriptors.
        let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        drop(r); // `| true`: nobody will ever read
        let o = Command::new(BIN)
            .args(&args)
            .env_remove("CI")
            .stdout(Stdio::from(w))
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(141), "{name}: {err}");
        let extra: Vec<&str> = err
            .lines()
            .filter(|l| !l.contains("report written to"))
            .collect();
        assert!(extra.is_empty(), "{name}: quiet, but said {extra:?}");
        check_and_clear_collect(name, &out, &err);
    }
}

#[test]
fn head_1_on_every_subcommand() {
    let (tmp, out) = setup();
    for (name, args) in subcommands(tmp.path(), &out) {
        let mut tool = Command::new(BIN)
            .args(&args)
            .env_remove("CI")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let head = Command::new("head")
            .arg("-1")
            .stdin(tool.stdout.take().unwrap())
            .output()
            .unwrap();
        let mut err = String::new();
        tool.stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = tool.wait().unwrap();
        // 0 when everything fit in the pipe before head exited, 141 when a write came after.
        assert!(
            matches!(status.code(), Some(0) | Some(141)),
            "{name}: {status:?} {err}"
        );
        assert!(
            !err.contains("panicked") && !err.contains("error"),
            "{name}: {err}"
        );
        assert_eq!(
            String::from_utf8_lossy(&head.stdout).lines().count(),
            1,
            "{name}"
        );
        check_and_clear_collect(name, &out, &err);
    }
}

#[test]
fn a_full_stdout_is_an_error_naming_stdout() {
    let (tmp, out) = setup();
    for (name, args) in subcommands(tmp.path(), &out) {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let o = Command::new(BIN)
            .args(&args)
            .env_remove("CI")
            .stdout(full)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(1), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        let last = err.lines().last().unwrap_or("");
        assert!(
            last.contains("cannot write to stdout") && last.contains("No space left on device"),
            "{name}: {err}"
        );
        check_and_clear_collect(name, &out, &err);
    }
}

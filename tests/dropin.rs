//! Drop-in behaviours of mptcpd's script (issue 14): `-r` reads a piped stdin, every usage error exits
//! 2, and an archive that cannot be written still leaves the summary on stdout (exit 3).

use crate::util::{bin, bin_as_nobody, fixture, fixture_args, is_root};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).expect("a JSON report on stdout")
}

#[test]
fn reproduce_with_piped_stdin_ends_at_a_line_or_the_end_of_input() {
    for (first, input) in [("-r", "\n"), ("reproduce", ""), ("-r", "go on\n")] {
        let out = bin()
            .args([first, "--no-archive", "-q", "--format", "json"])
            .write_stdin(input)
            .timeout(Duration::from_secs(30))
            .assert()
            .success();
        let r = json(&out.get_output().stdout);
        assert_eq!(r["reproduce"]["ended_by"], "input", "{first} {input:?}");
    }
}

#[test]
fn reproduce_keeps_watching_until_the_pipe_gives_a_line() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mptcp-get-debug"))
        .args(["-r", "--no-archive", "-q", "--format", "json"])
        .env_remove("CI")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the window must stay open while stdin is open and silent"
    );
    let t = Instant::now();
    child.stdin.take().unwrap().write_all(b"\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(t.elapsed() < Duration::from_secs(20));
    let r = json(&out.stdout);
    assert_eq!(r["reproduce"]["ended_by"], "input");
    assert!(r["reproduce"]["duration_ms"].as_f64().unwrap() >= 700.0);
}

#[test]
fn ci_with_a_piped_stdin_reads_it_too_but_batch_never_does() {
    let out = bin()
        .env("CI", "true")
        .args(["-r", "--no-archive", "-q", "--format", "json"])
        .write_stdin("\n")
        .timeout(Duration::from_secs(30))
        .assert()
        .success();
    assert_eq!(
        json(&out.get_output().stdout)["reproduce"]["ended_by"],
        "input"
    );
    bin()
        .args(["-r", "--batch", "--no-archive"])
        .write_stdin("\n")
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--duration TIME or `-- CMD ARGS`",
        ));
}

/// Every way of calling the tool wrongly, and the option its one-line error must name.
#[test]
fn every_usage_error_exits_2_and_names_the_option() {
    let scratch = tempfile::tempdir().unwrap();
    let bad_specs = scratch.path().join("specs");
    std::fs::create_dir(&bad_specs).unwrap();
    std::fs::write(bad_specs.join("broken.toml"), "name = \n").unwrap();
    let bad_template = scratch.path().join("bad.j2");
    std::fs::write(&bad_template, "{% for x in %}").unwrap();
    let missing = scratch.path().join("missing");
    let file = scratch.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let p = |p: &std::path::Path| p.display().to_string();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["--timeout".into(), "0".into()], "--timeout"),
        (vec!["--timeout".into(), "abc".into()], "--timeout"),
        (vec!["--only".into(), "bogus".into()], "--only"),
        (vec!["--skip".into(), "bogus".into()], "--skip"),
        (
            vec!["--collectors-dir".into(), p(&missing)],
            "--collectors-dir",
        ),
        (
            vec!["--collectors-dir".into(), p(&bad_specs)],
            "broken.toml",
        ),
        (vec!["--template".into(), p(&missing)], "--template"),
        (vec!["--template".into(), p(&bad_template)], "--template"),
        (vec!["-o".into(), p(&missing)], "--output"),
        (vec!["-o".into(), p(&file)], "--output"),
        (
            vec!["--netns".into(), "mgd-no-such-namespace".into()],
            "mgd-no-such-namespace",
        ),
        (vec!["--format".into(), "yaml".into()], "--format"),
        (vec!["--side".into(), "middle".into()], "--side"),
        (vec!["--duration".into(), "5s".into()], "reproduce"),
        (vec!["-c".into(), "-r".into()], "--reproduce"),
        (vec!["--no-such-flag".into()], "--no-such-flag"),
        (
            vec!["--redact-key".into(), p(&missing.join("sub/key"))],
            "missing",
        ),
    ];
    for (args, names) in cases {
        // -o is checked only when an archive is to be written.
        let no_archive = (args[0] != "-o").then_some("--no-archive");
        let out = bin()
            .args(fixture_args("modern"))
            .args(no_archive)
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(names), "{args:?} must name {names}: {err}");
        assert!(out.stdout.is_empty(), "{args:?} printed a report");
    }
    let reproduce: &[(&[&str], &str)] = &[
        (&["reproduce", "--batch"], "--duration"),
        (&["reproduce", "--duration", "5x"], "--duration"),
        (&["reproduce", "--duration", "1s", "--root", "/"], "--root"),
        (
            &["reproduce", "--", "mgd-no-such-command"],
            "mgd-no-such-command",
        ),
        (&["reproduce", "--duration", "1s", "--only", "x"], "--only"),
    ];
    for (args, names) in reproduce {
        let out = bin().args(*args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(names), "{args:?} must name {names}: {err}");
    }
    for args in [
        &["show", "--template", "/nonexistent/t.j2", "x.tar.gz"][..],
        &["merge", "--no-such-flag"],
        &["list", "--root", "/nonexistent/root"],
    ] {
        let out = bin().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    // A name that is not there is a usage error; an archive that exists but is not one is a failure.
    let out = bin().args(["show"]).arg(&missing).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = bin().args(["show"]).arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let out = bin()
        .args(["unredact", "--map"])
        .arg(&missing)
        .arg("x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

fn assert_summary_kept(out: &std::process::Output, dir: &str) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stdout.contains("## System info\n"), "{stdout}");
    assert!(stdout.contains("$ uname -a\n"), "{stdout}");
    assert!(
        !stdout.contains("Archive: `"),
        "no archive to point to: {stdout}"
    );
    let last = stderr.trim_end().lines().last().unwrap_or("");
    assert!(
        last.contains("no archive written") && last.contains(dir),
        "the error names the directory: {stderr}"
    );
}

#[test]
fn a_user_in_slash_still_gets_the_summary() {
    let Some(mut c) = bin_as_nobody() else {
        return;
    };
    let out = c
        .current_dir("/")
        .args(fixture_args("modern"))
        .arg("-q")
        .output()
        .unwrap();
    assert_summary_kept(&out, "Permission denied");
}

/// A mounted tmpfs, unmounted on drop.
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn new(opts: &str) -> Tmpfs {
        let dir = tempfile::tempdir().unwrap();
        let st = Command::new("mount")
            .args(["-t", "tmpfs", "-o", opts, "tmpfs"])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(st.success(), "mount -t tmpfs -o {opts}");
        Tmpfs(dir)
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0.path()).status();
    }
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn read_only_and_full_directories_still_give_the_summary() {
    assert!(is_root(), "needs root to mount a tmpfs");
    let ro = Tmpfs::new("ro,size=1m");
    let out = bin()
        .args(fixture_args("modern"))
        .arg("-o")
        .arg(ro.0.path())
        .output()
        .unwrap();
    assert_summary_kept(&out, &ro.0.path().display().to_string());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Read-only file system"));
    // A directory with room for the private map but not for the archive.
    let full = Tmpfs::new("size=8k");
    let out = bin()
        .args(fixture_args("modern"))
        .arg("-o")
        .arg(full.0.path())
        .output()
        .unwrap();
    assert_summary_kept(&out, &full.0.path().display().to_string());
    assert!(String::from_utf8_lossy(&out.stderr).contains("No space left on device"));
    let left: Vec<_> = std::fs::read_dir(full.0.path()).unwrap().collect();
    assert!(left.is_empty(), "nothing half-written: {left:?}");
    let _ = fixture("modern");
}

/// The `uname -a` line of the report and of the System info block.
fn uname_of(args: &[String]) -> (String, serde_json::Value) {
    let out = bin()
        .args(args)
        .args(["--no-archive", "--no-redact", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json(&out.stdout);
    let kernel = r["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["collector"] == "kernel")
        .unwrap()
        .clone();
    let line = kernel["data"][0]["value"]["uname"]
        .as_str()
        .unwrap()
        .to_string();
    (line, kernel)
}

#[test]
fn uname_is_what_the_program_prints_there() {
    // RHEL-family coreutils print processor and hardware platform.
    let (line, kernel) = uname_of(&fixture_args("nm-rhel"));
    assert_eq!(
        line,
        "Linux server 5.14.0-570.12.1.el9_6.x86_64 #1 SMP PREEMPT_DYNAMIC Tue Apr 22 09:12:44 EDT 2025 x86_64 x86_64 x86_64 GNU/Linux"
    );
    assert!(kernel["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["source"]["argv"] == serde_json::json!(["uname", "-a"])));
    // Under --root alone no program runs: the line is assembled, as upstream coreutils prints it.
    let root_only = vec![
        "--root".to_string(),
        fixture("nm-rhel").join("root").display().to_string(),
    ];
    let (line, _) = uname_of(&root_only);
    assert!(line.ends_with(" 2025 x86_64 GNU/Linux"), "{line}");
    // A recording without uname: the assembled line too.
    let (line, kernel) = uname_of(&fixture_args("modern"));
    assert!(
        line.ends_with(" GNU/Linux") && line.starts_with("Linux "),
        "{line}"
    );
    assert!(
        kernel["notes"].as_array().is_none_or(|n| n.is_empty()),
        "{kernel}"
    );
}

/// Live, the line is assembled from uname(2) without starting `uname`: the kernel's five fields as
/// `uname -snrvm` prints them (the fields distributions patch, processor and platform, are the ones
/// upstream coreutils leaves out), then the operating system.
#[test]
fn live_uname_line_is_the_kernels_without_a_program() {
    let live = vec!["--only".to_string(), "kernel".to_string()];
    let (line, kernel) = uname_of(&live);
    let fields = std::process::Command::new("uname")
        .arg("-snrvm")
        .output()
        .unwrap();
    let fields = String::from_utf8(fields.stdout).unwrap();
    assert_eq!(line, format!("{} GNU/Linux", fields.trim_end()));
    assert!(
        kernel["artifacts"]
            .as_array()
            .is_none_or(|a| a.iter().all(|a| a["source"]["argv"].is_null())),
        "no program ran: {kernel}"
    );
}

#[test]
fn a_duration_with_stdin_at_its_end_still_watches_for_the_duration() {
    let out = bin()
        .args([
            "-r",
            "--duration",
            "600ms",
            "--no-archive",
            "-q",
            "--format",
            "json",
        ])
        .write_stdin("")
        .timeout(Duration::from_secs(30))
        .assert()
        .success();
    let r = json(&out.get_output().stdout);
    assert_eq!(r["reproduce"]["ended_by"], "duration");
}

/// Collects a fixture case into `dir` with `extra` flags; returns the archive.
fn archive_of(case: &str, dir: &std::path::Path, extra: &[&str]) -> std::path::PathBuf {
    bin()
        .args(fixture_args(case))
        .args(["-q", "-o"])
        .arg(dir)
        .args(extra)
        .assert()
        .success();
    crate::util::only_archive(dir)
}

#[test]
fn merge_takes_a_fleet_one_block_per_host() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let a = archive_of("modern", dirs[0].path(), &["--side", "client"]);
    let b = archive_of("enabled0", dirs[1].path(), &[]);
    let c = archive_of("nm-rhel", dirs[2].path(), &[]);
    let out = bin().arg("merge").args([&a, &b, &c]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let merged = String::from_utf8(out.stdout).unwrap();
    assert!(
        merged.starts_with("# MPTCP debug report: 3 hosts\n"),
        "{merged}"
    );
    // Labelled by side, else by host pseudonym (numbered: every host is host-1 in its own archive).
    for label in ["client", "host-1 #1", "host-1 #2"] {
        assert!(
            merged.contains(&format!("\n- {label}:\n$ uname -a\n")),
            "{label}:\n{merged}"
        );
    }
    assert!(
        merged.contains("| counter | client | host-1 #1 | host-1 #2 |\n"),
        "{merged}"
    );
    assert!(
        merged.contains("(host-1 #1): MPTCP is disabled"),
        "{merged}"
    );
    // The link: every block in `system`, the one client's in `system-client`.
    let url = bin()
        .args(["merge", "--issue-url"])
        .args([&a, &b, &c])
        .output()
        .unwrap();
    assert!(url.status.success());
    let url = String::from_utf8(url.stdout).unwrap();
    assert!(url.contains("&system=-%20client%3A%0A%24%20uname"), "{url}");
    assert!(url.contains("&system-client=%24%20uname"), "{url}");
    assert!(!url.contains("&system-server="), "{url}");
    // One archive is not a merge.
    bin().args(["merge"]).arg(&a).assert().code(2);
}

fn kernel_eol_evidence(extra: &[&str], env: Option<&std::path::Path>) -> Option<Vec<String>> {
    let mut c = bin();
    c.args(fixture_args("nm-rhel"))
        .args(["--no-archive", "--format", "json"])
        .args(extra);
    if let Some(dir) = env {
        c.env("MPTCP_GET_DEBUG_DATA", dir);
    }
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json(&out.stdout);
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "kernel-eol")
        .map(|f| {
            f["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e.as_str().unwrap().to_string())
                .collect()
        })
}

#[test]
fn kernel_series_data_is_read_from_a_file_and_says_how_old_it_is() {
    let builtin = include_str!("../data/kernel-series.toml");
    // The built-in copy: 5.14 is older than the oldest LTS.
    let ev = kernel_eol_evidence(&[], None).expect("5.14 is out of support");
    assert!(
        ev.iter()
            .any(|e| e.starts_with("kernel series data of 20") && e.ends_with("(built-in copy)")),
        "{ev:?}"
    );
    // A refreshed table, given by option or by environment, is what the verdict rests on.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kernel-series.toml");
    std::fs::write(
        &file,
        "updated = 2020-02-02\noldest_lts = \"4.0\"\noldest_current_stable = \"4.0\"\n\n[[lts]]\nseries = \"5.14\"\neol = \"2021-01-01\"\n",
    )
    .unwrap();
    let ev = kernel_eol_evidence(&["--kernel-series", file.to_str().unwrap()], None).unwrap();
    assert!(
        ev.contains(&"5.14 LTS reached end of life on 2021-01-01".to_string()),
        "{ev:?}"
    );
    let age = ev
        .iter()
        .find(|e| e.starts_with("kernel series data of 2020-02-02 (--kernel-series file): "))
        .unwrap();
    assert!(age.contains("days older than this report"), "{age}");
    assert!(
        !ev.iter()
            .any(|e| e.contains(&dir.path().display().to_string())),
        "no path in a public report"
    );
    let ev = kernel_eol_evidence(&[], Some(dir.path())).unwrap();
    assert!(
        ev.iter()
            .any(|e| e.contains("($MPTCP_GET_DEBUG_DATA file)")),
        "{ev:?}"
    );
    // `show` re-runs the findings with the table it is given too.
    let out_dir = tempfile::tempdir().unwrap();
    let archive = archive_of("nm-rhel", out_dir.path(), &[]);
    let out = bin()
        .arg("show")
        .arg(&archive)
        .args(["--kernel-series"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("5.14 LTS reached end of life on 2021-01-01")
    );
    // A broken file named by the user is a usage error.
    std::fs::write(
        &file,
        builtin.replace("updated = ", "updated = \"yesterday\" #"),
    )
    .unwrap();
    let out = bin()
        .args(fixture_args("nm-rhel"))
        .args(["--no-archive", "--kernel-series"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--kernel-series"));
}

/// A container debugging its host: the host's files under a directory, the kernel live. The
/// directory's own proc/ (a stale copy) must not be read; the namespace's live sysctl and endpoint must.
#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn sysroot_reads_files_from_the_directory_and_the_kernel_live() {
    use mptcp_get_debug::report::Report;
    let ns = crate::testns::TestNs::new().expect("root and netns support");
    ns.ip("addr add 10.9.9.1/32 dev lo");
    ns.ip("mptcp endpoint add 10.9.9.1 id 7 signal");
    ns.exec(&["sysctl", "-qw", "net.mptcp.add_addr_timeout=77"]);
    let host = tempfile::tempdir().unwrap();
    let root = host.path();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(
        root.join("etc/os-release"),
        "NAME=\"Sysroot Linux\"\nID=sysroot\nVERSION_ID=1\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("proc/sys/net/mptcp")).unwrap();
    std::fs::write(root.join("proc/sys/net/mptcp/add_addr_timeout"), "5\n").unwrap();
    std::fs::write(root.join("proc/sys/net/mptcp/enabled"), "0\n").unwrap();
    let out = bin()
        .arg("--sysroot")
        .arg(root)
        .args([
            "--netns",
            &ns.name,
            "--no-archive",
            "--no-redact",
            "--format",
            "json",
        ])
        .args(["--only", "kernel,distro,sysctl,endpoints,limits"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Report = serde_json::from_slice(&out.stdout).unwrap();
    assert!(r.meta.sysroot);
    assert_eq!(r.distro().unwrap().fields["NAME"], "Sysroot Linux");
    let live_release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    assert_eq!(r.kernel().unwrap().release, live_release.trim());
    let label = r.meta.netns[0].clone();
    let sysctls = r.sysctls(Some(&label)).expect("sysctls of the namespace");
    let get = |n: &str| {
        sysctls
            .iter()
            .find(|s| s.name == n)
            .map(|s| s.value.clone())
    };
    assert_eq!(get("net.mptcp.add_addr_timeout").as_deref(), Some("77"));
    assert_eq!(get("net.mptcp.enabled").as_deref(), Some("1"));
    let eps = r.endpoints(Some(&label)).expect("endpoints over netlink");
    assert!(
        eps.iter()
            .any(|e| e.id == 7 && e.addr.to_string() == "10.9.9.1"),
        "{eps:?}"
    );
    // The summary says where files and kernel state came from.
    let md = bin()
        .arg("--sysroot")
        .arg(root)
        .args([
            "--netns",
            &ns.name,
            "--no-archive",
            "--only",
            "kernel,distro",
        ])
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(md.contains("(`--sysroot`); the kernel's state"), "{md}");
    // --sysroot with --root is a usage error.
    bin()
        .args(["--sysroot", "/", "--root", "/", "--no-archive"])
        .assert()
        .code(2);
    let missing = root.join("missing");
    let out = bin()
        .arg("--sysroot")
        .arg(&missing)
        .arg("--no-archive")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--sysroot"));
}

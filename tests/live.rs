//! Runs against the real machine: a full collect as root, what an unprivileged user gets, and that a
//! hanging command costs only its own section. Skipped (with a printed reason) where not possible.

use crate::util::{bin, only_archive, unpack, OkStdout};
use mptcp_get_debug::report::{Report, Status};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

fn section_status<'a>(r: &'a Report, name: &str) -> &'a Status {
    &r.sections
        .iter()
        .find(|s| s.collector == name && s.netns.is_none())
        .unwrap_or_else(|| panic!("no {name} section"))
        .status
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn live_collect_as_root_loads_no_module() {
    crate::util::require_root_and_mptcp();
    let modules_before = std::fs::read_to_string("/proc/modules").unwrap_or_default();
    let dir = tempfile::tempdir().unwrap();
    bin()
        .arg("-o")
        .arg(dir.path())
        .args(["--batch", "-q", "--no-redact"])
        .assert()
        .success();
    let modules_after = std::fs::read_to_string("/proc/modules").unwrap_or_default();
    let names = |m: &str| {
        m.lines()
            .filter_map(|l| l.split_whitespace().next().map(str::to_string))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&modules_before),
        names(&modules_after),
        "the run loaded or unloaded a kernel module"
    );
    let members = unpack(&only_archive(dir.path()));
    let report: Report =
        serde_json::from_slice(&members.iter().find(|(p, _)| p == "report.json").unwrap().1)
            .unwrap();
    for name in ["kernel", "distro", "sysctl", "mib"] {
        assert_eq!(section_status(&report, name), &Status::Ok, "{name}");
    }
    // sysctl net.mptcp, byte for byte.
    if let Ok(out) = Command::new("sysctl").arg("net.mptcp").output() {
        let ours = &report.sections_of("sysctl").next().unwrap().artifacts[0].content;
        assert_eq!(
            ours,
            &String::from_utf8_lossy(&out.stdout),
            "sysctl net.mptcp differs"
        );
    }
    let uname = Command::new("uname").arg("-a").output().unwrap();
    assert_eq!(
        format!("{}\n", report.kernel().unwrap().uname),
        String::from_utf8_lossy(&uname.stdout)
    );
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn unprivileged_run_never_waits_and_says_what_it_missed() {
    let Some(mut nobody) = crate::util::bin_as_nobody() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )
    .unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let stdout_path = out_dir.path().join("stdout.json");
    // stdin is a pipe that stays open: a run that waited on it would never end.
    let mut child = nobody
        .arg("-o")
        .arg(dir.path())
        .args(["--format", "json"])
        .stdin(Stdio::piped())
        // A file, not a pipe: nobody drains a pipe while waiting, and a report over 64 KiB would block.
        .stdout(Stdio::from(std::fs::File::create(&stdout_path).unwrap()))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _stdin = child.stdin.take();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "unprivileged run did not finish: it waits on stdin?"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    crate::util::assert_ok(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not running as root"), "{stderr}");
    let report: Report = serde_json::from_slice(&std::fs::read(&stdout_path).unwrap()).unwrap();
    assert!(!report.meta.privileged);
    assert_eq!(report.meta.uid, 65534);
    assert_eq!(section_status(&report, "kernel"), &Status::Ok);
    let md = unpack(&only_archive(dir.path()))
        .into_iter()
        .find(|(p, _)| p == "summary.md")
        .unwrap()
        .1;
    assert!(String::from_utf8_lossy(&md).contains("without root (uid 65534)"));
}

/// Runs `cmd` with `--format json --no-archive --batch` (20 s at most) and parses the report.
fn json_report(cmd: &mut assert_cmd::Command) -> Report {
    let out = cmd
        .args(["--format", "json", "--no-archive", "--batch"])
        .timeout(Duration::from_secs(20))
        .ok_stdout();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn a_hanging_command_costs_only_its_own_section() {
    let specs = tempfile::tempdir().unwrap();
    let mut f = std::fs::File::create(specs.path().join("hang.toml")).unwrap();
    writeln!(f, "name = \"hang\"\ndescription = \"A command that never ends\"\n[[command]]\nargv = [\"sleep\", \"30\"]\ntimeout = 0.3").unwrap();
    let report = json_report(
        bin()
            .arg("--collectors-dir")
            .arg(specs.path())
            .args(["--only", "hang,kernel"]),
    );
    let hang = report.sections_of("hang").next().unwrap();
    assert!(
        hang.notes.iter().any(|n| n.contains("timed out")),
        "{:?}",
        hang.notes
    );
    match &hang.artifacts[0].source {
        mptcp_get_debug::report::Source::Command {
            timed_out,
            exit_code,
            ..
        } => {
            assert!(*timed_out);
            assert_eq!(*exit_code, None);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(section_status(&report, "kernel"), &Status::Ok);
}

/// A recording from someone else (`--commands-from`) is read through the sealed reader: a FIFO
/// cannot hang the run (once it made the endpoints collector wait for its timeout), and a link to a
/// file outside the recording is not followed out of it. (That a collector which does hang costs
/// only its own section is tested in src/collect/engine_tests.rs.)
#[test]
fn a_hostile_recording_cannot_hang_the_run_or_read_outside_it() {
    let commands = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let fx = crate::util::fixture("modern");
    let copied = Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", fx.join("commands").display()))
        .arg(commands.path())
        .status()
        .unwrap();
    assert!(copied.success());
    let fifo = commands.path().join("ip mptcp endpoint show");
    std::fs::remove_file(&fifo).unwrap();
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let secret = outside.path().join("limits");
    std::fs::write(
        &secret,
        "add_addr_accepted 7 subflows 7 canary-outside-the-recording\n",
    )
    .unwrap();
    let linked = commands.path().join("ip mptcp limits show");
    std::fs::remove_file(&linked).unwrap();
    std::os::unix::fs::symlink(&secret, &linked).unwrap();
    let out = bin()
        .arg("--root")
        .arg(fx.join("root"))
        .arg("--commands-from")
        .arg(commands.path())
        .args(["--only", "endpoints,limits,distro", "--timeout", "5"])
        .args(["--no-archive", "--format", "json", "-q"])
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!text.contains("canary-outside-the-recording"), "{text}");
    let report: mptcp_get_debug::report::Report = serde_json::from_str(&text).unwrap();
    for c in ["endpoints", "limits"] {
        assert!(
            matches!(
                section_status(&report, c),
                Status::Failed { .. } | Status::Skipped { .. }
            ),
            "{c}: {:?}",
            section_status(&report, c)
        );
    }
    assert_eq!(section_status(&report, "distro"), &Status::Ok);
}

#[test]
fn a_missing_command_is_recorded() {
    let specs = tempfile::tempdir().unwrap();
    std::fs::write(
        specs.path().join("ghost.toml"),
        "name = \"ghost\"\ndescription = \"A program that is not installed\"\n[[command]]\nargv = [\"no-such-tool-xyz\", \"--show\"]\n",
    )
    .unwrap();
    let out = bin()
        .arg("--collectors-dir")
        .arg(specs.path())
        .args(["--only", "ghost", "--format", "json", "--no-archive"])
        .ok_stdout();
    let report: Report = serde_json::from_slice(&out).unwrap();
    let ghost = report.sections_of("ghost").next().unwrap();
    assert!(
        ghost
            .notes
            .iter()
            .any(|n| n.contains("no-such-tool-xyz is not installed")),
        "{:?}",
        ghost.notes
    );
}

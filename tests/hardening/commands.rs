//! Commands and sources: a command that leaves a grandchild behind and times out, a file past the
//! read cap, and a kernel log that could not be read (no journal, no permission), which must be
//! "not collected" with the reason, never an empty log.

use super::{gone, spec_dir};
use crate::util::{bin, bin_as_nobody};

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap()
}

fn section<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["collector"] == name)
        .unwrap_or_else(|| panic!("no section {name}"))
}

#[test]
fn a_timeout_kills_the_grandchildren_and_is_recorded() {
    let specs = spec_dir("grand", &["sh", "-c", "sleep 30 & echo $!; sleep 30"], 0.5);
    let out = bin()
        .arg("--collectors-dir")
        .arg(specs.path())
        .args([
            "--only",
            "grand",
            "--no-archive",
            "--batch",
            "-q",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report = json(&out);
    let s = section(&report, "grand");
    let a = &s["artifacts"][0];
    assert_eq!(a["source"]["timed_out"], true, "{a}");
    assert_eq!(a["source"]["exit_code"], serde_json::Value::Null);
    assert!(s["notes"].to_string().contains("timed out"), "{s}");
    let pid: u32 = a["content"].as_str().unwrap().trim().parse().unwrap();
    assert!(
        gone(pid),
        "the background `sleep 30` ({pid}) outlived the timeout"
    );
}

#[test]
fn a_file_past_the_cap_is_recorded_as_truncated_with_its_size() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    std::fs::create_dir(&root).unwrap();
    let line = "option value # a long configuration line\n";
    let text = line.repeat((16 << 20) / line.len() + 1000);
    let size = text.len() as u64;
    std::fs::write(root.join("big.conf"), &text).unwrap();
    let specs = tempfile::tempdir().unwrap();
    std::fs::write(
        specs.path().join("big.toml"),
        "name = \"big\"\ndescription = \"a big file\"\nfiles = [\"/big.conf\"]\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    bin()
        .arg("--root")
        .arg(&root)
        .arg("--collectors-dir")
        .arg(specs.path())
        .args(["--only", "big", "--batch", "-q", "--no-redact", "-o"])
        .arg(&out)
        .assert()
        .success();
    let archive = crate::util::only_archive(&out);
    // report.json as written (show would cut the 16 MiB string to 4 MiB when reading).
    let report = super::report_json(&archive);
    let a = &section(&report, "big")["artifacts"][0];
    assert_eq!(a["truncated"], true);
    assert_eq!(a["original_size"], size);
    assert_eq!(a["content"].as_str().unwrap().len(), 16 << 20);
    let members = mptcp_get_debug::archive::read(&archive).unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(
        &members
            .iter()
            .find(|(p, _)| p == "manifest.json")
            .unwrap()
            .1,
    )
    .unwrap();
    let m = &manifest["collectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "big")
        .unwrap()["artifacts"][0];
    assert_eq!(
        (m["truncated"].clone(), m["original_size"].clone()),
        (true.into(), size.into())
    );
    let raw = &members
        .iter()
        .find(|(p, _)| p == "raw/big/big.conf")
        .unwrap()
        .1;
    let note = format!(
        "[mptcp-get-debug: file truncated, 16777216 of {size} bytes kept (the head)]\n{line}"
    );
    assert!(raw.starts_with(note.as_bytes()));
}

/// `journalctl -k` exiting 0 with "No journal files were found" and "-- No entries --" (what an
/// unprivileged user gets here), after /dev/kmsg and dmesg were refused.
#[test]
fn an_unreadable_journal_is_not_an_empty_kernel_log() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, cmds) = (tmp.path().join("root"), tmp.path().join("commands"));
    std::fs::create_dir(&root).unwrap();
    std::fs::create_dir(&cmds).unwrap();
    let w = |name: &str, text: &str| std::fs::write(cmds.join(name), text).unwrap();
    w("dmesg", "");
    w("dmesg.exit", "1");
    w(
        "dmesg.stderr",
        "dmesg: read kernel buffer failed: Operation not permitted\n",
    );
    let j = "journalctl -k -n 2000 --no-pager";
    w(j, "-- No entries --\n");
    w(&format!("{j}.stderr"), "No journal files were found.\n");
    let run = |format: &str| {
        bin()
            .arg("--root")
            .arg(&root)
            .arg("--commands-from")
            .arg(&cmds)
            .args([
                "--only",
                "kmsg",
                "--no-archive",
                "--batch",
                "-q",
                "--format",
                format,
            ])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    let report = json(&run("json"));
    let s = section(&report, "kmsg");
    assert_eq!(s["status"]["state"], "skipped", "{s}");
    let reason = s["status"]["reason"].as_str().unwrap();
    assert!(
        reason.contains("No journal files were found") && reason.contains("dmesg"),
        "{reason}"
    );
    assert!(
        s["data"].as_array().unwrap().is_empty(),
        "no kernel log data: {s}"
    );
    let md = String::from_utf8(run("md")).unwrap();
    assert!(
        md.contains("Not collected: kernel log not readable:"),
        "{md}"
    );
    assert!(!md.contains("MPTCP-related line(s)"), "{md}");
}

/// The real thing as user 65534: /dev/kmsg and dmesg refused (kernel.dmesg_restrict=1), no journal
/// readable. The summary says the kernel log is missing and how to get it.
#[test]
#[ignore = "needs root to run as another user and set kernel.dmesg_restrict (run by .ci/run)"]
fn an_unprivileged_run_lists_what_it_missed() {
    let Some(mut cmd) = bin_as_nobody() else {
        panic!("needs root and setpriv");
    };
    let restrict = "/proc/sys/kernel/dmesg_restrict";
    let before = std::fs::read_to_string(restrict).unwrap();
    struct Restore(String);
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = std::fs::write("/proc/sys/kernel/dmesg_restrict", &self.0);
        }
    }
    let _restore = Restore(before);
    std::fs::write(restrict, "1").unwrap();
    let o = cmd
        .args(["--only", "kmsg", "--no-archive", "--batch"])
        .output()
        .unwrap();
    let (md, err) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert!(o.status.success(), "{err}");
    assert!(
        md.contains("Not collected without root; rerun as root (`sudo mptcp-get-debug`"),
        "{md}"
    );
    let line = md
        .lines()
        .find(|l| l.starts_with("- kmsg: kernel log not readable:"))
        .unwrap_or_else(|| panic!("{md}"));
    assert!(
        line.contains("/dev/kmsg: Operation not permitted"),
        "{line}"
    );
    assert!(line.contains("journalctl -k"), "{line}");
    assert!(
        !md.contains("MPTCP-related line(s)"),
        "never an empty log: {md}"
    );
    assert!(err.contains("not collected: kmsg"), "{err}");
}

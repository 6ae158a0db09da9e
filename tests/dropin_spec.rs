//! A drop-in collector spec (`/etc/mptcp-get-debug/collectors.d/*.toml`, `--collectors-dir`) with
//! `show = "artifacts"` reaches every view with no Rust (issue 11): summary.md, `--format text`,
//! report.json and `diff`, redacted like everything else, at the place its `order` gives it.

use crate::util::{bin, fixture, only_archive, unpack};
use std::path::{Path, PathBuf};

const SPEC: &str = r#"name = "example"
description = "An example drop-in: a config file and a status command"
title = "Example service"
show = "artifacts"
order = 0
files = ["/etc/example/example.conf"]

[[command]]
argv = ["example-tool", "--status"]
"#;

/// The modern fixture plus the drop-in's file and recorded command, in `state`; returns the
/// arguments that collect it.
fn case(dir: &Path, state: &str) -> Vec<String> {
    let st = std::process::Command::new("cp")
        .arg("-r")
        .arg(fixture("modern"))
        .arg(dir.join("case"))
        .status()
        .unwrap();
    assert!(st.success());
    let root = dir.join("case/root");
    std::fs::create_dir_all(root.join("etc/example")).unwrap();
    std::fs::write(
        root.join("etc/example/example.conf"),
        format!("mode = {state}\npeer = 10.1.2.3\n"),
    )
    .unwrap();
    let commands = dir.join("case/commands");
    std::fs::write(
        commands.join("example-tool --status"),
        format!("status: {state}\n"),
    )
    .unwrap();
    let collectors = dir.join("collectors.d");
    std::fs::create_dir_all(&collectors).unwrap();
    std::fs::write(collectors.join("example.toml"), SPEC).unwrap();
    [
        "--root",
        &root.display().to_string(),
        "--commands-from",
        &commands.display().to_string(),
        "--collectors-dir",
        &collectors.display().to_string(),
    ]
    .map(String::from)
    .to_vec()
}

/// Collects `args` into an archive under `dir`.
fn archive(dir: &Path, args: &[String]) -> PathBuf {
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    bin()
        .args(args)
        .args(["-q", "--batch", "-o"])
        .arg(&out)
        .assert()
        .success();
    only_archive(&out)
}

fn stdout(args: &[String], extra: &[&str]) -> String {
    let out = bin().args(args).args(extra).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_drop_in_spec_shows_in_the_summary_text_json_and_diff() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (args_a, args_b) = (case(a.path(), "green"), case(b.path(), "red"));
    let archive_a = archive(a.path(), &args_a);
    let archive_b = archive(b.path(), &args_b);

    // summary.md: its part comes first in the Additional context (order = 0), each output saying
    // where it came from, the address in the file redacted like any other.
    let members: std::collections::BTreeMap<String, Vec<u8>> =
        unpack(&archive_a).into_iter().collect();
    let md = String::from_utf8(members["summary.md"].clone()).unwrap();
    let context = &md[md.find("## Additional context\n").expect("context")..];
    assert!(
        context.starts_with("## Additional context\n\n### Example service\n\n"),
        "{context}"
    );
    assert!(
        context.contains("`/etc/example/example.conf`:\n\n```\nmode = green\n"),
        "{context}"
    );
    assert!(
        context.contains("`$ example-tool --status`:\n\n```\nstatus: green\n```\n"),
        "{context}"
    );
    assert!(!md.contains("10.1.2.3"), "the address is redacted: {md}");
    assert!(md.contains("| example |  | ok |"), "{md}");
    let table = &md[md.find("| collector | netns |").unwrap()..];
    assert!(
        table.lines().nth(2).unwrap().starts_with("| example |"),
        "{table}"
    );

    // report.json (the archive's, and --format json): the first section, with its entries.
    for json in [
        members["report.json"].clone(),
        stdout(&args_a, &["--no-archive", "--format", "json"]).into_bytes(),
    ] {
        let r: serde_json::Value = serde_json::from_slice(&json).unwrap();
        let s = &r["sections"][0];
        assert_eq!(s["collector"], "example");
        assert_eq!(s["title"], "Example service");
        let entries = s["entries"].as_array().unwrap();
        let kinds: Vec<(&str, &str)> = entries
            .iter()
            .map(|e| {
                (
                    e["body"]["kind"].as_str().unwrap(),
                    e["caption"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("artifact", "/etc/example/example.conf"),
                ("artifact", "$ example-tool --status")
            ]
        );
        assert!(s["facts"].is_null(), "a drop-in gives no typed facts");
    }

    // --format text: the first section too.
    let text = stdout(&args_a, &["--no-archive", "--format", "text"]);
    let first = text.lines().find(|l| l.starts_with("== ")).unwrap();
    assert_eq!(first, "== Example service", "{text}");
    assert!(
        text.contains("$ example-tool --status:\nstatus: green\n"),
        "{text}"
    );
    assert!(
        text.contains("/etc/example/example.conf:\nmode = green\n"),
        "{text}"
    );

    // `show` re-renders the same summary from report.json.
    let shown = stdout(&["show".into(), archive_a.display().to_string()], &[]);
    assert_eq!(shown, md);

    // diff A B: what changed in its outputs, line by line, where they came from.
    let diff = stdout(
        &[
            "diff".into(),
            archive_a.display().to_string(),
            archive_b.display().to_string(),
        ],
        &[],
    );
    let area = &diff[diff.find("## Example service\n").expect("its area")..];
    for line in [
        "- only in A: /etc/example/example.conf: mode = green",
        "- only in A: $ example-tool --status: status: green",
        "- only in B: /etc/example/example.conf: mode = red",
        "- only in B: $ example-tool --status: status: red",
    ] {
        assert!(area.contains(line), "{line}: {diff}");
    }
    // The unchanged (redacted) line is not a difference.
    assert!(!area.contains("peer = "), "{diff}");
}

#[test]
fn a_drop_in_that_cannot_run_says_why_under_its_title() {
    let dir = tempfile::tempdir().unwrap();
    let collectors = dir.path().join("collectors.d");
    std::fs::create_dir_all(&collectors).unwrap();
    std::fs::write(
        collectors.join("example.toml"),
        format!("{SPEC}\n[triggers]\npaths = [\"/etc/example\"]\n"),
    )
    .unwrap();
    let root = fixture("modern").join("root").display().to_string();
    let args: Vec<String> = ["--root", &root, "--collectors-dir"]
        .map(String::from)
        .into_iter()
        .chain([collectors.display().to_string()])
        .collect();
    let md = stdout(&args, &["--no-archive", "--batch"]);
    assert!(
        md.contains("### Example service\n\nNot collected: /etc/example does not exist.\n"),
        "{md}"
    );
    let text = stdout(&args, &["--no-archive", "--format", "text"]);
    assert!(
        text.contains("== Example service\nnot collected: /etc/example does not exist\n"),
        "{text}"
    );
}

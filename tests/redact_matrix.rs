//! Issue 10: whatever the machine is called, the report is valid, every view renders, and nothing but
//! the fields that are the name changes. A host named `mptcp`, `signal`, `ok` or `client` must not
//! rewrite `net.mptcp.*`, endpoint flags or the report's own enums.

use crate::util::{bin, fixture, only_archive, unpack};
use serde_json::Value;
use std::path::Path;

/// Words of the report's vocabulary, and names with dots, dashes, digits and non-ASCII letters.
const NAMES: &[&str] = &[
    "mptcp",
    "net",
    "signal",
    "subflow",
    "backup",
    "fullmesh",
    "implicit",
    "ok",
    "file",
    "client",
    "server",
    "kernel",
    "linux",
    "debian",
    "fedora",
    "ubuntu",
    "id",
    "dev",
    "lo",
    "ip",
    "ss",
    "estab",
    "enabled",
    "true",
    "none",
    "host",
    "user",
    "120",
    "1",
    "a",
    "x86_64",
    "MPTcpExt",
    "TcpExt",
    "Skipped",
    "failed",
    "command",
    "collect",
    "summary",
    "token",
    "redacted",
    "host-1",
    "user-1",
    "my.box.lan",
    "web-01",
    "web_01",
    "123abc",
    "ünïcode",
    "日本語",
    "GNU",
    "SMP",
    "PREEMPT_DYNAMIC",
];

/// Runs a collect over the `modern` fixture with the machine called `name`, with a shared key; the
/// archive's report.json, normalized (times, durations, temp paths removed).
fn report_for(name: &str, key: &Path) -> Value {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    let st = std::process::Command::new("cp")
        .arg("-a")
        .arg(fixture("modern").join("root"))
        .arg(&root)
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::write(root.join("proc/sys/kernel/hostname"), format!("{name}\n")).unwrap();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/hostname"), format!("{name}\n")).unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    bin()
        .arg("--root")
        .arg(&root)
        .arg("--commands-from")
        .arg(fixture("modern").join("commands"))
        .arg("--redact-key")
        .arg(key)
        .args(["--batch", "-q", "--format", "json", "-o"])
        .arg(&out)
        .assert()
        .success();
    let archive = only_archive(&out);
    for format in ["md", "text", "json"] {
        bin()
            .args(["show", "--format", format])
            .arg(&archive)
            .assert()
            .success();
    }
    let members = unpack(&archive);
    let (_, json) = members
        .iter()
        .find(|(p, _)| p.ends_with("report.json"))
        .unwrap();
    let mut v: Value = serde_json::from_slice(json).unwrap();
    normalize(&mut v);
    v
}

/// Drops what differs between any two runs: times, durations, the temp root, arguments, the archive
/// and map names, and the redaction notes (which say a vocabulary name was kept in free text).
fn normalize(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for k in [
                "started_at",
                "finished_at",
                "taken_at",
                "duration_ms",
                "args",
                "root",
                "archive",
                "map_file",
                "notes_redaction",
            ] {
                m.remove(k);
            }
            if let Some(Value::Object(r)) = m.get_mut("redaction") {
                r.remove("notes");
            }
            m.values_mut().for_each(normalize);
        }
        Value::Array(a) => a.iter_mut().for_each(normalize),
        _ => {}
    }
}

fn drop_key(v: &mut Value, key: &str) {
    match v {
        Value::Object(m) => {
            m.remove(key);
            m.values_mut().for_each(|x| drop_key(x, key));
        }
        Value::Array(a) => a.iter_mut().for_each(|x| drop_key(x, key)),
        _ => {}
    }
}

/// Every string of `v` (values only).
fn strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(m) => m.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

#[test]
fn any_host_name_gives_the_same_report_but_for_the_name() {
    let keydir = tempfile::tempdir().unwrap();
    let key = keydir.path().join("key");
    let baseline = report_for("zzqhost", &key);
    let mut base_strings = Vec::new();
    strings(&baseline, &mut base_strings);
    assert!(
        !base_strings.iter().any(|s| s.contains("zzqhost")),
        "the baseline name leaked"
    );
    let mut failures = Vec::new();
    for name in NAMES {
        let mut got = report_for(name, &key);
        let mut baseline = baseline.clone();
        if name.contains('.') {
            // A fully qualified name becomes `host-1.domain-1` where the short one is `host-1`.
            let text = serde_json::to_string(&got).unwrap();
            got = serde_json::from_str(&text.replace("host-1.domain-1", "host-1")).unwrap();
            got["redaction"]["counts"] = Value::Null;
            baseline["redaction"]["counts"] = Value::Null;
            // ... and so is the size of the host-name file.
            drop_key(&mut got, "original_size");
            drop_key(&mut baseline, "original_size");
        }
        if got != baseline {
            let (a, b) = (
                serde_json::to_string_pretty(&baseline).unwrap(),
                serde_json::to_string_pretty(&got).unwrap(),
            );
            let diff: Vec<String> = a
                .lines()
                .zip(b.lines())
                .filter(|(x, y)| x != y)
                .take(5)
                .map(|(x, y)| format!("  - {x}\n  + {y}"))
                .collect();
            failures.push(format!("host {name:?}:\n{}", diff.join("\n")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_generic_name_is_kept_and_the_rest_still_redacted() {
    // `localhost`: an unconfigured machine, which tells the maintainer something and identifies nobody.
    let keydir = tempfile::tempdir().unwrap();
    let got = report_for("localhost", &keydir.path().join("key"));
    assert_eq!(got["meta"]["hostname"], "localhost");
    let text = got.to_string();
    assert!(
        text.contains("Linux localhost 6.18"),
        "the uname line keeps it"
    );
    assert!(
        !text.contains("mockbuild"),
        "the kernel builder is still replaced"
    );
}

#[test]
fn vocabulary_names_are_replaced_where_they_are_the_name() {
    let keydir = tempfile::tempdir().unwrap();
    let key = keydir.path().join("key");
    for name in ["mptcp", "signal", "ok"] {
        let r = report_for(name, &key);
        assert_eq!(r["meta"]["hostname"], "host-1", "{name}");
        let kernel = r["sections"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["data"].as_array().unwrap())
            .find(|d| d["kind"] == "kernel")
            .unwrap();
        assert_eq!(kernel["value"]["nodename"], "host-1", "{name}");
        let uname = kernel["value"]["uname"].as_str().unwrap();
        assert_eq!(uname.split_whitespace().nth(1), Some("host-1"), "{uname}");
    }
}

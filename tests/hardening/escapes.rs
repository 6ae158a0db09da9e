//! Escape sequences in archives: clear screen, window title, OSC 52 clipboard writes, C1 CSI,
//! backspace and CR overwrites, bidi overrides. The markdown and text views (and merge, diff) never
//! carry them; JSON and plain text on a terminal neither; error messages neither.

use super::{archive_with_report, fixture_archive, report_json, run_on_tty};
use crate::util::bin;
use mptcp_get_debug::sys::escape::is_unsafe;

const HOSTILE: &str = "\x1b[2J\x1b[H\x1b]0;owned\x07\x1b]52;c;ZWNobyBvd25lZA==\x07\u{9b}31mred\x08\x08\rFAKE\u{202e}gnp.exe\u{2066}\u{7f}\u{85}";

/// A fixture report with HOSTILE in the places a stranger controls.
fn hostile_report() -> serde_json::Value {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = report_json(&fixture_archive(tmp.path()));
    v["meta"]["archive"] = format!("evil{HOSTILE}.tar.gz").into();
    v["meta"]["hostname"] = HOSTILE.into();
    v["tool"]["version"] = format!("1.0{HOSTILE}").into();
    for s in v["sections"].as_array_mut().unwrap() {
        s["notes"].as_array_mut().unwrap().push(HOSTILE.into());
        for d in s["data"].as_array_mut().unwrap() {
            match d["kind"].as_str() {
                Some("kernel") => {
                    d["value"]["uname"] = format!("Linux {HOSTILE}").into();
                    d["value"]["release"] = format!("6.18{HOSTILE}").into();
                }
                Some("distro") => {
                    d["value"]["fields"]["PRETTY_NAME"] = HOSTILE.into();
                }
                _ => {}
            }
        }
    }
    v
}

fn assert_safe(what: &str, text: &str) {
    if let Some(c) = text.chars().find(|&c| is_unsafe(c)) {
        panic!("{what}: raw {c:?} in output");
    }
}

#[test]
fn views_of_a_hostile_archive_are_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let v = hostile_report();
    let a = archive_with_report(tmp.path(), "a", &v);
    let mut w = v.clone();
    w["tool"]["version"] = format!("2.0{HOSTILE}").into();
    let b = archive_with_report(tmp.path(), "b", &w);
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    for args in [
        vec!["show", a],
        vec!["show", "--format", "text", a],
        vec!["merge", a, b],
        vec!["diff", a, b],
    ] {
        let out = bin()
            .args(&args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let out = String::from_utf8(out).unwrap();
        assert_safe(&format!("{args:?}"), &out);
        // Escaped, not dropped: a maintainer sees that something was there.
        assert!(out.contains("\\x1b[2J"), "{args:?}: {out}");
    }
    // JSON into a pipe is data: the exact value, C0 escaped by JSON itself.
    let json = bin()
        .args(["show", "--format", "json", a])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let back: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(back["meta"]["hostname"], HOSTILE);
}

#[test]
fn json_and_text_on_a_terminal_are_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let a = archive_with_report(tmp.path(), "a", &hostile_report());
    let (code, out, err) = run_on_tty(&["show", "--format", "json", a.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_safe("json on a tty", &out);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["meta"]["hostname"], HOSTILE, "the same JSON value");
    // `list` prints spec descriptions (from /etc/mptcp-get-debug/collectors.d or --collectors-dir).
    let specs = tempfile::tempdir().unwrap();
    std::fs::write(
        specs.path().join("evil.toml"),
        format!(
            "name = \"evil\"\ndescription = {}\nfiles = [\"/nonexistent\"]\n",
            toml::Value::String(format!("desc {HOSTILE}"))
        ),
    )
    .unwrap();
    let (code, out, err) =
        run_on_tty(&["list", "--collectors-dir", specs.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_safe("list on a tty", &out);
    assert!(out.contains("desc \\x1b[2J"), "{out}");
    // Into a pipe, list is data and stays as it is.
    let piped = bin()
        .args(["list", "--collectors-dir", specs.path().to_str().unwrap()])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8(piped).unwrap().contains(HOSTILE));
}

#[test]
fn error_messages_are_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join(format!("x{HOSTILE}.tar.gz"));
    let out = bin()
        .arg("show")
        .arg(&missing)
        .assert()
        .failure()
        // No such archive: a usage error.
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    assert_safe("error", &err);
    assert!(err.contains("\\x1b[2J"), "{err}");
    let mut v = hostile_report();
    v["sections"][0]["status"] = serde_json::json!({"state": HOSTILE});
    let a = archive_with_report(tmp.path(), "bad", &v);
    let out = bin()
        .arg("show")
        .arg(&a)
        .assert()
        .failure()
        .code(1)
        .get_output()
        .stderr
        .clone();
    assert_safe("serde error", &String::from_utf8(out).unwrap());
}

/// Collect escapes the system's text too: a hostile /etc/os-release in a --root image.
#[test]
fn collected_text_is_escaped_in_summary_md() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(
        root.join("etc/os-release"),
        format!("PRETTY_NAME=\"{HOSTILE}\"\nNAME=x\n"),
    )
    .unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let stdout = bin()
        .arg("--root")
        .arg(&root)
        .arg("-o")
        .arg(&out)
        .args(["--batch", "-q"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(stdout).unwrap();
    assert_safe("collect stdout", &stdout);
    assert!(stdout.contains("\\x1b]52;c;"), "{stdout}");
    let members = mptcp_get_debug::archive::read(&crate::util::only_archive(&out)).unwrap();
    let summary = &members.iter().find(|(p, _)| p == "summary.md").unwrap().1;
    assert_safe("summary.md", &String::from_utf8_lossy(summary));
}

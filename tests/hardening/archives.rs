//! Hostile archives: bombs (small on disk, huge decompressed), hostile tar entries and broken
//! report.json files. `show`, `merge` and `diff` must refuse with one line naming the archive and
//! the limit, never panic, and stay under 256 MB of memory whatever the archive.

use super::{
    archive_with_report, data_entry, end, fixture_archive, report_json, run_measured, zero_entry,
    Run,
};
use std::path::Path;

const RSS_LIMIT_KIB: u64 = 256 * 1024;
const GIB: u64 = 1 << 30;

/// The real report.json of a fixture run, as a tar.gz entry.
fn report_entry(tmp: &Path) -> Vec<u8> {
    let a = fixture_archive(&tmp.join("src"));
    let data = serde_json::to_vec(&report_json(&a)).unwrap();
    data_entry(b"top/report.json", &data, b'0')
}

fn check_refused(r: &Run, archive: &Path, limit: &str) {
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert_eq!(
        r.stderr.trim_end().lines().count(),
        1,
        "one line: {}",
        r.stderr
    );
    assert!(
        r.stderr.contains(&archive.display().to_string()) && r.stderr.contains(limit),
        "names the archive and '{limit}': {}",
        r.stderr
    );
}

#[test]
fn bombs_are_refused_within_memory() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("src")).unwrap();
    let report = report_entry(tmp.path());
    let long = vec![b'a'; 5000];
    let mut many = Vec::new();
    for i in 0..20_000 {
        many.extend_from_slice(&super::header(format!("top/d{i}").as_bytes(), 0, b'5'));
    }
    let bombs: Vec<(&str, Vec<u8>, &str)> = vec![
        // A 2 GiB member before report.json (its header is checked before a byte is read).
        (
            "member",
            [zero_entry(b"top/raw/zeros", 2 * GIB, b'0'), report.clone()].concat(),
            "32 MiB limit for one member",
        ),
        // report.json itself 2 GiB.
        (
            "report",
            zero_entry(b"top/report.json", 2 * GIB, b'0'),
            "32 MiB limit for one member",
        ),
        // Twenty 30 MiB members: each under the member cap, 600 MiB in all.
        (
            "total",
            (0..20)
                .flat_map(|i| zero_entry(format!("top/raw/z{i}").as_bytes(), 30 << 20, b'0'))
                .chain(report.clone())
                .collect(),
            "512 MiB decompressed",
        ),
        // 20,000 directory entries.
        (
            "count",
            [super::gz(&many), report.clone()].concat(),
            "10000 members",
        ),
        // A GNU long name of 2 GiB (the tar crate reads those whole).
        (
            "longname",
            [zero_entry(b"././@LongLink", 2 * GIB, b'L'), report.clone()].concat(),
            "limit for one member",
        ),
        // A PAX header of 2 GiB.
        (
            "pax",
            [zero_entry(b"top/PaxHeader", 2 * GIB, b'x'), report.clone()].concat(),
            "limit for one member",
        ),
        // A 5000-byte path.
        (
            "path",
            [
                data_entry(b"././@LongLink", &long, b'L'),
                data_entry(b"x", b"y", b'0'),
                report.clone(),
            ]
            .concat(),
            "4096-byte limit",
        ),
        // report.json of 31 MiB: accepted by the member cap, not JSON.
        (
            "big-json",
            zero_entry(b"top/report.json", 31 << 20, b'0'),
            "not valid JSON",
        ),
    ];
    for (name, mut bytes, limit) in bombs {
        bytes.extend(end());
        let path = tmp.path().join(format!("{name}.tar.gz"));
        std::fs::write(&path, &bytes).unwrap();
        assert!(
            bytes.len() < 8 << 20,
            "{name}: {} bytes on disk",
            bytes.len()
        );
        for args in [
            vec!["show".into(), path.clone().into_os_string()],
            vec![
                "merge".into(),
                path.clone().into_os_string(),
                path.clone().into_os_string(),
            ],
            vec![
                "diff".into(),
                path.clone().into_os_string(),
                path.clone().into_os_string(),
            ],
        ] {
            let r = run_measured(&args);
            eprintln!(
                "{name} {:?}: exit {}, peak RSS {} KiB, {} bytes on disk",
                args[0],
                r.code,
                r.max_rss_kib,
                bytes.len()
            );
            check_refused(&r, &path, limit);
            assert!(
                r.max_rss_kib < RSS_LIMIT_KIB,
                "{name}: {} KiB",
                r.max_rss_kib
            );
        }
    }
}

/// The most a report at the member cap can make a view hold: giant strings everywhere a view prints
/// them (notes, a namespace name printed in several headings, socket lists). Strings are cut when
/// read, so memory stays bounded.
#[test]
fn reports_at_the_cap_stay_within_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = report_json(&fixture_archive(tmp.path()));
    let sections = v["sections"].as_array_mut().unwrap();
    sections[0]["notes"] = serde_json::json!(["n".repeat(8 << 20)]);
    sections[1]["netns"] = "x".repeat(8 << 20).into();
    let mut sockets = sections
        .iter()
        .find(|s| s["collector"] == "sockets")
        .unwrap()
        .clone();
    sockets["artifacts"][0]["content"] = "s".repeat(5 << 20).into();
    for i in 0..3 {
        let mut s = sockets.clone();
        s["netns"] = format!("ns{i}").into();
        sections.push(s);
    }
    let a = archive_with_report(tmp.path(), "a", &v);
    let size = std::fs::metadata(&a).unwrap().len();
    let b = archive_with_report(tmp.path(), "b", &v);
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    for args in [
        vec!["merge", a, b],
        vec!["diff", a, b],
        vec!["show", a],
        vec!["show", "--format", "text", a],
        vec!["show", "--format", "json", a],
    ] {
        let r = run_measured(&args);
        eprintln!(
            "{args:?} ({size} bytes on disk): exit {}, peak RSS {} KiB",
            r.code, r.max_rss_kib
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.max_rss_kib < RSS_LIMIT_KIB, "{} KiB", r.max_rss_kib);
    }
    // (The summary lists within its budget; the report itself shows where a string was cut.)
    let shown = run_measured(&["show", "--format", "json", a]);
    assert!(String::from_utf8_lossy(&shown.stdout)
        .contains("[mptcp-get-debug: cut here, 1048576 of 8388608 bytes shown]"));
}

/// show stops at report.json: a bomb after it costs nothing.
#[test]
fn a_bomb_after_report_json_is_never_read() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("src")).unwrap();
    let mut bytes = report_entry(tmp.path());
    bytes.extend(zero_entry(b"top/raw/zeros", 2 * GIB, b'0'));
    bytes.extend(end());
    let path = tmp.path().join("after.tar.gz");
    std::fs::write(&path, &bytes).unwrap();
    let r = run_measured(&["show".as_ref(), path.as_os_str()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(String::from_utf8_lossy(&r.stdout).contains("# MPTCP debug report"));
    assert!(r.max_rss_kib < RSS_LIMIT_KIB);
}

/// Links, devices, absolute paths and `..` are ignored: only the plain report.json inside the tree
/// counts, whatever comes before it.
#[test]
fn links_devices_and_escaping_paths_are_ignored() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("src")).unwrap();
    let good = report_entry(tmp.path());
    let bad_json = b"{\"schema_version\": 1, \"evil\": true}";
    let hostile = [
        data_entry(b"/abs/report.json", bad_json, b'0'),
        data_entry(b"top/../report.json", bad_json, b'0'),
        data_entry(b"../../report.json", bad_json, b'0'),
        data_entry(b"top/report.json", b"", b'2'), // symlink
        data_entry(b"top/report.json", b"", b'1'), // hard link
        data_entry(b"top/report.json", b"", b'3'), // character device
        data_entry(b"top/report.json", b"", b'4'), // block device
        data_entry(b"top/report.json", b"", b'6'), // FIFO
        data_entry(b"top/report.json", b"", b'5'), // directory
    ]
    .concat();
    let only_hostile = tmp.path().join("only.tar.gz");
    std::fs::write(&only_hostile, [hostile.clone(), end()].concat()).unwrap();
    let r = run_measured(&["show".as_ref(), only_hostile.as_os_str()]);
    check_refused(&r, &only_hostile, "no report.json inside");
    let mixed = tmp.path().join("mixed.tar.gz");
    std::fs::write(&mixed, [hostile, good, end()].concat()).unwrap();
    let r = run_measured(&["show".as_ref(), mixed.as_os_str()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Nothing was unpacked anywhere.
    assert!(!tmp.path().join("abs").exists() && !Path::new("/abs/report.json").exists());
}

/// Broken report.json files: one clear line each, never a panic.
#[test]
fn broken_reports_are_one_line_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let good = report_json(&fixture_archive(tmp.path()));
    let with = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = good.clone();
        f(&mut v);
        v
    };
    let cases: Vec<(&str, serde_json::Value, &str)> = vec![
        (
            "newer",
            with(&|v| v["schema_version"] = 99.into()),
            "newer than this tool",
        ),
        (
            "no-version",
            with(&|v| {
                v.as_object_mut().unwrap().remove("schema_version");
            }),
            "no schema_version",
        ),
        (
            "string-version",
            with(&|v| v["schema_version"] = "1".into()),
            "schema_version is not a number",
        ),
        (
            "no-meta",
            with(&|v| {
                v.as_object_mut().unwrap().remove("meta");
            }),
            "missing field `meta`",
        ),
        (
            "wrong-type",
            with(&|v| v["sections"] = "none".into()),
            "invalid type",
        ),
        (
            "bad-status",
            with(&|v| v["sections"][0]["status"] = serde_json::json!({"state": "exploded"})),
            "unknown variant",
        ),
        (
            "bad-date",
            with(&|v| v["meta"]["started_at"] = "yesterday".into()),
            "report.json",
        ),
        ("array", serde_json::json!([1, 2, 3]), "not a JSON object"),
        (
            "deep",
            serde_json::from_str(&format!("{}{}", "[".repeat(100), "]".repeat(100))).unwrap(),
            "not a JSON object",
        ),
        (
            "huge-numbers",
            with(&|v| v["meta"]["uid"] = serde_json::json!(1e300)),
            "report.json",
        ),
    ];
    for (name, v, want) in cases {
        let a = archive_with_report(tmp.path(), name, &v);
        for args in [
            vec!["show".into(), a.clone().into_os_string()],
            vec![
                "show".into(),
                "--format".into(),
                "text".into(),
                a.clone().into_os_string(),
            ],
            vec![
                "merge".into(),
                a.clone().into_os_string(),
                a.clone().into_os_string(),
            ],
            vec![
                "diff".into(),
                a.clone().into_os_string(),
                a.clone().into_os_string(),
            ],
        ] {
            let r = run_measured(&args);
            check_refused(&r, &a, want);
        }
    }
    // Not JSON at all, deeper than any parser should go, and not gzip.
    let deep = "[".repeat(100_000);
    let members = vec![mptcp_get_debug::archive::Member {
        path: "report.json".into(),
        data: deep.into_bytes(),
    }];
    let a = mptcp_get_debug::archive::write(tmp.path(), "deeper", &members, 0).unwrap();
    check_refused(
        &run_measured(&["show".as_ref(), a.as_os_str()]),
        &a,
        "report.json",
    );
    let junk = tmp.path().join("junk.tar.gz");
    std::fs::write(&junk, b"\x1f\x8b\x08\0garbage").unwrap();
    check_refused(
        &run_measured(&["show".as_ref(), junk.as_os_str()]),
        &junk,
        "not a readable tar.gz",
    );
    let dir = tmp.path().join("dir.tar.gz");
    std::fs::create_dir(&dir).unwrap();
    check_refused(
        &run_measured(&["show".as_ref(), dir.as_os_str()]),
        &dir,
        "not a regular file",
    );
}

/// The reader's entry points take bytes (fuzz targets call them): no panic on any prefix of a real
/// archive.
#[test]
fn every_truncation_of_an_archive_is_an_error_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let a = fixture_archive(tmp.path());
    let bytes = std::fs::read(&a).unwrap();
    for cut in (0..bytes.len()).step_by(97) {
        // Once report.json is whole the rest is not read: a later cut may still succeed.
        let r = mptcp_get_debug::archive::report_from_reader(&bytes[..cut], "cut");
        assert!(r.is_err() || cut > 100, "{cut}");
    }
    assert!(mptcp_get_debug::archive::report_from_reader(&bytes[..], "whole").is_ok());
    assert!(mptcp_get_debug::archive::parse_report(b"\xff\xfe", "x").is_err());
}

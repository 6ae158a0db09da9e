//! Maintainer commands on real archives: `show` gives the collecting run's summary, `merge` and `diff`
//! snapshots, the prefilled bug-form link decodes to the System info block, and a real client/server
//! pair in two namespaces.

use crate::reproduce_live::{client_server, pair_argv};
use crate::util::{bin, fixture_args, insta_filters, only_archive, unpack, OkStdout};
use mptcp_get_debug::report::*;
use std::path::{Path, PathBuf};

fn collect_fixture(case: &str, dir: &Path, extra: &[&str]) -> PathBuf {
    bin()
        .args(fixture_args(case))
        .arg("-o")
        .arg(dir)
        .args(["--batch", "-q"])
        .args(extra)
        .ok_stdout();
    only_archive(dir)
}

fn summary_in(archive: &Path) -> String {
    let md = unpack(archive)
        .into_iter()
        .find(|(p, _)| p == "summary.md")
        .unwrap()
        .1;
    String::from_utf8(md).unwrap()
}

#[test]
fn show_gives_the_same_summary_as_the_run_that_made_it() {
    for (case, extra) in [
        ("modern", &[][..]),
        ("modern", &["--side", "client"][..]),
        ("enabled0", &["--side", "server"][..]),
        ("no-mptcp", &[][..]),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let archive = collect_fixture(case, dir.path(), extra);
        let shown = bin().arg("show").arg(&archive).ok_stdout();
        pretty_assertions::assert_eq!(
            String::from_utf8(shown).unwrap(),
            summary_in(&archive),
            "{case} {extra:?}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let archive = collect_fixture("modern", dir.path(), &[]);
    let json: Report = serde_json::from_slice(
        &bin()
            .arg("show")
            .arg(&archive)
            .args(["--format", "json"])
            .ok_stdout(),
    )
    .unwrap();
    let rules: Vec<&str> = json.findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, ["join-failures"]);
    // A custom template renders the same report.
    let tpl = dir.path().join("t.j2");
    std::fs::write(&tpl, "{{ findings|length }} finding(s) for {{ mode }}\n").unwrap();
    let out = bin()
        .arg("show")
        .arg(&archive)
        .arg("--template")
        .arg(&tpl)
        .ok_stdout();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "1 finding(s) for collect\n"
    );
}

fn system_info_of(summary: &str) -> String {
    let start = summary.find("## System info").unwrap();
    let fence = summary[start..].find("```\n").unwrap() + start + 4;
    let end = summary[fence..].find("```").unwrap() + fence;
    summary[fence..end].to_string()
}

fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let (mut out, mut i) = (Vec::new(), 0);
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

const FORM: &str =
    "https://github.com/multipath-tcp/mptcp_net-next/issues/new?template=01-bug.yml&system=";

/// The `system` value of a bug-form link, decoded.
fn decoded_system(url: &str) -> String {
    let url = url.trim_end();
    assert!(url.starts_with(FORM), "{url}");
    assert!(url.len() <= 8000, "{} bytes", url.len());
    field_of(url, "system").unwrap()
}

/// A field of a bug-form link, decoded (None when the link does not fill it).
fn field_of(url: &str, id: &str) -> Option<String> {
    let query = url.trim_end().split_once('?').unwrap().1;
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == id).then(|| url_decode(v))
    })
}

fn stdout_of(cmd: &mut assert_cmd::Command) -> String {
    String::from_utf8(cmd.ok_stdout()).unwrap()
}

#[test]
fn issue_url_decodes_to_the_system_info_block() {
    // show, with and without a --side label (which the block then starts with).
    for extra in [&[][..], &["--side", "client"][..]] {
        let dir = tempfile::tempdir().unwrap();
        let archive = collect_fixture("modern", dir.path(), extra);
        let summary = summary_in(&archive);
        let url = stdout_of(bin().arg("show").arg(&archive).arg("--issue-url"));
        let block = system_info_of(&summary);
        assert_eq!(decoded_system(&url), block);
        assert_eq!(
            block.starts_with("- client:\n$ uname -a\n"),
            !extra.is_empty()
        );
        // The split form's field of the given side: the same block without its label.
        assert_eq!(
            field_of(&url, "system-client"),
            (!extra.is_empty()).then(|| block.trim_start_matches("- client:\n").to_string())
        );
        assert_eq!(field_of(&url, "system-server"), None);
        // The narrative skeleton, as the summary shows it.
        for (id, label) in [
            ("what-did-you-do", "What did you do?"),
            ("actual-behavior", "What happened?"),
            ("expected-behavior", "What did you expect to have?"),
        ] {
            let value = field_of(&url, id).unwrap_or_else(|| panic!("{id} in {url}"));
            assert!(value.contains("TODO: "), "{id}: {value}");
            assert!(
                summary.contains(&format!("### {label}\n\n```text\n{value}```\n")),
                "{id} as in the summary:\n{summary}"
            );
        }
        let context = field_of(&url, "additional-context").unwrap();
        assert!(
            context.starts_with("TODO: attach `mptcp-debug-"),
            "{context}"
        );
    }
    // collect prints the link on stderr, next to the summary on stdout.
    let out = bin()
        .args(fixture_args("modern"))
        .args(["--no-archive", "--batch", "--issue-url"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let url = &stderr[stderr.find(FORM).expect("a link on stderr")..];
    let url = url.lines().next().unwrap();
    let summary = String::from_utf8(out.stdout).unwrap();
    assert_eq!(decoded_system(url), system_info_of(&summary));
    // merge: both sides.
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let client = collect_fixture("modern", a.path(), &[]);
    let server = collect_fixture("enabled0", b.path(), &[]);
    let merged = stdout_of(bin().arg("merge").arg(&client).arg(&server));
    let url = stdout_of(
        bin()
            .args(["merge", "--issue-url"])
            .arg(&client)
            .arg(&server),
    );
    assert_eq!(decoded_system(&url), system_info_of(&merged));
    // Both versions of the form: each side's own field holds its block without the label.
    let sys = system_info_of(&merged);
    let (c, s) = sys.split_once("\n- server:\n").unwrap();
    assert_eq!(
        field_of(&url, "system-client").unwrap(),
        c.trim_start_matches("- client:\n")
    );
    assert_eq!(field_of(&url, "system-server").unwrap(), s);
    assert!(field_of(&url, "what-did-you-do")
        .unwrap()
        .contains("TODO: "));
}

/// A System info block too long for a URL: no link, and a one-line message saying to paste by hand.
#[test]
fn issue_url_too_long_says_paste_by_hand() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("big");
    let src = crate::util::fixture("modern");
    let st = std::process::Command::new("cp")
        .arg("-r")
        .arg(&src)
        .arg(&case)
        .status()
        .unwrap();
    assert!(st.success());
    let mut osr = String::from("NAME=\"Big Linux\"\n");
    for i in 0..300 {
        osr.push_str(&format!("X_FIELD_{i}=\"some long value number {i}\"\n"));
    }
    std::fs::write(case.join("root/etc/os-release"), osr).unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let stderr = bin()
        .arg("--root")
        .arg(case.join("root"))
        .arg("--commands-from")
        .arg(case.join("commands"))
        .arg("-o")
        .arg(&out)
        .args(["--batch", "--issue-url"])
        .assert()
        .success()
        .get_output()
        .stderr
        .clone();
    let stderr = String::from_utf8(stderr).unwrap();
    assert!(!stderr.contains(FORM), "{stderr}");
    assert!(stderr.contains("too long for a link"), "{stderr}");
    assert!(stderr.contains("by hand"), "{stderr}");
    let archive = only_archive(&out);
    let failed = bin()
        .arg("show")
        .arg(&archive)
        .arg("--issue-url")
        .assert()
        .failure()
        .get_output()
        .clone();
    assert!(failed.stdout.is_empty());
    let err = String::from_utf8(failed.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("paste the summary's System info block by hand"),
        "{err}"
    );
}

#[test]
fn merge_and_diff_snapshots() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let key_dir = tempfile::tempdir().unwrap();
    let key = key_dir.path().join("k");
    let key = key.to_str().unwrap();
    let client = collect_fixture(
        "modern",
        a.path(),
        &["--redact-key", key, "--side", "client"],
    );
    let server = collect_fixture(
        "enabled0",
        b.path(),
        &["--redact-key", key, "--side", "server"],
    );
    let merged =
        String::from_utf8(bin().arg("merge").arg(&client).arg(&server).ok_stdout()).unwrap();
    let sys = system_info_of(&merged);
    assert!(
        sys.starts_with("- client:\n$ uname -a\n") && sys.contains("\n- server:\n$ uname -a\n"),
        "{sys}"
    );
    let mut filters = insta_filters();
    filters.push((r"`[^`]*mptcp-debug-[^`]*\.tar\.gz`", "`[ARCHIVE]`"));
    insta::with_settings!({filters => filters.clone()}, { insta::assert_snapshot!("merge", merged) });
    let diff = String::from_utf8(bin().arg("diff").arg(&client).arg(&server).ok_stdout()).unwrap();
    filters.push((r"(?m)^([AB]): .*$", "$1: [ARCHIVE]"));
    insta::with_settings!({filters => filters}, { insta::assert_snapshot!("diff", diff) });
    assert!(
        diff.contains("## sysctls\n\n- net.mptcp.available_path_managers: kernel userspace -> (absent)\n- net.mptcp.enabled: 1 -> 0\n"),
        "{diff}"
    );
    assert!(diff.contains("- MPCapableSYNRX: 1 -> 0 (-1)"), "{diff}");
}

/// Two namespaces with a real MPTCP connection: merged, no false findings; then with
/// add_addr_accepted 0 on the client and a signal endpoint on the server, the cross-side finding.
#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn real_client_and_server_merge() {
    let Some((c, s)) = client_server(true) else {
        return;
    };
    s.ip("mptcp limits set subflows 2 add_addr_accepted 2");
    c.ip("mptcp limits set subflows 2 add_addr_accepted 2");
    // The pair program runs its client in the calling namespace: run it inside the client one.
    let out = std::process::Command::new("ip")
        .args(["netns", "exec", &c.name])
        .args(pair_argv(&s, &["--wait-subflows", "1"]))
        .output()
        .unwrap();
    crate::util::assert_ok(&out);
    let key_dir = tempfile::tempdir().unwrap();
    let key = key_dir.path().join("k");
    let run = |ns: &str, dir: &Path| {
        bin()
            .args(["--netns", ns, "-o"])
            .arg(dir)
            .args(["--batch", "-q", "--redact-key", key.to_str().unwrap()])
            .ok_stdout();
        only_archive(dir)
    };
    let (dc, ds) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (ac, as_) = (run(&c.name, dc.path()), run(&s.name, ds.path()));
    let merged = String::from_utf8(bin().arg("merge").arg(&ac).arg(&as_).ok_stdout()).unwrap();
    let sys = system_info_of(&merged);
    assert!(
        sys.starts_with("- client:\n") && sys.contains("- server:\n"),
        "{sys}"
    );
    assert_eq!(sys.matches("# network namespace:").count(), 2, "{sys}");
    let checks = &merged[merged.find("## Automatic checks").unwrap()..];
    assert!(
        checks.contains("Nothing found."),
        "false findings on a healthy pair:\n{checks}"
    );
    // Both sides were guessed from what they did.
    let rc = mptcp_get_debug::archive::read_report(&ac).unwrap();
    assert_eq!(
        rc.meta.side.as_ref().map(|s| (s.role.as_str(), s.guessed)),
        Some(("client", true))
    );
    let rs = mptcp_get_debug::archive::read_report(&as_).unwrap();
    assert_eq!(
        rs.meta.side.as_ref().map(|s| (s.role.as_str(), s.guessed)),
        Some(("server", true))
    );
    let url = String::from_utf8(
        bin()
            .args(["merge", "--issue-url"])
            .arg(&ac)
            .arg(&as_)
            .ok_stdout(),
    )
    .unwrap();
    assert_eq!(decoded_system(&url), sys);

    c.ip("mptcp limits set subflows 2 add_addr_accepted 0");
    s.ip("mptcp endpoint add 10.1.2.2 dev vb2 signal");
    let (dc, ds) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (ac, as_) = (run(&c.name, dc.path()), run(&s.name, ds.path()));
    let merged = String::from_utf8(bin().arg("merge").arg(&ac).arg(&as_).ok_stdout()).unwrap();
    let checks = &merged[merged.find("## Automatic checks").unwrap()..];
    let found: Vec<&str> = checks.lines().filter(|l| l.starts_with("- **")).collect();
    assert_eq!(found.len(), 1, "{checks}");
    assert!(
        found[0].starts_with("- **warning** (both sides): The server announces addresses but the client accepts none"),
        "{checks}"
    );
    assert!(
        checks.contains("  - `client: limits add_addr_accepted 0`"),
        "{checks}"
    );
    assert!(checks.contains(" signal dev vb2`"), "{checks}");
}

/// `diff` of two single-namespace reports compares them namespace to namespace whatever their names,
/// and covers NetworkManager and mptcpd state.
#[test]
fn diff_across_namespaces_and_daemons() {
    use crate::triage::{healthy, report, section};
    use mptcp_get_debug::views::diff::diff_reports;
    let build = |ns: &str, subflows: u32, nm_running: bool, addr_flags: &str| {
        let mut r = report(healthy());
        for s in r.sections.iter_mut().filter(|s| s.collector != "kernel") {
            s.netns = Some(ns.into());
        }
        for d in r.sections.iter_mut().flat_map(|s| s.data.iter_mut()) {
            if let Data::Limits(l) = d {
                l.subflows = Some(subflows);
            }
        }
        r.sections.push(section(
            "networkmanager",
            Data::NetworkManager(NetworkManager {
                installed: true,
                version: Some("1.46.0".into()),
                running: Some(nm_running),
                ..Default::default()
            }),
        ));
        let mut mptcpd = Mptcpd {
            installed: true,
            service_state: Some("active".into()),
            ..Default::default()
        };
        mptcpd.config.insert("addr-flags".into(), addr_flags.into());
        r.sections.push(section("mptcpd", Data::Mptcpd(mptcpd)));
        // What every view shows, as a collect run presents it.
        mptcp_get_debug::collect::present::present(&mut r);
        r
    };
    let same = diff_reports(
        &build("x", 2, true, "subflow"),
        &build("y", 2, true, "subflow"),
    );
    assert_eq!(same, "No differences in what the two reports show.\n");
    let d = diff_reports(
        &build("x", 2, true, "subflow"),
        &build("y", 0, false, "signal"),
    );
    pretty_assertions::assert_eq!(
        d,
        "## limits\n\n- subflows: 2 -> 0\n\n## NetworkManager\n\n- running: true -> false\n\n## mptcpd\n\n- mptcpd.conf addr-flags: subflow -> signal\n"
    );
}

//! Fixture cases rendered end to end through the real binary: the facts each case must show (every
//! case's summary.md, text view and findings are snapshotted in fixture_snapshots.rs).

use crate::util::{bin, fixture_args, OkStdout};

fn run(case: &str, format: &str) -> String {
    let out = bin()
        .args(fixture_args(case))
        .args(["--no-archive", "--batch", "--format", format])
        .ok_stdout();
    String::from_utf8(out).unwrap()
}

/// The System info block pastes into the bug form: the five commands, each `$ cmd` then its output.
#[test]
fn system_info_block_has_the_form_commands_in_order() {
    let md = run("modern", "md");
    let start = md.find("## System info").unwrap();
    let block = &md[start..];
    let fence = block.find("```\n").unwrap() + 4;
    let end = block[fence..].find("```").unwrap() + fence;
    let body = &block[fence..end];
    let cmds: Vec<&str> = body.lines().filter(|l| l.starts_with("$ ")).collect();
    assert_eq!(
        cmds,
        [
            "$ uname -a",
            "$ cat /etc/os-release",
            "$ sysctl net.mptcp",
            "$ ip mptcp endpoint show",
            "$ ip mptcp limits show"
        ]
    );
    assert!(body.contains("Linux host-1 6.18.44-200.fc43.x86_64 #1 SMP PREEMPT_DYNAMIC Tue Sep 30 10:00:00 UTC 2026 x86_64 GNU/Linux"));
    let captures = "/work/shared/reference/captures";
    if let (Ok(sysctl), Ok(eps), Ok(limits)) = (
        std::fs::read_to_string(format!("{captures}/ns_sysctl.txt")),
        std::fs::read_to_string(format!("{captures}/ns_endpoints.txt")),
        std::fs::read_to_string(format!("{captures}/ns_limits.txt")),
    ) {
        // Byte for byte what the real commands printed.
        assert!(body.contains(&format!("$ sysctl net.mptcp\n{sysctl}$ ip mptcp endpoint show\n{eps}$ ip mptcp limits show\n{limits}")), "{body}");
    }
}

#[test]
fn modern_counters_and_sockets() {
    let md = run("modern", "md");
    for want in [
        "| MPCapableSYNRX | 1 |",
        "| MPJoinSynTx | 1 |",
        "| MPCurrEstab | 2 |",
        "token:2fa43e04",
        "CONFIG_MPTCP=y",
    ] {
        assert!(md.contains(want), "summary lacks {want}");
    }
    assert!(
        !md.contains("| MPCapableFallbackACK |"),
        "zero counters must not be listed"
    );
}

#[test]
fn enabled0_and_no_mptcp_say_why() {
    let md = run("enabled0", "md");
    assert!(md.contains("net.mptcp.enabled = 0"));
    // mptcp_diag is a module not loaded there: like the script's `ss -ManiH`, a run may load it,
    // unless --no-system-changes says not to.
    assert!(md.contains("No MPTCP sockets."), "{md}");
    let out = bin()
        .args(fixture_args("enabled0"))
        .args(["--no-archive", "--batch", "--no-system-changes"])
        .ok_stdout();
    let md = String::from_utf8(out).unwrap();
    assert!(
        md.contains("--no-system-changes: mptcp_diag is a module that is not loaded"),
        "sockets must be skipped, not loaded:\n{md}"
    );
    assert!(
        md.contains("--no-system-changes: no test connection is made"),
        "{md}"
    );
    let md = run("no-mptcp", "md");
    assert!(
        md.contains("# not collected: /proc/sys/net/mptcp does not exist"),
        "{md}"
    );
    assert!(md.contains("# CONFIG_MPTCP is not set"), "{md}");
    let json: serde_json::Value = serde_json::from_str(&run("no-mptcp", "json")).unwrap();
    let kernel = json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["collector"] == "kernel")
        .unwrap();
    let taint = kernel["data"][0]["value"]["taint_flags"]
        .as_array()
        .unwrap();
    assert_eq!(taint.len(), 1);
    assert!(taint[0].as_str().unwrap().starts_with("O (bit 12)"));
}

#[test]
fn json_is_the_report() {
    let json = run("modern", "json");
    let report: mptcp_get_debug::report::Report = serde_json::from_str(&json).unwrap();
    assert_eq!(
        report.schema_version,
        mptcp_get_debug::report::SCHEMA_VERSION
    );
    let eps = report.endpoints(None).unwrap();
    assert_eq!(eps.len(), 1);
    assert_eq!(eps[0].addr.to_string(), "127.0.0.2");
    assert_eq!(report.limits(None).unwrap().subflows, Some(2));
    assert_eq!(report.sysctl(None, "enabled"), Some("1"));
    assert_eq!(
        report.mib(None).unwrap().get("MPTcpExt", "MPJoinSynRx"),
        Some(1)
    );
    assert_eq!(report.sockets(None).unwrap().len(), 3);
}

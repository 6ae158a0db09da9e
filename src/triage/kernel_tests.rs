//! The kernel rules and the kernel-series data they rest on: verdicts, data files, distribution
//! builds, and each rule firing and staying quiet.

use super::super::testkit::{says, section, with, without};
use super::*;
use crate::report::{Data, Distro, KernelInfo, KernelLog};

fn kernel(release: &str, distro_id: &str) -> Report {
    let distro = Distro {
        fields: [("ID".to_string(), distro_id.to_string())].into(),
        ..Default::default()
    };
    with(vec![
        section(
            "kernel",
            Data::Kernel(KernelInfo {
                release: release.into(),
                ..Default::default()
            }),
        ),
        section("distro", Data::Distro(distro)),
    ])
}

#[test]
fn kernel_eol_upstream_or_distribution() {
    let r = kernel("4.19.0", "arch");
    assert_eq!(says(kernel_eol, &r), ["Warning:kernel-eol"]);
    let ev = &kernel_eol(&r)[0].evidence;
    assert_eq!(ev[0], "kernel 4.19.0");
    assert!(
        ev[1].contains("older than the oldest supported LTS"),
        "{ev:?}"
    );
    assert!(ev[2].starts_with("kernel series data of "), "{ev:?}");
    // A RHEL-family build of an old series: its vendor backports the fixes.
    let rhel = kernel("5.14.0-570.12.1.el9_6.x86_64", "rhel");
    assert_eq!(says(kernel_eol, &rhel), ["Info:kernel-eol"]);
    assert!(kernel_eol(&rhel)[0]
        .evidence
        .contains(&"ID=rhel VERSION_ID=".to_string()));
    // A supported series, or no kernel collected: nothing.
    assert!(kernel_eol(&kernel("6.18.44", "arch")).is_empty());
    assert!(kernel_eol(&without(&["kernel"])).is_empty());
}

#[test]
fn kernel_splat_in_mptcp_code() {
    let log = |splats| {
        section(
            "kmsg",
            Data::KernelLog(KernelLog {
                source: "/dev/kmsg".into(),
                lines: vec![
                    "[  12.3] mptcp: something happened".into(),
                    " WARNING: CPU: 1 PID: 42 at net/mptcp/protocol.c:123 __mptcp_x+0x1/0x2".into(),
                ],
                splats,
            }),
        )
    };
    let r = with(vec![log(1)]);
    assert_eq!(says(kernel_splat, &r), ["Problem:kernel-splat"]);
    assert_eq!(
        kernel_splat(&r)[0].evidence,
        [
            "WARNING: CPU: 1 PID: 42 at net/mptcp/protocol.c:123 __mptcp_x+0x1/0x2",
            "1 splat(s) mentioning mptcp in /dev/kmsg"
        ]
    );
    // MPTCP lines without a splat, or no kernel log: nothing.
    assert!(kernel_splat(&with(vec![log(0)])).is_empty());
    assert!(kernel_splat(&with(vec![])).is_empty());
}

#[test]
fn series_data_and_verdicts() {
    let data = parse(BUILTIN).unwrap();
    let eol_reason = |r: &str, t: &str| eol_reason_by(&data, r, t);
    assert_eq!(eol_reason("6.18.44-fc-v769", "2026-11-25"), None);
    assert_eq!(eol_reason("6.12.57-1-lts", "2026-11-25"), None);
    assert!(eol_reason("5.15.0-100-generic", "2027-01-05")
        .unwrap()
        .contains("end of life on 2026-12-31"));
    assert!(eol_reason("5.4.0-216-generic", "2026-11-25")
        .unwrap()
        .contains("older than the oldest"));
    assert!(eol_reason("6.14.2", "2026-11-25")
        .unwrap()
        .contains("not a long-term"));
    assert_eq!(eol_reason("7.3.1", "2026-11-25"), None);
    assert_eq!(eol_reason("garbage", "2026-11-25"), None);
}

#[test]
fn data_files_are_checked_and_the_newer_copy_wins() {
    assert!(parse(BUILTIN).unwrap().updated().len() == 10);
    assert!(
        parse("oldest_lts = \"5.10\"\noldest_current_stable = \"7.2\"\nlts = []\n")
            .unwrap_err()
            .contains("updated")
    );
    let older = BUILTIN.replace(
        &format!("updated = {}", parse(BUILTIN).unwrap().updated()),
        "updated = 2020-01-01",
    );
    assert!(parse(&older).unwrap().updated() == "2020-01-01");
    let bad = BUILTIN.replace("oldest_lts = \"5.10\"", "oldest_lts = \"five\"");
    assert!(parse(&bad).unwrap_err().contains("five"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(FILE);
    // Missing, older, broken: the built-in copy; newer: the installed file.
    assert_eq!(installed_or_builtin(&file, true).origin, "built-in copy");
    std::fs::write(&file, &older).unwrap();
    assert_eq!(installed_or_builtin(&file, true).origin, "built-in copy");
    std::fs::write(&file, &bad).unwrap();
    assert_eq!(installed_or_builtin(&file, true).origin, "built-in copy");
    let newer = BUILTIN.replace(
        &format!("updated = {}", parse(BUILTIN).unwrap().updated()),
        "updated = 2099-01-01",
    );
    std::fs::write(&file, &newer).unwrap();
    let d = installed_or_builtin(&file, true);
    assert_eq!(d.origin, "installed data file");
    assert_eq!(d.series.updated(), "2099-01-01");
    // The age is said; a stale table says so.
    let b = builtin();
    assert_eq!(
        data_age(&b, &b.series.updated()),
        format!(
            "kernel series data of {} (built-in copy)",
            b.series.updated()
        )
    );
    assert!(data_age(
        &SeriesData {
            series: parse(&older).unwrap(),
            origin: "x"
        },
        "2026-11-25"
    )
    .contains("days older than this report"));
}

#[test]
fn distribution_kernels_are_recognised() {
    assert_eq!(
        maintained_by(
            "5.14.0-570.12.1.el9_6.x86_64",
            "rocky",
            "rhel centos fedora"
        ),
        Some("the RHEL-family vendor")
    );
    assert_eq!(
        maintained_by("6.8.0-85-generic", "ubuntu", "debian"),
        Some("Ubuntu")
    );
    assert_eq!(
        maintained_by("6.1.0-18-amd64", "debian", ""),
        Some("Debian")
    );
    assert_eq!(
        maintained_by("6.4.0-150600.23.7-default", "sles", "suse"),
        Some("SUSE")
    );
    // Upstream-tracking distributions and self-built kernels are not exempt.
    assert_eq!(maintained_by("6.14.2-arch1-1", "arch", ""), None);
    assert_eq!(maintained_by("6.14.2-200.fc42.x86_64", "fedora", ""), None);
    assert_eq!(maintained_by("6.14.2", "ubuntu", "debian"), None);
    assert_eq!(maintained_by("5.15.0-100-generic", "", ""), None);
}

//! NetworkManager and mptcpd collectors against fixture roots: summary snapshots, and keyfile secrets
//! never reaching the JSON report, even with --no-redact.

use crate::util::{bin, fixture_args, OkStdout};

fn summary(case: &str) -> String {
    let out = bin()
        .args(fixture_args(case))
        .args(["--no-archive", "--batch", "--no-redact"])
        .ok_stdout();
    String::from_utf8(out).unwrap()
}

fn snap(case: &str) {
    let text = summary(case);
    // The shared filters: times, versions, durations, the checkout's path, who ran the tests.
    insta::with_settings!({filters => crate::util::insta_filters()}, {
        insta::assert_snapshot!(format!("summary@{case}"), text);
    });
}

#[test]
fn nm_fedora_summary() {
    let s = summary("nm-fedora");
    assert!(s.contains("### NetworkManager"), "{s}");
    assert!(
        s.contains("Home WiFi (wifi) on wlp2s0: mptcp-flags 0x32 = enabled,signal,subflow, active"),
        "{s}"
    );
    assert!(
        s.contains("Wired (ethernet): mptcp-flags 1 = disabled, inactive"),
        "{s}"
    );
    assert!(s.contains("not a number"), "{s}");
    snap("nm-fedora");
}

#[test]
fn mptcpd_debian_summary() {
    let s = summary("mptcpd-debian");
    assert!(s.contains("### mptcpd"), "{s}");
    assert!(s.contains("mptcp.service: active"), "{s}");
    assert!(s.contains("path-manager addr_adv"), "{s}");
    assert!(s.contains("addr_adv.so"), "{s}");
    assert!(s.contains("line 8: not `key=value`"), "{s}");
    snap("mptcpd-debian");
}

#[test]
fn keyfile_secrets_never_in_json() {
    let out = bin()
        .args(fixture_args("nm-fedora"))
        .args(["--no-archive", "--batch", "--no-redact", "--format", "json"])
        .ok_stdout();
    let json = String::from_utf8(out).unwrap();
    assert!(
        json.contains("Home WiFi"),
        "the connections must be reported"
    );
    for secret in [
        "SuperSecretPSK123",
        "TopSecretPassword9",
        "psk=",
        "password=",
    ] {
        assert!(
            !json.contains(secret),
            "{secret} leaked into the JSON report"
        );
    }
}

/// The NetworkManager data of a fixture's JSON report.
fn nm_json(case: &str) -> serde_json::Value {
    let out = bin()
        .args(fixture_args(case))
        .args(["--no-archive", "--batch", "--no-redact", "--format", "json"])
        .ok_stdout();
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    report["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["collector"] == "networkmanager")
        .expect("networkmanager section")["data"][0]["value"]
        .clone()
}

fn connection<'a>(nm: &'a serde_json::Value, uuid: &str) -> &'a serde_json::Value {
    nm["connections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["uuid"] == uuid)
        .unwrap_or_else(|| panic!("no connection {uuid} in {nm:#}"))
}

#[test]
fn nm_rhel_summary() {
    let s = summary("nm-rhel");
    // Conf files merged as NetworkManager does: the main file beats the /usr/lib vendor snippet.
    assert!(
        s.contains("Global default `connection.mptcp-flags`: 0x22 = enabled,subflow (from /etc/NetworkManager/NetworkManager.conf)."),
        "{s}"
    );
    // 0 or absent: the global default is shown next to the profile's own value.
    assert!(
        s.contains("- Office (wifi): mptcp-flags 0, so the global default applies: 0x22 = enabled,subflow, inactive"),
        "{s}"
    );
    assert!(
        s.contains("- Office (ethernet) on eth1: mptcp-flags not set, so the global default applies: 0x22 = enabled,subflow, active"),
        "{s}"
    );
    // A profile without a keyfile (ifcfg-rh): its flags come from nmcli.
    assert!(
        s.contains("- System eth0 (802-3-ethernet) on eth0: mptcp-flags 0x62 (nmcli, no keyfile) = enabled,subflow,backup, active"),
        "{s}"
    );
    assert!(
        s.contains("[connection-wifi] sets connection.mptcp-flags=0x1"),
        "{s}"
    );
    snap("nm-rhel");
}

#[test]
fn nm_conf_files_read_in_networkmanager_order() {
    let nm = nm_json("nm-rhel");
    assert_eq!(
        nm["conf_files"],
        serde_json::json!([
            // 10-mptcp.conf of /usr/lib is masked by the empty /etc/NetworkManager/conf.d/10-mptcp.conf
            "/usr/lib/NetworkManager/conf.d/20-vendor.conf",
            "/run/NetworkManager/conf.d/15-initrd.conf",
            "/etc/NetworkManager/NetworkManager.conf",
            "/etc/NetworkManager/conf.d/10-mptcp.conf",
            "/etc/NetworkManager/conf.d/90-wifi.conf",
        ])
    );
    assert_eq!(nm["global_mptcp_flags"], "0x22");
    assert_eq!(
        nm["global_mptcp_flags_source"],
        "/etc/NetworkManager/NetworkManager.conf"
    );
}

#[test]
fn nm_profiles_matched_by_uuid_not_name() {
    let nm = nm_json("nm-rhel");
    // Two profiles are called "Office": only the one whose uuid nmcli lists as active is active.
    let dock = connection(&nm, "7c8d9e0f-1a2b-4c3d-9e4f-5a6b7c8d9e02");
    assert_eq!(dock["active"], true);
    assert_eq!(dock["device"], "eth1");
    assert_eq!(
        dock["file"],
        "/run/NetworkManager/system-connections/office-dock.nmconnection"
    );
    let wifi = connection(&nm, "3f1a2b4c-5d6e-4f70-8a91-b2c3d4e5f601");
    assert_eq!(wifi["active"], false);
    assert_eq!(wifi["default_applies"], true);
    // Profiles nmcli knows but no keyfile holds: flags asked from nmcli by uuid.
    let ifcfg = connection(&nm, "5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03");
    assert_eq!(ifcfg["file"], serde_json::Value::Null);
    assert_eq!(ifcfg["flags_from_nmcli"], true);
    assert_eq!(ifcfg["mptcp_flags"], "0x62");
    let in_memory = connection(&nm, "e1d2c3b4-a5f6-4e7d-8c9b-0a1b2c3d4e05");
    assert_eq!(in_memory["mptcp_flags"], "0x0");
    assert_eq!(in_memory["default_applies"], true);
}

#[test]
fn nm_keyfiles_from_all_profile_dirs_without_backups() {
    let nm = nm_json("nm-rhel");
    let mut files: Vec<&str> = nm["connections"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["file"].as_str())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            // extension-less legacy keyfiles count under /etc only; office~, office.bak and
            // .office.swp are skipped, and so is /usr/lib's README
            "/etc/NetworkManager/system-connections/office",
            "/run/NetworkManager/system-connections/office-dock.nmconnection",
            "/usr/lib/NetworkManager/system-connections/lab.nmconnection",
        ]
    );
    let lab = connection(&nm, "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c03");
    assert_eq!(lab["mptcp_flags_decoded"], "enabled,signal");
}

#[test]
fn nm_rhel_secrets_never_in_json_nor_archive() {
    // (An SSID is an identity, not a secret: kept with --no-redact, replaced otherwise — see
    // redact_corpus.)
    let out = bin()
        .args(fixture_args("nm-rhel"))
        .args(["--no-archive", "--batch", "--no-redact", "--format", "json"])
        .ok_stdout();
    let json = String::from_utf8(out).unwrap();
    let dir = tempfile::tempdir().unwrap();
    bin()
        .args(fixture_args("nm-rhel"))
        .args(["--batch", "--no-redact", "-o"])
        .arg(dir.path())
        .assert()
        .success();
    let archive = crate::util::only_archive(dir.path());
    let members = crate::util::unpack(&archive);
    assert!(
        members
            .iter()
            .any(|(p, _)| p.contains("system-connections/usr-lib/lab.nmconnection.allowlisted")),
        "the /usr/lib keyfile view is archived"
    );
    for secret in [
        "OfficeSecretPSK42",
        "BackupSecretPSK77",
        "SwapSecretPSK",
        "psk=",
    ] {
        assert!(!json.contains(secret), "{secret} leaked into the JSON");
        for (path, bytes) in &members {
            assert!(
                !String::from_utf8_lossy(bytes).contains(secret),
                "{secret} leaked into {path}"
            );
        }
    }
}

#[test]
fn mptcpd_unit_overrides_the_conf() {
    let s = summary("mptcpd-override");
    assert!(
        s.contains("`ExecStart=/usr/libexec/mptcpd/mptcpd --log=journal --path-manager=sspi --addr-flags=subflow,signal`"),
        "{s}"
    );
    assert!(
        s.contains("path-manager sspi (from ExecStart; mptcpd.conf says addr_adv), addr-flags subflow,signal (from ExecStart; mptcpd.conf says subflow)"),
        "{s}"
    );
    // Values mptcpd does not know are reported, naming where they came from.
    assert!(
        s.contains("- note: /etc/mptcpd/mptcpd.conf: notify-flags: unknown value \"skip_loopbak\""),
        "{s}"
    );
    assert!(
        s.contains("- note: /etc/mptcpd/mptcpd.conf: load-plugins: no plugin \"mptcp_extra\" (found: addr_adv, sspi)"),
        "{s}"
    );
    snap("mptcpd-override");
}

#[test]
fn mptcpd_effective_values_in_json() {
    let out = bin()
        .args(fixture_args("mptcpd-override"))
        .args(["--no-archive", "--batch", "--no-redact", "--format", "json"])
        .ok_stdout();
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let d = &report["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["collector"] == "mptcpd")
        .unwrap()["data"][0]["value"];
    assert_eq!(
        d["unit_files"],
        serde_json::json!([
            "/usr/lib/systemd/system/mptcp.service",
            "/etc/systemd/system/mptcp.service.d/10-env.conf",
            "/etc/systemd/system/mptcp.service.d/override.conf",
        ])
    );
    assert_eq!(d["config"]["path-manager"], "addr_adv");
    assert_eq!(d["cmdline"]["path-manager"], "sspi");
    assert_eq!(d["effective"]["path-manager"], "sspi");
    assert_eq!(d["effective"]["addr-flags"], "subflow,signal");
    assert_eq!(
        d["effective"]["notify-flags"],
        "existing,skip_link_local,skip_loopbak"
    );
    assert_eq!(d["effective"]["log"], "journal");
}

/// A machine with neither NetworkManager nor mptcpd: both collectors are skipped, saying why, and the
/// summary has no section for either.
#[test]
fn plain_has_neither_daemon() {
    let s = summary("plain");
    assert!(
        s.contains("| networkmanager |  | skipped | ")
            && s.contains(
                " | NetworkManager is not installed (no /usr/sbin/NetworkManager, no nmcli) |"
            ),
        "{s}"
    );
    assert!(
        s.contains("| mptcpd |  | skipped | ") && s.contains(" | mptcpd is not installed (no mptcpd binary, mptcpd.conf, mptcp.service or mptcpize) |"),
        "{s}"
    );
    assert!(!s.contains("### NetworkManager"), "{s}");
    assert!(!s.contains("### mptcpd"), "{s}");
    snap("plain");
}

/// Without /dev/kmsg (a --root run) the kernel log comes from the recorded `dmesg`, and the manifest
/// says so: a command source, not a file.
#[test]
fn kernel_log_from_dmesg_is_labelled_as_that_command() {
    let out = crate::util::bin()
        .args(crate::util::fixture_args("plain"))
        .args(["--only", "kmsg", "--format", "json", "--no-archive", "-q"])
        .output()
        .unwrap();
    crate::util::assert_ok(&out);
    let r: mptcp_get_debug::report::Report = serde_json::from_slice(&out.stdout).unwrap();
    let a = &r.sections[0].artifacts[0];
    assert_eq!(a.name, "kernel_log_mptcp.txt");
    match &a.source {
        mptcp_get_debug::report::Source::Command {
            argv, exit_code, ..
        } => {
            assert_eq!(argv, &["dmesg"]);
            assert_eq!(*exit_code, Some(0));
        }
        other => panic!("expected a command source, got {other:?}"),
    }
    // Only MPTCP-related lines are kept, and this log has none.
    assert!(!a.content.contains("EXT4-fs"), "{}", a.content);
}

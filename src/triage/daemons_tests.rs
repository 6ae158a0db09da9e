//! The daemon rules and the NetworkManager flag values they read: each rule firing, with its
//! evidence, and the near misses that must stay quiet.

use super::*;

#[test]
fn nm_flag_values() {
    assert_eq!(flags_disable(None), None);
    assert_eq!(flags_disable(Some("0")), None);
    assert_eq!(flags_disable(Some("0x22")), Some(false));
    assert_eq!(flags_disable(Some("34")), Some(false));
    assert_eq!(flags_disable(Some("0x1")), Some(true));
    assert_eq!(flags_disable(Some("disabled")), Some(true));
    assert_eq!(flags_disable(Some("enabled,subflow")), Some(false));
    let nm = |v: &str| NetworkManager {
        version: Some(v.into()),
        ..Default::default()
    };
    assert!(nm_handles_mptcp(&nm("1.40.0")));
    assert!(nm_handles_mptcp(&nm("1.52.1")));
    assert!(!nm_handles_mptcp(&nm("1.36.6")));
    assert!(nm_handles_mptcp(&nm("weird")));
}

#[test]
fn userspace_pm_no_daemon_with_nobody_driving_it() {
    use super::super::testkit::*;
    let pm = |name: &str, v: &str| section("sysctl", sysctls(&[("enabled", "1"), (name, v)]));
    let mptcpd = |installed, state: Option<&str>| {
        section(
            "mptcpd",
            Data::Mptcpd(Mptcpd {
                installed,
                service_state: state.map(str::to_string),
                ..Default::default()
            }),
        )
    };
    let not_installed = Section {
        status: Status::Skipped {
            reason:
                "mptcpd is not installed (no mptcpd binary, mptcpd.conf, mptcp.service or mptcpize)"
                    .into(),
        },
        data: vec![],
        ..section("mptcpd", Data::Mptcpd(Default::default()))
    };
    let us = || pm("path_manager", "userspace");
    let cases = [
        (
            with(vec![us(), not_installed.clone()]),
            vec!["Problem:userspace-pm-no-daemon"],
        ),
        (
            with(vec![pm("pm_type", "1"), not_installed]),
            vec!["Problem:userspace-pm-no-daemon"],
        ),
        (
            with(vec![us(), mptcpd(true, Some("inactive"))]),
            vec!["Problem:userspace-pm-no-daemon"],
        ),
        (
            with(vec![us(), mib(&[("AddAddrDrop", 2)])]),
            vec!["Warning:userspace-pm-no-daemon"],
        ),
    ];
    for (i, (r, want)) in cases.iter().enumerate() {
        assert_eq!(&says(userspace_pm_without_daemon, r), want, "case {i}");
    }
    // mptcpd active; its state unknown (no systemd: only the kernel's counter can tell); the
    // in-kernel path manager: nothing.
    for r in [
        with(vec![us(), mptcpd(true, Some("active"))]),
        with(vec![us(), mptcpd(true, None)]),
        with(vec![pm("path_manager", "kernel"), mptcpd(false, None)]),
    ] {
        assert!(userspace_pm_without_daemon(&r).is_empty());
    }
    let r = with(vec![us(), mib(&[("AddAddrDrop", 2)]), mptcpd(false, None)]);
    assert_eq!(
        userspace_pm_without_daemon(&r)[0].evidence,
        [
            "net.mptcp.path_manager = userspace",
            "mptcpd: not installed",
            "MPTcpExt AddAddrDrop = 2"
        ]
    );
}

#[test]
fn nm_and_mptcpd_both_managing_endpoints() {
    use super::super::testkit::*;
    let nm = |version: &str, active: Option<bool>, flags: Option<&str>| {
        section(
            "networkmanager",
            Data::NetworkManager(NetworkManager {
                installed: true,
                version: Some(version.into()),
                running: Some(true),
                connections: vec![NmConnection {
                    id: "Wired".into(),
                    mptcp_flags: flags.map(str::to_string),
                    mptcp_flags_decoded: "default".into(),
                    active,
                    ..Default::default()
                }],
                ..Default::default()
            }),
        )
    };
    let mptcpd = |state: &str| {
        let mut config = std::collections::BTreeMap::new();
        config.insert("path-manager".to_string(), "addr_adv".to_string());
        section(
            "mptcpd",
            Data::Mptcpd(Mptcpd {
                installed: true,
                service_state: Some(state.into()),
                config,
                ..Default::default()
            }),
        )
    };
    let r = with(vec![nm("1.46.0", Some(true), None), mptcpd("active")]);
    assert_eq!(says(nm_and_mptcpd, &r), ["Problem:nm-and-mptcpd"]);
    assert_eq!(
        nm_and_mptcpd(&r)[0].evidence,
        [
            "NetworkManager 1.46.0: running",
            "NetworkManager connection \"Wired\": mptcp-flags default, active",
            "mptcp.service: active",
            "mptcpd.conf path-manager=addr_adv"
        ]
    );
    // Near misses: mptcpd not running, NetworkManager too old to manage endpoints, the only
    // profile inactive or with MPTCP disabled, or one of the two not collected.
    let quiet = [
        with(vec![nm("1.46.0", Some(true), None), mptcpd("inactive")]),
        with(vec![nm("1.36.6", Some(true), None), mptcpd("active")]),
        with(vec![nm("1.46.0", Some(false), None), mptcpd("active")]),
        with(vec![
            nm("1.46.0", Some(true), Some("0x1")),
            mptcpd("active"),
        ]),
        with(vec![mptcpd("active")]),
    ];
    for (i, r) in quiet.iter().enumerate() {
        assert!(nm_and_mptcpd(r).is_empty(), "case {i}");
    }
}

#[test]
fn evidence_shows_the_global_default_for_unset_profiles() {
    let nm = NetworkManager {
        global_mptcp_flags: Some("0x22".into()),
        global_mptcp_flags_decoded: Some("enabled,subflow".into()),
        ..Default::default()
    };
    let c = |flags: Option<&str>, default_applies| NmConnection {
        id: "Office".into(),
        mptcp_flags: flags.map(str::to_string),
        mptcp_flags_decoded: "decoded".into(),
        default_applies,
        ..Default::default()
    };
    assert_eq!(
        connection_line(&nm, &c(Some("0"), true)),
        "NetworkManager connection \"Office\": mptcp-flags 0 -> global default 0x22 (enabled,subflow)"
    );
    assert_eq!(
        connection_line(&nm, &c(None, true)),
        "NetworkManager connection \"Office\": mptcp-flags not set -> global default 0x22 (enabled,subflow)"
    );
    assert_eq!(
        connection_line(&nm, &c(Some("0x12"), false)),
        "NetworkManager connection \"Office\": mptcp-flags 0x12 (decoded)"
    );
}

//! Issue 16: report.json has a contract. The JSON Schema generated from the Rust types is the one in
//! the repository and in every archive, every fixture's report validates against it, and a change of
//! shape without a `schema_version` bump fails here.

use crate::util::{bin, fixture_args, only_archive, unpack};
use mptcp_get_debug::report::schema::{fingerprint, report_schema};
use mptcp_get_debug::report::SCHEMA_VERSION;

fn committed() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/report.schema.json"
    ))
    .unwrap()
}

#[test]
fn the_committed_schema_is_the_generated_one() {
    assert!(
        committed() == report_schema(),
        "schema/report.schema.json is stale: run `cargo run -- generate schema > schema/report.schema.json` (and bump SCHEMA_VERSION if the shape changed)"
    );
}

#[test]
fn a_change_of_shape_needs_a_new_schema_version() {
    let versions =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema/versions.txt"))
            .unwrap();
    let lines: Vec<(u32, &str)> = versions
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (v, f) = l.split_once(' ').expect("`VERSION FINGERPRINT` lines");
            (v.parse().unwrap(), f.trim())
        })
        .collect();
    assert!(
        lines
            .windows(2)
            .all(|w| w[0].0 < w[1].0 && w[0].1 != w[1].1),
        "versions.txt: increasing versions, each with its own shape"
    );
    let now = fingerprint(&report_schema()).unwrap();
    let recorded = lines.iter().find(|(v, _)| *v == SCHEMA_VERSION);
    assert_eq!(
        recorded.map(|(_, f)| *f),
        Some(now.as_str()),
        "report.json's shape is not the one recorded for schema_version {SCHEMA_VERSION}: bump SCHEMA_VERSION in src/report/mod.rs and append `{} {now}` to schema/versions.txt",
        SCHEMA_VERSION + 1
    );
    // Prose is not shape: a reworded description keeps the fingerprint.
    let reworded =
        report_schema().replacen("\"description\": \"", "\"description\": \"Reworded. ", 3);
    assert_eq!(fingerprint(&reworded).unwrap(), now);
    let retyped = report_schema().replacen("\"type\": \"integer\"", "\"type\": \"string\"", 1);
    assert_ne!(fingerprint(&retyped).unwrap(), now);
}

#[test]
fn fixture_reports_validate_and_archives_carry_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(&report_schema()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    for case in [
        "modern",
        "enabled0",
        "no-mptcp",
        "nm-rhel",
        "mptcpd-debian",
        "canary",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = bin();
        cmd.args(fixture_args(case))
            .arg("-o")
            .arg(dir.path())
            .args(["--batch", "-q"]);
        if case == "canary" {
            cmd.arg("--collectors-dir")
                .arg(crate::util::fixture("canary").join("collectors"));
        }
        cmd.assert().success();
        let members = unpack(&only_archive(dir.path()));
        let get = |name: &str| {
            members
                .iter()
                .find(|(p, _)| p.ends_with(name))
                .map(|(_, d)| d.clone())
                .unwrap_or_else(|| panic!("{case}: no {name}"))
        };
        let report: serde_json::Value = serde_json::from_slice(&get("report.json")).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&report)
            .take(5)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{case}: {}", errors.join("\n"));
        assert_eq!(report["schema_version"], SCHEMA_VERSION);
        assert_eq!(
            String::from_utf8(get("schema.json")).unwrap(),
            report_schema()
        );
    }
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn a_live_report_validates() {
    crate::util::require_root_and_mptcp();
    let schema: serde_json::Value = serde_json::from_str(&report_schema()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let dir = tempfile::tempdir().unwrap();
    bin()
        .args(["--batch", "-q", "-o"])
        .arg(dir.path())
        .assert()
        .success();
    let members = unpack(&only_archive(dir.path()));
    let (_, json) = members
        .iter()
        .find(|(p, _)| p.ends_with("report.json"))
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(json).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .take(5)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

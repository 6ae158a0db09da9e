//! Tests of the rule registry: ids are unique, every rule (single-report and cross-side) has its own
//! tests next to it, and nothing is said about a report without data. A rule's tests are a `#[test]`
//! function in its module whose name holds the rule id (`mptcp-off` -> `fn mptcp_off_...`) and which
//! asserts both that the rule fires (`"Severity:rule-id"`, as `testkit::says` spells a finding) and a
//! near miss that must stay quiet (`.is_empty()`), so a new rule without them fails here.

use super::*;

/// The source of every module rules live in (a module may span files: its tests in `*_tests.rs`).
const SOURCES: &[(&str, &str)] = &[
    ("announce", include_str!("announce.rs")),
    ("config", include_str!("config.rs")),
    ("counters", include_str!("counters.rs")),
    ("cross", include_str!("cross.rs")),
    ("cross", include_str!("cross_tests.rs")),
    ("cross_paths", include_str!("cross_paths.rs")),
    ("daemons", include_str!("daemons.rs")),
    ("daemons", include_str!("daemons_tests.rs")),
    ("family", include_str!("family.rs")),
    ("interfaces", include_str!("interfaces.rs")),
    ("joins", include_str!("joins.rs")),
    ("kernel", include_str!("kernel.rs")),
    ("kernel", include_str!("kernel_tests.rs")),
    ("throughput", include_str!("throughput.rs")),
    ("throughput", include_str!("throughput_tests.rs")),
];

/// The modules cross-side rules live in.
const CROSS_MODULES: &[&str] = &["cross", "cross_paths"];

/// `(name, body)` of every `#[test]` function in a source (a body runs to the next test).
fn test_fns(source: &str) -> Vec<(&str, &str)> {
    let parts: Vec<&str> = source.split("#[test]").skip(1).collect();
    parts
        .iter()
        .filter_map(|part| {
            let rest = part.trim_start().strip_prefix("fn ")?;
            let name = rest.split('(').next()?.trim();
            Some((name, *part))
        })
        .collect()
}

/// The sources of these modules.
fn sources_of(modules: &[&str]) -> Vec<&'static str> {
    SOURCES
        .iter()
        .filter(|(m, _)| modules.contains(m))
        .map(|(_, src)| *src)
        .collect()
}

/// Whether the sources hold a test for rule `id`: named after it, asserting it fires and a near miss.
fn tested(id: &str, sources: &[&str]) -> Result<(), String> {
    let name = id.replace('-', "_");
    let fires = format!(":{id}\"");
    let tests: Vec<(&str, &str)> = sources
        .iter()
        .flat_map(|src| test_fns(src))
        .filter(|(n, _)| n.contains(&name))
        .collect();
    if tests.is_empty() {
        return Err(format!(
            "rule {id}: no #[test] fn with `{name}` in its name"
        ));
    }
    if !tests.iter().any(|(_, body)| body.contains(&fires)) {
        return Err(format!(
            "rule {id}: no test asserts that it fires ({fires})"
        ));
    }
    if !tests.iter().any(|(_, body)| body.contains(".is_empty()")) {
        return Err(format!(
            "rule {id}: no test asserts a near miss that stays quiet (.is_empty())"
        ));
    }
    Ok(())
}

#[test]
fn rule_ids_are_unique() {
    let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    ids.extend(CROSS_RULES.iter().map(|(id, _)| *id));
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "duplicate rule id");
    assert_eq!(RULE_FUNCTIONS.len(), RULES.len());
}

#[test]
fn every_rule_has_a_test_next_to_it() {
    let mut missing = Vec::new();
    for (id, function) in RULE_FUNCTIONS {
        let module = function.split("::").next().unwrap_or("").trim();
        assert!(
            SOURCES.iter().any(|(m, _)| *m == module),
            "rule {id}: module {module} is not in SOURCES (add its files)"
        );
        missing.extend(tested(id, &sources_of(&[module])).err());
    }
    for (id, _) in CROSS_RULES {
        missing.extend(tested(id, &sources_of(CROSS_MODULES)).err());
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// The check itself: a test must be named after the rule, assert that it fires, and a near miss.
#[test]
fn the_check_wants_a_named_test_a_firing_case_and_a_near_miss() {
    let fires =
        "#[test]\nfn x_rule_fires() {\n    assert_eq!(says(f, &r), [\"Warning:x-rule\"]);\n}\n";
    let quiet = "#[test]\nfn x_rule_near_miss() {\n    assert!(f(&r).is_empty());\n}\n";
    assert_eq!(test_fns(fires).len(), 1);
    assert_eq!(test_fns(fires)[0].0, "x_rule_fires");
    assert!(tested("x-rule", &[fires])
        .unwrap_err()
        .contains("near miss"));
    assert!(tested("x-rule", &[quiet]).unwrap_err().contains("fires"));
    assert_eq!(tested("x-rule", &[fires, quiet]), Ok(()));
    // Another rule's test does not count, even when it mentions this one.
    let other = fires.replace("fn x_rule_fires", "fn y_rule_fires");
    assert!(tested("x-rule", &[&other, quiet])
        .unwrap_err()
        .contains("fires"));
    assert!(tested("z-rule", &[fires, quiet])
        .unwrap_err()
        .contains("no #[test] fn"));
}

#[test]
fn a_report_without_data_raises_nothing() {
    assert!(evaluate(&testkit::report(vec![])).is_empty());
    // The healthy client of the rules' own tests raises nothing either.
    assert!(evaluate(&testkit::report(testkit::healthy())).is_empty());
}

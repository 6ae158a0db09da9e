//! Conformance over every collector spec and builtin: parses, unique name, one-line description, every
//! builtin registered and named by exactly one spec, every spec's builtin exists.

use mptcp_get_debug::collect::collectors::BUILTINS;
use mptcp_get_debug::collect::spec::{load_all, Spec, EMBEDDED};
use std::collections::BTreeSet;

#[test]
fn every_spec_parses_with_a_unique_name_and_description() {
    let mut names = BTreeSet::new();
    for (file, text) in EMBEDDED {
        let spec = Spec::parse(file, text).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            names.insert(spec.name.clone()),
            "duplicate collector name {}",
            spec.name
        );
        assert!(
            !spec.description.trim().is_empty(),
            "{file}: no description"
        );
        assert_eq!(
            format!("{}.toml", spec.name),
            *file,
            "spec file name should match its collector name"
        );
    }
}

#[test]
fn every_collectors_dir_file_is_embedded() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("collectors");
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".toml") {
            assert!(
                EMBEDDED.iter().any(|(f, _)| *f == name),
                "collectors/{name} is not in spec::EMBEDDED"
            );
        }
    }
}

#[test]
fn builtins_and_specs_match_one_to_one() {
    let specs = load_all(&[]).unwrap();
    let mut seen = BTreeSet::new();
    for b in BUILTINS {
        assert!(
            seen.insert(b.name()),
            "builtin {} registered twice",
            b.name()
        );
        let users: Vec<&str> = specs
            .iter()
            .filter(|s| s.builtin.as_deref() == Some(b.name()))
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(
            users.len(),
            1,
            "builtin {} is named by {:?}",
            b.name(),
            users
        );
    }
    for s in &specs {
        if let Some(b) = &s.builtin {
            assert!(
                seen.contains(b.as_str()),
                "spec {} names unknown builtin {b}",
                s.name
            );
        }
    }
}

#[test]
fn extra_spec_dir_adds_and_overrides() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("extra.toml"),
        "name = \"extra\"\ndescription = \"An extra file\"\nfiles = [\"/etc/hosts\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("kernel.toml"),
        "name = \"kernel\"\ndescription = \"Overridden\"\nbuiltin = \"kernel\"\n",
    )
    .unwrap();
    let specs = load_all(&[dir.path().to_path_buf()]).unwrap();
    assert!(specs.iter().any(|s| s.name == "extra"));
    assert_eq!(
        specs
            .iter()
            .find(|s| s.name == "kernel")
            .unwrap()
            .description,
        "Overridden"
    );
    std::fs::write(dir.path().join("bad.toml"), "name = \"bad\"\n").unwrap();
    let err = load_all(&[dir.path().to_path_buf()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("bad.toml"), "{err}");
}

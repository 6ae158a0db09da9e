//! The house rules, checked on the source: the top-level modules form the pipeline's layers and
//! depend one way only. Each module may import only the modules listed for it below (a leaf list that
//! is itself acyclic), so an import that points back up, or a cycle, fails here with the file that
//! made it. Test code (`#[cfg(test)]` modules, `*_tests.rs`, test kits) may reach further and is not
//! read.

use crate::util::rust_files;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What each top-level module may import from the crate (besides itself).
const ALLOWED: &[(&str, &[&str])] = &[
    // The typed model: imports nothing.
    ("report", &[]),
    // Usage-error classification: a leaf everyone may use.
    ("exit", &[]),
    // The OS boundary: imports nothing above it.
    ("sys", &[]),
    // Protocol only.
    ("netlink", &["sys"]),
    ("redact", &["report", "sys"]),
    ("triage", &["report"]),
    ("views", &["report", "triage", "sys", "exit"]),
    ("collect", &["report", "sys", "netlink", "views", "exit"]),
    ("archive", &["report", "sys", "views"]),
    // Settings look at the system too (who runs the tool decides the default redaction key).
    (
        "cli",
        &["report", "redact", "views", "collect", "sys", "exit"],
    ),
    (
        "pipeline",
        &[
            "cli", "collect", "redact", "triage", "views", "archive", "report", "sys", "exit",
        ],
    ),
    (
        "commands",
        &[
            "pipeline", "cli", "collect", "redact", "triage", "views", "archive", "report", "sys",
            "netlink", "exit",
        ],
    ),
];

/// Imports that break the rules today, each with the work that removes it. Empty when the house is
/// built; an entry that is no longer needed fails the test too, so the list only shrinks.
const PENDING: &[(&str, &str, &str)] = &[];

/// A file's non-test code, without comments.
fn code(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let in_test_dir = path.components().any(|c| {
        c.as_os_str()
            .to_str()
            .is_some_and(|s| s.ends_with("_tests") || s == "tests")
    });
    if name.ends_with("_tests.rs") || name == "tests.rs" || name == "testkit.rs" || in_test_dir {
        return None;
    }
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("#[cfg(test)]\nmod ") {
        Some(i) => &text[..i],
        None => &text[..],
    };
    Some(
        text.lines()
            .map(|l| match l.trim_start().starts_with("//") {
                true => "",
                false => l,
            })
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// The crate's top-level modules a piece of code names (`crate::x`, `crate::{x, y::z}`).
fn imports(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let head: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !head.is_empty() {
                    out.insert(head);
                }
            }
        } else {
            let head: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            out.insert(head);
        }
    }
    // Macros exported at the crate root, and the crate's name/version constants.
    out.remove("usage_bail").then(|| out.insert("exit".into()));
    out.remove("NAME");
    out.remove("VERSION");
    out
}

/// (module, imported module) -> the first file that imports it.
fn actual() -> BTreeMap<(String, String), PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut edges = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_str()
            .unwrap();
        let top = top.trim_end_matches(".rs").to_string();
        if top == "main" || top == "lib" {
            continue;
        }
        let Some(code) = code(&f) else { continue };
        for m in imports(&code) {
            if m != top {
                edges
                    .entry((top.clone(), m))
                    .or_insert_with(|| rel.to_path_buf());
            }
        }
    }
    edges
}

#[test]
fn every_module_has_a_place_in_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for e in std::fs::read_dir(&src).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        let m = name.trim_end_matches(".rs");
        if m == "main" || m == "lib" {
            continue;
        }
        assert!(
            ALLOWED.iter().any(|(n, _)| *n == m),
            "src/{name}: a new top-level module needs its line in ALLOWED (tests/architecture.rs) and its paragraph in DESIGN.md"
        );
    }
}

#[test]
fn the_allowed_layers_have_no_cycle() {
    // Repeatedly remove modules whose allowed imports are all removed: a cycle leaves some behind.
    let mut left: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    while !left.is_empty() {
        let ready: Vec<&str> = left
            .iter()
            .filter(|(_, deps)| deps.iter().all(|d| !left.contains_key(d)))
            .map(|(m, _)| *m)
            .collect();
        assert!(!ready.is_empty(), "ALLOWED has a cycle among {left:?}");
        for m in ready {
            left.remove(m);
        }
    }
}

#[test]
fn imports_point_one_way() {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut broken = Vec::new();
    let mut pending_seen = BTreeSet::new();
    for ((from, to), file) in actual() {
        let ok = allowed
            .get(from.as_str())
            .is_some_and(|deps| deps.contains(&to.as_str()));
        if ok {
            continue;
        }
        match PENDING.iter().find(|(f, t, _)| *f == from && *t == to) {
            Some(p) => {
                pending_seen.insert(*p);
            }
            None => broken.push(format!(
                "src/{}: `{from}` imports `{to}`, which its layer may not (see ALLOWED)",
                file.display()
            )),
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
    let stale: Vec<_> = PENDING
        .iter()
        .filter(|p| !pending_seen.contains(p))
        .collect();
    assert!(
        stale.is_empty(),
        "PENDING lists imports that are gone, remove them: {stale:?}"
    );
}

#[test]
fn the_import_reader_sees_groups_paths_and_macros() {
    let got = imports("use crate::{report::Report, sys};\nlet x = crate::views::render(r);\ncrate::usage_bail!(\"x\");");
    let want: BTreeSet<String> = ["report", "sys", "views", "exit"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(got, want);
}

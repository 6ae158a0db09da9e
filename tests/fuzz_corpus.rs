//! The fuzz corpora replayed as ordinary tests: every file of `fuzz/corpus/<target>/` (seeds and the
//! inputs the fuzzer kept) and `fuzz/regressions/<target>/` (crashes found, minimized) goes through the
//! same entry function the fuzzer drives (`fuzz/src/targets.rs`, included here), so CI checks without a
//! fuzzer that none of them panics.

#[path = "../fuzz/src/targets.rs"]
#[allow(dead_code)]
mod targets;

use std::path::{Path, PathBuf};

fn fuzz_dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind)
}

/// Runs every file under `dir/<target>/`; returns how many ran. An unknown directory name is an error
/// (a renamed target must take its corpus along).
fn replay(dir: &Path) -> usize {
    let Ok(targets) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut ran = 0;
    for t in targets {
        let t = t.unwrap();
        if !t.file_type().unwrap().is_dir() {
            continue;
        }
        let name = t.file_name().to_string_lossy().into_owned();
        let run = targets::target(&name)
            .unwrap_or_else(|| panic!("{}: no fuzz target {name:?}", dir.display()));
        let mut files: Vec<PathBuf> = std::fs::read_dir(t.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for f in files {
            let data = std::fs::read(&f).unwrap();
            if std::panic::catch_unwind(|| run(&data)).is_err() {
                panic!("fuzz target {name} panics on {}", f.display());
            }
            ran += 1;
        }
    }
    ran
}

#[test]
fn every_corpus_input_runs_without_panicking() {
    let ran = replay(&fuzz_dir("corpus"));
    // Each target has seeds: a missing corpus would make this test pass on nothing.
    assert!(
        ran >= targets::TARGETS.len(),
        "only {ran} corpus inputs under fuzz/corpus"
    );
    for (name, _) in targets::TARGETS {
        let dir = fuzz_dir("corpus").join(name);
        let n = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
        assert!(
            n > 0,
            "fuzz target {name} has no corpus in {}",
            dir.display()
        );
    }
}

#[test]
fn every_regression_input_runs_without_panicking() {
    replay(&fuzz_dir("regressions"));
}

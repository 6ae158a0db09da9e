//! Conformance over every collector spec and builtin: parses, unique name, one-line description, every
//! builtin registered and named by exactly one spec, every spec's builtin exists, one kind of facts per
//! builtin, and every command the tool runs is one its specs declare.

use mptcp_get_debug::collect::collectors::BUILTINS;
use mptcp_get_debug::collect::engine::{self, Plan};
use mptcp_get_debug::collect::source::{environment, Source};
use mptcp_get_debug::collect::spec::{load_all, Spec, EMBEDDED};
use mptcp_get_debug::sys::runner::CommandRequest;
use mptcp_get_debug::sys::{CommandOutput, Runner};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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

#[test]
fn every_builtin_gives_its_own_kind_of_facts() {
    let mut kinds = BTreeSet::new();
    for b in BUILTINS {
        if let Some(k) = b.facts() {
            assert!(
                kinds.insert(format!("{k:?}")),
                "{}: {k:?} is given by another builtin too",
                b.name()
            );
        }
    }
}

/// A runner in front of another that writes down every argv it is asked to run.
struct Recording {
    inner: Arc<dyn Runner>,
    seen: Mutex<Vec<Vec<String>>>,
}

impl Runner for Recording {
    fn run(&self, req: &CommandRequest) -> CommandOutput {
        self.seen.lock().unwrap().push(req.argv.clone());
        self.inner.run(req)
    }
    fn has(&self, program: &str) -> bool {
        self.inner.has(program)
    }
}

/// Runs every spec (the built-in ones and those of `extra`) from `source` in the tool's own
/// namespace; returns every argv run and the specs.
fn argv_run(source: Source, extra: Option<&Path>) -> (Vec<Vec<String>>, Vec<Spec>) {
    let mut env = environment(&source, 5.0).unwrap();
    let recording = Arc::new(Recording {
        inner: env.runner.clone(),
        seen: Mutex::default(),
    });
    env.runner = recording.clone();
    let specs = load_all(&extra.map(Path::to_path_buf).into_iter().collect::<Vec<_>>()).unwrap();
    let plan = Plan {
        specs: specs.clone(),
        namespaces: vec![None],
        collector_timeout: Duration::from_secs(20),
    };
    let sections = engine::run(&plan, Arc::new(env), None);
    assert_eq!(sections.len(), specs.len());
    let seen = recording.seen.lock().unwrap().clone();
    (seen, specs)
}

fn undeclared(seen: &[Vec<String>], specs: &[Spec]) -> Vec<String> {
    seen.iter()
        .filter(|argv| !specs.iter().any(|s| s.declares(argv)))
        .map(|argv| argv.join(" "))
        .collect()
}

/// Issue 11: every command the tool runs is declared in its spec. The recorded outputs of every
/// fixture case (which make the collectors take their command paths: `ss`, the `ip` commands, the
/// kernel log's fallbacks, NetworkManager's and mptcpd's queries) go through a recording runner.
#[test]
fn every_command_run_is_declared_in_a_spec() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut all: BTreeSet<String> = BTreeSet::new();
    for case in std::fs::read_dir(&fixtures).unwrap() {
        let case = case.unwrap().path();
        if !case.join("commands").is_dir() {
            continue;
        }
        let source = Source::Recorded {
            root: Some(case.join("root")),
            commands: case.join("commands"),
        };
        let extra = case.join("collectors");
        let (seen, specs) = argv_run(source, extra.is_dir().then_some(extra.as_path()));
        let bad = undeclared(&seen, &specs);
        assert!(
            bad.is_empty(),
            "{}: run but not declared: {bad:?}",
            case.display()
        );
        all.extend(seen.iter().map(|a| a.join(" ")));
    }
    // The test sees the commands it is about (else it would pass by running nothing).
    for argv in [
        "uname -a",
        "ip -force -batch -",
        "ss -ManiH",
        "ip addr show",
        "dmesg",
        "journalctl -k -n 2000 --no-pager",
        "nmcli -t -f RUNNING,VERSION general",
        "systemctl is-active mptcp.service",
    ] {
        assert!(all.contains(argv), "{argv} was never run: {all:?}");
    }
    assert!(
        all.iter()
            .any(|a| a.ends_with(" --version") && a.contains("mptcpd")),
        "mptcpd's version, from the binary found: {all:?}"
    );
}

/// The same on the running system, with the real runner.
#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn every_command_run_live_is_declared_in_a_spec() {
    crate::util::require_root_and_mptcp();
    let (seen, specs) = argv_run(Source::Live, None);
    let bad = undeclared(&seen, &specs);
    assert!(bad.is_empty(), "run but not declared: {bad:?}");
    let all: Vec<String> = seen.iter().map(|a| a.join(" ")).collect();
    assert!(all.contains(&"ip -force -batch -".to_string()), "{all:?}");
}

/// Every path each collector asked the sealed reader to read or list, the collector run alone.
fn paths_read(source: &Source, spec: &Spec) -> BTreeSet<String> {
    use mptcp_get_debug::sys::fs::Observer;
    let seen: Arc<Mutex<BTreeSet<String>>> = Arc::default();
    let mut env = environment(source, 5.0).unwrap();
    let log = seen.clone();
    env.fs = env.fs.clone().observed(Observer(Arc::new(move |p: &str| {
        log.lock().unwrap().insert(p.to_string());
    })));
    let plan = Plan {
        specs: vec![spec.clone()],
        namespaces: vec![None],
        collector_timeout: Duration::from_secs(20),
    };
    engine::run(&plan, Arc::new(env), None);
    let seen = seen.lock().unwrap().clone();
    seen
}

/// A virtual interface has no device in sysfs: the links collector reads nothing there for it (with
/// hundreds of veths or bridges those reads were most of its time).
#[test]
fn virtual_interfaces_cost_no_sysfs_reads() {
    let spec = load_all(&[])
        .unwrap()
        .into_iter()
        .find(|s| s.name == "links")
        .unwrap();
    let seen = paths_read(&Source::Live, &spec);
    assert!(
        !seen.iter().any(|p| p.starts_with("/sys/class/net/lo/")),
        "{seen:?}"
    );
}

/// Files a collector reads or lists are declared in its spec (`files`, `reads`, `allowlisted`: see
/// `Spec::declares_read`), as its commands are: each collector alone, over every fixture case (recorded outputs and an image root)
/// and over this machine.
#[test]
fn every_file_read_is_declared_in_its_spec() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut sources = vec![("this machine".to_string(), Source::Live)];
    for case in std::fs::read_dir(&fixtures).unwrap() {
        let case = case.unwrap().path();
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        if case.join("commands").is_dir() {
            sources.push((
                name.clone(),
                Source::Recorded {
                    root: Some(case.join("root")),
                    commands: case.join("commands"),
                },
            ));
        }
        if case.join("root").is_dir() {
            sources.push((format!("{name} (--root)"), Source::Image(case.join("root"))));
        }
    }
    let specs = load_all(&[]).unwrap();
    let mut checked = 0;
    let mut bad = Vec::new();
    for (label, source) in &sources {
        for spec in &specs {
            // The self-test opens a connection: it reads nothing, and is not run here.
            if spec.last {
                continue;
            }
            for path in paths_read(source, spec) {
                checked += 1;
                if !spec.declares_read(&path) {
                    bad.push(format!("{label}: {} read {path}", spec.name));
                }
            }
        }
    }
    bad.sort();
    bad.dedup();
    assert!(bad.is_empty(), "read but not declared:\n{}", bad.join("\n"));
    // The test sees reads (else it would pass by reading nothing).
    assert!(checked > 100, "only {checked} reads seen");
}

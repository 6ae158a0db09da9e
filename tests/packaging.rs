//! What a packager relies on: the license (BSD-3-Clause) allowed by every locked dependency's
//! license, `rust-version` equal to what the locked dependencies need, the package metadata's layout,
//! and the generated man page and completions.

use crate::util::bin;
use std::process::Command;

/// Licenses whose terms let a BSD-3-Clause binary include the code (permissive; MPL-2.0 is
/// file-level copyleft, which a binary that does not change those files satisfies).
const ALLOWED: &[&str] = &[
    "MIT",
    "MIT-0",
    "Apache-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "0BSD",
    "ISC",
    "Zlib",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "CC0-1.0",
    "Unlicense",
    "BSL-1.0",
    "MPL-2.0",
];
/// License exceptions that only grant more (`Apache-2.0 WITH LLVM-exception`).
const ALLOWED_EXCEPTIONS: &[&str] = &["LLVM-exception"];

/// The host's target triple (`rustc -vV`).
fn host_triple() -> String {
    let out = Command::new("rustc").arg("-vV").output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names the host")
        .to_string()
}

/// The locked graph for this platform (the binary is built for Linux: crates only other targets pull
/// in, such as r-efi, are not linked, and a fresh machine has not downloaded them).
fn metadata() -> serde_json::Value {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .args(["--filter-platform", &host_triple()])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every package of the locked graph (all platforms, dev-dependencies too), but this one.
fn locked_packages(m: &serde_json::Value) -> Vec<&serde_json::Value> {
    let ids: Vec<&str> = m["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    let root = m["resolve"]["root"].as_str().unwrap();
    m["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            let id = p["id"].as_str().unwrap();
            id != root && ids.contains(&id)
        })
        .collect()
}

/// Whether an SPDX expression can be satisfied with allowed licenses: OR needs one side, AND both,
/// `X WITH E` needs X and an allowed E. Old crates write `MIT/Apache-2.0` for OR.
pub fn allowed(expr: &str) -> Result<bool, String> {
    let spaced = expr
        .replace('(', " ( ")
        .replace(')', " ) ")
        .replace('/', " OR ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let mut pos = 0;
    let v = or_expr(&tokens, &mut pos)?;
    if pos != tokens.len() {
        return Err(format!("unexpected {:?} in {expr:?}", tokens[pos]));
    }
    Ok(v)
}

fn or_expr(t: &[&str], pos: &mut usize) -> Result<bool, String> {
    let mut v = and_expr(t, pos)?;
    while t.get(*pos) == Some(&"OR") {
        *pos += 1;
        v |= and_expr(t, pos)?;
    }
    Ok(v)
}

fn and_expr(t: &[&str], pos: &mut usize) -> Result<bool, String> {
    let mut v = term(t, pos)?;
    while t.get(*pos) == Some(&"AND") {
        *pos += 1;
        v &= term(t, pos)?;
    }
    Ok(v)
}

fn term(t: &[&str], pos: &mut usize) -> Result<bool, String> {
    let tok = *t.get(*pos).ok_or("expression ends early")?;
    *pos += 1;
    if tok == "(" {
        let v = or_expr(t, pos)?;
        if t.get(*pos) != Some(&")") {
            return Err("missing )".into());
        }
        *pos += 1;
        return Ok(v);
    }
    if ["OR", "AND", "WITH", ")"].contains(&tok) {
        return Err(format!("unexpected {tok}"));
    }
    let mut v = ALLOWED.contains(&tok);
    if t.get(*pos) == Some(&"WITH") {
        let exc = *t.get(*pos + 1).ok_or("WITH without an exception")?;
        *pos += 2;
        v &= ALLOWED_EXCEPTIONS.contains(&exc);
    }
    Ok(v)
}

#[test]
fn spdx_expressions_are_judged_as_written() {
    for ok in [
        "MIT",
        "MIT OR Apache-2.0",
        "Apache-2.0/MIT",
        "(MIT OR Apache-2.0) AND Unicode-3.0",
        "Apache-2.0 WITH LLVM-exception OR Apache-2.0 OR MIT",
        "MIT OR Apache-2.0 OR LGPL-2.1-or-later",
        "Unlicense/MIT",
    ] {
        assert_eq!(allowed(ok), Ok(true), "{ok}");
    }
    for bad in [
        "GPL-2.0-only",
        "GPL-3.0-or-later",
        "LGPL-2.1-or-later",
        "AGPL-3.0-only",
        "MIT AND GPL-2.0-only",
        "GPL-2.0-only WITH Classpath-exception-2.0",
        "Apache-2.0 WITH Some-unknown-exception",
    ] {
        assert_eq!(allowed(bad), Ok(false), "{bad}");
    }
    assert!(allowed("MIT OR").is_err());
    assert!(allowed("(MIT").is_err());
}

#[test]
fn every_locked_dependency_allows_a_bsd_3_clause_binary() {
    let m = metadata();
    let pkgs = locked_packages(&m);
    assert!(pkgs.len() > 50, "the locked graph: {} packages", pkgs.len());
    let mut refused = Vec::new();
    for p in &pkgs {
        let name = format!(
            "{} {}",
            p["name"].as_str().unwrap(),
            p["version"].as_str().unwrap()
        );
        match p["license"].as_str() {
            Some(l) => match allowed(l) {
                Ok(true) => {}
                Ok(false) => refused.push(format!("{name}: {l}")),
                Err(e) => refused.push(format!("{name}: cannot read {l:?}: {e}")),
            },
            None => refused.push(format!(
                "{name}: no SPDX license (license-file only): review it"
            )),
        }
    }
    assert!(
        refused.is_empty(),
        "licenses that do not allow BSD-3-Clause:\n{}",
        refused.join("\n")
    );
}

#[test]
fn this_package_is_bsd_3_clause_with_its_license_file() {
    let m = metadata();
    let root = m["resolve"]["root"].as_str().unwrap();
    let me = m["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == root)
        .unwrap();
    assert_eq!(me["license"], "BSD-3-Clause");
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/LICENSE")).unwrap();
    assert!(text.starts_with("BSD 3-Clause License\n"));
    assert!(text.contains("Copyright (c) 2026, The mptcp-get-debug authors"));
    assert!(text.contains("Neither the name of the copyright holder"));
}

fn version(v: &str) -> Vec<u64> {
    let mut parts: Vec<u64> = v.split('.').map(|p| p.parse().unwrap()).collect();
    parts.resize(3, 0);
    parts
}

#[test]
fn rust_version_is_the_highest_the_locked_dependencies_need() {
    let m = metadata();
    let (need, by) = locked_packages(&m)
        .iter()
        .filter_map(|p| {
            Some((
                version(p["rust_version"].as_str()?),
                p["name"].as_str().unwrap(),
            ))
        })
        .max()
        .unwrap();
    let root = m["resolve"]["root"].as_str().unwrap();
    let me = m["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == root)
        .unwrap();
    let ours = version(me["rust_version"].as_str().expect("rust-version is set"));
    assert_eq!(ours, need, "rust-version must be what {by} needs");
}

#[test]
fn package_metadata_installs_the_same_layout_as_make() {
    let manifest: toml::Value = toml::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap(),
    )
    .unwrap();
    let meta = &manifest["package"]["metadata"];
    let deb: Vec<(String, String)> = meta["deb"]["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a[0].as_str().unwrap().into(),
                format!("/{}", a[1].as_str().unwrap()),
            )
        })
        .collect();
    let rpm: Vec<(String, String)> = meta["generate-rpm"]["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["source"].as_str().unwrap().into(),
                a["dest"].as_str().unwrap().into(),
            )
        })
        .collect();
    for (kind, assets) in [("deb", &deb), ("rpm", &rpm)] {
        for (source, dest) in [
            (
                "target/release/mptcp-get-debug",
                "/usr/libexec/mptcp-get-debug",
            ),
            (
                "target/gen/mptcp-get-debug.1",
                "/usr/share/man/man1/mptcp-get-debug.1",
            ),
            (
                "target/gen/completions/mptcp-get-debug.bash",
                "/usr/share/bash-completion/completions/mptcp-get-debug",
            ),
            (
                "target/gen/completions/mptcp-get-debug.fish",
                "/usr/share/fish/vendor_completions.d/mptcp-get-debug.fish",
            ),
            (
                "data/kernel-series.toml",
                "/usr/share/mptcp-get-debug/kernel-series.toml",
            ),
            (
                "contrib/collectors.d/README",
                "/etc/mptcp-get-debug/collectors.d/README",
            ),
        ] {
            assert!(
                assets.contains(&(source.to_string(), dest.to_string())),
                "{kind} lacks {source} -> {dest}: {assets:?}"
            );
        }
        assert!(assets
            .iter()
            .any(|(s, d)| s == "target/gen/completions/_mptcp-get-debug"
                && d.ends_with("/_mptcp-get-debug")));
        for (source, _) in assets.iter() {
            if !source.starts_with("target/") {
                assert!(
                    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join(source)
                        .is_file(),
                    "{kind}: {source} is not in the repository"
                );
            }
        }
    }
    let makefile =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Makefile")).unwrap();
    for want in [
        "PREFIX ?= /usr/local",
        "LIBEXECDIR ?= $(EXEC_PREFIX)/libexec",
        "$(DESTDIR)$(LIBEXECDIR)/$(NAME)",
        "$(DESTDIR)$(SYSCONFDIR)/$(NAME)/collectors.d",
        "$(DESTDIR)$(DATADIR)/$(NAME)/kernel-series.toml",
    ] {
        assert!(makefile.contains(want), "Makefile lacks {want}");
    }
}

#[test]
fn man_page_and_completions_come_from_the_command_line_definition() {
    let gen = |what: &str| {
        String::from_utf8(
            bin()
                .args(["generate", what])
                .assert()
                .success()
                .get_output()
                .stdout
                .clone(),
        )
        .unwrap()
    };
    let man = gen("man");
    assert!(man.contains(".TH mptcp-get-debug 1"), "{man}");
    for want in [
        "\\fB\\-\\-reproduce\\fR",
        "\\fB\\-\\-kernel\\-series\\fR",
        ".SH \"EXIT STATUS\"",
        ".SH FILES",
        ".SH ENVIRONMENT",
        "MPTCP_GET_DEBUG_DATA",
        ".SH SUBCOMMANDS",
        "\\fBmptcp\\-get\\-debug merge",
    ] {
        assert!(man.contains(want), "man page lacks {want}");
    }
    assert!(
        !man.contains("generate"),
        "the hidden subcommand stays hidden"
    );
    for (shell, want) in [
        ("bash", "-o default mptcp-get-debug"),
        ("zsh", "#compdef mptcp-get-debug"),
        ("fish", "complete -c mptcp-get-debug"),
    ] {
        let text = gen(shell);
        assert!(text.contains(want), "{shell}: {want}");
        for sub in ["reproduce", "merge", "unredact", "netns", "redact-key"] {
            assert!(text.contains(sub), "{shell} completion lacks {sub}");
        }
    }
    bin().args(["generate", "pdf"]).assert().code(2);
}

//! Triggers decide from the spec alone, with the spec's reason when it gives one; commands the engine
//! runs, the builtin's declared ones and what is noted when they cannot run.

use super::*;
use crate::collect::collectors::Output;
use crate::collect::run_one::run_one;
use crate::collect::source::{environment, Source};

/// A root with `files` (path, text), and a directory of recorded command outputs `(argv, stdout)`.
fn recorded(files: &[(&str, &str)], commands: &[(&str, &str)]) -> (tempfile::TempDir, Source) {
    let d = tempfile::tempdir().unwrap();
    for (p, text) in files {
        let path = d.path().join("root").join(p.trim_start_matches('/'));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    std::fs::create_dir_all(d.path().join("root")).unwrap();
    std::fs::create_dir_all(d.path().join("commands")).unwrap();
    for (argv, out) in commands {
        std::fs::write(d.path().join("commands").join(argv), out).unwrap();
    }
    let source = Source::Recorded {
        root: Some(d.path().join("root")),
        commands: d.path().join("commands"),
    };
    (d, source)
}

fn spec(body: &str) -> Spec {
    Spec::parse("t.toml", &format!("name='t'\ndescription='d'\n{body}")).unwrap()
}

fn skip(spec: &Spec, source: &Source) -> Option<String> {
    let env = environment(source, 1.0).unwrap();
    would_skip(
        spec,
        &Ctx {
            env: &env,
            netns: None,
            spec: Some(spec),
            shared: None,
        },
    )
}

fn run(spec: &Spec, source: &Source) -> (crate::report::Status, Output) {
    let env = environment(source, 1.0).unwrap();
    run_one(
        spec,
        &Ctx {
            env: &env,
            netns: None,
            spec: Some(spec),
            shared: None,
        },
    )
}

#[test]
fn any_paths_or_any_commands_and_the_reason_given() {
    let (_d, with_tool) = recorded(&[], &[("tool --version", "1\n")]);
    let (_e, with_file) = recorded(&[("/usr/sbin/tool", "")], &[]);
    let (_f, neither) = recorded(&[], &[]);
    let s = spec("files=['/etc/x']\n[triggers]\nany_commands=['tool', 'tool2']\nany_paths=['/usr/sbin/tool']");
    assert_eq!(skip(&s, &with_tool), None);
    assert_eq!(skip(&s, &with_file), None);
    assert_eq!(
        skip(&s, &neither).as_deref(),
        Some("none of /usr/sbin/tool, tool, tool2 exists")
    );
    let s =
        spec("files=['/etc/x']\n[triggers]\nany_commands=['tool']\nreason='tool is not installed'");
    assert_eq!(skip(&s, &neither).as_deref(), Some("tool is not installed"));
}

#[test]
fn kernel_modules_loaded_or_built_in() {
    let files = [
        ("/proc/modules", "mptcp_diag 16384 0 - Live 0x0\n"),
        ("/proc/sys/kernel/osrelease", "6.1.0\n"),
        (
            "/lib/modules/6.1.0/modules.builtin",
            "kernel/net/ipv4/tcp-diag.ko\n",
        ),
    ];
    let (_d, source) = recorded(&files, &[]);
    for (m, ok) in [
        ("mptcp_diag", true),
        ("tcp_diag", true),
        ("inet_diag", false),
    ] {
        let s = spec(&format!(
            "files=['/etc/x']\n[triggers]\nkernel_modules=['{m}']"
        ));
        assert_eq!(skip(&s, &source).is_none(), ok, "{m}");
    }
}

#[test]
fn the_source_triggers() {
    let (_d, recorded_source) = recorded(&[], &[]);
    let image = Source::Image(_d.path().join("root"));
    let s = spec("files=['/etc/x']\n[triggers]\nrunning_kernel=true");
    assert!(skip(&s, &recorded_source)
        .unwrap()
        .contains("recorded outputs"));
    let s = spec("files=['/etc/x']\n[triggers]\nthis_machine=true");
    assert!(skip(&s, &image).unwrap().contains("--root"));
    assert!(skip(&s, &recorded_source).unwrap().contains("--root"));
    let s = spec("files=['/etc/x']\n[triggers]\nlive=true");
    assert_eq!(skip(&s, &recorded_source), None);
    assert_eq!(skip(&s, &image).as_deref(), Some("needs the live system"));
    // Commands alone do not run under --root; with files, the files still are read.
    let s = spec("[[command]]\nargv=['tool']");
    assert!(skip(&s, &image).unwrap().contains("not run under --root"));
    let s = spec(
        "files=['/etc/x']\n[[command]]\nargv=['tool']\n[[command]]\nargv=['quiet']\noptional=true",
    );
    let (status, out) = run(&s, &image);
    assert_eq!(status, crate::report::Status::Ok);
    assert_eq!(
        out.notes,
        ["`tool` not run: commands are not run under --root (no recorded outputs given)"]
    );
}

#[test]
fn commands_with_an_id_are_handed_to_the_builtin_and_optional_ones_go_unnoted() {
    let (_d, source) = recorded(&[], &[("tool --x", "out\n"), ("tool --x.exit", "3")]);
    let s = spec(
        "[[command]]\nid='x'\nargv=['tool', '--x']\n[[command]]\nargv=['missing']\noptional=true\n\
         [[command]]\nargv=['absent']",
    );
    let (_, out) = run(&s, &source);
    let x = out.ran("x").unwrap();
    assert_eq!((x.stdout.as_str(), x.exit_code), ("out\n", Some(3)));
    // The failure of a command with an id is the builtin's to say; a missing optional one is quiet.
    assert_eq!(out.notes, ["`absent` not run: absent is not installed"]);
    assert_eq!(out.artifacts.len(), 1);
}

#[test]
fn a_builtin_runs_only_what_its_spec_declares() {
    let (_d, source) = recorded(&[], &[("ethtool -k eth0", "Features for eth0:\n")]);
    let env = environment(&source, 1.0).unwrap();
    let s = spec(
        "builtin='links'\n[[command]]\nid='ethtool'\nargv=['ethtool', '-k', '{interface}']\ndeferred=true",
    );
    let ctx = Ctx {
        env: &env,
        netns: None,
        spec: Some(&s),
        shared: None,
    };
    let mut out = Output::default();
    let res = ctx.run_declared("ethtool", &[("interface", &["eth0"])], &mut out);
    assert_eq!(res.stdout, "Features for eth0:\n");
    assert_eq!(out.artifacts[0].name, "ethtool_-k_eth0.txt");
    // An id the spec does not declare is not run, and a note says so.
    let res = ctx.run_declared("dmesg", &[], &mut out);
    assert!(res.missing && res.exit_code.is_none());
    assert_eq!(
        out.notes,
        ["`dmesg` not run: the t spec declares no command \"dmesg\""]
    );
    // A `{word}` without a value is not run either.
    ctx.run_declared("ethtool", &[], &mut out);
    assert!(
        out.notes[1].contains("no value for {interface}"),
        "{:?}",
        out.notes
    );
    assert_eq!(out.artifacts.len(), 1);
}

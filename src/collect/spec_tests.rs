use super::*;

fn spec(body: &str) -> Result<Spec, SpecError> {
    Spec::parse("x.toml", &format!("name='a'\ndescription='d'\n{body}"))
}

#[test]
fn rejects_unknown_keys_with_file_name() {
    let err = Spec::parse(
        "x.toml",
        "name='a'\ndescription='d'\nbuiltin='k'\nbogus=1\n",
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("x.toml: "), "{msg}");
    assert!(msg.contains("bogus"), "{msg}");
}

#[test]
fn rejects_relative_paths_and_empty_specs() {
    assert!(spec("files=['etc/x']\n").is_err());
    assert!(spec("builtin='k'\nreads=['etc/x']\n").is_err());
    assert!(spec("").is_err());
    assert!(spec("builtin='k'\ntitle='two\nlines'").is_err());
}

#[test]
fn specs_naming_a_never_read_path_are_rejected() {
    for body in [
        "files=['/etc/shadow']",
        "files=['/etc/gshadow-']",
        "files=['/proc/self/environ']",
        "files=['/proc/*/environ']",
        "files=['/etc/ssh/ssh_host_*_key']",
        "files=['/home/*/.ssh/id_rsa']",
        "files=['/etc/ssl/private/*']",
        "files=['/opt/x/server.pem']",
        "files=['/etc/NetworkManager/system-connections/*']",
        "files=['/etc/wireguard/wg0.conf']",
        "builtin='k'\nreads=['/etc/shadow']",
        "[[command]]\nargv=['cat', '/etc/shadow']",
        "[[command]]\nargv=['sh', '-c', 'cat /root/.ssh/id_ed25519']",
        "[[command]]\nargv=['tool', '--key=/etc/x.key']",
        "[[command]]\nargv=['tool']\nenv={ F = '/proc/1/mem' }",
        "[[command]]\nargv=['tool', '-']\nstdin='show /etc/shadow\\n'",
    ] {
        let msg = spec(body).unwrap_err().to_string();
        assert!(msg.starts_with("x.toml: "), "{msg}");
        assert!(
            msg.contains("is never read (") || msg.contains("which is never read ("),
            "{msg}"
        );
        assert!(!msg.contains('\n'), "{msg}");
    }
    // Merely matching one is fine (the reader skips it with a note); triggers only test existence;
    // allowlisted files are read through an allowlist only.
    for body in [
        "files=['/etc/*']",
        "files=['/etc/ssh/*']",
        "files=['/etc/os-release']\n[triggers]\npaths=['/etc/shadow']",
        "forbid=['/etc/shadow']\nbuiltin='k'",
        "builtin='k'\nallowlisted=['/etc/NetworkManager/system-connections/*']",
    ] {
        assert!(spec(body).is_ok(), "{body}");
    }
}

#[test]
fn no_embedded_spec_names_a_never_read_path() {
    for (file, text) in EMBEDDED {
        Spec::parse(file, text).unwrap();
    }
}

#[test]
fn deferred_commands_need_an_id_and_a_builtin() {
    let msg = spec("[[command]]\nargv=['ethtool', '-k', '{interface}']")
        .unwrap_err()
        .to_string();
    assert!(msg.contains("must be `deferred`"), "{msg}");
    let msg = spec("[[command]]\nargv=['dmesg']\ndeferred=true")
        .unwrap_err()
        .to_string();
    assert!(msg.contains("needs an id"), "{msg}");
    assert!(spec("builtin='k'\n[[command]]\nid='d'\nargv=['dmesg']\ndeferred=true").is_ok());
    let msg = spec("[[command]]\nid='v'\nargv=['a']\n[[command]]\nid='v'\nargv=['b']")
        .unwrap_err()
        .to_string();
    assert!(msg.contains("given twice"), "{msg}");
}

#[test]
fn declared_argv_match_word_for_word_and_by_placeholder() {
    let s = spec(
        "builtin='k'\n[[command]]\nid='e'\nargv=['ethtool', '-k', '{interface}']\ndeferred=true\n\
         [[command]]\nid='v'\nargv=['{binary}', '--version']\ndeferred=true\n\
         [[command]]\nargv=['uname', '-a']",
    )
    .unwrap();
    let v = |words: &[&str]| -> Vec<String> { words.iter().map(|s| s.to_string()).collect() };
    assert!(s.declares(&v(&["uname", "-a"])));
    assert!(!s.declares(&v(&["uname"])));
    assert!(!s.declares(&v(&["uname", "-a", "-x"])));
    assert!(s.declares(&v(&["ethtool", "-k", "eth0"])));
    // A placeholder at the end stands for one or more words; elsewhere for exactly one.
    assert!(s.declares(&v(&["ethtool", "-k", "eth0", "eth1"])));
    assert!(!s.declares(&v(&["ethtool", "-k"])));
    assert!(s.declares(&v(&["/usr/libexec/mptcpd/mptcpd", "--version"])));
    assert!(!s.declares(&v(&["--version"])));
    assert_eq!(s.command("e").unwrap().argv[0], "ethtool");
    assert_eq!(placeholder("{a b}"), None);
}

#[test]
fn specs_load_in_order() {
    let specs = load_all(&[]).unwrap();
    let keys: Vec<u32> = specs.iter().map(Spec::order_key).collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{keys:?}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("first.toml"),
        "name='first'\ndescription='d'\nfiles=['/etc/hostname']\norder=0\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("after.toml"),
        "name='after'\ndescription='d'\nfiles=['/etc/hostname']\n",
    )
    .unwrap();
    let specs = load_all(&[dir.path().to_path_buf()]).unwrap();
    assert_eq!(specs[0].name, "first");
    assert_eq!(specs.last().unwrap().name, "after");
}

#[test]
fn artifact_names() {
    let argv: Vec<String> = ["ss", "-ManiH"].iter().map(|s| s.to_string()).collect();
    assert_eq!(artifact_name_for(&argv), "ss_-ManiH.txt");
    assert_eq!(artifact_name_for_file("/etc/os-release"), "etc/os-release");
}

#[test]
fn declared_reads_cover_files_directories_and_glob_expansion() {
    let spec = Spec::parse(
        "t.toml",
        "name='t'\ndescription='d'\nfiles=['/etc/os-release']\nreads=['/proc/sys/net/mptcp', '/usr/lib/*/mptcpd/*']\nallowlisted=['/etc/NetworkManager/system-connections/*']\n",
    )
    .unwrap();
    for yes in [
        "/etc/os-release",
        "/proc/sys/net/mptcp/enabled",
        "/usr/lib/x86_64-linux-gnu/mptcpd/addr_adv.so",
        // Listed to expand the glob.
        "/usr/lib/x86_64-linux-gnu/mptcpd",
        "/etc/NetworkManager/system-connections/wifi.nmconnection",
    ] {
        assert!(spec.declares_read(yes), "{yes}");
    }
    for no in [
        "/etc/shadow",
        "/etc/os-release.d/x",
        "/proc/sys/net/ipv4/conf/all/rp_filter",
        "/usr/lib64/mptcpd/x.so",
        "/root/.ssh/id_rsa",
    ] {
        assert!(!spec.declares_read(no), "{no}");
    }
}

#[test]
fn a_spec_error_names_the_line_it_is_on() {
    let err = |text: &str| Spec::parse("x.toml", text).unwrap_err().to_string();
    let e = err("name = \"x\"\ndescription = \"d\"\nbogus = 1\n");
    assert!(e.starts_with("x.toml: unknown field `bogus`"), "{e}");
    assert!(e.ends_with("(line 3)"), "{e}");
    // Unclosed at the end of the file: the last line.
    let e = err("name = \"x\"\ndescription = \"d\"\nfiles = [ \"/a\"\n");
    assert!(e.ends_with("(line 3)"), "{e}");
    let e = err("name = 1\n");
    assert!(e.ends_with("(line 1)"), "{e}");
}

#[test]
fn after_names_other_collectors() {
    let err = |text: &str| Spec::parse("x.toml", text).unwrap_err().to_string();
    let base = "name = \"x\"\ndescription = \"d\"\nfiles = [\"/etc/x\"]\n";
    assert!(err(&format!("{base}after = [\"x\"]\n")).contains("after: \"x\""));
    assert!(err(&format!("{base}after = [\"Bad Name\"]\n")).contains("after: \"Bad Name\""));
    let ok = Spec::parse("x.toml", &format!("{base}after = [\"mib\", \"sockets\"]\n")).unwrap();
    assert_eq!(ok.after, ["mib", "sockets"]);
}

//! The sealed reader, run with both resolvers over one tree of hostile links built in a temp dir.

use super::*;
use std::os::unix::fs::symlink;

const BOTH: [Resolver; 2] = [Resolver::Openat2, Resolver::Components];

/// A root with an image's files, and a "host" file next to it that nothing may reach.
struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    fn new() -> Tree {
        let dir = tempfile::tempdir().unwrap();
        let t = Tree { dir };
        std::fs::write(t.dir.path().join("host-secret"), "HOST-SECRET").unwrap();
        for d in [
            "root/etc/ssh",
            "root/usr/lib",
            "root/run",
            "root/deep/a/b",
            "root/dev",
        ] {
            std::fs::create_dir_all(t.dir.path().join(d)).unwrap();
        }
        t.write("etc/hostname", "image-host");
        t.write("etc/shadow", "IMAGE-SHADOW");
        t.write("etc/ssh/ssh_host_rsa_key", "IMAGE-KEY");
        t.write("usr/lib/os-release", "ID=image");
        t.link("etc/os-release", "/usr/lib/os-release");
        t.link("abs-shadow", "/etc/shadow");
        t.link("rel-shadow", "../../../../../../../../../etc/shadow");
        t.link("rel-escape", "../../../../../../../../../host-secret");
        t.link("rel-hostname", "../../../../../../../etc/hostname");
        t.link("loop-a", "loop-b");
        t.link("loop-b", "loop-a");
        t.link("self-loop", "self-loop");
        t.link("dirlink", "/etc");
        t.link("deep/a/b/up", "../../../etc");
        t.link("key-link", "etc/ssh/ssh_host_rsa_key");
        t.link("etc/ssh/current", "ssh_host_rsa_key");
        t.link("dangling", "/nowhere");
        t.link("empty-parent", "deep/a/b/up/hostname");
        // chain2 is a chain of 40 links (the most Linux follows), chain1 one of 41.
        for i in 1..41 {
            t.link(&format!("chain{i}"), &format!("chain{}", i + 1));
        }
        t.link("chain41", "etc/hostname");
        t
    }
    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }
    fn write(&self, p: &str, text: &str) {
        std::fs::write(self.root().join(p), text).unwrap();
    }
    fn link(&self, p: &str, target: &str) {
        symlink(target, self.root().join(p)).unwrap();
    }
    fn fs(&self, r: Resolver) -> Fs {
        let fs = Fs::with_resolver(self.root(), r).unwrap();
        assert_eq!(fs.resolver(), Some(r));
        fs
    }
}

fn errno(r: io::Result<String>) -> Option<i32> {
    r.err().and_then(|e| e.raw_os_error())
}

fn refusal_of(r: io::Result<String>) -> String {
    let e = r.expect_err("must be refused");
    refusal(&e)
        .unwrap_or_else(|| panic!("not a refusal: {e}"))
        .to_string()
}

#[test]
fn absolute_links_are_re_rooted() {
    let t = Tree::new();
    for r in BOTH {
        let fs = t.fs(r);
        assert_eq!(
            fs.read_to_string("/etc/os-release").unwrap(),
            "ID=image",
            "{r:?}"
        );
        assert_eq!(
            fs.read_to_string("/dirlink/hostname").unwrap(),
            "image-host"
        );
        assert_eq!(
            fs.list_dir("/dirlink").unwrap(),
            fs.list_dir("/etc").unwrap()
        );
        assert!(fs.is_file("/etc/os-release"));
        assert!(fs.exists("/dirlink/ssh"));
        assert!(!fs.exists("/dangling"));
        assert_eq!(errno(fs.read_to_string("/dangling")), Some(libc::ENOENT));
    }
    // This VM's kernel (5.6+) has openat2: it is what a run uses.
    assert_eq!(
        Fs::open(t.root()).unwrap().resolver(),
        Some(Resolver::Openat2)
    );
}

#[test]
fn dot_dot_stops_at_the_root() {
    let t = Tree::new();
    for r in BOTH {
        let fs = t.fs(r);
        for p in [
            "/rel-hostname",
            "/../../etc/hostname",
            "/usr/../../../etc/hostname",
            "/empty-parent",
        ] {
            assert_eq!(fs.read_to_string(p).unwrap(), "image-host", "{r:?} {p}");
        }
        // Clamped at the root, the escaping link names a file that is not in the image.
        assert_eq!(
            errno(fs.read_to_string("/rel-escape")),
            Some(libc::ENOENT),
            "{r:?}"
        );
        assert!(!fs.exists("/host-secret"));
        assert_eq!(
            fs.read_to_string("/deep/a/b/up/hostname").unwrap(),
            "image-host"
        );
    }
}

#[test]
fn loops_and_long_chains_fail_cleanly() {
    let t = Tree::new();
    for r in BOTH {
        let fs = t.fs(r);
        for p in ["/loop-a", "/self-loop", "/loop-a/x", "/chain1"] {
            assert_eq!(errno(fs.read_to_string(p)), Some(libc::ELOOP), "{r:?} {p}");
        }
        assert_eq!(
            fs.read_to_string("/chain2").unwrap(),
            "image-host",
            "{r:?}: 40 links"
        );
    }
}

#[test]
fn never_read_paths_are_refused_by_name_and_by_target() {
    let t = Tree::new();
    for r in BOTH {
        let fs = t.fs(r);
        assert_eq!(
            refusal_of(fs.read_to_string("/etc/shadow")),
            "never read (password hashes)"
        );
        // An escape through a directory link: refused by its own name, and resolved inside anyway.
        assert_eq!(
            refusal_of(fs.read_to_string("/dirlink/shadow")),
            "never read (password hashes)"
        );
        for (p, to) in [
            ("/abs-shadow", "/etc/shadow"),
            ("/rel-shadow", "/etc/shadow"),
            ("/dirlink/ssh/current", "/etc/ssh/ssh_host_rsa_key"),
            ("/key-link", "/etc/ssh/ssh_host_rsa_key"),
        ] {
            let why = refusal_of(fs.read_to_string(p));
            assert!(
                why.starts_with(&format!("never read: it resolves to {to} (")),
                "{r:?} {p}: {why}"
            );
        }
        // Existence is not content: triggers may still test for these.
        assert!(fs.exists("/abs-shadow"));
    }
}

#[test]
fn profiles_open_only_to_the_allowlisting_reader() {
    let t = Tree::new();
    std::fs::create_dir_all(t.root().join("etc/NetworkManager/system-connections")).unwrap();
    t.write(
        "etc/NetworkManager/system-connections/home.nmconnection",
        "[connection]\n",
    );
    t.link(
        "etc/NetworkManager/system-connections/evil.nmconnection",
        "/etc/shadow",
    );
    for r in BOTH {
        let fs = t.fs(r);
        let p = "/etc/NetworkManager/system-connections/home.nmconnection";
        assert!(refusal_of(fs.read_to_string(p)).contains("NetworkManager profiles"));
        let mut text = String::new();
        fs.open_allowlisted(p)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "[connection]\n");
        let evil = fs.open_allowlisted("/etc/NetworkManager/system-connections/evil.nmconnection");
        assert!(refusal(&evil.unwrap_err()).unwrap().contains("/etc/shadow"));
        assert!(fs.open_allowlisted("/etc/shadow").is_err());
    }
}

#[test]
fn only_regular_files_are_read() {
    let t = Tree::new();
    rustix::fs::mknodat(
        rustix::fs::CWD,
        t.root().join("run/fifo"),
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
    let _sock = std::os::unix::net::UnixListener::bind(t.root().join("run/sock")).unwrap();
    t.link("run/fifo-link", "/run/fifo");
    for r in BOTH {
        let fs = t.fs(r);
        // A FIFO without a writer would block an ordinary open forever.
        assert_eq!(
            refusal_of(fs.read_to_string("/run/fifo")),
            "not read: a FIFO, not a regular file"
        );
        assert!(refusal_of(fs.read_to_string("/run/fifo-link")).contains("FIFO"));
        assert!(refusal_of(fs.read_to_string("/run/sock")).contains("a socket"));
        assert!(refusal_of(fs.read_to_string("/etc")).contains("a directory"));
        assert!(!fs.is_file("/run/fifo"));
        assert_eq!(fs.glob("/run/*"), Vec::<String>::new());
        let live = Fs::with_resolver("/", r).unwrap();
        assert!(refusal_of(live.read_to_string("/dev/null")).contains("a character device"));
    }
}

#[test]
fn host_secret_inodes_are_refused_under_any_name() {
    let t = Tree::new();
    std::fs::hard_link(
        t.dir.path().join("host-secret"),
        t.root().join("etc/innocent"),
    )
    .unwrap();
    let meta = std::fs::metadata(t.dir.path().join("host-secret")).unwrap();
    use std::os::unix::fs::MetadataExt;
    for r in BOTH {
        let mut fs = t.fs(r);
        fs.host_secrets = Arc::new(vec![(meta.dev(), meta.ino(), "/etc/shadow")]);
        let why = refusal_of(fs.read_to_string("/etc/innocent"));
        assert_eq!(
            why,
            "never read: it is the host's /etc/shadow (password hashes)"
        );
    }
}

#[test]
fn reads_are_capped() {
    let t = Tree::new();
    let f = std::fs::File::create(t.root().join("big")).unwrap();
    f.set_len(MAX_FILE + 4096).unwrap();
    for r in BOTH {
        assert_eq!(t.fs(r).read_bytes("/big").unwrap().len() as u64, MAX_FILE);
    }
}

#[test]
fn both_resolvers_agree() {
    let t = Tree::new();
    let (a, b) = (t.fs(Resolver::Openat2), t.fs(Resolver::Components));
    let mut paths: Vec<String> = [
        "/",
        "/etc",
        "/etc/",
        "/etc/os-release",
        "/etc/os-release/",
        "/etc/hostname/..",
        "/dirlink",
        "/dirlink/",
        "/dirlink/..",
        "/deep/a/b/up",
        "/deep/a/b/up/../usr",
        "/rel-shadow",
        "/abs-shadow",
        "/dangling",
        "/loop-a",
        "/chain1",
        "/chain2",
        "/nope/x",
        "/etc/hostname/x",
        "/./etc/./ssh/",
        "/key-link",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    paths.extend(a.list_dir("/").unwrap().iter().map(|n| format!("/{n}")));
    let sealed = |fs: &Fs, p: &str| {
        let root = fs.sealed().unwrap();
        match root.resolve(p, true) {
            Ok((f, path)) => Ok((path.unwrap(), fd::fstat(f.as_fd()).unwrap().st_ino)),
            Err(e) => Err(e.raw_os_error()),
        }
    };
    // Without the path asked for, openat2 answers alone (no /proc round trip): the same file still.
    let ino = |fs: &Fs, p: &str| {
        let root = fs.sealed().unwrap();
        root.resolve(p, false)
            .map(|(f, _)| fd::fstat(f.as_fd()).unwrap().st_ino)
            .map_err(|e| e.raw_os_error())
    };
    for p in &paths {
        assert_eq!(sealed(&a, p), sealed(&b, p), "{p}");
        assert_eq!(ino(&a, p), ino(&b, p), "{p}");
        assert_eq!(ino(&a, p), sealed(&b, p).map(|(_, i)| i), "{p}");
    }
    assert_eq!(
        sealed(&a, "/etc/os-release").unwrap().0,
        "/usr/lib/os-release"
    );
    assert_eq!(sealed(&b, "/deep/a/b/up/..").unwrap().0, "/");
}

#[test]
fn the_live_system_reads_proc_per_thread_and_never_follows_magic_links() {
    for r in BOTH {
        let fs = Fs::with_resolver("/", r).unwrap();
        assert!(fs
            .read_to_string("/proc/self/status")
            .unwrap()
            .contains("Name:"));
        assert!(
            fs.read_to_string("/proc/net/dev").unwrap().contains("lo:"),
            "{r:?}"
        );
        assert!(fs.exists("/proc/sys/kernel/osrelease"));
        // /proc/PID/root, cwd and fd/N are magic links: they jump to a file object, not a path.
        for p in [
            "/proc/self/root/etc/hostname",
            "/proc/self/cwd",
            "/proc/1/root",
            "/proc/self/fd/0",
        ] {
            let e = fs.read_to_string(p).unwrap_err();
            assert!(
                matches!(e.raw_os_error(), Some(libc::ELOOP | libc::EACCES)),
                "{r:?} {p}: {e}"
            );
        }
        assert!(refusal_of(fs.read_to_string("/proc/self/environ")).contains("environment"));
        assert!(refusal_of(fs.read_to_string("/proc/thread-self/mem")).contains("memory"));
    }
}

#[test]
fn kernel_state_opens_in_one_step_only_without_links_or_mounts() {
    let fs = Fs::open("/").unwrap();
    let k = &fs.kernel_fs;
    assert!(k.proc.is_some() && k.sys.is_some());
    let opened = |p: &str| {
        k.open_file(p)
            .map(|r| r.map(|_| ()).map_err(|e| e.raw_os_error()))
    };
    // No link and no mount on the way: opened here. /proc/thread-self is named through its target.
    assert_eq!(opened("/proc/sys/kernel/osrelease"), Some(Ok(())));
    assert_eq!(opened("/proc/thread-self/net/netstat"), Some(Ok(())));
    assert_eq!(opened("/sys/kernel/uevent_seqnum"), Some(Ok(())));
    assert_eq!(
        opened("/proc/sys/no-such-file"),
        Some(Err(Some(libc::ENOENT)))
    );
    // A link on the way (/proc/self, /proc/net, sysfs's class links), or not kernel state: the sealed
    // path answers.
    for p in [
        "/proc/self/status",
        "/proc/net/dev",
        "/sys/class/net/lo/mtu",
        "/etc/hostname",
        "/proc",
    ] {
        assert!(opened(p).is_none(), "{p}");
    }
    // Both ways read the same.
    let direct = fs.read_to_string("/proc/sys/kernel/osrelease").unwrap();
    assert_eq!(
        direct,
        std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap()
    );
    assert!(fs
        .read_to_string("/proc/net/netstat")
        .unwrap()
        .starts_with("TcpExt:"));
    // The never-read list is checked before: /proc/thread-self/environ is refused, not opened, and so
    // is a path that reaches a process's environment through `..` without a link.
    assert!(refusal_of(fs.read_to_string("/proc/thread-self/environ")).contains("environment"));
    let me = std::process::id();
    for p in [
        format!("/proc/sys/../{me}/environ"),
        format!("/proc/{me}/./environ"),
        format!("/proc/{me}/task/../environ"),
    ] {
        assert!(
            refusal_of(fs.read_to_string(&p)).contains("environment"),
            "{p}"
        );
    }
    // A root that is not the live system, or the component-wise resolver: no one-step open.
    let t = Tree::new();
    assert!(Fs::open(t.root()).unwrap().kernel_fs.proc.is_none());
    let components = Fs::with_resolver("/", Resolver::Components).unwrap();
    assert!(components.kernel_fs.proc.is_none());
}

#[test]
fn the_resolved_path_reopens_without_proc() {
    let t = Tree::new();
    let root = Root::open(&t.root(), Some(Resolver::Components)).unwrap();
    let f = root.open_resolved("/etc/hostname", libc::O_RDONLY).unwrap();
    let mut text = String::new();
    std::fs::File::from(f).read_to_string(&mut text).unwrap();
    assert_eq!(text, "image-host");
    let e = root
        .open_resolved("/etc/os-release", libc::O_RDONLY)
        .unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::ELOOP));
    let e = root
        .open_resolved("/dirlink/hostname", libc::O_RDONLY)
        .unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::ENOTDIR));
}

#[test]
fn a_root_that_cannot_be_opened_fails_every_read() {
    assert!(Fs::open("/nonexistent-root-dir").is_err());
    let fs = Fs::new("/nonexistent-root-dir");
    assert!(fs.read_to_string("/etc/os-release").is_err());
    assert!(!fs.exists("/"));
}

#[test]
fn wildcards() {
    assert!(wildcard("*.conf", "a.conf"));
    assert!(!wildcard("*.conf", "a.conf~"));
    assert!(wildcard("config-?", "config-1"));
}

#[test]
fn globs_follow_links_inside_the_root() {
    let t = Tree::new();
    for r in BOTH {
        let fs = t.fs(r);
        assert_eq!(
            fs.glob("/dirlink/*"),
            [
                "/dirlink/hostname",
                "/dirlink/os-release",
                "/dirlink/shadow"
            ]
        );
    }
}

#[test]
fn a_file_past_the_cap_says_so_with_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(MAX_FILE + 12345).unwrap();
    std::fs::write(dir.path().join("small"), "abc").unwrap();
    let fs = Fs::new(dir.path());
    let t = fs.read_text("/big").unwrap();
    assert!(t.truncated);
    assert_eq!(t.text.len() as u64, MAX_FILE);
    assert_eq!(t.original_size, MAX_FILE + 12345);
    let t = fs.read_text("/small").unwrap();
    assert_eq!(
        (t.text.as_str(), t.truncated, t.original_size),
        ("abc", false, 3)
    );
}

//! The sealed root (issue 10, items 2 and 3), run through the real binary: under `--root DIR` links and
//! `..` resolve inside DIR (an image reads its own os-release, never the host's), links into the
//! never-read list are refused with a note, and specs that name a never-read path are rejected at load.
//! The reader itself is tested with both resolvers in src/sys/fs_tests.rs.

use crate::util::{bin, is_root, only_archive, unpack};
use mptcp_get_debug::report::{Data, Report, Section};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

const IMAGE_SHADOW: &str = "IMAGE-SHADOW-CANARY-5b1e";
const HOST_CANARY: &str = "HOST-OUTSIDE-ROOT-CANARY-9c4d";

/// `T/root` is the image; `T/os-release` and `T/host-canary` sit next to it, where a link that climbed
/// out of the root would find them.
struct Image {
    dir: tempfile::TempDir,
}

impl Image {
    fn new() -> Image {
        let img = Image {
            dir: tempfile::tempdir().unwrap(),
        };
        for (p, text) in [
            ("proc/sys/kernel/ostype", "Linux"),
            ("proc/sys/kernel/hostname", "sealedbox"),
            ("proc/sys/kernel/osrelease", "6.1.0-sealed"),
            ("proc/sys/kernel/version", "#1 SMP PREEMPT_DYNAMIC"),
            ("proc/sys/kernel/arch", "x86_64"),
            (
                "usr/lib/os-release",
                "NAME=\"Sealed Image Linux\"\nID=sealedimage\nPRETTY_NAME=\"Sealed Image Linux 7\"\n",
            ),
            ("etc/shadow", IMAGE_SHADOW),
            ("etc/ssh/ssh_host_ed25519_key", IMAGE_SHADOW),
            ("etc/ssh/ssh_config", "Port 22\n"),
            ("etc/hostname", "sealedbox\n"),
        ] {
            img.write(p, text);
        }
        std::fs::write(img.dir.path().join("host-canary"), HOST_CANARY).unwrap();
        std::fs::write(
            img.dir.path().join("os-release"),
            format!("ID={HOST_CANARY}\n"),
        )
        .unwrap();
        img
    }
    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }
    fn write(&self, p: &str, text: &str) {
        let p = self.root().join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    fn link(&self, p: &str, target: impl AsRef<Path>) {
        let p = self.root().join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let _ = std::fs::remove_file(&p);
        symlink(target, p).unwrap();
    }
}

/// One run's every output: (place, bytes) for each archive member, stdout and stderr, and the report.
struct Run {
    places: Vec<(String, Vec<u8>)>,
    report: Report,
}

impl Run {
    fn section(&self, name: &str) -> &Section {
        self.report
            .sections
            .iter()
            .find(|s| s.collector == name)
            .unwrap_or_else(|| panic!("no {name} section"))
    }
    fn distro_id(&self) -> Option<String> {
        self.section("distro").data.iter().find_map(|d| match d {
            Data::Distro(d) => d.fields.get("ID").cloned(),
            _ => None,
        })
    }
    fn assert_absent(&self, canaries: &[String]) {
        for (place, bytes) in &self.places {
            let text = String::from_utf8_lossy(bytes);
            for c in canaries {
                assert!(
                    !text.contains(c.as_str()),
                    "{c:?} leaked in {place}:\n{text}"
                );
            }
        }
    }
}

fn run(root: &Path, extra: &[&str]) -> Run {
    let out = tempfile::tempdir().unwrap();
    let res = bin()
        .arg("--root")
        .arg(root)
        .arg("-o")
        .arg(out.path())
        .args(["--batch", "--no-redact"])
        .args(extra)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .success();
    let o = res.get_output();
    let mut places = unpack(&only_archive(out.path()));
    let report = places
        .iter()
        .find(|(p, _)| p == "report.json")
        .map(|(_, d)| serde_json::from_slice(d).unwrap())
        .unwrap();
    places.push(("stdout".into(), o.stdout.clone()));
    places.push(("stderr".into(), o.stderr.clone()));
    Run { places, report }
}

/// What must never show up, whatever the image holds: the canaries, and (when this user can read
/// them) every line of the host's own /etc/shadow and the host's distro name.
fn forbidden(expect_image_distro: bool) -> Vec<String> {
    let mut c = vec![IMAGE_SHADOW.to_string(), HOST_CANARY.to_string()];
    match std::fs::read_to_string("/etc/shadow") {
        Ok(shadow) => c.extend(shadow.lines().filter(|l| l.len() > 12).map(str::to_string)),
        Err(e) => eprintln!("the host's /etc/shadow is not checked: {e} (run as root to check it)"),
    }
    if expect_image_distro {
        let host = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
        if let Some(name) = host
            .lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .filter(|n| !n.contains("Sealed Image"))
        {
            c.push(name.trim_matches('"').to_string());
        }
    }
    c
}

#[test]
fn an_image_reads_its_own_os_release_through_an_absolute_link() {
    let img = Image::new();
    img.link("etc/os-release", "/usr/lib/os-release");
    let r = run(&img.root(), &[]);
    assert_eq!(r.distro_id().as_deref(), Some("sealedimage"));
    let stdout = &r.places.iter().find(|(p, _)| p == "stdout").unwrap().1;
    assert!(String::from_utf8_lossy(stdout).contains("PRETTY_NAME=\"Sealed Image Linux 7\""));
    r.assert_absent(&forbidden(true));
}

#[test]
fn links_that_climb_out_of_the_root_stay_inside_it() {
    let outside = Image::new();
    let host_canary = outside.dir.path().join("host-canary");
    // (link target of etc/os-release, what the distro section notes about it)
    let cases: Vec<(PathBuf, Option<&str>)> = vec![
        // Absolute and relative links to /etc/shadow land on the image's own, which is never read.
        (
            "/etc/shadow".into(),
            Some("never read: it resolves to /etc/shadow (password hashes)"),
        ),
        (
            "../../../../../../../../../../etc/shadow".into(),
            Some("never read: it resolves to /etc/shadow (password hashes)"),
        ),
        (
            "../usr/../etc/./ssh/ssh_host_ed25519_key".into(),
            Some("never read: it resolves to /etc/ssh/ssh_host_ed25519_key"),
        ),
        // A link to a file next to the root: clamped at the root (or re-rooted), it names nothing.
        ("../../host-canary".into(), None),
        (host_canary.clone(), None),
        // A loop fails cleanly.
        (
            "os-release".into(),
            Some("Too many levels of symbolic links"),
        ),
    ];
    for (target, note) in cases {
        let img = Image::new();
        img.link("etc/os-release", &target);
        img.link("etc/link-to-host", &host_canary);
        let r = run(&img.root(), &[]);
        // /usr/lib/os-release, the image's own, is what the report shows.
        assert_eq!(r.distro_id().as_deref(), Some("sealedimage"), "{target:?}");
        let notes = &r.section("distro").notes;
        match note {
            Some(n) => assert!(
                notes
                    .iter()
                    .any(|x| x.starts_with("/etc/os-release: ") && x.contains(n)),
                "{target:?}: {notes:?}"
            ),
            None => assert!(notes.is_empty(), "{target:?}: {notes:?}"),
        }
        r.assert_absent(&forbidden(true));
    }
}

#[test]
fn an_escape_through_a_directory_link_stays_inside() {
    for etc in ["../", "../..", "/"] {
        let img = Image::new();
        std::fs::remove_dir_all(img.root().join("etc")).unwrap();
        // Unclamped, etc/os-release would be the host-side T/os-release (or the host's /etc/os-release).
        let target: PathBuf = if etc == "/" {
            img.dir.path().to_path_buf()
        } else {
            etc.into()
        };
        img.link("etc", &target);
        let r = run(&img.root(), &[]);
        assert_eq!(
            r.distro_id().as_deref(),
            Some("sealedimage"),
            "etc -> {target:?}"
        );
        r.assert_absent(&forbidden(true));
    }
}

/// A FIFO (which would block an ordinary open) or a device node (whose open alone may do something)
/// in place of os-release is noted, never opened for reading, and the run does not wait.
#[test]
fn special_files_under_the_root_are_never_opened_for_reading() {
    let mut cases = vec![("mkfifo", vec![], "not read: a FIFO, not a regular file")];
    if is_root() {
        // /dev/zero's numbers: a read would never end.
        cases.push((
            "mknod",
            vec!["c", "1", "5"],
            "not read: a character device, not a regular file",
        ));
    } else {
        eprintln!("device node case skipped: mknod needs root");
    }
    for (tool, args, note) in cases {
        let img = Image::new();
        let p = img.root().join("etc/os-release");
        let made = std::process::Command::new(tool)
            .arg(&p)
            .args(&args)
            .status()
            .unwrap();
        assert!(made.success(), "{tool}");
        let r = run(&img.root(), &["--only", "distro", "--timeout", "0.1"]);
        let s = r.section("distro");
        assert_eq!(
            r.distro_id().as_deref(),
            Some("sealedimage"),
            "{tool}: {:?}",
            s.status
        );
        assert!(
            s.notes
                .iter()
                .any(|n| n == &format!("/etc/os-release: {note}")),
            "{tool}: {:?}",
            s.notes
        );
    }
}

/// A spec directory with one spec whose body is `body`.
fn spec_dir(body: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("extra.toml"),
        format!("name = \"extra\"\ndescription = \"test spec\"\n{body}\n"),
    )
    .unwrap();
    d
}

#[test]
fn a_spec_that_names_a_never_read_path_is_rejected_at_load() {
    let img = Image::new();
    for (body, path, why) in [
        (
            "files = [\"/etc/shadow\"]",
            "/etc/shadow",
            "password hashes",
        ),
        (
            "files = [\"/etc/gshadow-\"]",
            "/etc/gshadow-",
            "password hashes",
        ),
        (
            "files = [\"/proc/self/environ\"]",
            "/proc/self/environ",
            "environment",
        ),
        ("files = [\"/proc/*/mem\"]", "/proc/*/mem", "memory"),
        ("files = [\"/proc/kcore\"]", "/proc/kcore", "kernel memory"),
        (
            "files = [\"/etc/ssh/ssh_host_*_key\"]",
            "/etc/ssh/ssh_host_*_key",
            "SSH keys",
        ),
        (
            "files = [\"/root/.ssh/id_ed25519\"]",
            "/root/.ssh/id_ed25519",
            "SSH keys",
        ),
        (
            "files = [\"/home/*/.ssh/authorized_keys\"]",
            "/home/*/.ssh/authorized_keys",
            "SSH keys",
        ),
        (
            "files = [\"/etc/ssl/private/*\"]",
            "/etc/ssl/private/*",
            "private keys",
        ),
        (
            "files = [\"/srv/tls/server.key\"]",
            "/srv/tls/server.key",
            "private keys",
        ),
        (
            "files = [\"/srv/tls/*.pem\"]",
            "/srv/tls/*.pem",
            "private keys",
        ),
        (
            "files = [\"/home/*/.local/share/keyrings/*\"]",
            "/home/*/.local/share/keyrings/*",
            "keyrings",
        ),
        (
            "files = [\"/etc/wireguard/wg0.conf\"]",
            "/etc/wireguard/wg0.conf",
            "VPN",
        ),
        (
            "files = [\"/var/lib/NetworkManager/secret_key\"]",
            "/var/lib/NetworkManager/secret_key",
            "NetworkManager secrets",
        ),
        (
            "files = [\"/etc/NetworkManager/system-connections/*\"]",
            "/etc/NetworkManager/system-connections/*",
            "keyfile allowlist",
        ),
        (
            "files = [\"/etc/machine-id\"]",
            "/etc/machine-id",
            "identifier",
        ),
        (
            "[[command]]\nargv = [\"cat\", \"/etc/shadow\"]",
            "/etc/shadow",
            "password hashes",
        ),
    ] {
        let specs = spec_dir(body);
        let out = tempfile::tempdir().unwrap();
        let res = bin()
            .arg("--root")
            .arg(img.root())
            .arg("--collectors-dir")
            .arg(specs.path())
            .arg("-o")
            .arg(out.path())
            .arg("--batch")
            .assert()
            .failure()
            // A configuration error, like every usage error.
            .code(2);
        let err = String::from_utf8_lossy(&res.get_output().stderr).into_owned();
        let file = specs.path().join("extra.toml").display().to_string();
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(
            err.contains(&format!("{file}: ")) && err.contains(path) && err.contains(why),
            "{body}: {err}"
        );
        assert_eq!(
            std::fs::read_dir(out.path()).unwrap().count(),
            0,
            "nothing written"
        );
    }
}

#[test]
fn a_glob_skips_never_read_matches_with_a_note() {
    let img = Image::new();
    img.link("etc/innocent", "/etc/shadow");
    img.write("etc/machine-id", "0123456789abcdef0123456789abcdef\n");
    img.write("etc/ssl/private/site.key", IMAGE_SHADOW);
    img.link("etc/site", "ssl/private/site.key");
    let specs = spec_dir("files = [\"/etc/*\", \"/etc/ssh/*\"]");
    let r = run(
        &img.root(),
        &["--collectors-dir", &specs.path().display().to_string()],
    );
    let s = r.section("extra");
    let names: Vec<&str> = s.artifacts.iter().map(|a| a.name.as_str()).collect();
    assert!(
        names.contains(&"etc/ssh/ssh_config") && names.contains(&"etc/hostname"),
        "{names:?}"
    );
    for n in [
        "/etc/shadow: never read (password hashes)",
        "/etc/innocent: never read: it resolves to /etc/shadow (password hashes)",
        "/etc/site: never read: it resolves to /etc/ssl/private/site.key (private keys)",
        "/etc/machine-id: never read (the machine's permanent identifier)",
        "/etc/ssh/ssh_host_ed25519_key: never read (SSH keys and trust files)",
    ] {
        assert!(s.notes.iter().any(|x| x == n), "{n:?} not in {:?}", s.notes);
    }
    let mut forbidden = forbidden(false);
    forbidden.push("0123456789abcdef0123456789abcdef".into());
    r.assert_absent(&forbidden);
}

/// The same reader serves the live system: a glob over the host's /etc skips its shadow files.
#[test]
fn a_live_glob_over_etc_never_reads_the_hosts_shadow() {
    if !is_root() {
        eprintln!("skipped: needs root (the host's /etc/shadow is unreadable otherwise)");
        return;
    }
    let specs = spec_dir("files = [\"/etc/*\"]");
    let out = tempfile::tempdir().unwrap();
    let res = bin()
        .arg("--collectors-dir")
        .arg(specs.path())
        .args(["--only", "extra", "--batch", "--no-redact", "-o"])
        .arg(out.path())
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .success();
    let mut places = unpack(&only_archive(out.path()));
    let report: Report = places
        .iter()
        .find(|(p, _)| p == "report.json")
        .map(|(_, d)| serde_json::from_slice(d).unwrap())
        .unwrap();
    places.push(("stdout".into(), res.get_output().stdout.clone()));
    places.push(("stderr".into(), res.get_output().stderr.clone()));
    let r = Run { places, report };
    if Path::new("/etc/shadow").exists() {
        assert!(
            r.section("extra")
                .notes
                .iter()
                .any(|n| n == "/etc/shadow: never read (password hashes)"),
            "{:?}",
            r.section("extra").notes
        );
    }
    r.assert_absent(&forbidden(false));
}

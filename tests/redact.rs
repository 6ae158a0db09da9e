//! Redaction as users rely on it: no canary (secret or identity) in any archive member or on stdout,
//! secrets gone even with --no-redact, consistent mappings within a run and across runs sharing a key
//! file, prefix preservation, and `unredact` giving the originals back.

use crate::util::{bin, fixture, fixture_args, only_archive, unpack};
use mptcp_get_debug::redact::{IpCipher, PrivateMap};
use mptcp_get_debug::report::Report;
use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

const SECRETS: &[&str] = &[
    "CanaryPsk-Wifi-Secret",
    "CanaryVpnPass-99",
    "CANARYwgPrivKey",
    "CANARYwgPreshared",
    "CanaryJsonPass",
];

const IDENTITIES: &[&str] = &[
    "canarybox",
    "acme-corp",
    "acme_corp",
    "CanarySSID",
    "HomeNet-Canary",
    "CanaryVPN",
    "canaryuser",
    "10.77.",
    "10-77-1-5",
    "93.184.216.34",
    "2a01:cb00:77",
    "2a01:cb00:78",
    "fd77:1::1",
    "5054:ff:fec4:7a11",
    "52:54:00:c4:7a",
];

struct Run {
    dir: tempfile::TempDir,
    stdout: String,
}

impl Run {
    fn archive(&self) -> PathBuf {
        only_archive(self.dir.path())
    }
    fn members(&self) -> Vec<(String, Vec<u8>)> {
        unpack(&self.archive())
    }
    fn member(&self, path: &str) -> String {
        let m = self.members();
        let (_, data) = m
            .iter()
            .find(|(p, _)| p == path)
            .unwrap_or_else(|| panic!("no {path}"));
        String::from_utf8(data.clone()).unwrap()
    }
    fn map_path(&self) -> PathBuf {
        PathBuf::from(format!("{}.map.json", self.archive().display()))
    }
    fn map(&self) -> PrivateMap {
        PrivateMap::load(&self.map_path()).unwrap()
    }
    fn encrypted(&self, class: &str, original: &str) -> String {
        self.map().classes[class][original].clone()
    }
}

fn canary(extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(fixture_args("canary"))
        .arg("--collectors-dir")
        .arg(fixture("canary").join("collectors"))
        .arg("-o")
        .arg(dir.path())
        .args(["--batch", "-q"])
        // The opt-in iproute2 text too: one more place a canary could leak.
        .args(["--with", "iproute2"])
        .args(extra)
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    Run { dir, stdout }
}

/// Every place a canary could leak: each member's path and bytes, stdout, the archive's name.
fn assert_absent(run: &Run, canaries: &[&str]) {
    let mut places: Vec<(String, String)> = run
        .members()
        .into_iter()
        .map(|(p, d)| (p.clone(), format!("{p}\n{}", String::from_utf8_lossy(&d))))
        .collect();
    assert!(places.len() > 15, "too few members: {places:?}");
    places.push(("stdout".into(), run.stdout.clone()));
    let name = run
        .archive()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    places.push(("archive name".into(), name));
    for (place, text) in &places {
        let lower = text.to_lowercase();
        for c in canaries {
            assert!(
                !lower.contains(&c.to_lowercase()),
                "{c:?} leaked in {place}:\n{text}"
            );
        }
    }
}

#[test]
fn no_canary_in_any_member_or_stdout() {
    let run = canary(&[]);
    assert_absent(&run, SECRETS);
    assert_absent(&run, IDENTITIES);
    // The map is next to the archive, private, and names what it hid.
    let map_path = run.map_path();
    assert_eq!(
        std::fs::metadata(&map_path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let map_text = std::fs::read_to_string(&map_path).unwrap();
    for c in [
        "canarybox",
        "canaryuser",
        "HomeNet-Canary",
        "10.77.1.5",
        "52:54:00:c4:7a:11",
    ] {
        assert!(map_text.contains(c), "{c} missing from the map");
    }
    for s in SECRETS {
        assert!(!map_text.contains(s), "the map must not hold secrets: {s}");
    }
    let map = run.map();
    for (_, data) in run.members() {
        assert!(
            !String::from_utf8_lossy(&data).contains(&map.key),
            "the key is in the archive"
        );
    }
    let report: Report = serde_json::from_str(&run.member("report.json")).unwrap();
    let r = report.redaction.as_ref().unwrap();
    assert!(r.enabled);
    assert_eq!(
        r.map_file.as_deref(),
        map_path.file_name().and_then(|n| n.to_str())
    );
    assert_eq!(r.counts["secret"], 5);
    // The user, and the kernel's builder in /proc/version (`mockbuild@builder`).
    assert_eq!((r.counts["user"], r.counts["mac"]), (2, 2));
    let summary = run.member("summary.md");
    assert!(
        summary.contains("Redaction: applied") && summary.contains("5 secret"),
        "{summary}"
    );
}

#[test]
fn an_output_dir_under_home_does_not_leak_the_user_name() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("home/bobthebuilder/reports");
    std::fs::create_dir_all(&out).unwrap();
    let run = bin()
        .args(fixture_args("modern"))
        .arg("-o")
        .arg(&out)
        .args(["--batch", "-q"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    assert!(
        stdout.contains("/home/user-1/reports/mptcp-debug-host-1-"),
        "{stdout}"
    );
    for (path, data) in unpack(&only_archive(&out)) {
        assert!(
            !String::from_utf8_lossy(&data).contains("bobthebuilder"),
            "leaked in {path}"
        );
    }
}

#[test]
fn no_redact_keeps_identities_but_never_secrets() {
    let run = canary(&["--no-redact"]);
    assert_absent(&run, SECRETS);
    let log = run.member("raw/canary/var/log/canary.log");
    assert!(
        log.contains("canarybox") && log.contains("10.77.1.5"),
        "{log}"
    );
    assert!(!run.map_path().exists(), "no map without redaction");
    assert!(run.member("summary.md").contains("Redaction: off"));
}

#[test]
fn same_address_in_different_files_maps_the_same() {
    let run = canary(&[]);
    let a = run.encrypted("ipv4", "10.77.1.5");
    let v6 = run.encrypted("ipv6", "2a01:cb00:77::5");
    for member in [
        "raw/sockets/ss_-ManiH.txt",
        "raw/iproute2/ip_mptcp_endpoint_show.txt",
        "raw/canary/var/log/canary.log",
        "raw/canary/var/backups/NetworkManager/conn-2.nmconnection",
    ] {
        let text = run.member(member);
        assert!(
            text.contains(&a) && text.contains(&v6),
            "{member} lacks {a} / {v6}:\n{text}"
        );
    }
    // Typed fields stay typed: the endpoint's address is the same encrypted address.
    let report: Report = serde_json::from_str(&run.member("report.json")).unwrap();
    let eps = report.endpoints(None).unwrap();
    assert_eq!(eps[0].addr, a.parse::<IpAddr>().unwrap());
    assert!(
        eps[2].addr.to_string().starts_with("fe80::"),
        "link-local keeps its prefix"
    );
    // A dashed address inside a host name is the same address.
    assert!(run
        .member("raw/canary/var/log/canary.log")
        .contains(&format!("ip-{}.ec2", a.replace('.', "-"))));
}

#[test]
fn a_shared_key_file_gives_the_same_mapping_and_another_key_does_not() {
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("bug-1234.key");
    let k = key.to_str().unwrap();
    let one = canary(&["--redact-key", k]);
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let two = canary(&["--redact-key", k]);
    assert_eq!(one.map().classes, two.map().classes);
    assert_eq!(one.map().key, std::fs::read_to_string(&key).unwrap().trim());
    let other = canary(&[
        "--redact-key",
        keys.path().join("other.key").to_str().unwrap(),
    ]);
    assert_ne!(
        one.encrypted("ipv4", "10.77.1.5"),
        other.encrypted("ipv4", "10.77.1.5")
    );
    assert_ne!(
        one.encrypted("ipv6", "2a01:cb00:77::5"),
        other.encrypted("ipv6", "2a01:cb00:77::5")
    );
}

#[test]
fn bad_key_file_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k");
    for (content, want) in [
        ("not a key\n", "hex digits"),
        (&"ab".repeat(16).repeat(2)[..], "halves"),
    ] {
        std::fs::write(&key, content).unwrap();
        let out = bin()
            .args(fixture_args("canary"))
            .args(["--no-archive", "--batch", "--redact-key"])
            .arg(&key)
            .assert()
            .failure();
        let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(
            err.contains("--redact-key") && err.contains(want) && err.trim().lines().count() == 1,
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn unredact_gives_the_originals_back() {
    let run = canary(&[]);
    let redacted = run.member("raw/canary/var/log/canary.log");
    let original =
        std::fs::read_to_string(fixture("canary").join("root/var/log/canary.log")).unwrap();
    // What cannot come back: the secret, and the spelling of variants (case, `_` for `.`, the
    // uncompressed IPv6 notation) since each maps to one original.
    let want = original
        .replace("CanaryJsonPass", "[REDACTED]")
        .replace("CANARYBOX", "canarybox")
        .replace("canarybox_acme-corp_net", "canarybox.acme-corp.net")
        .replace("2a01:cb00:77:0:0:0:0:5", "2a01:cb00:77::5");
    let file = run.dir.path().join("question.txt");
    std::fs::write(&file, &redacted).unwrap();
    let map = run.map_path();
    let from_file = bin()
        .arg("unredact")
        .arg("--map")
        .arg(&map)
        .arg(&file)
        .assert()
        .success();
    assert_eq!(
        String::from_utf8_lossy(&from_file.get_output().stdout),
        want
    );
    let from_stdin = bin()
        .arg("unredact")
        .arg("--map")
        .arg(&map)
        .arg("-")
        .write_stdin(redacted.clone())
        .assert()
        .success();
    assert_eq!(
        String::from_utf8_lossy(&from_stdin.get_output().stdout),
        want
    );
    // A maintainer's question, as text.
    let a = run.encrypted("ipv4", "10.77.1.5");
    let q = format!("what is {a} on host-1?");
    let asked = bin()
        .arg("unredact")
        .arg("--map")
        .arg(&map)
        .arg(&q)
        .assert()
        .success();
    assert_eq!(
        String::from_utf8_lossy(&asked.get_output().stdout),
        "what is 10.77.1.5 on canarybox?"
    );
    let bad = bin()
        .args(["unredact", "--map"])
        .arg(&file)
        .arg("x")
        .assert()
        .failure();
    assert!(String::from_utf8_lossy(&bad.get_output().stderr).contains("not a redaction map"));
}

fn cipher() -> IpCipher {
    IpCipher::new(&mptcp_get_debug::redact::generate_key())
}

fn common_prefix(a: IpAddr, b: IpAddr) -> u32 {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u32::from(a) ^ u32::from(b)).leading_zeros(),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a) ^ u128::from(b)).leading_zeros(),
        _ => panic!("family changed"),
    }
}

fn check_pair(c: &mut IpCipher, a: IpAddr, b: IpAddr) -> Result<(), TestCaseError> {
    // Kept addresses (loopback, multicast, ...) and link-local are not plain encryptions.
    let ll = |x: IpAddr| matches!(x, IpAddr::V6(v) if v.segments()[0] & 0xffc0 == 0xfe80);
    if ll(a) || ll(b) {
        return Ok(());
    }
    if let (Some(ea), Some(eb)) = (c.encrypt(a), c.encrypt(b)) {
        prop_assert_eq!(ea.is_ipv4(), a.is_ipv4());
        prop_assert_eq!(
            common_prefix(a, b),
            common_prefix(ea, eb),
            "{} {} -> {} {}",
            a,
            b,
            ea,
            eb
        );
    }
    Ok(())
}

proptest! {
    #[test]
    fn prefix_preserved_v4(a: u32, flip in 0u32..32, noise: u32) {
        // b shares exactly `flip` leading bits with a (then random bits).
        let low = u32::MAX.checked_shr(flip + 1).unwrap_or(0);
        let b = ((a ^ (1u32 << (31 - flip))) & !low) | (noise & low);
        check_pair(&mut cipher(), IpAddr::V4(Ipv4Addr::from(a)), IpAddr::V4(Ipv4Addr::from(b)))?;
    }

    #[test]
    fn prefix_preserved_v6(a: u128, flip in 0u32..128, noise: u128) {
        let low = u128::MAX.checked_shr(flip + 1).unwrap_or(0);
        let b = ((a ^ (1u128 << (127 - flip))) & !low) | (noise & low);
        check_pair(&mut cipher(), IpAddr::V6(Ipv6Addr::from(a)), IpAddr::V6(Ipv6Addr::from(b)))?;
    }
}

//! The archive as users and CI jobs get it: name, mode 0600, members, a report.json that parses back,
//! atomic writes, and clear errors.

use crate::util::{bin, fixture_args, is_root, only_archive, unpack};
use mptcp_get_debug::report::Report;
use std::os::unix::fs::PermissionsExt;

#[test]
fn members_mode_and_report_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(fixture_args("modern"))
        .args(["-o"])
        .arg(dir.path())
        .arg("--batch")
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let path = only_archive(dir.path());
    assert!(
        stderr.contains(&path.display().to_string()),
        "the final path is printed: {stderr}"
    );
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("mptcp-debug-") && name.ends_with("Z.tar.gz"),
        "{name}"
    );
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let members = unpack(&path);
    let names: Vec<&str> = members.iter().map(|(p, _)| p.as_str()).collect();
    for want in [
        "summary.md",
        "report.json",
        "manifest.json",
        "raw/sysctl/sysctl_net.mptcp.txt",
        "raw/iproute2/ip_mptcp_endpoint_show.txt",
        "raw/iproute2/ip_mptcp_limits_show.txt",
        "raw/sockets/ss_-ManiH.txt",
        "raw/nstat/nstat_-zas.txt",
        "raw/mib/proc/net/netstat",
        "raw/distro/etc/os-release",
        "raw/endpoints/endpoints.txt",
        "raw/limits/limits.txt",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    let report: Report =
        serde_json::from_slice(&members.iter().find(|(p, _)| p == "report.json").unwrap().1)
            .unwrap();
    assert_eq!(report.meta.mode.as_str(), "collect");
    let manifest: serde_json::Value = serde_json::from_slice(
        &members
            .iter()
            .find(|(p, _)| p == "manifest.json")
            .unwrap()
            .1,
    )
    .unwrap();
    assert_eq!(manifest["version"], env!("CARGO_PKG_VERSION"));
    assert!(manifest["collectors"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["status"].is_string() && c["duration_ms"].is_number()));
    assert!(
        manifest["uid"].is_number()
            && manifest["args"].is_array()
            && manifest["started_at"].is_string()
    );
    let summary = String::from_utf8(
        members
            .iter()
            .find(|(p, _)| p == "summary.md")
            .unwrap()
            .1
            .clone(),
    )
    .unwrap();
    assert!(
        summary.contains(&name),
        "the summary says where the archive is"
    );
    // No temporary file is left behind.
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1 + usize::from(dir.path().join(format!("{name}.map.json")).exists())
    );
}

#[test]
fn unwritable_output_is_a_clear_error_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    let missing = dir.path().join("missing");
    let out = bin()
        .args(fixture_args("modern"))
        .arg("-o")
        .arg(&missing)
        .assert()
        .failure()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("--output") && err.contains("missing"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    if is_root() {
        // Root ignores directory permissions; a file in place of the directory still cannot be written into.
        let file = dir.path().join("file");
        std::fs::write(&file, "x").unwrap();
        let out = bin()
            .args(fixture_args("modern"))
            .arg("-o")
            .arg(&file)
            .assert()
            .failure();
        assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("not a directory"));
    } else {
        let out = bin()
            .args(fixture_args("modern"))
            .arg("-o")
            .arg(&ro)
            .assert()
            .failure()
            .code(3);
        let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(err.contains(&ro.display().to_string()), "{err}");
        assert_eq!(
            std::fs::read_dir(&ro).unwrap().count(),
            0,
            "nothing half-written"
        );
    }
}

#[test]
fn atomic_write_cleans_up_on_failure() {
    let dir = tempfile::tempdir().unwrap();
    let members = vec![mptcp_get_debug::archive::Member {
        path: "a".into(),
        data: b"x".to_vec(),
    }];
    let p = mptcp_get_debug::archive::write(dir.path(), "t", &members, 0).unwrap();
    // A second write under the same name refuses instead of replacing the first archive.
    let err = mptcp_get_debug::archive::write(dir.path(), "t", &members, 0)
        .unwrap_err()
        .to_string();
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    assert_eq!(unpack(&p), vec![("a".to_string(), b"x".to_vec())]);
}

/// An archive re-compressed by a tool that writes several gzip members (`gzip` on concatenated input,
/// pigz) reads back whole.
#[test]
fn a_multi_member_gzip_archive_reads_back() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let members = vec![mptcp_get_debug::archive::Member {
        path: "a.txt".into(),
        data: vec![b'x'; 3000],
    }];
    let p = mptcp_get_debug::archive::write(dir.path(), "t", &members, 0).unwrap();
    let mut tar_bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(&p).unwrap()),
        &mut tar_bytes,
    )
    .unwrap();
    let (a, b) = tar_bytes.split_at(tar_bytes.len() / 2);
    let mut out = Vec::new();
    for part in [a, b] {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(part).unwrap();
        out.extend(e.finish().unwrap());
    }
    let multi = dir.path().join("multi.tar.gz");
    std::fs::write(&multi, out).unwrap();
    assert_eq!(
        unpack(&multi),
        vec![("a.txt".to_string(), vec![b'x'; 3000])]
    );
}

//! The archive as users and CI jobs get it: name, mode 0600, members, a report.json that parses back,
//! atomic writes, and clear errors.

use crate::util::{bin, fixture_args, is_root, only_archive, unpack, OkStdout};
use mptcp_get_debug::report::Report;
use std::os::unix::fs::PermissionsExt;

/// iproute2's own text is opt-in (the endpoints and limits collectors give it byte for byte without a
/// program per namespace): absent by default, there with `--with iproute2` or `--only iproute2`.
#[test]
fn opt_in_collector_runs_only_when_named() {
    let members_with = |extra: &[&str]| {
        let dir = tempfile::tempdir().unwrap();
        bin()
            .args(fixture_args("modern"))
            .arg("-o")
            .arg(dir.path())
            .args(["--batch", "-q"])
            .args(extra)
            .assert()
            .success();
        let names: Vec<String> = unpack(&only_archive(dir.path()))
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        names
    };
    let endpoint_text = "raw/iproute2/ip_mptcp_endpoint_show.txt";
    let default = members_with(&[]);
    assert!(
        !default.iter().any(|n| n.starts_with("raw/iproute2/")),
        "{default:?}"
    );
    assert!(default.iter().any(|n| n == "raw/endpoints/endpoints.txt"));
    for extra in [
        &["--with", "iproute2"][..],
        &["--with", "*"],
        &["--only", "iproute2"],
    ] {
        let names = members_with(extra);
        assert!(
            names.iter().any(|n| n == endpoint_text),
            "{extra:?}: {names:?}"
        );
        assert!(names
            .iter()
            .any(|n| n == "raw/iproute2/ip_mptcp_limits_show.txt"));
    }
    // Unknown names are usage errors naming the option; `*` is for --with only.
    for (flag, name) in [("--with", "nosuch"), ("--skip", "*"), ("--only", "*")] {
        let out = bin()
            .args(fixture_args("modern"))
            .args(["--batch", "--no-archive", flag, name])
            .assert()
            .code(2);
        let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(
            err.contains(&format!("{flag}: unknown collector \"{name}\""))
                && err.lines().count() == 1,
            "{err}"
        );
    }
}

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

/// report.json is written in one pass into the compressed stream (its tar header patched in once its
/// size is known) and `--format json` is streamed to stdout: both give the same bytes, every member
/// reads back with a plain tar reader over a single-member gzip decoder, and the headers say what
/// the archive always said (mode 0600, the run's start as mtime, sizes that match).
#[test]
fn streamed_report_json_is_the_stdout_json_and_a_plain_tar() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let stdout = bin()
        .args(fixture_args("modern"))
        .args(["--batch", "-q", "--format", "json", "-o"])
        .arg(dir.path())
        .ok_stdout();
    let path = only_archive(dir.path());
    let file = std::fs::File::open(&path).unwrap();
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut seen = Vec::new();
    for e in tar.entries().unwrap() {
        let mut e = e.unwrap();
        let h = e.header().clone();
        let mut data = Vec::new();
        e.read_to_end(&mut data).unwrap();
        assert_eq!(h.size().unwrap(), data.len() as u64);
        assert_eq!(h.mode().unwrap(), 0o600);
        assert!(h.mtime().unwrap() > 0);
        let name = e.path().unwrap().display().to_string();
        if name.ends_with("/report.json") {
            assert_eq!(data, stdout, "report.json and --format json differ");
        }
        seen.push(name);
    }
    assert!(seen.iter().any(|n| n.ends_with("/report.json")), "{seen:?}");
    // The same members, in the same order, as the archive reader finds.
    let members: Vec<String> = unpack(&path).into_iter().map(|(p, _)| p).collect();
    let stripped: Vec<String> = seen
        .iter()
        .map(|n| n.split_once('/').unwrap().1.to_string())
        .collect();
    assert_eq!(stripped, members);
}

//! What the fuzzer found (fuzz/README.md), each input kept in `fuzz/regressions/<target>/` (replayed
//! through its target by fuzz_corpus.rs) and checked here for what was fixed.

use mptcp_get_debug::netlink::frame;
use std::path::{Path, PathBuf};

fn files(dir: &str, prefix: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no {prefix}* in {}", dir.display());
    v
}

/// genl_event: datagrams whose message length (or an error's echoed length) is smaller than a header
/// made neli 0.7 subtract with overflow (a panic in debug builds). They are now refused before neli
/// parses them.
#[test]
fn genl_datagrams_neli_would_underflow_on_are_refused() {
    for f in files("fuzz/regressions/genl_event", "neli-underflow-") {
        let data = std::fs::read(&f).unwrap();
        assert!(frame::check(&data).is_err(), "{} accepted", f.display());
    }
}

/// genl_pm, genl_event: an ACK with bytes after the header it echoes. neli reads the code and the
/// header only and takes the rest for the next message, whose length then underflows. Such ACKs are
/// refused.
#[test]
fn acks_with_trailing_bytes_are_refused() {
    let mut found = files("fuzz/regressions/genl_pm", "neli-ack-desync-");
    found.extend(files("fuzz/regressions/genl_event", "neli-ack-desync-"));
    for f in found {
        let data = std::fs::read(&f).unwrap();
        assert!(frame::check(&data).is_err(), "{} accepted", f.display());
    }
}

/// genl_pm: an error answer with code i32::MIN is well framed; its errno was negated with overflow
/// (genl.rs, now saturating). The genl_pm target replays it (fuzz_corpus.rs).
#[test]
fn an_error_code_of_i32_min_is_well_framed() {
    let f =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/genl_pm/errno-i32-min.bin");
    let data = std::fs::read(f).unwrap();
    assert_eq!(frame::check(&data), Ok(()));
    assert_eq!(
        i32::from_ne_bytes(data[16..20].try_into().unwrap()),
        i32::MIN
    );
}

/// The framing check refuses nothing the kernel sends: every captured answer and event passes.
#[test]
fn captured_kernel_datagrams_pass_the_framing_check() {
    let mut captured = files("fuzz/corpus/genl_pm", "endpoint_tests-");
    captured.extend(files("fuzz/corpus/genl_pm", "live-"));
    captured.extend(files("fuzz/corpus/genl_event", "event_tests-"));
    for f in captured {
        let data = std::fs::read(&f).unwrap();
        assert_eq!(frame::check(&data), Ok(()), "{}", f.display());
    }
}

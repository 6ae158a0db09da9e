//! What the fuzzer found (fuzz/README.md), each input kept in `fuzz/regressions/<target>/` (replayed
//! through its target by fuzz_corpus.rs) and checked here for what was fixed. The first findings were
//! in neli 0.7's framing; netlink now frames with netlink-packet-core (`netlink::socket::messages`),
//! and these inputs check that the new framing treats them sanely too.

use mptcp_get_debug::netlink::socket::{error_of, messages};
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
/// made neli 0.7 subtract with overflow. The framing refuses such a message: the walk ends with an
/// error at it, and nothing after it is read.
#[test]
fn messages_shorter_than_a_header_end_the_datagram() {
    for f in files("fuzz/regressions/genl_event", "neli-underflow-") {
        let data = std::fs::read(&f).unwrap();
        let walked: Vec<_> = messages(&data).collect();
        let bad = walked.iter().position(|m| m.is_err());
        // Whatever came before the bad message is whole; a message whose error echoes a short
        // request frames fine and reads as that error.
        for m in walked.iter().take(bad.unwrap_or(walked.len())) {
            let m = m.as_ref().unwrap();
            assert!(16 + m.body.len() <= data.len(), "{}", f.display());
            let _ = error_of(m);
        }
        if let Some(i) = bad {
            assert_eq!(
                i + 1,
                walked.len(),
                "{}: read past a bad length",
                f.display()
            );
        }
    }
}

/// genl_pm, genl_event: an ACK with bytes after the header it echoes. neli took the rest for the next
/// message; framing by each message's own length keeps those bytes inside the ACK (they are where
/// extended-ACK attributes go), so no message is made of them.
#[test]
fn bytes_after_an_acks_echo_stay_in_the_ack() {
    let mut found = files("fuzz/regressions/genl_pm", "neli-ack-desync-");
    found.extend(files("fuzz/regressions/genl_event", "neli-ack-desync-"));
    for f in found {
        let data = std::fs::read(&f).unwrap();
        let mut at = 0;
        for m in messages(&data).map_while(Result::ok) {
            // Each message starts where the previous one's aligned length ended.
            let len = u32::from_ne_bytes(data[at..at + 4].try_into().unwrap()) as usize;
            assert_eq!(len, 16 + m.body.len(), "{}", f.display());
            at += (len + 3) & !3;
            if m.kind == 2 {
                let _ = error_of(&m);
            }
        }
    }
}

/// genl_pm: an error answer with code i32::MIN; its errno was negated with overflow (genl.rs, then
/// saturating). Now read by `error_of`, saturating too.
#[test]
fn an_error_code_of_i32_min_reads_as_the_largest_errno() {
    let f =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/genl_pm/errno-i32-min.bin");
    let data = std::fs::read(f).unwrap();
    let m = messages(&data).next().unwrap().unwrap();
    assert_eq!(
        i32::from_ne_bytes(m.body[..4].try_into().unwrap()),
        i32::MIN
    );
    assert_eq!(error_of(&m).map(|e| e.0), Some(i32::MAX));
}

/// The framing refuses nothing the kernel sends: every captured answer and event frames whole.
#[test]
fn captured_kernel_datagrams_frame_whole() {
    let mut captured = files("fuzz/corpus/genl_pm", "endpoint_tests-");
    captured.extend(files("fuzz/corpus/genl_pm", "live-"));
    captured.extend(files("fuzz/corpus/genl_event", "event_tests-"));
    for f in captured {
        let data = std::fs::read(&f).unwrap();
        assert!(messages(&data).all(|m| m.is_ok()), "{}", f.display());
    }
}

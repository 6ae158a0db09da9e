//! The AFL++ harness: `mptcp-get-debug-fuzz TARGET` runs one target of targets.rs in AFL's
//! persistent mode (one process, many inputs); `--list` prints the targets. Build with
//! `cargo afl build --release`; run.sh does it.

mod targets;

fn main() {
    let name = std::env::args().nth(1).unwrap_or_default();
    if name == "--list" {
        for (n, _) in targets::TARGETS {
            println!("{n}");
        }
        return;
    }
    let Some(target) = targets::target(&name) else {
        let names: Vec<&str> = targets::TARGETS.iter().map(|(n, _)| *n).collect();
        eprintln!(
            "usage: mptcp-get-debug-fuzz TARGET (one of: {})",
            names.join(", ")
        );
        std::process::exit(2);
    };
    afl::fuzz!(|data: &[u8]| target(data));
}

//! Benchmark (not a test): what one round of the reproduce sampler costs here, part by part — the
//! MPTCP and TCP sock_diag dumps (each walks a whole kernel hash table, so the cost depends on the
//! machine's memory more than on its sockets) and the interface counters — in CPU time, and the share
//! of a CPU that sampling every 100 ms takes. The sampler stretches its interval to stay under 5%.
//!
//!   cargo bench --bench sampler [-- ROUNDS]

use mptcp_get_debug::netlink::link_stats::link_stats;
use mptcp_get_debug::netlink::rtnl::RtSocket;
use mptcp_get_debug::netlink::sock_diag::DiagSocket;
use std::time::Duration;

fn cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec, which `ts` is.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn measure(name: &str, rounds: u32, mut f: impl FnMut() -> usize) -> Duration {
    let t = cpu();
    let mut n = 0;
    for _ in 0..rounds {
        n = f();
    }
    let each = (cpu() - t) / rounds;
    println!(
        "{name:<28} {:>9.3} ms CPU per call ({n} items)",
        each.as_secs_f64() * 1e3
    );
    each
}

fn main() {
    let rounds: u32 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(200);
    let mut diag = DiagSocket::open().expect("sock_diag socket");
    let mut rt = RtSocket::open().expect("route netlink socket");
    let m = measure("MPTCP dump (v4 + v6)", rounds, || {
        diag.mptcp().map(|c| c.len()).unwrap_or(0)
    });
    let t = measure("TCP subflow dump (v4 + v6)", rounds, || {
        diag.subflows(true, true).map(|s| s.len()).unwrap_or(0)
    });
    let s = measure("interface counters", rounds, || {
        link_stats(&mut rt).map(|s| s.len()).unwrap_or(0)
    });
    // A round every 100 ms: its CPU milliseconds are the percentage of a CPU.
    let pct = |d: Duration| d.as_secs_f64() * 1e3 / 100.0 * 100.0;
    println!(
        "a round every 100 ms takes {:.1}% of a CPU with MPTCP connections, {:.1}% without",
        pct(m + t + s),
        pct(m + s),
    );
}

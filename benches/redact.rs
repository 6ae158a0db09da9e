//! Benchmark of the redaction pass (not a test): ~100 MB of realistic mixed text — ss, nstat,
//! ip addr, journal-like lines — redacted on one core. Prints MB/s; the target is >= 100 MB/s.
//!
//!     cargo bench --bench redact

use mptcp_get_debug::redact::{RedactOptions, Redactor};
use std::time::Instant;

fn corpus(target: usize) -> String {
    let mut s = String::with_capacity(target + 4096);
    let mut n: u32 = 0;
    while s.len() < target {
        n = n.wrapping_mul(1_103_515_245).wrapping_add(12345);
        // A few hundred hosts, as in real outputs; ports and counters vary freely.
        let (a, b, c) = ((n >> 8) & 0x0f, (n >> 16) & 0x1f, n % 60000);
        s.push_str(&format!(
            "ESTAB  0      0      10.{a}.{b}.7:{c} 88.{b}.{a}.1:443\n"
        ));
        s.push_str("\t subflows:1 subflows_max:2 remote_key token:1f0cdd34 write_seq:19972db9f521525d snd_una:19972db9f521525d rcv_nxt:9eb00423f3682bcc\n");
        s.push_str(&format!("MPTcpExtMPJoinSynRx             {c}                  0.0\nTcpExtTCPHPAcks                 {n}                  0.0\n"));
        s.push_str(&format!(
            "    inet6 2a01:e0a:{a:x}:{b:x}::1234/64 scope global dynamic noprefixroute\n"
        ));
        s.push_str(&format!(
            "    link/ether 3c:22:fb:{a:02x}:{b:02x}:56 brd ff:ff:ff:ff:ff:ff\n"
        ));
        s.push_str(&format!("2026-11-25T07:{:02}:{:02}+00:00 mybox mptcpd[812]: new connection token {n:08x} from 192.168.{a}.{b} kernel 6.18.44-fc-v657\n", a % 60, b % 60));
    }
    s
}

fn main() {
    let text = corpus(100 << 20);
    // Redact in chunks the size of typical command outputs, as a collect does.
    let pieces: Vec<String> = text
        .as_bytes()
        .chunks(64 << 10)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let mut r = Redactor::new(&RedactOptions {
        enabled: true,
        key_file: None,
    })
    .unwrap();
    r.learn_host("mybox");
    let t0 = Instant::now();
    let mut out = 0usize;
    for p in &pieces {
        out += r.redact_text(p).len();
    }
    let secs = t0.elapsed().as_secs_f64();
    let mb = text.len() as f64 / (1 << 20) as f64;
    println!("redaction pass: {mb:.0} MiB in {secs:.2} s = {:.0} MB/s on one core (target >= 100), {out} bytes out", mb / secs);
    let mut plain = Redactor::new(&RedactOptions {
        enabled: false,
        key_file: None,
    })
    .unwrap();
    let t0 = Instant::now();
    for p in &pieces {
        out += plain.redact_text(p).len();
    }
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "secrets-only pass (--no-redact): {:.0} MB/s ({out} bytes out in all)",
        mb / secs
    );
}

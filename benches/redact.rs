//! Benchmark (not a test): the redaction pass over ~100 MB of realistic mixed text — `ss -ti` socket
//! lines, `nstat` counters, journal lines with host names, addresses, MACs and the odd secret — run
//! as one text and as a Report of 1 MB artifacts. Prints MB/s; the target is >= 100 MB/s on one core.
//!
//!   cargo bench --bench redact [-- SIZE_MB]

use mptcp_get_debug::redact::{RedactOptions, Redactor};
use mptcp_get_debug::report::{Artifact, Meta, Report, Section, Source, Status, Tool};
use std::fmt::Write;
use std::time::Instant;

/// A small deterministic generator (xorshift), so every run benchmarks the same text.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn v4(r: &mut Rng) -> String {
    // A few thousand distinct addresses, as on a busy host.
    let n = r.below(4096);
    format!("10.{}.{}.{}", n >> 8, n & 0xff, 1 + r.below(3))
}

fn v6(r: &mut Rng) -> String {
    format!("2a01:cb00:{:x}::{:x}", r.below(64), 1 + r.below(32))
}

fn line(r: &mut Rng, out: &mut String) {
    match r.below(10) {
        0..=2 => {
            let (a, b) = if r.below(4) == 0 {
                (format!("[{}]", v6(r)), format!("[{}]", v6(r)))
            } else {
                (v4(r), v4(r))
            };
            let _ = writeln!(
                out,
                "ESTAB  0      0      {a}:{} {b}:443 ino:{} sk:{:x} cgroup:unreachable:1 <->\n\t ts sack cubic wscale:7,7 rto:204 rtt:{}.{:03}/0.5 mss:1448 pmtu:1500 rcvmss:536 advmss:1448 cwnd:10 bytes_acked:{} segs_out:{} segs_in:{} send 56Mbps lastsnd:{} pacing_rate 112Mbps delivered:{} rcv_space:14480 minrtt:0.9 snd_wnd:64256 tcp-ulp-mptcp flags:Mmec token:0000(id:0)/{:08x}(id:0) seq:{:016x} sfseq:3a001 ssnoff:{:08x} maplen:1000",
                30000 + r.below(30000), r.next() % 100000, r.next() % 0xffff, r.below(50), r.below(1000), r.next() % 1000000, r.below(9999), r.below(9999), r.below(99999), r.below(999), r.next() as u32, r.next(), r.next() as u32
            );
        }
        3..=5 => {
            let names = [
                "MPTcpExtMPCapableSYNRX",
                "MPTcpExtMPJoinAckRx",
                "TcpExtTCPHPHits",
                "IpExtInOctets",
                "MPTcpExtAddAddr",
                "TcpExtTCPPureAcks",
            ];
            let _ = writeln!(
                out,
                "{:<32} {:<18} 0.0",
                names[r.below(6) as usize],
                r.next() % 10_000_000
            );
        }
        6..=8 => {
            let host = ["myhost", "MYHOST", "myhost.example.com", "peer-7"][r.below(4) as usize];
            let _ = writeln!(
                out,
                "Nov 25 07:{:02}:{:02} {host} kernel: [{}.{:06}] mptcp: subflow {} -> {} on wlan0 ({:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}) via /home/alice/bin version 6.18.44-fc-v657 iproute2-6.1.0",
                r.below(60), r.below(60), r.below(99999), r.below(999999), v4(r), v4(r), 0x52, 0x54, 0, r.below(4), r.below(256), r.below(256)
            );
        }
        _ => {
            let _ = writeln!(out, "[ESTABLISHED] token={:08x} remid=0 locid=1 saddr4={} daddr4={} sport={} dport=443 psk-flags=0 password={:x}", r.next() as u32, v4(r), v4(r), r.below(65535), r.next());
        }
    }
}

fn corpus(size: usize) -> String {
    let mut r = Rng(0x9e3779b97f4a7c15);
    let mut s = String::with_capacity(size + 1024);
    while s.len() < size {
        line(&mut r, &mut s);
    }
    s
}

fn redactor() -> Redactor {
    let mut red = Redactor::new(&RedactOptions {
        enabled: true,
        key: Default::default(),
    })
    .unwrap();
    red.add_name("hostname", "myhost.example.com");
    red.add_name("user", "alice");
    red.add_name("connection", "Home WiFi");
    red
}

fn report(text: &str) -> Report {
    let now = chrono::Utc::now();
    let artifacts = text
        .as_bytes()
        .chunks(1 << 20)
        .enumerate()
        .map(|(i, _)| {
            let start = (i << 20).min(text.len());
            let mut end = ((i + 1) << 20).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            Artifact {
                name: format!("part{i}.txt"),
                source: Source::File {
                    path: format!("/var/log/part{i}"),
                },
                content: text[start..end].to_string(),
                truncated: false,
                original_size: 0,
            }
        })
        .collect();
    Report {
        schema_version: 1,
        tool: Tool {
            name: "mptcp-get-debug".into(),
            version: "bench".into(),
        },
        meta: Meta {
            started_at: now,
            finished_at: now,
            mode: "collect".into(),
            hostname: "myhost".into(),
            uid: 0,
            privileged: true,
            args: vec![],
            root: "/".into(),
            sysroot: false,
            netns: vec![],
            side: None,
            archive: None,
        },
        sections: vec![Section {
            collector: "bench".into(),
            description: String::new(),
            netns: None,
            status: Status::Ok,
            duration_ms: 0.0,
            data: vec![],
            artifacts,
            notes: vec![],
        }],
        findings: vec![],
        redaction: None,
        reproduce: None,
    }
}

fn main() {
    let mb: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100);
    let text = corpus(mb << 20);
    let size = text.len() as f64 / (1 << 20) as f64;
    println!("corpus: {size:.1} MB of ss/nstat/journal/monitor lines");

    let mut red = redactor();
    let t = Instant::now();
    let out = red.redact_text(&text);
    let secs = t.elapsed().as_secs_f64();
    let counts = red.summary().counts;
    println!(
        "redact_text (one string):       {:7.1} MB/s  ({secs:.2} s; {counts:?})",
        size / secs
    );
    assert_ne!(out.len(), 0);
    drop(out);

    let mut rep = report(&text);
    drop(text);
    let mut red = redactor();
    let t = Instant::now();
    red.redact_report(&mut rep).unwrap();
    let secs = t.elapsed().as_secs_f64();
    println!(
        "redact_report (1 MB artifacts): {:7.1} MB/s  ({secs:.2} s, JSON walk included)",
        size / secs
    );
}

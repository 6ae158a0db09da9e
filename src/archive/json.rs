//! report.json in the archive: how it is written is `report::json`; here, how large it will be, to
//! choose how to write it.

pub use crate::report::json::{write_list, write_report};

/// About how many bytes `report` is as report.json, cheaply (no serialization): its artifacts'
/// text, its sockets (a line each: about 1,050 bytes with a subflow, 550 without, measured at 9,000
/// connections), its kernel log and a fixed part. Only to choose how to write it.
pub fn size_hint(report: &crate::report::Report) -> u64 {
    use crate::report::Data;
    let mut n = 64 * 1024;
    for s in &report.sections {
        n += s
            .artifacts
            .iter()
            .map(|a| a.content.len() + a.content.len() / 8)
            .sum::<usize>();
        for d in &s.data {
            n += match d {
                Data::Sockets(socks) => socket_bytes(socks),
                Data::KernelLog(k) => k.lines.iter().map(|l| l.len() + 12).sum(),
                _ => 0,
            };
        }
    }
    n as u64
}

/// About how many bytes a socket list is in report.json.
pub fn socket_bytes(list: &crate::report::SocketList) -> usize {
    550 * list.len() + 500 * list.subflow_count()
}

#[cfg(test)]
mod tests {
    use crate::report::json::tests::sample_report;

    fn ours(report: &crate::report::Report) -> String {
        let mut out = Vec::new();
        super::write_report(&mut out, report).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_size_hint_tells_small_reports_from_large_ones() {
        // Never far under the size (which would write a large one on one thread); a few sockets
        // are small, thousands are not.
        for n in [0, 3, 5000] {
            let report = sample_report(n);
            let (hint, real) = (super::size_hint(&report), ours(&report).len() as u64);
            assert!(real < hint * 2, "{n}: {hint} {real}");
            assert_eq!(
                hint <= super::super::stream::INLINE_UP_TO,
                n < 5000,
                "{n}: {hint}"
            );
        }
    }
}

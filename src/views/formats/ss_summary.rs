//! Sockets at a glance, for the summary: one line per connection (its subflows, on which
//! interfaces, which are backup, fallback, retransmissions), totals by state and by number of
//! subflows, and the connections that matter most. Pure functions of the report's sockets.

use crate::report::{MptcpSocket, Subflow};
use std::collections::BTreeMap;

/// Retransmitted segments over the subflows' lives (None when no subflow has tcp_info).
pub fn retransmits(s: &MptcpSocket) -> Option<u64> {
    let mut any = false;
    let n = s
        .subflows
        .iter()
        .filter_map(|f| f.tcp.as_ref())
        .inspect(|_| any = true)
        .map(|t| t.total_retrans as u64)
        .sum();
    any.then_some(n)
}

pub fn fallback(s: &MptcpSocket) -> bool {
    s.mptcp.as_ref().is_some_and(|i| i.fallback()) || s.info.contains_key("fallback")
}

/// Subflows of a connection: those grouped under it, else what its info line says (extra subflows
/// plus the initial one), else None.
pub fn subflow_count(s: &MptcpSocket) -> Option<usize> {
    if !s.subflows.is_empty() {
        return Some(s.subflows.len());
    }
    if s.state == "LISTEN" {
        return None;
    }
    let extra = match &s.mptcp {
        Some(i) => i.subflows as usize,
        None => s
            .info
            .get("subflows")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
    };
    (s.mptcp.is_some() || !s.info.is_empty()).then_some(extra + 1)
}

fn subflow_word(f: &Subflow) -> String {
    let mut w = f.dev.as_ref().unwrap_or(&f.local).to_string();
    if let (Some(l), Some(r)) = (f.id_loc, f.id_rem) {
        w.push_str(&format!(" id {l}/{r}"));
    }
    if f.backup() {
        w.push_str(" backup");
    }
    if f.state != "ESTAB" {
        w.push_str(&format!(" {}", f.state));
    }
    w
}

/// One line for a connection, e.g.
/// `ESTAB 10.0.0.1:41234 -> 10.0.0.2:80 token 1f0cdd34: 2 subflows (eth0 id 0/0, wlan0 id 1/0 backup), 3 retransmits`.
pub fn connection_line(s: &MptcpSocket) -> String {
    let mut line = format!("{} {} -> {}", s.state, s.local, s.peer);
    if let Some(t) = s.mptcp.as_ref().map(|i| i.token).filter(|t| *t != 0) {
        line.push_str(&format!(" token {t:x}"));
    }
    let mut parts: Vec<String> = Vec::new();
    if let Some(n) = subflow_count(s) {
        let mut p = format!("{n} subflow{}", if n == 1 { "" } else { "s" });
        if !s.subflows.is_empty() && s.state != "LISTEN" {
            let words: Vec<String> = s.subflows.iter().map(subflow_word).collect();
            p.push_str(&format!(" ({})", words.join(", ")));
        }
        parts.push(p);
    }
    if fallback(s) {
        parts.push("fell back to TCP".into());
    }
    if let Some(r) = retransmits(s).filter(|r| *r > 0) {
        parts.push(format!("{r} retransmits"));
    }
    if !parts.is_empty() {
        line.push_str(": ");
        line.push_str(&parts.join(", "));
    }
    line
}

/// Totals over a namespace's sockets.
#[derive(Debug, Default, Clone, PartialEq, serde::Serialize)]
pub struct Overview {
    pub total: usize,
    pub by_state: BTreeMap<String, usize>,
    /// Number of subflows -> connections with that many (listeners and unknown left out).
    pub by_subflows: BTreeMap<usize, usize>,
    pub fallback: usize,
    pub retransmitting: usize,
    pub backup_subflows: usize,
}

pub fn overview(socks: &[MptcpSocket]) -> Overview {
    let mut o = Overview {
        total: socks.len(),
        ..Overview::default()
    };
    for s in socks {
        *o.by_state.entry(s.state.to_string()).or_default() += 1;
        if let Some(n) = subflow_count(s) {
            *o.by_subflows.entry(n).or_default() += 1;
        }
        o.fallback += fallback(s) as usize;
        o.retransmitting += retransmits(s).is_some_and(|r| r > 0) as usize;
        o.backup_subflows += s.subflows.iter().filter(|f| f.backup()).count();
    }
    o
}

/// The `n` connections most worth reading first: fallen back, then retransmitting (most first), then
/// most subflows; listeners last. Stable: ties keep the kernel's order.
pub fn most_relevant(socks: &[MptcpSocket], n: usize) -> Vec<&MptcpSocket> {
    let mut v: Vec<(usize, &MptcpSocket)> = socks.iter().enumerate().collect();
    v.sort_by_key(|(i, s)| {
        (
            s.state == "LISTEN",
            !fallback(s),
            std::cmp::Reverse(retransmits(s).unwrap_or(0)),
            std::cmp::Reverse(subflow_count(s).unwrap_or(0)),
            *i,
        )
    });
    v.into_iter().take(n).map(|(_, s)| s).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{MptcpInfo, TcpInfo};

    fn sub(dev: &str, loc: u8, flags: u32, retrans: u32) -> Subflow {
        Subflow {
            state: "ESTAB".into(),
            local: "10.0.0.1:1".into(),
            dev: Some(dev.into()),
            id_loc: Some(loc),
            id_rem: Some(0),
            flags: Some(flags),
            tcp: Some(TcpInfo {
                total_retrans: retrans,
                ..TcpInfo::default()
            }),
            ..Subflow::default()
        }
    }

    fn conn(subflows: Vec<Subflow>, flags: u32) -> MptcpSocket {
        MptcpSocket {
            state: "ESTAB".into(),
            local: "10.0.0.1:41234".into(),
            peer: "10.0.0.2:80".into(),
            mptcp: Some(MptcpInfo {
                token: 0x1f0cdd34,
                flags,
                subflows: subflows.len().saturating_sub(1) as u8,
                ..MptcpInfo::default()
            }),
            subflows,
            ..MptcpSocket::default()
        }
    }

    #[test]
    fn one_line_shows_subflows_interfaces_and_backups() {
        let s = conn(vec![sub("eth0", 0, 0xc3, 1), sub("wlan0", 1, 0xec, 2)], 0);
        assert_eq!(
            connection_line(&s),
            "ESTAB 10.0.0.1:41234 -> 10.0.0.2:80 token 1f0cdd34: 2 subflows (eth0 id 0/0, wlan0 id 1/0 backup), 3 retransmits"
        );
        let fb = conn(vec![sub("eth0", 0, 0xc3, 0)], MptcpInfo::FLAG_FALLBACK);
        assert_eq!(
            connection_line(&fb),
            "ESTAB 10.0.0.1:41234 -> 10.0.0.2:80 token 1f0cdd34: 1 subflow (eth0 id 0/0), fell back to TCP"
        );
    }

    #[test]
    fn overview_and_ranking() {
        let a = conn(vec![sub("eth0", 0, 0xc3, 0)], 0);
        let b = conn(vec![sub("eth0", 0, 0xc3, 0), sub("wlan0", 1, 0xec, 0)], 0);
        let c = conn(vec![sub("eth0", 0, 0xc3, 5)], 0);
        let d = conn(vec![sub("eth0", 0, 0xc3, 0)], MptcpInfo::FLAG_FALLBACK);
        let socks = vec![a, b, c, d];
        let o = overview(&socks);
        assert_eq!(o.total, 4);
        assert_eq!(o.by_subflows[&1], 3);
        assert_eq!(o.by_subflows[&2], 1);
        assert_eq!((o.fallback, o.retransmitting, o.backup_subflows), (1, 1, 1));
        let top: Vec<usize> = most_relevant(&socks, 3)
            .iter()
            .map(|s| socks.iter().position(|x| std::ptr::eq(x, *s)).unwrap())
            .collect();
        assert_eq!(top, [3, 2, 1]);
    }

    #[test]
    fn report_json_leaves_out_zeros_and_reads_them_back() {
        let s = conn(vec![sub("eth0", 0, 0xc3, 0), sub("wlan0", 1, 0xec, 2)], 0);
        let json = serde_json::to_string(&s).unwrap();
        assert!(
            json.contains(r#""tcp":{}"#) && !json.contains("ca_state"),
            "{json}"
        );
        assert!(json.contains(r#""tcp":{"total_retrans":2}"#), "{json}");
        assert_eq!(serde_json::from_str::<MptcpSocket>(&json).unwrap(), s);
    }

    #[test]
    fn parsed_ss_sockets_count_their_extra_subflows() {
        let mut s = MptcpSocket {
            state: "ESTAB".into(),
            ..MptcpSocket::default()
        };
        s.info.insert("subflows".into(), "2".into());
        assert_eq!(subflow_count(&s), Some(3));
    }
}

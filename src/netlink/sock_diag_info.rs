//! The two structs sock_diag sends as INET_DIAG_INFO: `struct mptcp_info` for MPTCP sockets and
//! `struct tcp_info` for their subflows, decoded by offset (include/uapi/linux/mptcp.h, tcp.h) with
//! lengths checked, so an older kernel's shorter struct or a newer one's longer struct both read.

use super::sock_diag::{u32_at, u64_at};
use crate::report::{MptcpInfo, TcpInfo};

/// `struct mptcp_info` (include/uapi/linux/mptcp.h). A shorter struct (older kernel) reads as zeros
/// for the first fields, as `ss` reads it, and None for the later ones.
pub fn decode_mptcp_info(d: &[u8]) -> MptcpInfo {
    let mut base = [0u8; 40];
    let n = d.len().min(base.len());
    base[..n].copy_from_slice(&d[..n]);
    let b = &base[..];
    MptcpInfo {
        size: d.len(),
        subflows: b[0],
        add_addr_signal: b[1],
        add_addr_accepted: b[2],
        subflows_max: b[3],
        add_addr_signal_max: b[4],
        add_addr_accepted_max: b[5],
        flags: u32_at(b, 8).unwrap_or(0),
        token: u32_at(b, 12).unwrap_or(0),
        write_seq: u64_at(b, 16).unwrap_or(0),
        snd_una: u64_at(b, 24).unwrap_or(0),
        rcv_nxt: u64_at(b, 32).unwrap_or(0),
        local_addr_used: d.get(40).copied(),
        local_addr_max: d.get(41).copied(),
        csum_enabled: d.get(42).copied(),
        retransmits: u32_at(d, 44),
        bytes_retrans: u64_at(d, 48),
        bytes_sent: u64_at(d, 56),
        bytes_received: u64_at(d, 64),
        bytes_acked: u64_at(d, 72),
        subflows_total: d.get(80).copied(),
        endp_laminar_max: d.get(81).copied(),
        endp_fullmesh_max: d.get(82).copied(),
        last_data_sent: u32_at(d, 84),
        last_data_recv: u32_at(d, 88),
        last_ack_recv: u32_at(d, 92),
    }
}

/// The triage-relevant parts of `struct tcp_info` (include/uapi/linux/tcp.h); None when shorter
/// than the fields every kernel since 2.6 sends.
pub fn decode_tcp_info(d: &[u8]) -> Option<TcpInfo> {
    if d.len() < 104 {
        return None;
    }
    let u = |at| u32_at(d, at).unwrap_or(0);
    Some(TcpInfo {
        ca_state: d[1],
        retransmits: d[2],
        backoff: d[4],
        rto_us: u(8),
        snd_mss: u(16),
        rcv_mss: u(20),
        unacked: u(24),
        lost: u(32),
        retrans: u(36),
        pmtu: u(60),
        rtt_us: u(68),
        rttvar_us: u(72),
        snd_ssthresh: u(76),
        snd_cwnd: u(80),
        total_retrans: u(100),
        bytes_acked: u64_at(d, 120),
        bytes_received: u64_at(d, 128),
        min_rtt_us: u32_at(d, 148),
        bytes_sent: u64_at(d, 200),
        bytes_retrans: u64_at(d, 208),
    })
}

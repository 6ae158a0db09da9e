//! The two structs sock_diag sends as INET_DIAG_INFO: `struct mptcp_info` for MPTCP sockets and
//! `struct tcp_info` for their subflows, decoded by offset (include/uapi/linux/mptcp.h, tcp.h) with
//! lengths checked, so an older kernel's shorter struct or a newer one's longer struct both read.

use super::{u32_at, u64_at};

/// `struct mptcp_info` as the kernel sent it: the fields every kernel has, and the later ones as
/// None when the struct ended before them (older kernel). `size` is the length it came with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MptcpInfo {
    pub size: usize,
    pub subflows: u8,
    pub add_addr_signal: u8,
    pub add_addr_accepted: u8,
    pub subflows_max: u8,
    pub add_addr_signal_max: u8,
    pub add_addr_accepted_max: u8,
    /// MPTCP_INFO_FLAG_*: 0x1 fallback, 0x2 remote key received.
    pub flags: u32,
    pub token: u32,
    pub write_seq: u64,
    pub snd_una: u64,
    pub rcv_nxt: u64,
    pub local_addr_used: Option<u8>,
    pub local_addr_max: Option<u8>,
    pub csum_enabled: Option<u8>,
    pub retransmits: Option<u32>,
    pub bytes_retrans: Option<u64>,
    pub bytes_sent: Option<u64>,
    pub bytes_received: Option<u64>,
    pub bytes_acked: Option<u64>,
    pub subflows_total: Option<u8>,
    pub endp_laminar_max: Option<u8>,
    pub endp_fullmesh_max: Option<u8>,
    pub last_data_sent: Option<u32>,
    pub last_data_recv: Option<u32>,
    pub last_ack_recv: Option<u32>,
}

/// The parts of `struct tcp_info` the tool reads (triage, the sockets view, the sampler's series).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TcpInfo {
    pub ca_state: u8,
    pub retransmits: u8,
    pub backoff: u8,
    pub rto_us: u32,
    pub snd_mss: u32,
    pub rcv_mss: u32,
    pub unacked: u32,
    pub lost: u32,
    pub retrans: u32,
    pub pmtu: u32,
    pub rtt_us: u32,
    pub rttvar_us: u32,
    pub snd_ssthresh: u32,
    pub snd_cwnd: u32,
    pub total_retrans: u32,
    pub bytes_acked: Option<u64>,
    pub bytes_received: Option<u64>,
    pub min_rtt_us: Option<u32>,
    pub bytes_sent: Option<u64>,
    pub bytes_retrans: Option<u64>,
}

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

//! sock_diag's `struct mptcp_info` and `struct tcp_info` into the report's (the same fields; the
//! report's carry serde and schema, the protocol's only what the kernel sent).

use crate::netlink::sock_diag::{MptcpInfo, TcpInfo};
use crate::report;

/// The report's `mptcp_info`.
pub fn mptcp_info(i: MptcpInfo) -> report::MptcpInfo {
    report::MptcpInfo {
        size: i.size,
        subflows: i.subflows,
        add_addr_signal: i.add_addr_signal,
        add_addr_accepted: i.add_addr_accepted,
        subflows_max: i.subflows_max,
        add_addr_signal_max: i.add_addr_signal_max,
        add_addr_accepted_max: i.add_addr_accepted_max,
        flags: i.flags,
        token: i.token,
        write_seq: i.write_seq,
        snd_una: i.snd_una,
        rcv_nxt: i.rcv_nxt,
        local_addr_used: i.local_addr_used,
        local_addr_max: i.local_addr_max,
        csum_enabled: i.csum_enabled,
        retransmits: i.retransmits,
        bytes_retrans: i.bytes_retrans,
        bytes_sent: i.bytes_sent,
        bytes_received: i.bytes_received,
        bytes_acked: i.bytes_acked,
        subflows_total: i.subflows_total,
        endp_laminar_max: i.endp_laminar_max,
        endp_fullmesh_max: i.endp_fullmesh_max,
        last_data_sent: i.last_data_sent,
        last_data_recv: i.last_data_recv,
        last_ack_recv: i.last_ack_recv,
    }
}

/// The report's `tcp_info`.
pub fn tcp_info(t: TcpInfo) -> report::TcpInfo {
    report::TcpInfo {
        ca_state: t.ca_state,
        retransmits: t.retransmits,
        backoff: t.backoff,
        rto_us: t.rto_us,
        snd_mss: t.snd_mss,
        rcv_mss: t.rcv_mss,
        unacked: t.unacked,
        lost: t.lost,
        retrans: t.retrans,
        pmtu: t.pmtu,
        rtt_us: t.rtt_us,
        rttvar_us: t.rttvar_us,
        snd_ssthresh: t.snd_ssthresh,
        snd_cwnd: t.snd_cwnd,
        total_retrans: t.total_retrans,
        bytes_acked: t.bytes_acked,
        bytes_received: t.bytes_received,
        min_rtt_us: t.min_rtt_us,
        bytes_sent: t.bytes_sent,
        bytes_retrans: t.bytes_retrans,
    }
}

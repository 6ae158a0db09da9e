//! How a spooled socket is written: a compact binary record (LEB128 integers, length-prefixed
//! strings, a tag byte for each Option), read back many times a run (triage, the views, report.json,
//! raw/), where JSON took most of the run at scale. Every struct is written field by field through
//! an exhaustive pattern: a field added to the report fails to compile here instead of being lost
//! in the spool. Records are this run's own (an unlinked file), never read from elsewhere; a short
//! or malformed one still gives None, not a panic.

use super::{CompactString, MptcpInfo, MptcpSocket, Subflow, TcpInfo};
use std::collections::BTreeMap;

pub trait Codec: Sized {
    fn put(&self, w: &mut Vec<u8>);
    fn get(r: &mut &[u8]) -> Option<Self>;
}

fn put_uint(mut v: u64, w: &mut Vec<u8>) {
    while v >= 0x80 {
        w.push(v as u8 | 0x80);
        v >>= 7;
    }
    w.push(v as u8);
}

fn get_uint(r: &mut &[u8]) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = r.split_first()?;
        *r = rest;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

macro_rules! uint_codec {
    ($($t:ty),*) => {$(
        impl Codec for $t {
            fn put(&self, w: &mut Vec<u8>) {
                put_uint(*self as u64, w)
            }
            fn get(r: &mut &[u8]) -> Option<Self> {
                <$t>::try_from(get_uint(r)?).ok()
            }
        }
    )*};
}
uint_codec!(u8, u16, u32, u64, usize);

fn get_bytes<'a>(r: &mut &'a [u8]) -> Option<&'a str> {
    let n = usize::try_from(get_uint(r)?).ok()?;
    if n > r.len() {
        return None;
    }
    let (s, rest) = r.split_at(n);
    *r = rest;
    std::str::from_utf8(s).ok()
}

fn put_str(s: &str, w: &mut Vec<u8>) {
    put_uint(s.len() as u64, w);
    w.extend_from_slice(s.as_bytes());
}

/// Strings: their length, then their bytes (UTF-8 checked when read back).
macro_rules! str_codec {
    ($($t:ty),*) => {$(
        impl Codec for $t {
            fn put(&self, w: &mut Vec<u8>) {
                put_str(self, w)
            }
            fn get(r: &mut &[u8]) -> Option<Self> {
                get_bytes(r).map(<$t>::from)
            }
        }
    )*};
}
str_codec!(CompactString, String);

impl<T: Codec> Codec for Option<T> {
    fn put(&self, w: &mut Vec<u8>) {
        match self {
            None => w.push(0),
            Some(x) => {
                w.push(1);
                x.put(w);
            }
        }
    }
    fn get(r: &mut &[u8]) -> Option<Self> {
        let (&tag, rest) = r.split_first()?;
        *r = rest;
        match tag {
            0 => Some(None),
            1 => T::get(r).map(Some),
            _ => None,
        }
    }
}

impl<T: Codec> Codec for Vec<T> {
    fn put(&self, w: &mut Vec<u8>) {
        put_uint(self.len() as u64, w);
        self.iter().for_each(|x| x.put(w));
    }
    fn get(r: &mut &[u8]) -> Option<Self> {
        let n = usize::try_from(get_uint(r)?).ok()?;
        // Each item takes at least a byte: a length past the record is malformed, not an allocation.
        if n > r.len() {
            return None;
        }
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(T::get(r)?);
        }
        Some(v)
    }
}

impl Codec for BTreeMap<String, String> {
    fn put(&self, w: &mut Vec<u8>) {
        put_uint(self.len() as u64, w);
        for (k, v) in self {
            k.put(w);
            v.put(w);
        }
    }
    fn get(r: &mut &[u8]) -> Option<Self> {
        let n = get_uint(r)?;
        let mut m = BTreeMap::new();
        for _ in 0..n {
            let k = String::get(r)?;
            m.insert(k, String::get(r)?);
        }
        Some(m)
    }
}

/// Codec for a struct, field by field in the order given; both the pattern and the literal are
/// exhaustive.
macro_rules! struct_codec {
    ($t:ident { $($f:ident),* $(,)? }) => {
        impl Codec for $t {
            fn put(&self, w: &mut Vec<u8>) {
                let $t { $($f),* } = self;
                $($f.put(w);)*
            }
            fn get(r: &mut &[u8]) -> Option<Self> {
                Some($t { $($f: Codec::get(r)?),* })
            }
        }
    };
}

// socket_list's Head::get reads the first seven of these without the rest: keep them first.
struct_codec!(MptcpSocket {
    state,
    recv_q,
    send_q,
    local,
    peer,
    info,
    inode,
    mptcp,
    subflows,
});

struct_codec!(MptcpInfo {
    size,
    subflows,
    add_addr_signal,
    add_addr_accepted,
    subflows_max,
    add_addr_signal_max,
    add_addr_accepted_max,
    flags,
    token,
    write_seq,
    snd_una,
    rcv_nxt,
    local_addr_used,
    local_addr_max,
    csum_enabled,
    retransmits,
    bytes_retrans,
    bytes_sent,
    bytes_received,
    bytes_acked,
    subflows_total,
    endp_laminar_max,
    endp_fullmesh_max,
    last_data_sent,
    last_data_recv,
    last_ack_recv,
});

struct_codec!(Subflow {
    state,
    recv_q,
    send_q,
    local,
    peer,
    dev,
    token_loc,
    token_rem,
    id_loc,
    id_rem,
    flags,
    relwrite_seq,
    map_seq,
    map_sfseq,
    ssn_offset,
    map_datalen,
    tcp,
});

struct_codec!(TcpInfo {
    ca_state,
    retransmits,
    backoff,
    rto_us,
    snd_mss,
    rcv_mss,
    unacked,
    lost,
    retrans,
    pmtu,
    rtt_us,
    rttvar_us,
    snd_ssthresh,
    snd_cwnd,
    total_retrans,
    bytes_acked,
    bytes_received,
    min_rtt_us,
    bytes_sent,
    bytes_retrans,
});

/// The whole record: None when it is short, malformed, or has bytes left over.
pub fn decode<T: Codec>(mut r: &[u8]) -> Option<T> {
    let x = T::get(&mut r)?;
    r.is_empty().then_some(x)
}

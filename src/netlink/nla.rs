//! The one attribute vocabulary of every family here (generic netlink, route netlink, sock_diag,
//! ethtool): netlink-packet-core's `Nla`/`NlaBuffer`/`NlasIterator`, plus `RawNla`, an attribute kept
//! as it came (number and payload) for what this build does not know, so a newer kernel never breaks
//! decoding and nothing is dropped. Typed attribute enums elsewhere end in `Other(RawNla)` and emit
//! through the same `Nla` trait, so decode -> emit gives the kernel's bytes back.

use netlink_packet_core::{DecodeError, NlasIterator, Parseable};
pub use netlink_packet_core::{Emitable, Nla, NlaBuffer, NLA_F_NESTED, NLA_TYPE_MASK};
use std::net::{Ipv4Addr, Ipv6Addr};

/// An attribute as the kernel sent it: the number with its NESTED / NET_BYTEORDER bits, and the
/// payload without padding.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RawNla {
    pub kind: u16,
    pub value: Vec<u8>,
}

impl RawNla {
    pub fn new(kind: u16, value: impl Into<Vec<u8>>) -> RawNla {
        RawNla {
            kind,
            value: value.into(),
        }
    }

    /// The number without the NESTED / NET_BYTEORDER bits.
    pub fn number(&self) -> u16 {
        self.kind & NLA_TYPE_MASK
    }
}

impl Nla for RawNla {
    fn value_len(&self) -> usize {
        self.value.len()
    }
    fn kind(&self) -> u16 {
        // The flag bits are emitted from `kind` itself (Nla::is_nested and is_network_byteorder).
        self.kind
    }
    fn emit_value(&self, buffer: &mut [u8]) {
        buffer.copy_from_slice(&self.value);
    }
}

impl<T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&T>> for RawNla {
    fn parse(buf: &NlaBuffer<&T>) -> Result<Self, DecodeError> {
        let raw: &[u8] = (*buf).into_inner().as_ref();
        // The number with its flag bits, exactly as sent (NlaBuffer::kind masks them off).
        let kind = u16::from_ne_bytes([raw[2], raw[3]]);
        Ok(RawNla::new(kind, buf.value()))
    }
}

/// The attributes packed in `buf`, in order; a malformed one ends the walk (what came before it is
/// kept: the kernel pads and aligns, so a bad length means the rest cannot be trusted).
pub fn attrs(buf: &[u8]) -> impl Iterator<Item = NlaBuffer<&[u8]>> {
    NlasIterator::new(buf).map_while(Result::ok)
}

/// Like `attrs`, with each attribute's number (flag bits off) and payload.
pub fn pairs(buf: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    attrs(buf).map(|a| (a.kind(), value(&a)))
}

/// The payload of an attribute, borrowed from the buffer it was read from.
pub fn value<'a>(a: &NlaBuffer<&'a [u8]>) -> &'a [u8] {
    let raw: &'a [u8] = (*a).into_inner();
    &raw[4..a.length() as usize]
}

/// Every attribute of `buf`, raw.
pub fn raw_all(buf: &[u8]) -> Vec<RawNla> {
    attrs(buf).filter_map(|a| RawNla::parse(&a).ok()).collect()
}

/// The bytes of `attrs` as the kernel packs them (each aligned to 4).
pub fn emit_all<N: Nla>(attrs: &[N]) -> Vec<u8> {
    let mut out = vec![0u8; attrs.buffer_len()];
    emit_into(attrs, &mut out);
    out
}

/// Emits `attrs` into `buf` (of `attrs.buffer_len()` bytes) through netlink-packet-core, then writes
/// each type field whole: its `Emitable` drops NLA_F_NET_BYTEORDER when NLA_F_NESTED is set too
/// (set_nested_flag re-reads the masked type), and an attribute kept raw must come out as it came.
pub fn emit_into<N: Nla>(attrs: &[N], buf: &mut [u8]) {
    attrs.emit(buf);
    let mut at = 0;
    for a in attrs {
        buf[at + 2..at + 4].copy_from_slice(&a.kind().to_ne_bytes());
        at += a.buffer_len();
    }
}

// Payload readers: the first N bytes or an error naming the attribute.
fn exact<const N: usize>(p: &[u8], what: &str) -> Result<[u8; N], String> {
    p.get(..N)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| format!("{what}: expected {N} bytes, got {}", p.len()))
}

pub fn u8_of(p: &[u8], what: &str) -> Result<u8, String> {
    Ok(exact::<1>(p, what)?[0])
}

pub fn u16_host(p: &[u8], what: &str) -> Result<u16, String> {
    Ok(u16::from_ne_bytes(exact(p, what)?))
}

pub fn u16_net(p: &[u8], what: &str) -> Result<u16, String> {
    Ok(u16::from_be_bytes(exact(p, what)?))
}

pub fn u32_host(p: &[u8], what: &str) -> Result<u32, String> {
    Ok(u32::from_ne_bytes(exact(p, what)?))
}

pub fn i32_host(p: &[u8], what: &str) -> Result<i32, String> {
    Ok(i32::from_ne_bytes(exact(p, what)?))
}

pub fn ipv4(p: &[u8], what: &str) -> Result<Ipv4Addr, String> {
    Ok(Ipv4Addr::from(exact::<4>(p, what)?))
}

pub fn ipv6(p: &[u8], what: &str) -> Result<Ipv6Addr, String> {
    Ok(Ipv6Addr::from(exact::<16>(p, what)?))
}

/// A NUL-terminated string attribute (the terminator and anything after it dropped).
pub fn string(p: &[u8]) -> String {
    let end = p.iter().position(|&b| b == 0).unwrap_or(p.len());
    String::from_utf8_lossy(&p[..end]).into_owned()
}

/// Lenient readers for route-netlink and sock_diag payloads: the first bytes, None when short.
pub fn u32_of(d: &[u8]) -> Option<u32> {
    Some(u32::from_ne_bytes(d.get(..4)?.try_into().ok()?))
}

pub fn u8_first(d: &[u8]) -> Option<u8> {
    d.first().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(kind: u16, data: &[u8]) -> Vec<u8> {
        emit_all(&[RawNla::new(kind, data)])
    }

    #[test]
    fn walks_aligned_attributes_and_stops_at_a_truncated_one() {
        let mut b = attr(3, b"eth0\0");
        b.extend(attr(4, &1500u32.to_ne_bytes()));
        let all: Vec<_> = pairs(&b).map(|(k, v)| (k, v.to_vec())).collect();
        assert_eq!(
            all,
            [(3, b"eth0\0".to_vec()), (4, 1500u32.to_ne_bytes().to_vec())]
        );
        let mut bad = attr(3, b"lo\0");
        bad.extend_from_slice(&[200, 0, 4, 0, 1, 2]);
        assert_eq!(attrs(&bad).count(), 1);
        assert_eq!(attrs(&[1, 2]).count(), 0);
    }

    #[test]
    fn raw_attributes_keep_their_flag_bits_and_emit_the_same_bytes() {
        let mut b = attr(NLA_F_NESTED | 1, &attr(2, &[7, 0, 0, 0]));
        b.extend(attr(9, b"abcde"));
        // Both flag bits (netlink-packet-core alone would drop NET_BYTEORDER here).
        b.extend(attr(NLA_F_NESTED | 0x4000 | 0x20f, b"y"));
        assert_eq!(&b[b.len() - 6..b.len() - 4], &(0xc20fu16).to_ne_bytes());
        let raw = raw_all(&b);
        assert_eq!(raw[0].kind, NLA_F_NESTED | 1);
        assert_eq!(raw[0].number(), 1);
        assert_eq!(raw[1].value, b"abcde");
        assert_eq!(emit_all(&raw), b);
    }

    #[test]
    fn short_payloads_are_errors_not_panics() {
        assert_eq!(
            u32_host(&[1, 2], "FLAGS").unwrap_err(),
            "FLAGS: expected 4 bytes, got 2"
        );
        assert_eq!(u16_net(&[0x27, 0x11], "SPORT").unwrap(), 10001);
        assert_eq!(
            ipv4(&[10, 0, 0, 1], "ADDR4").unwrap(),
            Ipv4Addr::new(10, 0, 0, 1)
        );
        assert_eq!(string(b"mptcp_pm\0"), "mptcp_pm");
        assert_eq!(u32_of(&[1, 0]), None);
    }
}

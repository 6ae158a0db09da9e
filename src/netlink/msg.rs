//! Netlink message and attribute encoding/decoding, by hand over byte slices: the formats are tiny and
//! fixed, and owning them lets unknown attributes be kept (never dropped) and tests parse raw bytes.

use super::consts::*;

/// One netlink attribute: type (flags masked off) and payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Attr<'a> {
    pub kind: u16,
    pub nested: bool,
    pub payload: &'a [u8],
}

impl<'a> Attr<'a> {
    pub fn u8(&self) -> Option<u8> {
        self.payload.first().copied()
    }
    pub fn u16(&self) -> Option<u16> {
        Some(u16::from_ne_bytes(self.payload.get(..2)?.try_into().ok()?))
    }
    pub fn u16_be(&self) -> Option<u16> {
        Some(u16::from_be_bytes(self.payload.get(..2)?.try_into().ok()?))
    }
    pub fn u32(&self) -> Option<u32> {
        Some(u32::from_ne_bytes(self.payload.get(..4)?.try_into().ok()?))
    }
    pub fn i32(&self) -> Option<i32> {
        self.u32().map(|v| v as i32)
    }
    pub fn string(&self) -> String {
        let end = self
            .payload
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(self.payload.len());
        String::from_utf8_lossy(&self.payload[..end]).into_owned()
    }
    pub fn attrs(&self) -> Vec<Attr<'a>> {
        parse_attrs(self.payload)
    }
}

const fn align4(n: usize) -> usize {
    (n + 3) & !3
}

/// Splits a buffer of attributes; a truncated trailing attribute is ignored.
pub fn parse_attrs(mut buf: &[u8]) -> Vec<Attr<'_>> {
    let mut out = Vec::new();
    while buf.len() >= 4 {
        let len = u16::from_ne_bytes([buf[0], buf[1]]) as usize;
        let kind = u16::from_ne_bytes([buf[2], buf[3]]);
        if len < 4 || len > buf.len() {
            break;
        }
        out.push(Attr {
            kind: kind & NLA_TYPE_MASK,
            nested: kind & NLA_F_NESTED != 0,
            payload: &buf[4..len],
        });
        buf = &buf[align4(len).min(buf.len())..];
    }
    out
}

/// Appends one attribute.
pub fn put_attr(buf: &mut Vec<u8>, kind: u16, payload: &[u8]) {
    let len = 4 + payload.len();
    buf.extend_from_slice(&(len as u16).to_ne_bytes());
    buf.extend_from_slice(&kind.to_ne_bytes());
    buf.extend_from_slice(payload);
    buf.resize(align4(buf.len()), 0);
}

/// A whole generic netlink request: nlmsghdr + genlmsghdr + attributes.
pub fn genl_request(
    family: u16,
    flags: u16,
    seq: u32,
    cmd: u8,
    version: u8,
    attrs: &[u8],
) -> Vec<u8> {
    let len = NLMSG_HDRLEN + GENL_HDRLEN + attrs.len();
    let mut b = Vec::with_capacity(len);
    b.extend_from_slice(&(len as u32).to_ne_bytes());
    b.extend_from_slice(&family.to_ne_bytes());
    b.extend_from_slice(&flags.to_ne_bytes());
    b.extend_from_slice(&seq.to_ne_bytes());
    b.extend_from_slice(&0u32.to_ne_bytes());
    b.extend_from_slice(&[cmd, version, 0, 0]);
    b.extend_from_slice(attrs);
    b
}

/// One received netlink message.
#[derive(Debug, Clone, PartialEq)]
pub struct Msg<'a> {
    pub kind: u16,
    pub flags: u16,
    pub seq: u32,
    /// Everything after the nlmsghdr.
    pub payload: &'a [u8],
}

impl<'a> Msg<'a> {
    /// Generic netlink command and attributes.
    pub fn genl(&self) -> Option<(u8, Vec<Attr<'a>>)> {
        let cmd = *self.payload.first()?;
        Some((cmd, parse_attrs(self.payload.get(GENL_HDRLEN..)?)))
    }

    /// For NLMSG_ERROR: (errno, extended-ACK message). errno 0 is an ACK.
    pub fn error(&self) -> Option<(i32, Option<String>)> {
        let err = i32::from_ne_bytes(self.payload.get(..4)?.try_into().ok()?);
        // The original request follows: its header only when capped, else all of it.
        let orig_len = u32::from_ne_bytes(self.payload.get(4..8)?.try_into().ok()?) as usize;
        let skip = 4 + if self.flags & NLM_F_CAPPED != 0 {
            NLMSG_HDRLEN
        } else {
            align4(orig_len)
        };
        let msg = (self.flags & NLM_F_ACK_TLVS != 0)
            .then(|| self.payload.get(skip..))
            .flatten()
            .and_then(|tlv| {
                parse_attrs(tlv)
                    .into_iter()
                    .find(|a| a.kind == NLMSGERR_ATTR_MSG)
                    .map(|a| a.string())
            });
        Some((-err, msg))
    }
}

/// Splits a datagram into messages.
pub fn parse_msgs(mut buf: &[u8]) -> Vec<Msg<'_>> {
    let mut out = Vec::new();
    while buf.len() >= NLMSG_HDRLEN {
        let len = u32::from_ne_bytes(buf[0..4].try_into().unwrap()) as usize;
        if len < NLMSG_HDRLEN || len > buf.len() {
            break;
        }
        out.push(Msg {
            kind: u16::from_ne_bytes([buf[4], buf[5]]),
            flags: u16::from_ne_bytes([buf[6], buf[7]]),
            seq: u32::from_ne_bytes(buf[8..12].try_into().unwrap()),
            payload: &buf[NLMSG_HDRLEN..len],
        });
        buf = &buf[align4(len).min(buf.len())..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attrs_round_trip_with_padding() {
        let mut b = Vec::new();
        put_attr(&mut b, 2, b"mptcp_pm\0");
        put_attr(&mut b, 1, &0x1cu16.to_ne_bytes());
        assert_eq!(b.len(), 4 + 12 + 8);
        let a = parse_attrs(&b);
        assert_eq!(a[0].string(), "mptcp_pm");
        assert_eq!(a[1].u16(), Some(0x1c));
    }

    #[test]
    fn truncated_attributes_are_ignored_not_panicked_on() {
        assert!(parse_attrs(&[8, 0, 1, 0, 1]).is_empty());
        assert!(parse_msgs(&[40, 0, 0, 0, 2, 0]).is_empty());
    }
}

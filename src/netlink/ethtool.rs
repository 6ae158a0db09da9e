//! The `ethtool` generic netlink family (Linux 5.6+): link speed and duplex (LINKMODES_GET) and offload
//! features (FEATURES_GET), per interface of the calling thread's network namespace. Bitsets are asked
//! in their compact form (bit words: the kernel names no bit in every answer), and the feature names
//! come once per socket from the features string set (STRSET_GET); without it, in their verbose form,
//! where every feature arrives with its kernel name (rx-gro, tx-tcp-segmentation). Decoders take the
//! attribute bytes of one answer.

use super::genl::GenlSocket;
use super::nla::{emit_all, value, RawNla, NLA_F_NESTED};
use super::PmError;
use std::collections::HashMap;

/// The attributes of `b` as (number, payload), for the readers below.
fn attrs(b: &[u8]) -> impl Iterator<Item = Attr<'_>> {
    super::nla::attrs(b).map(|a| Attr {
        kind: a.kind(),
        data: value(&a),
    })
}

struct Attr<'a> {
    kind: u16,
    data: &'a [u8],
}

use super::nla::{string as str_of, u32_of, u8_first as u8_of};

// include/uapi/linux/ethtool_netlink.h (names as in the header).
pub const ETHTOOL_GENL_NAME: &str = "ethtool";
pub const ETHTOOL_GENL_VERSION: u8 = 1;
pub const ETHTOOL_MSG_STRSET_GET: u8 = 1;
pub const ETHTOOL_MSG_LINKMODES_GET: u8 = 4;
pub const ETHTOOL_MSG_FEATURES_GET: u8 = 11;
pub const ETHTOOL_A_HEADER_DEV_INDEX: u16 = 1;
pub const ETHTOOL_A_HEADER_FLAGS: u16 = 3;
pub const ETHTOOL_FLAG_COMPACT_BITSETS: u32 = 1 << 0;
pub const ETHTOOL_A_STRSET_HEADER: u16 = 1;
pub const ETHTOOL_A_STRSET_STRINGSETS: u16 = 2;
pub const ETHTOOL_A_STRINGSETS_STRINGSET: u16 = 1;
pub const ETHTOOL_A_STRINGSET_ID: u16 = 1;
pub const ETHTOOL_A_STRINGSET_STRINGS: u16 = 3;
pub const ETHTOOL_A_STRINGS_STRING: u16 = 1;
pub const ETHTOOL_A_STRING_INDEX: u16 = 1;
pub const ETHTOOL_A_STRING_VALUE: u16 = 2;
/// include/uapi/linux/ethtool.h `enum ethtool_stringset`: the netdev feature names.
pub const ETH_SS_FEATURES: u32 = 4;
pub const ETHTOOL_A_BITSET_NOMASK: u16 = 1;
pub const ETHTOOL_A_BITSET_SIZE: u16 = 2;
pub const ETHTOOL_A_BITSET_BITS: u16 = 3;
pub const ETHTOOL_A_BITSET_VALUE: u16 = 4;
pub const ETHTOOL_A_BITSET_BITS_BIT: u16 = 1;
pub const ETHTOOL_A_BITSET_BIT_INDEX: u16 = 1;
pub const ETHTOOL_A_BITSET_BIT_NAME: u16 = 2;
pub const ETHTOOL_A_BITSET_BIT_VALUE: u16 = 3;
pub const ETHTOOL_A_LINKMODES_HEADER: u16 = 1;
pub const ETHTOOL_A_LINKMODES_AUTONEG: u16 = 2;
pub const ETHTOOL_A_LINKMODES_SPEED: u16 = 5;
pub const ETHTOOL_A_LINKMODES_DUPLEX: u16 = 6;
pub const ETHTOOL_A_FEATURES_HEADER: u16 = 1;
pub const ETHTOOL_A_FEATURES_HW: u16 = 2;
pub const ETHTOOL_A_FEATURES_WANTED: u16 = 3;
pub const ETHTOOL_A_FEATURES_ACTIVE: u16 = 4;
pub const ETHTOOL_A_FEATURES_NOCHANGE: u16 = 5;
// include/uapi/linux/ethtool.h
pub const SPEED_UNKNOWN: u32 = u32::MAX;
pub const DUPLEX_HALF: u8 = 0;
pub const DUPLEX_FULL: u8 = 1;

/// What LINKMODES_GET says about the link.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinkModes {
    /// Mb/s; None when unknown (SPEED_UNKNOWN, or the link is down).
    pub speed: Option<u32>,
    /// "full", "half", or None when unknown.
    pub duplex: Option<&'static str>,
    pub autoneg: Option<bool>,
}

/// What FEATURES_GET says: the feature names in each of its four sets.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Features {
    /// Features the user may change.
    pub hw: Vec<String>,
    /// Features the user asked for.
    pub wanted: Vec<String>,
    /// Features on now.
    pub active: Vec<String>,
    /// Features that can never change.
    pub nochange: Vec<String>,
}

/// The names of the bits set in a bitset attribute (verbose form: with a mask, a listed bit is set
/// when it carries BIT_VALUE; without one (NOMASK), every listed bit is set). Bits of a compact
/// bitset, which carry no names, read as `bit N`.
pub fn decode_bitset(b: &[u8]) -> Vec<String> {
    decode_bitset_named(b, &[])
}

/// `decode_bitset`, a compact bitset's bit N named `names[N]` (`bit N` past the names).
pub fn decode_bitset_named(b: &[u8], names: &[String]) -> Vec<String> {
    let nomask = attrs(b).any(|a| a.kind == ETHTOOL_A_BITSET_NOMASK);
    let mut out = Vec::new();
    let mut listed = false;
    for a in attrs(b).filter(|a| a.kind == ETHTOOL_A_BITSET_BITS) {
        listed = true;
        for bit in attrs(a.data).filter(|x| x.kind == ETHTOOL_A_BITSET_BITS_BIT) {
            let (mut index, mut name, mut value) = (None, None, false);
            for f in attrs(bit.data) {
                match f.kind {
                    ETHTOOL_A_BITSET_BIT_INDEX => index = u32_of(f.data),
                    ETHTOOL_A_BITSET_BIT_NAME => name = Some(str_of(f.data)),
                    ETHTOOL_A_BITSET_BIT_VALUE => value = true,
                    _ => {}
                }
            }
            if nomask || value {
                if let Some(n) = name.or_else(|| index.map(|i| format!("bit {i}"))) {
                    out.push(n);
                }
            }
        }
    }
    if !listed {
        let size = attrs(b)
            .find(|a| a.kind == ETHTOOL_A_BITSET_SIZE)
            .and_then(|a| u32_of(a.data))
            .unwrap_or(0) as usize;
        if let Some(v) = attrs(b).find(|a| a.kind == ETHTOOL_A_BITSET_VALUE) {
            for (w, word) in v.data.chunks_exact(4).enumerate() {
                let word = u32::from_ne_bytes(word.try_into().unwrap_or([0; 4]));
                for bit in 0..32 {
                    let i = w * 32 + bit;
                    if word & (1 << bit) != 0 && (size == 0 || i < size) {
                        out.push(names.get(i).cloned().unwrap_or_else(|| format!("bit {i}")));
                    }
                }
            }
        }
    }
    out
}

/// Decodes a LINKMODES_GET answer's attributes.
pub fn decode_linkmodes(b: &[u8]) -> LinkModes {
    let mut m = LinkModes::default();
    for a in attrs(b) {
        match a.kind {
            ETHTOOL_A_LINKMODES_SPEED => {
                m.speed = u32_of(a.data).filter(|s| *s != SPEED_UNKNOWN && *s != 0)
            }
            ETHTOOL_A_LINKMODES_DUPLEX => {
                m.duplex = match u8_of(a.data) {
                    Some(DUPLEX_FULL) => Some("full"),
                    Some(DUPLEX_HALF) => Some("half"),
                    _ => None,
                }
            }
            ETHTOOL_A_LINKMODES_AUTONEG => m.autoneg = u8_of(a.data).map(|v| v != 0),
            _ => {}
        }
    }
    m
}

/// Decodes a FEATURES_GET answer's attributes.
pub fn decode_features(b: &[u8]) -> Features {
    decode_features_named(b, &[])
}

/// `decode_features` with the feature names of a compact answer (the features string set).
pub fn decode_features_named(b: &[u8], names: &[String]) -> Features {
    let mut f = Features::default();
    for a in attrs(b) {
        let set = match a.kind {
            ETHTOOL_A_FEATURES_HW => &mut f.hw,
            ETHTOOL_A_FEATURES_WANTED => &mut f.wanted,
            ETHTOOL_A_FEATURES_ACTIVE => &mut f.active,
            ETHTOOL_A_FEATURES_NOCHANGE => &mut f.nochange,
            _ => continue,
        };
        *set = decode_bitset_named(a.data, names);
    }
    f
}

/// The strings of the string set `id` in a STRSET_GET answer, by their index (a gap reads as
/// `bit N` when a bit names it); None when the answer has no such set.
pub fn decode_string_set(b: &[u8], id: u32) -> Option<Vec<String>> {
    let sets = attrs(b).find(|a| a.kind == ETHTOOL_A_STRSET_STRINGSETS)?;
    let set = attrs(sets.data)
        .filter(|a| a.kind == ETHTOOL_A_STRINGSETS_STRINGSET)
        .find(|set| {
            attrs(set.data).any(|a| a.kind == ETHTOOL_A_STRINGSET_ID && u32_of(a.data) == Some(id))
        })?;
    let strings = attrs(set.data).find(|a| a.kind == ETHTOOL_A_STRINGSET_STRINGS)?;
    let mut out: Vec<String> = Vec::new();
    for string in attrs(strings.data).filter(|a| a.kind == ETHTOOL_A_STRINGS_STRING) {
        let (mut index, mut value) = (None, None);
        for f in attrs(string.data) {
            match f.kind {
                ETHTOOL_A_STRING_INDEX => index = u32_of(f.data),
                ETHTOOL_A_STRING_VALUE => value = Some(str_of(f.data)),
                _ => {}
            }
        }
        // The kernel's sets have a few hundred strings at most: an index past that is not one.
        let (Some(i), Some(v)) = (index, value) else {
            continue;
        };
        let i = i as usize;
        if i >= 4096 {
            continue;
        }
        if out.len() <= i {
            out.resize_with(i + 1, String::new);
        }
        out[i] = v;
    }
    for (i, s) in out.iter_mut().enumerate() {
        if s.is_empty() {
            *s = format!("bit {i}");
        }
    }
    Some(out)
}

/// A generic netlink socket with the `ethtool` family resolved, in the calling thread's namespace.
pub struct Ethtool {
    sock: GenlSocket,
    family: u16,
    /// The feature names (asked once; None inside when the kernel would not say them).
    feature_names: Option<Option<std::sync::Arc<Vec<String>>>>,
}

impl Ethtool {
    /// Fails with `PmError::FamilyMissing` on kernels without ethtool netlink (before 5.6, or built
    /// without CONFIG_ETHTOOL_NETLINK).
    pub fn open() -> Result<Ethtool, PmError> {
        let mut sock = GenlSocket::open()?;
        let family = sock.family(ETHTOOL_GENL_NAME)?.id;
        Ok(Ethtool {
            sock,
            family,
            feature_names: None,
        })
    }

    /// A request header: the interface (none: every interface, or a global answer) and the flags.
    fn header(kind: u16, index: Option<i32>, flags: u32) -> RawNla {
        let mut attrs = Vec::new();
        if let Some(i) = index {
            attrs.push(RawNla::new(
                ETHTOOL_A_HEADER_DEV_INDEX,
                (i as u32).to_ne_bytes(),
            ));
        }
        attrs.push(RawNla::new(ETHTOOL_A_HEADER_FLAGS, flags.to_ne_bytes()));
        RawNla::new(kind | NLA_F_NESTED, emit_all(&attrs))
    }

    /// One request of `attrs` (a dump with `dump`): the answers.
    fn request(
        &mut self,
        cmd: u8,
        attrs: &[RawNla],
        dump: bool,
        op: &str,
    ) -> Result<Vec<super::genl::GenlMsg>, PmError> {
        self.sock.request(
            self.family,
            cmd,
            ETHTOOL_GENL_VERSION,
            &emit_all(attrs),
            dump,
            op,
        )
    }

    /// One request that is not a dump: the attribute bytes of its answer.
    fn ask(&mut self, cmd: u8, attrs: &[RawNla], op: &str) -> Result<Vec<u8>, PmError> {
        self.request(cmd, attrs, false, op)?
            .into_iter()
            .next()
            .map(|m| m.attrs)
            .ok_or_else(|| PmError::Other(format!("{op}: no answer")))
    }

    /// A dump of `cmd` over every interface of the namespace (the header names none): each answer's
    /// attributes, by the interface index its header names.
    fn dump(
        &mut self,
        cmd: u8,
        header: u16,
        flags: u32,
        op: &str,
    ) -> Result<Vec<(i32, Vec<u8>)>, PmError> {
        let msgs = self.request(cmd, &[Self::header(header, None, flags)], true, op)?;
        Ok(msgs
            .into_iter()
            .filter_map(|m| {
                let index = attrs(&m.attrs).find(|a| a.kind == header).and_then(|h| {
                    attrs(h.data)
                        .find(|a| a.kind == ETHTOOL_A_HEADER_DEV_INDEX)
                        .and_then(|a| u32_of(a.data))
                })?;
                Some((index as i32, m.attrs))
            })
            .collect())
    }

    /// `linkmodes` of every interface that has them, in one dump (an interface without link modes is
    /// left out: ask it alone for the reason).
    pub fn linkmodes_all(&mut self) -> Result<HashMap<i32, LinkModes>, PmError> {
        Ok(self
            .dump(
                ETHTOOL_MSG_LINKMODES_GET,
                ETHTOOL_A_LINKMODES_HEADER,
                ETHTOOL_FLAG_COMPACT_BITSETS,
                "ethtool linkmodes dump",
            )?
            .into_iter()
            .map(|(i, b)| (i, decode_linkmodes(&b)))
            .collect())
    }

    /// `features` of every interface, in one dump; Err when the names or the dump are not there
    /// (ask each interface alone then).
    pub fn features_all(&mut self) -> Result<HashMap<i32, Features>, PmError> {
        let names = self
            .feature_names()
            .ok_or_else(|| PmError::Other("ethtool strset: no feature names".into()))?;
        Ok(self
            .dump(
                ETHTOOL_MSG_FEATURES_GET,
                ETHTOOL_A_FEATURES_HEADER,
                ETHTOOL_FLAG_COMPACT_BITSETS,
                "ethtool features dump",
            )?
            .into_iter()
            .map(|(i, b)| (i, decode_features_named(&b, &names)))
            .collect())
    }

    /// One GET request for the interface `index` with header `flags`.
    fn get(
        &mut self,
        cmd: u8,
        header: u16,
        index: i32,
        flags: u32,
        op: &str,
    ) -> Result<Vec<u8>, PmError> {
        self.ask(cmd, &[Self::header(header, Some(index), flags)], op)
    }

    /// Speed, duplex and autonegotiation (the link-mode bitsets, unused, are asked compact).
    pub fn linkmodes(&mut self, index: i32) -> Result<LinkModes, PmError> {
        self.get(
            ETHTOOL_MSG_LINKMODES_GET,
            ETHTOOL_A_LINKMODES_HEADER,
            index,
            ETHTOOL_FLAG_COMPACT_BITSETS,
            "ethtool linkmodes",
        )
        .map(|b| decode_linkmodes(&b))
    }

    /// The netdev feature names, by bit (the global string set, asked once per socket).
    fn feature_names(&mut self) -> Option<std::sync::Arc<Vec<String>>> {
        if self.feature_names.is_none() {
            let hdr = Self::header(ETHTOOL_A_STRSET_HEADER, None, 0);
            let sets = RawNla::new(
                ETHTOOL_A_STRSET_STRINGSETS | NLA_F_NESTED,
                emit_all(&[RawNla::new(
                    ETHTOOL_A_STRINGSETS_STRINGSET | NLA_F_NESTED,
                    emit_all(&[RawNla::new(
                        ETHTOOL_A_STRINGSET_ID,
                        ETH_SS_FEATURES.to_ne_bytes(),
                    )]),
                )]),
            );
            let names = self
                .ask(ETHTOOL_MSG_STRSET_GET, &[hdr, sets], "ethtool strset")
                .ok()
                .and_then(|b| decode_string_set(&b, ETH_SS_FEATURES))
                .filter(|n| !n.is_empty())
                .map(std::sync::Arc::new);
            self.feature_names = Some(names);
        }
        self.feature_names.clone().flatten()
    }

    /// The interface's offload features: compact bitsets named from the features string set, or
    /// verbose ones when the kernel did not give the names.
    pub fn features(&mut self, index: i32) -> Result<Features, PmError> {
        let Some(names) = self.feature_names() else {
            return self.features_verbose(index);
        };
        self.get(
            ETHTOOL_MSG_FEATURES_GET,
            ETHTOOL_A_FEATURES_HEADER,
            index,
            ETHTOOL_FLAG_COMPACT_BITSETS,
            "ethtool features",
        )
        .map(|b| decode_features_named(&b, &names))
    }

    /// `features` in the verbose form: every bit named in the answer itself.
    pub fn features_verbose(&mut self, index: i32) -> Result<Features, PmError> {
        self.get(
            ETHTOOL_MSG_FEATURES_GET,
            ETHTOOL_A_FEATURES_HEADER,
            index,
            0,
            "ethtool features",
        )
        .map(|b| decode_features(&b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(kind: u16, data: &[u8]) -> Vec<u8> {
        emit_all(&[RawNla::new(kind, data)])
    }

    fn bit(index: u32, name: &str, value: bool) -> Vec<u8> {
        let mut b = attr(ETHTOOL_A_BITSET_BIT_INDEX, &index.to_ne_bytes());
        b.extend(attr(
            ETHTOOL_A_BITSET_BIT_NAME,
            format!("{name}\0").as_bytes(),
        ));
        if value {
            b.extend(attr(ETHTOOL_A_BITSET_BIT_VALUE, &[]));
        }
        attr(ETHTOOL_A_BITSET_BITS_BIT, &b)
    }

    fn bitset(nomask: bool, bits: &[Vec<u8>]) -> Vec<u8> {
        let mut b = Vec::new();
        if nomask {
            b.extend(attr(ETHTOOL_A_BITSET_NOMASK, &[]));
        }
        b.extend(attr(ETHTOOL_A_BITSET_SIZE, &64u32.to_ne_bytes()));
        b.extend(attr(ETHTOOL_A_BITSET_BITS, &bits.concat()));
        b
    }

    #[test]
    fn verbose_bitsets_name_their_set_bits() {
        let nomask = bitset(
            true,
            &[bit(0, "tx-scatter-gather", false), bit(20, "rx-gro", false)],
        );
        assert_eq!(decode_bitset(&nomask), ["tx-scatter-gather", "rx-gro"]);
        let masked = bitset(
            false,
            &[
                bit(16, "tx-tcp-segmentation", true),
                bit(20, "rx-gro", false),
            ],
        );
        assert_eq!(decode_bitset(&masked), ["tx-tcp-segmentation"]);
    }

    #[test]
    fn compact_bitsets_give_bit_numbers() {
        let mut b = attr(ETHTOOL_A_BITSET_SIZE, &40u32.to_ne_bytes());
        b.extend(attr(ETHTOOL_A_BITSET_VALUE, &[0b101, 0, 0, 0, 1, 0, 0, 0]));
        assert_eq!(decode_bitset(&b), ["bit 0", "bit 2", "bit 32"]);
    }

    #[test]
    fn compact_bitsets_are_named_from_the_string_set() {
        // STRSET_GET answer: set 4 (features) with strings 0 and 2; set 1 beside it.
        let string = |i: u32, v: &str| {
            let mut s = attr(ETHTOOL_A_STRING_INDEX, &i.to_ne_bytes());
            s.extend(attr(ETHTOOL_A_STRING_VALUE, format!("{v}\0").as_bytes()));
            attr(ETHTOOL_A_STRINGS_STRING, &s)
        };
        let set = |id: u32, strings: &[Vec<u8>]| {
            let mut s = attr(ETHTOOL_A_STRINGSET_ID, &id.to_ne_bytes());
            s.extend(attr(ETHTOOL_A_STRINGSET_STRINGS, &strings.concat()));
            attr(ETHTOOL_A_STRINGSETS_STRINGSET, &s)
        };
        let answer = attr(
            ETHTOOL_A_STRSET_STRINGSETS,
            &[
                set(1, &[string(0, "other")]),
                set(ETH_SS_FEATURES, &[string(2, "rx-gro"), string(0, "tx-sg")]),
            ]
            .concat(),
        );
        let names = decode_string_set(&answer, ETH_SS_FEATURES).unwrap();
        assert_eq!(names, ["tx-sg", "bit 1", "rx-gro"]);
        assert_eq!(decode_string_set(&answer, 9), None);
        // A compact bitset: bits 0, 2 and 33 set; 33 has no name.
        let mut b = attr(ETHTOOL_A_BITSET_NOMASK, &[]);
        b.extend(attr(ETHTOOL_A_BITSET_SIZE, &40u32.to_ne_bytes()));
        b.extend(attr(
            ETHTOOL_A_BITSET_VALUE,
            &[0b101, 0, 0, 0, 0b10, 0, 0, 0],
        ));
        let f = decode_features_named(&attr(ETHTOOL_A_FEATURES_ACTIVE, &b), &names);
        assert_eq!(f.active, ["tx-sg", "rx-gro", "bit 33"]);
        // An index far past any real set is not a reason to allocate.
        let huge = attr(
            ETHTOOL_A_STRSET_STRINGSETS,
            &set(ETH_SS_FEATURES, &[string(u32::MAX, "x"), string(1, "y")]),
        );
        assert_eq!(
            decode_string_set(&huge, ETH_SS_FEATURES).unwrap(),
            ["bit 0", "y"]
        );
    }

    #[test]
    fn features_answer() {
        let mut b = attr(ETHTOOL_A_FEATURES_HEADER, &attr(2, b"eth1\0"));
        b.extend(attr(
            ETHTOOL_A_FEATURES_HW,
            &bitset(
                true,
                &[
                    bit(16, "tx-tcp-segmentation", false),
                    bit(20, "rx-gro", false),
                ],
            ),
        ));
        b.extend(attr(
            ETHTOOL_A_FEATURES_ACTIVE,
            &bitset(true, &[bit(16, "tx-tcp-segmentation", false)]),
        ));
        b.extend(attr(ETHTOOL_A_FEATURES_NOCHANGE, &bitset(true, &[])));
        let f = decode_features(&b);
        assert_eq!(f.hw, ["tx-tcp-segmentation", "rx-gro"]);
        assert_eq!(f.active, ["tx-tcp-segmentation"]);
        assert!(f.wanted.is_empty() && f.nochange.is_empty());
    }

    #[test]
    fn linkmodes_answer_and_unknown_speed() {
        let mut b = attr(ETHTOOL_A_LINKMODES_SPEED, &10000u32.to_ne_bytes());
        b.extend(attr(ETHTOOL_A_LINKMODES_DUPLEX, &[DUPLEX_FULL]));
        b.extend(attr(ETHTOOL_A_LINKMODES_AUTONEG, &[0]));
        let m = decode_linkmodes(&b);
        assert_eq!(
            (m.speed, m.duplex, m.autoneg),
            (Some(10000), Some("full"), Some(false))
        );
        let mut b = attr(ETHTOOL_A_LINKMODES_SPEED, &SPEED_UNKNOWN.to_ne_bytes());
        b.extend(attr(ETHTOOL_A_LINKMODES_DUPLEX, &[0xff]));
        assert_eq!(decode_linkmodes(&b), LinkModes::default());
        // Truncated input: nothing, no panic.
        assert_eq!(decode_linkmodes(&[8, 0, 5]), LinkModes::default());
        assert!(decode_bitset(&[1, 2]).is_empty());
    }
}

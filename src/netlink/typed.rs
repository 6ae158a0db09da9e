//! Typed attribute enums over the shared vocabulary (`nla.rs`): `typed_attrs!` declares one enum per
//! attribute set, each variant a kernel constant with its payload codec, plus `Other(RawNla)` for
//! what this build does not know. Decoding checks sizes and names the attribute when one is wrong;
//! emitting goes through netlink-packet-core's `Nla`, so decode -> emit gives the kernel's bytes.

use std::net::{Ipv4Addr, Ipv6Addr};

/// How one payload type is read and written.
pub trait Codec {
    type T;
    fn len(v: &Self::T) -> usize;
    fn parse(p: &[u8], what: &str) -> Result<Self::T, String>;
    fn emit(v: &Self::T, b: &mut [u8]);
}

fn sized<const N: usize>(p: &[u8], what: &str) -> Result<[u8; N], String> {
    p.try_into()
        .map_err(|_| format!("{what}: expected {N} bytes, got {}", p.len()))
}

macro_rules! codec {
    ($name:ident, $t:ty, $n:expr, $from:expr, $to:expr) => {
        pub struct $name;
        impl Codec for $name {
            type T = $t;
            fn len(_: &$t) -> usize {
                $n
            }
            fn parse(p: &[u8], what: &str) -> Result<$t, String> {
                sized::<$n>(p, what).map($from)
            }
            fn emit(v: &$t, b: &mut [u8]) {
                b.copy_from_slice(&$to(*v));
            }
        }
    };
}

codec!(U8, u8, 1, |b: [u8; 1]| b[0], |v: u8| [v]);
codec!(U16, u16, 2, u16::from_ne_bytes, u16::to_ne_bytes);
codec!(U16Be, u16, 2, u16::from_be_bytes, u16::to_be_bytes);
codec!(U32, u32, 4, u32::from_ne_bytes, u32::to_ne_bytes);
codec!(I32, i32, 4, i32::from_ne_bytes, i32::to_ne_bytes);
codec!(U64, u64, 8, u64::from_ne_bytes, u64::to_ne_bytes);
codec!(V4, Ipv4Addr, 4, Ipv4Addr::from, |a: Ipv4Addr| a.octets());
codec!(V6, Ipv6Addr, 16, Ipv6Addr::from, |a: Ipv6Addr| a.octets());

/// A NUL-terminated string (emitted with its terminator, as the kernel sends it).
pub struct Str;
impl Codec for Str {
    type T = String;
    fn len(v: &String) -> usize {
        v.len() + 1
    }
    fn parse(p: &[u8], _: &str) -> Result<String, String> {
        Ok(super::nla::string(p))
    }
    fn emit(v: &String, b: &mut [u8]) {
        b[..v.len()].copy_from_slice(v.as_bytes());
        b[v.len()] = 0;
    }
}

/// Declares an attribute enum: `Variant = KERNEL_CONST => Codec`, and `Other(RawNla)`.
macro_rules! typed_attrs {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $konst:ident => $codec:ident),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum $name {
            $($variant(<$crate::netlink::typed::$codec as $crate::netlink::typed::Codec>::T),)+
            /// An attribute this build does not know, kept as it came.
            Other($crate::netlink::nla::RawNla),
        }

        impl $crate::netlink::nla::Nla for $name {
            fn value_len(&self) -> usize {
                use $crate::netlink::typed::Codec;
                match self {
                    $($name::$variant(v) => $crate::netlink::typed::$codec::len(v),)+
                    $name::Other(r) => r.value.len(),
                }
            }
            fn kind(&self) -> u16 {
                match self {
                    $($name::$variant(_) => $konst,)+
                    $name::Other(r) => r.kind,
                }
            }
            fn emit_value(&self, b: &mut [u8]) {
                use $crate::netlink::typed::Codec;
                match self {
                    $($name::$variant(v) => $crate::netlink::typed::$codec::emit(v, b),)+
                    $name::Other(r) => b.copy_from_slice(&r.value),
                }
            }
        }

        impl $name {
            /// Decodes one attribute; Err names a known attribute whose payload has the wrong size.
            pub fn decode(kind: u16, value: &[u8]) -> Result<$name, String> {
                use $crate::netlink::typed::Codec;
                Ok(match kind & $crate::netlink::nla::NLA_TYPE_MASK {
                    $($konst => $name::$variant(
                        $crate::netlink::typed::$codec::parse(value, stringify!($konst))?,
                    ),)+
                    _ => $name::Other($crate::netlink::nla::RawNla::new(kind, value)),
                })
            }

            /// Every attribute of `buf`, in order.
            pub fn decode_all(buf: &[u8]) -> Result<Vec<$name>, String> {
                $crate::netlink::nla::attrs(buf)
                    .map(|a| {
                        let raw = a.into_inner();
                        let kind = u16::from_ne_bytes([raw[2], raw[3]]);
                        $name::decode(kind, $crate::netlink::nla::value(&a))
                    })
                    .collect()
            }
        }
    };
}
pub(crate) use typed_attrs;

#[cfg(test)]
mod tests {
    use crate::netlink::nla::{emit_all, RawNla};

    const A_ID: u16 = 1;
    const A_NAME: u16 = 2;
    const A_PORT: u16 = 3;
    typed_attrs! {
        Sample {
            Id = A_ID => U8,
            Name = A_NAME => Str,
            Port = A_PORT => U16Be,
        }
    }

    #[test]
    fn decodes_known_keeps_unknown_and_emits_the_same_bytes() {
        let bytes = emit_all(&[
            RawNla::new(A_ID, [7]),
            RawNla::new(A_NAME, &b"lo\0"[..]),
            RawNla::new(A_PORT, [0x27, 0x11]),
            RawNla::new(42, [1, 2, 3]),
        ]);
        let attrs = Sample::decode_all(&bytes).unwrap();
        assert_eq!(
            attrs,
            [
                Sample::Id(7),
                Sample::Name("lo".into()),
                Sample::Port(10001),
                Sample::Other(RawNla::new(42, [1, 2, 3])),
            ]
        );
        assert_eq!(emit_all(&attrs), bytes);
        let short = emit_all(&[RawNla::new(A_PORT, [1])]);
        assert_eq!(
            Sample::decode_all(&short).unwrap_err(),
            "A_PORT: expected 2 bytes, got 1"
        );
    }
}

//! IP addresses: keyed prefix-preserving encryption (ipcrypt-pfx), with a per-run cache since each
//! distinct address costs one AES per bit. Addresses that identify nobody stay as they are (loopback,
//! unspecified, multicast, broadcast/reserved, IPv4 link-local, documentation ranges); IPv6 link-local
//! keeps its fe80::/64 prefix and only its interface identifier (which can embed a MAC) is encrypted.

use super::key::Key;
use super::scan::mask;
use ipcrypt_rs::IpcryptPfx;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A multiply-rotate hasher (FxHash's mix) for the per-run caches: addresses are looked up once per
/// occurrence (a million times in a big report) and SipHash's flood resistance buys nothing for
/// addresses read from the user's own machine.
#[derive(Default)]
pub(super) struct FastHasher(u64);

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(w));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_u128(&mut self, n: u128) {
        self.write_u64(n as u64);
        self.write_u64((n >> 64) as u64);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn finish(&self) -> u64 {
        // The multiply leaves the low bits (the table's bucket index) depending on the low bits of
        // the input only (`10.` for every 10/8 address): fold the high bits down (murmur3's fmix64).
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h
    }
}

pub(super) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

pub struct IpCipher {
    pfx: IpcryptPfx,
    /// original -> encrypted, for every address encrypted so far, per family as integers: small
    /// entries keep the tables in cache (an IpAddr pair takes 34 bytes, a v4 pair 8).
    cache4: FastMap<u32, u32>,
    cache6: FastMap<u128, u128>,
    /// Networks written with zero host bits: (original, prefix length) -> masked encryption.
    nets: BTreeMap<(IpAddr, u8), IpAddr>,
}

/// Addresses left as they are: they identify no one and maintainers need them verbatim.
pub fn keep(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => keep_v4(a),
        IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(v4) => keep_v4(v4),
            None => keep_v6(a),
        },
    }
}

fn keep_v4(a: Ipv4Addr) -> bool {
    let o = a.octets();
    o[0] == 0 // this network / unspecified
        || o[0] == 127 // loopback
        || o[0] >= 224 // multicast, reserved, broadcast, netmasks
        || (o[0] == 169 && o[1] == 254) // link-local
        || (o[0], o[1], o[2]) == (192, 0, 2)
        || (o[0], o[1], o[2]) == (198, 51, 100)
        || (o[0], o[1], o[2]) == (203, 0, 113)
}

fn keep_v6(a: Ipv6Addr) -> bool {
    let s = a.segments();
    a.is_loopback()
        || a.is_unspecified()
        || s[0] >> 8 == 0xff // multicast
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (is_link_local_v6(a) && u128::from(a) as u64 == 0) // fe80:: itself (a route prefix)
}

fn is_link_local_v6(a: Ipv6Addr) -> bool {
    a.segments()[0] & 0xffc0 == 0xfe80
}

fn upper64(a: Ipv6Addr) -> u128 {
    u128::from(a) & !(u64::MAX as u128)
}

impl IpCipher {
    /// The key must have been validated (halves differ): see key.rs.
    pub fn new(key: &Key) -> IpCipher {
        IpCipher {
            pfx: IpcryptPfx::new(*key),
            cache4: FastMap::default(),
            cache6: FastMap::default(),
            nets: BTreeMap::new(),
        }
    }

    /// The address to write instead of `ip`; None when it is kept as is.
    pub fn encrypt(&mut self, ip: IpAddr) -> Option<IpAddr> {
        if let IpAddr::V6(a) = ip {
            if let Some(v4) = a.to_ipv4_mapped() {
                return match self.encrypt(IpAddr::V4(v4))? {
                    IpAddr::V4(e) => Some(IpAddr::V6(e.to_ipv6_mapped())),
                    e => Some(e),
                };
            }
        }
        if keep(ip) {
            return None;
        }
        let cached = match ip {
            IpAddr::V4(a) => self.cache4.get(&a.to_bits()).map(|&e| IpAddr::V4(e.into())),
            IpAddr::V6(a) => self.cache6.get(&a.to_bits()).map(|&e| IpAddr::V6(e.into())),
        };
        if cached.is_some() {
            return cached;
        }
        let out = match ip {
            IpAddr::V6(a) if is_link_local_v6(a) => {
                let e = as_v6(self.pfx.encrypt_ipaddr(ip));
                let iid = u128::from(e) & u64::MAX as u128;
                IpAddr::V6(Ipv6Addr::from(upper64(a) | iid))
            }
            IpAddr::V6(_) => IpAddr::V6(as_v6(self.pfx.encrypt_ipaddr(ip))),
            IpAddr::V4(_) => self.pfx.encrypt_ipaddr(ip),
        };
        match (ip, out) {
            (IpAddr::V4(a), IpAddr::V4(e)) => {
                self.cache4.insert(a.to_bits(), e.to_bits());
            }
            (IpAddr::V6(a), IpAddr::V6(e)) => {
                self.cache6.insert(a.to_bits(), e.to_bits());
            }
            _ => {}
        }
        Some(out)
    }

    /// The original of an encrypted address (for `unredact`); None for addresses that are never
    /// encrypted.
    pub fn decrypt(&self, ip: IpAddr) -> Option<IpAddr> {
        if let IpAddr::V6(a) = ip {
            if let Some(v4) = a.to_ipv4_mapped() {
                return match self.decrypt(IpAddr::V4(v4))? {
                    IpAddr::V4(d) => Some(IpAddr::V6(d.to_ipv6_mapped())),
                    d => Some(d),
                };
            }
        }
        if keep(ip) {
            return None;
        }
        Some(match ip {
            IpAddr::V6(a) if is_link_local_v6(a) => {
                // The prefix was kept; its encryption depends on the prefix only, so it can be recomputed.
                let prefix = IpAddr::V6(Ipv6Addr::from(upper64(a)));
                let enc_prefix = upper64(as_v6(self.pfx.encrypt_ipaddr(prefix)));
                let full = Ipv6Addr::from(enc_prefix | (u128::from(a) & u64::MAX as u128));
                IpAddr::V6(as_v6(self.pfx.decrypt_ipaddr(IpAddr::V6(full))))
            }
            IpAddr::V6(_) => IpAddr::V6(as_v6(self.pfx.decrypt_ipaddr(ip))),
            IpAddr::V4(_) => self.pfx.decrypt_ipaddr(ip),
        })
    }

    /// A network (`addr/len`, host bits zero): the encryption with its host bits cleared too.
    pub fn encrypt_net(&mut self, ip: IpAddr, len: u8) -> Option<IpAddr> {
        let m = mask(self.encrypt(ip)?, len);
        self.nets.insert((ip, len), m);
        Some(m)
    }

    /// Networks seen, as `original/len` -> `encrypted/len`.
    pub fn networks(&self) -> impl Iterator<Item = (String, String)> + '_ {
        self.nets
            .iter()
            .map(|((o, l), m)| (format!("{o}/{l}"), format!("{m}/{l}")))
    }

    /// Every address encrypted so far (original -> encrypted).
    pub fn mapping(&self) -> impl Iterator<Item = (IpAddr, IpAddr)> + '_ {
        let v4 = self
            .cache4
            .iter()
            .map(|(&o, &e)| (IpAddr::V4(o.into()), IpAddr::V4(e.into())));
        let v6 = self
            .cache6
            .iter()
            .map(|(&o, &e)| (IpAddr::V6(o.into()), IpAddr::V6(e.into())));
        v4.chain(v6)
    }
}

/// ipcrypt hands back an IPv4 when an IPv6 result falls in ::ffff:0:0/96; keep the family.
fn as_v6(ip: IpAddr) -> Ipv6Addr {
    match ip {
        IpAddr::V6(a) => a,
        IpAddr::V4(a) => a.to_ipv6_mapped(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher() -> IpCipher {
        let mut k = [0u8; 32];
        for (i, b) in k.iter_mut().enumerate() {
            *b = i as u8;
        }
        IpCipher::new(&k)
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn special_ranges_are_kept() {
        let mut c = cipher();
        for a in [
            "127.0.0.1",
            "0.0.0.0",
            "224.0.0.251",
            "255.255.255.255",
            "255.255.255.0",
            "169.254.1.2",
            "192.0.2.7",
            "198.51.100.1",
            "203.0.113.9",
            "::1",
            "::",
            "ff02::1",
            "2001:db8::5",
            "::ffff:127.0.0.1",
        ] {
            assert_eq!(c.encrypt(ip(a)), None, "{a}");
        }
    }

    #[test]
    fn encrypts_consistently_and_decrypts() {
        let mut c = cipher();
        for a in ["10.1.2.3", "8.8.8.8", "2a01:cb00::1", "fd00::5"] {
            let e = c.encrypt(ip(a)).unwrap();
            assert_ne!(e, ip(a));
            assert_eq!(e.is_ipv4(), ip(a).is_ipv4());
            assert_eq!(c.encrypt(ip(a)), Some(e));
            assert_eq!(c.decrypt(e), Some(ip(a)));
        }
    }

    #[test]
    fn link_local_keeps_prefix_and_mapped_stays_mapped() {
        let mut c = cipher();
        let a = ip("fe80::a8bb:ccff:fedd:eeff");
        let e = c.encrypt(a).unwrap();
        assert!(e.to_string().starts_with("fe80::"), "{e}");
        assert_ne!(e, a);
        assert_eq!(c.decrypt(e), Some(a));
        let m = c.encrypt(ip("::ffff:10.1.2.3")).unwrap();
        let v4 = c.encrypt(ip("10.1.2.3")).unwrap();
        assert_eq!(m.to_string(), format!("::ffff:{v4}"));
    }
}

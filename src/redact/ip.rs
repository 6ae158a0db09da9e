//! IP addresses: keyed prefix-preserving encryption (ipcrypt-pfx), one cached mapping per run, and a
//! byte scanner that finds addresses in every textual form iproute2, ss, nstat and config files use
//! without touching version strings, counters, tokens, times or MACs.

use ipcrypt_rs::IpcryptPfx;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub const KEY_BYTES: usize = IpcryptPfx::KEY_BYTES;

pub struct IpCipher {
    cipher: IpcryptPfx,
    pub map: HashMap<IpAddr, IpAddr>,
}

/// Addresses kept as they are: they identify nobody and are evidence.
pub fn keep(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => {
            let o = a.octets();
            a.is_loopback()
                || a.is_unspecified()
                || a.is_multicast()
                || a.is_broadcast()
                || a.is_link_local()
                || (o[0], o[1], o[2]) == (192, 0, 2)
                || (o[0], o[1], o[2]) == (198, 51, 100)
                || (o[0], o[1], o[2]) == (203, 0, 113)
        }
        IpAddr::V6(a) => {
            let s = a.segments();
            a.is_loopback()
                || a.is_unspecified()
                || a.is_multicast()
                || (s[0], s[1]) == (0x2001, 0x0db8)
        }
    }
}

/// Validates a key: the two AES halves must differ (ipcrypt-pfx panics otherwise).
pub fn check_key(key: &[u8; KEY_BYTES]) -> Result<(), String> {
    if key[..16] == key[16..] {
        return Err("the two halves of the key are identical".into());
    }
    Ok(())
}

impl IpCipher {
    pub fn new(key: &[u8; KEY_BYTES]) -> Result<IpCipher, String> {
        check_key(key)?;
        Ok(IpCipher {
            cipher: IpcryptPfx::new(*key),
            map: HashMap::new(),
        })
    }

    /// The redacted form of an address (cached).
    pub fn map(&mut self, ip: IpAddr) -> IpAddr {
        if keep(&ip) {
            return ip;
        }
        if let Some(r) = self.map.get(&ip) {
            return *r;
        }
        let out = self.encrypt(ip);
        self.map.insert(ip, out);
        out
    }

    fn encrypt(&self, ip: IpAddr) -> IpAddr {
        match ip {
            IpAddr::V4(_) => self.cipher.encrypt_ipaddr(ip),
            IpAddr::V6(a) => {
                // ::ffff:a.b.c.d is an IPv4 address: encrypt it as one, so it matches its plain form.
                if let Some(v4) = a.to_ipv4_mapped() {
                    let IpAddr::V4(e) = self.cipher.encrypt_ipaddr(IpAddr::V4(v4)) else {
                        unreachable!()
                    };
                    return IpAddr::V6(e.to_ipv6_mapped());
                }
                let e = match self.cipher.encrypt_ipaddr(ip) {
                    IpAddr::V6(e) => e,
                    IpAddr::V4(e) => e.to_ipv6_mapped(),
                };
                if a.segments()[0] & 0xffc0 == 0xfe80 {
                    // Link-local: the prefix is kept, the interface id (which can embed a MAC) is not.
                    let (o, r) = (a.octets(), e.octets());
                    let mut b = [0u8; 16];
                    b[..8].copy_from_slice(&o[..8]);
                    b[8..].copy_from_slice(&r[8..]);
                    return IpAddr::V6(Ipv6Addr::from(b));
                }
                IpAddr::V6(e)
            }
        }
    }

    /// A short fingerprint of the key: the encryption of a fixed address. Equal keys, equal ids.
    pub fn key_id(&self) -> String {
        let probe = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        match self.cipher.encrypt_ipaddr(probe) {
            IpAddr::V4(a) => format!("{:08x}", u32::from(a)),
            IpAddr::V6(a) => format!("{:08x}", (u128::from(a) & 0xffff_ffff) as u32),
        }
    }
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Where an address candidate starts: the byte before must not continue a word, number or address.
fn can_start(text: &[u8], i: usize) -> bool {
    i == 0 || {
        let p = text[i - 1];
        !(is_word(p) || p == b'.' || p == b':')
    }
}

/// Finds an IPv4 address at `i`: returns its end and value when it is one.
fn ipv4_at(t: &[u8], i: usize) -> Option<(usize, IpAddr)> {
    let mut j = i;
    for part in 0..4 {
        let start = j;
        while j < t.len() && t[j].is_ascii_digit() && j - start < 3 {
            j += 1;
        }
        if j == start || (j - start > 1 && t[start] == b'0') {
            return None;
        }
        if part < 3 {
            if j >= t.len() || t[j] != b'.' {
                return None;
            }
            j += 1;
        }
    }
    // Not the start of a longer dotted number (a 5-part version) nor glued to a word.
    if j < t.len()
        && (is_word(t[j]) || (t[j] == b'.' && t.get(j + 1).is_some_and(u8::is_ascii_digit)))
    {
        return None;
    }
    let a: Ipv4Addr = std::str::from_utf8(&t[i..j]).ok()?.parse().ok()?;
    Some((j, IpAddr::V4(a)))
}

/// Finds an IPv6 address at `i` (a `%zone` after it is left as it is): its end and value.
fn ipv6_at(t: &[u8], i: usize) -> Option<(usize, IpAddr)> {
    let mut j = i;
    let mut colons = 0;
    while j < t.len() && (t[j].is_ascii_hexdigit() || t[j] == b':' || t[j] == b'.') {
        colons += usize::from(t[j] == b':');
        j += 1;
    }
    if colons < 2 {
        return None;
    }
    // Shrink from the right until it parses (e.g. `fe80::1:` or a trailing sentence dot).
    let mut end = j;
    let addr = loop {
        if end <= i {
            return None;
        }
        if let Some(a) = std::str::from_utf8(&t[i..end])
            .ok()
            .and_then(|s| s.parse::<Ipv6Addr>().ok())
        {
            break a;
        }
        end -= 1;
    };
    if end < t.len() && is_word(t[end]) {
        return None;
    }
    Some((end, IpAddr::V6(addr)))
}

/// Replaces every address in `text` with its redacted form. Returns None when nothing changed.
pub fn redact_ips(text: &str, cipher: &mut IpCipher) -> Option<String> {
    replace_ips(text, &mut |ip| cipher.map(ip))
}

/// Replaces every address found in `text` by `f(address)`. Returns None when nothing changed.
pub fn replace_ips(text: &str, f: &mut dyn FnMut(IpAddr) -> IpAddr) -> Option<String> {
    let t = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < t.len() {
        let b = t[i];
        if !(b.is_ascii_hexdigit() || b == b':') || !can_start(t, i) {
            i += 1;
            continue;
        }
        let found = if b.is_ascii_digit() {
            ipv4_at(t, i).or_else(|| ipv6_at(t, i))
        } else {
            ipv6_at(t, i)
        };
        let Some((end, ip)) = found else {
            // Skip the rest of this word: no address starts inside it.
            while i < t.len() && (t[i].is_ascii_alphanumeric() || t[i] == b':' || t[i] == b'.') {
                i += 1;
            }
            continue;
        };
        let red = f(ip);
        if red != ip {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[copied..i]);
            o.push_str(&crate::netlink::iproute::fmt_ip(&red));
            copied = end;
        }
        i = end;
    }
    let mut o = out?;
    o.push_str(&text[copied..]);
    Some(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher() -> IpCipher {
        let mut key = [0u8; KEY_BYTES];
        for (i, b) in key.iter_mut().enumerate() {
            *b = i as u8;
        }
        IpCipher::new(&key).unwrap()
    }

    fn red(s: &str) -> String {
        redact_ips(s, &mut cipher()).unwrap_or_else(|| s.to_string())
    }

    #[test]
    fn every_notation_is_found() {
        for s in [
            "10.1.2.3",
            "saddr4=10.1.2.3",
            "10.1.2.3/24",
            "10.1.2.3:443",
            "[2a01:cb00::1]:443",
            "2a01:cb00::1/64",
            "fe80::1c2:3ff:fe04:506%eth0",
            "::ffff:10.1.2.3",
            "src 2a01:cb00:1:2:3:4:5:6 dev x",
            "ESTAB 0 0 172.16.5.4:10001 172.16.5.9:38384",
        ] {
            assert_ne!(red(s), s, "{s} was not redacted");
        }
    }

    #[test]
    fn false_positives_are_left_alone() {
        for s in [
            "6.18.44-fc-v657",
            "1.46.0",
            "2.6.32.1.5",
            "v1.2.3.4",
            "token:1f0cdd34 write_seq:19972db9f521525d",
            "12:34:56",
            "aa:bb:cc:dd:ee:ff",
            "MPTcpExtMPCapableSYNRX 1 0.0",
            "127.0.0.1:10001 0.0.0.0:* [::1]:22 [::]:80",
            "224.0.0.1 255.255.255.255 169.254.3.4 192.0.2.7 198.51.100.1 203.0.113.9 2001:db8::5 ff02::1",
            "Class::method and std::net",
            "libbpf 1.1.2, iproute2-6.1.0",
            "1.3.6.1.2.1.4",
        ] {
            assert_eq!(red(s), s);
        }
    }

    #[test]
    fn mapped_and_plain_v4_agree_and_link_local_keeps_its_prefix() {
        let mut c = cipher();
        let plain = redact_ips("10.1.2.3", &mut c).unwrap();
        let mapped = redact_ips("::ffff:10.1.2.3", &mut c).unwrap();
        assert_eq!(mapped, format!("::ffff:{plain}"));
        let ll = redact_ips("fe80::1c2:3ff:fe04:506%eth0", &mut c).unwrap();
        assert!(ll.starts_with("fe80::") && ll.ends_with("%eth0"), "{ll}");
        assert_ne!(ll, "fe80::1c2:3ff:fe04:506%eth0");
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    fn common_prefix(a: u128, b: u128, bits: u32) -> u32 {
        ((a ^ b) << (128 - bits)).leading_zeros().min(bits)
    }

    fn key() -> [u8; KEY_BYTES] {
        let mut k = [7u8; KEY_BYTES];
        k[31] = 9;
        k
    }

    /// Addresses the cipher really encrypts (not the kept ranges).
    fn public_v4(x: u32) -> Ipv4Addr {
        Ipv4Addr::from((x % 0xd000_0000) | 0x0100_0000).to_owned()
    }

    proptest! {
        #[test]
        fn ipv4_prefixes_are_preserved(a in any::<u32>(), b in any::<u32>()) {
            let (a, b) = (public_v4(a), public_v4(b));
            prop_assume!(!keep(&IpAddr::V4(a)) && !keep(&IpAddr::V4(b)));
            let mut c = IpCipher::new(&key()).unwrap();
            let (IpAddr::V4(ea), IpAddr::V4(eb)) = (c.map(IpAddr::V4(a)), c.map(IpAddr::V4(b))) else { panic!("v4 must stay v4") };
            let before = common_prefix(u32::from(a) as u128, u32::from(b) as u128, 32);
            let after = common_prefix(u32::from(ea) as u128, u32::from(eb) as u128, 32);
            prop_assert_eq!(before, after);
        }

        #[test]
        fn ipv6_prefixes_are_preserved(a in any::<u128>(), b in any::<u128>()) {
            // Global unicast 2000::/3 without the documentation prefix.
            let fix = |x: u128| (x & !(0b111u128 << 125)) | (0b001u128 << 125);
            let (a, b) = (Ipv6Addr::from(fix(a)), Ipv6Addr::from(fix(b)));
            prop_assume!(!keep(&IpAddr::V6(a)) && !keep(&IpAddr::V6(b)));
            let mut c = IpCipher::new(&key()).unwrap();
            let (IpAddr::V6(ea), IpAddr::V6(eb)) = (c.map(IpAddr::V6(a)), c.map(IpAddr::V6(b))) else { panic!("v6 must stay v6") };
            prop_assert_eq!(common_prefix(a.into(), b.into(), 128), common_prefix(ea.into(), eb.into(), 128));
        }
    }
}

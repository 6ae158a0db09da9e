//! Hardware addresses (MACs, EUI-64, InfiniBand): consistent pseudonyms under one fixed, locally
//! administered prefix, `02:6d:67` ("mg", for mptcp-get-debug), followed by a counter: the first MAC seen
//! becomes `02:6d:67:00:00:01`, the next `02:6d:67:00:00:02`, ... Broadcast, all-zero and multicast
//! addresses identify no one and stay.

use super::ip::FastMap;

/// The fake OUI every pseudonym starts with.
pub const FAKE_OUI: [u8; 3] = [0x02, 0x6d, 0x67];

#[derive(Default)]
pub struct MacTable {
    map: FastMap<Vec<u8>, Vec<u8>>,
}

impl MacTable {
    pub fn pseudonym(&mut self, addr: &[u8]) -> Option<Vec<u8>> {
        if keep(addr) {
            return None;
        }
        if let Some(p) = self.map.get(addr) {
            return Some(p.clone());
        }
        let n = self.map.len() as u32 + 1;
        let mut p = vec![0u8; addr.len()];
        p[..3].copy_from_slice(&FAKE_OUI);
        let l = p.len();
        p[l - 3..].copy_from_slice(&n.to_be_bytes()[1..]);
        self.map.insert(addr.to_vec(), p.clone());
        Some(p)
    }

    pub fn mapping(&self) -> impl Iterator<Item = (String, String)> + '_ {
        self.map.iter().map(|(a, p)| (format_hw(a), format_hw(p)))
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

fn keep(a: &[u8]) -> bool {
    a.iter().all(|&b| b == 0) || a.iter().all(|&b| b == 0xff) || (a.len() <= 8 && a[0] & 1 == 1)
}

/// `aa:bb:cc:dd:ee:ff`.
pub fn format_hw(a: &[u8]) -> String {
    a.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

pub fn parse_hw(s: &str) -> Option<Vec<u8>> {
    s.split([':', '-'])
        .map(|g| {
            (g.len() == 2)
                .then(|| u8::from_str_radix(g, 16).ok())
                .flatten()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_consistent_and_special_addresses_stay() {
        let mut t = MacTable::default();
        let a = parse_hw("52:54:00:12:34:56").unwrap();
        let b = parse_hw("52:54:00:12:34:57").unwrap();
        assert_eq!(format_hw(&t.pseudonym(&a).unwrap()), "02:6d:67:00:00:01");
        assert_eq!(format_hw(&t.pseudonym(&b).unwrap()), "02:6d:67:00:00:02");
        assert_eq!(format_hw(&t.pseudonym(&a).unwrap()), "02:6d:67:00:00:01");
        for k in [
            "00:00:00:00:00:00",
            "ff:ff:ff:ff:ff:ff",
            "33:33:00:00:00:01",
            "01:00:5e:00:00:fb",
        ] {
            assert_eq!(t.pseudonym(&parse_hw(k).unwrap()), None, "{k}");
        }
    }
}

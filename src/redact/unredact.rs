//! `unredact`: the owner of a private map turns pseudonyms and encrypted addresses back into the
//! originals, so a maintainer can ask "what is 45.3.x.y?" without the map ever being shared.

use super::{ip, names};
use serde_json::Value;
use std::collections::HashMap;
use std::net::IpAddr;

/// Restores originals in `text` using a private map.
pub fn unredact(text: &str, map: &Value) -> String {
    let mut back: HashMap<IpAddr, IpAddr> = HashMap::new();
    for class in ["ipv4", "ipv6"] {
        if let Some(m) = map[class].as_object() {
            for (orig, red) in m {
                if let (Ok(o), Some(Ok(r))) = (
                    orig.parse::<IpAddr>(),
                    red.as_str().map(str::parse::<IpAddr>),
                ) {
                    back.insert(r, o);
                }
            }
        }
    }
    let mut out = ip::replace_ips(text, &mut |ip| back.get(&ip).copied().unwrap_or(ip))
        .unwrap_or_else(|| text.to_string());
    let mut pairs: Vec<(String, String)> = Vec::new();
    for class in ["hostname", "user", "connection", "mac"] {
        if let Some(m) = map[class].as_object() {
            for (orig, pseudo) in m.iter().filter_map(|(o, p)| Some((o, p.as_str()?))) {
                pairs.push((pseudo.to_string(), orig.clone()));
                if class == "mac" {
                    // MACs are also written with dashes.
                    pairs.push((pseudo.replace(':', "-"), orig.replace(':', "-")));
                }
            }
        }
    }
    // Longest pseudonyms first, so host-12 is not read as host-1.
    pairs.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
    for (pseudo, orig) in pairs {
        if let Some(n) = names::replace_name(&out, &pseudo, &orig) {
            out = n;
        }
    }
    out
}

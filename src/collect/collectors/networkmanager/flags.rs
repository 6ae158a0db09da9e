//! NetworkManager's `connection.mptcp-flags`: the NM_MPTCP_FLAGS_* bits, parsed from what keyfiles,
//! NetworkManager.conf and nmcli write, and decoded into the names users know.

const DEFAULT_DECODED: &str =
    "default (enabled,subflow when the sysctl is on and a default route exists; NetworkManager >= 1.40)";

/// NM_MPTCP_FLAGS_* bits (libnm), in display order.
const FLAG_BITS: &[(u32, &str)] = &[
    (0x1, "disabled"),
    (0x2, "enabled"),
    (0x4, "also-without-sysctl"),
    (0x8, "also-without-default-route"),
    (0x10, "signal"),
    (0x20, "subflow"),
    (0x40, "backup"),
    (0x80, "fullmesh"),
];

/// Parses an `mptcp-flags` value: decimal, 0x hex (what keyfiles hold), a number followed by its
/// names (`0x22 (enabled,subflow)`, as nmcli prints it), flag names, or `default`.
pub fn parse_mptcp_flags(raw: &str) -> std::result::Result<u32, String> {
    let raw = raw.trim();
    let first = raw.split_whitespace().next().unwrap_or("");
    let num = match first
        .strip_prefix("0x")
        .or_else(|| first.strip_prefix("0X"))
    {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => first.parse::<u32>().ok(),
    };
    if let Some(v) = num {
        return Ok(v);
    }
    if raw == "default" {
        return Ok(0);
    }
    let mut bits = 0;
    for name in raw.split([',', '|', ' ']).filter(|s| !s.is_empty()) {
        match FLAG_BITS.iter().find(|(_, n)| *n == name) {
            Some((b, _)) => bits |= b,
            None => return Err(format!("mptcp-flags value {raw:?} is not a number")),
        }
    }
    if bits == 0 {
        return Err(format!("mptcp-flags value {raw:?} is not a number"));
    }
    Ok(bits)
}

/// Decodes an `mptcp-flags` value. Err(note) on garbage.
pub fn decode_mptcp_flags(raw: Option<&str>) -> std::result::Result<String, String> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(DEFAULT_DECODED.into());
    };
    let v = parse_mptcp_flags(raw)?;
    if v == 0 {
        return Ok(DEFAULT_DECODED.into());
    }
    let mut names: Vec<String> = FLAG_BITS
        .iter()
        .filter(|(b, _)| v & b != 0)
        .map(|(_, n)| n.to_string())
        .collect();
    let known: u32 = FLAG_BITS.iter().map(|(b, _)| b).sum();
    if v & !known != 0 {
        names.push(format!("0x{:x}", v & !known));
    }
    Ok(names.join(","))
}

/// Whether a profile's value leaves the choice to the default: absent, empty or 0.
pub fn flags_default(raw: Option<&str>) -> bool {
    raw.is_none_or(|r| r.trim().is_empty() || parse_mptcp_flags(r) == Ok(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_flags() {
        assert_eq!(decode_mptcp_flags(Some("0x22")).unwrap(), "enabled,subflow");
        assert_eq!(decode_mptcp_flags(Some("34")).unwrap(), "enabled,subflow");
        assert_eq!(decode_mptcp_flags(Some("1")).unwrap(), "disabled");
        assert_eq!(
            decode_mptcp_flags(Some("0x192")).unwrap(),
            "enabled,signal,fullmesh,0x100"
        );
        assert!(decode_mptcp_flags(Some("0"))
            .unwrap()
            .starts_with("default ("));
        assert!(decode_mptcp_flags(None).unwrap().starts_with("default ("));
        assert!(decode_mptcp_flags(Some("zz"))
            .unwrap_err()
            .contains("not a number"));
        assert!(decode_mptcp_flags(Some("0x")).is_err());
        // As nmcli prints them.
        assert_eq!(
            decode_mptcp_flags(Some("0x62 (enabled,subflow,backup)")).unwrap(),
            "enabled,subflow,backup"
        );
        assert_eq!(
            decode_mptcp_flags(Some("enabled,signal")).unwrap(),
            "enabled,signal"
        );
        assert!(decode_mptcp_flags(Some("default"))
            .unwrap()
            .starts_with("default ("));
    }

    #[test]
    fn zero_or_absent_means_the_default() {
        assert!(flags_default(None));
        assert!(flags_default(Some("0")));
        assert!(flags_default(Some("0x0")));
        assert!(flags_default(Some(" ")));
        assert!(flags_default(Some("default")));
        assert!(!flags_default(Some("0x1")));
        assert!(!flags_default(Some("banana")));
    }
}

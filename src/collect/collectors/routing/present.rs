//! The routing collector's part in the summary and the text view: one line per link (shortened to the
//! first ones when there is no room), then rp_filter and the default routes in a sentence.

use crate::report::{Data, Entry, Interfaces, Section, View};

/// One line per link (shortened to the first ones), then rp_filter and the default routes.
pub fn present(section: &Section) -> Vec<Entry> {
    let Some(i) = section.data.iter().find_map(|d| match d {
        Data::Interfaces(i) => Some(i),
        _ => None,
    }) else {
        return Vec::new();
    };
    let raw = section.artifacts.first().map(|a| a.name.as_str());
    let views = [View::Summary, View::Text];
    let opt = |v: Option<u8>| v.map_or("?".to_string(), |v| v.to_string());
    let yn = |v: Option<bool>| match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    };
    vec![
        Entry::code(link_lines(i).concat())
            .counted_as("interfaces")
            .when_empty("No interfaces.")
            .all_in(raw)
            .only(&views),
        Entry::text(format!(
            "rp_filter all={} default={}; default route (main table): IPv4 {}, IPv6 {}.",
            opt(i.rp_filter_all),
            opt(i.rp_filter_default),
            yn(i.default_route_v4),
            yn(i.default_route_v6)
        ))
        .only(&views),
    ]
}

/// One line per link, e.g. `eth0 UP mtu 1500 10.0.0.5/24 rp_filter=2`.
fn link_lines(i: &Interfaces) -> Vec<String> {
    i.links
        .iter()
        .map(|l| {
            let mut s = l.name.clone();
            if !l.state.is_empty() {
                s.push_str(&format!(" {}", l.state));
            }
            if let Some(m) = l.mtu {
                s.push_str(&format!(" mtu {m}"));
            }
            for a in &l.addrs {
                s.push_str(&format!(" {a}"));
            }
            if let Some(r) = l.rp_filter {
                s.push_str(&format!(" rp_filter={r}"));
            }
            s.push('\n');
            s
        })
        .collect()
}

//! The links collector's part in the text view: one row per interface with what a throughput question
//! starts from (driver, speed, MTU, qdisc, loss counters). The summary's "Machine and links" table is
//! built across namespaces and the reproduce window by views/perf_view.rs.

use crate::report::{Column, Entry, LinkDetail, View};

pub fn present(links: &[LinkDetail], raw: Option<&str>) -> Vec<Entry> {
    let opt = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    let rows = links
        .iter()
        .map(|l| {
            let c = l.counters.as_ref();
            let sum = |f: fn(&crate::report::LinkCounters) -> u64| c.map_or(0, f).to_string();
            vec![
                l.name.clone(),
                opt(l.driver.clone()),
                opt(l.speed_mbps.map(|s| format!("{s} Mb/s"))),
                opt(l.mtu.map(|m| m.to_string())),
                opt(l.qdisc.clone()),
                opt(l.operstate.clone()),
                sum(|c| c.rx_errors + c.tx_errors),
                sum(|c| c.rx_dropped + c.tx_dropped),
            ]
        })
        .collect();
    let columns = vec![
        Column::text("interface"),
        Column::text("driver"),
        Column::text("speed"),
        Column::number("mtu"),
        Column::text("qdisc"),
        Column::text("state"),
        Column::number("errors"),
        Column::number("drops"),
    ];
    vec![Entry::table(columns, rows)
        .titled("Links")
        .counted_as("interfaces")
        .all_in(raw)
        .only(&[View::Text])]
}

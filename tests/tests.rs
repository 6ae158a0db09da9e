//! The one integration-test harness: each area is a module; `util` holds the shared helpers.

mod util;

mod archive;
mod cli;
mod conformance;
mod fixtures;
mod live;
mod netlink_live;
mod nm_mptcpd;
mod perf_live;
mod redact;
mod reproduce_live;
mod reproduce_signals;
mod system_live;
mod testns;
mod triage;
mod triage_commands;
mod triage_rules;

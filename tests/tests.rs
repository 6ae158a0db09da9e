//! The one integration-test harness: each area is a module; `util` holds the shared helpers.

mod util;

mod architecture;
mod archive;
mod budget;
mod cli;
mod conformance;
mod dropin;
mod fixture_snapshots;
mod fixtures;
mod fuzz_corpus;
mod fuzz_regressions;
mod hardening;
mod live;
mod netlink_live;
mod nm_mptcpd;
mod packaging;
mod perf_live;
mod redact;
mod redact_corpus;
mod redact_matrix;
mod reproduce_live;
mod reproduce_signals;
mod schema;
mod sealed_root;
mod sockets_live;
mod system_live;
mod testns;
mod triage;
mod triage_check;
mod triage_commands;
mod triage_live;
mod triage_live_faults;
mod triage_live_healthy;
mod triage_live_merge;
mod triage_rules;

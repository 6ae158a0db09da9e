//! The one integration-test harness: each area is a module; `util` holds the shared helpers.

mod util;

mod archive;
mod cli;
mod conformance;
mod dropin;
mod fixtures;
mod fuzz_corpus;
mod fuzz_regressions;
mod hardening;
mod live;
mod netlink_live;
mod nm_mptcpd;
mod packaging;
mod redact;
mod redact_corpus;
mod redact_matrix;
mod reproduce_live;
mod reproduce_signals;
mod sealed_root;
mod system_live;
mod testns;
mod triage;
mod triage_commands;
mod triage_rules;

//! mptcp-get-debug: collect everything needed to report or triage a Linux MPTCP problem.
//!
//! Data flow: collector specs + builtins -> engine -> Report -> Redactor -> writers (archive, summary,
//! stdout). See DESIGN.md.

pub mod archive;
pub mod cli;
pub mod collect;
pub mod commands;
pub mod exit;
pub mod netlink;
pub mod pipeline;
pub mod redact;
pub mod report;
pub mod sys;
pub mod triage;
pub mod views;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const NAME: &str = "mptcp-get-debug";

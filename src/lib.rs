//! mptcp-get-debug: collect everything needed to report or triage a Linux MPTCP problem.
//!
//! Data flow: collector specs + builtins -> engine -> Report -> Redactor -> writers (archive, summary,
//! stdout). See DESIGN.md.

pub mod app;
pub mod archive;
pub mod check;
pub mod cli;
pub mod collect;
pub mod commands;
pub mod exit;
pub mod generate;
pub mod maintainer;
pub mod netlink;
pub mod redact;
pub mod report;
pub mod sys;
pub mod triage;
pub mod views;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const NAME: &str = "mptcp-get-debug";

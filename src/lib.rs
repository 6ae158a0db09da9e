//! mptcp-get-debug: collect everything needed to report or triage a Linux MPTCP problem.
//!
//! Data flow: collector specs + builtins -> engine -> Report -> Redactor -> writers (archive, summary,
//! stdout). See DESIGN.md.

pub mod app;
pub mod archive;
pub mod check;
pub mod cli;
pub mod collectors;
pub mod engine;
pub mod exit;
pub mod findings;
pub mod generate;
pub mod maintainer;
pub mod netlink;
pub mod redact;
pub mod render;
pub mod report;
pub mod reproduce;
pub mod schema;
pub mod spec;
pub mod system;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const NAME: &str = "mptcp-get-debug";

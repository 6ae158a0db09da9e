//! mptcp-get-debug: collect everything needed to report or triage a Linux MPTCP problem.
//!
//! The tree is the pipeline, and dependencies point one way (checked by tests/architecture.rs):
//!
//! ```text
//! main -> commands -> pipeline: collect -> Report -> redact -> triage -> views -> archive
//!           cli (flags -> Settings)      |
//!                                        +-- netlink, sys (the kernel and the OS, at the bottom)
//! ```
//!
//! - `cli`: clap's flags, turned into one `Settings` value (the source is one enum).
//! - `commands`: one thin orchestrator per mode; nothing imports them.
//! - `pipeline`: what collect, reproduce and check share.
//! - `collect`: specs, the engine, the builtins, the reproduce window's collection.
//! - `report`: the typed record of a run (and of a reproduce window); imports nothing.
//! - `redact`, `triage`, `views`, `archive`: the stages after collection, each reading the Report.
//! - `netlink`: the kernel's protocols; `sys`: the OS boundary (files, commands, namespaces, signals).

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

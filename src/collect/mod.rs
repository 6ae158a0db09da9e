//! Collection: the collector specs (`collectors/*.toml`), the engine that runs them per network namespace
//! (parallel, timeouts, manifest), the builtins that parse what a spec collected into typed facts, and
//! the presentation pass that turns those facts into the entries every view shows.

pub mod collectors;
pub mod convert;
pub mod engine;
#[cfg(test)]
mod engine_tests;
pub mod plan;
pub mod pm_source;
pub mod present;
pub mod rtnl_text;
pub mod run_one;
pub mod source;
pub mod spec;
pub mod spec_command;
pub mod triggers;
pub mod window;

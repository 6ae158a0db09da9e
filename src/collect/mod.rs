//! Collection: the collector specs (`collectors/*.toml`), the engine that runs them per network namespace
//! (parallel, timeouts, manifest), and the builtins that parse what a spec collected into typed facts.

pub mod collectors;
pub mod convert;
pub mod engine;
pub mod plan;
pub mod pm_source;
pub mod rtnl_text;
pub mod source;
pub mod spec;
pub mod window;

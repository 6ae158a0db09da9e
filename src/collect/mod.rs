//! Collection: the collector specs (`collectors/*.toml`), the engine that runs them per network namespace
//! (parallel, timeouts, manifest), and the builtins that parse what a spec collected into typed facts.

pub mod collectors;
pub mod engine;
pub mod plan;
pub mod source;
pub mod spec;
pub mod window;

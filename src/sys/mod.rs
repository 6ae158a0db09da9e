//! The OS boundary: how the tool touches the system. Files through one sealed root-relative reader,
//! commands through one runner, network namespaces through setns(2), signals, stdout/stderr and the
//! terminal (escaping). Nothing else in the crate opens a file under / or spawns a process, so tests
//! can swap in fixtures and `--root` can analyse a mounted image; it imports nothing of the crate.

pub mod escape;
mod fd;
pub mod fs;
pub mod interrupt;
pub mod netns;
pub mod never_read;
pub mod nlsock;
pub mod resolve;
pub mod runner;
pub mod signals;
pub mod stdio;

pub use fs::Fs;
pub use netns::Netns;
pub use resolve::Resolver;
pub use runner::{CommandOutput, FixtureRunner, RealRunner, Runner};

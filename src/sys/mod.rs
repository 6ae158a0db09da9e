//! The OS boundary: how the tool touches the system. Files through one sealed root-relative reader
//! (fs, resolve, never_read, fd), commands through one runner (runner: captured for collectors,
//! streaming for the reproduce command), network namespaces through setns(2) (netns), SIGINT/SIGTERM
//! through one mechanism (signals, and interrupt for what an interrupted run undoes), waiting on
//! descriptors (poll), sockets (socket, nlsock), who runs the tool (ids, caps), the kernel's uname
//! (uname), thread CPU time (clock), the allocator (alloc), stdout/stderr and the terminal (stdio,
//! escape). Nothing else in the crate opens a file under /, spawns a process or makes a system call,
//! so tests can swap in fixtures and `--root` can analyse a mounted image; it imports nothing of the
//! crate. Every `unsafe` block of the crate is here, each a call no well-kept crate wraps safely
//! (system calls go through rustix, signals through signal-hook).

pub mod alloc;
pub mod caps;
pub mod clock;
pub mod escape;
mod fd;
pub mod fs;
pub mod ids;
pub mod interrupt;
pub mod netns;
pub mod never_read;
pub mod nlsock;
pub mod poll;
pub mod resolve;
pub mod runner;
pub mod signals;
pub mod socket;
pub mod stdio;
pub mod uname;

pub use fs::Fs;
pub use netns::Netns;
pub use resolve::Resolver;
pub use runner::{CommandOutput, FixtureRunner, RealRunner, Runner};

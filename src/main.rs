//! Thin entry point: parse, run, map the result to an exit code (see src/exit.rs for what each means;
//! 141: stdout was a pipe whose reader went away, quiet like a tool killed by SIGPIPE).

use clap::Parser;
use mptcp_get_debug::sys::escape;
use mptcp_get_debug::sys::stdio::{self, StdoutError, EXIT_BROKEN_PIPE};
use std::process::ExitCode;

fn main() -> ExitCode {
    mptcp_get_debug::sys::alloc::few_malloc_arenas();
    let cli = mptcp_get_debug::cli::Cli::parse();
    match mptcp_get_debug::commands::run(cli) {
        Ok(code) => code,
        Err(e) if matches!(e.downcast_ref(), Some(StdoutError::Closed)) => {
            ExitCode::from(EXIT_BROKEN_PIPE)
        }
        Err(e) => {
            // Errors may quote an archive's or the system's text: escaped always, not only on a terminal.
            stdio::note(&format!(
                "mptcp-get-debug: {}\n",
                escape::escape(&format!("{e:#}"))
            ));
            mptcp_get_debug::exit::code_for(&e)
        }
    }
}

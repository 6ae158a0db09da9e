//! Thin entry point: parse, run, map the result to an exit code (see src/exit.rs for what each means).

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = mptcp_get_debug::cli::Cli::parse();
    match mptcp_get_debug::app::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("mptcp-get-debug: {e:#}");
            mptcp_get_debug::exit::code_for(&e)
        }
    }
}

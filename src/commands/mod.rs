//! The commands: thin orchestrators, one per mode. Each turns its parsed flags into settings, runs the
//! pipeline or reads archives, and decides what to print and the exit status. Nothing imports this
//! module but main.

pub mod archives;
pub mod check;
pub mod collect;
pub mod generate;
pub mod list;
pub mod reproduce;
pub mod unredact;

use crate::cli::{Cli, Command};
use anyhow::Result;
use std::process::ExitCode;

/// Runs the command the flags name (collect when none does, as the script did).
pub fn run(cli: Cli) -> Result<ExitCode> {
    let argv: Vec<String> = std::env::args().collect();
    crate::triage::kernel::choose(cli.kernel_series.as_deref()).map_err(crate::exit::usage)?;
    match cli.command {
        Some(Command::Collect(args)) => collect::run(&args, argv),
        Some(Command::Reproduce(args)) => reproduce::run(&args, argv),
        Some(Command::List(args)) => list::run(&args),
        Some(Command::Unredact(args)) => unredact::run(&args),
        Some(Command::Show(args)) => archives::show(&args),
        Some(Command::Merge(args)) => archives::merge(&args),
        Some(Command::Diff(args)) => archives::diff(&args),
        Some(Command::Generate(args)) => generate::run(&args),
        Some(Command::Check(args)) => check::run(&args, argv),
        None if cli.reproduce => reproduce::run(&cli.opts, argv),
        None => collect::run(&cli.opts, argv),
    }
}

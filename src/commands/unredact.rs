//! `mptcp-get-debug unredact --map FILE INPUT`: prints INPUT with the originals put back, for the
//! person who holds the private map (it never leaves their machine).

use crate::cli::UnredactArgs;
use crate::exit::usage;
use crate::sys::stdio;
use anyhow::Result;
use std::process::ExitCode;

pub fn run(args: &UnredactArgs) -> Result<ExitCode> {
    let map = crate::redact::PrivateMap::load(&args.map).map_err(usage)?;
    let text = crate::redact::read_input(&args.input)?;
    stdio::print(&map.unredact(&text), stdio::Kind::Text)?;
    Ok(ExitCode::SUCCESS)
}

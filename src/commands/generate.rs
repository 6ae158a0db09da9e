//! `mptcp-get-debug generate man|bash|zsh|fish|schema` (hidden): the man page and shell completions,
//! made from the clap definition so they never drift from `--help`, and report.json's JSON Schema.
//! `make` runs it; packagers can too.

use crate::cli::{Cli, GenerateArgs, Generated};
use anyhow::Result;
use clap::CommandFactory;
use std::io::Write;
use std::process::ExitCode;

/// Sections the clap definition does not hold: exit status, files, environment.
const EXTRA_SECTIONS: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
The report was produced, and the archive written (unless \fB\-\-no\-archive\fR), even when some collectors were skipped.
.TP
\fB1\fR
Nothing could be produced (for example an archive given to \fBshow\fR exists but cannot be read).
.TP
\fB2\fR
Usage or configuration error: a bad option value, a path on the command line that does not exist or is not what it should be, an invalid collector spec or template, conflicting options.
.TP
\fB3\fR
The summary was printed on standard output, but the archive could not be written (read\-only or full directory, no permission); standard error says why and names the path.
.TP
\fB130\fR
Reproduce mode was aborted by a second Ctrl\-C; nothing was written.
.SH FILES
.TP
\fI@COLLECTORS@/*.toml\fR
Extra collector specs, loaded besides the built\-in ones.
.TP
\fI@DATADIR@/kernel\-series.toml\fR
Kernel series and their end of life, for the out\-of\-support kernel check (a built\-in copy is used when it is missing).
.TP
\fIARCHIVE.map.json\fR
The private redaction map written next to each archive (mode 0600): keep it, never attach it.
.SH ENVIRONMENT
.TP
\fBMPTCP_GET_DEBUG_DATA\fR
A directory holding \fIkernel\-series.toml\fR, instead of the installed one (\fB\-\-kernel\-series\fR names the file itself).
.TP
\fBCI\fR
When set, never prompt on a terminal (as \fB\-\-batch\fR, except that a piped standard input is still read in reproduce mode).
.TP
\fBNO_COLOR\fR
No colour, even on a terminal.
.SH COMPATIBILITY
A drop\-in for mptcpd's \fBmptcp\-get\-debug\fR script: \fB\-c\fR, \fB\-r\fR, \fB\-h\fR and \fB\-v\fR work as there. In reproduce mode, a standard input that is not a terminal ends the window with its first line or its end, as the script's \fBread\fR does.
"#;

/// A path as roff text: backslashes doubled, hyphens escaped (so they stay hyphens).
fn roff_text(s: &str) -> String {
    s.replace('\\', "\\\\").replace('-', "\\-")
}

/// The SUBCOMMANDS section: each visible subcommand's usage, what it does, and the options that are
/// its own (collect and reproduce take the options above).
fn subcommands_section(cmd: &mut clap::Command) -> String {
    cmd.build();
    let mut out = String::from(".SH SUBCOMMANDS\n");
    for sub in cmd
        .get_subcommands_mut()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        // collect and reproduce take exactly the options listed under OPTIONS.
        let same_as_top = matches!(sub.get_name(), "collect" | "reproduce");
        let usage = sub.render_usage().to_string();
        let usage = usage.trim_start_matches("Usage: ").trim();
        out.push_str(&format!(
            ".TP\n\\fB{}\\fR\n{}\n",
            roff_text(usage),
            roff_text(&sub.get_about().map(|a| a.to_string()).unwrap_or_default())
        ));
        let own: Vec<String> = sub
            .get_arguments()
            .filter(|a| !a.is_hide_set() && !a.is_global_set() && a.get_id() != "help")
            .filter(|a| !same_as_top || a.is_positional())
            .map(|a| {
                let name = match (a.get_short(), a.get_long()) {
                    (Some(s), Some(l)) => format!("\\fB\\-{s}\\fR, \\fB\\-\\-{}\\fR", roff_text(l)),
                    (None, Some(l)) => format!("\\fB\\-\\-{}\\fR", roff_text(l)),
                    _ => format!(
                        "\\fI{}\\fR",
                        roff_text(&a.get_value_names().map(|v| v.join(" ")).unwrap_or_default())
                    ),
                };
                let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
                format!(".TP\n{name}\n{}\n", roff_text(&help))
            })
            .collect();
        if !own.is_empty() {
            out.push_str(".RS\n");
            out.extend(own);
            out.push_str(".RE\n");
        }
    }
    out
}

pub fn run(args: &GenerateArgs) -> Result<ExitCode> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    match args.what {
        Generated::Schema => {
            out.extend_from_slice(crate::report::schema::report_schema().as_bytes())
        }
        Generated::Man => {
            let subcommands = subcommands_section(&mut cmd);
            let man = clap_mangen::Man::new(cmd).section("1");
            man.render_title(&mut out)?;
            man.render_name_section(&mut out)?;
            man.render_synopsis_section(&mut out)?;
            man.render_description_section(&mut out)?;
            man.render_options_section(&mut out)?;
            // One page holds everything: clap_mangen's own section would point to a page per
            // subcommand, which nobody installs.
            out.extend_from_slice(subcommands.as_bytes());
            out.extend_from_slice(
                EXTRA_SECTIONS
                    .replace("@DATADIR@", &roff_text(crate::triage::kernel::DATA_DIR))
                    .replace(
                        "@COLLECTORS@",
                        &roff_text(crate::collect::plan::SYSTEM_COLLECTORS_DIR),
                    )
                    .as_bytes(),
            );
            man.render_version_section(&mut out)?;
        }
        Generated::Bash | Generated::Zsh | Generated::Fish => {
            let shell = match args.what {
                Generated::Bash => clap_complete::Shell::Bash,
                Generated::Zsh => clap_complete::Shell::Zsh,
                _ => clap_complete::Shell::Fish,
            };
            clap_complete::generate(shell, &mut cmd, crate::NAME, &mut out);
        }
    }
    std::io::stdout().write_all(&out)?;
    Ok(ExitCode::SUCCESS)
}

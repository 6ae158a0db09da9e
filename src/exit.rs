//! Exit statuses, one place: what each code means, and the marker that turns an error into a usage
//! error. A wrapper script or a fleet playbook reads the status, so the codes are documented and stable:
//!
//! - 0: the report was produced (and the archive written, unless `--no-archive`);
//! - 1: nothing could be produced (a collect that failed, an archive that cannot be read, ...);
//! - 2: usage or configuration error: a bad option value, a path given on the command line that does
//!   not exist or is not what it should be, an invalid collector spec, template, key or map file,
//!   conflicting flags, an option that needs root used without it (clap's own parse errors exit 2 as
//!   well);
//! - 3: the summary was printed but the archive could not be written (read-only or full directory,
//!   no permission): the error on stderr says why and names the path;
//! - 130: aborted by a second Ctrl-C (reproduce mode).

use std::fmt;
use std::process::ExitCode;

pub const FAILED: u8 = 1;
pub const USAGE: u8 = 2;
pub const ARCHIVE_MISSING: u8 = 3;

/// An error caused by how the program was called; `main` maps it to exit status 2.
#[derive(Debug)]
pub struct Usage(pub anyhow::Error);

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

impl std::error::Error for Usage {}

/// Marks an error as a usage error (for `.map_err(usage)`).
pub fn usage(e: impl Into<anyhow::Error>) -> anyhow::Error {
    let e: anyhow::Error = e.into();
    if is_usage(&e) {
        e
    } else {
        anyhow::Error::new(Usage(e))
    }
}

/// Whether the error, or anything it wraps, is a usage error.
pub fn is_usage(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.is::<Usage>())
}

/// The status for an error that ended the run.
pub fn code_for(e: &anyhow::Error) -> ExitCode {
    ExitCode::from(if is_usage(e) { USAGE } else { FAILED })
}

/// `bail!` for usage errors.
#[macro_export]
macro_rules! usage_bail {
    ($($arg:tt)*) => {
        return Err($crate::exit::usage(anyhow::anyhow!($($arg)*)))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_errors_are_recognised_through_context() {
        let e = usage(anyhow::anyhow!("--timeout 0: must be more than zero"));
        assert!(is_usage(&e));
        assert_eq!(format!("{e:#}"), "--timeout 0: must be more than zero");
        let e = e.context("while starting");
        assert!(is_usage(&e));
        assert!(!is_usage(&anyhow::anyhow!("read failed")));
        // Marking twice does not nest the message.
        let e = usage(usage(anyhow::anyhow!("x")));
        assert_eq!(format!("{e:#}"), "x");
    }
}

//! How raw outputs are named: an artifact's name is its path under the archive's `raw/<collector>/`,
//! derived from the command that produced it or the file it copies. The name is part of the report's
//! model because readers find an output by it (triage reads `ip -4 route show table all` back from
//! the routing section), so collectors and readers share these two functions.

use super::{Artifact, Section};

/// `ip mptcp endpoint show` -> `ip_mptcp_endpoint_show.txt`.
pub fn artifact_name_for<S: AsRef<str>>(argv: &[S]) -> String {
    let s: String = argv
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<&str>>()
        .join("_")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{}.txt", s.trim_start_matches(['-', '.']))
}

/// `/etc/os-release` -> `etc/os-release` (raw/ mirrors the file tree).
pub fn artifact_name_for_file(path: &str) -> String {
    path.trim_start_matches('/').to_string()
}

/// Cuts `s` to at most `max` bytes, at a character boundary, saying so where it was cut (a string
/// read back from an archive that is longer than a reader shows).
pub fn cut_text(s: &mut String, max: usize) {
    if s.len() <= max {
        return;
    }
    let mut cut = max;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    let total = s.len();
    s.truncate(cut);
    s.push_str(&format!(
        "\n[mptcp-get-debug: cut here, {cut} of {total} bytes shown]\n"
    ));
}

impl Section {
    /// The raw output this section kept for a command, by the command's argv.
    pub fn command_output<S: AsRef<str>>(&self, argv: &[S]) -> Option<&Artifact> {
        let name = artifact_name_for(argv);
        self.artifacts.iter().find(|a| a.name == name)
    }

    /// The copy this section kept of a file, by the file's path.
    pub fn file_copy(&self, path: &str) -> Option<&Artifact> {
        let name = artifact_name_for_file(path);
        self.artifacts.iter().find(|a| a.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_commands_and_files() {
        assert_eq!(
            artifact_name_for(&["ip", "mptcp", "endpoint", "show"]),
            "ip_mptcp_endpoint_show.txt"
        );
        assert_eq!(artifact_name_for(&["ss", "-ManiH"]), "ss_-ManiH.txt");
        assert_eq!(
            artifact_name_for(&["ip", "-4", "route", "show", "table", "all"]),
            "ip_-4_route_show_table_all.txt"
        );
        // Nothing that could climb out of raw/: separators and leading dots become harmless.
        assert_eq!(artifact_name_for(&["../x", "a/b"]), "_x_a_b.txt");
        assert_eq!(artifact_name_for_file("/etc/os-release"), "etc/os-release");
    }
}

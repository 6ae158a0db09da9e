//! One command of a spec (`[[command]]`): its argv (no shell), what the builtin knows it by, its
//! stdin, timeout and environment, whether the engine runs it or the builtin does (`deferred`, with
//! `{word}`s the builtin fills in), and how an argv that ran is matched against it.

use super::spec::artifact_name_for;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CommandSpec {
    pub argv: Vec<String>,
    /// The name the builtin knows this command by.
    #[serde(default)]
    pub id: Option<String>,
    /// Seconds; defaults to --timeout.
    #[serde(default)]
    pub timeout: Option<f64>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Written to the program's stdin (`ip -batch -`), which is then closed; closed at once without.
    #[serde(default)]
    pub stdin: Option<String>,
    /// Name of the raw/ file; defaults to the argv joined with '_'.
    #[serde(default)]
    pub output: Option<String>,
    /// Programs that must exist for this command to run (defaults to argv[0]).
    #[serde(default)]
    pub skip_unless: Vec<String>,
    /// Run by the builtin, not by the engine: whether it runs, or a `{word}` of its argv, depends on
    /// what another command or file gave (the spec says which, in a comment).
    #[serde(default)]
    pub deferred: bool,
    /// A program that is not installed is not worth a note: the builtin has another way.
    #[serde(default)]
    pub optional: bool,
}

impl CommandSpec {
    pub fn artifact_name(&self) -> String {
        self.output
            .clone()
            .unwrap_or_else(|| artifact_name_for(&self.argv))
    }

    /// The programs that must be installed for it to run.
    pub fn needs(&self) -> Vec<&str> {
        match self.skip_unless.is_empty() {
            true => vec![self.argv[0].as_str()],
            false => self.skip_unless.iter().map(String::as_str).collect(),
        }
    }

    /// Whether `argv` is what this command runs: word for word, a `{name}` word standing for one or
    /// more words (a `{name}` at the end of the argv) or exactly one word (anywhere else).
    pub fn matches(&self, argv: &[String]) -> bool {
        let mut i = 0;
        for (n, word) in self.argv.iter().enumerate() {
            let last = n + 1 == self.argv.len();
            match (placeholder(word), last) {
                (Some(_), true) => return argv.len() > i,
                (Some(_), false) if i < argv.len() => i += 1,
                (None, _) if argv.get(i) == Some(word) => i += 1,
                _ => return false,
            }
        }
        i == argv.len()
    }
}

/// `{name}` -> `name`: a word the builtin fills in.
pub fn placeholder(word: &str) -> Option<&str> {
    word.strip_prefix('{')?
        .strip_suffix('}')
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
}

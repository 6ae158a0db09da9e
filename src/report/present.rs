//! How a section shows itself in every view: generic entries (text, code, an artifact, a list, a
//! table) in the order the section gives them. The summary's Additional context, the text view and
//! `diff` walk these entries without knowing which collector made them, so a drop-in spec with
//! `show = "artifacts"` reaches every view with no Rust, and a builtin presents its typed facts here
//! once for all views. Entries are built from the redacted facts (see collect/present.rs), so they
//! hold nothing the facts do not.

use serde::{Deserialize, Serialize};

/// One thing a section shows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Entry {
    /// A heading of its own. None: shown under the heading before it (the first entry of a section
    /// under the section's title, else its collector's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// A line said before the body: where it comes from (`$ ip -V`, `/etc/example.conf`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    pub body: Body,
    /// Said instead of an empty body ("No MPTCP sockets.").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty: Option<String>,
    /// What its lines, rows or items are, in the plural ("interfaces"), for "… 12 more interfaces".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noun: Option<String>,
    /// The artifact of this section that has everything when a view shows less (else report.json).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
    /// The views that show it; empty: every view.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub views: Vec<View>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Body {
    /// A paragraph.
    Text { text: String },
    /// Preformatted text.
    Code {
        text: String,
        #[serde(default, skip_serializing_if = "Format::is_plain")]
        format: Format,
        /// Line ranges kept whenever the text is shortened (a WARNING splat in a log).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        marks: Vec<Span>,
    },
    /// One of this section's artifacts (raw/NAME), shown as preformatted text without a copy.
    Artifact {
        name: String,
        #[serde(default, skip_serializing_if = "Format::is_plain")]
        format: Format,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        marks: Vec<Span>,
    },
    /// Items, one per line.
    List { items: Vec<String> },
    /// Rows under named columns. The first cell of a row is its key (what `diff` compares by).
    Table {
        columns: Vec<Column>,
        rows: Vec<Vec<String>>,
        /// When shortened, the rows with the largest values of this (numeric) column are kept, in
        /// their order; else the first rows.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rank: Option<usize>,
    },
    /// The collector gave nothing here; the views say why (the section's status).
    Missing,
}

/// How preformatted text is shortened when a view has no room for all of it.
#[derive(
    Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// The first lines are kept.
    #[default]
    Plain,
    /// A log: the latest lines are kept, with the marked spans.
    Log,
    /// `ss -ManiH` output: counted by state, then the connections that matter most.
    Sockets,
}

impl Format {
    pub fn is_plain(&self) -> bool {
        *self == Format::Plain
    }
}

/// Lines `start..end` (0-based, end excluded).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Column {
    pub name: String,
    /// Numbers: aligned right, and `diff` says by how much they changed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub numeric: bool,
}

impl Column {
    pub fn text(name: &str) -> Column {
        Column {
            name: name.into(),
            numeric: false,
        }
    }
    pub fn number(name: &str) -> Column {
        Column {
            name: name.into(),
            numeric: true,
        }
    }
}

/// The views an entry can be limited to.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// summary.md's Additional context.
    Summary,
    /// `--format text`.
    Text,
    /// `diff A B`.
    Diff,
}

impl Entry {
    /// An entry with `body` and nothing else (no heading, every view); callers set what differs.
    pub fn new(body: Body) -> Entry {
        Entry {
            title: None,
            caption: None,
            body,
            empty: None,
            noun: None,
            raw: None,
            views: Vec::new(),
        }
    }
    pub fn text(text: impl Into<String>) -> Entry {
        Entry::new(Body::Text { text: text.into() })
    }
    pub fn code(text: impl Into<String>) -> Entry {
        Entry::new(Body::Code {
            text: text.into(),
            format: Format::Plain,
            marks: Vec::new(),
        })
    }
    pub fn list(items: Vec<String>) -> Entry {
        Entry::new(Body::List { items })
    }
    pub fn table(columns: Vec<Column>, rows: Vec<Vec<String>>) -> Entry {
        Entry::new(Body::Table {
            columns,
            rows,
            rank: None,
        })
    }
    /// A two-column table of `(key, value)` facts, for `diff`.
    pub fn facts(title: &str, facts: Vec<(String, String)>) -> Entry {
        Entry::table(
            vec![Column::text("fact"), Column::text("value")],
            facts.into_iter().map(|(k, v)| vec![k, v]).collect(),
        )
        .titled(title)
        .only(&[View::Diff])
    }
    pub fn titled(mut self, title: impl Into<String>) -> Entry {
        self.title = Some(title.into());
        self
    }
    pub fn only(mut self, views: &[View]) -> Entry {
        self.views = views.to_vec();
        self
    }
    pub fn when_empty(mut self, text: &str) -> Entry {
        self.empty = Some(text.into());
        self
    }
    pub fn counted_as(mut self, noun: &str) -> Entry {
        self.noun = Some(noun.into());
        self
    }
    pub fn all_in(mut self, artifact: Option<&str>) -> Entry {
        self.raw = artifact.map(str::to_string);
        self
    }
    /// Whether `view` shows it.
    pub fn in_view(&self, view: View) -> bool {
        self.views.is_empty() || self.views.contains(&view)
    }
}

//! What a defective pack is refused with, and where in its file the defect is.

use cedar_policy::Policy;

use crate::lint;

/// A defect in a rule pack, reported like a compiler's: the file, and where
/// known the line and column, the rule and what is wrong. The embedded packs
/// never ship with one, because the test suite loads them; a pack from disk
/// with one is refused whole.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The pack is not valid Cedar.
    #[error("{file}:{line}:{column}: cedar syntax: {message}")]
    Syntax {
        /// The pack file, e.g. `hipaa.cedar`.
        file: String,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// Cedar's parse error.
        message: String,
    },
    /// A rule lacks an annotation every rule must carry (`@id`, `@cite`,
    /// `@effect`, …).
    #[error("{file}:{line}:{column}: a rule has no `@{annotation}` annotation")]
    MissingAnnotation {
        /// The pack file.
        file: String,
        /// 1-based line where the rule starts.
        line: usize,
        /// 1-based column where the rule starts.
        column: usize,
        /// The missing annotation's name, without `@`.
        annotation: &'static str,
        /// The rule's Cedar text, since without an `@id` it has no name.
        source_text: String,
    },
    /// An annotation is present but says something the catalog refuses: an
    /// unknown effect, obligation or remedy kind, a reference to an unknown
    /// rule, a `require` outside the law layers, an id whose prefix is not
    /// its layer's.
    #[error("{file}:{line}:{column}: rule `{id}`: `@{annotation}` {message}")]
    BadAnnotation {
        /// The pack file.
        file: String,
        /// 1-based line of the rule's `@id`.
        line: usize,
        /// 1-based column of the rule's `@id`.
        column: usize,
        /// The rule's `@id`.
        id: String,
        /// The annotation's name, without `@`.
        annotation: &'static str,
        /// What is wrong with its value.
        message: String,
    },
    /// A rule's condition fails strict validation against the schema or
    /// the vocabulary checks (an unknown value, a banded attribute compared
    /// with something other than a number).
    #[error("{file}:{line}:{column}: rule `{id}`: {message}")]
    Invalid {
        /// The pack file.
        file: String,
        /// 1-based line of the offending text (or of the rule's `@id`).
        line: usize,
        /// 1-based column of the offending text (or of the rule's `@id`).
        column: usize,
        /// The rule's `@id`.
        id: String,
        /// What is wrong.
        message: String,
    },
    /// Two rules share an `@id`.
    #[error("{file}:{line}:{column}: rule id `{id}` is used twice")]
    DuplicateId {
        /// The pack file holding the second use.
        file: String,
        /// 1-based line of the second use.
        line: usize,
        /// 1-based column of the second use.
        column: usize,
        /// The repeated `@id`.
        id: String,
    },
    /// A pack file as a whole cannot be placed, e.g. its rule ids name no
    /// layer.
    #[error("{file}: {message}")]
    File {
        /// The pack file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// Cedar refused the set or the schema for a reason with no position.
    #[error("cedar: {0}")]
    Cedar(String),
}

/// Where a rule starts in its file: its `@id` annotation.
pub(super) fn rule_position(text: &str, id: &str) -> (usize, usize) {
    let at = text.find(&format!("@id(\"{id}\")")).unwrap_or(0);
    lint::line_column(text, at)
}

/// Where a policy's source starts in its file (for rules without an `@id`).
pub(super) fn policy_position(text: &str, policy: &Policy) -> (usize, usize) {
    let source = policy.to_string();
    let head: String = source.lines().next().unwrap_or_default().trim().to_string();
    let at = if head.is_empty() { 0 } else { text.find(&head).unwrap_or(0) };
    lint::line_column(text, at)
}

/// The offset of a Cedar diagnostic's first label, when it has one.
pub(super) fn diagnostic_offset(diagnostic: &dyn miette::Diagnostic) -> Option<usize> {
    diagnostic.labels()?.next().map(|label| label.offset())
}

//! One error enum per pipeline stage, combined into [`Error`] with `#[from]`.
//! Every message says where (file:line for documents, line:column for queries)
//! and what to do about it.

use std::path::PathBuf;

/// An ingest failure: the document could not be turned into tables.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{file}: cannot read the file: {reason}")]
    Io { file: String, reason: String },
    #[error("{file}: the document is empty; expected a budget disclosure in plain text")]
    Empty { file: String },
    #[error("{file}:{line}: this is not a text document ({what}); export the disclosure as UTF-8 plain text first")]
    NotText {
        file: String,
        line: usize,
        what: String,
    },
    #[error("{file}:{}{line}: {message}", page.map(|p| format!("page {p}:line ")).unwrap_or_default())]
    Malformed {
        file: String,
        /// The page, for a document read from a PDF (or from its text with page markers).
        page: Option<usize>,
        line: usize,
        message: String,
    },
    /// A PDF whose text cannot be read (encrypted, damaged, a scan).
    #[error("{file}: {problem}")]
    Pdf { file: String, problem: String },
    #[error("{file}: {message}")]
    Document { file: String, message: String },
}

impl IngestError {
    /// The 1-based line the error points at, when it has one.
    pub fn line(&self) -> Option<usize> {
        match self {
            IngestError::NotText { line, .. } | IngestError::Malformed { line, .. } => Some(*line),
            _ => None,
        }
    }
}

/// A failure while building typed tables from ingested records.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("table `{table}`: {message}")]
    Build { table: String, message: String },
}

/// A failure reading or writing the Parquet warehouse.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{}: {reason}", path.display())]
    Io { path: PathBuf, reason: String },
    #[error("{}: the warehouse manifest is damaged: {reason}; re-ingest the documents with `budgetql ingest FILE... --into DIR`", path.display())]
    Manifest { path: PathBuf, reason: String },
    #[error("{}: this warehouse {reason}", path.display())]
    Format { path: PathBuf, reason: String },
    #[error("{}: not a budgetql warehouse (no manifest.json); create one with `budgetql ingest FILE... --into {}`", path.display(), path.display())]
    NotAWarehouse { path: PathBuf },
    #[error("{}: {reason}", path.display())]
    Parquet { path: PathBuf, reason: String },
}

/// A failure parsing, checking or executing a query.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("{message}")]
    Syntax { message: String },
    #[error("{message}")]
    Execution { message: String },
    #[error("{path}: cannot read the script: {reason}")]
    Script { path: String, reason: String },
}

/// A failure writing results.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot write the result: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot render the result: {0}")]
    Data(String),
}

/// Any budgetql error; the message is prefixed with the stage it came from.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("ingest: {0}")]
    Ingest(#[from] IngestError),
    #[error("model: {0}")]
    Model(#[from] ModelError),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("query: {0}")]
    Query(#[from] QueryError),
    #[error("output: {0}")]
    Render(#[from] RenderError),
    /// A command line that cannot be carried out as given.
    #[error("{0}")]
    Usage(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

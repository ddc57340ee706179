//! What a statement answers: a typed column list with text cells, or a StarRocks-style error.
//!
//! Every SHOW result travels as strings on the MySQL text protocol (docs/starrocks-facts.md §9); `None` is SQL
//! NULL (StarRocks' `\N`), which is different from the literal string `"NULL"`.

/// The MySQL column type announced in the result-set metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Varchar,
    /// MYSQL_TYPE_LONGLONG
    BigInt,
    /// MYSQL_TYPE_LONG
    Int,
    /// MYSQL_TYPE_DOUBLE
    Double,
    /// MYSQL_TYPE_DATETIME
    Datetime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub ty: ColType,
}

impl Column {
    pub fn varchar(name: impl Into<String>) -> Self {
        Column {
            name: name.into(),
            ty: ColType::Varchar,
        }
    }
    pub fn typed(name: impl Into<String>, ty: ColType) -> Self {
        Column {
            name: name.into(),
            ty,
        }
    }
}

pub type Row = Vec<Option<String>>;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResultSet {
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

impl ResultSet {
    /// A result set whose columns are all VARCHAR, as every SHOW statement sends them.
    pub fn varchar<S: AsRef<str>>(names: &[S]) -> Self {
        ResultSet {
            columns: names.iter().map(|n| Column::varchar(n.as_ref())).collect(),
            rows: Vec::new(),
        }
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name))
    }
}

/// An error packet as StarRocks sends it: code, SQLSTATE and message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ERROR {code} ({}): {message}", String::from_utf8_lossy(state))]
pub struct SqlError {
    pub code: u16,
    pub state: [u8; 5],
    pub message: String,
}

impl SqlError {
    pub fn new(code: u16, state: &[u8; 5], message: impl Into<String>) -> Self {
        SqlError {
            code,
            state: *state,
            message: message.into(),
        }
    }

    /// `ERR_PARSE_ERROR` (1064, 42000): the grammar did not accept the statement.
    pub fn syntax(message: impl Into<String>) -> Self {
        SqlError::new(1064, b"42000", message)
    }

    /// Analyzer errors are also reported with 1064 by StarRocks' `ErrorReport.reportSemanticException`.
    pub fn analysis(detail: impl AsRef<str>) -> Self {
        SqlError::new(
            1064,
            b"42000",
            format!(
                "Getting analyzing error. Detail message: {}.",
                detail.as_ref().trim_end_matches('.')
            ),
        )
    }

    /// `ERR_UNKNOWN_ERROR` (1105, HY000), used for unsupported commands.
    pub fn unknown(message: impl Into<String>) -> Self {
        SqlError::new(1105, b"HY000", message)
    }
}

//! TEMPORARY STUB (replaced by the real evaluator).
use crate::resultset::{Column, ResultSet, Row, SqlError};
pub struct Table { pub columns: Vec<Column>, pub rows: Vec<Row> }
pub trait TableSource { fn table(&self, schema: &str, name: &str) -> Option<Table>; }
pub fn execute_select(_sql: &str, _source: &dyn TableSource, _now: chrono::NaiveDateTime) -> Result<ResultSet, SqlError> { Err(SqlError::unknown("stub")) }

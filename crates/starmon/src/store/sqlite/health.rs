//! Start-up checks that the database file can be used: not damaged (`PRAGMA quick_check`) and
//! writable (a write in a transaction that is rolled back). Without them a read-only or
//! corrupted file started "serving" and then failed every collection.

use std::path::Path;

use rusqlite::{Connection, ErrorCode, TransactionBehavior};

use crate::store::StoreError;

/// Most problem lines of `quick_check` quoted in the error.
const MAX_PROBLEMS: usize = 3;

/// Refuses a damaged database, quoting SQLite's first findings. `quick_check` reads every page
/// but skips the index-content cross-checks of `integrity_check`: seconds for gigabytes.
pub(super) fn check_not_corrupt(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let unusable = |problem: String| StoreError::Unusable {
        path: path.to_path_buf(),
        problem,
    };
    let damaged = |detail: String| {
        unusable(format!(
            "is damaged ({detail}): restore it from a backup, or move it away to start with an \
             empty one"
        ))
    };
    let findings: Vec<String> = conn
        .prepare(&format!("PRAGMA quick_check({MAX_PROBLEMS})"))
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<_, _>>()
        })
        .map_err(|e| match e.sqlite_error_code() {
            // A file whose pages are garbage fails the check itself ("database disk image is
            // malformed", "file is not a database").
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
                damaged(format!("PRAGMA quick_check: {e}"))
            }
            // e.g. a WAL database in a directory where its -shm file cannot be created.
            _ => unusable(format!(
                "cannot be read ({e}): check that the file and its directory are readable and \
                 writable by this user"
            )),
        })?;
    if findings.len() == 1 && findings[0] == "ok" {
        return Ok(());
    }
    Err(damaged(format!(
        "PRAGMA quick_check: {}",
        findings.join("; ")
    )))
}

/// Refuses a database starmon cannot write to (a read-only file, directory or file system):
/// creates a table in an IMMEDIATE transaction and rolls it back, so nothing changes.
pub(super) fn check_writable(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let probe = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .and_then(|tx| {
            tx.execute_batch("CREATE TABLE starmon_write_probe (x INTEGER)")?;
            tx.rollback()
        });
    probe.map_err(|e| StoreError::Unusable {
        path: path.to_path_buf(),
        problem: format!(
            "cannot be written ({e}): check that the file and its directory are writable by \
             this user and that the file system is not mounted read-only"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::OpenFlags;

    fn a_database(dir: &Path) -> std::path::PathBuf {
        let path = dir.join("s.db");
        let conn = Connection::open(&path).expect("open");
        conn.execute_batch("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('a')")
            .expect("create");
        path
    }

    #[test]
    fn a_healthy_writable_database_passes_and_the_probe_leaves_nothing() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = a_database(dir.path());
        let mut conn = Connection::open(&path).expect("open");
        check_not_corrupt(&conn, &path).expect("not corrupt");
        check_writable(&mut conn, &path).expect("writable");
        let n: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'starmon_write_probe'",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(n, 0, "the probe is rolled back");
    }

    /// Tests run as root here, for whom file permissions do not stop writes; a connection SQLite
    /// opened read-only is what a 0444 file gives any other user.
    #[test]
    fn a_database_that_cannot_be_written_is_refused_naming_the_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = a_database(dir.path());
        let mut conn =
            Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
        let msg = check_writable(&mut conn, &path)
            .expect_err("read-only")
            .to_string();
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(msg.contains("cannot be written"), "{msg}");
        assert!(msg.contains("readonly"), "SQLite's reason: {msg}");
    }
}

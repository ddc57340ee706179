//! Talking to StarRocks: SQL over the MySQL text protocol, HTTP endpoints, and the parsers for
//! what they return.

pub mod client;
pub mod prom;
pub mod show;
pub mod values;

/// The example result sets and `/metrics` texts of real StarRocks versions that the parsers'
/// tests read (kept beside the repository, in `shared/starrocks/fixtures/`).
#[cfg(test)]
pub(crate) mod fixtures {
    pub(crate) fn fixture(name: &str) -> String {
        let near = format!(
            "{}/../../../shared/starrocks/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&near)
            .or_else(|_| std::fs::read_to_string(format!("/work/shared/starrocks/fixtures/{name}")))
            .unwrap_or_else(|e| panic!("fixture {name}: {e}"))
    }
}

//! Databases, tables and materialized views of an emulated cluster.
//!
//! Generated once from the seed; table sizes follow what the BEs store so that SHOW DATA,
//! information_schema.tables and the disks tell one story.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::version::Version;

#[derive(Debug, Clone)]
pub struct Database {
    pub id: i64,
    pub name: String,
    /// `information_schema`, `_statistics_`, `sys`: present but not user data.
    pub system: bool,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub id: i64,
    pub db: String,
    pub name: String,
    /// `BASE TABLE`, `VIEW` (views and materialized views) or `SYSTEM VIEW`.
    pub table_type: &'static str,
    pub engine: &'static str,
    /// Relative weight of this table in the stored bytes.
    pub weight: f64,
    /// All replicas, all rollups (information_schema DATA_LENGTH, SHOW DATA Size).
    pub data_length: i64,
    pub rows: i64,
    pub replicas: i64,
    pub create_ms: i64,
    pub update_ms: i64,
}

#[derive(Debug, Clone)]
pub struct MaterializedView {
    pub id: i64,
    pub db: String,
    pub name: String,
    pub task_id: i64,
    pub task_name: String,
    pub definition: String,
    pub active: bool,
    /// (start, finish, state) of the last finished refresh.
    pub last_refresh: Option<(i64, i64, &'static str)>,
    pub successful_refreshes: u64,
    pub failed_refreshes: u64,
    pub rows: i64,
}

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub dbs: Vec<Database>,
    pub tables: Vec<Table>,
    pub mvs: Vec<MaterializedView>,
}

const USER_DBS: &[&str] = &["dw", "ods", "ads", "dim", "tmp_etl"];
const TABLE_STEMS: &[&str] = &[
    "sales_fact",
    "orders",
    "events",
    "page_views",
    "customers",
    "products",
    "inventory",
    "payments",
    "sessions",
    "clicks",
    "refunds",
    "shipments",
];

impl Catalog {
    pub fn generate(rng: &mut ChaCha8Rng, version: Version, now_ms: i64) -> Catalog {
        let mut next_id = 10_000i64;
        let mut id = || {
            next_id += 1;
            next_id
        };
        let mut cat = Catalog::default();
        let mut system = vec![("information_schema", 61usize), ("_statistics_", 7)];
        if version >= Version::new(3, 2, 0) {
            system.push(("sys", 9));
        }
        for (name, n) in system {
            cat.dbs.push(Database {
                id: id(),
                name: name.into(),
                system: true,
            });
            for t in 0..n {
                cat.tables.push(Table {
                    id: id(),
                    db: name.into(),
                    name: format!("{}_{t}", name.trim_matches('_')),
                    table_type: if name == "information_schema" {
                        "SYSTEM VIEW"
                    } else {
                        "BASE TABLE"
                    },
                    engine: if name == "information_schema" {
                        "MEMORY"
                    } else {
                        "StarRocks"
                    },
                    weight: if name == "information_schema" {
                        0.0
                    } else {
                        0.0001
                    },
                    data_length: 0,
                    rows: 0,
                    replicas: 3,
                    create_ms: now_ms - 90 * 86_400_000,
                    update_ms: now_ms - 86_400_000,
                });
            }
        }
        let n_dbs = rng.random_range(2..=USER_DBS.len());
        for db in &USER_DBS[..n_dbs] {
            cat.dbs.push(Database {
                id: id(),
                name: (*db).into(),
                system: false,
            });
            let n_tables = rng.random_range(5..40);
            for t in 0..n_tables {
                let stem = TABLE_STEMS[(t + db.len()) % TABLE_STEMS.len()];
                cat.tables.push(Table {
                    id: id(),
                    db: (*db).into(),
                    name: format!("{stem}_{t:02}"),
                    table_type: "BASE TABLE",
                    engine: "StarRocks",
                    // A few tables hold most of the data, as in real warehouses.
                    weight: rng.random_range(0.01f64..1.0).powi(3),
                    data_length: 0,
                    rows: 0,
                    replicas: 3,
                    create_ms: now_ms - rng.random_range(1..400) * 86_400_000,
                    update_ms: now_ms - rng.random_range(1..3_600) * 1000,
                });
            }
        }
        let n_mvs = rng.random_range(2..6);
        for m in 0..n_mvs {
            let db = USER_DBS[m % n_dbs];
            let mv_id = id();
            let task_id = id();
            let name = format!("mv_{}_daily_{m}", TABLE_STEMS[m % TABLE_STEMS.len()]);
            cat.tables.push(Table {
                id: mv_id,
                db: db.into(),
                name: name.clone(),
                table_type: "VIEW",
                engine: "StarRocks",
                weight: 0.01,
                data_length: 0,
                rows: 0,
                replicas: 3,
                create_ms: now_ms - 30 * 86_400_000,
                update_ms: now_ms - 300_000,
            });
            cat.mvs.push(MaterializedView {
                id: mv_id,
                db: db.into(),
                name: name.clone(),
                task_id,
                task_name: format!("mv-{mv_id}"),
                definition: format!(
                    "CREATE MATERIALIZED VIEW `{name}` REFRESH ASYNC EVERY(INTERVAL 5 MINUTE) AS SELECT dt, COUNT(*) FROM `{db}`.`{}` GROUP BY dt",
                    TABLE_STEMS[m % TABLE_STEMS.len()]
                ),
                active: true,
                last_refresh: None,
                successful_refreshes: 0,
                failed_refreshes: 0,
                rows: 0,
            });
        }
        cat
    }

    pub fn user_db_names(&self) -> Vec<String> {
        self.dbs
            .iter()
            .filter(|d| !d.system)
            .map(|d| d.name.clone())
            .collect()
    }

    pub fn user_db_ids(&self) -> Vec<i64> {
        self.dbs
            .iter()
            .filter(|d| !d.system)
            .map(|d| d.id)
            .collect()
    }

    pub fn db(&self, name: &str) -> Option<&Database> {
        self.dbs.iter().find(|d| d.name == name)
    }

    pub fn tables_of<'a>(&'a self, db: &'a str) -> impl Iterator<Item = &'a Table> + 'a {
        self.tables.iter().filter(move |t| t.db == db)
    }

    pub fn random_table(&self, rng: &mut ChaCha8Rng) -> (String, String) {
        let user: Vec<&Table> = self
            .tables
            .iter()
            .filter(|t| t.table_type == "BASE TABLE" && t.engine == "StarRocks" && t.weight > 0.001)
            .collect();
        if user.is_empty() {
            return ("dw".into(), "sales_fact_00".into());
        }
        let t = user[rng.random_range(0..user.len())];
        (t.db.clone(), t.name.clone())
    }

    /// Spreads the bytes stored on the BEs over the tables by weight.
    pub fn distribute_size(&mut self, stored_bytes: i64) {
        let total_weight: f64 = self.tables.iter().map(|t| t.weight).sum();
        if total_weight <= 0.0 {
            return;
        }
        for t in self.tables.iter_mut() {
            t.data_length = (stored_bytes as f64 * t.weight / total_weight) as i64;
            // ~120 bytes a row on disk, one replica.
            t.rows = t.data_length / t.replicas.max(1) / 120;
        }
        for mv in self.mvs.iter_mut() {
            if let Some(t) = self.tables.iter().find(|t| t.id == mv.id) {
                mv.rows = t.rows;
            }
        }
    }
}

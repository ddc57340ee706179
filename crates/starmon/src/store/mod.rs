//! TEMPORARY STUB: replaced by the real store.
use crate::model::*;
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration: {0}")]
    Migration(String),
    #[error("corrupt: {0}")]
    Corrupt(String),
}
#[derive(Debug, Clone, PartialEq)]
pub struct DailySnapshot {
    pub date: chrono::NaiveDate,
    pub total_data_bytes: Option<i64>,
}
#[derive(Debug, Clone, PartialEq)]
pub struct NodeDiskDaily {
    pub date: chrono::NaiveDate,
    pub node_id: String,
    pub path: String,
    pub max_used_bytes: i64,
    pub total_bytes: i64,
}
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RollupReport {
    pub days_written: usize,
}
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RetentionReport {
    pub snapshots_deleted: usize,
    pub node_samples_deleted: usize,
    pub statuses_deleted: usize,
    pub daily_deleted: usize,
}
pub trait Store: Send + Sync + 'static {
    fn add_cluster(&self, c: &NewCluster) -> Result<ClusterRecord, StoreError>;
    fn list_clusters(&self) -> Result<Vec<ClusterRecord>, StoreError>;
    fn cluster_by_name(&self, name: &str) -> Result<Option<ClusterRecord>, StoreError>;
    fn cluster_password(
        &self,
        cluster_id: i64,
    ) -> Result<Option<secrecy::SecretString>, StoreError>;
    fn remove_cluster(&self, name: &str) -> Result<bool, StoreError>;
    fn write_collection(
        &self,
        cluster_id: i64,
        snapshot: &Snapshot,
        nodes: &[NodeSample],
        status: &CollectionStatus,
    ) -> Result<(), StoreError>;
    fn latest_snapshot(&self, cluster_id: i64) -> Result<Option<Snapshot>, StoreError>;
    fn snapshots(
        &self,
        cluster_id: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<Snapshot>, StoreError>;
    fn statuses(
        &self,
        cluster_id: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<CollectionStatus>, StoreError>;
    fn node_samples(
        &self,
        cluster_id: i64,
        node_id: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<(i64, NodeSample)>, StoreError>;
    fn rollup_daily(&self, tz: chrono_tz::Tz, now_ms: i64) -> Result<RollupReport, StoreError>;
    fn daily(
        &self,
        cluster_id: i64,
        from_date: chrono::NaiveDate,
        to_date: chrono::NaiveDate,
    ) -> Result<Vec<DailySnapshot>, StoreError>;
    fn node_disk_daily(
        &self,
        cluster_id: i64,
        from_date: chrono::NaiveDate,
        to_date: chrono::NaiveDate,
    ) -> Result<Vec<NodeDiskDaily>, StoreError>;
    fn enforce_retention(
        &self,
        tz: chrono_tz::Tz,
        now_ms: i64,
        detail_ms: i64,
        daily_days: u32,
    ) -> Result<RetentionReport, StoreError>;
    fn size_bytes(&self) -> Result<u64, StoreError>;
}
pub mod sqlite;

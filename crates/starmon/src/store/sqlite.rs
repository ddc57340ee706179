//! TEMPORARY STUB.
use super::*;
pub struct SqliteStore;
fn no<T>() -> Result<T, StoreError> {
    Err(StoreError::Migration("stub".into()))
}
impl SqliteStore {
    pub fn open(_path: &std::path::Path) -> Result<SqliteStore, StoreError> {
        no()
    }
}
impl Store for SqliteStore {
    fn add_cluster(&self, _c: &NewCluster) -> Result<ClusterRecord, StoreError> {
        no()
    }
    fn list_clusters(&self) -> Result<Vec<ClusterRecord>, StoreError> {
        no()
    }
    fn cluster_by_name(&self, _name: &str) -> Result<Option<ClusterRecord>, StoreError> {
        no()
    }
    fn cluster_password(
        &self,
        _cluster_id: i64,
    ) -> Result<Option<secrecy::SecretString>, StoreError> {
        no()
    }
    fn remove_cluster(&self, _name: &str) -> Result<bool, StoreError> {
        no()
    }
    fn write_collection(
        &self,
        _cluster_id: i64,
        _snapshot: &Snapshot,
        _nodes: &[NodeSample],
        _status: &CollectionStatus,
    ) -> Result<(), StoreError> {
        no()
    }
    fn latest_snapshot(&self, _cluster_id: i64) -> Result<Option<Snapshot>, StoreError> {
        no()
    }
    fn snapshots(
        &self,
        _cluster_id: i64,
        _from_ms: i64,
        _to_ms: i64,
    ) -> Result<Vec<Snapshot>, StoreError> {
        no()
    }
    fn statuses(
        &self,
        _cluster_id: i64,
        _from_ms: i64,
        _to_ms: i64,
    ) -> Result<Vec<CollectionStatus>, StoreError> {
        no()
    }
    fn node_samples(
        &self,
        _cluster_id: i64,
        _node_id: &str,
        _from_ms: i64,
        _to_ms: i64,
    ) -> Result<Vec<(i64, NodeSample)>, StoreError> {
        no()
    }
    fn rollup_daily(&self, _tz: chrono_tz::Tz, _now_ms: i64) -> Result<RollupReport, StoreError> {
        no()
    }
    fn daily(
        &self,
        _cluster_id: i64,
        _from_date: chrono::NaiveDate,
        _to_date: chrono::NaiveDate,
    ) -> Result<Vec<DailySnapshot>, StoreError> {
        no()
    }
    fn node_disk_daily(
        &self,
        _cluster_id: i64,
        _from_date: chrono::NaiveDate,
        _to_date: chrono::NaiveDate,
    ) -> Result<Vec<NodeDiskDaily>, StoreError> {
        no()
    }
    fn enforce_retention(
        &self,
        _tz: chrono_tz::Tz,
        _now_ms: i64,
        _detail_ms: i64,
        _daily_days: u32,
    ) -> Result<RetentionReport, StoreError> {
        no()
    }
    fn size_bytes(&self) -> Result<u64, StoreError> {
        no()
    }
}

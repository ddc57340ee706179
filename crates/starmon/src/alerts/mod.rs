//! Alerting: rules evaluated over collected snapshots, and delivery of their notifications.

pub mod notify;

//! starmon: a self-contained monitor for StarRocks clusters. The binary (`main.rs`, `cli.rs`,
//! `commands/`) parses the command line and runs it over this library; [`app`] assembles a
//! running starmon.

pub mod alerts;
pub mod api;
pub mod app;
pub mod auth;
pub mod client_addr;
pub mod collector;
pub mod config;
pub mod forecast;
pub mod login_throttle;
pub mod model;
pub mod secretbox;
pub mod server;
pub mod starrocks;
pub mod startup;
pub mod store;
pub mod target_policy;
pub mod telemetry;
pub mod web;

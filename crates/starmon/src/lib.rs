//! starmon: a self-contained monitor for StarRocks clusters.

pub mod alerts;
pub mod api;
pub mod auth;
pub mod cli;
pub mod collector;
pub mod config;
pub mod demo;
pub mod forecast;
pub mod login_throttle;
pub mod model;
pub mod secretbox;
pub mod server;
pub mod starrocks;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod web;

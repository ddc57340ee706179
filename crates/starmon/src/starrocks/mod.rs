//! Talking to StarRocks: SQL over the MySQL text protocol, HTTP endpoints, and the parsers for
//! what they return.

pub mod client;
pub mod prom;
pub mod show;
pub mod values;

//! starmon: a self-contained monitor for StarRocks clusters.
//!
//! For now only the command-line skeleton exists; the collector, store, API and dashboard follow
//! (see the open issues).

pub mod cli;
pub mod startup;

//! dk-compose: a fast, drop-in Docker Compose v2 replacement.
//! See ARCHITECTURE.md for the pipeline: loader → model → graph → plan → engine → output.

pub mod artifact;
pub mod cli;
pub mod commands;
pub mod dockerignore;
pub mod engine;
pub mod graph;
pub mod hash;
pub mod labels;
pub mod loader;
pub mod model;
pub mod output;
pub mod plan;
pub mod plugin;
pub mod slash_path;
pub mod swarm;
pub mod watch;

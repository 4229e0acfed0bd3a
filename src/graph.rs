//! The service dependency graph (petgraph): dependency order, reverse order, closures,
//! and cycle errors that name the cycle. Pure: no I/O.
//! PENDING: built from `model::Project` once the typed model lands.

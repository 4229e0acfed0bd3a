//! Observe → reconcile → plan: pure decisions about what to create, recreate or remove.
//! PENDING: the engine issue.

pub mod observed;

//! Observe → reconcile → plan: pure decisions about what to create, recreate or remove.
//! No tokio, no bollard, no terminal here: the engine observes and executes.

pub mod observed;
pub mod operation;
pub mod reconcile;

pub use operation::{Operation, Plan, Replacement, Step, StepId, WaitCondition};
pub use reconcile::{
    AnonymousVolumePolicy, DependencyPolicy, Desired, DownOptions, ImageRemoval, NetworkPolicy,
    OrphanPolicy, PlanError, RecreatePolicy, StartPolicy, UpOptions, VolumeRemoval, reconcile_down,
    reconcile_up,
};

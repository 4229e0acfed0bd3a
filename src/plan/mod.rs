//! Observe → reconcile → plan: pure decisions about what to create, recreate or remove.
//! No tokio, no bollard, no terminal here: the engine observes and executes.

pub mod observed;
pub mod operation;
pub mod reconcile;

pub use operation::{Operation, Plan, Replacement, Step, StepId, WaitCondition};
pub use reconcile::{
    AnonymousVolumePolicy, DependencyPolicy, Desired, DivergedVolume, DownOptions, ImageRemoval,
    NetworkPolicy, OrphanPolicy, PlanError, RecreatePolicy, StartPolicy, UpOptions, VolumeRemoval,
    diverged_volumes, reconcile_down, reconcile_up, reconcile_volume_recreation,
};

//! The only module that talks to the Docker Engine (bollard): connect and negotiate the API,
//! observe a project, follow events and wait on conditions. Decisions live in `plan`.

pub mod build;
pub mod connect;
pub mod convert;
pub mod copy;
pub mod credentials;
pub mod error;
pub mod events;
pub mod exec;
pub mod execute;
pub mod images;
pub mod inspect;
pub mod lifecycle;
pub mod logs;
pub mod observe;
pub mod oci;
pub mod reference;
pub mod registry;
pub mod resources;
pub mod stats;
pub mod swarm;
pub mod sync;
pub mod timestamp;

pub use connect::{
    ApiVersion, Engine, HostSettings, Transport, WriteMode, connect, connect_to, resolve_host,
};
pub use error::{EngineError, ErrorContext, ObjectKind, WaitFailure};
pub use events::{Condition, ContainerAction, ContainerEvent, Verdict};
pub use observe::ContainerScope;

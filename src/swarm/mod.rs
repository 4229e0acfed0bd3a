//! Compose project → Docker Swarm objects for `stack deploy`, as plain data (no engine
//! calls, no bollard): [`convert::convert`] gives the networks, secrets, configs and
//! service specs of a stack; `engine::swarm` sends them.

pub mod check;
pub mod convert;
pub mod spec;
pub mod version;

pub use convert::{
    ConversionErrors, DEFAULT_NETWORK_DRIVER, Inputs, LABEL_IMAGE, LABEL_NAMESPACE, Stack, convert,
    scope,
};

//! Stage "validate": the compose JSON schema (compose-go v2.9.1's copy) with every error
//! mapped to `file:line:col` (`schema`), and cross-reference checks on the normalised tree
//! (`consistency`). Message wording lives in `messages`. Nothing here prints.

mod consistency;
mod messages;
mod schema;

pub use consistency::validate_consistency;
pub use messages::with_article;
pub use schema::validate_schema;

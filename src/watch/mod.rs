//! `develop.watch`: from file changes to actions on the running stack (`watch`, `up --watch`).
//! Pure parts: `rules` (which rule a path falls under: `path`, `ignore`, `include`, the
//! build context's `.dockerignore`), `batch` (debounce and coalesce changes), `decide` (what a
//! batch asks for: sync, rebuild, restart, exec), `notice` (what is told). Host side:
//! `watcher` (inotify through `notify`), `setup` (rules from the project, `initial_sync`
//! files), `archive` (the tar a sync uploads). No engine calls here: `commands::watch` carries
//! the actions out with `engine`.

pub mod archive;
pub mod batch;
pub mod decide;
pub mod error;
pub mod notice;
pub mod rules;
pub mod setup;
pub mod watcher;

pub use batch::Debouncer;
pub use decide::{BatchActions, decide};
pub use error::WatchError;
pub use notice::WatchNotice;
pub use rules::{PathMapping, WatchRule};
pub use setup::WatchSetup;

//! Everything that writes to the terminal lives here: diagnostics, plain command output,
//! progress and the log multiplexer. Other modules return data.

pub mod buildkit;
pub mod diagnostic;
pub mod events;
pub mod listing;
pub mod local_time;
pub mod logmux;
pub mod menu;
pub mod palette;
pub mod printer;
pub mod progress;
pub mod prompt;
pub mod stats;
pub mod table;
pub mod template;
pub mod yaml;

/// Diagnostics for developers: `--verbose` or `RUST_LOG`, written to stderr.
pub fn init_tracing(verbose: bool) {
    use tracing_subscriber::EnvFilter;
    let default = if verbose { "dk_compose=debug" } else { "warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .without_time()
        .try_init();
}

//! `dk-compose version`: prints the version without touching the engine or any file.

use crate::cli::{VersionArgs, VersionFormat};
use crate::output::printer;

pub fn run(args: &VersionArgs) -> i32 {
    let version = env!("CARGO_PKG_VERSION");
    let text = if args.short {
        format!("{version}\n")
    } else if args.format == Some(VersionFormat::Json) {
        format!("{{\"version\":\"v{version}\"}}\n")
    } else {
        format!("dk-compose version v{version}\n")
    };
    printer::stdout(&text);
    super::exit::OK
}

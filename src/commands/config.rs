//! `dk-compose config`: prints the resolved project in the reference's canonical form,
//! or one of its lists (`--services`, `--volumes`, ...).

use crate::cli::{ConfigArgs, ConfigFormat};
use crate::loader::SkipStages;
use crate::output::printer;

use super::context::CommandContext;
use super::exit;

pub fn run(context: &CommandContext, args: &ConfigArgs) -> i32 {
    let skip = SkipStages {
        interpolation: args.no_interpolate,
        normalization: args.no_normalize,
        path_resolution: args.no_path_resolution,
        env_resolution: args.no_env_resolution,
        consistency: args.no_consistency,
    };
    let options = context.load_options(&args.service_names, skip);
    let Ok(loaded) = context.load(&options) else {
        return exit::USER_ERROR;
    };
    if args.quiet {
        return exit::OK;
    }
    let document = &loaded.canonical;
    let text = if args.services {
        lines(document.get("services"))
    } else if args.volumes {
        lines(document.get("volumes"))
    } else if args.networks {
        lines(document.get("networks"))
    } else {
        let text = match args.format.unwrap_or_default() {
            ConfigFormat::Json => {
                let mut text = serde_json::to_string_pretty(document).unwrap_or_default();
                text.push('\n');
                text
            }
            ConfigFormat::Yaml => serde_yaml::to_string(document).unwrap_or_default(),
        };
        // The reference escapes every `$` of an interpolated document (`escapeDollarSign`)
        // so that its output can be loaded again.
        if args.no_interpolate {
            text
        } else {
            text.replace('$', "$$")
        }
    };
    match &args.output {
        Some(path) => {
            if let Err(error) = std::fs::write(path, text) {
                printer::stderr_line(&format!("cannot write `{}`: {error}", path.display()));
                return exit::USER_ERROR;
            }
        }
        None => printer::stdout(&text),
    }
    exit::OK
}

fn lines(section: Option<&serde_json::Value>) -> String {
    section
        .and_then(serde_json::Value::as_object)
        .map(|map| map.keys().flat_map(|key| [key.as_str(), "\n"]).collect())
        .unwrap_or_default()
}

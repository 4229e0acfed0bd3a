//! Stacks from `oci://` artifacts: `-f oci://…` files fetched into the cache before anything
//! loads (`resolve_oci_files`), and what `up` and `run` do first when the project's first
//! file is one (the reference's `checksForRemoteStack`): say where the stack is stored, then,
//! unless `-y`, list the variables its files use with the value each would get and ask
//! whether to go on (an empty answer is yes; no is `operation cancelled by user`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::context::CommandContext;
use super::exit;
use crate::cli::ProgressMode;
use crate::loader::{Node, SkipStages, interpolate};
use crate::output::printer;
use crate::output::prompt::{self, PromptStyle};

/// Runs the checks; `command_env` is `run -e`'s `KEY=VALUE` list.
pub fn checks(
    context: &CommandContext,
    assume_yes: bool,
    command_env: &[String],
) -> Result<(), i32> {
    let Some(source) = &context.remote_source else {
        return Ok(());
    };
    if !matches!(
        context.global.progress,
        ProgressMode::Quiet | ProgressMode::Json
    ) {
        let directory = context
            .global
            .files
            .first()
            .and_then(|file| file.parent())
            .unwrap_or_else(|| Path::new(""));
        printer::stdout(&format!(
            "Your compose stack {source:?} is stored in {:?}\n",
            directory.display().to_string()
        ));
    }
    if assume_yes {
        return Ok(());
    }
    let skip = SkipStages {
        interpolation: true,
        consistency: true,
        ..SkipStages::default()
    };
    let options = context.load_options(&[], skip);
    let Ok(loaded) = context.load(&options) else {
        return Err(exit::USER_ERROR);
    };
    let variables = interpolate::extract_variables(&Node::from_json(&loaded.canonical()));
    if variables.is_empty() {
        return Ok(());
    }
    let mut rows = vec![[
        "VARIABLE".to_owned(),
        "VALUE".to_owned(),
        "SOURCE".to_owned(),
        "REQUIRED".to_owned(),
        "DEFAULT".to_owned(),
    ]];
    for variable in &variables {
        let from_command = command_env.iter().find_map(|item| {
            item.split_once('=')
                .filter(|(key, _)| *key == variable.name)
                .map(|(_, value)| value.to_owned())
        });
        let (value, origin) = if let Some(value) = from_command {
            (value, "command-line")
        } else if let Some(value) = std::env::var_os(&variable.name) {
            (value.to_string_lossy().into_owned(), "environment")
        } else if !variable.default_value.is_empty() {
            (variable.default_value.clone(), "compose file")
        } else {
            ("<unset>".to_owned(), "none")
        };
        rows.push([
            variable.name.clone(),
            value,
            origin.to_owned(),
            if variable.required { "yes" } else { "no" }.to_owned(),
            variable.default_value.clone(),
        ]);
    }
    printer::stdout(&format!(
        "\nFound the following variables in configuration:\n{}",
        table(&rows)
    ));
    let question = "\nDo you want to proceed with these variables? [Y/n]: ";
    if prompt::confirm(question, true, PromptStyle::detect(context.prompt_colour())) {
        Ok(())
    } else {
        printer::stderr_line("operation cancelled by user");
        Err(exit::USER_ERROR)
    }
}

/// Go's `tabwriter` with padding 3: every cell but the last of a row padded to its
/// column's width.
fn table(rows: &[[String; 5]]) -> String {
    let mut widths = [0usize; 4];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row.iter()) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        for (width, cell) in widths.iter().zip(row.iter()) {
            let _ = write!(out, "{cell:<0$}", width + 3);
        }
        out.push_str(&row[4]);
        out.push('\n');
    }
    out
}

/// Whether a `-f` path is an `oci://` artifact.
pub fn is_oci(path: &Path) -> bool {
    path.to_str()
        .is_some_and(|text| text.starts_with(crate::engine::oci::OCI_PREFIX))
}

/// `-f` paths with every `oci://` artifact fetched into the cache and replaced by its
/// `compose.yaml`.
pub fn resolve_oci_files(files: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    if !files.iter().any(|file| is_oci(file)) {
        return Ok(files.to_vec());
    }
    if let Some(value) = std::env::var_os("COMPOSE_EXPERIMENTAL_OCI_REMOTE") {
        let value = value.to_string_lossy().to_lowercase();
        match value.as_str() {
            "1" | "t" | "true" => {}
            "0" | "f" | "false" => {
                return Err(
                    "OCI remote resource is disabled by \"COMPOSE_EXPERIMENTAL_OCI_REMOTE\""
                        .to_owned(),
                );
            }
            _ => {
                return Err(format!(
                    "COMPOSE_EXPERIMENTAL_OCI_REMOTE environment variable expects boolean value: strconv.ParseBool: parsing {value:?}: invalid syntax"
                ));
            }
        }
    }
    let files = files.to_vec();
    // The fetch runs on a thread of its own with its own runtime: callers may or may not
    // be inside one.
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| error.to_string())?;
        runtime.block_on(async {
            let mut resolved = Vec::new();
            for file in files {
                if is_oci(&file) {
                    let text = file.to_string_lossy();
                    let reference = &text[crate::engine::oci::OCI_PREFIX.len()..];
                    resolved.push(crate::engine::oci::fetch_artifact(reference).await?);
                } else {
                    resolved.push(file);
                }
            }
            Ok(resolved)
        })
    })
    .join()
    .unwrap_or_else(|_| Err("fetching the OCI artifact failed".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_padded_as_go_tabwriter_does() {
        let rows = vec![
            ["VARIABLE", "VALUE", "SOURCE", "REQUIRED", "DEFAULT"].map(str::to_owned),
            ["TAG", "3", "compose file", "no", "3"].map(str::to_owned),
        ];
        assert_eq!(
            table(&rows),
            "VARIABLE   VALUE   SOURCE         REQUIRED   DEFAULT\nTAG        3       compose file   no         3\n"
        );
    }
}

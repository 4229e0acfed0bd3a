//! What every command needs from the process: global options, environment, current
//! directory, and how to colour output. Built once in `commands::run`.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Read};
use std::path::PathBuf;

use crate::cli::{AnsiMode, GlobalOptions};
use crate::loader::{self, LoadError, LoadOptions, LoadedProject, SkipStages};
use crate::output::diagnostic::{self, Colour};
use crate::output::printer;

/// Process-level inputs for a command.
pub struct CommandContext {
    pub global: GlobalOptions,
    pub os_env: BTreeMap<String, String>,
    pub current_dir: PathBuf,
    pub stderr_colour: Colour,
    /// The first `-f` file as given when it is an `oci://` artifact (see
    /// `resolve_remote_files`); `global.files` holds its local copy.
    pub remote_source: Option<String>,
}

impl CommandContext {
    pub fn from_process(global: &GlobalOptions) -> Self {
        let mut os_env: BTreeMap<String, String> = std::env::vars().collect();
        let current_dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        // As the reference (`cmd/compose/compose.go` `toProjectOptions`): `PWD` is always
        // there for interpolation, the working directory when the shell did not set it.
        os_env
            .entry("PWD".to_owned())
            .or_insert_with(|| current_dir.to_string_lossy().into_owned());
        let no_colour = os_env.contains_key("NO_COLOR") || global.no_ansi;
        let stderr_colour = match global.ansi {
            _ if no_colour => Colour::Never,
            AnsiMode::Always => Colour::Always,
            AnsiMode::Auto if std::io::stderr().is_terminal() => Colour::Always,
            AnsiMode::Never | AnsiMode::Auto => Colour::Never,
        };
        Self {
            global: global.clone(),
            os_env,
            current_dir,
            stderr_colour,
            remote_source: None,
        }
    }

    /// Fetches the `-f oci://…` artifacts into the cache and loads their `compose.yaml`
    /// instead, as the reference's remote loader does; a failure is reported (exit 1).
    pub fn resolve_remote_files(&mut self) -> Result<(), i32> {
        if self.global.files.is_empty() {
            // `COMPOSE_FILE` may name artifacts too, split as discovery splits it (so, as in
            // the reference, only with a `COMPOSE_PATH_SEPARATOR` other than `:`).
            let listed: Vec<PathBuf> = self
                .os_env
                .get("COMPOSE_FILE")
                .map(|list| {
                    let separator = self
                        .os_env
                        .get("COMPOSE_PATH_SEPARATOR")
                        .map_or(":", String::as_str);
                    list.split(separator)
                        .filter(|part| !part.is_empty())
                        .map(PathBuf::from)
                        .collect()
                })
                .unwrap_or_default();
            if listed.iter().any(|file| super::remote_stack::is_oci(file)) {
                self.global.files = listed;
            }
        }
        let remote_source = self
            .global
            .files
            .first()
            .filter(|file| super::remote_stack::is_oci(file))
            .map(|file| file.to_string_lossy().into_owned());
        match super::remote_stack::resolve_oci_files(&self.global.files) {
            Ok(files) => {
                self.global.files = files;
                self.remote_source = remote_source;
                Ok(())
            }
            Err(message) => {
                printer::stderr_line(&message);
                Err(super::exit::USER_ERROR)
            }
        }
    }

    /// An environment switch read as the reference's `utils.StringToBool` does (Go's
    /// `strconv.ParseBool` of the trimmed, lower-cased value; unset or anything else is
    /// false), e.g. `COMPOSE_REMOVE_ORPHANS`.
    pub fn env_flag(&self, name: &str) -> bool {
        self.os_env
            .get(name)
            .is_some_and(|value| matches!(value.trim().to_lowercase().as_str(), "1" | "t" | "true"))
    }

    /// Whether a question on the terminal may be coloured (`NO_COLOR`, `--ansi never`).
    pub fn prompt_colour(&self) -> bool {
        !self.os_env.contains_key("NO_COLOR")
            && !self.global.no_ansi
            && self.global.ansi != AnsiMode::Never
    }

    /// Loader options from the global flags and the environment.
    pub fn load_options(&self, selected_services: &[String], skip: SkipStages) -> LoadOptions {
        let profiles = self.global.profiles.clone();
        let uses_stdin = self.global.files.iter().any(|file| file.as_os_str() == "-");
        let stdin = uses_stdin.then(|| {
            let mut text = String::new();
            let _ = std::io::stdin().read_to_string(&mut text);
            text
        });
        let project_directory = self
            .global
            .project_directory
            .clone()
            .or_else(|| self.global.workdir.clone());
        // An artifact's relative paths resolve in its cache directory; the project is
        // still named after the current (or given) directory.
        let (project_directory, name_directory) = if self.remote_source.is_some() {
            (
                None,
                Some(project_directory.unwrap_or_else(|| self.current_dir.clone())),
            )
        } else {
            (project_directory, None)
        };
        LoadOptions {
            files: self.global.files.clone(),
            project_name: self.global.project_name.clone(),
            project_directory,
            name_directory,
            profiles,
            env_files: self.global.env_files.clone(),
            os_env: self.os_env.clone(),
            current_dir: self.current_dir.clone(),
            stdin,
            selected_services: selected_services.to_vec(),
            all_resources: self.global.all_resources,
            skip,
        }
    }

    /// Loads the project and prints warnings; on failure prints the errors.
    pub fn load(&self, options: &LoadOptions) -> Result<LoadedProject, LoadError> {
        match loader::load(options) {
            Ok(loaded) => {
                for warning in &loaded.warnings {
                    printer::stderr_line(
                        diagnostic::render_warning(warning, &loaded.sources, self.stderr_colour)
                            .trim_end(),
                    );
                }
                Ok(loaded)
            }
            Err(error) => {
                printer::stderr_line(
                    diagnostic::render_load_error(&error, self.stderr_colour).trim_end(),
                );
                Err(error)
            }
        }
    }
}

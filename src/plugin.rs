//! Running as the docker CLI's `compose` plugin (installed as
//! `~/.docker/cli-plugins/docker-compose`), the way the reference runs: the CLI asks
//! `docker-compose docker-cli-plugin-metadata` for the plugin's description, then runs
//! `docker-compose [DOCKER FLAGS] compose COMMAND ...` with
//! `DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND` set. The docker CLI's own global flags before
//! `compose` (`-H`, `--context`, `--config`, `--tlsverify`, ...) become the environment
//! variables that mean the same, so the engine connection and credentials find them. Pure:
//! it decides, `main` acts.

use std::ffi::{OsStr, OsString};
use std::path::Path;

/// The argument the docker CLI uses to ask a plugin for its metadata.
pub const METADATA_COMMAND: &str = "docker-cli-plugin-metadata";

/// Set by the docker CLI when it runs a plugin (to the CLI's own `argv[0]`).
pub const PLUGIN_MARKER: &str = "DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND";

/// How the program was invoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// `docker-cli-plugin-metadata`: print [`metadata_json`].
    Metadata,
    /// Parse these arguments as they are (`argv[0]` first).
    Direct(Vec<OsString>),
    /// Run as a plugin: these arguments (`argv[0]` first, `compose` and the docker flags
    /// taken out) with these environment variables set first.
    Plugin {
        arguments: Vec<OsString>,
        environment: Vec<(&'static str, OsString)>,
    },
}

/// The plugin's description, as the reference prints it (our own version).
pub fn metadata_json() -> String {
    format!(
        "{{\n     \"SchemaVersion\": \"0.1.0\",\n     \"Vendor\": \"dk-compose\",\n     \"Version\": \"v{}\",\n     \"ShortDescription\": \"Docker Compose\"\n}}",
        env!("CARGO_PKG_VERSION")
    )
}

/// The docker CLI's global flags that take a value, with the variable each one sets
/// (`None`: accepted and ignored).
const VALUE_FLAGS: &[(&str, Option<&str>, Option<&str>)] = &[
    ("--host", Some("-H"), Some("DOCKER_HOST")),
    ("--context", Some("-c"), Some("DOCKER_CONTEXT")),
    ("--config", None, Some("DOCKER_CONFIG")),
    ("--log-level", Some("-l"), None),
    ("--tlscacert", None, None),
    ("--tlscert", None, None),
    ("--tlskey", None, None),
];

/// Sorts out how the program was invoked from its arguments and whether the docker CLI
/// launched it as a plugin.
pub fn classify(arguments: Vec<OsString>, launched_by_docker: bool) -> Result<Invocation, String> {
    if arguments
        .get(1)
        .is_some_and(|first| first == METADATA_COMMAND)
    {
        return Ok(Invocation::Metadata);
    }
    if !launched_by_docker {
        return Ok(Invocation::Direct(arguments));
    }
    let mut iterator = arguments.into_iter();
    let program = iterator
        .next()
        .unwrap_or_else(|| OsString::from("docker-compose"));
    let mut environment: Vec<(&'static str, OsString)> = Vec::new();
    let mut certificates: Vec<(&str, OsString)> = Vec::new();
    let mut debug = false;
    loop {
        let Some(argument) = iterator.next() else {
            return Err("docker did not name the `compose` command to run".to_owned());
        };
        let text = argument.to_string_lossy().into_owned();
        if text == "compose" {
            break;
        }
        match text.as_str() {
            "-D" | "--debug" => {
                debug = true;
                continue;
            }
            "--tlsverify" | "--tlsverify=true" => {
                environment.push(("DOCKER_TLS_VERIFY", OsString::from("1")));
                continue;
            }
            "--tls" | "--tls=true" | "--tlsverify=false" | "--tls=false" => continue,
            _ => {}
        }
        let (name, inline) = match text.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name.to_owned(), Some(value)),
            _ => (text.clone(), None),
        };
        let Some((long, _, variable)) = VALUE_FLAGS
            .iter()
            .find(|(long, short, _)| *long == name || *short == Some(name.as_str()))
        else {
            return Err(format!("unknown docker flag before `compose`: {text}"));
        };
        let value = match inline {
            Some(value) => OsString::from(value),
            None => iterator
                .next()
                .ok_or_else(|| format!("flag needs an argument: {long}"))?,
        };
        match variable {
            Some(variable) => environment.push((variable, value)),
            None if long.starts_with("--tls") => certificates.push((long, value)),
            None => {}
        }
    }
    if !certificates.is_empty() {
        environment.push(("DOCKER_CERT_PATH", certificate_directory(&certificates)?));
    }
    let mut rest: Vec<OsString> = vec![program];
    if debug {
        rest.push(OsString::from("--verbose"));
    }
    rest.extend(iterator);
    Ok(Invocation::Plugin {
        arguments: rest,
        environment,
    })
}

/// `--tlscacert/--tlscert/--tlskey` as one `DOCKER_CERT_PATH`: the files must be the
/// standard `ca.pem`, `cert.pem` and `key.pem` of one directory.
fn certificate_directory(certificates: &[(&str, OsString)]) -> Result<OsString, String> {
    let mut directory: Option<&Path> = None;
    for (flag, value) in certificates {
        let path = Path::new(value.as_os_str());
        let expected = match *flag {
            "--tlscacert" => "ca.pem",
            "--tlscert" => "cert.pem",
            _ => "key.pem",
        };
        let parent = path.parent().unwrap_or_else(|| Path::new("."));
        if path.file_name() != Some(OsStr::new(expected))
            || directory.is_some_and(|known| known != parent)
        {
            return Err(format!(
                "{flag} {}: dk-compose takes TLS files as one directory of ca.pem, cert.pem and key.pem (DOCKER_CERT_PATH); name them so, or set DOCKER_CERT_PATH",
                path.display()
            ));
        }
        directory = Some(parent);
    }
    Ok(directory
        .unwrap_or_else(|| Path::new("."))
        .as_os_str()
        .to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arguments(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    #[test]
    fn metadata_is_asked_for_by_its_first_argument() {
        assert_eq!(
            classify(arguments(&["docker-compose", METADATA_COMMAND]), false),
            Ok(Invocation::Metadata)
        );
        let json: serde_json::Value = serde_json::from_str(&metadata_json()).unwrap();
        assert_eq!(json["SchemaVersion"], "0.1.0");
        assert_eq!(json["ShortDescription"], "Docker Compose");
    }

    #[test]
    fn standalone_arguments_are_left_alone() {
        let direct = arguments(&["dk-compose", "compose", "up"]);
        assert_eq!(
            classify(direct.clone(), false),
            Ok(Invocation::Direct(direct))
        );
    }

    #[test]
    fn docker_flags_become_variables_and_compose_is_taken_out() {
        let invocation = classify(
            arguments(&[
                "/home/me/.docker/cli-plugins/docker-compose",
                "-H",
                "unix:///tmp/d.sock",
                "--context=ctx",
                "--config",
                "/cfg",
                "-D",
                "-l",
                "warn",
                "--tlsverify",
                "--tlscacert",
                "/certs/ca.pem",
                "compose",
                "-p",
                "demo",
                "up",
                "-d",
            ]),
            true,
        )
        .unwrap();
        assert_eq!(
            invocation,
            Invocation::Plugin {
                arguments: arguments(&[
                    "/home/me/.docker/cli-plugins/docker-compose",
                    "--verbose",
                    "-p",
                    "demo",
                    "up",
                    "-d"
                ]),
                environment: vec![
                    ("DOCKER_HOST", OsString::from("unix:///tmp/d.sock")),
                    ("DOCKER_CONTEXT", OsString::from("ctx")),
                    ("DOCKER_CONFIG", OsString::from("/cfg")),
                    ("DOCKER_TLS_VERIFY", OsString::from("1")),
                    ("DOCKER_CERT_PATH", OsString::from("/certs")),
                ],
            }
        );
    }

    #[test]
    fn unknown_flags_missing_values_and_odd_certificates_are_explained() {
        let error = |words: &[&str]| classify(arguments(words), true).unwrap_err();
        assert_eq!(
            error(&["p", "--bogus", "compose"]),
            "unknown docker flag before `compose`: --bogus"
        );
        assert_eq!(error(&["p", "--host"]), "flag needs an argument: --host");
        assert_eq!(
            error(&["p", "-H", "x"]),
            "docker did not name the `compose` command to run"
        );
        assert!(error(&["p", "--tlscert", "/a/mine.pem", "compose"]).contains("DOCKER_CERT_PATH"));
    }
}

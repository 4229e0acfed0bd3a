//! Bad-input suite: every broken compose file under `tests/fixtures/bad/<case>/` must make
//! `dk-compose config` exit 1 with the expected message at the expected `file:line:col`,
//! and never panic. Each case's `expect.txt` holds the expectation (see `Expectation`);
//! `check-reference.sh` next to the fixtures runs the reference on the same cases.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What one `expect.txt` says, line by line (`key: value`).
#[derive(Debug, Default)]
struct Expectation {
    /// Command-line arguments (default `config`).
    args: Vec<String>,
    /// `compose.yaml:3:5`, or `none` for errors without a position.
    location: String,
    /// A substring of the error message.
    message: String,
    /// A substring of the hint shown under that error.
    hint: Option<String>,
    /// Another error reported in the same run (all errors are reported at once).
    also: Vec<String>,
}

/// Whether to compare `line:col` exactly (the file name and the presence of a position are
/// checked either way).
const CHECK_LINE_AND_COLUMN: bool = true;

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad")
}

fn read_expectation(case_dir: &Path) -> Expectation {
    let text = std::fs::read_to_string(case_dir.join("expect.txt"))
        .unwrap_or_else(|error| panic!("{}: {error}", case_dir.display()));
    let mut expectation = Expectation {
        args: vec!["config".to_owned()],
        ..Expectation::default()
    };
    for line in text.lines() {
        let Some((key, value)) = line.split_once(": ") else {
            continue;
        };
        let value = value.to_owned();
        match key {
            "args" => expectation.args = value.split_whitespace().map(str::to_owned).collect(),
            "location" => expectation.location = value,
            "message" => expectation.message = value,
            "hint" => expectation.hint = Some(value),
            "also" => expectation.also.push(value),
            _ => {} // reference:, note: are documentation.
        }
    }
    assert!(
        !expectation.location.is_empty() && !expectation.message.is_empty(),
        "{}: expect.txt needs `location:` and `message:`",
        case_dir.display()
    );
    expectation
}

/// The error block (from its `error:` line up to the next one) that carries `message`.
fn error_block<'a>(stderr: &'a str, message: &str) -> Option<&'a str> {
    let start = stderr.find(message)?;
    let block_start = stderr[..start].rfind("error:").unwrap_or(start);
    let rest = &stderr[start..];
    let block_end = rest
        .find("\nerror:")
        .map_or(stderr.len(), |offset| start + offset + 1);
    Some(&stderr[block_start..block_end])
}

fn run_case(name: &str) {
    let case_dir = fixtures_root().join(name);
    let expectation = read_expectation(&case_dir);
    let output = Command::new(env!("CARGO_BIN_EXE_dk-compose"))
        .args(&expectation.args)
        .current_dir(&case_dir)
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROJECT_NAME")
        .env_remove("COMPOSE_PROFILES")
        .env_remove("COMPOSE_ENV_FILES")
        .env_remove("TAG")
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let context = format!("case `{name}`, stderr:\n{stderr}");
    assert!(!stderr.contains("panicked"), "panic in {context}");
    assert_eq!(output.status.code(), Some(1), "exit code, {context}");

    let block = error_block(&stderr, &expectation.message)
        .unwrap_or_else(|| panic!("message `{}` missing, {context}", expectation.message));
    let location_line = block
        .lines()
        .find(|line| line.trim_start().starts_with("--> "));
    if expectation.location == "none" {
        assert!(
            location_line.is_none(),
            "expected no position for `{}`, {context}",
            expectation.message
        );
    } else {
        let location = location_line
            .unwrap_or_else(|| panic!("no position for `{}`, {context}", expectation.message));
        let expected = if CHECK_LINE_AND_COLUMN {
            format!("/{}", expectation.location)
        } else {
            let file = expectation.location.split(':').next().unwrap_or_default();
            format!("/{file}:")
        };
        assert!(
            location.ends_with(&expected)
                || (!CHECK_LINE_AND_COLUMN && location.contains(&expected)),
            "expected position `{}` for `{}`, got `{}`, {context}",
            expectation.location,
            expectation.message,
            location.trim()
        );
    }
    if let Some(hint) = &expectation.hint {
        assert!(
            block.contains(&format!("hint: {hint}")),
            "hint `{hint}` missing, {context}"
        );
    }
    for also in &expectation.also {
        assert!(
            stderr.contains(also.as_str()),
            "`{also}` missing, {context}"
        );
    }
}

/// One test per fixture directory.
macro_rules! bad_inputs {
    ($($(#[$attribute:meta])* $name:ident,)*) => {
        $(
            $(#[$attribute])*
            #[test]
            fn $name() {
                run_case(stringify!($name));
            }
        )*

        /// Every fixture directory has a test above, and every test a fixture.
        #[test]
        fn every_fixture_is_listed() {
            let listed: Vec<&str> = vec![$(stringify!($name)),*];
            let mut on_disk: Vec<String> = std::fs::read_dir(fixtures_root())
                .expect("fixtures directory")
                .filter_map(Result::ok)
                .filter(|entry| entry.path().is_dir())
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect();
            on_disk.sort();
            let mut listed_sorted: Vec<String> = listed.iter().map(|name| (*name).to_owned()).collect();
            listed_sorted.sort();
            assert_eq!(on_disk, listed_sorted);
        }
    };
}

bad_inputs! {
    // YAML parsing.
    yaml_unclosed_flow_sequence,
    yaml_tab_indentation,
    yaml_duplicate_key,
    yaml_duplicate_service,
    yaml_alias_bomb,
    yaml_undefined_alias,
    top_level_sequence,
    top_level_scalar,
    empty_compose_file,
    empty_mapping,
    version_only,
    override_without_value,
    // Schema.
    unknown_service_key,
    unknown_top_level_key,
    unknown_nested_key,
    unknown_network_key,
    unknown_volume_key,
    extension_key_with_underscore,
    invalid_service_name,
    image_not_a_string,
    service_is_null,
    environment_wrong_type,
    port_nested_sequence,
    port_long_syntax_unknown_key,
    depends_on_bad_condition,
    depends_on_missing_condition,
    volume_bad_type,
    pull_policy_bad_value,
    container_name_too_short,
    ulimit_missing_hard,
    networks_not_a_mapping,
    healthcheck_retries_not_a_number,
    build_wrong_type,
    several_schema_errors_at_once,
    scale_negative,
    replicas_negative,
    gpus_capabilities_not_a_list,
    cpus_not_a_number,
    healthcheck_retries_negative,
    build_ulimit_override_without_value,
    env_file_required_not_a_boolean,
    // Consistency.
    depends_on_undefined_service,
    links_undefined_service,
    volumes_from_undefined_service,
    network_mode_undefined_service,
    undefined_network,
    undefined_volume,
    undefined_secret,
    undefined_config,
    dependency_cycle_of_two,
    dependency_cycle_of_three,
    dependency_on_itself,
    network_mode_with_networks,
    duplicate_container_name,
    container_name_with_scale,
    external_volume_with_driver,
    no_image_no_build,
    secret_without_source,
    healthcheck_test_bad_first_word,
    dockerfile_and_dockerfile_inline,
    scale_and_replicas_differ,
    several_consistency_errors_at_once,
    // Canonical syntaxes, durations, env files.
    port_too_many_colons,
    port_not_a_number,
    volume_bad_short_syntax,
    bad_duration_healthcheck,
    bad_duration_stop_grace_period,
    missing_env_file,
    dotenv_invalid_line,
    port_range_reversed,
    mem_limit_bad_unit,
    healthcheck_bad_start_period,
    devices_bad,
    // Extends.
    missing_extends_file,
    missing_extends_service,
    extends_cycle,
    extends_wrong_type,
    extends_missing_service_key,
    // Include.
    include_missing_file,
    include_cycle,
    include_not_a_list,
    include_env_file_missing,
    include_conflict,
    // Interpolation.
    required_variable_unset,
    invalid_interpolation,
    interpolation_nested_unclosed,
    // Command line.
    invalid_project_name_flag,
    missing_env_file_flag,
    missing_compose_file_flag,
    selected_service_unknown,
}

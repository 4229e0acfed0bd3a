//! Renderers of `stack ls`, `stack services` and `stack ps`, after the docker CLI's
//! formatters (`stack/formatter`, `service/formatter.go`, `task/formatter.go`): default
//! tables, `table TEMPLATE`, `json`, bare templates, `-q`. Pure: data and clock in, text out.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::engine::swarm::{SwarmService, SwarmTask};
use crate::output::table::{ellipsis, human_duration, parse_rfc3339, tabwrite};
use crate::output::template::{FormatChoice, Template, TemplateData, TemplateError};

const STACK_TABLE: &str = "{{.Name}}\t{{.Services}}";
const SERVICE_TABLE: &str = "{{.ID}}\t{{.Name}}\t{{.Mode}}\t{{.Replicas}}\t{{.Image}}\t{{.Ports}}";
const TASK_TABLE: &str = "{{.ID}}\t{{.Name}}\t{{.Image}}\t{{.Node}}\t{{.DesiredState}}\t{{.CurrentState}}\t{{.Error}}\t{{.Ports}}";
/// The docker CLI truncates task errors to this length (`task/formatter.go` `maxErrLength`).
const MAX_ERROR_LENGTH: usize = 30;

fn header(field: &str) -> Option<&'static str> {
    Some(match field {
        "ID" => "ID",
        "Name" => "NAME",
        "Services" => "SERVICES",
        "Mode" => "MODE",
        "Replicas" => "REPLICAS",
        "Image" => "IMAGE",
        "Ports" => "PORTS",
        "Node" => "NODE",
        "DesiredState" => "DESIRED STATE",
        "CurrentState" => "CURRENT STATE",
        "Error" => "ERROR",
        _ => return None,
    })
}

/// Renders `rows` (fields and labels) with `format`; `default_table` is the command's table.
fn render(
    rows: &[(Map<String, Value>, BTreeMap<String, String>)],
    format: &str,
    default_table: &str,
) -> Result<String, TemplateError> {
    let (source, table) = match FormatChoice::parse(format) {
        FormatChoice::DefaultTable => (default_table.to_owned(), true),
        FormatChoice::Table(source) => (source, true),
        FormatChoice::Json => ("{{json .}}".to_owned(), false),
        FormatChoice::Template(source) => (source, false),
    };
    let template = Template::parse(&source)?;
    let mut text = String::new();
    if table {
        text.push_str(&template.render_header(&header));
        text.push('\n');
    }
    for (fields, labels) in rows {
        text.push_str(&template.render(&TemplateData { fields, labels })?);
        text.push('\n');
    }
    Ok(if table { tabwrite(&text, 10, 3) } else { text })
}

fn fields(entries: Vec<(&str, String)>) -> Map<String, Value> {
    entries
        .into_iter()
        .map(|(key, value)| (key.to_owned(), Value::from(value)))
        .collect()
}

/// `stack ls`: stack name → number of services, sorted naturally by the caller.
pub fn render_stacks(stacks: &[(String, usize)], format: &str) -> Result<String, TemplateError> {
    let rows: Vec<_> = stacks
        .iter()
        .map(|(name, services)| {
            (
                fields(vec![
                    ("Name", name.clone()),
                    ("Services", services.to_string()),
                ]),
                BTreeMap::new(),
            )
        })
        .collect();
    render(&rows, format, STACK_TABLE)
}

/// An image without its digest, as the docker CLI shows it (`busybox:latest@sha256:...` →
/// `busybox:latest`), when it has a tag.
fn display_image(image: &str) -> String {
    match image.split_once('@') {
        Some((named, _))
            if named
                .rsplit('/')
                .next()
                .is_some_and(|last| last.contains(':')) =>
        {
            named.to_owned()
        }
        _ => image.to_owned(),
    }
}

fn replicas_text(service: &SwarmService, max_per_node: u64) -> String {
    let running = service.running_tasks.unwrap_or_default();
    let desired = service.desired_tasks.unwrap_or_default();
    let completed = service.completed_tasks.unwrap_or_default();
    match service.mode.as_str() {
        "replicated-job" => format!(
            "{running}/{desired} ({completed}/{} completed)",
            service.replicas.unwrap_or_default()
        ),
        "global-job" => format!(
            "{running}/{desired} ({completed}/{} completed)",
            desired + completed
        ),
        "replicated" if max_per_node > 0 => {
            format!("{running}/{desired} (max {max_per_node} per node)")
        }
        _ => format!("{running}/{desired}"),
    }
}

/// `stack services`: IDs only with `quiet`, else the table, JSON or template.
pub fn render_services(
    services: &[SwarmService],
    format: &str,
    quiet: bool,
) -> Result<String, TemplateError> {
    if quiet && matches!(FormatChoice::parse(format), FormatChoice::DefaultTable) {
        return Ok(services
            .iter()
            .flat_map(|service| [service.id.as_str(), "\n"])
            .collect());
    }
    let rows: Vec<_> = services
        .iter()
        .map(|service| {
            let mode = match service.mode.as_str() {
                "replicated-job" => "replicated job",
                "global-job" => "global job",
                other => other,
            };
            (
                fields(vec![
                    ("ID", service.id.chars().take(12).collect()),
                    ("Name", service.name.clone()),
                    ("Mode", mode.to_owned()),
                    ("Replicas", replicas_text(service, 0)),
                    ("Image", display_image(&service.image)),
                    ("Ports", service.ports.join(", ")),
                ]),
                service.labels.clone(),
            )
        })
        .collect();
    render(&rows, format, SERVICE_TABLE)
}

/// Options of `stack ps` rendering.
pub struct TaskListing<'a> {
    /// Service id → name (empty with `--no-resolve`: ids are shown).
    pub service_names: &'a BTreeMap<String, String>,
    /// Node id → hostname (empty with `--no-resolve`).
    pub node_names: &'a BTreeMap<String, String>,
    pub truncate: bool,
    pub quiet: bool,
    /// Current time, Unix seconds.
    pub now: f64,
}

/// `Running`, `Shutdown`: the docker CLI's `PrettyPrint` of a state.
fn pretty_state(state: &str) -> String {
    let mut characters = state.chars();
    characters.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(characters).collect()
    })
}

/// `stack ps`: tasks named `<service>.<slot>` (or `.<node>` for global services), grouped
/// per slot with the newest first and older ones indented (` \_ `) in tables.
pub fn render_tasks(
    tasks: &[SwarmTask],
    format: &str,
    listing: &TaskListing<'_>,
) -> Result<String, TemplateError> {
    let choice = FormatChoice::parse(format);
    let mut named: Vec<(String, &SwarmTask)> = tasks
        .iter()
        .map(|task| {
            let service = listing
                .service_names
                .get(&task.service_id)
                .cloned()
                .unwrap_or_else(|| task.service_id.clone());
            let name = match task.slot {
                Some(slot) if slot != 0 => format!("{service}.{slot}"),
                _ => format!("{service}.{}", task.node_id),
            };
            (name, task)
        })
        .collect();
    named.sort_by(|(left_name, left), (right_name, right)| {
        super::natural_cmp(left_name, right_name)
            .then_with(|| right.created_at.cmp(&left.created_at))
    });
    if listing.quiet && matches!(choice, FormatChoice::DefaultTable) {
        let mut text = String::new();
        for (_, task) in &named {
            if listing.truncate {
                text.extend(task.id.chars().take(12));
            } else {
                text.push_str(&task.id);
            }
            text.push('\n');
        }
        return Ok(text);
    }
    let is_table = matches!(choice, FormatChoice::DefaultTable | FormatChoice::Table(_));
    let mut previous_name = String::new();
    let mut rows = Vec::new();
    for (name, task) in &named {
        let display_name = if is_table && *name == previous_name {
            format!(" \\_ {name}")
        } else {
            name.clone()
        };
        previous_name.clone_from(name);
        let elapsed = parse_rfc3339(&task.timestamp).map_or(0.0, |at| listing.now - at);
        let mut error = task.error.clone();
        if listing.truncate {
            error = ellipsis(&error, MAX_ERROR_LENGTH);
        }
        if !error.is_empty() {
            error = format!("\"{error}\"");
        }
        rows.push((
            fields(vec![
                (
                    "ID",
                    if listing.truncate {
                        task.id.chars().take(12).collect()
                    } else {
                        task.id.clone()
                    },
                ),
                ("Name", display_name),
                (
                    "Image",
                    if listing.truncate {
                        display_image(&task.image)
                    } else {
                        task.image.clone()
                    },
                ),
                (
                    "Node",
                    listing
                        .node_names
                        .get(&task.node_id)
                        .cloned()
                        .unwrap_or_else(|| task.node_id.clone()),
                ),
                ("DesiredState", pretty_state(&task.desired_state)),
                (
                    "CurrentState",
                    format!(
                        "{} {} ago",
                        pretty_state(&task.state),
                        human_duration(elapsed).to_lowercase()
                    ),
                ),
                ("Error", error),
                ("Ports", task.ports.join(",")),
            ]),
            BTreeMap::new(),
        ));
    }
    render(&rows, format, TASK_TABLE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(name: &str, mode: &str) -> SwarmService {
        SwarmService {
            id: "abcdefghijklmnopqrstuvwxyz".to_owned(),
            name: name.to_owned(),
            version: 1,
            labels: BTreeMap::new(),
            image: "dk-compose-test/busybox:latest@sha256:0123".to_owned(),
            force_update: 0,
            mode: mode.to_owned(),
            replicas: Some(3),
            running_tasks: Some(2),
            desired_tasks: Some(3),
            completed_tasks: Some(0),
            ports: vec!["*:8080->80/tcp".to_owned()],
            update_state: None,
            update_message: None,
            update_monitor_nanoseconds: 0,
        }
    }

    #[test]
    fn services_table_matches_the_docker_layout() {
        let text = render_services(&[service("demo_web", "replicated")], "table", false).unwrap();
        assert_eq!(
            text,
            "ID             NAME       MODE         REPLICAS   IMAGE                            PORTS\n\
             abcdefghijkl   demo_web   replicated   2/3        dk-compose-test/busybox:latest   *:8080->80/tcp\n"
        );
        let quiet = render_services(&[service("demo_web", "replicated")], "", true).unwrap();
        assert_eq!(quiet, "abcdefghijklmnopqrstuvwxyz\n");
    }

    #[test]
    fn stacks_render_as_table_and_json() {
        let stacks = vec![("demo".to_owned(), 2)];
        assert_eq!(
            render_stacks(&stacks, "table").unwrap(),
            "NAME      SERVICES\ndemo      2\n"
        );
        assert_eq!(
            render_stacks(&stacks, "json").unwrap(),
            "{\"Name\":\"demo\",\"Services\":\"2\"}\n"
        );
    }

    #[test]
    fn tasks_are_named_by_slot_and_older_ones_indented() {
        let task = |id: &str, slot: i64, created: &str, state: &str| SwarmTask {
            id: id.to_owned(),
            service_id: "service1".to_owned(),
            slot: Some(slot),
            node_id: "node1".to_owned(),
            desired_state: if state == "running" {
                "running"
            } else {
                "shutdown"
            }
            .to_owned(),
            state: state.to_owned(),
            message: String::new(),
            error: if state == "failed" {
                "task: non-zero exit (1)".to_owned()
            } else {
                String::new()
            },
            image: "busybox:latest".to_owned(),
            timestamp: "2024-01-01T00:00:00Z".to_owned(),
            created_at: created.to_owned(),
            exit_code: None,
            ports: Vec::new(),
        };
        let tasks = vec![
            task("old", 1, "2024-01-01T00:00:00Z", "failed"),
            task("new", 1, "2024-01-01T00:00:05Z", "running"),
        ];
        let names = BTreeMap::from([("service1".to_owned(), "demo_web".to_owned())]);
        let nodes = BTreeMap::from([("node1".to_owned(), "host".to_owned())]);
        let now = parse_rfc3339("2024-01-01T00:00:10Z").unwrap();
        let text = render_tasks(
            &tasks,
            "{{.Name}} {{.CurrentState}} {{.Error}}",
            &TaskListing {
                service_names: &names,
                node_names: &nodes,
                truncate: true,
                quiet: false,
                now,
            },
        )
        .unwrap();
        assert_eq!(
            text,
            "demo_web.1 Running 10 seconds ago \ndemo_web.1 Failed 10 seconds ago \"task: non-zero exit (1)\"\n"
        );
        let table = render_tasks(
            &tasks,
            "table {{.Name}}\t{{.Node}}",
            &TaskListing {
                service_names: &names,
                node_names: &nodes,
                truncate: true,
                quiet: false,
                now,
            },
        )
        .unwrap();
        assert_eq!(
            table,
            "NAME             NODE\ndemo_web.1       host\n \\_ demo_web.1   host\n"
        );
    }
}

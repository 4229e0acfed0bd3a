//! Renderers of the listing commands, byte-compatible with the reference: `ps` (table, json,
//! templates), `ls`, `images`, `top`, `volumes`, and the lines of `events`. Pure: data,
//! format and clock in; text out.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::local_time::LocalZone;
use super::table::{
    displayable_ports, ellipsis, go_json_escape, go_quote, go_time_string_utc, human_duration,
    human_size, tabwrite, time_ago,
};
use super::table::{go_microsecond_time, go_rfc3339_nano};
use super::template::{TemplateData, TemplateError, render_rows};
use crate::engine::events::ContainerEvent;
use crate::engine::inspect::{ContainerProcesses, ContainerSummary, ImageSummary, VolumeSummary};
use crate::labels;
use crate::plan::observed::ProjectSummary;

/// The reference's default `ps` table (`cmd/formatter/container.go`).
const PS_TABLE: &str =
    "{{.Name}}\t{{.Image}}\t{{.Command}}\t{{.Service}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}";

fn ps_header(field: &str) -> Option<&'static str> {
    Some(match field {
        "ID" => "CONTAINER ID",
        "Name" => "NAME",
        "Project" => "PROJECT",
        "Service" => "SERVICE",
        "Image" => "IMAGE",
        "Command" => "COMMAND",
        "CreatedAt" => "CREATED AT",
        "RunningFor" => "CREATED",
        "Ports" => "PORTS",
        "State" => "STATE",
        "Status" => "STATUS",
        "Size" => "SIZE",
        "Labels" => "LABELS",
        _ => return None,
    })
}

/// The fields of one container, as `{{json .}}` prints them (keys sorted, as Go's map).
fn ps_fields(container: &ContainerSummary, truncate: bool, now: f64) -> Map<String, Value> {
    let id = if truncate {
        container.id.chars().take(12).collect()
    } else {
        container.id.clone()
    };
    let command = if truncate {
        ellipsis(&container.command, 20)
    } else {
        container.command.clone()
    };
    let mut names: Vec<String> = container
        .names
        .iter()
        .map(|name| name.trim_start_matches('/').to_owned())
        .collect();
    if truncate {
        if let Some(plain) = names.iter().find(|name| !name.contains('/')) {
            names = vec![plain.clone()];
        }
    }
    let size = if container.size_root_fs > 0 {
        format!(
            "{} (virtual {})",
            human_size(container.size_rw),
            human_size(container.size_root_fs)
        )
    } else {
        human_size(container.size_rw)
    };
    let labels = container
        .labels
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join(",");
    let mounts = container
        .mounts
        .iter()
        .map(|mount| {
            if truncate {
                ellipsis(mount, 15)
            } else {
                mount.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    // The reference sorts by private port only (stable for the few ports a container has).
    let mut sorted_ports: Vec<_> = container.ports.iter().collect();
    sorted_ports.sort_by_key(|port| port.private_port);
    let publishers: Vec<Value> = sorted_ports
        .into_iter()
        .map(|port| {
            json!({
                "URL": port.host_ip,
                "TargetPort": port.private_port,
                "PublishedPort": port.public_port,
                "Protocol": port.protocol,
            })
        })
        .collect();
    let entries: [(&str, Value); 20] = [
        ("Command", Value::from(go_quote(&command))),
        (
            "CreatedAt",
            Value::from(go_time_string_utc(container.created)),
        ),
        ("ExitCode", Value::from(container.exit_code)),
        ("Health", Value::from(container.health.clone())),
        ("ID", Value::from(id)),
        ("Image", Value::from(container.image.clone())),
        ("Labels", Value::from(labels)),
        (
            "LocalVolumes",
            Value::from(container.local_volumes.to_string()),
        ),
        ("Mounts", Value::from(mounts)),
        ("Name", Value::from(container.name.clone())),
        ("Names", Value::from(names.join(","))),
        ("Networks", Value::from(container.networks.join(","))),
        ("Ports", Value::from(displayable_ports(&container.ports))),
        ("Project", Value::from(container.project.clone())),
        ("Publishers", Value::Array(publishers)),
        ("RunningFor", Value::from(time_ago(container.created, now))),
        ("Service", Value::from(container.service.clone())),
        ("Size", Value::from(size)),
        ("State", Value::from(container.state.clone())),
        ("Status", Value::from(container.status.clone())),
    ];
    entries
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect()
}

/// `ps` output for `--format` (`table`, `table TEMPLATE`, `json`, `TEMPLATE`); `now` is the
/// current time in Unix seconds (for the CREATED column).
pub fn render_ps(
    containers: &[ContainerSummary],
    format: &str,
    truncate: bool,
    now: f64,
) -> Result<String, TemplateError> {
    let fields: Vec<Map<String, Value>> = containers
        .iter()
        .map(|container| ps_fields(container, truncate, now))
        .collect();
    render_rows(
        format,
        PS_TABLE,
        &ps_header,
        containers
            .iter()
            .zip(&fields)
            .map(|(container, fields)| TemplateData {
                fields,
                labels: &container.labels,
            }),
    )
}

/// An unknown `--format` value for `ls`/`images` (the reference's words).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("format value {0:?} could not be parsed: parsing failed")]
pub struct UnknownFormat(pub String);

/// `ls`: the NAME STATUS CONFIG FILES table or a JSON array.
pub fn render_projects(projects: &[ProjectSummary], format: &str) -> Result<String, UnknownFormat> {
    match format.to_lowercase().as_str() {
        "table" | "pretty" | "" => {
            let mut text = "NAME\tSTATUS\tCONFIG FILES\n".to_owned();
            for project in projects {
                let _ = writeln!(
                    text,
                    "{}\t{}\t{}",
                    project.name,
                    project.status_text(),
                    project.config_files_text()
                );
            }
            Ok(tabwrite(&text, 20, 3))
        }
        "json" => {
            let list: Vec<Value> = projects
                .iter()
                .map(|project| {
                    json!({
                        "Name": project.name,
                        "Status": project.status_text(),
                        "ConfigFiles": project.config_files_text(),
                    })
                })
                .collect();
            Ok(format!("{}\n", Value::Array(list)))
        }
        _ => Err(UnknownFormat(format.to_owned())),
    }
}

/// `images`: the table (sorted by container), a JSON array, or (`quiet`) the unique ids.
pub fn render_images(
    images: &[ImageSummary],
    format: &str,
    quiet: bool,
    now: f64,
) -> Result<String, UnknownFormat> {
    let mut sorted: Vec<&ImageSummary> = images.iter().collect();
    sorted.sort_by(|left, right| left.container_name.cmp(&right.container_name));
    if quiet {
        let mut ids: Vec<&str> = Vec::new();
        for image in &sorted {
            let id = image
                .id
                .split_once(':')
                .map_or(image.id.as_str(), |(_, id)| id);
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        return Ok(ids.iter().flat_map(|id| [*id, "\n"]).collect());
    }
    if format == "json" {
        let list: Vec<Value> = sorted
            .iter()
            .map(|image| {
                json!({
                    "ID": image.id,
                    "ContainerName": image.container_name,
                    "Repository": image.repository,
                    "Tag": image.tag,
                    "Platform": image.platform,
                    "Size": image.size,
                    "LastTagTime": image.last_tag_time_text,
                })
            })
            .collect();
        return Ok(format!("{}\n", Value::Array(list)));
    }
    match format.to_lowercase().as_str() {
        "table" | "pretty" | "" => {}
        _ => return Err(UnknownFormat(format.to_owned())),
    }
    let mut text = "CONTAINER\tREPOSITORY\tTAG\tPLATFORM\tIMAGE ID\tSIZE\tCREATED\n".to_owned();
    for image in sorted {
        let id = image
            .id
            .split_once(':')
            .map_or(image.id.as_str(), |(_, id)| id);
        let or_none = |text: &str| {
            if text.is_empty() {
                "<none>".to_owned()
            } else {
                text.to_owned()
            }
        };
        let created = format!("{} ago", human_duration(now - image.last_tag_time));
        let _ = writeln!(
            text,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            image.container_name,
            or_none(&image.repository),
            or_none(&image.tag),
            image.platform,
            id.chars().take(12).collect::<String>(),
            human_size(image.size),
            created
        );
    }
    Ok(tabwrite(&text, 20, 3))
}

/// `top`: one table for every container, SERVICE and # first and CMD last, in the order
/// titles are first met (the reference's `collectTop`); empty when there is no process.
pub fn render_top(containers: &[ContainerProcesses]) -> String {
    let mut headers: Vec<String> = vec!["SERVICE".to_owned(), "#".to_owned()];
    let mut rows: Vec<BTreeMap<String, String>> = Vec::new();
    for container in containers {
        for process in &container.processes {
            let mut row = BTreeMap::from([
                ("SERVICE".to_owned(), container.service.clone()),
                ("#".to_owned(), container.replica.clone()),
            ]);
            for (index, title) in container.titles.iter().enumerate() {
                if !headers.contains(title) {
                    headers.push(title.clone());
                }
                row.insert(
                    title.clone(),
                    process.get(index).cloned().unwrap_or_default(),
                );
            }
            rows.push(row);
        }
    }
    if rows.is_empty() {
        return String::new();
    }
    if let Some(position) = headers.iter().position(|title| title == "CMD") {
        let command = headers.remove(position);
        headers.push(command);
    }
    let mut text = headers.join("\t");
    text.push('\n');
    for row in rows {
        let cells: Vec<&str> = headers
            .iter()
            .map(|title| row.get(title).map_or("-", String::as_str))
            .collect();
        text.push_str(&cells.join("\t"));
        text.push('\n');
    }
    tabwrite(&text, 4, 2)
}

/// The docker CLI's default volume table (`formatter.NewVolumeFormat`).
const VOLUMES_TABLE: &str = "{{.Driver}}\t{{.Name}}";

fn volume_header(field: &str) -> Option<&'static str> {
    Some(match field {
        "ID" => "ID",
        "Name" => "VOLUME NAME",
        "Group" => "GROUP",
        "Driver" => "DRIVER",
        "Scope" => "SCOPE",
        "Availability" => "AVAILABILITY",
        "Mountpoint" => "MOUNTPOINT",
        "Labels" => "LABELS",
        "Links" => "LINKS",
        "Size" => "SIZE",
        "Status" => "STATUS",
        _ => return None,
    })
}

/// The fields of one volume, as `{{json .}}` prints them (keys sorted). A listing has no
/// usage data and the project's volumes are not cluster volumes: those fields are `N/A`.
fn volume_fields(volume: &VolumeSummary) -> Map<String, Value> {
    let labels = volume
        .labels
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join(",");
    let entries: [(&str, Value); 10] = [
        ("Availability", Value::from("N/A")),
        ("Driver", Value::from(volume.driver.clone())),
        ("Group", Value::from("N/A")),
        ("Labels", Value::from(labels)),
        ("Links", Value::from("N/A")),
        ("Mountpoint", Value::from(volume.mountpoint.clone())),
        ("Name", Value::from(volume.name.clone())),
        ("Scope", Value::from(volume.scope.clone())),
        ("Size", Value::from("N/A")),
        ("Status", Value::from("N/A")),
    ];
    entries
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect()
}

/// `volumes`: the DRIVER / VOLUME NAME table, `table TEMPLATE`, `json` (one object a line),
/// a template, or (`quiet`) the names.
pub fn render_volumes(
    volumes: &[VolumeSummary],
    format: &str,
    quiet: bool,
) -> Result<String, TemplateError> {
    if quiet {
        return Ok(volumes
            .iter()
            .flat_map(|volume| [volume.name.as_str(), "\n"])
            .collect());
    }
    let fields: Vec<Map<String, Value>> = volumes.iter().map(volume_fields).collect();
    render_rows(
        format,
        VOLUMES_TABLE,
        &volume_header,
        volumes
            .iter()
            .zip(&fields)
            .map(|(volume, fields)| TemplateData {
                fields,
                labels: &volume.labels,
            }),
    )
}

/// The attributes `events` shows: the actor's, without the `com.docker.compose.` labels.
fn event_attributes(event: &ContainerEvent) -> impl Iterator<Item = (&String, &String)> {
    event
        .attributes
        .iter()
        .filter(|(key, _)| !key.starts_with("com.docker.compose."))
}

/// One `events` event, with its newline: the reference's text line (`TIME container ACTION
/// ID (key=value, ...)`, then an empty line, as it prints one) or, with `json`, its object
/// (keys sorted). Times are in `zone` (the reference's local time); attributes are sorted
/// (the reference's order is random).
pub fn render_event(event: &ContainerEvent, json: bool, zone: &LocalZone) -> String {
    let offset = zone.offset_seconds(event.time_nanos);
    let service = event
        .attributes
        .get(labels::SERVICE)
        .cloned()
        .unwrap_or_default();
    if json {
        let attributes: Map<String, Value> = event_attributes(event)
            .map(|(key, value)| (key.clone(), Value::from(value.clone())))
            .collect();
        let object = json!({
            "action": event.action_name,
            "attributes": attributes,
            "id": event.container_id,
            "service": service,
            "time": go_rfc3339_nano(event.time_nanos, offset),
            "type": "container",
        });
        return format!("{}\n", go_json_escape(&object.to_string()));
    }
    let attributes: Vec<String> = event_attributes(event)
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    format!(
        "{} container {} {} ({})\n\n",
        go_microsecond_time(event.time_nanos, offset),
        event.action_name,
        event.container_id,
        attributes.join(", ")
    )
}

/// `{{json .}}` of a `ps` row: exposed for tests comparing keys with the reference.
pub fn ps_json(container: &ContainerSummary, truncate: bool, now: f64) -> String {
    go_json_escape(&Value::Object(ps_fields(container, truncate, now)).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::table::PortBinding;

    fn container() -> ContainerSummary {
        ContainerSummary {
            id: "15dbed3d1d119f97f20e749b018355ea36c2295b2a21ddb60d2f43f2e2976c0f".to_owned(),
            name: "cmdsref-db-1".to_owned(),
            names: vec!["/cmdsref-db-1".to_owned()],
            image: "dk-compose-test/busybox:latest".to_owned(),
            project: "cmdsref".to_owned(),
            service: "db".to_owned(),
            number: Some(1),
            oneoff: false,
            command: "sh -c 'trap \"exit 0\" TERM INT; sleep 2147483647 & wait'".to_owned(),
            state: "running".to_owned(),
            status: "Up Less than a second".to_owned(),
            created: 1_795_333_060,
            labels: BTreeMap::from([("com.docker.compose.service".to_owned(), "db".to_owned())]),
            networks: vec!["cmdsref_default".to_owned()],
            ports: vec![
                PortBinding {
                    host_ip: "0.0.0.0".to_owned(),
                    private_port: 80,
                    public_port: 18081,
                    protocol: "tcp".to_owned(),
                },
                PortBinding {
                    host_ip: String::new(),
                    private_port: 5432,
                    public_port: 0,
                    protocol: "tcp".to_owned(),
                },
            ],
            ..ContainerSummary::default()
        }
    }

    #[test]
    fn ps_table_matches_the_reference_layout() {
        let mut web = container();
        web.name = "cmdsref-web-1".to_owned();
        web.service = "web".to_owned();
        web.ports.clear();
        let text = render_ps(&[container(), web], "table", true, 1_795_333_062.5).unwrap();
        assert_eq!(
            text,
            "NAME            IMAGE                            COMMAND                   SERVICE   CREATED         STATUS                  PORTS\n\
             cmdsref-db-1    dk-compose-test/busybox:latest   \"sh -c 'trap \\\"exit 0…\"   db        2 seconds ago   Up Less than a second   5432/tcp, 0.0.0.0:18081->80/tcp\n\
             cmdsref-web-1   dk-compose-test/busybox:latest   \"sh -c 'trap \\\"exit 0…\"   web       2 seconds ago   Up Less than a second   \n"
        );
        assert_eq!(
            render_ps(&[], "table", true, 0.0).unwrap(),
            "NAME      IMAGE     COMMAND   SERVICE   CREATED   STATUS    PORTS\n"
        );
    }

    #[test]
    fn ps_json_has_the_reference_keys_in_order() {
        let line = render_ps(&[container()], "json", true, 1_795_333_062.0).unwrap();
        let value: Value = serde_json::from_str(line.trim()).unwrap();
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "Command",
                "CreatedAt",
                "ExitCode",
                "Health",
                "ID",
                "Image",
                "Labels",
                "LocalVolumes",
                "Mounts",
                "Name",
                "Names",
                "Networks",
                "Ports",
                "Project",
                "Publishers",
                "RunningFor",
                "Service",
                "Size",
                "State",
                "Status"
            ]
        );
        assert!(line.contains("\"ID\":\"15dbed3d1d11\""));
        assert!(line.contains("0.0.0.0:18081-\\u003e80/tcp"));
        assert!(line.contains(
            "\"Publishers\":[{\"URL\":\"0.0.0.0\",\"TargetPort\":80,\"PublishedPort\":18081,\"Protocol\":\"tcp\"}"
        ));
        assert!(line.contains("\"CreatedAt\":\"2026-11-22 07:37:40 +0000 UTC\""));
        assert_eq!(
            render_ps(&[container()], "{{.Name}} {{.State}}", true, 0.0).unwrap(),
            "cmdsref-db-1 running\n"
        );
        assert_eq!(
            render_ps(&[container()], "table {{.Name}}\\t{{.Service}}", true, 0.0).unwrap(),
            "NAME           SERVICE\ncmdsref-db-1   db\n"
        );
    }

    #[test]
    fn top_puts_cmd_last_and_aligns() {
        let processes = ContainerProcesses {
            name: "p-db-1".to_owned(),
            service: "db".to_owned(),
            replica: "1".to_owned(),
            titles: vec![
                "UID".to_owned(),
                "PID".to_owned(),
                "CMD".to_owned(),
                "TIME".to_owned(),
            ],
            processes: vec![vec![
                "root".to_owned(),
                "42".to_owned(),
                "sleep 1".to_owned(),
                "00:00:00".to_owned(),
            ]],
        };
        assert_eq!(
            render_top(&[processes]),
            "SERVICE  #   UID   PID  TIME      CMD\ndb       1   root  42   00:00:00  sleep 1\n"
        );
        assert_eq!(render_top(&[]), "");
    }

    #[test]
    fn ls_formats() {
        let project = ProjectSummary {
            name: "cmdsref".to_owned(),
            state_counts: BTreeMap::from([("running".to_owned(), 2)]),
            config_files: vec!["/tmp/cmds-ref/compose.yaml".to_owned()],
        };
        assert_eq!(
            render_projects(std::slice::from_ref(&project), "table").unwrap(),
            "NAME                STATUS              CONFIG FILES\ncmdsref             running(2)          /tmp/cmds-ref/compose.yaml\n"
        );
        assert_eq!(
            render_projects(&[project], "json").unwrap(),
            "[{\"Name\":\"cmdsref\",\"Status\":\"running(2)\",\"ConfigFiles\":\"/tmp/cmds-ref/compose.yaml\"}]\n"
        );
        assert_eq!(render_projects(&[], "json").unwrap(), "[]\n");
        assert!(render_projects(&[], "yaml").is_err());
    }

    #[test]
    fn volumes_table_json_quiet_and_templates() {
        let volume = VolumeSummary {
            name: "demo_data".to_owned(),
            driver: "local".to_owned(),
            scope: "local".to_owned(),
            mountpoint: "/var/lib/docker/volumes/demo_data/_data".to_owned(),
            labels: BTreeMap::from([
                ("com.docker.compose.volume".to_owned(), "data".to_owned()),
                ("a".to_owned(), "b".to_owned()),
            ]),
        };
        let volumes = [volume];
        assert_eq!(
            render_volumes(&volumes, "table", false).unwrap(),
            "DRIVER    VOLUME NAME\nlocal     demo_data\n"
        );
        assert_eq!(
            render_volumes(&[], "table", false).unwrap(),
            "DRIVER    VOLUME NAME\n"
        );
        assert_eq!(
            render_volumes(&volumes, "json", false).unwrap(),
            "{\"Availability\":\"N/A\",\"Driver\":\"local\",\"Group\":\"N/A\",\"Labels\":\"a=b,com.docker.compose.volume=data\",\"Links\":\"N/A\",\"Mountpoint\":\"/var/lib/docker/volumes/demo_data/_data\",\"Name\":\"demo_data\",\"Scope\":\"local\",\"Size\":\"N/A\",\"Status\":\"N/A\"}\n"
        );
        assert_eq!(
            render_volumes(&volumes, "json", true).unwrap(),
            "demo_data\n"
        );
        assert_eq!(
            render_volumes(&volumes, "table {{.Name}}\\t{{.Size}}", false).unwrap(),
            "VOLUME NAME   SIZE\ndemo_data     N/A\n"
        );
        assert_eq!(
            render_volumes(&volumes, "{{.Label \"a\"}} {{.Scope}}", false).unwrap(),
            "b local\n"
        );
        assert!(render_volumes(&volumes, "{{.Nope}}", false).is_err());
    }

    #[test]
    fn events_print_as_the_reference() {
        let event = ContainerEvent {
            container_id: "451d0aae21b7".to_owned(),
            container_name: "p-other-1".to_owned(),
            service: Some("other".to_owned()),
            action: crate::engine::events::ContainerAction::Die {
                exit_code: Some(137),
            },
            action_name: "die".to_owned(),
            time_nanos: 1_795_874_905_000_629_677,
            attributes: BTreeMap::from([
                ("name".to_owned(), "p-other-1".to_owned()),
                ("exitCode".to_owned(), "137".to_owned()),
                ("com.docker.compose.service".to_owned(), "other".to_owned()),
                ("image".to_owned(), "busybox<1>".to_owned()),
            ]),
        };
        assert_eq!(
            render_event(&event, false, &LocalZone::utc()),
            "2026-11-28 14:08:25.000629 container die 451d0aae21b7 (exitCode=137, image=busybox<1>, name=p-other-1)\n\n"
        );
        assert_eq!(
            render_event(&event, true, &LocalZone::utc()),
            "{\"action\":\"die\",\"attributes\":{\"exitCode\":\"137\",\"image\":\"busybox\\u003c1\\u003e\",\"name\":\"p-other-1\"},\"id\":\"451d0aae21b7\",\"service\":\"other\",\"time\":\"2026-11-28T14:08:25.000629677Z\",\"type\":\"container\"}\n"
        );
    }
}

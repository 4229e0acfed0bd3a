//! The tree in the shape the reference prints: compose-go decodes the model into its
//! `types` structs (mapstructure hooks: `DecodeMapstructure`, casts) and `config` prints
//! them with `encoding/json`. So fields with `omitempty` vanish when zero, `command` and
//! `entrypoint` are always there, durations print as Go durations, byte sizes as strings
//! of bytes, lists of `KEY=VALUE` become mappings, and unknown/`x-` keys of services go
//! away (top-level `x-` keys stay). Each struct is a table of `(yaml key, json key, kind)`.

use super::units::{format_duration, parse_duration, parse_ram_bytes, split_shell_words};
use super::{Diagnostic, Node, Value, map_node, scalar_text};
use crate::loader::node::Mapping;
use crate::loader::source::Span;

/// How one field is decoded and printed.
enum Kind {
    /// `string` with `omitempty`; scalars are stringified.
    Text,
    /// `string` without `omitempty`.
    TextKeep,
    /// `bool` with `omitempty`.
    Flag,
    /// `bool` without `omitempty`.
    FlagKeep,
    /// `*bool`: printed when set, `false` included.
    FlagPointer,
    /// Integer with `omitempty`.
    Integer,
    /// `*int`: printed when set, zero included.
    IntegerPointer,
    /// `float32` with `omitempty`.
    Float,
    /// `Duration` (omitted when zero) or `*Duration` (printed when set).
    Duration { keep_zero: bool },
    /// `UnitBytes`: a string of bytes, omitted when zero.
    Bytes,
    /// `UnitBytes` without `omitempty`.
    BytesKeep,
    /// `*FileMode`: `"0640"`.
    FileMode,
    /// `DeviceCount`: `all` is -1.
    DeviceCount,
    /// `[]string` / `StringList`: a string becomes a one-item list.
    Strings,
    /// `ShellCommand`: strings are split as a shell would; `null` printed when absent.
    Command,
    /// `HealthCheckTest`: a string `x` is `["CMD-SHELL", x]`.
    HealthTest,
    /// `Mapping` / `Options`: `KEY=VALUE` lists, null values are `""`.
    Mapping,
    /// `MappingWithEquals`: bare `KEY` (or null) stays `null`.
    MappingWithEquals,
    /// `Labels`: `KEY` without `=` is `""`.
    Labels,
    /// `MultiOptions`: every value a list of strings.
    MultiOptions,
    /// `HostsList`: printed as a sorted list of `host=ip`.
    Hosts,
    /// `UlimitsConfig`: a number, or `{soft, hard}`.
    Ulimit,
    /// `[]EnvFile`: a path string when required, else `{path, required: false}`.
    EnvFiles,
    /// `SSHConfig`: a list of ids (the reference cannot print ids with paths as JSON).
    Ssh,
    /// A struct behind a pointer: printed when present (`{}` included).
    Struct(&'static [Field]),
    /// A struct held by value: always printed (`{}` when absent).
    StructValue(&'static [Field]),
    /// `map[string]*T`: null entries stay null; omitted when empty.
    MapOf(&'static Kind),
    /// `[]T`: omitted when empty.
    ListOf(&'static Kind),
}

/// `(key in the file, key in the JSON, kind)`.
type Field = (&'static str, &'static str, Kind);

const FILE_REFERENCE: &[Field] = &[
    ("source", "source", Kind::Text),
    ("target", "target", Kind::Text),
    ("uid", "uid", Kind::Text),
    ("gid", "gid", Kind::Text),
    ("mode", "mode", Kind::FileMode),
];

const ULIMITS: Kind = Kind::MapOf(&Kind::Ulimit);

const DEVICE_REQUEST: &[Field] = &[
    ("capabilities", "capabilities", Kind::Strings),
    ("driver", "driver", Kind::Text),
    ("count", "count", Kind::DeviceCount),
    ("device_ids", "device_ids", Kind::Strings),
    ("options", "options", Kind::Mapping),
];

const BUILD: &[Field] = &[
    ("context", "context", Kind::Text),
    ("dockerfile", "dockerfile", Kind::Text),
    ("dockerfile_inline", "dockerfile_inline", Kind::Text),
    ("entitlements", "entitlements", Kind::Strings),
    ("args", "args", Kind::MappingWithEquals),
    ("provenance", "provenance", Kind::Text),
    ("sbom", "sbom", Kind::Text),
    ("ssh", "ssh", Kind::Ssh),
    ("labels", "labels", Kind::Labels),
    ("cache_from", "cache_from", Kind::Strings),
    ("cache_to", "cache_to", Kind::Strings),
    ("no_cache", "no_cache", Kind::Flag),
    ("additional_contexts", "additional_contexts", Kind::Mapping),
    ("pull", "pull", Kind::Flag),
    ("extra_hosts", "extra_hosts", Kind::Hosts),
    ("isolation", "isolation", Kind::Text),
    ("network", "network", Kind::Text),
    ("target", "target", Kind::Text),
    (
        "secrets",
        "secrets",
        Kind::ListOf(&Kind::StructValue(FILE_REFERENCE)),
    ),
    ("shm_size", "shm_size", Kind::Bytes),
    ("tags", "tags", Kind::Strings),
    ("ulimits", "ulimits", ULIMITS),
    ("platforms", "platforms", Kind::Strings),
    ("privileged", "privileged", Kind::Flag),
];

const WEIGHT_DEVICE: &[Field] = &[
    ("path", "Path", Kind::TextKeep),
    ("weight", "Weight", Kind::IntegerPointer),
];
const THROTTLE_DEVICE: &[Field] = &[
    ("path", "Path", Kind::TextKeep),
    ("rate", "Rate", Kind::BytesKeep),
];

const BLKIO: &[Field] = &[
    ("weight", "weight", Kind::Integer),
    (
        "weight_device",
        "weight_device",
        Kind::ListOf(&Kind::StructValue(WEIGHT_DEVICE)),
    ),
    (
        "device_read_bps",
        "device_read_bps",
        Kind::ListOf(&Kind::StructValue(THROTTLE_DEVICE)),
    ),
    (
        "device_read_iops",
        "device_read_iops",
        Kind::ListOf(&Kind::StructValue(THROTTLE_DEVICE)),
    ),
    (
        "device_write_bps",
        "device_write_bps",
        Kind::ListOf(&Kind::StructValue(THROTTLE_DEVICE)),
    ),
    (
        "device_write_iops",
        "device_write_iops",
        Kind::ListOf(&Kind::StructValue(THROTTLE_DEVICE)),
    ),
];

const HOOK: &[Field] = &[
    ("command", "command", Kind::Command),
    ("user", "user", Kind::Text),
    ("privileged", "privileged", Kind::Flag),
    ("working_dir", "working_dir", Kind::Text),
    ("environment", "environment", Kind::MappingWithEquals),
];

const TRIGGER: &[Field] = &[
    ("path", "path", Kind::TextKeep),
    ("action", "action", Kind::TextKeep),
    ("target", "target", Kind::Text),
    ("exec", "exec", Kind::StructValue(HOOK)),
    ("include", "include", Kind::Strings),
    ("ignore", "ignore", Kind::Strings),
    ("initial_sync", "initial_sync", Kind::Flag),
];

const DEVELOP: &[Field] = &[("watch", "watch", Kind::ListOf(&Kind::StructValue(TRIGGER)))];

const UPDATE_CONFIG: &[Field] = &[
    ("parallelism", "parallelism", Kind::IntegerPointer),
    ("delay", "delay", Kind::Duration { keep_zero: false }),
    ("failure_action", "failure_action", Kind::Text),
    ("monitor", "monitor", Kind::Duration { keep_zero: false }),
    ("max_failure_ratio", "max_failure_ratio", Kind::Float),
    ("order", "order", Kind::Text),
];

const GENERIC_RESOURCE_SPEC: &[Field] = &[
    ("kind", "kind", Kind::TextKeep),
    ("value", "value", Kind::IntegerPointer),
];
const GENERIC_RESOURCE: &[Field] = &[(
    "discrete_resource_spec",
    "discrete_resource_spec",
    Kind::Struct(GENERIC_RESOURCE_SPEC),
)];

const RESOURCE: &[Field] = &[
    ("cpus", "cpus", Kind::Float),
    ("memory", "memory", Kind::Bytes),
    ("pids", "pids", Kind::Integer),
    (
        "devices",
        "devices",
        Kind::ListOf(&Kind::StructValue(DEVICE_REQUEST)),
    ),
    (
        "generic_resources",
        "generic_resources",
        Kind::ListOf(&Kind::StructValue(GENERIC_RESOURCE)),
    ),
];

const RESOURCES: &[Field] = &[
    ("limits", "limits", Kind::Struct(RESOURCE)),
    ("reservations", "reservations", Kind::Struct(RESOURCE)),
];

const RESTART_POLICY: &[Field] = &[
    ("condition", "condition", Kind::Text),
    ("delay", "delay", Kind::Duration { keep_zero: true }),
    ("max_attempts", "max_attempts", Kind::IntegerPointer),
    ("window", "window", Kind::Duration { keep_zero: true }),
];

const PLACEMENT: &[Field] = &[
    ("constraints", "constraints", Kind::Strings),
    (
        "preferences",
        "preferences",
        Kind::ListOf(&Kind::StructValue(&[("spread", "spread", Kind::Text)])),
    ),
    (
        "max_replicas_per_node",
        "max_replicas_per_node",
        Kind::Integer,
    ),
];

const DEPLOY: &[Field] = &[
    ("mode", "mode", Kind::Text),
    ("replicas", "replicas", Kind::IntegerPointer),
    ("labels", "labels", Kind::Labels),
    (
        "update_config",
        "update_config",
        Kind::Struct(UPDATE_CONFIG),
    ),
    (
        "rollback_config",
        "rollback_config",
        Kind::Struct(UPDATE_CONFIG),
    ),
    ("resources", "resources", Kind::StructValue(RESOURCES)),
    (
        "restart_policy",
        "restart_policy",
        Kind::Struct(RESTART_POLICY),
    ),
    ("placement", "placement", Kind::StructValue(PLACEMENT)),
    ("endpoint_mode", "endpoint_mode", Kind::Text),
];

const HEALTHCHECK: &[Field] = &[
    ("test", "test", Kind::HealthTest),
    ("timeout", "timeout", Kind::Duration { keep_zero: true }),
    ("interval", "interval", Kind::Duration { keep_zero: true }),
    ("retries", "retries", Kind::IntegerPointer),
    (
        "start_period",
        "start_period",
        Kind::Duration { keep_zero: true },
    ),
    (
        "start_interval",
        "start_interval",
        Kind::Duration { keep_zero: true },
    ),
    ("disable", "disable", Kind::Flag),
];

const SERVICE_NETWORK: &[Field] = &[
    ("aliases", "aliases", Kind::Strings),
    ("driver_opts", "driver_opts", Kind::Mapping),
    ("gw_priority", "gw_priority", Kind::Integer),
    ("interface_name", "interface_name", Kind::Text),
    ("ipv4_address", "ipv4_address", Kind::Text),
    ("ipv6_address", "ipv6_address", Kind::Text),
    ("link_local_ips", "link_local_ips", Kind::Strings),
    ("mac_address", "mac_address", Kind::Text),
    ("priority", "priority", Kind::Integer),
];

const PORT: &[Field] = &[
    ("name", "name", Kind::Text),
    ("mode", "mode", Kind::Text),
    ("host_ip", "host_ip", Kind::Text),
    ("target", "target", Kind::Integer),
    ("published", "published", Kind::Text),
    ("protocol", "protocol", Kind::Text),
    ("app_protocol", "app_protocol", Kind::Text),
];

const VOLUME_BIND: &[Field] = &[
    ("selinux", "selinux", Kind::Text),
    ("propagation", "propagation", Kind::Text),
    ("create_host_path", "create_host_path", Kind::Flag),
    ("recursive", "recursive", Kind::Text),
];

const VOLUME_VOLUME: &[Field] = &[
    ("labels", "labels", Kind::Mapping),
    ("nocopy", "nocopy", Kind::Flag),
    ("subpath", "subpath", Kind::Text),
];

const VOLUME_TMPFS: &[Field] = &[
    ("size", "size", Kind::Bytes),
    ("mode", "mode", Kind::Integer),
];

const SERVICE_VOLUME: &[Field] = &[
    ("type", "type", Kind::Text),
    ("source", "source", Kind::Text),
    ("target", "target", Kind::Text),
    ("read_only", "read_only", Kind::Flag),
    ("consistency", "consistency", Kind::Text),
    ("bind", "bind", Kind::Struct(VOLUME_BIND)),
    ("volume", "volume", Kind::Struct(VOLUME_VOLUME)),
    ("tmpfs", "tmpfs", Kind::Struct(VOLUME_TMPFS)),
    (
        "image",
        "image",
        Kind::Struct(&[("subpath", "subpath", Kind::Text)]),
    ),
];

const DEPENDENCY: &[Field] = &[
    ("condition", "condition", Kind::Text),
    ("restart", "restart", Kind::Flag),
    ("required", "required", Kind::FlagKeep),
];

const SERVICE: &[Field] = &[
    ("profiles", "profiles", Kind::Strings),
    ("annotations", "annotations", Kind::Mapping),
    ("attach", "attach", Kind::FlagPointer),
    ("build", "build", Kind::Struct(BUILD)),
    ("develop", "develop", Kind::Struct(DEVELOP)),
    ("blkio_config", "blkio_config", Kind::Struct(BLKIO)),
    ("cap_add", "cap_add", Kind::Strings),
    ("cap_drop", "cap_drop", Kind::Strings),
    ("cgroup_parent", "cgroup_parent", Kind::Text),
    ("cgroup", "cgroup", Kind::Text),
    ("cpu_count", "cpu_count", Kind::Integer),
    ("cpu_percent", "cpu_percent", Kind::Float),
    ("cpu_period", "cpu_period", Kind::Integer),
    ("cpu_quota", "cpu_quota", Kind::Integer),
    ("cpu_rt_period", "cpu_rt_period", Kind::Integer),
    ("cpu_rt_runtime", "cpu_rt_runtime", Kind::Integer),
    ("cpus", "cpus", Kind::Float),
    ("cpuset", "cpuset", Kind::Text),
    ("cpu_shares", "cpu_shares", Kind::Integer),
    ("command", "command", Kind::Command),
    (
        "configs",
        "configs",
        Kind::ListOf(&Kind::StructValue(FILE_REFERENCE)),
    ),
    ("container_name", "container_name", Kind::Text),
    (
        "credential_spec",
        "credential_spec",
        Kind::Struct(&[
            ("config", "config", Kind::Text),
            ("file", "file", Kind::Text),
            ("registry", "registry", Kind::Text),
        ]),
    ),
    (
        "depends_on",
        "depends_on",
        Kind::MapOf(&Kind::StructValue(DEPENDENCY)),
    ),
    ("deploy", "deploy", Kind::Struct(DEPLOY)),
    ("device_cgroup_rules", "device_cgroup_rules", Kind::Strings),
    (
        "devices",
        "devices",
        Kind::ListOf(&Kind::StructValue(&[
            ("source", "source", Kind::Text),
            ("target", "target", Kind::Text),
            ("permissions", "permissions", Kind::Text),
        ])),
    ),
    ("dns", "dns", Kind::Strings),
    ("dns_opt", "dns_opt", Kind::Strings),
    ("dns_search", "dns_search", Kind::Strings),
    ("dockerfile", "dockerfile", Kind::Text),
    ("domainname", "domainname", Kind::Text),
    ("entrypoint", "entrypoint", Kind::Command),
    (
        "provider",
        "provider",
        Kind::Struct(&[
            ("type", "type", Kind::Text),
            ("options", "options", Kind::MultiOptions),
        ]),
    ),
    ("environment", "environment", Kind::MappingWithEquals),
    ("env_file", "env_file", Kind::EnvFiles),
    ("expose", "expose", Kind::Strings),
    (
        "extends",
        "extends",
        Kind::Struct(&[
            ("file", "file", Kind::Text),
            ("service", "service", Kind::Text),
        ]),
    ),
    ("external_links", "external_links", Kind::Strings),
    ("extra_hosts", "extra_hosts", Kind::Hosts),
    ("group_add", "group_add", Kind::Strings),
    (
        "gpus",
        "gpus",
        Kind::ListOf(&Kind::StructValue(DEVICE_REQUEST)),
    ),
    ("hostname", "hostname", Kind::Text),
    ("healthcheck", "healthcheck", Kind::Struct(HEALTHCHECK)),
    ("image", "image", Kind::Text),
    ("init", "init", Kind::FlagPointer),
    ("ipc", "ipc", Kind::Text),
    ("isolation", "isolation", Kind::Text),
    ("labels", "labels", Kind::Labels),
    ("label_file", "label_file", Kind::Strings),
    ("links", "links", Kind::Strings),
    (
        "logging",
        "logging",
        Kind::Struct(&[
            ("driver", "driver", Kind::Text),
            ("options", "options", Kind::Mapping),
        ]),
    ),
    ("log_driver", "log_driver", Kind::Text),
    ("log_opt", "log_opt", Kind::Mapping),
    ("mem_limit", "mem_limit", Kind::Bytes),
    ("mem_reservation", "mem_reservation", Kind::Bytes),
    ("memswap_limit", "memswap_limit", Kind::Bytes),
    ("mem_swappiness", "mem_swappiness", Kind::Bytes),
    ("mac_address", "mac_address", Kind::Text),
    (
        "models",
        "models",
        Kind::MapOf(&Kind::Struct(&[
            ("endpoint_var", "endpoint_var", Kind::Text),
            ("model_var", "model_var", Kind::Text),
        ])),
    ),
    ("net", "net", Kind::Text),
    ("network_mode", "network_mode", Kind::Text),
    (
        "networks",
        "networks",
        Kind::MapOf(&Kind::Struct(SERVICE_NETWORK)),
    ),
    ("oom_kill_disable", "oom_kill_disable", Kind::Flag),
    ("oom_score_adj", "oom_score_adj", Kind::Integer),
    ("pid", "pid", Kind::Text),
    ("pids_limit", "pids_limit", Kind::Integer),
    ("platform", "platform", Kind::Text),
    ("ports", "ports", Kind::ListOf(&Kind::StructValue(PORT))),
    ("privileged", "privileged", Kind::Flag),
    ("pull_policy", "pull_policy", Kind::Text),
    ("read_only", "read_only", Kind::Flag),
    ("restart", "restart", Kind::Text),
    ("runtime", "runtime", Kind::Text),
    ("scale", "scale", Kind::IntegerPointer),
    (
        "secrets",
        "secrets",
        Kind::ListOf(&Kind::StructValue(FILE_REFERENCE)),
    ),
    ("security_opt", "security_opt", Kind::Strings),
    ("shm_size", "shm_size", Kind::Bytes),
    ("stdin_open", "stdin_open", Kind::Flag),
    (
        "stop_grace_period",
        "stop_grace_period",
        Kind::Duration { keep_zero: true },
    ),
    ("stop_signal", "stop_signal", Kind::Text),
    ("storage_opt", "storage_opt", Kind::Mapping),
    ("sysctls", "sysctls", Kind::Mapping),
    ("tmpfs", "tmpfs", Kind::Strings),
    ("tty", "tty", Kind::Flag),
    ("ulimits", "ulimits", ULIMITS),
    ("use_api_socket", "use_api_socket", Kind::Flag),
    ("user", "user", Kind::Text),
    ("userns_mode", "userns_mode", Kind::Text),
    ("uts", "uts", Kind::Text),
    ("volume_driver", "volume_driver", Kind::Text),
    (
        "volumes",
        "volumes",
        Kind::ListOf(&Kind::StructValue(SERVICE_VOLUME)),
    ),
    ("volumes_from", "volumes_from", Kind::Strings),
    ("working_dir", "working_dir", Kind::Text),
    (
        "post_start",
        "post_start",
        Kind::ListOf(&Kind::StructValue(HOOK)),
    ),
    (
        "pre_stop",
        "pre_stop",
        Kind::ListOf(&Kind::StructValue(HOOK)),
    ),
];

const IPAM_POOL: &[Field] = &[
    ("subnet", "subnet", Kind::Text),
    ("gateway", "gateway", Kind::Text),
    ("ip_range", "ip_range", Kind::Text),
    ("aux_addresses", "aux_addresses", Kind::Mapping),
];

const IPAM: &[Field] = &[
    ("driver", "driver", Kind::Text),
    ("config", "config", Kind::ListOf(&Kind::Struct(IPAM_POOL))),
];

const NETWORK: &[Field] = &[
    ("name", "name", Kind::Text),
    ("driver", "driver", Kind::Text),
    ("driver_opts", "driver_opts", Kind::Mapping),
    ("ipam", "ipam", Kind::StructValue(IPAM)),
    ("external", "external", Kind::Flag),
    ("internal", "internal", Kind::Flag),
    ("attachable", "attachable", Kind::Flag),
    ("labels", "labels", Kind::Labels),
    ("enable_ipv4", "enable_ipv4", Kind::FlagPointer),
    ("enable_ipv6", "enable_ipv6", Kind::FlagPointer),
];

const VOLUME: &[Field] = &[
    ("name", "name", Kind::Text),
    ("driver", "driver", Kind::Text),
    ("driver_opts", "driver_opts", Kind::Mapping),
    ("external", "external", Kind::Flag),
    ("labels", "labels", Kind::Labels),
];

const FILE_OBJECT: &[Field] = &[
    ("name", "name", Kind::Text),
    ("file", "file", Kind::Text),
    ("environment", "environment", Kind::Text),
    ("content", "content", Kind::Text),
    ("external", "external", Kind::Flag),
    ("labels", "labels", Kind::Labels),
    ("driver", "driver", Kind::Text),
    ("driver_opts", "driver_opts", Kind::Mapping),
    ("template_driver", "template_driver", Kind::Text),
];

/// The whole project as `Project.MarshalJSON` prints it.
pub(super) fn shape_project(tree: Node) -> Result<Node, Vec<Diagnostic>> {
    let mut shaper = Shaper {
        diagnostics: Vec::new(),
    };
    let span = tree.span;
    let Value::Map(root) = tree.value else {
        return Ok(tree);
    };
    let mut out = Mapping::default();
    for (key, entry) in root {
        let shaped = match key.as_str() {
            "name" => Some(entry.value),
            "services" => {
                let mut services = Mapping::default();
                if let Value::Map(map) = entry.value.value {
                    for (name, mut service) in map {
                        service.value = shaper.structure(
                            service.value,
                            SERVICE,
                            &FieldPath::Key(&FieldPath::Root("services"), &name),
                        );
                        services.insert(name, service);
                    }
                }
                Some(Node::new(Value::Map(services), entry.value.span))
            }
            "networks" => shaper.resources(entry.value, NETWORK, &FieldPath::Root("networks")),
            "volumes" => shaper.resources(entry.value, VOLUME, &FieldPath::Root("volumes")),
            "secrets" => shaper
                .resources(entry.value, FILE_OBJECT, &FieldPath::Root("secrets"))
                .map(|mut node| {
                    // `SecretConfig.MarshalJSON` never prints `content`.
                    for entry in node
                        .as_map_mut()
                        .into_iter()
                        .flat_map(|map| map.values_mut())
                    {
                        if let Some(secret) = entry.value.as_map_mut() {
                            secret.shift_remove("content");
                        }
                    }
                    node
                }),
            "configs" => shaper
                .resources(entry.value, FILE_OBJECT, &FieldPath::Root("configs"))
                .map(|mut node| {
                    // `ConfigObjConfig.MarshalJSON` drops `content` taken from the environment.
                    for entry in node
                        .as_map_mut()
                        .into_iter()
                        .flat_map(|map| map.values_mut())
                    {
                        if let Some(config) = entry.value.as_map_mut() {
                            if config.contains_key("environment") {
                                config.shift_remove("content");
                            }
                        }
                    }
                    node
                }),
            other if other.starts_with("x-") => Some(entry.value),
            _ => None,
        };
        if let Some(value) = shaped {
            out.insert(
                key,
                crate::loader::node::Entry {
                    key_span: entry.key_span,
                    value,
                },
            );
        }
    }
    if !out.contains_key("services") {
        out.insert(
            "services".to_owned(),
            crate::loader::node::Entry {
                key_span: span,
                value: map_node([], span),
            },
        );
    }
    if shaper.diagnostics.is_empty() {
        Ok(Node::new(Value::Map(out), span))
    } else {
        Err(shaper.diagnostics)
    }
}

struct Shaper {
    diagnostics: Vec<Diagnostic>,
}

/// Where a field is (`services.web.ports[0]`), for messages: rendered only when a message
/// needs it, as most documents have none.
#[derive(Clone, Copy)]
enum FieldPath<'a> {
    Root(&'a str),
    Key(&'a FieldPath<'a>, &'a str),
    Index(&'a FieldPath<'a>, usize),
}

impl std::fmt::Display for FieldPath<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Root(name) => formatter.write_str(name),
            Self::Key(parent, key) => write!(formatter, "{parent}.{key}"),
            Self::Index(parent, index) => write!(formatter, "{parent}[{index}]"),
        }
    }
}

impl Shaper {
    /// A top-level section (`map[string]T` by value): omitted when empty.
    fn resources(
        &mut self,
        node: Node,
        fields: &'static [Field],
        path: &FieldPath<'_>,
    ) -> Option<Node> {
        let span = node.span;
        let Value::Map(map) = node.value else {
            return None;
        };
        if map.is_empty() {
            return None;
        }
        let mut out = Mapping::default();
        for (key, mut entry) in map {
            let value = if entry.value.is_null() {
                map_node([], entry.value.span)
            } else {
                entry.value
            };
            entry.value = self.structure(value, fields, &FieldPath::Key(path, &key));
            out.insert(key, entry);
        }
        Some(Node::new(Value::Map(out), span))
    }

    fn structure(&mut self, node: Node, fields: &'static [Field], path: &FieldPath<'_>) -> Node {
        let span = node.span;
        let input = match node.value {
            Value::Map(map) => map,
            Value::Null => Mapping::default(),
            other => return Node::new(other, span),
        };
        // Each key of the input finds its field (keys of no field are dropped): a few
        // string comparisons per key instead of a hash lookup per field.
        let mut present: Vec<(usize, crate::loader::node::Entry)> = Vec::new();
        let mut extensions: Vec<(String, crate::loader::node::Entry)> = Vec::new();
        for (key, entry) in input {
            if let Some(position) = fields.iter().position(|(name, _, _)| *name == key) {
                present.push((position, entry));
            } else if key.starts_with("x-") {
                extensions.push((key, entry));
            }
        }
        present.sort_unstable_by_key(|(position, _)| *position);
        let mut out = Mapping::with_capacity_and_hasher(
            present.len(),
            foldhash::fast::RandomState::default(),
        );
        let mut present = present.into_iter().peekable();
        for (position, (key, json_key, kind)) in fields.iter().enumerate() {
            let entry = present
                .next_if(|(found, _)| *found == position)
                .map(|(_, entry)| entry);
            // An absent field prints only when it is a command or a struct held by value.
            if entry.is_none() && !matches!(kind, Kind::Command | Kind::StructValue(_)) {
                continue;
            }
            let (key_span, value) = match entry {
                Some(entry) => (entry.key_span, Some(entry.value)),
                None => (span, None),
            };
            if let Some(shaped) = self.field(value, kind, span, &FieldPath::Key(path, key)) {
                out.insert(
                    (*json_key).to_owned(),
                    crate::loader::node::Entry {
                        key_span,
                        value: shaped,
                    },
                );
            }
        }
        // `x-*` keys live on in each struct's `Extensions`: JSON never prints them, the
        // YAML of `config` does (inlined after the fields).
        for (key, entry) in extensions {
            out.insert(key, entry);
        }
        Node::new(Value::Map(out), span)
    }

    /// The printed value of one field, `None` when Go would omit it.
    fn field(
        &mut self,
        value: Option<Node>,
        kind: &'static Kind,
        parent: Span,
        path: &FieldPath<'_>,
    ) -> Option<Node> {
        match kind {
            Kind::Command => {
                return Some(match value {
                    None => Node::new(Value::Null, parent),
                    Some(node) => self.command(node, path),
                });
            }
            Kind::StructValue(fields) => {
                let node = value.unwrap_or_else(|| map_node([], parent));
                return Some(self.structure(node, fields, path));
            }
            _ => {}
        }
        let node = value?;
        let span = node.span;
        match kind {
            Kind::Text => scalar_string(&node)
                .filter(|text| !text.is_empty())
                .map(|text| Node::string(text, span)),
            Kind::TextKeep => Some(Node::string(scalar_string(&node).unwrap_or_default(), span)),
            Kind::Flag => self
                .boolean(&node, path)
                .filter(|flag| *flag)
                .map(|flag| Node::new(Value::Bool(flag), span)),
            Kind::FlagKeep | Kind::FlagPointer => {
                if node.is_null() && matches!(kind, Kind::FlagPointer) {
                    return None;
                }
                Some(Node::new(
                    Value::Bool(self.boolean(&node, path).unwrap_or(false)),
                    span,
                ))
            }
            Kind::Integer => self
                .integer(&node, path)
                .filter(|number| *number != 0)
                .map(|number| Node::new(Value::Int(number), span)),
            Kind::IntegerPointer => {
                if node.is_null() {
                    return None;
                }
                self.integer(&node, path)
                    .map(|number| Node::new(Value::Int(number), span))
            }
            Kind::Float => {
                #[allow(clippy::cast_precision_loss)]
                let number = match &node.value {
                    Value::Int(number) => Some(*number as f64),
                    Value::Float(number) => Some(*number),
                    Value::String(text) => text.trim().parse::<f64>().ok(),
                    _ => None,
                };
                match number {
                    None => {
                        if !node.is_null() {
                            self.invalid(&node, path, "a number");
                        }
                        None
                    }
                    Some(0.0) => None,
                    Some(number) => Some(float32_node(number, span)),
                }
            }
            Kind::Duration { keep_zero } => {
                if node.is_null() {
                    return None;
                }
                let text = scalar_string(&node).unwrap_or_default();
                match parse_duration(&text) {
                    Some(0) if !keep_zero => None,
                    Some(nanos) => Some(Node::string(format_duration(nanos), span)),
                    None => {
                        self.invalid(&node, path, "a duration (like `1m30s`)");
                        None
                    }
                }
            }
            Kind::Bytes | Kind::BytesKeep => {
                #[allow(clippy::cast_possible_truncation)]
                let bytes = match &node.value {
                    Value::Int(number) => Some(*number),
                    Value::Float(number) => Some(*number as i64),
                    Value::String(text) => parse_ram_bytes(text),
                    Value::Null => return None,
                    _ => None,
                };
                match bytes {
                    None => {
                        self.invalid(&node, path, "a byte size (like `64m`)");
                        None
                    }
                    Some(0) if matches!(kind, Kind::Bytes) => None,
                    Some(bytes) => Some(Node::string(bytes.to_string(), span)),
                }
            }
            Kind::FileMode => {
                let mode = match &node.value {
                    Value::Int(number) => Some(*number),
                    Value::String(text) => i64::from_str_radix(text, 8).ok(),
                    Value::Null => return None,
                    _ => None,
                };
                if let Some(mode) = mode {
                    Some(Node::string(format!("0{mode:o}"), span))
                } else {
                    self.invalid(&node, path, "an octal file mode");
                    None
                }
            }
            Kind::DeviceCount => {
                let count = match &node.value {
                    Value::Int(number) => Some(*number),
                    Value::String(text) if text.eq_ignore_ascii_case("all") => Some(-1),
                    Value::String(text) => text.parse().ok(),
                    _ => None,
                };
                match count {
                    Some(0) => None,
                    Some(count) => Some(Node::new(Value::Int(count), span)),
                    None => {
                        self.invalid(&node, path, "`all` or a number");
                        None
                    }
                }
            }
            Kind::Strings => {
                let items: Vec<Node> = match &node.value {
                    Value::Seq(items) => items
                        .iter()
                        .map(|item| {
                            Node::string(scalar_string(item).unwrap_or_default(), item.span)
                        })
                        .collect(),
                    Value::Null => Vec::new(),
                    _ => vec![Node::string(scalar_string(&node).unwrap_or_default(), span)],
                };
                (!items.is_empty()).then(|| Node::new(Value::Seq(items), span))
            }
            Kind::HealthTest => match &node.value {
                Value::String(text) => Some(Node::new(
                    Value::Seq(vec![
                        Node::string("CMD-SHELL", span),
                        Node::string(text.clone(), span),
                    ]),
                    span,
                )),
                Value::Seq(items) if !items.is_empty() => Some(Node::new(
                    Value::Seq(
                        items
                            .iter()
                            .map(|item| {
                                Node::string(scalar_string(item).unwrap_or_default(), item.span)
                            })
                            .collect(),
                    ),
                    span,
                )),
                _ => None,
            },
            Kind::Mapping | Kind::Labels | Kind::MappingWithEquals => {
                let keep_null = matches!(kind, Kind::MappingWithEquals);
                let entries = key_values(&node, keep_null);
                (!entries.is_empty()).then(|| map_node(entries, span))
            }
            Kind::MultiOptions => {
                let Value::Map(map) = &node.value else {
                    return None;
                };
                let entries: Vec<(String, Node)> = map
                    .iter()
                    .map(|(key, entry)| {
                        let values = match &entry.value.value {
                            Value::Seq(items) => items
                                .iter()
                                .map(|item| {
                                    Node::string(scalar_text(item).unwrap_or_default(), item.span)
                                })
                                .collect(),
                            _ => vec![Node::string(
                                scalar_text(&entry.value).unwrap_or_default(),
                                entry.value.span,
                            )],
                        };
                        (key.clone(), Node::new(Value::Seq(values), entry.value.span))
                    })
                    .collect();
                (!entries.is_empty()).then(|| map_node(entries, span))
            }
            Kind::Hosts => self.hosts(&node, path),
            Kind::Ulimit => match &node.value {
                Value::Int(number) => Some(Node::new(Value::Int(*number), span)),
                Value::Map(_) => {
                    let mut entries = Vec::new();
                    for key in ["soft", "hard"] {
                        if let Some(limit) = node
                            .get(key)
                            .and_then(|value| self.integer(value, path))
                            .filter(|limit| *limit != 0)
                        {
                            entries.push((key.to_owned(), Node::new(Value::Int(limit), span)));
                        }
                    }
                    Some(map_node(entries, span))
                }
                Value::String(text) => text
                    .parse::<i64>()
                    .ok()
                    .map(|number| Node::new(Value::Int(number), span)),
                _ => None,
            },
            Kind::EnvFiles => {
                let items: Vec<Node> = node
                    .as_seq()
                    .unwrap_or_default()
                    .iter()
                    .map(|item| {
                        let required = !matches!(
                            item.get("required").map(|flag| &flag.value),
                            Some(Value::Bool(false))
                        );
                        let path = item
                            .get("path")
                            .and_then(scalar_string)
                            .or_else(|| scalar_string(item))
                            .unwrap_or_default();
                        if required {
                            Node::string(path, item.span)
                        } else {
                            let mut entries = vec![
                                ("path".to_owned(), Node::string(path, item.span)),
                                (
                                    "required".to_owned(),
                                    Node::new(Value::Bool(false), item.span),
                                ),
                            ];
                            if let Some(format) = item
                                .get("format")
                                .and_then(scalar_string)
                                .filter(|text| !text.is_empty())
                            {
                                entries
                                    .push(("format".to_owned(), Node::string(format, item.span)));
                            }
                            map_node(entries, item.span)
                        }
                    })
                    .collect();
                (!items.is_empty()).then(|| Node::new(Value::Seq(items), span))
            }
            Kind::Ssh => {
                // `id` or `id=path`: the model keeps the path (builds need it; `config`
                // prints it in YAML as `id: path`; the reference cannot print it as JSON).
                let map = node.as_map()?;
                let items: Vec<Node> = map
                    .iter()
                    .map(|(key, entry)| match scalar_string(&entry.value) {
                        Some(path) if !path.is_empty() => {
                            Node::string(format!("{key}={path}"), span)
                        }
                        _ => Node::string(key.clone(), span),
                    })
                    .collect();
                (!items.is_empty()).then(|| Node::new(Value::Seq(items), span))
            }
            Kind::Struct(fields) => Some(self.structure(node, fields, path)),
            Kind::MapOf(inner) => {
                let Value::Map(map) = node.value else {
                    return None;
                };
                let mut out = Mapping::default();
                for (key, mut entry) in map {
                    if entry.value.is_null() && !matches!(inner, Kind::StructValue(_)) {
                        out.insert(key, entry);
                        continue;
                    }
                    let item_span = entry.value.span;
                    entry.value = self
                        .field(
                            Some(entry.value),
                            inner,
                            item_span,
                            &FieldPath::Key(path, &key),
                        )
                        .unwrap_or_else(|| Node::new(Value::Null, item_span));
                    out.insert(key, entry);
                }
                (!out.is_empty()).then(|| Node::new(Value::Map(out), span))
            }
            Kind::ListOf(inner) => {
                let Value::Seq(items) = node.value else {
                    return None;
                };
                let shaped: Vec<Node> = items
                    .into_iter()
                    .enumerate()
                    .filter_map(|(index, item)| {
                        let item_span = item.span;
                        self.field(Some(item), inner, item_span, &FieldPath::Index(path, index))
                    })
                    .collect();
                (!shaped.is_empty()).then(|| Node::new(Value::Seq(shaped), span))
            }
            Kind::Command | Kind::StructValue(_) => None,
        }
    }

    fn command(&mut self, node: Node, path: &FieldPath<'_>) -> Node {
        let span = node.span;
        match &node.value {
            Value::String(text) => {
                if let Some(words) = split_shell_words(text) {
                    let words = words.into_iter().map(|word| Node::string(word, span));
                    Node::new(Value::Seq(words.collect()), span)
                } else {
                    self.diagnostics.push(Diagnostic::new(
                        format!(
                            "invalid command line string `{text}` for `{path}`: unbalanced quotes"
                        ),
                        span,
                    ));
                    node
                }
            }
            Value::Seq(items) => Node::new(
                Value::Seq(
                    items
                        .iter()
                        .map(|item| {
                            Node::string(scalar_string(item).unwrap_or_default(), item.span)
                        })
                        .collect(),
                ),
                span,
            ),
            _ => Node::new(Value::Null, span),
        }
    }

    fn hosts(&mut self, node: &Node, path: &FieldPath<'_>) -> Option<Node> {
        let span = node.span;
        let mut pairs: Vec<(String, String)> = Vec::new();
        match &node.value {
            Value::Map(map) => {
                for (host, entry) in map {
                    match &entry.value.value {
                        Value::Seq(items) => {
                            for item in items {
                                pairs.push((host.clone(), scalar_text(item).unwrap_or_default()));
                            }
                        }
                        _ => pairs
                            .push((host.clone(), scalar_text(&entry.value).unwrap_or_default())),
                    }
                }
            }
            Value::Seq(items) => {
                for item in items {
                    let text = scalar_text(item).unwrap_or_default();
                    let split = text.split_once('=').or_else(|| text.split_once(':'));
                    match split {
                        Some((host, addresses)) => {
                            for address in addresses.split(',') {
                                pairs.push((host.to_owned(), address.to_owned()));
                            }
                        }
                        None => {
                            self.diagnostics.push(Diagnostic::new(
                                format!("invalid additional host `{text}` in `{path}`: missing IP"),
                                item.span,
                            ));
                        }
                    }
                }
            }
            _ => return None,
        }
        let mut lines: Vec<String> = Vec::with_capacity(pairs.len());
        for (host, address) in pairs {
            if host.is_empty() || host.contains([':', '=']) {
                self.diagnostics.push(Diagnostic::new(
                    format!("bad host name `{host}` in `{path}`"),
                    span,
                ));
                continue;
            }
            let address = address
                .strip_prefix('[')
                .and_then(|inner| inner.strip_suffix(']'))
                .filter(|_| address.len() > 2)
                .unwrap_or(&address);
            lines.push(format!("{host}={address}"));
        }
        lines.sort();
        (!lines.is_empty()).then(|| {
            Node::new(
                Value::Seq(
                    lines
                        .into_iter()
                        .map(|line| Node::string(line, span))
                        .collect(),
                ),
                span,
            )
        })
    }

    fn boolean(&mut self, node: &Node, path: &FieldPath<'_>) -> Option<bool> {
        match &node.value {
            Value::Bool(flag) => Some(*flag),
            Value::Null => None,
            Value::String(text) => match text.to_lowercase().as_str() {
                "true" | "y" | "yes" | "on" => Some(true),
                "false" | "n" | "no" | "off" => Some(false),
                _ => {
                    self.invalid(node, path, "a boolean");
                    None
                }
            },
            _ => {
                self.invalid(node, path, "a boolean");
                None
            }
        }
    }

    fn integer(&mut self, node: &Node, path: &FieldPath<'_>) -> Option<i64> {
        match &node.value {
            Value::Int(number) => Some(*number),
            #[allow(clippy::cast_possible_truncation)]
            Value::Float(number) if number.fract() == 0.0 => Some(*number as i64),
            Value::String(text) => text.parse().ok().or_else(|| {
                self.invalid(node, path, "an integer");
                None
            }),
            Value::Null => None,
            _ => {
                self.invalid(node, path, "an integer");
                None
            }
        }
    }

    fn invalid(&mut self, node: &Node, path: &FieldPath<'_>, expected: &str) {
        let shown = scalar_text(node).unwrap_or_else(|| node.type_name().to_owned());
        self.diagnostics.push(Diagnostic::new(
            format!("invalid value `{shown}` for `{path}`: expected {expected}"),
            node.span,
        ));
    }
}

/// A scalar as the string Go decodes it into (`int` → decimal text).
fn scalar_string(node: &Node) -> Option<String> {
    match &node.value {
        Value::Null => None,
        _ => scalar_text(node),
    }
}

/// A float32 value printed the way Go's `encoding/json` prints a `float32`.
fn float32_node(number: f64, span: Span) -> Node {
    #[allow(clippy::cast_possible_truncation)]
    let single = number as f32;
    let shortest: f64 = format!("{single}").parse().unwrap_or(number);
    if shortest.fract() == 0.0 && shortest.abs() < 1e15 {
        #[allow(clippy::cast_possible_truncation)]
        return Node::new(Value::Int(shortest as i64), span);
    }
    Node::new(Value::Float(shortest), span)
}

/// `KEY=VALUE` lists and mappings as `(key, value)` pairs; bare keys give `null` when
/// `keep_null`, else `""`.
fn key_values(node: &Node, keep_null: bool) -> Vec<(String, Node)> {
    let null_or_empty = |span: Span| {
        if keep_null {
            Node::new(Value::Null, span)
        } else {
            Node::string("", span)
        }
    };
    match &node.value {
        Value::Map(map) => map
            .iter()
            .map(|(key, entry)| {
                let value = if entry.value.is_null() {
                    null_or_empty(entry.value.span)
                } else {
                    Node::string(
                        scalar_text(&entry.value).unwrap_or_default(),
                        entry.value.span,
                    )
                };
                (key.clone(), value)
            })
            .collect(),
        Value::Seq(items) => items
            .iter()
            .filter_map(|item| {
                let text = scalar_text(item)?;
                Some(match text.split_once('=') {
                    Some((key, value)) => (key.to_owned(), Node::string(value, item.span)),
                    None => (text, null_or_empty(item.span)),
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

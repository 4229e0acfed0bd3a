//! Consistency checks on the normalised tree: references to undefined services, networks,
//! volumes, secrets, configs and models; dependency cycles; mutually exclusive settings.
//! Matches compose-go v2.9.1 `loader/validate.go` `checkConsistency`, `validation/*.go` and
//! docker compose's container-name check, but reports every problem at once, by position.
//! Accepts both the short and the long syntaxes, so it does not depend on canonicalisation.

use std::collections::{BTreeMap, BTreeSet};

use super::super::error::{Diagnostic, suggest};
use super::super::node::{Mapping, Node, Value};
use super::super::source::Span;
use super::schema::sort_and_dedup;

/// Cross-reference checks on the normalised tree. Returns every error, sorted by position.
pub fn validate_consistency(tree: &Node) -> Result<(), Vec<Diagnostic>> {
    let mut checker = Checker {
        tree,
        diagnostics: Vec::new(),
        edges: BTreeMap::new(),
    };
    checker.check_services();
    checker.check_top_level_resources();
    checker.check_cycles();
    let mut diagnostics = checker.diagnostics;
    if diagnostics.is_empty() {
        return Ok(());
    }
    sort_and_dedup(&mut diagnostics);
    Err(diagnostics)
}

/// How one service refers to another.
#[derive(Clone, Copy)]
enum ReferenceKind {
    DependsOn,
    Links,
    VolumesFrom,
    Mode(&'static str),
}

struct Checker<'a> {
    tree: &'a Node,
    diagnostics: Vec<Diagnostic>,
    /// Dependency edges between defined services: from → (to → where it is declared).
    edges: BTreeMap<&'a str, BTreeMap<&'a str, Span>>,
}

fn section<'a>(tree: &'a Node, name: &str) -> Option<&'a Mapping> {
    tree.get(name).and_then(Node::as_map)
}

fn names<'a>(tree: &'a Node, name: &str) -> Vec<&'a str> {
    section(tree, name).map_or_else(Vec::new, |map| map.keys().map(String::as_str).collect())
}

/// Whether the top-level section `name` defines `key`.
fn is_defined(tree: &Node, name: &str, key: &str) -> bool {
    section(tree, name).is_some_and(|map| map.contains_key(key))
}

/// `external: true` (or the legacy `external: {name: ...}`).
fn is_external(resource: &Node) -> bool {
    match resource.get("external").map(|node| &node.value) {
        Some(Value::Bool(flag)) => *flag,
        Some(Value::Map(_)) => true,
        _ => false,
    }
}

/// A positive integer setting (`scale`, `deploy.replicas`).
fn integer(node: Option<&Node>) -> Option<i64> {
    match node.map(|node| &node.value) {
        Some(Value::Int(number)) => Some(*number),
        Some(Value::String(text)) => text.trim().parse().ok(),
        _ => None,
    }
}

fn non_empty_string(node: Option<&Node>) -> Option<&str> {
    node.and_then(Node::as_str).filter(|text| !text.is_empty())
}

/// The `(name, position)` pairs of a setting written as a list of names or a mapping keyed
/// by name (`networks`, `depends_on`, `models`).
fn named_entries(node: &Node) -> Vec<(&str, Span)> {
    match &node.value {
        Value::Seq(items) => items
            .iter()
            .filter_map(|item| item.as_str().map(|name| (name, item.span)))
            .collect(),
        Value::Map(map) => map
            .iter()
            .map(|(name, entry)| (name.as_str(), entry.key_span))
            .collect(),
        _ => Vec::new(),
    }
}

/// The `source` names of `secrets`/`configs` entries (short: the name; long: `source`).
fn sources(node: &Node) -> Vec<(&str, Span)> {
    node.as_seq()
        .unwrap_or_default()
        .iter()
        .filter_map(|item| match &item.value {
            Value::String(name) => Some((name.as_str(), item.span)),
            Value::Map(_) => item
                .get("source")
                .and_then(|source| source.as_str().map(|name| (name, source.span))),
            _ => None,
        })
        .collect()
}

/// Whether a short-syntax volume source is a host path rather than a volume name
/// (compose-go `format/volume.go` `isFilePath`).
fn is_host_path(source: &str) -> bool {
    let bytes = source.as_bytes();
    let windows_drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    source.starts_with(['.', '/', '~', '\\', '$']) || windows_drive
}

/// The named volume a `volumes` entry mounts, if any.
fn named_volume(item: &Node) -> Option<(&str, Span)> {
    match &item.value {
        Value::String(text) => {
            let (source, _) = text.split_once(':')?;
            (!source.is_empty() && !is_host_path(source)).then_some((source, item.span))
        }
        Value::Map(_) => {
            let kind = item.get("type").and_then(Node::as_str).unwrap_or("volume");
            if kind != "volume" {
                return None;
            }
            let source = item.get("source")?;
            non_empty_string(Some(source)).map(|name| (name, source.span))
        }
        _ => None,
    }
}

/// The `target` of a `volumes` entry.
fn volume_target(item: &Node) -> Option<&str> {
    match &item.value {
        Value::String(text) => {
            let mut parts = text.split(':');
            let first = parts.next()?;
            Some(parts.next().unwrap_or(first))
        }
        Value::Map(_) => non_empty_string(item.get("target")),
        _ => None,
    }
}

fn did_you_mean(diagnostic: Diagnostic, word: &str, candidates: &[&str]) -> Diagnostic {
    match suggest(word, candidates.iter().copied()) {
        Some(close) => diagnostic.with_hint(format!("did you mean `{close}`?")),
        None => diagnostic,
    }
}

impl<'a> Checker<'a> {
    fn error(&mut self, message: String, span: Span) {
        self.diagnostics.push(Diagnostic::new(message, span));
    }

    fn check_services(&mut self) {
        let Some(services) = section(self.tree, "services") else {
            return;
        };
        let service_names: Vec<&str> = services.keys().map(String::as_str).collect();
        let mut container_names: BTreeMap<&str, &str> = BTreeMap::new();
        for (service_name, entry) in services {
            let service = &entry.value;
            if service.as_map().is_none() {
                continue;
            }
            self.check_image_or_build(service_name, entry.key_span, service);
            self.check_service_references(service_name, service, &service_names);
            self.check_resource_references(service_name, service);
            self.check_exclusive_settings(service_name, service);
            self.check_mounts(service_name, service);
            if let Some(container_name) = service.get("container_name")
                && let Some(name) = non_empty_string(Some(container_name))
            {
                if let Some(first) = container_names.get(name) {
                    self.diagnostics.push(
                        Diagnostic::new(
                            format!(
                                "service `{service_name}`: container name `{name}` is already used by service `{first}`"
                            ),
                            container_name.span,
                        )
                        .with_hint("container names must be unique; remove one `container_name`"),
                    );
                } else {
                    container_names.insert(name, service_name);
                }
            }
        }
    }

    fn check_image_or_build(&mut self, service_name: &str, key_span: Span, service: &Node) {
        let has_image = non_empty_string(service.get("image")).is_some();
        let has_build = service.get("build").is_some_and(|build| !build.is_null());
        let has_provider = service.get("provider").is_some_and(|node| !node.is_null());
        if !has_image && !has_build && !has_provider {
            self.diagnostics.push(
                Diagnostic::new(
                    format!(
                        "service `{service_name}` has neither an image nor a build context specified"
                    ),
                    key_span,
                )
                .with_hint("add `image: <name>` or `build: <directory>`"),
            );
        }
        let Some(build) = service
            .get("build")
            .filter(|build| build.as_map().is_some())
        else {
            return;
        };
        if let (Some(_), Some(inline)) = (build.get("dockerfile"), build.get("dockerfile_inline")) {
            self.error(
                format!(
                    "service `{service_name}` sets both `build.dockerfile` and `build.dockerfile_inline`, which are mutually exclusive"
                ),
                inline.span,
            );
        }
        if let Some(platform) = non_empty_string(service.get("platform"))
            && let Some(platforms) = build.get("platforms").and_then(Node::as_seq)
            && !platforms.is_empty()
            && !platforms.iter().any(|item| item.as_str() == Some(platform))
        {
            self.error(
                format!(
                    "service `{service_name}`: `build.platforms` must include the service's platform `{platform}`"
                ),
                build.get("platforms").map_or(build.span, |node| node.span),
            );
        }
    }

    /// depends_on, links, volumes_from and `network_mode|ipc|pid: service:x`.
    fn check_service_references(
        &mut self,
        service_name: &'a str,
        service: &'a Node,
        service_names: &[&'a str],
    ) {
        // Membership by hash: a scan of the names per reference is quadratic on large files.
        let services = section(self.tree, "services");
        let mut references: Vec<(&'a str, Span, ReferenceKind)> = Vec::new();
        for item in service
            .get("links")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            if let Some(text) = item.as_str() {
                let target = text.split_once(':').map_or(text, |(name, _)| name);
                references.push((target, item.span, ReferenceKind::Links));
            }
        }
        for item in service
            .get("volumes_from")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            if let Some(text) = item.as_str() {
                if text.starts_with("container:") {
                    continue;
                }
                let text = text.strip_prefix("service:").unwrap_or(text);
                let target = text.split_once(':').map_or(text, |(name, _)| name);
                references.push((target, item.span, ReferenceKind::VolumesFrom));
            }
        }
        for setting in ["network_mode", "ipc", "pid"] {
            if let Some(node) = service.get(setting)
                && let Some(target) = node.as_str().and_then(|text| text.strip_prefix("service:"))
            {
                references.push((target, node.span, ReferenceKind::Mode(setting)));
            }
        }
        // Last: normalisation copies links, volumes_from and `service:` modes into
        // `depends_on`, and the first report per target (the specific one) wins.
        if let Some(depends_on) = service.get("depends_on") {
            for (target, span) in named_entries(depends_on) {
                references.push((target, span, ReferenceKind::DependsOn));
            }
        }

        let mut reported = BTreeSet::new();
        for (target, span, kind) in references {
            if services.is_some_and(|map| map.contains_key(target)) {
                self.edges
                    .entry(service_name)
                    .or_default()
                    .entry(target)
                    .or_insert(span);
                continue;
            }
            if !reported.insert(target) {
                continue;
            }
            let message = match kind {
                ReferenceKind::DependsOn => {
                    format!("service `{service_name}` depends on undefined service `{target}`")
                }
                ReferenceKind::Links => {
                    format!("service `{service_name}` links to undefined service `{target}`")
                }
                ReferenceKind::VolumesFrom => format!(
                    "service `{service_name}` mounts volumes from undefined service `{target}`"
                ),
                ReferenceKind::Mode(setting) => format!(
                    "service `{service_name}` uses `{setting}: service:{target}` but service `{target}` is not defined"
                ),
            };
            let diagnostic = did_you_mean(Diagnostic::new(message, span), target, service_names);
            self.diagnostics.push(diagnostic);
        }

        // Named build contexts taken from another service's image.
        if let Some(contexts) = service
            .get("build")
            .and_then(|build| build.get("additional_contexts"))
        {
            let pairs: Vec<(&str, &Node)> = match &contexts.value {
                Value::Map(map) => map
                    .iter()
                    .map(|(name, entry)| (name.as_str(), &entry.value))
                    .collect(),
                Value::Seq(items) => items.iter().map(|item| ("", item)).collect(),
                _ => Vec::new(),
            };
            for (context_name, node) in pairs {
                let Some(text) = node.as_str() else { continue };
                let value = text.split_once('=').map_or(text, |(_, value)| value);
                let Some(target) = value.strip_prefix("service:") else {
                    continue;
                };
                let services = section(self.tree, "services");
                match services.and_then(|map| map.get(target)) {
                    None => {
                        let diagnostic = Diagnostic::new(
                            format!(
                                "service `{service_name}` uses undefined service `{target}` as additional build context{}",
                                if context_name.is_empty() { String::new() } else { format!(" `{context_name}`") }
                            ),
                            node.span,
                        );
                        self.diagnostics
                            .push(did_you_mean(diagnostic, target, service_names));
                    }
                    Some(entry) if entry.value.get("build").is_none() => self.error(
                        format!(
                            "service `{service_name}` uses service `{target}` as additional build context, but `{target}` has no `build` section"
                        ),
                        node.span,
                    ),
                    Some(_) => {}
                }
            }
        }
    }

    /// networks, volumes, secrets, configs and models used by a service.
    fn check_resource_references(&mut self, service_name: &str, service: &Node) {
        let tree = self.tree;
        if let Some(node) = service.get("networks") {
            for (network, span) in named_entries(node) {
                // `default` is created implicitly when services use it (compose-go normalize).
                if network != "default" && !is_defined(tree, "networks", network) {
                    let networks = names(tree, "networks");
                    let diagnostic = Diagnostic::new(
                        format!("service `{service_name}` refers to undefined network `{network}`"),
                        span,
                    );
                    let diagnostic = did_you_mean(diagnostic, network, &networks);
                    self.diagnostics
                        .push(with_definition_hint(diagnostic, "networks", network));
                }
            }
        }
        for item in service
            .get("volumes")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            if let Some((volume, span)) = named_volume(item)
                && !is_defined(tree, "volumes", volume)
            {
                let volumes = names(tree, "volumes");
                let diagnostic = Diagnostic::new(
                    format!("service `{service_name}` refers to undefined volume `{volume}`"),
                    span,
                );
                let diagnostic = match suggest(volume, volumes.iter().copied()) {
                    Some(close) => diagnostic.with_hint(format!("did you mean `{close}`?")),
                    None => diagnostic.with_hint(format!(
                        "declare it under the top-level `volumes:`, or use a path like `./{volume}` for a bind mount"
                    )),
                };
                self.diagnostics.push(diagnostic);
            }
        }
        let build_secrets = service
            .get("build")
            .and_then(|build| build.get("secrets"))
            .map(sources)
            .unwrap_or_default();
        for (secret, span) in build_secrets {
            if !is_defined(tree, "secrets", secret) {
                let secrets = names(tree, "secrets");
                let diagnostic = Diagnostic::new(
                    format!("service `{service_name}` refers to undefined build secret `{secret}`"),
                    span,
                );
                let diagnostic = did_you_mean(diagnostic, secret, &secrets);
                self.diagnostics
                    .push(with_definition_hint(diagnostic, "secrets", secret));
            }
        }
        for (key, noun) in [("secrets", "secret"), ("configs", "config")] {
            for (name, span) in service.get(key).map(sources).unwrap_or_default() {
                if !is_defined(tree, key, name) {
                    let defined = names(tree, key);
                    let diagnostic = Diagnostic::new(
                        format!("service `{service_name}` refers to undefined {noun} `{name}`"),
                        span,
                    );
                    let diagnostic = did_you_mean(diagnostic, name, &defined);
                    self.diagnostics
                        .push(with_definition_hint(diagnostic, key, name));
                }
            }
        }
        if let Some(node) = service.get("models") {
            for (model, span) in named_entries(node) {
                if !is_defined(tree, "models", model) {
                    let models = names(tree, "models");
                    let diagnostic = Diagnostic::new(
                        format!("service `{service_name}` refers to undefined model `{model}`"),
                        span,
                    );
                    self.diagnostics
                        .push(did_you_mean(diagnostic, model, &models));
                }
            }
        }
    }

    fn check_exclusive_settings(&mut self, service_name: &str, service: &Node) {
        if let Some(map) = service.as_map()
            && map.contains_key("network_mode")
            && let Some(entry) = map.get("networks")
            && !named_entries(&entry.value).is_empty()
        {
            self.diagnostics.push(
                Diagnostic::new(
                    format!(
                        "service `{service_name}` sets both `network_mode` and `networks`, which are mutually exclusive"
                    ),
                    entry.key_span,
                )
                .with_hint("remove `networks`, or remove `network_mode`"),
            );
        }

        let scale_node = service.get("scale");
        let scale = integer(scale_node);
        let replicas_node = service
            .get("deploy")
            .and_then(|deploy| deploy.get("replicas"));
        let replicas = integer(replicas_node);
        if let (Some(scale), Some(replicas)) = (scale, replicas)
            && scale != replicas
        {
            self.error(
                format!(
                    "service `{service_name}` sets distinct values for `scale` ({scale}) and `deploy.replicas` ({replicas})"
                ),
                scale_node.map_or(service.span, |node| node.span),
            );
        }
        for (setting, value, node) in [
            ("scale", scale, scale_node),
            ("deploy.replicas", replicas, replicas_node),
        ] {
            if let (Some(value), Some(node)) = (value, node)
                && value < 0
            {
                self.error(
                    format!("`services.{service_name}.{setting}`: must be at least 0"),
                    node.span,
                );
            }
        }
        let (count_setting, count, count_node) = match scale {
            Some(scale) => ("scale", Some(scale), scale_node),
            None => ("deploy.replicas", replicas, replicas_node),
        };
        if let Some(count) = count
            && count > 1
            && non_empty_string(service.get("container_name")).is_some()
        {
            self.diagnostics.push(
                Diagnostic::new(
                    format!(
                        "service `{service_name}` sets `container_name` and `{count_setting}: {count}`, but a container name must be unique"
                    ),
                    count_node.map_or(service.span, |node| node.span),
                )
                .with_hint(format!("remove `container_name` or set `{count_setting}` to 1")),
            );
        }

        if let Some(test) = service
            .get("healthcheck")
            .and_then(|healthcheck| healthcheck.get("test"))
            && let Some(first) = test.as_seq().and_then(|items| items.first())
            && !matches!(first.as_str(), Some("CMD" | "CMD-SHELL" | "NONE"))
        {
            self.diagnostics.push(
                Diagnostic::new(
                    format!(
                        "service `{service_name}`: `healthcheck.test` must start with `CMD`, `CMD-SHELL` or `NONE`"
                    ),
                    first.span,
                )
                .with_hint("e.g. `test: [\"CMD\", \"curl\", \"-f\", \"http://localhost\"]`"),
            );
        }

        for item in service
            .get("develop")
            .and_then(|develop| develop.get("watch"))
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            let action = item.get("action").and_then(Node::as_str).unwrap_or("");
            if non_empty_string(item.get("target")).is_none()
                && !matches!(action, "rebuild" | "restart")
            {
                self.error(
                    format!(
                        "service `{service_name}`: `develop.watch` needs a `target` for the `{action}` action"
                    ),
                    item.span,
                );
            }
            if let Some(path) = item.get("path")
                && path.as_str() == Some("")
            {
                self.error(
                    format!("service `{service_name}`: `develop.watch` path can't be blank"),
                    path.span,
                );
            }
        }

        for item in service
            .get("ports")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            if let Some(host_ip) = item.get("host_ip")
                && let Some(text) = host_ip.as_str()
                && text.parse::<std::net::IpAddr>().is_err()
            {
                self.error(
                    format!("service `{service_name}`: invalid IP address `{text}` in `ports`"),
                    host_ip.span,
                );
            }
        }

        let device_lists = [
            service.get("gpus"),
            service
                .get("deploy")
                .and_then(|deploy| deploy.get("resources"))
                .and_then(|resources| resources.get("reservations"))
                .and_then(|reservations| reservations.get("devices")),
        ];
        for item in device_lists
            .into_iter()
            .flatten()
            .filter_map(Node::as_seq)
            .flatten()
        {
            if item.get("count").is_some()
                && let Some(ids) = item.get("device_ids")
            {
                self.error(
                    format!(
                        "service `{service_name}`: device request sets both `count` and `device_ids`, which are mutually exclusive"
                    ),
                    ids.span,
                );
            }
        }
    }

    /// A volume or tmpfs mounted where a tmpfs already is. Volume-on-volume repeats are not
    /// errors: the merge keeps one volume per target (compose-go `EnforceUnicity`).
    fn check_mounts(&mut self, service_name: &str, service: &Node) {
        let tmpfs: Vec<&Node> = match service.get("tmpfs").map(|node| &node.value) {
            Some(Value::Seq(items)) => items.iter().collect(),
            Some(Value::String(_)) => service.get("tmpfs").into_iter().collect(),
            _ => Vec::new(),
        };
        let mut tmpfs_targets: BTreeSet<&str> = BTreeSet::new();
        let mut mounts: Vec<(&str, Span, bool)> = Vec::new();
        for node in tmpfs {
            if let Some(text) = node.as_str() {
                let path = text.split_once(':').map_or(text, |(path, _)| path);
                mounts.push((path, node.span, true));
            }
        }
        for item in service
            .get("volumes")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            if let Some(target) = volume_target(item) {
                mounts.push((target, item.span, false));
            }
        }
        for (target, span, is_tmpfs) in mounts {
            if tmpfs_targets.contains(target) {
                self.error(
                    format!(
                        "service `{service_name}` mounts a {} at `{target}`, where a tmpfs is already mounted",
                        if is_tmpfs { "tmpfs" } else { "volume" }
                    ),
                    span,
                );
            } else if is_tmpfs {
                tmpfs_targets.insert(target);
            }
        }
    }

    fn check_top_level_resources(&mut self) {
        let tree = self.tree;
        if let Some(volumes) = section(tree, "volumes") {
            for (name, entry) in volumes {
                let volume = &entry.value;
                if !is_external(volume) {
                    continue;
                }
                for (key, attribute) in volume.as_map().into_iter().flatten() {
                    if matches!(key.as_str(), "name" | "external") || key.starts_with("x-") {
                        continue;
                    }
                    self.diagnostics.push(
                        Diagnostic::new(
                            format!(
                                "volume `{name}` is external, it cannot also set `{key}`"
                            ),
                            attribute.key_span,
                        )
                        .with_hint("an external volume is created outside compose; remove `external` or this attribute"),
                    );
                }
            }
        }
        for (section_name, noun, keys) in [
            ("secrets", "secret", &["file", "environment"][..]),
            ("configs", "config", &["file", "environment", "content"][..]),
        ] {
            let Some(resources) = section(tree, section_name) else {
                continue;
            };
            for (name, entry) in resources {
                let resource = &entry.value;
                let Some(map) = resource.as_map() else {
                    continue;
                };
                let present: Vec<&str> = keys
                    .iter()
                    .copied()
                    .filter(|key| map.contains_key(*key))
                    .collect();
                let listed = keys
                    .iter()
                    .map(|key| format!("`{key}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                if present.len() > 1 {
                    let span = map
                        .get(present[1])
                        .map_or(entry.key_span, |item| item.key_span);
                    self.error(
                        format!(
                            "{noun} `{name}` sets more than one of {listed}, which are mutually exclusive"
                        ),
                        span,
                    );
                } else if present.is_empty()
                    && !is_external(resource)
                    && !(section_name == "configs" && map.contains_key("driver"))
                {
                    self.diagnostics.push(
                        Diagnostic::new(
                            format!("{noun} `{name}` must declare one of {listed}"),
                            entry.key_span,
                        )
                        .with_hint(format!("e.g. `file: ./{name}.txt`, or `external: true`")),
                    );
                }
            }
        }
    }

    /// Every dependency cycle, each named once (`a -> b -> a`) at the reference closing it.
    fn check_cycles(&mut self) {
        #[derive(Clone, Copy, PartialEq)]
        enum State {
            Visiting,
            Done,
        }
        fn visit<'a>(
            service_name: &'a str,
            edges: &BTreeMap<&'a str, BTreeMap<&'a str, Span>>,
            states: &mut BTreeMap<&'a str, State>,
            stack: &mut Vec<&'a str>,
            out: &mut Vec<Diagnostic>,
        ) {
            states.insert(service_name, State::Visiting);
            stack.push(service_name);
            for (&target, &span) in edges.get(service_name).into_iter().flatten() {
                match states.get(target) {
                    Some(State::Visiting) => {
                        let start = stack
                            .iter()
                            .position(|name| *name == target)
                            .unwrap_or_default();
                        let mut cycle: Vec<&str> = stack[start..].to_vec();
                        cycle.push(target);
                        out.push(Diagnostic::new(
                            format!("dependency cycle detected: {}", cycle.join(" -> ")),
                            span,
                        ));
                    }
                    Some(State::Done) => {}
                    None => visit(target, edges, states, stack, out),
                }
            }
            stack.pop();
            states.insert(service_name, State::Done);
        }

        let mut states = BTreeMap::new();
        let mut stack = Vec::new();
        let roots: Vec<&str> = self.edges.keys().copied().collect();
        for root in roots {
            if !states.contains_key(root) {
                visit(
                    root,
                    &self.edges,
                    &mut states,
                    &mut stack,
                    &mut self.diagnostics,
                );
            }
        }
    }
}

fn with_definition_hint(diagnostic: Diagnostic, section: &str, name: &str) -> Diagnostic {
    if diagnostic.hint.is_some() {
        return diagnostic;
    }
    diagnostic.with_hint(format!(
        "declare it under the top-level `{section}:`, e.g. `{section}: {{{name}: {{}}}}`"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors_for(json: &serde_json::Value) -> Vec<String> {
        let mut messages: Vec<String> = match validate_consistency(&Node::from_json(json)) {
            Ok(()) => Vec::new(),
            Err(diagnostics) => diagnostics
                .into_iter()
                .map(|diagnostic| match diagnostic.hint {
                    Some(hint) => format!("{} (hint: {hint})", diagnostic.message),
                    None => diagnostic.message,
                })
                .collect(),
        };
        messages.sort();
        messages
    }

    #[test]
    fn accepts_a_consistent_project() {
        let document = serde_json::json!({
            "services": {
                "web": {"image": "nginx", "depends_on": {"db": {"condition": "service_started"}},
                        "networks": ["front", "default"], "volumes": ["data:/data", "./src:/src", "/x:/x"],
                        "secrets": ["token"], "configs": [{"source": "conf"}], "links": ["db:database"],
                        "volumes_from": ["db:ro", "container:other"]},
                "db": {"build": {"context": "."}, "network_mode": "service:web2"},
                "web2": {"image": "x"},
            },
            "networks": {"front": {}},
            "volumes": {"data": {"external": true, "name": "real"}},
            "secrets": {"token": {"file": "./t"}},
            "configs": {"conf": {"content": "x"}},
        });
        assert_eq!(errors_for(&document), Vec::<String>::new());
    }

    #[test]
    fn undefined_references_with_hints() {
        let document = serde_json::json!({
            "services": {
                "web": {"image": "nginx", "depends_on": ["dbb"], "networks": ["frnt"],
                        "volumes": ["dat:/data"], "secrets": ["tokn"], "configs": ["x"],
                        "network_mode": "service:nope"},
                "db": {"image": "x", "links": ["zz:alias"], "volumes_from": ["yy:ro"], "pid": "service:qqq"},
            },
            "networks": {"front": {}},
            "volumes": {"data": {}},
            "secrets": {"token": {"file": "./t"}},
        });
        assert_eq!(
            errors_for(&document),
            [
                "service `db` links to undefined service `zz`",
                "service `db` mounts volumes from undefined service `yy`",
                "service `db` uses `pid: service:qqq` but service `qqq` is not defined",
                "service `web` depends on undefined service `dbb` (hint: did you mean `db`?)",
                "service `web` refers to undefined config `x` (hint: declare it under the top-level `configs:`, e.g. `configs: {x: {}}`)",
                "service `web` refers to undefined network `frnt` (hint: did you mean `front`?)",
                "service `web` refers to undefined secret `tokn` (hint: did you mean `token`?)",
                "service `web` refers to undefined volume `dat` (hint: did you mean `data`?)",
                "service `web` sets both `network_mode` and `networks`, which are mutually exclusive (hint: remove `networks`, or remove `network_mode`)",
                "service `web` uses `network_mode: service:nope` but service `nope` is not defined",
            ]
        );
    }

    #[test]
    fn cycles_are_named_once_each() {
        let document = serde_json::json!({
            "services": {
                "a": {"image": "x", "depends_on": ["b"]},
                "b": {"image": "x", "depends_on": {"a": {"condition": "service_started"}}},
                "c": {"image": "x", "depends_on": ["d"]},
                "d": {"image": "x", "depends_on": ["e"]},
                "e": {"image": "x", "links": ["c"]},
                "f": {"image": "x", "depends_on": ["f"]},
            },
        });
        assert_eq!(
            errors_for(&document),
            [
                "dependency cycle detected: a -> b -> a",
                "dependency cycle detected: c -> d -> e -> c",
                "dependency cycle detected: f -> f",
            ]
        );
    }

    #[test]
    fn exclusive_and_missing_settings() {
        let document = serde_json::json!({
            "services": {
                "a": {"command": "x"},
                "b": {"image": "x", "container_name": "same", "scale": 2},
                "c": {"image": "x", "container_name": "same"},
                "d": {"image": "x", "healthcheck": {"test": ["curl"]}},
            },
            "volumes": {"v": {"external": true, "driver": "local"}},
            "secrets": {"s": {}},
            "configs": {"c": {"file": "./a", "content": "b"}},
        });
        assert_eq!(
            errors_for(&document),
            [
                "config `c` sets more than one of `file`, `environment`, `content`, which are mutually exclusive",
                "secret `s` must declare one of `file`, `environment` (hint: e.g. `file: ./s.txt`, or `external: true`)",
                "service `a` has neither an image nor a build context specified (hint: add `image: <name>` or `build: <directory>`)",
                "service `b` sets `container_name` and `scale: 2`, but a container name must be unique (hint: remove `container_name` or set `scale` to 1)",
                "service `c`: container name `same` is already used by service `b` (hint: container names must be unique; remove one `container_name`)",
                "service `d`: `healthcheck.test` must start with `CMD`, `CMD-SHELL` or `NONE` (hint: e.g. `test: [\"CMD\", \"curl\", \"-f\", \"http://localhost\"]`)",
                "volume `v` is external, it cannot also set `driver` (hint: an external volume is created outside compose; remove `external` or this attribute)",
            ]
        );
    }
}

//! Ports short syntax `[HOST_IP:][HOST[-HOST]:]CONTAINER[-CONTAINER][/PROTO]` → long form,
//! one entry per container port, as compose-go `types.ParsePortConfig` does with
//! go-connections v0.6.0 `nat.ParsePortSpecs` (entries of one spec sorted as the strings
//! `port/proto`, which is the reference's order).

use std::collections::HashMap;
use std::net::IpAddr;

use super::{Diagnostic, Node, Value, int_node, map_node, scalar_text, string_node};
use crate::loader::source::Span;

/// One parsed binding: container port, host ip and host port (possibly a range).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PortBinding {
    pub target: u16,
    pub protocol: String,
    pub host_ip: String,
    pub published: String,
}

/// Rewrites a `ports` sequence in place.
pub(super) fn transform_ports(
    node: &mut Node,
    skip_interpolation: bool,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Value::Seq(items) = &node.value else {
        return;
    };
    let mut expanded = Vec::with_capacity(items.len());
    for item in items {
        let spec = match &item.value {
            Value::Int(_) | Value::String(_) => scalar_text(item).unwrap_or_default(),
            _ => {
                expanded.push(item.clone());
                continue;
            }
        };
        match parse_port_spec(&spec) {
            Ok(bindings) => {
                expanded.extend(
                    bindings
                        .into_iter()
                        .map(|binding| binding_node(&binding, item.span)),
                );
            }
            Err(reason) => {
                if skip_interpolation {
                    // The reference keeps the whole list as written then.
                    return;
                }
                diagnostics.push(Diagnostic::new(
                    format!("invalid port `{spec}`: {reason}"),
                    item.span,
                ));
                expanded.push(item.clone());
            }
        }
    }
    node.value = Value::Seq(expanded);
}

fn binding_node(binding: &PortBinding, span: Span) -> Node {
    let mut entries = vec![("mode".to_owned(), string_node("ingress", span))];
    if !binding.host_ip.is_empty() {
        entries.push(("host_ip".to_owned(), string_node(&binding.host_ip, span)));
    }
    entries.push((
        "target".to_owned(),
        int_node(i64::from(binding.target), span),
    ));
    if !binding.published.is_empty() {
        entries.push((
            "published".to_owned(),
            string_node(&binding.published, span),
        ));
    }
    entries.push(("protocol".to_owned(), string_node(&binding.protocol, span)));
    map_node(entries, span)
}

/// Parses one short-syntax port; the error is the reason, lowercase.
pub(super) fn parse_port_spec(raw: &str) -> Result<Vec<PortBinding>, String> {
    let parts: Vec<&str> = raw.split(':').collect();
    let count = parts.len();
    let container = parts[count - 1];
    let (ip, host_port) = match count {
        1 => (String::new(), ""),
        2 => (String::new(), parts[0]),
        3 => (parts[0].to_owned(), parts[1]),
        _ => (parts[..count - 2].join(":"), parts[count - 2]),
    };
    let (container, protocol) = match container.split_once('/') {
        Some((port, protocol)) => (port, if protocol.is_empty() { "tcp" } else { protocol }),
        None => (container, "tcp"),
    };
    let protocol = protocol.to_lowercase();
    if !matches!(protocol.as_str(), "tcp" | "udp" | "sctp") {
        return Err(format!("invalid protocol `{protocol}`"));
    }
    let mut ip = ip;
    if ip.starts_with('[') {
        match ip.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')) {
            Some(inner) if !inner.contains(['[', ']']) => ip = inner.to_owned(),
            _ => return Err(format!("invalid IP address `{ip}`")),
        }
    }
    if !ip.is_empty() && ip.parse::<IpAddr>().is_err() {
        return Err(format!("invalid IP address `{ip}`"));
    }
    if container.is_empty() {
        return Err("no container port specified".to_owned());
    }
    let (start, end) = parse_port_range(container)
        .map_err(|()| format!("invalid container port `{container}`"))?;
    let (host_start, host_end) = if host_port.is_empty() {
        (0, 0)
    } else {
        let range =
            parse_port_range(host_port).map_err(|()| format!("invalid host port `{host_port}`"))?;
        if range.1 - range.0 != end - start && end != start {
            return Err(format!(
                "invalid ranges specified for container and host ports: `{container}` and `{host_port}`"
            ));
        }
        range
    };
    let mut bindings = Vec::new();
    for offset in 0..=(end - start) {
        let published = if host_port.is_empty() {
            String::new()
        } else if start == end && host_start != host_end {
            format!("{}-{host_end}", host_start + offset)
        } else {
            (host_start + offset).to_string()
        };
        bindings.push(PortBinding {
            target: start + offset,
            protocol: protocol.clone(),
            host_ip: ip.clone(),
            published,
        });
    }
    // `nat.ParsePortSpecs` keys a map by `port/proto`; compose-go sorts those keys as strings.
    bindings.sort_by_cached_key(|binding| format!("{}/{}", binding.target, binding.protocol));
    Ok(bindings)
}

fn parse_port_range(text: &str) -> Result<(u16, u16), ()> {
    let parse = |part: &str| -> Result<u16, ()> {
        if part.is_empty() || !part.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(());
        }
        part.parse::<u16>().map_err(|_| ())
    };
    match text.split_once('-') {
        None => {
            let port = parse(text)?;
            Ok((port, port))
        }
        Some((start, rest)) => {
            let end = rest.split('-').next().unwrap_or_default();
            let (start, end) = (parse(start)?, parse(end)?);
            if end < start {
                Err(())
            } else {
                Ok((start, end))
            }
        }
    }
}

/// compose-go `EnforceUnicity` on `services.*.ports` after the canonical form revealed
/// duplicates: a later entry with the same `host_ip:published:target/protocol` replaces
/// the earlier one in place.
pub(super) fn enforce_unicity(value: &mut Value) {
    let Value::Seq(items) = value else {
        return;
    };
    if items.len() < 2 {
        return;
    }
    let mut unique: Vec<Node> = Vec::with_capacity(items.len());
    let mut positions: HashMap<String, usize> = HashMap::new();
    for item in items.drain(..) {
        let key = port_key(&item);
        if let Some(&position) = positions.get(&key) {
            unique[position] = item;
        } else {
            positions.insert(key, unique.len());
            unique.push(item);
        }
    }
    *items = unique;
}

fn port_key(item: &Node) -> String {
    match &item.value {
        Value::Map(_) => {
            let text = |key: &str, default: &str| {
                item.get(key).map_or_else(
                    || default.to_owned(),
                    |node| {
                        format!(
                            "{}:{}",
                            node.type_name(),
                            scalar_text(node).unwrap_or_default()
                        )
                    },
                )
            };
            format!(
                "{}|{}|{}|{}",
                text("host_ip", "0.0.0.0"),
                text("published", "<nil>"),
                text("target", ""),
                text("protocol", "tcp")
            )
        }
        _ => format!("raw:{}", scalar_text(item).unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(spec: &str) -> Vec<(u16, String, String, String)> {
        parse_port_spec(spec)
            .unwrap()
            .into_iter()
            .map(|binding| {
                (
                    binding.target,
                    binding.protocol,
                    binding.host_ip,
                    binding.published,
                )
            })
            .collect()
    }

    #[test]
    fn parses_short_forms() {
        assert_eq!(
            parse("80"),
            vec![(80, "tcp".into(), String::new(), String::new())]
        );
        assert_eq!(
            parse("8080:80/UDP"),
            vec![(80, "udp".into(), String::new(), "8080".into())]
        );
        assert_eq!(
            parse("[::1]:53:53/udp"),
            vec![(53, "udp".into(), "::1".into(), "53".into())]
        );
        assert_eq!(
            parse("::1:7000:7000"),
            vec![(7000, "tcp".into(), "::1".into(), "7000".into())]
        );
        assert_eq!(
            parse("127.0.0.1:8000-8001:80"),
            vec![(80, "tcp".into(), "127.0.0.1".into(), "8000-8001".into())]
        );
    }

    #[test]
    fn ranges_expand_in_string_order() {
        let targets: Vec<u16> = parse("9999-10001").into_iter().map(|port| port.0).collect();
        assert_eq!(targets, vec![10000, 10001, 9999]);
    }

    #[test]
    fn rejects_bad_specs() {
        assert!(parse_port_spec("80/xyz").is_err());
        assert!(parse_port_spec("8000-8002:80-81").is_err());
        assert!(parse_port_spec("abc").is_err());
        assert!(parse_port_spec("300.0.0.1:80:80").is_err());
        assert!(parse_port_spec("70000").is_err());
    }
}

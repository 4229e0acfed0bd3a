//! Networking of a container: network mode, the primary endpoint (by priority then name),
//! aliases, links, the MAC address rules by API version, and the references to other
//! services' containers (`service:x` namespaces, `volumes_from`). Reference:
//! docker/compose v2.40.3 `defaultNetworkSettings`, `createEndpointSettings`, `getLinks`,
//! `prepareContainerMACAddress`, `resolveServiceReferences`.

use std::collections::HashMap;

use bollard::models::{EndpointIpamConfig, EndpointSettings, NetworkingConfig};

use super::{ContainerContext, ExtraNetwork, Findings};
use crate::engine::connect::ApiVersion;
use crate::model::ServiceConfig;

const INTERFACE_NAME_OPTION: &str = "com.docker.network.endpoint.ifname";

/// What the create call and the following connects need.
pub(crate) struct NetworkSettings {
    pub network_mode: String,
    pub networking_config: Option<NetworkingConfig>,
    pub extra_networks: Vec<ExtraNetwork>,
    pub container_mac_address: Option<String>,
    pub links: Vec<String>,
}

fn at_least(version: ApiVersion, minor: usize) -> bool {
    version >= ApiVersion { major: 1, minor }
}

/// The service's network keys, highest `priority` first, then by name
/// (compose-go `NetworksByPriority`).
pub fn networks_by_priority(service: &ServiceConfig) -> Vec<String> {
    let mut keys: Vec<(i64, &String)> = service
        .networks
        .iter()
        .map(|(name, config)| (config.as_ref().map_or(0, |config| config.priority), name))
        .collect();
    keys.sort_by(|left, right| right.0.cmp(&left.0).then_with(|| left.1.cmp(right.1)));
    keys.into_iter().map(|(_, name)| name.clone()).collect()
}

/// The name the aliases use: `container_name`, else `<project>-<service>-<number>`.
fn alias_container_name(context: &ContainerContext<'_>) -> String {
    if context.service.container_name.is_empty() {
        format!(
            "{}-{}-{}",
            context.project.name, context.service_name, context.number
        )
    } else {
        context.service.container_name.clone()
    }
}

/// `links` and `external_links` as `container:alias` (docker/compose `getLinks`, which
/// mimics Compose v1: three names per linked container, numbered like *this* container).
pub fn links(context: &ContainerContext<'_>) -> Vec<String> {
    let service = context.service;
    let project = &context.project.name;
    let number = context.number;
    let mut links = Vec::new();
    let containers_of = |name: &str| {
        context
            .options
            .service_containers
            .get(name)
            .map(Vec::as_slice)
            .unwrap_or_default()
    };
    for link in &service.links {
        let mut parts = link.split(':');
        let linked_service = parts.next().unwrap_or_default();
        let alias = parts.next().unwrap_or(linked_service);
        for peer in containers_of(linked_service) {
            links.push(format!("{}:{alias}", peer.name));
            links.push(format!("{}:{linked_service}-{number}", peer.name));
            links.push(format!("{}:{project}-{linked_service}-{number}", peer.name));
        }
    }
    if context.oneoff {
        for peer in containers_of(context.service_name) {
            let short = peer
                .name
                .strip_prefix(&format!("{project}-"))
                .unwrap_or(&peer.name);
            links.push(format!("{}:{}", peer.name, context.service_name));
            links.push(format!("{}:{short}", peer.name));
            links.push(format!("{}:{}", peer.name, peer.name));
        }
    }
    for link in &service.external_links {
        let mut parts = link.split(':');
        let external = parts.next().unwrap_or_default();
        let alias = parts.next().unwrap_or(external);
        links.push(format!("{external}:{alias}"));
    }
    links
}

fn endpoint_settings(
    context: &ContainerContext<'_>,
    network_key: &str,
    links: &[String],
    main_mac_address: Option<&str>,
) -> EndpointSettings {
    let config = context
        .service
        .networks
        .get(network_key)
        .and_then(Option::as_ref);
    let mut aliases = vec![alias_container_name(context)];
    if context.options.use_network_aliases {
        aliases.push(context.service_name.to_owned());
        if let Some(config) = config {
            aliases.extend(config.aliases.iter().cloned());
        }
    }
    let mut endpoint = EndpointSettings {
        aliases: Some(aliases),
        links: (!links.is_empty()).then(|| links.to_vec()),
        ..EndpointSettings::default()
    };
    if let Some(config) = config {
        // The reference also fills these output fields with the requested addresses
        // (`IPv6Gateway` with the IPv6 address, as it does).
        endpoint.ip_address = Some(config.ipv4_address.clone());
        endpoint.ipv6_gateway = Some(config.ipv6_address.clone());
        endpoint.ipam_config = Some(EndpointIpamConfig {
            ipv4_address: Some(config.ipv4_address.clone()),
            ipv6_address: Some(config.ipv6_address.clone()),
            link_local_ips: (!config.link_local_ips.is_empty())
                .then(|| config.link_local_ips.clone()),
        });
        let mut driver_options: HashMap<String, String> = config
            .driver_opts
            .iter()
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        if !config.interface_name.is_empty() {
            driver_options.insert(
                INTERFACE_NAME_OPTION.to_owned(),
                config.interface_name.clone(),
            );
        }
        endpoint.driver_opts = (!driver_options.is_empty()).then_some(driver_options);
        endpoint.mac_address = (!config.mac_address.is_empty()).then(|| config.mac_address.clone());
        endpoint.gw_priority = (config.gw_priority != 0).then_some(config.gw_priority);
    }
    if endpoint.mac_address.is_none()
        && let Some(mac) = main_mac_address
    {
        endpoint.mac_address = Some(mac.to_owned());
    }
    endpoint
}

/// The actual engine name of a project network key.
fn engine_network_name(context: &ContainerContext<'_>, key: &str) -> String {
    context
        .project
        .networks
        .get(key)
        .map(|network| network.name.clone())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| format!("{}_{key}", context.project.name))
}

/// Network mode, endpoints and links of the container.
pub(crate) fn network_settings(
    context: &ContainerContext<'_>,
    service: &ServiceConfig,
    findings: &mut Findings,
) -> NetworkSettings {
    let api_version = context.options.api_version;
    let links = links(context);
    let ordered = networks_by_priority(service);
    let main_key = ordered.first().cloned();
    let main_config = main_key
        .as_ref()
        .and_then(|key| service.networks.get(key))
        .and_then(Option::as_ref);

    // prepareContainerMACAddress
    let mut container_mac_address = None;
    let mut main_mac_address = None;
    if !service.mac_address.is_empty()
        && let Some(config) = main_config
        && !config.mac_address.is_empty()
        && config.mac_address != service.mac_address
    {
        findings.error(
            "mac_address",
            format!(
                "the service-level mac_address should have the same value as network {}",
                main_key.clone().unwrap_or_default()
            ),
        );
    }
    if at_least(api_version, 44) {
        if !service.mac_address.is_empty() {
            main_mac_address = Some(service.mac_address.clone());
        }
    } else {
        let with_mac: Vec<&String> = service
            .networks
            .iter()
            .filter(|(_, config)| config.as_ref().is_some_and(|c| !c.mac_address.is_empty()))
            .map(|(name, _)| name)
            .collect();
        if with_mac.len() > 1 {
            findings.error(
                "mac_address",
                format!(
                    "a MAC address is specified for multiple networks ({}), but this feature requires Docker Engine v25 or later",
                    with_mac.iter().map(|name| name.as_str()).collect::<Vec<_>>().join(", ")
                ),
            );
        }
        container_mac_address =
            (!service.mac_address.is_empty()).then(|| service.mac_address.clone());
        if let Some(config) = main_config
            && !config.mac_address.is_empty()
        {
            container_mac_address = Some(config.mac_address.clone());
        }
    }

    if !service.network_mode.is_empty() {
        return NetworkSettings {
            network_mode: service.network_mode.clone(),
            networking_config: None,
            extra_networks: Vec::new(),
            container_mac_address,
            links,
        };
    }
    if context.project.networks.is_empty() {
        return NetworkSettings {
            network_mode: "none".to_owned(),
            networking_config: None,
            extra_networks: Vec::new(),
            container_mac_address,
            links,
        };
    }
    if !at_least(api_version, 49)
        && service
            .networks
            .values()
            .flatten()
            .any(|config| !config.interface_name.is_empty())
    {
        findings.error(
            "networks.interface_name",
            "interface_name requires Docker Engine v28.1 or later",
        );
    }

    let main_key = main_key.unwrap_or_else(|| "default".to_owned());
    let main_name = engine_network_name(context, &main_key);
    let mut endpoints = HashMap::new();
    let mut extra_networks = Vec::new();
    for key in ordered.iter().skip(1) {
        let endpoint = endpoint_settings(context, key, &links, None);
        let network_name = engine_network_name(context, key);
        if at_least(api_version, 44) {
            endpoints.insert(network_name, endpoint);
        } else {
            extra_networks.push(ExtraNetwork {
                network_name,
                endpoint,
            });
        }
    }
    endpoints.insert(
        main_name.clone(),
        endpoint_settings(context, &main_key, &links, main_mac_address.as_deref()),
    );
    NetworkSettings {
        network_mode: main_name,
        networking_config: Some(NetworkingConfig {
            endpoints_config: Some(endpoints),
        }),
        extra_networks,
        container_mac_address,
        links,
    }
}

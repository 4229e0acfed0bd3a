//! Implicit values compose-go `transform/defaults.go` adds to the merged tree: build
//! context `.`, secret targets `/run/secrets/<source>`, port protocol/mode, device
//! request `count: all`.

use super::{Node, Value, insert_default, scalar_text, services_mut, string_node};

pub(super) fn set_default_values(tree: &mut Node) {
    let Some(services) = services_mut(tree) else {
        return;
    };
    for entry in services.values_mut() {
        let Some(service) = entry.value.as_map_mut() else {
            continue;
        };
        if let Some(build) = service.get_mut("build") {
            let span = build.value.span;
            if let Some(build) = build.value.as_map_mut() {
                insert_default(build, "context", string_node(".", span));
            }
        }
        if let Some(Value::Seq(secrets)) = service
            .get_mut("secrets")
            .map(|entry| &mut entry.value.value)
        {
            for secret in secrets.iter_mut() {
                let span = secret.span;
                let source = secret
                    .get("source")
                    .and_then(scalar_text)
                    .unwrap_or_default();
                if let Some(secret) = secret.as_map_mut() {
                    insert_default(
                        secret,
                        "target",
                        string_node(format!("/run/secrets/{source}"), span),
                    );
                }
            }
        }
        if let Some(Value::Seq(ports)) =
            service.get_mut("ports").map(|entry| &mut entry.value.value)
        {
            for port in ports.iter_mut() {
                let span = port.span;
                if let Some(port) = port.as_map_mut() {
                    insert_default(port, "protocol", string_node("tcp", span));
                    insert_default(port, "mode", string_node("ingress", span));
                }
            }
        }
        if let Some(Value::Seq(gpus)) = service.get_mut("gpus").map(|entry| &mut entry.value.value)
        {
            gpus.iter_mut().for_each(device_request_defaults);
        }
        let devices = service
            .get_mut("deploy")
            .and_then(|deploy| deploy.value.get_mut("resources"))
            .and_then(|resources| resources.get_mut("reservations"))
            .and_then(|reservations| reservations.get_mut("devices"));
        if let Some(Value::Seq(devices)) = devices.map(|node| &mut node.value) {
            devices.iter_mut().for_each(device_request_defaults);
        }
    }
}

fn device_request_defaults(request: &mut Node) {
    let span = request.span;
    if let Some(request) = request.as_map_mut() {
        if !request.contains_key("count") && !request.contains_key("device_ids") {
            insert_default(request, "count", string_node("all", span));
        }
    }
}

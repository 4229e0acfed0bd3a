//! `port SERVICE PRIVATE_PORT`: the public address of a port binding of the service's first
//! running container (or `--index N`), as `IP:PORT`.

use super::context::CommandContext;
use super::exit;
use super::target::{self, project_name};
use crate::cli::PortArgs;
use crate::engine::inspect::{ContainerQuery, ContainerSummary, OneOff};
use crate::output::printer;

/// What `port` prints or the reference's error, for one container.
fn answer(
    container: &ContainerSummary,
    private_port: u16,
    protocol: &str,
) -> Result<String, String> {
    if let Some(port) = container
        .ports
        .iter()
        .find(|port| port.private_port == private_port && port.protocol == protocol)
    {
        return Ok(format!("{}:{}\n", port.host_ip, port.public_port));
    }
    let listed: Vec<String> = container
        .ports
        .iter()
        .map(|port| format!("{}/{}", port.public_port, port.protocol))
        .collect();
    Err(format!(
        "no port {private_port}/{protocol} for container {}: {}",
        container.name,
        listed.join(", ")
    ))
}

pub fn run(context: &CommandContext, args: &PortArgs) -> i32 {
    let name = match project_name(context) {
        Ok(name) => name,
        Err(code) => return code,
    };
    let Ok(runtime) = target::runtime() else {
        return exit::INTERNAL;
    };
    let found = runtime.block_on(async {
        let engine = target::connect().await?;
        let query = ContainerQuery::new(false, OneOff::Include)
            .services(std::slice::from_ref(&args.service));
        let mut containers = engine
            .list_containers(&name, &query)
            .await
            .map_err(|error| target::report(&error))?;
        if args.index > 0 {
            containers.retain(|container| container.number == Some(args.index));
        }
        // Lowest number first, one-off containers last (the reference's getSpecifiedContainer).
        containers.sort_by_key(|container| (container.oneoff, container.number.unwrap_or(0)));
        Ok::<_, i32>(containers.into_iter().next())
    });
    let container = match found {
        Ok(Some(container)) => container,
        Ok(None) => {
            let message = if args.index > 0 {
                format!(
                    "service {:?} is not running container #{}",
                    args.service, args.index
                )
            } else {
                format!("service {:?} is not running", args.service)
            };
            printer::stderr_line(&message);
            return exit::USER_ERROR;
        }
        Err(code) => return code,
    };
    match answer(&container, args.private_port, &args.protocol) {
        Ok(text) => {
            printer::stdout(&text);
            exit::OK
        }
        Err(message) => {
            printer::stderr_line(&message);
            exit::USER_ERROR
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::table::PortBinding;

    #[test]
    fn answers_and_errors_use_the_reference_words() {
        let container = ContainerSummary {
            name: "p-db-1".to_owned(),
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
        };
        assert_eq!(
            answer(&container, 80, "tcp"),
            Ok("0.0.0.0:18081\n".to_owned())
        );
        assert_eq!(answer(&container, 5432, "tcp"), Ok(":0\n".to_owned()));
        assert_eq!(
            answer(&container, 99, "tcp"),
            Err("no port 99/tcp for container p-db-1: 18081/tcp, 0/tcp".to_owned())
        );
    }
}

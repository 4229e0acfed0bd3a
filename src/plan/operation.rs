//! The plan: a DAG of operations, each one engine call (or one wait) with the cause that
//! made `reconcile` choose it. Plain data that prints as text (`--dry-run` and the tests
//! read the same text). Nothing here talks to the engine.

use std::fmt;

use super::observed::ObservedMount;

/// The index of an operation in [`Plan::steps`].
pub type StepId = usize;

/// What a dependency wait waits for (the `depends_on` condition, `service_started` being
/// a plain ordering edge that needs no wait).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitCondition {
    /// `service_healthy`.
    Healthy,
    /// `service_completed_successfully`.
    CompletedSuccessfully,
    /// `--wait`: running, or healthy when the container has a healthcheck.
    RunningOrHealthy,
}

impl WaitCondition {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Healthy => "healthy",
            Self::CompletedSuccessfully => "completed successfully",
            Self::RunningOrHealthy => "running or healthy",
        }
    }
}

/// A container replaced by a recreation: the new one is created under a temporary name,
/// then the old one is stopped and removed and the new one renamed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    pub old_id: String,
    pub old_name: String,
    /// Anonymous volumes carried over to the new container (empty with `-V`).
    pub inherited_mounts: Vec<ObservedMount>,
}

/// One engine call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    CreateNetwork {
        /// The key under `networks:`.
        network: String,
        /// The engine name.
        name: String,
    },
    RemoveNetwork {
        name: String,
        /// `down`: a network other containers still use (an orphan left running, a
        /// container of another project) is kept with the reference's warning `Resource
        /// is still in use`; otherwise (a network recreated by `up`) that is a failure.
        keep_if_in_use: bool,
    },
    CreateVolume {
        volume: String,
        name: String,
    },
    RemoveVolume {
        name: String,
    },
    /// Create (and connect the extra networks of) one container.
    CreateContainer {
        service: String,
        number: u32,
        /// The name it is created under (temporary when replacing).
        name: String,
        replaces: Option<Replacement>,
    },
    StartContainer {
        service: String,
        name: String,
    },
    StopContainer {
        service: String,
        name: String,
    },
    RestartContainer {
        service: String,
        name: String,
    },
    RemoveContainer {
        service: String,
        name: String,
        /// Also remove its anonymous volumes.
        volumes: bool,
    },
    RenameContainer {
        service: String,
        from: String,
        to: String,
    },
    /// Nothing to do: reported as is (`Running`) so the display lists every container.
    KeepContainer {
        service: String,
        name: String,
        running: bool,
    },
    /// Wait until every container of `dependency` meets the condition.
    WaitDependency {
        service: String,
        dependency: String,
        containers: Vec<String>,
        condition: WaitCondition,
        /// `required: false`: a failure is only a warning.
        required: bool,
    },
    RemoveImage {
        image: String,
    },
    /// Detach a container from a network about to be recreated (forced, running or not).
    DisconnectNetwork {
        service: String,
        container: String,
        /// The engine name.
        network: String,
    },
    /// Attach a container again to a recreated network, with the endpoint its service
    /// asks for (aliases, addresses...).
    ConnectNetwork {
        service: String,
        /// The replica number, for the aliases (`None` for containers without one).
        number: Option<u32>,
        container: String,
        /// The key under `networks:`.
        network: String,
        /// The engine name.
        name: String,
    },
}

impl Operation {
    /// The service the operation belongs to, if any.
    pub fn service(&self) -> Option<&str> {
        match self {
            Self::CreateContainer { service, .. }
            | Self::StartContainer { service, .. }
            | Self::StopContainer { service, .. }
            | Self::RestartContainer { service, .. }
            | Self::RemoveContainer { service, .. }
            | Self::RenameContainer { service, .. }
            | Self::KeepContainer { service, .. }
            | Self::WaitDependency { service, .. }
            | Self::DisconnectNetwork { service, .. }
            | Self::ConnectNetwork { service, .. } => Some(service),
            _ => None,
        }
    }

    /// Whether the operation only waits (it holds no `--parallel` slot).
    pub fn is_wait(&self) -> bool {
        matches!(
            self,
            Self::WaitDependency { .. } | Self::KeepContainer { .. }
        )
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CreateNetwork { name, .. } => write!(formatter, "create network {name}"),
            Self::RemoveNetwork { name, .. } => write!(formatter, "remove network {name}"),
            Self::CreateVolume { name, .. } => write!(formatter, "create volume {name}"),
            Self::RemoveVolume { name } => write!(formatter, "remove volume {name}"),
            Self::CreateContainer {
                name,
                replaces: None,
                ..
            } => write!(formatter, "create container {name}"),
            Self::CreateContainer {
                name,
                replaces: Some(replacement),
                ..
            } => {
                write!(
                    formatter,
                    "create container {name} to replace {}",
                    replacement.old_name
                )?;
                if !replacement.inherited_mounts.is_empty() {
                    let targets: Vec<&str> = replacement
                        .inherited_mounts
                        .iter()
                        .map(|mount| mount.destination.as_str())
                        .collect();
                    write!(formatter, " keeping volumes {}", targets.join(","))?;
                }
                Ok(())
            }
            Self::StartContainer { name, .. } => write!(formatter, "start container {name}"),
            Self::StopContainer { name, .. } => write!(formatter, "stop container {name}"),
            Self::RestartContainer { name, .. } => write!(formatter, "restart container {name}"),
            Self::RemoveContainer { name, volumes, .. } => {
                write!(formatter, "remove container {name}")?;
                if *volumes {
                    formatter.write_str(" with its anonymous volumes")?;
                }
                Ok(())
            }
            Self::RenameContainer { from, to, .. } => {
                write!(formatter, "rename container {from} to {to}")
            }
            Self::KeepContainer { name, running, .. } => write!(
                formatter,
                "keep container {name} ({})",
                if *running { "running" } else { "stopped" }
            ),
            Self::WaitDependency {
                service,
                dependency,
                condition,
                required,
                ..
            } => {
                write!(
                    formatter,
                    "wait for {dependency} {} before {service}",
                    condition.as_str()
                )?;
                if !required {
                    formatter.write_str(" (optional)")?;
                }
                Ok(())
            }
            Self::RemoveImage { image } => write!(formatter, "remove image {image}"),
            Self::DisconnectNetwork {
                container, network, ..
            } => write!(
                formatter,
                "disconnect container {container} from network {network}"
            ),
            Self::ConnectNetwork {
                container, name, ..
            } => write!(formatter, "connect container {container} to network {name}"),
        }
    }
}

/// One operation, why it is needed, and which steps must be done first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub operation: Operation,
    pub cause: String,
    pub after: Vec<StepId>,
}

/// The operations to run, in an order compatible with their dependencies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// Containers of services the project no longer has, left alone (the command warns).
    pub orphans: Vec<String>,
    /// What the command warns about besides orphans (resources not made by compose...), in
    /// the reference's words.
    pub warnings: Vec<String>,
}

impl Plan {
    /// Adds a step after `after` (ids of earlier steps) and returns its id.
    pub fn push(
        &mut self,
        operation: Operation,
        cause: impl Into<String>,
        after: impl IntoIterator<Item = StepId>,
    ) -> StepId {
        let mut after: Vec<StepId> = after.into_iter().collect();
        after.sort_unstable();
        after.dedup();
        self.steps.push(Step {
            operation,
            cause: cause.into(),
            after,
        });
        self.steps.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Whether any step changes the engine's state (keeping and waiting do not).
    pub fn changes_anything(&self) -> bool {
        self.steps.iter().any(|step| !step.operation.is_wait())
    }

    /// Splits the plan in two, as the reference's attached `up` runs `create` then `start`:
    /// first everything that creates, recreates or removes; then the starts, restarts,
    /// dependency waits and kept containers (and anything that comes after one of them).
    /// Edges from the second part to the first are dropped: the first part is done by then.
    /// Orphans stay with the first part.
    pub fn split_start(&self) -> (Plan, Plan) {
        let starts: Vec<bool> = {
            let mut starts = Vec::with_capacity(self.steps.len());
            for step in &self.steps {
                let start_kind = matches!(
                    step.operation,
                    Operation::StartContainer { .. }
                        | Operation::RestartContainer { .. }
                        | Operation::WaitDependency { .. }
                        | Operation::KeepContainer { .. }
                );
                let after_start = step
                    .after
                    .iter()
                    .any(|before| starts.get(*before).copied().unwrap_or(false));
                starts.push(start_kind || after_start);
            }
            starts
        };
        let mut new_ids: Vec<StepId> = Vec::with_capacity(self.steps.len());
        let mut create = Plan {
            steps: Vec::new(),
            orphans: self.orphans.clone(),
            warnings: self.warnings.clone(),
        };
        let mut start = Plan::default();
        for (id, step) in self.steps.iter().enumerate() {
            let part = if starts[id] { &mut start } else { &mut create };
            let after: Vec<StepId> = step
                .after
                .iter()
                .filter(|before| starts[**before] == starts[id])
                .map(|before| new_ids[*before])
                .collect();
            new_ids.push(part.push(step.operation.clone(), step.cause.clone(), after));
        }
        (create, start)
    }

    /// The containers the plan keeps as they are without running them (`keep … (stopped)`).
    pub fn kept_stopped(&self) -> Vec<&str> {
        self.steps
            .iter()
            .filter_map(|step| match &step.operation {
                Operation::KeepContainer {
                    name,
                    running: false,
                    ..
                } => Some(name.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// One line per step: `#3 start container p-db-1 after #2: no existing container`.
impl fmt::Display for Plan {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, step) in self.steps.iter().enumerate() {
            write!(formatter, "#{} {}", index + 1, step.operation)?;
            if !step.after.is_empty() {
                let after: Vec<String> =
                    step.after.iter().map(|id| format!("#{}", id + 1)).collect();
                write!(formatter, " after {}", after.join(","))?;
            }
            writeln!(formatter, ": {}", step.cause)?;
        }
        for orphan in &self.orphans {
            writeln!(formatter, "orphan container {orphan} left in place")?;
        }
        for warning in &self.warnings {
            writeln!(formatter, "warning: {}", warning.replace('\n', " "))?;
        }
        Ok(())
    }
}

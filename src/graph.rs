//! The service dependency graph (petgraph): dependency order, reverse order, closures,
//! and cycle errors that name the cycle. Pure: no I/O.
//! Edges come from `depends_on`, `links`, `volumes_from` (services, not `container:`),
//! and `network_mode` / `ipc` / `pid: service:x` (compose-go `GetDependencies`).
//! Every order is deterministic: ties are broken by service name.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::model::{DependencyKind, Project};

/// A dependency cycle, named as the reference does: `a -> b -> a` ("a depends on b ...").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("dependency cycle detected: {}", .cycle.join(" -> "))]
pub struct CycleError {
    /// The services of the cycle, starting and ending with the same (smallest) name.
    pub cycle: Vec<String>,
}

/// The services of a project and who depends on whom. An edge goes from a service to
/// each service it depends on. References to services that are not in the project
/// (a disabled `required: false` dependency) are left out.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    graph: DiGraph<String, DependencyKind>,
    nodes: BTreeMap<String, NodeIndex>,
}

impl Graph {
    /// Builds the graph of every service of the project.
    pub fn from_project(project: &Project) -> Self {
        let mut graph = Graph::default();
        for name in project.services.keys() {
            graph.add_service(name);
        }
        for (name, service) in &project.services {
            for (dependency, kind) in service.dependencies() {
                graph.add_dependency(name, &dependency, kind);
            }
        }
        graph
    }

    /// Adds a service without dependencies (no-op if present).
    pub fn add_service(&mut self, name: &str) -> NodeIndex {
        if let Some(index) = self.nodes.get(name) {
            return *index;
        }
        let index = self.graph.add_node(name.to_owned());
        self.nodes.insert(name.to_owned(), index);
        index
    }

    /// Records that `service` depends on `dependency`; ignored if either is unknown.
    /// When several keys link the same pair, the first recorded kind is kept.
    pub fn add_dependency(&mut self, service: &str, dependency: &str, kind: DependencyKind) {
        if let (Some(from), Some(to)) = (self.nodes.get(service), self.nodes.get(dependency)) {
            if self.graph.find_edge(*from, *to).is_none() {
                self.graph.add_edge(*from, *to, kind);
            }
        }
    }

    /// Service names, sorted.
    pub fn services(&self) -> impl Iterator<Item = &str> {
        self.nodes.keys().map(String::as_str)
    }

    /// The services `service` depends on directly, sorted by name.
    pub fn direct_dependencies(&self, service: &str) -> Vec<(&str, DependencyKind)> {
        self.neighbours(service, Direction::Outgoing)
    }

    /// The services depending directly on `service`, sorted by name.
    pub fn direct_dependents(&self, service: &str) -> Vec<(&str, DependencyKind)> {
        self.neighbours(service, Direction::Incoming)
    }

    fn neighbours(&self, service: &str, direction: Direction) -> Vec<(&str, DependencyKind)> {
        let Some(index) = self.nodes.get(service) else {
            return Vec::new();
        };
        let mut neighbours: Vec<(&str, DependencyKind)> = self
            .graph
            .edges_directed(*index, direction)
            .map(|edge| {
                let other = match direction {
                    Direction::Outgoing => edge.target(),
                    Direction::Incoming => edge.source(),
                };
                (self.graph[other].as_str(), *edge.weight())
            })
            .collect();
        neighbours.sort_unstable();
        neighbours
    }

    /// Every service, dependencies before the services that need them (the order `up`
    /// starts them in); ties sorted by name. Fails on a cycle.
    pub fn dependency_order(&self) -> Result<Vec<String>, CycleError> {
        self.order(Direction::Outgoing)
    }

    /// Every service, dependents before their dependencies (the order `down` stops them in).
    pub fn reverse_order(&self) -> Result<Vec<String>, CycleError> {
        self.order(Direction::Incoming)
    }

    /// Kahn's algorithm: a service is ready when nothing it waits for (in `direction`)
    /// remains; the ready set is kept sorted so the order is deterministic.
    fn order(&self, direction: Direction) -> Result<Vec<String>, CycleError> {
        let mut waiting: BTreeMap<NodeIndex, usize> = self
            .graph
            .node_indices()
            .map(|index| (index, self.graph.edges_directed(index, direction).count()))
            .collect();
        let mut ready: BTreeSet<(&str, NodeIndex)> = waiting
            .iter()
            .filter(|(_, count)| **count == 0)
            .map(|(index, _)| (self.graph[*index].as_str(), *index))
            .collect();
        let mut order = Vec::with_capacity(self.graph.node_count());
        while let Some((name, index)) = ready.pop_first() {
            order.push(name.to_owned());
            waiting.remove(&index);
            for edge in self.graph.edges_directed(index, direction.opposite()) {
                let other = match direction {
                    Direction::Outgoing => edge.source(),
                    Direction::Incoming => edge.target(),
                };
                if let Some(count) = waiting.get_mut(&other) {
                    *count -= 1;
                    if *count == 0 {
                        ready.insert((self.graph[other].as_str(), other));
                    }
                }
            }
        }
        if waiting.is_empty() {
            Ok(order)
        } else {
            let remaining: BTreeSet<NodeIndex> = waiting.keys().copied().collect();
            Err(self.find_cycle(&remaining))
        }
    }

    /// Every remaining service still depends on another remaining one, so walking
    /// from the smallest name along the smallest dependency must close a loop.
    fn find_cycle(&self, remaining: &BTreeSet<NodeIndex>) -> CycleError {
        let start = remaining
            .iter()
            .min_by_key(|index| self.graph[**index].as_str())
            .copied();
        let mut path: Vec<NodeIndex> = Vec::new();
        let mut current = start;
        while let Some(index) = current {
            if let Some(position) = path.iter().position(|visited| *visited == index) {
                let mut cycle: Vec<String> = path[position..]
                    .iter()
                    .map(|index| self.graph[*index].clone())
                    .collect();
                // Start the cycle at its smallest name so the message is stable.
                let smallest = cycle
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, name)| name.as_str())
                    .map_or(0, |(position, _)| position);
                cycle.rotate_left(smallest);
                cycle.push(cycle[0].clone());
                return CycleError { cycle };
            }
            path.push(index);
            current = self
                .graph
                .neighbors_directed(index, Direction::Outgoing)
                .filter(|next| remaining.contains(next))
                .min_by_key(|next| self.graph[*next].as_str());
        }
        CycleError { cycle: Vec::new() }
    }

    /// Fails if the services depend on each other in a loop.
    pub fn check_cycles(&self) -> Result<(), CycleError> {
        self.dependency_order().map(|_| ())
    }

    /// The named services and everything they depend on, transitively (what `up web`
    /// starts). Unknown names are ignored.
    pub fn with_dependencies<'a>(
        &self,
        services: impl IntoIterator<Item = &'a str>,
    ) -> BTreeSet<String> {
        self.closure(services, Direction::Outgoing)
    }

    /// The named services and everything depending on them, transitively (what must stop
    /// or restart with them). Unknown names are ignored.
    pub fn with_dependents<'a>(
        &self,
        services: impl IntoIterator<Item = &'a str>,
    ) -> BTreeSet<String> {
        self.closure(services, Direction::Incoming)
    }

    fn closure<'a>(
        &self,
        services: impl IntoIterator<Item = &'a str>,
        direction: Direction,
    ) -> BTreeSet<String> {
        let mut seen: BTreeSet<NodeIndex> = BTreeSet::new();
        let mut stack: Vec<NodeIndex> = services
            .into_iter()
            .filter_map(|name| self.nodes.get(name).copied())
            .collect();
        while let Some(index) = stack.pop() {
            if seen.insert(index) {
                stack.extend(self.graph.neighbors_directed(index, direction));
            }
        }
        seen.into_iter()
            .map(|index| self.graph[index].clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(json: &str) -> Project {
        serde_json::from_str(json).unwrap()
    }

    fn chain() -> Graph {
        // web -> api -> db, web -> cache, worker -> db (volumes_from), proxy -> web (network_mode).
        Graph::from_project(&project(
            r#"{"services": {
                "web": {"depends_on": {"api": {"condition": "service_started", "required": true}},
                        "links": ["cache:redis"]},
                "api": {"depends_on": {"db": {"condition": "service_healthy", "required": true}}},
                "db": {},
                "cache": {},
                "worker": {"volumes_from": ["db:ro", "container:outside"], "ipc": "service:db"},
                "proxy": {"network_mode": "service:web", "pid": "host"},
                "lonely": {"depends_on": {"ghost": {"condition": "service_started", "required": false}}}
            }}"#,
        ))
    }

    #[test]
    fn edges_come_from_every_referencing_key() {
        let graph = chain();
        assert_eq!(
            graph.direct_dependencies("web"),
            vec![
                ("api", DependencyKind::DependsOn),
                ("cache", DependencyKind::Link)
            ]
        );
        assert_eq!(
            graph.direct_dependencies("worker"),
            vec![("db", DependencyKind::VolumesFrom)]
        );
        assert_eq!(
            graph.direct_dependencies("proxy"),
            vec![("web", DependencyKind::NetworkMode)]
        );
        assert!(graph.direct_dependencies("lonely").is_empty());
        assert_eq!(
            graph.direct_dependents("db"),
            vec![
                ("api", DependencyKind::DependsOn),
                ("worker", DependencyKind::VolumesFrom)
            ]
        );
    }

    #[test]
    fn dependency_order_puts_dependencies_first() {
        assert_eq!(
            chain().dependency_order().unwrap(),
            ["cache", "db", "api", "lonely", "web", "proxy", "worker"]
        );
    }

    #[test]
    fn reverse_order_puts_dependents_first() {
        assert_eq!(
            chain().reverse_order().unwrap(),
            ["lonely", "proxy", "web", "api", "cache", "worker", "db"]
        );
    }

    #[test]
    fn closures_follow_edges_transitively() {
        let graph = chain();
        assert_eq!(
            graph.with_dependencies(["proxy"]),
            ["api", "cache", "db", "proxy", "web"]
                .map(String::from)
                .into()
        );
        assert_eq!(
            graph.with_dependents(["db"]),
            ["api", "db", "proxy", "web", "worker"]
                .map(String::from)
                .into()
        );
        assert_eq!(graph.with_dependencies(["nope"]), BTreeSet::new());
    }

    #[test]
    fn cycles_are_named_from_the_smallest_service() {
        let graph = Graph::from_project(&project(
            r#"{"services": {
                "b": {"depends_on": {"c": {"condition": "service_started", "required": true}}},
                "c": {"links": ["a"]},
                "a": {"depends_on": {"b": {"condition": "service_started", "required": true}}},
                "x": {},
                "y": {"depends_on": {"a": {"condition": "service_started", "required": true}}}
            }}"#,
        ));
        let error = graph.dependency_order().unwrap_err();
        assert_eq!(
            error.to_string(),
            "dependency cycle detected: a -> b -> c -> a"
        );
        assert_eq!(graph.reverse_order().unwrap_err(), error);
        assert!(graph.check_cycles().is_err());
    }

    #[test]
    fn a_service_depending_on_itself_is_a_cycle() {
        let graph = Graph::from_project(&project(
            r#"{"services": {"solo": {"volumes_from": ["solo"]}}}"#,
        ));
        assert_eq!(
            graph.check_cycles().unwrap_err().to_string(),
            "dependency cycle detected: solo -> solo"
        );
    }
}

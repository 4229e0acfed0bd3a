//! Pure tests of `plan::reconcile`: a project (YAML through the loader) and an observed
//! engine state in, the plan's text out. No engine involved.

use std::collections::BTreeMap;
use std::path::PathBuf;

use dk_compose::hash;
use dk_compose::loader::{LoadOptions, load};
use dk_compose::model::Project;
use dk_compose::plan::observed::{
    ContainerState, ObservedContainer, ObservedMount, ObservedNetwork, ObservedProject,
    ObservedVolume,
};
use dk_compose::plan::{
    AnonymousVolumePolicy, DependencyPolicy, Desired, DivergedVolume, DownOptions, ImageRemoval,
    NetworkPolicy, OrphanPolicy, RecreatePolicy, StartPolicy, UpOptions, VolumeRemoval,
    reconcile_down, reconcile_up, reconcile_volume_recreation,
};

const IMAGE_ID: &str = "sha256:1111";

fn project(yaml: &str) -> Project {
    let options = LoadOptions {
        files: vec![PathBuf::from("-")],
        stdin: Some(yaml.to_owned()),
        project_name: Some("p".to_owned()),
        current_dir: PathBuf::from("/tmp/p"),
        ..LoadOptions::default()
    };
    match load(&options) {
        Ok(loaded) => loaded.project,
        Err(error) => panic!("load failed: {error}"),
    }
}

fn desired(project: &Project) -> Desired<'_> {
    let image_ids = project
        .services
        .keys()
        .map(|name| (name.clone(), IMAGE_ID.to_owned()))
        .collect();
    Desired::new(project, image_ids)
}

/// A container of `service` as `up` would have left it: up to date, running, on the default network.
fn container(project: &Project, service: &str, number: u32) -> ObservedContainer {
    let config_hash = project
        .services
        .get(service)
        .map(hash::service_hash)
        .unwrap_or_default();
    ObservedContainer {
        id: format!("{service}{number}0123456789abcdef"),
        name: format!("p-{service}-{number}"),
        service: service.to_owned(),
        number: Some(number),
        oneoff: false,
        state: ContainerState::Running,
        health: None,
        exit_code: None,
        status: "Up 1 second".to_owned(),
        config_hash: Some(config_hash),
        image_label: Some(IMAGE_ID.to_owned()),
        image: "busybox".to_owned(),
        image_id: IMAGE_ID.to_owned(),
        networks: BTreeMap::from([("p_default".to_owned(), "net1".to_owned())]),
        mounts: Vec::new(),
        labels: BTreeMap::new(),
        created: 0,
    }
}

fn network(name: &str, id: &str) -> ObservedNetwork {
    ObservedNetwork {
        id: id.to_owned(),
        name: name.to_owned(),
        driver: "bridge".to_owned(),
        labels: BTreeMap::new(),
    }
}

fn observed(containers: Vec<ObservedContainer>) -> ObservedProject {
    ObservedProject {
        name: "p".to_owned(),
        containers,
        networks: vec![network("p_default", "net1")],
        ..ObservedProject::default()
    }
}

fn up(project: &Project, observed: &ObservedProject, options: &UpOptions) -> String {
    match reconcile_up(&desired(project), observed, options) {
        Ok(plan) => plan.to_string(),
        Err(error) => panic!("reconcile failed: {error}"),
    }
}

const CHAIN: &str = "
services:
  db:
    image: busybox
    healthcheck: {test: [CMD, 'true'], interval: 1s}
  init:
    image: busybox
  web:
    image: busybox
    depends_on:
      db: {condition: service_healthy}
      init: {condition: service_completed_successfully}
  cache:
    image: busybox
";

#[test]
fn fresh_project_creates_everything_each_service_after_its_own_dependencies() {
    let project = project(CHAIN);
    let empty = ObservedProject {
        name: "p".to_owned(),
        ..ObservedProject::default()
    };
    assert_eq!(
        up(&project, &empty, &UpOptions::default()),
        "\
#1 create network p_default: network missing
#2 create container p-cache-1 after #1: no existing container
#3 start container p-cache-1 after #2: no existing container
#4 create container p-db-1 after #1: no existing container
#5 start container p-db-1 after #4: no existing container
#6 create container p-init-1 after #1: no existing container
#7 start container p-init-1 after #6: no existing container
#8 wait for db healthy before web after #5: depends_on condition
#9 wait for init completed successfully before web after #7: depends_on condition
#10 create container p-web-1 after #1,#4,#6: no existing container
#11 start container p-web-1 after #5,#7,#8,#9,#10: no existing container
"
    );
}

#[test]
fn up_to_date_project_changes_nothing() {
    let project = project(CHAIN);
    let mut init = container(&project, "init", 1);
    init.state = ContainerState::Exited;
    init.exit_code = Some(0);
    let state = observed(vec![
        container(&project, "cache", 1),
        container(&project, "db", 1),
        init,
        container(&project, "web", 1),
    ]);
    let plan = reconcile_up(&desired(&project), &state, &UpOptions::default()).unwrap();
    assert!(!plan.changes_anything(), "{plan}");
    assert_eq!(
        plan.to_string(),
        "\
#1 keep container p-cache-1 (running): up to date
#2 keep container p-db-1 (running): up to date
#3 keep container p-init-1 (stopped): completed successfully, unchanged
#4 wait for db healthy before web after #2: depends_on condition
#5 wait for init completed successfully before web after #3: depends_on condition
#6 keep container p-web-1 (running) after #2,#3,#4,#5: up to date
"
    );
}

#[test]
fn a_changed_service_is_recreated_through_a_temporary_name() {
    let project = project(
        "
services:
  db: {image: busybox, command: [sleep, '2']}
  web: {image: busybox, depends_on: {db: {condition: service_started, restart: true}}}
  other: {image: busybox}
",
    );
    let mut db = container(&project, "db", 1);
    db.config_hash = Some("stale".to_owned());
    db.mounts = vec![ObservedMount {
        kind: "volume".to_owned(),
        name: Some("a".repeat(64)),
        source: String::new(),
        destination: "/anon".to_owned(),
    }];
    let state = observed(vec![
        db,
        container(&project, "other", 1),
        container(&project, "web", 1),
    ]);
    assert_eq!(
        up(&project, &state, &UpOptions::default()),
        "\
#1 create container db1012345678_p-db-1 to replace p-db-1 keeping volumes /anon: config hash changed
#2 stop container p-db-1 after #1: replaced
#3 remove container p-db-1 after #2: replaced
#4 rename container db1012345678_p-db-1 to p-db-1 after #3: replaced
#5 start container p-db-1 after #4: config hash changed
#6 keep container p-other-1 (running): up to date
#7 restart container p-web-1 after #5: dependency db was recreated
"
    );
    let renewed = UpOptions {
        anonymous_volumes: AnonymousVolumePolicy::Renew,
        ..UpOptions::default()
    };
    assert!(
        up(&project, &state, &renewed)
            .starts_with("#1 create container db1012345678_p-db-1 to replace p-db-1: config")
    );
}

#[test]
fn image_change_and_policies() {
    let project = project("services: {web: {image: busybox}}");
    let mut web = container(&project, "web", 1);
    web.image_label = Some("sha256:old".to_owned());
    let state = observed(vec![web]);
    assert!(up(&project, &state, &UpOptions::default()).contains(": image changed"));
    let never = UpOptions {
        recreate: RecreatePolicy::Never,
        ..UpOptions::default()
    };
    assert_eq!(
        up(&project, &state, &never),
        "#1 keep container p-web-1 (running): up to date\n"
    );
    let fresh = observed(vec![container(&project, "web", 1)]);
    let force = UpOptions {
        recreate: RecreatePolicy::Force,
        ..UpOptions::default()
    };
    assert!(up(&project, &fresh, &force).contains(": recreation forced"));
}

#[test]
fn scale_down_removes_the_highest_numbers_and_scale_up_continues_numbering() {
    let project = project("services: {web: {image: busybox, scale: 2}}");
    let state = observed(vec![
        container(&project, "web", 1),
        container(&project, "web", 2),
        container(&project, "web", 3),
    ]);
    assert_eq!(
        up(&project, &state, &UpOptions::default()),
        "\
#1 stop container p-web-3: scale down
#2 remove container p-web-3 after #1: scale down
#3 keep container p-web-1 (running): up to date
#4 keep container p-web-2 (running): up to date
"
    );
    let more = UpOptions {
        scale: BTreeMap::from([("web".to_owned(), 4)]),
        ..UpOptions::default()
    };
    let text = up(&project, &state, &more);
    assert!(
        text.ends_with(
            "#4 create container p-web-4: scale up\n#5 start container p-web-4 after #4: scale up\n"
        ),
        "{text}"
    );
}

#[test]
fn stopped_containers_start_and_no_start_keeps_them() {
    let project = project("services: {web: {image: busybox}}");
    let mut web = container(&project, "web", 1);
    web.state = ContainerState::Exited;
    web.exit_code = Some(137);
    let state = observed(vec![web]);
    assert_eq!(
        up(&project, &state, &UpOptions::default()),
        "#1 start container p-web-1: not running\n"
    );
    let create_only = UpOptions {
        start: StartPolicy::NoStart,
        ..UpOptions::default()
    };
    assert_eq!(
        up(&project, &state, &create_only),
        "#1 keep container p-web-1 (stopped): up to date\n"
    );
}

#[test]
fn orphans_are_listed_or_removed() {
    let project = project("services: {web: {image: busybox}}");
    let mut old = container(&project, "old", 1);
    old.config_hash = None;
    let state = observed(vec![old, container(&project, "web", 1)]);
    let plan = reconcile_up(&desired(&project), &state, &UpOptions::default()).unwrap();
    assert_eq!(plan.orphans, ["p-old-1"]);
    let remove = UpOptions {
        orphans: OrphanPolicy::Remove,
        ..UpOptions::default()
    };
    assert_eq!(
        up(&project, &state, &remove),
        "\
#1 keep container p-web-1 (running): up to date
#2 stop container p-old-1: orphan
#3 remove container p-old-1 after #2: orphan
"
    );
}

#[test]
fn named_services_bring_their_dependencies_unless_no_deps() {
    let project = project(CHAIN);
    let empty = observed(Vec::new());
    let only_web = UpOptions {
        services: vec!["web".to_owned()],
        ..UpOptions::default()
    };
    let text = up(&project, &empty, &only_web);
    assert!(text.contains("create container p-db-1"));
    assert!(!text.contains("p-cache-1"));
    let no_deps = UpOptions {
        services: vec!["web".to_owned()],
        dependencies: DependencyPolicy::Exclude,
        ..UpOptions::default()
    };
    assert_eq!(
        up(&project, &empty, &no_deps),
        "\
#1 create container p-web-1: no existing container
#2 start container p-web-1 after #1: no existing container
"
    );
    let unknown = UpOptions {
        services: vec!["nope".to_owned()],
        ..UpOptions::default()
    };
    let error = reconcile_up(&desired(&project), &empty, &unknown).unwrap_err();
    assert_eq!(error.to_string(), "no such service: nope");
}

#[test]
fn network_disconnected_container_is_recreated() {
    let project = project("services: {web: {image: busybox}}");
    let mut web = container(&project, "web", 1);
    web.networks = BTreeMap::from([("bridge".to_owned(), "b".to_owned())]);
    let text = up(&project, &observed(vec![web]), &UpOptions::default());
    assert!(
        text.contains(": not connected to network p_default"),
        "{text}"
    );
}

#[test]
fn a_container_in_the_network_namespace_of_a_recreated_one_is_recreated_too() {
    // The loader's implicit `depends_on` (restart: true) for `service:db` must not turn
    // the recreation into a restart: the old namespace is gone.
    let project = project(
        "
services:
  db: {image: busybox}
  sidecar: {image: busybox, network_mode: 'service:db'}
",
    );
    let mut db = container(&project, "db", 1);
    db.config_hash = Some("stale".to_owned());
    let text = up(
        &project,
        &observed(vec![db, container(&project, "sidecar", 1)]),
        &UpOptions::default(),
    );
    assert!(
        text.contains("#6 create container sidecar10123_p-sidecar-1 to replace p-sidecar-1 after #4: dependency db was recreated"),
        "{text}"
    );
}

#[test]
fn volumes_are_created_once_and_external_ones_are_left_to_the_checks() {
    let project = project(
        "
services:
  web: {image: busybox, volumes: [data:/data, outside:/outside]}
volumes:
  data: {}
  outside: {external: true}
",
    );
    let text = up(&project, &observed(Vec::new()), &UpOptions::default());
    assert_eq!(
        text,
        "\
#1 create volume p_data: volume missing
#2 create container p-web-1 after #1: no existing container
#3 start container p-web-1 after #2: no existing container
"
    );
}

#[test]
fn down_goes_in_reverse_dependency_order_then_networks_and_volumes() {
    let project = project(
        "
services:
  db: {image: busybox, volumes: [data:/data]}
  web: {image: busybox, depends_on: [db]}
volumes:
  data: {}
",
    );
    let mut state = observed(vec![
        container(&project, "db", 1),
        container(&project, "web", 1),
        container(&project, "gone", 1),
    ]);
    state.volumes = vec![ObservedVolume {
        name: "p_data".to_owned(),
        driver: "local".to_owned(),
        labels: BTreeMap::new(),
    }];
    let options = DownOptions {
        volumes: VolumeRemoval::Remove,
        remove_orphans: true,
        images: ImageRemoval::All,
        ..DownOptions::default()
    };
    let plan = reconcile_down(Some(&project), &state, &options).unwrap();
    assert_eq!(
        plan.to_string(),
        "\
#1 stop container p-web-1: project down
#2 remove container p-web-1 with its anonymous volumes after #1: project down
#3 stop container p-db-1 after #2: project down
#4 remove container p-db-1 with its anonymous volumes after #3: project down
#5 stop container p-gone-1: orphan
#6 remove container p-gone-1 with its anonymous volumes after #5: orphan
#7 remove network p_default after #2,#4,#6: project down
#8 remove volume p_data after #2,#4,#6: -v
#9 remove image busybox after #2,#4,#6: --rmi all
"
    );
    let without_file = reconcile_down(None, &state, &DownOptions::default()).unwrap();
    assert_eq!(
        without_file.to_string(),
        "\
#1 stop container p-db-1: project down
#2 remove container p-db-1 after #1: project down
#3 stop container p-web-1: project down
#4 remove container p-web-1 after #3: project down
#5 stop container p-gone-1: project down
#6 remove container p-gone-1 after #5: project down
#7 remove network p_default after #2,#4,#6: project down
"
    );
}

/// A network as `up` labels it: project, key and config hash.
fn labelled_network(name: &str, id: &str, key: &str, config_hash: &str) -> ObservedNetwork {
    let mut network = network(name, id);
    network.labels = BTreeMap::from([
        ("com.docker.compose.project".to_owned(), "p".to_owned()),
        ("com.docker.compose.network".to_owned(), key.to_owned()),
        (
            "com.docker.compose.config-hash".to_owned(),
            config_hash.to_owned(),
        ),
    ]);
    network
}

const TWO_NETWORKS: &str = "
services:
  web: {image: busybox, networks: [back]}
  api: {image: busybox, networks: [back, default], depends_on: [web]}
  other: {image: busybox}
networks:
  back:
    labels: {tier: two}
";

#[test]
fn a_network_whose_config_changed_is_recreated_and_its_containers_reconnected() {
    let project = project(TWO_NETWORKS);
    let on_back = |service: &str| {
        let mut container = container(&project, service, 1);
        container.networks = BTreeMap::from([("p_back".to_owned(), "net2".to_owned())]);
        container
    };
    let mut api = on_back("api");
    api.networks
        .insert("p_default".to_owned(), "net1".to_owned());
    let mut state = observed(vec![api, container(&project, "other", 1), on_back("web")]);
    let back_hash = hash::network_hash(&project.networks["back"]);
    state.networks[0] = labelled_network("p_default", "net1", "default", "");
    state
        .networks
        .push(labelled_network("p_back", "net2", "back", "stale"));
    assert_eq!(
        up(&project, &state, &UpOptions::default()),
        "\
#1 stop container p-api-1: network config changed
#2 disconnect container p-api-1 from network p_back after #1: network config changed
#3 stop container p-web-1: network config changed
#4 disconnect container p-web-1 from network p_back after #3: network config changed
#5 remove network p_back after #2,#4: network config changed
#6 create network p_back after #5: network config changed
#7 keep container p-other-1 (running): up to date
#8 connect container p-web-1 to network p_back after #6: network config changed
#9 start container p-web-1 after #8: network p_back recreated
#10 connect container p-api-1 to network p_back after #6: network config changed
#11 start container p-api-1 after #9,#10: network p_back recreated
"
    );
    // `start` leaves networks as they are.
    let leave = UpOptions {
        networks: NetworkPolicy::Leave,
        ..UpOptions::default()
    };
    let plan = reconcile_up(&desired(&project), &state, &leave).unwrap();
    assert!(!plan.changes_anything(), "{plan}");
    // The same hash (or none, as older tools wrote) changes nothing.
    for label in [back_hash.as_str(), ""] {
        state.networks[1] = labelled_network("p_back", "net2", "back", label);
        let plan = reconcile_up(&desired(&project), &state, &UpOptions::default()).unwrap();
        assert!(!plan.changes_anything(), "{plan}");
    }
}

#[test]
fn a_recreated_container_on_a_changed_network_is_not_reconnected() {
    let project = project(TWO_NETWORKS);
    let mut web = container(&project, "web", 1);
    web.networks = BTreeMap::from([("p_back".to_owned(), "net2".to_owned())]);
    web.config_hash = Some("stale".to_owned());
    let mut state = observed(vec![web]);
    state
        .networks
        .push(labelled_network("p_back", "net2", "back", "stale"));
    let options = UpOptions {
        services: vec!["web".to_owned()],
        ..UpOptions::default()
    };
    assert_eq!(
        up(&project, &state, &options),
        "\
#1 stop container p-web-1: network config changed
#2 disconnect container p-web-1 from network p_back after #1: network config changed
#3 remove network p_back after #2: network config changed
#4 create network p_back after #3: network config changed
#5 create container web101234567_p-web-1 to replace p-web-1 after #4: config hash changed
#6 stop container p-web-1 after #5: replaced
#7 remove container p-web-1 after #6: replaced
#8 rename container web101234567_p-web-1 to p-web-1 after #7: replaced
#9 start container p-web-1 after #8: config hash changed
"
    );
}

#[test]
fn same_name_resources_not_made_by_compose() {
    let project = project(
        "services:\n  web: {image: busybox, volumes: [data:/data]}\nvolumes:\n  data: {}\n",
    );
    let mut state = ObservedProject {
        name: "p".to_owned(),
        ..ObservedProject::default()
    };
    // A network made by hand under the project's name: refused, as the reference does.
    state.foreign_networks = vec![network("p_default", "hand")];
    let error = reconcile_up(&desired(&project), &state, &UpOptions::default()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "network p_default was found but has incorrect label com.docker.compose.network set to \"\" (expected: \"default\")"
    );
    assert_eq!(
        error.warnings(),
        [
            "a network with name p_default exists but was not created by compose.\nSet `external: true` to use an existing network"
        ]
    );
    // Made by another project for the same key: used, with a warning. A volume of the
    // project's name made by hand: used, with a warning.
    let mut other = network("p_default", "other");
    other.labels = BTreeMap::from([
        ("com.docker.compose.project".to_owned(), "q".to_owned()),
        (
            "com.docker.compose.network".to_owned(),
            "default".to_owned(),
        ),
    ]);
    state.foreign_networks = vec![other];
    state.foreign_volumes = vec![ObservedVolume {
        name: "p_data".to_owned(),
        driver: "local".to_owned(),
        labels: BTreeMap::new(),
    }];
    assert_eq!(
        up(&project, &state, &UpOptions::default()),
        "\
#1 create container p-web-1: no existing container
#2 start container p-web-1 after #1: no existing container
warning: a network with name p_default exists but was not created for project \"p\". Set `external: true` to use an existing network
warning: volume \"p_data\" already exists but was not created by Docker Compose. Use `external: true` to use an existing volume
"
    );
}

/// The project's volume `p_data` as the engine holds it, with this config hash.
fn data_volume(config_hash: &str) -> ObservedVolume {
    ObservedVolume {
        name: "p_data".to_owned(),
        driver: "local".to_owned(),
        labels: BTreeMap::from([
            (
                "com.docker.compose.config-hash".to_owned(),
                config_hash.to_owned(),
            ),
            ("com.docker.compose.project".to_owned(), "p".to_owned()),
            ("com.docker.compose.volume".to_owned(), "data".to_owned()),
        ]),
    }
}

/// `container` with the volume `p_data` mounted at `/data`.
fn mounting_data(mut container: ObservedContainer) -> ObservedContainer {
    container.mounts = vec![ObservedMount {
        kind: "volume".to_owned(),
        name: Some("p_data".to_owned()),
        source: "/var/lib/docker/volumes/p_data/_data".to_owned(),
        destination: "/data".to_owned(),
    }];
    container
}

const VOLUME_USERS: &str = "
services:
  db: {image: busybox, volumes: [data:/data], scale: 2}
  web: {image: busybox, depends_on: [db]}
  sidecar: {image: busybox, network_mode: 'service:db'}
volumes:
  data:
    labels: {tier: two}
";

fn volume_users_state(project: &Project) -> ObservedProject {
    let mut stopped = mounting_data(container(project, "db", 2));
    stopped.state = ContainerState::Exited;
    stopped.exit_code = Some(0);
    let mut state = observed(vec![
        mounting_data(container(project, "db", 1)),
        stopped,
        container(project, "sidecar", 1),
        container(project, "web", 1),
    ]);
    state.volumes = vec![data_volume("stale")];
    state
}

#[test]
fn a_volume_whose_config_changed_is_kept_when_the_answer_is_no() {
    let project = project(VOLUME_USERS);
    let state = volume_users_state(&project);
    let diverged =
        dk_compose::plan::diverged_volumes(&project, &state, &UpOptions::default()).unwrap();
    assert_eq!(
        diverged,
        [DivergedVolume {
            key: "data".to_owned(),
            name: "p_data".to_owned()
        }]
    );
    // No answer, or no: used as it is, nothing touched, nothing more said.
    assert_eq!(
        up(&project, &state, &UpOptions::default()),
        "\
#1 keep container p-db-1 (running): up to date
#2 start container p-db-2: not running
#3 keep container p-sidecar-1 (running) after #1,#2: up to date
#4 keep container p-web-1 (running) after #1,#2: up to date
"
    );
    // Once recreated with the new hash, nothing to ask.
    let mut converged = state.clone();
    converged.volumes = vec![data_volume(&hash::volume_hash(&project.volumes["data"]))];
    assert!(
        dk_compose::plan::diverged_volumes(&project, &converged, &UpOptions::default())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_volume_whose_config_changed_is_recreated_with_its_containers_when_the_answer_is_yes() {
    let project = project(VOLUME_USERS);
    let state = volume_users_state(&project);
    let options = UpOptions {
        recreate_volumes: ["data".to_owned()].into(),
        ..UpOptions::default()
    };
    // The containers that mount it go (running or not), then the volume, which comes back
    // before them; a dependent sharing a namespace follows, one that only depends stays.
    assert_eq!(
        up(&project, &state, &options),
        "\
#1 stop container p-db-1: volume config changed
#2 remove container p-db-1 after #1: volume config changed
#3 remove container p-db-2: volume config changed
#4 remove volume p_data after #2,#3: volume config changed
#5 create volume p_data after #4: volume config changed
#6 create container p-db-1 after #2,#3,#5: volume config changed
#7 start container p-db-1 after #6: volume config changed
#8 create container p-db-2 after #2,#3,#5: volume config changed
#9 start container p-db-2 after #8: volume config changed
#10 create container sidecar10123_p-sidecar-1 to replace p-sidecar-1 after #6,#8: dependency db was recreated
#11 stop container p-sidecar-1 after #10: replaced
#12 remove container p-sidecar-1 after #11: replaced
#13 rename container sidecar10123_p-sidecar-1 to p-sidecar-1 after #12: replaced
#14 start container p-sidecar-1 after #7,#9,#13: dependency db was recreated
#15 keep container p-web-1 (running) after #7,#9: up to date
"
    );
    // `create`: the same, nothing started.
    let created = up(
        &project,
        &state,
        &UpOptions {
            start: StartPolicy::NoStart,
            ..options.clone()
        },
    );
    assert!(
        created.contains("#6 create container p-db-1 after #2,#3,#5: volume config changed")
            && !created.contains("start container p-db"),
        "{created}"
    );
    // A volume the user said yes to that has not changed is left alone.
    let mut converged = state.clone();
    converged.volumes = vec![data_volume(&hash::volume_hash(&project.volumes["data"]))];
    assert!(!up(&project, &converged, &options).contains("volume"));
}

#[test]
fn a_volume_to_recreate_that_a_container_left_out_mounts_is_refused() {
    let project = project(
        "
services:
  db: {image: busybox, volumes: [data:/data]}
  backup: {image: busybox, volumes: [data:/backup]}
volumes:
  data: {}
",
    );
    let mut state = observed(vec![
        mounting_data(container(&project, "backup", 1)),
        mounting_data(container(&project, "db", 1)),
    ]);
    state.volumes = vec![data_volume("stale")];
    let options = UpOptions {
        services: vec!["db".to_owned()],
        recreate_volumes: ["data".to_owned()].into(),
        ..UpOptions::default()
    };
    // `up db`: backup is not part of it and would keep the volume busy.
    let error = reconcile_up(&desired(&project), &state, &options).unwrap_err();
    assert_eq!(
        error.to_string(),
        "volume \"p_data\" cannot be recreated: container p-backup-1 uses it and is not part of this operation"
    );
    // A one-off container likewise; an orphan too, unless `--remove-orphans` removes it.
    let mut oneoff = mounting_data(container(&project, "db", 1));
    oneoff.name = "p-db-run-0123".to_owned();
    oneoff.oneoff = true;
    let mut orphan = mounting_data(container(&project, "gone", 1));
    orphan.service = "gone".to_owned();
    for (intruder, name) in [(oneoff, "p-db-run-0123"), (orphan.clone(), "p-gone-1")] {
        let mut state = observed(vec![mounting_data(container(&project, "db", 1)), intruder]);
        state.volumes = vec![data_volume("stale")];
        let options = UpOptions {
            recreate_volumes: ["data".to_owned()].into(),
            ..UpOptions::default()
        };
        let error = reconcile_up(&desired(&project), &state, &options).unwrap_err();
        assert!(error.to_string().contains(name), "{error}");
    }
    let mut state = observed(vec![mounting_data(container(&project, "db", 1)), orphan]);
    state.volumes = vec![data_volume("stale")];
    let text = up(
        &project,
        &state,
        &UpOptions {
            recreate_volumes: ["data".to_owned()].into(),
            orphans: OrphanPolicy::Remove,
            ..UpOptions::default()
        },
    );
    assert!(
        text.contains("#4 remove container p-gone-1 after #3: volume config changed")
            && text.contains("#5 remove volume p_data after #2,#4: volume config changed")
            && !text.contains("orphan"),
        "{text}"
    );
}

#[test]
fn run_recreates_a_volume_removing_the_service_containers_that_mount_it() {
    let project = project(VOLUME_USERS);
    let state = volume_users_state(&project);
    let volumes =
        dk_compose::plan::diverged_volumes(&project, &state, &UpOptions::default()).unwrap();
    let plan = reconcile_volume_recreation(&project, &state, &volumes).unwrap();
    assert_eq!(
        plan.to_string(),
        "\
#1 stop container p-db-1: volume config changed
#2 remove container p-db-1 after #1: volume config changed
#3 remove container p-db-2: volume config changed
#4 remove volume p_data after #2,#3: volume config changed
#5 create volume p_data after #4: volume config changed
"
    );
    let mut running_oneoff = mounting_data(container(&project, "db", 1));
    running_oneoff.name = "p-db-run-0123".to_owned();
    running_oneoff.oneoff = true;
    let mut state = state;
    state.containers.push(running_oneoff);
    let error = reconcile_volume_recreation(&project, &state, &volumes).unwrap_err();
    assert!(error.to_string().contains("p-db-run-0123"), "{error}");
}

#[test]
fn wait_waits_for_init_containers_to_complete_and_the_others_to_run() {
    let project = project(CHAIN);
    let state = observed(vec![
        container(&project, "cache", 1),
        container(&project, "db", 1),
        container(&project, "init", 1),
        container(&project, "web", 1),
    ]);
    let services = project.services.keys().cloned().collect();
    assert_eq!(
        dk_compose::plan::reconcile::wait_plan(&project, &state, &services).to_string(),
        "\
#1 wait for cache running or healthy before cache: --wait
#2 wait for db running or healthy before db: --wait
#3 wait for init completed successfully before init: --wait
#4 wait for web running or healthy before web: --wait
"
    );
}

#[test]
fn attached_up_creates_everything_before_it_starts_anything() {
    let project = project(CHAIN);
    let mut init = container(&project, "init", 1);
    init.state = ContainerState::Exited;
    init.exit_code = Some(0);
    let mut db = container(&project, "db", 1);
    db.config_hash = Some("old".to_owned());
    let state = observed(vec![init, db]);
    let plan = reconcile_up(&desired(&project), &state, &UpOptions::default()).unwrap();
    let (create, start) = plan.split_start();
    assert_eq!(
        create.to_string(),
        "\
#1 create container p-cache-1: no existing container
#2 create container db1012345678_p-db-1 to replace p-db-1: config hash changed
#3 stop container p-db-1 after #2: replaced
#4 remove container p-db-1 after #3: replaced
#5 rename container db1012345678_p-db-1 to p-db-1 after #4: replaced
#6 create container p-web-1 after #5: no existing container
"
    );
    assert_eq!(
        start.to_string(),
        "\
#1 start container p-cache-1: no existing container
#2 start container p-db-1: config hash changed
#3 keep container p-init-1 (stopped): completed successfully, unchanged
#4 wait for db healthy before web after #2: depends_on condition
#5 wait for init completed successfully before web after #3: depends_on condition
#6 start container p-web-1 after #2,#3,#4,#5: no existing container
"
    );
    assert_eq!(start.kept_stopped(), ["p-init-1"]);
    assert_eq!(create.steps.len() + start.steps.len(), plan.steps.len());
}

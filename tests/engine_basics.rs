//! Real-daemon tests of the engine groundwork: connecting and negotiating the API, the
//! unreachable-engine error, observing a hand-made project, events and condition waits,
//! and the test guard's cleanup. Each test uses its own project name.

mod support;

use std::time::{Duration, SystemTime};

use dk_compose::engine::{
    ApiVersion, Condition, ContainerAction, ContainerScope, Engine, EngineError, WaitFailure,
    connect, connect_to, resolve_host,
};
use dk_compose::plan::observed::{ContainerState, HealthStatus};
use futures_util::StreamExt;
use support::{BUSYBOX_IMAGE, ProjectGuard, docker, engine_available, ensure_test_images};

const WAIT_LIMIT: Option<Duration> = Some(Duration::from_secs(60));

async fn engine() -> Engine {
    connect(None).await.expect("the engine answers")
}

/// `docker run -d` a busybox container with the compose labels of `project`/`service`.
fn run_labelled(
    guard: &ProjectGuard,
    service: &str,
    number: u32,
    extra: &[&str],
    command: &[&str],
) -> String {
    let name = format!("{}-{service}-{number}", guard.name);
    let project_label = guard.label();
    let service_label = format!("com.docker.compose.service={service}");
    let number_label = format!("com.docker.compose.container-number={number}");
    let mut arguments = vec![
        "run",
        "-d",
        "--name",
        &name,
        "--label",
        &project_label,
        "--label",
        &service_label,
        "--label",
        &number_label,
        "--label",
        "com.docker.compose.oneoff=False",
        "--label",
        "com.docker.compose.config-hash=0123abcd",
        "--label",
        "com.docker.compose.project.config_files=/tmp/compose.yaml",
    ];
    arguments.extend_from_slice(extra);
    arguments.push(BUSYBOX_IMAGE);
    arguments.extend_from_slice(command);
    docker(&arguments)
}

#[tokio::test]
async fn connect_negotiates_the_engine_api_version() {
    if !engine_available() {
        return;
    }
    let engine = engine().await;
    let reported = docker(&["version", "--format", "{{.Server.APIVersion}}"]);
    let server = ApiVersion::parse(&reported).expect("an API version");
    // Ours is newer than the 20.10 engine's 1.41, so we speak the engine's version.
    assert!(engine.api_version() <= server);
    assert_eq!(engine.api_version(), server.min(engine.api_version()));
    assert!(!engine.server_version().is_empty());
    let expected_address = std::env::var("DOCKER_HOST")
        .ok()
        .filter(|host| !host.is_empty())
        .unwrap_or_else(|| "unix:///var/run/docker.sock".to_owned());
    assert_eq!(engine.address(), expected_address);
    // Calls work at the negotiated version.
    engine
        .observe_project("dkt-nothing-here")
        .await
        .expect("an empty project observes fine");
}

#[tokio::test]
async fn unreachable_engine_is_one_clear_error() {
    let error = connect(Some("unix:///nonexistent.sock"))
        .await
        .expect_err("no engine there");
    assert_eq!(
        error.to_string(),
        "cannot connect to the Docker engine at unix:///nonexistent.sock: no such file or directory"
    );
    assert!(error.hint().expect("a hint").contains("DOCKER_HOST"));

    // The same through DOCKER_HOST.
    let settings = resolve_host(None, &|name| {
        (name == "DOCKER_HOST").then(|| "unix:///nonexistent.sock".to_owned())
    })
    .expect("a valid address");
    let error = connect_to(&settings).await.expect_err("no engine there");
    assert!(matches!(error, EngineError::Unreachable { .. }));

    // A TCP port nobody listens on.
    let error = connect(Some("tcp://127.0.0.1:1"))
        .await
        .expect_err("no engine there");
    assert_eq!(
        error.to_string(),
        "cannot connect to the Docker engine at tcp://127.0.0.1:1: connection refused"
    );
}

#[tokio::test]
async fn observe_sees_a_hand_made_project() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let guard = ProjectGuard::unique("observe");
    let project_label = guard.label();
    let network_name = format!("{}_default", guard.name);
    let volume_name = format!("{}_data", guard.name);
    docker(&[
        "network",
        "create",
        "--label",
        &project_label,
        "--label",
        "com.docker.compose.network=default",
        &network_name,
    ]);
    docker(&[
        "volume",
        "create",
        "--label",
        &project_label,
        "--label",
        "com.docker.compose.volume=data",
        &volume_name,
    ]);
    let volume_mount = format!("{volume_name}:/data");
    let web_id = run_labelled(
        &guard,
        "web",
        1,
        &[
            "--network",
            &network_name,
            "-v",
            &volume_mount,
            "--label",
            "com.docker.compose.image=sha256:feed",
        ],
        &[],
    );
    let job_id = run_labelled(&guard, "job", 1, &[], &["sh", "-c", "exit 3"]);
    assert_eq!(docker(&["wait", &job_id]), "3");

    let engine = engine().await;
    let observed = engine
        .observe_project(&guard.name)
        .await
        .expect("observe works");
    assert_eq!(observed.name, guard.name);
    assert_eq!(observed.service_names(), ["job", "web"]);

    let job = &observed.containers[0];
    assert_eq!(job.id, job_id);
    assert_eq!(job.name, format!("{}-job-1", guard.name));
    assert_eq!(job.state, ContainerState::Exited);
    assert_eq!(job.exit_code, Some(3));
    assert!(!job.is_running());

    let web = &observed.containers[1];
    assert_eq!(web.id, web_id);
    assert_eq!(web.service, "web");
    assert_eq!(web.number, Some(1));
    assert!(!web.oneoff);
    assert_eq!(web.state, ContainerState::Running);
    assert_eq!(web.health, None);
    assert_eq!(web.exit_code, None);
    assert_eq!(web.config_hash.as_deref(), Some("0123abcd"));
    assert_eq!(web.image_label.as_deref(), Some("sha256:feed"));
    assert_eq!(web.image, BUSYBOX_IMAGE);
    assert_eq!(
        web.image_id,
        docker(&["image", "inspect", "--format", "{{.Id}}", BUSYBOX_IMAGE])
    );
    let network_id = docker(&["network", "inspect", "--format", "{{.Id}}", &network_name]);
    assert_eq!(
        web.networks.get(&network_name).map(String::as_str),
        Some(network_id.as_str())
    );
    assert_eq!(web.mounts.len(), 1);
    assert_eq!(web.mounts[0].name.as_deref(), Some(volume_name.as_str()));
    assert_eq!(web.mounts[0].destination, "/data");
    assert_eq!(
        web.label("com.docker.compose.project"),
        Some(guard.name.as_str())
    );
    assert!(web.created > 0);

    assert_eq!(observed.networks.len(), 1);
    let network = observed.network(&network_name).expect("the network");
    assert_eq!(network.id, network_id);
    assert_eq!(network.label("com.docker.compose.network"), Some("default"));
    assert_eq!(observed.volumes.len(), 1);
    let volume = observed.volume(&volume_name).expect("the volume");
    assert_eq!(volume.driver, "local");
    assert_eq!(volume.label("com.docker.compose.volume"), Some("data"));

    // Only running containers when asked.
    let running = engine
        .project_containers(&guard.name, ContainerScope::Running)
        .await
        .expect("listing works");
    assert_eq!(running.len(), 1);

    // `ls` sees the project with the reference's status text.
    let projects = engine
        .list_projects(ContainerScope::All)
        .await
        .expect("listing works");
    let summary = projects
        .iter()
        .find(|project| project.name == guard.name)
        .expect("our project is listed");
    assert_eq!(summary.status_text(), "exited(1), running(1)");
    assert_eq!(summary.config_files_text(), "/tmp/compose.yaml");
    let running_projects = engine
        .list_projects(ContainerScope::Running)
        .await
        .expect("listing works");
    let summary = running_projects
        .iter()
        .find(|project| project.name == guard.name)
        .expect("our project runs");
    assert_eq!(summary.status_text(), "running(1)");
}

#[tokio::test]
async fn wait_for_healthy_follows_the_healthcheck() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let guard = ProjectGuard::unique("healthy");
    let container_id = run_labelled(
        &guard,
        "db",
        1,
        &[
            "--health-cmd",
            "test -f /tmp/ready",
            "--health-interval",
            "200ms",
            "--health-retries",
            "50",
        ],
        &[
            "sh",
            "-c",
            "trap 'exit 0' TERM; sleep 1; touch /tmp/ready; sleep 1000 & wait",
        ],
    );
    let engine = engine().await;
    let status = engine
        .wait_for(&container_id, Condition::Healthy, WAIT_LIMIT)
        .await
        .expect("the container becomes healthy");
    assert_eq!(status.health, Some(HealthStatus::Healthy));
    // The snapshot reads health from the listing too (the status text on API 1.41).
    let observed = engine
        .observe_project(&guard.name)
        .await
        .expect("observe works");
    assert_eq!(observed.containers[0].health, Some(HealthStatus::Healthy));
    // Already healthy: returns at once, by name too.
    let name = format!("{}-db-1", guard.name);
    engine
        .wait_for(&name, Condition::Healthy, WAIT_LIMIT)
        .await
        .expect("still healthy");
    engine
        .wait_for(&name, Condition::Running, WAIT_LIMIT)
        .await
        .expect("running");
}

#[tokio::test]
async fn wait_for_healthy_reports_the_failing_check() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let guard = ProjectGuard::unique("unhealthy");
    let container_id = run_labelled(
        &guard,
        "db",
        1,
        &[
            "--health-cmd",
            "echo database not ready; exit 1",
            "--health-interval",
            "100ms",
            "--health-retries",
            "2",
        ],
        &[],
    );
    let engine = engine().await;
    let error = engine
        .wait_for(&container_id, Condition::Healthy, WAIT_LIMIT)
        .await
        .expect_err("the check fails");
    assert_eq!(
        error.to_string(),
        format!(
            "container `{}-db-1` is unhealthy: database not ready",
            guard.name
        )
    );

    // Waiting for healthy without a healthcheck fails at once.
    let plain_id = run_labelled(&guard, "cache", 1, &[], &[]);
    let error = engine
        .wait_for(&plain_id, Condition::Healthy, WAIT_LIMIT)
        .await
        .expect_err("nothing to wait for");
    assert!(matches!(
        error,
        EngineError::WaitFailed {
            failure: WaitFailure::NoHealthcheck,
            ..
        }
    ));
}

#[tokio::test]
async fn wait_for_exit_reports_the_exit_code() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let guard = ProjectGuard::unique("exit");
    let engine = engine().await;
    let succeeding = run_labelled(&guard, "migrate", 1, &[], &["sh", "-c", "sleep 1; exit 0"]);
    let failing = run_labelled(&guard, "seed", 1, &[], &["sh", "-c", "sleep 1; exit 3"]);
    let status = engine
        .wait_for(&succeeding, Condition::ExitedSuccessfully, WAIT_LIMIT)
        .await
        .expect("exits with 0");
    assert_eq!(status.exit_code, Some(0));
    let error = engine
        .wait_for(&failing, Condition::ExitedSuccessfully, WAIT_LIMIT)
        .await
        .expect_err("exits with 3");
    assert_eq!(
        error.to_string(),
        format!("container `{}-seed-1` exited with code 3", guard.name)
    );
    // Waiting for a container that already exited decides from its state alone.
    let error = engine
        .wait_for(&failing, Condition::Running, WAIT_LIMIT)
        .await
        .expect_err("it is not running");
    assert!(error.to_string().ends_with("exited with code 3"));
    // An unknown container is a 404 naming it.
    let error = engine
        .wait_for("dkt-no-such-container", Condition::Running, WAIT_LIMIT)
        .await
        .expect_err("no such container");
    assert!(error.is_not_found());
    assert!(error.to_string().contains("`dkt-no-such-container`"));
}

#[tokio::test]
async fn project_events_carry_start_and_die() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let guard = ProjectGuard::unique("events");
    let engine = engine().await;
    let since = SystemTime::now();
    let container_id = run_labelled(&guard, "once", 1, &[], &["sh", "-c", "exit 7"]);
    let mut events = engine.project_events(&guard.name, Some(since));
    let mut actions = Vec::new();
    let collect = async {
        while let Some(event) = events.next().await {
            let event = event.expect("an event");
            assert_eq!(event.container_id, container_id);
            assert_eq!(event.service.as_deref(), Some("once"));
            assert_eq!(event.container_name, format!("{}-once-1", guard.name));
            let done = matches!(event.action, ContainerAction::Die { .. });
            actions.push(event.action);
            if done {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), collect)
        .await
        .expect("events arrive");
    assert_eq!(
        actions,
        [
            ContainerAction::Create,
            ContainerAction::Start,
            ContainerAction::Die { exit_code: Some(7) }
        ]
    );
}

#[tokio::test]
async fn guard_removes_everything_of_its_project() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let project_name;
    {
        let guard = ProjectGuard::unique("guard");
        project_name = guard.name.clone();
        let project_label = guard.label();
        docker(&[
            "network",
            "create",
            "--label",
            &project_label,
            &format!("{project_name}_default"),
        ]);
        docker(&[
            "volume",
            "create",
            "--label",
            &project_label,
            &format!("{project_name}_data"),
        ]);
        run_labelled(&guard, "web", 1, &[], &[]);
        run_labelled(&guard, "job", 1, &[], &["true"]);
        let (containers, networks, volumes) = support::project_leftovers(&project_name);
        assert_eq!((containers.len(), networks.len(), volumes.len()), (2, 1, 1));
    }
    let leftovers = support::project_leftovers(&project_name);
    assert_eq!(leftovers, (Vec::new(), Vec::new(), Vec::new()));
}

#[tokio::test]
async fn tls_without_certificates_names_the_missing_file() {
    let settings = resolve_host(None, &|name| match name {
        "DOCKER_HOST" => Some("tcp://localhost:2376".to_owned()),
        "DOCKER_TLS_VERIFY" => Some("1".to_owned()),
        "DOCKER_CERT_PATH" => Some("/nonexistent-certificates".to_owned()),
        _ => None,
    })
    .expect("a valid address");
    let error = connect_to(&settings).await.expect_err("no certificates");
    assert_eq!(
        error.to_string(),
        "cannot use the TLS certificates for tcp://localhost:2376: cannot read `/nonexistent-certificates/ca.pem`"
    );
    assert!(error.hint().expect("a hint").contains("DOCKER_CERT_PATH"));
}

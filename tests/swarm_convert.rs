//! Pure tests of the compose → Swarm conversion (`stack deploy`): a project goes in, the
//! stack's networks, secrets, configs and service specs come out as text (insta
//! snapshots), with the warnings for ignored keys and the errors for forbidden ones.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dk_compose::loader::{LoadOptions, LoadedProject, load};
use dk_compose::swarm::{self, ConversionErrors, Inputs, Stack};

/// Where the test projects pretend to live (nothing is read from there).
const PROJECT_DIR: &str = "/srv/app";

fn load_yaml(yaml: &str, stack: &str, os_env: &[(&str, &str)]) -> LoadedProject {
    let options = LoadOptions {
        files: vec![PathBuf::from("-")],
        stdin: Some(yaml.to_owned()),
        project_name: Some(stack.to_owned()),
        current_dir: PathBuf::from(PROJECT_DIR),
        os_env: os_env
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect(),
        ..LoadOptions::default()
    };
    match load(&options) {
        Ok(loaded) => loaded,
        Err(error) => panic!("load failed: {error}"),
    }
}

/// Files the conversion may read: `/srv/app/<name>` → its content.
fn fake_files(path: &Path) -> std::io::Result<Vec<u8>> {
    let files = BTreeMap::from([
        ("/srv/app/secret.txt", "s3cr3t\n"),
        ("/srv/app/nginx.conf", "server {}\n"),
    ]);
    files
        .get(path.to_string_lossy().as_ref())
        .map(|content| content.as_bytes().to_vec())
        .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
}

fn convert(loaded: &LoadedProject) -> Result<Stack, ConversionErrors> {
    let inputs = Inputs {
        environment: &loaded.environment,
        read_file: &fake_files,
    };
    swarm::convert(&loaded.project, &loaded.project.name, &inputs)
}

fn convert_yaml(yaml: &str, stack: &str) -> Result<Stack, ConversionErrors> {
    convert(&load_yaml(yaml, stack, &[("API_TOKEN", "t0ken")]))
}

fn stack_text(yaml: &str, stack: &str) -> String {
    match convert_yaml(yaml, stack) {
        Ok(stack) => stack.to_text(),
        Err(errors) => panic!("conversion failed:\n{errors}"),
    }
}

fn errors_text(yaml: &str) -> String {
    match convert_yaml(yaml, "demo") {
        Ok(stack) => panic!("expected errors, got:\n{}", stack.to_text()),
        Err(errors) => errors.to_string(),
    }
}

#[test]
fn a_production_file_becomes_replicated_services_on_overlay_networks() {
    let yaml = r#"
services:
  web:
    image: dk-compose-test/busybox:latest
    entrypoint: ["/bin/sh", "-c"]
    command: ["echo $$GREETING && sleep 3600"]
    environment:
      GREETING: hello
      BARE:
    labels: [com.example.role=frontend]
    hostname: web-host
    user: "1000:1000"
    working_dir: /app
    stop_grace_period: 30s
    stop_signal: SIGINT
    tty: true
    stdin_open: true
    read_only: true
    init: true
    dns: [10.0.0.2]
    dns_search: [example.com]
    extra_hosts: ["db.local:10.0.0.5"]
    cap_add: [net_admin, SYS_TIME]
    cap_drop: [mknod, NET_ADMIN]
    sysctls: {net.core.somaxconn: "1024"}
    ulimits:
      nofile: {soft: 1024, hard: 2048}
      nproc: 512
    group_add: [audio]
    ports:
      - "8080:80"
      - target: 443
        published: "8443"
        protocol: tcp
        mode: host
    volumes:
      - data:/var/lib/data
      - ./static:/srv/static:ro
      - type: tmpfs
        target: /cache
        tmpfs: {size: 64m}
      - /anonymous
    tmpfs: ["/run/scratch:size=1m,mode=1777"]
    secrets:
      - api_key
      - source: token
        target: token.txt
        uid: "101"
        mode: 0400
    configs:
      - source: nginx
        target: /etc/nginx/nginx.conf
    healthcheck:
      test: ["CMD", "wget", "-q", "-O-", "http://localhost/health"]
      interval: 10s
      timeout: 2s
      retries: 3
      start_period: 5s
    logging:
      driver: json-file
      options: {max-size: 10m}
    networks:
      front:
        aliases: [www]
      back: {}
    deploy:
      replicas: 3
      labels: {com.example.tier: web}
      endpoint_mode: vip
      resources:
        limits: {cpus: "0.5", memory: 128M, pids: 100}
        reservations: {cpus: "0.1", memory: 64M}
      restart_policy: {condition: on-failure, delay: 5s, max_attempts: 3, window: 2m}
      placement:
        constraints: [node.role == manager]
        preferences: [{spread: node.labels.zone}]
        max_replicas_per_node: 2
      update_config: {parallelism: 2, delay: 10s, failure_action: rollback, monitor: 30s, max_failure_ratio: 0.25, order: start-first}
      rollback_config: {delay: 1s}
networks:
  front: {}
  back:
    driver_opts: {encrypted: "true"}
    internal: true
    attachable: true
    labels: [com.example.net=back]
    ipam:
      config: [{subnet: 10.20.0.0/24}]
volumes:
  data:
    driver_opts: {type: none}
    labels: {com.example.volume: data}
secrets:
  api_key: {file: ./secret.txt}
  token: {environment: API_TOKEN}
configs:
  nginx: {file: ./nginx.conf, labels: {com.example.config: nginx}}
"#;
    insta::assert_snapshot!(stack_text(yaml, "prod"));
}

#[test]
fn services_without_networks_join_the_stack_default_overlay() {
    let yaml = r"
services:
  app:
    image: busybox
  worker:
    image: busybox
    networks: [outside, default]
networks:
  outside:
    external: true
    name: shared-overlay
";
    insta::assert_snapshot!(stack_text(yaml, "small"));
}

#[test]
fn explicit_names_and_external_objects_are_not_namespaced() {
    let yaml = r"
services:
  app:
    image: busybox
    volumes: [shared:/shared, named:/named]
    secrets: [outside_secret, named_secret]
    networks: [named_net]
volumes:
  shared: {external: true, name: team-shared}
  named: {name: custom-volume}
secrets:
  outside_secret: {external: true, name: existing-secret}
  named_secret: {file: ./secret.txt, name: custom-secret}
networks:
  named_net: {name: custom-net, driver: weave}
";
    insta::assert_snapshot!(stack_text(yaml, "names"));
}

#[test]
fn deploy_modes_map_to_swarm_modes() {
    let yaml = r"
services:
  agent:
    image: busybox
    deploy: {mode: global}
  migrate:
    image: busybox
    deploy: {mode: replicated-job, replicas: 2}
  cleanup:
    image: busybox
    deploy: {mode: global-job}
  default:
    image: busybox
";
    let stack = convert_yaml(yaml, "modes").unwrap();
    let mode = |name: &str| serde_json::to_string(&stack.services[name].mode).unwrap();
    assert_eq!(mode("agent"), r#"{"Global":{}}"#);
    assert_eq!(
        mode("migrate"),
        r#"{"ReplicatedJob":{"MaxConcurrent":2,"TotalCompletions":2}}"#
    );
    assert_eq!(mode("cleanup"), r#"{"GlobalJob":{}}"#);
    assert_eq!(mode("default"), r#"{"Replicated":{}}"#);
}

#[test]
fn restart_is_mapped_when_there_is_no_restart_policy() {
    let policy = |restart: &str| {
        let yaml = format!("services:\n  app:\n    image: busybox\n    restart: {restart}\n");
        let stack = convert_yaml(&yaml, "restart").unwrap();
        serde_json::to_string(&stack.services["app"].task_template.restart_policy).unwrap()
    };
    assert_eq!(policy("always"), r#"{"Condition":"any"}"#);
    assert_eq!(policy("unless-stopped"), r#"{"Condition":"any"}"#);
    assert_eq!(
        policy("on-failure:3"),
        r#"{"Condition":"on-failure","MaxAttempts":3}"#
    );
    assert_eq!(
        policy("on-failure"),
        r#"{"Condition":"on-failure","MaxAttempts":0}"#
    );
    assert_eq!(policy("\"no\""), "null");
    // With `deploy.restart_policy`, `restart` is ignored (and named in the warning).
    let yaml = r"
services:
  app:
    image: busybox
    restart: always
    deploy:
      restart_policy: {condition: none}
";
    let stack = convert_yaml(yaml, "restart").unwrap();
    assert_eq!(
        serde_json::to_string(&stack.services["app"].task_template.restart_policy).unwrap(),
        r#"{"Condition":"none"}"#
    );
    assert_eq!(
        stack.warnings,
        ["ignoring options swarm does not support: `restart` (app)"]
    );
}

#[test]
fn keys_swarm_cannot_honour_are_named_in_one_warning() {
    let yaml = r"
services:
  web:
    image: busybox
    build: .
    privileged: true
    network_mode: host
    links: [db]
    depends_on:
      db:
        condition: service_healthy
    devices: [/dev/fuse]
    security_opt: [no-new-privileges]
    shm_size: 64m
    pull_policy: never
    ports:
      - 127.0.0.1:8080:80
  db:
    image: busybox
    container_name: the-db
    expose: ['5432']
    cpus: 0.5
    pids_limit: 10
    networks:
      default:
        ipv4_address: 172.30.0.10
networks:
  default:
    ipam:
      config: [{subnet: 172.30.0.0/16}]
";
    let stack = convert_yaml(yaml, "legacy").unwrap();
    insta::assert_snapshot!(stack.warnings.join("\n"));
}

#[test]
fn forbidden_keys_and_impossible_settings_fail_before_anything_is_created() {
    let yaml = r"
services:
  web:
    image: busybox
    mem_limit: 64m
    cpu_shares: 512
    volumes_from: [other]
  other:
    image: busybox
    deploy:
      mode: global
      replicas: 2
  nameless:
    build: .
  ranged:
    image: busybox
    ports: ['8000-8001:80']
    secrets: [missing_file, unset_variable]
secrets:
  missing_file: {file: ./nope.txt}
  unset_variable: {environment: NOT_SET_ANYWHERE}
";
    insta::assert_snapshot!(errors_text(yaml));
}

#[test]
fn the_stack_name_from_dotenv_profiles_and_name_is_used() {
    let directory = tempfile::tempdir().unwrap();
    std::fs::write(
        directory.path().join(".env"),
        "TAG=latest\nDEBUG=1\nREPLICAS=2\n",
    )
    .unwrap();
    std::fs::write(
        directory.path().join("compose.yaml"),
        r#"
name: shop
services:
  web:
    image: "dk-compose-test/busybox:${TAG}"
    environment:
      DEBUG_FLAG: "${DEBUG:+--debug}"
      QUIET_FLAG: "${QUIET:+--quiet}"
    depends_on:
      api:
        condition: service_started
    deploy:
      replicas: ${REPLICAS}
  api:
    image: dk-compose-test/busybox:latest
  debug-tools:
    image: dk-compose-test/busybox:latest
    profiles: [debug]
"#,
    )
    .unwrap();
    let options = LoadOptions {
        current_dir: directory.path().to_path_buf(),
        ..LoadOptions::default()
    };
    let loaded = load(&options).unwrap();
    let stack = convert(&loaded).unwrap();
    assert_eq!(stack.namespace, "shop");
    assert_eq!(
        stack
            .services
            .values()
            .map(|spec| spec.name.as_str())
            .collect::<Vec<_>>(),
        ["shop_api", "shop_web"]
    );
    let web = &stack.services["web"];
    assert_eq!(
        web.task_template.container_spec.image,
        "dk-compose-test/busybox:latest"
    );
    assert_eq!(
        web.task_template.container_spec.env,
        ["DEBUG_FLAG=--debug", "QUIET_FLAG="]
    );
    assert_eq!(
        serde_json::to_string(&web.mode).unwrap(),
        r#"{"Replicated":{"Replicas":2}}"#
    );
    assert_eq!(
        web.labels
            .get("com.docker.stack.namespace")
            .map(String::as_str),
        Some("shop")
    );
    assert_eq!(stack.networks[0].name, "shop_default");
    // The long `depends_on` only orders containers locally: named in the warning.
    assert_eq!(
        stack.warnings,
        ["ignoring options swarm does not support: `depends_on` (web)"]
    );
}

#[test]
fn the_dockerapp_prod_sample_becomes_three_limited_replicas_and_redis() {
    let directory = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("compose-samples/dockerapp");
    // As `stack deploy -c prod.yml dockerapp_stack` loads it: the stack names the project.
    let options = LoadOptions {
        files: vec![directory.join("prod.yml")],
        current_dir: directory,
        project_name: Some("dockerapp_stack".to_owned()),
        ..LoadOptions::default()
    };
    let loaded = load(&options).unwrap();
    let stack = convert(&loaded).unwrap();
    assert_eq!(stack.namespace, "dockerapp_stack");
    // Swarm honours everything prod.yml says: no warning.
    assert!(stack.warnings.is_empty(), "{:?}", stack.warnings);
    insta::assert_snapshot!(stack.to_text());
}

/// `stack config` merges repeated `-c` files in order and reads `-c -` from stdin, as
/// `docker stack config` does (no engine needed).
#[test]
fn stack_config_merges_repeated_compose_files_and_reads_stdin() {
    let directory = tempfile::tempdir().unwrap();
    std::fs::write(
        directory.path().join("base.yml"),
        "services:\n  web:\n    image: busybox\n    environment: {LEVEL: base, KEEP: kept}\n",
    )
    .unwrap();
    std::fs::write(
        directory.path().join("override.yml"),
        "services:\n  web:\n    environment: {LEVEL: override}\n    deploy: {replicas: 3}\n",
    )
    .unwrap();
    let stack_config = |arguments: &[&str], stdin: Option<&str>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_dk-compose"));
        command
            .args(["stack", "config"])
            .args(arguments)
            .current_dir(directory.path())
            .env_remove("COMPOSE_FILE")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = command.spawn().unwrap();
        {
            use std::io::Write as _;
            let mut input = child.stdin.take().unwrap();
            input
                .write_all(stdin.unwrap_or_default().as_bytes())
                .unwrap();
        }
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let merged = stack_config(&["-c", "base.yml", "-c", "override.yml"], None);
    for expected in ["KEEP: kept", "LEVEL: override", "replicas: 3"] {
        assert!(merged.contains(expected), "no `{expected}` in:\n{merged}");
    }
    let from_stdin = stack_config(
        &["-c", "-"],
        Some("services:\n  api:\n    image: busybox:stdin\n"),
    );
    assert!(from_stdin.contains("image: busybox:stdin"), "{from_stdin}");
}

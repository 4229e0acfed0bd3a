//! Command-line interface: clap types for the global options of `docker compose`
//! and one variant per command. Parsing only: no behaviour lives here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Define and run multi-container applications with Docker (a fast, compatible `docker compose`).
#[derive(Debug, Parser)]
#[command(
    name = "dk-compose",
    version,
    disable_version_flag = true,
    about,
    subcommand_required = true,
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOptions,

    #[command(subcommand)]
    pub command: Command,
}

/// Options accepted before the command, as `docker compose --help` lists them.
#[derive(Debug, Args, Clone, Default)]
pub struct GlobalOptions {
    /// Compose configuration files
    #[arg(
        id = "file",
        short = 'f',
        long = "file",
        global = true,
        value_name = "FILE"
    )]
    pub files: Vec<PathBuf>,

    /// Project name
    #[arg(short = 'p', long = "project-name", global = true, value_name = "NAME")]
    pub project_name: Option<String>,

    /// Specify an alternate working directory (default: the path of the first Compose file)
    #[arg(long = "project-directory", global = true, value_name = "DIR")]
    pub project_directory: Option<PathBuf>,

    /// Specify a profile to enable
    #[arg(
        id = "profile",
        long = "profile",
        global = true,
        value_name = "PROFILE"
    )]
    pub profiles: Vec<String>,

    /// Specify an alternate environment file
    #[arg(id = "env-file", long = "env-file", global = true, value_name = "FILE")]
    pub env_files: Vec<PathBuf>,

    /// Control when to print ANSI control characters
    #[arg(
        long,
        global = true,
        value_enum,
        env = "COMPOSE_ANSI",
        default_value = "auto"
    )]
    pub ansi: AnsiMode,

    /// Set type of progress output
    #[arg(
        long,
        global = true,
        value_enum,
        env = "COMPOSE_PROGRESS",
        default_value = "auto"
    )]
    pub progress: ProgressMode,

    /// Control max parallelism, -1 for unlimited
    #[arg(
        long,
        global = true,
        env = "COMPOSE_PARALLEL_LIMIT",
        default_value_t = -1,
        allow_negative_numbers = true
    )]
    pub parallel: i64,

    /// Execute command in dry run mode
    #[arg(long = "dry-run", global = true)]
    pub dry_run: bool,

    /// Run compose in backward compatibility mode
    #[arg(long, global = true, env = "COMPOSE_COMPATIBILITY")]
    pub compatibility: bool,

    /// Include all resources, even those not used by services
    #[arg(long = "all-resources", global = true)]
    pub all_resources: bool,

    /// Show more output (diagnostics on stderr; `RUST_LOG` also works)
    #[arg(long, global = true, hide = true)]
    pub verbose: bool,

    /// Deprecated alias of `--ansi never`
    #[arg(long = "no-ansi", global = true, hide = true)]
    pub no_ansi: bool,

    /// Deprecated alias of `--project-directory`
    #[arg(long = "workdir", global = true, hide = true, value_name = "DIR")]
    pub workdir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum AnsiMode {
    Never,
    Always,
    #[default]
    Auto,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ProgressMode {
    #[default]
    Auto,
    Tty,
    Plain,
    Json,
    Quiet,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse, resolve and render compose file in canonical format
    Config(ConfigArgs),
    /// Show the Docker Compose version information
    Version(VersionArgs),
    /// Create and start containers
    Up(UpArgs),
    /// Stop and remove containers, networks
    Down(DownArgs),
    /// List containers
    Ps(PsArgs),
    /// View output from containers
    Logs(LogsArgs),
    /// Run a one-off command on a service
    Run(RunArgs),
    /// Execute a command in a running container
    Exec(ExecArgs),
    /// Build or rebuild services
    Build(BuildArgs),
    /// Pull service images
    Pull(PullArgs),
    /// Push service images
    Push(PushArgs),
    /// Publish compose application
    Publish(PublishArgs),
    /// Start services
    Start(StartArgs),
    /// Stop services
    Stop(StopArgs),
    /// Restart service containers
    Restart(RestartArgs),
    /// Removes stopped service containers
    Rm(RmArgs),
    /// Force stop service containers
    Kill(KillArgs),
    /// Creates containers for a service
    Create(CreateArgs),
    /// List running compose projects
    Ls(LsArgs),
    /// List images used by the created containers
    Images(ImagesArgs),
    /// Copy files/folders between a service container and the local filesystem
    Cp(CpArgs),
    /// Watch build context for service and rebuild/refresh containers when files are updated
    Watch(WatchArgs),
    /// Print the public port for a port binding
    Port(PortArgs),
    /// Display the running processes
    Top(ServicesArgs),
    /// Block until containers of all (or specified) services stop
    Wait(WaitArgs),
    /// Pause services
    Pause(ServicesArgs),
    /// Unpause services
    Unpause(ServicesArgs),
    /// Scale services
    Scale(ScaleArgs),
    /// Receive real time events from containers
    Events(EventsArgs),
    /// Display a live stream of container(s) resource usage statistics
    Stats(StatsArgs),
    /// Attach local standard input, output, and error streams to a service's running container
    Attach(AttachArgs),
    /// Create a new image from a service container's changes
    Commit(CommitArgs),
    /// Export a service container's filesystem as a tar archive
    Export(ExportArgs),
    /// List volumes
    Volumes(VolumesArgs),
    /// Manage Docker Swarm stacks (`docker stack` semantics)
    Stack(StackArgs),
}

/// `stats` flags, as `docker compose stats --help` lists them.
#[derive(Debug, Args, Default)]
pub struct StatsArgs {
    /// Show all containers (default shows just running)
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Format output using a custom template: 'table', 'table TEMPLATE', 'json' or 'TEMPLATE'
    #[arg(long, value_name = "string", default_value = "")]
    pub format: String,
    /// Disable streaming stats and only pull the first result
    #[arg(long = "no-stream")]
    pub no_stream: bool,
    /// Do not truncate output
    #[arg(long = "no-trunc")]
    pub no_trunc: bool,
    pub service: Option<String>,
}

/// `attach` flags, as `docker compose attach --help` lists them.
#[derive(Debug, Args, Default)]
pub struct AttachArgs {
    /// Override the key sequence for detaching from a container.
    #[arg(long = "detach-keys", value_name = "string")]
    pub detach_keys: Option<String>,
    /// index of the container if service has multiple replicas.
    #[arg(long, value_name = "int", default_value_t = 0)]
    pub index: u32,
    /// Do not attach STDIN
    #[arg(long = "no-stdin")]
    pub no_stdin: bool,
    /// Proxy all received signals to the process (default true)
    #[arg(long = "sig-proxy", value_name = "bool", default_value = "true", num_args = 0..=1, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub sig_proxy: bool,
    pub service: String,
}

/// Arguments of a command that dk-compose does not implement yet: accepted, then refused clearly.
#[derive(Debug, Args)]
pub struct PendingArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub args: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ConfigFormat {
    #[default]
    Yaml,
    Json,
}

/// `config` flags, as `docker compose config --help` lists them.
#[derive(Debug, Args, Default)]
pub struct ConfigArgs {
    /// Format the output. Values: [yaml | json]
    #[arg(long, value_enum)]
    pub format: Option<ConfigFormat>,
    /// Save to file (default to stdout)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only validate the configuration, don't print anything
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Print the service names, one per line
    #[arg(long)]
    pub services: bool,
    /// Print the volume names, one per line
    #[arg(long)]
    pub volumes: bool,
    /// Print the network names, one per line
    #[arg(long)]
    pub networks: bool,
    /// Print the profile names, one per line
    #[arg(long)]
    pub profiles: bool,
    /// Print the image names, one per line
    #[arg(long)]
    pub images: bool,
    /// Print the model names, one per line
    #[arg(long)]
    pub models: bool,
    /// Print model variables and default values
    #[arg(long)]
    pub variables: bool,
    /// Print environment used for interpolation
    #[arg(long)]
    pub environment: bool,
    /// Print the service config hash, one per line (`"*"` for all services)
    #[arg(long, value_name = "SERVICES")]
    pub hash: Option<String>,
    /// Don't interpolate environment variables
    #[arg(long = "no-interpolate")]
    pub no_interpolate: bool,
    /// Don't normalize compose model
    #[arg(long = "no-normalize")]
    pub no_normalize: bool,
    /// Don't resolve file paths
    #[arg(long = "no-path-resolution")]
    pub no_path_resolution: bool,
    /// Don't resolve service env files
    #[arg(long = "no-env-resolution")]
    pub no_env_resolution: bool,
    /// Don't check model consistency - warning: may produce invalid Compose output
    #[arg(long = "no-consistency")]
    pub no_consistency: bool,
    /// Pin image tags to digests
    #[arg(long = "resolve-image-digests")]
    pub resolve_image_digests: bool,
    /// Produces an override file with image digests
    #[arg(long = "lock-image-digests")]
    pub lock_image_digests: bool,
    /// Services to render (default: all enabled services)
    pub service_names: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum VersionFormat {
    #[default]
    Pretty,
    Json,
}

/// `version` flags.
#[derive(Debug, Args, Default)]
pub struct VersionArgs {
    /// Format the output. Values: [pretty | json]
    #[arg(long, value_enum)]
    pub format: Option<VersionFormat>,
    /// Shows only Compose's version number
    #[arg(long)]
    pub short: bool,
}

/// `ps` flags, as `docker compose ps --help` lists them.
#[derive(Debug, Args, Default)]
pub struct PsArgs {
    /// Show all stopped containers (including those created by the run command)
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Filter services by a property (supported filters: status)
    #[arg(long, value_name = "string")]
    pub filter: Option<String>,
    /// Format output using a custom template: 'table' (default), 'table TEMPLATE', 'json' or 'TEMPLATE'
    #[arg(long, value_name = "string", default_value = "table")]
    pub format: String,
    /// Don't truncate output
    #[arg(long = "no-trunc")]
    pub no_trunc: bool,
    /// Include orphaned services (not declared by project)
    #[arg(long, value_name = "bool", default_value = "true", num_args = 0..=1, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub orphans: bool,
    /// Only display IDs
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Display services
    #[arg(long)]
    pub services: bool,
    /// Filter services by status. Values: [paused | restarting | removing | running | dead | created | exited]
    #[arg(long, value_name = "stringArray")]
    pub status: Vec<String>,
    /// Services to list
    pub service_names: Vec<String>,
}

/// `ls` flags.
#[derive(Debug, Args, Default)]
pub struct LsArgs {
    /// Show all stopped Compose projects
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Filter output based on conditions provided
    #[arg(long, value_name = "filter")]
    pub filter: Vec<String>,
    /// Format the output. Values: [table | json]
    #[arg(long, value_name = "string", default_value = "table")]
    pub format: String,
    /// Only display project names
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

/// `stop` flags.
#[derive(Debug, Args, Default)]
pub struct StopArgs {
    /// Specify a shutdown timeout in seconds
    #[arg(short = 't', long, value_name = "int", allow_negative_numbers = true)]
    pub timeout: Option<i64>,
    pub service_names: Vec<String>,
}

/// `watch` flags, as `docker compose watch --help` lists them.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Do not build & start services before watching
    #[arg(long = "no-up")]
    pub no_up: bool,
    /// Prune dangling images on rebuild
    #[arg(long, value_name = "bool", default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub prune: bool,
    /// hide build output
    #[arg(long)]
    pub quiet: bool,
    /// Services to watch (default: all with a `develop` section)
    pub services: Vec<String>,
}

/// `restart` flags.
#[derive(Debug, Args, Default)]
pub struct RestartArgs {
    /// Don't restart dependent services
    #[arg(long = "no-deps")]
    pub no_deps: bool,
    /// Specify a shutdown timeout in seconds
    #[arg(short = 't', long, value_name = "int", allow_negative_numbers = true)]
    pub timeout: Option<i64>,
    pub service_names: Vec<String>,
}

/// `kill` flags.
#[derive(Debug, Args, Default)]
pub struct KillArgs {
    /// Remove containers for services not defined in the Compose file
    #[arg(long = "remove-orphans")]
    pub remove_orphans: bool,
    /// SIGNAL to send to the container
    #[arg(short = 's', long, value_name = "string", default_value = "SIGKILL")]
    pub signal: String,
    pub service_names: Vec<String>,
}

/// `rm` flags.
#[derive(Debug, Args, Default)]
pub struct RmArgs {
    /// Don't ask to confirm removal
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Stop the containers, if required, before removing
    #[arg(short = 's', long)]
    pub stop: bool,
    /// Remove any anonymous volumes attached to containers
    #[arg(short = 'v', long)]
    pub volumes: bool,
    /// Deprecated: no effect
    #[arg(short = 'a', long, hide = true)]
    pub all: bool,
    /// Shadows the global `-f/--file` so that `-f` means `--force` here, as in the reference
    /// (clap keeps a subcommand's own argument instead of propagating the global one).
    #[arg(id = "file", long = "file", hide = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    pub service_names: Vec<String>,
}

/// Commands whose only arguments are service names (`pause`, `unpause`, `top`).
#[derive(Debug, Args, Default)]
pub struct ServicesArgs {
    pub service_names: Vec<String>,
}

/// `volumes` flags.
#[derive(Debug, Args, Default)]
pub struct VolumesArgs {
    /// Format the output: `table` (default), `table TEMPLATE`, `json` or `TEMPLATE`
    #[arg(long, value_name = "string", default_value = "table")]
    pub format: String,
    /// Only display volume names
    #[arg(short = 'q', long)]
    pub quiet: bool,
    pub service_names: Vec<String>,
}

/// `scale` flags.
#[derive(Debug, Args, Default)]
pub struct ScaleArgs {
    /// Don't start linked services
    #[arg(long = "no-deps")]
    pub no_deps: bool,
    /// `SERVICE=REPLICAS`
    #[arg(value_name = "SERVICE=REPLICAS", required = true)]
    pub replicas: Vec<String>,
}

/// `events` flags.
#[derive(Debug, Args, Default)]
pub struct EventsArgs {
    /// Output events as a stream of json objects
    #[arg(long)]
    pub json: bool,
    /// Show all events created since timestamp
    #[arg(long, value_name = "string")]
    pub since: Option<String>,
    /// Stream events until this timestamp
    #[arg(long, value_name = "string")]
    pub until: Option<String>,
    pub service_names: Vec<String>,
}

/// `images` flags.
#[derive(Debug, Args, Default)]
pub struct ImagesArgs {
    /// Format the output. Values: [table | json]
    #[arg(long, value_name = "string", default_value = "table")]
    pub format: String,
    /// Only display IDs
    #[arg(short = 'q', long)]
    pub quiet: bool,
    pub service_names: Vec<String>,
}

/// `pull` flags, as `docker compose pull --help` lists them.
#[derive(Debug, Args, Default)]
pub struct PullArgs {
    /// Ignore images that can be built
    #[arg(long = "ignore-buildable")]
    pub ignore_buildable: bool,
    /// Pull what it can and ignores images with pull failures
    #[arg(long = "ignore-pull-failures")]
    pub ignore_pull_failures: bool,
    /// Also pull services declared as dependencies
    #[arg(long = "include-deps")]
    pub include_deps: bool,
    /// Apply pull policy ("missing"|"always")
    #[arg(long, value_name = "string")]
    pub policy: Option<String>,
    /// Pull without printing progress information
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// DEPRECATED disable parallel pulling
    #[arg(long = "no-parallel", hide = true, value_name = "bool", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub no_parallel: Option<bool>,
    pub services: Vec<String>,
}

/// `push` flags, as `docker compose push --help` lists them.
#[derive(Debug, Args, Default)]
pub struct PushArgs {
    /// Push what it can and ignores images with push failures
    #[arg(long = "ignore-push-failures")]
    pub ignore_push_failures: bool,
    /// Also push images of services declared as dependencies
    #[arg(long = "include-deps")]
    pub include_deps: bool,
    /// Push without printing progress information
    #[arg(short = 'q', long)]
    pub quiet: bool,
    pub services: Vec<String>,
}

/// `publish` flags, as `docker compose publish --help` lists them.
#[derive(Debug, Args, Default)]
pub struct PublishArgs {
    /// Published compose application (includes referenced images)
    #[arg(long)]
    pub app: bool,
    /// OCI image/artifact specification version (automatically determined by default)
    #[arg(long = "oci-version", value_name = "string")]
    pub oci_version: Option<String>,
    /// Pin image tags to digests
    #[arg(long = "resolve-image-digests")]
    pub resolve_image_digests: bool,
    /// Include environment variables in the published OCI artifact
    #[arg(long = "with-env")]
    pub with_env: bool,
    /// Assume "yes" as answer to all prompts
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// `--y`: the reference's first spelling of `--yes`, still taken, with a warning.
    #[arg(long = "y", hide = true)]
    pub yes_misspelt: bool,
    /// REPOSITORY[:TAG]
    #[arg(value_name = "REPOSITORY[:TAG]")]
    pub repository: String,
}

/// `cp` flags and operands: `SERVICE:SRC_PATH DEST_PATH|-` or `SRC_PATH|- SERVICE:DEST_PATH`.
#[derive(Debug, Args, Default)]
pub struct CpArgs {
    /// Include containers created by the run command
    #[arg(long)]
    pub all: bool,
    /// Archive mode (copy all uid/gid information)
    #[arg(short = 'a', long)]
    pub archive: bool,
    /// Always follow symbol link in SRC_PATH
    #[arg(short = 'L', long = "follow-link")]
    pub follow_link: bool,
    /// Index of the container if service has multiple replicas
    #[arg(long, value_name = "int", default_value_t = 0)]
    pub index: u32,
    #[arg(value_name = "SOURCE", allow_hyphen_values = true)]
    pub source: String,
    #[arg(value_name = "DESTINATION", allow_hyphen_values = true)]
    pub destination: String,
}

/// `commit` flags and operands: `SERVICE [REPOSITORY[:TAG]]`.
#[derive(Debug, Args, Default)]
pub struct CommitArgs {
    /// Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")
    #[arg(short = 'a', long, value_name = "string")]
    pub author: Option<String>,
    /// Apply Dockerfile instruction to the created image
    #[arg(short = 'c', long, value_name = "list")]
    pub change: Vec<String>,
    /// index of the container if service has multiple replicas.
    #[arg(long, value_name = "int", default_value_t = 0)]
    pub index: u32,
    /// Commit message
    #[arg(short = 'm', long, value_name = "string")]
    pub message: Option<String>,
    /// Pause container during commit
    #[arg(short = 'p', long, value_name = "bool", default_value = "true", num_args = 0..=1, require_equals = true, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub pause: bool,
    /// Shadows the global `-p/--project-name` so that `-p` means `--pause` here, as in the
    /// reference; `--project-name` still works.
    #[arg(
        id = "project_name",
        long = "project-name",
        hide = true,
        value_name = "NAME"
    )]
    pub project_name: Option<String>,
    pub service: String,
    pub reference: Option<String>,
}

/// `export` flags.
#[derive(Debug, Args, Default)]
pub struct ExportArgs {
    /// index of the container if service has multiple replicas.
    #[arg(long, value_name = "int", default_value_t = 0)]
    pub index: u32,
    /// Write to a file, instead of STDOUT
    #[arg(short = 'o', long, value_name = "string")]
    pub output: Option<PathBuf>,
    pub service: String,
}

/// `port` flags.
#[derive(Debug, Args, Default)]
pub struct PortArgs {
    /// Index of the container if service has multiple replicas
    #[arg(long, value_name = "int", default_value_t = 0)]
    pub index: u32,
    /// tcp or udp
    #[arg(long, value_name = "string", default_value = "tcp")]
    pub protocol: String,
    pub service: String,
    pub private_port: u16,
}

/// `wait` flags.
#[derive(Debug, Args, Default)]
pub struct WaitArgs {
    /// Drops project when the first container stops
    #[arg(long = "down-project")]
    pub down_project: bool,
    #[arg(required = true, num_args = 1..)]
    pub service_names: Vec<String>,
}

/// `logs` flags, as `docker compose logs --help` lists them.
#[derive(Debug, Args, Default)]
pub struct LogsArgs {
    /// Follow log output
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// index of the container if service has multiple replicas
    #[arg(long, value_name = "int")]
    pub index: Option<u32>,
    /// Produce monochrome output
    #[arg(long = "no-color")]
    pub no_color: bool,
    /// Don't print prefix in logs
    #[arg(long = "no-log-prefix")]
    pub no_log_prefix: bool,
    /// Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)
    #[arg(long, value_name = "string")]
    pub since: Option<String>,
    /// Number of lines to show from the end of the logs for each container
    #[arg(short = 'n', long, value_name = "string", default_value = "all")]
    pub tail: String,
    /// Show timestamps
    #[arg(short = 't', long)]
    pub timestamps: bool,
    /// Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)
    #[arg(long, value_name = "string")]
    pub until: Option<String>,
    #[arg(value_name = "SERVICE")]
    pub service_names: Vec<String>,
    /// Compose configuration files given after `logs` (where `-f` is `--follow`, as in the
    /// reference; this keeps the global `--file` working there)
    #[arg(id = "file", long = "file", value_name = "FILE", hide = true)]
    pub files: Vec<PathBuf>,
}

/// `stack`: Swarm stacks, as `docker stack` manages them.
#[derive(Debug, Args)]
pub struct StackArgs {
    #[command(subcommand)]
    pub command: StackCommand,
}

#[derive(Debug, Subcommand)]
pub enum StackCommand {
    /// Deploy a new stack or update an existing stack
    #[command(visible_alias = "up")]
    Deploy(StackDeployArgs),
    /// List stacks
    #[command(visible_alias = "list")]
    Ls(StackLsArgs),
    /// List the tasks in the stack
    Ps(StackPsArgs),
    /// List the services in the stack
    Services(StackServicesArgs),
    /// Remove one or more stacks
    #[command(visible_aliases = ["remove", "down"])]
    Rm(StackRmArgs),
    /// Outputs the final config file, after doing merges and interpolations
    Config(StackConfigArgs),
}

/// `--resolve-image` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ResolveImage {
    #[default]
    Always,
    Changed,
    Never,
}

/// `stack deploy` flags, as `docker stack deploy --help` lists them.
#[derive(Debug, Args)]
pub struct StackDeployArgs {
    /// Path to a Compose file, or "-" to read from stdin
    #[arg(
        short = 'c',
        long = "compose-file",
        value_name = "strings",
        value_delimiter = ','
    )]
    pub compose_files: Vec<PathBuf>,
    /// Exit immediately instead of waiting for the stack services to converge
    #[arg(short = 'd', long, value_name = "bool", default_value = "true", num_args = 0..=1, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub detach: bool,
    /// Prune services that are no longer referenced
    #[arg(long)]
    pub prune: bool,
    /// Suppress progress output
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Query the registry to resolve image digest and supported platforms
    #[arg(
        long = "resolve-image",
        value_enum,
        value_name = "string",
        default_value = "always"
    )]
    pub resolve_image: ResolveImage,
    /// Send registry authentication details to Swarm agents
    #[arg(long = "with-registry-auth")]
    pub with_registry_auth: bool,
    /// Stack name (default: the project name: `-p`, the top-level `name`, or the directory)
    pub stack: Option<String>,
}

/// `stack ls` flags.
#[derive(Debug, Args)]
pub struct StackLsArgs {
    /// Format output using a custom template: 'table', 'table TEMPLATE', 'json' or 'TEMPLATE'
    #[arg(long, value_name = "string", default_value = "table")]
    pub format: String,
}

/// `stack ps` flags.
#[derive(Debug, Args)]
pub struct StackPsArgs {
    /// Shadows the global `-f/--file` so that `-f` means `--filter` here, as in `docker stack`.
    #[arg(id = "file", long = "file", hide = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Filter output based on conditions provided
    #[arg(short = 'f', long, value_name = "filter")]
    pub filter: Vec<String>,
    /// Format output using a custom template: 'table', 'table TEMPLATE', 'json' or 'TEMPLATE'
    #[arg(long, value_name = "string", default_value = "table")]
    pub format: String,
    /// Do not map IDs to Names
    #[arg(long = "no-resolve")]
    pub no_resolve: bool,
    /// Do not truncate output
    #[arg(long = "no-trunc")]
    pub no_trunc: bool,
    /// Only display task IDs
    #[arg(short = 'q', long)]
    pub quiet: bool,
    pub stack: String,
}

/// `stack services` flags.
#[derive(Debug, Args)]
pub struct StackServicesArgs {
    /// Shadows the global `-f/--file` so that `-f` means `--filter` here, as in `docker stack`.
    #[arg(id = "file", long = "file", hide = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Filter output based on conditions provided
    #[arg(short = 'f', long, value_name = "filter")]
    pub filter: Vec<String>,
    /// Format output using a custom template: 'table', 'table TEMPLATE', 'json' or 'TEMPLATE'
    #[arg(long, value_name = "string", default_value = "table")]
    pub format: String,
    /// Only display IDs
    #[arg(short = 'q', long)]
    pub quiet: bool,
    pub stack: String,
}

/// `stack rm` flags.
#[derive(Debug, Args)]
pub struct StackRmArgs {
    /// Do not wait for stack removal
    #[arg(short = 'd', long, value_name = "bool", default_value = "true", num_args = 0..=1, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub detach: bool,
    #[arg(required = true, num_args = 1..)]
    pub stacks: Vec<String>,
}

/// `stack config` flags.
#[derive(Debug, Args)]
pub struct StackConfigArgs {
    /// Path to a Compose file, or "-" to read from stdin
    #[arg(
        short = 'c',
        long = "compose-file",
        value_name = "strings",
        value_delimiter = ','
    )]
    pub compose_files: Vec<PathBuf>,
    /// Skip interpolation and output only merged config
    #[arg(long = "skip-interpolation")]
    pub skip_interpolation: bool,
}

/// Flags shared by `up` and `create` (the reference's `createOptions`).
#[derive(Debug, Args, Default, Clone)]
pub struct CreateFlags {
    /// Build images before starting containers
    #[arg(long)]
    pub build: bool,
    /// Don't build an image, even if it's policy
    #[arg(long = "no-build")]
    pub no_build: bool,
    /// Recreate containers even if their configuration and image haven't changed
    #[arg(long = "force-recreate")]
    pub force_recreate: bool,
    /// If containers already exist, don't recreate them. Incompatible with --force-recreate.
    #[arg(long = "no-recreate")]
    pub no_recreate: bool,
    /// Pull image before running ("always"|"missing"|"never"|"build")
    #[arg(long, default_value = "policy", value_name = "string")]
    pub pull: String,
    /// Pull without printing progress information
    #[arg(long = "quiet-pull")]
    pub quiet_pull: bool,
    /// Remove containers for services not defined in the Compose file
    #[arg(long = "remove-orphans")]
    pub remove_orphans: bool,
    /// Scale SERVICE to NUM instances. Overrides the scale setting in the Compose file if present.
    #[arg(long, value_name = "scale")]
    pub scale: Vec<String>,
    /// Assume "yes" as answer to all prompts and run non-interactively
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// `--y`: the reference's first spelling of `--yes`, still taken, with a warning.
    #[arg(long = "y", hide = true)]
    pub yes_misspelt: bool,
}

/// `up` flags, as `docker compose up --help` lists them.
#[derive(Debug, Args, Default)]
pub struct UpArgs {
    #[command(flatten)]
    pub create: CreateFlags,
    /// Stops all containers if any container was stopped. Incompatible with -d
    #[arg(long = "abort-on-container-exit")]
    pub abort_on_container_exit: bool,
    /// Stops all containers if any container exited with failure. Incompatible with -d
    #[arg(long = "abort-on-container-failure")]
    pub abort_on_container_failure: bool,
    /// Recreate dependent containers. Incompatible with --no-recreate.
    #[arg(long = "always-recreate-deps")]
    pub always_recreate_deps: bool,
    /// Restrict attaching to the specified services. Incompatible with --attach-dependencies.
    #[arg(long, value_name = "stringArray")]
    pub attach: Vec<String>,
    /// Automatically attach to log output of dependent services
    #[arg(long = "attach-dependencies")]
    pub attach_dependencies: bool,
    /// Detached mode: Run containers in the background
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Return the exit code of the selected service container. Implies --abort-on-container-exit
    #[arg(long = "exit-code-from", value_name = "string")]
    pub exit_code_from: Option<String>,
    /// Enable interactive shortcuts when running attached. Incompatible with --detach. Can also be enable/disable by setting COMPOSE_MENU environment var.
    #[arg(long, value_name = "bool", num_args = 0..=1, require_equals = true, default_missing_value = "true", action = clap::ArgAction::Set, value_parser = go_bool)]
    pub menu: Option<bool>,
    /// Do not attach (stream logs) to the specified services
    #[arg(long = "no-attach", value_name = "stringArray")]
    pub no_attach: Vec<String>,
    /// Produce monochrome output
    #[arg(long = "no-color")]
    pub no_color: bool,
    /// Don't start linked services
    #[arg(long = "no-deps")]
    pub no_deps: bool,
    /// Don't print prefix in logs
    #[arg(long = "no-log-prefix")]
    pub no_log_prefix: bool,
    /// Don't start the services after creating them
    #[arg(long = "no-start")]
    pub no_start: bool,
    /// Suppress the build output
    #[arg(long = "quiet-build")]
    pub quiet_build: bool,
    /// Recreate anonymous volumes instead of retrieving data from the previous containers
    #[arg(short = 'V', long = "renew-anon-volumes")]
    pub renew_anon_volumes: bool,
    /// Use this timeout in seconds for container shutdown when attached or when containers are already running
    #[arg(short = 't', long, value_name = "int", allow_negative_numbers = true)]
    pub timeout: Option<i32>,
    /// Show timestamps
    #[arg(long)]
    pub timestamps: bool,
    /// Wait for services to be running|healthy. Implies detached mode.
    #[arg(long)]
    pub wait: bool,
    /// Maximum duration in seconds to wait for the project to be running|healthy
    #[arg(long = "wait-timeout", value_name = "int")]
    pub wait_timeout: Option<u64>,
    /// Watch source code and rebuild/refresh containers when files are updated.
    #[arg(short = 'w', long)]
    pub watch: bool,
    /// Services to start (default: all)
    pub services: Vec<String>,
}

/// `create` flags, as `docker compose create --help` lists them.
#[derive(Debug, Args, Default)]
pub struct CreateArgs {
    #[command(flatten)]
    pub create: CreateFlags,
    /// Services to create (default: all)
    pub services: Vec<String>,
}

/// `down` flags, as `docker compose down --help` lists them.
#[derive(Debug, Args, Default)]
pub struct DownArgs {
    /// Remove containers for services not defined in the Compose file
    #[arg(long = "remove-orphans")]
    pub remove_orphans: bool,
    /// Remove images used by services. "local" remove only images that don't have a custom tag ("local"|"all")
    #[arg(long, value_name = "string")]
    pub rmi: Option<String>,
    /// Specify a shutdown timeout in seconds
    #[arg(short = 't', long, value_name = "int", allow_negative_numbers = true)]
    pub timeout: Option<i32>,
    /// Remove named volumes declared in the "volumes" section of the Compose file and anonymous volumes attached to containers
    #[arg(short = 'v', long)]
    pub volumes: bool,
    /// Services to stop and remove (default: the whole project)
    pub services: Vec<String>,
}

/// `start` arguments.
#[derive(Debug, Args, Default)]
pub struct StartArgs {
    /// Services to start (default: all)
    pub services: Vec<String>,
}

/// `build` flags, as `docker compose build --help` lists them.
#[derive(Debug, Args, Default)]
pub struct BuildArgs {
    /// Set build-time variables for services
    #[arg(long = "build-arg", value_name = "stringArray")]
    pub build_args: Vec<String>,
    /// Set builder to use
    #[arg(long, value_name = "string")]
    pub builder: Option<String>,
    /// Check build configuration
    #[arg(long)]
    pub check: bool,
    /// Set memory limit for the build container. Not supported by BuildKit.
    #[arg(short = 'm', long, value_name = "bytes")]
    pub memory: Option<String>,
    /// Do not use cache when building the image
    #[arg(long = "no-cache")]
    pub no_cache: bool,
    /// Print equivalent bake file
    #[arg(long)]
    pub print: bool,
    /// Add a provenance attestation
    #[arg(long, value_name = "string")]
    pub provenance: Option<String>,
    /// Always attempt to pull a newer version of the image
    #[arg(long)]
    pub pull: bool,
    /// Push service images
    #[arg(long)]
    pub push: bool,
    /// Suppress the build output
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Add a SBOM attestation
    #[arg(long, value_name = "string")]
    pub sbom: Option<String>,
    /// Set SSH authentications used when building service images. (use 'default' for using your default SSH Agent)
    #[arg(long, value_name = "string")]
    pub ssh: Option<String>,
    /// Also build dependencies (transitively)
    #[arg(long = "with-dependencies")]
    pub with_dependencies: bool,
    pub service_names: Vec<String>,
}

/// `run` flags, as `docker compose run --help` lists them.
#[derive(Debug, Args, Default)]
pub struct RunArgs {
    /// Build image before starting container
    #[arg(long)]
    pub build: bool,
    /// Add Linux capabilities
    #[arg(long = "cap-add", value_name = "list")]
    pub cap_add: Vec<String>,
    /// Drop Linux capabilities
    #[arg(long = "cap-drop", value_name = "list")]
    pub cap_drop: Vec<String>,
    /// Run container in background and print container ID
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Override the entrypoint of the image
    #[arg(long, value_name = "string")]
    pub entrypoint: Option<String>,
    /// Set environment variables
    #[arg(short = 'e', long = "env", value_name = "stringArray")]
    pub environment: Vec<String>,
    /// Set environment variables from file
    #[arg(long = "env-from-file", value_name = "stringArray")]
    pub env_from_file: Vec<PathBuf>,
    /// Keep STDIN open even if not attached (default true)
    #[arg(short = 'i', long, value_name = "bool", default_value = "true", num_args = 0..=1, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub interactive: bool,
    /// Add or override a label
    #[arg(short = 'l', long = "label", value_name = "stringArray")]
    pub labels: Vec<String>,
    /// Assign a name to the container
    #[arg(long, value_name = "string")]
    pub name: Option<String>,
    /// Disable pseudo-TTY allocation (default: auto-detected)
    #[arg(short = 'T', long = "no-TTY")]
    pub no_tty: bool,
    /// Allocate a pseudo-TTY (the default when stdin is a terminal)
    #[arg(short = 't', long = "tty", hide = true)]
    pub tty: bool,
    /// Don't start linked services
    #[arg(long = "no-deps")]
    pub no_deps: bool,
    /// Publish a container's port(s) to the host
    #[arg(short = 'p', long = "publish", value_name = "stringArray")]
    pub publish: Vec<String>,
    /// Shadows the global `-p/--project-name` so that `-p` means `--publish` here, as in the
    /// reference; `--project-name` still works.
    #[arg(
        id = "project_name",
        long = "project-name",
        hide = true,
        value_name = "NAME"
    )]
    pub project_name: Option<String>,
    /// Pull image before running ("always"|"missing"|"never")
    #[arg(long, value_name = "string", default_value = "policy")]
    pub pull: String,
    /// Don't print anything to STDOUT
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Suppress progress output from the build process
    #[arg(long = "quiet-build")]
    pub quiet_build: bool,
    /// Pull without printing progress information
    #[arg(long = "quiet-pull")]
    pub quiet_pull: bool,
    /// Remove containers for services not defined in the Compose file
    #[arg(long = "remove-orphans")]
    pub remove_orphans: bool,
    /// Automatically remove the container when it exits
    #[arg(long)]
    pub rm: bool,
    /// Run command with all service's ports enabled and mapped to the host
    #[arg(short = 'P', long = "service-ports")]
    pub service_ports: bool,
    /// Use the service's network useAliases in the network(s) the container connects to
    #[arg(long = "use-aliases")]
    pub use_aliases: bool,
    /// Run as specified username or uid
    #[arg(short = 'u', long, value_name = "string")]
    pub user: Option<String>,
    /// Bind mount a volume
    #[arg(short = 'v', long = "volume", value_name = "stringArray")]
    pub volumes: Vec<String>,
    /// Working directory inside the container (shadows the global, deprecated `--workdir`)
    #[arg(id = "workdir", short = 'w', long = "workdir", value_name = "string")]
    pub workdir: Option<PathBuf>,
    /// Stop and remove the dependencies this command started once the one-off container ends
    /// (dk-compose extension; docker/compose#2791)
    #[arg(long = "down-deps")]
    pub down_deps: bool,
    pub service: String,
    /// The command and its arguments
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

/// `exec` flags, as `docker compose exec --help` lists them.
#[derive(Debug, Args, Default)]
pub struct ExecArgs {
    /// Detached mode: Run command in the background
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Set environment variables
    #[arg(short = 'e', long = "env", value_name = "stringArray")]
    pub environment: Vec<String>,
    /// Index of the container if service has multiple replicas
    #[arg(long, value_name = "int", default_value_t = 0)]
    pub index: u32,
    /// Disable pseudo-TTY allocation. By default 'docker compose exec' allocates a TTY.
    #[arg(short = 'T', long = "no-tty")]
    pub no_tty: bool,
    /// Allocate a pseudo-TTY (the default)
    #[arg(short = 't', long = "tty", hide = true)]
    pub tty: bool,
    /// Keep STDIN open even if not attached (default true)
    #[arg(short = 'i', long, hide = true, value_name = "bool", default_value = "true", num_args = 0..=1, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub interactive: bool,
    /// Give extended privileges to the process
    #[arg(long)]
    pub privileged: bool,
    /// Run the command as this user
    #[arg(short = 'u', long, value_name = "string")]
    pub user: Option<String>,
    /// Path to workdir directory for this command (shadows the global, deprecated `--workdir`)
    #[arg(id = "workdir", short = 'w', long = "workdir", value_name = "string")]
    pub workdir: Option<PathBuf>,
    pub service: String,
    /// The command and its arguments
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

/// A flag's boolean value in Go's `strconv.ParseBool` words (`1`, `t`, `TRUE`, `0`, `f`,
/// `False`, ...), as pflag takes them.
fn go_bool(text: &str) -> Result<bool, String> {
    match text {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err(format!(
            "strconv.ParseBool: parsing \"{text}\": invalid syntax"
        )),
    }
}

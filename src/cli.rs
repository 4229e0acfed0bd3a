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
    Up(PendingArgs),
    /// Stop and remove containers, networks
    Down(PendingArgs),
    /// List containers
    Ps(PsArgs),
    /// View output from containers
    Logs(LogsArgs),
    /// Run a one-off command on a service
    Run(PendingArgs),
    /// Execute a command in a running container
    Exec(PendingArgs),
    /// Build or rebuild services
    Build(PendingArgs),
    /// Pull service images
    Pull(PendingArgs),
    /// Push service images
    Push(PendingArgs),
    /// Start services
    Start(PendingArgs),
    /// Stop services
    Stop(StopArgs),
    /// Restart service containers
    Restart(RestartArgs),
    /// Removes stopped service containers
    Rm(RmArgs),
    /// Force stop service containers
    Kill(KillArgs),
    /// Creates containers for a service
    Create(PendingArgs),
    /// List running compose projects
    Ls(LsArgs),
    /// List images used by the created containers
    Images(ImagesArgs),
    /// Copy files/folders between a service container and the local filesystem
    Cp(PendingArgs),
    /// Watch build context for service and rebuild/refresh containers when files are updated
    Watch(PendingArgs),
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
    Scale(PendingArgs),
    /// Receive real time events from containers
    Events(PendingArgs),
    /// Display a live stream of container(s) resource usage statistics
    Stats(PendingArgs),
    /// Attach local standard input, output, and error streams to a service's running container
    Attach(PendingArgs),
    /// Create a new image from a service container's changes
    Commit(PendingArgs),
    /// Export a service container's filesystem as a tar archive
    Export(PendingArgs),
    /// List volumes
    Volumes(PendingArgs),
    /// Manage Docker Swarm stacks (`docker stack` semantics)
    Stack(PendingArgs),
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

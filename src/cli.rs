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
    Ps(PendingArgs),
    /// View output from containers
    Logs(PendingArgs),
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
    Start(StartArgs),
    /// Stop services
    Stop(PendingArgs),
    /// Restart service containers
    Restart(PendingArgs),
    /// Removes stopped service containers
    Rm(PendingArgs),
    /// Force stop service containers
    Kill(PendingArgs),
    /// Creates containers for a service
    Create(CreateArgs),
    /// List running compose projects
    Ls(PendingArgs),
    /// List images used by the created containers
    Images(PendingArgs),
    /// Copy files/folders between a service container and the local filesystem
    Cp(PendingArgs),
    /// Watch build context for service and rebuild/refresh containers when files are updated
    Watch(PendingArgs),
    /// Print the public port for a port binding
    Port(PendingArgs),
    /// Display the running processes
    Top(PendingArgs),
    /// Block until containers of all (or specified) services stop
    Wait(PendingArgs),
    /// Pause services
    Pause(PendingArgs),
    /// Unpause services
    Unpause(PendingArgs),
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
    /// Enable interactive shortcuts when running attached. Incompatible with --detach.
    #[arg(long)]
    pub menu: bool,
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

//! The build context as the classic builder receives it: a tar of the context directory
//! without what `.dockerignore` excludes, as the reference's classic build sends it
//! (docker/compose `build_classic.go`: `ReadDockerignore`, `TrimBuildFilesFromExcludes`,
//! `archive.TarWithOptions` with owner 0:0, `AddDockerfileToBuildContext` for a Dockerfile
//! outside the context or inline). Reads files; never talks to the engine.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::dockerignore::{self, Matcher, PatternError};

/// Where the Dockerfile comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DockerfileSource {
    /// A path, relative to the context directory or absolute (`build.dockerfile`; empty
    /// means `Dockerfile`).
    Path(String),
    /// `build.dockerfile_inline`.
    Inline(String),
}

/// The archive to send and the Dockerfile's name inside it.
#[derive(Debug)]
pub struct ContextArchive {
    pub archive: Vec<u8>,
    pub dockerfile: String,
}

/// Why a context cannot be archived.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error("unable to prepare context: path `{}` not found", .0.display())]
    MissingContext(PathBuf),
    #[error("cannot locate specified Dockerfile: `{0}`")]
    MissingDockerfile(String),
    #[error(transparent)]
    Pattern(#[from] PatternError),
    #[error("cannot read `{}`: {message}", path.display())]
    Read { path: PathBuf, message: String },
}

/// `count` random bytes as lowercase hex (from the kernel's random source).
pub fn random_hex(count: usize) -> String {
    let mut bytes = vec![0_u8; count];
    let filled = fs::File::open("/dev/urandom").and_then(|mut file| file.read_exact(&mut bytes));
    if filled.is_err() {
        // Without /dev/urandom: time and process id are unique enough for names.
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos())
            ^ u128::from(std::process::id());
        for (index, byte) in bytes.iter_mut().enumerate() {
            let shift = (index % 16) * 8;
            *byte = u8::try_from((seed >> shift) & 0xff).unwrap_or_default();
        }
    }
    hex::encode(bytes)
}

/// The `.dockerignore` patterns of a context directory (none when it has no such file).
pub fn read_dockerignore(context_dir: &Path) -> Result<Vec<String>, ContextError> {
    let path = context_dir.join(".dockerignore");
    match fs::read(&path) {
        Ok(bytes) => Ok(dockerignore::read_patterns(&String::from_utf8_lossy(
            &bytes,
        ))),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(error) => Err(ContextError::Read {
            path,
            message: error.to_string(),
        }),
    }
}

/// `TrimBuildFilesFromExcludes`: `.dockerignore` and the Dockerfile are always sent (the
/// engine removes them again when they are ignored, after reading the Dockerfile).
pub fn keep_build_files(
    mut patterns: Vec<String>,
    dockerfile: &str,
) -> Result<Vec<String>, PatternError> {
    if Matcher::new(&patterns)?.is_excluded(".dockerignore") {
        patterns.push("!.dockerignore".to_owned());
    }
    if Matcher::new(&patterns)?.is_excluded(dockerfile) {
        patterns.push(format!("!{dockerfile}"));
    }
    Ok(patterns)
}

/// How a Dockerfile from outside the context (or inline) is named in the archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutsideName {
    /// `.dockerfile.<random>`, as the docker CLI names it for the classic builder (which
    /// leaves it out of `COPY` through `.dockerignore`).
    Random,
    /// `.dockerfile.<hash of its content>`: BuildKit reads an uploaded context as it is, so
    /// the file stays in it, and a stable name keeps `COPY . …` cached between builds.
    ContentHash,
}

/// Archives `context_dir` for a build with `dockerfile` (the classic builder's naming).
pub fn context_archive(
    context_dir: &Path,
    dockerfile: &DockerfileSource,
) -> Result<ContextArchive, ContextError> {
    context_archive_named(context_dir, dockerfile, OutsideName::Random)
}

/// Archives `context_dir` for a build with `dockerfile`, naming an outside Dockerfile so.
pub fn context_archive_named(
    context_dir: &Path,
    dockerfile: &DockerfileSource,
    outside_name: OutsideName,
) -> Result<ContextArchive, ContextError> {
    if !context_dir.is_dir() {
        return Err(ContextError::MissingContext(context_dir.to_path_buf()));
    }
    // The Dockerfile's path relative to the context, or its content when it is not inside.
    let (relative_dockerfile, outside_content) = match dockerfile {
        DockerfileSource::Inline(content) => (String::new(), Some(content.clone())),
        DockerfileSource::Path(path) => {
            let full = locate_dockerfile(context_dir, path)?;
            if let Some(relative) = relative_inside(context_dir, &full) {
                (relative, None)
            } else {
                let content = fs::read_to_string(&full).map_err(|error| ContextError::Read {
                    path: full.clone(),
                    message: error.to_string(),
                })?;
                (String::new(), Some(content))
            }
        }
    };
    let patterns = read_dockerignore(context_dir)?;
    let patterns = if relative_dockerfile.is_empty() {
        keep_build_files(patterns, ".dockerignore")?
    } else {
        keep_build_files(patterns, &relative_dockerfile)?
    };
    let matcher = Matcher::new(&patterns)?;
    let mut builder = tar::Builder::new(Vec::new());
    builder.follow_symlinks(false);
    let mut writer = Writer {
        builder,
        matcher: &matcher,
        root: context_dir,
        dockerignore_content: None,
    };
    writer.walk(context_dir, "", &[])?;
    let dockerfile_name = match outside_content {
        None => {
            if let Some(content) = writer.dockerignore_content.take() {
                writer.append_bytes(".dockerignore", &content, 0o644)?;
            }
            relative_dockerfile
        }
        Some(content) => {
            // `AddDockerfileToBuildContext`: a random name, also listed in `.dockerignore` so
            // that the engine leaves it out of `COPY . ...`.
            let name = match outside_name {
                OutsideName::Random => format!(".dockerfile.{}", random_hex(10)),
                OutsideName::ContentHash => {
                    use sha2::Digest as _;
                    let digest = hex::encode(sha2::Sha256::digest(content.as_bytes()));
                    format!(".dockerfile.{}", &digest[..20])
                }
            };
            writer.append_bytes(&name, content.as_bytes(), 0o600)?;
            let mut ignore = writer
                .dockerignore_content
                .take()
                .unwrap_or_else(|| b".dockerignore".to_vec());
            ignore.extend_from_slice(format!("\n{name}\n").as_bytes());
            writer.append_bytes(".dockerignore", &ignore, 0o644)?;
            name
        }
    };
    let archive = writer
        .builder
        .into_inner()
        .map_err(|error| ContextError::Read {
            path: context_dir.to_path_buf(),
            message: error.to_string(),
        })?;
    Ok(ContextArchive {
        archive,
        dockerfile: dockerfile_name,
    })
}

/// The Dockerfile's absolute path (`Dockerfile`, or lowercase `dockerfile`, by default).
fn locate_dockerfile(context_dir: &Path, path: &str) -> Result<PathBuf, ContextError> {
    if path.is_empty() {
        for name in ["Dockerfile", "dockerfile"] {
            let candidate = context_dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
        return Err(ContextError::MissingDockerfile(
            context_dir.join("Dockerfile").display().to_string(),
        ));
    }
    let candidate = if Path::new(path).is_absolute() {
        PathBuf::from(path)
    } else {
        context_dir.join(path)
    };
    if candidate.is_file() {
        Ok(candidate)
    } else {
        Err(ContextError::MissingDockerfile(path.to_owned()))
    }
}

/// `path` relative to `root` with `/` separators, when it is inside `root`.
fn relative_inside(root: &Path, path: &Path) -> Option<String> {
    let root = root.canonicalize().ok()?;
    let path = path.canonicalize().ok()?;
    let relative = path.strip_prefix(&root).ok()?;
    let text = relative
        .components()
        .map(|component| component.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    (!text.is_empty()).then_some(text)
}

struct Writer<'a> {
    builder: tar::Builder<Vec<u8>>,
    matcher: &'a Matcher,
    root: &'a Path,
    /// The context's `.dockerignore`, held back to be written last.
    dockerignore_content: Option<Vec<u8>>,
}

impl Writer<'_> {
    fn read_error(path: &Path, error: &std::io::Error) -> ContextError {
        ContextError::Read {
            path: path.to_path_buf(),
            message: error.to_string(),
        }
    }

    /// Walks `directory` (relative path `prefix`) in name order, as `filepath.WalkDir`.
    fn walk(
        &mut self,
        directory: &Path,
        prefix: &str,
        parent_results: &[bool],
    ) -> Result<(), ContextError> {
        let mut entries: Vec<fs::DirEntry> = fs::read_dir(directory)
            .map_err(|error| Self::read_error(directory, &error))?
            .collect::<Result<_, _>>()
            .map_err(|error| Self::read_error(directory, &error))?;
        entries.sort_by_key(fs::DirEntry::file_name);
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let relative = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            let path = entry.path();
            let metadata =
                fs::symlink_metadata(&path).map_err(|error| Self::read_error(&path, &error))?;
            let (excluded, results) = self.matcher.matches_with_parent(&relative, parent_results);
            let is_directory = metadata.is_dir();
            if excluded {
                if is_directory
                    && self.matcher.has_exclusions()
                    && self.matcher.may_reinclude_below(&relative)
                {
                    self.walk(&path, &relative, &results)?;
                }
                continue;
            }
            self.append(&path, &relative, &metadata)?;
            if is_directory {
                self.walk(&path, &relative, &results)?;
            }
        }
        Ok(())
    }

    fn append(
        &mut self,
        path: &Path,
        relative: &str,
        metadata: &fs::Metadata,
    ) -> Result<(), ContextError> {
        let file_type = metadata.file_type();
        let mut header = tar::Header::new_gnu();
        header.set_metadata_in_mode(metadata, tar::HeaderMode::Complete);
        header.set_uid(0);
        header.set_gid(0);
        let io_error = |error: std::io::Error| Self::read_error(path, &error);
        if file_type.is_symlink() {
            let target = fs::read_link(path).map_err(io_error)?;
            header.set_size(0);
            self.builder
                .append_link(&mut header, relative, &target)
                .map_err(io_error)?;
        } else if file_type.is_dir() {
            header.set_size(0);
            self.builder
                .append_data(&mut header, format!("{relative}/"), std::io::empty())
                .map_err(io_error)?;
        } else if file_type.is_file() {
            if relative == ".dockerignore" {
                // Held back: `context_archive` appends it last, with the name of an outside
                // Dockerfile added when there is one.
                self.dockerignore_content = Some(fs::read(path).map_err(io_error)?);
                return Ok(());
            }
            let file = fs::File::open(path).map_err(io_error)?;
            self.builder
                .append_data(&mut header, relative, file)
                .map_err(io_error)?;
        }
        // Sockets, pipes and devices are not sent (moby `archive` skips sockets too).
        Ok(())
    }

    fn append_bytes(&mut self, name: &str, content: &[u8], mode: u32) -> Result<(), ContextError> {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(mode);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_mtime(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_secs()),
        );
        self.builder
            .append_data(&mut header, name, content)
            .map_err(|error| Self::read_error(&self.root.join(name), &error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(archive: &[u8]) -> Vec<String> {
        let mut reader = tar::Archive::new(archive);
        reader
            .entries()
            .unwrap()
            .map(|entry| entry.unwrap().path().unwrap().display().to_string())
            .collect()
    }

    fn write(root: &Path, relative: &str, content: &str) {
        let path = root.join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }

    #[test]
    fn ignored_files_are_left_out_and_build_files_kept() {
        let directory = tempfile::tempdir().unwrap();
        let root = directory.path();
        write(root, "Dockerfile", "FROM scratch\n");
        write(
            root,
            ".dockerignore",
            "# comment\n*.log\nsecret/\ndocs\n!docs/keep.md\nDockerfile\n.dockerignore\n",
        );
        write(root, "app.txt", "a");
        write(root, "debug.log", "x");
        write(root, "sub/trace.log", "kept: `*` does not cross `/`");
        write(root, "secret/key", "x");
        write(root, "docs/keep.md", "k");
        write(root, "docs/drop.md", "d");
        let archive = context_archive(root, &DockerfileSource::Path(String::new())).unwrap();
        assert_eq!(archive.dockerfile, "Dockerfile");
        let mut listed = names(&archive.archive);
        listed.sort();
        assert_eq!(
            listed,
            [
                ".dockerignore",
                "Dockerfile",
                "app.txt",
                "docs/keep.md",
                "sub/",
                "sub/trace.log"
            ]
        );
    }

    #[test]
    fn outside_and_inline_dockerfiles_get_a_random_name_listed_in_dockerignore() {
        let directory = tempfile::tempdir().unwrap();
        let root = directory.path().join("context");
        write(&root, "app.txt", "a");
        write(directory.path(), "other/Build.dockerfile", "FROM scratch\n");
        let outside = directory.path().join("other/Build.dockerfile");
        let archive = context_archive(
            &root,
            &DockerfileSource::Path(outside.display().to_string()),
        )
        .unwrap();
        assert!(archive.dockerfile.starts_with(".dockerfile."));
        assert_eq!(archive.dockerfile.len(), ".dockerfile.".len() + 20);
        let mut reader = tar::Archive::new(archive.archive.as_slice());
        let mut ignore = String::new();
        for entry in reader.entries().unwrap() {
            let mut entry = entry.unwrap();
            if entry.path().unwrap().to_str() == Some(".dockerignore") {
                entry.read_to_string(&mut ignore).unwrap();
            }
        }
        assert_eq!(ignore, format!(".dockerignore\n{}\n", archive.dockerfile));

        let inline =
            context_archive(&root, &DockerfileSource::Inline("FROM scratch\n".into())).unwrap();
        assert!(names(&inline.archive).contains(&inline.dockerfile));
    }

    #[test]
    fn missing_dockerfile_and_context_are_reported() {
        let directory = tempfile::tempdir().unwrap();
        assert!(matches!(
            context_archive(directory.path(), &DockerfileSource::Path(String::new())),
            Err(ContextError::MissingDockerfile(_))
        ));
        assert!(matches!(
            context_archive(
                &directory.path().join("nope"),
                &DockerfileSource::Path(String::new())
            ),
            Err(ContextError::MissingContext(_))
        ));
    }

    #[test]
    fn random_hex_has_the_length_asked() {
        assert_eq!(random_hex(32).len(), 64);
        assert_ne!(random_hex(8), random_hex(8));
    }
}

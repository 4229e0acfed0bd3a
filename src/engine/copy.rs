//! `cp`, `export` and `commit` on the engine: container paths as tar archives (the engine's
//! `/containers/{id}/archive`), the docker CLI's copy rules (`archive.PrepareArchiveCopy`:
//! into an existing directory, or renamed to a new name, `dir/.` for a directory's contents,
//! `-L` following a symbolic link at the source), local archives built and extracted here.

use crate::slash_path::clean;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use bollard::query_parameters::{
    CommitContainerOptions, ContainerArchiveInfoOptions, DownloadFromContainerOptions,
    UploadToContainerOptions,
};
use futures_util::StreamExt;

use super::connect::Engine;
use super::error::{EngineError, ErrorContext};
use super::reference::ImageReference;

/// Go's `os.ModeDir` and `os.ModeSymlink` in the engine's path stat.
const MODE_DIRECTORY: u32 = 1 << 31;
const MODE_SYMLINK: u32 = 1 << 27;
/// Go's other non-regular type bits (named pipe, socket, device, char device, irregular).
const MODE_IRREGULAR: u32 = (1 << 25) | (1 << 24) | (1 << 26) | (1 << 21) | (1 << 19);

/// Whether an upload may replace a directory by a non-directory, or the reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeChange {
    Refuse,
    Allow,
}

/// A path in a container, as the engine describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathStat {
    pub name: String,
    pub mode: u32,
    pub link_target: String,
}

impl PathStat {
    pub fn is_dir(&self) -> bool {
        self.mode & MODE_DIRECTORY != 0
    }

    pub fn is_symlink(&self) -> bool {
        self.mode & MODE_SYMLINK != 0
    }
}

/// A failed copy: the engine's error, or one of the CLI's copy rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CopyError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("{0}")]
    Rule(String),
    #[error("{path}: {reason}")]
    Local { path: String, reason: String },
}

fn local_error(path: &Path, error: &std::io::Error) -> CopyError {
    CopyError::Local {
        path: path.display().to_string(),
        reason: error.to_string(),
    }
}

/// The CLI's `SplitPathDirEntry`: the cleaned parent and last element of `path`, where a
/// path ending in `/.` keeps `.` as its last element.
pub fn split_path_dir_entry(path: &str) -> (String, String) {
    let cleaned = clean(path);
    let cleaned = if specifies_current_dir(path) && cleaned != "." && cleaned != "/" {
        format!("{cleaned}/.")
    } else if specifies_current_dir(path) && cleaned == "/" {
        "/.".to_owned()
    } else {
        cleaned
    };
    match cleaned.rsplit_once('/') {
        Some(("", base)) => ("/".to_owned(), base.to_owned()),
        Some((parent, base)) => (parent.to_owned(), base.to_owned()),
        None => (".".to_owned(), cleaned),
    }
}

fn specifies_current_dir(path: &str) -> bool {
    path == "." || path.ends_with("/.")
}

/// The path asserts a directory: it ends with `/` or `/.`.
fn asserts_directory(path: &str) -> bool {
    path.ends_with('/') || specifies_current_dir(path)
}

/// What is known of the destination before copying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    pub path: String,
    pub exists: bool,
    pub is_dir: bool,
}

/// Where to extract the copied archive and the name its top entry takes there (the CLI's
/// `PrepareArchiveCopy`); `.` means "the contents, directly in the directory".
pub fn prepare_copy(
    source_is_dir: bool,
    source_name: &str,
    destination: &Destination,
) -> Result<(String, String), CopyError> {
    let (directory, base) = split_path_dir_entry(&destination.path);
    if destination.exists && destination.is_dir {
        return Ok((destination.path.clone(), source_name.to_owned()));
    }
    if destination.exists && source_is_dir {
        return Err(CopyError::Rule(format!(
            "cannot copy a directory to the file `{}`",
            destination.path
        )));
    }
    if !destination.exists && !source_is_dir && asserts_directory(&destination.path) {
        return Err(CopyError::Rule(format!(
            "destination directory `{}` does not exist",
            destination.path
        )));
    }
    Ok((directory, base))
}

/// `name` (an archive entry) with its top element `from` replaced by `to`; `.` stands for
/// "no top element". `None` for entries outside `from` or escaping with `..`.
fn rebase_entry(name: &Path, from: &str, to: &str) -> Option<PathBuf> {
    let mut parts: Vec<String> = Vec::new();
    for component in name.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::CurDir => {}
            _ => return None,
        }
    }
    let rest: &[String] = if from == "." {
        &parts
    } else if parts.first().map(String::as_str) == Some(from) {
        &parts[1..]
    } else {
        return None;
    };
    let mut rebased = PathBuf::new();
    if to != "." {
        rebased.push(to);
    }
    for part in rest {
        rebased.push(part);
    }
    Some(rebased)
}

/// A local path made absolute, keeping a trailing `/` or `/.` (the CLI's
/// `PreserveTrailingDotOrSeparator`).
pub fn absolute_local_path(path: &str) -> String {
    if path.starts_with('/') {
        return path.to_owned();
    }
    let current = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let joined = format!("{}/{path}", current.display());
    let mut cleaned = clean(&joined);
    if specifies_current_dir(path) {
        cleaned.push_str("/.");
    } else if path.ends_with('/') {
        cleaned.push('/');
    }
    cleaned
}

/// A local source: the path to archive, its name in the archive, and whether it is a
/// directory (the CLI's `CopyInfoSourcePath`).
#[derive(Debug, Clone)]
struct LocalSource {
    path: PathBuf,
    name: String,
    is_dir: bool,
}

fn local_source(path: &str, follow_link: bool) -> Result<LocalSource, CopyError> {
    let path = absolute_local_path(path);
    let (directory, base) = split_path_dir_entry(&path);
    let resolved = if follow_link || base == "." {
        std::fs::canonicalize(&path).map_err(|error| local_error(Path::new(&path), &error))?
    } else {
        // Symbolic links above the last element are resolved; the last one is copied as is.
        let directory = std::fs::canonicalize(&directory)
            .map_err(|error| local_error(Path::new(&directory), &error))?;
        directory.join(&base)
    };
    let metadata = if base == "." {
        std::fs::metadata(&resolved)
    } else {
        std::fs::symlink_metadata(&resolved)
    }
    .map_err(|error| local_error(&resolved, &error))?;
    Ok(LocalSource {
        path: resolved,
        name: base,
        is_dir: metadata.is_dir(),
    })
}

/// A tar of `source` whose top entry is `top` (`.`: the directory's entries at the root).
fn build_archive(source: &LocalSource, top: &str) -> Result<Vec<u8>, CopyError> {
    let mut builder = tar::Builder::new(Vec::new());
    builder.follow_symlinks(false);
    let failure = |error: std::io::Error| local_error(&source.path, &error);
    if top == "." {
        let mut children: Vec<_> = std::fs::read_dir(&source.path)
            .map_err(failure)?
            .filter_map(Result::ok)
            .map(|entry| entry.file_name())
            .collect();
        children.sort();
        for child in children {
            let path = source.path.join(&child);
            if std::fs::symlink_metadata(&path).map_err(failure)?.is_dir() {
                builder.append_dir_all(&child, &path).map_err(failure)?;
            } else {
                builder
                    .append_path_with_name(&path, &child)
                    .map_err(failure)?;
            }
        }
    } else if source.is_dir {
        builder.append_dir_all(top, &source.path).map_err(failure)?;
    } else {
        builder
            .append_path_with_name(&source.path, top)
            .map_err(failure)?;
    }
    builder.into_inner().map_err(failure)
}

/// Extracts the tar read from `archive` into `directory`, the top entry `from` renamed `to`;
/// entries are never written outside `directory`, owners are not changed.
fn extract_archive(
    archive: impl Read,
    directory: &Path,
    from: &str,
    to: &str,
) -> Result<(), CopyError> {
    let mut archive = tar::Archive::new(archive);
    archive.set_preserve_permissions(true);
    archive.set_overwrite(true);
    let failure = |error: std::io::Error| local_error(directory, &error);
    for entry in archive.entries().map_err(failure)? {
        let mut entry = entry.map_err(failure)?;
        let name = entry.path().map_err(failure)?.into_owned();
        let Some(relative) = rebase_entry(&name, from, to) else {
            continue;
        };
        let target = directory.join(&relative);
        if entry.header().entry_type().is_hard_link() {
            let Some(link) = entry.link_name().map_err(failure)? else {
                continue;
            };
            let Some(link) = rebase_entry(&link, from, to) else {
                continue;
            };
            let _ = std::fs::remove_file(&target);
            std::fs::hard_link(directory.join(link), &target)
                .map_err(|error| local_error(&target, &error))?;
            continue;
        }
        if relative.as_os_str().is_empty() {
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|error| local_error(parent, &error))?;
        }
        // A file replaces a file or a link, never a directory (`NoOverwriteDirNonDir`).
        if !entry.header().entry_type().is_dir() {
            if let Ok(existing) = std::fs::symlink_metadata(&target) {
                if existing.is_dir() {
                    return Err(CopyError::Rule(format!(
                        "cannot overwrite the directory `{}` with a file",
                        target.display()
                    )));
                }
                let _ = std::fs::remove_file(&target);
            }
        }
        entry
            .unpack(&target)
            .map_err(|error| local_error(&target, &error))?;
    }
    Ok(())
}

/// A blocking reader over chunks sent from the async side.
struct ChunkReader {
    chunks: std::sync::mpsc::Receiver<Vec<u8>>,
    current: Vec<u8>,
    position: usize,
}

impl Read for ChunkReader {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        while self.position >= self.current.len() {
            match self.chunks.recv() {
                Ok(chunk) => {
                    self.current = chunk;
                    self.position = 0;
                }
                Err(_) => return Ok(0),
            }
        }
        let count = buffer.len().min(self.current.len() - self.position);
        buffer[..count].copy_from_slice(&self.current[self.position..self.position + count]);
        self.position += count;
        Ok(count)
    }
}

/// What `cp` does beyond the paths.
#[derive(Debug, Clone, Copy, Default)]
pub struct CopySettings {
    /// `-L`: follow a symbolic link at the source.
    pub follow_link: bool,
    /// `-a`: keep the archive's uid/gid in the container.
    pub copy_owner: bool,
}

/// `commit` options.
#[derive(Debug, Clone, Default)]
pub struct CommitSettings {
    /// `REPOSITORY[:TAG]`; none for an untagged image.
    pub reference: Option<String>,
    pub comment: Option<String>,
    pub author: Option<String>,
    /// Dockerfile instructions (`-c`).
    pub changes: Vec<String>,
    pub pause: bool,
}

impl Engine {
    /// The stat of a path in a container, `None` when it does not exist.
    pub async fn stat_container_path(
        &self,
        container: &str,
        path: &str,
    ) -> Result<Option<PathStat>, EngineError> {
        let options = ContainerArchiveInfoOptions {
            path: path.to_owned(),
        };
        match self
            .docker
            .get_container_archive_info(container, Some(options))
            .await
        {
            Ok(stat) => Ok(Some(PathStat {
                name: stat.name,
                mode: stat.file_mode,
                link_target: stat.link_target,
            })),
            Err(error) => {
                let error = self.error(error, ErrorContext::container(container).action("stat"));
                if error.is_not_found() {
                    Ok(None)
                } else {
                    Err(error)
                }
            }
        }
    }

    /// The stat of a path, a symbolic link followed once (relative to its parent): the
    /// resolved path and its stat.
    async fn stat_following_link(
        &self,
        container: &str,
        path: &str,
    ) -> Result<(String, Option<PathStat>), EngineError> {
        let stat = self.stat_container_path(container, path).await?;
        match stat {
            Some(stat) if stat.is_symlink() => {
                let target = if stat.link_target.starts_with('/') {
                    stat.link_target.clone()
                } else {
                    let (parent, _) = split_path_dir_entry(path);
                    clean(&format!("{parent}/{}", stat.link_target))
                };
                let resolved = self.stat_container_path(container, &target).await?;
                Ok((target, resolved))
            }
            other => Ok((path.to_owned(), other)),
        }
    }

    /// Copies a local file or directory into a container (`cp SRC SERVICE:DEST`).
    pub async fn copy_to_container(
        &self,
        container: &str,
        source: &str,
        destination: &str,
        settings: CopySettings,
    ) -> Result<(), CopyError> {
        let source_path = source.to_owned();
        let follow_link = settings.follow_link;
        let source = tokio::task::spawn_blocking(move || local_source(&source_path, follow_link))
            .await
            .map_err(|error| CopyError::Rule(error.to_string()))??;
        let destination = self.container_destination(container, destination).await?;
        let (directory, top) = prepare_copy(source.is_dir, &source.name, &destination)?;
        let archive = tokio::task::spawn_blocking(move || build_archive(&source, &top))
            .await
            .map_err(|error| CopyError::Rule(error.to_string()))??;
        self.upload_archive(
            container,
            &directory,
            archive,
            settings.copy_owner,
            TypeChange::Refuse,
        )
        .await
    }

    /// Extracts a tar archive (`cp - SERVICE:DEST`) into a directory of a container.
    pub async fn copy_archive_to_container(
        &self,
        container: &str,
        archive: Vec<u8>,
        destination: &str,
        settings: CopySettings,
    ) -> Result<(), CopyError> {
        let destination = self.container_destination(container, destination).await?;
        if !destination.is_dir {
            return Err(CopyError::Rule(format!(
                "destination \"{container}:{}\" must be a directory",
                destination.path
            )));
        }
        self.upload_archive(
            container,
            &destination.path,
            archive,
            settings.copy_owner,
            TypeChange::Refuse,
        )
        .await
    }

    async fn container_destination(
        &self,
        container: &str,
        destination: &str,
    ) -> Result<Destination, CopyError> {
        let (path, stat) = self.stat_following_link(container, destination).await?;
        if let Some(stat) = &stat {
            if stat.mode & MODE_IRREGULAR != 0 {
                return Err(CopyError::Rule(format!(
                    "destination \"{container}:{destination}\" must be a directory or a regular file"
                )));
            }
        }
        // A followed link keeps the trailing `/` or `/.` the user wrote.
        let path = if path != destination && specifies_current_dir(destination) {
            format!("{path}/.")
        } else {
            path
        };
        Ok(Destination {
            path,
            exists: stat.is_some(),
            is_dir: stat.as_ref().is_some_and(PathStat::is_dir),
        })
    }

    /// Extracts a tar into `directory` of the container (`copy_owner`: owned by the
    /// container's user). `cp` refuses type changes; `watch` allows them, as the reference.
    pub async fn upload_archive(
        &self,
        container: &str,
        directory: &str,
        archive: Vec<u8>,
        copy_owner: bool,
        type_change: TypeChange,
    ) -> Result<(), CopyError> {
        let options = UploadToContainerOptions {
            path: directory.to_owned(),
            no_overwrite_dir_non_dir: (type_change == TypeChange::Refuse)
                .then(|| "true".to_owned()),
            copy_uidgid: copy_owner.then(|| "true".to_owned()),
        };
        self.write(
            (),
            self.docker.upload_to_container(
                container,
                Some(options),
                bollard::body_full(archive.into()),
            ),
        )
        .await
        .map_err(|error| {
            CopyError::Engine(
                self.error(error, ErrorContext::container(container).action("copy to")),
            )
        })
    }

    /// The path `cp` asks the engine for and the name it should take locally: with `-L`, a
    /// symbolic link is replaced by its target, keeping the link's name.
    async fn source_in_container(
        &self,
        container: &str,
        source: &str,
        follow_link: bool,
    ) -> Result<(String, Option<String>, PathStat), CopyError> {
        let missing = || {
            CopyError::Rule(format!(
                "could not find the file `{source}` in container `{container}`"
            ))
        };
        let stat = self
            .stat_container_path(container, source)
            .await?
            .ok_or_else(missing)?;
        if follow_link && stat.is_symlink() {
            let (target, resolved) = self.stat_following_link(container, source).await?;
            let (_, original_name) = split_path_dir_entry(source);
            let (_, target_name) = split_path_dir_entry(&target);
            let rebase = (original_name != target_name).then_some(original_name);
            return Ok((target, rebase, resolved.ok_or_else(missing)?));
        }
        Ok((source.to_owned(), None, stat))
    }

    /// Copies a container path into a local file or directory (`cp SERVICE:SRC DEST`).
    pub async fn copy_from_container(
        &self,
        container: &str,
        source: &str,
        destination: &str,
        follow_link: bool,
    ) -> Result<(), CopyError> {
        let (request, rebase, stat) = self
            .source_in_container(container, source, follow_link)
            .await?;
        let destination = local_destination(destination)?;
        let (_, archive_top) = split_path_dir_entry(&request);
        let source_name = rebase.unwrap_or_else(|| archive_top.clone());
        let (directory, top) = prepare_copy(stat.is_dir(), &source_name, &destination)?;
        if self.is_dry_run() {
            // Checked as a real copy would be; nothing is written.
            return Ok(());
        }
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<u8>>(16);
        let extraction = tokio::task::spawn_blocking(move || {
            let reader = ChunkReader {
                chunks: receiver,
                current: Vec::new(),
                position: 0,
            };
            extract_archive(reader, Path::new(&directory), &archive_top, &top)
        });
        let streamed = self
            .container_archive(container, &request, |chunk| {
                // The extraction ends at the archive's end marker, before the engine's
                // padding: what it did not read is not needed (its errors are its own).
                let _ = sender.send(chunk.to_vec());
                Ok(())
            })
            .await;
        drop(sender);
        let extracted = extraction
            .await
            .map_err(|error| CopyError::Rule(error.to_string()))?;
        match (streamed, extracted) {
            // An engine failure cut the archive short: it is the cause.
            (Err(error @ CopyError::Engine(_)), _) | (_, Err(error)) => Err(error),
            (streamed, Ok(())) => streamed,
        }
    }

    /// Streams the tar archive of a container path chunk by chunk (`cp SERVICE:SRC -`).
    pub async fn stream_from_container(
        &self,
        container: &str,
        source: &str,
        follow_link: bool,
        on_chunk: impl FnMut(&[u8]) -> std::io::Result<()>,
    ) -> Result<(), CopyError> {
        let (request, _, _) = self
            .source_in_container(container, source, follow_link)
            .await?;
        if self.is_dry_run() {
            return Ok(());
        }
        self.container_archive(container, &request, on_chunk).await
    }

    async fn container_archive(
        &self,
        container: &str,
        path: &str,
        mut on_chunk: impl FnMut(&[u8]) -> std::io::Result<()>,
    ) -> Result<(), CopyError> {
        let options = DownloadFromContainerOptions {
            path: path.to_owned(),
        };
        let mut stream = self
            .docker
            .download_from_container(container, Some(options));
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|error| {
                CopyError::Engine(self.error(
                    error,
                    ErrorContext::container(container).action("copy from"),
                ))
            })?;
            on_chunk(&chunk).map_err(|error| CopyError::Local {
                path: path.to_owned(),
                reason: error.to_string(),
            })?;
        }
        Ok(())
    }

    /// Streams a container's filesystem as a tar archive, chunk by chunk (`export`).
    pub async fn export_container(
        &self,
        container: &str,
        mut on_chunk: impl FnMut(&[u8]) -> std::io::Result<()>,
    ) -> Result<(), CopyError> {
        let mut stream = self.docker.export_container(container);
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|error| {
                CopyError::Engine(
                    self.error(error, ErrorContext::container(container).action("export")),
                )
            })?;
            on_chunk(&chunk).map_err(|error| CopyError::Local {
                path: container.to_owned(),
                reason: error.to_string(),
            })?;
        }
        Ok(())
    }

    /// Creates an image from a container (`commit`); the new image's id.
    pub async fn commit_container(
        &self,
        container: &str,
        settings: &CommitSettings,
    ) -> Result<String, CopyError> {
        let (repository, tag) = match settings.reference.as_deref() {
            Some(text) => {
                let reference = ImageReference::parse(text).map_err(CopyError::Rule)?;
                if reference.digest.is_some() {
                    return Err(CopyError::Rule(
                        "refusing to create a tag with a digest reference".to_owned(),
                    ));
                }
                let tag = reference.tag_or_latest();
                (Some(reference.repository), Some(tag))
            }
            None => (None, None),
        };
        let options = CommitContainerOptions {
            container: Some(container.to_owned()),
            repo: repository,
            tag,
            comment: settings.comment.clone(),
            author: settings.author.clone(),
            pause: settings.pause,
            changes: (!settings.changes.is_empty()).then(|| settings.changes.join("\n")),
        };
        // Under `--dry-run` the reference was checked and no image is made: no id.
        let committed = self
            .write(
                bollard::models::IdResponse::default(),
                self.docker
                    .commit_container(options, bollard::models::ContainerConfig::default()),
            )
            .await
            .map_err(|error| {
                CopyError::Engine(
                    self.error(error, ErrorContext::container(container).action("commit")),
                )
            })?;
        Ok(committed.id)
    }
}

/// The local destination of a copy from a container: a followed symbolic link, and a parent
/// that must exist (the CLI's `CopyInfoDestinationPath`).
fn local_destination(destination: &str) -> Result<Destination, CopyError> {
    let path = absolute_local_path(destination);
    let trimmed = path.trim_end_matches("/.").trim_end_matches('/');
    let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
    match std::fs::metadata(trimmed) {
        Ok(metadata) => {
            let resolved = std::fs::canonicalize(trimmed)
                .map_or_else(|_| path.clone(), |resolved| resolved.display().to_string());
            let resolved = if specifies_current_dir(&path) {
                format!("{resolved}/.")
            } else if path.ends_with('/') {
                format!("{resolved}/")
            } else {
                resolved
            };
            Ok(Destination {
                path: resolved,
                exists: true,
                is_dir: metadata.is_dir(),
            })
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let (parent, _) = split_path_dir_entry(&path);
            if !Path::new(&parent).is_dir() {
                return Err(local_error(Path::new(&parent), &error));
            }
            Ok(Destination {
                path,
                exists: false,
                is_dir: false,
            })
        }
        Err(error) => Err(local_error(Path::new(trimmed), &error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_as_the_cli_splits_them() {
        assert_eq!(split_path_dir_entry("/a/b"), ("/a".into(), "b".into()));
        assert_eq!(split_path_dir_entry("/a/b/"), ("/a".into(), "b".into()));
        assert_eq!(split_path_dir_entry("/a/b/."), ("/a/b".into(), ".".into()));
        assert_eq!(split_path_dir_entry("/b"), ("/".into(), "b".into()));
        assert_eq!(split_path_dir_entry("b"), (".".into(), "b".into()));
        assert_eq!(clean("/a/../b//c/."), "/b/c");
    }

    fn destination(path: &str, exists: bool, is_dir: bool) -> Destination {
        Destination {
            path: path.to_owned(),
            exists,
            is_dir,
        }
    }

    #[test]
    fn copy_rules() {
        // Into an existing directory, under the source's name.
        assert_eq!(
            prepare_copy(false, "a.txt", &destination("/srv", true, true)).unwrap(),
            ("/srv".into(), "a.txt".into())
        );
        // A new name: extracted in the parent, renamed.
        assert_eq!(
            prepare_copy(true, "dir", &destination("/srv/new", false, false)).unwrap(),
            ("/srv".into(), "new".into())
        );
        assert_eq!(
            prepare_copy(false, "a", &destination("/srv/b.txt", true, false)).unwrap(),
            ("/srv".into(), "b.txt".into())
        );
        assert!(prepare_copy(true, "dir", &destination("/srv/file", true, false)).is_err());
        assert!(prepare_copy(false, "a", &destination("/srv/missing/", false, false)).is_err());
        // `dir/.` into an existing directory: the contents.
        assert_eq!(
            prepare_copy(true, ".", &destination("/srv", true, true)).unwrap(),
            ("/srv".into(), ".".into())
        );
    }

    #[test]
    fn entries_are_rebased_and_kept_inside() {
        let rebase = |name: &str, from: &str, to: &str| {
            rebase_entry(Path::new(name), from, to).map(|path| path.display().to_string())
        };
        assert_eq!(rebase("d/sub/b", "d", "new"), Some("new/sub/b".into()));
        assert_eq!(rebase("./a", ".", "new"), Some("new/a".into()));
        assert_eq!(rebase("d/a", "d", "."), Some("a".into()));
        assert_eq!(rebase("./", ".", "."), Some(String::new()));
        assert_eq!(rebase("other/a", "d", "x"), None);
        assert_eq!(rebase("d/../../etc", "d", "x"), None);
    }
}

//! What a sync sends to a container: a tar of the changed host paths that still exist, at
//! their container paths (modes and modification times kept; ownership is the
//! container's, as the reference uploads with `copyUIDGID`), and the container paths of
//! those that are gone, to delete (the reference's `internal/sync/tar.go`). Entries are not
//! recursive: the watcher reports every path below a new directory on its own, so ignore
//! rules apply to each of them. Reads host files; never talks to the engine.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::PathBuf;

use super::rules::PathMapping;

/// One sync, ready for the engine.
#[derive(Debug, Default)]
pub struct SyncPayload {
    /// The tar to extract at `/` in the container (`None` when nothing is copied).
    pub archive: Option<Vec<u8>>,
    /// How many entries the archive holds.
    pub copied: usize,
    /// Container paths to remove (`rm -rf`), the host paths being gone.
    pub deletions: Vec<String>,
}

/// A host path that cannot be read for a sync.
#[derive(Debug, thiserror::Error)]
#[error("cannot read `{}` to sync it: {source}", path.display())]
pub struct ArchiveError {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

enum Entry {
    Directory(fs::Metadata),
    File(fs::Metadata, Vec<u8>),
    Symlink(fs::Metadata, PathBuf),
}

/// Reads the mappings' host paths. The last mapping of a container path wins.
pub fn prepare(mappings: &[PathMapping]) -> Result<SyncPayload, ArchiveError> {
    let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
    let mut deletions: Vec<String> = Vec::new();
    for mapping in mappings {
        if mapping.container_path.is_empty() {
            continue;
        }
        let name = mapping.container_path.trim_start_matches('/').to_owned();
        if name.is_empty() {
            continue;
        }
        match read_entry(mapping) {
            Ok(Some(entry)) => {
                entries.insert(name, entry);
            }
            Ok(None) => {}
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                entries.remove(&name);
                deletions.push(mapping.container_path.clone());
            }
            Err(source) => {
                return Err(ArchiveError {
                    path: mapping.host_path.clone(),
                    source,
                });
            }
        }
    }
    deletions.retain(|path| !entries.contains_key(path.trim_start_matches('/')));
    let copied = entries.len();
    let archive = if entries.is_empty() {
        None
    } else {
        Some(build(entries).map_err(|source| ArchiveError {
            path: PathBuf::from("/"),
            source,
        })?)
    };
    Ok(SyncPayload {
        archive,
        copied,
        deletions,
    })
}

/// `None` for what a tar cannot hold (sockets, devices), skipped as the reference does.
fn read_entry(mapping: &PathMapping) -> io::Result<Option<Entry>> {
    let metadata = fs::symlink_metadata(&mapping.host_path)?;
    let kind = metadata.file_type();
    Ok(if kind.is_dir() {
        Some(Entry::Directory(metadata))
    } else if kind.is_symlink() {
        let target = fs::read_link(&mapping.host_path)?;
        Some(Entry::Symlink(metadata, target))
    } else if kind.is_file() {
        // Read whole so the header's size is the size of what is sent, even when the
        // file is being written meanwhile.
        let content = fs::read(&mapping.host_path)?;
        Some(Entry::File(metadata, content))
    } else {
        None
    })
}

fn header_for(metadata: &fs::Metadata, kind: tar::EntryType, size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_mode(metadata.permissions().mode() & 0o7777);
    header.set_mtime(u64::try_from(metadata.mtime()).unwrap_or_default());
    header.set_uid(0);
    header.set_gid(0);
    header.set_size(size);
    header
}

fn build(entries: BTreeMap<String, Entry>) -> io::Result<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    // Parents before children (sorted names), so a new directory exists before its files.
    for (name, entry) in entries {
        match entry {
            Entry::Directory(metadata) => {
                let mut header = header_for(&metadata, tar::EntryType::Directory, 0);
                builder.append_data(&mut header, format!("{name}/"), io::empty())?;
            }
            Entry::File(metadata, content) => {
                let size = u64::try_from(content.len()).unwrap_or_default();
                let mut header = header_for(&metadata, tar::EntryType::Regular, size);
                builder.append_data(&mut header, &name, content.as_slice())?;
            }
            Entry::Symlink(metadata, target) => {
                let mut header = header_for(&metadata, tar::EntryType::Symlink, 0);
                builder.append_link(&mut header, &name, &target)?;
            }
        }
    }
    builder.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(host: &std::path::Path, container: &str) -> PathMapping {
        PathMapping {
            host_path: host.to_path_buf(),
            container_path: container.to_owned(),
        }
    }

    #[test]
    fn files_directories_links_and_deletions() {
        let directory = tempfile::tempdir().unwrap();
        let root = directory.path();
        fs::write(root.join("run.sh"), "#!/bin/sh\n").unwrap();
        fs::set_permissions(root.join("run.sh"), fs::Permissions::from_mode(0o750)).unwrap();
        fs::create_dir(root.join("sub")).unwrap();
        std::os::unix::fs::symlink("run.sh", root.join("link")).unwrap();
        let payload = prepare(&[
            mapping(&root.join("run.sh"), "/app/run.sh"),
            mapping(&root.join("sub"), "/app/sub"),
            mapping(&root.join("link"), "/app/link"),
            mapping(&root.join("gone"), "/app/gone"),
            mapping(&root.join("gone"), ""),
        ])
        .unwrap();
        assert_eq!(payload.copied, 3);
        assert_eq!(payload.deletions, ["/app/gone"]);
        let bytes = payload.archive.unwrap();
        let mut archive = tar::Archive::new(bytes.as_slice());
        let mut seen = Vec::new();
        for entry in archive.entries().unwrap() {
            let entry = entry.unwrap();
            let header = entry.header();
            seen.push((
                entry.path().unwrap().display().to_string(),
                header.entry_type(),
                header.mode().unwrap(),
                header.size().unwrap(),
            ));
        }
        assert_eq!(seen[0].0, "app/link");
        assert_eq!(seen[0].1, tar::EntryType::Symlink);
        assert_eq!(
            seen[1],
            ("app/run.sh".to_owned(), tar::EntryType::Regular, 0o750, 10)
        );
        assert_eq!(seen[2].0, "app/sub/");
        assert_eq!(seen[2].1, tar::EntryType::Directory);
    }

    #[test]
    fn nothing_to_copy_means_no_archive() {
        let payload = prepare(&[mapping(std::path::Path::new("/no/such/file"), "/x")]).unwrap();
        assert!(payload.archive.is_none());
        assert_eq!(payload.deletions, ["/x"]);
    }
}

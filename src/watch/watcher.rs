//! The file watcher: one inotify watch (through `notify`) per directory the rules need,
//! added by our own walk, as the reference's naive watcher does (`pkg/watch/watcher_naive.go`):
//! the watched paths, their parents up to the nearest one that exists (so a path created
//! later is seen), and every directory below them that some rule does not ignore entirely
//! (an ignored `node_modules` costs no watch). A new directory is watched as soon as it
//! appears and every path already in it is reported, so files written right after a `mkdir`
//! are not missed. Reports changed paths (only writes, creations, deletions, renames, mode
//! changes: never our own reads) on a channel; the matching against rules is the caller's.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;

use notify::event::{AccessKind, AccessMode, ModifyKind, RenameMode};
use notify::{Event, EventKind, RecursiveMode, Watcher as _};
use tokio::sync::mpsc;

use super::error::WatchError;
use super::rules::is_within;

/// What the watcher reports.
#[derive(Debug)]
pub enum WatcherMessage {
    /// A path changed (created, written, removed, renamed, or its mode changed).
    Changed(PathBuf),
    /// Something went wrong, watching goes on (a new directory over the watch limit, lost
    /// events).
    Problem(WatchError),
}

/// Which directories to watch and which paths to report.
pub struct Tree {
    roots: Vec<PathBuf>,
    /// Whether a directory below a root is ignored by every rule that covers it.
    entirely_ignored: Box<dyn Fn(&Path) -> bool + Send>,
}

impl Tree {
    pub fn new(roots: Vec<PathBuf>, entirely_ignored: Box<dyn Fn(&Path) -> bool + Send>) -> Self {
        Self {
            roots,
            entirely_ignored,
        }
    }

    /// Whether a directory needs no watch: neither a root, nor a parent of one, nor below
    /// one (or below one but ignored entirely).
    pub fn skips_directory(&self, directory: &Path) -> bool {
        if self
            .roots
            .iter()
            .any(|root| root.as_path() == directory || is_within(directory, root))
        {
            return false;
        }
        if self.roots.iter().any(|root| is_within(root, directory)) {
            return (self.entirely_ignored)(directory);
        }
        true
    }

    /// Whether a change of `path` is reported: anything below a root, a root itself unless
    /// it is a directory (a directory's own events say nothing its entries do not).
    pub fn reports(&self, path: &Path) -> bool {
        self.roots.iter().any(|root| {
            if root.as_path() == path {
                !fs::symlink_metadata(path).is_ok_and(|metadata| metadata.is_dir())
            } else {
                is_within(root, path)
            }
        })
    }
}

/// The nearest path at or above `path` that exists.
fn nearest_existing(path: &Path) -> Result<PathBuf, WatchError> {
    let mut current = path.to_path_buf();
    loop {
        if current.parent().is_none() {
            return Err(WatchError::RootDirectory);
        }
        match fs::symlink_metadata(&current) {
            Ok(_) => return Ok(current),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                current = current
                    .parent()
                    .map(Path::to_path_buf)
                    .ok_or(WatchError::RootDirectory)?;
            }
            Err(error) => {
                return Err(WatchError::Watcher {
                    path: current,
                    message: error.to_string(),
                });
            }
        }
    }
}

fn read_limit(name: &str) -> Option<u64> {
    fs::read_to_string(format!("/proc/sys/fs/inotify/{name}"))
        .ok()
        .and_then(|text| text.trim().parse().ok())
}

fn watch_error(path: &Path, error: &notify::Error) -> WatchError {
    match error.kind {
        notify::ErrorKind::MaxFilesWatch => WatchError::WatchLimit {
            path: path.to_path_buf(),
            limit: read_limit("max_user_watches"),
        },
        notify::ErrorKind::Io(ref io_error) if io_error.raw_os_error() == Some(28) => {
            WatchError::WatchLimit {
                path: path.to_path_buf(),
                limit: read_limit("max_user_watches"),
            }
        }
        _ => WatchError::Watcher {
            path: path.to_path_buf(),
            message: error.to_string(),
        },
    }
}

enum Control {
    Event(notify::Result<Event>),
    Stop,
}

/// The running watcher; stops when dropped.
pub struct FileWatcher {
    control: std_mpsc::Sender<Control>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for FileWatcher {
    fn drop(&mut self) {
        let _ = self.control.send(Control::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct State {
    watcher: notify::RecommendedWatcher,
    tree: Tree,
    output: mpsc::UnboundedSender<WatcherMessage>,
}

impl State {
    /// Watches `start` and the directories below it that the tree wants; with `report`,
    /// reports every path met (a directory that just appeared).
    fn add(&mut self, start: &Path, report: bool) -> Result<(), WatchError> {
        let mut pending = vec![start.to_path_buf()];
        while let Some(directory) = pending.pop() {
            if self.tree.skips_directory(&directory) {
                continue;
            }
            match self.watcher.watch(&directory, RecursiveMode::NonRecursive) {
                Ok(()) => {}
                // Gone meanwhile: its removal is reported by its parent.
                Err(error) if matches!(error.kind, notify::ErrorKind::PathNotFound) => continue,
                Err(error) => return Err(watch_error(&directory, &error)),
            }
            let Ok(entries) = fs::read_dir(&directory) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let is_directory = entry.file_type().is_ok_and(|kind| kind.is_dir());
                if report && self.tree.reports(&path) {
                    let _ = self.output.send(WatcherMessage::Changed(path.clone()));
                }
                if is_directory {
                    pending.push(path);
                }
            }
        }
        Ok(())
    }

    fn handle(&mut self, event: Event) {
        if event.need_rescan() {
            let _ = self
                .output
                .send(WatcherMessage::Problem(WatchError::Overflow));
            return;
        }
        let may_be_new_directory = match event.kind {
            EventKind::Create(_)
            | EventKind::Modify(ModifyKind::Name(
                RenameMode::To | RenameMode::Both | RenameMode::Any,
            )) => true,
            EventKind::Modify(_)
            | EventKind::Remove(_)
            | EventKind::Access(AccessKind::Close(AccessMode::Write)) => false,
            // Opens and reads (ours too, when we archive a file) change nothing.
            _ => return,
        };
        for path in event.paths {
            if may_be_new_directory
                && fs::symlink_metadata(&path).is_ok_and(|metadata| metadata.is_dir())
            {
                if let Err(problem) = self.add(&path, true) {
                    let _ = self.output.send(WatcherMessage::Problem(problem));
                }
            }
            if self.tree.reports(&path) {
                let _ = self.output.send(WatcherMessage::Changed(path));
            }
        }
    }
}

/// Starts watching. Errors that make watching impossible (the watch limit reached on
/// the initial directories, no inotify instance left) are returned here; later ones are
/// reported on `output`.
pub fn start(
    tree: Tree,
    output: mpsc::UnboundedSender<WatcherMessage>,
) -> Result<FileWatcher, WatchError> {
    let (control, receiver) = std_mpsc::channel::<Control>();
    let events = control.clone();
    let watcher = notify::recommended_watcher(move |event: notify::Result<Event>| {
        let _ = events.send(Control::Event(event));
    })
    .map_err(|error| match &error.kind {
        notify::ErrorKind::Io(io_error) if io_error.raw_os_error() == Some(24) => {
            WatchError::InstanceLimit {
                limit: read_limit("max_user_instances"),
            }
        }
        _ => WatchError::Failed(error.to_string()),
    })?;
    let starts: Vec<PathBuf> = tree
        .roots
        .iter()
        .map(|root| nearest_existing(root))
        .collect::<Result<_, _>>()?;
    let mut state = State {
        watcher,
        tree,
        output,
    };
    for start in starts {
        // A file is watched through its directory (editors replace files by renaming).
        let directory = if fs::metadata(&start).is_ok_and(|metadata| metadata.is_dir()) {
            start
        } else {
            start
                .parent()
                .map(Path::to_path_buf)
                .ok_or(WatchError::RootDirectory)?
        };
        state.add(&directory, false)?;
    }
    let thread = std::thread::Builder::new()
        .name("watch".to_owned())
        .spawn(move || {
            while let Ok(message) = receiver.recv() {
                match message {
                    Control::Event(Ok(event)) => state.handle(event),
                    Control::Event(Err(error)) => {
                        let path = error.paths.first().cloned().unwrap_or_default();
                        let _ = state
                            .output
                            .send(WatcherMessage::Problem(watch_error(&path, &error)));
                    }
                    Control::Stop => break,
                }
            }
        })
        .map_err(|error| WatchError::Failed(error.to_string()))?;
    Ok(FileWatcher {
        control,
        thread: Some(thread),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn tree(roots: &[&Path], ignored: &'static str) -> Tree {
        Tree::new(
            roots.iter().map(|root| root.to_path_buf()).collect(),
            Box::new(move |directory: &Path| directory.ends_with(ignored)),
        )
    }

    #[test]
    fn which_directories_are_watched_and_reported() {
        let tree = tree(
            &[Path::new("/p/src"), Path::new("/p/conf.json")],
            "node_modules",
        );
        assert!(!tree.skips_directory(Path::new("/p")));
        assert!(!tree.skips_directory(Path::new("/p/src")));
        assert!(!tree.skips_directory(Path::new("/p/src/lib")));
        assert!(tree.skips_directory(Path::new("/p/src/node_modules")));
        assert!(tree.skips_directory(Path::new("/p/other")));
        assert!(tree.skips_directory(Path::new("/q")));
        assert!(tree.reports(Path::new("/p/src/a.js")));
        assert!(tree.reports(Path::new("/p/conf.json")));
        assert!(!tree.reports(Path::new("/p/other.json")));
    }

    fn next_change(receiver: &mut mpsc::UnboundedReceiver<WatcherMessage>, wanted: &Path) -> bool {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            match receiver.try_recv() {
                Ok(WatcherMessage::Changed(path)) if path == wanted => return true,
                Ok(_) => {}
                Err(mpsc::error::TryRecvError::Empty) => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(mpsc::error::TryRecvError::Disconnected) => return false,
            }
        }
        false
    }

    #[test]
    fn reports_files_in_new_directories_and_not_in_ignored_ones() {
        let directory = tempfile::tempdir().unwrap();
        let root = directory.path().join("src");
        fs::create_dir_all(root.join("node_modules")).unwrap();
        let (sender, mut receiver) = mpsc::unbounded_channel();
        let watcher = start(tree(&[&root], "node_modules"), sender).unwrap();
        fs::write(root.join("a.txt"), "a").unwrap();
        assert!(next_change(&mut receiver, &root.join("a.txt")));
        fs::create_dir_all(root.join("new/deeper")).unwrap();
        fs::write(root.join("new/deeper/b.txt"), "b").unwrap();
        assert!(next_change(&mut receiver, &root.join("new/deeper/b.txt")));
        fs::write(root.join("node_modules/x.js"), "x").unwrap();
        fs::write(root.join("after.txt"), "c").unwrap();
        // Events come in order: the ignored file would have been seen before this one.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let mut saw_ignored = false;
        loop {
            assert!(std::time::Instant::now() < deadline);
            match receiver.try_recv() {
                Ok(WatcherMessage::Changed(path)) if path == root.join("after.txt") => break,
                Ok(WatcherMessage::Changed(path))
                    if path.starts_with(root.join("node_modules")) =>
                {
                    saw_ignored = true;
                }
                Ok(_) => {}
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
        assert!(!saw_ignored);
        fs::remove_file(root.join("a.txt")).unwrap();
        assert!(next_change(&mut receiver, &root.join("a.txt")));
        drop(watcher);
    }

    #[test]
    fn a_watched_file_replaced_by_rename_is_seen() {
        let directory = tempfile::tempdir().unwrap();
        let file = directory.path().join("conf.json");
        fs::write(&file, "{}").unwrap();
        let (sender, mut receiver) = mpsc::unbounded_channel();
        let _watcher = start(tree(&[&file], "node_modules"), sender).unwrap();
        // What editors do: write a temporary file, rename it over the original.
        let temporary = directory.path().join(".conf.json.tmp");
        fs::write(&temporary, "{\"a\":1}").unwrap();
        fs::rename(&temporary, &file).unwrap();
        assert!(next_change(&mut receiver, &file));
    }

    #[test]
    fn a_missing_path_is_seen_once_created() {
        let directory = tempfile::tempdir().unwrap();
        let root = directory.path().join("later/src");
        let (sender, mut receiver) = mpsc::unbounded_channel();
        let _watcher = start(tree(&[&root], "node_modules"), sender).unwrap();
        fs::create_dir_all(&root).unwrap();
        fs::write(root.join("file"), "x").unwrap();
        assert!(next_change(&mut receiver, &root.join("file")));
    }
}

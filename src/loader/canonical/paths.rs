//! Relative paths made absolute against the project directory (compose-go `paths/`):
//! build contexts, bind sources, env/label files, secret/config files, watch paths,
//! `local` volume devices bound with `o: bind`. `~` expands to `$HOME`. Windows absolute
//! paths (`C:\x`, `\\host\share`) are left as written, like the reference on Linux.

use super::{Diagnostic, Node, NormalizeContext, Value, services_mut};

/// Resolves every known path field of the merged tree in place.
pub(super) fn resolve_relative_paths(
    tree: &mut Node,
    context: &NormalizeContext<'_>,
    home: Option<String>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let resolver = Resolver {
        working_dir: context.working_dir.to_string_lossy().into_owned(),
        home,
    };
    if let Some(services) = services_mut(tree) {
        for entry in services.values_mut() {
            resolver.resolve_service(&mut entry.value, diagnostics);
        }
    }
    for section in ["configs", "secrets"] {
        if let Some(resources) = tree.get_mut(section).and_then(Node::as_map_mut) {
            for entry in resources.values_mut() {
                if let Some(file) = entry.value.get_mut("file") {
                    resolver.apply(file, Resolver::maybe_unix_path);
                }
            }
        }
    }
    if let Some(volumes) = tree.get_mut("volumes").and_then(Node::as_map_mut) {
        for entry in volumes.values_mut() {
            let volume = &mut entry.value;
            if volume.get("driver").and_then(Node::as_str) != Some("local") {
                continue;
            }
            let Some(options) = volume.get_mut("driver_opts") else {
                continue;
            };
            if options.get("o").and_then(Node::as_str) == Some("bind") {
                if let Some(device) = options.get_mut("device") {
                    resolver.apply(device, Resolver::maybe_unix_path);
                }
            }
        }
    }
}

struct Resolver {
    working_dir: String,
    home: Option<String>,
}

impl Resolver {
    fn resolve_service(&self, service: &mut Node, diagnostics: &mut Vec<Diagnostic>) {
        if let Some(build) = service.get_mut("build") {
            if let Some(context) = build.get_mut("context") {
                self.apply(context, Self::context_path);
            }
            if let Some(contexts) = build
                .get_mut("additional_contexts")
                .and_then(Node::as_map_mut)
            {
                for entry in contexts.values_mut() {
                    self.apply(&mut entry.value, Self::context_path);
                }
            }
            if let Some(keys) = build.get_mut("ssh").and_then(Node::as_map_mut) {
                for entry in keys.values_mut() {
                    self.apply(&mut entry.value, Self::maybe_unix_path);
                }
            }
        }
        if let Some(Value::Seq(files)) = service.get_mut("env_file").map(|node| &mut node.value) {
            for file in files.iter_mut() {
                if let Some(path) = file.get_mut("path") {
                    self.apply(path, Self::abs_path);
                }
            }
        }
        if let Some(Value::Seq(files)) = service.get_mut("label_file").map(|node| &mut node.value) {
            for file in files.iter_mut() {
                self.apply(file, Self::abs_path);
            }
        }
        if let Some(file) = service
            .get_mut("extends")
            .and_then(|extends| extends.get_mut("file"))
        {
            self.apply(file, Self::abs_path);
        }
        let triggers = service
            .get_mut("develop")
            .and_then(|develop| develop.get_mut("watch"));
        if let Some(Value::Seq(triggers)) = triggers.map(|node| &mut node.value) {
            for trigger in triggers.iter_mut() {
                if let Some(path) = trigger.get_mut("path") {
                    self.apply(path, Self::abs_path);
                }
            }
        }
        if let Some(Value::Seq(volumes)) = service.get_mut("volumes").map(|node| &mut node.value) {
            for volume in volumes.iter_mut() {
                if volume.get("type").and_then(Node::as_str) != Some("bind") {
                    continue;
                }
                match volume.get_mut("source") {
                    Some(source) => self.apply(source, Self::maybe_unix_path),
                    None => diagnostics.push(Diagnostic::new(
                        "invalid mount config for type `bind`: field `source` must not be empty",
                        volume.span,
                    )),
                }
            }
        }
    }

    fn apply(&self, node: &mut Node, resolve: fn(&Self, &str) -> String) {
        if let Value::String(text) = &node.value {
            let resolved = resolve(self, text);
            node.value = Value::String(resolved);
        }
    }

    /// compose-go `ExpandUser`.
    fn expand_user(&self, path: &str) -> String {
        match (path.strip_prefix('~'), &self.home) {
            (Some(rest), Some(home)) => join(home, rest),
            _ => path.to_owned(),
        }
    }

    /// compose-go `absPath`.
    fn abs_path(&self, path: &str) -> String {
        let path = self.expand_user(path);
        if path.starts_with('/') || path.is_empty() {
            path
        } else {
            join(&self.working_dir, &path)
        }
    }

    /// compose-go `maybeUnixPath`: absolute Unix or Windows paths are kept as written.
    fn maybe_unix_path(&self, path: &str) -> String {
        let path = self.expand_user(path);
        if path.starts_with('/') || is_windows_absolute(&path) {
            path
        } else {
            join(&self.working_dir, &path)
        }
    }

    /// compose-go `absContextPath`: URLs, `service:` and remote contexts are kept.
    fn context_path(&self, path: &str) -> String {
        let remote = [
            "https://",
            "http://",
            "git://",
            "ssh://",
            "github.com/",
            "git@",
        ];
        if path.contains("://")
            || path.starts_with("service:")
            || remote.iter().any(|prefix| path.starts_with(prefix))
        {
            return path.to_owned();
        }
        self.abs_path(path)
    }
}

/// Go `filepath.Join(base, rest)` on Unix: joined with `/`, then cleaned.
fn join(base: &str, rest: &str) -> String {
    match (base.is_empty(), rest.is_empty()) {
        (true, true) => String::new(),
        (true, false) => clean_slash_path(rest),
        (false, true) => clean_slash_path(base),
        (false, false) => clean_slash_path(&format!("{base}/{rest}")),
    }
}

/// Go `path.Clean`: the shortest equivalent path, lexically.
pub(super) use crate::slash_path::clean as clean_slash_path;

/// compose-go `paths.IsWindowsAbs`: `C:\x`, `C:/x`, `\\host\share\x`.
fn is_windows_absolute(path: &str) -> bool {
    let bytes = path.as_bytes();
    let separator = |byte: u8| byte == b'\\' || byte == b'/';
    if bytes.len() >= 3 && bytes[1] == b':' {
        return separator(bytes[2]);
    }
    bytes.len() >= 2 && separator(bytes[0]) && separator(bytes[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_like_go() {
        assert_eq!(clean_slash_path("/a/b/../c/"), "/a/c");
        assert_eq!(clean_slash_path("a/./b//"), "a/b");
        assert_eq!(clean_slash_path("../x"), "../x");
        assert_eq!(clean_slash_path("/.."), "/");
        assert_eq!(join("/work/p", "../up"), "/work/up");
    }

    #[test]
    fn windows_paths_are_absolute() {
        assert!(is_windows_absolute("C:\\data"));
        assert!(is_windows_absolute("c:/data"));
        assert!(is_windows_absolute("\\\\host\\share"));
        assert!(!is_windows_absolute("c:data"));
        assert!(!is_windows_absolute("data"));
    }
}

//! Go's `path.Clean` for slash-separated paths (container paths, `.dockerignore` and watch
//! patterns, compose-go's container-side paths): pure text, no file system access.

/// Go's `filepath.Clean` on a slash-separated path: collapses `//`, removes `.` elements,
/// resolves `..` against the preceding element, drops a trailing `/`.
pub fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_owned();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

//! Service volume short syntax `[SOURCE:]TARGET[:MODE]` → long form (compose-go
//! `format/volume.go` + `transform/volume.go`): bind when the source looks like a path
//! (`.`, `/`, `~`, `\\`, `C:`), named volume otherwise, anonymous without a source.

use super::{Diagnostic, Node, bool_node, map_node, string_node};
use crate::loader::source::Span;

/// The parts of a short-syntax volume.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct VolumeSpec {
    pub kind: &'static str,
    pub source: String,
    pub target: String,
    pub read_only: bool,
    pub selinux: String,
    pub propagation: String,
    pub no_copy: bool,
    pub create_host_path: bool,
}

pub(super) fn transform_volume(
    node: &mut Node,
    skip_interpolation: bool,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(text) = node.as_str() else {
        return;
    };
    match parse_volume(text) {
        Ok(mut spec) => {
            spec.target = super::paths::clean_slash_path(&spec.target);
            *node = spec_node(&spec, node.span);
        }
        Err(reason) => {
            if !skip_interpolation {
                diagnostics.push(Diagnostic::new(
                    format!("invalid volume `{text}`: {reason}"),
                    node.span,
                ));
            }
        }
    }
}

fn spec_node(spec: &VolumeSpec, span: Span) -> Node {
    let mut entries = vec![("type".to_owned(), string_node(spec.kind, span))];
    if !spec.source.is_empty() {
        entries.push(("source".to_owned(), string_node(&spec.source, span)));
    }
    if !spec.target.is_empty() {
        entries.push(("target".to_owned(), string_node(&spec.target, span)));
    }
    if spec.read_only {
        entries.push(("read_only".to_owned(), bool_node(true, span)));
    }
    let has_bind_options =
        !spec.selinux.is_empty() || !spec.propagation.is_empty() || spec.create_host_path;
    if has_bind_options {
        let mut bind = Vec::new();
        if !spec.selinux.is_empty() {
            bind.push(("selinux".to_owned(), string_node(&spec.selinux, span)));
        }
        if !spec.propagation.is_empty() {
            bind.push((
                "propagation".to_owned(),
                string_node(&spec.propagation, span),
            ));
        }
        if spec.create_host_path {
            bind.push(("create_host_path".to_owned(), bool_node(true, span)));
        }
        entries.push(("bind".to_owned(), map_node(bind, span)));
    }
    if spec.kind == "volume" || spec.no_copy {
        let mut volume = Vec::new();
        if spec.no_copy {
            volume.push(("nocopy".to_owned(), bool_node(true, span)));
        }
        entries.push(("volume".to_owned(), map_node(volume, span)));
    }
    map_node(entries, span)
}

/// compose-go `format.ParseVolume`.
pub(super) fn parse_volume(spec: &str) -> Result<VolumeSpec, String> {
    let mut volume = VolumeSpec::default();
    match spec.chars().count() {
        0 => return Err("empty volume spec".to_owned()),
        1 | 2 => {
            spec.clone_into(&mut volume.target);
            volume.kind = "volume";
            return Ok(volume);
        }
        _ => {}
    }
    let characters: Vec<char> = spec.chars().collect();
    let mut buffer: Vec<char> = Vec::new();
    let mut substitution_depth = 0usize;
    let mut index = 0;
    while index <= characters.len() {
        let character = characters.get(index).copied();
        index += 1;
        if character == Some('$') && characters.get(index) == Some(&'{') {
            substitution_depth += 1;
            buffer.push('$');
            continue;
        }
        if character == Some('}') && substitution_depth > 0 {
            substitution_depth -= 1;
            buffer.push('}');
            continue;
        }
        let is_drive = character == Some(':') && buffer.len() == 1 && buffer[0].is_alphabetic();
        if is_drive {
            buffer.push(':');
        } else if (character == Some(':') || character.is_none()) && substitution_depth == 0 {
            populate_field(character.is_none(), &buffer, &mut volume)?;
            buffer.clear();
        } else if let Some(character) = character {
            buffer.push(character);
        }
    }
    populate_type(&mut volume);
    Ok(volume)
}

fn populate_field(at_end: bool, buffer: &[char], volume: &mut VolumeSpec) -> Result<(), String> {
    let text: String = buffer.iter().collect();
    if buffer.is_empty() {
        return Err("empty section between colons".to_owned());
    }
    if volume.source.is_empty() && at_end {
        volume.target = text;
        return Ok(());
    }
    if volume.source.is_empty() {
        volume.source = text;
        return Ok(());
    }
    if volume.target.is_empty() {
        volume.target = text;
        return Ok(());
    }
    if !at_end {
        return Err("too many colons".to_owned());
    }
    for option in text.split(',') {
        match option {
            "ro" => volume.read_only = true,
            "rw" => volume.read_only = false,
            "nocopy" => volume.no_copy = true,
            "rprivate" | "private" | "rshared" | "shared" | "rslave" | "slave" => {
                option.clone_into(&mut volume.propagation);
            }
            "z" | "Z" => option.clone_into(&mut volume.selinux),
            _ => {}
        }
    }
    Ok(())
}

fn populate_type(volume: &mut VolumeSpec) {
    if is_file_path(&volume.source) {
        volume.kind = "bind";
        volume.create_host_path = true;
    } else {
        volume.kind = "volume";
    }
}

fn is_file_path(source: &str) -> bool {
    let mut characters = source.chars();
    let Some(first) = characters.next() else {
        return false;
    };
    if matches!(first, '.' | '/' | '~') || source.starts_with("\\\\") {
        return true;
    }
    characters.next() == Some(':') && first.is_alphabetic()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_binds_named_and_anonymous() {
        let bind = parse_volume("./src:/src:ro,z").unwrap();
        assert_eq!(
            (bind.kind, bind.source.as_str(), bind.target.as_str()),
            ("bind", "./src", "/src")
        );
        assert!(bind.read_only && bind.create_host_path);
        assert_eq!(bind.selinux, "z");
        let named = parse_volume("data:/var/lib:nocopy").unwrap();
        assert_eq!((named.kind, named.no_copy), ("volume", true));
        let anonymous = parse_volume("/data").unwrap();
        assert_eq!((anonymous.kind, anonymous.source.as_str()), ("volume", ""));
        let windows = parse_volume("C:\\data:/data").unwrap();
        assert_eq!(
            (windows.kind, windows.source.as_str()),
            ("bind", "C:\\data")
        );
        let interpolated = parse_volume("${SRC:-./x}:/x").unwrap();
        assert_eq!(interpolated.source, "${SRC:-./x}");
    }

    #[test]
    fn rejects_bad_specs() {
        assert!(parse_volume("ab:cd:ef:gh").is_err());
        assert!(parse_volume("ab::cd").is_err());
    }
}

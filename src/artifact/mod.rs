//! Compose projects as OCI artifacts, the reference's format (`docker compose publish`,
//! `-f oci://…`): pure data work only. `format` builds the descriptors and the manifest
//! JSON, `rewrite` points a file's `env_file`/`extends.file` at the names they get inside the
//! artifact, `checks` finds what `publish` refuses or asks about, `unpack` turns a fetched
//! manifest and its layers back into the files the loader reads. The registry traffic is
//! `engine::registry`; the commands wire them.

pub mod checks;
pub mod format;
pub mod rewrite;
pub mod secrets;
pub mod unpack;

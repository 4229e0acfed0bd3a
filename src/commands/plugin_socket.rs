//! When the docker CLI runs us as its `compose` plugin, it does not pass a Ctrl-C on (when
//! its output is not a terminal, the kernel does not either): it closes the socket named in
//! `DOCKER_CLI_PLUGIN_SOCKET` instead. We connect to it, and its closing is a SIGINT to
//! ourselves, so that every command stops as it does on Ctrl-C (the CLI kills us after a
//! third signal, as it does the reference).

use std::io::Read;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixStream};

/// The variable the docker CLI sets to its plugin socket (`@name`: an abstract socket).
const SOCKET_VARIABLE: &str = "DOCKER_CLI_PLUGIN_SOCKET";

/// Connects to the docker CLI's plugin socket, if there is one, and watches it on a thread
/// of its own. Nothing happens without the variable or when the socket cannot be reached.
pub(crate) fn follow_docker_cli() {
    let Some(name) = std::env::var_os(SOCKET_VARIABLE) else {
        return;
    };
    let name = name.to_string_lossy().into_owned();
    let address = match name.strip_prefix('@') {
        Some(abstract_name) => SocketAddr::from_abstract_name(abstract_name.as_bytes()),
        None => SocketAddr::from_pathname(&name),
    };
    let Ok(mut stream) = address.and_then(|address| UnixStream::connect_addr(&address)) else {
        tracing::debug!("cannot reach the docker CLI's plugin socket {name}");
        return;
    };
    std::thread::spawn(move || {
        let mut buffer = [0_u8; 64];
        // The CLI never writes: a read ends when it closes the connection.
        while matches!(stream.read(&mut buffer), Ok(read) if read > 0) {}
        tracing::debug!("the docker CLI closed the plugin socket: interrupting");
        let _ =
            rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::INT);
    });
}

//! Renderer tests against output captured from the reference (Docker Compose v2.40.3) on a
//! three-service project (`web` depends on a healthy `db`, `worker`, a named volume), run as
//! `-p progresscheck-pc1 --progress plain|json|tty up -d` and `down -v`.

use std::fmt::Write;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::*;
use crate::output::events::{EventState, ProgressEvent, ResourceId, Status};

fn at(base: Instant, millis: u64) -> Instant {
    base + Duration::from_millis(millis)
}

fn network() -> ResourceId {
    ResourceId::network("progresscheck-pc1_default")
}

fn volume() -> ResourceId {
    ResourceId::volume("progresscheck-pc1_data")
}

fn container(service: &str) -> ResourceId {
    ResourceId::container(format!("progresscheck-pc1-{service}-1"))
}

/// `up -d` as the reference's engine reported it (plain capture, in order), with times that
/// give the timers of the tty capture.
fn up_events(base: Instant) -> Vec<ProgressEvent> {
    let event = |resource: ResourceId, status: Status, millis: u64| {
        ProgressEvent::new(resource, status, at(base, millis))
    };
    vec![
        event(network(), Status::Creating, 0),
        event(network(), Status::Created, 100),
        event(volume(), Status::Creating, 100),
        event(volume(), Status::Created, 100),
        event(container("db"), Status::Creating, 100),
        event(container("worker"), Status::Creating, 110),
        event(container("worker"), Status::Created, 140),
        event(container("db"), Status::Created, 190),
        event(container("web"), Status::Creating, 195),
        event(container("web"), Status::Created, 300),
        event(container("worker"), Status::Starting, 300),
        event(container("db"), Status::Starting, 300),
        event(container("db"), Status::Started, 1350),
        event(container("db"), Status::Waiting, 1360),
        event(container("worker"), Status::Started, 1400),
        event(container("db"), Status::Healthy, 2800),
        event(container("web"), Status::Starting, 2800),
        event(container("web"), Status::Started, 3495),
    ]
}

const REFERENCE_PLAIN_UP: &str = " Network progresscheck-pc1_default  Creating
 Network progresscheck-pc1_default  Created
 Volume progresscheck-pc1_data  Creating
 Volume progresscheck-pc1_data  Created
 Container progresscheck-pc1-db-1  Creating
 Container progresscheck-pc1-worker-1  Creating
 Container progresscheck-pc1-worker-1  Created
 Container progresscheck-pc1-db-1  Created
 Container progresscheck-pc1-web-1  Creating
 Container progresscheck-pc1-web-1  Created
 Container progresscheck-pc1-worker-1  Starting
 Container progresscheck-pc1-db-1  Starting
 Container progresscheck-pc1-db-1  Started
 Container progresscheck-pc1-db-1  Waiting
 Container progresscheck-pc1-worker-1  Started
 Container progresscheck-pc1-db-1  Healthy
 Container progresscheck-pc1-web-1  Starting
 Container progresscheck-pc1-web-1  Started
";

fn render_all(renderer: &mut Renderer, events: &[ProgressEvent]) -> String {
    events
        .iter()
        .map(|event| renderer.on_event(event))
        .collect()
}

#[test]
fn plain_matches_the_reference_up() {
    let base = Instant::now();
    let mut renderer = Renderer::new(RendererSettings::new(Display::Plain));
    let text = render_all(&mut renderer, &up_events(base));
    assert_eq!(text, REFERENCE_PLAIN_UP);
    assert_eq!(renderer.finish(at(base, 4000)), "");
}

#[test]
fn plain_matches_the_reference_down() {
    let base = Instant::now();
    let events = [
        (container("worker"), Status::Stopping),
        (container("worker"), Status::Stopped),
        (container("worker"), Status::Removing),
        (container("worker"), Status::Removed),
        (volume(), Status::Removing),
        (network(), Status::Removing),
        (volume(), Status::Removed),
        (network(), Status::Removed),
    ]
    .map(|(resource, status)| ProgressEvent::new(resource, status, base));
    let mut renderer = Renderer::new(RendererSettings::new(Display::Plain));
    assert_eq!(
        render_all(&mut renderer, &events),
        " Container progresscheck-pc1-worker-1  Stopping
 Container progresscheck-pc1-worker-1  Stopped
 Container progresscheck-pc1-worker-1  Removing
 Container progresscheck-pc1-worker-1  Removed
 Volume progresscheck-pc1_data  Removing
 Network progresscheck-pc1_default  Removing
 Volume progresscheck-pc1_data  Removed
 Network progresscheck-pc1_default  Removed
"
    );
}

#[test]
fn plain_shows_errors_dry_run_and_tails() {
    let base = Instant::now();
    let mut settings = RendererSettings::new(Display::Plain);
    settings.dry_run = true;
    let mut renderer = Renderer::new(settings);
    let failed = ProgressEvent::failed(container("web"), "Error while Stopping", base);
    assert_eq!(
        renderer.on_event(&failed),
        " DRY-RUN MODE -  Container progresscheck-pc1-web-1  Error while Stopping\n"
    );
    assert_eq!(
        renderer.tail("Pushing web: denied"),
        " DRY-RUN MODE - Pushing web: denied\n"
    );
}

#[test]
fn json_matches_the_reference_shape() {
    let base = Instant::now();
    let mut renderer = Renderer::new(RendererSettings::new(Display::Json));
    let text = render_all(&mut renderer, &up_events(base)[..2]);
    assert_eq!(
        text,
        "{\"id\":\"Network progresscheck-pc1_default\",\"status\":\"Creating\"}\n\
         {\"id\":\"Network progresscheck-pc1_default\",\"status\":\"Created\"}\n"
    );
    let running = ProgressEvent::new(container("db"), Status::Running, base);
    assert_eq!(
        renderer.on_event(&running),
        "{\"id\":\"Container progresscheck-pc1-db-1\",\"status\":\"Running\"}\n"
    );
}

#[test]
fn json_writes_parents_tails_dry_run_and_escapes_like_go() {
    let base = Instant::now();
    let mut settings = RendererSettings::new(Display::Json);
    settings.dry_run = true;
    let mut renderer = Renderer::new(settings);
    let layer = ProgressEvent::new(ResourceId::image("a1b2c3"), Status::Pulling, base)
        .with_parent(ResourceId::image("busybox"));
    assert_eq!(
        renderer.on_event(&layer),
        "{\"dry-run\":true,\"id\":\"Image a1b2c3\",\"parent_id\":\"Image busybox\",\"status\":\"Pulling\"}\n"
    );
    assert_eq!(
        renderer.tail("build <web> & \"db\""),
        "{\"dry-run\":true,\"tail\":true,\"text\":\"build \\u003cweb\\u003e \\u0026 \\\"db\\\"\"}\n"
    );
}

#[test]
fn json_error_line_matches_the_reference() {
    assert_eq!(
        json::error_line("exec: \"/nonexistent\": no such file"),
        "{\"error\":true,\"message\":\"exec: \\\"/nonexistent\\\": no such file\"}\n"
    );
}

#[test]
fn quiet_writes_nothing() {
    let base = Instant::now();
    let mut renderer = Renderer::new(RendererSettings::new(Display::Quiet));
    assert_eq!(render_all(&mut renderer, &up_events(base)), "");
    assert_eq!(renderer.tail("anything"), "");
    assert_eq!(renderer.tick(base), "");
    assert_eq!(renderer.finish(base), "");
}

fn tty_settings(width: usize, height: usize, colour: bool) -> RendererSettings {
    RendererSettings {
        display: Display::Tty,
        title: "Running".to_owned(),
        size: TerminalSize { width, height },
        colour,
        dry_run: false,
    }
}

/// Frames 1, 2 and the last of the reference's `--progress tty up -d` on an 80×40 terminal,
/// byte for byte (its pty turned `\n` into `\r\n`; we compare the bytes it was given).
const REFERENCE_TTY_FIRST_FRAME: &str = "\x1b[1A\x1b[1B\x1b[0G\x1b[?25l[+] Running 0/1\n \x1b[33m⠋\x1b[0m Network progresscheck-pc1_default  Creating                             \x1b[34m0.1s \x1b[0m\n\x1b[?25h";
const REFERENCE_TTY_SECOND_FRAME: &str = "\x1b[1A\x1b[1A\x1b[0G\x1b[?25l[+] Running 4/5\n \x1b[32m✔\x1b[0m Network progresscheck-pc1_default     \x1b[32mCreated\x1b[0m                           \x1b[34m0.1s \x1b[0m\n \x1b[32m✔\x1b[0m Volume progresscheck-pc1_data         \x1b[32mCreated\x1b[0m                           \x1b[34m0.0s \x1b[0m\n \x1b[32m✔\x1b[0m Container progresscheck-pc1-db-1      \x1b[32mCreated\x1b[0m                           \x1b[34m0.1s \x1b[0m\n \x1b[32m✔\x1b[0m Container progresscheck-pc1-worker-1  \x1b[32mCreated\x1b[0m                           \x1b[34m0.0s \x1b[0m\n \x1b[33m⠋\x1b[0m Container progresscheck-pc1-web-1     Creating                          \x1b[34m0.0s \x1b[0m\n\x1b[?25h";
const REFERENCE_TTY_LAST_FRAME: &str = "\x1b[1A\x1b[1A\x1b[1A\x1b[1A\x1b[1A\x1b[1A\x1b[0G\x1b[?25l\x1b[34m[+] Running 5/5\x1b[0m\n \x1b[32m✔\x1b[0m Network progresscheck-pc1_default     \x1b[32mCreated\x1b[0m                           \x1b[34m0.1s \x1b[0m\n \x1b[32m✔\x1b[0m Volume progresscheck-pc1_data         \x1b[32mCreated\x1b[0m                           \x1b[34m0.0s \x1b[0m\n \x1b[32m✔\x1b[0m Container progresscheck-pc1-db-1      \x1b[32mHealthy\x1b[0m                           \x1b[34m2.7s \x1b[0m\n \x1b[32m✔\x1b[0m Container progresscheck-pc1-worker-1  \x1b[32mStarted\x1b[0m                           \x1b[34m1.3s \x1b[0m\n \x1b[32m✔\x1b[0m Container progresscheck-pc1-web-1     \x1b[32mStarted\x1b[0m                           \x1b[34m3.3s \x1b[0m\n\x1b[?25h";

#[test]
fn tty_matches_the_reference_frames() {
    let base = Instant::now();
    let events = up_events(base);
    let mut renderer = Renderer::new(tty_settings(80, 40, true));
    assert_eq!(renderer.tick(base), "", "no frame before the first event");
    assert_eq!(renderer.on_event(&events[0]), "", "tty draws on ticks only");
    assert_eq!(renderer.tick(at(base, 100)), REFERENCE_TTY_FIRST_FRAME);
    render_all(&mut renderer, &events[1..9]);
    assert_eq!(renderer.tick(at(base, 200)), REFERENCE_TTY_SECOND_FRAME);
    render_all(&mut renderer, &events[9..]);
    assert_eq!(renderer.finish(at(base, 3500)), REFERENCE_TTY_LAST_FRAME);
}

/// Shows escape sequences the way `cat -v` does, so that snapshots stay readable.
fn visible(text: &str) -> String {
    text.replace('\x1b', "^[")
}

#[test]
fn tty_frames_of_a_failing_run() {
    let base = Instant::now();
    let mut renderer = Renderer::new(tty_settings(72, 24, true));
    let mut frames = String::new();
    let mut frame = |renderer: &mut Renderer, millis: u64| {
        let _ = writeln!(frames, "--- frame at {millis} ms");
        frames.push_str(&visible(&renderer.tick(at(base, millis))));
        frames.push('\n');
    };
    let events = [
        ProgressEvent::new(
            ResourceId::network("dkdemo_default"),
            Status::Creating,
            base,
        ),
        ProgressEvent::new(ResourceId::image("busybox"), Status::Pulling, base),
        ProgressEvent::new(ResourceId::image("layer-1"), Status::Pulling, base)
            .with_parent(ResourceId::image("busybox")),
    ];
    render_all(&mut renderer, &events);
    frame(&mut renderer, 100);
    frame(&mut renderer, 250);
    let events = [
        ProgressEvent::new(
            ResourceId::network("dkdemo_default"),
            Status::Created,
            at(base, 300),
        ),
        ProgressEvent::new(ResourceId::image("layer-1"), Status::Pulled, at(base, 400))
            .with_parent(ResourceId::image("busybox")),
        ProgressEvent::new(ResourceId::image("busybox"), Status::Pulled, at(base, 450)),
        ProgressEvent::new(
            ResourceId::container("dkdemo-web-1"),
            Status::Creating,
            at(base, 500),
        ),
        ProgressEvent::warning(
            ResourceId::volume("dkdemo_data"),
            "Resource is still in use",
            at(base, 500),
        ),
        ProgressEvent::failed(
            ResourceId::container("dkdemo-web-1"),
            "Error response from daemon: Conflict. The container name \"/dkdemo-web-1\" is already in use by container \"0123456789ab\". You have to remove (or rename) that container to be able to reuse that name.",
            at(base, 1700),
        ),
    ];
    render_all(&mut renderer, &events);
    renderer.tail("WARNING: Some service image(s) must be built from source");
    frames.push_str("--- finish at 1800 ms\n");
    frames.push_str(&visible(&renderer.finish(at(base, 1800))));
    insta::assert_snapshot!(frames);
}

#[test]
fn tty_without_colour_has_no_escapes_but_the_cursor_ones() {
    let base = Instant::now();
    let mut renderer = Renderer::new(tty_settings(60, 24, false));
    render_all(&mut renderer, &up_events(base)[..2]);
    let frame = renderer.finish(at(base, 500));
    assert_eq!(
        frame,
        "\x1b[1A\x1b[1B\x1b[0G\x1b[?25l[+] Running 1/1\n ✔ Network progresscheck-pc1_default  Created          0.1s \n\x1b[?25h"
    );
}

#[test]
fn tty_skips_child_lines_when_the_terminal_is_short() {
    let base = Instant::now();
    let mut renderer = Renderer::new(tty_settings(40, 4, false));
    let parent = ResourceId::image("busybox");
    let events = [
        ProgressEvent::new(parent.clone(), Status::Pulling, base),
        ProgressEvent::new(ResourceId::image("l1"), Status::Pulling, base)
            .with_parent(parent.clone()),
        ProgressEvent::new(ResourceId::image("l2"), Status::Pulling, base).with_parent(parent),
    ];
    render_all(&mut renderer, &events);
    let frame = renderer.tick(at(base, 50));
    assert_eq!(frame.matches('\n').count(), 2, "{frame:?}");
    assert!(!frame.contains("l1"));
}

#[test]
fn tty_timer_restarts_nowhere_and_stops_when_done() {
    let base = Instant::now();
    let mut renderer = TtyRenderer::new("Running", TerminalSize::default(), false, false);
    let web = ResourceId::container("p-web-1");
    renderer.on_event(&ProgressEvent::new(web.clone(), Status::Creating, base));
    renderer.on_event(&ProgressEvent::new(
        web.clone(),
        Status::Created,
        at(base, 1000),
    ));
    renderer.on_event(&ProgressEvent::new(
        web.clone(),
        Status::Starting,
        at(base, 1200),
    ));
    assert!(renderer.frame(at(base, 2500)).contains("Starting"));
    assert!(renderer.frame(at(base, 2500)).contains("2.5s"));
    renderer.on_event(&ProgressEvent::new(web, Status::Started, at(base, 3000)));
    let frame = renderer.frame(at(base, 9000));
    assert!(frame.contains("3.0s"), "{frame:?}");
    assert!(frame.contains("[+] Running 1/1"));
}

#[test]
fn an_event_state_can_be_overridden() {
    let base = Instant::now();
    let event = ProgressEvent::new(ResourceId::service("web"), Status::Pulling, base)
        .with_state(EventState::Done)
        .with_detail("Skipped - Image is already present locally");
    let mut renderer = Renderer::new(tty_settings(80, 24, false));
    renderer.on_event(&event);
    let frame = renderer.finish(base);
    // Statuses too long for the line are cut as the reference cuts them.
    assert!(
        frame.contains(" ✔ Service web  Skipped - Image is already present locall... "),
        "{frame:?}"
    );
}

#[test]
fn display_resolution_follows_the_reference() {
    use crate::cli::{AnsiMode as Ansi, ProgressMode as Progress};
    let resolve = resolve_display;
    assert_eq!(resolve(Progress::Auto, Ansi::Auto, true), Ok(Display::Tty));
    assert_eq!(
        resolve(Progress::Auto, Ansi::Auto, false),
        Ok(Display::Plain)
    );
    assert_eq!(
        resolve(Progress::Auto, Ansi::Never, true),
        Ok(Display::Plain)
    );
    assert_eq!(
        resolve(Progress::Auto, Ansi::Always, false),
        Ok(Display::Tty)
    );
    assert_eq!(resolve(Progress::Tty, Ansi::Auto, false), Ok(Display::Tty));
    assert_eq!(
        resolve(Progress::Tty, Ansi::Never, true),
        Err(ProgressModeError::TtyWithoutAnsi)
    );
    assert_eq!(
        resolve(Progress::Plain, Ansi::Never, true),
        Ok(Display::Plain)
    );
    assert_eq!(
        resolve(Progress::Plain, Ansi::Always, true),
        Err(ProgressModeError::PlainWithForcedAnsi)
    );
    assert_eq!(
        resolve(Progress::Json, Ansi::Always, true),
        Ok(Display::Json)
    );
    assert_eq!(
        resolve(Progress::Quiet, Ansi::Never, true),
        Ok(Display::Quiet)
    );
    assert_eq!(
        ProgressModeError::TtyWithoutAnsi.to_string(),
        "can't use --progress tty while ANSI support is disabled"
    );
}

#[test]
fn no_color_and_status_stream_come_from_the_environment() {
    assert!(colour_allowed(None));
    assert!(colour_allowed(Some("")));
    assert!(!colour_allowed(Some("1")));
    assert_eq!(StatusStream::from_env_value(None), StatusStream::Stderr);
    assert_eq!(
        StatusStream::from_env_value(Some("true")),
        StatusStream::Stdout
    );
    assert_eq!(
        StatusStream::from_env_value(Some("no")),
        StatusStream::Stderr
    );
}

#[tokio::test]
async fn the_writer_task_writes_plain_lines_until_the_senders_are_gone() {
    let base = Instant::now();
    let (sender, receiver) = mpsc::channel(8);
    let producer = tokio::spawn(async move {
        for event in up_events(base) {
            sender.send(event.into()).await.expect("receiver alive");
        }
    });
    let mut out = Vec::new();
    let renderer = Renderer::new(RendererSettings::new(Display::Plain));
    run_progress(receiver, renderer, &mut out, || base, || None)
        .await
        .expect("writes to a vector");
    producer.await.expect("producer finished");
    assert_eq!(String::from_utf8(out).expect("utf-8"), REFERENCE_PLAIN_UP);
}

#[tokio::test]
async fn the_writer_task_ends_a_tty_display_with_its_last_frame_and_tails() {
    let base = Instant::now();
    let (sender, receiver) = mpsc::channel(64);
    for event in up_events(base) {
        sender.send(event.into()).await.expect("receiver alive");
    }
    sender
        .send(ProgressMessage::Tail("done".to_owned()))
        .await
        .expect("receiver alive");
    drop(sender);
    let mut out = Vec::new();
    let renderer = Renderer::new(tty_settings(20, 24, false));
    let size = TerminalSize {
        width: 80,
        height: 40,
    };
    run_progress(
        receiver,
        renderer,
        &mut out,
        || at(base, 3500),
        || Some(size),
    )
    .await
    .expect("writes to a vector");
    let text = String::from_utf8(out).expect("utf-8");
    assert!(
        text.ends_with(
            " ✔ Container progresscheck-pc1-web-1     Started                           3.3s \n\x1b[?25hdone\n"
        ),
        "{text:?}"
    );
}

/// The last frame of the reference's `NO_COLOR=1 --progress tty up -d` on an 80×40 terminal.
const REFERENCE_TTY_NO_COLOR_LAST_FRAME: &str =
    "\x1b[1A\x1b[1A\x1b[1A\x1b[1A\x1b[1A\x1b[1A\x1b[0G\x1b[?25l[+] Running 5/5
 ✔ Network progresscheck-pc3_default     Created                           0.2s 
 ✔ Volume progresscheck-pc3_data         Created                           0.0s 
 ✔ Container progresscheck-pc3-worker-1  Started                           0.7s 
 ✔ Container progresscheck-pc3-db-1      Healthy                           2.2s 
 ✔ Container progresscheck-pc3-web-1     Started                           2.5s 
\x1b[?25h";

#[test]
fn tty_without_colour_matches_the_reference() {
    let base = Instant::now();
    let resource = |kind: &str, name: &str| match kind {
        "network" => ResourceId::network(format!("progresscheck-pc3_{name}")),
        "volume" => ResourceId::volume(format!("progresscheck-pc3_{name}")),
        _ => ResourceId::container(format!("progresscheck-pc3-{name}-1")),
    };
    let script = [
        ("network", "default", Status::Creating, 0),
        ("network", "default", Status::Created, 200),
        ("volume", "data", Status::Creating, 200),
        ("volume", "data", Status::Created, 200),
        ("container", "worker", Status::Creating, 200),
        ("container", "db", Status::Creating, 200),
        ("container", "web", Status::Creating, 210),
        ("container", "worker", Status::Created, 300),
        ("container", "db", Status::Created, 300),
        ("container", "web", Status::Created, 300),
        ("container", "worker", Status::Starting, 300),
        ("container", "db", Status::Starting, 300),
        ("container", "worker", Status::Started, 900),
        ("container", "db", Status::Started, 900),
        ("container", "db", Status::Waiting, 900),
        ("container", "db", Status::Healthy, 2400),
        ("container", "web", Status::Starting, 2400),
        ("container", "web", Status::Started, 2710),
    ];
    let mut renderer = Renderer::new(tty_settings(80, 40, false));
    for (kind, name, status, millis) in script {
        renderer.on_event(&ProgressEvent::new(
            resource(kind, name),
            status,
            at(base, millis),
        ));
        if millis == 300 {
            renderer.tick(at(base, 300));
        }
    }
    assert_eq!(
        renderer.finish(at(base, 2800)),
        REFERENCE_TTY_NO_COLOR_LAST_FRAME
    );
}

#[test]
fn tty_blanks_the_rest_of_a_longer_previous_frame() {
    let base = Instant::now();
    let mut renderer = Renderer::new(tty_settings(30, 6, false));
    let parent = ResourceId::image("busybox");
    renderer.on_event(&ProgressEvent::new(parent.clone(), Status::Pulling, base));
    for layer in ["l1", "l2", "l3"] {
        renderer.on_event(
            &ProgressEvent::new(ResourceId::image(layer), Status::Pulling, base)
                .with_parent(parent.clone()),
        );
    }
    let first = renderer.tick(at(base, 50));
    assert_eq!(first.matches('\n').count(), 5, "{first:?}");
    renderer.on_event(&ProgressEvent::new(
        ResourceId::container("p-web-1"),
        Status::Creating,
        base,
    ));
    let second = renderer.tick(at(base, 60));
    let blank = format!("\n{}\n", " ".repeat(30));
    assert_eq!(second.matches('\n').count(), 5, "{second:?}");
    assert!(second.contains(&blank), "{second:?}");
    assert!(
        !second.contains("l1"),
        "children are hidden once they do not fit"
    );
}

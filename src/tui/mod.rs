//! The wizard: state (`state`), messages (`msg`), `update`, a pure `view`, and the runtime below
//! that feeds terminal events, signals and cluster answers to `update` as messages.

pub mod clipboard;
pub mod keymap;
pub mod manifest;
pub mod msg;
pub mod preview;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod update;
pub mod view;
pub mod yaml;

use std::collections::VecDeque;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crossterm::event::Event;
use tokio::sync::mpsc;

use crate::cli::{ClusterArgs, TuiArgs};
use crate::cluster::Connection;
use crate::cluster::apply::{self as engine, ApplyOptions, ApplyPlan, ApplyReport};
use crate::cluster::verify::{
    self, FailedAt, VerifyFailure, VerifyOptions, VerifyReport, VerifyTarget,
};
pub use msg::{Effect, Msg, SaveOutcome};
pub use state::App;
use state::ClusterStatus;
pub use theme::Theme;

/// Set in the environment, the wizard panics right after its first frame (for tests only).
pub const PANIC_FOR_TESTS: &str = "PODWIZ_PANIC_AFTER_FIRST_FRAME";

/// Run the wizard until the user quits. The terminal is restored whatever happens.
pub fn run(theme: Theme, args: &TuiArgs) -> anyhow::Result<ExitCode> {
    run_app(App::new(theme), args, None)
}

/// Run the wizard on the Review of someone's manifest (`podwiz -f FILE`, `podwiz TYPE/NAME`)
/// until the user quits. A live object (`review.load` is `Loading`) is fetched after the first
/// frame and arrives as a message; `namespace` is `-n` (the context's namespace otherwise).
pub fn run_review(
    theme: Theme,
    args: &TuiArgs,
    review: manifest::ManifestReview,
    namespace: Option<String>,
) -> anyhow::Result<ExitCode> {
    let fetch = match &review.load {
        manifest::Load::Loading(fetch) => Some(fetch.clone()),
        _ => None,
    };
    run_app(
        App::for_manifest(theme, review),
        args,
        Some(ClusterJob { namespace, fetch }),
    )
}

/// What the cluster task does besides connecting, for the Review of a manifest.
#[derive(Clone, Debug, Default)]
struct ClusterJob {
    /// `-n`: the namespace of the context read (apply and the live object).
    namespace: Option<String>,
    /// The live object to fetch once connected.
    fetch: Option<manifest::Fetch>,
}

fn run_app(mut app: App, args: &TuiArgs, job: Option<ClusterJob>) -> anyhow::Result<ExitCode> {
    let early_signal = catch_early_signals();
    let mut terminal = terminal::init(args.mouse)?;
    // The first frame comes before anything else: no runtime, no kube context, no preview yet
    // (the start screen needs none of them; a live manifest shows its loading page).
    app.mouse = args.mouse;
    let first = first_frame(&mut terminal, &mut app);
    // Lets the end-to-end tests check that a panic gives the terminal back (cooked mode, main
    // screen) and that its message can be read afterwards.
    if std::env::var_os(PANIC_FOR_TESTS).is_some() {
        panic!("{PANIC_FOR_TESTS} is set: panicking after the first frame");
    }
    // One thread is plenty for a wizard: the cluster calls are few and the UI never waits on
    // them; blocking work (kubeconfig files) goes to tokio's blocking pool.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let mut clipboard = clipboard::Clipboard::default();
    let result = match (first, rt) {
        (Ok(()), Ok(rt)) => {
            let result = rt.block_on(event_loop(
                &mut terminal,
                app,
                args,
                job.unwrap_or_default(),
                &mut clipboard,
                &early_signal,
            ));
            rt.shutdown_background();
            result
        }
        (Err(e), _) => Err(e),
        (_, Err(e)) => Err(e.into()),
    };
    terminal::restore();
    if let Some(note) = clipboard.keep_after_exit() {
        eprintln!("{note}");
    }
    result.map(|()| ExitCode::SUCCESS)
}

fn first_frame(terminal: &mut terminal::Tui, app: &mut App) -> anyhow::Result<()> {
    let size = terminal.size()?;
    update::update(app, Msg::Resize(size.width, size.height));
    terminal.draw(|f| view::draw(f, app))?;
    Ok(())
}

async fn event_loop(
    terminal: &mut terminal::Tui,
    mut app: App,
    args: &TuiArgs,
    job: ClusterJob,
    clipboard: &mut clipboard::Clipboard,
    early_signal: &AtomicBool,
) -> anyhow::Result<()> {
    // Built right after the first frame: the next key (or `r`) needs it. The Review of a
    // manifest has no walk, so no preview.
    if app.manifest.is_none() {
        app.refresh();
    }

    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    spawn_input(tx.clone());
    spawn_signals(tx.clone());
    // From here tokio listens; one that came during the first frame is acted on now.
    if early_signal.load(Ordering::SeqCst) {
        let _ = tx.send(Msg::Signal);
    }
    let connection: Arc<OnceLock<Connection>> = Arc::default();
    spawn_cluster(tx.clone(), args.cluster.clone(), job, connection.clone());
    let env = clipboard::Env::from_process();

    while let Some(first) = rx.recv().await {
        let mut queue = VecDeque::from([first]);
        while let Ok(more) = rx.try_recv() {
            queue.push_back(more);
        }
        let mut changed = false;
        while let Some(msg) = queue.pop_front() {
            let (c, effects) = update::update(&mut app, msg);
            changed |= c;
            for effect in effects {
                if let Some(answer) = run_effect(effect, clipboard, &env, &tx, &connection) {
                    queue.push_back(answer);
                }
            }
        }
        if app.quit {
            break;
        }
        if changed {
            terminal.draw(|f| view::draw(f, &app))?;
        }
    }
    Ok(())
}

/// Perform one effect; some answer with a message.
fn run_effect(
    effect: Effect,
    clipboard: &mut clipboard::Clipboard,
    env: &clipboard::Env,
    tx: &mpsc::UnboundedSender<Msg>,
    connection: &OnceLock<Connection>,
) -> Option<Msg> {
    match effect {
        Effect::Copy { text, what } => {
            let mut out = std::io::stdout();
            Some(Msg::Copied(clipboard.copy(&text, &what, env, &mut out)))
        }
        Effect::Save { dir, files, force } => {
            Some(Msg::Saved(save_files(Path::new(&dir), &dir, &files, force)))
        }
        Effect::Apply {
            plan,
            dry_run,
            wait,
        } => match connection.get() {
            Some(conn) if conn.info == plan.info => {
                spawn_apply(conn.clone(), *plan, dry_run, wait, tx.clone());
                None
            }
            Some(_) => Some(Msg::ApplyDone(Err(
                "not applied: the plan is for another kube context than the connected one".into(),
            ))),
            None => Some(Msg::ApplyDone(Err(
                "not applied: not connected to the cluster".into(),
            ))),
        },
        Effect::Verify { target, opts } => match connection.get() {
            Some(conn) => {
                spawn_verify(conn.clone(), target, opts, tx.clone());
                None
            }
            None => Some(Msg::VerifyDone(Box::new(VerifyReport {
                running_after: None,
                elapsed: Duration::ZERO,
                steps: Vec::new(),
                failure: Some(VerifyFailure {
                    at: FailedAt::Exec,
                    error: "not verified: not connected to the cluster".into(),
                    diagnosis: None,
                }),
            }))),
        },
        Effect::Quit => None,
    }
}

/// Performs an `Effect::Verify` in a tokio task: progress as `Msg::Verify`, a `Msg::Tick` every
/// [`TICK`] while it runs, one `Msg::VerifyDone` at the end. No frame waits on it.
pub fn spawn_verify(
    conn: Connection,
    target: VerifyTarget,
    opts: VerifyOptions,
    tx: mpsc::UnboundedSender<Msg>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let (events, mut rx) = mpsc::unbounded_channel();
        let work = verify::verify(&conn, &target, &opts, events);
        let forward = async {
            while let Some(event) = rx.recv().await {
                let _ = tx.send(Msg::Verify(event));
            }
        };
        let ticks = async {
            let mut interval = tokio::time::interval(TICK);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                interval.tick().await;
                if tx.send(Msg::Tick).is_err() {
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::select! {
            (report, ()) = async { tokio::join!(work, forward) } => {
                let _ = tx.send(Msg::VerifyDone(Box::new(report)));
            }
            () = ticks => {}
        }
    })
}

/// How often the spinners turn while an apply runs.
pub const TICK: Duration = Duration::from_millis(100);

/// Performs an `Effect::Apply` on `conn` in a tokio task: every progress event becomes a
/// `Msg::Apply`, a `Msg::Tick` goes out every [`TICK`] while it runs (never otherwise), and the
/// end is one `Msg::ApplyDone` (the engine's error as its exact text).
pub fn spawn_apply(
    conn: Connection,
    plan: ApplyPlan,
    dry_run: bool,
    wait: Duration,
    tx: mpsc::UnboundedSender<Msg>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let opts = ApplyOptions {
            dry_run,
            wait,
            ..ApplyOptions::default()
        };
        let result = run_apply(&conn, &plan, &opts, &tx).await;
        let _ = tx.send(Msg::ApplyDone(result));
    })
}

async fn run_apply(
    conn: &Connection,
    plan: &ApplyPlan,
    opts: &ApplyOptions,
    tx: &mpsc::UnboundedSender<Msg>,
) -> Result<ApplyReport, String> {
    let (events, mut rx) = mpsc::unbounded_channel();
    let work = engine::apply(conn, plan, opts, events);
    let forward = async {
        while let Some(event) = rx.recv().await {
            let _ = tx.send(Msg::Apply(event));
        }
    };
    let ticks = async {
        let mut interval = tokio::time::interval(TICK);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            interval.tick().await;
            if tx.send(Msg::Tick).is_err() {
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        (result, ()) = async { tokio::join!(work, forward) } => result.map_err(|e| e.to_string()),
        () = ticks => Err("the spinner stopped".into()),
    }
}

/// Write `files` to `path`; a non-empty directory needs `force` (asked for with y/n).
pub fn save_files(
    path: &Path,
    dir: &str,
    files: &[crate::render::OutFile],
    force: bool,
) -> SaveOutcome {
    match crate::save::write_dir(path, files, force) {
        Ok(()) => SaveOutcome::Wrote {
            files: files.len(),
            dir: dir.into(),
        },
        Err(crate::save::SaveError::NotEmpty(_)) => SaveOutcome::NotEmpty { dir: dir.into() },
        Err(e) => SaveOutcome::Failed(e.to_string()),
    }
}

fn spawn_input(tx: mpsc::UnboundedSender<Msg>) {
    std::thread::spawn(move || {
        loop {
            let msg = match crossterm::event::read() {
                Ok(Event::Key(k)) => Msg::Key(k),
                Ok(Event::Mouse(m)) => Msg::Mouse(m),
                Ok(Event::Paste(p)) => Msg::Paste(p),
                Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
                Ok(_) => continue,
                Err(_) => Msg::Signal,
            };
            if tx.send(msg).is_err() {
                break;
            }
        }
    });
}

/// SIGTERM, SIGINT and SIGHUP are caught from before the terminal changes: one that comes
/// before the event loop listens (during the first frame) is remembered instead of killing the
/// process with the terminal still raw.
fn catch_early_signals() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    #[cfg(unix)]
    for signal in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGHUP,
    ] {
        // Failing to register only loses the early window; tokio still listens later.
        let _ = signal_hook::flag::register(signal, flag.clone());
    }
    flag
}

/// Listens for SIGTERM, SIGINT and SIGHUP (registered before this returns) and turns the first
/// into `Msg::Signal`.
fn spawn_signals(tx: mpsc::UnboundedSender<Msg>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
            signal(SignalKind::hangup()),
        ) else {
            return;
        };
        tokio::spawn(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
                _ = hup.recv() => {}
            }
            let _ = tx.send(Msg::Signal);
        });
    }
}

/// Read the kube context (local files), then ask its API server; each answer is a message.
/// With a live object to fetch (`job.fetch`), its JSON and the server's policy version follow
/// as `Msg::ManifestFetched` (or why not, when there is no context or no answer).
fn spawn_cluster(
    tx: mpsc::UnboundedSender<Msg>,
    args: ClusterArgs,
    job: ClusterJob,
    connection: Arc<OnceLock<Connection>>,
) {
    tokio::spawn(async move {
        let namespace = job.namespace.clone();
        let loaded = tokio::task::spawn_blocking(move || {
            crate::cluster::context::load(&args, namespace.as_deref())
        })
        .await;
        let fetch = job.fetch;
        let fail_fetch = |why: String| {
            if fetch.is_some() {
                let _ = tx.send(Msg::ManifestFetched(Err(why)));
            }
        };
        let (info, config) = match loaded {
            Ok(Ok(loaded)) => loaded,
            Ok(Err(e)) => {
                fail_fetch(e.to_string());
                let _ = tx.send(Msg::Cluster(ClusterStatus::NoContext(e.to_string())));
                return;
            }
            Err(e) => {
                fail_fetch(e.to_string());
                let _ = tx.send(Msg::Cluster(ClusterStatus::NoContext(e.to_string())));
                return;
            }
        };
        let _ = tx.send(Msg::KubeContext(info.clone()));
        let _ = tx.send(Msg::Cluster(ClusterStatus::Context {
            context: info.context.clone(),
            namespace: info.namespace.clone(),
            server: info.server.clone(),
        }));
        match crate::cluster::client::connect_with(info.clone(), config).await {
            Ok(conn) => {
                // Connected before the object is fetched: `a` on the object it shows must find
                // the connection.
                let _ = connection.set(conn.clone());
                let _ = tx.send(Msg::Cluster(ClusterStatus::Connected {
                    context: info.context,
                    namespace: info.namespace,
                    server: info.server,
                }));
                if let Some(fetch) = &fetch {
                    let _ = tx.send(Msg::ManifestFetched(fetch_live(&conn, fetch).await));
                }
            }
            Err(e) => {
                fail_fetch(e.to_string());
                let _ = tx.send(Msg::Cluster(ClusterStatus::Unreachable {
                    context: info.context,
                    reason: e.to_string(),
                }));
            }
        }
    });
}

/// The live object of `podwiz TYPE/NAME` and the server's policy version, in one wave.
pub async fn fetch_live(
    conn: &Connection,
    fetch: &manifest::Fetch,
) -> Result<(serde_json::Value, crate::security::pss::PolicyVersion), String> {
    use crate::cluster::fetch as live;
    let namespace = fetch
        .namespace
        .clone()
        .unwrap_or_else(|| conn.info.namespace.clone());
    let (value, version) = futures::join!(
        live::get_object(conn, fetch.kind, &fetch.name, &namespace),
        live::server_policy_version(conn)
    );
    Ok((
        value.map_err(|e| e.to_string())?,
        version.map_err(|e| e.to_string())?,
    ))
}

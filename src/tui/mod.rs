//! The wizard: state (`state`), messages (`msg`), `update`, a pure `view`, and the runtime below
//! that feeds terminal events, signals and cluster answers to `update` as messages.

pub mod assess;
pub mod clipboard;
pub mod explain;
pub mod keymap;
pub mod msg;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod update;
pub mod view;
pub mod yaml;

use std::collections::VecDeque;
use std::path::Path;
use std::process::ExitCode;

use crossterm::event::Event;
use tokio::sync::mpsc;

use crate::cli::{ClusterArgs, TuiArgs};
pub use msg::{Effect, Msg, SaveOutcome};
pub use state::App;
use state::ClusterStatus;
pub use theme::Theme;

/// Run the wizard until the user quits. The terminal is restored whatever happens.
pub fn run(theme: Theme, args: &TuiArgs) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut terminal = terminal::init(args.mouse)?;
    let mut clipboard = clipboard::Clipboard::default();
    let result = rt.block_on(event_loop(&mut terminal, theme, args, &mut clipboard));
    terminal::restore();
    rt.shutdown_background();
    if let Some(note) = clipboard.keep_after_exit() {
        eprintln!("{note}");
    }
    result.map(|()| ExitCode::SUCCESS)
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    theme: Theme,
    args: &TuiArgs,
    clipboard: &mut clipboard::Clipboard,
) -> anyhow::Result<()> {
    let mut app = App::new(theme);
    app.mouse = args.mouse;
    let size = terminal.size()?;
    update::update(&mut app, Msg::Resize(size.width, size.height));
    // The first frame comes before anything that could wait.
    terminal.draw(|f| view::draw(f, &app))?;
    app.refresh();

    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    spawn_input(tx.clone());
    spawn_signals(tx.clone());
    spawn_cluster(tx.clone(), args.cluster.clone());
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
                if let Some(answer) = run_effect(effect, clipboard, &env) {
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
) -> Option<Msg> {
    match effect {
        Effect::Copy { text, what } => {
            let mut out = std::io::stdout();
            Some(Msg::Copied(clipboard.copy(&text, &what, env, &mut out)))
        }
        Effect::Save { dir, files, force } => {
            Some(Msg::Saved(save_files(Path::new(&dir), &dir, &files, force)))
        }
        Effect::Quit => None,
    }
}

/// Write `files` to `path`; a non-empty directory needs `force` (asked for with y/n).
pub fn save_files(
    path: &Path,
    dir: &str,
    files: &[crate::render::OutFile],
    force: bool,
) -> SaveOutcome {
    if !force
        && let Ok(mut entries) = std::fs::read_dir(path)
        && entries.next().is_some()
    {
        return SaveOutcome::NotEmpty { dir: dir.into() };
    }
    match crate::commands::generate::write_dir(path, files, force) {
        Ok(()) => SaveOutcome::Wrote {
            files: files.len(),
            dir: dir.into(),
        },
        Err(e) => SaveOutcome::Failed(format!("{e:#}")),
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

fn spawn_signals(tx: mpsc::UnboundedSender<Msg>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
            signal(SignalKind::hangup()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
            _ = hup.recv() => {}
        }
        let _ = tx.send(Msg::Signal);
    });
}

/// Read the kube context (local files), then ask its API server; each answer is a message.
fn spawn_cluster(tx: mpsc::UnboundedSender<Msg>, args: ClusterArgs) {
    tokio::spawn(async move {
        let loaded =
            tokio::task::spawn_blocking(move || crate::cluster::context::load(&args, None)).await;
        let (info, config) = match loaded {
            Ok(Ok(loaded)) => loaded,
            Ok(Err(e)) => {
                let _ = tx.send(Msg::Cluster(ClusterStatus::NoContext(e.to_string())));
                return;
            }
            Err(e) => {
                let _ = tx.send(Msg::Cluster(ClusterStatus::NoContext(e.to_string())));
                return;
            }
        };
        let _ = tx.send(Msg::Cluster(ClusterStatus::Context {
            context: info.context.clone(),
            namespace: info.namespace.clone(),
            server: info.server.clone(),
        }));
        let status = match crate::cluster::client::connect_with(info.clone(), config).await {
            Ok(_) => ClusterStatus::Connected {
                context: info.context,
                namespace: info.namespace,
                server: info.server,
            },
            Err(e) => ClusterStatus::Unreachable {
                context: info.context,
                reason: e.to_string(),
            },
        };
        let _ = tx.send(Msg::Cluster(status));
    });
}

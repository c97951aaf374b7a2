//! `update(state, msg) -> effects`: the only place the state changes. No I/O here.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind};

use super::keymap::{self, Action, Context};
use super::manifest::{Load, object_of};
use super::msg::{Effect, Msg, SaveOutcome};
use super::state::{
    App, ApplyPanel, ApplyPhase, ClusterStatus, Doc, Field, ManifestReview, ObjectState, Overlay,
    ReviewTab, Runs, SavePrompt, Screen, StatusKind, VerifyPanel, Way,
};
use crate::cluster::apply::{ApplyEvent, ApplyPlan, ApplyReport, Outcome};
use crate::cluster::verify::{self, VerifyOptions, VerifyTarget};
use crate::scenario::{Mode, UsernsShape};

/// The key context of the current state.
pub fn context(app: &App) -> Context {
    if app.apply.is_some() {
        return Context::Apply;
    }
    if let Some(save) = &app.save {
        return if save.confirm_overwrite {
            Context::Confirm
        } else {
            Context::Prompt
        };
    }
    match app.overlay {
        Some(Overlay::Help) => return Context::Help,
        Some(Overlay::Compare) => return Context::Compare,
        None => {}
    }
    if app.manifest.is_some() && app.screen == Screen::Review {
        return Context::Manifest;
    }
    match app.screen {
        Screen::Start => Context::Start,
        Screen::Runs | Screen::Way => Context::List,
        Screen::Options if app.editing => Context::Editing,
        Screen::Options => Context::Form,
        Screen::Review => Context::Review,
    }
}

/// Apply one message. Returns whether anything visible changed, and the effects to run.
pub fn update(app: &mut App, msg: Msg) -> (bool, Vec<Effect>) {
    let mut fx = Vec::new();
    let changed = match msg {
        Msg::Key(key) => {
            if key.kind == KeyEventKind::Release {
                return (false, fx);
            }
            on_key(app, key, &mut fx)
        }
        Msg::Paste(text) => {
            if app.editing {
                let f = app.focused_field();
                if let Some(t) = app.form.text_mut(f) {
                    t.extend(text.chars().filter(|c| !c.is_control()));
                    app.refresh();
                }
            } else if let Some(save) = &mut app.save
                && !save.confirm_overwrite
            {
                save.dir.extend(text.chars().filter(|c| !c.is_control()));
            }
            true
        }
        Msg::Mouse(m) => match m.kind {
            MouseEventKind::ScrollDown => {
                on_action(app, Action::Down, &mut fx);
                true
            }
            MouseEventKind::ScrollUp => {
                on_action(app, Action::Up, &mut fx);
                true
            }
            _ => false,
        },
        Msg::Resize(..) => true,
        Msg::Cluster(status) => {
            app.cluster = status;
            true
        }
        Msg::Copied(Ok(text)) => {
            app.status = Some((StatusKind::Success, text));
            true
        }
        Msg::Copied(Err(text)) => {
            app.status = Some((StatusKind::Error, text));
            true
        }
        Msg::Saved(outcome) => {
            match outcome {
                SaveOutcome::Wrote { files, dir } => {
                    app.save = None;
                    app.status = Some((
                        StatusKind::Success,
                        format!("wrote {files} files to {dir} (see its README.md)"),
                    ));
                }
                SaveOutcome::NotEmpty { dir } => {
                    app.save = Some(SavePrompt {
                        dir,
                        confirm_overwrite: true,
                    });
                }
                SaveOutcome::Failed(why) => {
                    if let Some(s) = &mut app.save {
                        s.confirm_overwrite = false;
                    }
                    app.status = Some((StatusKind::Error, why));
                }
            }
            true
        }
        Msg::KubeContext(info) => {
            app.kube = Some(info);
            true
        }
        Msg::Apply(event) => match &mut app.apply {
            Some(panel) if panel.in_flight() => {
                on_apply_event(panel, event);
                true
            }
            _ => false,
        },
        Msg::ApplyDone(result) => on_apply_done(app, result),
        Msg::Verify(event) => match app.apply.as_mut().and_then(|p| p.verify.as_mut()) {
            Some(verify) if verify.report.is_none() => {
                verify.lines.push(event.line());
                true
            }
            _ => false,
        },
        Msg::VerifyDone(report) => match app.apply.as_mut().and_then(|p| p.verify.as_mut()) {
            Some(verify) if verify.report.is_none() => {
                app.status = Some(if report.verified() {
                    (
                        StatusKind::Success,
                        format!("verified: Podman runs in pod/{}", verify.target.pod),
                    )
                } else {
                    (
                        StatusKind::Error,
                        format!(
                            "applied, but not verified: {}",
                            report
                                .failure
                                .as_ref()
                                .map(|f| f.headline())
                                .unwrap_or_default()
                        ),
                    )
                });
                verify.report = Some(*report);
                true
            }
            _ => false,
        },
        Msg::ManifestFetched(result) => {
            let changed = app.manifest.as_mut().is_some_and(|m| m.fetched(result));
            if changed {
                // A live object is judged at the server's version: the compare overlay too.
                app.form.policy_version = app.manifest.as_ref().map(|m| m.version);
            }
            changed
        }
        Msg::Tick => match &mut app.apply {
            Some(panel) if panel.in_flight() || panel.verifying() => {
                panel.spinner = panel.spinner.wrapping_add(1);
                true
            }
            _ => false,
        },
        Msg::Signal => {
            app.quit = true;
            fx.push(Effect::Quit);
            true
        }
    };
    (changed, fx)
}

fn on_key(app: &mut App, key: KeyEvent, fx: &mut Vec<Effect>) -> bool {
    let ctx = context(app);
    if let Some(action) = keymap::action(ctx, &key) {
        on_action(app, action, fx);
        return true;
    }
    // Typing: characters the table does not bind go into the field or the prompt.
    if let KeyCode::Char(c) = key.code
        && !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    {
        match ctx {
            Context::Editing => {
                let f = app.focused_field();
                if let Some(t) = app.form.text_mut(f) {
                    t.push(c);
                    app.refresh();
                }
                return true;
            }
            Context::Prompt => {
                if let Some(s) = &mut app.save {
                    s.dir.push(c);
                }
                return true;
            }
            _ => {}
        }
    }
    false
}

fn move_cursor(cur: &mut usize, len: usize, delta: isize) {
    if len == 0 {
        *cur = 0;
        return;
    }
    *cur = (*cur as isize + delta).clamp(0, len as isize - 1) as usize;
}

fn doc_len(app: &App) -> usize {
    app.current_doc().map_or(0, |d| d.yaml.lines().count())
}

fn set_line(app: &mut App, line: usize) {
    let len = doc_len(app);
    app.line = line.min(len.saturating_sub(1));
    let page = app.page.max(1);
    if app.line < app.scroll {
        app.scroll = app.line;
    } else if app.line >= app.scroll + page {
        app.scroll = app.line + 1 - page;
    }
}

pub fn on_action(app: &mut App, action: Action, fx: &mut Vec<Effect>) {
    app.status = match action {
        Action::Up | Action::Down | Action::PageUp | Action::PageDown => app.status.take(),
        _ => None,
    };
    match action {
        Action::Quit => {
            // Quitting mid-write would leave a half-applied bundle and skip the rollback the
            // engine does on failure: it takes a second quit, with the consequence spelled out.
            let writing = app
                .apply
                .as_ref()
                .is_some_and(|p| p.phase == ApplyPhase::Applying);
            if writing && !app.quit_armed {
                app.quit_armed = true;
                app.status = Some((
                    StatusKind::Error,
                    "applying: quit again to leave now, half-applied and without rollback".into(),
                ));
                return;
            }
            app.quit = true;
            fx.push(Effect::Quit);
            return;
        }
        Action::Help => {
            // The Review of someone's manifest opens help on its own keys (the last section).
            let from = context(app);
            app.overlay = match app.overlay {
                Some(Overlay::Help) => None,
                _ => Some(Overlay::Help),
            };
            app.help_scroll = if from == Context::Manifest {
                keymap::section_line(from)
            } else {
                0
            };
            return;
        }
        Action::Compare => {
            app.overlay = match app.overlay {
                Some(Overlay::Compare) => None,
                _ => {
                    // On the Review of someone's manifest: the object's closest mode.
                    let mode = app
                        .manifest
                        .as_ref()
                        .and_then(|m| m.current())
                        .and_then(|o| o.report.mode.id)
                        .unwrap_or(app.mode);
                    app.compare_cursor = crate::scenario::Mode::ALL
                        .iter()
                        .position(|m| *m == mode)
                        .unwrap_or(0);
                    Some(Overlay::Compare)
                }
            };
            return;
        }
        _ => {}
    }
    // The apply panel, prompts, then overlays, then the step.
    if app.apply.is_some() {
        on_apply_key(app, action, fx);
        return;
    }
    if let Some(save) = &mut app.save {
        let files = match &app.manifest {
            Some(m) => m.save_files(),
            None => app
                .preview
                .as_ref()
                .and_then(|p| crate::render::out_dir_files(&p.bundle).ok())
                .unwrap_or_default(),
        };
        match action {
            Action::Enter | Action::Yes if save.dir.trim().is_empty() => {
                app.status = Some((StatusKind::Error, "type a directory first".into()));
            }
            Action::Enter => fx.push(Effect::Save {
                dir: save.dir.trim().to_string(),
                files,
                force: false,
            }),
            Action::Yes => fx.push(Effect::Save {
                dir: save.dir.trim().to_string(),
                files,
                force: true,
            }),
            Action::No => save.confirm_overwrite = false,
            Action::Delete => {
                save.dir.pop();
            }
            Action::Back => app.save = None,
            _ => {}
        }
        return;
    }
    match app.overlay {
        Some(Overlay::Help) => {
            match action {
                Action::Up => app.help_scroll = app.help_scroll.saturating_sub(1),
                Action::Down => app.help_scroll += 1,
                Action::PageUp => app.help_scroll = app.help_scroll.saturating_sub(10),
                Action::PageDown => app.help_scroll += 10,
                Action::Back => app.overlay = None,
                _ => {}
            }
            return;
        }
        Some(Overlay::Compare) => {
            match action {
                Action::Up => move_cursor(&mut app.compare_cursor, 6, -1),
                Action::Down => move_cursor(&mut app.compare_cursor, 6, 1),
                Action::Back => app.overlay = None,
                _ => {}
            }
            return;
        }
        None => {}
    }
    if app.manifest.is_some() {
        on_manifest(app, action, fx);
        return;
    }
    match app.screen {
        Screen::Start => {
            if action == Action::Enter {
                app.screen = Screen::Runs;
            }
        }
        Screen::Runs => match action {
            Action::Up => move_cursor(&mut app.runs_cursor, Runs::ALL.len(), -1),
            Action::Down => move_cursor(&mut app.runs_cursor, Runs::ALL.len(), 1),
            Action::Enter => {
                app.runs = Runs::ALL[app.runs_cursor];
                app.screen = Screen::Way;
            }
            Action::Back => app.screen = Screen::Start,
            _ => {}
        },
        Screen::Way => match action {
            Action::Up => move_cursor(&mut app.way_cursor, Way::ALL.len(), -1),
            Action::Down => move_cursor(&mut app.way_cursor, Way::ALL.len(), 1),
            Action::Enter => {
                app.mode = Way::ALL[app.way_cursor].mode(app.runs);
                // A rootless walk into userns lands on its rootless shape, the one step 3 priced.
                if app.mode == Mode::Userns && app.runs == Runs::Rootless {
                    app.form.userns_shape = Some(UsernsShape::Rootless);
                }
                app.screen = Screen::Options;
                app.refresh();
            }
            Action::Back => app.screen = Screen::Runs,
            _ => {}
        },
        Screen::Options => on_form(app, action),
        Screen::Review => on_review(app, action, fx),
    }
}

fn go_review(app: &mut App) {
    app.refresh();
    if let Some((field, message)) = &app.error {
        let fields = app.fields();
        if let Some(i) = fields.iter().position(|f| f == field) {
            app.field_cursor = i;
        }
        app.status = Some((StatusKind::Error, format!("fix this first: {message}")));
        return;
    }
    app.screen = Screen::Review;
    app.tab = app.tab.min(
        app.preview
            .as_ref()
            .map_or(0, |p| p.docs.len().saturating_sub(1)),
    );
    app.line = 0;
    app.scroll = 0;
}

fn on_form(app: &mut App, action: Action) {
    let fields = app.fields();
    let field = app.focused_field();
    if app.editing {
        match action {
            Action::Edit => app.editing = false,
            Action::Delete => {
                if let Some(t) = app.form.text_mut(field) {
                    t.pop();
                }
                app.refresh();
            }
            _ => {}
        }
        return;
    }
    match action {
        Action::Up => move_cursor(&mut app.field_cursor, fields.len(), -1),
        Action::Down => move_cursor(&mut app.field_cursor, fields.len(), 1),
        Action::Left => {
            app.form.cycle(field, -1);
            app.refresh();
        }
        Action::Right => {
            app.form.cycle(field, 1);
            app.refresh();
        }
        Action::Enter if field == Field::Continue => go_review(app),
        Action::Enter if field.is_text() => app.editing = true,
        Action::Enter => {
            app.form.cycle(field, 1);
            app.refresh();
        }
        Action::Review => go_review(app),
        Action::Back => app.screen = Screen::Way,
        _ => {}
    }
}

fn on_review(app: &mut App, action: Action, fx: &mut Vec<Effect>) {
    let Some(preview) = &app.preview else {
        if action == Action::Back {
            app.screen = Screen::Options;
        }
        return;
    };
    let tabs = preview.docs.len();
    let page = app.page.max(1) as isize;
    match action {
        Action::Up => set_line(app, app.line.saturating_sub(1)),
        Action::Down => set_line(app, app.line + 1),
        Action::PageUp => set_line(app, (app.line as isize - page).max(0) as usize),
        Action::PageDown => set_line(app, app.line + page as usize),
        Action::Top => set_line(app, 0),
        Action::Bottom => set_line(app, usize::MAX),
        Action::NextTab | Action::PrevTab => {
            app.tab = if action == Action::NextTab {
                (app.tab + 1) % tabs
            } else {
                (app.tab + tabs - 1) % tabs
            };
            app.line = 0;
            app.scroll = 0;
        }
        Action::NextRisk => {
            let next = app.current_doc().and_then(|d| {
                let n = d.risks.len();
                (1..=n)
                    .map(|k| (app.line + k) % n)
                    .find(|i| !d.risks[*i].is_empty())
            });
            match next {
                Some(i) => set_line(app, i),
                None => {
                    app.status = Some((
                        StatusKind::Info,
                        "no marked lines in this tab (the Pod and All tabs carry the marks)".into(),
                    ))
                }
            }
        }
        Action::Copy | Action::CopyAll => {
            let (text, what) = if action == Action::CopyAll || app.tab == 0 {
                let n = preview.bundle.objects().len();
                (
                    preview.all_yaml.clone(),
                    format!("{n} document{}", if n == 1 { "" } else { "s" }),
                )
            } else {
                let doc = &preview.docs[app.tab];
                (doc.yaml.clone(), doc.title.clone())
            };
            fx.push(Effect::Copy { text, what });
        }
        Action::Save => {
            app.save = Some(SavePrompt {
                dir: format!("./podwiz-{}", app.mode),
                confirm_overwrite: false,
            });
        }
        Action::Apply => start_apply(app, fx),
        Action::Back => app.screen = Screen::Options,
        _ => {}
    }
}

// ---- the Review of someone's manifest -------------------------------------------------------

/// Moves the cursor of the manifest's tab to `line` (clamped), the scroll following it.
fn set_manifest_line(m: &mut ManifestReview, line: usize, page: usize) {
    let len = m.doc().map_or(0, Doc::len);
    m.line = line.min(len.saturating_sub(1));
    if m.line < m.scroll {
        m.scroll = m.line;
    } else if m.line >= m.scroll + page {
        m.scroll = m.line + 1 - page;
    }
}

fn on_manifest(app: &mut App, action: Action, fx: &mut Vec<Effect>) {
    let page = app.page.max(1);
    let Some(m) = &mut app.manifest else {
        return;
    };
    match &m.load {
        Load::Ready => {}
        Load::Loading(_) if action_needs_the_manifest(action) => {
            app.status = Some((
                StatusKind::Info,
                format!("still reading {} from the cluster…", m.source),
            ));
            return;
        }
        Load::Failed(why) if action_needs_the_manifest(action) => {
            app.status = Some((
                StatusKind::Error,
                format!("{} could not be read: {why}", m.source),
            ));
            return;
        }
        _ => return,
    }
    match action {
        Action::Up => set_manifest_line(m, m.line.saturating_sub(1), page),
        Action::Down => set_manifest_line(m, m.line + 1, page),
        Action::PageUp => set_manifest_line(m, m.line.saturating_sub(page), page),
        Action::PageDown => set_manifest_line(m, m.line + page, page),
        Action::Top => set_manifest_line(m, 0, page),
        Action::Bottom => set_manifest_line(m, usize::MAX, page),
        Action::NextTab | Action::PrevTab => {
            let tabs = ReviewTab::ALL;
            let i = tabs.iter().position(|t| *t == m.tab).unwrap_or(0);
            let next = if action == Action::NextTab {
                (i + 1) % tabs.len()
            } else {
                (i + tabs.len() - 1) % tabs.len()
            };
            m.tab = tabs[next];
            m.line = 0;
            m.scroll = 0;
        }
        Action::NextObject | Action::PrevObject => {
            let n = m.objects.len();
            if n < 2 {
                app.status = Some((
                    StatusKind::Info,
                    format!("{} holds one pod template", m.source),
                ));
                return;
            }
            m.object = if action == Action::NextObject {
                (m.object + 1) % n
            } else {
                (m.object + n - 1) % n
            };
            m.line = 0;
            m.scroll = 0;
        }
        Action::NextRisk => {
            let next = m.doc().and_then(|d| {
                let n = d.risks.len();
                (1..=n)
                    .map(|k| (m.line + k) % n)
                    .find(|i| !d.risks[*i].is_empty())
            });
            match next {
                Some(i) => set_manifest_line(m, i, page),
                None => app.status = Some((StatusKind::Info, "no marked lines in this tab".into())),
            }
        }
        Action::Copy => match m.copy_tab() {
            Some((text, what)) => fx.push(Effect::Copy { text, what }),
            None => {
                app.status = Some((
                    StatusKind::Error,
                    format!("nothing copied: {}", no_rewrite(m)),
                ))
            }
        },
        Action::CopyAll => {
            let (text, what) = m.copy_all();
            fx.push(Effect::Copy { text, what });
        }
        Action::Save => {
            app.save = Some(SavePrompt {
                dir: m.save_dir(),
                confirm_overwrite: false,
            });
        }
        Action::Apply => start_manifest_apply(app, fx),
        _ => {}
    }
}

/// Actions that need the manifest read (the others, quit and help, are handled before).
fn action_needs_the_manifest(action: Action) -> bool {
    !matches!(action, Action::Back)
}

/// Why the object on screen has no rewrite, in words.
fn no_rewrite(m: &ManifestReview) -> String {
    let what = m
        .current()
        .map(|o| o.report.reference.clone())
        .unwrap_or_else(|| m.source.clone());
    format!(
        "{what}: {}",
        crate::security::workload::label("safer_none", &[])
    )
}

/// `a` on the Review of a manifest: the safer rewrite of the object on screen goes through the
/// same engine as every apply (server-side dry-run, the confirmation, then the write with
/// rollback). Their manifest as it is is never applied by podwiz.
fn start_manifest_apply(app: &mut App, fx: &mut Vec<Effect>) {
    let Some(m) = &app.manifest else {
        return;
    };
    let Some(rewrite) = m.current().and_then(|o| o.rewrite.as_ref()) else {
        app.status = Some((
            StatusKind::Error,
            format!(
                "apply: {}; podwiz applies only its rewrite, nothing was applied",
                no_rewrite(m)
            ),
        ));
        return;
    };
    let mode = rewrite.suggestion.mode;
    let object = match object_of(rewrite.suggestion.workload.without_server_fields()) {
        Ok(object) => object,
        Err(why) => {
            app.status = Some((StatusKind::Error, format!("apply: {why}")));
            return;
        }
    };
    let Some(info) = connected(app) else {
        return;
    };
    let hint = rejected_hint(&object);
    open_apply(app, ApplyPlan::of_objects(info, mode, vec![object]), fx);
    if let Some(panel) = &mut app.apply {
        panel.rejected_hint = Some(hint);
        panel.rewrite = true;
    }
}

/// What to do when the server refuses the rewrite of someone's object: a running Pod cannot
/// change its spec in place, and podwiz never takes over fields another field manager owns.
fn rejected_hint(object: &crate::scenario::Object) -> String {
    let ns = object.namespace().unwrap_or("NAMESPACE");
    match object {
        crate::scenario::Object::Pod(_) => format!(
            "A running Pod cannot change its spec in place: delete it first (kubectl delete {} -n {ns}) and apply again, or save (s) the rewrite.",
            object.reference()
        ),
        _ => format!(
            "Save (s) the rewrite and replace the object with kubectl replace -f FILE (a full replace removes what the rewrite removes), or delete it first (kubectl delete {} -n {ns}) and apply again.",
            object.reference()
        ),
    }
}

// ---- apply -----------------------------------------------------------------------------------

/// The kube context an apply writes to, once its API server answered; otherwise the status line
/// says why not (nothing is applied) and `None`.
fn connected(app: &mut App) -> Option<crate::cluster::context::ContextInfo> {
    let not = |why: String| {
        Some((
            StatusKind::Error,
            format!("apply: {why}; nothing was applied"),
        ))
    };
    match (&app.cluster, &app.kube) {
        (ClusterStatus::Connected { .. }, Some(info)) => return Some(info.clone()),
        (ClusterStatus::NoContext(why), _) => {
            app.status = not(format!(
                "no kube context ({why}); save the manifests (s) or copy them (c) instead"
            ));
        }
        (ClusterStatus::Unreachable { context, reason }, _) => {
            app.status = not(format!(
                "the API server of context \"{context}\" does not answer ({reason})"
            ));
        }
        (ClusterStatus::Loading, _) | (_, None) => {
            app.status = not("the kube context is still being read; try again".into());
        }
        (ClusterStatus::Context { context, .. }, _) => {
            app.status = not(format!(
                "still connecting to the API server of context \"{context}\"; try again"
            ));
        }
    }
    None
}

/// `a` in Review: with a connected kube context, open the panel and start the server-side
/// dry-run (it writes nothing); otherwise say why not and change nothing.
fn start_apply(app: &mut App, fx: &mut Vec<Effect>) {
    let Some(bundle) = app.preview.as_ref().map(|p| p.bundle.clone()) else {
        return;
    };
    let Some(info) = connected(app) else {
        return;
    };
    open_apply(app, ApplyPlan::new(info, &bundle), fx);
}

/// Opens the apply panel on `plan` and starts its server-side dry-run.
fn open_apply(app: &mut App, plan: ApplyPlan, fx: &mut Vec<Effect>) {
    let mut panel = ApplyPanel::new(plan.clone());
    for o in &mut panel.objects {
        o.state = ObjectState::DryRunning;
    }
    app.apply = Some(panel);
    fx.push(Effect::Apply {
        plan: Box::new(plan),
        dry_run: true,
        wait: std::time::Duration::ZERO,
    });
}

fn on_apply_key(app: &mut App, action: Action, fx: &mut Vec<Effect>) {
    let Some(panel) = &mut app.apply else {
        return;
    };
    let page = app.page.max(1);
    match action {
        Action::Up => panel.scroll = panel.scroll.saturating_sub(1),
        Action::Down => panel.scroll += 1,
        Action::PageUp => panel.scroll = panel.scroll.saturating_sub(page),
        Action::PageDown => panel.scroll += page,
        Action::Yes | Action::Enter => match panel.phase {
            ApplyPhase::Confirm => {
                panel.phase = ApplyPhase::Applying;
                panel.stage = None;
                panel.error = None;
                panel.scroll = 0;
                for o in &mut panel.objects {
                    o.state = ObjectState::Waiting;
                }
                fx.push(Effect::Apply {
                    plan: Box::new(panel.plan.clone()),
                    dry_run: false,
                    wait: app.apply_wait,
                });
                app.status = Some((
                    StatusKind::Info,
                    format!(
                        "applying to context \"{}\" ({})…",
                        panel.plan.info.context, panel.plan.info.server
                    ),
                ));
            }
            ApplyPhase::Rejected => {
                app.status = Some((
                    StatusKind::Error,
                    "not applied: the API server rejected the dry-run (see above); nothing was written"
                        .into(),
                ));
            }
            ApplyPhase::DryRun => {
                app.status = Some((
                    StatusKind::Info,
                    "the dry-run is still running; confirm when it is done".into(),
                ));
            }
            ApplyPhase::Applying | ApplyPhase::Applied | ApplyPhase::Failed => {}
        },
        Action::No | Action::Back => match panel.phase {
            ApplyPhase::DryRun | ApplyPhase::Applying => {
                app.status = Some((
                    StatusKind::Info,
                    "the apply is running; Esc closes the panel when it is done (Ctrl-C quits)"
                        .into(),
                ));
            }
            ApplyPhase::Confirm | ApplyPhase::Rejected => {
                app.apply = None;
                app.status = Some((
                    StatusKind::Info,
                    "not applied: cancelled, nothing was written".into(),
                ));
            }
            ApplyPhase::Applied | ApplyPhase::Failed => app.apply = None,
        },
        Action::Verify => start_verify(app, fx),
        _ => {}
    }
}

/// `v` on the apply panel: verify the applied pod, once the apply is done.
fn start_verify(app: &mut App, fx: &mut Vec<Effect>) {
    // The rewrite of someone's pod: Podman runs in its engine container, which need not be the
    // first (a CI agent pod starts with the agent).
    let engine = app
        .manifest
        .as_ref()
        .and_then(|m| m.current())
        .and_then(|o| {
            o.report
                .containers
                .iter()
                .find(|c| c.mode.is_some() && !c.init)
                .map(|c| c.name.clone())
        });
    let Some(panel) = &mut app.apply else {
        return;
    };
    if panel.phase != ApplyPhase::Applied {
        app.status = Some((
            StatusKind::Info,
            "verify: apply first (it checks the applied pod)".into(),
        ));
        return;
    }
    if panel.verifying() {
        app.status = Some((StatusKind::Info, "verify: already running".into()));
        return;
    }
    let Some(mut target) = VerifyTarget::of(&panel.plan) else {
        app.status = Some((StatusKind::Error, "verify: the bundle has no Pod".into()));
        return;
    };
    if let (true, Some(engine)) = (panel.rewrite, engine) {
        target.container = engine;
    }
    let opts = VerifyOptions {
        exec_client: None,
        wait: verify::VERIFY_WAIT,
        image: None,
        exec_timeout: verify::EXEC_TIMEOUT,
    };
    panel.verify = Some(VerifyPanel {
        target: target.clone(),
        lines: Vec::new(),
        report: None,
    });
    app.status = Some((
        StatusKind::Info,
        format!("verifying pod/{}: waiting for Running…", target.pod),
    ));
    fx.push(Effect::Verify { target, opts });
}

fn add_warnings(list: &mut Vec<String>, warnings: Vec<String>) {
    for w in warnings {
        if !list.contains(&w) {
            list.push(w);
        }
    }
}

fn on_apply_event(panel: &mut ApplyPanel, event: ApplyEvent) {
    let (index, state, warnings) = match event {
        ApplyEvent::Stage { stage } => {
            panel.stage = Some(stage);
            return;
        }
        ApplyEvent::PodPhase { status } => {
            panel.pod = Some(status);
            return;
        }
        ApplyEvent::PodSecurity { check } => {
            panel.pod_security = Some(check.describe());
            return;
        }
        ApplyEvent::DryRunStarted { index } => (index, ObjectState::DryRunning, Vec::new()),
        ApplyEvent::DryRunOk { index, warnings } => (index, ObjectState::Valid, warnings),
        ApplyEvent::DryRunFailed { index, message } => {
            (index, ObjectState::Rejected(message), Vec::new())
        }
        ApplyEvent::DryRunDeferred { index, reason } => {
            (index, ObjectState::Deferred(reason), Vec::new())
        }
        ApplyEvent::Applying { index } => (index, ObjectState::Writing, Vec::new()),
        ApplyEvent::Applied {
            index,
            created,
            changed,
            warnings,
        } => {
            let state = match Outcome::of_write(created, changed) {
                Outcome::Created => ObjectState::Created,
                Outcome::Configured => ObjectState::Configured,
                _ => ObjectState::Unchanged,
            };
            (index, state, warnings)
        }
        ApplyEvent::Failed { index, message } => (index, ObjectState::Failed(message), Vec::new()),
        ApplyEvent::Skipped { index } => (index, ObjectState::Skipped, Vec::new()),
        ApplyEvent::RolledBack { index, note } => {
            (index, ObjectState::RolledBack(note), Vec::new())
        }
        ApplyEvent::RollbackFailed { index, message } => {
            (index, ObjectState::RollbackFailed(message), Vec::new())
        }
    };
    if let Some(o) = panel.objects.get_mut(index) {
        // A late dry-run (deferred object) passing does not undo a write in flight.
        if !(state == ObjectState::Valid && panel.phase == ApplyPhase::Applying) {
            o.state = state;
        }
        add_warnings(&mut o.warnings, warnings);
    }
}

fn on_apply_done(app: &mut App, result: Result<ApplyReport, String>) -> bool {
    app.quit_armed = false;
    let Some(panel) = &mut app.apply else {
        return false;
    };
    let context = panel.plan.info.context.clone();
    match (panel.phase, result) {
        // Server-side apply removes only fields its own manager set before: over an object
        // that exists (created by kubectl, a controller, an earlier tool), the fields the
        // rewrite drops (`privileged`, a socket volume, SYS_ADMIN) would stay, and the object
        // would not become the rewrite while the panel said "applied". Refused instead.
        (ApplyPhase::DryRun, Ok(report))
            if panel.rewrite && report.objects.iter().any(|o| o.existed) =>
        {
            let existing: Vec<String> = report
                .objects
                .iter()
                .filter(|o| o.existed)
                .map(|o| o.reference.clone())
                .collect();
            let error = format!(
                "{} exists already: server-side apply would keep what the rewrite removes (fields another field manager set), so it would not become the rewrite; nothing was applied",
                existing.join(", ")
            );
            for (o, r) in panel.objects.iter_mut().zip(&report.objects) {
                o.state = if r.existed {
                    ObjectState::Rejected(
                        "exists already: not overwritten with server-side apply".into(),
                    )
                } else {
                    ObjectState::Valid
                };
            }
            panel.phase = ApplyPhase::Rejected;
            panel.report = Some(report);
            app.status = Some((StatusKind::Error, error.clone()));
            panel.error = Some(error);
        }
        (ApplyPhase::DryRun, Ok(report)) => {
            for (o, r) in panel.objects.iter_mut().zip(&report.objects) {
                add_warnings(&mut o.warnings, r.warnings.clone());
                if o.state == ObjectState::DryRunning {
                    o.state = match &r.outcome {
                        Outcome::NotValidated { reason } => ObjectState::Deferred(reason.clone()),
                        _ => ObjectState::Valid,
                    };
                }
            }
            panel.phase = ApplyPhase::Confirm;
            panel.report = Some(report);
            app.status = Some((
                StatusKind::Info,
                format!(
                    "dry-run passed: y or Enter applies to context \"{context}\", n or Esc cancels"
                ),
            ));
        }
        (ApplyPhase::DryRun, Err(error)) => {
            panel.phase = ApplyPhase::Rejected;
            app.status = Some((StatusKind::Error, error.clone()));
            panel.error = Some(error);
        }
        (ApplyPhase::Applying, Ok(report)) => {
            for (o, r) in panel.objects.iter_mut().zip(&report.objects) {
                add_warnings(&mut o.warnings, r.warnings.clone());
                o.state = match r.outcome {
                    Outcome::Created => ObjectState::Created,
                    Outcome::Configured => ObjectState::Configured,
                    Outcome::Unchanged => ObjectState::Unchanged,
                    _ => o.state.clone(),
                };
            }
            if report.pod.is_some() {
                panel.pod.clone_from(&report.pod);
            }
            let count =
                |f: fn(&Outcome) -> bool| report.objects.iter().filter(|o| f(&o.outcome)).count();
            app.status = Some((
                StatusKind::Success,
                format!(
                    "applied to context \"{context}\": {} created, {} configured, {} unchanged",
                    count(|o| *o == Outcome::Created),
                    count(|o| *o == Outcome::Configured),
                    count(|o| *o == Outcome::Unchanged),
                ),
            ));
            panel.phase = ApplyPhase::Applied;
            panel.report = Some(report);
        }
        (ApplyPhase::Applying, Err(error)) => {
            panel.phase = ApplyPhase::Failed;
            app.status = Some((StatusKind::Error, error.clone()));
            panel.error = Some(error);
        }
        // Nothing runs: a stray answer changes nothing.
        _ => return false,
    }
    true
}

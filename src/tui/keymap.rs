//! The one keymap table: it decides what a key does, and it writes the footer hints and the help
//! screen, so the three never disagree.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where the user is, as far as keys are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    Start,
    List,
    Form,
    Editing,
    Review,
    Prompt,
    Confirm,
    Help,
    Compare,
    /// The apply panel: confirmation, progress, result.
    Apply,
    /// The Review of someone's own manifest (`podwiz -f FILE`, `podwiz TYPE/NAME`).
    Manifest,
}

impl Context {
    pub fn title(self) -> &'static str {
        match self {
            Context::Start => "Start",
            Context::List => "Choosing (steps 2 and 3)",
            Context::Form => "Options",
            Context::Editing => "Typing into a field",
            Context::Review => "Review",
            Context::Prompt => "Save directory prompt",
            Context::Confirm => "Confirmation",
            Context::Help => "Help",
            Context::Compare => "Compare all modes",
            Context::Apply => "Apply panel",
            Context::Manifest => "Review of your manifest (podwiz -f FILE, podwiz TYPE/NAME)",
        }
    }

    pub const ALL: [Context; 11] = [
        Context::Start,
        Context::List,
        Context::Form,
        Context::Editing,
        Context::Review,
        Context::Prompt,
        Context::Confirm,
        Context::Compare,
        Context::Help,
        Context::Apply,
        Context::Manifest,
    ];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    Compare,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Enter,
    Back,
    NextTab,
    PrevTab,
    Copy,
    CopyAll,
    Save,
    Apply,
    Review,
    NextRisk,
    Edit,
    Delete,
    Yes,
    No,
    Verify,
    /// The next object of a manifest (a file may hold several).
    NextObject,
    PrevObject,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Ctrl(char),
    Code(KeyCode),
}

/// One binding: keys, a short footer label, a help description, where it applies.
pub struct Binding {
    pub keys: &'static [Key],
    pub label: &'static str,
    pub help: &'static str,
    pub action: Action,
    pub contexts: &'static [Context],
    /// Shown in the footer (the help screen lists every binding).
    pub hint: bool,
}

use Context as C;
use Key::{Char, Code, Ctrl};

const NAV: &[Context] = &[
    C::List,
    C::Form,
    C::Review,
    C::Compare,
    C::Help,
    C::Apply,
    C::Manifest,
];
const WALK: &[Context] = &[C::Start, C::List, C::Form, C::Review, C::Manifest];
const ANYWHERE: &[Context] = &[
    C::Start,
    C::List,
    C::Form,
    C::Review,
    C::Compare,
    C::Help,
    C::Manifest,
];

pub const BINDINGS: &[Binding] = &[
    Binding {
        keys: &[Code(KeyCode::Up), Char('k')],
        label: "up",
        help: "move up (scroll the YAML in Review)",
        action: Action::Up,
        contexts: NAV,
        hint: false,
    },
    Binding {
        keys: &[Code(KeyCode::Down), Char('j')],
        label: "down",
        help: "move down",
        action: Action::Down,
        contexts: NAV,
        hint: false,
    },
    Binding {
        keys: &[Code(KeyCode::Left), Char('h')],
        label: "change",
        help: "previous value of a choice",
        action: Action::Left,
        contexts: &[C::Form],
        hint: false,
    },
    Binding {
        keys: &[Code(KeyCode::Right), Char('l')],
        label: "change",
        help: "next value of a choice",
        action: Action::Right,
        contexts: &[C::Form],
        hint: true,
    },
    Binding {
        keys: &[Code(KeyCode::PageUp)],
        label: "page up",
        help: "scroll a page up",
        action: Action::PageUp,
        contexts: &[C::Review, C::Help, C::Apply, C::Manifest],
        hint: false,
    },
    Binding {
        keys: &[Code(KeyCode::PageDown), Char(' ')],
        label: "page down",
        help: "scroll a page down",
        action: Action::PageDown,
        contexts: &[C::Review, C::Help, C::Apply, C::Manifest],
        hint: false,
    },
    Binding {
        keys: &[Code(KeyCode::Home), Char('g')],
        label: "top",
        help: "go to the first line",
        action: Action::Top,
        contexts: &[C::Review, C::Manifest],
        hint: false,
    },
    Binding {
        keys: &[Code(KeyCode::End), Char('G')],
        label: "bottom",
        help: "go to the last line",
        action: Action::Bottom,
        contexts: &[C::Review, C::Manifest],
        hint: false,
    },
    Binding {
        keys: &[Code(KeyCode::Enter)],
        label: "next",
        help: "choose / continue",
        action: Action::Enter,
        contexts: &[C::Start, C::List, C::Prompt],
        hint: true,
    },
    // On Options, Enter works on the highlighted row: it does not move on (except on the
    // "Continue" row). The footer says so, and `r` is the plain way on to Review.
    Binding {
        keys: &[Code(KeyCode::Enter)],
        label: "edit field",
        help: "edit the highlighted text field, or take a choice's next value; on \"Continue\" go to Review",
        action: Action::Enter,
        contexts: &[C::Form],
        hint: true,
    },
    Binding {
        keys: &[Code(KeyCode::Enter), Code(KeyCode::Esc), Code(KeyCode::Tab)],
        label: "done",
        help: "finish typing (the text is kept)",
        action: Action::Edit,
        contexts: &[C::Editing],
        hint: true,
    },
    Binding {
        keys: &[Code(KeyCode::Backspace)],
        label: "delete",
        help: "delete the character before the cursor",
        action: Action::Delete,
        contexts: &[C::Editing, C::Prompt],
        hint: true,
    },
    Binding {
        keys: &[Char('r')],
        label: "on to Review",
        help: "go on to Review with these options",
        action: Action::Review,
        contexts: &[C::Form],
        hint: true,
    },
    Binding {
        keys: &[Code(KeyCode::Tab)],
        label: "next tab",
        help: "next manifest tab",
        action: Action::NextTab,
        contexts: &[C::Review],
        hint: true,
    },
    Binding {
        keys: &[Code(KeyCode::BackTab)],
        label: "prev tab",
        help: "previous manifest tab",
        action: Action::PrevTab,
        contexts: &[C::Review],
        hint: false,
    },
    Binding {
        keys: &[Code(KeyCode::Tab)],
        label: "next tab",
        help: "next tab: your manifest, the safer rewrite, the diff between them",
        action: Action::NextTab,
        contexts: &[C::Manifest],
        hint: true,
    },
    Binding {
        keys: &[Code(KeyCode::BackTab)],
        label: "prev tab",
        help: "previous tab",
        action: Action::PrevTab,
        contexts: &[C::Manifest],
        hint: false,
    },
    Binding {
        keys: &[Char('o')],
        label: "next object",
        help: "next object of the manifest (a file may hold several pod templates)",
        action: Action::NextObject,
        contexts: &[C::Manifest],
        hint: true,
    },
    Binding {
        keys: &[Char('O')],
        label: "prev object",
        help: "previous object of the manifest",
        action: Action::PrevObject,
        contexts: &[C::Manifest],
        hint: false,
    },
    Binding {
        keys: &[Char('n')],
        label: "next risk",
        help: "jump to the next line that carries a risk",
        action: Action::NextRisk,
        contexts: &[C::Review, C::Manifest],
        hint: true,
    },
    Binding {
        keys: &[Char('c')],
        label: "copy",
        help: "copy the current tab (All: every document)",
        action: Action::Copy,
        contexts: &[C::Review],
        hint: true,
    },
    Binding {
        keys: &[Char('c')],
        label: "copy",
        help: "copy what the tab shows: your manifest, the safer rewrite, or the diff",
        action: Action::Copy,
        contexts: &[C::Manifest],
        hint: true,
    },
    Binding {
        keys: &[Char('C')],
        label: "copy all",
        help: "copy all documents, whatever the tab",
        action: Action::CopyAll,
        contexts: &[C::Review],
        hint: false,
    },
    Binding {
        keys: &[Char('C')],
        label: "copy all",
        help: "copy the safer rewrite of every object (what explain --suggest prints), whatever the tab",
        action: Action::CopyAll,
        contexts: &[C::Manifest],
        hint: false,
    },
    Binding {
        keys: &[Char('s')],
        label: "save",
        help: "save the safer rewrite, its diff and a README to a directory",
        action: Action::Save,
        contexts: &[C::Manifest],
        hint: true,
    },
    Binding {
        keys: &[Char('a')],
        label: "apply rewrite",
        help: "apply the rewrite on screen as a new object (server-side dry-run, then a confirmation)",
        action: Action::Apply,
        contexts: &[C::Manifest],
        hint: true,
    },
    Binding {
        keys: &[Char('s')],
        label: "save",
        help: "save the manifests, host files and a README to a directory",
        action: Action::Save,
        contexts: &[C::Review],
        hint: true,
    },
    Binding {
        keys: &[Char('a')],
        label: "apply",
        help: "apply to the current kube context",
        action: Action::Apply,
        contexts: &[C::Review],
        hint: true,
    },
    Binding {
        keys: &[Char('v')],
        label: "verify",
        help: "after applying: wait for Running, then run Podman in the pod (no registry needed)",
        action: Action::Verify,
        contexts: &[C::Apply],
        hint: true,
    },
    Binding {
        keys: &[Char('y')],
        label: "yes",
        help: "confirm",
        action: Action::Yes,
        contexts: &[C::Confirm],
        hint: true,
    },
    Binding {
        keys: &[Char('n'), Code(KeyCode::Esc)],
        label: "no",
        help: "cancel",
        action: Action::No,
        contexts: &[C::Confirm],
        hint: true,
    },
    Binding {
        keys: &[Char('y'), Code(KeyCode::Enter)],
        label: "apply",
        help: "after the dry-run: apply (refused when the API server rejected it)",
        action: Action::Yes,
        contexts: &[C::Apply],
        hint: true,
    },
    Binding {
        keys: &[Char('n'), Code(KeyCode::Esc)],
        label: "cancel/close",
        help: "cancel before applying (nothing is written); close the panel when done",
        action: Action::No,
        contexts: &[C::Apply],
        hint: true,
    },
    Binding {
        keys: &[Code(KeyCode::Esc)],
        label: "cancel",
        help: "close the prompt (the text is kept)",
        action: Action::Back,
        contexts: &[C::Prompt],
        hint: true,
    },
    Binding {
        keys: &[Code(KeyCode::Esc), Code(KeyCode::Backspace)],
        label: "back",
        help: "previous step; nothing typed is lost",
        action: Action::Back,
        contexts: &[C::List, C::Form, C::Review, C::Compare, C::Help],
        hint: true,
    },
    Binding {
        keys: &[Char('m')],
        label: "compare",
        help: "compare all six modes (again to close)",
        action: Action::Compare,
        contexts: &[
            C::Start,
            C::List,
            C::Form,
            C::Review,
            C::Compare,
            C::Manifest,
        ],
        hint: true,
    },
    Binding {
        keys: &[Char('?')],
        label: "help",
        help: "this help (again to close)",
        action: Action::Help,
        contexts: ANYWHERE,
        hint: true,
    },
    Binding {
        keys: &[Char('q')],
        label: "quit",
        help: "quit (not while typing)",
        action: Action::Quit,
        contexts: WALK,
        hint: true,
    },
    Binding {
        keys: &[Ctrl('c')],
        label: "quit",
        help: "quit, from anywhere",
        action: Action::Quit,
        contexts: &Context::ALL,
        hint: false,
    },
];

fn matches(key: &Key, event: &KeyEvent) -> bool {
    match key {
        Ctrl(c) => {
            event.modifiers.contains(KeyModifiers::CONTROL) && event.code == KeyCode::Char(*c)
        }
        Char(c) => {
            !event
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                && event.code == KeyCode::Char(*c)
        }
        Code(code) => event.code == *code,
    }
}

/// The action of `event` in `context`, if the table has one.
pub fn action(context: Context, event: &KeyEvent) -> Option<Action> {
    BINDINGS
        .iter()
        .filter(|b| b.contexts.contains(&context))
        .find(|b| b.keys.iter().any(|k| matches(k, event)))
        .map(|b| b.action)
}

pub fn key_name(key: &Key) -> String {
    match key {
        Char(' ') => "Space".into(),
        Char(c) => c.to_string(),
        Ctrl(c) => format!("Ctrl-{}", c.to_ascii_uppercase()),
        Code(KeyCode::Up) => "↑".into(),
        Code(KeyCode::Down) => "↓".into(),
        Code(KeyCode::Left) => "←".into(),
        Code(KeyCode::Right) => "→".into(),
        Code(KeyCode::Enter) => "Enter".into(),
        Code(KeyCode::Esc) => "Esc".into(),
        Code(KeyCode::Backspace) => "Bksp".into(),
        Code(KeyCode::Tab) => "Tab".into(),
        Code(KeyCode::BackTab) => "S-Tab".into(),
        Code(KeyCode::PageUp) => "PgUp".into(),
        Code(KeyCode::PageDown) => "PgDn".into(),
        Code(KeyCode::Home) => "Home".into(),
        Code(KeyCode::End) => "End".into(),
        Code(other) => format!("{other:?}"),
    }
}

/// Footer hints for `context`: (first key, label), in table order.
pub fn hints(context: Context) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    if matches!(
        context,
        C::List | C::Form | C::Review | C::Compare | C::Manifest
    ) {
        out.push(("↑↓".into(), "move"));
    }
    for b in BINDINGS
        .iter()
        .filter(|b| b.hint && b.contexts.contains(&context))
    {
        out.push((key_name(&b.keys[0]), b.label));
    }
    out
}

/// The help screen's lines: (context title, [(keys, description)]).
pub fn help_sections() -> Vec<(&'static str, Vec<(String, &'static str)>)> {
    Context::ALL
        .iter()
        .map(|c| {
            let rows = BINDINGS
                .iter()
                .filter(|b| b.contexts.contains(c))
                .map(|b| {
                    let keys: Vec<String> = b.keys.iter().map(key_name).collect();
                    (keys.join(" "), b.help)
                })
                .collect();
            (c.title(), rows)
        })
        .collect()
}

/// The line of the help screen where `context`'s section starts (each section: its title, one
/// line per binding, a blank line).
pub fn section_line(context: Context) -> usize {
    help_sections()
        .iter()
        .take_while(|(title, _)| *title != context.title())
        .map(|(_, rows)| rows.len() + 2)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn q_does_not_quit_while_typing() {
        assert_eq!(
            action(Context::Form, &key(KeyCode::Char('q'))),
            Some(Action::Quit)
        );
        assert_eq!(action(Context::Editing, &key(KeyCode::Char('q'))), None);
        assert_eq!(action(Context::Prompt, &key(KeyCode::Char('q'))), None);
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(action(Context::Editing, &ctrl_c), Some(Action::Quit));
    }

    #[test]
    fn footer_and_help_come_from_the_table() {
        let review = hints(Context::Review);
        assert!(review.contains(&("c".to_string(), "copy")));
        assert!(review.contains(&("s".to_string(), "save")));
        let form = hints(Context::Form);
        assert!(!form.iter().any(|(_, l)| *l == "copy"));
        // Enter does not move on from Options: the footer must not say "next" there.
        assert!(
            form.contains(&("Enter".to_string(), "edit field")),
            "{form:?}"
        );
        assert!(!form.iter().any(|(_, l)| *l == "next"), "{form:?}");
        assert!(
            form.contains(&("r".to_string(), "on to Review")),
            "{form:?}"
        );
        let help = help_sections();
        assert!(
            help.iter()
                .any(|(_, rows)| rows.iter().any(|(k, d)| k == "c" && d.contains("copy")))
        );
    }
}

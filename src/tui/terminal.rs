//! Terminal setup and restore: on normal exit, on error, on panic (hook) and on signals (they
//! arrive as messages and end the loop normally).

use std::io::{self, Write};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use ratatui::DefaultTerminal;

/// Raw mode, alternate screen, bracketed paste, and mouse capture when asked.
pub fn init(mouse: bool) -> io::Result<DefaultTerminal> {
    // ratatui installs a hook that restores raw mode and the screen; ours first undoes what
    // ratatui does not know about.
    let terminal = ratatui::try_init()?;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        undo_extras();
        previous(info);
    }));
    let mut out = io::stdout();
    execute!(out, EnableBracketedPaste)?;
    if mouse {
        execute!(out, EnableMouseCapture)?;
    }
    Ok(terminal)
}

fn undo_extras() {
    let mut out = io::stdout();
    let _ = execute!(out, DisableMouseCapture, DisableBracketedPaste);
    let _ = out.flush();
}

/// Undo everything `init` did. Safe to call more than once.
pub fn restore() {
    undo_extras();
    ratatui::restore();
}

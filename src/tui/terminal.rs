//! Terminal setup and restore: on normal exit, on error, on panic (hook) and on signals (they
//! arrive as messages and end the loop normally).

use std::io::{self, BufWriter, Stdout, Write};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, enable_raw_mode};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// The wizard's terminal. Frames go through a buffer big enough for a whole frame and leave in
/// one write when ratatui flushes after drawing: std's stdout would send them in 1 KiB pieces,
/// which a slow link (SSH) shows as a frame being painted in stripes.
pub type Tui = Terminal<CrosstermBackend<BufWriter<Stdout>>>;

/// A frame of 300×100 cells with colours fits.
const FRAME_BUFFER: usize = 256 * 1024;

/// Raw mode, alternate screen, bracketed paste, and mouse capture when asked.
pub fn init(mouse: bool) -> io::Result<Tui> {
    // The panic hook undoes everything (the terminal is restored before the message prints);
    // it is set before the terminal changes so a panic in between is covered too.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    let setup = || -> io::Result<Tui> {
        enable_raw_mode()?;
        let mut out = io::stdout();
        execute!(out, EnterAlternateScreen, EnableBracketedPaste)?;
        if mouse {
            execute!(out, EnableMouseCapture)?;
        }
        Terminal::new(CrosstermBackend::new(BufWriter::with_capacity(
            FRAME_BUFFER,
            io::stdout(),
        )))
    };
    // Half a setup is undone: the shell gets its terminal back with the error.
    setup().inspect_err(|_| restore())
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

//! Copying: one native clipboard (arboard) for the app's life, created on first use; OSC 52 over
//! SSH or where the native clipboard fails.
//!
//! On exit, X11 clipboard content disappears with its owner. If podwiz owns the clipboard when it
//! quits, it starts a detached copy of itself (`PODWIZ_CLIPBOARD_SERVE=1`, content on stdin) that
//! keeps serving it with `SetExtLinux::wait_until` until another program takes the clipboard, or
//! one hour at most.

use std::io::Write;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The environment variable that turns the binary into the clipboard keeper.
pub const SERVE_ENV: &str = "PODWIZ_CLIPBOARD_SERVE";
/// How long the keeper serves the clipboard at most.
pub const SERVE_FOR: Duration = Duration::from_secs(3600);

/// `ESC ] 52 ; c ; <base64> BEL`: asks the terminal to put `text` on the system clipboard.
pub fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", STANDARD.encode(text.as_bytes()))
}

/// What decides the route, read once from the environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Env {
    pub ssh: bool,
    pub tmux: bool,
    pub wayland: bool,
}

impl Env {
    pub fn from_process() -> Env {
        let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
        Env {
            ssh: set("SSH_CONNECTION") || set("SSH_TTY"),
            tmux: set("TMUX"),
            wayland: set("WAYLAND_DISPLAY") && !set("DISPLAY"),
        }
    }
}

#[derive(Default)]
pub struct Clipboard {
    native: Option<arboard::Clipboard>,
    native_error: Option<String>,
    /// The last text podwiz put on the native clipboard (kept after exit when still owned).
    owned: Option<String>,
}

fn native_name() -> &'static str {
    if cfg!(target_os = "macos") {
        "macOS"
    } else if cfg!(windows) {
        "Windows"
    } else {
        "X11"
    }
}

fn osc52_note(env: &Env) -> String {
    if env.tmux {
        " (inside tmux this needs `set -g set-clipboard on`)".into()
    } else {
        " (your terminal must allow clipboard writes)".into()
    }
}

impl Clipboard {
    /// Copy `text`; the answer is the status line.
    pub fn copy(
        &mut self,
        text: &str,
        what: &str,
        env: &Env,
        terminal: &mut dyn Write,
    ) -> Result<String, String> {
        if env.ssh {
            return send_osc52(text, terminal)
                .map(|()| format!("sent {what} via OSC 52 over SSH{}", osc52_note(env)));
        }
        match self.native_set(text) {
            Ok(()) => Ok(format!("copied {what} to the {} clipboard", native_name())),
            Err(why) => send_osc52(text, terminal).map(|()| {
                format!(
                    "no native clipboard ({why}): sent {what} via OSC 52{}",
                    osc52_note(env)
                )
            }),
        }
    }

    fn native_set(&mut self, text: &str) -> Result<(), String> {
        if let Some(why) = &self.native_error {
            return Err(why.clone());
        }
        if self.native.is_none() {
            match arboard::Clipboard::new() {
                Ok(c) => self.native = Some(c),
                Err(e) => {
                    let why = short(&e.to_string());
                    self.native_error = Some(why.clone());
                    return Err(why);
                }
            }
        }
        let Some(native) = self.native.as_mut() else {
            return Err("unavailable".into());
        };
        native
            .set_text(text.to_string())
            .map_err(|e| short(&e.to_string()))?;
        self.owned = Some(text.to_string());
        Ok(())
    }

    /// Keep the clipboard content available after podwiz exits (X11: a detached keeper).
    /// Returns a line for the user, or `None` when there is nothing to keep.
    pub fn keep_after_exit(&mut self) -> Option<String> {
        let text = self.owned.take()?;
        let native = self.native.as_mut()?;
        // Someone else copied since: nothing of ours to keep.
        if native.get_text().ok().as_deref() != Some(text.as_str()) {
            return None;
        }
        if !cfg!(target_os = "linux") {
            return None;
        }
        match spawn_keeper(&text) {
            Ok(()) => Some(
                "podwiz: the copied YAML stays on the clipboard (a background podwiz serves it until something else is copied, 1 h at most)".into(),
            ),
            Err(e) => Some(format!(
                "podwiz: the copied YAML leaves the clipboard with podwiz ({e}); paste it before quitting next time"
            )),
        }
    }
}

fn short(s: &str) -> String {
    let first = s.lines().next().unwrap_or_default();
    first.chars().take(80).collect()
}

fn send_osc52(text: &str, terminal: &mut dyn Write) -> Result<(), String> {
    terminal
        .write_all(osc52(text).as_bytes())
        .and_then(|()| terminal.flush())
        .map_err(|e| format!("cannot write to the terminal: {e}"))
}

fn spawn_keeper(text: &str) -> std::io::Result<()> {
    use std::process::{Command, Stdio};
    let exe = std::env::current_exe()?;
    let mut cmd = Command::new(exe);
    cmd.env(SERVE_ENV, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Its own process group: the shell's hangup on terminal close does not reach it.
        cmd.process_group(0);
    }
    let mut child = cmd.spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(text.as_bytes())?;
    }
    Ok(())
}

/// The keeper: read the text from stdin, own the clipboard until someone else takes it.
pub fn serve_stdin() -> anyhow::Result<std::process::ExitCode> {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)?;
    #[cfg(target_os = "linux")]
    {
        use arboard::SetExtLinux;
        let mut clipboard = arboard::Clipboard::new()?;
        clipboard
            .set()
            .wait_until(Instant::now() + SERVE_FOR)
            .text(text)?;
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (Instant::now(), text);
    }
    Ok(std::process::ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_bytes_are_exact() {
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
        assert_eq!(
            osc52("apiVersion: v1\n").as_bytes(),
            b"\x1b]52;c;YXBpVmVyc2lvbjogdjEK\x07"
        );
    }

    #[test]
    fn ssh_always_uses_osc52_and_says_so() {
        let mut out = Vec::new();
        let mut clip = Clipboard::default();
        let env = Env {
            ssh: true,
            tmux: true,
            wayland: false,
        };
        let status = clip
            .copy("kind: Pod\n", "3 documents", &env, &mut out)
            .unwrap();
        assert_eq!(out, osc52("kind: Pod\n").as_bytes());
        assert_eq!(
            status,
            "sent 3 documents via OSC 52 over SSH (inside tmux this needs `set -g set-clipboard on`)"
        );
        assert!(clip.native.is_none(), "no native clipboard over SSH");
    }

    #[test]
    fn a_failed_native_clipboard_falls_back_to_osc52() {
        let mut out = Vec::new();
        let mut clip = Clipboard {
            native_error: Some("no display".into()),
            ..Clipboard::default()
        };
        let status = clip
            .copy("x", "Pod no-priv", &Env::default(), &mut out)
            .unwrap();
        assert_eq!(out, osc52("x").as_bytes());
        assert!(
            status.starts_with("no native clipboard (no display): sent Pod no-priv via OSC 52")
        );
    }
}

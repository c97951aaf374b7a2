//! Colour themes: semantic slots read from `themes/*.toml` (embedded), chosen by `--theme`,
//! `NO_COLOR` or the user's `config.toml`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

use crate::exit::UsageError;

/// The built-in themes, in the order `--help` lists them.
pub const NAMES: [&str; 4] = ["dark", "light", "high-contrast", "mono"];

fn source(name: &str) -> Option<&'static str> {
    Some(match name {
        "dark" => include_str!("../../themes/dark.toml"),
        "light" => include_str!("../../themes/light.toml"),
        "high-contrast" => include_str!("../../themes/high-contrast.toml"),
        "mono" => include_str!("../../themes/mono.toml"),
        _ => return None,
    })
}

/// Every style the view uses. Slots are semantic: the view never names a colour.
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub name: String,
    pub text: Style,
    pub muted: Style,
    pub accent: Style,
    pub title: Style,
    pub focus: Style,
    pub key: Style,
    pub border: Style,
    pub border_focus: Style,
    pub success: Style,
    pub warning: Style,
    pub error: Style,
    pub info: Style,
    pub badge_restricted: Style,
    pub badge_baseline: Style,
    pub badge_privileged: Style,
    pub yaml_key: Style,
    pub yaml_scalar: Style,
    pub yaml_string: Style,
    pub yaml_comment: Style,
    pub yaml_doc: Style,
    pub yaml_list: Style,
    pub gutter_risk: Style,
    pub cursor_line: Style,
    pub status: Style,
}

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("unknown theme '{0}'; the themes are: {all}", all = NAMES.join(", "))]
    Unknown(String),
    #[error("theme '{theme}': slot '{slot}': {why}")]
    Bad {
        theme: String,
        slot: String,
        why: String,
    },
}

/// Parse `"#5fd7ff on:black bold"` into a style.
pub fn parse_style(spec: &str) -> Result<Style, String> {
    let mut style = Style::new();
    let mut fg_set = false;
    for word in spec.split_whitespace() {
        let modifier = match word {
            "bold" => Some(Modifier::BOLD),
            "dim" => Some(Modifier::DIM),
            "italic" => Some(Modifier::ITALIC),
            "underline" => Some(Modifier::UNDERLINED),
            "reverse" => Some(Modifier::REVERSED),
            _ => None,
        };
        if let Some(m) = modifier {
            style = style.add_modifier(m);
        } else if let Some(bg) = word.strip_prefix("on:") {
            style = style.bg(Color::from_str(bg).map_err(|_| format!("unknown colour '{bg}'"))?);
        } else if !fg_set {
            style =
                style.fg(Color::from_str(word).map_err(|_| format!("unknown colour '{word}'"))?);
            fg_set = true;
        } else {
            return Err(format!("unexpected word '{word}'"));
        }
    }
    Ok(style)
}

impl Theme {
    /// A built-in theme by name.
    pub fn builtin(name: &str) -> Result<Theme, ThemeError> {
        let text = source(name).ok_or_else(|| ThemeError::Unknown(name.to_string()))?;
        Theme::from_toml(name, text)
    }

    pub fn dark() -> Theme {
        Theme::builtin("dark").expect("the dark theme is embedded and valid")
    }

    pub fn mono() -> Theme {
        Theme::builtin("mono").expect("the mono theme is embedded and valid")
    }

    pub fn from_toml(name: &str, text: &str) -> Result<Theme, ThemeError> {
        let table: BTreeMap<String, String> =
            toml::from_str(text).map_err(|e| ThemeError::Bad {
                theme: name.into(),
                slot: "-".into(),
                why: e.to_string(),
            })?;
        let slot = |key: &str| -> Result<Style, ThemeError> {
            let spec = table.get(key).ok_or_else(|| ThemeError::Bad {
                theme: name.into(),
                slot: key.into(),
                why: "missing".into(),
            })?;
            parse_style(spec).map_err(|why| ThemeError::Bad {
                theme: name.into(),
                slot: key.into(),
                why,
            })
        };
        Ok(Theme {
            name: table.get("name").cloned().unwrap_or_else(|| name.into()),
            text: slot("text")?,
            muted: slot("muted")?,
            accent: slot("accent")?,
            title: slot("title")?,
            focus: slot("focus")?,
            key: slot("key")?,
            border: slot("border")?,
            border_focus: slot("border_focus")?,
            success: slot("success")?,
            warning: slot("warning")?,
            error: slot("error")?,
            info: slot("info")?,
            badge_restricted: slot("badge_restricted")?,
            badge_baseline: slot("badge_baseline")?,
            badge_privileged: slot("badge_privileged")?,
            yaml_key: slot("yaml_key")?,
            yaml_scalar: slot("yaml_scalar")?,
            yaml_string: slot("yaml_string")?,
            yaml_comment: slot("yaml_comment")?,
            yaml_doc: slot("yaml_doc")?,
            yaml_list: slot("yaml_list")?,
            gutter_risk: slot("gutter_risk")?,
            cursor_line: slot("cursor_line")?,
            status: slot("status")?,
        })
    }
}

/// The user's config file: `<config dir>/podwiz/config.toml`.
pub fn config_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("podwiz").join("config.toml"))
}

#[derive(serde::Deserialize, Default)]
struct Config {
    theme: Option<String>,
}

fn config_theme(path: &Path) -> anyhow::Result<Option<String>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(UsageError(format!("cannot read '{}': {e}", path.display())).into()),
    };
    let config: Config = toml::from_str(&text)
        .map_err(|e| UsageError(format!("'{}': {}", path.display(), e.message())))?;
    Ok(config.theme)
}

/// `--theme` wins, then `NO_COLOR` (mono), then the config file, then dark. An unknown name is a
/// usage error (exit code 2).
pub fn choose(
    flag: Option<&str>,
    no_color: Option<&str>,
    config: Option<&Path>,
) -> anyhow::Result<Theme> {
    if let Some(name) = flag {
        return Theme::builtin(name).map_err(|e| UsageError(format!("--theme: {e}")).into());
    }
    if no_color.is_some_and(|v| !v.is_empty()) {
        return Ok(Theme::mono());
    }
    if let Some(path) = config
        && let Some(name) = config_theme(path)?
    {
        return Theme::builtin(&name)
            .map_err(|e| UsageError(format!("'{}': {e}", path.display())).into());
    }
    Ok(Theme::dark())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_theme_parses() {
        for name in NAMES {
            let theme = Theme::builtin(name).expect(name);
            assert_eq!(theme.name, name);
        }
    }

    #[test]
    fn mono_has_no_colour() {
        let t = Theme::mono();
        for style in [
            t.text,
            t.focus,
            t.badge_privileged,
            t.error,
            t.yaml_key,
            t.gutter_risk,
        ] {
            assert_eq!(style.fg, None);
            assert_eq!(style.bg, None);
        }
    }

    #[test]
    fn choose_follows_the_precedence() {
        assert_eq!(choose(None, None, None).unwrap().name, "dark");
        assert_eq!(choose(None, Some("1"), None).unwrap().name, "mono");
        assert_eq!(choose(None, Some(""), None).unwrap().name, "dark");
        assert_eq!(
            choose(Some("light"), Some("1"), None).unwrap().name,
            "light"
        );
        let err = choose(Some("solarized"), None, None).unwrap_err();
        assert!(err.downcast_ref::<UsageError>().is_some());
        assert_eq!(
            err.to_string(),
            "--theme: unknown theme 'solarized'; the themes are: dark, light, high-contrast, mono"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "theme = \"high-contrast\"\n").unwrap();
        assert_eq!(
            choose(None, None, Some(&path)).unwrap().name,
            "high-contrast"
        );
        std::fs::write(&path, "theme = \"nope\"\n").unwrap();
        assert!(choose(None, None, Some(&path)).is_err());
    }

    #[test]
    fn styles_parse() {
        let s = parse_style("#ff0000 on:black bold").unwrap();
        assert_eq!(s.fg, Some(Color::Rgb(255, 0, 0)));
        assert_eq!(s.bg, Some(Color::Black));
        assert!(s.add_modifier.contains(Modifier::BOLD));
        assert!(parse_style("red blue").is_err());
    }
}

//! Which lines of a pasted log are errors. People paste logrus text (`time=… level=error
//! msg="…"`), logrus on a terminal (`ERRO[0000] …`), JSON logs, klog (`E0102 15:04:05 …`),
//! `kubectl get events` / `describe` rows, CI logs with timestamps (`2024-01-02T03:04:05Z …`,
//! `##[error]…`) and bare messages. Each line gets a [`Level`] and its message without the log
//! prefixes; the troubleshooter then reads the error lines only.

use serde::Serialize;

/// How a line of a log counts as evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// Debug, info and warning lines, `Normal` events: read only when nothing else is there.
    Noise,
    /// No level: a bare message, or the output of a program.
    Plain,
    /// `Error:`, `level=error`, `ERRO`, `error:`, a JSON error, a klog `E` line...
    Error,
}

/// One line of the paste.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogLine {
    /// 1-based line number in the paste.
    pub number: usize,
    pub level: Level,
    /// The message, without timestamp, level and logger prefixes.
    pub message: String,
}

/// The lines to read: the error lines; if there are none, the lines without a level; if there
/// are none either, every non-empty line (a paste of a single warning is still a question).
pub fn lines_to_read(text: &str) -> Vec<LogLine> {
    let all: Vec<LogLine> = text
        .lines()
        .enumerate()
        .filter_map(|(i, line)| classify(line).map(|(level, message)| (i, level, message)))
        .map(|(i, level, message)| LogLine {
            number: i + 1,
            level,
            message,
        })
        .collect();
    let top = all.iter().map(|l| l.level).max();
    match top {
        Some(level) => all.into_iter().filter(|l| l.level == level).collect(),
        None => Vec::new(),
    }
}

/// The level and message of one line; None for a blank line.
pub fn classify(line: &str) -> Option<(Level, String)> {
    let line = strip_prefixes(line.trim());
    if line.is_empty() {
        return None;
    }
    if let Some(found) = json_line(line) {
        return Some(found);
    }
    if let Some(found) = logfmt_line(line) {
        return Some(found);
    }
    if let Some(found) = tagged_line(line) {
        return Some(found);
    }
    if let Some(found) = event_line(line) {
        return Some(found);
    }
    Some((plain_level(line), line.to_string()))
}

fn level_of_word(word: &str) -> Option<Level> {
    Some(
        match word
            .trim_matches(|c: char| !c.is_ascii_alphabetic())
            .to_ascii_lowercase()
            .as_str()
        {
            "error" | "err" | "erro" | "fatal" | "fata" | "panic" | "pani" | "critical"
            | "crit" | "alert" | "emerg" | "emergency" | "e" | "f" => Level::Error,
            "debug" | "debu" | "trace" | "trac" | "info" | "notice" | "warn" | "warning" | "i"
            | "w" | "d" => Level::Noise,
            _ => return None,
        },
    )
}

/// Drops leading timestamps (`2024-01-02T03:04:05.123Z`, `2024-01-02 03:04:05,123`,
/// `[03:04:05]`, `Jan  2 03:04:05 host prog[12]:`) and CI step markers.
fn strip_prefixes(mut line: &str) -> &str {
    loop {
        let trimmed = line.trim_start();
        let (first, rest) = split_first(trimmed);
        if first.is_empty() {
            return trimmed;
        }
        if is_timestamp(first.trim_matches(|c| c == '[' || c == ']')) {
            line = rest;
            continue;
        }
        // syslog: `Jan  2 03:04:05 host prog[12]: message`
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        if MONTHS.contains(&first) {
            let (day, after_day) = split_first(rest.trim_start());
            let (time, after_time) = split_first(after_day.trim_start());
            if day.chars().all(|c| c.is_ascii_digit()) && is_timestamp(time) {
                let (host, after_host) = split_first(after_time.trim_start());
                let (prog, after_prog) = split_first(after_host.trim_start());
                line = if !host.is_empty() && prog.ends_with(':') {
                    after_prog
                } else {
                    after_time
                };
                continue;
            }
        }
        return trimmed;
    }
}

fn split_first(s: &str) -> (&str, &str) {
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    }
}

/// A date, a time or both (digits with `-:.T Z+,/`), at least one `:` or two `-`.
fn is_timestamp(token: &str) -> bool {
    token.len() >= 5
        && token.bytes().any(|b| b.is_ascii_digit())
        && token
            .bytes()
            .all(|b| b.is_ascii_digit() || b"-:.TZ+,/".contains(&b))
        && (token.contains(':') || token.matches('-').count() >= 2)
}

/// `{"level":"error","msg":"…","error":"…"}`, Docker's `{"log":"…","stream":"stderr"}`.
fn json_line(line: &str) -> Option<(Level, String)> {
    if !line.starts_with('{') {
        return None;
    }
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    let object = value.as_object()?;
    let text = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| object.get(*k).and_then(|v| v.as_str()))
            .map(str::to_string)
    };
    if let Some(inner) = text(&["log"])
        && text(&["msg", "message"]).is_none()
    {
        return classify(&inner);
    }
    let mut message = text(&["msg", "message", "MESSAGE"]).unwrap_or_default();
    if let Some(error) = text(&["error", "err"]) {
        message = if message.is_empty() {
            error
        } else {
            format!("{message}: {error}")
        };
    }
    let level = text(&["level", "severity", "lvl", "loglevel", "PRIORITY"])
        .and_then(|l| level_of_word(&l))
        .unwrap_or_else(|| plain_level(&message));
    Some((level, message))
}

/// logrus/logfmt: `time="…" level=error msg="…" error="…"`.
fn logfmt_line(line: &str) -> Option<(Level, String)> {
    let level = logfmt_value(line, "level")?;
    let mut message = logfmt_value(line, "msg").unwrap_or_default();
    if let Some(error) = logfmt_value(line, "error").or_else(|| logfmt_value(line, "err")) {
        message = if message.is_empty() {
            error
        } else {
            format!("{message}: {error}")
        };
    }
    Some((level_of_word(&level)?, message))
}

/// The value of `key=` in a logfmt line: quoted (with `\"` and `\\` escapes) or bare.
fn logfmt_value(line: &str, key: &str) -> Option<String> {
    let needle = format!("{key}=");
    let mut from = 0;
    let start = loop {
        let at = from + line[from..].find(&needle)?;
        if at == 0 || line.as_bytes()[at - 1] == b' ' {
            break at + needle.len();
        }
        from = at + needle.len();
    };
    let rest = &line[start..];
    if let Some(quoted) = rest.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = quoted.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('n') => out.push(' '),
                    Some(other) => out.push(other),
                    None => break,
                },
                '"' => break,
                c => out.push(c),
            }
        }
        Some(out)
    } else {
        Some(split_first(rest).0.to_string())
    }
}

/// `ERRO[0000] …` (logrus on a terminal), `E0102 15:04:05.000000 1 file.go:12] …` (klog),
/// `##[error]…` (GitHub Actions), `[ERROR] …`, `ERROR: …`.
fn tagged_line(line: &str) -> Option<(Level, String)> {
    if let Some(rest) = line.strip_prefix("##[") {
        let (tag, message) = rest.split_once(']')?;
        let level = if tag == "error" {
            Level::Error
        } else {
            Level::Noise
        };
        return Some((level, message.trim().to_string()));
    }
    // logrus: four capitals then `[`.
    if line.len() > 5
        && line.as_bytes()[4] == b'['
        && line[..4].bytes().all(|b| b.is_ascii_uppercase())
    {
        let level = level_of_word(&line[..4])?;
        let message = line.split_once(']').map_or("", |(_, m)| m).trim();
        return Some((level, message.to_string()));
    }
    // klog: a level letter, MMDD, a time, a thread id, `file:line]`.
    let bytes = line.as_bytes();
    if bytes.len() > 6
        && b"IWEF".contains(&bytes[0])
        && bytes[1..5].iter().all(u8::is_ascii_digit)
        && bytes[5] == b' '
        && let Some((_, message)) = line.split_once("] ")
    {
        let level = level_of_word(&line[..1])?;
        return Some((level, message.trim().to_string()));
    }
    let (first, rest) = split_first(line);
    let tag = first.trim_matches(|c| c == '[' || c == ']' || c == ':');
    if (first.starts_with('[') && first.ends_with(']') || first.ends_with(':'))
        && tag.len() >= 4
        && tag.bytes().all(|b| b.is_ascii_uppercase())
        && let Some(level) = level_of_word(tag)
    {
        let message = if level == Level::Error {
            line.to_string()
        } else {
            rest.trim().to_string()
        };
        return Some((level, message));
    }
    None
}

/// `kubectl get events` (`12s  Warning  Failed  pod/x  message`) and the Events of
/// `kubectl describe` (`Warning  Failed  12s (x2 over 1m)  kubelet  message`): `Normal` rows are
/// noise; a `Warning` row counts by its message.
fn event_line(line: &str) -> Option<(Level, String)> {
    let words: Vec<&str> = line.split_whitespace().take(3).collect();
    let position = words
        .iter()
        .position(|w| *w == "Normal" || *w == "Warning")?;
    if position > 1 {
        return None;
    }
    if position == 1 && !is_age(words[0]) {
        return None;
    }
    if words[position] == "Normal" {
        return Some((Level::Noise, line.to_string()));
    }
    Some((plain_level(line), line.to_string()))
}

fn is_age(word: &str) -> bool {
    word == "<unknown>"
        || (!word.is_empty()
            && word.bytes().any(|b| b.is_ascii_digit())
            && word
                .bytes()
                .all(|b| b.is_ascii_digit() || b"smhdy".contains(&b)))
}

/// A bare line: an error if it says so (`Error:`, `error:`, `level=error` anywhere, as podman,
/// Go wrappers and kubectl events put it mid-line; `Failed to …: <errno text>` as systemd and C
/// programs write errors); noise if it starts like a debug/info/warning line.
fn plain_level(line: &str) -> Level {
    const ERROR_MARKS: [&str; 5] = ["Error:", "error:", "ERROR:", "level=error", "level=fatal"];
    if ERROR_MARKS.iter().any(|m| line.contains(m)) {
        return Level::Error;
    }
    let lower = line.to_ascii_lowercase();
    if (lower.starts_with("failed to ")
        || lower.starts_with("cannot ")
        || lower.starts_with("unable to "))
        && super::parse::errno_of(line).is_some()
    {
        return Level::Error;
    }
    const NOISE_STARTS: [&str; 7] = [
        "debug", "info", "warn", "warning", "trace", "notice", "[debug",
    ];
    let first = split_first(&lower).0.trim_end_matches(':');
    if NOISE_STARTS.contains(&first) {
        return Level::Noise;
    }
    Level::Plain
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(line: &str) -> Level {
        classify(line).map(|(l, _)| l).expect("not blank")
    }

    #[test]
    fn levels_of_every_format() {
        for (line, want) in [
            (
                r#"time="2024-01-01T00:00:00Z" level=error msg="cannot clone""#,
                Level::Error,
            ),
            (
                r#"time="2024-01-01T00:00:00Z" level=debug msg="overlay: mount_program=/usr/bin/fuse-overlayfs""#,
                Level::Noise,
            ),
            ("ERRO[0000] cannot re-exec process", Level::Error),
            ("WARN[0000] \"/\" is not a shared mount", Level::Noise),
            (
                "DEBU[0000] unable to create kernel-style whiteout: operation not permitted",
                Level::Noise,
            ),
            (
                r#"{"level":"error","msg":"mount failed","error":"permission denied"}"#,
                Level::Error,
            ),
            (
                r#"{"level":"info","msg":"Error: is only a word here"}"#,
                Level::Noise,
            ),
            (
                r#"{"log":"Error: fuse: device not found\n","stream":"stderr"}"#,
                Level::Error,
            ),
            (
                "E0102 15:04:05.000000    1234 kuberuntime_manager.go:1256] CreateContainer failed",
                Level::Error,
            ),
            (
                "I0102 15:04:05.000000    1234 kubelet.go:12] Error: nothing",
                Level::Noise,
            ),
            (
                "2024-01-02T03:04:05.123Z Error: crun: mount `proc` to `/proc`: Permission denied",
                Level::Error,
            ),
            ("[2024-01-02 03:04:05] error: something", Level::Error),
            (
                "##[error]Process completed with exit code 125.",
                Level::Error,
            ),
            ("##[group]Run podman build .", Level::Noise),
            (
                "12s   Normal   Pulled   pod/ci   Successfully pulled image",
                Level::Noise,
            ),
            (
                "12s   Warning  Failed   pod/ci   Error: container create failed",
                Level::Error,
            ),
            (
                "  Warning  Failed     3s (x2 over 5s)  kubelet  Error: container create failed",
                Level::Error,
            ),
            (
                "Failed to create /init.scope control group: Permission denied",
                Level::Error,
            ),
            ("Failed to allocate manager object", Level::Plain),
            ("INFO: starting the build", Level::Noise),
            ("[ERROR] build failed", Level::Error),
            (
                "Jan  2 03:04:05 node1 podman[123]: Error: unable to get storage",
                Level::Error,
            ),
            ("exit status 1", Level::Plain),
        ] {
            assert_eq!(level(line), want, "{line}");
        }
    }

    #[test]
    fn messages_lose_their_prefixes() {
        let (_, m) = classify(r#"time="x" level=error msg="a \"quoted\" word" error="EPERM""#)
            .expect("line");
        assert_eq!(m, r#"a "quoted" word: EPERM"#);
        let (_, m) = classify("ERRO[0003] cannot clone: Operation not permitted").expect("line");
        assert_eq!(m, "cannot clone: Operation not permitted");
        let (_, m) = classify("2026-01-01 12:00:00,123 Error: x").expect("line");
        assert_eq!(m, "Error: x");
    }

    #[test]
    fn errors_win_over_plain_and_noise() {
        let read =
            lines_to_read("DEBU[0000] mount_program=/usr/bin/fuse-overlayfs\nhello\nError: boom\n");
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].number, 3);
        let read = lines_to_read("WARN[0000] only a warning");
        assert_eq!(read.len(), 1, "a lone warning is still read");
        assert!(lines_to_read(" \n\t\n").is_empty());
    }
}

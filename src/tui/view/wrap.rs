//! Word wrapping for text the view lays out itself: sources (URLs) and indented sub-lines.
//!
//! ratatui's `Wrap` breaks a word wider than the line at any character and starts continuation
//! lines at column 0. A URL cut at a random letter is hard to read and a sub-line that runs
//! back under its parent's marker looks like a new item, so these lines are wrapped here.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Where a word wider than a line is best broken: after a URL's separators...
const BREAK_AFTER: &[char] = &['/', '#', '?', '&'];
/// ...or, when none of those is in the second half of the room, after one of these (or before
/// the capital inside a camelCase word).
const BREAK_AFTER_WEAK: &[char] = &['-', '_', '.', ',', '=', ';'];

/// Wraps `text` to `width` columns. The first line starts with `first`, the others with
/// `indent`. Words wider than a line (URLs, paths) are broken after `/`, `#`, `-`... when
/// possible, at the last character that fits otherwise. Every line is at most `width` wide
/// unless `width` cannot hold even the indent and one character.
pub fn wrap(text: &str, width: usize, first: &str, indent: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut used = first.width();
    let mut empty = true; // no word on `line` yet
    for word in text.split_whitespace() {
        let w = word.width();
        let gap = usize::from(!empty);
        if used + gap + w <= width {
            if !empty {
                line.push(' ');
            }
            line.push_str(word);
            used += gap + w;
            empty = false;
            continue;
        }
        // A word that fits on a continuation line goes there whole; a wider one (a URL) is
        // broken starting right here.
        let fits_on_next = indent.width() + w <= width;
        if !empty || (fits_on_next && used > indent.width()) {
            let full = std::mem::replace(&mut line, indent.to_string());
            lines.push(full.trim_end().to_string());
            used = indent.width();
        }
        let mut rest = word;
        while used + rest.width() > width {
            let room = width.saturating_sub(used);
            let cut = break_point(rest, room);
            if cut >= rest.len() {
                break; // one character wider than the room: it stays on this line
            }
            line.push_str(&rest[..cut]);
            lines.push(std::mem::replace(&mut line, indent.to_string()));
            used = indent.width();
            rest = &rest[cut..];
        }
        line.push_str(rest);
        used += rest.width();
        empty = false;
    }
    lines.push(line);
    lines
}

/// The byte index to cut `word` at so the head fits in `room` columns: after the last break
/// character that fits, else after the last character that fits, and never before the first
/// character (so wrapping always makes progress).
fn break_point(word: &str, room: usize) -> usize {
    let mut fits = 0;
    let mut strong = None;
    let mut weak = None;
    let mut used = 0;
    let mut previous_lower = false;
    for (i, c) in word.char_indices() {
        // Before the capital of a camelCase word (allowPrivilege|Escalation): a weak break.
        if c.is_uppercase() && previous_lower && i > 0 {
            weak = Some(i);
        }
        previous_lower = c.is_lowercase();
        used += c.width().unwrap_or(0);
        let end = i + c.len_utf8();
        if used > room {
            break;
        }
        fits = end;
        if end < word.len() {
            if BREAK_AFTER.contains(&c) {
                strong = Some((end, used));
            } else if BREAK_AFTER_WEAK.contains(&c) {
                weak = Some(end);
            }
        }
    }
    let strong = strong.filter(|&(_, at)| at * 2 >= room).map(|(end, _)| end);
    let first_char = word.chars().next().map_or(word.len(), char::len_utf8);
    strong.or(weak).unwrap_or(fits).max(first_char)
}

/// `text` cut to `room` columns, ending in "…" when cut.
pub fn fit_end(text: &str, room: usize) -> String {
    if text.width() <= room {
        return text.to_string();
    }
    let mut out: String = within(text.chars(), room.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `text` cut to its last `room` columns, starting with "…" when cut.
pub fn fit_start(text: &str, room: usize) -> String {
    if text.width() <= room {
        return text.to_string();
    }
    let tail: Vec<char> = within(text.chars().rev(), room.saturating_sub(1)).collect();
    std::iter::once('…').chain(tail.into_iter().rev()).collect()
}

/// The leading `chars` that fit in `room` columns.
fn within(chars: impl Iterator<Item = char>, room: usize) -> impl Iterator<Item = char> {
    let mut used = 0;
    chars.take_while(move |c| {
        used += c.width().unwrap_or(0);
        used <= room
    })
}

/// Splits a source into its references: at "; " outside parentheses, so a note in parentheses
/// that contains a "; " stays with its reference.
pub fn references(source: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in source.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ';' if depth == 0 && source[i + 1..].starts_with(' ') => {
                out.push(source[start..i].trim());
                start = i + 2;
            }
            _ => {}
        }
    }
    out.push(source[start..].trim());
    out.retain(|r| !r.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_fill_lines_and_continuations_are_indented() {
        assert_eq!(
            wrap(
                "rootful-priv, rootful-no-priv, remote, userns",
                30,
                "    ",
                "      "
            ),
            vec![
                "    rootful-priv,",
                "      rootful-no-priv, remote,",
                "      userns"
            ]
        );
        assert_eq!(wrap("short", 30, "> ", "  "), vec!["> short"]);
        assert_eq!(wrap("", 30, "> ", "  "), vec!["> "]);
    }

    #[test]
    fn urls_break_after_slashes_not_inside_words() {
        let url = "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/";
        let lines = wrap(url, 32, "Source: ", "  ");
        assert_eq!(
            lines,
            vec![
                "Source: https://kubernetes.io/",
                "  docs/concepts/overview/",
                "  working-with-objects/names/",
            ]
        );
        let joined: String = lines
            .iter()
            .enumerate()
            .map(|(i, l)| if i == 0 { &l[8..] } else { &l[2..] })
            .collect();
        assert_eq!(joined, url, "the pieces join back into the URL");
    }

    #[test]
    fn references_split_outside_parentheses_only() {
        assert_eq!(
            references("image_build (stable, rebuilt daily; pinnable tags); https://k8s.io/x"),
            vec![
                "image_build (stable, rebuilt daily; pinnable tags)",
                "https://k8s.io/x"
            ]
        );
        assert_eq!(references("podwiz"), vec!["podwiz"]);
        assert_eq!(references("a;b; c"), vec!["a;b", "c"]);
    }

    #[test]
    fn a_slash_is_preferred_to_a_hyphen_near_the_end() {
        assert_eq!(
            wrap(
                "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/",
                60,
                "Source: ",
                "  "
            ),
            vec![
                "Source: https://kubernetes.io/docs/concepts/overview/",
                "  working-with-objects/names/"
            ]
        );
    }

    #[test]
    fn camel_case_field_names_break_before_a_capital() {
        assert_eq!(
            wrap("allowPrivilegeEscalation not set", 21, "", ""),
            vec!["allowPrivilege", "Escalation not set"]
        );
    }

    #[test]
    fn values_are_cut_with_an_ellipsis_at_the_end_or_the_start() {
        assert_eq!(
            fit_end("quay.io/podman/stable", 30),
            "quay.io/podman/stable"
        );
        assert_eq!(fit_end("quay.io/podman/stable", 10), "quay.io/p…");
        assert_eq!(fit_start("quay.io/podman/stable", 10), "…an/stable");
        assert_eq!(fit_start("quay.io/podman/stable", 10).width(), 9 + 1);
        assert_eq!(fit_end("日本語のテキスト", 7), "日本語…");
        assert_eq!(fit_start("日本語のテキスト", 7), "…キスト");
        assert_eq!(fit_end("abc", 0), "…");
    }

    #[test]
    fn a_word_without_break_characters_is_cut_at_the_width() {
        assert_eq!(wrap("abcdefghij", 4, "", ""), vec!["abcd", "efgh", "ij"]);
    }

    #[test]
    fn no_line_is_wider_than_the_width_and_nothing_is_lost() {
        let text = "Red Hat Enable Sysadmin, How to use Podman inside of Kubernetes (2021); \
                    https://access.redhat.com/security/cve/cve-2019-5736 — über→ünïcode";
        for width in 4..60 {
            let lines = wrap(text, width, "Source: ", "  ");
            for l in &lines {
                assert!(l.width() <= width.max(10), "{width}: {l:?} is too wide");
            }
            let words: String = text.split_whitespace().collect();
            let back: String = lines.iter().flat_map(|l| l.split_whitespace()).collect();
            assert_eq!(back, format!("Source:{words}"), "width {width}");
        }
    }

    #[test]
    fn a_width_below_the_indent_still_terminates() {
        let lines = wrap("abc", 1, "Source: ", "  ");
        assert_eq!(lines, vec!["Source: a", "  b", "  c"]);
    }

    #[test]
    fn a_word_that_fits_a_continuation_line_is_not_broken() {
        assert_eq!(
            wrap("Kubernetes docs", 12, "Source: ", "  "),
            vec!["Source:", "  Kubernetes", "  docs"]
        );
    }

    #[test]
    fn a_three_column_character_at_width_zero_stays_whole() {
        // Found by the property below: U+17D8 is three columns wide.
        assert_eq!(wrap("\u{17D8}", 0, "> ", "  "), vec!["> \u{17D8}"]);
    }

    proptest::proptest! {
        /// Any text at any width: wrapping ends, keeps every non-space character in order, and
        /// no line is wider than the width unless a single character forces it.
        #[test]
        fn wrapping_terminates_and_loses_nothing(text in "\\PC{0,120}", width in 0usize..50) {
            let lines = wrap(&text, width, "> ", "  ");
            let words: String = text.split_whitespace().collect();
            let back: String = lines.iter().flat_map(|l| l.split_whitespace()).collect();
            proptest::prop_assert_eq!(back, format!(">{words}"));
            // A single character may force a line past the width: the indent plus the widest
            // character (up to 3 columns: U+17D8 KHMER SIGN BEYYAL is 3 wide in unicode-width).
            let widest = text.chars().map(|c| c.to_string().width()).max().unwrap_or(0);
            for l in &lines {
                proptest::prop_assert!(l.width() <= width.max(2 + widest), "{:?} at {}", l, width);
            }
        }
    }
}

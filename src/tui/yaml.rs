//! A small line lexer for the YAML podwiz emits (keys, scalars, comments, `---`, list markers) and
//! a path tracker that names each line's field (`spec.containers[0].securityContext.privileged`),
//! so findings can be pinned to the lines that carry them.

/// What a piece of a line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Token {
    Indent,
    Key,
    Colon,
    ListMarker,
    Scalar,
    String,
    Comment,
    DocMarker,
}

/// Split one line into (token, text) pieces that concatenate back to the line.
pub fn lex_line(line: &str) -> Vec<(Token, &str)> {
    let mut out = Vec::new();
    if line == "---" || line.starts_with("--- ") {
        out.push((Token::DocMarker, line));
        return out;
    }
    let trimmed = line.trim_start_matches(' ');
    let indent = line.len() - trimmed.len();
    if indent > 0 {
        out.push((Token::Indent, &line[..indent]));
    }
    let mut rest = trimmed;
    let mut pos = indent;
    if rest.starts_with('#') {
        out.push((Token::Comment, rest));
        return out;
    }
    while rest.starts_with("- ") || rest == "-" {
        let n = rest.len().min(2);
        out.push((Token::ListMarker, &line[pos..pos + n]));
        pos += n;
        rest = &line[pos..];
    }
    if let Some(key_len) = key_len(rest) {
        out.push((Token::Key, &line[pos..pos + key_len]));
        pos += key_len;
        out.push((Token::Colon, &line[pos..pos + 1]));
        pos += 1;
        rest = &line[pos..];
        let spaces = rest.len() - rest.trim_start_matches(' ').len();
        if spaces > 0 {
            out.push((Token::Indent, &line[pos..pos + spaces]));
            pos += spaces;
        }
        rest = &line[pos..];
    }
    if !rest.is_empty() {
        let token = if rest.starts_with('"') || rest.starts_with('\'') {
            Token::String
        } else {
            Token::Scalar
        };
        out.push((token, rest));
    }
    out
}

/// The length of the key at the start of `s` (`key:` or `key: value`), quoted keys included.
fn key_len(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let end = if let Some(quote @ (b'"' | b'\'')) = bytes.first().copied() {
        let mut i = 1;
        while i < bytes.len() {
            if bytes[i] == b'\\' && quote == b'"' {
                i += 2;
                continue;
            }
            if bytes[i] == quote {
                break;
            }
            i += 1;
        }
        if i >= bytes.len() {
            return None;
        }
        i + 1
    } else {
        let colon = s
            .find(": ")
            .or_else(|| s.strip_suffix(':').map(|k| k.len()))?;
        if s[..colon].contains(['{', '[', '"']) {
            return None;
        }
        colon
    };
    match bytes.get(end) {
        Some(b':') if matches!(bytes.get(end + 1), None | Some(b' ')) => Some(end),
        _ => None,
    }
}

fn unquote(key: &str) -> String {
    let k = key.trim();
    if (k.starts_with('"') && k.ends_with('"') && k.len() >= 2)
        || (k.starts_with('\'') && k.ends_with('\'') && k.len() >= 2)
    {
        k[1..k.len() - 1].to_string()
    } else {
        k.to_string()
    }
}

#[derive(Clone, Debug)]
enum Seg {
    Key { indent: usize, name: String },
    Item { indent: usize, index: usize },
}

impl Seg {
    fn indent(&self) -> usize {
        match self {
            Seg::Key { indent, .. } | Seg::Item { indent, .. } => *indent,
        }
    }
}

fn path_of(stack: &[Seg]) -> String {
    let mut s = String::new();
    for seg in stack {
        match seg {
            Seg::Key { name, .. } => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(name);
            }
            Seg::Item { index, .. } => {
                s.push('[');
                s.push_str(&index.to_string());
                s.push(']');
            }
        }
    }
    s
}

/// The field path of every line of one YAML document (empty for comments and `---`).
pub fn line_paths(yaml: &str) -> Vec<String> {
    let mut stack: Vec<Seg> = Vec::new();
    let mut paths = Vec::new();
    let mut last = String::new();
    for line in yaml.lines() {
        let trimmed = line.trim_start_matches(' ');
        if trimmed.starts_with('#') || line.starts_with("---") {
            if line.starts_with("---") {
                stack.clear();
                last.clear();
            }
            paths.push(String::new());
            continue;
        }
        if trimmed.is_empty() {
            paths.push(last.clone());
            continue;
        }
        let mut indent = line.len() - trimmed.len();
        let mut rest = trimmed;
        let mut structural = false;
        while rest.starts_with("- ") || rest == "-" {
            structural = true;
            while stack.last().is_some_and(|s| s.indent() > indent) {
                stack.pop();
            }
            match stack.last_mut() {
                Some(Seg::Item { indent: i, index }) if *i == indent => *index += 1,
                _ => stack.push(Seg::Item { indent, index: 0 }),
            }
            indent += 2;
            rest = &rest[rest.len().min(2)..];
        }
        if let Some(len) = key_len(rest) {
            structural = true;
            while stack.last().is_some_and(|s| s.indent() >= indent) {
                stack.pop();
            }
            stack.push(Seg::Key {
                indent,
                name: unquote(&rest[..len]),
            });
        }
        if structural {
            last = path_of(&stack);
        }
        // Continuation lines of a multi-line scalar keep the path of the line that opened it.
        paths.push(last.clone());
    }
    paths
}

/// Whether the line at `line_path` carries the field `field` (the field itself or inside it).
pub fn path_covers(field: &str, line_path: &str) -> bool {
    !field.is_empty()
        && line_path.starts_with(field)
        && matches!(
            line_path.as_bytes().get(field.len()),
            None | Some(b'.' | b'[')
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    io.kubernetes.cri-o.Devices: /dev/fuse\n  name: no-priv\nspec:\n  containers:\n  - args:\n    - sleep\n    - \"1000000\"\n    image: quay.io/podman/stable\n    securityContext:\n      capabilities:\n        add:\n        - SYS_ADMIN\n        - MKNOD\n      privileged: true\n  - name: second\n    securityContext:\n      runAsUser: 1000\n  volumes:\n  - emptyDir: {}\n    name: podman-local\n";

    #[test]
    fn paths_follow_keys_and_list_items() {
        let paths = line_paths(POD);
        let at = |needle: &str| {
            let i = POD.lines().position(|l| l.contains(needle)).unwrap();
            paths[i].clone()
        };
        assert_eq!(at("apiVersion"), "apiVersion");
        assert_eq!(
            at("io.kubernetes.cri-o.Devices"),
            "metadata.annotations.io.kubernetes.cri-o.Devices"
        );
        assert_eq!(at("- args:"), "spec.containers[0].args");
        assert_eq!(at("- sleep"), "spec.containers[0].args[0]");
        assert_eq!(at("1000000"), "spec.containers[0].args[1]");
        assert_eq!(at("image:"), "spec.containers[0].image");
        assert_eq!(
            at("SYS_ADMIN"),
            "spec.containers[0].securityContext.capabilities.add[0]"
        );
        assert_eq!(
            at("MKNOD"),
            "spec.containers[0].securityContext.capabilities.add[1]"
        );
        assert_eq!(
            at("privileged: true"),
            "spec.containers[0].securityContext.privileged"
        );
        assert_eq!(at("name: second"), "spec.containers[1].name");
        assert_eq!(
            at("runAsUser"),
            "spec.containers[1].securityContext.runAsUser"
        );
        assert_eq!(at("emptyDir"), "spec.volumes[0].emptyDir");
        assert_eq!(at("podman-local"), "spec.volumes[0].name");
    }

    #[test]
    fn covers_means_the_field_or_inside_it() {
        let f = "spec.containers[0].securityContext.capabilities.add";
        assert!(path_covers(f, f));
        assert!(path_covers(f, &format!("{f}[1]")));
        assert!(!path_covers(
            f,
            "spec.containers[0].securityContext.capabilities.addx"
        ));
        assert!(!path_covers("", "spec"));
    }

    #[test]
    fn lexer_keeps_the_text() {
        for line in POD
            .lines()
            .chain(["# comment", "---", "  - \"quoted: x\"", "key: 'v'"])
        {
            let pieces = lex_line(line);
            let joined: String = pieces.iter().map(|(_, s)| *s).collect();
            assert_eq!(joined, line);
        }
        assert_eq!(lex_line("---"), vec![(Token::DocMarker, "---")]);
        assert_eq!(lex_line("# x")[0].0, Token::Comment);
        let pieces = lex_line("  - name: \"x\"");
        assert_eq!(
            pieces.iter().map(|p| p.0).collect::<Vec<_>>(),
            vec![
                Token::Indent,
                Token::ListMarker,
                Token::Key,
                Token::Colon,
                Token::Indent,
                Token::String
            ]
        );
    }
}

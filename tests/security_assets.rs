//! The security texts: they parse, every entry names a source, and every key the code uses exists.

use podwiz::scenario::{Fuse, Mode, Platform, Selinux, Userns, UsernsShape};
use podwiz::security::assets::{self, LABEL_KEYS};
use podwiz::security::findings::FINDING_IDS;
use podwiz::security::report::Facts;
use podwiz::security::{choice_keys, explain_choice};

#[test]
fn assets_parse() {
    if let Err(e) = assets::parse() {
        panic!("assets/security.toml: {e}");
    }
}

#[test]
fn every_entry_has_a_source() {
    let parsed = assets::parse().expect("parses");
    let sources = assets::sources(&parsed);
    assert!(sources.len() > 80, "only {} entries", sources.len());
    let missing: Vec<&String> = sources
        .iter()
        .filter(|(_, source)| source.trim().is_empty())
        .map(|(where_, _)| where_)
        .collect();
    assert!(missing.is_empty(), "entries without a source: {missing:?}");
}

#[test]
fn no_entry_has_empty_text() {
    let a = assets::parse().expect("parses");
    for (id, f) in &a.findings {
        assert!(
            !f.title.trim().is_empty() && !f.detail.trim().is_empty(),
            "findings.{id}"
        );
    }
    for (key, c) in &a.choices {
        assert!(
            !c.title.trim().is_empty() && !c.text.trim().is_empty(),
            "choices.{key}"
        );
    }
    for t in a
        .grants
        .iter()
        .map(|g| &g.text)
        .chain(a.requirements.iter().map(|r| &r.text))
        .chain(a.works_inside.iter().map(|w| &w.text))
    {
        assert!(!t.trim().is_empty());
    }
}

#[test]
fn every_finding_id_and_label_exists() {
    let a = assets::parse().expect("parses");
    for id in FINDING_IDS {
        assert!(a.findings.contains_key(*id), "findings.{id} missing");
    }
    for id in a.findings.keys() {
        assert!(
            FINDING_IDS.contains(&id.as_str()),
            "findings.{id} is never produced"
        );
    }
    for key in LABEL_KEYS {
        assert!(
            a.labels.get(*key).is_some_and(|t| !t.is_empty()),
            "labels.{key} missing"
        );
    }
}

#[test]
fn every_wizard_choice_is_explained() {
    let keys = choice_keys();
    assert_eq!(keys.len(), 6 + 2 + 2 + 3 + 4 + 3 + 3 + 2 + 5);
    for key in &keys {
        let e = explain_choice(key).unwrap_or_else(|| panic!("no explanation for {key}"));
        assert!(!e.source.is_empty(), "{key}");
    }
    assert!(explain_choice("mode.rootful-priv").is_some());
    assert!(explain_choice("fuse.device-plugin").is_some());
    assert!(explain_choice("storage.hostpath").is_some());
    assert!(explain_choice("storage.nothing").is_none());
    let a = assets::parse().expect("parses");
    for key in a.choices.keys() {
        assert!(keys.contains(key), "choices.{key} is not a wizard choice");
    }
}

fn check_words(what: &str, list: &[String], valid: &[&str]) {
    for word in list {
        assert!(
            valid.contains(&word.as_str()),
            "{what}: unknown word '{word}' (valid: {valid:?})"
        );
    }
}

#[test]
fn conditions_only_name_real_modes_options_and_facts() {
    let a = assets::parse().expect("parses");
    let modes: Vec<&str> = Mode::ALL.iter().map(|m| m.id()).collect();
    let facts: Vec<String> = Facts::NAMES
        .iter()
        .flat_map(|f| [f.to_string(), format!("!{f}")])
        .collect();
    let facts: Vec<&str> = facts.iter().map(String::as_str).collect();
    let whens = a
        .grants
        .iter()
        .map(|g| &g.when)
        .chain(a.requirements.iter().map(|r| &r.when))
        .chain(a.works_inside.iter().map(|w| &w.when));
    for when in whens {
        check_words("modes", &when.modes, &modes);
        check_words("facts", &when.facts, &facts);
        check_words("userns", &when.userns, Userns::WORDS);
        check_words("userns_shape", &when.userns_shape, UsernsShape::WORDS);
        check_words("fuse", &when.fuse, Fuse::WORDS);
        check_words(
            "storage",
            &when.storage,
            &["emptydir", "hostpath", "pvc", "none"],
        );
        check_words("selinux", &when.selinux, Selinux::WORDS);
        check_words("platform", &when.platform, Platform::WORDS);
    }
    for mode in &modes {
        assert!(
            a.compare.builds.contains_key(*mode),
            "compare.builds.{mode}"
        );
    }
    for column in podwiz::security::compare::COLUMNS {
        assert!(
            a.compare.columns.contains_key(column),
            "compare.columns.{column}"
        );
    }
}

#[test]
fn troubleshooting_points_to_real_choices() {
    let a = assets::parse().expect("parses");
    let keys = choice_keys();
    assert!(a.troubleshoot.len() >= 12);
    for t in &a.troubleshoot {
        assert!(!t.patterns.is_empty(), "{}", t.id);
        for key in &t.avoided_by {
            assert!(
                keys.contains(key),
                "troubleshoot.{}: avoided_by {key} is not a choice",
                t.id
            );
        }
    }
}

#[test]
fn the_wizard_steps_parse_on_their_own_like_in_the_whole_file() {
    let a = assets::parse().expect("parses");
    assert!(a.steps.contains_key("start"));
    assert_eq!(assets::steps(), &a.steps);
    for (key, e) in &a.steps {
        assert!(
            !e.title.trim().is_empty() && !e.text.trim().is_empty(),
            "steps.{key}"
        );
    }
}

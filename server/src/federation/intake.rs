//! What Trellis keeps of the content other servers send, before any of it
//! is stored: NUL characters removed (PostgreSQL cannot store them in text
//! and SQLite can, so keeping them would make the two databases differ),
//! and notes and actors held to caps well below the 1 MiB body limit. A
//! note whose content is over the cap is refused with a reason; the other
//! caps keep the first entries and drop the rest. `docs/FEDERATION.md`
//! lists the caps.

use crate::{
    error::{Error, Result},
    protocol,
};
use serde::{Serialize, de::DeserializeOwned};

/// A note's `content` (HTML), in bytes. Longer notes are refused.
pub const MAX_CONTENT_BYTES: usize = 100_000;
/// A note's `summary` (content warning), in characters; the rest is cut.
pub const MAX_SUMMARY_CHARS: usize = 1_000;
/// Hashtags stored per note: the first ones listed.
pub const MAX_HASHTAGS: usize = 50;
/// Mentions read per note: the first ones listed.
pub const MAX_MENTIONS: usize = 50;
/// An actor's `name`, in characters; the rest is cut.
pub const MAX_NAME_CHARS: usize = 200;
/// An actor's `summary` (HTML biography), in bytes; the rest is cut before
/// the markup is cleaned, so what is kept is still well-formed.
pub const MAX_BIO_BYTES: usize = 20_000;
/// Options read per poll: the first ones listed.
pub const MAX_POLL_OPTIONS: usize = 20;
/// A poll option's text, in characters; the rest is cut.
pub const MAX_POLL_OPTION_CHARS: usize = 200;
/// Entries of an actor's `attachment` read for profile fields (of which at
/// most `domain::accounts::MAX_FIELDS` are kept).
pub const MAX_ACTOR_ATTACHMENTS: usize = 50;

/// Removes every NUL from the strings and keys of `value`.
pub fn strip_nul(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(text) => text.retain(|c| c != '\0'),
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_nul),
        serde_json::Value::Object(map) => {
            if map.keys().any(|key| key.contains('\0')) {
                let entries = std::mem::take(map);
                map.extend(
                    entries
                        .into_iter()
                        .map(|(key, value)| (key.replace('\0', ""), value)),
                );
            }
            map.values_mut().for_each(strip_nul);
        }
        _ => {}
    }
}

/// Parses a received body as `T`, NULs removed first.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> serde_json::Result<T> {
    let mut value: serde_json::Value = serde_json::from_slice(body)?;
    strip_nul(&mut value);
    serde_json::from_value(value)
}

/// `object` without NULs: for objects the federation crate fetched and
/// parsed itself, before Trellis could see the JSON.
pub fn without_nul<T: Serialize + DeserializeOwned>(object: T) -> Result<T> {
    let mut value = serde_json::to_value(&object).map_err(|e| Error::Internal(format!("{e}")))?;
    if !holds_nul(&value) {
        return Ok(object);
    }
    strip_nul(&mut value);
    serde_json::from_value(value).map_err(|e| Error::BadRequest(format!("{e}")))
}

fn holds_nul(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(text) => text.contains('\0'),
        serde_json::Value::Array(items) => items.iter().any(holds_nul),
        serde_json::Value::Object(map) => map
            .iter()
            .any(|(key, value)| key.contains('\0') || holds_nul(value)),
        _ => false,
    }
}

/// Holds a note to the caps (it is refused if its content is too long, its
/// summary is cut, the first hashtags and mentions are kept), then turns an
/// object that is not a note (an Article, a Video…) into what its status
/// shows.
pub fn admit_note(note: &mut protocol::Note) -> Result<()> {
    if note.content.len() > MAX_CONTENT_BYTES {
        return Err(Error::Unprocessable(format!(
            "note {}: its content is {} bytes, more than the {MAX_CONTENT_BYTES} accepted",
            note.id,
            note.content.len()
        )));
    }
    if let Some(summary) = &mut note.summary {
        cut_chars(summary, MAX_SUMMARY_CHARS);
    }
    let (mut hashtags, mut mentions) = (0, 0);
    note.tag.retain(|tag| {
        let count = match tag.kind.as_str() {
            "Hashtag" => &mut hashtags,
            "Mention" => &mut mentions,
            // Nothing else (custom emoji) is read.
            _ => return false,
        };
        *count += 1;
        *count
            <= if tag.kind == "Hashtag" {
                MAX_HASHTAGS
            } else {
                MAX_MENTIONS
            }
    });
    for choices in [&mut note.one_of, &mut note.any_of] {
        choices.truncate(MAX_POLL_OPTIONS);
        for choice in choices.iter_mut() {
            cut_chars(&mut choice.name, MAX_POLL_OPTION_CHARS);
        }
    }
    crate::domain::remote_objects::convert_for_display(note);
    Ok(())
}

/// Holds an actor to the caps by cutting what is over them.
pub fn cap_actor(actor: &mut protocol::Actor) {
    if let Some(name) = &mut actor.name {
        cut_chars(name, MAX_NAME_CHARS);
    }
    if let Some(summary) = &mut actor.summary {
        cut_bytes(summary, MAX_BIO_BYTES);
    }
    actor.attachment.truncate(MAX_ACTOR_ATTACHMENTS);
}

fn cut_chars(text: &mut String, max: usize) {
    if let Some((at, _)) = text.char_indices().nth(max) {
        text.truncate(at);
    }
}

fn cut_bytes(text: &mut String, max: usize) {
    if text.len() > max {
        let at = (0..=max)
            .rev()
            .find(|at| text.is_char_boundary(*at))
            .unwrap_or(0);
        text.truncate(at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn note(extra: serde_json::Value) -> protocol::Note {
        let mut value = json!({
            "type": "Note",
            "id": "https://a.example/n/1",
            "attributedTo": "https://a.example/u/alice",
            "content": "hi",
        });
        value
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn nul_is_removed_from_strings_and_keys() {
        let parsed: serde_json::Value =
            parse(br#"{"a\u0000b": ["x\u0000", {"c": "\u0000d"}], "n": 1}"#).unwrap();
        assert_eq!(parsed, json!({"ab": ["x", {"c": "d"}], "n": 1}));
        let clean = without_nul(note(json!({"summary": "cw\u{0}"}))).unwrap();
        assert_eq!(clean.summary.as_deref(), Some("cw"));
    }

    #[test]
    fn long_content_is_refused_and_lists_are_cut() {
        let mut long = note(json!({"content": "x".repeat(MAX_CONTENT_BYTES + 1)}));
        let refused = admit_note(&mut long).unwrap_err();
        assert!(refused.to_string().contains("more than the"), "{refused}");

        let tags: Vec<_> = (0..200)
            .flat_map(|n| {
                [
                    json!({"type": "Hashtag", "name": format!("#t{n}")}),
                    json!({"type": "Mention", "href": format!("https://a.example/u/{n}")}),
                    json!({"type": "Emoji", "name": ":e:"}),
                ]
            })
            .collect();
        let summary = "é".repeat(MAX_SUMMARY_CHARS + 5);
        let mut busy = note(json!({"tag": tags, "summary": summary}));
        admit_note(&mut busy).unwrap();
        let count = |kind: &str| busy.tag.iter().filter(|t| t.kind == kind).count();
        assert_eq!(count("Hashtag"), MAX_HASHTAGS);
        assert_eq!(count("Mention"), MAX_MENTIONS);
        assert_eq!(busy.tag.len(), MAX_HASHTAGS + MAX_MENTIONS);
        assert_eq!(busy.tag[0].name.as_deref(), Some("#t0"));
        assert_eq!(busy.summary.unwrap().chars().count(), MAX_SUMMARY_CHARS);
    }

    #[test]
    fn cutting_bytes_keeps_whole_characters() {
        let mut text = "aé".to_string();
        cut_bytes(&mut text, 2);
        assert_eq!(text, "a");
        let mut short = "abc".to_string();
        cut_bytes(&mut short, 10);
        assert_eq!(short, "abc");
    }
}

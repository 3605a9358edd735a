//! How objects that are not notes are shown as statuses. A WordPress
//! `Article`, a Lemmy `Page`, a PeerTube `Video` or a Mobilizon `Event`
//! becomes a status whose text is the object's title, its summary (or, when
//! it has none, its content), what an event needs (when and where) and
//! links to the object's page, as Mastodon shows them. The summary of such
//! an object is an excerpt, not a content warning, so it is moved into the
//! text.

use super::text::escape;
use crate::protocol::{self, Note};

/// Types shown as statuses in their own shape (text, content warning).
pub const NOTE_TYPES: [&str; 2] = ["Note", "Question"];
/// Types shown as statuses once converted here.
pub const CONVERTED_TYPES: [&str; 6] = ["Article", "Page", "Video", "Audio", "Image", "Event"];

/// Whether a status can be made of an object of type `kind`.
pub fn shown_as_status(kind: &str) -> bool {
    NOTE_TYPES.contains(&kind) || CONVERTED_TYPES.contains(&kind)
}

/// Rewrites a converted object's `content` into the text a status shows and
/// clears its `summary`; leaves a `Note` or `Question` as it is.
pub fn convert_for_display(note: &mut Note) {
    if !CONVERTED_TYPES.contains(&note.kind.as_str()) {
        return;
    }
    let mut parts: Vec<String> = Vec::new();
    if let Some(title) = note
        .name
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        parts.push(format!("<p><strong>{}</strong></p>", escape(title)));
    }
    if let Some(start) = note.start_time.as_ref().and_then(start_time) {
        parts.push(format!("<p>Starts {}</p>", escape(&start)));
    }
    if let Some(place) = note.location.as_ref().and_then(place_name) {
        parts.push(format!("<p>Where: {}</p>", escape(&place)));
    }
    let summary = note.summary.take().filter(|s| !s.trim().is_empty());
    match summary {
        Some(summary) => parts.push(paragraph(summary)),
        None if !note.content.trim().is_empty() => {
            parts.push(paragraph(std::mem::take(&mut note.content)))
        }
        None => {}
    }
    // A Lemmy link post names the page it shares as a `Link` attachment.
    let shared_link = note
        .attachment
        .iter()
        .filter(|item| protocol::object_type(item) == Some("Link"))
        .find_map(|item| item.get("href")?.as_str().map(String::from));
    let page = note
        .url
        .as_ref()
        .and_then(protocol::html_url)
        .unwrap_or_else(|| note.id.clone())
        .to_string();
    for link in shared_link.into_iter().chain([page]) {
        if !parts.iter().any(|part| part.contains(&escape(&link))) {
            let link = escape(&link);
            parts.push(format!(r#"<p><a href="{link}">{link}</a></p>"#));
        }
    }
    note.content = parts.concat();
}

/// HTML as a block: wrapped in a paragraph unless it already is markup.
fn paragraph(html: String) -> String {
    if html.trim_start().starts_with('<') {
        html
    } else {
        format!("<p>{html}</p>")
    }
}

/// An event's start as written for people, in the event's own offset.
fn start_time(value: &serde_json::Value) -> Option<String> {
    let start = chrono::DateTime::parse_from_rfc3339(value.as_str()?).ok()?;
    Some(start.format("%A %-d %B %Y, %H:%M (UTC%:z)").to_string())
}

/// A `location`'s name: a string, a `Place`'s `name`, or the town of its
/// postal address.
fn place_name(value: &serde_json::Value) -> Option<String> {
    let name = match value {
        serde_json::Value::String(name) => Some(name.as_str()),
        serde_json::Value::Object(place) => place
            .get("name")
            .and_then(|n| n.as_str())
            .or_else(|| place.get("address")?.get("addressLocality")?.as_str()),
        _ => None,
    };
    name.map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| n.chars().take(200).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn note(value: serde_json::Value) -> Note {
        let mut note: Note = serde_json::from_value(value).unwrap();
        convert_for_display(&mut note);
        note
    }

    #[test]
    fn an_article_shows_its_title_excerpt_and_link_not_a_content_warning() {
        let article = note(json!({
            "type": "Article",
            "id": "https://blog.example/?p=12",
            "attributedTo": "https://blog.example/author/ann",
            "name": "Seed <library> opens",
            "summary": "<p>The library lends seeds.</p>",
            "content": "<p>The whole long article.</p>",
            "url": "https://blog.example/2026/seed-library/"
        }));
        assert_eq!(article.summary, None);
        assert_eq!(
            article.content,
            "<p><strong>Seed &lt;library&gt; opens</strong></p><p>The library lends seeds.</p>\
             <p><a href=\"https://blog.example/2026/seed-library/\">https://blog.example/2026/seed-library/</a></p>"
        );
    }

    #[test]
    fn a_lemmy_link_post_keeps_its_body_and_both_links() {
        let page = note(json!({
            "type": "Page",
            "id": "https://lemmy.example/post/7",
            "attributedTo": "https://lemmy.example/u/kim",
            "name": "Repair cafés near you",
            "content": "<p>A list worth reading</p>",
            "attachment": [{"type": "Link", "href": "https://news.example/repair"}]
        }));
        assert!(
            page.content
                .contains("<strong>Repair cafés near you</strong>")
        );
        assert!(page.content.contains("<p>A list worth reading</p>"));
        assert!(
            page.content
                .contains(r#"href="https://news.example/repair""#)
        );
        assert!(
            page.content
                .contains(r#"href="https://lemmy.example/post/7""#)
        );
    }

    #[test]
    fn an_event_says_when_and_where() {
        let event = note(json!({
            "type": "Event",
            "id": "https://mobilizon.example/events/5",
            "attributedTo": "https://mobilizon.example/@ann",
            "name": "Tool library work day",
            "content": "Bring gloves",
            "startTime": "2026-12-12T10:00:00+01:00",
            "location": {"type": "Place", "name": "Old fire station"}
        }));
        assert!(
            event
                .content
                .contains("Starts Saturday 12 December 2026, 10:00 (UTC+01:00)"),
            "{}",
            event.content
        );
        assert!(event.content.contains("<p>Where: Old fire station</p>"));
        assert!(event.content.contains("<p>Bring gloves</p>"));
    }

    #[test]
    fn notes_and_questions_are_left_alone() {
        let plain = note(json!({
            "type": "Note",
            "id": "https://a.example/n/1",
            "attributedTo": "https://a.example/u/a",
            "content": "<p>hi</p>",
            "summary": "cw",
            "name": "ignored"
        }));
        assert_eq!(plain.content, "<p>hi</p>");
        assert_eq!(plain.summary.as_deref(), Some("cw"));
    }
}

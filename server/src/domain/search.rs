//! Finding accounts, statuses and hashtags by text, for the search API.
//! Accounts and hashtags match by substring and prefix; statuses by their
//! words, through a full-text index (FTS5 on SQLite, a tsvector on
//! PostgreSQL) that [`index`] keeps as statuses are stored and edited.

use super::{
    Context,
    views::{self, AccountView, StatusView},
};
use crate::{
    db::{accounts, models::Account, statuses},
    error::Result,
};

/// A window on search results.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub limit: i64,
    pub offset: i64,
}

/// Accounts whose username starts with `q` or whose display name holds it.
pub async fn accounts(ctx: &Context, q: &str, window: Window) -> Result<Vec<AccountView>> {
    let needle = q.trim().trim_start_matches('@').to_lowercase();
    if needle.is_empty() {
        return Ok(Vec::new());
    }
    ctx.db
        .read(move |conn| {
            let found = accounts::search(conn, &needle, window.limit, window.offset)?;
            Ok(views::account_views(conn, found)?)
        })
        .await
}

/// Words searched for at most: a longer query is cut, not refused.
const MOST_WORDS: usize = 12;

/// The words of a status search, lower case, letters and digits only:
/// whatever else `q` holds (quotes, `*`, `:`, `&`, `-`) only separates
/// words, so nothing typed can become an operator of the index's query
/// language.
pub fn words(q: &str) -> Vec<String> {
    split_words(&q.to_lowercase())
        .take(MOST_WORDS)
        .map(str::to_string)
        .collect()
}

/// Runs of letters and digits. The index stores a status's text split the
/// same way, so that both databases find the same words: PostgreSQL's own
/// parser would keep `water.example/cisterns` as one word, where a member
/// searching `cisterns` expects to find it.
fn split_words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
}

/// Writes what a status is found by: its content warning and its text
/// without markup. Boosts carry no text of their own.
pub fn index(
    conn: &mut crate::db::DbConnection,
    status: &crate::db::models::Status,
) -> diesel::QueryResult<()> {
    if status.reblog_of_id.is_some() {
        return Ok(());
    }
    index_text(conn, status.id, &status.spoiler_text, &status.content)
}

/// [`index`] for a status whose text just changed to `content` (HTML).
pub fn index_text(
    conn: &mut crate::db::DbConnection,
    status_id: i64,
    spoiler_text: &str,
    content: &str,
) -> diesel::QueryResult<()> {
    let text = format!("{spoiler_text} {}", super::text::strip_html(content));
    let body: Vec<&str> = split_words(&text).collect();
    statuses::set_search_text(conn, status_id, &body.join(" "))
}

/// Statuses `viewer` may read whose text holds every word of `q` (whole
/// words, in any order), newest first.
pub async fn statuses(
    ctx: &Context,
    viewer: &Account,
    q: &str,
    author: Option<i64>,
    window: Window,
) -> Result<Vec<StatusView>> {
    let words = words(q);
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let viewer_id = viewer.id;
    ctx.db
        .read(move |conn| {
            let hidden = crate::db::blocks::hidden_from(conn, viewer_id)?;
            let ids =
                statuses::search(conn, &words, viewer_id, author, window.limit, window.offset)?;
            let found = views::load(conn, Some(viewer_id), &ids)?;
            let found = super::moderation::without_silenced(conn, Some(viewer_id), found)?;
            Ok(found
                .into_iter()
                .filter(|view| !hidden.contains(&view.status.account_id))
                .collect())
        })
        .await
}

/// Hashtags in use that start with `q` (with or without `#`).
pub async fn hashtags(ctx: &Context, q: &str, window: Window) -> Result<Vec<String>> {
    let prefix = q.trim().trim_start_matches('#').to_lowercase();
    if prefix.is_empty() || prefix.contains(char::is_whitespace) {
        return Ok(Vec::new());
    }
    ctx.db
        .read(move |conn| {
            Ok(statuses::tags_starting_with(
                conn,
                &prefix,
                window.limit,
                window.offset,
            )?)
        })
        .await
}

/// A stored status by its ActivityPub id or web address, if `viewer` may
/// see it.
pub async fn status_by_url(
    ctx: &Context,
    viewer: Option<&Account>,
    url: &str,
) -> Result<Option<StatusView>> {
    let (url, viewer) = (url.to_string(), viewer.cloned());
    ctx.db
        .read(move |conn| {
            let status = match statuses::by_ap_id(conn, &url)? {
                Some(status) => Some(status),
                None => statuses::by_url(conn, &url)?,
            };
            let Some(status) = status else {
                return Ok(None);
            };
            if !views::can_see(conn, viewer.as_ref(), &status)? {
                return Ok(None);
            }
            Ok(views::load(conn, viewer.map(|v| v.id), &[status.id])?.pop())
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn words_are_letters_and_digits_only() {
        assert_eq!(words("Heat-Pumps, 2026!"), ["heat", "pumps", "2026"]);
        // The index's operators are only separators here.
        assert_eq!(
            words("\"a\" OR b* NEAR(c) -d e:f & !g <-> h'"),
            ["a", "or", "b", "near", "c", "d", "e", "f", "g", "h"]
        );
        assert_eq!(words("Café Zürich"), ["café", "zürich"]);
        assert!(words("  *** ").is_empty());
        assert_eq!(words(&"w ".repeat(40)).len(), 12);
    }
}

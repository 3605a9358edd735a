//! Statuses gathered with everything a client shows beside them: author,
//! boosted original, mentions, counts, and the viewer's own interactions.
//! Also the one rule for who may see a status.

use super::Visibility;
use crate::db::{
    DbConnection, accounts, follows,
    models::{Account, Status},
    statuses,
};
use diesel::QueryResult;

/// An account with the counts shown on its profile.
#[derive(Debug, Clone)]
pub struct AccountView {
    pub account: Account,
    pub followers_count: i64,
    pub following_count: i64,
    pub statuses_count: i64,
    pub last_status_at: Option<chrono::NaiveDateTime>,
    /// What a local member's practice adds to their profile fields.
    pub practice_fields: Vec<crate::db::models::ProfileField>,
}

pub fn account_view(conn: &mut DbConnection, account: Account) -> QueryResult<AccountView> {
    Ok(AccountView {
        followers_count: follows::count_followers(conn, account.id)?,
        following_count: follows::count_following(conn, account.id)?,
        statuses_count: statuses::count_by_account(conn, account.id)?,
        last_status_at: statuses::last_status_at(conn, account.id)?,
        practice_fields: super::practice::profile_fields(conn, &account)?,
        account,
    })
}

#[derive(Debug, Clone)]
pub struct StatusView {
    pub status: Status,
    pub author: AccountView,
    pub reblog: Option<Box<StatusView>>,
    pub in_reply_to_account: Option<Account>,
    pub mentions: Vec<Account>,
    pub tags: Vec<String>,
    pub replies_count: i64,
    pub reblogs_count: i64,
    pub favourites_count: i64,
    pub favourited: bool,
    pub reblogged: bool,
    pub bookmarked: bool,
    pub pinned: bool,
}

/// Whether `viewer` (None: an anonymous reader) may see `status`.
pub fn can_see(
    conn: &mut DbConnection,
    viewer: Option<&Account>,
    status: &Status,
) -> QueryResult<bool> {
    let visibility = Visibility::from_stored(&status.visibility);
    if matches!(visibility, Visibility::Public | Visibility::Unlisted) {
        return Ok(true);
    }
    let Some(viewer) = viewer else {
        return Ok(false);
    };
    if viewer.id == status.account_id {
        return Ok(true);
    }
    if statuses::mentioned_account_ids(conn, status.id)?.contains(&viewer.id) {
        return Ok(true);
    }
    if visibility == Visibility::Private {
        return Ok(follows::between(conn, viewer.id, status.account_id)?
            .is_some_and(|f| f.accepted)
            || statuses::shared_with_member(conn, status.id, viewer.id)?);
    }
    Ok(false)
}

/// Account views already built while loading one page: a timeline often
/// shows several posts by the same people, and each view costs a handful
/// of queries.
type AuthorCache = std::collections::HashMap<i64, AccountView>;

fn author_view(
    conn: &mut DbConnection,
    authors: &mut AuthorCache,
    account_id: i64,
) -> QueryResult<Option<AccountView>> {
    if let Some(view) = authors.get(&account_id) {
        return Ok(Some(view.clone()));
    }
    let Some(account) = accounts::by_id(conn, account_id)? else {
        return Ok(None);
    };
    let view = account_view(conn, account)?;
    authors.insert(account_id, view.clone());
    Ok(Some(view))
}

fn load_one(
    conn: &mut DbConnection,
    viewer: Option<i64>,
    status: Status,
    authors: &mut AuthorCache,
) -> QueryResult<Option<StatusView>> {
    let Some(author) = author_view(conn, authors, status.account_id)? else {
        return Ok(None);
    };
    let reblog = match status.reblog_of_id {
        Some(original_id) => match statuses::by_id(conn, original_id)? {
            Some(original) => load_one(conn, viewer, original, authors)?.map(Box::new),
            None => return Ok(None),
        },
        None => None,
    };
    let mention_ids = statuses::mentioned_account_ids(conn, status.id)?;
    let mentions = accounts::by_ids(conn, &mention_ids)?;
    let in_reply_to_account = match status.in_reply_to_account_id {
        Some(id) => accounts::by_id(conn, id)?,
        None => None,
    };
    let (replies_count, reblogs_count, favourites_count) = statuses::counts(conn, status.id)?;
    let tags = statuses::tags_of(conn, status.id)?;
    // On a boost, what the viewer did is about the boosted status, as apps
    // read it from the top level.
    let subject = status.reblog_of_id.unwrap_or(status.id);
    let (favourited, reblogged, bookmarked, pinned) = match viewer {
        Some(viewer) => (
            statuses::favourite_by(conn, viewer, subject)?.is_some(),
            statuses::reblog_by(conn, viewer, subject)?.is_some(),
            statuses::has_mark(conn, statuses::Mark::Bookmark, viewer, subject)?,
            statuses::has_mark(conn, statuses::Mark::Pin, viewer, status.id)?,
        ),
        None => (false, false, false, false),
    };
    Ok(Some(StatusView {
        status,
        author,
        reblog,
        in_reply_to_account,
        mentions,
        tags,
        replies_count,
        reblogs_count,
        favourites_count,
        favourited,
        reblogged,
        bookmarked,
        pinned,
    }))
}

/// Views of the statuses with `ids`, in the order of `ids`, skipping any
/// that vanished meanwhile.
pub fn load(
    conn: &mut DbConnection,
    viewer: Option<i64>,
    ids: &[i64],
) -> QueryResult<Vec<StatusView>> {
    let mut rows = statuses::by_ids(conn, ids)?;
    rows.sort_by_key(|s| ids.iter().position(|id| *id == s.id));
    let mut views = Vec::with_capacity(rows.len());
    let mut authors = AuthorCache::new();
    for status in rows {
        if let Some(view) = load_one(conn, viewer, status, &mut authors)? {
            views.push(view);
        }
    }
    Ok(views)
}

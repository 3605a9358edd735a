//! Queries on statuses, mentions, favourites and the per-member home feed.

use super::id_lists::{none_of, one_of};
use super::union_all::union_all;
use super::{
    DbConnection,
    models::{Favourite, Status, StatusEdit},
    schema::{
        accounts, bookmarks, favourites, follows, home_feed, idempotency_keys, mentions, pins,
        status_edits, status_tags, statuses,
    },
};
use diesel::prelude::*;
use std::collections::{HashMap, HashSet};

/// A window on an id-ordered list, as Mastodon's `max_id`, `since_id`,
/// `min_id` and `limit` describe it. With `min_id` the window sits just above
/// that id (the oldest newer items) instead of at the newest end.
#[derive(Debug, Clone, Copy, Default)]
pub struct Page {
    pub max_id: Option<i64>,
    pub since_id: Option<i64>,
    pub min_id: Option<i64>,
    pub limit: i64,
}

pub fn insert(conn: &mut DbConnection, status: &Status) -> QueryResult<Status> {
    diesel::insert_into(statuses::table)
        .values(status)
        .get_result(conn)
}

pub fn by_id(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Status>> {
    statuses::table.find(id).first(conn).optional()
}

pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<Status>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    statuses::table.filter(one_of(statuses::id, ids)).load(conn)
}

pub fn by_ap_id(conn: &mut DbConnection, ap_id: &str) -> QueryResult<Option<Status>> {
    statuses::table
        .filter(statuses::ap_id.eq(ap_id))
        .first(conn)
        .optional()
}

/// Whether a community that `member` belongs to has shared the status
/// (followers-only posts to a community are for its members).
pub fn shared_with_member(
    conn: &mut DbConnection,
    status_id: i64,
    member: i64,
) -> QueryResult<bool> {
    let communities = follows::table
        .filter(follows::account_id.eq(member))
        .filter(follows::accepted.eq(true))
        .select(follows::target_account_id);
    let groups = accounts::table
        .filter(accounts::actor_type.eq("Group"))
        .select(accounts::id);
    diesel::select(diesel::dsl::exists(
        statuses::table
            .filter(statuses::reblog_of_id.eq(status_id))
            .filter(statuses::account_id.eq_any(communities))
            .filter(statuses::account_id.eq_any(groups)),
    ))
    .get_result(conn)
}

pub fn reblog_by(
    conn: &mut DbConnection,
    account_id: i64,
    status_id: i64,
) -> QueryResult<Option<Status>> {
    statuses::table
        .filter(statuses::account_id.eq(account_id))
        .filter(statuses::reblog_of_id.eq(status_id))
        .first(conn)
        .optional()
}

pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::delete(statuses::table.find(id))
        .execute(conn)
        .map(drop)
}

/// Replies that arrived before their parent: linked once the parent is known.
pub fn adopt_replies(conn: &mut DbConnection, parent: &Status) -> QueryResult<()> {
    // A waiting reply that is the parent itself or one of its ancestors (a
    // loop of replies another server made up) stays unlinked, so every
    // thread still has a first post.
    let mut lineage = vec![parent.id];
    let mut next = parent.in_reply_to_id;
    while let Some(id) = next.filter(|id| !lineage.contains(id) && lineage.len() < 256) {
        lineage.push(id);
        next = by_id(conn, id)?.and_then(|status| status.in_reply_to_id);
    }
    // Almost always no reply is waiting: asking first spares the UPDATE,
    // which SQLite prepares anew each time (its id list varies) and which
    // opens a savepoint in the search index.
    let waiting: Option<i64> = statuses::table
        .filter(statuses::in_reply_to_ap_id.eq(&parent.ap_id))
        .filter(
            statuses::in_reply_to_id
                .is_null()
                .or(statuses::in_reply_to_id.ne(parent.id)),
        )
        .select(statuses::id)
        .first(conn)
        .optional()?;
    if waiting.is_none() {
        return Ok(());
    }
    diesel::update(
        statuses::table
            .filter(statuses::in_reply_to_ap_id.eq(&parent.ap_id))
            .filter(none_of(statuses::id, &lineage)),
    )
    .set((
        statuses::in_reply_to_id.eq(parent.id),
        statuses::in_reply_to_account_id.eq(parent.account_id),
    ))
    .execute(conn)
    .map(drop)
}

/// Which of an account's statuses a listing leaves out or keeps.
#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    pub exclude_replies: bool,
    pub exclude_reblogs: bool,
    /// Only statuses with this hashtag (lower case, without `#`).
    pub tagged: Option<String>,
    /// Only statuses with media attached (boosts have none of their own).
    pub only_media: bool,
}

/// An account's statuses, newest first, limited to the given visibilities.
pub fn by_account(
    conn: &mut DbConnection,
    account_id: i64,
    visibilities: &[&str],
    filter: &AccountFilter,
    page: Page,
) -> QueryResult<Vec<Status>> {
    let mut query = statuses::table
        .filter(statuses::account_id.eq(account_id))
        .filter(statuses::visibility.eq_any(visibilities))
        .into_boxed();
    if filter.exclude_replies {
        query = query.filter(statuses::in_reply_to_ap_id.is_null());
    }
    if filter.exclude_reblogs {
        query = query.filter(statuses::reblog_of_id.is_null());
    }
    if let Some(tag) = &filter.tagged {
        let tagged = status_tags::table
            .filter(status_tags::tag.eq(tag.clone()))
            .select(status_tags::status_id);
        query = query.filter(statuses::id.eq_any(tagged));
    }
    if filter.only_media {
        use super::schema::media_attachments;
        let with_media = media_attachments::table
            .filter(media_attachments::account_id.eq(account_id))
            .filter(media_attachments::status_id.is_not_null())
            .select(media_attachments::status_id.assume_not_null());
        query = query.filter(statuses::id.eq_any(with_media));
    }
    if let Some(max_id) = page.max_id {
        query = query.filter(statuses::id.lt(max_id));
    }
    if let Some(since_id) = page.since_id {
        query = query.filter(statuses::id.gt(since_id));
    }
    if let Some(min_id) = page.min_id {
        let mut rows: Vec<Status> = query
            .filter(statuses::id.gt(min_id))
            .order(statuses::id.asc())
            .limit(page.limit)
            .load(conn)?;
        rows.reverse();
        return Ok(rows);
    }
    query
        .order(statuses::id.desc())
        .limit(page.limit)
        .load(conn)
}

/// Status ids in a member's home feed, newest first: one range scan on the
/// feed's primary key whatever the size of the statuses table.
pub fn home_feed_ids(
    conn: &mut DbConnection,
    account_id: i64,
    hidden_authors: &[i64],
    page: Page,
) -> QueryResult<Vec<i64>> {
    let mut query = home_feed::table
        .filter(home_feed::account_id.eq(account_id))
        .select(home_feed::status_id)
        .into_boxed();
    if !hidden_authors.is_empty() {
        let hidden = statuses::table
            .filter(one_of(statuses::account_id, hidden_authors))
            .select(statuses::id);
        query = query.filter(home_feed::status_id.ne_all(hidden));
    }
    if let Some(max_id) = page.max_id {
        query = query.filter(home_feed::status_id.lt(max_id));
    }
    if let Some(since_id) = page.since_id {
        query = query.filter(home_feed::status_id.gt(since_id));
    }
    if let Some(min_id) = page.min_id {
        let mut ids: Vec<i64> = query
            .filter(home_feed::status_id.gt(min_id))
            .order(home_feed::status_id.asc())
            .limit(page.limit)
            .load(conn)?;
        ids.reverse();
        return Ok(ids);
    }
    query
        .order(home_feed::status_id.desc())
        .limit(page.limit)
        .load(conn)
}

pub fn add_to_home_feeds(
    conn: &mut DbConnection,
    status_id: i64,
    account_ids: &[i64],
) -> QueryResult<()> {
    for account_id in account_ids {
        diesel::insert_into(home_feed::table)
            .values((
                home_feed::account_id.eq(account_id),
                home_feed::status_id.eq(status_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Adds a boost to the feeds of `account_ids`, except those that already
/// hold the boosted status or another boost of it: a member who follows
/// several people or communities that share one post sees it once.
pub fn add_boost_to_home_feeds(
    conn: &mut DbConnection,
    boost_id: i64,
    original_id: i64,
    account_ids: &[i64],
) -> QueryResult<()> {
    // The original and its boosts first, each by its own index; asked in
    // one query with `OR`, SQLite walked every feed row of the followers.
    let mut shown: Vec<i64> = statuses::table
        .filter(statuses::reblog_of_id.eq(original_id))
        .select(statuses::id)
        .load(conn)?;
    shown.push(original_id);
    let holding: Vec<i64> = home_feed::table
        .filter(one_of(home_feed::account_id, account_ids))
        .filter(one_of(home_feed::status_id, &shown))
        .select(home_feed::account_id)
        .load(conn)?;
    let fresh: Vec<i64> = account_ids
        .iter()
        .copied()
        .filter(|id| !holding.contains(id))
        .collect();
    add_to_home_feeds(conn, boost_id, &fresh)
}

/// Takes an author's statuses out of one member's home feed (after an unfollow).
pub fn remove_author_from_home_feed(
    conn: &mut DbConnection,
    account_id: i64,
    author_id: i64,
) -> QueryResult<()> {
    let authored = statuses::table
        .filter(statuses::account_id.eq(author_id))
        .select(statuses::id);
    diesel::delete(
        home_feed::table
            .filter(home_feed::account_id.eq(account_id))
            .filter(home_feed::status_id.eq_any(authored)),
    )
    .execute(conn)
    .map(drop)
}

pub fn insert_mentions(
    conn: &mut DbConnection,
    status_id: i64,
    account_ids: &[i64],
) -> QueryResult<()> {
    for account_id in account_ids {
        diesel::insert_into(mentions::table)
            .values((
                mentions::status_id.eq(status_id),
                mentions::account_id.eq(account_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn mentioned_account_ids(conn: &mut DbConnection, status_id: i64) -> QueryResult<Vec<i64>> {
    mentions::table
        .filter(mentions::status_id.eq(status_id))
        .select(mentions::account_id)
        .load(conn)
}

pub fn insert_favourite(conn: &mut DbConnection, favourite: &Favourite) -> QueryResult<()> {
    diesel::insert_into(favourites::table)
        .values(favourite)
        .execute(conn)
        .map(drop)
}

pub fn favourite_by(
    conn: &mut DbConnection,
    account_id: i64,
    status_id: i64,
) -> QueryResult<Option<Favourite>> {
    favourites::table
        .filter(favourites::account_id.eq(account_id))
        .filter(favourites::status_id.eq(status_id))
        .first(conn)
        .optional()
}

pub fn favourite_by_ap_id(conn: &mut DbConnection, ap_id: &str) -> QueryResult<Option<Favourite>> {
    favourites::table
        .filter(favourites::ap_id.eq(ap_id))
        .first(conn)
        .optional()
}

pub fn delete_favourite(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::delete(favourites::table.find(id))
        .execute(conn)
        .map(drop)
}

/// The counts shown on each of `ids` that has any: replies, reblogs,
/// favourites (one statement, however many statuses).
pub fn counts_of(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<HashMap<i64, (i64, i64, i64)>> {
    use diesel::sql_types::Integer;
    // Which count a row of the union carries.
    const REPLIES: i32 = 0;
    const REBLOGS: i32 = 1;
    const FAVOURITES: i32 = 2;
    let mut counts: HashMap<i64, (i64, i64, i64)> = HashMap::new();
    if ids.is_empty() {
        return Ok(counts);
    }
    let rows: Vec<(i32, Option<i64>, i64)> = union_all(
        statuses::table
            .filter(one_of(statuses::in_reply_to_id, ids))
            .group_by(statuses::in_reply_to_id)
            .select((
                REPLIES.into_sql::<Integer>(),
                statuses::in_reply_to_id,
                diesel::dsl::count_star(),
            )),
        statuses::table
            .filter(one_of(statuses::reblog_of_id, ids))
            .group_by(statuses::reblog_of_id)
            .select((
                REBLOGS.into_sql::<Integer>(),
                statuses::reblog_of_id,
                diesel::dsl::count_star(),
            )),
    )
    .union_all(
        favourites::table
            .filter(one_of(favourites::status_id, ids))
            .group_by(favourites::status_id)
            .select((
                FAVOURITES.into_sql::<Integer>(),
                favourites::status_id.nullable(),
                diesel::dsl::count_star(),
            )),
    )
    .load(conn)?;
    for (count, id, n) in rows {
        let Some(id) = id else { continue };
        let entry = counts.entry(id).or_default();
        match count {
            REPLIES => entry.0 = n,
            REBLOGS => entry.1 = n,
            _ => entry.2 = n,
        }
    }
    Ok(counts)
}

/// `(status, account)` for every mention in any of `status_ids`.
pub fn mentions_of(conn: &mut DbConnection, status_ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    mentions::table
        .filter(one_of(mentions::status_id, status_ids))
        .select((mentions::status_id, mentions::account_id))
        .load(conn)
}

/// `(status, tag)` for every tag on any of `status_ids`, tags in order.
pub fn tags_of_many(
    conn: &mut DbConnection,
    status_ids: &[i64],
) -> QueryResult<Vec<(i64, String)>> {
    status_tags::table
        .filter(one_of(status_tags::status_id, status_ids))
        .select((status_tags::status_id, status_tags::tag))
        .order((status_tags::status_id.asc(), status_tags::tag.asc()))
        .load(conn)
}

/// What one account did to some statuses: each set holds those of the
/// ids asked about.
#[derive(Debug, Default)]
pub struct ViewerMarks {
    pub favourited: HashSet<i64>,
    pub reblogged: HashSet<i64>,
    pub bookmarked: HashSet<i64>,
    pub pinned: HashSet<i64>,
}

/// Which of `status_ids` the account favourited, reblogged, bookmarked and
/// pinned, in one statement.
pub fn viewer_marks(
    conn: &mut DbConnection,
    account_id: i64,
    status_ids: &[i64],
) -> QueryResult<ViewerMarks> {
    use diesel::sql_types::Integer;
    // Which mark a row of the union carries.
    const FAVOURITED: i32 = 0;
    const REBLOGGED: i32 = 1;
    const BOOKMARKED: i32 = 2;
    const PINNED: i32 = 3;
    let mut found = ViewerMarks::default();
    if status_ids.is_empty() {
        return Ok(found);
    }
    let rows: Vec<(i32, Option<i64>)> = union_all(
        favourites::table
            .filter(favourites::account_id.eq(account_id))
            .filter(one_of(favourites::status_id, status_ids))
            .select((
                FAVOURITED.into_sql::<Integer>(),
                favourites::status_id.nullable(),
            )),
        statuses::table
            .filter(statuses::account_id.eq(account_id))
            .filter(one_of(statuses::reblog_of_id, status_ids))
            .select((REBLOGGED.into_sql::<Integer>(), statuses::reblog_of_id)),
    )
    .union_all(
        bookmarks::table
            .filter(bookmarks::account_id.eq(account_id))
            .filter(one_of(bookmarks::status_id, status_ids))
            .select((
                BOOKMARKED.into_sql::<Integer>(),
                bookmarks::status_id.nullable(),
            )),
    )
    .union_all(
        pins::table
            .filter(pins::account_id.eq(account_id))
            .filter(one_of(pins::status_id, status_ids))
            .select((PINNED.into_sql::<Integer>(), pins::status_id.nullable())),
    )
    .load(conn)?;
    for (interaction, id) in rows {
        let Some(id) = id else { continue };
        match interaction {
            FAVOURITED => found.favourited.insert(id),
            REBLOGGED => found.reblogged.insert(id),
            BOOKMARKED => found.bookmarked.insert(id),
            _ => found.pinned.insert(id),
        };
    }
    Ok(found)
}

pub fn count_local(conn: &mut DbConnection) -> QueryResult<i64> {
    statuses::table
        .filter(statuses::local.eq(true))
        .filter(statuses::reblog_of_id.is_null())
        .count()
        .get_result(conn)
}

pub fn update_content(
    conn: &mut DbConnection,
    id: i64,
    content: &str,
    spoiler_text: &str,
    sensitive: bool,
    edited_at: chrono::NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(statuses::table.find(id))
        .set((
            statuses::content.eq(content),
            statuses::spoiler_text.eq(spoiler_text),
            statuses::sensitive.eq(sensitive),
            statuses::edited_at.eq(Some(edited_at)),
        ))
        .execute(conn)
        .map(drop)
}

pub fn delete_by_account(conn: &mut DbConnection, account_id: i64) -> QueryResult<()> {
    diesel::delete(statuses::table.filter(statuses::account_id.eq(account_id)))
        .execute(conn)
        .map(drop)
}

pub fn update_source(conn: &mut DbConnection, id: i64, source: &str) -> QueryResult<()> {
    diesel::update(statuses::table.find(id))
        .set(statuses::source_text.eq(source))
        .execute(conn)
        .map(drop)
}

pub fn delete_mentions(conn: &mut DbConnection, status_id: i64) -> QueryResult<()> {
    diesel::delete(mentions::table.filter(mentions::status_id.eq(status_id)))
        .execute(conn)
        .map(drop)
}

/// Accounts that boosted a status.
pub fn rebloggers(
    conn: &mut DbConnection,
    status_id: i64,
) -> QueryResult<Vec<super::models::Account>> {
    use super::schema::accounts;
    statuses::table
        .inner_join(accounts::table)
        .filter(statuses::reblog_of_id.eq(status_id))
        .select(super::models::Account::as_select())
        .load(conn)
}

pub fn update_language(
    conn: &mut DbConnection,
    id: i64,
    language: Option<&str>,
) -> QueryResult<()> {
    diesel::update(statuses::table.find(id))
        .set(statuses::language.eq(language))
        .execute(conn)
        .map(drop)
}

/// Replaces the hashtags of a status.
pub fn set_tags(conn: &mut DbConnection, status_id: i64, tags: &[String]) -> QueryResult<()> {
    diesel::delete(status_tags::table.filter(status_tags::status_id.eq(status_id)))
        .execute(conn)?;
    for tag in tags {
        diesel::insert_into(status_tags::table)
            .values((
                status_tags::status_id.eq(status_id),
                status_tags::tag.eq(tag),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn tags_of(conn: &mut DbConnection, status_id: i64) -> QueryResult<Vec<String>> {
    status_tags::table
        .filter(status_tags::status_id.eq(status_id))
        .select(status_tags::tag)
        .order(status_tags::tag.asc())
        .load(conn)
}

/// Ids of public statuses with `tag` from `origin`, newest first. Paged and
/// ordered by the tag's own `(tag, status_id)` index, so the database
/// walks that index newest first and stops at the page's end, instead of
/// gathering every status with the tag and sorting them.
pub fn ids_with_tag(
    conn: &mut DbConnection,
    tag: &str,
    origin: Origin,
    page: Page,
) -> QueryResult<Vec<i64>> {
    let mut query = status_tags::table
        .inner_join(statuses::table)
        .filter(status_tags::tag.eq(tag))
        .filter(statuses::visibility.eq("public"))
        .select(status_tags::status_id)
        .into_boxed();
    match origin {
        Origin::Any => {}
        Origin::Local => query = query.filter(statuses::local.eq(true)),
        Origin::Remote => query = query.filter(statuses::local.eq(false)),
    }
    if let Some(max_id) = page.max_id {
        query = query.filter(status_tags::status_id.lt(max_id));
    }
    if let Some(since_id) = page.since_id {
        query = query.filter(status_tags::status_id.gt(since_id));
    }
    if let Some(min_id) = page.min_id {
        let mut ids: Vec<i64> = query
            .filter(status_tags::status_id.gt(min_id))
            .order(status_tags::status_id.asc())
            .limit(page.limit)
            .load(conn)?;
        ids.reverse();
        return Ok(ids);
    }
    query
        .order(status_tags::status_id.desc())
        .limit(page.limit)
        .load(conn)
}

/// Where public statuses come from, for the public timelines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Any,
    Local,
    Remote,
}

/// Ids of public statuses (boosts excluded), newest first.
pub fn public_ids(
    conn: &mut DbConnection,
    origin: Origin,
    hidden_authors: &[i64],
    page: Page,
) -> QueryResult<Vec<i64>> {
    match origin {
        Origin::Local => public_ids_from(conn, true, hidden_authors, page),
        Origin::Remote => public_ids_from(conn, false, hidden_authors, page),
        // The (visibility, local, id) index holds the local and the remote
        // statuses as two runs, each in id order. Walking each run to the
        // page's end and merging keeps both walks short; asked for both at
        // once, SQLite (which plans without looking at the bound LIMIT)
        // read every public status and sorted them, 300 ms at a million.
        Origin::Any => {
            let mut ids = public_ids_from(conn, true, hidden_authors, page)?;
            ids.extend(public_ids_from(conn, false, hidden_authors, page)?);
            ids.sort_unstable_by(|a, b| b.cmp(a));
            let limit = usize::try_from(page.limit).unwrap_or(0);
            if page.min_id.is_some() {
                // Paging forward: the page is the oldest ids above min_id.
                let surplus = ids.len().saturating_sub(limit);
                ids.drain(..surplus);
            } else {
                ids.truncate(limit);
            }
            Ok(ids)
        }
    }
}

/// [`public_ids`] for one side: local statuses or remote ones.
fn public_ids_from(
    conn: &mut DbConnection,
    local: bool,
    hidden_authors: &[i64],
    page: Page,
) -> QueryResult<Vec<i64>> {
    let mut query = statuses::table
        .filter(statuses::visibility.eq("public"))
        .filter(statuses::local.eq(local))
        .filter(statuses::reblog_of_id.is_null())
        .filter(none_of(statuses::account_id, hidden_authors))
        .select(statuses::id)
        .into_boxed();
    if let Some(max_id) = page.max_id {
        query = query.filter(statuses::id.lt(max_id));
    }
    if let Some(since_id) = page.since_id {
        query = query.filter(statuses::id.gt(since_id));
    }
    if let Some(min_id) = page.min_id {
        let mut ids: Vec<i64> = query
            .filter(statuses::id.gt(min_id))
            .order(statuses::id.asc())
            .limit(page.limit)
            .load(conn)?;
        ids.reverse();
        return Ok(ids);
    }
    query
        .order(statuses::id.desc())
        .limit(page.limit)
        .load(conn)
}

/// Direct replies to any of `parent_ids`.
pub fn replies_to(conn: &mut DbConnection, parent_ids: &[i64]) -> QueryResult<Vec<Status>> {
    statuses::table
        .filter(one_of(statuses::in_reply_to_id, parent_ids))
        .order(statuses::id.asc())
        .load(conn)
}

/// Accounts that favourited a status, most recent first.
pub fn favouriters(
    conn: &mut DbConnection,
    status_id: i64,
    limit: i64,
) -> QueryResult<Vec<super::models::Account>> {
    use super::schema::accounts;
    favourites::table
        .inner_join(accounts::table.on(accounts::id.eq(favourites::account_id)))
        .filter(favourites::status_id.eq(status_id))
        .order(favourites::id.desc())
        .limit(limit)
        .select(super::models::Account::as_select())
        .load(conn)
}

/// Ids of statuses an account favourited, most recently favourited first,
/// paged by favourite id; returns (favourite id, status id) pairs.
pub fn favourited_by_account(
    conn: &mut DbConnection,
    account_id: i64,
    page: Page,
) -> QueryResult<Vec<(i64, i64)>> {
    let mut query = favourites::table
        .filter(favourites::account_id.eq(account_id))
        .select((favourites::id, favourites::status_id))
        .into_boxed();
    if let Some(max_id) = page.max_id {
        query = query.filter(favourites::id.lt(max_id));
    }
    if let Some(since_id) = page.since_id.or(page.min_id) {
        query = query.filter(favourites::id.gt(since_id));
    }
    query
        .order(favourites::id.desc())
        .limit(page.limit)
        .load(conn)
}

/// A member's private mark on a status (a bookmark) or public one (a pin):
/// the two tables share their shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Bookmark,
    Pin,
}

pub fn has_mark(
    conn: &mut DbConnection,
    mark: Mark,
    account_id: i64,
    status_id: i64,
) -> QueryResult<bool> {
    match mark {
        Mark::Bookmark => diesel::select(diesel::dsl::exists(
            bookmarks::table
                .filter(bookmarks::account_id.eq(account_id))
                .filter(bookmarks::status_id.eq(status_id)),
        ))
        .get_result(conn),
        Mark::Pin => diesel::select(diesel::dsl::exists(
            pins::table
                .filter(pins::account_id.eq(account_id))
                .filter(pins::status_id.eq(status_id)),
        ))
        .get_result(conn),
    }
}

/// Sets or clears a mark; setting twice or clearing what is not set is fine.
pub fn set_mark(
    conn: &mut DbConnection,
    mark: Mark,
    account_id: i64,
    status_id: i64,
    on: bool,
) -> QueryResult<()> {
    if has_mark(conn, mark, account_id, status_id)? == on {
        return Ok(());
    }
    let id = super::ids::next_id();
    match (mark, on) {
        (Mark::Bookmark, true) => diesel::insert_into(bookmarks::table)
            .values((
                bookmarks::id.eq(id),
                bookmarks::account_id.eq(account_id),
                bookmarks::status_id.eq(status_id),
            ))
            .execute(conn),
        (Mark::Bookmark, false) => diesel::delete(
            bookmarks::table
                .filter(bookmarks::account_id.eq(account_id))
                .filter(bookmarks::status_id.eq(status_id)),
        )
        .execute(conn),
        (Mark::Pin, true) => diesel::insert_into(pins::table)
            .values((
                pins::id.eq(id),
                pins::account_id.eq(account_id),
                pins::status_id.eq(status_id),
            ))
            .execute(conn),
        (Mark::Pin, false) => diesel::delete(
            pins::table
                .filter(pins::account_id.eq(account_id))
                .filter(pins::status_id.eq(status_id)),
        )
        .execute(conn),
    }
    .map(drop)
}

/// Removes all of an account's pins.
pub fn clear_pins(conn: &mut DbConnection, account_id: i64) -> QueryResult<()> {
    diesel::delete(pins::table.filter(pins::account_id.eq(account_id)))
        .execute(conn)
        .map(drop)
}

pub fn count_pins(conn: &mut DbConnection, account_id: i64) -> QueryResult<i64> {
    pins::table
        .filter(pins::account_id.eq(account_id))
        .count()
        .get_result(conn)
}

/// (mark id, status id) pairs of a member's bookmarks or pins, newest first.
pub fn marked(
    conn: &mut DbConnection,
    mark: Mark,
    account_id: i64,
    page: Page,
) -> QueryResult<Vec<(i64, i64)>> {
    match mark {
        Mark::Bookmark => {
            let mut query = bookmarks::table
                .filter(bookmarks::account_id.eq(account_id))
                .select((bookmarks::id, bookmarks::status_id))
                .into_boxed();
            if let Some(max_id) = page.max_id {
                query = query.filter(bookmarks::id.lt(max_id));
            }
            if let Some(since_id) = page.since_id.or(page.min_id) {
                query = query.filter(bookmarks::id.gt(since_id));
            }
            query
                .order(bookmarks::id.desc())
                .limit(page.limit)
                .load(conn)
        }
        Mark::Pin => pins::table
            .filter(pins::account_id.eq(account_id))
            .select((pins::id, pins::status_id))
            .order(pins::id.desc())
            .limit(page.limit)
            .load(conn),
    }
}

pub fn status_for_idempotency_key(
    conn: &mut DbConnection,
    account_id: i64,
    key: &str,
) -> QueryResult<Option<i64>> {
    idempotency_keys::table
        .find((account_id, key))
        .select(idempotency_keys::status_id)
        .first(conn)
        .optional()
}

pub fn remember_idempotency_key(
    conn: &mut DbConnection,
    account_id: i64,
    key: &str,
    status_id: i64,
) -> QueryResult<()> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::account_id.eq(account_id),
            idempotency_keys::key.eq(key),
            idempotency_keys::status_id.eq(status_id),
            idempotency_keys::created_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}

/// Idempotency keys are honoured for a day, as on Mastodon.
pub fn prune_idempotency_keys(
    conn: &mut DbConnection,
    before: chrono::NaiveDateTime,
) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(before)))
        .execute(conn)
}

/// `text` made safe inside a LIKE pattern: its own `%`, `_` and `\` match
/// themselves.
pub fn like_escaped(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Sets the text `status_id` is found by in a search (its text without
/// markup).
pub fn set_search_text(conn: &mut DbConnection, status_id: i64, text: &str) -> QueryResult<()> {
    use super::schema::status_search;
    diesel::delete(status_search::table.find(status_id)).execute(conn)?;
    diesel::insert_into(status_search::table)
        .values((
            status_search::status_id.eq(status_id),
            status_search::body.eq(text),
        ))
        .execute(conn)
        .map(drop)
}

/// Statuses holding all of `words`, in any order, that `viewer` may find: public and unlisted ones, and the
/// viewer's own; boosts excluded; newest first. `author` narrows to one
/// account. The words must be letters and digits only: they are written
/// into the full-text query (FTS5 on SQLite, a tsquery on PostgreSQL),
/// where anything else could be an operator.
pub fn search(
    conn: &mut DbConnection,
    words: &[String],
    viewer: i64,
    author: Option<i64>,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<i64>> {
    use diesel::sql_types::{BigInt, Nullable, Text};
    #[derive(diesel::QueryableByName)]
    struct Found {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    if words.is_empty()
        || words
            .iter()
            .flat_map(|w| w.chars())
            .any(|c| !c.is_alphanumeric())
    {
        return Ok(Vec::new());
    }
    /// How many of the newest statuses PostgreSQL reads first (below).
    const RECENT_SEARCHED: i64 = 5_000;
    const VISIBLE: &str = "s.reblog_of_id IS NULL \
        AND (s.visibility IN ('public', 'unlisted') OR s.account_id = $2) \
        AND ($3 IS NULL OR s.account_id = $3)";
    // The same values go into either database's query.
    let page = |sql: String, query: String| {
        diesel::sql_query(sql)
            .bind::<Text, _>(query)
            .bind::<BigInt, _>(viewer)
            .bind::<Nullable<BigInt>, _>(author)
            .bind::<BigInt, _>(limit)
            .bind::<BigInt, _>(offset)
    };
    let found: Vec<Found> = match conn {
        DbConnection::Sqlite(conn) => {
            // Every word: "heat" "pumps". Whole words only: a prefix
            // query reads every word it could begin (150 ms for one
            // letter at a million statuses).
            let query = format!("\"{}\"", words.join("\" \""));
            // Ordered by the index's own key (the status id), FTS5 reads
            // its matches newest first and stops at the page; ordered by
            // the statuses' id, every match was sorted first (630 ms for a
            // word in every status).
            let sql = format!(
                "SELECT s.id AS id FROM status_search_index f JOIN statuses s ON s.id = f.rowid \
                 WHERE status_search_index MATCH $1 AND {VISIBLE} \
                 ORDER BY f.rowid DESC LIMIT $4 OFFSET $5"
            );
            page(sql, query).load(conn)?
        }
        DbConnection::Pg(conn) => {
            // Every word: heat & pumps
            let query = words.join(" & ");
            let search = |from: &str, order: &str| {
                page(
                    format!(
                        "SELECT s.id AS id FROM {from} f JOIN statuses s ON s.id = f.status_id \
                         WHERE f.document @@ to_tsquery('simple', $1) AND {VISIBLE} \
                         ORDER BY {order} DESC LIMIT $4 OFFSET $5"
                    ),
                    query.clone(),
                )
            };
            // A GIN index finds matches but cannot give them newest first.
            // Words common enough to fill the page among the newest
            // statuses are found by reading those alone; the page is then
            // exactly what a full search would answer, as every match
            // outside them is older.
            let recent: Vec<Found> = search(
                &format!(
                    "(SELECT status_id, document FROM status_search \
                     ORDER BY status_id DESC LIMIT {RECENT_SEARCHED})"
                ),
                "f.status_id",
            )
            .load(conn)?;
            if recent.len() as i64 == limit {
                recent
            } else {
                // Rarer words: all their matches from the index, then
                // sorted. (`+ 0` keeps the planner from walking the primary
                // key backwards instead, testing every status on the way
                // when one word is common and the other rare: 480 ms at a
                // million statuses.)
                search("status_search", "f.status_id + 0").load(conn)?
            }
        }
    };
    Ok(found.into_iter().map(|f| f.id).collect())
}

/// A status by its web address (`url`), as people paste it.
pub fn by_url(conn: &mut DbConnection, url: &str) -> QueryResult<Option<Status>> {
    statuses::table
        .filter(statuses::url.eq(url))
        .first(conn)
        .optional()
}

/// Hashtags in use that start with `prefix` (lower case), most used first.
pub fn tags_starting_with(
    conn: &mut DbConnection,
    prefix: &str,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<String>> {
    let pattern = format!("{}%", like_escaped(prefix));
    status_tags::table
        .filter(status_tags::tag.like(pattern).escape('\\'))
        .group_by(status_tags::tag)
        .select(status_tags::tag)
        .order((diesel::dsl::count_star().desc(), status_tags::tag.asc()))
        .limit(limit)
        .offset(offset)
        .load(conn)
}

/// Keeps the version of a status that an edit is about to replace.
pub fn insert_edit(conn: &mut DbConnection, edit: &StatusEdit) -> QueryResult<()> {
    diesel::insert_into(status_edits::table)
        .values(edit)
        .execute(conn)
        .map(drop)
}

/// Earlier versions of a status, oldest first.
pub fn edits_of(conn: &mut DbConnection, status_id: i64) -> QueryResult<Vec<StatusEdit>> {
    status_edits::table
        .filter(status_edits::status_id.eq(status_id))
        .order(status_edits::id.asc())
        .load(conn)
}

/// The statuses `account_id` boosted (for a community: what it shared).
pub fn boosted_by(conn: &mut DbConnection, account_id: i64) -> QueryResult<Vec<i64>> {
    statuses::table
        .filter(statuses::account_id.eq(account_id))
        .filter(statuses::reblog_of_id.is_not_null())
        .select(statuses::reblog_of_id.assume_not_null())
        .load(conn)
}

/// Replies, mentions and favourites between any two of `people` since
/// `since`, as `(from, to, when)`.
pub fn interactions_among(
    conn: &mut DbConnection,
    people: &[i64],
    since: chrono::NaiveDateTime,
) -> QueryResult<Vec<(i64, i64, chrono::NaiveDateTime)>> {
    let replies: Vec<(i64, Option<i64>, chrono::NaiveDateTime)> = statuses::table
        .filter(one_of(statuses::account_id, people))
        .filter(one_of(statuses::in_reply_to_account_id, people))
        .filter(statuses::published_at.ge(since))
        .select((
            statuses::account_id,
            statuses::in_reply_to_account_id,
            statuses::published_at,
        ))
        .load(conn)?;
    let mut found: Vec<(i64, i64, chrono::NaiveDateTime)> = replies
        .into_iter()
        .filter_map(|(from, to, at)| Some((from, to?, at)))
        .collect();
    // The mentioned and the favourited authors are kept in Rust: asked in
    // SQL, SQLite probed its index once for every person in the list, for
    // every status (22 s for 500 introductions at a million statuses).
    let wanted: std::collections::HashSet<i64> = people.iter().copied().collect();
    let mentioned: Vec<(i64, i64, chrono::NaiveDateTime)> = mentions::table
        .inner_join(statuses::table.on(statuses::id.eq(mentions::status_id)))
        .filter(one_of(statuses::account_id, people))
        .filter(statuses::published_at.ge(since))
        .select((
            statuses::account_id,
            mentions::account_id,
            statuses::published_at,
        ))
        .load(conn)?;
    found.extend(
        mentioned
            .into_iter()
            .filter(|(_, to, _)| wanted.contains(to)),
    );
    // The people's favourites first, by their own index, then the authors
    // of what they favourited.
    let favourited: Vec<(i64, i64, chrono::NaiveDateTime)> = favourites::table
        .filter(one_of(favourites::account_id, people))
        .filter(favourites::created_at.ge(since))
        .select((
            favourites::account_id,
            favourites::status_id,
            favourites::created_at,
        ))
        .load(conn)?;
    let mut ids: Vec<i64> = favourited.iter().map(|(_, status, _)| *status).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut authors: HashMap<i64, i64> = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(1_000) {
        authors.extend(
            statuses::table
                .filter(one_of(statuses::id, chunk))
                .select((statuses::id, statuses::account_id))
                .load::<(i64, i64)>(conn)?,
        );
    }
    found.extend(favourited.into_iter().filter_map(|(from, status, at)| {
        let to = *authors.get(&status)?;
        wanted.contains(&to).then_some((from, to, at))
    }));
    Ok(found)
}

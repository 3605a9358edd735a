//! Queries for network weaving: post kinds, learning exchanges, benefit
//! stories, introductions and dismissed suggestions.

use super::id_lists::one_of;
use super::{
    DbConnection,
    schema::{
        exchange_replies, exchanges, introduction_digest, introductions, post_kinds, statuses,
        story_dimensions, suggestion_dismissals,
    },
};
use chrono::NaiveDateTime;
use diesel::prelude::*;

// The tie queries count per pair of people, the two ends coming from
// different tables.
diesel::allow_columns_to_appear_in_same_group_by_clause!(
    exchange_replies::account_id,
    exchanges::account_id,
);
diesel::allow_columns_to_appear_in_same_group_by_clause!(
    super::schema::favourites::account_id,
    statuses::account_id,
);

pub fn set_kind(conn: &mut DbConnection, status_id: i64, kind: Option<&str>) -> QueryResult<()> {
    diesel::delete(post_kinds::table.find(status_id)).execute(conn)?;
    if let Some(kind) = kind {
        diesel::insert_into(post_kinds::table)
            .values((
                post_kinds::status_id.eq(status_id),
                post_kinds::kind.eq(kind),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn kind_of(conn: &mut DbConnection, status_id: i64) -> QueryResult<Option<String>> {
    post_kinds::table
        .find(status_id)
        .select(post_kinds::kind)
        .first(conn)
        .optional()
}

/// The kinds of those of `status_ids` that have one.
pub fn kinds_of(
    conn: &mut DbConnection,
    status_ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, String>> {
    let rows: Vec<(i64, String)> = post_kinds::table
        .filter(one_of(post_kinds::status_id, status_ids))
        .select((post_kinds::status_id, post_kinds::kind))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

pub fn set_dimensions(
    conn: &mut DbConnection,
    status_id: i64,
    dimensions: &[&str],
) -> QueryResult<()> {
    diesel::delete(story_dimensions::table.filter(story_dimensions::status_id.eq(status_id)))
        .execute(conn)?;
    for dimension in dimensions {
        diesel::insert_into(story_dimensions::table)
            .values((
                story_dimensions::status_id.eq(status_id),
                story_dimensions::dimension.eq(*dimension),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn dimensions_of(conn: &mut DbConnection, status_id: i64) -> QueryResult<Vec<String>> {
    story_dimensions::table
        .filter(story_dimensions::status_id.eq(status_id))
        .select(story_dimensions::dimension)
        .order(story_dimensions::dimension.asc())
        .load(conn)
}

/// `(status, dimension)` for every dimension of any of `status_ids`,
/// dimensions in order.
pub fn dimensions_of_many(
    conn: &mut DbConnection,
    status_ids: &[i64],
) -> QueryResult<Vec<(i64, String)>> {
    story_dimensions::table
        .filter(one_of(story_dimensions::status_id, status_ids))
        .select((story_dimensions::status_id, story_dimensions::dimension))
        .order((
            story_dimensions::status_id.asc(),
            story_dimensions::dimension.asc(),
        ))
        .load(conn)
}

/// Story ids, newest first, with one dimension when given.
pub fn stories(
    conn: &mut DbConnection,
    dimension: Option<&str>,
    max_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    let mut query = post_kinds::table
        .filter(post_kinds::kind.eq("story"))
        .select(post_kinds::status_id)
        .order(post_kinds::status_id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(dimension) = dimension {
        query = query.filter(
            post_kinds::status_id.eq_any(
                story_dimensions::table
                    .filter(story_dimensions::dimension.eq(dimension.to_string()))
                    .select(story_dimensions::status_id),
            ),
        );
    }
    if let Some(max_id) = max_id {
        query = query.filter(post_kinds::status_id.lt(max_id));
    }
    query.load(conn)
}

/// Every story's dimensions with when the story was published.
pub fn story_dimension_times(conn: &mut DbConnection) -> QueryResult<Vec<(String, NaiveDateTime)>> {
    story_dimensions::table
        .inner_join(statuses::table)
        .select((story_dimensions::dimension, statuses::published_at))
        .order(statuses::published_at.asc())
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = exchanges)]
pub struct Exchange {
    pub status_id: i64,
    pub account_id: i64,
    pub opened_at: NaiveDateTime,
    pub answered_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = exchange_replies)]
pub struct ExchangeReply {
    pub status_id: i64,
    pub exchange_id: i64,
    pub account_id: i64,
    pub replied_at: NaiveDateTime,
    pub helped: bool,
}

pub fn exchange(conn: &mut DbConnection, status_id: i64) -> QueryResult<Option<Exchange>> {
    exchanges::table
        .find(status_id)
        .select(Exchange::as_select())
        .first(conn)
        .optional()
}

/// Opens an exchange unless one is open on the status already.
pub fn open_exchange(conn: &mut DbConnection, exchange: &Exchange) -> QueryResult<()> {
    if self::exchange(conn, exchange.status_id)?.is_none() {
        diesel::insert_into(exchanges::table)
            .values(exchange)
            .execute(conn)?;
    }
    Ok(())
}

pub fn close_exchange(conn: &mut DbConnection, status_id: i64) -> QueryResult<usize> {
    diesel::delete(exchanges::table.find(status_id)).execute(conn)
}

/// The exchange a status belongs to: its own, or the one the status it
/// replies to joined.
pub fn exchange_joined_by(conn: &mut DbConnection, status_id: i64) -> QueryResult<Option<i64>> {
    if self::exchange(conn, status_id)?.is_some() {
        return Ok(Some(status_id));
    }
    exchange_replies::table
        .find(status_id)
        .select(exchange_replies::exchange_id)
        .first(conn)
        .optional()
}

pub fn add_reply(conn: &mut DbConnection, reply: &ExchangeReply) -> QueryResult<()> {
    let known = exchange_replies::table
        .find(reply.status_id)
        .count()
        .get_result::<i64>(conn)?;
    if known == 0 {
        diesel::insert_into(exchange_replies::table)
            .values(reply)
            .execute(conn)?;
    }
    Ok(())
}

pub fn replies(conn: &mut DbConnection, exchange_id: i64) -> QueryResult<Vec<ExchangeReply>> {
    exchange_replies::table
        .filter(exchange_replies::exchange_id.eq(exchange_id))
        .select(ExchangeReply::as_select())
        .order(exchange_replies::replied_at.asc())
        .load(conn)
}

/// The replies of all of `exchange_ids`, each exchange's oldest first.
pub fn replies_of(
    conn: &mut DbConnection,
    exchange_ids: &[i64],
) -> QueryResult<Vec<ExchangeReply>> {
    exchange_replies::table
        .filter(one_of(exchange_replies::exchange_id, exchange_ids))
        .select(ExchangeReply::as_select())
        .order((
            exchange_replies::exchange_id.asc(),
            exchange_replies::replied_at.asc(),
        ))
        .load(conn)
}

/// Marks the exchange answered with `helped` as the replies that helped
/// (and no others).
pub fn mark_answered(
    conn: &mut DbConnection,
    exchange_id: i64,
    answered_at: NaiveDateTime,
    helped: &[i64],
) -> QueryResult<()> {
    diesel::update(exchanges::table.find(exchange_id))
        .set(exchanges::answered_at.eq(Some(answered_at)))
        .execute(conn)?;
    diesel::update(exchange_replies::table.filter(exchange_replies::exchange_id.eq(exchange_id)))
        .set(exchange_replies::helped.eq(false))
        .execute(conn)?;
    diesel::update(
        exchange_replies::table
            .filter(exchange_replies::exchange_id.eq(exchange_id))
            .filter(one_of(exchange_replies::status_id, helped)),
    )
    .set(exchange_replies::helped.eq(true))
    .execute(conn)?;
    Ok(())
}

/// Exchanges newest first, by state (`Some(true)`: answered), among the
/// given askers and statuses when those lists are given.
pub fn exchanges_page(
    conn: &mut DbConnection,
    answered: Option<bool>,
    askers: Option<&[i64]>,
    statuses: Option<&[i64]>,
    max_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Exchange>> {
    let mut query = exchanges::table
        .select(Exchange::as_select())
        .order(exchanges::status_id.desc())
        .limit(limit)
        .into_boxed();
    match answered {
        Some(true) => query = query.filter(exchanges::answered_at.is_not_null()),
        Some(false) => query = query.filter(exchanges::answered_at.is_null()),
        None => {}
    }
    if let Some(askers) = askers {
        query = query.filter(one_of(exchanges::account_id, askers));
    }
    if let Some(statuses) = statuses {
        query = query.filter(one_of(exchanges::status_id, statuses));
    }
    if let Some(max_id) = max_id {
        query = query.filter(exchanges::status_id.lt(max_id));
    }
    query.load(conn)
}

/// (replier, asker, replies) for the public replies in exchanges: who helps
/// whom, and how often. Counted in the database so a busy network sends a
/// row per pair, not per reply.
pub fn exchange_ties(conn: &mut DbConnection) -> QueryResult<Vec<(i64, i64, i64)>> {
    exchange_replies::table
        .inner_join(exchanges::table)
        .inner_join(statuses::table.on(statuses::id.eq(exchange_replies::status_id)))
        .filter(exchange_replies::account_id.ne(exchanges::account_id))
        .filter(statuses::visibility.eq_any(["public", "unlisted"]))
        .group_by((exchange_replies::account_id, exchanges::account_id))
        .select((
            exchange_replies::account_id,
            exchanges::account_id,
            diesel::dsl::count_star(),
        ))
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = introductions)]
pub struct Introduction {
    pub id: i64,
    pub introducer_id: i64,
    pub first_id: i64,
    pub second_id: i64,
    pub note: String,
    pub status_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub collaborated_at: Option<NaiveDateTime>,
}

pub fn insert_introduction(conn: &mut DbConnection, intro: &Introduction) -> QueryResult<()> {
    diesel::insert_into(introductions::table)
        .values(intro)
        .execute(conn)
        .map(drop)
}

pub fn introductions(conn: &mut DbConnection) -> QueryResult<Vec<Introduction>> {
    introductions::table
        .select(Introduction::as_select())
        .order(introductions::id.desc())
        .load(conn)
}

pub fn introductions_by(
    conn: &mut DbConnection,
    introducer: i64,
) -> QueryResult<Vec<Introduction>> {
    introductions::table
        .filter(introductions::introducer_id.eq(introducer))
        .select(Introduction::as_select())
        .order(introductions::id.desc())
        .load(conn)
}

/// Marks introductions as having become collaborations at `at`, keeping
/// the earlier time of any already marked.
pub fn mark_collaborated(
    conn: &mut DbConnection,
    ids: &[i64],
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        introductions::table
            .filter(one_of(introductions::id, ids))
            .filter(introductions::collaborated_at.is_null()),
    )
    .set(introductions::collaborated_at.eq(Some(at)))
    .execute(conn)
    .map(drop)
}

pub fn dismiss_suggestion(
    conn: &mut DbConnection,
    account_id: i64,
    target: i64,
) -> QueryResult<()> {
    diesel::delete(suggestion_dismissals::table.find((account_id, target))).execute(conn)?;
    diesel::insert_into(suggestion_dismissals::table)
        .values((
            suggestion_dismissals::account_id.eq(account_id),
            suggestion_dismissals::target_account_id.eq(target),
        ))
        .execute(conn)
        .map(drop)
}

pub fn dismissed(conn: &mut DbConnection, account_id: i64) -> QueryResult<Vec<i64>> {
    suggestion_dismissals::table
        .filter(suggestion_dismissals::account_id.eq(account_id))
        .select(suggestion_dismissals::target_account_id)
        .load(conn)
}

/// Accepted follows between two people (not communities or networks).
pub fn follows_between_people(conn: &mut DbConnection) -> QueryResult<Vec<(i64, i64)>> {
    use super::schema::{accounts, follows};
    let (followers, targets) = diesel::alias!(accounts as followers, accounts as targets);
    follows::table
        .inner_join(followers.on(followers.field(accounts::id).eq(follows::account_id)))
        .inner_join(targets.on(targets.field(accounts::id).eq(follows::target_account_id)))
        .filter(follows::accepted.eq(true))
        .filter(followers.field(accounts::actor_type).eq("Person"))
        .filter(targets.field(accounts::actor_type).eq("Person"))
        .select((follows::account_id, follows::target_account_id))
        .load(conn)
}

/// (author, replied-to author, replies) over public and unlisted replies,
/// one row per pair: private conversations stay off the map. Read from
/// `interaction_ties`, which the database keeps counted as replies come
/// and go (see its migration), so the work is per pair, not per reply.
pub fn reply_pairs(conn: &mut DbConnection) -> QueryResult<Vec<(i64, i64, i64)>> {
    use super::schema::interaction_ties as ties;
    ties::table
        .filter(ties::replies.gt(0))
        .select((ties::account_id, ties::target_account_id, ties::replies))
        .load(conn)
}

/// (favouriter, author, favourites) over public and unlisted posts, one
/// row per pair: a favourite is a light tie, but a steady stream of them
/// is attention that weaving can build on. Counted like [`reply_pairs`].
pub fn favourite_pairs(conn: &mut DbConnection) -> QueryResult<Vec<(i64, i64, i64)>> {
    use super::schema::interaction_ties as ties;
    ties::table
        .filter(ties::favourites.gt(0))
        .select((ties::account_id, ties::target_account_id, ties::favourites))
        .load(conn)
}

/// (first, second) of every introduction, without the notes.
pub fn introduced_pairs(conn: &mut DbConnection) -> QueryResult<Vec<(i64, i64)>> {
    introductions::table
        .select((introductions::first_id, introductions::second_id))
        .load(conn)
}

/// The columns of a person the map shows, without keys or profile text.
#[derive(Debug, Clone, Queryable)]
pub struct MapPerson {
    pub id: i64,
    pub username: String,
    pub domain: String,
    pub local: bool,
    pub display_name: String,
}

impl MapPerson {
    /// As [`super::models::Account::acct`].
    pub fn acct(&self) -> String {
        if self.local {
            self.username.clone()
        } else {
            format!("{}@{}", self.username, self.domain)
        }
    }
}

/// Every person not deleted, local and remote, in id order.
pub fn map_people(conn: &mut DbConnection) -> QueryResult<Vec<MapPerson>> {
    use super::schema::accounts;
    accounts::table
        .filter(accounts::actor_type.eq("Person"))
        .filter(accounts::deleted_at.is_null())
        .order(accounts::id.asc())
        .select((
            accounts::id,
            accounts::username,
            accounts::domain,
            accounts::local,
            accounts::display_name,
        ))
        .load(conn)
}

/// (member, community) with the community's columns the map names it by,
/// for every accepted membership: one query where a lookup per community
/// used to follow.
pub fn memberships_named(conn: &mut DbConnection) -> QueryResult<Vec<(i64, MapPerson)>> {
    use super::schema::{accounts, follows};
    follows::table
        .inner_join(accounts::table.on(accounts::id.eq(follows::target_account_id)))
        .filter(follows::accepted.eq(true))
        .filter(accounts::actor_type.eq("Group"))
        .select((
            follows::account_id,
            (
                accounts::id,
                accounts::username,
                accounts::domain,
                accounts::local,
                accounts::display_name,
            ),
        ))
        .load(conn)
}

/// (member, community) for the members learnt from linked communities on
/// other servers, with the community named.
pub fn linked_memberships_named(conn: &mut DbConnection) -> QueryResult<Vec<(i64, MapPerson)>> {
    use super::schema::{accounts, linked_members};
    linked_members::table
        .inner_join(accounts::table.on(accounts::id.eq(linked_members::community_id)))
        .select((
            linked_members::account_id,
            (
                accounts::id,
                accounts::username,
                accounts::domain,
                accounts::local,
                accounts::display_name,
            ),
        ))
        .load(conn)
}

/// How many local members posted, boosted or favourited since `since`:
/// one seek per member on `statuses_by_account_published` and
/// `favourites_by_account_created`, however many statuses there are.
pub fn count_active_local_members(
    conn: &mut DbConnection,
    since: NaiveDateTime,
) -> QueryResult<i64> {
    use super::schema::{accounts, favourites};
    use diesel::dsl::exists;
    let posted = exists(
        statuses::table
            .filter(statuses::account_id.eq(accounts::id))
            .filter(statuses::published_at.ge(since)),
    );
    let favourited = exists(
        favourites::table
            .filter(favourites::account_id.eq(accounts::id))
            .filter(favourites::created_at.ge(since)),
    );
    accounts::table
        .filter(accounts::local.eq(true))
        .filter(accounts::actor_type.eq("Person"))
        .filter(accounts::deleted_at.is_null())
        .filter(posted.or(favourited))
        .count()
        .get_result(conn)
}

/// Every exchange a local member opened: (exchange, opened, answered).
pub fn local_exchanges(
    conn: &mut DbConnection,
) -> QueryResult<Vec<(i64, NaiveDateTime, Option<NaiveDateTime>)>> {
    use super::schema::accounts;
    exchanges::table
        .inner_join(accounts::table.on(accounts::id.eq(exchanges::account_id)))
        .filter(accounts::local.eq(true))
        .filter(accounts::deleted_at.is_null())
        .select((
            exchanges::status_id,
            exchanges::opened_at,
            exchanges::answered_at,
        ))
        .load(conn)
}

/// For each exchange a local member opened that someone else replied to,
/// when the first such reply came; one row per exchange.
pub fn first_replies_to_local_exchanges(
    conn: &mut DbConnection,
) -> QueryResult<Vec<(i64, Option<NaiveDateTime>)>> {
    use super::schema::accounts;
    exchange_replies::table
        .inner_join(exchanges::table)
        .inner_join(accounts::table.on(accounts::id.eq(exchanges::account_id)))
        .filter(accounts::local.eq(true))
        .filter(accounts::deleted_at.is_null())
        .filter(exchange_replies::account_id.ne(exchanges::account_id))
        .group_by(exchange_replies::exchange_id)
        .select((
            exchange_replies::exchange_id,
            diesel::dsl::min(exchange_replies::replied_at),
        ))
        .load(conn)
}

/// Moves a status, and its place in an exchange, back in time: only the
/// demo-network generator does this, so that its history spans months.
pub fn backdate(conn: &mut DbConnection, status_id: i64, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(statuses::table.find(status_id))
        .set((statuses::published_at.eq(at), statuses::created_at.eq(at)))
        .execute(conn)?;
    diesel::update(exchanges::table.find(status_id))
        .set(exchanges::opened_at.eq(at))
        .execute(conn)?;
    diesel::update(exchange_replies::table.find(status_id))
        .set(exchange_replies::replied_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// The newest public stories told by local members: what a network may
/// show other networks of its stories, because their authors made them
/// public.
pub fn public_local_stories(
    conn: &mut DbConnection,
    limit: i64,
) -> QueryResult<Vec<super::models::Status>> {
    statuses::table
        .filter(
            statuses::id.eq_any(
                post_kinds::table
                    .filter(post_kinds::kind.eq("story"))
                    .select(post_kinds::status_id),
            ),
        )
        .filter(statuses::local.eq(true))
        .filter(statuses::visibility.eq("public"))
        .select(super::models::Status::as_select())
        .order(statuses::id.desc())
        .limit(limit)
        .load(conn)
}

/// The role of every local community of practice.
pub fn local_community_roles(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    use super::schema::{accounts, communities};
    communities::table
        .inner_join(accounts::table.on(accounts::id.eq(communities::account_id)))
        .filter(accounts::local.eq(true))
        .filter(accounts::deleted_at.is_null())
        .select(communities::role)
        .load(conn)
}

/// The introductions digest setting (its one row, made by the migration).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = introduction_digest)]
pub struct DigestSetting {
    pub id: i32,
    pub weekly: bool,
    pub changed_by: Option<i64>,
    pub last_sent_at: Option<NaiveDateTime>,
}

const DIGEST_ROW: i32 = 1;

pub fn digest_setting(conn: &mut DbConnection) -> QueryResult<DigestSetting> {
    introduction_digest::table.find(DIGEST_ROW).first(conn)
}

pub fn set_digest_weekly(conn: &mut DbConnection, weekly: bool, by: i64) -> QueryResult<usize> {
    diesel::update(introduction_digest::table.find(DIGEST_ROW))
        .set((
            introduction_digest::weekly.eq(weekly),
            introduction_digest::changed_by.eq(Some(by)),
        ))
        .execute(conn)
}

/// Claims a sending of the digest: moves `last_sent_at` to `now` when it
/// was last sent before `sent_before` (or never), and, when `weekly_only`,
/// only if the weekly digest is on. One row changes for the one caller
/// that wins; the database re-checks the condition under the row lock,
/// so two processes cannot both claim the same week.
pub fn claim_digest(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    sent_before: NaiveDateTime,
    weekly_only: bool,
) -> QueryResult<bool> {
    let due = introduction_digest::table
        .filter(introduction_digest::id.eq(DIGEST_ROW))
        .filter(
            introduction_digest::last_sent_at
                .is_null()
                .or(introduction_digest::last_sent_at.le(sent_before)),
        );
    let claimed = if weekly_only {
        diesel::update(due.filter(introduction_digest::weekly.eq(true)))
            .set(introduction_digest::last_sent_at.eq(Some(now)))
            .execute(conn)?
    } else {
        diesel::update(due)
            .set(introduction_digest::last_sent_at.eq(Some(now)))
            .execute(conn)?
    };
    Ok(claimed == 1)
}

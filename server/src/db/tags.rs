//! Hashtags a member features on their profile or follows. The two lists
//! share their shape; `TagList` says which one a call is about.

use super::{
    DbConnection,
    schema::{featured_tags, followed_tags, status_tags, statuses},
};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagList {
    Featured,
    Followed,
}

/// One entry of a list: its id, the tag (lower case, no `#`), and when it
/// was added.
#[derive(Debug, Clone, Queryable)]
pub struct ListedTag {
    pub id: i64,
    pub name: String,
    pub created_at: NaiveDateTime,
}

/// The member's list, oldest entry first.
pub fn list(
    conn: &mut DbConnection,
    list: TagList,
    account_id: i64,
) -> QueryResult<Vec<ListedTag>> {
    match list {
        TagList::Featured => featured_tags::table
            .filter(featured_tags::account_id.eq(account_id))
            .order(featured_tags::id.asc())
            .select((
                featured_tags::id,
                featured_tags::name,
                featured_tags::created_at,
            ))
            .load(conn),
        TagList::Followed => followed_tags::table
            .filter(followed_tags::account_id.eq(account_id))
            .order(followed_tags::id.asc())
            .select((
                followed_tags::id,
                followed_tags::name,
                followed_tags::created_at,
            ))
            .load(conn),
    }
}

/// Adds `name` to the list (adding it twice changes nothing).
pub fn add(conn: &mut DbConnection, list: TagList, account_id: i64, name: &str) -> QueryResult<()> {
    let (id, now) = (super::ids::next_id(), super::now());
    super::insert_unless_taken(conn, |conn| match list {
        TagList::Featured => diesel::insert_into(featured_tags::table)
            .values((
                featured_tags::id.eq(id),
                featured_tags::account_id.eq(account_id),
                featured_tags::name.eq(name),
                featured_tags::created_at.eq(now),
            ))
            .execute(conn),
        TagList::Followed => diesel::insert_into(followed_tags::table)
            .values((
                followed_tags::id.eq(id),
                followed_tags::account_id.eq(account_id),
                followed_tags::name.eq(name),
                followed_tags::created_at.eq(now),
            ))
            .execute(conn),
    })
    .map(|_| ())
}

/// Removes the entry named `name`, or the one with id `id`; how many went.
pub fn remove(
    conn: &mut DbConnection,
    list: TagList,
    account_id: i64,
    entry: Entry<'_>,
) -> QueryResult<usize> {
    match (list, entry) {
        (TagList::Featured, Entry::Name(name)) => diesel::delete(
            featured_tags::table
                .filter(featured_tags::account_id.eq(account_id))
                .filter(featured_tags::name.eq(name)),
        )
        .execute(conn),
        (TagList::Featured, Entry::Id(id)) => diesel::delete(
            featured_tags::table
                .filter(featured_tags::account_id.eq(account_id))
                .filter(featured_tags::id.eq(id)),
        )
        .execute(conn),
        (TagList::Followed, Entry::Name(name)) => diesel::delete(
            followed_tags::table
                .filter(followed_tags::account_id.eq(account_id))
                .filter(followed_tags::name.eq(name)),
        )
        .execute(conn),
        (TagList::Followed, Entry::Id(id)) => diesel::delete(
            followed_tags::table
                .filter(followed_tags::account_id.eq(account_id))
                .filter(followed_tags::id.eq(id)),
        )
        .execute(conn),
    }
}

/// An entry of a list, by tag or by id.
#[derive(Debug, Clone, Copy)]
pub enum Entry<'a> {
    Name(&'a str),
    Id(i64),
}

/// The accounts that follow any of `names`.
pub fn followers_of(conn: &mut DbConnection, names: &[String]) -> QueryResult<Vec<i64>> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    followed_tags::table
        .filter(followed_tags::name.eq_any(names))
        .select(followed_tags::account_id)
        .distinct()
        .load(conn)
}

/// How many of the account's statuses carry `name`, and when the latest
/// was published.
pub fn usage_by(
    conn: &mut DbConnection,
    account_id: i64,
    name: &str,
) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    status_tags::table
        .inner_join(statuses::table)
        .filter(status_tags::tag.eq(name))
        .filter(statuses::account_id.eq(account_id))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::max(statuses::published_at),
        ))
        .get_result(conn)
}

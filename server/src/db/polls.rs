//! Polls, their options and the votes cast here or on members' polls.

use super::id_lists::one_of;
use super::{
    DbConnection,
    models::{Poll, PollOption},
    schema::{poll_options, poll_votes, polls, statuses},
};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Stores a poll with its options in order; `counts` gives each option's
/// votes as its server reported them (zeros for a new poll).
pub fn insert(
    conn: &mut DbConnection,
    poll: &Poll,
    titles: &[String],
    counts: &[i32],
) -> QueryResult<()> {
    diesel::insert_into(polls::table)
        .values(poll)
        .execute(conn)?;
    // One row at a time: the multi-backend connection has no batch insert.
    for (position, title) in titles.iter().enumerate() {
        let option = PollOption {
            status_id: poll.status_id,
            position: position as i32,
            title: title.clone(),
            votes_count: counts.get(position).copied().unwrap_or(0),
        };
        diesel::insert_into(poll_options::table)
            .values(&option)
            .execute(conn)?;
    }
    Ok(())
}

pub fn by_status(conn: &mut DbConnection, status_id: i64) -> QueryResult<Option<Poll>> {
    polls::table
        .find(status_id)
        .select(Poll::as_select())
        .first(conn)
        .optional()
}

/// The polls of `status_ids` that have one, each with its options in order.
pub fn of_statuses(
    conn: &mut DbConnection,
    status_ids: &[i64],
) -> QueryResult<Vec<(Poll, Vec<PollOption>)>> {
    if status_ids.is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<Poll> = polls::table
        .filter(one_of(polls::status_id, status_ids))
        .select(Poll::as_select())
        .load(conn)?;
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = found.iter().map(|p| p.status_id).collect();
    let mut options: Vec<PollOption> = poll_options::table
        .filter(one_of(poll_options::status_id, &ids))
        .order((poll_options::status_id, poll_options::position))
        .select(PollOption::as_select())
        .load(conn)?;
    Ok(found
        .into_iter()
        .map(|poll| {
            let (own, rest): (Vec<PollOption>, Vec<PollOption>) = std::mem::take(&mut options)
                .into_iter()
                .partition(|o| o.status_id == poll.status_id);
            options = rest;
            (poll, own)
        })
        .collect())
}

/// The choices `account_id` made in each of `status_ids`' polls.
pub fn choices_of(
    conn: &mut DbConnection,
    account_id: i64,
    status_ids: &[i64],
) -> QueryResult<Vec<(i64, i32)>> {
    if status_ids.is_empty() {
        return Ok(Vec::new());
    }
    poll_votes::table
        .filter(poll_votes::account_id.eq(account_id))
        .filter(one_of(poll_votes::status_id, status_ids))
        .order((poll_votes::status_id, poll_votes::choice))
        .select((poll_votes::status_id, poll_votes::choice))
        .load(conn)
}

/// Records one choice; false when the account had already made it.
pub fn insert_vote(
    conn: &mut DbConnection,
    status_id: i64,
    account_id: i64,
    choice: i32,
    ap_id: &str,
) -> QueryResult<bool> {
    let inserted = super::insert_unless_taken(conn, |conn| {
        diesel::insert_into(poll_votes::table)
            .values((
                poll_votes::status_id.eq(status_id),
                poll_votes::account_id.eq(account_id),
                poll_votes::choice.eq(choice),
                poll_votes::ap_id.eq(ap_id),
                poll_votes::created_at.eq(super::now()),
            ))
            .execute(conn)
    })?;
    Ok(inserted.is_some())
}

/// Counts a member's poll again from its votes: each option's votes and
/// the number of accounts that voted.
pub fn recount(conn: &mut DbConnection, status_id: i64) -> QueryResult<()> {
    let per_choice: Vec<(i32, i64)> = poll_votes::table
        .filter(poll_votes::status_id.eq(status_id))
        .group_by(poll_votes::choice)
        .select((poll_votes::choice, diesel::dsl::count_star()))
        .load(conn)?;
    let voters: i64 = poll_votes::table
        .filter(poll_votes::status_id.eq(status_id))
        .select(diesel::dsl::count(poll_votes::account_id).aggregate_distinct())
        .first(conn)?;
    let positions: Vec<i32> = poll_options::table
        .filter(poll_options::status_id.eq(status_id))
        .select(poll_options::position)
        .load(conn)?;
    for position in positions {
        let votes = per_choice
            .iter()
            .find(|(choice, _)| *choice == position)
            .map_or(0, |(_, n)| *n);
        diesel::update(poll_options::table.find((status_id, position)))
            .set(poll_options::votes_count.eq(votes as i32))
            .execute(conn)?;
    }
    diesel::update(polls::table.find(status_id))
        .set((
            polls::voters_count.eq(Some(voters as i32)),
            polls::updated_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}

/// Adds one vote to an option's count and, when `new_voter`, one voter:
/// a member's vote on a remote poll, shown at once, until the poll's
/// server sends its own counts.
pub fn count_vote(
    conn: &mut DbConnection,
    status_id: i64,
    choice: i32,
    new_voter: bool,
) -> QueryResult<()> {
    diesel::update(poll_options::table.find((status_id, choice)))
        .set(poll_options::votes_count.eq(poll_options::votes_count + 1))
        .execute(conn)?;
    if new_voter {
        diesel::update(polls::table.find(status_id))
            .set(polls::voters_count.eq(polls::voters_count + 1))
            .execute(conn)?;
    }
    Ok(())
}

/// A remote poll's state as its server last gave it.
pub fn set_remote_state(
    conn: &mut DbConnection,
    status_id: i64,
    counts: &[i32],
    voters_count: Option<i32>,
    expires_at: Option<NaiveDateTime>,
    closed_at: Option<NaiveDateTime>,
) -> QueryResult<()> {
    for (position, votes) in counts.iter().enumerate() {
        diesel::update(poll_options::table.find((status_id, position as i32)))
            .set(poll_options::votes_count.eq(votes))
            .execute(conn)?;
    }
    diesel::update(polls::table.find(status_id))
        .set((
            polls::voters_count.eq(voters_count),
            polls::expires_at.eq(expires_at),
            polls::closed_at.eq(closed_at),
            polls::updated_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}

/// Polls that ended by `now` and were not yet seen to, oldest first, with
/// whether each is a member's.
pub fn ended_unclosed(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<(Poll, bool)>> {
    polls::table
        .inner_join(statuses::table)
        .filter(polls::closed_at.is_null())
        .filter(polls::expires_at.le(now))
        .order(polls::expires_at)
        .limit(limit)
        .select((Poll::as_select(), statuses::local))
        .load(conn)
}

/// Marks a poll ended; false when another process got there first.
pub fn close(conn: &mut DbConnection, status_id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let changed = diesel::update(
        polls::table
            .find(status_id)
            .filter(polls::closed_at.is_null()),
    )
    .set(polls::closed_at.eq(Some(now)))
    .execute(conn)?;
    Ok(changed == 1)
}

/// The local accounts that voted in a poll.
pub fn local_voters(conn: &mut DbConnection, status_id: i64) -> QueryResult<Vec<i64>> {
    use super::schema::accounts;
    poll_votes::table
        .inner_join(accounts::table.on(accounts::id.eq(poll_votes::account_id)))
        .filter(poll_votes::status_id.eq(status_id))
        .filter(accounts::local.eq(true))
        .select(poll_votes::account_id)
        .distinct()
        .load(conn)
}

/// The remote accounts that voted in a poll, which hear of its counts as
/// its author's followers do.
pub fn remote_voter_ids(conn: &mut DbConnection, status_id: i64) -> QueryResult<Vec<i64>> {
    use super::schema::accounts;
    poll_votes::table
        .inner_join(accounts::table.on(accounts::id.eq(poll_votes::account_id)))
        .filter(poll_votes::status_id.eq(status_id))
        .filter(accounts::local.eq(false))
        .select(poll_votes::account_id)
        .distinct()
        .load(conn)
}

/// Removes a poll with its options and votes.
pub fn remove(conn: &mut DbConnection, status_id: i64) -> QueryResult<()> {
    diesel::delete(poll_votes::table.filter(poll_votes::status_id.eq(status_id))).execute(conn)?;
    diesel::delete(poll_options::table.filter(poll_options::status_id.eq(status_id)))
        .execute(conn)?;
    diesel::delete(polls::table.find(status_id))
        .execute(conn)
        .map(drop)
}

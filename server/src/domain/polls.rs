//! Polls: members ask them and vote in them; other servers' polls
//! (`Question`s) are shown with their options and counts, and members vote
//! in those too.
//!
//! A member's poll is counted here, from the votes it holds, and every new
//! count goes out as an `Update` of the `Question`. A remote poll is
//! counted by its server: a member's vote is added at once to what is
//! shown, and the server's next `Update` replaces the counts. A vote
//! travels as a `Note` whose `name` is the option, as Mastodon sends it.

use super::{Context, notifications, outbox, render, statuses::send_update, urls::Urls, views};
use crate::{
    db::{
        self, DbConnection, accounts,
        ids::next_id,
        models::{Account, Poll, PollOption, Status},
        polls, statuses,
    },
    error::{Error, Result},
    protocol::{Note, PollChoice},
};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeSet;

/// Options a member's poll may offer.
pub const MAX_OPTIONS: usize = 4;
/// Characters per option of a member's poll.
pub const MAX_OPTION_CHARS: usize = 50;
/// The longest a member's poll may run: a month, as on Mastodon. The
/// shortest is the `poll_min_expiration_seconds` setting.
pub const MAX_EXPIRATION_SECONDS: i64 = 2_629_746;

/// A poll as a member asks it (`poll[options][]`, `poll[expires_in]`…).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PollDraft {
    #[serde(default)]
    pub options: Vec<String>,
    /// Seconds it runs.
    #[serde(default, deserialize_with = "crate::http::input::flexible_id")]
    pub expires_in: Option<i64>,
    #[serde(default, deserialize_with = "crate::http::input::flexible_bool")]
    pub multiple: Option<bool>,
    /// Counts shown only once the poll has ended.
    #[serde(default, deserialize_with = "crate::http::input::flexible_bool")]
    pub hide_totals: Option<bool>,
}

impl PollDraft {
    /// The options, trimmed, when the draft is a poll this server takes.
    pub fn checked(&self, min_expiration: i64) -> Result<Vec<String>> {
        let options: Vec<String> = self.options.iter().map(|o| o.trim().to_string()).collect();
        if options.len() < 2 || options.len() > MAX_OPTIONS {
            return Err(Error::Validation(format!(
                "A poll needs from 2 to {MAX_OPTIONS} options"
            )));
        }
        if let Some(long) = options
            .iter()
            .find(|o| o.chars().count() > MAX_OPTION_CHARS)
        {
            return Err(Error::Validation(format!(
                "Poll option {long:?} is longer than {MAX_OPTION_CHARS} characters"
            )));
        }
        if options.iter().any(String::is_empty) {
            return Err(Error::Validation("Poll options cannot be empty".into()));
        }
        let distinct: BTreeSet<&String> = options.iter().collect();
        if distinct.len() != options.len() {
            return Err(Error::Validation(
                "Poll options must differ from each other".into(),
            ));
        }
        let expires_in = self
            .expires_in
            .ok_or_else(|| Error::Validation("A poll needs expires_in, in seconds".into()))?;
        if !(min_expiration..=MAX_EXPIRATION_SECONDS).contains(&expires_in) {
            return Err(Error::Validation(format!(
                "A poll runs from {min_expiration} to {MAX_EXPIRATION_SECONDS} seconds"
            )));
        }
        Ok(options)
    }
}

/// Stores a member's new poll, already checked.
pub fn create(
    conn: &mut DbConnection,
    status_id: i64,
    draft: &PollDraft,
    options: &[String],
) -> Result<()> {
    let now = db::now();
    let expires_in = chrono::Duration::seconds(draft.expires_in.unwrap_or(0));
    let poll = Poll {
        status_id,
        multiple: draft.multiple.unwrap_or(false),
        hide_totals: draft.hide_totals.unwrap_or(false),
        expires_at: Some(now + expires_in),
        closed_at: None,
        voters_count: Some(0),
        updated_at: now,
    };
    polls::insert(conn, &poll, options, &[])?;
    Ok(())
}

/// A poll as a reader sees it.
#[derive(Debug, Clone)]
pub struct PollView {
    pub poll: Poll,
    pub options: Vec<PollOption>,
    /// The reader's choices; `None` for an anonymous reader.
    pub own_votes: Option<Vec<i32>>,
}

impl PollView {
    pub fn expired(&self) -> bool {
        ended(&self.poll, db::now())
    }

    pub fn votes_count(&self) -> i64 {
        self.options.iter().map(|o| i64::from(o.votes_count)).sum()
    }

    pub fn voted(&self) -> bool {
        self.own_votes.as_ref().is_some_and(|v| !v.is_empty())
    }

    /// Whether counts may be shown: always, unless the author hid them
    /// until the end.
    pub fn totals_shown(&self) -> bool {
        !self.poll.hide_totals || self.expired()
    }
}

fn ended(poll: &Poll, now: NaiveDateTime) -> bool {
    poll.closed_at.is_some() || poll.expires_at.is_some_and(|at| at <= now)
}

/// The polls among `status_ids`, with `viewer`'s choices in each.
pub fn views_of(
    conn: &mut DbConnection,
    viewer: Option<i64>,
    status_ids: &[i64],
) -> diesel::QueryResult<Vec<PollView>> {
    let found = polls::of_statuses(conn, status_ids)?;
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = found.iter().map(|(p, _)| p.status_id).collect();
    let choices = match viewer {
        Some(viewer) => polls::choices_of(conn, viewer, &ids)?,
        None => Vec::new(),
    };
    Ok(found
        .into_iter()
        .map(|(poll, options)| PollView {
            own_votes: viewer.map(|_| {
                choices
                    .iter()
                    .filter(|(status, _)| *status == poll.status_id)
                    .map(|(_, choice)| *choice)
                    .collect()
            }),
            poll,
            options,
        })
        .collect())
}

/// Makes `note` the `Question` its status asks, when it asks one.
pub fn annotate(conn: &mut DbConnection, note: &mut Note, status: &Status) -> Result<()> {
    let Some((poll, options)) = polls::of_statuses(conn, &[status.id])?.pop() else {
        return Ok(());
    };
    note.kind = "Question".into();
    let choices: Vec<PollChoice> = options
        .iter()
        .map(|o| PollChoice::new(&o.title, i64::from(o.votes_count)))
        .collect();
    if poll.multiple {
        note.any_of = choices;
    } else {
        note.one_of = choices;
    }
    let stamp = |at: NaiveDateTime| {
        serde_json::Value::String(
            at.and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        )
    };
    note.end_time = poll.expires_at.map(stamp);
    note.closed = poll.closed_at.map(stamp);
    note.voters_count = poll.voters_count.map(i64::from);
    Ok(())
}

/// What a remote `Question` says of its poll.
struct RemoteState {
    multiple: bool,
    titles: Vec<String>,
    counts: Vec<i32>,
    voters_count: Option<i32>,
    expires_at: Option<NaiveDateTime>,
    closed_at: Option<NaiveDateTime>,
}

fn timestamp(value: Option<&serde_json::Value>) -> Option<NaiveDateTime> {
    let text = value?.as_str()?;
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|at| at.with_timezone(&Utc).naive_utc())
}

fn remote_state(note: &Note) -> Option<RemoteState> {
    if note.kind != "Question" {
        return None;
    }
    let (multiple, choices) = if note.any_of.is_empty() {
        (false, &note.one_of)
    } else {
        (true, &note.any_of)
    };
    let choices: Vec<&PollChoice> = choices.iter().filter(|c| !c.name.is_empty()).collect();
    if choices.is_empty() {
        return None;
    }
    let count = |n: i64| i32::try_from(n.max(0)).unwrap_or(i32::MAX);
    let expires_at = timestamp(note.end_time.as_ref());
    let closed_at = match &note.closed {
        Some(serde_json::Value::Bool(true)) => Some(expires_at.unwrap_or_else(db::now)),
        other => timestamp(other.as_ref()),
    };
    Some(RemoteState {
        multiple,
        titles: choices.iter().map(|c| c.name.clone()).collect(),
        counts: choices.iter().map(|c| c.votes().map_or(0, count)).collect(),
        voters_count: note.voters_count.map(count),
        expires_at,
        closed_at,
    })
}

/// Records the poll a remote `Question` asks, as it arrives.
pub fn record_remote(conn: &mut DbConnection, status: &Status, note: &Note) -> Result<()> {
    let Some(state) = remote_state(note) else {
        return Ok(());
    };
    let poll = Poll {
        status_id: status.id,
        multiple: state.multiple,
        hide_totals: false,
        expires_at: state.expires_at,
        closed_at: state.closed_at,
        voters_count: state.voters_count,
        updated_at: db::now(),
    };
    polls::insert(conn, &poll, &state.titles, &state.counts)?;
    Ok(())
}

/// A remote poll's new counts, from an `Update` of its `Question`. New
/// options make a new poll: the votes cast for the old ones are gone, as
/// on Mastodon.
pub fn update_remote(conn: &mut DbConnection, status: &Status, note: &Note) -> Result<()> {
    let Some(state) = remote_state(note) else {
        return Ok(());
    };
    let same_options =
        polls::of_statuses(conn, &[status.id])?
            .pop()
            .is_some_and(|(poll, options)| {
                poll.multiple == state.multiple
                    && options.iter().map(|o| &o.title).eq(state.titles.iter())
            });
    if !same_options {
        polls::remove(conn, status.id)?;
        return record_remote(conn, status, note);
    }
    let was_open = polls::by_status(conn, status.id)?.is_some_and(|p| p.closed_at.is_none());
    if was_open && state.closed_at.is_some() {
        tell_ended(conn, status, false)?;
    }
    polls::set_remote_state(
        conn,
        status.id,
        &state.counts,
        state.voters_count,
        state.expires_at,
        state.closed_at,
    )?;
    Ok(())
}

/// Why a vote is refused, checked before anything is written.
fn check_choices(poll: &Poll, options: &[PollOption], choices: &[i32]) -> Result<()> {
    if ended(poll, db::now()) {
        return Err(Error::Validation("The poll has already ended".into()));
    }
    if choices.is_empty() {
        return Err(Error::Validation("Choose at least one option".into()));
    }
    if !poll.multiple && choices.len() > 1 {
        return Err(Error::Validation("This poll takes one choice".into()));
    }
    let distinct: BTreeSet<&i32> = choices.iter().collect();
    if distinct.len() != choices.len() {
        return Err(Error::Validation("Each option can be chosen once".into()));
    }
    if let Some(bad) = choices
        .iter()
        .find(|c| !options.iter().any(|o| o.position == **c))
    {
        return Err(Error::Validation(format!("The poll has no option {bad}")));
    }
    Ok(())
}

/// A member votes: `choices` are option indexes, from 0. Answers the poll
/// as the member now sees it.
pub async fn vote(
    ctx: &Context,
    voter: &Account,
    status_id: i64,
    choices: Vec<i32>,
) -> Result<PollView> {
    let voter = voter.clone();
    let urls = ctx.urls.clone();
    let view = ctx
        .db
        .write(move |conn| {
            let status = statuses::by_id(conn, status_id)?.ok_or_else(Error::not_found)?;
            if !views::can_see(conn, Some(&voter), &status)? {
                return Err(Error::not_found());
            }
            let (poll, options) = polls::of_statuses(conn, &[status.id])?
                .pop()
                .ok_or_else(Error::not_found)?;
            check_choices(&poll, &options, &choices)?;
            if !polls::choices_of(conn, voter.id, &[status.id])?.is_empty() {
                return Err(Error::Validation(
                    "You have already voted in this poll".into(),
                ));
            }
            let author = accounts::by_id(conn, status.account_id)?.ok_or_else(Error::not_found)?;
            for choice in &choices {
                let ap_id = format!("{}#votes/{}", voter.ap_id, next_id());
                polls::insert_vote(conn, status.id, voter.id, *choice, &ap_id)?;
                if !status.local {
                    polls::count_vote(conn, status.id, *choice, choice == &choices[0])?;
                    let title = &options[*choice as usize].title;
                    send_vote(conn, &urls, &voter, &author, &status, title, &ap_id)?;
                }
            }
            if status.local {
                counts_changed(conn, &urls, &author, &status)?;
            }
            views_of(conn, Some(voter.id), &[status.id])?
                .pop()
                .ok_or_else(Error::not_found)
        })
        .await?;
    ctx.deliveries_queued();
    Ok(view)
}

/// Sends a member's vote on a remote poll to the poll's author, and only
/// to them, as Mastodon does: a `Note` naming the option, replying to the
/// `Question`.
fn send_vote(
    conn: &mut DbConnection,
    urls: &Urls,
    voter: &Account,
    author: &Account,
    status: &Status,
    title: &str,
    ap_id: &str,
) -> Result<()> {
    let to = vec![author.ap_id.clone()];
    let note = serde_json::json!({
        "id": ap_id,
        "type": "Note",
        "name": title,
        "attributedTo": voter.ap_id,
        "inReplyTo": status.ap_id,
        "to": to,
    });
    let create = render::activity(
        "Create",
        &format!("{ap_id}/activity"),
        voter,
        note,
        &to,
        &[],
    );
    outbox::enqueue(conn, urls, voter, &create, outbox::inboxes_of([author]))
}

/// Sends a member's poll with its new counts to everyone who holds it and
/// to the remote accounts that voted.
fn counts_changed(
    conn: &mut DbConnection,
    urls: &Urls,
    author: &Account,
    status: &Status,
) -> Result<()> {
    polls::recount(conn, status.id)?;
    let voters = {
        let ids = polls::remote_voter_ids(conn, status.id)?;
        accounts::by_ids(conn, &ids)?
    };
    send_update(conn, urls, author, status, outbox::inboxes_of(&voters))
}

/// A remote account's vote on a member's poll, from a `Note` whose `name`
/// is an option and whose `inReplyTo` is the poll. Votes the poll cannot
/// take (ended, no such option, a second choice in a one-choice poll) are
/// ignored, as Mastodon ignores them.
pub fn remote_vote(
    conn: &mut DbConnection,
    urls: &Urls,
    voter: &Account,
    status: &Status,
    note: &Note,
) -> Result<std::result::Result<(), &'static str>> {
    let Some((poll, options)) = polls::of_statuses(conn, &[status.id])?.pop() else {
        return Ok(Err("not a poll"));
    };
    let title = note.name.as_deref().unwrap_or_default();
    let Some(option) = options.iter().find(|o| o.title == title) else {
        return Ok(Err("the poll has no such option"));
    };
    if ended(&poll, db::now()) {
        return Ok(Err("the poll has ended"));
    }
    let earlier = polls::choices_of(conn, voter.id, &[status.id])?;
    if !poll.multiple && !earlier.is_empty() {
        return Ok(Err("the voter has already voted in this poll"));
    }
    if !polls::insert_vote(conn, status.id, voter.id, option.position, note.id.as_str())? {
        return Ok(Err("the vote was already counted"));
    }
    let author = accounts::by_id(conn, status.account_id)?.ok_or_else(Error::not_found)?;
    counts_changed(conn, urls, &author, status)?;
    Ok(Ok(()))
}

/// Whether a note is a vote: a `Note` naming an option, replying to a
/// poll, with no text of its own.
pub fn looks_like_vote(note: &Note) -> bool {
    note.kind == "Note"
        && note.name.as_deref().is_some_and(|n| !n.is_empty())
        && note.in_reply_to.is_some()
        && crate::domain::text::strip_html(&note.content)
            .trim()
            .is_empty()
}

/// Polls that ended are marked so: members who voted (and the author,
/// for a member's poll) are told, and a member's poll sends its final
/// counts. Answers how many were closed.
pub fn close_ended(conn: &mut DbConnection, urls: &Urls, now: NaiveDateTime) -> Result<usize> {
    let mut closed = 0;
    for (poll, local) in polls::ended_unclosed(conn, now, 100)? {
        if !polls::close(conn, poll.status_id, now)? {
            continue;
        }
        closed += 1;
        let Some(status) = statuses::by_id(conn, poll.status_id)? else {
            continue;
        };
        tell_ended(conn, &status, local)?;
        if local && let Some(author) = accounts::by_id(conn, status.account_id)? {
            let voters = {
                let ids = polls::remote_voter_ids(conn, status.id)?;
                accounts::by_ids(conn, &ids)?
            };
            send_update(conn, urls, &author, &status, outbox::inboxes_of(&voters))?;
        }
    }
    Ok(closed)
}

/// Tells the members who voted in a poll (and its author, for a member's
/// poll) that it ended.
fn tell_ended(conn: &mut DbConnection, status: &Status, local: bool) -> Result<()> {
    let mut told = polls::local_voters(conn, status.id)?;
    if local {
        told.push(status.account_id);
    }
    for member in told {
        notifications::notify_id(
            conn,
            member,
            status.account_id,
            notifications::POLL,
            Some(status.id),
        )?;
    }
    Ok(())
}

/// How often ended polls are looked for.
const CLOSING_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

pub async fn close_ended_forever(ctx: Context) {
    let mut ticks = tokio::time::interval(CLOSING_INTERVAL);
    loop {
        ticks.tick().await;
        let urls = ctx.urls.clone();
        match ctx
            .db
            .write(move |conn| close_ended(conn, &urls, db::now()))
            .await
        {
            Ok(0) => {}
            Ok(count) => {
                tracing::info!(count, "polls ended");
                ctx.deliveries_queued();
            }
            Err(error) => tracing::warn!(%error, "could not close ended polls"),
        }
    }
}

/// A poll as `viewer` sees it, when they may see its status.
pub async fn view(ctx: &Context, viewer: Option<&Account>, status_id: i64) -> Result<PollView> {
    let viewer = viewer.cloned();
    ctx.db
        .read(move |conn| {
            let status = statuses::by_id(conn, status_id)?.ok_or_else(Error::not_found)?;
            if !views::can_see(conn, viewer.as_ref(), &status)? {
                return Err(Error::not_found());
            }
            views_of(conn, viewer.map(|v| v.id), &[status.id])?
                .pop()
                .ok_or_else(Error::not_found)
        })
        .await
}

//! Statuses gathered with everything a client shows beside them: author,
//! boosted original, mentions, counts, and the viewer's own interactions.
//! Also the one rule for who may see a status.

use super::Visibility;
use crate::db::{
    DbConnection, accounts, communities, follows,
    models::{Account, Status},
    statuses,
};
use diesel::QueryResult;
use std::collections::{HashMap, HashSet};

/// An account with the counts shown on its profile.
#[derive(Debug, Clone)]
pub struct AccountView {
    pub account: Account,
    /// For a community, the people in it (see [`account_views`]).
    pub followers_count: i64,
    pub following_count: i64,
    pub statuses_count: i64,
    pub last_status_at: Option<chrono::NaiveDateTime>,
    /// What a local member's practice adds to their profile fields.
    pub practice_fields: Vec<crate::db::models::ProfileField>,
    pub avatar: Option<crate::db::models::Media>,
    pub header: Option<crate::db::models::Media>,
}

pub fn account_view(conn: &mut DbConnection, account: Account) -> QueryResult<AccountView> {
    account_views(conn, vec![account])?
        .pop()
        .ok_or(diesel::result::Error::NotFound)
}

/// Views of `accounts`, in their order, in a fixed number of queries
/// however many accounts there are.
pub fn account_views(
    conn: &mut DbConnection,
    accounts: Vec<Account>,
) -> QueryResult<Vec<AccountView>> {
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = accounts.iter().map(|a| a.id).collect();
    let mut stats = accounts::stats_of(conn, &ids)?;
    // A community's followers are its members and the communities linked
    // with it; apps show the count as its size, so it counts people only.
    let groups: Vec<i64> = accounts
        .iter()
        .filter(|a| a.actor_type == "Group")
        .map(|a| a.id)
        .collect();
    if !groups.is_empty() {
        let people = communities::people_counts(conn, &groups)?;
        for group in groups {
            stats.entry(group).or_default().followers = people.get(&group).copied().unwrap_or(0);
        }
    }
    let mut practice = super::practice::profile_fields_of(conn, &accounts)?;
    let mut images: HashMap<(i64, String), crate::db::models::Media> =
        crate::db::media::images_of_accounts(conn, &ids)?
            .into_iter()
            .map(|media| ((media.account_id, media.role.clone()), media))
            .collect();
    Ok(accounts
        .into_iter()
        .map(|account| {
            let stats = stats.get(&account.id).copied().unwrap_or_default();
            AccountView {
                avatar: images.remove(&(account.id, super::media::AVATAR.to_string())),
                header: images.remove(&(account.id, super::media::HEADER.to_string())),
                followers_count: stats.followers,
                following_count: stats.following,
                statuses_count: stats.statuses,
                last_status_at: stats.last_status_at,
                practice_fields: practice.remove(&account.id).unwrap_or_default(),
                account,
            }
        })
        .collect())
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
    /// What the post is for (`question`, `story`…), when its author said.
    pub kind: Option<String>,
    /// Its attachments, in order.
    pub media: Vec<crate::db::models::Media>,
    /// The post it quotes, when it quotes one.
    pub quote: Option<Quote>,
    /// The poll it asks, when it asks one.
    pub poll: Option<super::polls::PollView>,
}

/// A quoted post: shown when it is here and public or unlisted, named by
/// its id otherwise.
#[derive(Debug, Clone)]
pub struct Quote {
    pub uri: String,
    pub status: Option<Box<StatusView>>,
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

/// The statuses with `ids` that still exist, in the order of `ids`.
fn in_order(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<Status>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows = statuses::by_ids(conn, ids)?;
    rows.sort_by_key(|s| ids.iter().position(|id| *id == s.id));
    Ok(rows)
}

/// Those of the statuses with `ids` that exist and `viewer` may see, in
/// the order given, ready for [`load_rows`]. Public posts need no query
/// beyond loading them; others one or two each.
pub fn visible(
    conn: &mut DbConnection,
    viewer: Option<&Account>,
    ids: &[i64],
) -> QueryResult<Vec<Status>> {
    let mut kept = Vec::new();
    for status in in_order(conn, ids)? {
        if can_see(conn, viewer, &status)? {
            kept.push(status);
        }
    }
    Ok(kept)
}

/// Everything the statuses of one page need besides themselves, loaded in
/// a fixed number of queries however long the page is.
struct PageContext {
    accounts: HashMap<i64, Account>,
    authors: HashMap<i64, AccountView>,
    mentions: HashMap<i64, Vec<i64>>,
    tags: HashMap<i64, Vec<String>>,
    counts: HashMap<i64, (i64, i64, i64)>,
    favourited: HashSet<i64>,
    reblogged: HashSet<i64>,
    bookmarked: HashSet<i64>,
    pinned: HashSet<i64>,
    kinds: HashMap<i64, String>,
    media: HashMap<i64, Vec<crate::db::models::Media>>,
    polls: HashMap<i64, super::polls::PollView>,
    /// Authors whose statuses are not shown (suspended, or on a suspended
    /// server), and those whose statuses are forced sensitive.
    hidden: super::moderation::Hidden,
}

impl PageContext {
    fn gather(conn: &mut DbConnection, viewer: Option<i64>, page: &[&Status]) -> QueryResult<Self> {
        let ids: Vec<i64> = page.iter().map(|s| s.id).collect();
        let mut mentions: HashMap<i64, Vec<i64>> = HashMap::new();
        for (status, account) in statuses::mentions_of(conn, &ids)? {
            mentions.entry(status).or_default().push(account);
        }
        let author_ids: HashSet<i64> = page.iter().map(|s| s.account_id).collect();
        let mut account_ids: Vec<i64> = author_ids.iter().copied().collect();
        account_ids.extend(page.iter().filter_map(|s| s.in_reply_to_account_id));
        account_ids.extend(mentions.values().flatten());
        account_ids.sort_unstable();
        account_ids.dedup();
        let accounts: HashMap<i64, Account> = accounts::by_ids(conn, &account_ids)?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        let authors: HashMap<i64, AccountView> = account_views(
            conn,
            author_ids
                .iter()
                .filter_map(|id| accounts.get(id).cloned())
                .collect(),
        )?
        .into_iter()
        .map(|view| (view.account.id, view))
        .collect();
        let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
        for (status, tag) in statuses::tags_of_many(conn, &ids)? {
            tags.entry(status).or_default().push(tag);
        }
        let counts = statuses::counts_of(conn, &ids)?;
        let kinds = crate::db::weaving::kinds_of(conn, &ids)?;
        let mut media: HashMap<i64, Vec<crate::db::models::Media>> = HashMap::new();
        for row in crate::db::media::of_statuses(conn, &ids)? {
            if let Some(status_id) = row.status_id {
                media.entry(status_id).or_default().push(row);
            }
        }
        let shown_authors: Vec<&Account> = authors
            .values()
            .map(|view: &AccountView| &view.account)
            .collect();
        let hidden = super::moderation::hidden_among(conn, &shown_authors)?;
        let polls = super::polls::views_of(conn, viewer, &ids)?
            .into_iter()
            .map(|poll| (poll.poll.status_id, poll))
            .collect();
        let mut context = PageContext {
            kinds,
            polls,
            media,
            hidden,
            accounts,
            authors,
            mentions,
            tags,
            counts,
            favourited: HashSet::new(),
            reblogged: HashSet::new(),
            bookmarked: HashSet::new(),
            pinned: HashSet::new(),
        };
        if let Some(viewer) = viewer {
            let done = statuses::viewer_marks(conn, viewer, &ids)?;
            context.favourited = done.favourited;
            context.reblogged = done.reblogged;
            context.bookmarked = done.bookmarked;
            context.pinned = done.pinned;
        }
        Ok(context)
    }

    /// The view of one status of the page, `None` when its author is gone.
    fn view(&self, mut status: Status, reblog: Option<Box<StatusView>>) -> Option<StatusView> {
        if self.hidden.accounts.contains(&status.account_id) {
            return None;
        }
        if self.hidden.sensitive.contains(&status.account_id) {
            status.sensitive = true;
        }
        let author = self.authors.get(&status.account_id)?.clone();
        let mut mentions: Vec<Account> = self
            .mentions
            .get(&status.id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.accounts.get(id).cloned())
            .collect();
        mentions.sort_by_key(|a| a.id);
        let in_reply_to_account = status
            .in_reply_to_account_id
            .and_then(|id| self.accounts.get(&id).cloned());
        let (replies_count, reblogs_count, favourites_count) =
            self.counts.get(&status.id).copied().unwrap_or_default();
        // On a boost, what the viewer did is about the boosted status, as
        // apps read it from the top level.
        let subject = status.reblog_of_id.unwrap_or(status.id);
        Some(StatusView {
            tags: self.tags.get(&status.id).cloned().unwrap_or_default(),
            favourited: self.favourited.contains(&subject),
            reblogged: self.reblogged.contains(&subject),
            bookmarked: self.bookmarked.contains(&subject),
            pinned: self.pinned.contains(&status.id),
            kind: self.kinds.get(&status.id).cloned(),
            media: self.media.get(&status.id).cloned().unwrap_or_default(),
            quote: None,
            poll: self.polls.get(&status.id).cloned(),
            author,
            reblog,
            in_reply_to_account,
            mentions,
            replies_count,
            reblogs_count,
            favourites_count,
            status,
        })
    }
}

/// Views of the statuses with `ids`, in the order of `ids`, skipping any
/// that vanished meanwhile (and boosts whose original vanished).
pub fn load(
    conn: &mut DbConnection,
    viewer: Option<i64>,
    ids: &[i64],
) -> QueryResult<Vec<StatusView>> {
    let rows = in_order(conn, ids)?;
    load_rows(conn, viewer, rows)
}

/// [`load`] for statuses already read, kept in their order.
pub fn load_rows(
    conn: &mut DbConnection,
    viewer: Option<i64>,
    rows: Vec<Status>,
) -> QueryResult<Vec<StatusView>> {
    if rows.is_empty() {
        // An empty page needs nothing more.
        return Ok(Vec::new());
    }
    let original_ids: Vec<i64> = rows.iter().filter_map(|s| s.reblog_of_id).collect();
    let originals: HashMap<i64, Status> = statuses::by_ids(conn, &original_ids)?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let quoting: Vec<i64> = rows
        .iter()
        .chain(originals.values())
        .map(|s| s.id)
        .collect();
    let quotes: HashMap<i64, (Option<i64>, String)> =
        crate::db::quotes::of_statuses(conn, &quoting)?
            .into_iter()
            .map(|(status, quoted, uri)| (status, (quoted, uri)))
            .collect();
    let quoted_ids: Vec<i64> = quotes.values().filter_map(|(id, _)| *id).collect();
    // Only what anyone may see is shown inside a quote.
    let quoted: HashMap<i64, Status> = statuses::by_ids(conn, &quoted_ids)?
        .into_iter()
        .filter(|s| {
            s.reblog_of_id.is_none()
                && matches!(
                    Visibility::from_stored(&s.visibility),
                    Visibility::Public | Visibility::Unlisted
                )
        })
        .map(|s| (s.id, s))
        .collect();
    let page: Vec<&Status> = rows
        .iter()
        .chain(originals.values())
        .chain(quoted.values())
        .collect();
    let context = PageContext::gather(conn, viewer, &page)?;
    let with_quote = |mut view: StatusView| {
        if let Some((quoted_id, uri)) = quotes.get(&view.status.id) {
            let status = quoted_id
                .and_then(|id| quoted.get(&id).cloned())
                .and_then(|row| context.view(row, None))
                .map(Box::new);
            view.quote = Some(Quote {
                uri: uri.clone(),
                status,
            });
        }
        view
    };
    Ok(rows
        .into_iter()
        .filter_map(|status| {
            let reblog = match status.reblog_of_id {
                Some(original_id) => {
                    let original = originals.get(&original_id)?.clone();
                    Some(Box::new(with_quote(context.view(original, None)?)))
                }
                None => None,
            };
            context.view(status, reblog).map(with_quote)
        })
        .collect())
}

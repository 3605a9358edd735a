//! Learning exchanges: a question or request, the replies that join it
//! from any server, and the asker's word on which of them helped.

use super::{Context, notifications, views};
use crate::{
    db::{
        self, DbConnection, accounts,
        models::{Account, Status},
        practice, statuses, weaving,
    },
    error::{Error, Result},
};
use chrono::NaiveDateTime;
use std::collections::HashMap;

/// An exchange as the API shows it.
#[derive(Debug, Clone)]
pub struct ExchangeView {
    pub status: views::StatusView,
    pub kind: String,
    pub opened_at: NaiveDateTime,
    pub answered_at: Option<NaiveDateTime>,
    /// Replies by people other than the asker.
    pub replies_count: usize,
    pub first_reply_at: Option<NaiveDateTime>,
    /// The replies the asker named as having helped.
    pub helpful: Vec<i64>,
}

impl ExchangeView {
    pub fn state(&self) -> &'static str {
        if self.answered_at.is_some() {
            "answered"
        } else {
            "open"
        }
    }

    pub fn seconds_to_first_reply(&self) -> Option<i64> {
        self.first_reply_at
            .map(|first| (first - self.opened_at).num_seconds().max(0))
    }
}

/// Which exchanges to list.
#[derive(Debug, Clone, Default)]
pub struct ExchangeFilter {
    /// `Some(true)`: answered only; `Some(false)`: open only.
    pub answered: Option<bool>,
    /// Askers with this role.
    pub role: Option<String>,
    /// Exchanges a community shared: its name here, or `name@host`.
    pub community: Option<String>,
    /// Askers in this place.
    pub place: Option<String>,
    /// One asker's exchanges only.
    pub asker: Option<i64>,
    /// Whose exchanges: anyone's known here, or only those of members here
    /// and of members of linked communities.
    pub scope: Scope,
    pub max_id: Option<i64>,
    pub limit: i64,
}

/// Whose exchanges a list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Scope {
    /// Every exchange this server knows of.
    #[default]
    Known,
    /// Those of members here.
    Local,
    /// Those of members here and of the members of communities elsewhere
    /// that are linked with a community here.
    Linked,
}

impl Scope {
    pub fn parse(value: &str) -> Option<Scope> {
        match value {
            "known" | "all" => Some(Scope::Known),
            "local" => Some(Scope::Local),
            "linked" => Some(Scope::Linked),
            _ => None,
        }
    }
}

/// Views of the exchanges `viewer` may see, in the given order, in a
/// fixed number of queries however many there are (plus one or two per
/// exchange that is not public).
fn views_of(
    conn: &mut DbConnection,
    viewer: Option<&Account>,
    exchanges: Vec<weaving::Exchange>,
) -> Result<Vec<ExchangeView>> {
    if exchanges.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = exchanges.iter().map(|e| e.status_id).collect();
    let rows = views::visible(conn, viewer, &ids)?;
    let visible: Vec<i64> = rows.iter().map(|s| s.id).collect();
    let mut shown: HashMap<i64, views::StatusView> =
        views::load_rows(conn, viewer.map(|v| v.id), rows)?
            .into_iter()
            .map(|view| (view.status.id, view))
            .collect();
    let mut replies: HashMap<i64, Vec<weaving::ExchangeReply>> = HashMap::new();
    for reply in weaving::replies_of(conn, &visible)? {
        replies.entry(reply.exchange_id).or_default().push(reply);
    }
    let mut kinds = weaving::kinds_of(conn, &visible)?;
    Ok(exchanges
        .into_iter()
        .filter_map(|exchange| {
            let status = shown.remove(&exchange.status_id)?;
            let replies = replies.remove(&exchange.status_id).unwrap_or_default();
            let kind = kinds
                .remove(&exchange.status_id)
                .unwrap_or_else(|| "question".into());
            Some(view_with(exchange, status, kind, &replies))
        })
        .collect())
}

fn view_with(
    exchange: weaving::Exchange,
    status: views::StatusView,
    kind: String,
    replies: &[weaving::ExchangeReply],
) -> ExchangeView {
    let others: Vec<&weaving::ExchangeReply> = replies
        .iter()
        .filter(|r| r.account_id != exchange.account_id)
        .collect();
    ExchangeView {
        status,
        kind,
        opened_at: exchange.opened_at,
        answered_at: exchange.answered_at,
        replies_count: others.len(),
        first_reply_at: others.iter().map(|r| r.replied_at).min(),
        helpful: replies
            .iter()
            .filter(|r| r.helped)
            .map(|r| r.status_id)
            .collect(),
    }
}

fn view_of(
    conn: &mut DbConnection,
    viewer: Option<&Account>,
    exchange: weaving::Exchange,
) -> Result<Option<ExchangeView>> {
    Ok(views_of(conn, viewer, vec![exchange])?.pop())
}

/// Exchanges known here, local and from elsewhere, newest first.
pub async fn list(
    ctx: &Context,
    viewer: Option<&Account>,
    filter: ExchangeFilter,
) -> Result<Vec<ExchangeView>> {
    let viewer = viewer.cloned();
    let local_domain = ctx.urls.domain();
    ctx.db
        .read(move |conn| {
            let askers = askers_matching(conn, &filter)?;
            let shared = match &filter.community {
                Some(name) => {
                    let (username, domain) = match name.trim_start_matches('@').split_once('@') {
                        Some((user, host)) => (user.to_string(), host.to_lowercase()),
                        None => (name.clone(), local_domain.clone()),
                    };
                    match accounts::by_handle(conn, &username, &domain)?
                        .filter(|a| a.actor_type == "Group")
                    {
                        Some(group) => Some(statuses::boosted_by(conn, group.id)?),
                        None => Some(Vec::new()),
                    }
                }
                None => None,
            };
            let page = weaving::exchanges_page(
                conn,
                filter.answered,
                askers.as_deref(),
                shared.as_deref(),
                filter.max_id,
                filter.limit,
            )?;
            views_of(conn, viewer.as_ref(), page)
        })
        .await
}

/// The askers the role and place filters allow, or `None` for anyone.
fn askers_matching(conn: &mut DbConnection, filter: &ExchangeFilter) -> Result<Option<Vec<i64>>> {
    let mut askers: Option<Vec<i64>> = filter.asker.map(|asker| vec![asker]);
    if filter.scope != Scope::Known {
        let mut within: Vec<i64> = crate::db::accounts::local_people_ids(conn)?;
        if filter.scope == Scope::Linked {
            within.extend(
                crate::db::communities::linked_memberships(conn)?
                    .into_iter()
                    .map(|(member, _)| member),
            );
        }
        askers = Some(match askers {
            Some(asker) => asker.into_iter().filter(|id| within.contains(id)).collect(),
            None => within,
        });
    }
    if let Some(role) = filter
        .role
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        let with_role = super::practice::accounts_in_role(conn, role)?;
        askers = Some(match askers {
            Some(asker) => asker
                .into_iter()
                .filter(|id| with_role.contains(id))
                .collect(),
            None => with_role,
        });
    }
    if let Some(place) = filter
        .place
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let place = place.to_lowercase();
        let here: Vec<i64> = practice::places(conn)?
            .into_iter()
            .filter(|(_, p)| p.trim().to_lowercase() == place)
            .map(|(id, _)| id)
            .collect();
        askers = Some(match askers {
            Some(with_role) => with_role
                .into_iter()
                .filter(|id| here.contains(id))
                .collect(),
            None => here,
        });
    }
    Ok(askers)
}

pub async fn get(ctx: &Context, viewer: Option<&Account>, status_id: i64) -> Result<ExchangeView> {
    let viewer = viewer.cloned();
    ctx.db
        .read(move |conn| {
            let exchange = weaving::exchange(conn, status_id)?.ok_or_else(Error::not_found)?;
            view_of(conn, viewer.as_ref(), exchange)?.ok_or_else(Error::not_found)
        })
        .await
}

/// The asker marks the exchange answered, naming the replies that helped.
/// Their authors are told (here by a notification, elsewhere through the
/// `Update` of the question that carries the new state).
pub async fn answer(
    ctx: &Context,
    asker: &Account,
    status_id: i64,
    helpful: Vec<i64>,
) -> Result<ExchangeView> {
    let asker = asker.clone();
    let urls = ctx.urls.clone();
    let view = ctx
        .db
        .write(move |conn| -> Result<ExchangeView> {
            let exchange = weaving::exchange(conn, status_id)?.ok_or_else(Error::not_found)?;
            let question = statuses::by_id(conn, status_id)?.ok_or_else(Error::not_found)?;
            if exchange.account_id != asker.id {
                if views::can_see(conn, Some(&asker), &question)? {
                    return Err(Error::Forbidden(
                        "only the person who asked can mark an exchange answered".into(),
                    ));
                }
                return Err(Error::not_found());
            }
            let replies = weaving::replies(conn, status_id)?;
            let mut helpers = Vec::new();
            for id in dedup(helpful) {
                let Some(reply) = replies.iter().find(|r| r.status_id == id) else {
                    return Err(Error::Validation(format!(
                        "status {id} is not a reply in this exchange"
                    )));
                };
                helpers.push(reply.clone());
            }
            let helped: Vec<i64> = helpers.iter().map(|r| r.status_id).collect();
            weaving::mark_answered(conn, status_id, db::now(), &helped)?;
            notify_helpers(conn, &asker, &helpers, &replies)?;
            let extra_inboxes = remote_helpers(conn, &helpers)?;
            super::statuses::send_update(conn, &urls, &asker, &question, extra_inboxes)?;
            let exchange = weaving::exchange(conn, status_id)?.ok_or_else(Error::not_found)?;
            view_of(conn, Some(&asker), exchange)?.ok_or_else(Error::not_found)
        })
        .await?;
    ctx.deliveries_queued();
    Ok(view)
}

fn dedup(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Notifies local authors of replies that newly helped (not those the
/// asker had named before).
fn notify_helpers(
    conn: &mut DbConnection,
    asker: &Account,
    helpers: &[weaving::ExchangeReply],
    before: &[weaving::ExchangeReply],
) -> Result<()> {
    for reply in helpers {
        let already = before
            .iter()
            .any(|b| b.status_id == reply.status_id && b.helped);
        if already {
            continue;
        }
        if let Some(author) = accounts::by_id(conn, reply.account_id)? {
            notifications::notify(
                conn,
                &author,
                asker.id,
                notifications::HELPED,
                Some(reply.status_id),
            )?;
        }
    }
    Ok(())
}

fn remote_helpers(
    conn: &mut DbConnection,
    helpers: &[weaving::ExchangeReply],
) -> Result<std::collections::BTreeSet<String>> {
    let mut inboxes = std::collections::BTreeSet::new();
    for reply in helpers {
        if let Some(author) = accounts::by_id(conn, reply.account_id)?.filter(|a| !a.local) {
            inboxes.insert(author.shared_inbox_url.clone().unwrap_or(author.inbox_url));
        }
    }
    Ok(inboxes)
}

/// An `Update` of a question from its asker's server may carry the
/// exchange's state: answered, with the replies that helped. Applied
/// inside the transaction that stores the update.
pub fn apply_remote_state(
    conn: &mut DbConnection,
    question: &Status,
    state: Option<&serde_json::Value>,
) -> Result<()> {
    let Some(state) = state else {
        return Ok(());
    };
    let Some(exchange) = weaving::exchange(conn, question.id)? else {
        return Ok(());
    };
    if state["state"].as_str() != Some("answered") {
        return Ok(());
    }
    let answered_at = state["answered"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.naive_utc())
        .unwrap_or_else(db::now);
    let replies = weaving::replies(conn, question.id)?;
    let mut helpers = Vec::new();
    for id in state["helpful"].as_array().into_iter().flatten() {
        let Some(id) = id.as_str() else { continue };
        if let Some(status) = statuses::by_ap_id(conn, id)?
            && let Some(reply) = replies.iter().find(|r| r.status_id == status.id)
        {
            helpers.push(reply.clone());
        }
    }
    let helped: Vec<i64> = helpers.iter().map(|r| r.status_id).collect();
    weaving::mark_answered(conn, exchange.status_id, answered_at, &helped)?;
    if let Some(asker) = accounts::by_id(conn, exchange.account_id)? {
        notify_helpers(conn, &asker, &helpers, &replies)?;
    }
    Ok(())
}

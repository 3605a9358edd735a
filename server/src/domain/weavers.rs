//! What weavers (and admins) do for the whole network: the list of who
//! should meet whom, which puts the people least tied in first, and the
//! introductions digest. It stands above [`introductions`] (whose
//! suggestions it reads) and [`network_map`] (whose graph says who is on
//! the edge); neither calls back here.

use super::{
    Context, accounts, introductions, network, network_map, statuses,
    text::{self, ResolvedMentions},
    views::{self, AccountView},
};
use crate::{
    db::{
        self, DbConnection,
        models::{Account, User},
        weaving::{self, DigestSetting},
    },
    error::{Error, Result},
    graph::{Graph, core_numbers, core_periphery},
};
use chrono::{Duration, NaiveDateTime};
use std::collections::{HashMap, HashSet};

/// Where a member stands in the network's tie graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Standing {
    /// No tie at all yet: the first to introduce.
    Isolated,
    /// Tied in, but outside the core.
    Peripheral,
    Core,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Isolated => "isolated",
            Standing::Peripheral => "peripheral",
            Standing::Core => "core",
        }
    }
}

/// The members here in the order a weaver should think of them: isolated
/// first, then the periphery from the least tied in (lowest core number)
/// up, then the core; the older account first among equals, so the list
/// is stable from one request to the next. "The further people are from
/// the nucleus, the harder it is to see the network's impact."
pub fn by_standing(graph: &Graph) -> Vec<(i64, Standing)> {
    let split = core_periphery(graph);
    let cores = core_numbers(graph);
    let mut ordered: Vec<(Standing, u32, i64)> = Vec::new();
    for (nodes, standing) in [
        (&split.isolated, Standing::Isolated),
        (&split.periphery, Standing::Peripheral),
        (&split.core, Standing::Core),
    ] {
        for &index in nodes {
            let node = &graph.nodes[index];
            if let (true, Ok(id)) = (node.local, node.id.parse::<i64>()) {
                ordered.push((standing, cores[index], id));
            }
        }
    }
    ordered.sort_unstable();
    ordered
        .into_iter()
        .map(|(standing, _, id)| (id, standing))
        .collect()
}

/// One member each, in `order`, with the first of their candidates (best
/// first) not already paired with them, up to `limit`. Each member is the
/// one introduced at most once; a pair listed one way is not listed the
/// other way round.
pub fn choose<T, E>(
    order: &[(i64, Standing)],
    limit: usize,
    mut candidates: impl FnMut(i64) -> std::result::Result<Vec<(i64, T)>, E>,
) -> std::result::Result<Vec<(i64, Standing, i64, T)>, E> {
    let mut paired: HashSet<(i64, i64)> = HashSet::new();
    let mut chosen = Vec::new();
    for &(member, standing) in order {
        if chosen.len() >= limit {
            break;
        }
        let found = candidates(member)?.into_iter().find(|(other, _)| {
            *other != member && !paired.contains(&(member.min(*other), member.max(*other)))
        });
        if let Some((other, detail)) = found {
            paired.insert((member.min(other), member.max(other)));
            chosen.push((member, standing, other, detail));
        }
    }
    Ok(chosen)
}

/// Two members here a weaver might introduce, with why, worded to
/// `member` as their own suggestions are.
#[derive(Debug, Clone)]
pub struct Pairing {
    pub member: AccountView,
    pub standing: Standing,
    pub meet: AccountView,
    pub score: f64,
    pub reasons: Vec<String>,
}

/// How many of a member's suggestions are read to find one here who is
/// not paired with them yet.
const CANDIDATES: usize = 10;

/// How many members one request looks at, at most: most members with no
/// practice and no ties have no suggestion at all, and a large network
/// must not make the list cost one suggestion run per member.
const LOOKED_AT: usize = 400;

/// The network's "who should meet whom": members here, isolated first,
/// then peripheral, each with the best person here to meet.
pub async fn who_should_meet(
    ctx: &Context,
    by: &db::models::User,
    limit: usize,
) -> Result<Vec<Pairing>> {
    if !accounts::can_weave(by) {
        return Err(introductions::weavers_only());
    }
    ctx.db.read(move |conn| pairings_in(conn, limit)).await
}

fn pairings_in(conn: &mut DbConnection, limit: usize) -> Result<Vec<Pairing>> {
    let graph = network_map::load(conn)?;
    let members: HashMap<i64, Account> = db::oauth::active_members(conn, false)?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let order: Vec<(i64, Standing)> = by_standing(&graph)
        .into_iter()
        .filter(|(id, _)| members.contains_key(id))
        .take(LOOKED_AT)
        .collect();
    let synonyms = network::synonyms_in(conn)?;
    let chosen = choose(&order, limit, |id| {
        let found = introductions::suggestions_with(conn, &members[&id], &synonyms, CANDIDATES)?;
        Ok::<_, Error>(
            found
                .into_iter()
                .filter(|(_, view)| members.contains_key(&view.account.id))
                .map(|(suggestion, view)| (view.account.id, (suggestion, view)))
                .collect(),
        )
    })?;
    let introduced: Vec<Account> = chosen.iter().map(|(id, ..)| members[id].clone()).collect();
    let views = views::account_views(conn, introduced)?;
    Ok(chosen
        .into_iter()
        .zip(views)
        .map(|((_, standing, _, (suggestion, meet)), member)| Pairing {
            member,
            standing,
            meet,
            score: suggestion.score,
            reasons: suggestion.reasons,
        })
        .collect())
}

/// The introductions digest: whether it goes out weekly, and when it
/// last went out.
#[derive(Debug, Clone, PartialEq)]
pub struct Digest {
    pub weekly: bool,
    pub last_sent_at: Option<NaiveDateTime>,
}

impl From<DigestSetting> for Digest {
    fn from(setting: DigestSetting) -> Self {
        Digest {
            weekly: setting.weekly,
            last_sent_at: setting.last_sent_at,
        }
    }
}

/// Introductions a digest offers each member, at most.
pub const DIGEST_SIZE: usize = 3;

/// How long the weekly digest waits after the last one.
fn week() -> Duration {
    Duration::days(7)
}

/// How long after one digest another can be sent by hand: a double click,
/// or two weavers at once, must not message every member twice.
fn resend_after() -> Duration {
    Duration::hours(24)
}

fn require_weaver(by: &User) -> Result<()> {
    if accounts::can_weave(by) {
        Ok(())
    } else {
        Err(introductions::weavers_only())
    }
}

pub async fn digest(ctx: &Context, by: &User) -> Result<Digest> {
    require_weaver(by)?;
    ctx.db
        .read(|conn| Ok(weaving::digest_setting(conn)?.into()))
        .await
}

/// Turns the weekly digest on or off for the whole network. Once on, the
/// first goes out within the hour when none went out in the last week.
pub async fn set_weekly(ctx: &Context, by: &User, weekly: bool) -> Result<Digest> {
    require_weaver(by)?;
    let by = by.account_id;
    ctx.db
        .write(move |conn| {
            weaving::set_digest_weekly(conn, weekly, by)?;
            Ok(weaving::digest_setting(conn)?.into())
        })
        .await
}

/// Sends the digest now, unless one went out in the last day (409). The
/// claim is taken in one write before any message, so the weekly loop
/// in this or another process does not send it again this week. The
/// messages go out in the background: one suggestion run and one post
/// per member takes minutes in a large network, too long for a request.
pub async fn send_now(ctx: &Context, by: &User) -> Result<Digest> {
    require_weaver(by)?;
    let now = db::now();
    let claimed = claim(ctx, now, now - resend_after(), false).await?;
    if !claimed {
        return Err(Error::Conflict(
            "The introductions digest went out less than a day ago".into(),
        ));
    }
    let sending = ctx.clone();
    tokio::spawn(async move { send_logged(&sending).await });
    ctx.db
        .read(|conn| Ok(weaving::digest_setting(conn)?.into()))
        .await
}

async fn claim(
    ctx: &Context,
    now: NaiveDateTime,
    sent_before: NaiveDateTime,
    weekly_only: bool,
) -> Result<bool> {
    ctx.db
        .write(move |conn| {
            Ok::<_, Error>(weaving::claim_digest(conn, now, sent_before, weekly_only)?)
        })
        .await
}

async fn send_logged(ctx: &Context) {
    match send(ctx).await {
        Ok(sent) => tracing::info!(sent, "introductions digest sent"),
        Err(error) => tracing::warn!(%error, "sending the introductions digest failed"),
    }
}

/// One suggestion in a digest, as the message names it.
#[derive(Debug, Clone, PartialEq)]
pub struct DigestItem {
    pub name: String,
    /// `@user` here, `@user@host` elsewhere.
    pub handle: String,
    pub reasons: Vec<String>,
}

/// The digest's text for one member, or None when there is nothing to
/// suggest: an empty digest is noise. Other people are named by handle
/// in plain text and not mentioned, so only `member` receives it.
pub fn digest_message(
    member: &str,
    network_name: &str,
    items: &[DigestItem],
    introductions_page: &str,
    settings_page: &str,
) -> Option<String> {
    if items.is_empty() {
        return None;
    }
    let from = if network_name.trim().is_empty() {
        "the network".to_string()
    } else {
        network_name.trim().to_string()
    };
    let mut text = format!("@{member} People you might want to meet, from {from}:\n");
    for item in items {
        text.push_str(&format!("\n- {} ({})", item.name, item.handle));
        if !item.reasons.is_empty() {
            text.push_str(&format!(": {}", item.reasons.join("; ")));
        }
    }
    text.push_str(&format!(
        "\n\nSay hello, or see more at {introductions_page}\n\n\
         You get this because the network's weavers send introductions each week. \
         To stop them, untick the digest at {settings_page}"
    ));
    Some(text)
}

/// Sends the digest: a direct message from the network to each member who
/// can log in and did not turn it off, with up to [`DIGEST_SIZE`]
/// suggestions. Members with no suggestion get nothing. A failure for one
/// member is logged and the others still get theirs. Returns how many
/// were sent.
pub async fn send(ctx: &Context) -> Result<usize> {
    let from = network::actor(ctx).await?;
    let network_name = network::get(ctx).await?.name;
    let (readers, synonyms) = ctx
        .db
        .read(|conn| {
            Ok::<_, Error>((
                db::oauth::active_members(conn, true)?,
                network::synonyms_in(conn)?,
            ))
        })
        .await?;
    let introductions_page = ctx.urls.site_page("/introductions");
    let settings_page = ctx.urls.site_page("/settings/practice");
    let mut sent = 0;
    for member in readers {
        let reader = member.clone();
        let synonyms = synonyms.clone();
        let found = ctx
            .db
            .read(move |conn| {
                introductions::suggestions_with(conn, &reader, &synonyms, DIGEST_SIZE)
            })
            .await;
        let items: Vec<DigestItem> = match found {
            Ok(found) => found
                .into_iter()
                .map(|(suggestion, view)| DigestItem {
                    name: introductions::name_of(&view.account),
                    handle: format!("@{}", view.account.acct()),
                    reasons: suggestion.reasons,
                })
                .collect(),
            Err(error) => {
                tracing::warn!(%error, member = %member.username, "suggestions for the digest failed");
                continue;
            }
        };
        let Some(text) = digest_message(
            &member.username,
            &network_name,
            &items,
            &introductions_page,
            &settings_page,
        ) else {
            continue;
        };
        match tell(ctx, &from, &member, text).await {
            Ok(()) => sent += 1,
            Err(error) => {
                tracing::warn!(%error, member = %member.username, "sending the digest failed")
            }
        }
    }
    Ok(sent)
}

/// A direct message from the network to `member`, mentioning them alone.
async fn tell(ctx: &Context, from: &Account, member: &Account, text: String) -> Result<()> {
    let mut resolved = ResolvedMentions::new();
    for handle in text::mentions(&text, &ctx.urls.domain()) {
        if handle.domain.is_none() && handle.username.eq_ignore_ascii_case(&member.username) {
            resolved.insert(handle, member.clone());
        }
    }
    statuses::create(
        ctx,
        from,
        statuses::NewStatus {
            text,
            visibility: Some("direct".into()),
            ..Default::default()
        },
        resolved,
    )
    .await?;
    Ok(())
}

/// Sends the weekly digest when it is on and a week has passed since the
/// last. Every process of a deployment runs this; the conditional update
/// in [`claim`] lets one of them send it.
pub async fn send_if_due(ctx: &Context) -> Result<Option<usize>> {
    let now = db::now();
    if !claim(ctx, now, now - week(), true).await? {
        return Ok(None);
    }
    Ok(Some(send(ctx).await?))
}

/// How often the weekly loop looks whether the digest is due; a digest
/// goes out at most this late.
const CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// The weekly digest's loop, started with the server.
pub async fn run(ctx: Context) {
    let mut ticks = tokio::time::interval(CHECK_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match send_if_due(&ctx).await {
            Ok(Some(sent)) => tracing::info!(sent, "weekly introductions digest sent"),
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "the weekly introductions digest failed"),
        }
    }
}

/// Whether `user` gets the digest from now on.
pub async fn want_digest(ctx: &Context, user: &User, wanted: bool) -> Result<()> {
    let user_id = user.id;
    ctx.db
        .write(move |conn| {
            Ok::<_, Error>(db::oauth::set_introductions_digest(conn, user_id, wanted)?)
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{Node, TieKind};

    /// Members here named by id, and the follows between them (by index).
    fn graph(ids: &[i64], follows: &[(usize, usize)]) -> Graph {
        let mut graph = Graph::default();
        for id in ids {
            graph.add_node(Node {
                id: id.to_string(),
                acct: format!("m{id}"),
                local: true,
                ..Node::default()
            });
        }
        for &(from, to) in follows {
            graph.add_edge(from, to, TieKind::Follow, 1);
        }
        graph
    }

    #[test]
    fn the_isolated_come_first_then_the_periphery_then_the_core() {
        // 10, 11, 12 form a triangle (the core, k = 2); 13 hangs off it
        // (periphery, k = 1); 14 and 15 have no tie; 16 is elsewhere.
        let mut network = graph(&[10, 11, 12, 13, 15, 14], &[(0, 1), (1, 2), (2, 0), (3, 0)]);
        network.add_node(Node {
            id: "16".into(),
            acct: "far@else.example".into(),
            local: false,
            ..Node::default()
        });
        network.add_edge(6, 3, TieKind::Follow, 1);
        let order = by_standing(&network);
        assert_eq!(
            order,
            vec![
                (14, Standing::Isolated),
                (15, Standing::Isolated),
                (13, Standing::Peripheral),
                (10, Standing::Core),
                (11, Standing::Core),
                (12, Standing::Core),
            ]
        );
    }

    #[test]
    fn the_least_tied_in_of_the_periphery_come_first() {
        // A 4-clique (k = 3) as the core; 8 is in a triangle with 6 and
        // 7 hanging off the clique (k = 2); 9 hangs off 8 (k = 1).
        let network = graph(
            &[1, 2, 3, 4, 6, 7, 8, 9],
            &[
                (0, 1),
                (0, 2),
                (0, 3),
                (1, 2),
                (1, 3),
                (2, 3),
                (4, 0),
                (4, 5),
                (5, 6),
                (6, 4),
                (5, 1),
                (7, 6),
            ],
        );
        let order: Vec<i64> = by_standing(&network)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(order[0], 9, "{order:?}");
        assert_eq!(&order[4..], &[1, 2, 3, 4]);
    }

    #[test]
    fn each_member_is_introduced_once_and_no_pair_twice() {
        let order = [
            (1, Standing::Isolated),
            (2, Standing::Peripheral),
            (3, Standing::Peripheral),
            (4, Standing::Core),
        ];
        let candidates = |id: i64| -> std::result::Result<Vec<(i64, &str)>, ()> {
            Ok(match id {
                1 => vec![(2, "1 meets 2"), (3, "1 meets 3")],
                // 2's best is 1, already paired with 2: the next one.
                2 => vec![(1, "2 meets 1"), (4, "2 meets 4")],
                // Nobody for 3.
                3 => vec![(3, "never oneself")],
                _ => vec![(1, "4 meets 1")],
            })
        };
        let chosen = choose(&order, 10, candidates).unwrap();
        let said: Vec<(i64, Standing, i64, &str)> = chosen;
        assert_eq!(
            said,
            vec![
                (1, Standing::Isolated, 2, "1 meets 2"),
                (2, Standing::Peripheral, 4, "2 meets 4"),
                (4, Standing::Core, 1, "4 meets 1"),
            ]
        );
        assert_eq!(choose(&order, 1, candidates).unwrap().len(), 1);
    }

    #[test]
    fn a_digest_names_each_person_with_handle_and_reasons() {
        let items = vec![
            DigestItem {
                name: "Ana Lima".into(),
                handle: "@ana".into(),
                reasons: vec![
                    "Ana offers grant writing, which you need".into(),
                    "you both know Sam".into(),
                ],
            },
            DigestItem {
                name: "Bo".into(),
                handle: "@bo@city.example".into(),
                reasons: vec!["you are both interested in composting".into()],
            },
        ];
        let text = digest_message(
            "kim",
            "Town Network",
            &items,
            "https://town.example/introductions",
            "https://town.example/settings/practice",
        )
        .expect("a digest");
        assert!(
            text.starts_with("@kim People you might want to meet, from Town Network:\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "\n- Ana Lima (@ana): Ana offers grant writing, which you need; you both know Sam"
            ),
            "{text}"
        );
        assert!(text.contains("\n- Bo (@bo@city.example): you are both interested in composting"));
        assert!(text.contains("https://town.example/settings/practice"));
        assert!(digest_message("kim", "", &[], "", "").is_none());
        assert!(
            digest_message("kim", " ", &items[..1], "p", "s")
                .unwrap()
                .contains("from the network:")
        );
    }

    #[tokio::test]
    async fn a_digest_is_claimed_once_per_week_and_only_when_weekly_is_on() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Database::open(
            &format!("sqlite://{}", dir.path().join("t.db").display()),
            2,
        )
        .unwrap();
        let claims = db
            .write(|conn| -> Result<Vec<bool>> {
                let now = db::now();
                let week_ago = now - week();
                let mut claims = vec![
                    // Off: the weekly loop sends nothing.
                    weaving::claim_digest(conn, now, week_ago, true)?,
                ];
                use diesel::RunQueryDsl;
                diesel::sql_query("UPDATE introduction_digest SET weekly = TRUE").execute(conn)?;
                claims.push(weaving::claim_digest(conn, now, week_ago, true)?);
                // Claimed: another process a moment later finds it sent.
                claims.push(weaving::claim_digest(conn, now, week_ago, true)?);
                // A week on, it is due again.
                let later = now + week();
                claims.push(weaving::claim_digest(conn, later, later - week(), true)?);
                Ok(claims)
            })
            .await
            .unwrap();
        assert_eq!(claims, vec![false, true, false, true]);
    }
}

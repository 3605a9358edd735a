//! Introductions: suggesting people a member should know (closing
//! triangles, shared practice, offers that meet needs), and members
//! introducing two people they know to each other.

use super::{
    Context, network,
    practice::{self, Practice},
    terms::{self, Likeness, Synonyms},
    views,
};
use crate::{
    db::{
        self, DbConnection, accounts, blocks, follows,
        ids::next_id,
        models::{Account, Status, User},
        practice as practice_store, statuses, weaving,
    },
    error::{Error, Result},
};
use chrono::NaiveDateTime;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Why someone might be worth knowing, from what this server knows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evidence {
    pub account_id: i64,
    /// How the member would call them: display name, or handle.
    pub name: String,
    /// Their place, when they gave one and it is not the member's.
    pub elsewhere: Option<String>,
    /// People the member follows who follow them.
    pub mutuals: Vec<String>,
    pub shared_roles: Vec<Shared>,
    pub shared_communities: Vec<String>,
    pub shared_interests: Vec<Shared>,
    /// What they offer that the member needs.
    pub offers_you_need: Vec<Shared>,
    /// What they need that the member offers.
    pub needs_you_offer: Vec<Shared>,
}

/// One of their entries that is like one of the member's.
#[derive(Debug, Clone, PartialEq)]
pub struct Shared {
    pub theirs: String,
    pub yours: String,
    pub likeness: Likeness,
}

impl Shared {
    /// The words a reason shows: the member's own when the two say the
    /// same, theirs with the member's beside them when not.
    fn words(&self) -> String {
        match self.likeness {
            Likeness::Same => self.yours.clone(),
            Likeness::Synonym => format!("{} (your {})", self.theirs, self.yours),
            Likeness::Near(_) => format!("{} (close to your {})", self.theirs, self.yours),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub account_id: i64,
    pub score: f64,
    pub reasons: Vec<String>,
    /// Mastodon's words for where a suggestion comes from, those that
    /// apply (see [`sources`]).
    pub sources: Vec<&'static str>,
}

/// An offer meeting a need is the strongest reason to meet: it is what a
/// network weaver looks for first. A shared acquaintance closes a
/// triangle; shared roles, communities and interests make a tie likely to
/// be useful. Each reason counts up to a cap, so one long list cannot
/// drown the others; a near term counts for less than a full match.
const MATCH_WEIGHT: f64 = 3.0;
const MUTUAL_WEIGHT: f64 = 2.0;
const ROLE_WEIGHT: f64 = 2.0;
const COMMUNITY_WEIGHT: f64 = 1.5;
const INTEREST_WEIGHT: f64 = 1.0;
const CAP: usize = 3;

pub fn score(evidence: &Evidence) -> f64 {
    let counted = |items: &[String], weight: f64| items.len().min(CAP) as f64 * weight;
    let weighed = |items: &[Shared], weight: f64| {
        let mut strengths: Vec<f64> = items.iter().map(|s| s.likeness.strength()).collect();
        strengths.sort_by(|a, b| b.total_cmp(a));
        strengths.iter().take(CAP).sum::<f64>() * weight
    };
    weighed(&evidence.offers_you_need, MATCH_WEIGHT)
        + weighed(&evidence.needs_you_offer, MATCH_WEIGHT)
        + counted(&evidence.mutuals, MUTUAL_WEIGHT)
        + weighed(&evidence.shared_roles, ROLE_WEIGHT)
        + counted(&evidence.shared_communities, COMMUNITY_WEIGHT)
        + weighed(&evidence.shared_interests, INTEREST_WEIGHT)
}

/// "Sam", "Sam and Lee", "Sam, Lee and 2 others".
fn names(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [one, two] => format!("{one} and {two}"),
        [one, two, rest @ ..] if rest.len() == 1 => format!("{one}, {two} and {}", rest[0]),
        [one, two, rest @ ..] => format!("{one}, {two} and {} others", rest.len()),
    }
}

/// The words of `items`, full matches first (the order they came in
/// otherwise), for [`names`].
fn shown(items: &[Shared]) -> Vec<String> {
    let (full, near): (Vec<&Shared>, Vec<&Shared>) =
        items.iter().partition(|s| s.likeness.is_full());
    full.into_iter().chain(near).map(Shared::words).collect()
}

/// The reasons in words, strongest first. When the person is somewhere
/// else, the reasons from practice say where: a tie across places is what
/// a network of networks is for. We do not know pronouns, so the person
/// is named.
pub fn reasons(evidence: &Evidence) -> Vec<String> {
    let name = &evidence.name;
    let who = match &evidence.elsewhere {
        Some(place) => format!("{name} in {place}"),
        None => name.clone(),
    };
    let mut said = Vec::new();
    if !evidence.offers_you_need.is_empty() {
        said.push(format!(
            "{who} offers {}, which you need",
            names(&shown(&evidence.offers_you_need))
        ));
    }
    if !evidence.needs_you_offer.is_empty() {
        said.push(format!(
            "{who} needs {}, which you offer",
            names(&shown(&evidence.needs_you_offer))
        ));
    }
    if !evidence.mutuals.is_empty() {
        said.push(format!("you both know {}", names(&evidence.mutuals)));
    }
    let (same_roles, near_roles): (Vec<Shared>, Vec<Shared>) = evidence
        .shared_roles
        .iter()
        .cloned()
        .partition(|s| s.likeness.is_full());
    if !same_roles.is_empty() {
        let noun = if same_roles.len() == 1 {
            "role"
        } else {
            "roles"
        };
        let roles = names(&shown(&same_roles));
        said.push(match &evidence.elsewhere {
            Some(place) => format!("{name} has the same {noun} in {place}: {roles}"),
            None => format!("you share the {noun} {roles}"),
        });
    }
    if !near_roles.is_empty() {
        said.push(format!(
            "{who} has a role like yours: {}",
            names(&shown(&near_roles))
        ));
    }
    if !evidence.shared_communities.is_empty() {
        said.push(format!(
            "you are both in {}",
            names(&evidence.shared_communities)
        ));
    }
    let (same_interests, near_interests): (Vec<Shared>, Vec<Shared>) = evidence
        .shared_interests
        .iter()
        .cloned()
        .partition(|s| s.likeness.is_full());
    if !same_interests.is_empty() {
        let interests = names(&shown(&same_interests));
        said.push(match &evidence.elsewhere {
            Some(_) => format!("{who} is also interested in {interests}"),
            None => format!("you are both interested in {interests}"),
        });
    }
    if !near_interests.is_empty() {
        said.push(format!(
            "{who} has interests like yours: {}",
            names(&shown(&near_interests))
        ));
    }
    said
}

/// Mastodon's words (4.3: `featured`, `most_followed`,
/// `most_interactions`, `similar_to_recently_followed`,
/// `friends_of_friends`) that truly say where a suggestion comes from.
/// Only a shared acquaintance has one: `friends_of_friends`, someone
/// followed by people the member follows. A match of practice or a shared
/// community is none of the others: no staff picked it, it is not
/// popularity, and it is not likeness to someone the member recently
/// followed. Such a suggestion has no Mastodon word; the reasons in
/// Trellis's own API say what it is.
fn sources(evidence: &Evidence) -> Vec<&'static str> {
    if evidence.mutuals.is_empty() {
        Vec::new()
    } else {
        vec!["friends_of_friends"]
    }
}

/// Highest score first; equal scores keep the older account first, so the
/// order is stable from one request to the next.
pub fn rank(evidence: Vec<Evidence>, limit: usize) -> Vec<Suggestion> {
    let mut ranked: Vec<Suggestion> = evidence
        .into_iter()
        .map(|e| Suggestion {
            account_id: e.account_id,
            score: score(&e),
            reasons: reasons(&e),
            sources: sources(&e),
        })
        .filter(|s| s.score > 0.0)
        .collect();
    ranked.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.account_id.cmp(&b.account_id))
    });
    ranked.truncate(limit);
    ranked
}

pub(super) fn name_of(account: &Account) -> String {
    if account.display_name.trim().is_empty() {
        account.username.clone()
    } else {
        account.display_name.trim().to_string()
    }
}

/// People the member should not be offered: themselves, whom they follow
/// or asked to, whom they block or mute or who blocks them, whom they
/// waved away.
fn excluded(
    conn: &mut DbConnection,
    member: &Account,
    following: &[Account],
) -> Result<HashSet<i64>> {
    let mut out: HashSet<i64> = following.iter().map(|a| a.id).collect();
    out.extend(follows::requested_by(conn, member.id)?);
    out.extend(blocks::hidden_from(conn, member.id)?);
    out.extend(weaving::dismissed(conn, member.id)?);
    out.insert(member.id);
    Ok(out)
}

/// The names of those of `accounts` that are actors of `actor_type`.
fn names_by_id(accounts: &[Account], actor_type: &str) -> HashMap<i64, String> {
    accounts
        .iter()
        .filter(|a| a.actor_type == actor_type)
        .map(|a| (a.id, name_of(a)))
        .collect()
}

/// Gathers the evidence for everyone this server knows who might be worth
/// knowing for `member`, by account; names and places are added later,
/// for those shown.
fn gather(
    conn: &mut DbConnection,
    member: &Account,
    own: &Practice,
    synonyms: &Synonyms,
) -> Result<Vec<Evidence>> {
    let following = follows::following(conn, member.id)?;
    let skip = excluded(conn, member, &following)?;
    let mut found: BTreeMap<i64, Evidence> = BTreeMap::new();
    let mut add = |id: i64, push: &mut dyn FnMut(&mut Evidence)| {
        if !skip.contains(&id) {
            push(found.entry(id).or_default());
        }
    };
    // Closing triangles: followed by people the member follows (whom they
    // all follow, in one query).
    let friends = names_by_id(&following, "Person");
    let friend_ids: Vec<i64> = friends.keys().copied().collect();
    for (friend, theirs) in follows::accepted_from(conn, &friend_ids)? {
        if let Some(friend_name) = friends.get(&friend) {
            add(theirs, &mut |e| e.mutuals.push(friend_name.clone()));
        }
    }
    // Shared practice, and offers that meet needs, compared as terms.
    type Slot = fn(&mut Evidence) -> &mut Vec<Shared>;
    let lists: [(&[String], &str, Slot); 4] = [
        (&own.roles, practice::ROLE, |e| &mut e.shared_roles),
        (&own.interests, practice::INTEREST, |e| {
            &mut e.shared_interests
        }),
        (&own.needs, practice::OFFER, |e| &mut e.offers_you_need),
        (&own.offers, practice::NEED, |e| &mut e.needs_you_offer),
    ];
    for (yours, their_kind, slot) in lists {
        for found in practice::matching(conn, their_kind, yours, synonyms)? {
            let shared = Shared {
                theirs: found.theirs,
                yours: found.yours,
                likeness: found.likeness,
            };
            add(found.account_id, &mut |e| slot(e).push(shared.clone()));
        }
    }
    // Communities the member belongs to (all their members in one query;
    // only people are kept later).
    let groups = names_by_id(&following, "Group");
    let group_ids: Vec<i64> = groups.keys().copied().collect();
    for (fellow, group) in follows::accepted_to(conn, &group_ids)? {
        if let Some(group_name) = groups.get(&group) {
            add(fellow, &mut |e| {
                e.shared_communities.push(group_name.clone())
            });
        }
    }
    Ok(found
        .into_iter()
        .map(|(id, mut evidence)| {
            evidence.account_id = id;
            for list in [&mut evidence.mutuals, &mut evidence.shared_communities] {
                let mut seen = BTreeSet::new();
                list.retain(|item| seen.insert(item.to_lowercase()));
            }
            for list in [
                &mut evidence.shared_roles,
                &mut evidence.shared_interests,
                &mut evidence.offers_you_need,
                &mut evidence.needs_you_offer,
            ] {
                // Strongest first, so a repeat keeps its best likeness.
                list.sort_by(|a, b| b.likeness.strength().total_cmp(&a.likeness.strength()));
                let mut seen = BTreeSet::new();
                list.retain(|item| seen.insert(item.words().to_lowercase()));
            }
            evidence
        })
        .collect())
}

/// How many of the best-scored are looked up at a time to find the people
/// to show (a few are not: groups, deleted accounts).
const NAMED_AT_ONCE: usize = 200;

/// The best `limit` of `evidence` that are people, with their names and,
/// when it is not the member's, their place. Only those are looked up, so
/// a large network costs one or two small queries here.
fn named(
    conn: &mut DbConnection,
    mut evidence: Vec<Evidence>,
    own_place: &str,
    limit: usize,
) -> Result<Vec<Evidence>> {
    let mut scored: Vec<(f64, Evidence)> = evidence
        .drain(..)
        .map(|e| (score(&e), e))
        .filter(|(score, _)| *score > 0.0)
        .collect();
    scored.sort_by(|(a, x), (b, y)| b.total_cmp(a).then(x.account_id.cmp(&y.account_id)));
    let own_place = terms::key(own_place);
    let mut shown = Vec::new();
    for chunk in scored.chunks(NAMED_AT_ONCE) {
        if shown.len() >= limit {
            break;
        }
        let ids: Vec<i64> = chunk.iter().map(|(_, e)| e.account_id).collect();
        let people: HashMap<i64, Account> = accounts::by_ids(conn, &ids)?
            .into_iter()
            .filter(|a| a.actor_type == "Person" && a.deleted_at.is_none())
            .map(|a| (a.id, a))
            .collect();
        let places = practice_store::places_of(conn, &ids)?;
        for (_, evidence) in chunk {
            let Some(person) = people.get(&evidence.account_id) else {
                continue;
            };
            let mut evidence = evidence.clone();
            evidence.name = name_of(person);
            evidence.elsewhere = places
                .get(&person.id)
                .filter(|place| terms::key(place) != own_place)
                .cloned();
            shown.push(evidence);
        }
    }
    shown.truncate(limit);
    Ok(shown)
}

/// Suggestions for `member`, best first, with the accounts to show.
pub async fn suggest(
    ctx: &Context,
    member: &Account,
    limit: usize,
) -> Result<Vec<(Suggestion, views::AccountView)>> {
    let member = member.clone();
    ctx.db
        .read(move |conn| suggestions_in(conn, &member, limit))
        .await
}

/// The refusal for members who are neither weavers nor admins.
pub(super) fn weavers_only() -> Error {
    Error::Forbidden("Only the network's weavers and admins may see this".into())
}

/// Suggestions for another member, for a weaver or an admin helping them
/// find people: the same list, worded to that member, as they would see
/// it themselves. Only members here: what this server knows of people
/// elsewhere is too little to suggest for them.
pub async fn suggest_for(
    ctx: &Context,
    by: &User,
    member_id: i64,
    limit: usize,
) -> Result<Vec<(Suggestion, views::AccountView)>> {
    if !super::accounts::can_weave(by) {
        return Err(weavers_only());
    }
    let member = ctx
        .db
        .read(move |conn| {
            accounts::by_id(conn, member_id)?
                .filter(|a| a.local && a.actor_type == "Person" && a.deleted_at.is_none())
                .ok_or_else(|| Error::NotFound("No member here has that id".into()))
        })
        .await?;
    suggest(ctx, &member, limit).await
}

fn suggestions_in(
    conn: &mut DbConnection,
    member: &Account,
    limit: usize,
) -> Result<Vec<(Suggestion, views::AccountView)>> {
    let synonyms = network::synonyms_in(conn)?;
    suggestions_with(conn, member, &synonyms, limit)
}

/// [`suggestions_in`] with the network's synonyms already read, for
/// callers that suggest for many members in one transaction.
pub(super) fn suggestions_with(
    conn: &mut DbConnection,
    member: &Account,
    synonyms: &Synonyms,
    limit: usize,
) -> Result<Vec<(Suggestion, views::AccountView)>> {
    let own = practice::of_account(conn, member.id)?;
    let evidence = gather(conn, member, &own, synonyms)?;
    let ranked = rank(named(conn, evidence, &own.place, limit)?, limit);
    let ids: Vec<i64> = ranked.iter().map(|s| s.account_id).collect();
    let people = accounts::by_ids(conn, &ids)?;
    let mut shown: HashMap<i64, views::AccountView> = views::account_views(conn, people)?
        .into_iter()
        .map(|view| (view.account.id, view))
        .collect();
    Ok(ranked
        .into_iter()
        .filter_map(|suggestion| {
            let view = shown.remove(&suggestion.account_id)?;
            Some((suggestion, view))
        })
        .collect())
}

pub async fn dismiss(ctx: &Context, member: &Account, target: i64) -> Result<()> {
    let member = member.clone();
    ctx.db
        .write(move |conn| {
            accounts::by_id(conn, target)?.ok_or_else(Error::not_found)?;
            Ok(weaving::dismiss_suggestion(conn, member.id, target)?)
        })
        .await
}

/// Two people a member wants to introduce, checked, with the note.
#[derive(Debug, Clone)]
pub struct IntroductionDraft {
    pub first: Account,
    pub second: Account,
    pub note: String,
}

pub const MAX_NOTE: usize = 1000;

/// Checks that `introducer` may introduce `first` and `second`: two
/// different people, neither the introducer, each someone the introducer
/// follows or is followed by. A weaver (or admin, see
/// [`super::accounts::can_weave`]) may also introduce any two members
/// here: bringing together people who do not yet know anyone, the
/// weaver included, is what the network's "who should meet whom" asks
/// of them.
pub async fn check(
    ctx: &Context,
    introducer: &Account,
    weaves: bool,
    first: Option<Account>,
    second: Option<Account>,
    note: &str,
) -> Result<IntroductionDraft> {
    let unknown = |which: &str| Error::Validation(format!("{which} is no one this server knows"));
    let first = first.ok_or_else(|| unknown("a"))?;
    let second = second.ok_or_else(|| unknown("b"))?;
    let note = note.trim().to_string();
    if note.chars().count() > MAX_NOTE {
        return Err(Error::Validation(format!(
            "the note is longer than {MAX_NOTE} characters"
        )));
    }
    if first.id == second.id {
        return Err(Error::Validation("a and b are the same person".into()));
    }
    for person in [&first, &second] {
        if person.id == introducer.id {
            return Err(Error::Validation("you cannot introduce yourself".into()));
        }
        if person.actor_type != "Person" {
            return Err(Error::Validation(format!(
                "{} is not a person",
                person.acct()
            )));
        }
    }
    let members_here = first.local && second.local;
    let introducer = introducer.clone();
    let (a, b) = (first.id, second.id);
    let knows = (weaves && members_here)
        || ctx
            .db
            .read(move |conn| -> Result<bool> {
                let mut knows = |other: i64| -> Result<bool> {
                    Ok(
                        follows::between(conn, introducer.id, other)?.is_some_and(|f| f.accepted)
                            || follows::between(conn, other, introducer.id)?
                                .is_some_and(|f| f.accepted),
                    )
                };
                Ok(knows(a)? && knows(b)?)
            })
            .await?;
    if !knows {
        return Err(Error::Validation(
            "you can introduce people you follow or who follow you".into(),
        ));
    }
    Ok(IntroductionDraft {
        first,
        second,
        note,
    })
}

/// The direct message that introduces the two: it names each to the other
/// and carries the note.
pub fn message(draft: &IntroductionDraft, local_domain: &str) -> String {
    let handle = |a: &Account| {
        if a.domain == local_domain {
            format!("@{}", a.username)
        } else {
            format!("@{}@{}", a.username, a.domain)
        }
    };
    let mut text = format!(
        "{} {} I'd like you to meet: {} ({}), meet {} ({}).",
        handle(&draft.first),
        handle(&draft.second),
        name_of(&draft.first),
        handle(&draft.first),
        name_of(&draft.second),
        handle(&draft.second),
    );
    if !draft.note.is_empty() {
        text.push_str("\n\n");
        text.push_str(&draft.note);
    }
    text
}

/// Sends the introduction: a direct message to both, recorded as an
/// introduction in the same transaction.
pub async fn introduce(
    ctx: &Context,
    introducer: &Account,
    draft: IntroductionDraft,
) -> Result<views::StatusView> {
    let local_domain = ctx.urls.domain();
    let text = message(&draft, &local_domain);
    let mut resolved = super::text::ResolvedMentions::new();
    for handle in super::text::mentions(&text, &local_domain) {
        let named = [&draft.first, &draft.second].into_iter().find(|a| {
            a.username.eq_ignore_ascii_case(&handle.username)
                && handle
                    .domain
                    .as_deref()
                    .unwrap_or(&local_domain)
                    .eq_ignore_ascii_case(&a.domain)
        });
        if let Some(account) = named {
            resolved.insert(handle, account.clone());
        }
    }
    let input = super::statuses::NewStatus {
        text,
        visibility: Some("direct".into()),
        introduction: Some(draft),
        ..Default::default()
    };
    super::statuses::create(ctx, introducer, input, resolved).await
}

/// Records the introduction in the transaction that stores its message.
pub fn record(
    conn: &mut DbConnection,
    introducer: &Account,
    draft: &IntroductionDraft,
    message: &Status,
) -> Result<weaving::Introduction> {
    let intro = weaving::Introduction {
        id: next_id(),
        introducer_id: introducer.id,
        first_id: draft.first.id,
        second_id: draft.second.id,
        note: draft.note.clone(),
        status_id: Some(message.id),
        created_at: db::now(),
        collaborated_at: None,
    };
    weaving::insert_introduction(conn, &intro)?;
    Ok(intro)
}

/// Everyone introduced in `introductions`, each once.
fn people_in(introductions: &[weaving::Introduction]) -> Vec<i64> {
    let mut people: Vec<i64> = introductions
        .iter()
        .flat_map(|i| [i.first_id, i.second_id])
        .collect();
    people.sort_unstable();
    people.dedup();
    people
}

/// Introductions not yet marked whose two people have since interacted
/// (a reply, a mention, a favourite or a follow, either way): four
/// queries, however many introductions wait.
pub fn newly_collaborated(conn: &mut DbConnection) -> Result<Vec<i64>> {
    let waiting: Vec<weaving::Introduction> = weaving::introductions(conn)?
        .into_iter()
        .filter(|i| i.collaborated_at.is_none())
        .collect();
    let Some(since) = waiting.iter().map(|i| i.created_at).min() else {
        return Ok(Vec::new());
    };
    let people = people_in(&waiting);
    // The latest interaction of each pair, whichever way it went.
    let mut latest: HashMap<(i64, i64), NaiveDateTime> = HashMap::new();
    let interactions = statuses::interactions_among(conn, &people, since)?
        .into_iter()
        .chain(follows::follows_among(conn, &people, since)?);
    for (from, to, at) in interactions {
        let pair = (from.min(to), from.max(to));
        let seen = latest.entry(pair).or_insert(at);
        *seen = (*seen).max(at);
    }
    Ok(waiting
        .into_iter()
        .filter(|i| {
            let pair = (i.first_id.min(i.second_id), i.first_id.max(i.second_id));
            latest.get(&pair).is_some_and(|at| *at >= i.created_at)
        })
        .map(|i| i.id)
        .collect())
}

/// Records the introductions that became micro-collaborations since last
/// asked. Reading first keeps the writer free when nothing changed, which
/// is nearly always.
pub async fn record_collaborations(ctx: &Context) -> Result<()> {
    let noticed = ctx.db.read(newly_collaborated).await?;
    if !noticed.is_empty() {
        ctx.db
            .write(move |conn| {
                Ok::<_, Error>(weaving::mark_collaborated(conn, &noticed, db::now())?)
            })
            .await?;
    }
    Ok(())
}

/// Introductions `introducer` made, newest first, with the two people.
pub async fn made_by(
    ctx: &Context,
    introducer: &Account,
) -> Result<Vec<(weaving::Introduction, Account, Account)>> {
    record_collaborations(ctx).await?;
    let introducer = introducer.clone();
    ctx.db
        .read(move |conn| {
            let made = weaving::introductions_by(conn, introducer.id)?;
            let people: HashMap<i64, Account> = accounts::by_ids(conn, &people_in(&made))?
                .into_iter()
                .map(|a| (a.id, a))
                .collect();
            Ok(made
                .into_iter()
                .filter_map(|intro| {
                    let first = people.get(&intro.first_id)?.clone();
                    let second = people.get(&intro.second_id)?.clone();
                    Some((intro, first, second))
                })
                .collect())
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An introduced pair becomes a collaboration when one favourites the
    /// other's post after the introduction; a favourite before it, or of
    /// someone else's post, is not theirs.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_favourite_after_an_introduction_is_a_collaboration() {
        use crate::db::{
            ids::next_id,
            models::{Favourite, Status},
        };
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("intro.db").display());
        let ctx = Context::new(
            crate::db::Database::open(&url, 2).unwrap(),
            crate::config::Config::default(),
        );
        let people: Vec<Account> = ["ann", "ben", "cat", "dee"]
            .iter()
            .map(|name| super::super::accounts::new_local_actor(&ctx.urls, name, "Person").unwrap())
            .collect();
        let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
        let now = db::now();
        let introduce = |first: i64, second: i64| weaving::Introduction {
            id: next_id(),
            introducer_id: ids[3],
            first_id: first,
            second_id: second,
            note: String::new(),
            status_id: None,
            created_at: now - chrono::Duration::hours(1),
            collaborated_at: None,
        };
        // Ann and Ben, and Ann and Cat, are introduced.
        let (with_ben, with_cat) = (introduce(ids[0], ids[1]), introduce(ids[0], ids[2]));
        let expected = with_ben.id;
        ctx.db
            .write(move |conn| {
                for person in &people {
                    accounts::insert(conn, person)?;
                }
                weaving::insert_introduction(conn, &with_ben)?;
                weaving::insert_introduction(conn, &with_cat)?;
                let post = |author: i64| {
                    let id = next_id();
                    Status {
                        reblog_of_id: None,
                        ..Status::boost(id, format!("https://x.example/{id}"), author, true, 0, now)
                    }
                };
                let (by_ben, by_dee) = (post(ids[1]), post(ids[3]));
                statuses::insert(conn, &by_ben)?;
                statuses::insert(conn, &by_dee)?;
                let favourite = |status: i64, at| Favourite {
                    id: next_id(),
                    account_id: ids[0],
                    status_id: status,
                    ap_id: format!("https://x.example/f/{}", next_id()),
                    created_at: at,
                };
                // Ann favourites Ben's post, and Dee's; nothing of Cat's.
                statuses::insert_favourite(conn, &favourite(by_ben.id, now))?;
                statuses::insert_favourite(conn, &favourite(by_dee.id, now))?;
                Ok::<_, Error>(())
            })
            .await
            .unwrap();
        let noticed = ctx.db.read(newly_collaborated).await.unwrap();
        assert_eq!(noticed, vec![expected]);
    }

    fn evidence(id: i64, name: &str) -> Evidence {
        Evidence {
            account_id: id,
            name: name.into(),
            ..Evidence::default()
        }
    }

    fn words(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    /// Entries that say the same as the member's.
    fn same(items: &[&str]) -> Vec<Shared> {
        items
            .iter()
            .map(|s| Shared {
                theirs: s.to_string(),
                yours: s.to_string(),
                likeness: Likeness::Same,
            })
            .collect()
    }

    /// Their entry `theirs` compared with the member's `yours`.
    fn like(theirs: &str, yours: &str) -> Shared {
        let synonyms = Synonyms::new([&terms::Vocabulary(vec![words(&[
            "procurement",
            "bulk purchasing",
        ])])]);
        Shared {
            theirs: theirs.into(),
            yours: yours.into(),
            likeness: synonyms
                .compare(&terms::key(theirs), &terms::key(yours))
                .expect("alike"),
        }
    }

    #[test]
    fn an_offer_meeting_a_need_outranks_a_shared_acquaintance() {
        let mut ana = evidence(2, "Ana");
        ana.offers_you_need = same(&["grant writing"]);
        let mut lee = evidence(1, "Lee");
        lee.mutuals = words(&["Sam"]);
        let mut kim = evidence(3, "Kim");
        kim.mutuals = words(&["Sam", "Lee"]);
        kim.shared_roles = same(&["Planner"]);
        assert_eq!(rank(vec![kim], 1)[0].sources, vec!["friends_of_friends"]);
        let ranked = rank(vec![lee, ana], 10);
        assert_eq!(ranked[0].account_id, 2);
        assert_eq!(
            ranked[0].reasons,
            vec!["Ana offers grant writing, which you need"]
        );
        assert_eq!(ranked[1].reasons, vec!["you both know Sam"]);
        assert_eq!(ranked[1].sources, vec!["friends_of_friends"]);
    }

    #[test]
    fn only_the_mastodon_sources_that_apply_are_given() {
        let mut practice_only = evidence(1, "Jo");
        practice_only.shared_interests = same(&["composting"]);
        practice_only.shared_communities = words(&["Growers"]);
        assert_eq!(rank(vec![practice_only], 1)[0].sources, Vec::<&str>::new());
    }

    #[test]
    fn reasons_add_up_and_are_capped() {
        let mut many = evidence(1, "Kim");
        many.mutuals = words(&["A", "B", "C", "D", "E"]);
        assert_eq!(score(&many), 3.0 * MUTUAL_WEIGHT);
        assert_eq!(reasons(&many), vec!["you both know A, B and 3 others"]);
        let mut both = evidence(2, "Jo");
        both.mutuals = words(&["Sam", "Lee"]);
        both.shared_roles = same(&["Energy officer"]);
        both.needs_you_offer = same(&["bike repair"]);
        assert_eq!(
            score(&both),
            MATCH_WEIGHT + 2.0 * MUTUAL_WEIGHT + ROLE_WEIGHT
        );
        assert_eq!(
            reasons(&both),
            vec![
                "Jo needs bike repair, which you offer",
                "you both know Sam and Lee",
                "you share the role Energy officer",
            ]
        );
    }

    #[test]
    fn a_near_term_counts_less_and_says_what_it_is_close_to() {
        let mut exact = evidence(1, "Ana");
        exact.offers_you_need = vec![like("Grant-writing", "grant writing")];
        let mut near = evidence(2, "Bo");
        near.offers_you_need = vec![like("grant applications", "grant writing")];
        let mut synonym = evidence(3, "Cy");
        synonym.offers_you_need = vec![like("bulk purchasing", "procurement")];
        assert!(score(&near) < score(&exact));
        assert_eq!(score(&synonym), score(&exact));
        assert_eq!(
            reasons(&exact),
            ["Ana offers grant writing, which you need"]
        );
        assert_eq!(
            reasons(&near),
            ["Bo offers grant applications (close to your grant writing), which you need"]
        );
        assert_eq!(
            reasons(&synonym),
            ["Cy offers bulk purchasing (your procurement), which you need"]
        );
        let mut roles = evidence(4, "Di");
        roles.shared_roles = vec![like("energy advisor", "energy officer")];
        roles.shared_interests = vec![like("heat pump", "heat pumps")];
        assert_eq!(
            reasons(&roles),
            [
                "Di has a role like yours: energy advisor (close to your energy officer)",
                "you are both interested in heat pumps",
            ]
        );
    }

    #[test]
    fn reasons_name_the_place_when_it_is_not_the_members() {
        let mut ana = evidence(1, "Ana");
        ana.elsewhere = Some("Ashford".into());
        ana.shared_roles = same(&["Energy officer"]);
        ana.offers_you_need = same(&["grant writing"]);
        ana.shared_interests = same(&["composting"]);
        ana.mutuals = words(&["Sam"]);
        assert_eq!(
            reasons(&ana),
            [
                "Ana in Ashford offers grant writing, which you need",
                "you both know Sam",
                "Ana has the same role in Ashford: Energy officer",
                "Ana in Ashford is also interested in composting",
            ]
        );
        ana.shared_roles = same(&["Energy officer", "Facilitator"]);
        assert!(
            reasons(&ana).contains(
                &"Ana has the same roles in Ashford: Energy officer and Facilitator".to_string()
            ),
            "{:?}",
            reasons(&ana)
        );
    }

    #[test]
    fn ties_keep_the_older_account_first_and_nothing_scores_nothing() {
        let mut first = evidence(7, "X");
        first.shared_interests = same(&["composting"]);
        let mut second = evidence(3, "Y");
        second.shared_interests = same(&["mapping"]);
        let empty = evidence(1, "Z");
        let ranked = rank(vec![first, second, empty], 10);
        let ids: Vec<i64> = ranked.iter().map(|s| s.account_id).collect();
        assert_eq!(ids, vec![3, 7]);
        assert_eq!(rank(Vec::new(), 3), Vec::new());
    }

    #[test]
    fn names_read_naturally() {
        assert_eq!(names(&words(&["A"])), "A");
        assert_eq!(names(&words(&["A", "B", "C"])), "A, B and C");
        assert_eq!(names(&words(&["A", "B", "C", "D"])), "A, B and 2 others");
    }

    /// A network of `members` people on a fresh SQLite file: each holds a
    /// role, a place, three interests, two offers and two needs drawn from
    /// a vocabulary where many terms share a word (so near matches are
    /// many), one term of their own, and follows 20 others.
    async fn network_of(members: usize) -> (tempfile::TempDir, crate::db::Database, Vec<Account>) {
        use crate::db::models::Follow;
        use rand::{Rng, SeedableRng, rngs::StdRng};
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Database::open(
            &format!("sqlite://{}", dir.path().join("t.db").display()),
            2,
        )
        .unwrap();
        let firsts = [
            "community",
            "heat",
            "grant",
            "solar",
            "food",
            "bike",
            "youth",
            "energy",
            "water",
            "housing",
            "waste",
            "tree",
            "data",
            "health",
            "arts",
            "transport",
            "retrofit",
            "volunteer",
            "repair",
            "school",
            "garden",
            "river",
            "farm",
            "market",
            "care",
            "digital",
            "climate",
            "flood",
            "local",
            "civic",
        ];
        let seconds = [
            "pumps",
            "writing",
            "planning",
            "mapping",
            "networks",
            "training",
            "funding",
            "projects",
            "events",
            "policy",
            "research",
            "outreach",
            "advice",
            "design",
            "partnerships",
            "campaigns",
            "surveys",
            "workshops",
            "cooperatives",
            "reporting",
        ];
        let roles: Vec<String> = (0..40)
            .map(|n| format!("{} officer", firsts[n % 30]))
            .collect();
        let places: Vec<String> = (0..30).map(|n| format!("Town {n}")).collect();
        let mut rng = StdRng::seed_from_u64(1);
        let term = move |rng: &mut StdRng| {
            format!(
                "{} {}",
                firsts[rng.random_range(0..firsts.len())],
                seconds[rng.random_range(0..seconds.len())]
            )
        };
        let now = crate::db::now();
        let people = db
            .write(move |conn| -> Result<Vec<Account>> {
                let mut people = Vec::with_capacity(members);
                for n in 0..members {
                    let username = format!("member{n}");
                    let account = accounts::insert(
                        conn,
                        &Account {
                            id: next_id(),
                            username: username.clone(),
                            domain: "town.example".into(),
                            local: true,
                            actor_type: "Person".into(),
                            display_name: format!("Member {n}"),
                            note: String::new(),
                            ap_id: format!("https://town.example/users/{username}"),
                            url: None,
                            inbox_url: format!("https://town.example/users/{username}/inbox"),
                            shared_inbox_url: None,
                            outbox_url: None,
                            followers_url: None,
                            following_url: None,
                            public_key_id: format!("https://town.example/users/{username}#k"),
                            public_key_pem: String::new(),
                            private_key_pem: None,
                            locked: false,
                            bot: false,
                            discoverable: true,
                            created_at: now,
                            updated_at: now,
                            last_fetched_at: None,
                            deleted_at: None,
                            fields: "[]".into(),
                        },
                    )?;
                    let own = Practice {
                        roles: vec![roles[rng.random_range(0..roles.len())].clone()],
                        place: places[rng.random_range(0..places.len())].clone(),
                        interests: vec![term(&mut rng), term(&mut rng), format!("topic {n} work")],
                        offers: vec![term(&mut rng), term(&mut rng)],
                        needs: vec![term(&mut rng), term(&mut rng)],
                        ..Practice::default()
                    };
                    practice::store_remote(conn, account.id, &own)?;
                    people.push(account);
                }
                for person in &people {
                    for _ in 0..20 {
                        let other = &people[rng.random_range(0..people.len())];
                        if other.id == person.id
                            || follows::between(conn, person.id, other.id)?.is_some()
                        {
                            continue;
                        }
                        let id = next_id();
                        follows::insert(
                            conn,
                            &Follow {
                                id,
                                account_id: person.id,
                                target_account_id: other.id,
                                ap_id: format!("https://town.example/follows/{id}"),
                                accepted: true,
                                created_at: now,
                                notify: false,
                                show_reblogs: true,
                            },
                        )?;
                    }
                }
                Ok(people)
            })
            .await
            .unwrap();
        (dir, db, people)
    }

    #[tokio::test]
    #[ignore = "a measurement: cargo test -p trellis --lib --release -- --ignored --nocapture suggestions_for_5000"]
    async fn suggestions_for_5000_members_answer_well_under_a_second() {
        let (_dir, db, people) = network_of(5000).await;
        let asked = 20;
        let started = std::time::Instant::now();
        let mut slowest = std::time::Duration::ZERO;
        for member in people.iter().step_by(people.len() / asked).take(asked) {
            let member = member.clone();
            let one = std::time::Instant::now();
            let found = db
                .read(move |conn| suggestions_in(conn, &member, 40))
                .await
                .unwrap();
            slowest = slowest.max(one.elapsed());
            assert_eq!(found.len(), 40);
        }
        let mean = started.elapsed() / asked as u32;
        println!("suggestions at 5000 members: mean {mean:?}, slowest {slowest:?}");
        assert!(slowest < std::time::Duration::from_secs(1), "{slowest:?}");
    }
}

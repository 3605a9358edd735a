//! A generated network, for trying Trellis out and for measuring it: members
//! in a few towns and roles with practice profiles, communities, follows
//! that cluster by place and role around a few well-connected people,
//! practice posts, questions answered or not, benefit stories and
//! introductions. Everything goes through the same use cases as real
//! requests; only the clock is moved back, so that the figures over time
//! look like a network that has been running for a few months.

use super::{
    Context, accounts, communities, exchanges, follows, introductions, practice, statuses,
};
use crate::{
    db::{self, models::Account, weaving},
    error::{Error, Result},
};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use std::collections::HashSet;

const PLACES: [&str; 6] = [
    "Ashford",
    "Brookfield",
    "Carrow",
    "Dunmere",
    "Eastwick",
    "Fallow",
];
const ROLES: [&str; 6] = [
    "Energy officer",
    "Sustainability officer",
    "Community organiser",
    "Small-business adviser",
    "Facilitator",
    "Food-hub coordinator",
];
const TOPICS: [&str; 12] = [
    "grant writing",
    "heat pumps",
    "composting",
    "facilitation",
    "bike repair",
    "community energy",
    "food waste",
    "mapping",
    "fundraising",
    "open data",
    "retrofit",
    "local procurement",
];
const FIRST_NAMES: [&str; 20] = [
    "Ana", "Ben", "Chloe", "Dev", "Eli", "Fatima", "Gus", "Hana", "Ivo", "Jo", "Kai", "Lena", "Mo",
    "Nia", "Otto", "Priya", "Quinn", "Rosa", "Sam", "Tariq",
];
const DIMENSION_TAGS: [&str; 4] = [
    "#individual",
    "#microcollaboration",
    "#jointwork",
    "#connectingnetworks",
];
/// Days the generated history spans.
const HISTORY_DAYS: i64 = 120;

/// What was generated, for the command's output.
#[derive(Debug, Default)]
pub struct Generated {
    pub members: usize,
    pub communities: usize,
    pub follows: usize,
    pub posts: usize,
    pub questions: usize,
    pub stories: usize,
    pub introductions: usize,
}

/// Told how far generation has come, so a command can show it; the domain
/// knows nothing of terminals.
pub trait Progress: Sync {
    /// A stage of `total` steps begins.
    fn stage(&self, name: &'static str, total: usize);
    /// One step of the current stage is done.
    fn step(&self);
}

/// Progress that nobody watches.
pub struct Unwatched;

impl Progress for Unwatched {
    fn stage(&self, _: &'static str, _: usize) {}
    fn step(&self) {}
}

struct Member {
    account: Account,
    place: usize,
    role: usize,
}

/// Generates a network of `size` members. Refuses to run on a server that
/// has members already: it is for a fresh database.
pub async fn generate(
    ctx: &Context,
    size: usize,
    seed: u64,
    progress: &dyn Progress,
) -> Result<Generated> {
    if !(2..=5000).contains(&size) {
        return Err(Error::Validation(
            "a demo network has 2 to 5000 members".into(),
        ));
    }
    if accounts::usage(ctx).await?.members > 0 {
        return Err(Error::Validation(
            "this server has members already; generate a demo network on a fresh database".into(),
        ));
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut made = Generated::default();
    progress.stage("members", size);
    let members = create_members(ctx, size, &mut rng, progress).await?;
    made.members = members.len();
    progress.stage("communities", members.len());
    made.communities = join_communities(ctx, &members, &mut rng, progress).await?;
    progress.stage("follows", members.len());
    let ties = weave_follows(ctx, &members, &mut rng, progress).await?;
    made.follows = ties.len();
    progress.stage("posts", members.len());
    let (posts, questions, stories) = write_posts(ctx, &members, &mut rng, progress).await?;
    made.posts = posts;
    made.questions = questions;
    made.stories = stories;
    progress.stage("introductions", members.len() / 15);
    made.introductions = introduce_people(ctx, &members, &ties, &mut rng, progress).await?;
    Ok(made)
}

async fn create_members(
    ctx: &Context,
    size: usize,
    rng: &mut StdRng,
    progress: &dyn Progress,
) -> Result<Vec<Member>> {
    let mut members = Vec::with_capacity(size);
    for n in 0..size {
        progress.step();
        let username = format!("member{n:04}");
        let email = format!("{username}@demo.invalid");
        let account = accounts::create_user(
            ctx,
            accounts::NewUser {
                username: &username,
                email: &email,
                password: "demo-network-password",
                admin: false,
                approved: true,
                reason: None,
            },
        )
        .await?;
        let place = rng.random_range(0..PLACES.len());
        let role = rng.random_range(0..ROLES.len());
        let topics = |rng: &mut StdRng, count: usize| -> Vec<String> {
            TOPICS
                .choose_multiple(rng, count)
                .map(|t| t.to_string())
                .collect()
        };
        let interests = {
            let count = rng.random_range(1..=3);
            topics(rng, count)
        };
        let offers = {
            let count = rng.random_range(0..=2);
            topics(rng, count)
        };
        let needs = {
            let count = rng.random_range(0..=2);
            topics(rng, count)
        };
        practice::update(
            ctx,
            &account,
            practice::PracticeChanges {
                roles: Some(vec![ROLES[role].to_string()]),
                organization: Some(format!("{} council", PLACES[place])),
                place: Some(PLACES[place].to_string()),
                interests: Some(interests),
                offers: Some(offers),
                needs: Some(needs),
            },
        )
        .await?;
        let display = format!(
            "{} {}",
            FIRST_NAMES[n % FIRST_NAMES.len()],
            (b'A' + (n / FIRST_NAMES.len() % 26) as u8) as char
        );
        let account = accounts::update_profile(
            ctx,
            &account,
            accounts::ProfileChanges {
                display_name: Some(display),
                ..Default::default()
            },
        )
        .await?;
        members.push(Member {
            account,
            place,
            role,
        });
    }
    Ok(members)
}

/// One community per role, started by its first member; most members join
/// their role's community, some a second one.
async fn join_communities(
    ctx: &Context,
    members: &[Member],
    rng: &mut StdRng,
    progress: &dyn Progress,
) -> Result<usize> {
    let mut groups = Vec::new();
    for (role, name) in ROLES.iter().enumerate() {
        let Some(founder) = members.iter().find(|m| m.role == role) else {
            continue;
        };
        let new = communities::NewCommunity {
            name: format!("role{role}"),
            display_name: format!("{name}s"),
            role: name.to_string(),
            ..Default::default()
        };
        let view = communities::create(ctx, &founder.account, true, new).await?;
        groups.push((role, view.account.account, founder.account.id));
    }
    for member in members {
        progress.step();
        for (role, group, founder) in &groups {
            let joins = if *role == member.role {
                rng.random_bool(0.8)
            } else {
                rng.random_bool(0.05)
            };
            // The founder is a member from the start.
            if joins && member.account.id != *founder {
                follows::follow(ctx, &member.account, group, Default::default()).await?;
            }
        }
    }
    Ok(groups.len())
}

/// Ties cluster: most go to people in the same place or role, and a few
/// well-connected people (the first twentieth) draw many more.
async fn weave_follows(
    ctx: &Context,
    members: &[Member],
    rng: &mut StdRng,
    progress: &dyn Progress,
) -> Result<HashSet<(usize, usize)>> {
    let hubs = (members.len() / 20).max(1);
    let mut made = HashSet::new();
    for (i, member) in members.iter().enumerate() {
        progress.step();
        // Most people have a few ties, some many: a core and a periphery.
        let wanted = 1 + (rng.random::<f64>().powi(3) * 14.0) as usize;
        for _ in 0..wanted * 3 {
            if made.iter().filter(|(a, _)| *a == i).count() >= wanted {
                break;
            }
            let roll = rng.random::<f64>();
            let candidates: Vec<usize> = if roll < 0.45 {
                (0..members.len())
                    .filter(|&j| members[j].place == member.place)
                    .collect()
            } else if roll < 0.75 {
                (0..members.len())
                    .filter(|&j| members[j].role == member.role)
                    .collect()
            } else if roll < 0.9 {
                (0..hubs).collect()
            } else {
                (0..members.len()).collect()
            };
            let Some(&j) = candidates.choose(rng) else {
                continue;
            };
            if j == i || !made.insert((i, j)) {
                continue;
            }
            follows::follow(
                ctx,
                &member.account,
                &members[j].account,
                Default::default(),
            )
            .await?;
            // Ties are often returned.
            if rng.random_bool(0.35) && made.insert((j, i)) {
                follows::follow(
                    ctx,
                    &members[j].account,
                    &member.account,
                    Default::default(),
                )
                .await?;
            }
        }
    }
    Ok(made)
}

fn days_ago(rng: &mut StdRng) -> chrono::NaiveDateTime {
    db::now() - chrono::Duration::minutes(rng.random_range(60..HISTORY_DAYS * 24 * 60))
}

async fn post(ctx: &Context, author: &Account, text: String, reply_to: Option<i64>) -> Result<i64> {
    let input = statuses::NewStatus {
        text,
        in_reply_to_id: reply_to,
        ..Default::default()
    };
    let view = statuses::create(ctx, author, input, Default::default()).await?;
    Ok(view.status.id)
}

/// Practice posts, questions with replies (most answered), and stories.
async fn write_posts(
    ctx: &Context,
    members: &[Member],
    rng: &mut StdRng,
    progress: &dyn Progress,
) -> Result<(usize, usize, usize)> {
    let (mut posts, mut questions, mut stories) = (0, 0, 0);
    for member in members {
        progress.step();
        for _ in 0..rng.random_range(0..=2) {
            let kind = ["#practice", "#resource", "#offer"].choose(rng).unwrap();
            let topic = TOPICS.choose(rng).unwrap();
            let id = post(
                ctx,
                &member.account,
                format!("Notes on {topic} in {} {kind}", PLACES[member.place]),
                None,
            )
            .await?;
            backdate(ctx, id, days_ago(rng)).await?;
            posts += 1;
        }
        if rng.random_bool(0.35) {
            let topic = TOPICS.choose(rng).unwrap();
            let asked_at = days_ago(rng);
            let question = post(
                ctx,
                &member.account,
                format!("Has anyone tried {topic}? #question"),
                None,
            )
            .await?;
            backdate(ctx, question, asked_at).await?;
            questions += 1;
            let mut replies = Vec::new();
            for _ in 0..rng.random_range(0..=4) {
                let replier = &members.choose(rng).unwrap().account;
                if replier.id == member.account.id {
                    continue;
                }
                let reply = post(
                    ctx,
                    replier,
                    format!("We did, happy to share what we learned about {topic}"),
                    Some(question),
                )
                .await?;
                let wait = chrono::Duration::minutes(rng.random_range(5..3 * 24 * 60));
                backdate(ctx, reply, asked_at + wait).await?;
                replies.push(reply);
                posts += 1;
            }
            if !replies.is_empty() && rng.random_bool(0.6) {
                let helpful = vec![*replies.choose(rng).unwrap()];
                exchanges::answer(ctx, &member.account, question, helpful).await?;
            }
        }
        if rng.random_bool(0.2) {
            let count = rng.random_range(1..=2);
            let tags: Vec<&str> = DIMENSION_TAGS
                .choose_multiple(rng, count)
                .copied()
                .collect();
            let id = post(
                ctx,
                &member.account,
                format!(
                    "What changed for me through this network #story {}",
                    tags.join(" ")
                ),
                None,
            )
            .await?;
            backdate(ctx, id, days_ago(rng)).await?;
            stories += 1;
        }
    }
    Ok((posts, questions, stories))
}

/// Well-connected people introduce pairs they know; some pairs go on to
/// talk.
async fn introduce_people(
    ctx: &Context,
    members: &[Member],
    ties: &HashSet<(usize, usize)>,
    rng: &mut StdRng,
    progress: &dyn Progress,
) -> Result<usize> {
    let mut made = 0;
    for _ in 0..members.len() / 15 {
        progress.step();
        let i = rng.random_range(0..members.len());
        let introducer = &members[i].account;
        let known: Vec<&Account> = (0..members.len())
            .filter(|&j| ties.contains(&(i, j)) || ties.contains(&(j, i)))
            .map(|j| &members[j].account)
            .collect();
        let pair: Vec<&Account> = known.choose_multiple(rng, 2).copied().collect();
        let [first, second] = pair[..] else {
            continue;
        };
        let Ok(draft) = introductions::check(
            ctx,
            introducer,
            false,
            Some(first.clone()),
            Some(second.clone()),
            "You are working on the same thing.",
        )
        .await
        else {
            continue;
        };
        let message = introductions::introduce(ctx, introducer, draft).await?;
        made += 1;
        if rng.random_bool(0.5) {
            // The first answers, naming the second: they have interacted.
            let handle = super::text::Handle {
                username: second.username.clone(),
                domain: None,
            };
            let input = statuses::NewStatus {
                text: format!("@{} glad to meet you", second.username),
                in_reply_to_id: Some(message.status.id),
                visibility: Some("direct".into()),
                ..Default::default()
            };
            let resolved = [(handle, (*second).clone())].into_iter().collect();
            statuses::create(ctx, first, input, resolved).await?;
        }
    }
    Ok(made)
}

async fn backdate(ctx: &Context, status_id: i64, at: chrono::NaiveDateTime) -> Result<()> {
    ctx.db
        .write(move |conn| Ok(weaving::backdate(conn, status_id, at)?))
        .await
}

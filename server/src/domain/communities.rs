//! Communities of practice (FEP-1b12 groups). A community is a `Group`
//! actor: following it joins it, and a post that mentions it is re-shared
//! with an `Announce` from the community to every member, wherever they
//! live. Each community shares a post at most once.

use super::{
    Context, Visibility,
    accounts::{self as account_rules, new_local_actor},
    outbox, render, streaming, text,
    views::{self, AccountView},
};
use crate::{
    db::{
        self, DbConnection, accounts, communities, follows,
        ids::next_id,
        models::{Account, Community, Follow, Status},
        statuses,
    },
    error::{Error, Result},
};
use serde::{Deserialize, Serialize};

/// Who may join, or (for links) who may link, without a moderator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    #[default]
    Open,
    Approval,
}

impl Policy {
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Open => "open",
            Policy::Approval => "approval",
        }
    }

    fn from_stored(value: &str) -> Policy {
        if value == "approval" {
            Policy::Approval
        } else {
            Policy::Open
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCommunity {
    pub name: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub join_policy: Policy,
    #[serde(default)]
    pub link_policy: Policy,
}

/// A community with what a listing shows.
#[derive(Debug, Clone)]
pub struct CommunityView {
    pub account: AccountView,
    pub role: String,
    pub place: String,
    pub join_policy: Policy,
    pub link_policy: Policy,
    pub moderators: Vec<Account>,
    /// People who joined, leaving out linked communities and networks.
    pub members: i64,
}

const MAX_DISPLAY_NAME: usize = 100;
const MAX_SUMMARY: usize = 1000;
const MAX_LABEL: usize = 100;

fn checked(what: &str, text: &str, max: usize) -> Result<String> {
    super::text::within_limit(what, text, max)
}

fn view(conn: &mut DbConnection, community: Community, account: Account) -> Result<CommunityView> {
    let moderators = communities::moderators(conn, account.id)?;
    let members = communities::people_count(conn, account.id)?;
    Ok(CommunityView {
        members,
        account: views::account_view(conn, account)?,
        role: community.role,
        place: community.place,
        join_policy: Policy::from_stored(&community.join_policy),
        link_policy: Policy::from_stored(&community.link_policy),
        moderators,
    })
}

/// Creates a local community; its creator becomes its first moderator and
/// member. `by_admin` says the creator is an administrator, who may start
/// one even where the server keeps that to admins.
pub async fn create(
    ctx: &Context,
    creator: &Account,
    by_admin: bool,
    new: NewCommunity,
) -> Result<CommunityView> {
    if ctx.config.community_creation == crate::config::CommunityCreation::Admins && !by_admin {
        return Err(Error::Forbidden(
            "On this server only administrators start communities".into(),
        ));
    }
    let name = new.name.trim().to_string();
    account_rules::validate_username(&name)?;
    let display_name = checked("display_name", &new.display_name, MAX_DISPLAY_NAME)?;
    let summary = checked("summary", &new.summary, MAX_SUMMARY)?;
    let role = checked("role", &new.role, MAX_LABEL)?;
    let place = checked("place", &new.place, MAX_LABEL)?;
    let mut actor = new_local_actor(&ctx.urls, &name, "Group")?;
    actor.display_name = if display_name.is_empty() {
        name.clone()
    } else {
        display_name
    };
    actor.note = text::render_plain(&summary, &Default::default(), &ctx.urls);
    actor.locked = new.join_policy == Policy::Approval;
    actor.bot = false;
    actor.discoverable = true;
    let creator = creator.clone();
    let urls = ctx.urls.clone();
    ctx.db
        .write(move |conn| {
            if accounts::local_by_username(conn, &name)?.is_some() {
                return Err(Error::Validation(format!("the name {name:?} is taken")));
            }
            let account = accounts::insert(conn, &actor)?;
            super::keys::ensure_ed25519(conn, account.id)?;
            let community = Community {
                account_id: account.id,
                role,
                place,
                join_policy: new.join_policy.as_str().to_string(),
                link_policy: new.link_policy.as_str().to_string(),
                created_at: db::now(),
            };
            communities::insert(conn, &community)?;
            communities::add_moderator(conn, account.id, creator.id)?;
            let id = next_id();
            follows::insert(
                conn,
                &Follow {
                    id,
                    account_id: creator.id,
                    target_account_id: account.id,
                    ap_id: urls.activity(id),
                    accepted: true,
                    created_at: db::now(),
                    notify: false,
                    show_reblogs: true,
                },
            )?;
            view(conn, community, account)
        })
        .await
}

/// Local and known remote communities, optionally for one role or place.
pub async fn list(
    ctx: &Context,
    role: Option<String>,
    place: Option<String>,
) -> Result<Vec<CommunityView>> {
    ctx.db
        .read(move |conn| {
            let rows = communities::list(conn, role.as_deref(), place.as_deref())?;
            rows.into_iter()
                .map(|(community, account)| view(conn, community, account))
                .collect()
        })
        .await
}

/// A local community by name.
pub async fn local(ctx: &Context, name: &str) -> Result<CommunityView> {
    let name = name.to_string();
    ctx.db
        .read(move |conn| {
            let account = accounts::local_by_username(conn, &name)?
                .filter(|a| a.actor_type == "Group" && a.deleted_at.is_none())
                .ok_or_else(Error::not_found)?;
            let community =
                communities::of_account(conn, account.id)?.ok_or_else(Error::not_found)?;
            view(conn, community, account)
        })
        .await
}

/// The extension a local community's actor carries.
pub fn extension_in(
    conn: &mut DbConnection,
    account: &Account,
) -> Result<Option<serde_json::Value>> {
    Ok(communities::of_account(conn, account.id)?.map(|c| {
        serde_json::json!({
            "type": "trellis:Community",
            "role": c.role,
            "place": c.place,
            "joinPolicy": c.join_policy,
            "linkPolicy": c.link_policy,
            // Its discoverable members, for the communities linked with it.
            "members": members_url(&account.ap_id),
        })
    }))
}

/// Where a community lists its discoverable members.
pub fn members_url(group_ap_id: &str) -> String {
    format!("{group_ap_id}/members")
}

/// Most members a community lists, and a linked server learns, at once.
pub const MAX_LISTED_MEMBERS: i64 = 1000;

/// The actor ids of a local community's discoverable people: members who
/// chose to be found are listed for the communities linked with it (and
/// anyone who asks, as Mastodon's directory lists them); others never are.
pub async fn discoverable_members(ctx: &Context, group: &Account) -> Result<Vec<String>> {
    if !group.local || group.actor_type != "Group" {
        return Err(Error::not_found());
    }
    let group_id = group.id;
    ctx.db
        .read(move |conn| {
            Ok(communities::discoverable_members(
                conn,
                group_id,
                MAX_LISTED_MEMBERS,
            )?)
        })
        .await
}

/// Keeps what a remote community published about itself, so members here
/// can find it by role and place.
pub fn store_remote(
    conn: &mut DbConnection,
    account: &Account,
    extension: &serde_json::Value,
) -> Result<()> {
    let label = |key: &str| -> String {
        let value = extension[key].as_str().unwrap_or_default();
        text::strip_html(value).chars().take(MAX_LABEL).collect()
    };
    let policy = |key: &str| Policy::from_stored(extension[key].as_str().unwrap_or_default());
    communities::upsert(
        conn,
        &Community {
            account_id: account.id,
            role: label("role"),
            place: label("place"),
            join_policy: policy("joinPolicy").as_str().to_string(),
            link_policy: policy("linkPolicy").as_str().to_string(),
            created_at: db::now(),
        },
    )?;
    Ok(())
}

/// Inside the transaction that stored `status` (written here or received):
/// each local community it mentions re-shares it with its members. Direct
/// messages are never re-shared; followers-only posts go to members only.
pub fn share_mentioned(
    conn: &mut DbConnection,
    urls: &super::urls::Urls,
    status: &Status,
    mentioned: &[Account],
) -> Result<()> {
    if Visibility::from_stored(&status.visibility) == Visibility::Direct {
        return Ok(());
    }
    for group in mentioned
        .iter()
        .filter(|a| a.local && a.actor_type == "Group" && a.deleted_at.is_none())
    {
        share(conn, urls, group, status, None)?;
    }
    Ok(())
}

/// `group` re-shares `status` with its members and across its links,
/// unless it already has: each community shares a post at most once, which
/// is also what ends a cycle of links. `from` is the linked community it
/// came through, which is not sent it back.
pub(super) fn share(
    conn: &mut DbConnection,
    urls: &super::urls::Urls,
    group: &Account,
    status: &Status,
    from: Option<i64>,
) -> Result<()> {
    if statuses::reblog_by(conn, group.id, status.id)?.is_some()
        || communities::is_banned(conn, group.id, status.account_id)?
    {
        return Ok(());
    }
    let Some(author) = accounts::by_id(conn, status.account_id)? else {
        return Ok(());
    };
    // A followers-only post stays among the members: it crosses no link
    // and its share is no public boost.
    let members_only = Visibility::from_stored(&status.visibility) == Visibility::Private;
    let id = next_id();
    let ap_id = format!("{}/activity", urls.status(&group.username, id));
    let mut boost = Status::boost(id, ap_id, group.id, true, status.id, db::now());
    if members_only {
        boost.visibility = Visibility::Private.as_str().into();
    }
    let boost = statuses::insert(conn, &boost)?;
    let followers = follows::followers(conn, group.id)?;
    let people: Vec<i64> = followers
        .iter()
        .filter(|a| a.local && a.actor_type == "Person")
        .map(|a| a.id)
        .collect();
    statuses::add_boost_to_home_feeds(conn, boost.id, status.id, &people)?;
    streaming::status_created(conn, &boost)?;
    let links = communities::links_of(conn, group.id)?;
    let mut recipients = Vec::new();
    // Linked communities this post may reach, named in the Announce: a
    // server that receives it through a shared inbox (for a member there)
    // re-shares it only into the communities named.
    let mut linked_audience = Vec::new();
    for follower in &followers {
        let crosses = match links.iter().find(|l| l.target_account_id == follower.id) {
            Some(link) => {
                let crosses = !members_only
                    && Some(follower.id) != from
                    && super::links::crosses(conn, group, link, status)?;
                if crosses {
                    linked_audience.push(follower.ap_id.clone());
                }
                crosses
            }
            None => true,
        };
        if crosses {
            recipients.push(follower.clone());
        }
    }
    let mut inboxes = outbox::inboxes_of(&recipients);
    if !author.local {
        inboxes.insert(author.inbox_url.clone());
    }
    let note = super::statuses::stored_note(conn, urls, status, &author)?;
    for mut announce in announcements(group, &boost, status, &author, &note) {
        address_to(&mut announce, &linked_audience);
        outbox::enqueue(conn, urls, group, &announce, inboxes.clone())?;
    }
    if members_only {
        return Ok(());
    }
    // Linked communities on this server re-share it themselves.
    for link in &links {
        if Some(link.target_account_id) == from
            || !super::links::crosses(conn, group, link, status)?
        {
            continue;
        }
        if let Some(target) = accounts::by_id(conn, link.target_account_id)?.filter(|a| a.local) {
            share(conn, urls, &target, status, Some(group.id))?;
        }
    }
    Ok(())
}

/// What a community sends for one share. Every share goes out as
/// FEP-1b12 has it, an `Announce` of the author's `Create`, which Lemmy and
/// other group-aware servers read, replies included. A public top-level
/// post also goes out as an `Announce` of the post itself, which Mastodon
/// shows as a boost by the group (it reads no other form, and shows no
/// boosted replies). A followers-only post is announced to the members
/// alone and never as a boost, which no server would accept.
fn announcements(
    group: &Account,
    boost: &Status,
    status: &Status,
    author: &Account,
    note: &crate::protocol::Note,
) -> Vec<serde_json::Value> {
    let create = render::wrap_note(
        "Create",
        &format!("{}/activity", status.ap_id),
        author,
        note,
    );
    let members = group.followers_url.clone().unwrap_or_default();
    let mut sent = if Visibility::from_stored(&boost.visibility) == Visibility::Private {
        vec![render::activity(
            "Announce",
            &format!("{}#create", boost.ap_id),
            group,
            create,
            &[members],
            std::slice::from_ref(&author.ap_id),
        )]
    } else {
        let mut create_announce = render::announce(&boost.ap_id, group, &status.ap_id, author);
        create_announce["id"] = format!("{}#create", boost.ap_id).into();
        create_announce["object"] = create;
        let mut sent = vec![create_announce];
        if status.in_reply_to_ap_id.is_none() {
            sent.push(render::announce(&boost.ap_id, group, &status.ap_id, author));
        }
        sent
    };
    // FEP-1b12: what a community sends names the community as its audience.
    for announce in &mut sent {
        announce["audience"] = group.ap_id.clone().into();
    }
    sent
}

/// Adds linked communities to an Announce's `cc`.
fn address_to(announce: &mut serde_json::Value, communities: &[String]) {
    if let Some(cc) = announce["cc"].as_array_mut() {
        cc.extend(communities.iter().cloned().map(serde_json::Value::String));
    }
}

/// A moderator picks a post to cross this community's curated links; the
/// community shares it now if it had not.
pub async fn pick(ctx: &Context, moderator: &Account, name: &str, status_id: i64) -> Result<()> {
    let (moderator, name, urls) = (moderator.clone(), name.to_string(), ctx.urls.clone());
    ctx.db
        .write(move |conn| -> Result<()> {
            let group = moderated_in(conn, &name, &moderator)?;
            let status = statuses::by_id(conn, status_id)?
                .filter(|s| {
                    s.reblog_of_id.is_none()
                        && matches!(
                            Visibility::from_stored(&s.visibility),
                            Visibility::Public | Visibility::Unlisted
                        )
                })
                .ok_or_else(Error::not_found)?;
            communities::add_pick(conn, group.id, status.id)?;
            let Some(boost) = statuses::reblog_by(conn, group.id, status.id)? else {
                return share(conn, &urls, &group, &status, None);
            };
            // Already shared: send it now across the curated links it
            // could not cross before.
            let author = accounts::by_id(conn, status.account_id)?.ok_or_else(Error::not_found)?;
            // A new id: servers that saw the first Announce would drop a
            // repeat of it unread.
            for link in communities::links_of(conn, group.id)? {
                if link.flow != "curated" || link.state != super::links::ACTIVE {
                    continue;
                }
                let Some(target) = accounts::by_id(conn, link.target_account_id)? else {
                    continue;
                };
                if target.local {
                    share(conn, &urls, &target, &status, Some(group.id))?;
                } else {
                    let mut announce = render::announce(
                        &format!("{}#picked/{}", boost.ap_id, target.id),
                        &group,
                        &status.ap_id,
                        &author,
                    );
                    address_to(&mut announce, std::slice::from_ref(&target.ap_id));
                    announce["audience"] = group.ap_id.clone().into();
                    let inboxes = outbox::inboxes_of(std::slice::from_ref(&target));
                    outbox::enqueue(conn, &urls, &group, &announce, inboxes)?;
                }
            }
            Ok(())
        })
        .await?;
    ctx.deliveries_queued();
    Ok(())
}

/// A local community that `moderator` moderates.
pub(super) fn moderated_in(
    conn: &mut DbConnection,
    name: &str,
    moderator: &Account,
) -> Result<Account> {
    let group = accounts::local_by_username(conn, name)?
        .filter(|a| a.actor_type == "Group" && a.deleted_at.is_none())
        .ok_or_else(Error::not_found)?;
    if !communities::is_moderator(conn, group.id, moderator.id)? {
        return Err(Error::Forbidden(
            "Only the community's moderators may do this".into(),
        ));
    }
    Ok(group)
}

/// The community's account, for a moderator.
pub async fn moderated_account(ctx: &Context, moderator: &Account, name: &str) -> Result<Account> {
    let (moderator, name) = (moderator.clone(), name.to_string());
    ctx.db
        .read(move |conn| moderated_in(conn, &name, &moderator))
        .await
}

/// Makes a local member a moderator too.
pub async fn add_moderator(
    ctx: &Context,
    moderator: &Account,
    name: &str,
    new: &Account,
) -> Result<CommunityView> {
    if !new.local || new.actor_type != "Person" {
        return Err(Error::Validation(
            "moderators are members of this server".into(),
        ));
    }
    let (moderator, name, new_id) = (moderator.clone(), name.to_string(), new.id);
    ctx.db
        .write(move |conn| {
            let group = moderated_in(conn, &name, &moderator)?;
            communities::add_moderator(conn, group.id, new_id)?;
            let community =
                communities::of_account(conn, group.id)?.ok_or_else(Error::not_found)?;
            view(conn, community, group)
        })
        .await
}

/// A moderator removes a member from the community, and with `ban` keeps
/// them from joining again (and from being re-shared). A member elsewhere
/// is told: their server gets a `Reject` of the Follow that made them a
/// member, or for a ban a `Block` whose `target` is the community (the
/// shape Lemmy sends for a community ban).
pub async fn remove_member(
    ctx: &Context,
    moderator: &Account,
    name: &str,
    member_id: i64,
    ban: bool,
) -> Result<()> {
    let (moderator, name, urls) = (moderator.clone(), name.to_string(), ctx.urls.clone());
    ctx.db
        .write(move |conn| -> Result<()> {
            let group = moderated_in(conn, &name, &moderator)?;
            let member = accounts::by_id(conn, member_id)?.ok_or_else(Error::not_found)?;
            if member.id == moderator.id {
                return Err(Error::Validation(
                    "moderators cannot remove themselves".into(),
                ));
            }
            let follow = follows::between(conn, member.id, group.id)?;
            if follow.is_none() && !ban {
                return Err(Error::NotFound(format!(
                    "{} is not a member",
                    member.acct()
                )));
            }
            if let Some(follow) = &follow {
                follows::delete(conn, follow.id)?;
            }
            if ban {
                communities::ban(conn, group.id, member.id)?;
            }
            if !member.local {
                let id = urls.activity(next_id());
                let activity = match (&follow, ban) {
                    (_, true) => render::activity(
                        "Block",
                        &id,
                        &group,
                        serde_json::json!(member.ap_id),
                        std::slice::from_ref(&member.ap_id),
                        &[],
                    ),
                    (Some(follow), false) => {
                        render::follow_answer("Reject", &id, &group, &follow.ap_id, &member)
                    }
                    (None, false) => return Ok(()),
                };
                let mut activity = activity;
                if ban {
                    activity["target"] = serde_json::json!(group.ap_id);
                }
                super::outbox::enqueue(
                    conn,
                    &urls,
                    &group,
                    &activity,
                    [member.delivery_inbox().to_string()].into(),
                )?;
            }
            Ok(())
        })
        .await?;
    ctx.deliveries_queued();
    Ok(())
}

/// A community elsewhere removed (or banned) one of our members: their
/// membership ends here too, and a ban keeps them from joining again.
pub fn removed_elsewhere(
    conn: &mut DbConnection,
    group: &Account,
    member: &Account,
    ban: bool,
) -> Result<bool> {
    let follow = follows::between(conn, member.id, group.id)?;
    if let Some(follow) = &follow {
        follows::delete(conn, follow.id)?;
    }
    if ban {
        communities::ban(conn, group.id, member.id)?;
    }
    Ok(follow.is_some() || ban)
}

/// Takes a re-shared post back: the community's boost goes, and its
/// members' servers receive `Undo(Announce)`.
pub async fn remove_share(
    ctx: &Context,
    moderator: &Account,
    name: &str,
    status_id: i64,
) -> Result<()> {
    let (moderator, name, urls) = (moderator.clone(), name.to_string(), ctx.urls.clone());
    ctx.db
        .write(move |conn| -> Result<()> {
            let group = moderated_in(conn, &name, &moderator)?;
            if statuses::reblog_by(conn, group.id, status_id)?.is_none() {
                return Err(Error::NotFound(
                    "The community has not shared that post".into(),
                ));
            }
            let original = statuses::by_id(conn, status_id)?.ok_or_else(Error::not_found)?;
            retract(conn, &urls, &group, &original, None)
        })
        .await?;
    ctx.deliveries_queued();
    Ok(())
}

/// `group` takes back its share of `original`: its boost goes, members'
/// and linked communities' servers receive `Undo(Announce)`, and linked
/// communities here take theirs back too, so a removal reaches everywhere
/// the post travelled through links. `from` is the community the removal
/// came from.
pub(super) fn retract(
    conn: &mut DbConnection,
    urls: &super::urls::Urls,
    group: &Account,
    original: &Status,
    from: Option<i64>,
) -> Result<()> {
    let Some(boost) = statuses::reblog_by(conn, group.id, original.id)? else {
        return Ok(());
    };
    let Some(author) = accounts::by_id(conn, original.account_id)? else {
        return Ok(());
    };
    let followers = follows::followers(conn, group.id)?;
    let note = super::statuses::stored_note(conn, urls, original, &author)?;
    let sent = announcements(group, &boost, original, &author, &note);
    streaming::status_deleted(conn, &boost)?;
    statuses::delete(conn, boost.id)?;
    let recipients: Vec<Account> = followers
        .into_iter()
        .filter(|f| Some(f.id) != from)
        .collect();
    let mut inboxes = outbox::inboxes_of(&recipients);
    if !author.local {
        inboxes.insert(author.inbox_url.clone());
    }
    for announce in sent {
        let undo = render::undo_of(&urls.activity(next_id()), group, announce);
        outbox::enqueue(conn, urls, group, &undo, inboxes.clone())?;
    }
    for link in communities::links_of(conn, group.id)? {
        if Some(link.target_account_id) == from || link.state != super::links::ACTIVE {
            continue;
        }
        if let Some(target) = accounts::by_id(conn, link.target_account_id)?.filter(|a| a.local) {
            retract(conn, urls, &target, original, Some(group.id))?;
        }
    }
    Ok(())
}

/// The shapes other servers need from a community, written down from
/// their documentation and sources: Lemmy reads a `Group` with the keys
/// below (it refuses one without `outbox` or `followers`), and Mastodon
/// shows a group's `Announce` of a status id as a boost by the group.
#[cfg(test)]
mod fixtures {
    use super::*;
    use crate::domain::urls::Urls;
    use serde_json::Value;

    fn community() -> Account {
        let urls = Urls::new(url::Url::parse("https://town.example").unwrap());
        let mut group = new_local_actor(&urls, "officers", "Group").unwrap();
        group.display_name = "Sustainability officers".into();
        group.note = "<p>Officers of the towns around Ashford</p>".into();
        group
    }

    /// `(pointer, kind)`: where a key must be and what JSON type it holds.
    fn assert_shape(document: &Value, shape: &[(&str, &str)]) {
        for (pointer, kind) in shape {
            let value = document
                .pointer(pointer)
                .unwrap_or_else(|| panic!("{pointer} missing from {document:#}"));
            let matches = match *kind {
                "string" => value.is_string(),
                "url" => value.as_str().is_some_and(|s| url::Url::parse(s).is_ok()),
                "bool" => value.is_boolean(),
                "array" => value.is_array(),
                other => panic!("unknown kind {other}"),
            };
            assert!(matches, "{pointer} is not a {kind}: {value}");
        }
    }

    #[test]
    fn the_group_actor_reads_as_a_lemmy_community_and_a_mastodon_group() {
        let group = community();
        let actor = serde_json::to_value(render::actor(&group)).unwrap();
        assert_eq!(actor["type"], "Group");
        // Lemmy's `Group` object.
        assert_shape(
            &actor,
            &[
                ("/id", "url"),
                ("/preferredUsername", "string"),
                ("/name", "string"),
                ("/summary", "string"),
                ("/inbox", "url"),
                ("/outbox", "url"),
                ("/followers", "url"),
                ("/endpoints/sharedInbox", "url"),
                ("/publicKey/id", "string"),
                ("/publicKey/owner", "url"),
                ("/publicKey/publicKeyPem", "string"),
                ("/attributedTo", "url"),
            ],
        );
        assert_eq!(actor["publicKey"]["owner"], actor["id"]);
        // Lemmy reads the moderators from the collection `attributedTo` names.
        assert_eq!(actor["attributedTo"], format!("{}/moderators", group.ap_id));
        // Mastodon: an account with `group: true`, following it needs no
        // approval unless it says so.
        assert_shape(
            &actor,
            &[
                ("/manuallyApprovesFollowers", "bool"),
                ("/discoverable", "bool"),
                ("/url", "url"),
                ("/@context", "array"),
            ],
        );
    }

    #[test]
    fn the_announce_reads_as_a_boost_by_the_group() {
        let group = community();
        let author = {
            let urls = Urls::new(url::Url::parse("https://river.example").unwrap());
            new_local_actor(&urls, "bob", "Person").unwrap()
        };
        let note_id = "https://river.example/users/bob/statuses/1";
        let announce = render::announce(
            "https://town.example/users/officers/statuses/2/activity",
            &group,
            note_id,
            &author,
        );
        assert_shape(
            &announce,
            &[
                ("/id", "url"),
                ("/actor", "url"),
                ("/object", "url"),
                ("/to", "array"),
                ("/cc", "array"),
                ("/published", "string"),
            ],
        );
        assert_eq!(announce["type"], "Announce");
        assert_eq!(announce["actor"], group.ap_id.as_str());
        assert_eq!(announce["object"], note_id);
        assert_eq!(announce["to"][0], crate::protocol::PUBLIC);
        let cc: Vec<&str> = announce["cc"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(cc.contains(&author.ap_id.as_str()), "{announce}");
        assert!(
            cc.contains(&group.followers_url.as_deref().unwrap()),
            "{announce}"
        );
    }

    fn shared(visibility: Visibility, reply: bool) -> (Account, Account, Vec<Value>) {
        let group = community();
        let urls = Urls::new(url::Url::parse("https://river.example").unwrap());
        let author = new_local_actor(&urls, "bob", "Person").unwrap();
        let mut status = Status::boost(1, urls.status("bob", 1), author.id, false, 0, db::now());
        status.reblog_of_id = None;
        status.content = "<p>our council adopted the plan</p>".into();
        status.visibility = visibility.as_str().into();
        if reply {
            status.in_reply_to_ap_id = Some(urls.status("carol", 3));
        }
        let mut boost = Status::boost(
            2,
            format!("{}/activity", group.ap_id),
            group.id,
            true,
            1,
            db::now(),
        );
        boost.visibility = status.visibility.clone();
        let note = render::note(&urls, &status, &author, std::slice::from_ref(&group), &[]);
        let sent = announcements(&group, &boost, &status, &author, &note);
        (group, author, sent)
    }

    /// Lemmy reads a community's share as `Announce` of the author's
    /// `Create` (FEP-1b12), its note embedded; Mastodon reads only the
    /// `Announce` of the note's id, sent too for a public top-level post.
    #[test]
    fn a_share_goes_out_as_lemmy_and_mastodon_read_it() {
        let (group, author, sent) = shared(Visibility::Public, false);
        assert_eq!(sent.len(), 2, "{sent:#?}");
        let lemmy = &sent[0];
        assert_shape(
            lemmy,
            &[
                ("/id", "url"),
                ("/actor", "url"),
                ("/to", "array"),
                ("/cc", "array"),
                ("/object/id", "url"),
                ("/object/actor", "url"),
                ("/object/object/id", "url"),
                ("/object/object/attributedTo", "url"),
                ("/object/object/content", "string"),
                ("/object/object/to", "array"),
            ],
        );
        assert_eq!(lemmy["type"], "Announce");
        assert_eq!(lemmy["actor"], group.ap_id.as_str());
        assert_eq!(lemmy["object"]["type"], "Create");
        assert_eq!(lemmy["object"]["actor"], author.ap_id.as_str());
        assert_eq!(lemmy["object"]["object"]["type"], "Note");
        assert_eq!(lemmy["to"][0], crate::protocol::PUBLIC);
        // FEP-1b12's `audience`: the community, on the Announce, the Create
        // and the note (the post names the community).
        for audience in [
            &lemmy["audience"],
            &lemmy["object"]["audience"],
            &lemmy["object"]["object"]["audience"],
        ] {
            assert_eq!(*audience, group.ap_id.as_str(), "{lemmy}");
        }
        let mastodon = &sent[1];
        assert_eq!(mastodon["object"], lemmy["object"]["object"]["id"]);
        assert_eq!(mastodon["audience"], group.ap_id.as_str());
        assert_ne!(mastodon["id"], lemmy["id"], "two activities, two ids");

        let (_, _, replies) = shared(Visibility::Public, true);
        assert_eq!(replies.len(), 1, "Mastodon shows no boosted replies");
        assert_eq!(replies[0]["object"]["type"], "Create");
    }

    #[test]
    fn a_followers_only_share_is_addressed_to_members_alone() {
        let (group, _, sent) = shared(Visibility::Private, false);
        assert_eq!(
            sent.len(),
            1,
            "no boost of a followers-only post: {sent:#?}"
        );
        let announce = &sent[0];
        assert_eq!(announce["object"]["type"], "Create");
        assert_eq!(
            announce["to"],
            serde_json::json!([group.followers_url.as_deref().unwrap()])
        );
        let everyone = [&announce["to"], &announce["cc"]];
        assert!(
            everyone
                .iter()
                .all(|list| !list.to_string().contains(crate::protocol::PUBLIC)),
            "{announce}"
        );
    }
}

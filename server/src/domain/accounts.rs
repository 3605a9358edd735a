//! Local members and the instance's own actor.

use super::{Context, urls::Urls};
use crate::{
    crypto,
    db::{self, accounts, ids::next_id, models::Account, models::User, oauth as db_oauth},
    error::{Error, Result},
};
use std::collections::{HashMap, HashSet};

/// The instance actor's username. Local usernames allow only letters, digits
/// and underscores, so a name with a dot can never collide with a member's.
pub const INSTANCE_ACTOR_USERNAME: &str = "instance.actor";

pub struct NewUser<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    pub admin: bool,
    /// False when an admin must approve the sign-up before the member can
    /// log in.
    pub approved: bool,
    /// Why they want to join, for the admin who approves sign-ups.
    pub reason: Option<&'a str>,
}

/// Whether `user` may weave the whole network: see anyone's suggested
/// introductions, the network's "who should meet whom", the names in the
/// health report, and send the introductions digest. Admins can do all
/// of it; weavers are members an admin trusted with it alone, without
/// the rest of an admin's powers.
pub fn can_weave(user: &User) -> bool {
    user.admin || user.weaver
}

/// Longest reason a sign-up may give.
const MAX_REASON: usize = 1000;

pub fn validate_username(username: &str) -> Result<()> {
    if username.eq_ignore_ascii_case(super::network::NETWORK_USERNAME) {
        return Err(Error::Validation(format!(
            "the username {username:?} is reserved for the network"
        )));
    }
    let valid = (1..=30).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(Error::Validation(
            "username must be 1 to 30 letters, digits or underscores".into(),
        ))
    }
}

fn validate_email(email: &str) -> Result<()> {
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty() && host.contains('.') && !host.contains('@')
        });
    if valid {
        Ok(())
    } else {
        Err(Error::Validation(format!(
            "{email:?} is not an email address"
        )))
    }
}

/// A local actor row with fresh keys and every URL filled in.
pub(super) fn new_local_actor(urls: &Urls, username: &str, actor_type: &str) -> Result<Account> {
    let key = crypto::generate_rsa_key()?;
    let is_member = actor_type != "Application";
    let ap_id = if actor_type == "Application" {
        urls.instance_actor()
    } else {
        urls.actor(username)
    };
    let now = db::now();
    Ok(Account {
        id: next_id(),
        username: username.to_string(),
        domain: urls.domain(),
        local: true,
        actor_type: actor_type.to_string(),
        display_name: String::new(),
        note: String::new(),
        public_key_id: Urls::key_id(&ap_id),
        // The instance actor has only an inbox: it signs fetches and answers
        // follows with Reject, and has no page, posts or relationships.
        url: is_member.then(|| urls.profile_page(username)),
        inbox_url: urls.inbox(username),
        shared_inbox_url: Some(urls.shared_inbox()),
        outbox_url: is_member.then(|| urls.outbox(username)),
        followers_url: is_member.then(|| urls.followers(username)),
        following_url: is_member.then(|| urls.following(username)),
        ap_id,
        public_key_pem: key.public_pem,
        private_key_pem: Some(key.private_pem),
        locked: false,
        bot: actor_type != "Person",
        discoverable: actor_type == "Person",
        created_at: now,
        updated_at: now,
        last_fetched_at: None,
        deleted_at: None,
        fields: "[]".into(),
    })
}

/// The stored form of a new password, once it is long enough.
pub fn password_hash(password: &str) -> Result<String> {
    if password.chars().count() < 8 {
        return Err(Error::Validation(
            "password must be at least 8 characters".into(),
        ));
    }
    Ok(crypto::hash_password(password)?)
}

pub async fn create_user(ctx: &Context, new: NewUser<'_>) -> Result<Account> {
    validate_username(new.username)?;
    let email = new.email.trim().to_lowercase();
    validate_email(&email)?;
    let password_hash = password_hash(new.password)?;
    let reason = match new.reason.map(str::trim).filter(|r| !r.is_empty()) {
        Some(reason) => Some(super::text::within_limit("reason", reason, MAX_REASON)?),
        None => None,
    };
    let account = new_local_actor(&ctx.urls, new.username, "Person")?;
    let user = User {
        id: next_id(),
        account_id: account.id,
        email,
        password_hash,
        admin: new.admin,
        approved: new.approved,
        created_at: db::now(),
        weaver: false,
        introductions_digest: true,
    };
    let username = new.username.to_string();
    ctx.db
        .write(move |conn| {
            if accounts::by_handle(conn, &username, &account.domain)?.is_some() {
                return Err(Error::Conflict(format!("username {username} is taken")));
            }
            if db_oauth::user_by_login(conn, &user.email)?.is_some() {
                return Err(Error::Conflict(
                    "email address is already registered".into(),
                ));
            }
            let account = accounts::insert(conn, &account)?;
            super::keys::ensure_ed25519(conn, account.id)?;
            db_oauth::insert_user(conn, &user)?;
            if let Some(reason) = reason {
                db::sessions::insert_sign_up_request(
                    conn,
                    &db::models::SignUpRequest {
                        account_id: account.id,
                        reason,
                        created_at: user.created_at,
                        turned_down_at: None,
                        message: None,
                    },
                )?;
            }
            Ok(account)
        })
        .await
}

/// The instance's own actor, created on first start. It signs fetches so that
/// servers that demand signed GETs answer us.
pub async fn instance_actor(ctx: &Context) -> Result<Account> {
    let ap_id = ctx.urls.instance_actor();
    let existing = {
        let ap_id = ap_id.clone();
        ctx.db
            .read(move |conn| accounts::by_ap_id(conn, &ap_id).map_err(Error::from))
            .await?
    };
    if let Some(actor) = existing {
        return Ok(actor);
    }
    let actor = new_local_actor(&ctx.urls, INSTANCE_ACTOR_USERNAME, "Application")?;
    ctx.db
        .write(move |conn| match accounts::by_ap_id(conn, &actor.ap_id)? {
            Some(existing) => Ok(existing),
            None => accounts::insert(conn, &actor).map_err(Error::from),
        })
        .await
}

/// Checks a login (email or username) and password.
pub async fn authenticate(ctx: &Context, login: &str, password: &str) -> Result<(User, Account)> {
    let login = login.trim().to_string();
    let found = ctx
        .db
        .read(move |conn| {
            let Some((user, account)) = db_oauth::user_by_login(conn, &login)? else {
                return Ok(None);
            };
            let refused = super::moderation::login_refused(conn, account.id)?;
            Ok::<_, Error>(Some((user, account, refused)))
        })
        .await?;
    match found {
        Some((user, account, refused))
            if crypto::verify_password(password, &user.password_hash) =>
        {
            if let Some(refused) = refused {
                return Err(Error::Forbidden(refused.into()));
            }
            if !user.approved {
                return Err(Error::Forbidden("Your login is awaiting approval".into()));
            }
            Ok((user, account))
        }
        _ => Err(Error::BadRequest("Invalid email or password".into())),
    }
}

pub async fn by_id(ctx: &Context, id: i64) -> Result<Account> {
    ctx.db
        .read(move |conn| accounts::by_id(conn, id)?.ok_or_else(Error::not_found))
        .await
}

/// A local member by username. The instance actor is not a member: it is
/// served at its own URL only.
pub async fn local_by_username(ctx: &Context, username: &str) -> Result<Account> {
    let username = username.to_string();
    ctx.db
        .read(move |conn| {
            accounts::local_by_username(conn, &username)?
                .filter(|a| a.actor_type != "Application")
                .ok_or_else(Error::not_found)
        })
        .await
}

/// The local member (a person, not a community or the network) `username`.
pub async fn local_member_by_username(ctx: &Context, username: &str) -> Result<Account> {
    let account = local_by_username(ctx, username).await?;
    if account.actor_type != "Person" {
        return Err(Error::not_found());
    }
    Ok(account)
}

/// An account that can be shown: not deleted and not the instance actor.
pub async fn visible_by_id(ctx: &Context, id: i64) -> Result<Account> {
    let account = by_id(ctx, id).await?;
    if account.deleted_at.is_some() || account.actor_type == "Application" {
        return Err(Error::not_found());
    }
    Ok(account)
}

pub async fn by_ap_id(ctx: &Context, ap_id: &str) -> Result<Option<Account>> {
    let ap_id = ap_id.to_string();
    ctx.db
        .read(move |conn| Ok(accounts::by_ap_id(conn, &ap_id)?.filter(|a| a.deleted_at.is_none())))
        .await
}

/// Finds an account by `user` (local) or `user@domain`, without any network.
pub async fn by_acct(ctx: &Context, acct: &str) -> Result<Option<Account>> {
    let acct = acct.trim().trim_start_matches('@').to_string();
    let local_domain = ctx.urls.domain();
    ctx.db
        .read(move |conn| {
            let (username, domain) = match acct.split_once('@') {
                Some((user, domain)) => (user.to_string(), domain.to_lowercase()),
                None => (acct.clone(), local_domain.clone()),
            };
            let found = accounts::by_handle(conn, &username, &domain)?;
            Ok(found.filter(|a| a.deleted_at.is_none() && a.actor_type != "Application"))
        })
        .await
}

pub async fn view(ctx: &Context, account: Account) -> Result<super::views::AccountView> {
    ctx.db
        .read(move |conn| Ok(super::views::account_view(conn, account)?))
        .await
}

/// How big this instance is, for NodeInfo and the instance API.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    pub members: i64,
    pub local_posts: i64,
}

pub async fn usage(ctx: &Context) -> Result<Usage> {
    ctx.db
        .read(|conn| {
            Ok(Usage {
                members: accounts::count_local_people(conn)?,
                local_posts: db::statuses::count_local(conn)?,
            })
        })
        .await
}

/// Deletes a member: their statuses and follows go, the account is marked
/// deleted (its key stays, to sign the notice), and every server that
/// follows them or that they follow is sent a Delete of the actor.
pub async fn delete_local(ctx: &Context, username: &str) -> Result<Account> {
    let account = local_by_username(ctx, username).await?;
    if account.actor_type != "Person" {
        return Err(Error::Forbidden("only members can be deleted".into()));
    }
    let urls = ctx.urls.clone();
    let deleted = account.clone();
    ctx.db
        .write(move |conn| -> Result<()> {
            send_actor_delete(conn, &urls, &account, &format!("{}#delete", account.ap_id))?;
            db::statuses::delete_by_account(conn, account.id)?;
            db::follows::delete_all_of(conn, account.id)?;
            accounts::mark_deleted(conn, account.id)?;
            Ok(())
        })
        .await?;
    ctx.deliveries_queued();
    Ok(deleted)
}

/// Queues a `Delete` of a local actor to every server that follows it or
/// that it follows: they drop the account and everything of it. Used when a
/// member is deleted and when one is suspended.
pub fn send_actor_delete(
    conn: &mut db::DbConnection,
    urls: &Urls,
    account: &Account,
    activity_id: &str,
) -> Result<()> {
    let mut inboxes = super::outbox::inboxes_of(&db::follows::followers(conn, account.id)?);
    inboxes.extend(super::outbox::inboxes_of(&db::follows::following(
        conn, account.id,
    )?));
    let delete = super::render::activity(
        "Delete",
        activity_id,
        account,
        serde_json::json!(account.ap_id),
        &[crate::protocol::PUBLIC.to_string()],
        &[],
    );
    super::outbox::enqueue(conn, urls, account, &delete, inboxes)?;
    Ok(())
}

/// Domains of the servers this instance has met.
pub async fn peers(ctx: &Context) -> Result<Vec<String>> {
    ctx.db.read(|conn| Ok(accounts::known_domains(conn)?)).await
}

/// Profile fields a member may have: room for roles, organisation, place,
/// offers and needs beside a link or two.
pub const MAX_FIELDS: usize = 8;
const MAX_DISPLAY_NAME: usize = 30;
const MAX_NOTE: usize = 500;
const MAX_FIELD_CHARS: usize = 255;

/// Changes to a member's profile; `None` leaves a value as it is.
#[derive(Debug, Clone, Default)]
pub struct ProfileChanges {
    pub display_name: Option<String>,
    pub note: Option<String>,
    pub locked: Option<bool>,
    pub bot: Option<bool>,
    pub discoverable: Option<bool>,
    /// Plain-text (name, value) pairs; empty pairs are dropped.
    pub fields: Option<Vec<(String, String)>>,
    /// A new avatar or header, prepared by `media::prepare_profile_image`.
    pub images: Vec<super::media::Media>,
}

fn too_long(what: &str, text: &str, max: usize) -> Result<()> {
    if text.chars().count() > max {
        return Err(Error::Validation(format!(
            "{what} is longer than {max} characters"
        )));
    }
    Ok(())
}

/// Applies `changes` and tells the servers of the member's followers.
/// Nothing is written when a change is refused; the files of new images
/// are removed then, and those of replaced ones once the change is written.
pub async fn update_profile(
    ctx: &Context,
    account: &Account,
    mut changes: ProfileChanges,
) -> Result<Account> {
    let images = std::mem::take(&mut changes.images);
    match write_profile(ctx, account, changes, images.clone()).await {
        Ok((saved, replaced)) => {
            super::media::remove_files(ctx, replaced).await;
            Ok(saved)
        }
        Err(error) => {
            super::media::remove_files(ctx, images).await;
            Err(error)
        }
    }
}

async fn write_profile(
    ctx: &Context,
    account: &Account,
    changes: ProfileChanges,
    images: Vec<super::media::Media>,
) -> Result<(Account, Vec<super::media::Media>)> {
    let mut updated = account.clone();
    if let Some(name) = changes.display_name {
        too_long("display_name", name.trim(), MAX_DISPLAY_NAME)?;
        updated.display_name = name.trim().to_string();
    }
    if let Some(note) = changes.note {
        too_long("note", note.trim(), MAX_NOTE)?;
        updated.note = super::text::render_plain(&note, &Default::default(), &ctx.urls);
    }
    updated.locked = changes.locked.unwrap_or(updated.locked);
    updated.bot = changes.bot.unwrap_or(updated.bot);
    updated.discoverable = changes.discoverable.unwrap_or(updated.discoverable);
    let mut practice_changes = None;
    if let Some(fields) = changes.fields {
        let fields: Vec<(String, String)> = fields
            .into_iter()
            .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
            .filter(|(n, v)| !n.is_empty() || !v.is_empty())
            .collect();
        // Apps edit the practice as the profile fields it is shown as.
        let fields = if account.local && account.actor_type == "Person" {
            let (practice, own) = super::practice::PracticeChanges::from_profile_fields(fields);
            practice_changes = Some(practice);
            own
        } else {
            fields
        };
        if fields.len() > MAX_FIELDS {
            return Err(Error::Validation(format!(
                "at most {MAX_FIELDS} profile fields"
            )));
        }
        let mut rendered = Vec::new();
        for (name, value) in fields {
            too_long("a field name", &name, MAX_FIELD_CHARS)?;
            too_long("a field value", &value, MAX_FIELD_CHARS)?;
            rendered.push(crate::db::models::ProfileField {
                value: super::text::render_inline(&value, &ctx.urls),
                name,
            });
        }
        updated.fields =
            serde_json::to_string(&rendered).map_err(|e| Error::Internal(e.to_string()))?;
    }
    let urls = ctx.urls.clone();
    let saved = ctx
        .db
        .write(move |conn| -> Result<(Account, Vec<super::media::Media>)> {
            let saved = accounts::update_profile(conn, &updated)?;
            if let Some(changes) = practice_changes {
                super::practice::apply_in(conn, saved.id, changes)?;
            }
            let mut replaced = Vec::new();
            for image in &images {
                replaced.extend(super::media::install_profile_image(conn, image)?);
            }
            let document = actor_document_in(conn, &urls, &saved)?;
            send_actor_update(conn, &urls, &saved, document)?;
            Ok((saved, replaced))
        })
        .await?;
    ctx.deliveries_queued();
    Ok(saved)
}

/// The ActivityPub document of a local actor, with what Trellis adds to the
/// profile: a member's practice (as an extension and as profile fields),
/// and on the network actor the network's description.
pub fn actor_document_in(
    conn: &mut db::DbConnection,
    urls: &Urls,
    account: &Account,
) -> Result<crate::protocol::Actor> {
    let mut document = super::render::actor(account);
    if let Some(key) = db::actor_keys::of_accounts(conn, &[account.id])?.get(&account.id) {
        document.assertion_method = vec![super::keys::assertion_method(account, key)];
    }
    for image in db::media::images_of_accounts(conn, &[account.id])? {
        let value = Some(super::render::image(urls, &image));
        if image.role == db::media::AVATAR {
            document.icon = value;
        } else {
            document.image = value;
        }
    }
    if super::network::is_network_actor(account) {
        let name = if account.display_name.is_empty() {
            account.username.clone()
        } else {
            account.display_name.clone()
        };
        document.network = Some(super::network::extension_in(conn, &name)?);
    } else if account.actor_type == "Group" {
        document.community = super::communities::extension_in(conn, account)?;
    } else if account.actor_type == "Person" {
        let practice = super::practice::of_account(conn, account.id)?;
        if !practice.is_empty() {
            document.practice = Some(practice.extension());
        }
        for field in super::practice::profile_fields(conn, account)? {
            document.attachment.push(serde_json::json!({
                "type": "PropertyValue",
                "name": field.name,
                "value": field.value,
            }));
        }
    }
    Ok(document)
}

pub async fn actor_document(ctx: &Context, account: &Account) -> Result<crate::protocol::Actor> {
    let account = account.clone();
    let urls = ctx.urls.clone();
    ctx.db
        .read(move |conn| actor_document_in(conn, &urls, &account))
        .await
}

/// Queues an `Update` carrying `actor` (the saved profile of `account`) for
/// the servers of the account's followers.
pub fn send_actor_update(
    conn: &mut db::DbConnection,
    urls: &Urls,
    account: &Account,
    actor: crate::protocol::Actor,
) -> Result<()> {
    send_actor_update_also(conn, urls, account, actor, &[])
}

/// [`send_actor_update`], also to `others` (accounts that do not follow
/// but keep what the actor says, as a parent network keeps its child's
/// profile).
pub fn send_actor_update_also(
    conn: &mut db::DbConnection,
    urls: &Urls,
    account: &Account,
    mut actor: crate::protocol::Actor,
    others: &[Account],
) -> Result<()> {
    let followers = db::follows::followers(conn, account.id)?;
    // The activity carries the context; the embedded actor needs none.
    actor.context = None;
    let actor = serde_json::to_value(actor).map_err(|e| Error::Internal(e.to_string()))?;
    let update = super::render::activity(
        "Update",
        // Unique even for two changes within one millisecond (or a
        // practice change, which leaves `updated_at` as it was).
        &format!("{}#updates/{}", account.ap_id, next_id()),
        account,
        actor,
        &[crate::protocol::PUBLIC.to_string()],
        &[account.followers_url.clone().unwrap_or_default()],
    );
    super::outbox::enqueue(
        conn,
        urls,
        account,
        &update,
        super::outbox::inboxes_of(followers.iter().chain(others)),
    )
}

/// Lets a member whose sign-up waited for approval log in.
pub async fn approve(ctx: &Context, username: &str) -> Result<Account> {
    let account = local_by_username(ctx, username).await?;
    let account_id = account.id;
    let changed = ctx
        .db
        .write(move |conn| Ok::<_, Error>(db_oauth::approve_user(conn, account_id)?))
        .await?;
    if changed == 0 {
        return Err(Error::NotFound(format!(
            "{username} has no login to approve"
        )));
    }
    Ok(account)
}

/// A sign-up through the API, as the instance's registration mode allows.
pub async fn register(
    ctx: &Context,
    username: &str,
    email: &str,
    password: &str,
    agreement: bool,
    reason: Option<&str>,
) -> Result<Account> {
    use crate::config::Registrations;
    let mode = ctx.config.registrations;
    if mode == Registrations::Closed {
        return Err(Error::Forbidden(
            "Registrations are closed on this server".into(),
        ));
    }
    if !agreement {
        return Err(Error::Validation("agreement must be accepted".into()));
    }
    create_user(
        ctx,
        NewUser {
            username,
            email,
            password,
            admin: false,
            approved: mode == Registrations::Open,
            reason: reason.filter(|_| mode == Registrations::Approval),
        },
    )
    .await
}

/// The login of a local member.
pub async fn user_of(ctx: &Context, account_id: i64) -> Result<User> {
    ctx.db
        .read(move |conn| db_oauth::user_by_account(conn, account_id)?.ok_or_else(Error::not_found))
        .await
}

/// Longest private note a member may keep about an account.
pub const MAX_NOTE_CHARS: usize = 2000;

/// Saves `viewer`'s private note about `target` (an empty one removes it).
pub async fn set_note(
    ctx: &Context,
    viewer: &Account,
    target: &Account,
    comment: &str,
) -> Result<()> {
    let comment = comment.trim().to_string();
    if comment.chars().count() > MAX_NOTE_CHARS {
        return Err(Error::Validation(format!(
            "Comment is too long (maximum is {MAX_NOTE_CHARS} characters)"
        )));
    }
    let (viewer_id, target_id) = (viewer.id, target.id);
    ctx.db
        .write(move |conn| Ok(accounts::set_note(conn, viewer_id, target_id, &comment)?))
        .await
}

/// For each of `ids`, the accounts `viewer` follows that also follow it.
pub async fn familiar_followers(
    ctx: &Context,
    viewer: &Account,
    ids: Vec<i64>,
) -> Result<Vec<(i64, Vec<super::views::AccountView>)>> {
    let viewer_id = viewer.id;
    ctx.db
        .read(move |conn| {
            let followed: HashSet<i64> = crate::db::follows::accepted_from(conn, &[viewer_id])?
                .into_iter()
                .map(|(_, target)| target)
                .collect();
            let familiar: Vec<(i64, i64)> = crate::db::follows::accepted_to(conn, &ids)?
                .into_iter()
                .filter(|(follower, _)| followed.contains(follower))
                .collect();
            let mut familiar_ids: Vec<i64> =
                familiar.iter().map(|(follower, _)| *follower).collect();
            familiar_ids.sort_unstable();
            familiar_ids.dedup();
            let present: Vec<Account> = accounts::by_ids(conn, &familiar_ids)?
                .into_iter()
                .filter(|a| a.deleted_at.is_none())
                .collect();
            let views: HashMap<i64, super::views::AccountView> =
                super::views::account_views(conn, present)?
                    .into_iter()
                    .map(|view| (view.account.id, view))
                    .collect();
            Ok(ids
                .into_iter()
                .map(|id| {
                    let known = familiar
                        .iter()
                        .filter(|(_, target)| *target == id)
                        .filter_map(|(follower, _)| views.get(follower).cloned())
                        .collect();
                    (id, known)
                })
                .collect())
        })
        .await
}

/// How the profile directory is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectoryOrder {
    /// Most recent post first.
    Active,
    /// Newest account first.
    New,
}

/// A page of the profile directory: discoverable accounts (local ones only
/// when `local_only`), members still waiting for approval left out.
pub async fn directory(
    ctx: &Context,
    order: DirectoryOrder,
    local_only: bool,
    offset: usize,
    limit: usize,
) -> Result<Vec<super::views::AccountView>> {
    ctx.db
        .read(move |conn| {
            let candidates = accounts::discoverable(conn, local_only)?;
            let local_ids: Vec<i64> = candidates
                .iter()
                .filter(|a| a.local)
                .map(|a| a.id)
                .collect();
            let approved: HashSet<i64> = db_oauth::approved_among(conn, &local_ids)?
                .into_iter()
                .collect();
            let mut listed: Vec<Account> = candidates
                .into_iter()
                .filter(|a| !a.local || approved.contains(&a.id))
                .collect();
            if order == DirectoryOrder::Active {
                // Accounts that never posted go last, newest first among
                // them (the stable sort keeps the listing's order).
                let ids: Vec<i64> = listed.iter().map(|a| a.id).collect();
                let stats = crate::db::accounts::stats_of(conn, &ids)?;
                listed.sort_by_key(|a| {
                    std::cmp::Reverse(stats.get(&a.id).and_then(|s| s.last_status_at))
                });
            }
            let page = listed.into_iter().skip(offset).take(limit).collect();
            Ok(super::views::account_views(conn, page)?)
        })
        .await
}

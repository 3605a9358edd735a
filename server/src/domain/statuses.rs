//! Writing and deleting a member's own statuses.

use super::{
    Context, Visibility, kinds, outbox, render,
    text::{self, Handle},
    views::{self, StatusView},
};
use super::{notifications, streaming};
use crate::{
    db::{
        self, DbConnection, accounts, follows,
        ids::next_id,
        models::{Account, Status, StatusEdit},
        statuses,
    },
    error::{Error, Result},
};
use diesel::QueryResult;
use std::collections::HashMap;

pub const MAX_CHARS: usize = 5000;

#[derive(Debug, Clone, Default)]
pub struct NewStatus {
    pub text: String,
    pub in_reply_to_id: Option<i64>,
    pub visibility: Option<String>,
    pub spoiler_text: Option<String>,
    pub sensitive: bool,
    pub language: Option<String>,
    /// The client's Idempotency-Key: a retried post with the same key
    /// answers with the status the first one made.
    pub idempotency_key: Option<String>,
    /// What the post is for (`question`, `offer`…), from the API's `kind`.
    pub kind: Option<String>,
    /// A story's dimensions, from the API's `dimensions`.
    pub dimensions: Vec<String>,
    /// The introduction this status makes, recorded with it.
    pub introduction: Option<super::introductions::IntroductionDraft>,
    /// The member's uploads the status shows, in order.
    pub media_ids: Vec<i64>,
    /// On an edit: whether `media_ids` was sent, and so replaces the
    /// status's media (apps that leave it out keep them).
    pub media_changed: bool,
    /// The status it quotes: public or unlisted, and visible to the author.
    pub quoted_status_id: Option<i64>,
    /// The poll it asks.
    pub poll: Option<super::polls::PollDraft>,
}

/// Accounts that should see a status in their home feed when it is written:
/// its author, plus local followers, or for a direct status the local people
/// it mentions.
fn home_audience(
    conn: &mut DbConnection,
    author: &Account,
    visibility: Visibility,
    mentioned: &[Account],
) -> Result<Vec<i64>> {
    let mut ids: Vec<i64> = if visibility == Visibility::Direct {
        mentioned.iter().filter(|a| a.local).map(|a| a.id).collect()
    } else {
        follows::local_follower_ids(conn, author.id)?
    };
    if author.local {
        ids.push(author.id);
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Remote servers that must hear about a status: followers' servers unless it
/// is direct, plus everyone mentioned and the author of the status it answers.
fn remote_audience(
    conn: &mut DbConnection,
    author: &Account,
    visibility: Visibility,
    mentioned: &[Account],
    parent_author: Option<&Account>,
) -> Result<std::collections::BTreeSet<String>> {
    let mut inboxes = outbox::inboxes_of(mentioned);
    if visibility != Visibility::Direct {
        inboxes.extend(follows::remote_follower_inboxes(conn, author.id)?);
        inboxes.extend(outbox::inboxes_of(parent_author));
    }
    Ok(inboxes)
}

/// An ISO 639 code, or nothing.
fn valid_language(language: Option<String>) -> Option<String> {
    language.filter(|l| (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_lowercase()))
}

/// Servers that hold a copy of a status through boosts: the servers of
/// remote boosters, and the followers of local ones.
fn boost_audience(
    conn: &mut DbConnection,
    status_id: i64,
) -> Result<std::collections::BTreeSet<String>> {
    let mut inboxes = std::collections::BTreeSet::new();
    for booster in statuses::rebloggers(conn, status_id)? {
        if booster.local {
            inboxes.extend(follows::remote_follower_inboxes(conn, booster.id)?);
        } else {
            inboxes.extend(outbox::inboxes_of([&booster]));
        }
    }
    Ok(inboxes)
}

fn parent_author(conn: &mut DbConnection, status: &Status) -> Result<Option<Account>> {
    Ok(match status.in_reply_to_account_id {
        Some(id) => accounts::by_id(conn, id)?,
        None => None,
    })
}

/// The text and content warning of a status, trimmed and within limits.
fn validated_text(input: &NewStatus) -> Result<(String, String)> {
    let body = input.text.trim().to_string();
    if body.is_empty() && input.media_ids.is_empty() {
        return Err(Error::Validation("Text can't be blank".into()));
    }
    if body.chars().count() > MAX_CHARS {
        return Err(Error::Validation(format!(
            "Text is longer than {MAX_CHARS} characters"
        )));
    }
    let spoiler_text = input
        .spoiler_text
        .clone()
        .unwrap_or_default()
        .trim()
        .to_string();
    if spoiler_text.chars().count() > 1000 {
        return Err(Error::Validation(
            "spoiler_text is longer than 1000 characters".into(),
        ));
    }
    Ok((body, spoiler_text))
}

/// The status `id` when `author` may quote it: it exists, is not a
/// boost, and anyone may see it (public or unlisted).
fn quotable(conn: &mut DbConnection, author: &Account, id: i64) -> Result<Status> {
    let quoted = statuses::by_id(conn, id)?
        .filter(|s| s.reblog_of_id.is_none())
        .ok_or_else(|| {
            Error::Validation(format!("status {id} cannot be quoted: it is not here"))
        })?;
    if !views::can_see(conn, Some(author), &quoted)? {
        return Err(Error::Validation(format!(
            "status {id} cannot be quoted: it is not here"
        )));
    }
    if !matches!(
        Visibility::from_stored(&quoted.visibility),
        Visibility::Public | Visibility::Unlisted
    ) {
        return Err(Error::Validation(
            "Only public and unlisted statuses can be quoted".into(),
        ));
    }
    Ok(quoted)
}

/// The line a quote adds to its text, for servers and apps that do not
/// show quotes: a link to the quoted post, marked as Mastodon marks it so
/// that those that do can hide it.
fn quote_inline(quoted: &Status) -> String {
    let link = text::escape(quoted.url.as_deref().unwrap_or(&quoted.ap_id));
    format!(r#"<p class="quote-inline">RE: <a href="{link}">{link}</a></p>"#)
}

fn sorted_accounts(resolved: HashMap<Handle, Account>) -> Vec<Account> {
    let mut accounts: Vec<Account> = resolved.into_values().collect();
    accounts.sort_by_key(|a| a.id);
    accounts.dedup_by_key(|a| a.id);
    accounts
}

pub async fn create(
    ctx: &Context,
    author: &Account,
    input: NewStatus,
    resolved: HashMap<Handle, Account>,
) -> Result<StatusView> {
    let (body, spoiler_text) = validated_text(&input)?;
    let (stated_kind, stated_dimensions) = kinds::stated(input.kind.as_deref(), &input.dimensions)?;
    let classified =
        kinds::Classified::decide(stated_kind, &stated_dimensions, &text::hashtags(&body));
    let body = with_hashtags(body, &classified);
    let visibility = match input.visibility.as_deref().filter(|v| !v.is_empty()) {
        None => Visibility::Public,
        Some(v) => Visibility::parse(v)
            .ok_or_else(|| Error::Validation(format!("{v:?} is not a visibility")))?,
    };
    let id = next_id();
    let ap_id = ctx.urls.status(&author.username, id);
    let content = text::render_plain(&body, &resolved, &ctx.urls);
    let hashtags = text::hashtags(&body);
    let mentioned = sorted_accounts(resolved);
    let now = db::now();
    let status = Status {
        id,
        url: Some(ctx.urls.status_page(&author.username, id)),
        ap_id,
        account_id: author.id,
        local: true,
        content,
        source_text: Some(body),
        spoiler_text: spoiler_text.clone(),
        sensitive: input.sensitive || !spoiler_text.is_empty(),
        language: valid_language(input.language),
        visibility: visibility.as_str().into(),
        in_reply_to_id: None,
        in_reply_to_ap_id: None,
        in_reply_to_account_id: None,
        reblog_of_id: None,
        published_at: now,
        created_at: now,
        edited_at: None,
    };
    let author = author.clone();
    let urls = ctx.urls.clone();
    let in_reply_to_id = input.in_reply_to_id;
    let introduction = input.introduction;
    let media_ids = input.media_ids;
    let quoted_status_id = input.quoted_status_id;
    let poll = input.poll;
    let poll_options = poll
        .as_ref()
        .map(|draft| draft.checked(ctx.config.poll_min_expiration_seconds))
        .transpose()?;
    if poll.is_some() && !media_ids.is_empty() {
        return Err(Error::Validation(
            "A status cannot have both media and a poll".into(),
        ));
    }
    let idempotency_key = input
        .idempotency_key
        .filter(|k| !k.is_empty() && k.len() <= 255);
    let view = ctx
        .db
        .write(move |conn| {
            let mut status = status;
            let earlier = match &idempotency_key {
                Some(key) => statuses::status_for_idempotency_key(conn, author.id, key)?,
                None => None,
            };
            if let Some(earlier) = earlier {
                return views::load(conn, Some(author.id), &[earlier])?
                    .pop()
                    .ok_or_else(Error::not_found);
            }
            let parent_author = match in_reply_to_id {
                Some(parent_id) => {
                    let parent = statuses::by_id(conn, parent_id)?
                        .filter(|p| p.reblog_of_id.is_none())
                        .ok_or_else(Error::not_found)?;
                    if !views::can_see(conn, Some(&author), &parent)? {
                        return Err(Error::not_found());
                    }
                    status.in_reply_to_id = Some(parent.id);
                    status.in_reply_to_ap_id = Some(parent.ap_id.clone());
                    status.in_reply_to_account_id = Some(parent.account_id);
                    accounts::by_id(conn, parent.account_id)?
                }
                None => None,
            };
            super::media::check_attachable(conn, author.id, &media_ids)?;
            let quoted = match quoted_status_id {
                Some(id) => Some(quotable(conn, &author, id)?),
                None => None,
            };
            if let Some(quoted) = &quoted {
                status.content.push_str(&quote_inline(quoted));
            }
            let status = statuses::insert(conn, &status)?;
            if let Some(quoted) = &quoted {
                crate::db::quotes::insert(conn, status.id, Some(quoted.id), &quoted.ap_id)?;
                notifications::notify_id(
                    conn,
                    quoted.account_id,
                    author.id,
                    notifications::QUOTE,
                    Some(status.id),
                )?;
            }
            crate::db::media::attach(conn, status.id, &media_ids)?;
            if let (Some(draft), Some(options)) = (&poll, &poll_options) {
                super::polls::create(conn, status.id, draft, options)?;
            }
            super::search::index(conn, &status)?;
            if let Some(key) = &idempotency_key {
                statuses::remember_idempotency_key(conn, author.id, key, status.id)?;
            }
            let mention_ids: Vec<i64> = mentioned.iter().map(|a| a.id).collect();
            statuses::insert_mentions(conn, status.id, &mention_ids)?;
            statuses::set_tags(conn, status.id, &hashtags)?;
            kinds::record(conn, &status, &classified)?;
            if let Some(draft) = &introduction {
                super::introductions::record(conn, &author, draft, &status)?;
            }
            for account in &mentioned {
                notifications::notify(
                    conn,
                    account,
                    author.id,
                    notifications::MENTION,
                    Some(status.id),
                )?;
            }
            let mut audience = home_audience(conn, &author, visibility, &mentioned)?;
            if visibility == Visibility::Public {
                super::tags::add_tag_followers(conn, author.id, &hashtags, &mut audience)?;
            }
            statuses::add_to_home_feeds(conn, status.id, &audience)?;
            streaming::status_created(conn, &status)?;
            notifications::notify_subscribers(conn, &status)?;
            super::communities::share_mentioned(conn, &urls, &status, &mentioned)?;
            let note = stored_note(conn, &urls, &status, &author)?;
            // The quoted author's server hears of the quote, as of a reply.
            let mut inboxes_extra = std::collections::BTreeSet::new();
            if let Some(quoted) = &quoted
                && let Some(quoted_author) = accounts::by_id(conn, quoted.account_id)?
            {
                inboxes_extra.extend(outbox::inboxes_of(std::slice::from_ref(&quoted_author)));
            }
            let create = render::wrap_note(
                "Create",
                &format!("{}/activity", status.ap_id),
                &author,
                &note,
            );
            let mut inboxes = remote_audience(
                conn,
                &author,
                visibility,
                &mentioned,
                parent_author.as_ref(),
            )?;
            if visibility != Visibility::Direct {
                inboxes.extend(inboxes_extra);
            }
            outbox::enqueue(conn, &urls, &author, &create, inboxes)?;
            views::load(conn, Some(author.id), &[status.id])?
                .pop()
                .ok_or_else(|| Error::Internal("status vanished while being written".into()))
        })
        .await?;
    ctx.deliveries_queued();
    Ok(view)
}

/// Edits the text of one of the member's statuses and sends the new
/// version to everyone who received the old one.
pub async fn edit(
    ctx: &Context,
    author: &Account,
    status_id: i64,
    input: NewStatus,
    resolved: HashMap<Handle, Account>,
) -> Result<StatusView> {
    let (body, spoiler_text) = validated_text(&input)?;
    let content = text::render_plain(&body, &resolved, &ctx.urls);
    let hashtags = text::hashtags(&body);
    let mentioned = sorted_accounts(resolved);
    let sensitive = input.sensitive || !spoiler_text.is_empty();
    let language = valid_language(input.language);
    let (media_changed, media_ids) = (input.media_changed, input.media_ids);
    let author = author.clone();
    let urls = ctx.urls.clone();
    let (view, removed) = ctx
        .db
        .write(
            move |conn| -> Result<(StatusView, Vec<crate::db::models::Media>)> {
                let mut removed_media = Vec::new();
                let status = statuses::by_id(conn, status_id)?
                    .filter(|s| s.account_id == author.id && s.reblog_of_id.is_none())
                    .ok_or_else(Error::not_found)?;
                let old_mention_ids = statuses::mentioned_account_ids(conn, status.id)?;
                let previously_mentioned = accounts::by_ids(conn, &old_mention_ids)?;
                if media_changed {
                    removed_media = super::media::replace_attachments(conn, &status, &media_ids)?;
                }
                keep_version(conn, &status)?;
                // A quote keeps its link line under the new text.
                let mut content = content;
                if let Some((_, Some(quoted_id), _)) =
                    crate::db::quotes::of_statuses(conn, &[status.id])?.pop()
                    && let Some(quoted) = statuses::by_id(conn, quoted_id)?
                {
                    content.push_str(&quote_inline(&quoted));
                }
                let edited_at = db::now();
                statuses::update_language(conn, status.id, language.as_deref())?;
                statuses::update_content(
                    conn,
                    status.id,
                    &content,
                    &spoiler_text,
                    sensitive,
                    edited_at,
                )?;
                statuses::update_source(conn, status.id, &body)?;
                super::search::index_text(conn, status.id, &spoiler_text, &content)?;
                statuses::set_tags(conn, status.id, &hashtags)?;
                let classified = kinds::Classified::decide(None, &[], &hashtags);
                kinds::record(conn, &status, &classified)?;
                notifications::notify_boosters_of_edit(conn, status.id, author.id)?;
                statuses::delete_mentions(conn, status.id)?;
                let mention_ids: Vec<i64> = mentioned.iter().map(|a| a.id).collect();
                statuses::insert_mentions(conn, status.id, &mention_ids)?;
                let status = statuses::by_id(conn, status.id)?.ok_or_else(Error::not_found)?;
                streaming::status_edited(conn, &status)?;
                let visibility = Visibility::from_stored(&status.visibility);
                let parent_author = parent_author(conn, &status)?;
                // As stored: attachments and the quote travel with the new text.
                let note = stored_note(conn, &urls, &status, &author)?;
                // A fresh id each time: two edits in one millisecond must not
                // share one, or the second would be refused as a repeat.
                let update_id = format!("{}#updates/{}", status.ap_id, next_id());
                let update = render::wrap_note("Update", &update_id, &author, &note);
                // Everyone who got the old version hears of the new one,
                // including people the edit no longer mentions.
                let mut inboxes = remote_audience(
                    conn,
                    &author,
                    visibility,
                    &mentioned,
                    parent_author.as_ref(),
                )?;
                inboxes.extend(outbox::inboxes_of(&previously_mentioned));
                inboxes.extend(boost_audience(conn, status.id)?);
                outbox::enqueue(conn, &urls, &author, &update, inboxes)?;
                let view = views::load(conn, Some(author.id), &[status.id])?
                    .pop()
                    .ok_or_else(Error::not_found)?;
                Ok((view, removed_media))
            },
        )
        .await?;
    ctx.deliveries_queued();
    super::media::remove_files(ctx, removed).await;
    Ok(view)
}

/// Deletes one of the member's statuses and tells everyone who received it.
/// Returns the status as it was, for "delete and redraft".
pub async fn delete(ctx: &Context, author: &Account, status_id: i64) -> Result<StatusView> {
    let author = author.clone();
    let urls = ctx.urls.clone();
    let view = ctx
        .db
        .write(
            move |conn| -> Result<(StatusView, Vec<super::media::Media>)> {
                let status = statuses::by_id(conn, status_id)?
                    .filter(|s| s.account_id == author.id && s.reblog_of_id.is_none())
                    .ok_or_else(Error::not_found)?;
                let view = views::load(conn, Some(author.id), &[status.id])?
                    .pop()
                    .ok_or_else(Error::not_found)?;
                let visibility = Visibility::from_stored(&status.visibility);
                let parent_author = parent_author(conn, &status)?;
                let inboxes = remote_audience(
                    conn,
                    &author,
                    visibility,
                    &view.mentions,
                    parent_author.as_ref(),
                )?;
                // Servers that boosted it hold a copy too.
                let mut inboxes = inboxes;
                inboxes.extend(boost_audience(conn, status.id)?);
                let (to, cc) = render::addressing(visibility, &author, &view.mentions);
                let delete = render::tombstone_delete(
                    &urls.activity(next_id()),
                    &author,
                    &status.ap_id,
                    &to,
                    &cc,
                );
                streaming::status_deleted(conn, &status)?;
                let media = crate::db::media::take_of_status(conn, status.id)?;
                statuses::delete(conn, status.id)?;
                outbox::enqueue(conn, &urls, &author, &delete, inboxes)?;
                Ok((view, media))
            },
        )
        .await?;
    ctx.deliveries_queued();
    let (view, media) = view;
    super::media::remove_files(ctx, media).await;
    Ok(view)
}

/// Keeps the current text of `status` in its edit history before an edit
/// replaces it.
pub fn keep_version(conn: &mut DbConnection, status: &Status) -> QueryResult<()> {
    statuses::insert_edit(
        conn,
        &StatusEdit {
            id: next_id(),
            status_id: status.id,
            content: status.content.clone(),
            spoiler_text: status.spoiler_text.clone(),
            sensitive: status.sensitive,
            created_at: status.edited_at.unwrap_or(status.published_at),
        },
    )
}

/// One version of a status in its edit history.
#[derive(Debug, Clone)]
pub struct Version {
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub created_at: chrono::NaiveDateTime,
}

/// The versions of a status `viewer` may see, oldest first and ending with
/// the current one, with its view (for the author and tags).
pub async fn history(
    ctx: &Context,
    viewer: Option<&Account>,
    status_id: i64,
) -> Result<(StatusView, Vec<Version>)> {
    let mut current = view(ctx, viewer, status_id).await?;
    // An edit landing between reading the status and its earlier versions
    // would show one version twice; read again until both agree.
    for _ in 0..3 {
        let status = current.status.clone();
        let versions = versions_of(ctx, status).await?;
        let again = view(ctx, viewer, status_id).await?;
        if again.status.edited_at == current.status.edited_at {
            return Ok((current, versions));
        }
        current = again;
    }
    Err(Error::Conflict(
        "The status is being edited; try again".into(),
    ))
}

async fn versions_of(ctx: &Context, status: Status) -> Result<Vec<Version>> {
    ctx.db
        .read(move |conn| {
            let mut versions: Vec<Version> = statuses::edits_of(conn, status.id)?
                .into_iter()
                .map(|edit| Version {
                    content: edit.content,
                    spoiler_text: edit.spoiler_text,
                    sensitive: edit.sensitive,
                    created_at: edit.created_at,
                })
                .collect();
            versions.push(Version {
                content: status.content.clone(),
                spoiler_text: status.spoiler_text.clone(),
                sensitive: status.sensitive,
                created_at: status.edited_at.unwrap_or(status.published_at),
            });
            Ok::<_, Error>(versions)
        })
        .await
}

/// One status as `viewer` may see it.
pub async fn view(ctx: &Context, viewer: Option<&Account>, status_id: i64) -> Result<StatusView> {
    let viewer = viewer.cloned();
    ctx.db
        .read(move |conn| {
            let status = statuses::by_id(conn, status_id)?.ok_or_else(Error::not_found)?;
            if !views::can_see(conn, viewer.as_ref(), &status)? {
                return Err(Error::not_found());
            }
            views::load(conn, viewer.map(|v| v.id), &[status.id])?
                .pop()
                .ok_or_else(Error::not_found)
        })
        .await
}

/// The ActivityStreams Note of a local status that anyone may read.
pub async fn public_note(
    ctx: &Context,
    username: &str,
    status_id: i64,
) -> Result<crate::protocol::Note> {
    let username = username.to_string();
    let urls = ctx.urls.clone();
    ctx.db
        .read(move |conn| {
            let author =
                accounts::local_by_username(conn, &username)?.ok_or_else(Error::not_found)?;
            let status = statuses::by_id(conn, status_id)?
                .filter(|s| s.account_id == author.id && s.reblog_of_id.is_none())
                .ok_or_else(Error::not_found)?;
            if !views::can_see(conn, None, &status)? {
                return Err(Error::not_found());
            }
            note_json(conn, &urls, &status, &author)
        })
        .await
}

/// How many posts an outbox shows: enough for a new follower's server to
/// find a question asked last week.
pub const OUTBOX_ITEMS: i64 = 20;

/// The latest public posts of a local member as `Create` activities, newest
/// first, for their outbox.
pub async fn outbox_items(ctx: &Context, author: &Account) -> Result<Vec<serde_json::Value>> {
    let author = author.clone();
    let urls = ctx.urls.clone();
    ctx.db
        .read(move |conn| {
            let filter = statuses::AccountFilter {
                exclude_reblogs: true,
                ..Default::default()
            };
            let page = statuses::Page {
                limit: OUTBOX_ITEMS,
                ..Default::default()
            };
            let posts = statuses::by_account(conn, author.id, &["public"], &filter, page)?;
            let mut items = Vec::with_capacity(posts.len());
            for status in posts {
                let note = note_json(conn, &urls, &status, &author)?;
                let id = format!("{}/activity", status.ap_id);
                items.push(super::render::wrap_note("Create", &id, &author, &note));
            }
            Ok(items)
        })
        .await
}

/// A member's pinned posts that anyone may see, as Notes, for the
/// `featured` collection other servers read pins from.
pub async fn featured_notes(ctx: &Context, author: &Account) -> Result<Vec<serde_json::Value>> {
    let author = author.clone();
    let urls = ctx.urls.clone();
    ctx.db
        .read(move |conn| {
            let all = statuses::Page {
                limit: super::interactions::MAX_PINS,
                ..Default::default()
            };
            let pinned = statuses::marked(conn, statuses::Mark::Pin, author.id, all)?;
            let ids: Vec<i64> = pinned.iter().map(|(_, status_id)| *status_id).collect();
            let mut items = Vec::with_capacity(ids.len());
            for status in statuses::by_ids(conn, &ids)? {
                if !views::can_see(conn, None, &status)? {
                    continue;
                }
                let note = stored_note(conn, &urls, &status, &author)?;
                items.push(serde_json::to_value(note).map_err(|e| Error::Internal(e.to_string()))?);
            }
            Ok(items)
        })
        .await
}

/// The ids of the replies to a member's public status that anyone may see,
/// oldest first, for the status's `replies` collection.
pub async fn public_reply_ids(
    ctx: &Context,
    username: &str,
    status_id: i64,
) -> Result<(String, Vec<serde_json::Value>)> {
    let username = username.to_string();
    ctx.db
        .read(move |conn| {
            let author =
                accounts::local_by_username(conn, &username)?.ok_or_else(Error::not_found)?;
            let status = statuses::by_id(conn, status_id)?
                .filter(|s| s.account_id == author.id && s.reblog_of_id.is_none())
                .ok_or_else(Error::not_found)?;
            if !views::can_see(conn, None, &status)? {
                return Err(Error::not_found());
            }
            let mut ids = Vec::new();
            for reply in statuses::replies_to(conn, &[status.id])? {
                if views::can_see(conn, None, &reply)? {
                    ids.push(serde_json::Value::String(reply.ap_id));
                }
            }
            Ok((render::replies_of(&status), ids))
        })
        .await
}

/// The Note of any stored status, with no visibility check: for internal use.
pub async fn note_of(ctx: &Context, status_id: i64) -> Result<crate::protocol::Note> {
    let urls = ctx.urls.clone();
    ctx.db
        .read(move |conn| {
            let status = statuses::by_id(conn, status_id)?.ok_or_else(Error::not_found)?;
            let author = accounts::by_id(conn, status.account_id)?.ok_or_else(Error::not_found)?;
            note_json(conn, &urls, &status, &author)
        })
        .await
}

fn note_json(
    conn: &mut DbConnection,
    urls: &super::urls::Urls,
    status: &Status,
    author: &Account,
) -> Result<crate::protocol::Note> {
    let mut note = stored_note(conn, urls, status, author)?;
    note.context = Some(crate::protocol::context());
    Ok(note)
}

/// Sends the current version of a member's status (after a change that is
/// not an edit of its text, such as its exchange being answered) to every
/// server that holds it, and to `extra` inboxes.
pub(super) fn send_update(
    conn: &mut DbConnection,
    urls: &super::urls::Urls,
    author: &Account,
    status: &Status,
    extra: std::collections::BTreeSet<String>,
) -> Result<()> {
    let note = stored_note(conn, urls, status, author)?;
    let update_id = format!("{}#updates/{}", status.ap_id, next_id());
    let update = render::wrap_note("Update", &update_id, author, &note);
    let mention_ids = statuses::mentioned_account_ids(conn, status.id)?;
    let mentioned = accounts::by_ids(conn, &mention_ids)?;
    let parent_author = parent_author(conn, status)?;
    let mut inboxes = remote_audience(
        conn,
        author,
        Visibility::from_stored(&status.visibility),
        &mentioned,
        parent_author.as_ref(),
    )?;
    inboxes.extend(boost_audience(conn, status.id)?);
    inboxes.extend(extra);
    outbox::enqueue(conn, urls, author, &update, inboxes)?;
    Ok(())
}

/// The hashtags a post's kind and dimensions need, added at the end of its
/// text when the author set them with API fields rather than in the text.
fn with_hashtags(body: String, classified: &kinds::Classified) -> String {
    let missing = classified.missing_hashtags(&text::hashtags(&body));
    if missing.is_empty() {
        return body;
    }
    let tags: Vec<String> = missing.iter().map(|t| format!("#{t}")).collect();
    format!("{body}\n\n{}", tags.join(" "))
}

/// A stored status as a note, to embed in an activity, with Trellis's
/// properties.
pub(super) fn stored_note(
    conn: &mut DbConnection,
    urls: &super::urls::Urls,
    status: &Status,
    author: &Account,
) -> Result<crate::protocol::Note> {
    let mention_ids = statuses::mentioned_account_ids(conn, status.id)?;
    let mentioned = accounts::by_ids(conn, &mention_ids)?;
    let hashtags = statuses::tags_of(conn, status.id)?;
    let mut note = render::note(urls, status, author, &mentioned, &hashtags);
    note.attachment =
        render::attachments(urls, &crate::db::media::of_statuses(conn, &[status.id])?);
    let quoted = crate::db::quotes::of_statuses(conn, &[status.id])?
        .pop()
        .and_then(|(_, _, uri)| url::Url::parse(&uri).ok());
    note.set_quoted(quoted);
    kinds::annotate(conn, &mut note, status)?;
    super::polls::annotate(conn, &mut note, status)?;
    Ok(note)
}

/// How far up and down a thread `context` looks.
const MAX_ANCESTORS: usize = 40;
const MAX_DESCENDANTS: usize = 80;

/// A status's thread as `viewer` may see it: ancestors oldest first, then
/// descendants in the order they were written.
pub async fn context(
    ctx: &Context,
    viewer: Option<&Account>,
    status_id: i64,
) -> Result<(Vec<StatusView>, Vec<StatusView>)> {
    let viewer = viewer.cloned();
    ctx.db
        .read(move |conn| {
            let status = statuses::by_id(conn, status_id)?.ok_or_else(Error::not_found)?;
            if !views::can_see(conn, viewer.as_ref(), &status)? {
                return Err(Error::not_found());
            }
            let mut ancestors = Vec::new();
            let mut parent_id = status.in_reply_to_id;
            while let Some(id) = parent_id.filter(|_| ancestors.len() < MAX_ANCESTORS) {
                let Some(parent) = statuses::by_id(conn, id)? else {
                    break;
                };
                parent_id = parent.in_reply_to_id;
                if views::can_see(conn, viewer.as_ref(), &parent)? {
                    ancestors.push(parent.id);
                }
            }
            ancestors.reverse();
            let mut descendants = Vec::new();
            let mut frontier = vec![status.id];
            while !frontier.is_empty() && descendants.len() < MAX_DESCENDANTS {
                let replies = statuses::replies_to(conn, &frontier)?;
                frontier = replies.iter().map(|r| r.id).collect();
                for reply in replies {
                    if descendants.len() < MAX_DESCENDANTS
                        && views::can_see(conn, viewer.as_ref(), &reply)?
                    {
                        descendants.push(reply.id);
                    }
                }
            }
            descendants.sort_unstable();
            let viewer_id = viewer.map(|v| v.id);
            Ok((
                views::load(conn, viewer_id, &ancestors)?,
                views::load(conn, viewer_id, &descendants)?,
            ))
        })
        .await
}

/// Who favourited or boosted a status `viewer` may see.
pub async fn interacted(
    ctx: &Context,
    viewer: Option<&Account>,
    status_id: i64,
    boosts: bool,
) -> Result<Vec<views::AccountView>> {
    let viewer = viewer.cloned();
    ctx.db
        .read(move |conn| {
            let status = statuses::by_id(conn, status_id)?.ok_or_else(Error::not_found)?;
            if !views::can_see(conn, viewer.as_ref(), &status)? {
                return Err(Error::not_found());
            }
            let accounts = if boosts {
                statuses::rebloggers(conn, status.id)?
            } else {
                statuses::favouriters(conn, status.id, 80)?
            };
            Ok(views::account_views(conn, accounts)?)
        })
        .await
}

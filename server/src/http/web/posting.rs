//! A member's home in the browser: the home timeline with a compose box,
//! favourites and boosts from any list, and notifications. Posting goes
//! through the same use case as `POST /api/v1/statuses`.

use super::{
    cards::{AccountLink, Pager, StatusCard},
    page::{Layout, PageResult, done, render},
    public::{ListQuery, POSTS_PER_PAGE, posts_page},
    session::{Posted, Visitor},
};
use crate::{
    domain::{
        Context, interactions, kinds, media, notifications,
        statuses::{self, NewStatus},
        text, timelines,
    },
    federation::resolve,
    http::input::path_id,
};
use activitypub_federation::config::Data;
use askama::Template;
use axum::extract::{Path, Query, State};

/// A post kind as the compose box offers it.
pub struct KindChoice {
    pub value: &'static str,
    pub label: &'static str,
}

pub const KIND_CHOICES: [KindChoice; 7] = [
    KindChoice {
        value: "",
        label: "A post",
    },
    KindChoice {
        value: "practice",
        label: "Practice: something I do",
    },
    KindChoice {
        value: "resource",
        label: "Resource: something to share",
    },
    KindChoice {
        value: "question",
        label: "Question: I need an answer",
    },
    KindChoice {
        value: "request",
        label: "Request: I need help",
    },
    KindChoice {
        value: "offer",
        label: "Offer: I can help",
    },
    KindChoice {
        value: "story",
        label: "Story: what changed because of the network",
    },
];

/// A story dimension as a checkbox.
pub struct DimensionChoice {
    pub value: &'static str,
    pub label: String,
}

pub fn dimension_choices() -> Vec<DimensionChoice> {
    kinds::Dimension::ALL
        .iter()
        .map(|d| DimensionChoice {
            value: d.as_str(),
            label: dimension_label(*d).to_string(),
        })
        .collect()
}

/// The four kinds of value a benefit story can speak to, in words a
/// member recognises.
fn dimension_label(dimension: kinds::Dimension) -> &'static str {
    match dimension {
        kinds::Dimension::Individual => "My own work or knowledge changed",
        kinds::Dimension::MicroCollaboration => "I worked with someone I met here",
        kinds::Dimension::JointWork => "We did a project together",
        kinds::Dimension::ConnectingNetworks => "It linked us with another network",
    }
}

#[derive(Template)]
#[template(path = "home_timeline.html")]
struct HomeTimeline {
    layout: Layout,
    posts: Vec<StatusCard>,
    pager: Pager,
    kinds: &'static [KindChoice],
    dimensions: Vec<DimensionChoice>,
}

/// `/home`
pub async fn home(
    State(ctx): State<Context>,
    visitor: Visitor,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let account = visitor.member()?.account.clone();
    let posts = timelines::home(&ctx, &account, posts_page(query.max_id())).await?;
    let ids: Vec<i64> = posts.iter().map(|p| p.status.id).collect();
    render(&HomeTimeline {
        layout: Layout::new(&ctx, &visitor, "Home")
            .await
            .with_done(query.done.as_deref()),
        posts: StatusCard::all(&ctx, &posts),
        pager: Pager::by_id("/home", &ids, POSTS_PER_PAGE, query.max_id()),
        kinds: &KIND_CHOICES,
        dimensions: dimension_choices(),
    })
}

/// `POST /statuses`: a post or a reply from any compose or reply box.
/// An image chosen in the form is uploaded first; should the post then be
/// refused, the upload waits unattached and is swept after a day.
pub async fn post(
    State(ctx): State<Context>,
    data: Data<Context>,
    mut posted: Posted,
) -> PageResult {
    let author = posted.visitor.member()?.account.clone();
    let image = posted.take_file("image");
    let fields = &posted.fields;
    let in_reply_to_id = match fields.get("in_reply_to_id") {
        "" => None,
        _ => Some(fields.id("in_reply_to_id")?),
    };
    let status = fields.get("status").to_string();
    let handles = text::mentions(&status, &ctx.urls.domain());
    let resolved = resolve::mentions(&data, handles).await;
    let kind = Some(fields.get("kind").to_string()).filter(|k| !k.is_empty());
    let mut media_ids = Vec::new();
    if let Some(bytes) = image {
        let upload = media::Upload {
            bytes,
            description: Some(fields.get("image_description").to_string()),
            focus: None,
        };
        media_ids.push(media::upload(&ctx, &author, upload).await?.id);
    }
    // A poll when any option was filled in; the domain checks the rest.
    let poll_options: Vec<String> = fields
        .all("poll_option")
        .into_iter()
        .filter(|option| !option.trim().is_empty())
        .collect();
    let poll = (!poll_options.is_empty()).then(|| crate::domain::polls::PollDraft {
        options: poll_options,
        expires_in: fields.get("poll_expires_in").parse().ok(),
        multiple: Some(fields.get("poll_multiple") == "true"),
        hide_totals: None,
    });
    let input = NewStatus {
        text: status,
        in_reply_to_id,
        poll,
        visibility: Some(fields.get("visibility").to_string()).filter(|v| !v.is_empty()),
        spoiler_text: Some(fields.get("spoiler_text").to_string()),
        kind,
        dimensions: fields.all("dimensions"),
        media_ids,
        ..NewStatus::default()
    };
    statuses::create(&ctx, &author, input, resolved).await?;
    done(&fields.return_to("/home"), "posted")
}

/// `POST /statuses/ID/{favourite,unfavourite,reblog,unreblog,vote}`
pub async fn interact(
    State(ctx): State<Context>,
    Path((id, action)): Path<(String, String)>,
    posted: Posted,
) -> PageResult {
    let account = posted.visitor.member()?.account.clone();
    let id = path_id(&id)?;
    match action.as_str() {
        "favourite" => interactions::favourite(&ctx, &account, id).await?,
        "unfavourite" => interactions::unfavourite(&ctx, &account, id).await?,
        "reblog" => {
            interactions::reblog(&ctx, &account, id).await?;
        }
        "unreblog" => interactions::unreblog(&ctx, &account, id).await?,
        "vote" => {
            let choices = posted
                .fields
                .all("choice")
                .iter()
                .map(|choice| {
                    choice.parse::<i32>().map_err(|_| {
                        crate::error::Error::Validation(format!("{choice:?} is not an option"))
                    })
                })
                .collect::<Result<Vec<i32>, _>>()?;
            crate::domain::polls::vote(&ctx, &account, id, choices).await?;
            let back = posted.fields.return_to("/home");
            return done(&format!("{back}#status-{id}"), "voted");
        }
        _ => return Err(crate::error::Error::not_found().into()),
    }
    let back = super::page::without_notice(&posted.fields.return_to("/home"));
    Ok(axum::response::Redirect::to(&format!("{back}#status-{id}")).into_response())
}

use axum::response::IntoResponse;

/// `POST /accounts/ID/{follow,unfollow}`: from a profile page.
pub async fn follow(
    data: crate::federation::Data,
    Path((id, action)): Path<(String, String)>,
    posted: Posted,
) -> PageResult {
    let ctx: &Context = &data;
    let member = posted.visitor.member()?.account.clone();
    let target = crate::domain::accounts::visible_by_id(ctx, path_id(&id)?).await?;
    let back = posted.fields.return_to("/home");
    match action.as_str() {
        "follow" => {
            crate::domain::follows::follow(ctx, &member, &target, Default::default()).await?;
            crate::federation::backfill::after_follow(&data, &member, &target);
            done(&back, "followed")
        }
        "unfollow" => {
            crate::domain::follows::unfollow(ctx, &member, &target).await?;
            done(&back, "unfollowed")
        }
        _ => Err(crate::error::Error::not_found().into()),
    }
}

/// One notification as the page lists it.
pub struct NotificationItem {
    pub from: AccountLink,
    pub what: &'static str,
    pub status: Option<StatusCard>,
    pub when: String,
}

fn describe(kind: &str) -> &'static str {
    match kind {
        "follow" => "followed you",
        "follow_request" => "asked to follow you",
        "favourite" => "favourited your post",
        "reblog" => "boosted your post",
        "mention" => "mentioned you",
        "status" => "posted",
        "update" => "edited a post you boosted",
        "trellis.helped" => "says your reply helped",
        "quote" => "quoted your post",
        "poll" => "asked a poll that has now ended",
        _ => "did something",
    }
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    layout: Layout,
    items: Vec<NotificationItem>,
    pager: Pager,
}

/// `/notifications`
pub async fn notifications_page(
    State(ctx): State<Context>,
    visitor: Visitor,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let account = visitor.member()?.account.clone();
    let listed = notifications::list(
        &ctx,
        &account,
        notifications::kinds_wanted(&[], &[]),
        posts_page(query.max_id()),
    )
    .await?;
    let ids: Vec<i64> = listed.iter().map(|n| n.notification.id).collect();
    let items = listed
        .iter()
        .map(|n| NotificationItem {
            from: AccountLink::of(&ctx, &n.from.account),
            what: describe(&n.notification.kind),
            status: n.status.as_ref().map(|s| StatusCard::of(&ctx, s)),
            when: n
                .notification
                .created_at
                .format("%-d %b %Y, %H:%M UTC")
                .to_string(),
        })
        .collect();
    render(&NotificationsPage {
        layout: Layout::new(&ctx, &visitor, "Notifications").await,
        items,
        pager: Pager::by_id("/notifications", &ids, POSTS_PER_PAGE, query.max_id()),
    })
}

/// `POST /reports`: a member reports a post (and its author) to the admins;
/// for someone on another server, a copy may go to their server.
pub async fn report(State(ctx): State<Context>, posted: Posted) -> PageResult {
    let reporter = posted.visitor.member()?.account.clone();
    let fields = &posted.fields;
    let status =
        crate::domain::statuses::view(&ctx, Some(&reporter), fields.id("status_id")?).await?;
    let new = crate::domain::reports::NewReport {
        target_account_id: status.status.account_id,
        status_ids: vec![status.status.id],
        comment: fields.get("comment").to_string(),
        category: Some(fields.get("category").to_string()).filter(|c| !c.is_empty()),
        rule_ids: Vec::new(),
        forward: fields.checked("forward"),
    };
    crate::domain::reports::file(&ctx, &reporter, new).await?;
    done(&fields.return_to("/home"), "reported")
}

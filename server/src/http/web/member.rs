//! Joining and logging in from a browser, and a member's own settings:
//! profile, practice and password. Settings save through the same domain
//! functions as the API, so what is saved here is what apps show.

use super::{
    page::{Layout, PageResult, done, refused_status, render, render_with},
    session::{Posted, SESSION_COOKIE, Visitor, local_path, set_cookie},
};
use crate::{
    config::Registrations,
    domain::{Context, accounts, media, network, practice, sessions, text, weavers},
    error::Error,
};
use askama::Template;
use axum::{
    extract::{Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect},
};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
    done: Option<String>,
}

/// Where to go after logging in: a path here, never `/login` itself.
fn next_path(next: &str) -> String {
    local_path(next)
        .filter(|p| !p.starts_with("/login") && !p.starts_with("/signup"))
        .unwrap_or_else(|| "/home".into())
}

#[derive(Template)]
#[template(path = "signup.html")]
struct SignUpPage {
    layout: Layout,
    registrations: &'static str,
    principles: Vec<String>,
    username: String,
    email: String,
    reason: String,
    /// Set once an approval-mode sign-up is recorded.
    waiting: bool,
}

async fn sign_up_page(
    ctx: &Context,
    visitor: &Visitor,
    error: Option<&Error>,
    fields: Option<&super::session::Fields>,
) -> Result<SignUpPage, super::page::PageError> {
    let network = network::get(ctx).await?;
    let get = |name: &str| fields.map(|f| f.get(name).to_string()).unwrap_or_default();
    Ok(SignUpPage {
        layout: Layout::new(ctx, visitor, "Join the network")
            .await
            .with_error(error),
        registrations: match ctx.config.registrations {
            Registrations::Open => "open",
            Registrations::Approval => "approval",
            Registrations::Closed => "closed",
        },
        principles: network.charter.operating_principles,
        username: get("username"),
        email: get("email"),
        reason: get("reason"),
        waiting: false,
    })
}

/// `GET /signup`
pub async fn sign_up_form(State(ctx): State<Context>, visitor: Visitor) -> PageResult {
    if visitor.session.is_some() {
        return Ok(Redirect::to("/home").into_response());
    }
    render(&sign_up_page(&ctx, &visitor, None, None).await?)
}

/// `POST /signup`: open registrations log the new member in at once;
/// approval ones record the reason and say so.
pub async fn sign_up(State(ctx): State<Context>, posted: Posted) -> PageResult {
    let Posted {
        visitor, fields, ..
    } = posted;
    let result = accounts::register(
        &ctx,
        fields.get("username").trim(),
        fields.get("email").trim(),
        fields.get("password"),
        fields.checked("agreement"),
        Some(fields.get("reason")),
    )
    .await;
    match result {
        Ok(account) if ctx.config.registrations == Registrations::Open => {
            // The password was just set: no need to hash it again to check it.
            let user = accounts::user_of(&ctx, account.id).await?;
            let started = sessions::start(&ctx, user, account).await?;
            logged_in(&ctx, started, "/home?done=welcome")
        }
        Ok(_) => {
            let mut page = sign_up_page(&ctx, &visitor, None, None).await?;
            page.waiting = true;
            page.layout.notice = Some(
                "Thank you! Your sign-up waits for an admin's approval; you can log in once it is approved."
                    .into(),
            );
            render(&page)
        }
        Err(error) => {
            let page = sign_up_page(&ctx, &visitor, Some(&error), Some(&fields)).await?;
            render_with(refused_status(&error), &page)
        }
    }
}

fn logged_in(ctx: &Context, started: sessions::Started, to: &str) -> PageResult {
    let cookie = set_cookie(
        ctx,
        SESSION_COOKIE,
        &started.token,
        sessions::LIFETIME.num_days(),
    );
    let mut response = Redirect::to(to).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

#[derive(Template)]
#[template(path = "login.html")]
struct LogInPage {
    layout: Layout,
    login: String,
    next: String,
}

/// `GET /login`
pub async fn log_in_form(
    State(ctx): State<Context>,
    visitor: Visitor,
    Query(query): Query<NextQuery>,
) -> PageResult {
    let next = next_path(query.next.as_deref().unwrap_or_default());
    if visitor.session.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    render(&LogInPage {
        layout: Layout::new(&ctx, &visitor, "Log in")
            .await
            .with_done(query.done.as_deref()),
        login: String::new(),
        next,
    })
}

/// `POST /login`
pub async fn log_in(State(ctx): State<Context>, posted: Posted) -> PageResult {
    let Posted {
        visitor, fields, ..
    } = posted;
    let next = next_path(fields.get("next"));
    match sessions::log_in(&ctx, fields.get("login"), fields.get("password")).await {
        Ok(started) => logged_in(&ctx, started, &next),
        Err(error) => {
            let status = match error {
                Error::BadRequest(_) => StatusCode::UNAUTHORIZED,
                ref other => other.status(),
            };
            let page = LogInPage {
                layout: Layout::new(&ctx, &visitor, "Log in")
                    .await
                    .with_error(Some(&error)),
                login: fields.get("login").to_string(),
                next,
            };
            render_with(status, &page)
        }
    }
}

/// `POST /logout`: ends the session everywhere and forgets the cookie.
pub async fn log_out(State(ctx): State<Context>, posted: Posted) -> PageResult {
    if let Some(session) = &posted.visitor.session {
        sessions::end(&ctx, session).await?;
    }
    let mut response = Redirect::to("/login?done=logged_out").into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(&ctx, SESSION_COOKIE, "", 0));
    Ok(response)
}

#[derive(Template)]
#[template(path = "settings_profile.html")]
struct ProfileSettings {
    layout: Layout,
    display_name: String,
    note: String,
}

async fn profile_settings(
    ctx: &Context,
    visitor: &Visitor,
    done_key: Option<&str>,
    error: Option<&Error>,
) -> Result<ProfileSettings, super::page::PageError> {
    let session = visitor.member()?;
    let account = accounts::by_id(ctx, session.account.id).await?;
    Ok(ProfileSettings {
        layout: Layout::new(ctx, visitor, "Your profile")
            .await
            .with_done(done_key)
            .with_error(error),
        display_name: account.display_name.clone(),
        note: text::strip_html(&account.note),
    })
}

/// `GET /settings/profile`
pub async fn profile_form(
    State(ctx): State<Context>,
    visitor: Visitor,
    Query(query): Query<NextQuery>,
) -> PageResult {
    render(&profile_settings(&ctx, &visitor, query.done.as_deref(), None).await?)
}

/// `POST /settings/profile`
pub async fn save_profile(State(ctx): State<Context>, mut posted: Posted) -> PageResult {
    let account = posted.visitor.member()?.account.clone();
    let mut changes = accounts::ProfileChanges {
        display_name: Some(posted.fields.get("display_name").to_string()),
        note: Some(posted.fields.get("note").to_string()),
        ..Default::default()
    };
    let mut outcome = Ok(());
    for role in [media::AVATAR, media::HEADER] {
        let Some(bytes) = posted.take_file(role) else {
            continue;
        };
        match media::prepare_profile_image(&ctx, &account, role, bytes).await {
            Ok(image) => changes.images.push(image),
            Err(error) => {
                outcome = Err(error);
                break;
            }
        }
    }
    let saved = match outcome {
        Ok(()) => accounts::update_profile(&ctx, &account, changes).await,
        Err(error) => {
            media::remove_files(&ctx, std::mem::take(&mut changes.images)).await;
            Err(error)
        }
    };
    match saved {
        Ok(_) => done("/settings/profile", "saved"),
        Err(error) => {
            let mut page = profile_settings(&ctx, &posted.visitor, None, Some(&error)).await?;
            page.display_name = posted.fields.get("display_name").to_string();
            page.note = posted.fields.get("note").to_string();
            render_with(refused_status(&error), &page)
        }
    }
}

#[derive(Template)]
#[template(path = "settings_practice.html")]
struct PracticeSettings {
    layout: Layout,
    practice: practice::Practice,
    /// Whether the member gets the network's introductions digest.
    introductions_digest: bool,
}

/// `GET /settings/practice`
pub async fn practice_form(
    State(ctx): State<Context>,
    visitor: Visitor,
    Query(query): Query<NextQuery>,
) -> PageResult {
    let session = visitor.member()?;
    let current = practice::get(&ctx, &session.account).await?;
    render(&PracticeSettings {
        layout: Layout::new(&ctx, &visitor, "Your practice")
            .await
            .with_done(query.done.as_deref()),
        practice: current,
        introductions_digest: session.user.introductions_digest,
    })
}

/// `POST /settings/practice`: lists are one entry per line.
pub async fn save_practice(State(ctx): State<Context>, posted: Posted) -> PageResult {
    let session = posted.visitor.member()?;
    let account = session.account.clone();
    let fields = &posted.fields;
    let digest = fields.checked("introductions_digest");
    let changes = practice::PracticeChanges {
        roles: Some(fields.lines("roles")),
        organization: Some(fields.get("organization").to_string()),
        place: Some(fields.get("place").to_string()),
        interests: Some(fields.lines("interests")),
        offers: Some(fields.lines("offers")),
        needs: Some(fields.lines("needs")),
    };
    match practice::update(&ctx, &account, changes).await {
        Ok(_) => {
            weavers::want_digest(&ctx, &session.user, digest).await?;
            done("/settings/practice", "saved")
        }
        Err(error) => {
            let page = PracticeSettings {
                layout: Layout::new(&ctx, &posted.visitor, "Your practice")
                    .await
                    .with_error(Some(&error)),
                practice: practice::Practice {
                    roles: fields.lines("roles"),
                    organization: fields.get("organization").to_string(),
                    place: fields.get("place").to_string(),
                    interests: fields.lines("interests"),
                    offers: fields.lines("offers"),
                    needs: fields.lines("needs"),
                },
                introductions_digest: digest,
            };
            render_with(refused_status(&error), &page)
        }
    }
}

#[derive(Template)]
#[template(path = "settings_password.html")]
struct PasswordSettings {
    layout: Layout,
}

/// `GET /settings/password`
pub async fn password_form(
    State(ctx): State<Context>,
    visitor: Visitor,
    Query(query): Query<NextQuery>,
) -> PageResult {
    visitor.member()?;
    render(&PasswordSettings {
        layout: Layout::new(&ctx, &visitor, "Your password")
            .await
            .with_done(query.done.as_deref()),
    })
}

/// `POST /settings/password`
pub async fn save_password(State(ctx): State<Context>, posted: Posted) -> PageResult {
    let session = posted.visitor.member()?;
    let result = sessions::change_password(
        &ctx,
        session,
        posted.fields.get("current_password"),
        posted.fields.get("new_password"),
    )
    .await;
    match result {
        Ok(()) => done("/settings/password", "password"),
        Err(error) => render_with(
            refused_status(&error),
            &PasswordSettings {
                layout: Layout::new(&ctx, &posted.visitor, "Your password")
                    .await
                    .with_error(Some(&error)),
            },
        ),
    }
}

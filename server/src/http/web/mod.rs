//! Trellis's own pages, rendered on the server from templates compiled
//! into the binary (askama, escaping by default). They work with
//! JavaScript off; one small script only adds the map's hover labels.
//!
//! A page handler reads the request, calls the same domain functions as
//! the API and renders a template. Forms post back with a CSRF token and
//! are answered with a redirect (post, redirect, get), or with the form
//! again and the reason when the change was refused.

mod admin;
mod assets;
mod cards;
mod communities;
mod member;
mod networks;
mod page;
mod posting;
mod public;
pub mod session;
mod weaving;

use crate::{domain::Context, http::mastodon::UPLOAD_BODY_BYTES};
use axum::{
    Router,
    extract::DefaultBodyLimit,
    middleware,
    routing::{get, post},
};

pub use page::wants_html;

pub fn routes(ctx: Context) -> Router<Context> {
    Router::new()
        .route("/", get(public::home))
        .route("/about", get(public::home))
        .route("/@{acct}", get(public::profile))
        .route("/@{acct}/{id}", get(public::status))
        .route("/@{acct}/remote_follow", post(public::remote_follow))
        .route("/authorize_interaction", get(public::authorize_interaction))
        .route("/communities", get(public::communities_page))
        .route("/communities/{name}/join", post(communities::join))
        .route("/communities/{name}/leave", post(communities::leave))
        .route(
            "/communities/{name}/requests/{account_id}/{answer}",
            post(communities::answer_request),
        )
        .route(
            "/communities/{name}/links/{id}/{answer}",
            post(communities::answer_link),
        )
        .route(
            "/communities/{name}/members/{account_id}/{how}",
            post(communities::remove_member),
        )
        .route(
            "/communities/{name}/shares/{status_id}/{action}",
            post(communities::share),
        )
        .route("/tags/{tag}", get(public::tag))
        .route("/signup", get(member::sign_up_form).post(member::sign_up))
        .route("/login", get(member::log_in_form).post(member::log_in))
        .route("/logout", post(member::log_out))
        .route(
            "/settings/profile",
            get(member::profile_form)
                .post(member::save_profile)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_BYTES)),
        )
        .route(
            "/settings/practice",
            get(member::practice_form).post(member::save_practice),
        )
        .route(
            "/settings/password",
            get(member::password_form).post(member::save_password),
        )
        .route("/home", get(posting::home))
        .route(
            "/statuses",
            post(posting::post).layer(DefaultBodyLimit::max(UPLOAD_BODY_BYTES)),
        )
        .route("/statuses/{id}/{action}", post(posting::interact))
        .route("/accounts/{id}/{action}", post(posting::follow))
        .route("/reports", post(posting::report))
        .route("/notifications", get(posting::notifications_page))
        .route("/exchanges", get(weaving::exchanges_page))
        .route("/exchanges/{id}/answer", post(weaving::answer))
        .route("/stories", get(weaving::stories_page))
        .route(
            "/introductions",
            get(weaving::introductions_page).post(weaving::introduce),
        )
        .route("/map", get(weaving::map_page))
        .route("/network/health", get(weaving::health_page))
        .route("/network", get(networks::network_page))
        .route("/network/links", post(networks::request_link))
        .route(
            "/network/links/{acct}/{action}",
            post(networks::answer_link),
        )
        .route("/admin", get(admin::index))
        .route(
            "/admin/network",
            get(admin::network_page).post(admin::save_network),
        )
        .route("/admin/registrations", get(admin::registrations_page))
        .route(
            "/admin/registrations/{id}/{decision}",
            post(admin::decide_registration),
        )
        .route("/admin/members", get(admin::members_page))
        .route("/admin/members/{id}/{action}", post(admin::change_member))
        .route("/admin/federation", get(admin::federation_page))
        .route("/admin/accounts/{id}/act", post(admin::act_on_account))
        .route("/admin/domain_blocks", post(admin::block_domain))
        .route(
            "/admin/domain_blocks/{id}/remove",
            post(admin::unblock_domain),
        )
        .route("/admin/domain_allows", post(admin::allow_domain))
        .route(
            "/admin/domain_allows/{id}/remove",
            post(admin::disallow_domain),
        )
        .route("/admin/reports", get(admin::reports_page))
        .route("/admin/reports/{id}/{handling}", post(admin::handle_report))
        .route("/admin/communities", get(admin::communities_page))
        .fallback(assets::not_found)
        .layer(middleware::from_fn(page::refuse_nul))
        .layer(middleware::from_fn_with_state(
            ctx.clone(),
            page::render_failures,
        ))
        .layer(middleware::from_fn_with_state(ctx, session::csrf_cookie))
        .merge(assets::routes())
}

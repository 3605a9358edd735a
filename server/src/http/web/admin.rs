//! The admin pages: the network and its charter, waiting sign-ups,
//! members, federation (the delivery queue and known servers) and
//! communities. A member who is not an admin gets 403, a visitor the
//! log-in page.

use super::{
    cards::{AccountLink, Pager},
    page::{Layout, PageResult, done, refused_status, render, render_with},
    public::{CommunityItem, LinkItem, ListQuery, links_of, word},
    session::{Fields, Posted, Visitor},
};
use crate::{
    db::deliveries::HostQueue,
    domain::{
        Context, accounts, admin, communities, links,
        moderation::{self, AccountAction, Decision, DomainBlockInput, Severity},
        network::{self, CharterChanges, NetworkChanges},
        registrations,
        reports::{self, Handling},
    },
    error::Error,
    federation::resolve,
    http::input::path_id,
};
use activitypub_federation::config::Data;
use askama::Template;
use axum::extract::{Path, Query, State};

#[derive(Template)]
#[template(path = "admin/index.html")]
struct AdminIndex {
    layout: Layout,
    waiting: usize,
    hosts_failing: usize,
    open_reports: i64,
}

/// `/admin`
pub async fn index(State(ctx): State<Context>, visitor: Visitor) -> PageResult {
    visitor.admin()?;
    let waiting = registrations::waiting(&ctx, 100, 0).await?.len();
    let hosts_failing = admin::queue_by_host(&ctx)
        .await?
        .iter()
        .filter(|h| h.failed > 0 || h.retrying > 0)
        .count();
    let open_reports = reports::open_count(&ctx).await?;
    render(&AdminIndex {
        layout: Layout::new(&ctx, &visitor, "Administration").await,
        waiting,
        hosts_failing,
        open_reports,
    })
}

pub struct Choice {
    pub value: &'static str,
    pub selected: bool,
}

fn choices(values: &[&'static str], current: &str) -> Vec<Choice> {
    values
        .iter()
        .map(|value| Choice {
            value,
            selected: *value == current,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "admin/network.html")]
struct NetworkForm {
    layout: Layout,
    network: network::Network,
    levels: Vec<Choice>,
    types: Vec<Choice>,
    shares: Vec<Choice>,
    principles: String,
}

const LEVELS: [&str; 6] = ["town", "county", "region", "state", "country", "none"];
const TYPES: [&str; 3] = ["connectivity", "alignment", "production"];
const SHARES: [&str; 4] = ["none", "parent", "linked", "public"];

fn network_form(layout: Layout, network: network::Network) -> NetworkForm {
    NetworkForm {
        layout,
        levels: choices(&LEVELS, &word(&network.level)),
        types: choices(&TYPES, &word(&network.kind)),
        shares: choices(&SHARES, &word(&network.share_report)),
        principles: network.charter.operating_principles.join("\n"),
        network,
    }
}

/// `GET /admin/network`
pub async fn network_page(
    State(ctx): State<Context>,
    visitor: Visitor,
    Query(query): Query<ListQuery>,
) -> PageResult {
    visitor.admin()?;
    let layout = Layout::new(&ctx, &visitor, "The network")
        .await
        .with_done(query.done.as_deref());
    render(&network_form(layout, network::get(&ctx).await?))
}

/// A select's value as the serde enum it names.
fn parsed<T: serde::de::DeserializeOwned>(what: &str, value: &str) -> Result<T, Error> {
    serde_json::from_value(serde_json::Value::String(value.to_string()))
        .map_err(|_| Error::Validation(format!("{value:?} is not a {what}")))
}

fn network_changes(fields: &Fields) -> Result<NetworkChanges, Error> {
    let text = |name: &str| Some(fields.get(name).to_string());
    Ok(NetworkChanges {
        name: text("name"),
        summary: text("summary"),
        place: text("place"),
        level: Some(parsed("level", fields.get("level"))?),
        kind: Some(parsed("network type", fields.get("type"))?),
        parent: Some(Some(fields.get("parent").trim().to_string()).filter(|p| !p.is_empty())),
        charter: Some(CharterChanges {
            purpose: text("purpose"),
            membership: text("membership"),
            value_proposition: text("value_proposition"),
            coordination: text("coordination"),
            resources: text("resources"),
            governance: text("governance"),
            assessment: text("assessment"),
            operating_principles: Some(fields.lines("operating_principles")),
        }),
        share_report: match fields.get("share_report") {
            "" => None,
            choice => Some(parsed("sharing choice", choice)?),
        },
    })
}

/// `POST /admin/network`: every field at once, all checked before any is
/// saved; the network's followers and parent hear of the change.
pub async fn save_network(
    State(ctx): State<Context>,
    data: Data<Context>,
    posted: Posted,
) -> PageResult {
    posted.visitor.admin()?;
    let result = match network_changes(&posted.fields) {
        Ok(changes) => resolve::update_network(&data, changes).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(_) => done("/admin/network", "saved"),
        Err(error) => {
            let layout = Layout::new(&ctx, &posted.visitor, "The network")
                .await
                .with_error(Some(&error));
            let mut form = network_form(layout, network::get(&ctx).await?);
            form.principles = posted.fields.get("operating_principles").to_string();
            render_with(refused_status(&error), &form)
        }
    }
}

pub struct Registration {
    pub account_id: i64,
    pub username: String,
    pub email: String,
    pub reason: String,
    pub when: String,
}

#[derive(Template)]
#[template(path = "admin/registrations.html")]
struct RegistrationsPage {
    layout: Layout,
    waiting: Vec<Registration>,
    pager: Pager,
}

const PER_PAGE: usize = 30;

/// `GET /admin/registrations`: sign-ups waiting for approval, oldest first.
pub async fn registrations_page(
    State(ctx): State<Context>,
    visitor: Visitor,
    Query(query): Query<ListQuery>,
) -> PageResult {
    visitor.admin()?;
    let page = query.page();
    let mut waiting =
        registrations::waiting(&ctx, PER_PAGE as i64 + 1, (page - 1) * PER_PAGE as i64).await?;
    let more = waiting.len() > PER_PAGE;
    waiting.truncate(PER_PAGE);
    render(&RegistrationsPage {
        layout: Layout::new(&ctx, &visitor, "Waiting sign-ups")
            .await
            .with_done(query.done.as_deref()),
        waiting: waiting
            .into_iter()
            .map(|w| Registration {
                account_id: w.account.id,
                username: w.account.username,
                email: w.user.email,
                reason: w.reason,
                when: w.user.created_at.format("%-d %b %Y, %H:%M UTC").to_string(),
            })
            .collect(),
        pager: Pager::by_number("/admin/registrations", page, more),
    })
}

/// `POST /admin/registrations/ID/{approve,reject}`
pub async fn decide_registration(
    State(ctx): State<Context>,
    Path((id, decision)): Path<(String, String)>,
    posted: Posted,
) -> PageResult {
    posted.visitor.admin()?;
    let id = path_id(&id)?;
    match decision.as_str() {
        "approve" => {
            registrations::approve(&ctx, id).await?;
            done("/admin/registrations", "approved")
        }
        "reject" => {
            registrations::turn_down(&ctx, id, posted.fields.get("message")).await?;
            done("/admin/registrations", "turned_down")
        }
        _ => Err(Error::not_found().into()),
    }
}

pub struct MemberRow {
    pub account: AccountLink,
    pub email: String,
    pub admin: bool,
    pub weaver: bool,
    pub approved: bool,
    pub joined: String,
    pub suspended: bool,
    pub silenced: bool,
    pub disabled: bool,
}

#[derive(Template)]
#[template(path = "admin/members.html")]
struct MembersPage {
    layout: Layout,
    members: Vec<MemberRow>,
    search: String,
    pager: Pager,
    own_id: i64,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct MembersQuery {
    q: Option<String>,
    page: Option<String>,
    done: Option<String>,
}

/// `GET /admin/members?q=…`
pub async fn members_page(
    State(ctx): State<Context>,
    visitor: Visitor,
    Query(query): Query<MembersQuery>,
) -> PageResult {
    let own_id = visitor.admin()?.account.id;
    let search = query.q.clone().unwrap_or_default();
    let page = ListQuery {
        page: query.page.clone(),
        ..Default::default()
    }
    .page();
    let mut found = admin::members(
        &ctx,
        &search,
        PER_PAGE as i64 + 1,
        (page - 1) * PER_PAGE as i64,
    )
    .await?;
    let more = found.len() > PER_PAGE;
    found.truncate(PER_PAGE);
    let limits =
        moderation::limits_of_many(&ctx, found.iter().map(|(_, a)| a.id).collect()).await?;
    render(&MembersPage {
        layout: Layout::new(&ctx, &visitor, "Members")
            .await
            .with_done(query.done.as_deref()),
        members: found
            .iter()
            .map(|(user, account)| {
                let limits = limits.get(&account.id);
                MemberRow {
                    account: AccountLink::of(&ctx, account),
                    email: user.email.clone(),
                    admin: user.admin,
                    weaver: user.weaver,
                    approved: user.approved,
                    joined: user.created_at.format("%-d %b %Y").to_string(),
                    suspended: limits.is_some_and(|l| l.suspended_at.is_some()),
                    silenced: limits.is_some_and(|l| l.silenced_at.is_some()),
                    disabled: limits.is_some_and(|l| l.login_disabled),
                }
            })
            .collect(),
        pager: Pager::by_number(
            &format!("/admin/members?q={}", super::page::urlencode(&search)),
            page,
            more,
        ),
        search,
        own_id,
    })
}

/// `POST /admin/members/ID/{make_admin,remove_admin,make_weaver,remove_weaver}`
pub async fn change_member(
    State(ctx): State<Context>,
    Path((id, action)): Path<(String, String)>,
    posted: Posted,
) -> PageResult {
    let by = posted.visitor.admin()?.account.clone();
    let id = path_id(&id)?;
    match action.as_str() {
        "make_admin" => admin::set_admin(&ctx, &by, id, true).await?,
        "remove_admin" => admin::set_admin(&ctx, &by, id, false).await?,
        "make_weaver" | "remove_weaver" => {
            let member = accounts::by_id(&ctx, id).await?;
            admin::set_weaver(&ctx, &member, action == "make_weaver").await?;
        }
        _ => return Err(Error::not_found().into()),
    }
    done(&posted.fields.return_to("/admin/members"), "saved")
}

/// `POST /admin/accounts/ID/act`: suspend, silence, disable log-in, force
/// sensitive, or undo one of them, with a reason, optionally telling the
/// member and resolving a report.
pub async fn act_on_account(
    State(ctx): State<Context>,
    Path(id): Path<String>,
    posted: Posted,
) -> PageResult {
    let by = posted.visitor.admin()?.account.clone();
    let fields = &posted.fields;
    let target = accounts::by_id(&ctx, path_id(&id)?).await?;
    let report_id = match fields.get("report_id") {
        "" => None,
        _ => Some(fields.id("report_id")?),
    };
    let decision = Decision {
        action: AccountAction::parse(fields.get("action"))?,
        reason: fields.get("reason").to_string(),
        notify: fields.checked("notify"),
        report_id,
    };
    moderation::act(&ctx, &by, &target, decision).await?;
    if let Some(report) = report_id {
        reports::handle(&ctx, &by, report, Handling::Resolve).await?;
    }
    done(&fields.return_to("/admin/members"), "saved")
}

#[derive(Template)]
#[template(path = "admin/federation.html")]
struct FederationPage {
    layout: Layout,
    hosts: Vec<HostQueue>,
    peers: Vec<String>,
    blocks: Vec<crate::db::models::DomainBlock>,
    allows: Vec<crate::db::models::DomainAllow>,
    allowlist: bool,
}

/// `GET /admin/federation`: the delivery queue per remote server, the
/// servers this one knows, its domain blocks and allowlist.
pub async fn federation_page(
    State(ctx): State<Context>,
    visitor: Visitor,
    Query(query): Query<ListQuery>,
) -> PageResult {
    visitor.admin()?;
    render(&FederationPage {
        layout: Layout::new(&ctx, &visitor, "Federation")
            .await
            .with_done(query.done.as_deref()),
        hosts: admin::queue_by_host(&ctx).await?,
        peers: accounts::peers(&ctx).await?,
        blocks: moderation::domain_blocks(&ctx).await?,
        allows: moderation::domain_allows(&ctx).await?,
        allowlist: ctx.config.federation_mode == crate::config::FederationMode::Allowlist,
    })
}

/// `POST /admin/domain_blocks`: block a server, or change its block.
pub async fn block_domain(State(ctx): State<Context>, posted: Posted) -> PageResult {
    let by = posted.visitor.admin()?.account.clone();
    let fields = &posted.fields;
    let input = DomainBlockInput {
        domain: fields.get("domain").to_string(),
        severity: Severity::parse(fields.get("severity"))?,
        reject_media: fields.checked("reject_media"),
        private_comment: fields.get("private_comment").to_string(),
        public_comment: fields.get("public_comment").to_string(),
    };
    moderation::block_domain(&ctx, &by, input).await?;
    done("/admin/federation", "saved")
}

/// `POST /admin/domain_blocks/ID/remove`
pub async fn unblock_domain(
    State(ctx): State<Context>,
    Path(id): Path<String>,
    posted: Posted,
) -> PageResult {
    let by = posted.visitor.admin()?.account.clone();
    moderation::unblock_domain(&ctx, &by, path_id(&id)?).await?;
    done("/admin/federation", "removed")
}

/// `POST /admin/domain_allows`: allow a server in allowlist mode.
pub async fn allow_domain(State(ctx): State<Context>, posted: Posted) -> PageResult {
    let by = posted.visitor.admin()?.account.clone();
    moderation::allow_domain(&ctx, &by, posted.fields.get("domain")).await?;
    done("/admin/federation", "saved")
}

/// `POST /admin/domain_allows/ID/remove`
pub async fn disallow_domain(
    State(ctx): State<Context>,
    Path(id): Path<String>,
    posted: Posted,
) -> PageResult {
    let by = posted.visitor.admin()?.account.clone();
    moderation::disallow_domain(&ctx, &by, path_id(&id)?).await?;
    done("/admin/federation", "removed")
}

pub struct ReportRow {
    pub id: i64,
    pub category: String,
    pub comment: String,
    pub reporter: AccountLink,
    pub target: AccountLink,
    pub statuses: Vec<super::cards::StatusCard>,
    pub when: String,
    pub forwarded: bool,
    pub assigned: Option<AccountLink>,
    pub resolved: bool,
}

#[derive(Template)]
#[template(path = "admin/reports.html")]
struct ReportsPage {
    layout: Layout,
    reports: Vec<ReportRow>,
    resolved: bool,
    pager: Pager,
}

/// `GET /admin/reports`: open reports (or `?state=resolved`), newest
/// first, with what they name and the actions at hand.
pub async fn reports_page(
    State(ctx): State<Context>,
    visitor: Visitor,
    Query(query): Query<ListQuery>,
) -> PageResult {
    visitor.admin()?;
    let resolved = query.state.as_deref() == Some("resolved");
    let listed = reports::list(&ctx, resolved, query.max_id(), PER_PAGE as i64).await?;
    let ids: Vec<i64> = listed.iter().map(|r| r.report.id).collect();
    let base = if resolved {
        "/admin/reports?state=resolved"
    } else {
        "/admin/reports"
    };
    render(&ReportsPage {
        layout: Layout::new(&ctx, &visitor, "Reports")
            .await
            .with_done(query.done.as_deref()),
        reports: listed
            .iter()
            .map(|r| ReportRow {
                id: r.report.id,
                category: r.report.category.clone(),
                comment: r.report.comment.clone(),
                reporter: AccountLink::of(&ctx, &r.reporter),
                target: AccountLink::of(&ctx, &r.target),
                statuses: super::cards::StatusCard::all(&ctx, &r.statuses),
                when: r
                    .report
                    .created_at
                    .format("%-d %b %Y, %H:%M UTC")
                    .to_string(),
                forwarded: r.report.forwarded,
                assigned: r.assigned.as_ref().map(|a| AccountLink::of(&ctx, a)),
                resolved: r.report.action_taken_at.is_some(),
            })
            .collect(),
        resolved,
        pager: Pager::by_id(base, &ids, PER_PAGE, query.max_id()),
    })
}

/// `POST /admin/reports/ID/{assign,resolve,reopen}`
pub async fn handle_report(
    State(ctx): State<Context>,
    Path((id, handling)): Path<(String, String)>,
    posted: Posted,
) -> PageResult {
    let by = posted.visitor.admin()?.account.clone();
    let handling = match handling.as_str() {
        "assign" => Handling::AssignTo(Some(by.id)),
        "resolve" => Handling::Resolve,
        "reopen" => Handling::Reopen,
        _ => return Err(Error::not_found().into()),
    };
    reports::handle(&ctx, &by, path_id(&id)?, handling).await?;
    done("/admin/reports", "saved")
}

pub struct CommunityAdminRow {
    pub item: CommunityItem,
    pub links: Vec<LinkItem>,
}

#[derive(Template)]
#[template(path = "admin/communities.html")]
struct CommunitiesAdmin {
    layout: Layout,
    communities: Vec<CommunityAdminRow>,
}

/// `GET /admin/communities`: every local community with its links, and
/// the link requests waiting for its moderators.
pub async fn communities_page(State(ctx): State<Context>, visitor: Visitor) -> PageResult {
    visitor.admin()?;
    let mut rows = Vec::new();
    for view in communities::list(&ctx, None, None).await? {
        if !view.account.account.local {
            continue;
        }
        let listed = links::list(&ctx, &view.account.account.username).await?;
        rows.push(CommunityAdminRow {
            item: CommunityItem::of(&ctx, &view),
            links: links_of(&ctx, &listed),
        });
    }
    render(&CommunitiesAdmin {
        layout: Layout::new(&ctx, &visitor, "Communities").await,
        communities: rows,
    })
}

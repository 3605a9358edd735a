//! What admins decide about other servers and about accounts, and where
//! those decisions bite.
//!
//! - **Domain blocks** (`silence`, `suspend`, or `noop` with
//!   `reject_media`) cover a server and its subdomains. A suspended server
//!   is refused at the inbox before anything is fetched, never fetched from
//!   or delivered to, loses every follow with this server both ways, and
//!   its content is hidden. A silenced one is left out of public
//!   timelines. In **allowlist mode** only the allowed servers federate.
//! - **Account limits**: suspension (a local member can no longer log in,
//!   their posts disappear here and a `Delete` of the actor goes out, undone
//!   by unsuspending within [`UNSUSPEND_WITHIN`]; a remote account's
//!   activities are refused and its content hidden), silence (left out of
//!   public timelines), log-in disabled, and posts forced sensitive.
//!
//! Every action is recorded with who took it and why.

use super::{Account, Context, statuses};
use crate::{
    config::FederationMode,
    db::{
        self, DbConnection,
        ids::next_id,
        models::{AccountModeration, DomainAllow, DomainBlock, ModerationAction},
        moderation as store,
    },
    error::{Error, Result},
};
use diesel::QueryResult;
use std::collections::{HashMap, HashSet};

/// A suspension can be undone for this long; after it, the member's posts
/// are gone from every other server and the account stays closed.
pub const UNSUSPEND_WITHIN: chrono::Duration = chrono::Duration::days(30);

/// How hard a domain block bites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Only `reject_media` applies.
    Noop,
    Silence,
    Suspend,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Noop => "noop",
            Severity::Silence => "silence",
            Severity::Suspend => "suspend",
        }
    }

    pub fn parse(value: &str) -> Result<Severity> {
        match value.trim().to_ascii_lowercase().as_str() {
            "noop" => Ok(Severity::Noop),
            "silence" => Ok(Severity::Silence),
            "suspend" => Ok(Severity::Suspend),
            other => Err(Error::Validation(format!(
                "severity must be silence, suspend or noop, not {other:?}"
            ))),
        }
    }
}

/// Whether `rule` (a blocked or allowed domain) covers `host`: the same
/// name, or a subdomain of it. A rule with a port matches that port only;
/// one without covers every port.
pub fn covers(rule: &str, host: &str) -> bool {
    let (rule, host) = (rule.to_ascii_lowercase(), host.to_ascii_lowercase());
    if rule == host {
        return true;
    }
    if rule.contains(':') {
        return false;
    }
    let name = host.rsplit_once(':').map_or(host.as_str(), |(name, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            name
        } else {
            host.as_str()
        }
    });
    name == rule || name.ends_with(&format!(".{rule}"))
}

/// A domain as admins type it: `example.org`, `https://example.org/`,
/// `Example.org:8443`; refused when it is not a host name.
pub fn normalized_domain(input: &str) -> Result<String> {
    let trimmed = input.trim().trim_end_matches('/');
    let without_scheme = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .unwrap_or(trimmed)
        .to_ascii_lowercase();
    let valid = !without_scheme.is_empty()
        && without_scheme.len() <= 253
        && without_scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
        && !without_scheme.starts_with(['.', '-', ':']);
    if !valid {
        return Err(Error::Validation(format!(
            "{input:?} is not a server's domain"
        )));
    }
    Ok(without_scheme)
}

/// The servers this one limits, read once per decision.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    blocks: Vec<DomainBlock>,
    allows: Vec<String>,
    allowlist: bool,
}

impl Policy {
    pub fn load(conn: &mut DbConnection, mode: FederationMode) -> QueryResult<Policy> {
        let allowlist = mode == FederationMode::Allowlist;
        Ok(Policy {
            blocks: store::domain_blocks(conn)?,
            allows: if allowlist {
                store::domain_allows(conn)?
                    .into_iter()
                    .map(|a| a.domain)
                    .collect()
            } else {
                Vec::new()
            },
            allowlist,
        })
    }

    /// The block that applies to `host`, the most specific one first.
    pub fn block_for(&self, host: &str) -> Option<&DomainBlock> {
        most_specific_block(&self.blocks, host)
    }

    /// Why this server will not talk with `host`, if it will not.
    pub fn refusal(&self, host: &str) -> Option<String> {
        if self.allowlist && !self.allows.iter().any(|allowed| covers(allowed, host)) {
            return Some(format!("{host} is not on this server's allowlist"));
        }
        self.block_for(host)
            .filter(|block| block.severity == Severity::Suspend.as_str())
            .map(|block| format!("{} is blocked by this server", block.domain))
    }

    pub fn silences(&self, host: &str) -> bool {
        self.block_for(host)
            .is_some_and(|block| block.severity == Severity::Silence.as_str())
    }
}

/// The policy in force now.
/// Whether media from the server of `actor_id` is refused here (a domain
/// block with `reject_media`): its attachments, avatars and headers are
/// not recorded.
pub fn media_rejected(conn: &mut DbConnection, actor_id: &str) -> QueryResult<bool> {
    let Some(host) = url::Url::parse(actor_id).ok().and_then(|url| host_of(&url)) else {
        return Ok(false);
    };
    let blocks = store::domain_blocks(conn)?;
    Ok(most_specific_block(&blocks, &host).is_some_and(|block| block.reject_media))
}

/// The block that decides for `host`: the one naming the longest domain
/// that covers it (a subdomain's own rule wins over its parent's).
fn most_specific_block<'a>(blocks: &'a [DomainBlock], host: &str) -> Option<&'a DomainBlock> {
    blocks
        .iter()
        .filter(|block| covers(&block.domain, host))
        .max_by_key(|block| block.domain.len())
}

pub async fn policy(ctx: &Context) -> Result<Policy> {
    let mode = ctx.config.federation_mode;
    ctx.db.read(move |conn| Ok(Policy::load(conn, mode)?)).await
}

/// Refuses talking with the server of `url` when the policy says so.
pub async fn check_url(ctx: &Context, url: &url::Url) -> Result<()> {
    let Some(host) = host_of(url) else {
        return Ok(());
    };
    match policy(ctx).await?.refusal(&host) {
        Some(reason) => Err(Error::Forbidden(reason)),
        None => Ok(()),
    }
}

/// `host` or `host:port`, as accounts store their domain.
pub fn host_of(url: &url::Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
}

/// Which of the accounts whose statuses a page shows must be hidden
/// (suspended, or on a suspended server), and which are forced sensitive.
#[derive(Debug, Default)]
pub struct Hidden {
    pub accounts: HashSet<i64>,
    pub sensitive: HashSet<i64>,
}

pub fn hidden_among(conn: &mut DbConnection, accounts: &[&Account]) -> QueryResult<Hidden> {
    let mut hidden = Hidden::default();
    let remote: Vec<&&Account> = accounts.iter().filter(|a| !a.local).collect();
    if !remote.is_empty() {
        let policy = Policy::load(conn, FederationMode::Open)?;
        for account in remote {
            if policy
                .block_for(&account.domain)
                .is_some_and(|b| b.severity == Severity::Suspend.as_str())
            {
                hidden.accounts.insert(account.id);
            }
        }
    }
    let ids: Vec<i64> = accounts.iter().map(|a| a.id).collect();
    for limits in store::limits_among(conn, &ids)? {
        if limits.suspended_at.is_some() {
            hidden.accounts.insert(limits.account_id);
        }
        if limits.sensitive_forced {
            hidden.sensitive.insert(limits.account_id);
        }
    }
    Ok(hidden)
}

/// Those of `accounts` whose posts public timelines leave out: silenced
/// accounts and accounts on silenced servers.
pub fn silenced_among(conn: &mut DbConnection, accounts: &[&Account]) -> QueryResult<HashSet<i64>> {
    let mut silenced = HashSet::new();
    if accounts.iter().any(|a| !a.local) {
        let policy = Policy::load(conn, FederationMode::Open)?;
        silenced.extend(
            accounts
                .iter()
                .filter(|a| !a.local && policy.silences(&a.domain))
                .map(|a| a.id),
        );
    }
    let ids: Vec<i64> = accounts.iter().map(|a| a.id).collect();
    silenced.extend(
        store::limits_among(conn, &ids)?
            .into_iter()
            .filter(|l| l.silenced_at.is_some())
            .map(|l| l.account_id),
    );
    Ok(silenced)
}

/// `views` less the statuses of silenced authors, for public timelines;
/// a viewer who follows a silenced author still sees them.
pub fn without_silenced(
    conn: &mut DbConnection,
    viewer: Option<i64>,
    views: Vec<super::views::StatusView>,
) -> QueryResult<Vec<super::views::StatusView>> {
    let authors: Vec<&Account> = views.iter().map(|v| &v.author.account).collect();
    let silenced = silenced_among(conn, &authors)?;
    if silenced.is_empty() {
        return Ok(views);
    }
    let followed: HashSet<i64> = match viewer {
        Some(viewer) => db::follows::following(conn, viewer)?
            .into_iter()
            .map(|a| a.id)
            .collect(),
        None => HashSet::new(),
    };
    Ok(views
        .into_iter()
        .filter(|v| {
            let author = v.author.account.id;
            !silenced.contains(&author) || followed.contains(&author) || viewer == Some(author)
        })
        .collect())
}

/// Whether `account` may not log in: suspended or log-in disabled.
pub fn login_refused(
    conn: &mut DbConnection,
    account_id: i64,
) -> QueryResult<Option<&'static str>> {
    let limits = store::limits_of(conn, account_id)?;
    Ok(if limits.suspended_at.is_some() {
        Some("Your account is suspended")
    } else if limits.login_disabled {
        Some("Your login is disabled")
    } else {
        None
    })
}

/// Whether an account is limited, by itself or through its server.
pub fn is_silenced(conn: &mut DbConnection, account_id: i64) -> QueryResult<bool> {
    let Some(account) = db::accounts::by_id(conn, account_id)? else {
        return Ok(false);
    };
    Ok(!silenced_among(conn, &[&account])?.is_empty())
}

/// Whether a remote account's activities are refused.
pub fn is_suspended(conn: &mut DbConnection, account_id: i64) -> QueryResult<bool> {
    Ok(store::limits_of(conn, account_id)?.suspended_at.is_some())
}

/// A new domain block, or a change to an existing one.
#[derive(Debug, Clone)]
pub struct DomainBlockInput {
    pub domain: String,
    pub severity: Severity,
    pub reject_media: bool,
    pub private_comment: String,
    pub public_comment: String,
}

const MAX_COMMENT: usize = 1000;

fn checked_block(input: DomainBlockInput) -> Result<DomainBlockInput> {
    Ok(DomainBlockInput {
        domain: normalized_domain(&input.domain)?,
        private_comment: super::text::within_limit(
            "private_comment",
            &input.private_comment,
            MAX_COMMENT,
        )?,
        public_comment: super::text::within_limit(
            "public_comment",
            &input.public_comment,
            MAX_COMMENT,
        )?,
        ..input
    })
}

/// Blocks a server (or changes its block). A suspension drops every
/// follow between this server's accounts and that server's, both ways.
pub async fn block_domain(
    ctx: &Context,
    by: &Account,
    input: DomainBlockInput,
) -> Result<DomainBlock> {
    let input = checked_block(input)?;
    if covers(&input.domain, &ctx.urls.domain()) {
        return Err(Error::Validation("a server cannot block itself".into()));
    }
    let (by, urls) = (by.clone(), ctx.urls.clone());
    let block = ctx
        .db
        .write(move |conn| {
            let now = db::now();
            let block = match store::domain_block_for(conn, &input.domain)? {
                Some(existing) => {
                    let changed = DomainBlock {
                        severity: input.severity.as_str().into(),
                        reject_media: input.reject_media,
                        private_comment: input.private_comment.clone(),
                        public_comment: input.public_comment.clone(),
                        ..existing
                    };
                    store::update_domain_block(conn, &changed)?;
                    changed
                }
                None => {
                    let block = DomainBlock {
                        id: next_id(),
                        domain: input.domain.clone(),
                        severity: input.severity.as_str().into(),
                        reject_media: input.reject_media,
                        private_comment: input.private_comment.clone(),
                        public_comment: input.public_comment.clone(),
                        created_at: now,
                    };
                    store::insert_domain_block(conn, &block)?;
                    block
                }
            };
            if input.severity == Severity::Suspend {
                let accounts = store::remote_accounts_on(conn, &block.domain)?;
                super::follows::end_follows_with(conn, &urls, &accounts)?;
            }
            record(
                conn,
                &by,
                None,
                Some(&block.domain),
                &format!("domain_block:{}", block.severity),
                &block.private_comment,
            )?;
            Ok::<_, Error>(block)
        })
        .await?;
    ctx.deliveries_queued();
    Ok(block)
}

pub async fn unblock_domain(ctx: &Context, by: &Account, id: i64) -> Result<DomainBlock> {
    let by = by.clone();
    ctx.db
        .write(move |conn| {
            let block = store::domain_block(conn, id)?.ok_or_else(Error::not_found)?;
            store::delete_domain_block(conn, id)?;
            record(conn, &by, None, Some(&block.domain), "domain_unblock", "")?;
            Ok(block)
        })
        .await
}

pub async fn domain_blocks(ctx: &Context) -> Result<Vec<DomainBlock>> {
    ctx.db.read(|conn| Ok(store::domain_blocks(conn)?)).await
}

pub async fn domain_block(ctx: &Context, id: i64) -> Result<DomainBlock> {
    ctx.db
        .read(move |conn| store::domain_block(conn, id)?.ok_or_else(Error::not_found))
        .await
}

/// The block on `domain` (as typed), for the command line.
pub async fn domain_block_named(ctx: &Context, domain: &str) -> Result<DomainBlock> {
    let domain = normalized_domain(domain)?;
    ctx.db
        .read(move |conn| {
            store::domain_block_for(conn, &domain)?
                .ok_or_else(|| Error::NotFound(format!("{domain} is not blocked")))
        })
        .await
}

pub async fn allow_domain(ctx: &Context, by: &Account, domain: &str) -> Result<DomainAllow> {
    let domain = normalized_domain(domain)?;
    let by = by.clone();
    ctx.db
        .write(move |conn| {
            if let Some(existing) = store::domain_allow_for(conn, &domain)? {
                return Ok(existing);
            }
            let allow = DomainAllow {
                id: next_id(),
                domain,
                created_at: db::now(),
            };
            store::insert_domain_allow(conn, &allow)?;
            record(conn, &by, None, Some(&allow.domain), "domain_allow", "")?;
            Ok(allow)
        })
        .await
}

pub async fn disallow_domain(ctx: &Context, by: &Account, id: i64) -> Result<DomainAllow> {
    let by = by.clone();
    ctx.db
        .write(move |conn| {
            let allow = store::domain_allow(conn, id)?.ok_or_else(Error::not_found)?;
            store::delete_domain_allow(conn, id)?;
            record(conn, &by, None, Some(&allow.domain), "domain_disallow", "")?;
            Ok(allow)
        })
        .await
}

pub async fn domain_allows(ctx: &Context) -> Result<Vec<DomainAllow>> {
    ctx.db.read(|conn| Ok(store::domain_allows(conn)?)).await
}

pub async fn domain_allow(ctx: &Context, id: i64) -> Result<DomainAllow> {
    ctx.db
        .read(move |conn| store::domain_allow(conn, id)?.ok_or_else(Error::not_found))
        .await
}

fn record(
    conn: &mut DbConnection,
    by: &Account,
    target: Option<i64>,
    domain: Option<&str>,
    action: &str,
    reason: &str,
) -> Result<()> {
    store::insert_action(
        conn,
        &ModerationAction {
            id: next_id(),
            target_account_id: target,
            domain: domain.map(String::from),
            action: action.to_string(),
            by_account_id: Some(by.id),
            reason: reason.to_string(),
            report_id: None,
            created_at: db::now(),
        },
    )?;
    Ok(())
}

/// What an admin does to an account (Mastodon's `type` of an account
/// action, plus the undoing ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountAction {
    /// Only a warning, recorded and (if asked) sent.
    Warn,
    Suspend,
    Unsuspend,
    Silence,
    Unsilence,
    DisableLogin,
    EnableLogin,
    Sensitive,
    Unsensitive,
}

impl AccountAction {
    pub fn parse(value: &str) -> Result<AccountAction> {
        Ok(match value.trim().to_ascii_lowercase().as_str() {
            "none" | "warn" => AccountAction::Warn,
            "suspend" => AccountAction::Suspend,
            "unsuspend" => AccountAction::Unsuspend,
            "silence" | "limit" => AccountAction::Silence,
            "unsilence" | "unlimit" => AccountAction::Unsilence,
            "disable" => AccountAction::DisableLogin,
            "enable" => AccountAction::EnableLogin,
            "sensitive" => AccountAction::Sensitive,
            "unsensitive" => AccountAction::Unsensitive,
            other => {
                return Err(Error::Validation(format!(
                    "unknown action {other:?}: none, suspend, silence, disable, sensitive or their undoing"
                )));
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AccountAction::Warn => "none",
            AccountAction::Suspend => "suspend",
            AccountAction::Unsuspend => "unsuspend",
            AccountAction::Silence => "silence",
            AccountAction::Unsilence => "unsilence",
            AccountAction::DisableLogin => "disable",
            AccountAction::EnableLogin => "enable",
            AccountAction::Sensitive => "sensitive",
            AccountAction::Unsensitive => "unsensitive",
        }
    }

    /// The words a notice to the member uses.
    fn described(self) -> &'static str {
        match self {
            AccountAction::Warn => "sent you a warning",
            AccountAction::Suspend => "suspended your account",
            AccountAction::Unsuspend => "lifted the suspension of your account",
            AccountAction::Silence => {
                "limited your account: your posts are left out of public timelines"
            }
            AccountAction::Unsilence => "lifted the limit on your account",
            AccountAction::DisableLogin => "disabled your login",
            AccountAction::EnableLogin => "enabled your login again",
            AccountAction::Sensitive => "marked your posts as sensitive",
            AccountAction::Unsensitive => "stopped marking your posts as sensitive",
        }
    }
}

/// An admin's action on an account, with why.
pub struct Decision {
    pub action: AccountAction,
    pub reason: String,
    /// Tell a local member, by a direct message from the network.
    pub notify: bool,
    pub report_id: Option<i64>,
}

/// The limits standing on an account.
pub async fn limits(ctx: &Context, account_id: i64) -> Result<AccountModeration> {
    ctx.db
        .read(move |conn| Ok(store::limits_of(conn, account_id)?))
        .await
}

/// The standing limits of several accounts at once, by account id.
pub async fn limits_of_many(
    ctx: &Context,
    ids: Vec<i64>,
) -> Result<HashMap<i64, AccountModeration>> {
    ctx.db
        .read(move |conn| {
            Ok(store::limits_among(conn, &ids)?
                .into_iter()
                .map(|l| (l.account_id, l))
                .collect())
        })
        .await
}

/// Applies `decision` to `target`, records it, and tells the member when
/// asked.
pub async fn act(ctx: &Context, by: &Account, target: &Account, decision: Decision) -> Result<()> {
    if target.id == by.id && decision.action != AccountAction::Warn {
        return Err(Error::Validation(
            "admins cannot act on their own account".into(),
        ));
    }
    if target.actor_type == "Application" || super::network::is_network_actor(target) {
        return Err(Error::Validation(
            "this server's own actors cannot be moderated".into(),
        ));
    }
    let reason = super::text::within_limit("reason", &decision.reason, MAX_COMMENT)?;
    let (by_account, target_account, urls) = (by.clone(), target.clone(), ctx.urls.clone());
    let action = decision.action;
    let report_id = decision.report_id;
    let recorded_reason = reason.clone();
    ctx.db
        .write(move |conn| {
            let mut limits = store::limits_of(conn, target_account.id)?;
            let now = db::now();
            match action {
                AccountAction::Warn => {}
                AccountAction::Suspend => {
                    if limits.suspended_at.is_none() {
                        limits.suspended_at = Some(now);
                        if target_account.local {
                            // Other servers drop the account and its posts;
                            // a fresh id, so a second suspension is heard.
                            let id = urls.activity(next_id());
                            super::accounts::send_actor_delete(conn, &urls, &target_account, &id)?;
                        } else {
                            super::follows::end_follows_with(conn, &urls, &[target_account.id])?;
                        }
                    }
                }
                AccountAction::Unsuspend => match limits.suspended_at {
                    Some(at) if now - at > UNSUSPEND_WITHIN => {
                        return Err(Error::Validation(format!(
                            "the suspension is older than {} days and can no longer be undone",
                            UNSUSPEND_WITHIN.num_days()
                        )));
                    }
                    Some(_) => limits.suspended_at = None,
                    None => return Err(Error::Validation("the account is not suspended".into())),
                },
                AccountAction::Silence => {
                    limits.silenced_at = limits.silenced_at.or(Some(now));
                }
                AccountAction::Unsilence => limits.silenced_at = None,
                AccountAction::DisableLogin => {
                    if !target_account.local {
                        return Err(Error::Validation(
                            "only members of this server have a login to disable".into(),
                        ));
                    }
                    limits.login_disabled = true;
                }
                AccountAction::EnableLogin => limits.login_disabled = false,
                AccountAction::Sensitive => limits.sensitive_forced = true,
                AccountAction::Unsensitive => limits.sensitive_forced = false,
            }
            store::save_limits(conn, &limits)?;
            store::insert_action(
                conn,
                &ModerationAction {
                    id: next_id(),
                    target_account_id: Some(target_account.id),
                    domain: None,
                    action: action.as_str().into(),
                    by_account_id: Some(by_account.id),
                    reason: recorded_reason,
                    report_id,
                    created_at: now,
                },
            )?;
            Ok::<_, Error>(())
        })
        .await?;
    ctx.deliveries_queued();
    if decision.notify && target.local && target.actor_type == "Person" {
        tell_member(ctx, target, action, &reason).await?;
    }
    Ok(())
}

/// A direct message from the network's actor to the member.
async fn tell_member(
    ctx: &Context,
    member: &Account,
    action: AccountAction,
    reason: &str,
) -> Result<()> {
    let network = super::network::actor(ctx).await?;
    let name = super::network::get(ctx).await?.name;
    let who = if name.is_empty() {
        "The admins of this network".to_string()
    } else {
        format!("The admins of {name}")
    };
    let because = if reason.trim().is_empty() {
        String::new()
    } else {
        format!(" Reason: {reason}")
    };
    let text = format!(
        "@{} {who} {}.{because}",
        member.username,
        action.described()
    );
    let mut resolved = super::text::ResolvedMentions::new();
    for handle in super::text::mentions(&text, &ctx.urls.domain()) {
        if handle.username.eq_ignore_ascii_case(&member.username) {
            resolved.insert(handle, member.clone());
        }
    }
    statuses::create(
        ctx,
        &network,
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

/// The actions taken on an account, newest first.
pub async fn history(ctx: &Context, account_id: i64) -> Result<Vec<ModerationAction>> {
    ctx.db
        .read(move |conn| Ok(store::actions_on(conn, account_id)?))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_covers_its_subdomains_and_ports_only_when_it_names_none() {
        assert!(covers("example.org", "example.org"));
        assert!(covers("example.org", "social.example.org"));
        assert!(covers("example.org", "example.org:8443"));
        assert!(covers("Example.ORG", "social.example.org"));
        assert!(!covers("example.org", "badexample.org"));
        assert!(!covers("example.org", "example.org.evil"));
        assert!(covers("localhost:4001", "localhost:4001"));
        assert!(!covers("localhost:4001", "localhost:4002"));
    }

    #[test]
    fn domains_are_read_as_admins_type_them() {
        assert_eq!(
            normalized_domain("https://Example.org/").unwrap(),
            "example.org"
        );
        assert_eq!(
            normalized_domain(" localhost:4001 ").unwrap(),
            "localhost:4001"
        );
        assert!(normalized_domain("").is_err());
        assert!(normalized_domain("exa mple.org").is_err());
        assert!(normalized_domain("example.org/path").is_err());
        assert!(normalized_domain(".example.org").is_err());
    }

    fn block(domain: &str, severity: Severity) -> DomainBlock {
        DomainBlock {
            id: 1,
            domain: domain.into(),
            severity: severity.as_str().into(),
            reject_media: false,
            private_comment: String::new(),
            public_comment: String::new(),
            created_at: db::now(),
        }
    }

    #[test]
    fn the_most_specific_block_decides_and_allowlists_refuse_the_rest() {
        let policy = Policy {
            blocks: vec![
                block("example.org", Severity::Silence),
                block("bad.example.org", Severity::Suspend),
            ],
            allows: Vec::new(),
            allowlist: false,
        };
        assert!(policy.refusal("bad.example.org").is_some());
        assert!(policy.refusal("social.example.org").is_none());
        assert!(policy.silences("social.example.org"));
        assert!(!policy.silences("bad.example.org"));
        let allowlist = Policy {
            blocks: Vec::new(),
            allows: vec!["county.example".into()],
            allowlist: true,
        };
        assert!(allowlist.refusal("county.example").is_none());
        assert!(allowlist.refusal("social.county.example").is_none());
        assert!(allowlist.refusal("elsewhere.example").is_some());
    }
}

//! The command line: `serve`, `migrate`, and the `admin` and `network`
//! commands.

use crate::{
    app,
    config::Config,
    db::deliveries,
    domain::{Context, accounts, communities, network, network_map, network_reports, oauth},
    error::Error,
    progress::{self, Spinner},
};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "trellis",
    version,
    about = "An ActivityPub server for federated peer networks"
)]
pub struct Cli {
    /// TOML settings file (also `TRELLIS_CONFIG`); environment variables override it.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (migrating the database first).
    ///
    /// Settings come from defaults, then the --config file, then
    /// environment variables such as TRELLIS_DOMAIN, TRELLIS_BIND
    /// (default 127.0.0.1:8080) and TRELLIS_DATABASE_URL (default
    /// sqlite://trellis.db). docs/configuration.md lists every setting and
    /// its variable; an unknown TRELLIS_* variable is warned about.
    Serve,
    /// Run pending database migrations and exit.
    Migrate,
    /// Administration tasks.
    #[command(subcommand)]
    Admin(Admin),
    /// The network's profile and charter.
    #[command(subcommand)]
    Network(NetworkCommand),
    /// Communities of practice.
    #[command(subcommand)]
    Community(CommunityCommand),
}

#[derive(Debug, Subcommand)]
pub enum CommunityCommand {
    /// Start a community; the moderator also becomes its first member.
    Create {
        /// The community's handle (letters, digits and underscores).
        name: String,
        /// The member who will moderate it.
        #[arg(long)]
        moderator: String,
        /// The name shown for it.
        #[arg(long, default_value = "")]
        display_name: String,
        /// What the community is about, in a sentence or two.
        #[arg(long, default_value = "")]
        summary: String,
        /// The role its members share (e.g. facilitator).
        #[arg(long, default_value = "")]
        role: String,
        /// Where it is rooted (a town, a county).
        #[arg(long, default_value = "")]
        place: String,
        /// open or approval.
        #[arg(long, default_value = "open")]
        join_policy: String,
        /// open or approval.
        #[arg(long, default_value = "open")]
        link_policy: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum NetworkCommand {
    /// Print the network's profile and charter as JSON.
    Show,
    /// Change what the options name; the rest stays.
    Set(Box<NetworkSettings>),
    /// Print the network's health report: members, density, core and
    /// periphery, exchanges, stories, introductions.
    Report {
        /// Print the figures as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print this network and every network below it that shared its
    /// report, with the totals.
    Tree {
        /// Print the tree as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print the network map: json, graphml, gexf or svg.
    Map {
        /// json, graphml, gexf or svg.
        #[arg(long, default_value = "json")]
        format: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct NetworkSettings {
    /// The network's name.
    #[arg(long)]
    name: Option<String>,
    /// What the network is, in a sentence or two.
    #[arg(long)]
    summary: Option<String>,
    /// Where it is (a town, a county, a state).
    #[arg(long)]
    place: Option<String>,
    /// town, county, region, state, country or none.
    #[arg(long)]
    level: Option<String>,
    /// connectivity, alignment or production.
    #[arg(long = "type")]
    kind: Option<String>,
    /// The network this one is part of, as name@host; "" removes it.
    #[arg(long)]
    parent: Option<String>,
    /// Charter: why the network exists.
    #[arg(long)]
    purpose: Option<String>,
    /// Charter: who can join and how.
    #[arg(long)]
    membership: Option<String>,
    /// Charter: what members gain from taking part.
    #[arg(long)]
    value_proposition: Option<String>,
    /// Charter: how the network's work is coordinated.
    #[arg(long)]
    coordination: Option<String>,
    /// Charter: where its time and money come from.
    #[arg(long)]
    resources: Option<String>,
    /// Charter: how decisions are made.
    #[arg(long)]
    governance: Option<String>,
    /// Charter: how the network judges how it is doing.
    #[arg(long)]
    assessment: Option<String>,
    /// One operating principle; repeat for each. Replaces the whole list.
    #[arg(long = "principle")]
    principles: Vec<String>,
    /// Remove every operating principle.
    #[arg(long, conflicts_with = "principles")]
    no_principles: bool,
    /// Who receives the network report: none, parent, linked or public.
    #[arg(long)]
    share_report: Option<String>,
}

impl NetworkSettings {
    /// The same change as the API takes, so both are checked alike.
    fn changes(self) -> anyhow::Result<network::NetworkChanges> {
        let principles = if self.no_principles {
            Some(Vec::new())
        } else {
            Some(self.principles).filter(|p| !p.is_empty())
        };
        let json = serde_json::json!({
            "name": self.name,
            "summary": self.summary,
            "place": self.place,
            "level": self.level,
            "type": self.kind,
            "share_report": self.share_report,
            "charter": {
                "purpose": self.purpose,
                "membership": self.membership,
                "value_proposition": self.value_proposition,
                "coordination": self.coordination,
                "resources": self.resources,
                "governance": self.governance,
                "assessment": self.assessment,
                "operating_principles": principles,
            },
        });
        let mut changes: network::NetworkChanges =
            serde_json::from_value(json).map_err(|e| anyhow::anyhow!("{e}"))?;
        changes.parent = self.parent.map(Some);
        Ok(changes)
    }
}

#[derive(Debug, Subcommand)]
pub enum Admin {
    /// Create a member account.
    CreateUser {
        /// The member's handle (letters, digits and underscores).
        username: String,
        /// Their e-mail address, which they log in with.
        #[arg(long)]
        email: String,
        /// Their password (at least 8 characters). It shows in the shell's
        /// history; they can change it at /settings/password.
        #[arg(long)]
        password: String,
        /// Make the member an administrator.
        #[arg(long)]
        admin: bool,
    },
    /// Print a new OAuth bearer token for a member, alone on standard output.
    Token {
        /// The member the token acts for.
        username: String,
        /// OAuth scopes, separated by spaces (read, write, follow, or
        /// narrower ones such as read:statuses).
        #[arg(long, default_value = "read write follow")]
        scopes: String,
    },
    /// Let a member whose sign-up awaits approval log in.
    Approve {
        /// The member to approve.
        username: String,
    },
    /// Delete a member and tell the servers that know them.
    DeleteUser {
        /// The member to delete.
        username: String,
    },
    /// Make a member a weaver, or with --remove no longer one. Weavers see
    /// anyone's suggested introductions and the network's "who should
    /// meet whom", and can send the introductions digest.
    Weaver {
        /// The member's username.
        username: String,
        /// Take the role away instead of giving it.
        #[arg(long)]
        remove: bool,
    },
    /// Show the delivery queue per remote host.
    Queue,
    /// Fill a fresh database with a generated network (members, practice
    /// profiles, communities, follows, posts, exchanges, stories,
    /// introductions), to try Trellis out or measure it. Refuses to run
    /// where there are members already.
    DemoNetwork {
        /// How many members to generate (2 to 5000); a few minutes for the
        /// default in a debug build.
        #[arg(long, default_value_t = 300)]
        members: usize,
        /// The same seed generates the same network.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// List the members, or with --pending the sign-ups waiting for approval.
    Users {
        /// Only the sign-ups waiting for approval.
        #[arg(long)]
        pending: bool,
    },
    /// Turn a waiting sign-up down: the account is closed, and the message
    /// is shown when they next try to log in.
    Reject {
        /// The username the sign-up asked for.
        username: String,
        /// Why, for the person who asked to join.
        #[arg(long, default_value = "")]
        message: String,
    },
    /// Give a member a new random password (printed alone on standard
    /// output) and log them out of every browser.
    ResetPassword {
        /// The member's username.
        username: String,
    },
    /// Suspend an account: a member here (they can no longer log in, their
    /// posts disappear, other servers are told to drop them) or name@host
    /// elsewhere (everything from them is refused).
    Suspend {
        /// A member's username, or name@host.
        account: String,
        /// Why; recorded with the action.
        #[arg(long)]
        reason: String,
        /// Tell the member, by a direct message from the network.
        #[arg(long)]
        notify: bool,
    },
    /// Lift a suspension made in the last 30 days.
    Unsuspend {
        /// A member's username, or name@host.
        account: String,
    },
    /// Block other servers, lift blocks, or list them.
    #[command(subcommand)]
    DomainBlock(DomainBlockCommand),
    /// The servers that may federate in allowlist mode.
    #[command(subcommand)]
    DomainAllow(DomainAllowCommand),
    /// List the open reports, or with --resolved the resolved ones.
    Reports {
        /// The resolved reports instead of the open ones.
        #[arg(long)]
        resolved: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum DomainBlockCommand {
    /// Block a server and its subdomains (or change its block).
    Add {
        /// The server's domain, e.g. spam.example.
        domain: String,
        /// suspend (refuse everything, drop follows both ways, hide its
        /// content), silence (leave it out of public timelines) or noop.
        #[arg(long, default_value = "suspend")]
        severity: String,
        /// Do not keep its media (recorded now; media arrives later).
        #[arg(long)]
        reject_media: bool,
        /// A note for admins only.
        #[arg(long, default_value = "")]
        private_comment: String,
        /// A note shown with the block where blocks are published.
        #[arg(long, default_value = "")]
        public_comment: String,
    },
    /// Lift the block on a server.
    Remove {
        /// The blocked server's domain.
        domain: String,
    },
    /// List the blocked servers.
    List,
}

#[derive(Debug, Subcommand)]
pub enum DomainAllowCommand {
    /// Let a server (and its subdomains) federate in allowlist mode.
    Add {
        /// The server's domain.
        domain: String,
    },
    /// Take a server off the allowlist.
    Remove {
        /// The allowed server's domain.
        domain: String,
    },
    /// List the allowed servers.
    List,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve => app::serve(config).await,
        Command::Migrate => {
            app::open_database(&config).await?;
            eprintln!("database is up to date");
            Ok(())
        }
        Command::Admin(admin) => {
            let db = app::open_database(&config).await?;
            let ctx = Context::new(db, config);
            run_admin(&ctx, admin).await
        }
        Command::Community(CommunityCommand::Create {
            name,
            moderator,
            display_name,
            summary,
            role,
            place,
            join_policy,
            link_policy,
        }) => {
            let db = app::open_database(&config).await?;
            let ctx = Context::new(db, config);
            // Parsed as the API parses it, so both refuse the same input.
            let new: communities::NewCommunity = serde_json::from_value(serde_json::json!({
                "name": name,
                "display_name": display_name,
                "summary": summary,
                "role": role,
                "place": place,
                "join_policy": join_policy,
                "link_policy": link_policy,
            }))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            let moderator = accounts::local_by_username(&ctx, &moderator).await?;
            let view = communities::create(&ctx, &moderator, true, new).await?;
            eprintln!(
                "created community {} ({})",
                view.account.account.username, view.account.account.ap_id
            );
            Ok(())
        }
        Command::Network(command) => {
            let db = app::open_database(&config).await?;
            let ctx = Context::new(db, config);
            if let NetworkCommand::Map { format } = &command {
                let measuring = Spinner::start("drawing the network map");
                let graph = network_map::graph(&ctx).await?;
                let out = match format.as_str() {
                    "json" => crate::graph::to_json(&graph),
                    "graphml" => crate::graph::to_graphml(&graph),
                    "gexf" => crate::graph::to_gexf(&graph),
                    "svg" => crate::graph::to_svg(&graph),
                    other => anyhow::bail!("format is json, graphml, gexf or svg, not {other:?}"),
                };
                measuring.done();
                println!("{out}");
                return Ok(());
            }
            if let NetworkCommand::Report { json } = command {
                let measuring = Spinner::start("measuring the network");
                let health = network_map::health(&ctx).await?;
                measuring.done();
                if json {
                    println!("{}", serde_json::to_string_pretty(&health)?);
                } else {
                    print!("{}", network_map::report(&health));
                }
                return Ok(());
            }
            if let NetworkCommand::Tree { json } = command {
                let tree = network_reports::tree(&ctx).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&tree)?);
                } else {
                    print!("{}", network_reports::tree_text(&tree));
                }
                return Ok(());
            }
            if let NetworkCommand::Set(settings) = command {
                let changes = settings.changes()?;
                let instance_actor = accounts::instance_actor(&ctx).await?;
                let federation =
                    crate::federation::federation_config(ctx.clone(), &instance_actor).await?;
                crate::federation::resolve::update_network(&federation.to_request_data(), changes)
                    .await?;
                // Followers' servers hear of the change now, not at the
                // server's next start.
                deliver_before_exit(&ctx).await?;
            }
            let shown = network::get(&ctx).await?;
            println!("{}", serde_json::to_string_pretty(&shown)?);
            Ok(())
        }
    }
}

async fn run_admin(ctx: &Context, admin: Admin) -> anyhow::Result<()> {
    match admin {
        Admin::CreateUser {
            username,
            email,
            password,
            admin,
        } => {
            let account = accounts::create_user(
                ctx,
                accounts::NewUser {
                    approved: true,
                    username: &username,
                    email: &email,
                    password: &password,
                    admin,
                    reason: None,
                },
            )
            .await?;
            eprintln!("created {} ({})", account.username, account.ap_id);
        }
        Admin::Token { username, scopes } => {
            let scopes = oauth::Scopes::parse(&scopes)?;
            let user_id = ctx
                .db
                .read(move |conn| {
                    crate::db::oauth::user_by_login(conn, &username)?
                        .map(|(user, _)| user.id)
                        .ok_or_else(|| Error::NotFound(format!("no member named {username}")))
                })
                .await?;
            let issued = oauth::issue_token(ctx, None, Some(user_id), scopes).await?;
            println!("{}", issued.token);
        }
        Admin::Approve { username } => {
            let account = accounts::approve(ctx, &username).await?;
            eprintln!("approved {}", account.username);
        }
        Admin::DeleteUser { username } => {
            let account = accounts::delete_local(ctx, &username).await?;
            eprintln!("deleted {}; other servers are being told", account.username);
            deliver_before_exit(ctx).await?;
        }
        Admin::Weaver { username, remove } => {
            let account = accounts::local_by_username(ctx, &username).await?;
            crate::domain::admin::set_weaver(ctx, &account, !remove).await?;
            if remove {
                eprintln!("{username} is no longer a weaver");
            } else {
                eprintln!("{username} is a weaver");
            }
        }
        Admin::Queue => {
            let hosts = ctx
                .db
                .read(|conn| deliveries::summary_by_host(conn).map_err(Error::from))
                .await?;
            print!("{}", format_queue(&hosts));
        }
        Admin::DemoNetwork { members, seed } => {
            let stages = progress::Stages::new();
            let made = crate::domain::demo::generate(ctx, members, seed, &stages).await;
            stages.finish();
            let made = made?;
            println!(
                "generated {} members, {} communities, {} follows, {} posts ({} questions, {} stories), {} introductions",
                made.members,
                made.communities,
                made.follows,
                made.posts,
                made.questions,
                made.stories,
                made.introductions
            );
        }
        other => moderate(ctx, other).await?,
    }
    Ok(())
}

/// The moderation commands: they act as the instance actor, which the
/// moderation log names as "the command line".
async fn moderate(ctx: &Context, command: Admin) -> anyhow::Result<()> {
    use crate::domain::{moderation, registrations, reports, sessions};
    let by = accounts::instance_actor(ctx).await?;
    let account_named = async |name: &str| -> anyhow::Result<crate::domain::Account> {
        accounts::by_acct(ctx, name)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no account {name} is known here"))
    };
    match command {
        Admin::Users { pending } => {
            if pending {
                for waiting in registrations::waiting(ctx, 10_000, 0).await? {
                    println!(
                        "{}	{}	{}	{}",
                        waiting.account.username,
                        waiting.user.email,
                        waiting.user.created_at.format("%Y-%m-%d %H:%M"),
                        waiting.reason.replace(['\n', '\t'], " ")
                    );
                }
            } else {
                let members = crate::domain::admin::members(ctx, "", 100_000, 0).await?;
                let ids = members.iter().map(|(_, a)| a.id).collect();
                let limits = moderation::limits_of_many(ctx, ids).await?;
                for (user, account) in members {
                    let state = match limits.get(&account.id) {
                        Some(l) if l.suspended_at.is_some() => "suspended",
                        Some(l) if l.login_disabled => "disabled",
                        Some(l) if l.silenced_at.is_some() => "silenced",
                        _ if !user.approved => "pending",
                        _ => "active",
                    };
                    let role = match (user.admin, user.weaver) {
                        (true, _) => "admin",
                        (false, true) => "weaver",
                        (false, false) => "member",
                    };
                    println!("{}	{}	{role}	{state}", account.username, user.email);
                }
            }
        }
        Admin::Reject { username, message } => {
            let account = accounts::by_acct(ctx, &username)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no sign-up by {username} waits"))?;
            registrations::turn_down(ctx, account.id, &message).await?;
            eprintln!("turned down the sign-up of {username}");
        }
        Admin::ResetPassword { username } => {
            let account = accounts::local_by_username(ctx, &username).await?;
            println!("{}", sessions::reset_password(ctx, &account).await?);
            eprintln!("{username} has a new password and was logged out of every browser");
        }
        Admin::Suspend {
            account,
            reason,
            notify,
        } => {
            let target = account_named(&account).await?;
            let decision = moderation::Decision {
                action: moderation::AccountAction::Suspend,
                reason,
                notify,
                report_id: None,
            };
            moderation::act(ctx, &by, &target, decision).await?;
            eprintln!("suspended {account}");
            deliver_before_exit(ctx).await?;
        }
        Admin::Unsuspend { account } => {
            let target = account_named(&account).await?;
            let decision = moderation::Decision {
                action: moderation::AccountAction::Unsuspend,
                reason: String::new(),
                notify: false,
                report_id: None,
            };
            moderation::act(ctx, &by, &target, decision).await?;
            eprintln!("lifted the suspension of {account}");
        }
        Admin::DomainBlock(DomainBlockCommand::Add {
            domain,
            severity,
            reject_media,
            private_comment,
            public_comment,
        }) => {
            let input = moderation::DomainBlockInput {
                domain,
                severity: moderation::Severity::parse(&severity)?,
                reject_media,
                private_comment,
                public_comment,
            };
            let block = moderation::block_domain(ctx, &by, input).await?;
            eprintln!("{} is blocked ({})", block.domain, block.severity);
        }
        Admin::DomainBlock(DomainBlockCommand::Remove { domain }) => {
            let block = moderation::domain_block_named(ctx, &domain).await?;
            moderation::unblock_domain(ctx, &by, block.id).await?;
            eprintln!("lifted the block on {}", block.domain);
        }
        Admin::DomainBlock(DomainBlockCommand::List) => {
            for block in moderation::domain_blocks(ctx).await? {
                println!(
                    "{}	{}	{}	{}",
                    block.domain,
                    block.severity,
                    if block.reject_media {
                        "reject-media"
                    } else {
                        "-"
                    },
                    block.public_comment
                );
            }
        }
        Admin::DomainAllow(DomainAllowCommand::Add { domain }) => {
            let allow = moderation::allow_domain(ctx, &by, &domain).await?;
            eprintln!("{} is allowed", allow.domain);
        }
        Admin::DomainAllow(DomainAllowCommand::Remove { domain }) => {
            let domain = moderation::normalized_domain(&domain)?;
            let allow = moderation::domain_allows(ctx)
                .await?
                .into_iter()
                .find(|a| a.domain == domain)
                .ok_or_else(|| anyhow::anyhow!("{domain} is not on the allowlist"))?;
            moderation::disallow_domain(ctx, &by, allow.id).await?;
            eprintln!("took {domain} off the allowlist");
        }
        Admin::DomainAllow(DomainAllowCommand::List) => {
            for allow in moderation::domain_allows(ctx).await? {
                println!("{}", allow.domain);
            }
        }
        Admin::Reports { resolved } => {
            for view in reports::list(ctx, resolved, None, 1000).await? {
                println!(
                    "{}	{}	{} -> {}	{} statuses	{}",
                    view.report.id,
                    view.report.category,
                    view.reporter.acct(),
                    view.target.acct(),
                    view.status_ids.len(),
                    view.report.comment.replace(['\n', '\t'], " ")
                );
            }
        }
        other => anyhow::bail!("{other:?} is not a moderation command"),
    }
    Ok(())
}

fn format_queue(hosts: &[deliveries::HostQueue]) -> String {
    let mut out = format!(
        "{:<32} {:>8} {:>9} {:>7}  {:<20} {}\n",
        "HOST", "PENDING", "RETRYING", "FAILED", "NEXT ATTEMPT (UTC)", "LAST ERROR"
    );
    for host in hosts {
        out.push_str(&format!(
            "{:<32} {:>8} {:>9} {:>7}  {:<20} {}\n",
            host.host,
            host.pending,
            host.retrying,
            host.failed,
            host.next_attempt_at
                .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_else(|| "-".into()),
            host.last_error.as_deref().unwrap_or("-"),
        ));
    }
    let total = |f: fn(&deliveries::HostQueue) -> i64| hosts.iter().map(f).sum::<i64>();
    out.push_str(&format!(
        "{:<32} {:>8} {:>9} {:>7}\n",
        "TOTAL",
        total(|h| h.pending),
        total(|h| h.retrying),
        total(|h| h.failed)
    ));
    out
}

/// The server's workers would deliver what an admin command queued, but the
/// server may not be running: make one pass here so the news goes out now.
async fn deliver_before_exit(ctx: &Context) -> anyhow::Result<()> {
    let sending = Spinner::start("telling other servers");
    let client = crate::federation::http_client(ctx.config.federation_dev_mode);
    crate::federation::delivery::run_once(ctx, &client).await?;
    sending.done();
    Ok(())
}

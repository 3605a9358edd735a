//! The command line: `serve`, `migrate` and the `admin` commands.

use crate::{
    app,
    config::Config,
    db::deliveries,
    domain::{Context, accounts, oauth},
    error::Error,
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
    Serve,
    /// Run pending database migrations and exit.
    Migrate,
    /// Administration tasks.
    #[command(subcommand)]
    Admin(Admin),
}

#[derive(Debug, Subcommand)]
pub enum Admin {
    /// Create a member account.
    CreateUser {
        username: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
        /// Make the member an administrator.
        #[arg(long)]
        admin: bool,
    },
    /// Print a new OAuth bearer token for a member, alone on standard output.
    Token {
        username: String,
        #[arg(long, default_value = "read write follow")]
        scopes: String,
    },
    /// Let a member whose sign-up awaits approval log in.
    Approve { username: String },
    /// Delete a member and tell the servers that know them.
    DeleteUser { username: String },
    /// Show the delivery queue per remote host.
    Queue,
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
        Admin::Queue => {
            let hosts = ctx
                .db
                .read(|conn| deliveries::summary_by_host(conn).map_err(Error::from))
                .await?;
            print!("{}", format_queue(&hosts));
        }
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
    let client = crate::federation::http_client(ctx.config.federation_dev_mode);
    crate::federation::delivery::run_once(ctx, &client).await?;
    Ok(())
}

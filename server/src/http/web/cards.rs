//! What the page templates show of accounts, statuses and communities:
//! plain values, formatted once here, so templates hold no logic beyond
//! loops and conditions. Status and bio HTML is sanitised when stored
//! (remote) or produced escaped (local), so it is the one thing templates
//! print unescaped.

use super::page::display_name;
use crate::domain::{Account, Context, Visibility, views::AccountView, views::StatusView};

/// An account as a link: its name, handle and page here.
#[derive(Debug, Clone)]
pub struct AccountLink {
    pub id: i64,
    pub name: String,
    /// `@user@host`, the handle anyone can search for.
    pub handle: String,
    /// Its page on this site: `/@user` or `/@user@host`.
    pub href: String,
    pub avatar: String,
    pub local: bool,
    /// Person, Group (a community), Organization (a network)…
    pub kind: &'static str,
}

impl AccountLink {
    pub fn of(ctx: &Context, account: &Account) -> AccountLink {
        let host = if account.local {
            ctx.urls.domain()
        } else {
            account.domain.clone()
        };
        AccountLink {
            id: account.id,
            name: display_name(account),
            handle: format!("@{}@{}", account.username, host),
            href: format!("/@{}", account.acct()),
            avatar: "/avatars/missing.png".into(),
            local: account.local,
            kind: match account.actor_type.as_str() {
                "Group" => "community",
                _ if crate::domain::network::is_network_actor(account) => "network",
                "Organization" => "network",
                "Service" | "Application" => "bot",
                _ => "member",
            },
        }
    }
}

impl AccountLink {
    /// As [`AccountLink::of`], with the account's avatar when it has one.
    pub fn of_view(ctx: &Context, view: &AccountView) -> AccountLink {
        let mut link = AccountLink::of(ctx, &view.account);
        if let Some(avatar) = &view.avatar {
            link.avatar = crate::domain::media::preview_url(&ctx.urls, avatar);
        }
        link
    }
}

/// An image of a status: its preview, linking to the full image.
#[derive(Debug, Clone)]
pub struct MediaCard {
    pub url: String,
    pub preview: String,
    pub description: String,
    pub width: i32,
    pub height: i32,
}

impl MediaCard {
    fn of(ctx: &Context, media: &crate::domain::media::Media) -> MediaCard {
        MediaCard {
            url: crate::domain::media::file_url(&ctx.urls, media),
            preview: crate::domain::media::preview_url(&ctx.urls, media),
            description: media.description.clone(),
            width: media.preview_width.or(media.width).unwrap_or(0),
            height: media.preview_height.or(media.height).unwrap_or(0),
        }
    }
}

/// The post a status quotes, shown inside its card.
#[derive(Debug, Clone)]
pub struct QuotedCard {
    pub author: AccountLink,
    pub content: String,
    /// Its page here.
    pub href: String,
}

/// A poll inside its status's card.
#[derive(Debug, Clone)]
pub struct PollCard {
    pub options: Vec<PollOptionCard>,
    /// Several options may be chosen.
    pub multiple: bool,
    /// The reader may vote: signed in, not yet voted, and the poll is open.
    pub open_to_vote: bool,
    /// "12 votes · ends 7 Dec 2026, 18:00 UTC", or "… · ended".
    pub summary: String,
}

#[derive(Debug, Clone)]
pub struct PollOptionCard {
    pub index: i32,
    pub title: String,
    /// Its share of the votes, 0–100, when counts are shown.
    pub percent: Option<i64>,
    /// The reader chose it.
    pub chosen: bool,
}

impl PollCard {
    fn of(poll: &crate::domain::polls::PollView) -> PollCard {
        let total = poll.votes_count();
        let shown = poll.totals_shown();
        let chosen = poll.own_votes.clone().unwrap_or_default();
        let when = match (poll.expired(), poll.poll.expires_at) {
            (true, _) => "ended".to_string(),
            (false, Some(at)) => format!("ends {}", at.format("%-d %b %Y, %H:%M UTC")),
            (false, None) => "open".to_string(),
        };
        let votes = if shown {
            count_of(total, "vote", "votes")
        } else {
            "counts shown when it ends".to_string()
        };
        PollCard {
            options: poll
                .options
                .iter()
                .map(|option| PollOptionCard {
                    index: option.position,
                    title: option.title.clone(),
                    percent: shown.then(|| {
                        if total == 0 {
                            0
                        } else {
                            (i64::from(option.votes_count) * 100 + total / 2) / total
                        }
                    }),
                    chosen: chosen.contains(&option.position),
                })
                .collect(),
            multiple: poll.poll.multiple,
            open_to_vote: poll.own_votes.is_some() && !poll.voted() && !poll.expired(),
            summary: format!("{votes} · {when}"),
        }
    }
}

/// A status as a card in a list or a thread.
#[derive(Debug, Clone)]
pub struct StatusCard {
    pub id: i64,
    pub author: AccountLink,
    pub boosted_by: Option<AccountLink>,
    pub reply_to: Option<AccountLink>,
    pub content: String,
    pub spoiler: String,
    pub published: String,
    pub published_iso: String,
    /// Its page here, with the thread.
    pub href: String,
    /// Where it lives on its own server, for a remote status.
    pub original: Option<String>,
    pub kind: Option<String>,
    pub visibility: &'static str,
    /// "2 replies · 1 boost · 3 favourites", in words.
    pub counts: String,
    pub favourited: bool,
    pub reblogged: bool,
    pub edited: bool,
    /// Public or unlisted: others may boost it.
    pub boostable: bool,
    /// Its images (other media shows as a link to the file).
    pub media: Vec<MediaCard>,
    /// The post it quotes, when that post is here and public.
    pub quote: Option<QuotedCard>,
    pub poll: Option<PollCard>,
}

impl StatusCard {
    pub fn of(ctx: &Context, view: &StatusView) -> StatusCard {
        if let Some(original) = &view.reblog {
            let mut card = StatusCard::of(ctx, original);
            card.boosted_by = Some(AccountLink::of(ctx, &view.author.account));
            return card;
        }
        let status = &view.status;
        let author = AccountLink::of_view(ctx, &view.author);
        let visibility = Visibility::from_stored(&status.visibility);
        StatusCard {
            id: status.id,
            href: format!("{}/{}", author.href, status.id),
            author,
            boosted_by: None,
            reply_to: view
                .in_reply_to_account
                .as_ref()
                .map(|a| AccountLink::of(ctx, a)),
            content: status.content.clone(),
            spoiler: status.spoiler_text.clone(),
            published: status
                .published_at
                .format("%-d %b %Y, %H:%M UTC")
                .to_string(),
            published_iso: status.published_at.and_utc().to_rfc3339(),
            original: (!status.local).then(|| status.url.clone().unwrap_or(status.ap_id.clone())),
            kind: view.kind.clone(),
            visibility: visibility.as_str(),
            counts: [
                count_of(view.replies_count, "reply", "replies"),
                count_of(view.reblogs_count, "boost", "boosts"),
                count_of(view.favourites_count, "favourite", "favourites"),
            ]
            .join(" · "),
            favourited: view.favourited,
            reblogged: view.reblogged,
            edited: status.edited_at.is_some(),
            boostable: matches!(visibility, Visibility::Public | Visibility::Unlisted),
            media: view.media.iter().map(|m| MediaCard::of(ctx, m)).collect(),
            poll: view.poll.as_ref().map(PollCard::of),
            quote: view
                .quote
                .as_ref()
                .and_then(|quote| quote.status.as_deref())
                .map(|quoted| {
                    let author = AccountLink::of_view(ctx, &quoted.author);
                    QuotedCard {
                        href: format!("{}/{}", author.href, quoted.status.id),
                        author,
                        content: quoted.status.content.clone(),
                    }
                }),
        }
    }

    pub fn all(ctx: &Context, views: &[StatusView]) -> Vec<StatusCard> {
        views.iter().map(|view| StatusCard::of(ctx, view)).collect()
    }
}

/// A profile's header: the account, its bio and counts.
#[derive(Debug, Clone)]
pub struct ProfileCard {
    pub link: AccountLink,
    pub bio: String,
    pub followers: i64,
    pub following: i64,
    pub posts: i64,
    /// The original page, for an account from another server.
    pub original: Option<String>,
    pub locked: bool,
}

impl ProfileCard {
    pub fn of(ctx: &Context, view: &AccountView) -> ProfileCard {
        let account = &view.account;
        ProfileCard {
            link: AccountLink::of_view(ctx, view),
            bio: account.note.clone(),
            followers: view.followers_count,
            following: view.following_count,
            posts: view.statuses_count,
            original: (!account.local)
                .then(|| account.url.clone().unwrap_or(account.ap_id.clone())),
            locked: account.locked,
        }
    }
}

/// "1 reply", "3 replies": counts in words.
pub fn count_of(n: i64, one: &str, many: &str) -> String {
    match n {
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}

/// Next and previous links of a paged list.
#[derive(Debug, Clone, Default)]
pub struct Pager {
    pub newer: Option<String>,
    pub older: Option<String>,
}

impl Pager {
    /// For a list paged by id, newest first: `older` when the page was full.
    /// `base` is the path with any other query parameters.
    pub fn by_id(base: &str, ids: &[i64], limit: usize, max_id: Option<i64>) -> Pager {
        let join = if base.contains('?') { '&' } else { '?' };
        Pager {
            newer: max_id.map(|_| base.to_string()),
            older: (ids.len() >= limit)
                .then(|| ids.last().map(|last| format!("{base}{join}max_id={last}")))
                .flatten(),
        }
    }

    /// For a list paged by number (1, 2, …): `has_more` when there is a
    /// next page.
    pub fn by_number(base: &str, page: i64, has_more: bool) -> Pager {
        let join = if base.contains('?') { '&' } else { '?' };
        let at = |n: i64| {
            if n <= 1 {
                base.to_string()
            } else {
                format!("{base}{join}page={n}")
            }
        };
        Pager {
            newer: (page > 1).then(|| at(page - 1)),
            older: has_more.then(|| at(page + 1)),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.newer.is_none() && self.older.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_page_links_to_the_next_and_a_later_page_back_to_the_first() {
        let first = Pager::by_id("/exchanges", &[9, 8, 7], 3, None);
        assert_eq!(first.older.as_deref(), Some("/exchanges?max_id=7"));
        assert_eq!(first.newer, None);
        let last = Pager::by_id("/exchanges?state=answered", &[6], 3, Some(7));
        assert_eq!(last.older, None);
        assert_eq!(last.newer.as_deref(), Some("/exchanges?state=answered"));
        let numbered = Pager::by_number("/communities?role=x", 2, true);
        assert_eq!(numbered.newer.as_deref(), Some("/communities?role=x"));
        assert_eq!(
            numbered.older.as_deref(),
            Some("/communities?role=x&page=3")
        );
    }
}

//! Hashtags as members use them beyond posts: featured on a profile (and
//! served to other servers as `featuredTags`), and followed, so that public
//! posts carrying them reach the follower's home feed.

use super::{Account, Context};
use crate::{
    db::{
        DbConnection,
        tags::{self, Entry, TagList},
    },
    error::{Error, Result},
};
use chrono::NaiveDateTime;

/// How many hashtags a member may feature, as Mastodon allows.
pub const MAX_FEATURED: usize = 10;
/// How many hashtags a member may follow.
pub const MAX_FOLLOWED: usize = 500;

/// A featured hashtag with how the member has used it.
#[derive(Debug, Clone)]
pub struct FeaturedTag {
    pub id: i64,
    pub name: String,
    pub statuses_count: i64,
    pub last_status_at: Option<NaiveDateTime>,
}

/// A hashtag as a member sees it: whether they follow it.
#[derive(Debug, Clone)]
pub struct TagView {
    pub name: String,
    pub following: Option<bool>,
}

/// `#Name` or `name` as stored: lower case, without `#`; letters, digits
/// and `_` only, as in posts.
pub fn normalise(name: &str) -> Result<String> {
    let name = name.trim().trim_start_matches('#').to_lowercase();
    if name.is_empty()
        || name.chars().count() > 100
        || !name.chars().all(|c| c.is_alphanumeric() || c == '_')
    {
        return Err(Error::Validation(format!(
            "{name:?} is not a hashtag: use letters, digits and _"
        )));
    }
    Ok(name)
}

pub async fn featured(ctx: &Context, account: &Account) -> Result<Vec<FeaturedTag>> {
    let account_id = account.id;
    ctx.db
        .read(move |conn| featured_with_usage(conn, account_id))
        .await
}

fn featured_with_usage(conn: &mut DbConnection, account_id: i64) -> Result<Vec<FeaturedTag>> {
    let mut featured = Vec::new();
    for entry in tags::list(conn, TagList::Featured, account_id)? {
        let (statuses_count, last_status_at) = tags::usage_by(conn, account_id, &entry.name)?;
        featured.push(FeaturedTag {
            id: entry.id,
            name: entry.name,
            statuses_count,
            last_status_at,
        });
    }
    Ok(featured)
}

/// Features `name` on the member's profile; featuring it again changes
/// nothing.
pub async fn feature(ctx: &Context, account: &Account, name: &str) -> Result<FeaturedTag> {
    let name = normalise(name)?;
    let account_id = account.id;
    ctx.db
        .write(move |conn| {
            let listed = tags::list(conn, TagList::Featured, account_id)?;
            if listed.len() >= MAX_FEATURED && !listed.iter().any(|t| t.name == name) {
                return Err(Error::Validation(format!(
                    "You can feature at most {MAX_FEATURED} hashtags"
                )));
            }
            tags::add(conn, TagList::Featured, account_id, &name)?;
            featured_with_usage(conn, account_id)?
                .into_iter()
                .find(|t| t.name == name)
                .ok_or_else(|| Error::Internal("a featured tag vanished".into()))
        })
        .await
}

/// Stops featuring the entry with `id`; an id that is not the member's is
/// not found.
pub async fn unfeature(ctx: &Context, account: &Account, id: i64) -> Result<()> {
    let account_id = account.id;
    ctx.db
        .write(move |conn| {
            match tags::remove(conn, TagList::Featured, account_id, Entry::Id(id))? {
                0 => Err(Error::not_found()),
                _ => Ok(()),
            }
        })
        .await
}

/// The hashtag `name`, with whether `viewer` follows it.
pub async fn view(ctx: &Context, viewer: Option<&Account>, name: &str) -> Result<TagView> {
    let name = normalise(name)?;
    let viewer_id = viewer.map(|v| v.id);
    ctx.db
        .read(move |conn| {
            let following = match viewer_id {
                Some(id) => Some(
                    tags::list(conn, TagList::Followed, id)?
                        .iter()
                        .any(|t| t.name == name),
                ),
                None => None,
            };
            Ok(TagView { name, following })
        })
        .await
}

/// Follows or unfollows `name`; doing either twice changes nothing.
pub async fn follow(ctx: &Context, account: &Account, name: &str, on: bool) -> Result<TagView> {
    let name = normalise(name)?;
    let account_id = account.id;
    ctx.db
        .write(move |conn| {
            if on {
                let listed = tags::list(conn, TagList::Followed, account_id)?;
                if listed.len() >= MAX_FOLLOWED && !listed.iter().any(|t| t.name == name) {
                    return Err(Error::Validation(format!(
                        "You can follow at most {MAX_FOLLOWED} hashtags"
                    )));
                }
                tags::add(conn, TagList::Followed, account_id, &name)?;
            } else {
                tags::remove(conn, TagList::Followed, account_id, Entry::Name(&name))?;
            }
            Ok(TagView {
                name,
                following: Some(on),
            })
        })
        .await
}

/// The hashtags the member follows, in the order they were followed.
pub async fn followed(ctx: &Context, account: &Account) -> Result<Vec<TagView>> {
    let account_id = account.id;
    ctx.db
        .read(move |conn| {
            Ok(tags::list(conn, TagList::Followed, account_id)?
                .into_iter()
                .map(|t| TagView {
                    name: t.name,
                    following: Some(true),
                })
                .collect())
        })
        .await
}

/// Local members who follow any of `hashtags` and so should find a public
/// post carrying one in their home feed, besides `audience`, without the
/// author and without anyone already in `audience`.
pub fn add_tag_followers(
    conn: &mut DbConnection,
    author_id: i64,
    hashtags: &[String],
    audience: &mut Vec<i64>,
) -> Result<()> {
    for follower in tags::followers_of(conn, hashtags)? {
        if follower != author_id && !audience.contains(&follower) {
            audience.push(follower);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_stored_lower_case_without_the_sign() {
        assert_eq!(normalise(" #Seeds ").unwrap(), "seeds");
        assert_eq!(normalise("repair_café").unwrap(), "repair_café");
        for bad in ["", "#", "two words", "a-b", "<x>"] {
            assert!(normalise(bad).is_err(), "{bad:?}");
        }
    }
}

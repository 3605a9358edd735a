//! Status text: turning what a member typed into HTML with links, mentions and
//! hashtags, and cleaning HTML that arrives from other servers.

use super::urls::Urls;
use crate::db::models::Account;
use crate::error::{Error, Result};
use regex::Regex;
use std::{
    collections::{HashMap, HashSet},
    sync::LazyLock,
};

static TOKENS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r#"(?P<url>https?://[^\s<>"']*[^\s<>"'.,;:!?)\]])"#,
        r"|(?P<mention>@[A-Za-z0-9_]+(?:@[A-Za-z0-9][A-Za-z0-9.\-]*[A-Za-z0-9](?::[0-9]+)?)?)",
        r"|(?P<tag>#[\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*)",
    ))
    .expect("valid regex")
});

/// A `@user` or `@user@domain` found in text; `domain` is None for local.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Handle {
    pub username: String,
    pub domain: Option<String>,
}

impl Handle {
    pub fn acct(&self) -> String {
        match &self.domain {
            Some(domain) => format!("{}@{domain}", self.username),
            None => self.username.clone(),
        }
    }
}

/// Handles mentioned in a status, with the accounts they were resolved to.
pub type ResolvedMentions = HashMap<Handle, Account>;

/// A mention or hashtag only starts a word: `me@example.com` is an email
/// address, `a#b` is not a tag.
fn starts_word(text: &str, at: usize) -> bool {
    text[..at]
        .chars()
        .next_back()
        .is_none_or(|c| !(c.is_alphanumeric() || matches!(c, '_' | '@' | '#' | '/' | '&')))
}

fn parse_handle(token: &str, local_domain: &str) -> Handle {
    let mut parts = token.trim_start_matches('@').splitn(2, '@');
    let username = parts.next().unwrap_or_default().to_string();
    let domain = parts
        .next()
        .map(str::to_lowercase)
        .filter(|d| d != local_domain);
    Handle { username, domain }
}

/// Every handle mentioned in `text`, in order of first appearance.
pub fn mentions(text: &str, local_domain: &str) -> Vec<Handle> {
    let mut seen = HashSet::new();
    TOKENS
        .captures_iter(text)
        .filter_map(|caps| caps.name("mention"))
        .filter(|m| starts_word(text, m.start()))
        .map(|m| parse_handle(m.as_str(), local_domain))
        .filter(|handle| seen.insert(handle.clone()))
        .collect()
}

/// Lower-cased hashtags in `text`, without `#`, each once.
pub fn hashtags(text: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    TOKENS
        .captures_iter(text)
        .filter_map(|caps| caps.name("tag"))
        .filter(|m| starts_word(text, m.start()))
        .map(|m| m.as_str()[1..].to_lowercase())
        .filter(|tag| seen.insert(tag.clone()))
        .collect()
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

fn render_line(line: &str, resolved: &HashMap<Handle, Account>, urls: &Urls) -> String {
    let local_domain = urls.domain();
    let mut html = String::new();
    let mut last = 0;
    for caps in TOKENS.captures_iter(line) {
        let token = caps.get(0).expect("whole match");
        let replacement = if let Some(url) = caps.name("url") {
            let url = escape(url.as_str());
            Some(format!(
                r#"<a href="{url}" rel="nofollow noopener noreferrer" target="_blank">{url}</a>"#
            ))
        } else if let Some(mention) = caps
            .name("mention")
            .filter(|m| starts_word(line, m.start()))
        {
            resolved
                .get(&parse_handle(mention.as_str(), &local_domain))
                .map(|account| {
                    let href = escape(account.url.as_deref().unwrap_or(&account.ap_id));
                    format!(
                        r#"<span class="h-card"><a href="{href}" class="u-url mention">@<span>{}</span></a></span>"#,
                        escape(&account.username)
                    )
                })
        } else if let Some(tag) = caps.name("tag").filter(|t| starts_word(line, t.start())) {
            let name = &tag.as_str()[1..];
            Some(format!(
                r#"<a href="{}" class="mention hashtag" rel="tag">#<span>{}</span></a>"#,
                escape(&urls.tag(&name.to_lowercase())),
                escape(name)
            ))
        } else {
            None
        };
        if let Some(replacement) = replacement {
            html.push_str(&escape(&line[last..token.start()]));
            html.push_str(&replacement);
            last = token.end();
        }
    }
    html.push_str(&escape(&line[last..]));
    html
}

/// Plain text to HTML: paragraphs on blank lines, `<br>` on single newlines,
/// links for URLs, hashtags and the mentions found in `resolved`. Mentions of
/// unknown accounts stay plain text.
pub fn render_plain(text: &str, resolved: &HashMap<Handle, Account>, urls: &Urls) -> String {
    let normalized = text.replace("\r\n", "\n");
    normalized
        .split("\n\n")
        .map(|paragraph| paragraph.trim_matches('\n'))
        .filter(|paragraph| !paragraph.trim().is_empty())
        .map(|paragraph| {
            let lines: Vec<String> = paragraph
                .split('\n')
                .map(|line| render_line(line, resolved, urls))
                .collect();
            format!("<p>{}</p>", lines.join("<br>"))
        })
        .collect()
}

/// One line of plain text as inline HTML: escaped, with links and hashtags,
/// for profile field values.
pub fn render_inline(text: &str, urls: &Urls) -> String {
    render_line(text.trim(), &HashMap::new(), urls)
}

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::empty();
    builder
        .add_tags([
            "p",
            "br",
            "a",
            "span",
            "strong",
            "em",
            "b",
            "i",
            "u",
            "del",
            "s",
            "pre",
            "code",
            "blockquote",
            "ul",
            "ol",
            "li",
        ])
        .add_tag_attributes("a", ["href"])
        .add_allowed_classes("a", ["mention", "hashtag", "u-url"])
        .add_allowed_classes("span", ["h-card", "invisible", "ellipsis"])
        .url_schemes(HashSet::from(["http", "https"]))
        .link_rel(Some("nofollow noopener noreferrer"));
    builder
});

/// Remote HTML reduced to an allowlist of tags, attributes, classes and
/// link schemes: what Mastodon renders, and nothing that runs script.
pub fn sanitize_remote_html(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

/// Text without markup, for summaries and search.
pub fn strip_html(html: &str) -> String {
    let spaced = html.replace("<br>", "\n").replace("</p>", "\n\n");
    ammonia::Builder::empty()
        .clean(&spaced)
        .to_string()
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .trim()
        .to_string()
}

/// `text` trimmed, or a validation error naming `what` when it is longer
/// than `max` characters.
pub fn within_limit(what: &str, text: &str, max: usize) -> Result<String> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(Error::Validation(format!(
            "{what} is longer than {max} characters"
        )));
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls() -> Urls {
        Urls::new(url::Url::parse("https://town.example").unwrap())
    }

    fn account(username: &str, domain: &str) -> Account {
        let now = chrono::Utc::now().naive_utc();
        Account {
            id: 1,
            username: username.into(),
            domain: domain.into(),
            local: domain == "town.example",
            actor_type: "Person".into(),
            display_name: String::new(),
            note: String::new(),
            ap_id: format!("https://{domain}/users/{username}"),
            url: Some(format!("https://{domain}/@{username}")),
            inbox_url: String::new(),
            shared_inbox_url: None,
            outbox_url: None,
            followers_url: None,
            following_url: None,
            public_key_id: String::new(),
            public_key_pem: String::new(),
            private_key_pem: None,
            locked: false,
            bot: false,
            discoverable: true,
            created_at: now,
            updated_at: now,
            last_fetched_at: None,
            deleted_at: None,
            fields: "[]".into(),
        }
    }

    #[test]
    fn finds_mentions_but_not_email_addresses() {
        let found = mentions(
            "hi @ana and @Bo@County.example:8443, mail me@x.org, @ana again @me@town.example",
            "town.example",
        );
        let accts: Vec<String> = found.iter().map(Handle::acct).collect();
        assert_eq!(accts, ["ana", "Bo@county.example:8443", "me"]);
    }

    #[test]
    fn finds_hashtags_once_lowercased() {
        assert_eq!(
            hashtags("#Question about #compost and #question; not a#b nor #123 or &#39;"),
            ["question", "compost"]
        );
    }

    #[test]
    fn renders_escaped_paragraphs_links_mentions_and_tags() {
        let mut resolved = HashMap::new();
        resolved.insert(
            Handle {
                username: "ana".into(),
                domain: Some("county.example".into()),
            },
            account("ana", "county.example"),
        );
        let html = render_plain(
            "Hello <b>@ana@county.example</b> & @ghost\nsee https://ex.example/a?b=1.\n\n#Compost",
            &resolved,
            &urls(),
        );
        assert_eq!(
            html,
            concat!(
                "<p>Hello &lt;b&gt;",
                r#"<span class="h-card"><a href="https://county.example/@ana" class="u-url mention">@<span>ana</span></a></span>"#,
                "&lt;/b&gt; &amp; @ghost<br>see ",
                r#"<a href="https://ex.example/a?b=1" rel="nofollow noopener noreferrer" target="_blank">https://ex.example/a?b=1</a>."#,
                "</p><p>",
                r#"<a href="https://town.example/tags/compost" class="mention hashtag" rel="tag">#<span>Compost</span></a>"#,
                "</p>"
            )
        );
    }

    #[test]
    fn remote_html_loses_scripts_styles_and_unknown_schemes() {
        let clean = sanitize_remote_html(
            r#"<p onclick="x()" style="color:red">hi<script>alert(1)</script><a href="javascript:alert(1)">x</a><a href="https://ok.example" class="mention evil">ok</a><img src=x></p>"#,
        );
        assert_eq!(
            clean,
            r#"<p>hi<a rel="nofollow noopener noreferrer">x</a><a href="https://ok.example" class="mention" rel="nofollow noopener noreferrer">ok</a></p>"#
        );
    }

    #[test]
    fn strip_html_keeps_the_words() {
        assert_eq!(strip_html("<p>a &amp; b<br>c</p><p>d</p>"), "a & b\nc\n\nd");
    }
}

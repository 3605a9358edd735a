//! What a post is for: its kind (a practice, a resource, a question…) and,
//! for a benefit story, the dimensions of value it speaks to. Authors set
//! them with API fields or, from any app, with hashtags; other servers send
//! them as `trellis:kind` and `trellis:dimensions` on the note.

use crate::{
    db::{DbConnection, models::Status, statuses, weaving},
    error::{Error, Result},
    protocol::Note,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostKind {
    Practice,
    Resource,
    Question,
    Request,
    Offer,
    Story,
}

impl PostKind {
    pub const ALL: [PostKind; 6] = [
        PostKind::Practice,
        PostKind::Resource,
        PostKind::Question,
        PostKind::Request,
        PostKind::Offer,
        PostKind::Story,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PostKind::Practice => "practice",
            PostKind::Resource => "resource",
            PostKind::Question => "question",
            PostKind::Request => "request",
            PostKind::Offer => "offer",
            PostKind::Story => "story",
        }
    }

    pub fn parse(word: &str) -> Option<PostKind> {
        let word = word.trim().trim_start_matches('#').to_lowercase();
        PostKind::ALL.into_iter().find(|k| k.as_str() == word)
    }

    /// Questions and requests open a learning exchange.
    pub fn opens_exchange(self) -> bool {
        matches!(self, PostKind::Question | PostKind::Request)
    }
}

/// The four kinds of value a network creates for its members, from the
/// benefit-story practice in the field notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Individual,
    MicroCollaboration,
    JointWork,
    ConnectingNetworks,
}

impl Dimension {
    pub const ALL: [Dimension; 4] = [
        Dimension::Individual,
        Dimension::MicroCollaboration,
        Dimension::JointWork,
        Dimension::ConnectingNetworks,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Individual => "individual",
            Dimension::MicroCollaboration => "micro_collaboration",
            Dimension::JointWork => "joint_work",
            Dimension::ConnectingNetworks => "connecting_networks",
        }
    }

    /// The hashtag (stored lower-case, without `#`): hashtags cannot hold
    /// underscores in every app, so the words run together.
    pub fn hashtag(self) -> &'static str {
        match self {
            Dimension::Individual => "individual",
            Dimension::MicroCollaboration => "microcollaboration",
            Dimension::JointWork => "jointwork",
            Dimension::ConnectingNetworks => "connectingnetworks",
        }
    }

    pub fn parse(word: &str) -> Option<Dimension> {
        let word = word.trim().to_lowercase();
        Dimension::ALL
            .into_iter()
            .find(|d| d.as_str() == word || d.hashtag() == word)
    }
}

/// A post's kind and story dimensions, once decided.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Classified {
    pub kind: Option<PostKind>,
    /// Only a story has dimensions; sorted, without repeats.
    pub dimensions: Vec<Dimension>,
}

impl Classified {
    /// From what the author said outright (API fields, or the note's
    /// extension properties) and the post's hashtags. A kind said outright
    /// wins; otherwise the first hashtag that names a kind decides.
    /// Dimension hashtags count only on a story, since `#individual` is an
    /// ordinary word elsewhere.
    pub fn decide(
        stated: Option<PostKind>,
        stated_dimensions: &[Dimension],
        hashtags: &[String],
    ) -> Classified {
        let kind = stated.or_else(|| hashtags.iter().find_map(|t| PostKind::parse(t)));
        if kind != Some(PostKind::Story) {
            return Classified {
                kind,
                dimensions: Vec::new(),
            };
        }
        let mut dimensions: Vec<Dimension> = stated_dimensions
            .iter()
            .copied()
            .chain(hashtags.iter().filter_map(|t| Dimension::parse(t)))
            .collect();
        dimensions.sort();
        dimensions.dedup();
        Classified { kind, dimensions }
    }

    /// Hashtags to add to a post whose author set its kind or dimensions
    /// with API fields, so that apps which read only hashtags show them.
    pub fn missing_hashtags(&self, hashtags: &[String]) -> Vec<String> {
        let wanted = self
            .kind
            .map(|k| k.as_str())
            .into_iter()
            .chain(self.dimensions.iter().map(|d| d.hashtag()));
        wanted
            .filter(|tag| !hashtags.iter().any(|h| h == tag))
            .map(String::from)
            .collect()
    }
}

/// The API's `kind` and `dimensions` fields, checked.
pub fn stated(
    kind: Option<&str>,
    dimensions: &[String],
) -> Result<(Option<PostKind>, Vec<Dimension>)> {
    let kind = match kind.map(str::trim).filter(|k| !k.is_empty()) {
        None => None,
        Some(word) => Some(PostKind::parse(word).ok_or_else(|| {
            Error::Validation(format!(
                "kind must be one of practice, resource, question, request, offer or story, not {word:?}"
            ))
        })?),
    };
    let mut parsed = Vec::with_capacity(dimensions.len());
    for word in dimensions {
        parsed.push(Dimension::parse(word).ok_or_else(|| {
            Error::Validation(format!(
                "a dimension is one of individual, micro_collaboration, joint_work or connecting_networks, not {word:?}"
            ))
        })?);
    }
    if !parsed.is_empty() && kind.is_some_and(|k| k != PostKind::Story) {
        return Err(Error::Validation("only a story has dimensions".into()));
    }
    // Dimensions alone make the post a story.
    let kind = kind.or((!parsed.is_empty()).then_some(PostKind::Story));
    Ok((kind, parsed))
}

/// What a note from another server says it is: its `trellis:kind` and
/// `trellis:dimensions` where they hold words Trellis knows, else its
/// hashtags, in the order the note lists them.
pub fn of_note(note: &Note) -> Classified {
    let hashtags: Vec<String> = note
        .tag
        .iter()
        .filter(|t| t.kind == "Hashtag")
        .filter_map(|t| t.name.as_deref())
        .map(|name| name.trim_start_matches('#').to_lowercase())
        .collect();
    let hashtags = &hashtags;
    let stated = note
        .trellis_kind
        .as_ref()
        .and_then(|k| k.as_str())
        .and_then(PostKind::parse);
    let dimensions: Vec<Dimension> = match &note.dimensions {
        Some(serde_json::Value::Array(words)) => words
            .iter()
            .filter_map(|w| w.as_str())
            .filter_map(Dimension::parse)
            .collect(),
        Some(serde_json::Value::String(word)) => Dimension::parse(word).into_iter().collect(),
        _ => Vec::new(),
    };
    Classified::decide(stated, &dimensions, hashtags)
}

/// Stores what `status` is, inside the transaction that stores or edits
/// it: its kind, a story's dimensions, the exchange a question or request
/// opens, and the exchange a reply joins.
pub fn record(conn: &mut DbConnection, status: &Status, classified: &Classified) -> Result<()> {
    if status.reblog_of_id.is_some() {
        return Ok(());
    }
    weaving::set_kind(conn, status.id, classified.kind.map(PostKind::as_str))?;
    let dimensions: Vec<&str> = classified.dimensions.iter().map(|d| d.as_str()).collect();
    weaving::set_dimensions(conn, status.id, &dimensions)?;
    let joined = match status.in_reply_to_id {
        Some(parent) => weaving::exchange_joined_by(conn, parent)?,
        None => None,
    };
    if let Some(exchange_id) = joined {
        // A reply inside an exchange is part of it, whatever its kind.
        weaving::add_reply(
            conn,
            &weaving::ExchangeReply {
                status_id: status.id,
                exchange_id,
                account_id: status.account_id,
                replied_at: status.published_at,
                helped: false,
            },
        )?;
    } else if classified.kind.is_some_and(PostKind::opens_exchange) {
        weaving::open_exchange(
            conn,
            &weaving::Exchange {
                status_id: status.id,
                account_id: status.account_id,
                opened_at: status.published_at,
                answered_at: None,
            },
        )?;
    } else if weaving::replies(conn, status.id)?.is_empty() {
        // An edit that takes the question away closes its exchange, unless
        // someone has answered already: their replies stay counted.
        weaving::close_exchange(conn, status.id)?;
    }
    Ok(())
}

/// Adds Trellis's properties to a note about to be sent.
pub fn annotate(conn: &mut DbConnection, note: &mut Note, status: &Status) -> Result<()> {
    note.trellis_kind = weaving::kind_of(conn, status.id)?.map(serde_json::Value::String);
    let dimensions = weaving::dimensions_of(conn, status.id)?;
    if !dimensions.is_empty() {
        note.dimensions = Some(serde_json::json!(dimensions));
    }
    if let Some(exchange) = weaving::exchange(conn, status.id)? {
        let mut helpful = Vec::new();
        for reply in weaving::replies(conn, exchange.status_id)? {
            if reply.helped
                && let Some(status) = statuses::by_id(conn, reply.status_id)?
            {
                helpful.push(status.ap_id);
            }
        }
        note.exchange = Some(serde_json::json!({
            "type": "trellis:Exchange",
            "state": if exchange.answered_at.is_some() { "answered" } else { "open" },
            "answered": exchange.answered_at.map(|t| t.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            "helpful": helpful,
        }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn a_stated_kind_wins_over_hashtags() {
        let decided = Classified::decide(Some(PostKind::Offer), &[], &tags(&["question"]));
        assert_eq!(decided.kind, Some(PostKind::Offer));
    }

    #[test]
    fn the_first_kind_hashtag_decides() {
        let decided = Classified::decide(None, &[], &tags(&["energy", "request", "offer"]));
        assert_eq!(decided.kind, Some(PostKind::Request));
        assert_eq!(Classified::decide(None, &[], &tags(&["energy"])).kind, None);
    }

    #[test]
    fn dimension_hashtags_count_only_on_stories() {
        let story = Classified::decide(
            None,
            &[],
            &tags(&["story", "jointwork", "individual", "jointwork"]),
        );
        assert_eq!(
            story.dimensions,
            vec![Dimension::Individual, Dimension::JointWork]
        );
        let plain = Classified::decide(None, &[], &tags(&["individual"]));
        assert_eq!(plain, Classified::default());
    }

    #[test]
    fn stated_fields_are_checked() {
        assert_eq!(
            stated(Some("Question"), &[]).unwrap().0,
            Some(PostKind::Question)
        );
        assert!(stated(Some("gossip"), &[]).is_err());
        assert!(stated(Some("offer"), &tags(&["individual"])).is_err());
        assert!(stated(None, &tags(&["teamwork"])).is_err());
        let (kind, dimensions) = stated(None, &tags(&["joint_work"])).unwrap();
        assert_eq!(kind, Some(PostKind::Story));
        assert_eq!(dimensions, vec![Dimension::JointWork]);
    }

    #[test]
    fn missing_hashtags_are_added_once() {
        let decided = Classified::decide(
            Some(PostKind::Story),
            &[Dimension::MicroCollaboration],
            &tags(&["story"]),
        );
        assert_eq!(
            decided.missing_hashtags(&tags(&["story"])),
            tags(&["microcollaboration"])
        );
    }
}

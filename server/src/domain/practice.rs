//! A member's practice: the roles they hold, their organisation and place,
//! what they are interested in, and what they offer and need. It is what
//! horizontal links (same role elsewhere) and introductions (an offer that
//! meets a need) are made from. It travels as the `trellis:practice`
//! extension on the actor and, for apps that know only Mastodon's profile
//! fields, as fields appended to the member's own.

use super::{
    Context, accounts as account_rules,
    terms::{self, Likeness, Matcher, Synonyms},
    text,
};
use crate::{
    db::{
        self, DbConnection,
        models::{Account, ProfileField},
        practice::{self as store, StoredPractice, StoredTerm},
    },
    error::{Error, Result},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Practice {
    pub roles: Vec<String>,
    pub organization: String,
    pub place: String,
    pub interests: Vec<String>,
    pub offers: Vec<String>,
    pub needs: Vec<String>,
}

/// A change to a member's practice: only the keys given change, and a list
/// given replaces the whole list.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PracticeChanges {
    pub roles: Option<Vec<String>>,
    pub organization: Option<String>,
    pub place: Option<String>,
    pub interests: Option<Vec<String>>,
    pub offers: Option<Vec<String>>,
    pub needs: Option<Vec<String>>,
}

const MAX_ENTRIES: usize = 10;
const MAX_ENTRY: usize = 100;

/// The list kinds, as stored and as named in the API.
pub const ROLE: &str = "role";
pub const INTEREST: &str = "interest";
pub const OFFER: &str = "offer";
pub const NEED: &str = "need";

fn checked_text(what: &str, text: String) -> Result<String> {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    text::within_limit(what, &text, MAX_ENTRY)
}

/// Entries trimmed, empty ones dropped, repeats (in any case) dropped.
fn checked_list(what: &str, entries: Vec<String>) -> Result<Vec<String>> {
    let mut kept: Vec<String> = Vec::new();
    for entry in entries {
        let entry = checked_text(what, entry)?;
        if !entry.is_empty() && !kept.iter().any(|k| k.eq_ignore_ascii_case(&entry)) {
            kept.push(entry);
        }
    }
    if kept.len() > MAX_ENTRIES {
        return Err(Error::Validation(format!("at most {MAX_ENTRIES} {what}s")));
    }
    Ok(kept)
}

impl Practice {
    /// Applies `changes`, checking all of them first.
    pub fn apply(&self, changes: PracticeChanges) -> Result<Practice> {
        let mut next = self.clone();
        if let Some(roles) = changes.roles {
            next.roles = checked_list("role", roles)?;
        }
        if let Some(organization) = changes.organization {
            next.organization = checked_text("organization", organization)?;
        }
        if let Some(place) = changes.place {
            next.place = checked_text("place", place)?;
        }
        if let Some(interests) = changes.interests {
            next.interests = checked_list("interest", interests)?;
        }
        if let Some(offers) = changes.offers {
            next.offers = checked_list("offer", offers)?;
        }
        if let Some(needs) = changes.needs {
            next.needs = checked_list("need", needs)?;
        }
        Ok(next)
    }

    /// A remote server's description, cleaned as a local one would be, and
    /// cut to the same limits rather than refused: it is theirs to keep.
    pub fn from_remote(value: &serde_json::Value) -> Practice {
        let Ok(practice) = serde_json::from_value::<Practice>(value.clone()) else {
            return Practice::default();
        };
        let list = |entries: Vec<String>| -> Vec<String> {
            entries
                .into_iter()
                .filter_map(|e| checked_text("", text::strip_html(&e)).ok())
                .filter(|e| !e.is_empty())
                .take(MAX_ENTRIES)
                .collect()
        };
        let single = |entry: String| checked_text("", text::strip_html(&entry)).unwrap_or_default();
        Practice {
            roles: list(practice.roles),
            organization: single(practice.organization),
            place: single(practice.place),
            interests: list(practice.interests),
            offers: list(practice.offers),
            needs: list(practice.needs),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Practice::default()
    }

    fn stored(&self) -> StoredPractice {
        let mut terms = Vec::new();
        for (kind, list) in [
            (ROLE, &self.roles),
            (INTEREST, &self.interests),
            (OFFER, &self.offers),
            (NEED, &self.needs),
        ] {
            terms.extend(list.iter().map(|t| StoredTerm {
                kind: kind.to_string(),
                key: terms::key(t),
                text: t.clone(),
            }));
        }
        StoredPractice {
            organization: self.organization.clone(),
            place: self.place.clone(),
            terms,
        }
    }

    fn from_stored(stored: StoredPractice) -> Practice {
        let mut practice = Practice {
            organization: stored.organization,
            place: stored.place,
            ..Practice::default()
        };
        for StoredTerm { kind, text, .. } in stored.terms {
            match kind.as_str() {
                ROLE => practice.roles.push(text),
                INTEREST => practice.interests.push(text),
                OFFER => practice.offers.push(text),
                NEED => practice.needs.push(text),
                _ => {}
            }
        }
        practice
    }

    /// The extension property on the actor.
    pub fn extension(&self) -> serde_json::Value {
        serde_json::json!({
            "type": "trellis:Practice",
            "roles": self.roles,
            "organization": self.organization,
            "place": self.place,
            "interests": self.interests,
            "offers": self.offers,
            "needs": self.needs,
        })
    }

    /// Profile fields for apps that show only Mastodon's, plain text.
    pub fn fields(&self) -> Vec<(String, String)> {
        let joined = |list: &[String]| list.join(", ");
        [
            ("Role", joined(&self.roles)),
            ("Organisation", self.organization.clone()),
            ("Place", self.place.clone()),
            ("Interests", joined(&self.interests)),
            ("Offers", joined(&self.offers)),
            ("Needs", joined(&self.needs)),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| (name.to_string(), value))
        .collect()
    }
}

impl PracticeChanges {
    /// Splits profile fields, as an app edits them, into the practice and
    /// the member's own fields. A field named as [`Practice::fields`] names
    /// its parts (Role, Organisation, Place, Interests, Offers, Needs; the
    /// names are matched without regard to case, American spellings and
    /// plurals too) sets that part, lists split at commas. Apps send every
    /// field each time, so a part whose field is missing is cleared.
    pub fn from_profile_fields(
        fields: Vec<(String, String)>,
    ) -> (PracticeChanges, Vec<(String, String)>) {
        let mut practice = Practice::default();
        let mut own = Vec::new();
        let list = |value: &str| -> Vec<String> {
            value
                .split(',')
                .map(str::trim)
                .filter(|entry| !entry.is_empty())
                .map(String::from)
                .collect()
        };
        for (name, value) in fields {
            match name.trim().to_lowercase().as_str() {
                "role" | "roles" => practice.roles = list(&value),
                "organisation" | "organization" => practice.organization = value,
                "place" => practice.place = value,
                "interest" | "interests" => practice.interests = list(&value),
                "offer" | "offers" => practice.offers = list(&value),
                "need" | "needs" => practice.needs = list(&value),
                _ => own.push((name, value)),
            }
        }
        let changes = PracticeChanges {
            roles: Some(practice.roles),
            organization: Some(practice.organization),
            place: Some(practice.place),
            interests: Some(practice.interests),
            offers: Some(practice.offers),
            needs: Some(practice.needs),
        };
        (changes, own)
    }
}

/// Applies `changes` to the stored practice, in the caller's transaction.
pub(super) fn apply_in(
    conn: &mut DbConnection,
    account_id: i64,
    changes: PracticeChanges,
) -> Result<Practice> {
    let next = of_account(conn, account_id)?.apply(changes)?;
    store::save(conn, account_id, &next.stored())?;
    Ok(next)
}

pub fn of_account(conn: &mut DbConnection, account_id: i64) -> diesel::QueryResult<Practice> {
    Ok(store::of_account(conn, account_id)?
        .map(Practice::from_stored)
        .unwrap_or_default())
}

/// Keeps what a remote actor published about its practice; an actor that
/// publishes none (most servers) keeps no row.
pub fn store_remote(
    conn: &mut DbConnection,
    account_id: i64,
    practice: &Practice,
) -> diesel::QueryResult<()> {
    if practice.is_empty() {
        store::clear(conn, account_id)
    } else {
        store::save(conn, account_id, &practice.stored())
    }
}

/// The fields a local member's practice adds to their profile, values as
/// escaped text. Remote profiles already carry theirs among the fields
/// their server sent.
pub fn profile_fields(
    conn: &mut DbConnection,
    account: &Account,
) -> diesel::QueryResult<Vec<ProfileField>> {
    Ok(profile_fields_of(conn, std::slice::from_ref(account))?
        .remove(&account.id)
        .unwrap_or_default())
}

/// [`profile_fields`] for many accounts in two queries; accounts that add
/// no fields are absent.
pub fn profile_fields_of(
    conn: &mut DbConnection,
    accounts: &[Account],
) -> diesel::QueryResult<std::collections::HashMap<i64, Vec<ProfileField>>> {
    let members: Vec<i64> = accounts
        .iter()
        .filter(|a| a.local && a.actor_type == "Person")
        .map(|a| a.id)
        .collect();
    if members.is_empty() {
        return Ok(Default::default());
    }
    Ok(store::of_accounts(conn, &members)?
        .into_iter()
        .map(|(id, stored)| {
            let fields = Practice::from_stored(stored)
                .fields()
                .into_iter()
                .map(|(name, value)| ProfileField {
                    value: text::escape(&value),
                    name,
                })
                .collect();
            (id, fields)
        })
        .collect())
}

/// Someone's entry that is like one of the member's.
#[derive(Debug, Clone, PartialEq)]
pub struct TermMatch {
    pub account_id: i64,
    /// Their words.
    pub theirs: String,
    /// The member's words it is like.
    pub yours: String,
    pub likeness: Likeness,
}

/// Everyone's entries of `their_kind` that are like one of `yours` (the
/// member's texts): the same key, a synonym, or near (sharing more than
/// the words most entries of the kind use). Two queries: the different
/// keys of that kind, compared in memory, then the entries with the keys
/// that matched, through the index.
pub fn matching(
    conn: &mut DbConnection,
    their_kind: &str,
    yours: &[String],
    synonyms: &Synonyms,
) -> Result<Vec<TermMatch>> {
    if yours.is_empty() {
        return Ok(Vec::new());
    }
    let candidates = store::keys_of_kind(conn, their_kind)?;
    let matcher = Matcher::new(
        synonyms,
        yours.iter().map(|t| terms::key(t)).collect(),
        terms::common_words(&candidates),
    );
    let matched: std::collections::HashMap<String, (usize, Likeness)> = candidates
        .into_iter()
        .filter_map(|key| Some((key.clone(), matcher.best(&key)?)))
        .collect();
    if matched.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = matched.keys().cloned().collect();
    Ok(store::entries_with(conn, their_kind, &keys)?
        .into_iter()
        .filter_map(|(account_id, key, theirs)| {
            let (which, likeness) = *matched.get(&key)?;
            Some(TermMatch {
                account_id,
                theirs,
                yours: yours[which].clone(),
                likeness,
            })
        })
        .collect())
}

/// Accounts holding `role`, written any way that has its key.
pub fn accounts_in_role(conn: &mut DbConnection, role: &str) -> Result<Vec<i64>> {
    Ok(store::accounts_with(conn, ROLE, &[terms::key(role)])?)
}

/// Entries stored before they had keys get them, a batch per transaction
/// so the writer is never held long. Run at start; on a database already
/// filled it is one query that finds nothing.
pub async fn fill_missing_keys(ctx: &Context) -> Result<usize> {
    const BATCH: i64 = 500;
    let mut filled = 0;
    loop {
        let done = ctx
            .db
            .write(|conn| -> Result<usize> {
                let mut done = 0;
                for (account_id, kind, position, text) in store::without_key(conn, BATCH)? {
                    let key = terms::key(&text);
                    // Only an empty text has an empty key, and none is
                    // stored; one would be left rather than looped on.
                    if !key.is_empty() {
                        store::set_key(conn, (account_id, &kind, position), &key)?;
                        done += 1;
                    }
                }
                Ok(done)
            })
            .await?;
        filled += done;
        if done == 0 {
            return Ok(filled);
        }
    }
}

pub async fn get(ctx: &Context, account: &Account) -> Result<Practice> {
    let account_id = account.id;
    ctx.db
        .read(move |conn| Ok(of_account(conn, account_id)?))
        .await
}

/// Changes a member's practice and tells their followers' servers.
pub async fn update(
    ctx: &Context,
    account: &Account,
    changes: PracticeChanges,
) -> Result<Practice> {
    let account = account.clone();
    let urls = ctx.urls.clone();
    let practice = ctx
        .db
        .write(move |conn| -> Result<Practice> {
            let next = apply_in(conn, account.id, changes)?;
            let touched = db::accounts::touch(conn, account.id)?;
            let document = account_rules::actor_document_in(conn, &urls, &touched)?;
            account_rules::send_actor_update(conn, &urls, &touched, document)?;
            Ok(next)
        })
        .await?;
    ctx.deliveries_queued();
    Ok(practice)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn profile_fields_named_for_the_practice_set_it() {
        let fields = vec![
            ("Role".to_string(), "facilitator, weaver".to_string()),
            ("Website".to_string(), "https://town.example".to_string()),
            ("organization".to_string(), "Transition Town".to_string()),
            ("NEEDS".to_string(), "a venue,".to_string()),
        ];
        let (changes, own) = PracticeChanges::from_profile_fields(fields);
        assert_eq!(
            own,
            vec![("Website".to_string(), "https://town.example".to_string())]
        );
        let practice = Practice::default().apply(changes).unwrap();
        assert_eq!(practice.roles, ["facilitator", "weaver"]);
        assert_eq!(practice.organization, "Transition Town");
        assert_eq!(practice.needs, ["a venue"]);
        assert!(practice.place.is_empty() && practice.offers.is_empty());
    }

    fn changes(value: serde_json::Value) -> PracticeChanges {
        serde_json::from_value(value).expect("valid changes")
    }

    #[test]
    fn lists_are_tidied_and_partial_changes_keep_the_rest() {
        let practice = Practice::default()
            .apply(changes(json!({
                "roles": [" Facilitator ", "facilitator", "", "Organiser"],
                "place": "  Ashford   Vale ",
            })))
            .unwrap();
        assert_eq!(practice.roles, ["Facilitator", "Organiser"]);
        assert_eq!(practice.place, "Ashford Vale");
        let next = practice
            .apply(changes(json!({"needs": ["Funding"]})))
            .unwrap();
        assert_eq!(next.roles, practice.roles);
        assert_eq!(next.needs, ["Funding"]);
        assert!(
            next.apply(changes(json!({"interests": vec!["x"; 0]})))
                .unwrap()
                .interests
                .is_empty()
        );
    }

    #[test]
    fn limits_are_enforced() {
        let many: Vec<String> = (0..11).map(|n| n.to_string()).collect();
        assert!(
            Practice::default()
                .apply(changes(json!({"offers": many})))
                .is_err()
        );
        assert!(
            Practice::default()
                .apply(changes(json!({"organization": "o".repeat(101)})))
                .is_err()
        );
        assert!(serde_json::from_value::<PracticeChanges>(json!({"skills": []})).is_err());
    }

    #[test]
    fn remote_practice_is_cleaned_not_refused() {
        let many: Vec<String> = (0..20).map(|n| format!("<b>need {n}</b>")).collect();
        let practice = Practice::from_remote(&json!({
            "type": "trellis:Practice",
            "roles": ["<script>x</script>Officer"],
            "needs": many,
            "unknown": true,
        }));
        assert_eq!(practice.roles, ["Officer"]);
        assert_eq!(practice.needs.len(), 10);
        assert_eq!(practice.needs[0], "need 0");
        assert_eq!(
            Practice::from_remote(&json!("nonsense")),
            Practice::default()
        );
    }

    #[test]
    fn fields_show_what_is_set_in_a_fixed_order() {
        let practice = Practice {
            roles: vec!["Officer".into(), "Organiser".into()],
            offers: vec!["Grant writing".into()],
            ..Practice::default()
        };
        assert_eq!(
            practice.fields(),
            [
                ("Role".to_string(), "Officer, Organiser".to_string()),
                ("Offers".to_string(), "Grant writing".to_string())
            ]
        );
    }
}

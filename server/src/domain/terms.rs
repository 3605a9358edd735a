//! Practice terms compared the way people mean them. Members write their
//! roles, offers, needs and interests in their own words: "grant-writing"
//! and "Grant writing", "heat pumps" and "heat pump" say the same thing,
//! and "grant applications" is close to "grant writing" without being it.
//! This module owns the normalised key of a term, how close two keys are,
//! and a network's vocabulary of synonyms. It is pure: no database, no I/O.

use crate::error::{Error, Result};
use rust_stemmers::{Algorithm, Stemmer};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Words that say nothing about the subject: "research and development"
/// is "research development", and sharing "of" is no overlap at all.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with",
];

/// The normalised key of `text`: lower case, hyphens and punctuation read
/// as spaces, stop words left out, each word reduced to its English stem
/// (Snowball's Porter 2), and the stems sorted and kept once, so that
/// "writing grants" and "Grant-writing" share the key `grant write`. A text
/// of stop words alone keeps them; one of punctuation alone keeps itself,
/// so a key is empty only for an empty text.
pub fn key(text: &str) -> String {
    let stemmer = Stemmer::create(Algorithm::English);
    let lower = text.to_lowercase();
    // An apostrophe joins ("women's" is one word), anything else that is
    // not a letter or a digit separates.
    let spaced: String = lower
        .chars()
        .filter(|c| !matches!(c, '\'' | '’'))
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let words: Vec<&str> = spaced.split_whitespace().collect();
    let meaningful: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !STOP_WORDS.contains(w))
        .collect();
    let kept = if meaningful.is_empty() {
        words
    } else {
        meaningful
    };
    if kept.is_empty() {
        return lower.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    let stems: BTreeSet<String> = kept.iter().map(|w| stemmer.stem(w).into_owned()).collect();
    stems.into_iter().collect::<Vec<_>>().join(" ")
}

/// How alike two terms are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Likeness {
    /// The same key: the same words, written differently.
    Same,
    /// Different words the network's vocabulary says mean the same.
    Synonym,
    /// Some words in common; the strength is below any full match.
    Near(f64),
}

/// A partial overlap counts at most half of a full match…
const NEAR_WEIGHT: f64 = 0.5;
/// …and only when at least a third of the words the two terms use between
/// them are shared: "grant writing" and "grant applications" (1 of 3) are
/// near, "community energy planning" and "community garden design" (1 of
/// 5) are not.
const MIN_OVERLAP: f64 = 1.0 / 3.0;

impl Likeness {
    /// The weight of the match: 1 for a full match, less for a near one.
    pub fn strength(self) -> f64 {
        match self {
            Likeness::Same | Likeness::Synonym => 1.0,
            Likeness::Near(strength) => strength,
        }
    }

    pub fn is_full(self) -> bool {
        !matches!(self, Likeness::Near(_))
    }
}

/// The share of words two keys have in common (Jaccard's index), when it
/// is enough to call them near: at least one shared word must not be one
/// of the `common` ones.
fn overlap(a: &str, b: &str, common: &HashSet<String>) -> Option<f64> {
    let a: BTreeSet<&str> = a.split(' ').collect();
    let b: BTreeSet<&str> = b.split(' ').collect();
    let shared: Vec<&&str> = a.intersection(&b).collect();
    if shared.iter().all(|w| common.contains(**w)) {
        return None;
    }
    let share = shared.len() as f64 / (a.len() + b.len() - shared.len()) as f64;
    (share >= MIN_OVERLAP).then_some(share)
}

/// A word is common when more than this many of the different keys of a
/// kind use it…
const COMMON_MIN_KEYS: usize = 10;
/// …and they are more than this share of them.
const COMMON_SHARE: f64 = 0.1;

/// The words of `keys` so widely used that sharing them says little: when
/// most roles end in "officer", "energy officer" is not near "youth
/// officer". A small network has none: ten keys must share the word.
pub fn common_words<'k>(keys: impl IntoIterator<Item = &'k String>) -> HashSet<String> {
    let mut uses: HashMap<&str, usize> = HashMap::new();
    let mut total = 0;
    for key in keys {
        total += 1;
        for word in key.split(' ') {
            *uses.entry(word).or_default() += 1;
        }
    }
    uses.into_iter()
        .filter(|(_, n)| *n > COMMON_MIN_KEYS && *n as f64 > COMMON_SHARE * total as f64)
        .map(|(w, _)| w.to_string())
        .collect()
}

/// Groups of terms that mean the same, from this network's vocabulary and
/// those of the networks it is linked with; groups that share a term merge.
/// Each key maps to one canonical key, the smallest of its group, so the
/// same synonyms give the same answer whichever network listed them.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    canonical: HashMap<String, String>,
    groups: HashMap<String, Vec<String>>,
}

impl Synonyms {
    pub fn new<'a>(vocabularies: impl IntoIterator<Item = &'a Vocabulary>) -> Synonyms {
        // Union-find over keys: a vocabulary is small (see the limits on
        // `Vocabulary`), so the plain version is enough.
        let mut parent: HashMap<String, String> = HashMap::new();
        fn root(parent: &HashMap<String, String>, key: &str) -> String {
            let mut at = key.to_string();
            while let Some(up) = parent.get(&at).filter(|up| **up != at) {
                at = up.clone();
            }
            at
        }
        for vocabulary in vocabularies {
            for group in &vocabulary.0 {
                let keys: Vec<String> = group.iter().map(|t| key(t)).collect();
                for k in &keys {
                    parent.entry(k.clone()).or_insert_with(|| k.clone());
                }
                for pair in keys.windows(2) {
                    let (a, b) = (root(&parent, &pair[0]), root(&parent, &pair[1]));
                    if a != b {
                        // The smaller root wins, so the canonical key does
                        // not depend on the order groups arrive in.
                        let (low, high) = if a < b { (a, b) } else { (b, a) };
                        parent.insert(high, low);
                    }
                }
            }
        }
        let mut synonyms = Synonyms::default();
        for k in parent.keys() {
            let canonical = root(&parent, k);
            synonyms
                .groups
                .entry(canonical.clone())
                .or_default()
                .push(k.clone());
            synonyms.canonical.insert(k.clone(), canonical);
        }
        for group in synonyms.groups.values_mut() {
            group.sort();
        }
        synonyms
    }

    /// The key all synonyms of `key` share (`key` itself when it has none).
    pub fn canonical<'a>(&'a self, key: &'a str) -> &'a str {
        self.canonical.get(key).map_or(key, String::as_str)
    }

    /// `key` and every key that means the same.
    pub fn alike(&self, key: &str) -> Vec<String> {
        match self.groups.get(self.canonical(key)) {
            Some(group) => group.clone(),
            None => vec![key.to_string()],
        }
    }

    /// How alike the terms with keys `a` and `b` are, if at all.
    pub fn compare(&self, a: &str, b: &str) -> Option<Likeness> {
        self.compare_beside(a, b, &HashSet::new())
    }

    /// [`Synonyms::compare`], where sharing only `common` words makes no
    /// near match.
    fn compare_beside(&self, a: &str, b: &str, common: &HashSet<String>) -> Option<Likeness> {
        if a == b {
            return Some(Likeness::Same);
        }
        let (ca, cb) = (self.canonical(a), self.canonical(b));
        if ca == cb {
            return Some(Likeness::Synonym);
        }
        // "bulk purchasing advice" is near "procurement" when procurement
        // means bulk purchasing: compare the canonical words too.
        let share = overlap(a, b, common)
            .into_iter()
            .chain(overlap(ca, cb, common))
            .fold(None, |best: Option<f64>, s| {
                Some(best.map_or(s, |b| b.max(s)))
            })?;
        Some(Likeness::Near(NEAR_WEIGHT * share))
    }
}

/// A member's terms of one kind, ready to be compared with every key the
/// server holds: most keys share no word with them and are passed over
/// after a few hash lookups.
pub struct Matcher<'a> {
    synonyms: &'a Synonyms,
    keys: Vec<String>,
    canonicals: HashSet<String>,
    /// The words of the member's terms that can make a near match.
    words: HashSet<String>,
    common: HashSet<String>,
}

impl<'a> Matcher<'a> {
    /// `common`: words that make no near match on their own (see
    /// [`common_words`]).
    pub fn new(synonyms: &'a Synonyms, keys: Vec<String>, common: HashSet<String>) -> Matcher<'a> {
        let canonicals: HashSet<String> = keys
            .iter()
            .map(|k| synonyms.canonical(k).to_string())
            .collect();
        let words = keys
            .iter()
            .chain(&canonicals)
            .flat_map(|k| k.split(' '))
            .filter(|w| !common.contains(*w))
            .map(str::to_string)
            .collect();
        Matcher {
            synonyms,
            keys,
            canonicals,
            words,
            common,
        }
    }

    /// The member's term (by position) that `candidate` is most like, and
    /// how alike they are; the first term wins a tie.
    pub fn best(&self, candidate: &str) -> Option<(usize, Likeness)> {
        let canonical = self.synonyms.canonical(candidate);
        let may_match = self.canonicals.contains(canonical)
            || candidate
                .split(' ')
                .chain(canonical.split(' '))
                .any(|w| self.words.contains(w));
        if !may_match {
            return None;
        }
        let mut best: Option<(usize, Likeness)> = None;
        for (n, key) in self.keys.iter().enumerate() {
            if let Some(likeness) = self.synonyms.compare_beside(key, candidate, &self.common)
                && best.is_none_or(|(_, b)| likeness.strength() > b.strength())
            {
                best = Some((n, likeness));
            }
        }
        best
    }
}

/// A network's synonyms: groups of terms that mean the same to its members
/// ("procurement" and "bulk purchasing"). Admins set it; it travels with
/// the network's profile to linked networks, whose matching uses it too.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Vocabulary(pub Vec<Vec<String>>);

pub const MAX_GROUPS: usize = 200;
pub const MAX_GROUP_TERMS: usize = 20;
pub const MAX_TERM: usize = 100;

impl Vocabulary {
    /// Checks a whole vocabulary: terms tidied like practice entries, each
    /// group of two or more different terms, no term in two groups. Any
    /// fault refuses all of it, naming the group and term at fault.
    pub fn checked(groups: Vec<Vec<String>>) -> Result<Vocabulary> {
        if groups.len() > MAX_GROUPS {
            return Err(Error::Validation(format!(
                "a vocabulary has at most {MAX_GROUPS} groups, not {}",
                groups.len()
            )));
        }
        let mut seen = HashMap::new();
        let mut kept = Vec::with_capacity(groups.len());
        for (n, group) in groups.into_iter().enumerate() {
            kept.push(checked_group(n + 1, group, &mut seen)?);
        }
        Ok(Vocabulary(kept))
    }

    /// Another network's vocabulary, kept as far as it follows the rules:
    /// groups that break them are left out rather than the whole refused,
    /// as one odd group should not cost the rest.
    pub fn from_remote(groups: Vec<Vec<String>>) -> Vocabulary {
        let mut seen = HashMap::new();
        let mut kept: Vec<Vec<String>> = Vec::new();
        for group in groups.into_iter().take(MAX_GROUPS) {
            let group = group.iter().map(|t| super::text::strip_html(t)).collect();
            let mut tried = seen.clone();
            if let Ok(terms) = checked_group(kept.len() + 1, group, &mut tried) {
                seen = tried;
                kept.push(terms);
            }
        }
        Vocabulary(kept)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One group of a vocabulary, numbered from 1 for messages, its terms
/// tidied and repeats (by key) dropped; `seen` holds the keys of the groups
/// before it, by group number.
fn checked_group(
    number: usize,
    group: Vec<String>,
    seen: &mut HashMap<String, usize>,
) -> Result<Vec<String>> {
    if group.len() > MAX_GROUP_TERMS {
        return Err(Error::Validation(format!(
            "group {number} has more than {MAX_GROUP_TERMS} terms"
        )));
    }
    let mut terms: Vec<String> = Vec::with_capacity(group.len());
    let mut keys: Vec<String> = Vec::with_capacity(group.len());
    for term in group {
        let term = term.split_whitespace().collect::<Vec<_>>().join(" ");
        if term.is_empty() {
            return Err(Error::Validation(format!(
                "group {number} has an empty term"
            )));
        }
        if term.chars().count() > MAX_TERM {
            return Err(Error::Validation(format!(
                "a term in group {number} is longer than {MAX_TERM} characters"
            )));
        }
        let k = key(&term);
        if keys.contains(&k) {
            // "Heat pumps" beside "heat pump" says nothing more.
            continue;
        }
        if let Some(other) = seen.get(&k) {
            return Err(Error::Validation(format!(
                "{term:?} is in groups {other} and {number}: put its synonyms in one group"
            )));
        }
        keys.push(k);
        terms.push(term);
    }
    if terms.len() < 2 {
        return Err(Error::Validation(format!(
            "group {number} needs at least two terms that differ in more than case, \
             punctuation or word endings"
        )));
    }
    seen.extend(keys.into_iter().map(|k| (k, number)));
    Ok(terms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary(groups: &[&[&str]]) -> Vocabulary {
        Vocabulary(
            groups
                .iter()
                .map(|g| g.iter().map(|t| t.to_string()).collect())
                .collect(),
        )
    }

    fn likeness(a: &str, b: &str) -> Option<Likeness> {
        Synonyms::default().compare(&key(a), &key(b))
    }

    #[test]
    fn case_punctuation_hyphens_plurals_and_stems_do_not_matter() {
        assert_eq!(key("grant-writing"), key("Grant writing"));
        assert_eq!(key("heat pumps"), key("heat pump"));
        assert_eq!(key("  Heat   PUMPS! "), key("heat pump"));
        assert_eq!(key("writing grants"), key("grant writing"));
        assert_eq!(
            key("Research & development"),
            key("research and development")
        );
        assert_eq!(key("women's groups"), key("Womens group"));
        assert_eq!(key("grant-writing"), "grant write");
        assert_ne!(key("heat pumps"), key("heat networks"));
    }

    #[test]
    fn a_key_is_never_empty_for_a_text() {
        assert_eq!(key("The"), "the");
        assert_eq!(key("—"), "—");
        assert_eq!(key("Café coöps"), key("café coöp"));
        assert_eq!(key(""), "");
    }

    #[test]
    fn a_partial_overlap_scores_lower_than_an_exact_match() {
        assert_eq!(
            likeness("grant-writing", "Grant writing"),
            Some(Likeness::Same)
        );
        let near = likeness("grant writing", "grant applications").expect("near");
        assert!(!near.is_full());
        assert!(near.strength() > 0.0 && near.strength() < Likeness::Same.strength());
        let closer = likeness("community energy", "community energy planning").unwrap();
        assert!(closer.strength() > near.strength());
        assert_eq!(
            likeness("community energy planning", "community garden design"),
            None
        );
        assert_eq!(likeness("heat pumps", "grant writing"), None);
        // Sharing only a stop word is no overlap.
        assert_eq!(likeness("history of art", "theory of music"), None);
    }

    #[test]
    fn synonyms_map_to_one_key_whichever_network_listed_them() {
        let ours = vocabulary(&[&["procurement", "bulk purchasing"]]);
        let theirs = vocabulary(&[&["Bulk purchase", "group buying"], &["CSA", "veg boxes"]]);
        let synonyms = Synonyms::new([&ours, &theirs]);
        let canonical = synonyms.canonical(&key("group buying")).to_string();
        assert_eq!(synonyms.canonical(&key("Procurement")), canonical);
        assert_eq!(
            synonyms.compare(&key("procurement"), &key("group-buying")),
            Some(Likeness::Synonym)
        );
        assert_eq!(synonyms.alike(&key("veg box")).len(), 2);
        assert_eq!(synonyms.alike(&key("composting")), ["compost"]);
        let reversed = Synonyms::new([&theirs, &ours]);
        assert_eq!(reversed.canonical(&key("procurement")), canonical);
        // Near through a synonym: the canonical words overlap.
        let near = synonyms.compare(&key("procurement"), &key("bulk purchasing advice"));
        assert!(matches!(near, Some(Likeness::Near(_))), "{near:?}");
    }

    #[test]
    fn the_matcher_finds_the_closest_of_a_members_terms() {
        let synonyms = Synonyms::new([&vocabulary(&[&["procurement", "bulk purchasing"]])]);
        let needs = vec![key("grant writing"), key("procurement"), key("grants")];
        let matcher = Matcher::new(&synonyms, needs, HashSet::new());
        assert_eq!(
            matcher.best(&key("Grant-writing")),
            Some((0, Likeness::Same))
        );
        assert_eq!(
            matcher.best(&key("bulk purchase")),
            Some((1, Likeness::Synonym))
        );
        let (which, near) = matcher.best(&key("grant applications")).unwrap();
        // "grants" shares one word of two, "grant writing" one of three.
        assert_eq!(which, 2);
        assert!(!near.is_full());
        assert_eq!(matcher.best(&key("heat pumps")), None);
    }

    #[test]
    fn sharing_only_a_common_word_is_no_match() {
        let mut roles: Vec<String> = (0..20).map(|n| key(&format!("role{n} officer"))).collect();
        roles.push(key("grant writer"));
        let common = common_words(&roles);
        assert!(common.contains("offic"), "{common:?}");
        assert!(!common.contains("grant"));
        let synonyms = Synonyms::default();
        let matcher = Matcher::new(&synonyms, vec![key("energy officer")], common.clone());
        assert_eq!(matcher.best(&key("youth officer")), None);
        assert_eq!(
            matcher.best(&key("Energy Officers")),
            Some((0, Likeness::Same))
        );
        let writers = Matcher::new(&synonyms, vec![key("grant officer")], common);
        assert!(writers.best(&key("grant writer")).is_some());
        // A small network has no common words.
        assert!(common_words(&[key("energy officer"), key("youth officer")]).is_empty());
    }

    #[test]
    fn a_vocabulary_is_checked_whole() {
        let groups = |g: &[&[&str]]| vocabulary(g).0;
        let ok = Vocabulary::checked(groups(&[&[
            " procurement ",
            "bulk  purchasing",
            "Procurements",
        ]]))
        .unwrap();
        assert_eq!(ok.0, [["procurement", "bulk purchasing"]]);
        for (bad, says) in [
            (groups(&[&["procurement"]]), "at least two terms"),
            (
                groups(&[&["heat pump", "Heat-pumps"]]),
                "at least two terms",
            ),
            (groups(&[&["a b", ""]]), "empty term"),
            (groups(&[&["x", "y"], &["z", "X"]]), "in groups 1 and 2"),
        ] {
            let error = Vocabulary::checked(bad).unwrap_err().to_string();
            assert!(error.contains(says), "{error}");
        }
        let long = "t".repeat(MAX_TERM + 1);
        assert!(Vocabulary::checked(vec![vec!["a".into(), long]]).is_err());
        let many: Vec<Vec<String>> = (0..=MAX_GROUPS)
            .map(|n| vec![format!("a{n}"), format!("b{n}")])
            .collect();
        assert!(Vocabulary::checked(many).is_err());
        let wide: Vec<String> = (0..=MAX_GROUP_TERMS).map(|n| format!("t{n}")).collect();
        assert!(Vocabulary::checked(vec![wide]).is_err());
    }

    #[test]
    fn a_remote_vocabulary_keeps_its_good_groups() {
        let kept = Vocabulary::from_remote(
            vocabulary(&[
                &["<b>procurement</b>", "bulk purchasing"],
                &["lonely"],
                &["Procurement", "buying"],
                &["CSA", "veg boxes"],
            ])
            .0,
        );
        assert_eq!(
            kept.0,
            [["procurement", "bulk purchasing"], ["CSA", "veg boxes"]]
        );
    }
}

//! Benefit stories: posts of kind `story` that say what changed in
//! someone's work because of the network, gathered by dimension of value.

use super::{Context, kinds::Dimension, views};
use crate::{
    db::{models::Account, weaving},
    error::Result,
};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone)]
pub struct StoryView {
    pub status: views::StatusView,
    pub dimensions: Vec<String>,
}

/// Stories the viewer may see, newest first, with one dimension if given.
pub async fn list(
    ctx: &Context,
    viewer: Option<&Account>,
    dimension: Option<Dimension>,
    max_id: Option<i64>,
    limit: i64,
) -> Result<Vec<StoryView>> {
    let viewer = viewer.cloned();
    ctx.db
        .read(move |conn| {
            let ids = weaving::stories(conn, dimension.map(Dimension::as_str), max_id, limit)?;
            let rows = views::visible(conn, viewer.as_ref(), &ids)?;
            let visible: Vec<i64> = rows.iter().map(|s| s.id).collect();
            let mut dimensions: HashMap<i64, Vec<String>> = HashMap::new();
            for (id, dimension) in weaving::dimensions_of_many(conn, &visible)? {
                dimensions.entry(id).or_default().push(dimension);
            }
            Ok(views::load_rows(conn, viewer.as_ref().map(|v| v.id), rows)?
                .into_iter()
                .map(|view| StoryView {
                    dimensions: dimensions.remove(&view.status.id).unwrap_or_default(),
                    status: view,
                })
                .collect())
        })
        .await
}

/// How many stories speak to each dimension, in all and per period.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct StoryCounts {
    pub total: BTreeMap<&'static str, usize>,
    /// Oldest period first; periods with no story are left out.
    pub periods: Vec<PeriodCount>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PeriodCount {
    /// `2026-12` for a month, `2026-W49` for an ISO week.
    pub period: String,
    pub counts: BTreeMap<&'static str, usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Month,
    Week,
}

impl Period {
    pub fn parse(word: &str) -> Option<Period> {
        match word {
            "month" => Some(Period::Month),
            "week" => Some(Period::Week),
            _ => None,
        }
    }

    fn label(self, at: chrono::NaiveDateTime) -> String {
        match self {
            Period::Month => at.format("%Y-%m").to_string(),
            Period::Week => at.format("%G-W%V").to_string(),
        }
    }
}

pub async fn counts(ctx: &Context, period: Period) -> Result<StoryCounts> {
    let rows = ctx
        .db
        .read(|conn| -> Result<_> { Ok(weaving::story_dimension_times(conn)?) })
        .await?;
    Ok(count(&rows, period))
}

/// Counts per dimension (every dimension present, zero or not) over all
/// time and per period.
pub fn count(rows: &[(String, chrono::NaiveDateTime)], period: Period) -> StoryCounts {
    let zero = || -> BTreeMap<&'static str, usize> {
        Dimension::ALL.iter().map(|d| (d.as_str(), 0)).collect()
    };
    let mut total = zero();
    let mut periods: BTreeMap<String, BTreeMap<&'static str, usize>> = BTreeMap::new();
    for (word, at) in rows {
        let Some(dimension) = Dimension::parse(word) else {
            continue;
        };
        *total.entry(dimension.as_str()).or_default() += 1;
        *periods
            .entry(period.label(*at))
            .or_insert_with(zero)
            .entry(dimension.as_str())
            .or_default() += 1;
    }
    StoryCounts {
        total,
        periods: periods
            .into_iter()
            .map(|(period, counts)| PeriodCount { period, counts })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> chrono::NaiveDateTime {
        chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn stories_are_counted_per_dimension_and_month() {
        let rows = vec![
            ("individual".to_string(), at("2026-10-30 12:00")),
            ("joint_work".to_string(), at("2026-11-02 09:00")),
            ("individual".to_string(), at("2026-11-20 09:00")),
            ("unknown".to_string(), at("2026-11-21 09:00")),
        ];
        let counts = count(&rows, Period::Month);
        assert_eq!(counts.total["individual"], 2);
        assert_eq!(counts.total["joint_work"], 1);
        assert_eq!(counts.total["connecting_networks"], 0);
        assert_eq!(counts.periods.len(), 2);
        assert_eq!(counts.periods[0].period, "2026-10");
        assert_eq!(counts.periods[1].counts["individual"], 1);
        assert_eq!(counts.periods[1].counts["joint_work"], 1);
        let weekly = count(&rows, Period::Week);
        assert_eq!(weekly.periods[0].period, "2026-W44");
    }
}

//! `column IN (ids…)` that the connections' statement caches can keep.
//!
//! Diesel's `eq_any` writes one `?` per value on SQLite and so marks every
//! such statement as not to be cached: a page of statuses asks about twenty
//! of them, and SQLite parsed and planned each one afresh on every request
//! (`sqlite3_prepare_v3` was 14% of the server's CPU under 16 clients
//! reading home timelines). [`one_of`] writes the list padded to one of a
//! few lengths ([`PADDED_LENGTHS`]), repeating its last id, so a query has
//! a handful of shapes and each is prepared once per connection.
//! PostgreSQL gets the list as one array (`= ANY($1)`), one shape whatever
//! its length.

use super::multi_connection_impl::MultiBackend;
use diesel::{
    expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping},
    pg::Pg,
    query_builder::{AstPass, QueryFragment, QueryId},
    result::QueryResult,
    sql_types::{Array, BigInt, Bool, Nullable},
    sqlite::Sqlite,
};

/// The lengths a list is padded to. Few, because every shape of every
/// query stays prepared on each of the pool's connections, and binding a
/// few more values costs far less than preparing. Lists longer than the
/// last are written out exactly and not cached; they are rare (bulk
/// deletes, a large fan-out) compared with a page's few dozen ids.
const PADDED_LENGTHS: [usize; 5] = [8, 32, 128, 512, 1024];

/// Columns holding ids: `BIGINT`, nullable or not.
pub trait IdType {}
impl IdType for BigInt {}
impl IdType for Nullable<BigInt> {}

/// `column IN (ids)`; false for no ids.
pub fn one_of<C>(column: C, ids: &[i64]) -> IdList<C>
where
    C: Expression,
    C::SqlType: IdType,
{
    IdList {
        column,
        ids: ids.to_vec(),
        negated: false,
    }
}

/// `column NOT IN (ids)`; true for no ids.
pub fn none_of<C>(column: C, ids: &[i64]) -> IdList<C>
where
    C: Expression,
    C::SqlType: IdType,
{
    IdList {
        column,
        ids: ids.to_vec(),
        negated: true,
    }
}

#[derive(Debug, Clone)]
pub struct IdList<C> {
    column: C,
    ids: Vec<i64>,
    negated: bool,
}

/// How many values a list of `len` is written with on SQLite.
fn padded_len(len: usize) -> usize {
    PADDED_LENGTHS
        .into_iter()
        .find(|&padded| padded >= len)
        .unwrap_or(len)
}

/// Whether a list of `len` is written with a length of its own.
fn is_exact(len: usize) -> bool {
    len > PADDED_LENGTHS[PADDED_LENGTHS.len() - 1]
}

impl<C> Expression for IdList<C>
where
    C: Expression,
{
    // A nullable column gives NULL for a NULL row, which a filter treats
    // as false, the same as a non-match.
    type SqlType = Bool;
}

impl<C, QS> AppearsOnTable<QS> for IdList<C> where C: AppearsOnTable<QS> {}

impl<C, QS> SelectableExpression<QS> for IdList<C> where C: SelectableExpression<QS> {}

impl<C, GroupBy> ValidGrouping<GroupBy> for IdList<C>
where
    C: ValidGrouping<GroupBy>,
{
    type IsAggregate = C::IsAggregate;
}

impl<C> QueryId for IdList<C> {
    // The SQL depends on the list's length, so the cache keys it by text.
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<C> QueryFragment<Sqlite> for IdList<C>
where
    C: QueryFragment<Sqlite>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        let Some(last) = self.ids.last() else {
            out.push_sql(if self.negated { "1 = 1" } else { "1 = 0" });
            return Ok(());
        };
        if is_exact(self.ids.len()) {
            out.unsafe_to_cache_prepared();
        }
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(if self.negated { " NOT IN (" } else { " IN (" });
        for slot in 0..padded_len(self.ids.len()) {
            if slot > 0 {
                out.push_sql(", ");
            }
            out.push_bind_param::<BigInt, i64>(self.ids.get(slot).unwrap_or(last))?;
        }
        out.push_sql(")");
        Ok(())
    }
}

impl<C> QueryFragment<Pg> for IdList<C>
where
    C: QueryFragment<Pg>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(if self.negated { " <> ALL(" } else { " = ANY(" });
        out.push_bind_param::<Array<BigInt>, Vec<i64>>(&self.ids)?;
        out.push_sql(")");
        Ok(())
    }
}

impl<C> QueryFragment<MultiBackend> for IdList<C>
where
    C: QueryFragment<Sqlite> + QueryFragment<Pg>,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        MultiBackend::walk_variant_ast(self, pass)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::DbConnection;
    use diesel::{
        Connection, ExpressionMethods, QueryDsl, RunQueryDsl, connection::SimpleConnection,
    };

    diesel::table! {
        id_list_probe (id) {
            id -> BigInt,
            parent -> Nullable<BigInt>,
        }
    }

    #[test]
    fn short_lists_come_in_five_lengths_and_long_ones_exactly() {
        let lengths: Vec<usize> = [1, 8, 9, 20, 40, 200, 1000, 1024, 1025, 5000]
            .into_iter()
            .map(padded_len)
            .collect();
        assert_eq!(lengths, [8, 8, 32, 32, 128, 512, 1024, 1024, 1025, 5000]);
    }

    #[test]
    fn lists_of_lengths_that_pad_alike_share_one_statement_on_sqlite() {
        let sql = |ids: &[i64]| {
            let query = id_list_probe::table.filter(one_of(id_list_probe::id, ids));
            let text = diesel::debug_query::<Sqlite, _>(&query).to_string();
            text.split(" -- binds").next().unwrap().to_string()
        };
        let page: Vec<i64> = (1..=20).collect();
        assert_eq!(sql(&[1, 2, 3]), sql(&[4, 5, 6, 7, 8, 9, 10, 11]));
        assert_ne!(sql(&[1, 2, 3]), sql(&page));
        assert_eq!(sql(&page), sql(&page[..9]));
        assert_eq!(sql(&[1, 2, 3]).matches('?').count(), 8);
    }

    /// Probe rows 1..=40; the parent of `n` is `n / 3`, none for multiples of 5.
    fn probe(conn: &mut DbConnection) {
        conn.batch_execute(
            "CREATE TEMPORARY TABLE id_list_probe (id BIGINT PRIMARY KEY, parent BIGINT)",
        )
        .unwrap();
        for id in 1..=40i64 {
            diesel::insert_into(id_list_probe::table)
                .values((
                    id_list_probe::id.eq(id),
                    id_list_probe::parent.eq((id % 5 != 0).then_some(id / 3)),
                ))
                .execute(conn)
                .unwrap();
        }
    }

    fn matches_what_the_lists_say(conn: &mut DbConnection) {
        probe(conn);
        let lists: Vec<Vec<i64>> = vec![
            vec![],
            vec![7],
            vec![3, 9, 27, 3],
            (1..=40).step_by(2).collect(),
            (-1000..1000).collect(),
        ];
        for list in lists {
            macro_rules! ids {
                ($filter:expr) => {{
                    let mut ids: Vec<i64> = id_list_probe::table
                        .filter($filter)
                        .select(id_list_probe::id)
                        .load(conn)
                        .unwrap();
                    ids.sort_unstable();
                    ids
                }};
            }
            let all: Vec<i64> = (1..=40).collect();
            let parent = |id: i64| (id % 5 != 0).then_some(id / 3);
            let expected: Vec<i64> = all.iter().copied().filter(|id| list.contains(id)).collect();
            let outside: Vec<i64> = all
                .iter()
                .copied()
                .filter(|id| !list.contains(id))
                .collect();
            let by_parent: Vec<i64> = all
                .iter()
                .copied()
                .filter(|id| parent(*id).is_some_and(|p| list.contains(&p)))
                .collect();
            assert_eq!(ids!(one_of(id_list_probe::id, &list)), expected, "{list:?}");
            assert_eq!(ids!(none_of(id_list_probe::id, &list)), outside, "{list:?}");
            assert_eq!(
                ids!(one_of(id_list_probe::parent, &list)),
                by_parent,
                "{list:?}"
            );
        }
    }

    #[test]
    fn sqlite_finds_exactly_the_listed_rows() {
        let mut conn =
            DbConnection::Sqlite(diesel::SqliteConnection::establish(":memory:").unwrap());
        matches_what_the_lists_say(&mut conn);
    }

    /// Under CI PostgreSQL must be there; elsewhere the test is skipped
    /// without it, as the federation tests are.
    #[test]
    fn postgres_finds_exactly_the_listed_rows() {
        let url = std::env::var("TRELLIS_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let conn = match diesel::PgConnection::establish(&url) {
            Ok(conn) => conn,
            Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
                panic!("CI=true but PostgreSQL at {url} is unreachable: {e}")
            }
            Err(_) => return,
        };
        matches_what_the_lists_say(&mut DbConnection::Pg(conn));
    }
}

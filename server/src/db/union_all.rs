//! `first UNION ALL second`: several selects answered in one statement.
//!
//! On PostgreSQL each statement is a round trip, and a page of statuses
//! asked for two dozen small lists (counts, the viewer's favourites,
//! bookmarks…), each waiting on the socket. Diesel's own `union_all` is not
//! available on a connection that may be either database, so this is the
//! smallest version of it: plain selects (no `ORDER BY` or `LIMIT` of their
//! own, which SQLite would refuse inside a compound), joined as written.

use super::multi_connection_impl::MultiBackend;
use diesel::{
    backend::Backend,
    pg::Pg,
    query_builder::{AstPass, Query, QueryFragment, QueryId},
    query_dsl::RunQueryDsl,
    result::QueryResult,
    sqlite::Sqlite,
};

/// Rows of `first` then rows of `second`, duplicates kept; both must select
/// the same types.
pub fn union_all<A, B>(first: A, second: B) -> UnionAll<A, B>
where
    A: Query,
    B: Query<SqlType = A::SqlType>,
{
    UnionAll { first, second }
}

#[derive(Debug, Clone)]
pub struct UnionAll<A, B> {
    first: A,
    second: B,
}

impl<A, B> UnionAll<A, B> {
    /// This union followed by `next`.
    pub fn union_all<C>(self, next: C) -> UnionAll<Self, C> {
        UnionAll {
            first: self,
            second: next,
        }
    }
}

impl<A: Query, B> Query for UnionAll<A, B> {
    type SqlType = A::SqlType;
}

impl<A, B> QueryId for UnionAll<A, B> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<A, B, Conn> RunQueryDsl<Conn> for UnionAll<A, B> {}

fn walk_union<'b, A, B, DB>(
    first: &'b A,
    second: &'b B,
    mut out: AstPass<'_, 'b, DB>,
) -> QueryResult<()>
where
    DB: Backend,
    A: QueryFragment<DB>,
    B: QueryFragment<DB>,
{
    first.walk_ast(out.reborrow())?;
    out.push_sql(" UNION ALL ");
    second.walk_ast(out.reborrow())
}

impl<A, B> QueryFragment<Sqlite> for UnionAll<A, B>
where
    A: QueryFragment<Sqlite>,
    B: QueryFragment<Sqlite>,
{
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        walk_union(&self.first, &self.second, out)
    }
}

impl<A, B> QueryFragment<Pg> for UnionAll<A, B>
where
    A: QueryFragment<Pg>,
    B: QueryFragment<Pg>,
{
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        walk_union(&self.first, &self.second, out)
    }
}

impl<A, B> QueryFragment<MultiBackend> for UnionAll<A, B>
where
    Self: QueryFragment<Sqlite> + QueryFragment<Pg>,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        MultiBackend::walk_variant_ast(self, pass)
    }
}

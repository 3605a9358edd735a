//! Communities of practice: their settings and moderators.

use super::id_lists::{none_of, one_of};
use super::{
    DbConnection,
    models::{Account, Community, CommunityLink},
    schema::{accounts, communities, community_links, community_moderators, community_picks},
};
use diesel::prelude::*;

pub fn insert(conn: &mut DbConnection, community: &Community) -> QueryResult<()> {
    diesel::insert_into(communities::table)
        .values(community)
        .execute(conn)
        .map(drop)
}

/// Inserts or replaces what a remote community published about itself.
pub fn upsert(conn: &mut DbConnection, community: &Community) -> QueryResult<()> {
    diesel::delete(communities::table.find(community.account_id)).execute(conn)?;
    insert(conn, community)
}

pub fn of_account(conn: &mut DbConnection, account_id: i64) -> QueryResult<Option<Community>> {
    communities::table.find(account_id).first(conn).optional()
}

/// Communities with their accounts, filtered by role and place (exact,
/// any case), local ones first, then by name.
pub fn list(
    conn: &mut DbConnection,
    role: Option<&str>,
    place: Option<&str>,
) -> QueryResult<Vec<(Community, Account)>> {
    let mut query = communities::table
        .inner_join(accounts::table.on(accounts::id.eq(communities::account_id)))
        .filter(accounts::deleted_at.is_null())
        .select((Community::as_select(), Account::as_select()))
        .into_boxed();
    if let Some(role) = role {
        query = query.filter(super::accounts::lower(communities::role).eq(role.to_lowercase()));
    }
    if let Some(place) = place {
        query = query.filter(super::accounts::lower(communities::place).eq(place.to_lowercase()));
    }
    query
        .order((accounts::local.desc(), accounts::username.asc()))
        .load(conn)
}

pub fn add_moderator(
    conn: &mut DbConnection,
    community_id: i64,
    account_id: i64,
) -> QueryResult<()> {
    let exists = community_moderators::table
        .find((community_id, account_id))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if !exists {
        diesel::insert_into(community_moderators::table)
            .values((
                community_moderators::community_id.eq(community_id),
                community_moderators::account_id.eq(account_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn moderators(conn: &mut DbConnection, community_id: i64) -> QueryResult<Vec<Account>> {
    community_moderators::table
        .inner_join(accounts::table.on(accounts::id.eq(community_moderators::account_id)))
        .filter(community_moderators::community_id.eq(community_id))
        .select(Account::as_select())
        .order(accounts::username.asc())
        .load(conn)
}

pub fn is_moderator(
    conn: &mut DbConnection,
    community_id: i64,
    account_id: i64,
) -> QueryResult<bool> {
    Ok(community_moderators::table
        .find((community_id, account_id))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

pub fn insert_link(conn: &mut DbConnection, link: &CommunityLink) -> QueryResult<()> {
    diesel::insert_into(community_links::table)
        .values(link)
        .execute(conn)
        .map(drop)
}

/// `community_id`'s record of its link with `target_id`.
pub fn link_between(
    conn: &mut DbConnection,
    community_id: i64,
    target_id: i64,
) -> QueryResult<Option<CommunityLink>> {
    community_links::table
        .filter(community_links::community_id.eq(community_id))
        .filter(community_links::target_account_id.eq(target_id))
        .first(conn)
        .optional()
}

pub fn link(
    conn: &mut DbConnection,
    community_id: i64,
    id: i64,
) -> QueryResult<Option<CommunityLink>> {
    community_links::table
        .find(id)
        .filter(community_links::community_id.eq(community_id))
        .first(conn)
        .optional()
}

pub fn links_of(conn: &mut DbConnection, community_id: i64) -> QueryResult<Vec<CommunityLink>> {
    community_links::table
        .filter(community_links::community_id.eq(community_id))
        .order(community_links::id.asc())
        .load(conn)
}

/// Active links any local community has with `target_id`.
pub fn active_links_with(
    conn: &mut DbConnection,
    target_id: i64,
) -> QueryResult<Vec<CommunityLink>> {
    community_links::table
        .filter(community_links::target_account_id.eq(target_id))
        .filter(community_links::state.eq("active"))
        .load(conn)
}

pub fn set_link_state(conn: &mut DbConnection, id: i64, state: &str) -> QueryResult<()> {
    diesel::update(community_links::table.find(id))
        .set(community_links::state.eq(state))
        .execute(conn)
        .map(drop)
}

pub fn set_link_flow(conn: &mut DbConnection, id: i64, flow: &str) -> QueryResult<()> {
    diesel::update(community_links::table.find(id))
        .set(community_links::flow.eq(flow))
        .execute(conn)
        .map(drop)
}

pub fn delete_link(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::delete(community_links::table.find(id))
        .execute(conn)
        .map(drop)
}

pub fn add_pick(conn: &mut DbConnection, community_id: i64, status_id: i64) -> QueryResult<()> {
    if !is_picked(conn, community_id, status_id)? {
        diesel::insert_into(community_picks::table)
            .values((
                community_picks::community_id.eq(community_id),
                community_picks::status_id.eq(status_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn is_picked(conn: &mut DbConnection, community_id: i64, status_id: i64) -> QueryResult<bool> {
    Ok(community_picks::table
        .find((community_id, status_id))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// How many people (not linked communities or networks) follow a community.
pub fn people_count(conn: &mut DbConnection, community_id: i64) -> QueryResult<i64> {
    Ok(people_counts(conn, &[community_id])?
        .get(&community_id)
        .copied()
        .unwrap_or(0))
}

/// [`people_count`] for each of `community_ids` that has members, in one
/// query.
pub fn people_counts(
    conn: &mut DbConnection,
    community_ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, i64>> {
    use super::schema::follows;
    let rows: Vec<(i64, i64)> = follows::table
        .inner_join(accounts::table.on(accounts::id.eq(follows::account_id)))
        .filter(one_of(follows::target_account_id, community_ids))
        .filter(follows::accepted.eq(true))
        .filter(accounts::actor_type.eq("Person"))
        .filter(accounts::deleted_at.is_null())
        .group_by(follows::target_account_id)
        .select((follows::target_account_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

pub fn ban(conn: &mut DbConnection, community_id: i64, account_id: i64) -> QueryResult<()> {
    use super::schema::community_bans;
    if is_banned(conn, community_id, account_id)? {
        return Ok(());
    }
    diesel::insert_into(community_bans::table)
        .values((
            community_bans::community_id.eq(community_id),
            community_bans::account_id.eq(account_id),
            community_bans::created_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}

pub fn is_banned(conn: &mut DbConnection, community_id: i64, account_id: i64) -> QueryResult<bool> {
    use super::schema::community_bans;
    let found: i64 = community_bans::table
        .find((community_id, account_id))
        .count()
        .get_result(conn)?;
    Ok(found > 0)
}

/// The ids of the local people in `group` who chose to be discoverable,
/// oldest member first: what the community lists for linked communities.
pub fn discoverable_members(
    conn: &mut DbConnection,
    group_id: i64,
    limit: i64,
) -> QueryResult<Vec<String>> {
    use super::schema::follows;
    follows::table
        .inner_join(accounts::table.on(accounts::id.eq(follows::account_id)))
        .filter(follows::target_account_id.eq(group_id))
        .filter(follows::accepted.eq(true))
        .filter(accounts::local.eq(true))
        .filter(accounts::actor_type.eq("Person"))
        .filter(accounts::discoverable.eq(true))
        .filter(accounts::deleted_at.is_null())
        .select(accounts::ap_id)
        .order(follows::id.asc())
        .limit(limit)
        .load(conn)
}

/// Communities on other servers that are actively linked with a
/// community here, each once.
pub fn remote_linked_communities(conn: &mut DbConnection) -> QueryResult<Vec<Account>> {
    let ids: Vec<i64> = community_links::table
        .filter(community_links::state.eq("active"))
        .select(community_links::target_account_id)
        .distinct()
        .load(conn)?;
    accounts::table
        .filter(one_of(accounts::id, &ids))
        .filter(accounts::local.eq(false))
        .filter(accounts::deleted_at.is_null())
        .select(Account::as_select())
        .order(accounts::id.asc())
        .load(conn)
}

/// Replaces what is known of `community_id`'s members with `members`.
pub fn replace_linked_members(
    conn: &mut DbConnection,
    community_id: i64,
    members: &[i64],
) -> QueryResult<()> {
    use super::schema::linked_members;
    diesel::delete(linked_members::table.filter(linked_members::community_id.eq(community_id)))
        .execute(conn)?;
    let now = super::now();
    // One row at a time: the multi-database connection has no batch insert.
    for member in members {
        diesel::insert_into(linked_members::table)
            .values((
                linked_members::community_id.eq(community_id),
                linked_members::account_id.eq(*member),
                linked_members::seen_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Forgets the members of communities no longer linked.
pub fn forget_linked_members_except(conn: &mut DbConnection, linked: &[i64]) -> QueryResult<usize> {
    use super::schema::linked_members;
    diesel::delete(linked_members::table.filter(none_of(linked_members::community_id, linked)))
        .execute(conn)
}

/// (member, community) for every member learnt from a linked community.
pub fn linked_memberships(conn: &mut DbConnection) -> QueryResult<Vec<(i64, i64)>> {
    use super::schema::linked_members;
    linked_members::table
        .select((linked_members::account_id, linked_members::community_id))
        .load(conn)
}

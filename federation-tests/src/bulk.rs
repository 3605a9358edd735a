//! Fills an empty, migrated Trellis database with a large generated network
//! in minutes, for the benchmarks: members and people elsewhere, communities,
//! a skewed follow graph, statuses with replies, questions and their
//! exchanges, stories, tags, favourites, mentions, notifications, home
//! feeds and introductions.
//!
//! `trellis admin demo-network` goes through the server's own code and
//! manages a few members a second; this writes set-wise SQL instead, so a
//! million statuses take minutes. What it writes keeps the invariants the
//! server keeps: ids that sort by time as [`trellis`]'s do, a reply's
//! mention and notification, an exchange for each question and an exchange
//! reply for each answer to it, home feed rows for the followers of each
//! author, a notification per favourite of a member's post.
//!
//! Only tables and columns that every Trellis release since the weaving
//! schema has are written, so the same generator fills a database for a
//! baseline build too (`--baseline` in the benches). Columns added later
//! keep their defaults, and the server fills derived ones (practice term
//! keys) when it starts.
//!
//! Everything is derived from the row numbers by fixed arithmetic, so the
//! same [`Spec`] always builds the same network on either database.

use diesel::{
    Connection, PgConnection, RunQueryDsl, SqliteConnection, connection::SimpleConnection,
};

/// The size of the network to generate.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// Local members, `m1` … `mN`; `m1` is an admin.
    pub members: i64,
    /// Statuses, from members and from the people elsewhere.
    pub statuses: i64,
}

impl Spec {
    /// People on other servers: a fifth as many as the members.
    pub fn remote(&self) -> i64 {
        (self.members / 5).max(1)
    }

    /// Everyone who posts and follows: members, then people elsewhere.
    pub fn people(&self) -> i64 {
        self.members + self.remote()
    }
}

/// Local communities, each a `Group` that members join by following it.
pub const COMMUNITIES: i64 = 20;
/// How many people each person follows, before duplicates are dropped.
const FOLLOWS_EACH: i64 = 12;
/// Days the statuses span, ending an hour before now.
const SPAN_DAYS: i64 = 190;
/// Home feeds hold the statuses of the last this many days, as a feed
/// trimmed to its newest entries would.
const FEED_DAYS: i64 = 14;

const WORDS: [&str; 40] = [
    "compost",
    "seed library",
    "repair cafe",
    "heat pumps",
    "grant writing",
    "bulk purchasing",
    "solar coops",
    "tool sharing",
    "food forest",
    "rainwater",
    "bike kitchen",
    "community fridge",
    "timebank",
    "local currency",
    "mentoring",
    "facilitation",
    "zoning",
    "land trust",
    "retrofits",
    "insulation",
    "youth outreach",
    "elder care",
    "broadband",
    "childcare",
    "farmers market",
    "apprenticeships",
    "coworking",
    "microgrants",
    "storytelling",
    "mapping",
    "volunteering",
    "procurement",
    "circular economy",
    "wetlands",
    "tree planting",
    "transit",
    "housing coops",
    "energy audits",
    "skill shares",
    "civic tech",
];
const ROLES: [&str; 12] = [
    "organiser",
    "facilitator",
    "farmer",
    "teacher",
    "planner",
    "engineer",
    "researcher",
    "funder",
    "councillor",
    "shop owner",
    "nurse",
    "designer",
];
const PLACES: [&str; 10] = [
    "Ashford",
    "Brookfield",
    "Cedar Falls",
    "Dunmore",
    "Elmwood",
    "Fairhaven",
    "Glenrock",
    "Harrow",
    "Ivybridge",
    "Juniper",
];
const DIMENSIONS: [&str; 4] = [
    "individual",
    "micro_collaboration",
    "joint_work",
    "connecting_networks",
];

/// What was written, counted in the database afterwards.
#[derive(Debug, Default)]
pub struct Written {
    pub accounts: i64,
    pub follows: i64,
    pub statuses: i64,
    pub replies: i64,
    pub exchanges: i64,
    pub stories: i64,
    pub favourites: i64,
    pub notifications: i64,
    pub home_feed: i64,
    pub introductions: i64,
}

impl std::fmt::Display for Written {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} accounts, {} follows, {} statuses ({} replies, {} questions, {} stories), \
             {} favourites, {} notifications, {} home feed rows, {} introductions",
            self.accounts,
            self.follows,
            self.statuses,
            self.replies,
            self.exchanges,
            self.stories,
            self.favourites,
            self.notifications,
            self.home_feed,
            self.introductions
        )
    }
}

/// The SQL that differs between the two databases.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// A TIMESTAMP from seconds since the Unix epoch.
    fn timestamp(self, seconds: &str) -> String {
        match self {
            Dialect::Sqlite => format!("datetime({seconds}, 'unixepoch')"),
            Dialect::Postgres => {
                format!("(TIMESTAMP '1970-01-01 00:00:00' + ({seconds}) * INTERVAL '1 second')")
            }
        }
    }
}

/// A connection to a bench database, whichever it is.
enum Db {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

impl Db {
    /// Connects to `url` (`sqlite://…` or `postgres://…`), with foreign
    /// keys enforced as the server has them.
    fn open(url: &str) -> Db {
        match url.strip_prefix("sqlite://") {
            Some(path) => {
                let mut conn = SqliteConnection::establish(path).expect("the SQLite database");
                conn.batch_execute("PRAGMA foreign_keys = ON")
                    .expect("foreign keys");
                Db::Sqlite(conn)
            }
            None => Db::Postgres(PgConnection::establish(url).expect("the PostgreSQL database")),
        }
    }

    fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
        }
    }

    fn execute(&mut self, sql: &str) {
        match self {
            Db::Sqlite(conn) => conn.batch_execute(sql),
            Db::Postgres(conn) => conn.batch_execute(sql),
        }
        .unwrap_or_else(|e| panic!("{e}\nin:\n{sql}"));
    }

    /// The statements in one transaction, then fresh planner statistics.
    fn run(&mut self, statements: &[String]) {
        match self {
            Db::Sqlite(conn) => run(conn, statements),
            Db::Postgres(conn) => run(conn, statements),
        }
    }

    fn load<R>(&mut self, sql: &str) -> Vec<R>
    where
        R: diesel::QueryableByName<diesel::sqlite::Sqlite>
            + diesel::QueryableByName<diesel::pg::Pg>
            + 'static,
    {
        match self {
            Db::Sqlite(conn) => diesel::sql_query(sql).load(conn),
            Db::Postgres(conn) => diesel::sql_query(sql).load(conn),
        }
        .unwrap_or_else(|e| panic!("{e}\nin:\n{sql}"))
    }

    fn has_table(&mut self, name: &str) -> bool {
        let sql = match self {
            Db::Sqlite(_) => format!("SELECT count(*) FROM sqlite_master WHERE name = '{name}'"),
            Db::Postgres(_) => format!(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = '{name}'"
            ),
        };
        self.number(&sql) > 0
    }

    fn number(&mut self, sql: &str) -> i64 {
        let number = diesel::dsl::sql::<diesel::sql_types::BigInt>(sql);
        match self {
            Db::Sqlite(conn) => number.get_result(conn),
            Db::Postgres(conn) => number.get_result(conn),
        }
        .unwrap_or_else(|e| panic!("{e}\nin:\n{sql}"))
    }
}

/// Fills the database at `url` (`sqlite://…` or `postgres://…`), already
/// migrated and holding no members, with the network `spec` describes.
/// `base_url` is the server's own origin (`http://localhost:PORT`), which
/// local ids start with.
pub fn generate(url: &str, base_url: &str, spec: Spec) -> Written {
    let now = chrono::Utc::now().timestamp();
    let script = script(spec, base_url, now);
    let mut db = Db::open(url);
    if db.dialect() == Dialect::Sqlite {
        db.execute("PRAGMA synchronous = OFF");
    }
    db.run(&script(db.dialect()));
    // Builds since full-text search keep each status's text for it.
    if db.has_table("status_search") {
        db.run(&["INSERT INTO status_search (status_id, body) \
            SELECT id, substr(content, 4, length(content) - 7) FROM statuses"
            .to_string()]);
    }
    // Builds that trim home feeds remember where each feed was cut, and
    // read older pages from the statuses: the feeds written here hold the
    // last FEED_DAYS days, as if trimmed there.
    if db.has_table("home_feed_trims") {
        db.run(&["INSERT INTO home_feed_trims (account_id, below_id) \
            SELECT account_id, min(status_id) FROM home_feed GROUP BY account_id"
            .to_string()]);
    }
    count(|sql| db.number(sql))
}

fn run<C: Connection>(conn: &mut C, statements: &[String]) {
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        for statement in statements {
            let started = std::time::Instant::now();
            conn.batch_execute(statement)
                .unwrap_or_else(|e| panic!("{e}\nin:\n{statement}"));
            // Where the time goes when a larger network is slow to build.
            if started.elapsed() > std::time::Duration::from_secs(10) {
                let start: String = statement.chars().take(60).collect();
                eprintln!("  ({:.0} s: {start}…)", started.elapsed().as_secs_f64());
            }
        }
        Ok(())
    })
    .expect("the generated network");
    conn.batch_execute("ANALYZE").expect("ANALYZE");
}

/// Counts what was written, with `query` answering one `SELECT count(*)`.
fn count(mut query: impl FnMut(&str) -> i64) -> Written {
    let mut of = |from: &str| query(&format!("SELECT count(*) FROM {from}"));
    Written {
        accounts: of("accounts"),
        follows: of("follows"),
        statuses: of("statuses"),
        replies: of("statuses WHERE in_reply_to_id IS NOT NULL"),
        exchanges: of("exchanges"),
        stories: of("post_kinds WHERE kind = 'story'"),
        favourites: of("favourites"),
        notifications: of("notifications"),
        home_feed: of("home_feed"),
        introductions: of("introductions"),
    }
}

/// `(i, text)` rows for a VALUES list.
fn values(items: &[&str]) -> String {
    items
        .iter()
        .enumerate()
        .map(|(i, w)| format!("({i}, '{w}')"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The statements, for one dialect. Each person, status and favourite is
/// a row number `x`; who wrote what, who follows whom and what a reply
/// answers are arithmetic on `x`, hashed by multiplying with large odd
/// numbers, with the low row numbers favoured so that a few people are
/// far more followed and active than most, as in any real network.
fn script(spec: Spec, base_url: &str, now: i64) -> impl Fn(Dialect) -> Vec<String> {
    let base_url = base_url.trim_end_matches('/').to_string();
    let domain = base_url
        .split("://")
        .nth(1)
        .unwrap_or(&base_url)
        .to_string();
    move |d: Dialect| {
        let members = spec.members;
        let remote = spec.remote();
        let people = spec.people();
        let statuses = spec.statuses;
        let groups = COMMUNITIES;
        let end_ms = (now - 3600) * 1000;
        let span_ms = SPAN_DAYS * 86_400_000;
        let start_ms = end_ms - span_ms;
        let feed_from_ms = end_ms - FEED_DAYS * 86_400_000;
        let created = d.timestamp(&(start_ms / 1000 - 86_400).to_string());
        // Status x: when it was written, its id (ms << 16, as the server's
        // ids are), its author, and the status it replies to, if any.
        let ms = |x: &str| format!("({start_ms} + ({x}) * {span_ms} / {statuses})");
        let id = |x: &str| format!("({} * 65536 + ({x}) % 65536)", ms(x));
        let hash = |x: &str| format!("((({x}) * 2654435761) % 1000003)");
        // Four in five statuses are by members, the busiest far more than
        // the rest; one in five by people elsewhere.
        let author = |x: &str| {
            let h = hash(x);
            format!(
                "(CASE WHEN {h} % 5 = 0 THEN {members} + 1 + ({h} / 5) % {remote} \
                 ELSE (({h} / 5) % {members}) * (({h} / 5) % {members}) / {members} + 1 END)"
            )
        };
        // Three in ten statuses reply to one of the 200 before them.
        let is_reply = |x: &str| format!("(({x}) % 10 < 3 AND ({x}) > 200)");
        // (Hashed through a prime first: a plain multiple would tie the
        // parent's row number to the reply's, and so what kind it is.)
        let parent = |x: &str| format!("(({x}) - 1 - {} % 200)", hash(&format!("({x}) * 11")));
        let ts = |ms_expr: &str| d.timestamp(&format!("({ms_expr}) / 1000"));
        let largest = (people * FOLLOWS_EACH).max(statuses).max(people + groups);
        let local_url = |name: &str| format!("'{base_url}/users/' || {name}");
        let remote_url =
            |name: &str| format!("'https://far' || (x % 10) || '.example/users/' || {name}");
        let words = values(&WORDS);
        let roles = values(&ROLES);
        let places = values(&PLACES);
        let dimensions = values(&DIMENSIONS);
        let word_count = WORDS.len();
        vec![
            // Row numbers and the words, in temporary tables.
            "CREATE TEMPORARY TABLE bulk_n (x BIGINT PRIMARY KEY)".into(),
            format!(
                "WITH RECURSIVE n(x) AS (SELECT CAST(1 AS BIGINT) UNION ALL \
                 SELECT x + 1 FROM n WHERE x < {largest}) INSERT INTO bulk_n SELECT x FROM n"
            ),
            "CREATE TEMPORARY TABLE bulk_words (i BIGINT PRIMARY KEY, w TEXT NOT NULL)".into(),
            format!("INSERT INTO bulk_words (i, w) VALUES {words}"),
            "CREATE TEMPORARY TABLE bulk_roles (i BIGINT PRIMARY KEY, w TEXT NOT NULL)".into(),
            format!("INSERT INTO bulk_roles (i, w) VALUES {roles}"),
            "CREATE TEMPORARY TABLE bulk_places (i BIGINT PRIMARY KEY, w TEXT NOT NULL)".into(),
            format!("INSERT INTO bulk_places (i, w) VALUES {places}"),
            "CREATE TEMPORARY TABLE bulk_dimensions (i BIGINT PRIMARY KEY, w TEXT NOT NULL)".into(),
            format!("INSERT INTO bulk_dimensions (i, w) VALUES {dimensions}"),
            // Members m1…mN, people elsewhere r…, then the communities.
            format!(
                "INSERT INTO accounts (id, username, domain, local, actor_type, display_name, note, \
                 ap_id, url, inbox_url, shared_inbox_url, outbox_url, followers_url, following_url, \
                 public_key_id, public_key_pem, created_at, updated_at) \
                 SELECT x, 'm' || x, '{domain}', TRUE, 'Person', 'Member ' || x, '', \
                 {ap}, {ap}, {ap} || '/inbox', '{base_url}/inbox', {ap} || '/outbox', \
                 {ap} || '/followers', {ap} || '/following', {ap} || '#main-key', 'bench', \
                 {created}, {created} FROM bulk_n WHERE x <= {members}",
                ap = local_url("'m' || x"),
            ),
            format!(
                "INSERT INTO accounts (id, username, domain, local, actor_type, display_name, note, \
                 ap_id, url, inbox_url, shared_inbox_url, outbox_url, followers_url, following_url, \
                 public_key_id, public_key_pem, created_at, updated_at) \
                 SELECT x, 'r' || x, 'far' || (x % 10) || '.example', FALSE, 'Person', \
                 'Neighbour ' || x, '', {ap}, {ap}, {ap} || '/inbox', \
                 'https://far' || (x % 10) || '.example/inbox', {ap} || '/outbox', \
                 {ap} || '/followers', {ap} || '/following', {ap} || '#main-key', 'bench', \
                 {created}, {created} FROM bulk_n WHERE x > {members} AND x <= {people}",
                ap = remote_url("'r' || x"),
            ),
            format!(
                "INSERT INTO accounts (id, username, domain, local, actor_type, display_name, note, \
                 ap_id, url, inbox_url, shared_inbox_url, outbox_url, followers_url, following_url, \
                 public_key_id, public_key_pem, created_at, updated_at) \
                 SELECT x, 'community' || (x - {people}), '{domain}', TRUE, 'Group', \
                 r.w || 's of ' || p.w, '', {ap}, {ap}, {ap} || '/inbox', '{base_url}/inbox', \
                 {ap} || '/outbox', {ap} || '/followers', {ap} || '/following', {ap} || '#main-key', \
                 'bench', {created}, {created} \
                 FROM bulk_n JOIN bulk_roles r ON r.i = (x - {people}) % {roles_n} \
                 JOIN bulk_places p ON p.i = (x - {people}) % {places_n} \
                 WHERE x > {people} AND x <= {people} + {groups}",
                ap = local_url(&format!("'community' || (x - {people})")),
                roles_n = ROLES.len(),
                places_n = PLACES.len(),
            ),
            format!(
                "INSERT INTO communities (account_id, role, place, join_policy, link_policy, created_at) \
                 SELECT x, r.w, p.w, 'open', 'open', {created} \
                 FROM bulk_n JOIN bulk_roles r ON r.i = (x - {people}) % {roles_n} \
                 JOIN bulk_places p ON p.i = (x - {people}) % {places_n} \
                 WHERE x > {people} AND x <= {people} + {groups}",
                roles_n = ROLES.len(),
                places_n = PLACES.len(),
            ),
            format!(
                "INSERT INTO users (id, account_id, email, password_hash, admin, approved, created_at) \
                 SELECT x, x, 'm' || x || '@bench.invalid', '!', x = 1, TRUE, {created} \
                 FROM bulk_n WHERE x <= {members}"
            ),
            // Each member's practice: a place, a role, two offers, a need
            // and an interest.
            format!(
                "INSERT INTO practice_profiles (account_id, organization, place, updated_at) \
                 SELECT x, '', p.w, {created} FROM bulk_n JOIN bulk_places p ON p.i = x % {places_n} \
                 WHERE x <= {members}",
                places_n = PLACES.len(),
            ),
            format!(
                "INSERT INTO practice_terms (account_id, kind, position, text, term) \
                 SELECT x, 'role', 0, r.w, r.w FROM bulk_n JOIN bulk_roles r ON r.i = x % {roles_n} \
                 WHERE x <= {members}",
                roles_n = ROLES.len(),
            ),
            format!(
                "INSERT INTO practice_terms (account_id, kind, position, text, term) \
                 SELECT x, k.kind, k.position, w.w, w.w FROM bulk_n \
                 JOIN (SELECT 'offer' AS kind, 0 AS position, 7 AS step UNION ALL \
                       SELECT 'offer', 1, 13 UNION ALL SELECT 'need', 0, 29 UNION ALL \
                       SELECT 'interest', 0, 3) k ON TRUE \
                 JOIN bulk_words w ON w.i = (x * k.step + k.position) % {word_count} \
                 WHERE x <= {members}"
            ),
            // Everyone joins the community of their place and role.
            format!(
                "INSERT INTO follows (id, account_id, target_account_id, ap_id, accepted, created_at) \
                 SELECT x, x, {people} + 1 + x % {groups}, {ap} || '/join', TRUE, {created} \
                 FROM bulk_n WHERE x <= {members}",
                ap = local_url("'m' || x"),
            ),
            // Each person follows twelve: most within their own community
            // (same x mod 20), the rest anyone, the early members far more
            // often than the late. People elsewhere are only known here by
            // the follows that involve a member.
            format!(
                "INSERT INTO follows (id, account_id, target_account_id, ap_id, accepted, created_at) \
                 SELECT {people} + {groups} + x, f, t, 'https://follows.invalid/' || x, TRUE, {created} \
                 FROM (SELECT x, (x - 1) / {FOLLOWS_EACH} + 1 AS f, \
                   CASE WHEN (x - 1) % {FOLLOWS_EACH} < 8 \
                     THEN ((({h}) % ({members} / {groups} + 1)) * {groups} \
                       + ((x - 1) / {FOLLOWS_EACH} + 1) % {groups} + {members} - 1) % {members} + 1 \
                     ELSE (({h}) % {people}) * (({h}) % {people}) / {people} + 1 END AS t \
                   FROM bulk_n WHERE x <= {people} * {FOLLOWS_EACH}) pairs \
                 WHERE f <> t AND (f <= {members} OR t <= {members}) \
                 ON CONFLICT DO NOTHING",
                h = hash("x * 7"),
            ),
            // The statuses.
            format!(
                "INSERT INTO statuses (id, ap_id, url, account_id, local, content, spoiler_text, \
                 sensitive, visibility, in_reply_to_id, in_reply_to_account_id, published_at, created_at) \
                 SELECT {id}, 'https://statuses.invalid/' || x, NULL, {author}, {author} <= {members}, \
                 '<p>Notes on ' || w.w || ' from week ' || (x % 52) || ', number ' || x || '</p>', '', FALSE, \
                 CASE WHEN x % 20 = 0 THEN 'unlisted' WHEN x % 20 = 1 THEN 'private' ELSE 'public' END, \
                 CASE WHEN {is_reply} THEN {parent_id} END, \
                 CASE WHEN {is_reply} THEN {parent_author} END, \
                 {published}, {published} \
                 FROM bulk_n JOIN bulk_words w ON w.i = x % {word_count} WHERE x <= {statuses}",
                id = id("x"),
                author = author("x"),
                is_reply = is_reply("x"),
                parent_id = id(&parent("x")),
                parent_author = author(&parent("x")),
                published = ts(&ms("x")),
            ),
            // A reply mentions whom it answers, who is notified if local.
            "INSERT INTO mentions (status_id, account_id) \
             SELECT id, in_reply_to_account_id FROM statuses \
             WHERE in_reply_to_account_id IS NOT NULL AND in_reply_to_account_id <> account_id \
             ON CONFLICT DO NOTHING"
                .into(),
            format!(
                "INSERT INTO notifications (id, account_id, from_account_id, kind, status_id, created_at) \
                 SELECT id, in_reply_to_account_id, account_id, 'mention', id, published_at FROM statuses \
                 WHERE in_reply_to_account_id <= {members} AND in_reply_to_account_id <> account_id"
            ),
            // A tag on one status in ten.
            format!(
                "INSERT INTO status_tags (status_id, tag) \
                 SELECT {id}, replace(w.w, ' ', '') FROM bulk_n JOIN bulk_words w ON w.i = (x / 10) % {word_count} \
                 WHERE x <= {statuses} AND x % 10 = 5",
                id = id("x"),
            ),
            // One status in twenty that is not a reply asks a question;
            // one in fifty tells a story.
            format!(
                "INSERT INTO post_kinds (status_id, kind) \
                 SELECT {id}, CASE WHEN x % 20 = 3 THEN 'question' ELSE 'story' END FROM bulk_n \
                 WHERE x <= {statuses} AND (x % 20 = 3 OR x % 50 = 9)",
                id = id("x"),
            ),
            format!(
                "INSERT INTO story_dimensions (status_id, dimension) \
                 SELECT {id}, d.w FROM bulk_n JOIN bulk_dimensions d ON d.i = (x / 50) % 4 \
                 WHERE x <= {statuses} AND x % 50 = 9 AND x % 20 <> 3",
                id = id("x"),
            ),
            format!(
                "INSERT INTO exchanges (status_id, account_id, opened_at, answered_at) \
                 SELECT s.id, s.account_id, s.published_at, NULL FROM post_kinds k \
                 JOIN statuses s ON s.id = k.status_id WHERE k.kind = 'question' AND s.visibility <> 'private' \
                 AND s.account_id <= {members}"
            ),
            "INSERT INTO exchange_replies (status_id, exchange_id, account_id, replied_at, helped) \
             SELECT s.id, e.status_id, s.account_id, s.published_at, FALSE FROM statuses s \
             JOIN exchanges e ON e.status_id = s.in_reply_to_id WHERE s.account_id <> e.account_id"
                .into(),
            // Half the answered questions were marked answered, an hour after
            // their first reply.
            format!(
                "UPDATE exchanges SET answered_at = {answered} WHERE (status_id / 65536) % 2 = 0 \
                 AND status_id IN (SELECT exchange_id FROM exchange_replies)",
                answered = d.timestamp("(status_id / 65536) / 1000 + 7200"),
            ),
            // Half as many favourites as statuses, by members, on statuses
            // spread over the whole span, an hour after each was written.
            format!(
                "INSERT INTO favourites (id, account_id, status_id, ap_id, created_at) \
                 SELECT (s.id / 65536 + 3600000) * 65536 + f.x % 65536, f.fan, s.id, \
                 'https://favourites.invalid/' || f.x, {liked} \
                 FROM (SELECT x, {status_id} AS status_id, \
                   (({h}) % {members}) * (({h}) % {members}) / {members} + 1 AS fan \
                   FROM bulk_n WHERE x <= {statuses} / 2) f \
                 JOIN statuses s ON s.id = f.status_id \
                 WHERE s.account_id <> f.fan AND s.visibility <> 'private' \
                 ON CONFLICT DO NOTHING",
                status_id = id(&format!("((x * 7919) % {statuses} + 1)")),
                h = hash("x * 3 + 1"),
                liked = d.timestamp("(s.id / 65536 + 3600000) / 1000"),
            ),
            format!(
                "INSERT INTO notifications (id, account_id, from_account_id, kind, status_id, created_at) \
                 SELECT f.id, s.account_id, f.account_id, 'favourite', s.id, f.created_at \
                 FROM favourites f JOIN statuses s ON s.id = f.status_id \
                 WHERE s.account_id <= {members} ON CONFLICT DO NOTHING"
            ),
            // Home feeds: each member's own statuses and those of whom they
            // follow, for the last FEED_DAYS days.
            format!(
                "INSERT INTO home_feed (account_id, status_id) \
                 SELECT f.account_id, s.id FROM follows f JOIN statuses s ON s.account_id = f.target_account_id \
                 WHERE f.account_id <= {members} AND f.accepted AND s.id >= {feed_from} * 65536 \
                 UNION SELECT account_id, id FROM statuses \
                 WHERE account_id <= {members} AND id >= {feed_from} * 65536",
                feed_from = feed_from_ms,
            ),
            // Introductions, made by the admin.
            format!(
                "INSERT INTO introductions (id, introducer_id, first_id, second_id, note, status_id, created_at) \
                 SELECT x, 1, (x * 37) % {members} + 1, (x * 101 + 7) % {members} + 1, \
                 'You two should meet.', NULL, {introduced} FROM bulk_n \
                 WHERE x <= {members} / 20 AND (x * 37) % {members} <> (x * 101 + 7) % {members} \
                 ON CONFLICT DO NOTHING",
                introduced = d.timestamp(&format!("{} / 1000 - x * 3600", end_ms)),
            ),
        ]
    }
}

/// A pair's replies and favourites: (from, to, replies, favourites).
pub type TieCount = (i64, i64, i64, i64);

/// The pair counts the database keeps in `interaction_ties`, and the same
/// counted afresh from the statuses and favourites, both sorted, for
/// tests that check the two agree.
pub fn tie_counts(url: &str) -> (Vec<TieCount>, Vec<TieCount>) {
    const KEPT: &str = "SELECT account_id AS a, target_account_id AS b, replies AS r, favourites AS f \
        FROM interaction_ties WHERE replies <> 0 OR favourites <> 0 ORDER BY a, b";
    const RECOUNTED: &str = "SELECT a, b, CAST(sum(r) AS BIGINT) AS r, CAST(sum(f) AS BIGINT) AS f FROM ( \
        SELECT account_id AS a, in_reply_to_account_id AS b, count(*) AS r, 0 AS f FROM statuses \
        WHERE in_reply_to_account_id IS NOT NULL AND reblog_of_id IS NULL \
            AND visibility IN ('public', 'unlisted') GROUP BY account_id, in_reply_to_account_id \
        UNION ALL \
        SELECT fv.account_id, s.account_id, 0, count(*) FROM favourites fv \
        JOIN statuses s ON s.id = fv.status_id \
        WHERE s.visibility IN ('public', 'unlisted') AND fv.account_id <> s.account_id \
        GROUP BY fv.account_id, s.account_id) counted GROUP BY a, b ORDER BY a, b";
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        a: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        b: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        r: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        f: i64,
    }
    let mut db = Db::open(url);
    let rows = |rows: Vec<Row>| -> Vec<TieCount> {
        rows.into_iter().map(|t| (t.a, t.b, t.r, t.f)).collect()
    };
    (rows(db.load(KEPT)), rows(db.load(RECOUNTED)))
}

/// Accounts whose kept counts (`account_stats`) differ from a fresh count
/// of their statuses and follows, described, and how many statuses the
/// kept counts add up to: tests check the first is empty and the second
/// is not nought.
pub fn stats_drift(url: &str) -> (Vec<String>, i64) {
    const DRIFT: &str = "SELECT a.id AS id, \
        CAST(coalesce(k.statuses_count, -1) AS BIGINT) AS kept_statuses, \
        CAST((SELECT count(*) FROM statuses s WHERE s.account_id = a.id) AS BIGINT) AS statuses, \
        CAST(coalesce(k.followers_count, -1) AS BIGINT) AS kept_followers, \
        CAST((SELECT count(*) FROM follows f WHERE f.target_account_id = a.id AND f.accepted) AS BIGINT) AS followers, \
        CAST(coalesce(k.following_count, -1) AS BIGINT) AS kept_following, \
        CAST((SELECT count(*) FROM follows f WHERE f.account_id = a.id AND f.accepted) AS BIGINT) AS following, \
        CAST(k.last_status_at AS TEXT) AS kept_last, \
        CAST((SELECT max(s.created_at) FROM statuses s WHERE s.account_id = a.id) AS TEXT) AS last \
        FROM accounts a LEFT JOIN account_stats k ON k.account_id = a.id ORDER BY a.id";
    #[derive(diesel::QueryableByName, Debug)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        kept_statuses: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        statuses: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        kept_followers: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        followers: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        kept_following: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        following: i64,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        kept_last: Option<String>,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        last: Option<String>,
    }
    let rows: Vec<Row> = Db::open(url).load(DRIFT);
    let total = rows.iter().map(|r| r.kept_statuses.max(0)).sum();
    let drifted = rows
        .into_iter()
        .filter(|r| {
            (
                r.kept_statuses,
                r.kept_followers,
                r.kept_following,
                &r.kept_last,
            ) != (r.statuses, r.followers, r.following, &r.last)
        })
        .map(|r| format!("account {}: {r:?}", r.id))
        .collect();
    (drifted, total)
}

/// Runs `sql` (one or more statements) on the database at `url`, with
/// foreign keys enforced as the server has them.
pub fn execute(url: &str, sql: &str) {
    Db::open(url).execute(sql);
}

/// The number one `SELECT` on the database at `url` answers.
pub fn number(url: &str, sql: &str) -> i64 {
    Db::open(url).number(sql)
}

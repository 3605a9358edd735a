//! Diesel table definitions, written by hand to match `migrations/`. The same
//! schema serves SQLite and PostgreSQL, so only portable column types appear.

diesel::table! {
    accounts (id) {
        id -> BigInt,
        username -> Text,
        domain -> Text,
        local -> Bool,
        actor_type -> Text,
        display_name -> Text,
        note -> Text,
        ap_id -> Text,
        url -> Nullable<Text>,
        inbox_url -> Text,
        shared_inbox_url -> Nullable<Text>,
        outbox_url -> Nullable<Text>,
        followers_url -> Nullable<Text>,
        following_url -> Nullable<Text>,
        public_key_id -> Text,
        public_key_pem -> Text,
        private_key_pem -> Nullable<Text>,
        locked -> Bool,
        bot -> Bool,
        discoverable -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_fetched_at -> Nullable<Timestamp>,
        deleted_at -> Nullable<Timestamp>,
        fields -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        account_id -> BigInt,
        email -> Text,
        password_hash -> Text,
        admin -> Bool,
        approved -> Bool,
        created_at -> Timestamp,
        weaver -> Bool,
        introductions_digest -> Bool,
    }
}

diesel::table! {
    oauth_apps (id) {
        id -> BigInt,
        name -> Text,
        website -> Nullable<Text>,
        client_id -> Text,
        client_secret_hash -> Text,
        redirect_uris -> Text,
        scopes -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    oauth_tokens (id) {
        id -> BigInt,
        token_hash -> Text,
        app_id -> Nullable<BigInt>,
        user_id -> Nullable<BigInt>,
        scopes -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        refresh_token_hash -> Nullable<Text>,
    }
}

diesel::table! {
    oauth_authorizations (code_hash) {
        code_hash -> Text,
        app_id -> BigInt,
        user_id -> BigInt,
        redirect_uri -> Text,
        scopes -> Text,
        code_challenge -> Nullable<Text>,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    statuses (id) {
        id -> BigInt,
        ap_id -> Text,
        url -> Nullable<Text>,
        account_id -> BigInt,
        local -> Bool,
        content -> Text,
        source_text -> Nullable<Text>,
        spoiler_text -> Text,
        sensitive -> Bool,
        language -> Nullable<Text>,
        visibility -> Text,
        in_reply_to_id -> Nullable<BigInt>,
        in_reply_to_ap_id -> Nullable<Text>,
        in_reply_to_account_id -> Nullable<BigInt>,
        reblog_of_id -> Nullable<BigInt>,
        published_at -> Timestamp,
        created_at -> Timestamp,
        edited_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mentions (status_id, account_id) {
        status_id -> BigInt,
        account_id -> BigInt,
    }
}

diesel::table! {
    status_tags (status_id, tag) {
        status_id -> BigInt,
        tag -> Text,
    }
}

diesel::table! {
    follows (id) {
        id -> BigInt,
        account_id -> BigInt,
        target_account_id -> BigInt,
        ap_id -> Text,
        accepted -> Bool,
        created_at -> Timestamp,
        notify -> Bool,
        show_reblogs -> Bool,
    }
}

diesel::table! {
    account_notes (account_id, target_account_id) {
        account_id -> BigInt,
        target_account_id -> BigInt,
        comment -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    status_edits (id) {
        id -> BigInt,
        status_id -> BigInt,
        content -> Text,
        spoiler_text -> Text,
        sensitive -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    favourites (id) {
        id -> BigInt,
        account_id -> BigInt,
        status_id -> BigInt,
        ap_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    home_feed (account_id, status_id) {
        account_id -> BigInt,
        status_id -> BigInt,
    }
}

diesel::table! {
    blocks (id) {
        id -> BigInt,
        account_id -> BigInt,
        target_account_id -> BigInt,
        ap_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    mutes (id) {
        id -> BigInt,
        account_id -> BigInt,
        target_account_id -> BigInt,
        notifications -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    bookmarks (id) {
        id -> BigInt,
        account_id -> BigInt,
        status_id -> BigInt,
    }
}

diesel::table! {
    pins (id) {
        id -> BigInt,
        account_id -> BigInt,
        status_id -> BigInt,
    }
}

diesel::table! {
    idempotency_keys (account_id, key) {
        account_id -> BigInt,
        key -> Text,
        status_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    markers (account_id, timeline) {
        account_id -> BigInt,
        timeline -> Text,
        last_read_id -> BigInt,
        version -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        account_id -> BigInt,
        from_account_id -> BigInt,
        kind -> Text,
        status_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    received_activities (ap_id) {
        ap_id -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    outgoing_activities (id) {
        id -> BigInt,
        ap_id -> Text,
        actor_account_id -> BigInt,
        payload -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    deliveries (id) {
        id -> BigInt,
        activity_id -> BigInt,
        inbox_url -> Text,
        host -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    stream_events (id) {
        id -> BigInt,
        kind -> Text,
        status_id -> Nullable<BigInt>,
        notification_id -> Nullable<BigInt>,
        account_id -> Nullable<BigInt>,
        audience -> Nullable<Text>,
        public -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    network (id) {
        id -> Integer,
        profile -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    practice_profiles (account_id) {
        account_id -> BigInt,
        organization -> Text,
        place -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    practice_terms (account_id, kind, position) {
        account_id -> BigInt,
        kind -> Text,
        position -> Integer,
        text -> Text,
        term -> Text,
        term_key -> Text,
    }
}

diesel::table! {
    communities (account_id) {
        account_id -> BigInt,
        role -> Text,
        place -> Text,
        join_policy -> Text,
        link_policy -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    community_moderators (community_id, account_id) {
        community_id -> BigInt,
        account_id -> BigInt,
    }
}

diesel::table! {
    community_links (id) {
        id -> BigInt,
        community_id -> BigInt,
        target_account_id -> BigInt,
        direction -> Text,
        flow -> Text,
        state -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    community_picks (community_id, status_id) {
        community_id -> BigInt,
        status_id -> BigInt,
    }
}

diesel::table! {
    network_links (account_id) {
        account_id -> BigInt,
        relation -> Text,
        created_at -> Timestamp,
        state -> Text,
    }
}

diesel::table! {
    network_reports (account_id) {
        account_id -> BigInt,
        document -> Text,
        computed_at -> Timestamp,
        received_at -> Timestamp,
        pushed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    introduction_digest (id) {
        id -> Integer,
        weekly -> Bool,
        changed_by -> Nullable<BigInt>,
        last_sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    linked_members (community_id, account_id) {
        community_id -> BigInt,
        account_id -> BigInt,
        seen_at -> Timestamp,
    }
}

diesel::table! {
    health_snapshots (id) {
        id -> BigInt,
        taken_at -> Timestamp,
        figures -> Text,
    }
}

diesel::joinable!(users -> accounts (account_id));
diesel::joinable!(statuses -> accounts (account_id));
diesel::joinable!(home_feed -> statuses (status_id));
diesel::joinable!(mentions -> statuses (status_id));
diesel::joinable!(status_tags -> statuses (status_id));
diesel::joinable!(favourites -> statuses (status_id));
diesel::joinable!(deliveries -> outgoing_activities (activity_id));
diesel::joinable!(oauth_tokens -> users (user_id));

diesel::table! {
    network_profiles (account_id) {
        account_id -> BigInt,
        profile -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    post_kinds (status_id) {
        status_id -> BigInt,
        kind -> Text,
    }
}

diesel::table! {
    exchanges (status_id) {
        status_id -> BigInt,
        account_id -> BigInt,
        opened_at -> Timestamp,
        answered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    exchange_replies (status_id) {
        status_id -> BigInt,
        exchange_id -> BigInt,
        account_id -> BigInt,
        replied_at -> Timestamp,
        helped -> Bool,
    }
}

diesel::joinable!(exchange_replies -> exchanges (exchange_id));
diesel::joinable!(story_dimensions -> statuses (status_id));

diesel::table! {
    story_dimensions (status_id, dimension) {
        status_id -> BigInt,
        dimension -> Text,
    }
}

diesel::table! {
    introductions (id) {
        id -> BigInt,
        introducer_id -> BigInt,
        first_id -> BigInt,
        second_id -> BigInt,
        note -> Text,
        status_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        collaborated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    suggestion_dismissals (account_id, target_account_id) {
        account_id -> BigInt,
        target_account_id -> BigInt,
    }
}

diesel::table! {
    web_sessions (token_hash) {
        token_hash -> Text,
        user_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    sign_up_requests (account_id) {
        account_id -> BigInt,
        reason -> Text,
        created_at -> Timestamp,
        turned_down_at -> Nullable<Timestamp>,
        message -> Nullable<Text>,
    }
}

diesel::table! {
    domain_blocks (id) {
        id -> BigInt,
        domain -> Text,
        severity -> Text,
        reject_media -> Bool,
        private_comment -> Text,
        public_comment -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    domain_allows (id) {
        id -> BigInt,
        domain -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    account_moderation (account_id) {
        account_id -> BigInt,
        suspended_at -> Nullable<Timestamp>,
        silenced_at -> Nullable<Timestamp>,
        login_disabled -> Bool,
        sensitive_forced -> Bool,
    }
}

diesel::table! {
    moderation_actions (id) {
        id -> BigInt,
        target_account_id -> Nullable<BigInt>,
        domain -> Nullable<Text>,
        action -> Text,
        by_account_id -> Nullable<BigInt>,
        reason -> Text,
        report_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reports (id) {
        id -> BigInt,
        account_id -> BigInt,
        target_account_id -> BigInt,
        status_ids -> Text,
        rule_ids -> Text,
        comment -> Text,
        category -> Text,
        forwarded -> Bool,
        ap_id -> Nullable<Text>,
        assigned_account_id -> Nullable<BigInt>,
        action_taken_at -> Nullable<Timestamp>,
        action_taken_by_account_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    account_domain_blocks (id) {
        id -> BigInt,
        account_id -> BigInt,
        domain -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    community_bans (community_id, account_id) {
        community_id -> BigInt,
        account_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::joinable!(account_moderation -> accounts (account_id));
diesel::joinable!(web_sessions -> users (user_id));
diesel::joinable!(sign_up_requests -> accounts (account_id));

diesel::table! {
    interaction_ties (account_id, target_account_id) {
        account_id -> BigInt,
        target_account_id -> BigInt,
        replies -> BigInt,
        favourites -> BigInt,
    }
}

diesel::table! {
    account_stats (account_id) {
        account_id -> BigInt,
        statuses_count -> BigInt,
        last_status_at -> Nullable<Timestamp>,
        followers_count -> BigInt,
        following_count -> BigInt,
    }
}

diesel::joinable!(account_stats -> accounts (account_id));

diesel::table! {
    /// The text each status is found by (PostgreSQL adds a generated
    /// `document` column, SQLite an FTS5 index, both outside this schema).
    status_search (status_id) {
        status_id -> BigInt,
        body -> Text,
    }
}

diesel::table! {
    home_feed_trims (account_id) {
        account_id -> BigInt,
        below_id -> BigInt,
    }
}

diesel::table! {
    featured_tags (id) {
        id -> BigInt,
        account_id -> BigInt,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    followed_tags (id) {
        id -> BigInt,
        account_id -> BigInt,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    media_attachments (id) {
        id -> BigInt,
        account_id -> BigInt,
        role -> Text,
        status_id -> Nullable<BigInt>,
        position -> Integer,
        kind -> Text,
        content_type -> Text,
        file_key -> Nullable<Text>,
        preview_key -> Nullable<Text>,
        remote_url -> Nullable<Text>,
        file_size -> BigInt,
        width -> Nullable<Integer>,
        height -> Nullable<Integer>,
        preview_width -> Nullable<Integer>,
        preview_height -> Nullable<Integer>,
        blurhash -> Nullable<Text>,
        description -> Text,
        focus_x -> Double,
        focus_y -> Double,
        created_at -> Timestamp,
        cache_attempted_at -> Nullable<Timestamp>,
        cached_bytes -> BigInt,
    }
}

diesel::table! {
    status_quotes (status_id) {
        status_id -> BigInt,
        quoted_status_id -> Nullable<BigInt>,
        quoted_uri -> Text,
    }
}

diesel::table! {
    polls (status_id) {
        status_id -> BigInt,
        multiple -> Bool,
        hide_totals -> Bool,
        expires_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        voters_count -> Nullable<Integer>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    poll_options (status_id, position) {
        status_id -> BigInt,
        position -> Integer,
        title -> Text,
        votes_count -> Integer,
    }
}

diesel::table! {
    poll_votes (status_id, account_id, choice) {
        status_id -> BigInt,
        account_id -> BigInt,
        choice -> Integer,
        ap_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(polls -> statuses (status_id));

diesel::table! {
    signature_standards (host) {
        host -> Text,
        standard -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    actor_keys (account_id) {
        account_id -> BigInt,
        ed25519_private_key -> Text,
        ed25519_public_key -> Text,
        created_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    actor_keys,
    signature_standards,
    polls,
    poll_options,
    poll_votes,
    status_quotes,
    media_attachments,
    featured_tags,
    followed_tags,
    home_feed_trims,
    account_stats,
    status_search,
    interaction_ties,
    accounts,
    users,
    oauth_apps,
    oauth_tokens,
    oauth_authorizations,
    statuses,
    mentions,
    status_tags,
    follows,
    favourites,
    home_feed,
    blocks,
    mutes,
    bookmarks,
    pins,
    idempotency_keys,
    markers,
    notifications,
    received_activities,
    outgoing_activities,
    deliveries,
    stream_events,
    account_notes,
    status_edits,
    network,
    practice_profiles,
    practice_terms,
    communities,
    community_moderators,
    community_links,
    community_picks,
    network_links,
    network_reports,
    health_snapshots,
    linked_members,
    network_profiles,
    post_kinds,
    exchanges,
    exchange_replies,
    story_dimensions,
    introductions,
    suggestion_dismissals,
    introduction_digest,
    web_sessions,
    sign_up_requests,
    domain_blocks,
    domain_allows,
    account_moderation,
    moderation_actions,
    reports,
    account_domain_blocks,
    community_bans,
);

//! The tables, written by hand with portable types only (see STACK.md): UUIDs are `Text`,
//! instants are naive UTC `Timestamp`s.

diesel::table! {
    accounts (id) {
        id -> Text,
        email -> Text,
        email_confirmed_at -> Nullable<Timestamp>,
        password_hash -> Text,
        display_name -> Text,
        role -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        locale -> Nullable<Text>,
        time_zone -> Nullable<Text>,
        erased_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    email_tokens (token_hash) {
        token_hash -> Text,
        account_id -> Text,
        purpose -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    outbox_emails (id) {
        id -> Text,
        recipient -> Text,
        subject -> Text,
        body -> Text,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        attempts -> Integer,
        next_attempt_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
    }
}

diesel::joinable!(email_tokens -> accounts (account_id));

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        family_id -> Text,
        account_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(refresh_tokens -> accounts (account_id));
diesel::table! {
    login_failures (id) {
        id -> Text,
        subject -> Text,
        failed_at -> Timestamp,
    }
}

diesel::table! {
    organizations (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    organization_members (organization_id, account_id) {
        organization_id -> Text,
        account_id -> Text,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_clients (id) {
        id -> Text,
        organization_id -> Text,
        name -> Text,
        secret_hash -> Text,
        scopes -> Text,
        created_at -> Timestamp,
        secret_rotated_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(organization_members -> organizations (organization_id));
diesel::joinable!(organization_members -> accounts (account_id));
diesel::joinable!(api_clients -> organizations (organization_id));

diesel::table! {
    support_groups (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        name_key -> Text,
        search_text -> Text,
        description -> Text,
        approach -> Nullable<Text>,
        visibility -> Text,
        join_policy -> Text,
        capacity -> Nullable<Integer>,
        member_count -> Integer,
        organization_id -> Nullable<Text>,
        contact_kind -> Nullable<Text>,
        contact_value -> Nullable<Text>,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
        locality -> Nullable<Text>,
        region -> Nullable<Text>,
        country -> Nullable<Text>,
        time_zone -> Nullable<Text>,
        was_public -> Bool,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        archived_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    group_tags (group_id, kind, value) {
        group_id -> Text,
        kind -> Text,
        value -> Text,
        position -> Integer,
    }
}

diesel::table! {
    group_slugs (slug) {
        slug -> Text,
        group_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    group_memberships (id) {
        id -> Text,
        group_id -> Text,
        account_id -> Text,
        role -> Text,
        status -> Text,
        message -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        joined_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    group_invitations (id) {
        id -> Text,
        group_id -> Text,
        token_hash -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        used_by -> Nullable<Text>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(group_tags -> support_groups (group_id));
diesel::joinable!(group_slugs -> support_groups (group_id));
diesel::joinable!(group_memberships -> support_groups (group_id));
diesel::joinable!(group_memberships -> accounts (account_id));
diesel::joinable!(group_invitations -> support_groups (group_id));

diesel::table! {
    meetings (id) {
        id -> Text,
        group_id -> Text,
        title -> Text,
        attendance_mode -> Text,
        venue_name -> Nullable<Text>,
        street -> Nullable<Text>,
        locality -> Nullable<Text>,
        region -> Nullable<Text>,
        postal_code -> Nullable<Text>,
        country -> Nullable<Text>,
        formatted_address -> Nullable<Text>,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
        venue_notes -> Nullable<Text>,
        conference_url -> Nullable<Text>,
        conference_phone -> Nullable<Text>,
        online_notes -> Nullable<Text>,
        time_zone -> Text,
        duration_minutes -> Integer,
        types -> Text,
        languages -> Text,
        capacity -> Nullable<Integer>,
        recurrence -> Text,
        start_time -> Time,
        starts_on -> Date,
        ends_on -> Nullable<Date>,
        public_links -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        materialized_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    meeting_occurrences (meeting_id, scheduled_on) {
        meeting_id -> Text,
        scheduled_on -> Date,
        group_id -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        cancelled -> Bool,
        attendance_mode -> Text,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
        types -> Text,
        languages -> Text,
        listed -> Bool,
        local_weekday -> Integer,
        local_minutes -> Integer,
        cell -> Nullable<Integer>,
    }
}

diesel::table! {
    meeting_exceptions (meeting_id, scheduled_on) {
        meeting_id -> Text,
        scheduled_on -> Date,
        cancelled -> Bool,
        moved_to -> Nullable<Timestamp>,
        note -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    meeting_rsvps (id) {
        id -> Text,
        meeting_id -> Text,
        scheduled_on -> Date,
        account_id -> Text,
        status -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        checked_in_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    idempotency_keys (principal, idempotency_key) {
        principal -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        status -> Integer,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(meetings -> support_groups (group_id));
diesel::joinable!(meeting_rsvps -> meetings (meeting_id));
diesel::joinable!(meeting_rsvps -> accounts (account_id));
diesel::joinable!(meeting_exceptions -> meetings (meeting_id));
diesel::joinable!(meeting_occurrences -> meetings (meeting_id));

diesel::table! {
    crisis_resources (slug) {
        slug -> Text,
        name -> Text,
        description -> Text,
        region -> Text,
        languages -> Text,
        phone -> Nullable<Text>,
        text_number -> Nullable<Text>,
        text_keyword -> Nullable<Text>,
        chat_url -> Nullable<Text>,
        website -> Nullable<Text>,
        hours -> Text,
        position -> Integer,
        withdrawn -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    group_posts (id) {
        id -> Text,
        group_id -> Text,
        parent_id -> Nullable<Text>,
        author_id -> Nullable<Text>,
        body -> Nullable<Text>,
        reply_count -> Integer,
        created_at -> Timestamp,
        edited_at -> Nullable<Timestamp>,
        deleted_at -> Nullable<Timestamp>,
        hidden_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    post_reports (id) {
        id -> Text,
        post_id -> Text,
        group_id -> Text,
        reporter_id -> Nullable<Text>,
        reason -> Text,
        details -> Nullable<Text>,
        status -> Text,
        created_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    moderation_actions (id) {
        id -> Text,
        group_id -> Text,
        moderator_id -> Nullable<Text>,
        action -> Text,
        post_id -> Nullable<Text>,
        member_id -> Nullable<Text>,
        reason -> Nullable<Text>,
        muted_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    editors (account_id) {
        account_id -> Text,
        granted_by -> Nullable<Text>,
        granted_at -> Timestamp,
    }
}

diesel::table! {
    articles (id) {
        id -> Text,
        slug -> Text,
        title -> Text,
        summary -> Text,
        body -> Text,
        cover_image_url -> Nullable<Text>,
        topics -> Text,
        tags -> Text,
        language -> Text,
        author_name -> Text,
        search_text -> Text,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        organization_id -> Nullable<Text>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    resources (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        description -> Text,
        kind -> Text,
        url -> Nullable<Text>,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        region -> Text,
        languages -> Text,
        topics -> Text,
        tags -> Text,
        search_text -> Text,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        organization_id -> Nullable<Text>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    referrals (id) {
        id -> Text,
        organization_id -> Text,
        group_id -> Text,
        status -> Text,
        sealed -> Nullable<Binary>,
        consent_given_at -> Timestamp,
        consent_expires_at -> Timestamp,
        consent_revoked_at -> Nullable<Timestamp>,
        respond_by -> Timestamp,
        invitation_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    referral_events (id) {
        id -> Text,
        referral_id -> Text,
        from_status -> Nullable<Text>,
        status -> Text,
        actor -> Text,
        sealed_reason -> Nullable<Binary>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Text,
        organization_id -> Text,
        url -> Text,
        events -> Text,
        sealed_secret -> Binary,
        created_at -> Timestamp,
        removed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        webhook_id -> Text,
        event_id -> Text,
        event_type -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Nullable<Timestamp>,
        claim -> Nullable<Text>,
        give_up_at -> Timestamp,
        last_status_code -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));

diesel::table! {
    audit_records (id) {
        id -> Text,
        organization_id -> Text,
        referral_id -> Nullable<Text>,
        actor_kind -> Text,
        actor_id -> Nullable<Text>,
        action -> Text,
        outcome -> Text,
        detail -> Nullable<Text>,
        request_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(editors -> accounts (account_id));

diesel::allow_tables_to_appear_in_same_query!(
    accounts,
    api_clients,
    audit_records,
    articles,
    crisis_resources,
    editors,
    email_tokens,
    group_invitations,
    group_memberships,
    group_posts,
    group_slugs,
    group_tags,
    idempotency_keys,
    login_failures,
    meeting_exceptions,
    meeting_occurrences,
    meeting_rsvps,
    meetings,
    moderation_actions,
    organization_members,
    organizations,
    outbox_emails,
    post_reports,
    referral_events,
    referrals,
    refresh_tokens,
    resources,
    support_groups,
    webhook_deliveries,
    webhooks
);

//! Every documented route, mounted through `utoipa_actix_web` so the OpenAPI document collects
//! it. One scope per resource; a prefix is never opened twice.

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    accounts, attendance, crisis, feeds, groups, health, me, meetings, memberships, moderation,
    organizations, posts, tokens,
};

/// Mounts every documented route.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        scope("/health")
            .service(health::check_liveness)
            .service(health::check_readiness),
    )
    .service(
        scope("/v1/crisis-resources")
            .service(crisis::list_crisis_resources)
            .service(crisis::put_crisis_resource)
            .service(crisis::delete_crisis_resource),
    )
    .service(
        scope("/v1/accounts")
            .service(accounts::register_account)
            .service(accounts::confirm_email)
            .service(accounts::request_email_confirmation)
            .service(accounts::request_password_reset)
            .service(accounts::reset_password),
    )
    .service(
        scope("/v1/auth")
            .service(tokens::issue_token)
            .service(tokens::revoke_token),
    )
    .service(
        scope("/v1/me")
            .service(me::get_me)
            .service(me::update_me)
            .service(me::delete_me)
            .service(me::change_my_password)
            .service(me::export_me)
            .service(me::delete_my_sessions)
            .service(attendance::my_attendance)
            .service(memberships::list_my_memberships),
    )
    .service(
        scope("/v1/organizations")
            .service(organizations::create_organization)
            .service(organizations::list_organizations)
            .service(organizations::get_organization)
            .service(organizations::list_organization_members)
            .service(organizations::put_organization_member)
            .service(organizations::delete_organization_member)
            .service(organizations::list_api_clients)
            .service(organizations::create_api_client)
            .service(organizations::rotate_api_client_secret)
            .service(organizations::revoke_api_client),
    )
    .service(
        scope("/v1/groups")
            .service(groups::create_group)
            .service(groups::list_groups)
            .service(groups::list_group_changes)
            .service(groups::get_group)
            .service(groups::update_group)
            .service(groups::delete_group)
            .service(memberships::join_group)
            .service(memberships::list_memberships)
            .service(memberships::get_membership)
            .service(memberships::update_membership)
            .service(memberships::leave_group)
            .service(memberships::create_invitation)
            .service(memberships::list_invitations)
            .service(memberships::revoke_invitation)
            .service(meetings::schedule_meeting)
            .service(meetings::list_group_meetings)
            .service(feeds::group_calendar)
            .service(posts::create_post)
            .service(posts::list_group_posts)
            .service(moderation::list_reports)
            .service(moderation::moderate)
            .service(moderation::list_moderation_actions),
    )
    .service(
        scope("/v1/posts")
            .service(posts::get_post)
            .service(posts::update_post)
            .service(posts::delete_post)
            .service(posts::create_reply)
            .service(posts::list_replies)
            .service(moderation::report_post),
    )
    .service(
        scope("/v1/meetings")
            .service(meetings::search_meetings)
            .service(meetings::list_meeting_changes)
            .service(meetings::get_meeting)
            .service(meetings::update_meeting)
            .service(meetings::delete_meeting)
            .service(meetings::list_occurrences)
            .service(meetings::put_meeting_exception)
            .service(meetings::delete_meeting_exception)
            .service(feeds::meeting_calendar)
            .service(attendance::rsvp_to_occurrence)
            .service(attendance::get_my_rsvp)
            .service(attendance::withdraw_rsvp)
            .service(attendance::list_rsvps)
            .service(attendance::record_check_in)
            .service(attendance::undo_check_in),
    )
    .service(scope("/v1/feeds").service(feeds::meeting_guide_feed));
}

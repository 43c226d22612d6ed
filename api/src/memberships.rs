//! Joining and leaving groups, requests, invitations, and facilitators' decisions.

use actix_web::web::{Data, Path, Query};
use actix_web::{Either, delete, get, patch, post};
use chrono::{DateTime, Duration, Utc};
use hearth_domain::DomainError;
use hearth_domain::group::{Group, GroupId, Visibility};
use hearth_domain::membership::{
    self as policy, Admission, Decision, GroupActor, GroupRole, Invitation, InvitationId,
    Membership, MembershipId, MembershipStatus,
};
use hearth_domain::moderation as moderation_policy;
use hearth_openapi::{Page, Problem, tags};
use hearth_persistence::memberships::{self, NamedMembership, OwnMembership};
use hearth_persistence::{DbConnection, groups, meetings, rsvps};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::conditional::Tagged;
use crate::credentials::{OneTimeToken, hash_token};
use crate::db::Db;
use crate::error::ApiError;
use crate::extract::{JsonObject, comma_separated, whole_number};
use crate::groups::{GroupPath, Seen, not_archived, seen, seen_locked};
use crate::moderation::log_decision;
use crate::pagination::{PageQuery, PageRequest};
use crate::referrals;
use crate::responses::{Accepted, Created, NoContent};

/// A membership as members and facilitators see it: a display name and a role, never an email
/// or an account id (which would tie a person's groups together).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193aa8e-9a11-7c3e-9d2b-4a1f0e6c8b7d",
    "group_id": "0193aa8e-8f5a-7c3e-9d2b-4a1f0e6c8b7d",
    "display_name": "River",
    "role": "member",
    "status": "pending",
    "message": "I'm three weeks sober and new in town.",
    "created_at": "2026-11-27T08:00:00Z",
    "updated_at": "2026-11-27T08:00:00Z",
    "joined_at": null
}))]
pub struct MembershipResponse {
    /// The membership's id (one per person and group).
    pub id: Uuid,
    /// The group.
    pub group_id: Uuid,
    /// The person's display name.
    pub display_name: String,
    /// Their role.
    pub role: GroupRole,
    /// Their status.
    pub status: MembershipStatus,
    /// What they wrote asking to join; shown to facilitators and to them, while pending.
    pub message: Option<String>,
    /// When they first asked or joined.
    pub created_at: DateTime<Utc>,
    /// When the status or role last changed.
    pub updated_at: DateTime<Utc>,
    /// When they last became an active member.
    pub joined_at: Option<DateTime<Utc>>,
}

impl MembershipResponse {
    fn new(membership: Membership, display_name: String, show_message: bool) -> Self {
        let pending = membership.status == MembershipStatus::Pending;
        Self {
            id: membership.id.0,
            group_id: membership.group.0,
            display_name,
            role: membership.role,
            status: membership.status,
            message: membership.message.filter(|_| show_message && pending),
            created_at: membership.created_at,
            updated_at: membership.updated_at,
            joined_at: membership.joined_at,
        }
    }
}

/// Asking to join.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"message": "I'm three weeks sober and new in town."}))]
pub struct JoinGroupRequest {
    /// For groups that admit by request: a note to the facilitators, at most 500 characters.
    #[schema(max_length = 500)]
    pub message: Option<String>,
    /// An invitation code from a facilitator: admits at once, whatever the join policy.
    #[schema(max_length = 128)]
    pub invitation: Option<String>,
}

/// A membership in a path: `me`, or a membership id.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MembershipPath {
    /// The group's id or slug.
    pub group: String,
    /// `me` for the caller's own, or a membership id.
    #[param(example = "me")]
    pub membership: String,
}

/// An invitation in a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct InvitationPath {
    /// The group's id or slug.
    pub group: String,
    /// The invitation's id.
    pub invitation_id: Uuid,
}

/// Which memberships to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListMembershipsQuery {
    /// `active` (default; members may list them), or `pending`, `banned`, `declined`, `left`,
    /// `removed` (facilitators only).
    pub status: Option<MembershipStatus>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A facilitator's change to a membership.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "active"}))]
pub struct UpdateMembershipRequest {
    /// A new role, for an active member. Nobody grants a role above their own.
    pub role: Option<GroupRole>,
    /// `active` approves a pending request, `declined` declines it, `removed` removes an
    /// active member or lifts a ban, `banned` bars the person from the group.
    pub status: Option<MembershipStatus>,
    /// Why a member is removed or banned (or a ban lifted), up to 500 characters: the
    /// moderation log keeps it and the member reads it.
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// A new invitation.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"expires_in_hours": 72}))]
pub struct CreateInvitationRequest {
    /// 1 to 720 hours (30 days); 168 (a week) when absent.
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(minimum = 1, maximum = 720)]
    pub expires_in_hours: Option<u32>,
}

/// An invitation. Its code is shown once, when it is made.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193aa8e-a1b2-7c3e-9d2b-4a1f0e6c8b7d",
    "group_id": "0193aa8e-8f5a-7c3e-9d2b-4a1f0e6c8b7d",
    "code": "9f2c4e1a7b3d5f608e1c2a4b6d8f0e1c3a5b7d9f1e2c4a6b8d0f2e4c6a8b0d2e",
    "created_at": "2026-11-27T08:00:00Z",
    "expires_at": "2026-12-04T08:00:00Z"
}))]
pub struct InvitationResponse {
    /// Its id, to revoke it.
    pub id: Uuid,
    /// The group it opens.
    pub group_id: Uuid,
    /// The single-use code to pass as `invitation` when joining; only in the answer that
    /// created it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

impl From<Invitation> for InvitationResponse {
    fn from(invitation: Invitation) -> Self {
        Self {
            id: invitation.id.0,
            group_id: invitation.group.0,
            code: None,
            created_at: invitation.created_at,
            expires_at: invitation.expires_at,
        }
    }
}

/// One of the caller's own memberships.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193aa8e-9a11-7c3e-9d2b-4a1f0e6c8b7d",
    "group": {"id": "0193aa8e-8f5a-7c3e-9d2b-4a1f0e6c8b7d", "slug": "harbour-lights-women-in-recovery", "name": "Harbour Lights Women in Recovery"},
    "role": "member",
    "status": "active",
    "created_at": "2026-11-27T08:00:00Z",
    "joined_at": "2026-11-27T08:00:00Z"
}))]
pub struct MyMembershipResponse {
    /// The membership's id.
    pub id: Uuid,
    /// The group.
    pub group: GroupSummary,
    /// My role.
    pub role: GroupRole,
    /// My status.
    pub status: MembershipStatus,
    /// When I first asked or joined.
    pub created_at: DateTime<Utc>,
    /// When I last became an active member.
    pub joined_at: Option<DateTime<Utc>>,
}

/// Enough of a group to show it in a list and fetch the rest.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193aa8e-8f5a-7c3e-9d2b-4a1f0e6c8b7d", "slug": "harbour-lights-women-in-recovery", "name": "Harbour Lights Women in Recovery"}))]
pub struct GroupSummary {
    /// Its id.
    pub id: Uuid,
    /// Its current slug.
    pub slug: String,
    /// Its name.
    pub name: String,
}

impl From<OwnMembership> for MyMembershipResponse {
    fn from(own: OwnMembership) -> Self {
        let m = own.membership;
        Self {
            id: m.id.0,
            group: GroupSummary {
                id: m.group.0,
                slug: own.group_slug.as_str().to_owned(),
                name: own.group_name,
            },
            role: m.role,
            status: m.status,
            created_at: m.created_at,
            joined_at: m.joined_at,
        }
    }
}

/// Which of my memberships to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MyMembershipsQuery {
    /// Statuses, comma-separated; `active,pending` when absent.
    #[serde(default, deserialize_with = "comma_separated")]
    #[param(value_type = Option<Vec<MembershipStatus>>, style = Form, explode = false)]
    pub status: Vec<MembershipStatus>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The group (visible to the caller) and the membership a path names.
/// `load` is [`seen`] for reading, or [`seen_locked`] for changing.
fn target(
    c: &mut DbConnection,
    path: &MembershipPath,
    user: &AuthUser,
    load: fn(&mut DbConnection, &str, Option<&AuthUser>) -> Result<Seen, ApiError>,
) -> Result<(Seen, Membership), ApiError> {
    let seen = load(c, &path.group, Some(user))?;
    let not_found = || ApiError::Domain(DomainError::NotFound("membership"));
    let membership = if path.membership == "me" {
        seen.membership.clone().ok_or_else(not_found)?
    } else {
        let id = Uuid::parse_str(&path.membership).map_err(|_| not_found())?;
        memberships::get(c, seen.group.id, MembershipId(id))?
    };
    Ok((seen, membership))
}

/// Takes a place for someone becoming active, or refuses because the group is full.
fn take_place(c: &mut DbConnection, group: &Group) -> Result<(), ApiError> {
    if groups::take_place(c, group.id)? {
        Ok(())
    } else {
        Err(DomainError::GroupFull.into())
    }
}

/// Refuses a change that takes an active owner away when no other owner remains.
fn keeps_an_owner(
    c: &mut DbConnection,
    before: &Membership,
    after: &Membership,
) -> Result<(), ApiError> {
    let was_owner = before.status == MembershipStatus::Active && before.role == GroupRole::Owner;
    let still_owner = after.status == MembershipStatus::Active && after.role == GroupRole::Owner;
    if was_owner && !still_owner {
        policy::keeps_an_owner(memberships::count_owners(c, before.group)?.saturating_sub(1))?;
    }
    Ok(())
}

/// Saves a membership's new state, adjusting the group's member count.
pub(crate) fn commit(
    c: &mut DbConnection,
    group: &Group,
    before: &Membership,
    after: &Membership,
) -> Result<(), ApiError> {
    keeps_an_owner(c, before, after)?;
    let was_active = before.status == MembershipStatus::Active;
    let is_active = after.status == MembershipStatus::Active;
    if is_active && !was_active {
        take_place(c, group)?;
    } else if was_active && !is_active {
        groups::free_place(c, group.id)?;
        // Whoever leaves a group cannot come to its meetings: their places go to the waitlists.
        rsvps::withdraw(c, after.account, Some(group.id), after.updated_at)?;
    }
    if was_active != is_active && group.profile.visibility != Visibility::Public {
        // Whether the group is listed for this person changed: their next sync must say so.
        groups::touch(c, group.id, after.updated_at)?;
        meetings::touch_group(c, group.id, after.updated_at)?;
    }
    memberships::save(c, after)?;
    Ok(())
}

fn respond(
    c: &mut DbConnection,
    membership: Membership,
    show_message: bool,
) -> Result<MembershipResponse, ApiError> {
    let name = memberships::display_name(c, membership.account)?;
    Ok(MembershipResponse::new(membership, name, show_message))
}

/// Join a group
///
/// Open groups admit at once (201); groups that admit by request record a pending request
/// for the facilitators (202); invitation-only groups need `invitation`, a code from a
/// facilitator, which admits at once to any group and then is used up. Places are taken
/// atomically: when two people take the last one at once, exactly one gets it.
#[utoipa::path(
    tag = tags::MEMBERSHIPS,
    security(("bearer" = [])),
    request_body = JoinGroupRequest,
    params(GroupPath),
    responses(
        (status = 201, description = "Admitted", body = MembershipResponse,
         headers(("Location" = String, description = "The membership"))),
        (status = 202, description = "Requested: a facilitator decides", body = MembershipResponse),
        (status = 403, description = "`invitation-required` or `banned`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already-member`, `already-requested`, `group-full` or `group-archived`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: the message is too long, or the invitation is unknown, used or expired", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{group}/memberships")]
pub async fn join_group(
    user: AuthUser,
    path: Path<GroupPath>,
    JsonObject(request): JsonObject<JoinGroupRequest>,
    db: Data<Db>,
) -> Result<Either<Created<MembershipResponse>, Accepted<MembershipResponse>>, ApiError> {
    let message = policy::parse_request_message(request.message.as_deref())?;
    let reference = path.into_inner().group;
    let (membership, admission) = db
        .tx(move |c| {
            let invited_group = match &request.invitation {
                Some(code) => Some(invitation_group(c, &reference, code, &user)?),
                None => None,
            };
            let seen = match invited_group {
                Some(seen) => {
                    groups::lock(c, seen.group.id)?;
                    seen
                }
                None => seen_locked(c, &reference, Some(&user))?,
            };
            let group = &groups::get(c, seen.group.id)?;
            not_archived(group)?;
            let standing = memberships::find(c, group.id, user.id)?;
            let now = Utc::now();
            let invitation = match &request.invitation {
                Some(code) => Some(
                    memberships::use_invitation(c, group.id, &hash_token(code), user.id, now)?
                        .ok_or_else(invitation_invalid)?,
                ),
                None => None,
            };
            let invited = invitation.is_some();
            let admission = policy::admission(
                group.profile.join_policy,
                invited,
                standing.as_ref().map(Membership::standing),
            )?;
            let before = standing.unwrap_or(Membership {
                id: MembershipId::new(),
                group: group.id,
                account: user.id,
                role: GroupRole::Member,
                status: MembershipStatus::Left,
                message: None,
                created_at: now,
                updated_at: now,
                joined_at: None,
            });
            let after = match admission {
                Admission::Admitted => Membership {
                    role: GroupRole::Member,
                    status: MembershipStatus::Active,
                    message: None,
                    updated_at: now,
                    joined_at: Some(now),
                    ..before.clone()
                },
                Admission::Requested => Membership {
                    role: GroupRole::Member,
                    status: MembershipStatus::Pending,
                    message: message.clone(),
                    updated_at: now,
                    ..before.clone()
                },
            };
            commit(c, group, &before, &after)?;
            if let Some(invitation) = invitation {
                referrals::connect_through_invitation(c, invitation)?;
            }
            Ok((respond(c, after, true)?, admission))
        })
        .await?;
    Ok(match admission {
        Admission::Admitted => Either::Left(Created {
            location: format!(
                "/v1/groups/{}/memberships/{}",
                membership.group_id, membership.id
            ),
            body: membership,
        }),
        Admission::Requested => Either::Right(Accepted(membership)),
    })
}

fn invitation_invalid() -> ApiError {
    DomainError::Invalid {
        field: "invitation".to_owned(),
        code: "invalid_or_expired",
        message: "is unknown, already used, revoked or expired; ask for a new one".to_owned(),
    }
    .into()
}

/// The group an invitation opens. A code is a key to a private group, so the group is found
/// without the usual visibility check; a wrong code for a group the caller cannot see is the
/// same 404 as no group at all.
fn invitation_group(
    c: &mut DbConnection,
    reference: &str,
    code: &str,
    user: &AuthUser,
) -> Result<Seen, ApiError> {
    match seen(c, reference, Some(user)) {
        Ok(seen) => Ok(seen),
        Err(ApiError::Domain(DomainError::NotFound(_))) => {
            let id = Uuid::parse_str(reference)
                .map(GroupId)
                .ok()
                .or(groups::find_by_slug(c, reference)?)
                .ok_or(DomainError::NotFound("group"))?;
            let group = groups::get(c, id)?;
            let opens = memberships::invitation_opens(c, group.id, &hash_token(code), Utc::now())?;
            if !opens {
                return Err(DomainError::NotFound("group").into());
            }
            Ok(Seen {
                canonical: true,
                actor: GroupActor::ANONYMOUS,
                membership: memberships::find(c, group.id, user.id)?,
                group,
            })
        }
        Err(other) => Err(other),
    }
}

/// List a group's memberships
///
/// Active members (display names and roles) for the group's members; pending requests and
/// other statuses for its facilitators. Non-members see only `member_count` on the group.
#[utoipa::path(
    tag = tags::MEMBERSHIPS,
    security(("bearer" = [])),
    params(GroupPath, ListMembershipsQuery),
    responses(
        (status = 200, description = "One page", body = Page<MembershipResponse>),
        (status = 400, description = "`bad-request`: a cursor this API did not give out", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: not a member (or, for other statuses, not a facilitator)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: `limit` out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{group}/memberships")]
pub async fn list_memberships(
    user: AuthUser,
    path: Path<GroupPath>,
    Query(query): Query<ListMembershipsQuery>,
    db: Data<Db>,
) -> Result<Tagged<Page<MembershipResponse>>, ApiError> {
    let status = query.status.unwrap_or(MembershipStatus::Active);
    let page = PageRequest::try_from(PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    })?;
    let reference = path.into_inner().group;
    let (found, moderator) = db
        .run(move |c| {
            let Seen { group, actor, .. } = seen(c, &reference, Some(&user))?;
            let visibility = group.profile.visibility;
            if status == MembershipStatus::Active {
                actor.may_list_members(visibility)?;
            } else {
                actor.may_moderate(visibility)?;
            }
            let moderator = actor.may_moderate(visibility).is_ok();
            let found = memberships::list(
                c,
                group.id,
                status,
                page.after.map(MembershipId),
                page.fetch(),
            )?;
            Ok((found, moderator))
        })
        .await?;
    let page = page.page(found, |named| named.membership.id.0);
    Ok(Tagged(Page {
        items: page
            .items
            .into_iter()
            .map(
                |NamedMembership {
                     membership,
                     display_name,
                 }| {
                    MembershipResponse::new(membership, display_name, moderator)
                },
            )
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Get a membership
///
/// `me` for the caller's own (a requester sees their pending request here); another active
/// member's for members; any for facilitators.
#[utoipa::path(
    tag = tags::MEMBERSHIPS,
    security(("bearer" = [])),
    params(MembershipPath),
    responses(
        (status = 200, description = "The membership", body = MembershipResponse),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{group}/memberships/{membership}")]
pub async fn get_membership(
    user: AuthUser,
    path: Path<MembershipPath>,
    db: Data<Db>,
) -> Result<Tagged<MembershipResponse>, ApiError> {
    let path = path.into_inner();
    let response = db
        .run(move |c| {
            let (seen, membership) = target(c, &path, &user, seen)?;
            let own = membership.account == user.id;
            let visibility = seen.group.profile.visibility;
            if !own {
                if membership.status == MembershipStatus::Active {
                    seen.actor.may_list_members(visibility)?;
                } else {
                    seen.actor.may_moderate(visibility)?;
                }
            }
            let show_message = own || seen.actor.may_moderate(visibility).is_ok();
            respond(c, membership, show_message)
        })
        .await?;
    Ok(Tagged(response))
}

/// Change a membership
///
/// Facilitators approve (`status: active`) or decline (`declined`) requests, remove
/// (`removed`) or ban (`banned`) members and lift bans (`removed`), and change roles;
/// owners do all of it to anyone. Nobody grants a role above their own, and the last owner
/// cannot be demoted, removed or banned.
#[utoipa::path(
    tag = tags::MEMBERSHIPS,
    security(("bearer" = [])),
    request_body = UpdateMembershipRequest,
    params(MembershipPath),
    responses(
        (status = 200, description = "The changed membership", body = MembershipResponse),
        (status = 403, description = "`forbidden`: not a facilitator, or the person outranks the caller", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid-transition`, `last-owner`, `group-full` or `group-archived`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: a `reason` that is empty or longer than 500 characters", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/{group}/memberships/{membership}")]
pub async fn update_membership(
    user: AuthUser,
    path: Path<MembershipPath>,
    JsonObject(request): JsonObject<UpdateMembershipRequest>,
    db: Data<Db>,
) -> Result<Tagged<MembershipResponse>, ApiError> {
    let path = path.into_inner();
    let reason = request
        .reason
        .as_deref()
        .map(moderation_policy::parse_reason)
        .transpose()?;
    let changed = db
        .tx(move |c| {
            let (seen, before) = target(c, &path, &user, seen_locked)?;
            seen.actor
                .may_manage(seen.group.profile.visibility, before.role, request.role)?;
            not_archived(&seen.group)?;
            let mut after = before.clone();
            after.updated_at = Utc::now();
            if let Some(status) = request.status.filter(|status| *status != before.status) {
                let decision = Decision::towards(before.status, status)?;
                if decision == Decision::Approve {
                    after.joined_at = Some(after.updated_at);
                }
                log_decision(c, user.id, &before, decision, reason, after.updated_at)?;
                after.status = status;
                after.message = None;
            }
            if let Some(role) = request.role.filter(|role| *role != before.role) {
                if after.status != MembershipStatus::Active {
                    return Err(DomainError::InvalidTransition {
                        subject: "membership",
                        from: after.status.as_str(),
                        to: role.as_str(),
                    }
                    .into());
                }
                after.role = role;
            }
            commit(c, &seen.group, &before, &after)?;
            respond(c, after, true)
        })
        .await?;
    Ok(Tagged(changed))
}

/// Leave a group, or remove someone
///
/// `me` leaves the group (or withdraws a pending request); the last owner must name a
/// successor first. A membership id removes that member, as `PATCH` with `removed` does.
#[utoipa::path(
    tag = tags::MEMBERSHIPS,
    security(("bearer" = [])),
    params(MembershipPath),
    responses(
        (status = 204, description = "Left, withdrawn or removed"),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`last-owner` or `invalid-transition` (nothing to leave, or banned)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{group}/memberships/{membership}")]
pub async fn leave_group(
    user: AuthUser,
    path: Path<MembershipPath>,
    db: Data<Db>,
) -> Result<NoContent, ApiError> {
    let path = path.into_inner();
    db.tx(move |c| {
        let (seen, before) = target(c, &path, &user, seen_locked)?;
        let own = before.account == user.id;
        let status = if own {
            match before.status {
                MembershipStatus::Active | MembershipStatus::Pending => MembershipStatus::Left,
                other => {
                    return Err(DomainError::InvalidTransition {
                        subject: "membership",
                        from: other.as_str(),
                        to: MembershipStatus::Left.as_str(),
                    }
                    .into());
                }
            }
        } else {
            seen.actor
                .may_manage(seen.group.profile.visibility, before.role, None)?;
            not_archived(&seen.group)?;
            let decision = Decision::towards(before.status, MembershipStatus::Removed)?;
            log_decision(c, user.id, &before, decision, None, Utc::now())?;
            MembershipStatus::Removed
        };
        let after = Membership {
            status,
            message: None,
            updated_at: Utc::now(),
            ..before.clone()
        };
        commit(c, &seen.group, &before, &after)
    })
    .await?;
    Ok(NoContent)
}

/// Default lifetime of an invitation, in hours.
const DEFAULT_INVITATION_HOURS: u32 = 168;

/// Invite someone
///
/// Facilitators and owners make a single-use code (shown only in this answer) that admits one
/// person at once, whatever the join policy, until it expires. Pass it on privately; whoever
/// holds it can join.
#[utoipa::path(
    tag = tags::MEMBERSHIPS,
    security(("bearer" = [])),
    request_body = CreateInvitationRequest,
    params(GroupPath),
    responses(
        (status = 201, description = "Created, with its code", body = InvitationResponse,
         headers(("Location" = String, description = "The invitation"))),
        (status = 403, description = "`forbidden`: not a facilitator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`group-archived`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{group}/invitations")]
pub async fn create_invitation(
    user: AuthUser,
    path: Path<GroupPath>,
    JsonObject(request): JsonObject<CreateInvitationRequest>,
    db: Data<Db>,
) -> Result<Created<InvitationResponse>, ApiError> {
    let hours = policy::parse_invitation_hours(
        request.expires_in_hours.unwrap_or(DEFAULT_INVITATION_HOURS),
    )?;
    let code = OneTimeToken::generate()?;
    let reference = path.into_inner().group;
    let now = Utc::now();
    let hash = code.hash.clone();
    let invitation = db
        .tx(move |c| {
            let Seen { group, actor, .. } = seen(c, &reference, Some(&user))?;
            actor.may_moderate(group.profile.visibility)?;
            not_archived(&group)?;
            let invitation = Invitation {
                id: InvitationId::new(),
                group: group.id,
                created_at: now,
                expires_at: now + Duration::hours(i64::from(hours)),
                used_at: None,
                revoked_at: None,
            };
            memberships::insert_invitation(c, &invitation, &hash, user.id)?;
            Ok(invitation)
        })
        .await?;
    Ok(Created {
        location: format!(
            "/v1/groups/{}/invitations/{}",
            invitation.group, invitation.id
        ),
        body: InvitationResponse {
            code: Some(code.value.expose().to_owned()),
            ..invitation.into()
        },
    })
}

/// List open invitations
///
/// Facilitators see the group's invitations that can still be used (never their codes).
#[utoipa::path(
    tag = tags::MEMBERSHIPS,
    security(("bearer" = [])),
    params(GroupPath, PageQuery),
    responses(
        (status = 200, description = "One page", body = Page<InvitationResponse>),
        (status = 400, description = "`bad-request`: a cursor this API did not give out", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: not a facilitator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: `limit` out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{group}/invitations")]
pub async fn list_invitations(
    user: AuthUser,
    path: Path<GroupPath>,
    Query(query): Query<PageQuery>,
    db: Data<Db>,
) -> Result<Tagged<Page<InvitationResponse>>, ApiError> {
    let page = PageRequest::try_from(query)?;
    let reference = path.into_inner().group;
    let found = db
        .run(move |c| {
            let Seen { group, actor, .. } = seen(c, &reference, Some(&user))?;
            actor.may_moderate(group.profile.visibility)?;
            Ok(memberships::open_invitations(
                c,
                group.id,
                Utc::now(),
                page.after.map(InvitationId),
                page.fetch(),
            )?)
        })
        .await?;
    let page = page.page(found, |invitation| invitation.id.0);
    Ok(Tagged(Page {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Revoke an invitation
///
/// Facilitators. Its code stops working at once.
#[utoipa::path(
    tag = tags::MEMBERSHIPS,
    security(("bearer" = [])),
    params(InvitationPath),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "`forbidden`: not a facilitator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such open invitation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{group}/invitations/{invitation_id}")]
pub async fn revoke_invitation(
    user: AuthUser,
    path: Path<InvitationPath>,
    db: Data<Db>,
) -> Result<NoContent, ApiError> {
    let InvitationPath {
        group: reference,
        invitation_id,
    } = path.into_inner();
    db.tx(move |c| {
        let Seen { group, actor, .. } = seen(c, &reference, Some(&user))?;
        actor.may_moderate(group.profile.visibility)?;
        if memberships::revoke_invitation(c, group.id, InvitationId(invitation_id), Utc::now())? {
            Ok(())
        } else {
            Err(DomainError::NotFound("invitation").into())
        }
    })
    .await?;
    Ok(NoContent)
}

/// List my memberships
///
/// The groups I belong to and my open requests (or the statuses asked for), in the order I
/// joined or asked.
#[utoipa::path(
    tag = tags::MEMBERSHIPS,
    security(("bearer" = [])),
    params(MyMembershipsQuery),
    responses(
        (status = 200, description = "One page", body = Page<MyMembershipResponse>),
        (status = 400, description = "`bad-request`: an unknown status or a cursor this API did not give out", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: `limit` out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/memberships")]
pub async fn list_my_memberships(
    user: AuthUser,
    Query(query): Query<MyMembershipsQuery>,
    db: Data<Db>,
) -> Result<Tagged<Page<MyMembershipResponse>>, ApiError> {
    let page = PageRequest::try_from(PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    })?;
    let statuses = if query.status.is_empty() {
        vec![MembershipStatus::Active, MembershipStatus::Pending]
    } else {
        query.status
    };
    let found = db
        .run(move |c| {
            Ok(memberships::of_account(
                c,
                user.id,
                &statuses,
                page.after.map(MembershipId),
                page.fetch(),
            )?)
        })
        .await?;
    let page = page.page(found, |own| own.membership.id.0);
    Ok(Tagged(Page {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_shown_only_on_pending_requests_to_those_allowed() {
        let now = Utc::now();
        let membership = |status| Membership {
            id: MembershipId::new(),
            group: GroupId::new(),
            account: hearth_domain::account::AccountId::new(),
            role: GroupRole::Member,
            status,
            message: Some("hello".to_owned()),
            created_at: now,
            updated_at: now,
            joined_at: None,
        };
        let shown = |status, allowed| {
            MembershipResponse::new(membership(status), "River".to_owned(), allowed).message
        };
        assert_eq!(
            shown(MembershipStatus::Pending, true).as_deref(),
            Some("hello")
        );
        assert_eq!(shown(MembershipStatus::Pending, false), None);
        assert_eq!(shown(MembershipStatus::Active, true), None);
    }
}

//! Moderation of group conversations: members report posts (`/v1/posts/{post_id}/reports`),
//! facilitators work the queue (`/v1/groups/{group}/reports`) and act
//! (`/v1/groups/{group}/moderation-actions`), and every action stays on record.

use std::collections::HashMap;

use actix_web::http::{StatusCode, header};
use actix_web::web::{Data, Json, Path, Query};
use actix_web::{CustomizeResponder, Responder, get, post};
use chrono::{DateTime, Duration, Utc};
use hearth_domain::DomainError;
use hearth_domain::account::AccountId;
use hearth_domain::group::Group;
use hearth_domain::membership::{Decision, Membership, MembershipId};
use hearth_domain::moderation::{
    self as policy, ModerationAction, ModerationActionId, ModerationKind, REPORTING, Report,
    ReportId, ReportReason, ReportStatus, Subject,
};
use hearth_domain::post::{Post, PostId};
use hearth_openapi::{Page, Problem, tags};
use hearth_persistence::moderation::{self, LogFilter, NamedAction};
use hearth_persistence::{DbConnection, PersistenceError, accounts, memberships, posts};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::crisis::CRISIS_RESOURCES_LINK;
use crate::db::Db;
use crate::error::{ApiError, keep};
use crate::extract::{JsonObject, whole_number};
use crate::groups::{GroupPath, Seen, not_archived, seen, seen_locked};
use crate::memberships::commit;
use crate::pagination::{PageQuery, TimePage};
use crate::posts::{PostPath, PostResponse, conversation_post};
use crate::responses::Created;

/// A report as its reporter and the group's moderators see it; never who made it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193ab10-2c11-7c3e-9d2b-4a1f0e6c8b7d", "post_id": "0193aa8f-0a11-7c3e-9d2b-4a1f0e6c8b7d",
    "reason": "privacy", "details": "Names a member's employer.", "status": "open",
    "created_at": "2026-12-01T18:20:00Z", "resolved_at": null
}))]
pub struct ReportResponse {
    /// Its id.
    pub id: Uuid,
    /// The reported post or reply.
    pub post_id: Uuid,
    /// Why.
    pub reason: ReportReason,
    /// What the reporter added.
    pub details: Option<String>,
    /// `open` until a facilitator acts (`actioned`) or leaves the post as it is (`dismissed`).
    pub status: ReportStatus,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When a facilitator settled it.
    pub resolved_at: Option<DateTime<Utc>>,
}

impl From<Report> for ReportResponse {
    fn from(report: Report) -> Self {
        Self {
            id: report.id.0,
            post_id: report.post.0,
            reason: report.reason,
            details: report.details,
            status: report.status,
            created_at: report.created_at,
            resolved_at: report.resolved_at,
        }
    }
}

/// A report in a group's queue, with the post as moderators see it (hidden or not).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193ab10-2c11-7c3e-9d2b-4a1f0e6c8b7d", "post_id": "0193aa8f-0a11-7c3e-9d2b-4a1f0e6c8b7d",
    "reason": "privacy", "details": "Names a member's employer.", "status": "open",
    "created_at": "2026-12-01T18:20:00Z", "resolved_at": null,
    "post": {
        "id": "0193aa8f-0a11-7c3e-9d2b-4a1f0e6c8b7d", "group_id": "0193aa8f-0a11-7c3e-9d2b-4a1f0e6c8b70",
        "parent_id": null, "author": "Sam R.", "mine": false,
        "body": "Saw J. from Tuesdays at the Main Street pharmacy where she works.",
        "reply_count": 0, "created_at": "2026-12-01T18:05:00Z", "edited_at": null,
        "deleted": false, "hidden": false,
        "author_member_id": "0193aa8e-9a11-7c3e-9d2b-4a1f0e6c8b7d"
    }
}))]
pub struct QueuedReport {
    /// The report.
    #[serde(flatten)]
    pub report: ReportResponse,
    /// The reported post.
    pub post: PostResponse,
}

/// A member's report of a post.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "privacy", "details": "Names a member's employer."}))]
pub struct ReportRequest {
    /// Why.
    pub reason: ReportReason,
    /// Up to 1000 characters; required when the reason is `other`.
    #[schema(max_length = 1000)]
    pub details: Option<String>,
}

/// Which reports to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportQueueQuery {
    /// `open` (default): the queue, oldest first; `actioned` or `dismissed`: settled ones,
    /// newest first.
    pub status: Option<ReportStatus>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A moderator's action.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "action": "mute", "post_id": "0193aa8f-0a11-7c3e-9d2b-4a1f0e6c8b7d",
    "reason": "Shared another member's workplace after a reminder.", "hours": 72
}))]
pub struct ModerationRequest {
    /// `hide`, `restore` or `dismiss` (its open reports) act on the post `post_id` names (and so
    /// on its author, whom the caller must outrank);
    /// `warn`, `mute`, `unmute`, `remove`, `ban` and `unban` on the member `member_id` names,
    /// or else on the author of `post_id`.
    pub action: ModerationKind,
    /// The post acted on, or the post that led to acting on its author.
    pub post_id: Option<Uuid>,
    /// The member acted on (`author_member_id` of a post, or a membership id).
    pub member_id: Option<Uuid>,
    /// Why, 1 to 500 characters. The log keeps it, and the member concerned reads it.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
    /// For `mute` only: 1 to 720 hours (30 days).
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(minimum = 1, maximum = 720)]
    pub hours: Option<u32>,
}

/// An entry of the moderation log.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193ab12-7d21-7c3e-9d2b-4a1f0e6c8b7d", "group_id": "0193aa8f-0a11-7c3e-9d2b-4a1f0e6c8b70",
    "action": "mute", "moderator": "Alex (facilitator)",
    "post_id": "0193aa8f-0a11-7c3e-9d2b-4a1f0e6c8b7d",
    "member_id": "0193aa8e-9a11-7c3e-9d2b-4a1f0e6c8b7d", "member": "Sam R.",
    "reason": "Shared another member's workplace after a reminder.",
    "muted_until": "2026-12-04T18:30:00Z", "created_at": "2026-12-01T18:30:00Z"
}))]
pub struct ModerationActionResponse {
    /// Its id.
    pub id: Uuid,
    /// The group.
    pub group_id: Uuid,
    /// What was done.
    pub action: ModerationKind,
    /// Who did it, for the group's moderators; `null` in a member's own notices and once the
    /// moderator's account is erased.
    pub moderator: Option<String>,
    /// The post it was about.
    pub post_id: Option<Uuid>,
    /// The member it concerned (acted on, or the post's author).
    pub member_id: Option<Uuid>,
    /// Their display name.
    pub member: Option<String>,
    /// Why.
    pub reason: Option<String>,
    /// For `mute`: when it ends.
    pub muted_until: Option<DateTime<Utc>>,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl ModerationActionResponse {
    fn new(named: NamedAction, show_moderator: bool) -> Self {
        let action = named.action;
        Self {
            id: action.id.0,
            group_id: action.group.0,
            action: action.kind,
            moderator: named.moderator_name.filter(|_| show_moderator),
            post_id: action.post.map(|post| post.0),
            member_id: action.member.map(|member| member.0),
            member: named.member_name,
            reason: action.reason,
            muted_until: action.muted_until,
            created_at: action.created_at,
        }
    }
}

/// Which part of the log to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ModerationLogQuery {
    /// Only what concerns this member (moderators; a member's own list is theirs already).
    pub member_id: Option<Uuid>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Report a post
///
/// Any active member, about someone else's post or reply. Facilitators see the report, never
/// who made it. Reporting again for the same reason while that report waits answers it
/// (200); another reason is another report. A report that someone may be at risk
/// (`self_harm`) links to crisis resources.
#[utoipa::path(
    tag = tags::MODERATION,
    security(("bearer" = [])),
    params(PostPath),
    request_body = ReportRequest,
    responses(
        (status = 201, description = "Reported", body = ReportResponse,
         headers(("Link" = String, description = "For `self_harm`: where crisis help is, `</v1/crisis-resources>; rel=\"help\"`"))),
        (status = 200, description = "Already reported by the caller for this reason; the waiting report", body = ReportResponse,
         headers(("Link" = String, description = "For `self_harm`: where crisis help is"))),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`membership-required`; `forbidden`: the caller's own post", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such post, a deleted one, or one hidden from the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`group-archived`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: details too long, or missing for `other`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too-many-attempts`: more than 20 reports in an hour (`self_harm` reports are never held back); see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{post_id}/reports")]
pub async fn report_post(
    user: AuthUser,
    path: Path<PostPath>,
    JsonObject(request): JsonObject<ReportRequest>,
    db: Data<Db>,
) -> Result<CustomizeResponder<Json<ReportResponse>>, ApiError> {
    let id = PostId(path.post_id);
    let details = policy::parse_details(request.reason, request.details.as_deref())?;
    let reason = request.reason;
    let (report, created) = db
        .tx(move |c| {
            let (post, participant) = conversation_post(c, id, &user)?;
            post.may_report(user.id)?;
            not_archived(&participant.group)?;
            // Under the reporter's lock: a retry racing the first attempt finds its report.
            accounts::lock(c, user.id)?;
            if let Some(waiting) = moderation::open_report_of(c, id, user.id, reason)? {
                return Ok((waiting, false));
            }
            let now = Utc::now();
            if reason.is_limited() {
                let since = REPORTING.window_start(now);
                let (made, first) = moderation::reported_since(c, user.id, since)?;
                REPORTING.check(made, first, now)?;
            }
            let report = Report {
                id: ReportId::new(),
                post: id,
                group: post.group,
                reporter: Some(user.id),
                reason,
                details,
                status: ReportStatus::Open,
                created_at: now,
                resolved_at: None,
            };
            moderation::insert_report(c, &report)?;
            Ok((report, true))
        })
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut response = Json(ReportResponse::from(report))
        .customize()
        .with_status(status);
    if reason == ReportReason::SelfHarm {
        response = response.insert_header((header::LINK, CRISIS_RESOURCES_LINK));
    }
    Ok(response)
}

/// List a group's reports
///
/// Facilitators, owners and platform admins: the open queue, oldest first, or the settled
/// reports. Each comes with the post as moderators see it, hidden or not, and the author's
/// membership to act on. Acting on a post settles all its open reports.
#[utoipa::path(
    tag = tags::MODERATION,
    security(("bearer" = [])),
    params(GroupPath, ReportQueueQuery),
    responses(
        (status = 200, description = "One page of reports", body = Page<QueuedReport>),
        (status = 400, description = "`bad-request`: an unknown status, or a cursor this API did not give out", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: not a facilitator of the group", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such group, or a private one", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: `limit` out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{group}/reports")]
pub async fn list_reports(
    user: AuthUser,
    path: Path<GroupPath>,
    Query(query): Query<ReportQueueQuery>,
    db: Data<Db>,
) -> Result<Json<Page<QueuedReport>>, ApiError> {
    let status = query.status.unwrap_or(ReportStatus::Open);
    let page = TimePage::of_list(
        PageQuery {
            limit: query.limit,
            cursor: query.cursor,
        },
        status.as_str(),
    )?;
    let reference = path.into_inner().group;
    let found = db
        .run(move |c| {
            let seen = seen(c, &reference, Some(&user))?;
            seen.actor.may_moderate(seen.group.profile.visibility)?;
            let after = page.after.map(|(at, id)| (at, id.to_string()));
            let reports = moderation::reports(c, seen.group.id, status, after, page.fetch())?;
            let ids: Vec<PostId> = reports.iter().map(|report| report.post).collect();
            let reported: HashMap<PostId, Post> = posts::get_many(c, &ids)?
                .into_iter()
                .map(|post| (post.id, post))
                .collect();
            let (reports, next_cursor) = page.cut(reports, |last| (last.created_at, last.id.0))?;
            let items = reports
                .into_iter()
                .filter_map(|report| {
                    let post = reported.get(&report.post)?.clone();
                    Some(QueuedReport {
                        post: PostResponse::new(post, user.id, true),
                        report: report.into(),
                    })
                })
                .collect();
            Ok(Page { items, next_cursor })
        })
        .await?;
    Ok(Json(found))
}

/// A moderation request whose fields fit its action.
struct Checked {
    kind: ModerationKind,
    post: Option<PostId>,
    member: Option<MembershipId>,
    reason: String,
    muted_for: Option<Duration>,
}

impl TryFrom<ModerationRequest> for Checked {
    type Error = ApiError;

    fn try_from(request: ModerationRequest) -> Result<Self, ApiError> {
        let kind = request.action;
        let mut errors = Vec::new();
        let reason = keep(&mut errors, policy::parse_reason(&request.reason));
        let invalid = |field: &str, code: &'static str, message: &str| DomainError::Invalid {
            field: field.to_owned(),
            code,
            message: message.to_owned(),
        };
        let mut muted_for = None;
        match (kind, request.hours) {
            (ModerationKind::Mute, Some(hours)) => {
                muted_for = keep(&mut errors, policy::mute_duration(hours));
            }
            (ModerationKind::Mute, None) => {
                errors.push(invalid("hours", "required", "say how long the mute lasts"));
            }
            (_, Some(_)) => errors.push(invalid("hours", "unexpected", "only for `mute`")),
            (_, None) => {}
        }
        match kind.subject() {
            Subject::Post if request.post_id.is_none() => {
                errors.push(invalid("post_id", "required", "name the post"));
            }
            Subject::Post if request.member_id.is_some() => errors.push(invalid(
                "member_id",
                "unexpected",
                "this action is about a post; its author follows from it",
            )),
            Subject::Member if request.member_id.is_none() && request.post_id.is_none() => {
                errors.push(invalid(
                    "member_id",
                    "required",
                    "name the member, or a post of theirs as `post_id`",
                ));
            }
            Subject::Post | Subject::Member => {}
        }
        match reason {
            Some(reason) if errors.is_empty() => Ok(Self {
                kind,
                post: request.post_id.map(PostId),
                member: request.member_id.map(MembershipId),
                reason,
                muted_for,
            }),
            _ => Err(ApiError::from_domain_errors(errors)),
        }
    }
}

/// The post a moderator names, if it is in their group.
fn post_in(c: &mut DbConnection, group: &Group, id: PostId) -> Result<Post, ApiError> {
    match posts::get(c, id) {
        Ok(post) if post.group == group.id => Ok(post),
        Ok(_) | Err(PersistenceError::NotFound { .. }) => Err(DomainError::NotFound("post").into()),
        Err(other) => Err(other.into()),
    }
}

/// The member an action is about: the one named, or else the author of the post named.
fn member_in(
    c: &mut DbConnection,
    group: &Group,
    named: Option<MembershipId>,
    post: Option<&Post>,
) -> Result<Membership, ApiError> {
    let author = post.and_then(|post| post.author_member);
    let id = match (named, post) {
        (Some(named), Some(_)) if author != Some(named) => {
            return Err(DomainError::Invalid {
                field: "post_id".to_owned(),
                code: "mismatch",
                message: "is not by the member named".to_owned(),
            }
            .into());
        }
        (Some(named), _) => named,
        (None, _) => author.ok_or(DomainError::NotFound("membership"))?,
    };
    Ok(memberships::get(c, group.id, id)?)
}

/// Does to a post what a post action says.
fn act_on_post(
    c: &mut DbConnection,
    kind: ModerationKind,
    post: &Post,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    match kind {
        ModerationKind::Hide => {
            post.may_hide()?;
            posts::set_hidden(c, post, Some(now))?;
        }
        ModerationKind::Restore => {
            post.may_restore()?;
            posts::set_hidden(c, post, None)?;
        }
        ModerationKind::Dismiss => {
            if moderation::settle_reports(c, post.id, ReportStatus::Dismissed, now)? == 0 {
                return Err(DomainError::InvalidTransition {
                    subject: "report",
                    from: "settled",
                    to: ReportStatus::Dismissed.as_str(),
                }
                .into());
            }
        }
        ModerationKind::Warn
        | ModerationKind::Mute
        | ModerationKind::Unmute
        | ModerationKind::Remove
        | ModerationKind::Ban
        | ModerationKind::Unban => {}
    }
    Ok(())
}

/// Does to a member what a member action says; answers when a mute ends.
fn act_on_member(
    c: &mut DbConnection,
    group: &Group,
    checked: &Checked,
    target: &Membership,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, ApiError> {
    let kind = checked.kind;
    match kind {
        ModerationKind::Warn => policy::may_warn_or_mute(target, kind)?,
        ModerationKind::Mute => {
            policy::may_warn_or_mute(target, kind)?;
            return Ok(checked.muted_for.map(|hours| now + hours));
        }
        ModerationKind::Unmute => {
            policy::may_unmute(moderation::muted_until(c, target.id)?, now)?;
        }
        ModerationKind::Remove
        | ModerationKind::Ban
        | ModerationKind::Unban
        | ModerationKind::Hide
        | ModerationKind::Restore
        | ModerationKind::Dismiss => {
            if let Some(status) = kind.membership_change(target)? {
                let after = Membership {
                    status,
                    message: None,
                    updated_at: now,
                    ..target.clone()
                };
                commit(c, group, target, &after)?;
            }
        }
    }
    Ok(None)
}

/// Refuses acting on oneself, or on someone the caller does not outrank.
fn may_act_on(seen: &Seen, caller: &AuthUser, target: &Membership) -> Result<(), ApiError> {
    if target.account == caller.id {
        return Err(DomainError::Forbidden.into());
    }
    seen.actor
        .may_manage(seen.group.profile.visibility, target.role, None)?;
    Ok(())
}

/// Moderate
///
/// Facilitators and owners of the group, and platform admins. `hide` takes a post or reply
/// out of members' sight (its author still sees it, marked hidden), `restore` brings it back,
/// `dismiss` closes its open reports. `warn`, `mute` (for `hours`), `unmute`, `remove`, `ban`
/// and `unban` act on a member: named by `member_id`, or as the author of `post_id`.
/// Facilitators act on members only; owners and admins on anyone but themselves. Acting on a
/// post or its author settles the post's open reports. Every action is logged with its
/// `reason`, which the member concerned can read.
#[utoipa::path(
    tag = tags::MODERATION,
    security(("bearer" = [])),
    params(GroupPath),
    request_body = ModerationRequest,
    responses(
        (status = 201, description = "Done and logged", body = ModerationActionResponse,
         headers(("Location" = String, description = "The group's moderation log"))),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: not a facilitator, the member outranks the caller, or it is the caller", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such group, post (in this group) or membership", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid-transition`: already hidden, not hidden, no open reports, not an active member, not muted, not banned; `last-owner`; `group-archived`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: a missing or overlong reason, `hours` missing or out of range for `mute` (or given for another action), no post or member named, or a post not by the member named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{group}/moderation-actions")]
pub async fn moderate(
    user: AuthUser,
    path: Path<GroupPath>,
    JsonObject(request): JsonObject<ModerationRequest>,
    db: Data<Db>,
) -> Result<Created<ModerationActionResponse>, ApiError> {
    let checked = Checked::try_from(request)?;
    let reference = path.into_inner().group;
    let done = db
        .tx(move |c| {
            let seen = seen_locked(c, &reference, Some(&user))?;
            seen.actor.may_moderate(seen.group.profile.visibility)?;
            not_archived(&seen.group)?;
            let now = Utc::now();
            let post = checked
                .post
                .map(|id| post_in(c, &seen.group, id))
                .transpose()?;
            let (member, muted_until) = match (checked.kind.subject(), &post) {
                (Subject::Post, Some(post)) => {
                    // Moderating a post is moderating its author: not one's own, and not
                    // someone who outranks the moderator.
                    if let Some(author) = post.author_member {
                        may_act_on(&seen, &user, &memberships::get(c, seen.group.id, author)?)?;
                    }
                    act_on_post(c, checked.kind, post, now)?;
                    (post.author_member, None)
                }
                (Subject::Post, None) | (Subject::Member, _) => {
                    let target = member_in(c, &seen.group, checked.member, post.as_ref())?;
                    may_act_on(&seen, &user, &target)?;
                    let until = act_on_member(c, &seen.group, &checked, &target, now)?;
                    (Some(target.id), until)
                }
            };
            let settles = checked
                .kind
                .settles_reports()
                .filter(|_| checked.kind != ModerationKind::Dismiss);
            if let (Some(post), Some(settled)) = (&post, settles) {
                moderation::settle_reports(c, post.id, settled, now)?;
            }
            let action = ModerationAction {
                id: ModerationActionId::new(),
                group: seen.group.id,
                moderator: Some(user.id),
                kind: checked.kind,
                post: post.as_ref().map(|post| post.id),
                member,
                reason: Some(checked.reason),
                muted_until,
                created_at: now,
            };
            moderation::record(c, &action)?;
            Ok(moderation::action(c, action.id)?)
        })
        .await?;
    Ok(Created {
        location: format!("/v1/groups/{}/moderation-actions", done.action.group),
        body: ModerationActionResponse::new(done, true),
    })
}

/// List the moderation log
///
/// Facilitators, owners and platform admins read the group's whole log, newest first, or
/// what concerns one member. Anyone else with a membership of the group reads their own
/// notices: what was done to them or their posts and why, without the moderator's name
/// (someone removed or banned from a private group no longer sees it, and gets 404).
#[utoipa::path(
    tag = tags::MODERATION,
    security(("bearer" = [])),
    params(GroupPath, ModerationLogQuery),
    responses(
        (status = 200, description = "One page of the log", body = Page<ModerationActionResponse>),
        (status = 400, description = "`bad-request`: a cursor this API did not give out", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`membership-required`: no membership of the group; `forbidden`: another member's notices", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such group, or a private one", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: `limit` out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{group}/moderation-actions")]
pub async fn list_moderation_actions(
    user: AuthUser,
    path: Path<GroupPath>,
    Query(query): Query<ModerationLogQuery>,
    db: Data<Db>,
) -> Result<Json<Page<ModerationActionResponse>>, ApiError> {
    let named = query.member_id.map(MembershipId);
    let page = TimePage::of_list(
        PageQuery {
            limit: query.limit,
            cursor: query.cursor,
        },
        named.map(|member| member.to_string()).unwrap_or_default(),
    )?;
    let reference = path.into_inner().group;
    let found = db
        .run(move |c| {
            let seen = seen(c, &reference, Some(&user))?;
            let moderator = seen
                .actor
                .may_moderate(seen.group.profile.visibility)
                .is_ok();
            let filter = match (moderator, named, &seen.membership) {
                (true, None, _) => LogFilter::All,
                (true, Some(member), _) => LogFilter::Member(member),
                (false, _, None) => return Err(DomainError::MembershipRequired.into()),
                (false, Some(member), Some(own)) if member != own.id => {
                    return Err(DomainError::Forbidden.into());
                }
                (false, _, Some(own)) => LogFilter::NoticesOf(own.id),
            };
            let after = page.after.map(|(at, id)| (at, id.to_string()));
            let found = moderation::actions(c, seen.group.id, filter, after, page.fetch())?;
            let (found, next_cursor) =
                page.cut(found, |last| (last.action.created_at, last.action.id.0))?;
            Ok(Page {
                items: found
                    .into_iter()
                    .map(|named| ModerationActionResponse::new(named, moderator))
                    .collect(),
                next_cursor,
            })
        })
        .await?;
    Ok(Json(found))
}

/// Logs a facilitator's decision about a membership made through the membership endpoints
/// (removals, bans and lifted bans; admitting people is not moderation).
pub(crate) fn log_decision(
    c: &mut DbConnection,
    moderator: AccountId,
    target: &Membership,
    decision: Decision,
    reason: Option<String>,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    if let Some(kind) = ModerationKind::of_decision(decision) {
        moderation::record(
            c,
            &ModerationAction {
                id: ModerationActionId::new(),
                group: target.group,
                moderator: Some(moderator),
                kind,
                post: None,
                member: Some(target.id),
                reason,
                muted_until: None,
                created_at: at,
            },
        )?;
    }
    Ok(())
}

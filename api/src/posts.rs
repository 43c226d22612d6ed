//! A group's conversation (`/v1/groups/{group}/posts`, `/v1/posts/{post_id}`): posts and
//! replies by its active members, for its active members only.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Json, Path, Query};
use actix_web::{delete, get, patch, post};
use chrono::{DateTime, Utc};
use hearth_domain::DomainError;
use hearth_domain::account::AccountId;
use hearth_domain::group::Group;
use hearth_domain::membership::MembershipId;
use hearth_domain::moderation::not_muted;
use hearth_domain::post::{self as domain, POSTING, Post, PostId};
use hearth_openapi::{Page, Problem, tags};
use hearth_persistence::posts::Reader;
use hearth_persistence::{DbConnection, PersistenceError, accounts, moderation, posts};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db::Db;
use crate::error::ApiError;
use crate::extract::JsonObject;
use crate::groups::{GroupPath, Seen, not_archived, seen};
use crate::idempotency::{Answer, IdempotencyKey, once};
use crate::pagination::{PageQuery, TimePage};
use crate::responses::NoContent;

/// A post or a reply, as members see it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193aa8f-0a11-7c3e-9d2b-4a1f0e6c8b7d", "group_id": "0193aa8f-0a11-7c3e-9d2b-4a1f0e6c8b70",
    "parent_id": null, "author": "Sam R.", "mine": false,
    "body": "Thirty days today. Thank you all for Tuesday nights.", "reply_count": 4,
    "created_at": "2026-12-01T18:05:00Z", "edited_at": null, "deleted": false, "hidden": false,
    "author_member_id": null
}))]
pub struct PostResponse {
    /// Its id.
    pub id: Uuid,
    /// The group.
    pub group_id: Uuid,
    /// The post it answers, for a reply.
    pub parent_id: Option<Uuid>,
    /// The author's display name; `null` when deleted.
    pub author: Option<String>,
    /// Whether the caller wrote it (and so may edit or delete it).
    pub mine: bool,
    /// Markdown; `null` when deleted.
    pub body: Option<String>,
    /// Replies under it (0 for a reply).
    pub reply_count: u32,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When its author last edited it.
    pub edited_at: Option<DateTime<Utc>>,
    /// Deleted by its author (or with their account): kept, without body or author, so that
    /// the replies under it keep their place.
    pub deleted: bool,
    /// Hidden by a moderator: only the group's moderators and its author still see it.
    pub hidden: bool,
    /// For the group's moderators only: the author's membership, to warn, mute or remove them
    /// through `/v1/groups/{group}/moderation-actions`.
    pub author_member_id: Option<Uuid>,
}

impl PostResponse {
    /// The post as `reader` sees it; moderators also learn who to act on.
    pub(crate) fn new(post: Post, reader: AccountId, moderator: bool) -> Self {
        let deleted = post.deleted_at.is_some();
        Self {
            id: post.id.0,
            group_id: post.group.0,
            parent_id: post.parent.map(|parent| parent.0),
            author: post.author_name.filter(|_| !deleted),
            mine: post.author == Some(reader),
            body: post.body.filter(|_| !deleted),
            reply_count: post.reply_count,
            created_at: post.created_at,
            edited_at: post.edited_at,
            deleted,
            hidden: post.hidden_at.is_some(),
            author_member_id: post
                .author_member
                .filter(|_| moderator && !deleted)
                .map(|member| member.0),
        }
    }
}

/// What a member writes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"body": "Thirty days today. Thank you all for Tuesday nights."}))]
pub struct PostRequest {
    /// Markdown, 1 to 5000 characters once trimmed, without control characters.
    #[schema(min_length = 1, max_length = 5000)]
    pub body: String,
}

/// A post in a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PostPath {
    /// The post's (or reply's) id.
    pub post_id: Uuid,
}

/// The caller in a group's conversation: an active member, who also moderates it as a
/// facilitator or owner.
pub(crate) struct Participant {
    /// The group.
    pub(crate) group: Group,
    account: AccountId,
    member: Option<MembershipId>,
    moderator: bool,
}

impl Participant {
    fn of(seen: Seen, caller: &AuthUser) -> Result<Self, ApiError> {
        let visibility = seen.group.profile.visibility;
        seen.actor.may_converse(visibility)?;
        Ok(Self {
            moderator: seen.actor.may_moderate(visibility).is_ok(),
            member: seen.membership.map(|membership| membership.id),
            group: seen.group,
            account: caller.id,
        })
    }

    fn reader(&self) -> Reader {
        if self.moderator {
            Reader::Moderator
        } else {
            Reader::Member(self.account)
        }
    }

    /// The post as the participant sees it.
    pub(crate) fn show(&self, post: Post) -> PostResponse {
        PostResponse::new(post, self.account, self.moderator)
    }

    fn page(&self, found: Vec<Post>, page: TimePage) -> Result<Page<PostResponse>, ApiError> {
        let (found, next_cursor) = page.cut(found, |last| (last.created_at, last.id.0))?;
        Ok(Page {
            items: found.into_iter().map(|post| self.show(post)).collect(),
            next_cursor,
        })
    }

    /// Refuses writing while a facilitator's mute lasts.
    fn not_muted(&self, c: &mut DbConnection) -> Result<(), ApiError> {
        if let Some(member) = self.member {
            not_muted(moderation::muted_until(c, member)?, Utc::now())?;
        }
        Ok(())
    }
}

/// The post, and the caller in its group's conversation. A post of a group that does not
/// exist for the caller does not exist either, nor does a hidden one to members other than
/// its author.
pub(crate) fn conversation_post(
    c: &mut DbConnection,
    id: PostId,
    caller: &AuthUser,
) -> Result<(Post, Participant), ApiError> {
    let not_found = || ApiError::Domain(DomainError::NotFound("post"));
    let post = match posts::get(c, id) {
        Ok(post) => post,
        Err(PersistenceError::NotFound { .. }) => return Err(not_found()),
        Err(other) => return Err(other.into()),
    };
    let seen = seen(c, &post.group.to_string(), Some(caller)).map_err(|error| match error {
        ApiError::Domain(DomainError::NotFound(_)) => not_found(),
        other => other,
    })?;
    let participant = Participant::of(seen, caller)?;
    let thread = match post.parent {
        Some(parent) => Some(posts::get(c, parent)?),
        None => None,
    };
    let visible = |post: &Post| post.is_visible_to(participant.account, participant.moderator);
    if !visible(&post) || thread.as_ref().is_some_and(|thread| !visible(thread)) {
        return Err(not_found());
    }
    Ok((post, participant))
}

/// Writes a post or reply after the checks every new one passes: the group takes changes,
/// the author is not muted and has not written too much lately.
fn write(
    c: &mut DbConnection,
    participant: &Participant,
    parent: Option<PostId>,
    body: String,
) -> Result<PostResponse, ApiError> {
    not_archived(&participant.group)?;
    participant.not_muted(c)?;
    let now = Utc::now();
    let author = participant.account;
    // Counted under the author's lock: two posts at once must not both fit in the last place.
    accounts::lock(c, author)?;
    let (written, first) = posts::written_since(c, author, POSTING.window_start(now))?;
    POSTING.check(written, first, now)?;
    let post = Post {
        id: PostId::new(),
        group: participant.group.id,
        parent,
        author: Some(author),
        author_name: None,
        body: Some(body),
        reply_count: 0,
        created_at: now,
        edited_at: None,
        deleted_at: None,
        hidden_at: None,
        author_member: None,
    };
    posts::insert(c, &post)?;
    Ok(participant.show(posts::get(c, post.id)?))
}

/// Where a post or reply lives, read from its answer.
fn post_location(post: &serde_json::Value) -> Option<String> {
    post["id"].as_str().map(|id| format!("/v1/posts/{id}"))
}

const IDEMPOTENCY_KEY: &str =
    "Makes a retry safe: 1 to 255 visible ASCII characters, unique per post";

const NOT_A_MEMBER: &str = "`membership-required`: only the group's active members take part";
const NOT_A_MEMBER_OR_MUTED: &str = "`membership-required`: only the group's active members take part; `muted`: a facilitator muted the caller in this group for a while";

/// Post in a group
///
/// The group's active members. Markdown, shown with the author's display name only. A member
/// writes at most 10 posts and replies in 10 minutes (429 with `Retry-After` beyond). With an
/// `Idempotency-Key`, a retry within 24 hours gets the first answer (marked
/// `Idempotent-Replayed: true`) instead of posting twice.
#[utoipa::path(
    tag = tags::CONVERSATION,
    security(("bearer" = [])),
    params(GroupPath, ("Idempotency-Key" = Option<String>, Header, description = IDEMPOTENCY_KEY)),
    request_body = PostRequest,
    responses(
        (status = 201, description = "Posted", body = PostResponse,
         headers(("Location" = String, description = "The post"))),
        (status = 400, description = "`bad-request`: a body that is not JSON, or a malformed `Idempotency-Key`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = NOT_A_MEMBER_OR_MUTED, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such group, or a private one", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`group-archived`; `idempotency-key-in-use` while a request with the key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: an empty or oversized body, or one with control characters; `idempotency-key-reused`: the key was sent with another body", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too-many-attempts`: see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{group}/posts")]
pub async fn create_post(
    user: AuthUser,
    path: Path<GroupPath>,
    key: IdempotencyKey,
    JsonObject(request): JsonObject<PostRequest>,
    db: Data<Db>,
) -> Result<Answer, ApiError> {
    let reference = path.into_inner().group;
    let body = domain::parse_body(&request.body)?;
    let answer = db
        .tx(move |c| {
            once(
                c,
                &user.id.to_string(),
                &key,
                request.body.as_bytes(),
                |c| {
                    let participant = Participant::of(seen(c, &reference, Some(&user))?, &user)?;
                    Ok((StatusCode::CREATED, write(c, &participant, None, body)?))
                },
            )
        })
        .await?;
    Ok(answer.located(post_location))
}

/// List a group's posts
///
/// The group's active members; newest first. A deleted post stays, as a tombstone, while it
/// has replies to show. Posts a moderator hid are left out, except for the group's moderators
/// and the post's author, who see them marked `hidden`.
#[utoipa::path(
    tag = tags::CONVERSATION,
    security(("bearer" = [])),
    params(GroupPath, PageQuery),
    responses(
        (status = 200, description = "One page of posts", body = Page<PostResponse>),
        (status = 400, description = "`bad-request`: a cursor this API did not give out", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = NOT_A_MEMBER, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such group, or a private one", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: `limit` out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{group}/posts")]
pub async fn list_group_posts(
    user: AuthUser,
    path: Path<GroupPath>,
    Query(query): Query<PageQuery>,
    db: Data<Db>,
) -> Result<Json<Page<PostResponse>>, ApiError> {
    let page = TimePage::try_from(query)?;
    let reference = path.into_inner().group;
    let found = db
        .run(move |c| {
            let participant = Participant::of(seen(c, &reference, Some(&user))?, &user)?;
            let after = page.after.map(|(at, id)| (at, PostId(id)));
            let found = posts::of_group(
                c,
                participant.group.id,
                participant.reader(),
                after,
                page.fetch(),
            )?;
            participant.page(found, page)
        })
        .await?;
    Ok(Json(found))
}

/// Get a post
///
/// The group's active members.
#[utoipa::path(
    tag = tags::CONVERSATION,
    security(("bearer" = [])),
    params(PostPath),
    responses(
        (status = 200, description = "The post or reply", body = PostResponse),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = NOT_A_MEMBER, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{post_id}")]
pub async fn get_post(
    user: AuthUser,
    path: Path<PostPath>,
    db: Data<Db>,
) -> Result<Json<PostResponse>, ApiError> {
    let id = PostId(path.post_id);
    let post = db
        .run(move |c| {
            let (post, participant) = conversation_post(c, id, &user)?;
            Ok(participant.show(post))
        })
        .await?;
    Ok(Json(post))
}

/// Edit a post
///
/// Its author, for 15 minutes after writing it, while a member of the group.
#[utoipa::path(
    tag = tags::CONVERSATION,
    security(("bearer" = [])),
    params(PostPath),
    request_body = PostRequest,
    responses(
        (status = 200, description = "The edited post", body = PostResponse),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: not its author; `membership-required`; `muted`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such post, or a deleted one", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`edit-window-closed`: written more than 15 minutes ago; `post-hidden`: a moderator hid it; `group-archived`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: an empty or oversized body, or one with control characters", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/{post_id}")]
pub async fn update_post(
    user: AuthUser,
    path: Path<PostPath>,
    JsonObject(request): JsonObject<PostRequest>,
    db: Data<Db>,
) -> Result<Json<PostResponse>, ApiError> {
    let id = PostId(path.post_id);
    let body = domain::parse_body(&request.body)?;
    let post = db
        .tx(move |c| {
            let (post, participant) = conversation_post(c, id, &user)?;
            if post.deleted_at.is_some() {
                return Err(DomainError::NotFound("post").into());
            }
            post.may_edit(user.id, Utc::now())?;
            not_archived(&participant.group)?;
            participant.not_muted(c)?;
            if !posts::edit(c, id, &body, Utc::now())? {
                return Err(DomainError::NotFound("post").into());
            }
            Ok(participant.show(posts::get(c, id)?))
        })
        .await?;
    Ok(Json(post))
}

/// Delete a post
///
/// Its author, at any time, even after leaving the group: the body goes, and a post with
/// replies stays as a tombstone.
#[utoipa::path(
    tag = tags::CONVERSATION,
    security(("bearer" = [])),
    params(PostPath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: not its author; `membership-required`: someone else's post in a group the caller is not in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such post, one already deleted, or one of a private group the caller is not in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{post_id}")]
pub async fn delete_post(
    user: AuthUser,
    path: Path<PostPath>,
    db: Data<Db>,
) -> Result<NoContent, ApiError> {
    let id = PostId(path.post_id);
    db.tx(move |c| {
        let not_found = || ApiError::Domain(DomainError::NotFound("post"));
        let post = match posts::get(c, id) {
            Ok(post) if post.deleted_at.is_none() => post,
            Ok(_) | Err(PersistenceError::NotFound { .. }) => return Err(not_found()),
            Err(other) => return Err(other.into()),
        };
        if post.may_delete(user.id).is_err() {
            // Someone else's post: whether it exists is for the group's members to know.
            conversation_post(c, id, &user)?;
            return Err(DomainError::Forbidden.into());
        }
        posts::delete(c, &post, Utc::now())?;
        Ok(())
    })
    .await?;
    Ok(NoContent)
}

/// Reply to a post
///
/// The group's active members, with the same limits as posts. Replies are one level deep: a
/// reply to a reply joins the post's replies. A deleted post takes no more replies.
#[utoipa::path(
    tag = tags::CONVERSATION,
    security(("bearer" = [])),
    params(PostPath, ("Idempotency-Key" = Option<String>, Header, description = IDEMPOTENCY_KEY)),
    request_body = PostRequest,
    responses(
        (status = 201, description = "Replied", body = PostResponse,
         headers(("Location" = String, description = "The reply"))),
        (status = 400, description = "`bad-request`: a body that is not JSON, or a malformed `Idempotency-Key`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = NOT_A_MEMBER_OR_MUTED, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such post, or a deleted or hidden one", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`group-archived`; `idempotency-key-in-use` while a request with the key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: an empty or oversized body, or one with control characters; `idempotency-key-reused`: the key was sent with another body", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too-many-attempts`: see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{post_id}/replies")]
pub async fn create_reply(
    user: AuthUser,
    path: Path<PostPath>,
    key: IdempotencyKey,
    JsonObject(request): JsonObject<PostRequest>,
    db: Data<Db>,
) -> Result<Answer, ApiError> {
    let id = PostId(path.post_id);
    let body = domain::parse_body(&request.body)?;
    let answer = db
        .tx(move |c| {
            once(
                c,
                &user.id.to_string(),
                &key,
                request.body.as_bytes(),
                |c| {
                    let (post, participant) = conversation_post(c, id, &user)?;
                    let thread = match post.parent {
                        Some(parent) => posts::get(c, parent)?,
                        None => post.clone(),
                    };
                    post.takes_replies()?;
                    thread.takes_replies()?;
                    let reply = write(c, &participant, Some(thread.id), body)?;
                    Ok((StatusCode::CREATED, reply))
                },
            )
        })
        .await?;
    Ok(answer.located(post_location))
}

/// List a post's replies
///
/// The group's active members; oldest first, as the conversation went. Deleted replies are
/// left out; a reply has no replies of its own (404).
#[utoipa::path(
    tag = tags::CONVERSATION,
    security(("bearer" = [])),
    params(PostPath, PageQuery),
    responses(
        (status = 200, description = "One page of replies", body = Page<PostResponse>),
        (status = 400, description = "`bad-request`: a cursor this API did not give out", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = NOT_A_MEMBER, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: `limit` out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{post_id}/replies")]
pub async fn list_replies(
    user: AuthUser,
    path: Path<PostPath>,
    Query(query): Query<PageQuery>,
    db: Data<Db>,
) -> Result<Json<Page<PostResponse>>, ApiError> {
    let page = TimePage::try_from(query)?;
    let id = PostId(path.post_id);
    let found = db
        .run(move |c| {
            let (post, participant) = conversation_post(c, id, &user)?;
            if post.parent.is_some() {
                // Replies are one level deep: a reply has none of its own.
                return Err(DomainError::NotFound("post").into());
            }
            let after = page.after.map(|(at, id)| (at, PostId(id)));
            let found = posts::replies(c, id, participant.reader(), after, page.fetch())?;
            participant.page(found, page)
        })
        .await?;
    Ok(Json(found))
}

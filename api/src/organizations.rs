//! Organisations, their people and their API clients.

use actix_web::web::{Data, Path, Query};
use actix_web::{delete, get, post, put};
use chrono::{DateTime, Utc};
use hearth_domain::DomainError;
use hearth_domain::account::{AccountId, PlatformRole};
use hearth_domain::organization::{
    self as policy, ApiClientId, Organization, OrganizationActor, OrganizationId, OrganizationKind,
    OrganizationRole, Scope,
};
use hearth_openapi::{Page, Problem, tags};
use hearth_persistence::organizations::{self, ApiClient, Member};
use hearth_persistence::{DbConnection, accounts};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::conditional::Tagged;
use crate::credentials::OneTimeToken;
use crate::db::Db;
use crate::error::ApiError;
use crate::extract::JsonObject;
use crate::pagination::{PageQuery, PageRequest};
use crate::responses::{Created, NoContent};

/// An organisation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01930b6e-8f5a-7c3e-9d2b-4a1f0e6c8b7d",
    "name": "Harbour Street Clinic",
    "kind": "clinic",
    "created_at": "2026-11-27T08:00:00Z"
}))]
pub struct OrganizationResponse {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: OrganizationKind,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl From<Organization> for OrganizationResponse {
    fn from(org: Organization) -> Self {
        Self {
            id: org.id.0,
            name: org.name,
            kind: org.kind,
            created_at: org.created_at,
        }
    }
}

/// A new organisation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Harbour Street Clinic", "kind": "clinic"}))]
pub struct CreateOrganizationRequest {
    /// Its name, 1 to 120 characters.
    #[schema(min_length = 1, max_length = 120)]
    pub name: String,
    /// Its kind.
    pub kind: OrganizationKind,
}

/// The organisation in a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct OrganizationPath {
    /// The organisation's id.
    pub organization_id: Uuid,
}

/// A person of an organisation in a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MemberPath {
    /// The organisation's id.
    pub organization_id: Uuid,
    /// The person's account id.
    pub account_id: Uuid,
}

/// An API client of an organisation in a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ClientPath {
    /// The organisation's id.
    pub organization_id: Uuid,
    /// The client's id.
    pub client_id: Uuid,
}

/// Loads the organisation and the caller's standing in it; refuses with 404 those for whom it
/// does not exist.
pub(crate) fn visible(
    c: &mut DbConnection,
    id: OrganizationId,
    user: &AuthUser,
) -> Result<(Organization, OrganizationActor), ApiError> {
    let org = organizations::get(c, id)?;
    let actor = OrganizationActor {
        account: user.id,
        platform_role: user.platform_role(),
        role: organizations::role_of(c, id, user.id)?,
    };
    actor.may_see()?;
    Ok((org, actor))
}

/// Create an organisation
///
/// Platform administrators only. The creator becomes its first administrator.
#[utoipa::path(
    tag = tags::ORGANIZATIONS,
    security(("bearer" = [])),
    request_body = CreateOrganizationRequest,
    responses(
        (status = 201, description = "Created", body = OrganizationResponse,
         headers(("Location" = String, description = "The new organisation"))),
        (status = 403, description = "`forbidden`: not a platform administrator",
         body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn create_organization(
    user: AuthUser,
    JsonObject(request): JsonObject<CreateOrganizationRequest>,
    db: Data<Db>,
) -> Result<Created<OrganizationResponse>, ApiError> {
    policy::may_create_organization(user.platform_role())?;
    let org = Organization {
        id: OrganizationId::new(),
        name: policy::parse_organization_name(&request.name)?,
        kind: request.kind,
        created_at: Utc::now(),
    };
    let stored = org.clone();
    db.tx(move |c| Ok(organizations::insert(c, &stored, user.id)?))
        .await?;
    Ok(Created {
        location: format!("/v1/organizations/{}", org.id),
        body: org.into(),
    })
}

/// List organisations
///
/// Platform administrators see every organisation; everyone else sees the ones they belong to.
#[utoipa::path(
    tag = tags::ORGANIZATIONS,
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "One page", body = Page<OrganizationResponse>),
        (status = 400, description = "`bad-request`: a cursor this API did not give out", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: `limit` out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn list_organizations(
    user: AuthUser,
    Query(query): Query<PageQuery>,
    db: Data<Db>,
) -> Result<Tagged<Page<OrganizationResponse>>, ApiError> {
    let page = PageRequest::try_from(query)?;
    let member = match user.platform_role() {
        PlatformRole::Admin => None,
        PlatformRole::Member => Some(user.id),
    };
    let orgs = db
        .run(move |c| {
            Ok(organizations::list(
                c,
                member,
                page.after.map(OrganizationId),
                page.fetch(),
            )?)
        })
        .await?;
    let page = page.page(orgs, |org| org.id.0);
    Ok(Tagged(Page {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Get an organisation
///
/// Visible to its people and platform administrators; to everyone else it does not exist.
#[utoipa::path(
    tag = tags::ORGANIZATIONS,
    security(("bearer" = [])),
    params(OrganizationPath),
    responses(
        (status = 200, description = "The organisation", body = OrganizationResponse,
         headers(("ETag" = String, description = "The version of this representation"))),
        (status = 304, description = "Unchanged since the `If-None-Match` version"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{organization_id}")]
pub async fn get_organization(
    user: AuthUser,
    path: Path<OrganizationPath>,
    db: Data<Db>,
) -> Result<Tagged<OrganizationResponse>, ApiError> {
    let id = OrganizationId(path.organization_id);
    let (org, _) = db.run(move |c| visible(c, id, &user)).await?;
    Ok(Tagged(org.into()))
}

/// A person of an organisation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "account_id": "01930b6e-8f5a-7c3e-9d2b-4a1f0e6c8b7d",
    "display_name": "Dr. Okafor",
    "role": "admin",
    "since": "2026-11-27T08:00:00Z"
}))]
pub struct MemberResponse {
    /// Their account id.
    pub account_id: Uuid,
    /// Their display name.
    pub display_name: String,
    /// Their role.
    pub role: OrganizationRole,
    /// Since when.
    pub since: DateTime<Utc>,
}

impl From<Member> for MemberResponse {
    fn from(member: Member) -> Self {
        Self {
            account_id: member.account.0,
            display_name: member.display_name,
            role: member.role,
            since: member.since,
        }
    }
}

/// List an organisation's people
#[utoipa::path(
    tag = tags::ORGANIZATIONS,
    security(("bearer" = [])),
    params(OrganizationPath),
    responses(
        (status = 200, description = "Its administrators and staff", body = Vec<MemberResponse>),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{organization_id}/members")]
pub async fn list_organization_members(
    user: AuthUser,
    path: Path<OrganizationPath>,
    db: Data<Db>,
) -> Result<Tagged<Vec<MemberResponse>>, ApiError> {
    let id = OrganizationId(path.organization_id);
    let members = db
        .run(move |c| {
            visible(c, id, &user)?;
            Ok(organizations::members(c, id)?)
        })
        .await?;
    Ok(Tagged(members.into_iter().map(Into::into).collect()))
}

/// A role to give.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "staff"}))]
pub struct PutMemberRequest {
    /// The role.
    pub role: OrganizationRole,
}

/// Add a person or change their role
///
/// Organisation and platform administrators. The person is named by account id (they find it
/// under `GET /v1/me`), never by email, so the API reveals nothing about who has an account.
#[utoipa::path(
    tag = tags::ORGANIZATIONS,
    security(("bearer" = [])),
    params(MemberPath),
    request_body = PutMemberRequest,
    responses(
        (status = 200, description = "The person with their role", body = MemberResponse),
        (status = 403, description = "`forbidden`: not an administrator here", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such organisation or account", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`last-admin`: the only administrator cannot become staff", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/{organization_id}/members/{account_id}")]
pub async fn put_organization_member(
    user: AuthUser,
    path: Path<MemberPath>,
    JsonObject(request): JsonObject<PutMemberRequest>,
    db: Data<Db>,
) -> Result<actix_web::web::Json<MemberResponse>, ApiError> {
    let (org_id, account_id) = (
        OrganizationId(path.organization_id),
        AccountId(path.account_id),
    );
    let member = db
        .tx(move |c| {
            let (_, actor) = visible(c, org_id, &user)?;
            actor.may_manage()?;
            accounts::get(c, account_id)?;
            let was = organizations::role_of(c, org_id, account_id)?;
            organizations::add_member(c, org_id, account_id, request.role, Utc::now())?;
            if was == Some(OrganizationRole::Admin) {
                policy::keeps_an_admin(organizations::count_admins(c, org_id)?)?;
            }
            organizations::members(c, org_id)?
                .into_iter()
                .find(|m| m.account == account_id)
                .ok_or_else(|| DomainError::NotFound("account").into())
        })
        .await?;
    Ok(actix_web::web::Json(member.into()))
}

/// Remove a person
///
/// Organisation and platform administrators; anyone may also remove themselves. The last
/// administrator cannot go.
#[utoipa::path(
    tag = tags::ORGANIZATIONS,
    security(("bearer" = [])),
    params(MemberPath),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`last-admin`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{organization_id}/members/{account_id}")]
pub async fn delete_organization_member(
    user: AuthUser,
    path: Path<MemberPath>,
    db: Data<Db>,
) -> Result<NoContent, ApiError> {
    let (org_id, account_id) = (
        OrganizationId(path.organization_id),
        AccountId(path.account_id),
    );
    db.tx(move |c| {
        let (_, actor) = visible(c, org_id, &user)?;
        if account_id != user.id {
            actor.may_manage()?;
        }
        if !organizations::remove_member(c, org_id, account_id)? {
            return Err(DomainError::NotFound("member").into());
        }
        Ok(policy::keeps_an_admin(organizations::count_admins(
            c, org_id,
        )?)?)
    })
    .await?;
    Ok(NoContent)
}

/// An API client (its secret is never shown again after it is issued).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "client_id": "01930b6e-9a1b-7c3e-9d2b-4a1f0e6c8b7d",
    "name": "Clinic EHR integration",
    "scopes": ["referrals:read", "referrals:write"],
    "created_at": "2026-11-27T08:00:00Z",
    "secret_rotated_at": "2026-11-27T08:00:00Z",
    "revoked_at": null
}))]
pub struct ApiClientResponse {
    /// Use as `client_id` with the `client_credentials` grant.
    pub client_id: Uuid,
    /// A name to recognise it by.
    pub name: String,
    /// What its tokens may do.
    pub scopes: Vec<Scope>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When its secret was last set.
    pub secret_rotated_at: DateTime<Utc>,
    /// When it was revoked; a revoked client gets no tokens.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiClient> for ApiClientResponse {
    fn from(client: ApiClient) -> Self {
        Self {
            client_id: client.id.0,
            name: client.name,
            scopes: client.scopes,
            created_at: client.created_at,
            secret_rotated_at: client.secret_rotated_at,
            revoked_at: client.revoked_at,
        }
    }
}

/// An API client with its secret: shown this once, stored only as a hash.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "client_id": "01930b6e-9a1b-7c3e-9d2b-4a1f0e6c8b7d",
    "name": "Clinic EHR integration",
    "scopes": ["referrals:read", "referrals:write"],
    "created_at": "2026-11-27T08:00:00Z",
    "secret_rotated_at": "2026-11-27T08:00:00Z",
    "revoked_at": null,
    "client_secret": "5e0d2c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d"
}))]
pub struct IssuedApiClientResponse {
    /// The client.
    #[serde(flatten)]
    pub client: ApiClientResponse,
    /// The secret, for `client_secret`. Store it now: it cannot be shown again.
    pub client_secret: String,
}

/// A new API client.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Clinic EHR integration", "scopes": ["referrals:read", "referrals:write"]}))]
pub struct CreateApiClientRequest {
    /// A name to recognise it by, 1 to 120 characters.
    #[schema(min_length = 1, max_length = 120)]
    pub name: String,
    /// What its tokens may do.
    pub scopes: Vec<Scope>,
}

/// List an organisation's API clients
#[utoipa::path(
    tag = tags::ORGANIZATIONS,
    security(("bearer" = [])),
    params(OrganizationPath),
    responses(
        (status = 200, description = "Its clients, revoked ones included", body = Vec<ApiClientResponse>),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{organization_id}/clients")]
pub async fn list_api_clients(
    user: AuthUser,
    path: Path<OrganizationPath>,
    db: Data<Db>,
) -> Result<Tagged<Vec<ApiClientResponse>>, ApiError> {
    let id = OrganizationId(path.organization_id);
    let clients = db
        .run(move |c| {
            visible(c, id, &user)?.1.may_manage()?;
            Ok(organizations::clients(c, id)?)
        })
        .await?;
    Ok(Tagged(clients.into_iter().map(Into::into).collect()))
}

/// Create an API client
///
/// For server-to-server access with the `client_credentials` grant. The secret is in this
/// answer only.
#[utoipa::path(
    tag = tags::ORGANIZATIONS,
    security(("bearer" = [])),
    params(OrganizationPath),
    request_body = CreateApiClientRequest,
    responses(
        (status = 201, description = "Created, with its secret", body = IssuedApiClientResponse,
         headers(("Location" = String, description = "The new client"))),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{organization_id}/clients")]
pub async fn create_api_client(
    user: AuthUser,
    path: Path<OrganizationPath>,
    JsonObject(request): JsonObject<CreateApiClientRequest>,
    db: Data<Db>,
) -> Result<Created<IssuedApiClientResponse>, ApiError> {
    let org = OrganizationId(path.organization_id);
    let name = policy::parse_organization_name(&request.name)?;
    let mut scopes = request.scopes;
    scopes.sort();
    scopes.dedup();
    let now = Utc::now();
    let client = ApiClient {
        id: ApiClientId::new(),
        organization: org,
        name,
        scopes,
        created_at: now,
        secret_rotated_at: now,
        revoked_at: None,
    };
    let secret = OneTimeToken::generate()?;
    let (stored, hash) = (client.clone(), secret.hash.clone());
    db.tx(move |c| {
        visible(c, org, &user)?.1.may_manage()?;
        Ok(organizations::insert_client(c, &stored, &hash)?)
    })
    .await?;
    Ok(Created {
        location: format!("/v1/organizations/{org}/clients/{}", client.id),
        body: IssuedApiClientResponse {
            client: client.into(),
            client_secret: secret.value.expose().clone(),
        },
    })
}

/// Rotate an API client's secret
///
/// The old secret stops working at once; tokens already issued run out within minutes.
#[utoipa::path(
    tag = tags::ORGANIZATIONS,
    security(("bearer" = [])),
    params(ClientPath),
    responses(
        (status = 200, description = "The new secret, shown this once", body = IssuedApiClientResponse),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such live client", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{organization_id}/clients/{client_id}/secret")]
pub async fn rotate_api_client_secret(
    user: AuthUser,
    path: Path<ClientPath>,
    db: Data<Db>,
) -> Result<actix_web::web::Json<IssuedApiClientResponse>, ApiError> {
    let (org, id) = (
        OrganizationId(path.organization_id),
        ApiClientId(path.client_id),
    );
    let secret = OneTimeToken::generate()?;
    let hash = secret.hash.clone();
    let client = db
        .tx(move |c| {
            visible(c, org, &user)?.1.may_manage()?;
            if !organizations::rotate_client_secret(c, org, id, &hash, Utc::now())? {
                return Err(DomainError::NotFound("API client").into());
            }
            Ok(organizations::client(c, org, id)?)
        })
        .await?;
    Ok(actix_web::web::Json(IssuedApiClientResponse {
        client: client.into(),
        client_secret: secret.value.expose().clone(),
    }))
}

/// Revoke an API client
///
/// For good: it gets no more tokens. Tokens already issued run out within minutes.
#[utoipa::path(
    tag = tags::ORGANIZATIONS,
    security(("bearer" = [])),
    params(ClientPath),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such live client", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{organization_id}/clients/{client_id}")]
pub async fn revoke_api_client(
    user: AuthUser,
    path: Path<ClientPath>,
    db: Data<Db>,
) -> Result<NoContent, ApiError> {
    let (org, id) = (
        OrganizationId(path.organization_id),
        ApiClientId(path.client_id),
    );
    db.tx(move |c| {
        visible(c, org, &user)?.1.may_manage()?;
        if !organizations::revoke_client(c, org, id, Utc::now())? {
            return Err(DomainError::NotFound("API client").into());
        }
        Ok(())
    })
    .await?;
    Ok(NoContent)
}

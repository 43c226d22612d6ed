//! Who writes articles and resources: platform editors (`/v1/editors`, granted by
//! administrators), administrators themselves, and an organisation's staff for their
//! organisation's content.

use actix_web::web::{Data, Json, Path};
use actix_web::{delete, get, put};
use chrono::{DateTime, Utc};
use hearth_domain::DomainError;
use hearth_domain::account::{AccountId, PlatformRole};
use hearth_domain::content::{ContentEditor, PublicationStatus, Publishable};
use hearth_domain::organization::OrganizationId;
use hearth_openapi::{Problem, tags};
use hearth_persistence::content::Scope;
use hearth_persistence::{DbConnection, PersistenceError, accounts, content, organizations};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db::Db;
use crate::error::ApiError;
use crate::responses::NoContent;

/// What the caller may write.
pub(crate) fn content_editor(
    c: &mut DbConnection,
    user: &AuthUser,
) -> Result<ContentEditor, ApiError> {
    let platform = user.platform_role() == PlatformRole::Admin || content::is_editor(c, user.id)?;
    let organizations = organizations::memberships_of(c, user.id)?
        .into_iter()
        .map(|(organization, _, _)| organization.id)
        .collect();
    Ok(ContentEditor {
        platform,
        organizations,
    })
}

/// Refuses giving content to an organisation that does not exist or that the editor does
/// not write for.
pub(crate) fn may_give_to(
    c: &mut DbConnection,
    editor: &ContentEditor,
    organization: Option<OrganizationId>,
) -> Result<(), ApiError> {
    let Some(organization) = organization else {
        return editor.may_edit(None).map_err(Into::into);
    };
    let exists = match organizations::get(c, organization) {
        Ok(_) => true,
        Err(PersistenceError::NotFound { .. }) => false,
        Err(other) => return Err(other.into()),
    };
    if exists && editor.may_edit(Some(organization)).is_ok() {
        Ok(())
    } else {
        Err(DomainError::Invalid {
            field: "organization_id".to_owned(),
            code: "organization",
            message: "must be an organisation you write for".to_owned(),
        }
        .into())
    }
}

/// The piece of content found, if the caller may read it, with what the caller may write;
/// content they may not read does not exist for them (404 naming `entity`).
pub(crate) fn readable<T: Publishable>(
    c: &mut DbConnection,
    found: Option<T>,
    caller: Option<&AuthUser>,
    now: DateTime<Utc>,
    entity: &'static str,
) -> Result<(T, Option<ContentEditor>), ApiError> {
    let not_found = || ApiError::Domain(DomainError::NotFound(entity));
    let content = found.ok_or_else(not_found)?;
    let editor = caller.map(|user| content_editor(c, user)).transpose()?;
    if content.is_readable_by(editor.as_ref(), now) {
        Ok((content, editor))
    } else {
        Err(not_found())
    }
}

/// Whom a list is for: readers, or with `status` an editor, who lists what they may write.
pub(crate) fn list_scope(
    c: &mut DbConnection,
    status: Option<PublicationStatus>,
    caller: Option<&AuthUser>,
    now: DateTime<Utc>,
) -> Result<Scope, ApiError> {
    let (Some(status), Some(user)) = (status, caller) else {
        return match status {
            None => Ok(Scope::Public(now)),
            Some(_) => Err(ApiError::Unauthenticated(
                "Listing by status is for editors",
            )),
        };
    };
    let editor = content_editor(c, user)?;
    if !editor.is_editor() {
        return Err(DomainError::Forbidden.into());
    }
    Ok(Scope::Editing {
        status,
        organizations: (!editor.platform).then_some(editor.organizations),
        now,
    })
}

/// Where a page of `scope` continues after `last`: readers' lists go by publication,
/// editors' by the latest change.
pub(crate) fn position<T: Publishable>(scope: &Scope, last: &T) -> (DateTime<Utc>, Uuid) {
    let at = match scope {
        Scope::Public(_) => last.publication().published_at,
        Scope::Editing { .. } => None,
    };
    (at.unwrap_or_else(|| last.updated_at()), last.key())
}

/// The organisation content belongs to after an editor's change: as it was when the request
/// leaves it out, else one the editor writes for (or the platform's, for platform editors).
pub(crate) fn owner_after(
    c: &mut DbConnection,
    editor: &ContentEditor,
    requested: Option<Option<Uuid>>,
    before: Option<OrganizationId>,
) -> Result<Option<OrganizationId>, ApiError> {
    let Some(requested) = requested.map(|org| org.map(OrganizationId)) else {
        return Ok(before);
    };
    if requested != before {
        may_give_to(c, editor, requested)?;
    }
    Ok(requested)
}

/// A platform editor.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "account_id": "0193aa8e-1111-7c3e-9d2b-4a1f0e6c8b7d", "display_name": "Morgan (editor)",
    "granted_at": "2026-12-01T09:00:00Z"
}))]
pub struct EditorResponse {
    /// Their account.
    pub account_id: Uuid,
    /// Their display name.
    pub display_name: String,
    /// Since when they edit.
    pub granted_at: DateTime<Utc>,
}

/// An account in a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct EditorPath {
    /// The account's id.
    pub account_id: Uuid,
}

fn admin_only(user: &AuthUser) -> Result<(), ApiError> {
    if user.platform_role() == PlatformRole::Admin {
        Ok(())
    } else {
        Err(DomainError::Forbidden.into())
    }
}

/// List platform editors
///
/// Platform administrators.
#[utoipa::path(
    tag = tags::CONTENT,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every platform editor, longest-serving first", body = Vec<EditorResponse>),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: not an administrator", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn list_editors(
    user: AuthUser,
    db: Data<Db>,
) -> Result<Json<Vec<EditorResponse>>, ApiError> {
    admin_only(&user)?;
    let editors = db.run(|c| Ok(content::editors(c)?)).await?;
    Ok(Json(
        editors
            .into_iter()
            .map(|(account, display_name, granted_at)| EditorResponse {
                account_id: account.0,
                display_name,
                granted_at,
            })
            .collect(),
    ))
}

/// Make someone a platform editor
///
/// Platform administrators. Editors write and publish articles and resources for the whole
/// platform; an organisation's staff write their organisation's own without this. Granting
/// it again changes nothing.
#[utoipa::path(
    tag = tags::CONTENT,
    security(("bearer" = [])),
    params(EditorPath),
    responses(
        (status = 204, description = "An editor now"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such account", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/{account_id}")]
pub async fn grant_editor(
    user: AuthUser,
    path: Path<EditorPath>,
    db: Data<Db>,
) -> Result<NoContent, ApiError> {
    admin_only(&user)?;
    let account = AccountId(path.account_id);
    db.tx(move |c| {
        accounts::get(c, account)?;
        content::grant_editor(c, account, user.id, Utc::now())?;
        Ok(())
    })
    .await?;
    Ok(NoContent)
}

/// Stop someone being a platform editor
///
/// Platform administrators. What they wrote stays. Answers 204 whether or not they were one.
#[utoipa::path(
    tag = tags::CONTENT,
    security(("bearer" = [])),
    params(EditorPath),
    responses(
        (status = 204, description = "Not an editor any more"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: not an administrator", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{account_id}")]
pub async fn revoke_editor(
    user: AuthUser,
    path: Path<EditorPath>,
    db: Data<Db>,
) -> Result<NoContent, ApiError> {
    admin_only(&user)?;
    let account = AccountId(path.account_id);
    db.tx(move |c| Ok(content::revoke_editor(c, account)?))
        .await?;
    Ok(NoContent)
}

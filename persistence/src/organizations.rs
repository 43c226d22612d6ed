//! Organisations, their members and their API clients.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use hearth_domain::account::AccountId;
use hearth_domain::organization::{
    ApiClientId, Organization, OrganizationId, OrganizationKind, OrganizationRole, Scope,
};

use crate::ids::parse_id;
use crate::schema::{accounts, api_clients, organization_members, organizations};
use crate::time::{from_db, to_db};
use crate::{DbConnection, PersistenceError};

type OrganizationRow = (String, String, String, NaiveDateTime);

fn organization(row: OrganizationRow) -> Result<Organization, PersistenceError> {
    let (id, name, kind, created_at) = row;
    Ok(Organization {
        id: OrganizationId(parse_id(&id, "organization")?),
        kind: OrganizationKind::parse(&kind)
            .ok_or_else(|| PersistenceError::Corrupt(format!("organization {id}: kind")))?,
        name,
        created_at: from_db(created_at),
    })
}

fn parse_role(role: &str) -> Result<OrganizationRole, PersistenceError> {
    OrganizationRole::parse(role)
        .ok_or_else(|| PersistenceError::Corrupt(format!("member role {role}")))
}

/// Stores a new organisation with its first administrator.
pub fn insert(
    c: &mut DbConnection,
    org: &Organization,
    first_admin: AccountId,
) -> Result<(), PersistenceError> {
    let at = to_db(org.created_at);
    diesel::insert_into(organizations::table)
        .values((
            organizations::id.eq(org.id.to_string()),
            organizations::name.eq(&org.name),
            organizations::kind.eq(org.kind.as_str()),
            organizations::created_at.eq(at),
            organizations::updated_at.eq(at),
        ))
        .execute(c)?;
    add_member(
        c,
        org.id,
        first_admin,
        OrganizationRole::Admin,
        org.created_at,
    )
}

/// The organisation with this id.
pub fn get(c: &mut DbConnection, id: OrganizationId) -> Result<Organization, PersistenceError> {
    let row: Option<OrganizationRow> = organizations::table
        .find(id.to_string())
        .select((
            organizations::id,
            organizations::name,
            organizations::kind,
            organizations::created_at,
        ))
        .first(c)
        .optional()?;
    organization(row.ok_or_else(|| PersistenceError::NotFound {
        entity: "organization",
        id: id.to_string(),
    })?)
}

/// Organisations in id order after `after`: all of them, or only those `member` belongs to.
pub fn list(
    c: &mut DbConnection,
    member: Option<AccountId>,
    after: Option<OrganizationId>,
    limit: i64,
) -> Result<Vec<Organization>, PersistenceError> {
    let mut query = organizations::table
        .select((
            organizations::id,
            organizations::name,
            organizations::kind,
            organizations::created_at,
        ))
        .order(organizations::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(member) = member {
        query = query.filter(
            organizations::id.eq_any(
                organization_members::table
                    .filter(organization_members::account_id.eq(member.to_string()))
                    .select(organization_members::organization_id),
            ),
        );
    }
    if let Some(after) = after {
        query = query.filter(organizations::id.gt(after.to_string()));
    }
    let rows: Vec<OrganizationRow> = query.load(c)?;
    rows.into_iter().map(organization).collect()
}

/// The account's role in the organisation, if any.
pub fn role_of(
    c: &mut DbConnection,
    org: OrganizationId,
    account: AccountId,
) -> Result<Option<OrganizationRole>, PersistenceError> {
    let role: Option<String> = organization_members::table
        .find((org.to_string(), account.to_string()))
        .select(organization_members::role)
        .first(c)
        .optional()?;
    role.map(|role| parse_role(&role)).transpose()
}

/// A person in an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Their account.
    pub account: AccountId,
    /// Their display name.
    pub display_name: String,
    /// Their role.
    pub role: OrganizationRole,
    /// Since when.
    pub since: DateTime<Utc>,
}

/// The organisation's people, in the order they joined.
pub fn members(c: &mut DbConnection, org: OrganizationId) -> Result<Vec<Member>, PersistenceError> {
    let rows: Vec<(String, String, String, NaiveDateTime)> = organization_members::table
        .inner_join(accounts::table)
        .filter(organization_members::organization_id.eq(org.to_string()))
        .order((
            organization_members::created_at.asc(),
            organization_members::account_id.asc(),
        ))
        .select((
            organization_members::account_id,
            accounts::display_name,
            organization_members::role,
            organization_members::created_at,
        ))
        .load(c)?;
    rows.into_iter()
        .map(|(account, display_name, role, since)| {
            Ok(Member {
                account: AccountId(parse_id(&account, "account")?),
                display_name,
                role: parse_role(&role)?,
                since: from_db(since),
            })
        })
        .collect()
}

/// The organisations `account` belongs to, with its role in each, in the order joined.
pub fn memberships_of(
    c: &mut DbConnection,
    account: AccountId,
) -> Result<Vec<(Organization, OrganizationRole, DateTime<Utc>)>, PersistenceError> {
    let rows: Vec<(OrganizationRow, String, NaiveDateTime)> = organization_members::table
        .inner_join(organizations::table)
        .filter(organization_members::account_id.eq(account.to_string()))
        .order((
            organization_members::created_at.asc(),
            organizations::id.asc(),
        ))
        .select((
            (
                organizations::id,
                organizations::name,
                organizations::kind,
                organizations::created_at,
            ),
            organization_members::role,
            organization_members::created_at,
        ))
        .load(c)?;
    rows.into_iter()
        .map(|(org, role, since)| Ok((organization(org)?, parse_role(&role)?, from_db(since))))
        .collect()
}

/// Adds a person, or changes the role of one already there.
pub fn add_member(
    c: &mut DbConnection,
    org: OrganizationId,
    account: AccountId,
    role: OrganizationRole,
    at: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    let key = (org.to_string(), account.to_string());
    let changed = diesel::update(organization_members::table.find((&key.0, &key.1)))
        .set(organization_members::role.eq(role.as_str()))
        .execute(c)?;
    if changed == 0 {
        diesel::insert_into(organization_members::table)
            .values((
                organization_members::organization_id.eq(&key.0),
                organization_members::account_id.eq(&key.1),
                organization_members::role.eq(role.as_str()),
                organization_members::created_at.eq(to_db(at)),
            ))
            .execute(c)?;
    }
    Ok(())
}

/// Removes a person; answers whether they were there.
pub fn remove_member(
    c: &mut DbConnection,
    org: OrganizationId,
    account: AccountId,
) -> Result<bool, PersistenceError> {
    let removed =
        diesel::delete(organization_members::table.find((org.to_string(), account.to_string())))
            .execute(c)?;
    Ok(removed > 0)
}

/// How many administrators the organisation has.
pub fn count_admins(c: &mut DbConnection, org: OrganizationId) -> Result<usize, PersistenceError> {
    let count: i64 = organization_members::table
        .filter(organization_members::organization_id.eq(org.to_string()))
        .filter(organization_members::role.eq(OrganizationRole::Admin.as_str()))
        .count()
        .get_result(c)?;
    Ok(usize::try_from(count).unwrap_or(usize::MAX))
}

/// An organisation's API client (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClient {
    /// Its `client_id`.
    pub id: ApiClientId,
    /// Its organisation.
    pub organization: OrganizationId,
    /// A name to recognise it by.
    pub name: String,
    /// What its tokens may do.
    pub scopes: Vec<Scope>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When its secret was last set.
    pub secret_rotated_at: DateTime<Utc>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

type ApiClientRow = (
    String,
    String,
    String,
    String,
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

fn api_client(row: ApiClientRow) -> Result<ApiClient, PersistenceError> {
    let (id, organization, name, scopes, created_at, rotated_at, revoked_at) = row;
    let scopes = scopes
        .split_whitespace()
        .map(|name| {
            Scope::parse(name).ok_or_else(|| PersistenceError::Corrupt(format!("scope {name}")))
        })
        .collect::<Result<_, _>>()?;
    Ok(ApiClient {
        id: ApiClientId(parse_id(&id, "api client")?),
        organization: OrganizationId(parse_id(&organization, "organization")?),
        name,
        scopes,
        created_at: from_db(created_at),
        secret_rotated_at: from_db(rotated_at),
        revoked_at: revoked_at.map(from_db),
    })
}

macro_rules! api_client_columns {
    () => {
        (
            api_clients::id,
            api_clients::organization_id,
            api_clients::name,
            api_clients::scopes,
            api_clients::created_at,
            api_clients::secret_rotated_at,
            api_clients::revoked_at,
        )
    };
}

fn scope_string(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Stores a new API client with the hash of its secret.
pub fn insert_client(
    c: &mut DbConnection,
    client: &ApiClient,
    secret_hash: &str,
) -> Result<(), PersistenceError> {
    diesel::insert_into(api_clients::table)
        .values((
            api_clients::id.eq(client.id.to_string()),
            api_clients::organization_id.eq(client.organization.to_string()),
            api_clients::name.eq(&client.name),
            api_clients::secret_hash.eq(secret_hash),
            api_clients::scopes.eq(scope_string(&client.scopes)),
            api_clients::created_at.eq(to_db(client.created_at)),
            api_clients::secret_rotated_at.eq(to_db(client.secret_rotated_at)),
        ))
        .execute(c)?;
    Ok(())
}

/// The organisation's API clients, oldest first.
pub fn clients(
    c: &mut DbConnection,
    org: OrganizationId,
) -> Result<Vec<ApiClient>, PersistenceError> {
    let rows: Vec<ApiClientRow> = api_clients::table
        .filter(api_clients::organization_id.eq(org.to_string()))
        .order(api_clients::id.asc())
        .select(api_client_columns!())
        .load(c)?;
    rows.into_iter().map(api_client).collect()
}

/// The organisation's API client with this id.
pub fn client(
    c: &mut DbConnection,
    org: OrganizationId,
    id: ApiClientId,
) -> Result<ApiClient, PersistenceError> {
    let row: Option<ApiClientRow> = api_clients::table
        .find(id.to_string())
        .filter(api_clients::organization_id.eq(org.to_string()))
        .select(api_client_columns!())
        .first(c)
        .optional()?;
    api_client(row.ok_or_else(|| PersistenceError::NotFound {
        entity: "API client",
        id: id.to_string(),
    })?)
}

/// The live (unrevoked) client with this id and its secret hash, for the token endpoint.
pub fn live_client_credentials(
    c: &mut DbConnection,
    id: ApiClientId,
) -> Result<Option<(ApiClient, String)>, PersistenceError> {
    let row: Option<(ApiClientRow, String)> = api_clients::table
        .find(id.to_string())
        .filter(api_clients::revoked_at.is_null())
        .select((api_client_columns!(), api_clients::secret_hash))
        .first(c)
        .optional()?;
    row.map(|(row, hash)| Ok((api_client(row)?, hash)))
        .transpose()
}

/// Replaces a live client's secret hash; answers whether there was such a client.
pub fn rotate_client_secret(
    c: &mut DbConnection,
    org: OrganizationId,
    id: ApiClientId,
    secret_hash: &str,
    at: DateTime<Utc>,
) -> Result<bool, PersistenceError> {
    let changed = diesel::update(
        api_clients::table
            .find(id.to_string())
            .filter(api_clients::organization_id.eq(org.to_string()))
            .filter(api_clients::revoked_at.is_null()),
    )
    .set((
        api_clients::secret_hash.eq(secret_hash),
        api_clients::secret_rotated_at.eq(to_db(at)),
    ))
    .execute(c)?;
    Ok(changed > 0)
}

/// Revokes a client for good; answers whether it was live.
pub fn revoke_client(
    c: &mut DbConnection,
    org: OrganizationId,
    id: ApiClientId,
    at: DateTime<Utc>,
) -> Result<bool, PersistenceError> {
    let changed = diesel::update(
        api_clients::table
            .find(id.to_string())
            .filter(api_clients::organization_id.eq(org.to_string()))
            .filter(api_clients::revoked_at.is_null()),
    )
    .set(api_clients::revoked_at.eq(Some(to_db(at))))
    .execute(c)?;
    Ok(changed > 0)
}

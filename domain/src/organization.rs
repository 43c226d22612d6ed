//! Organisations (partner clinics, recovery community organisations), their people and their
//! API clients, and who may do what with them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::account::{AccountId, PlatformRole};
use crate::identifier::identifier;

identifier! {
    /// An organisation's public identifier.
    pub struct OrganizationId;
}

identifier! {
    /// An API client's public identifier (its `client_id`).
    pub struct ApiClientId;
}

/// What kind of organisation it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrganizationKind {
    /// A treatment or mental health clinic that refers clients.
    Clinic,
    /// A peer-led recovery community organisation.
    RecoveryCommunity,
    /// Anything else.
    Other,
}

impl OrganizationKind {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Clinic => "clinic",
            Self::RecoveryCommunity => "recovery_community",
            Self::Other => "other",
        }
    }

    /// Reads the stored spelling.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "clinic" => Some(Self::Clinic),
            "recovery_community" => Some(Self::RecoveryCommunity),
            "other" => Some(Self::Other),
            _ => None,
        }
    }
}

/// A person's role in an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrganizationRole {
    /// Manages the organisation's people and API clients.
    Admin,
    /// Works with the organisation's referrals.
    Staff,
}

impl OrganizationRole {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Staff => "staff",
        }
    }

    /// Reads the stored spelling.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "admin" => Some(Self::Admin),
            "staff" => Some(Self::Staff),
            _ => None,
        }
    }
}

/// What an API client's token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Scope {
    /// Read the organisation's referrals and their status.
    #[serde(rename = "referrals:read")]
    ReferralsRead,
    /// Create, withdraw and update the organisation's referrals.
    #[serde(rename = "referrals:write")]
    ReferralsWrite,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Self; 2] = [Self::ReferralsRead, Self::ReferralsWrite];

    /// The scope's name, as in OAuth 2 `scope` strings.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReferralsRead => "referrals:read",
            Self::ReferralsWrite => "referrals:write",
        }
    }

    /// Reads a scope name.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == value)
    }
}

/// An organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    /// Its id.
    pub id: OrganizationId,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: OrganizationKind,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// Checks an organisation's name: 1 to 120 characters after trimming.
pub fn parse_organization_name(raw: &str) -> Result<String, DomainError> {
    let name = raw.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > 120 || name.chars().any(char::is_control) {
        return Err(DomainError::Invalid {
            field: "name".to_owned(),
            code: "length",
            message: "must be 1 to 120 characters".to_owned(),
        });
    }
    Ok(name.to_owned())
}

/// Someone acting on an organisation: their platform role and their role there, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrganizationActor {
    /// The acting account.
    pub account: AccountId,
    /// Their platform role.
    pub platform_role: PlatformRole,
    /// Their role in this organisation.
    pub role: Option<OrganizationRole>,
}

/// Only platform administrators create organisations.
pub fn may_create_organization(platform_role: PlatformRole) -> Result<(), DomainError> {
    match platform_role {
        PlatformRole::Admin => Ok(()),
        PlatformRole::Member => Err(DomainError::Forbidden),
    }
}

impl OrganizationActor {
    /// Whether the organisation exists for this actor at all: its people and platform admins.
    /// Everyone else is told it does not exist.
    pub fn may_see(&self) -> Result<(), DomainError> {
        match (self.platform_role, self.role) {
            (PlatformRole::Admin, _) | (_, Some(_)) => Ok(()),
            (PlatformRole::Member, None) => Err(DomainError::NotFound("organization")),
        }
    }

    /// Managing people and API clients: organisation admins and platform admins.
    pub fn may_manage(&self) -> Result<(), DomainError> {
        self.may_see()?;
        match (self.platform_role, self.role) {
            (PlatformRole::Admin, _) | (_, Some(OrganizationRole::Admin)) => Ok(()),
            _ => Err(DomainError::Forbidden),
        }
    }
}

/// Refuses to leave an organisation without an admin.
pub fn keeps_an_admin(admins_after: usize) -> Result<(), DomainError> {
    if admins_after == 0 {
        return Err(DomainError::LastAdmin);
    }
    Ok(())
}

/// Parses an OAuth 2 `scope` string (space-separated); unknown names are refused.
pub fn parse_scopes(raw: &str, field: &str) -> Result<Vec<Scope>, DomainError> {
    let mut scopes = Vec::new();
    for name in raw.split_whitespace() {
        let scope = Scope::parse(name).ok_or_else(|| DomainError::Invalid {
            field: field.to_owned(),
            code: "scope",
            message: format!("`{name}` is not a scope; known: referrals:read, referrals:write"),
        })?;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    scopes.sort();
    Ok(scopes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(platform_role: PlatformRole, role: Option<OrganizationRole>) -> OrganizationActor {
        OrganizationActor {
            account: AccountId::new(),
            platform_role,
            role,
        }
    }

    #[test]
    fn who_may_see_and_manage_an_organization() {
        use OrganizationRole::{Admin, Staff};
        use PlatformRole::{Admin as PlatformAdmin, Member};
        let cases = [
            (
                actor(Member, None),
                Err(DomainError::NotFound("organization")),
                Err(DomainError::NotFound("organization")),
            ),
            (
                actor(Member, Some(Staff)),
                Ok(()),
                Err(DomainError::Forbidden),
            ),
            (actor(Member, Some(Admin)), Ok(()), Ok(())),
            (actor(PlatformAdmin, None), Ok(()), Ok(())),
        ];
        for (actor, see, manage) in cases {
            assert_eq!(actor.may_see(), see, "{actor:?}");
            assert_eq!(actor.may_manage(), manage, "{actor:?}");
        }
    }

    #[test]
    fn only_platform_admins_create_organizations() {
        assert_eq!(may_create_organization(PlatformRole::Admin), Ok(()));
        assert_eq!(
            may_create_organization(PlatformRole::Member),
            Err(DomainError::Forbidden)
        );
    }

    #[test]
    fn scopes_parse_deduplicated_and_sorted() {
        assert_eq!(
            parse_scopes("referrals:write referrals:read referrals:write", "scopes"),
            Ok(vec![Scope::ReferralsRead, Scope::ReferralsWrite])
        );
        assert_eq!(parse_scopes("", "scopes"), Ok(vec![]));
        assert!(parse_scopes("referrals:delete", "scopes").is_err());
    }

    #[test]
    fn the_last_admin_cannot_go() {
        assert_eq!(keeps_an_admin(0), Err(DomainError::LastAdmin));
        assert_eq!(keeps_an_admin(1), Ok(()));
    }
}

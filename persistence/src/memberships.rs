//! Memberships of groups and invitations into them.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use hearth_domain::account::AccountId;
use hearth_domain::group::{GroupId, Slug, Visibility};
use hearth_domain::membership::{
    GroupRole, Invitation, InvitationId, Membership, MembershipId, MembershipStatus,
};

use crate::ids::parse_id;
use crate::schema::{accounts, group_invitations, group_memberships, support_groups};
use crate::time::{from_db, to_db};
use crate::{DbConnection, PersistenceError};

type MembershipRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

const COLUMNS: (
    group_memberships::id,
    group_memberships::group_id,
    group_memberships::account_id,
    group_memberships::role,
    group_memberships::status,
    group_memberships::message,
    group_memberships::created_at,
    group_memberships::updated_at,
    group_memberships::joined_at,
) = (
    group_memberships::id,
    group_memberships::group_id,
    group_memberships::account_id,
    group_memberships::role,
    group_memberships::status,
    group_memberships::message,
    group_memberships::created_at,
    group_memberships::updated_at,
    group_memberships::joined_at,
);

fn membership(row: MembershipRow) -> Result<Membership, PersistenceError> {
    let (id, group, account, role, status, message, created_at, updated_at, joined_at) = row;
    let corrupt = |what: &str| PersistenceError::Corrupt(format!("membership {id}: {what}"));
    Ok(Membership {
        id: MembershipId(parse_id(&id, "membership")?),
        group: GroupId(parse_id(&group, "group")?),
        account: AccountId(parse_id(&account, "account")?),
        role: GroupRole::parse(&role).ok_or_else(|| corrupt("role"))?,
        status: MembershipStatus::parse(&status).ok_or_else(|| corrupt("status"))?,
        message,
        created_at: from_db(created_at),
        updated_at: from_db(updated_at),
        joined_at: joined_at.map(from_db),
    })
}

/// The person's membership of the group, in whatever status, if they ever had one.
pub fn find(
    c: &mut DbConnection,
    group: GroupId,
    account: AccountId,
) -> Result<Option<Membership>, PersistenceError> {
    let row: Option<MembershipRow> = group_memberships::table
        .filter(group_memberships::group_id.eq(group.to_string()))
        .filter(group_memberships::account_id.eq(account.to_string()))
        .select(COLUMNS)
        .first(c)
        .optional()?;
    row.map(membership).transpose()
}

/// The membership with this id in this group.
pub fn get(
    c: &mut DbConnection,
    group: GroupId,
    id: MembershipId,
) -> Result<Membership, PersistenceError> {
    let row: Option<MembershipRow> = group_memberships::table
        .find(id.to_string())
        .filter(group_memberships::group_id.eq(group.to_string()))
        .select(COLUMNS)
        .first(c)
        .optional()?;
    membership(row.ok_or_else(|| PersistenceError::NotFound {
        entity: "membership",
        id: id.to_string(),
    })?)
}

/// Stores a new membership, or the new state of an existing one (one row per person and
/// group, so a returning member keeps their membership id).
pub fn save(c: &mut DbConnection, m: &Membership) -> Result<(), PersistenceError> {
    let values = (
        group_memberships::role.eq(m.role.as_str()),
        group_memberships::status.eq(m.status.as_str()),
        group_memberships::message.eq(m.message.as_deref()),
        group_memberships::updated_at.eq(to_db(m.updated_at)),
        group_memberships::joined_at.eq(m.joined_at.map(to_db)),
    );
    let updated = diesel::update(group_memberships::table.find(m.id.to_string()))
        .set(values)
        .execute(c)?;
    if updated == 0 {
        diesel::insert_into(group_memberships::table)
            .values((
                group_memberships::id.eq(m.id.to_string()),
                group_memberships::group_id.eq(m.group.to_string()),
                group_memberships::account_id.eq(m.account.to_string()),
                group_memberships::created_at.eq(to_db(m.created_at)),
                values,
            ))
            .execute(c)?;
    }
    Ok(())
}

/// How many active owners the group has.
pub fn count_owners(c: &mut DbConnection, group: GroupId) -> Result<u64, PersistenceError> {
    let owners: i64 = group_memberships::table
        .filter(group_memberships::group_id.eq(group.to_string()))
        .filter(group_memberships::status.eq(MembershipStatus::Active.as_str()))
        .filter(group_memberships::role.eq(GroupRole::Owner.as_str()))
        .count()
        .get_result(c)?;
    Ok(u64::try_from(owners).unwrap_or(0))
}

/// A membership with the display name others see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedMembership {
    /// The membership.
    pub membership: Membership,
    /// The person's display name.
    pub display_name: String,
}

/// The group's memberships in one status, oldest first, after `after`.
pub fn list(
    c: &mut DbConnection,
    group: GroupId,
    status: MembershipStatus,
    after: Option<MembershipId>,
    limit: i64,
) -> Result<Vec<NamedMembership>, PersistenceError> {
    let mut query = group_memberships::table
        .inner_join(accounts::table)
        .filter(group_memberships::group_id.eq(group.to_string()))
        .filter(group_memberships::status.eq(status.as_str()))
        .order(group_memberships::id.asc())
        .limit(limit)
        .select((COLUMNS, accounts::display_name))
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(group_memberships::id.gt(after.to_string()));
    }
    let rows: Vec<(MembershipRow, String)> = query.load(c)?;
    rows.into_iter()
        .map(|(row, display_name)| {
            Ok(NamedMembership {
                membership: membership(row)?,
                display_name,
            })
        })
        .collect()
}

/// The display name of a person, as members see it.
pub fn display_name(c: &mut DbConnection, account: AccountId) -> Result<String, PersistenceError> {
    Ok(accounts::table
        .find(account.to_string())
        .select(accounts::display_name)
        .first(c)?)
}

/// One of a person's memberships, with what they need to find the group again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnMembership {
    /// The membership.
    pub membership: Membership,
    /// The group's name.
    pub group_name: String,
    /// The group's current slug.
    pub group_slug: Slug,
}

/// The person's memberships in the given statuses, in the order they began, after `after`;
/// of private groups, only those where they are active or waiting.
pub fn of_account(
    c: &mut DbConnection,
    account: AccountId,
    statuses: &[MembershipStatus],
    after: Option<MembershipId>,
    limit: i64,
) -> Result<Vec<OwnMembership>, PersistenceError> {
    let statuses: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    let mut query = group_memberships::table
        .inner_join(support_groups::table)
        .filter(group_memberships::account_id.eq(account.to_string()))
        .filter(group_memberships::status.eq_any(statuses))
        // A private group exists only for its members and requesters: to anyone it banned,
        // removed or declined, or who left, it is gone, here too.
        .filter(
            support_groups::visibility
                .ne(Visibility::Private.as_str())
                .or(group_memberships::status.eq_any([
                    MembershipStatus::Active.as_str(),
                    MembershipStatus::Pending.as_str(),
                ])),
        )
        .order(group_memberships::id.asc())
        .limit(limit)
        .select((COLUMNS, support_groups::name, support_groups::slug))
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(group_memberships::id.gt(after.to_string()));
    }
    let rows: Vec<(MembershipRow, String, String)> = query.load(c)?;
    rows.into_iter()
        .map(|(row, group_name, slug)| {
            Ok(OwnMembership {
                membership: membership(row)?,
                group_name,
                group_slug: Slug::from_stored(slug),
            })
        })
        .collect()
}

/// Takes a person out of every group, for erasing their account: places are given back and
/// the memberships, with any request message, deleted.
pub fn remove_all_of(c: &mut DbConnection, account: AccountId) -> Result<(), PersistenceError> {
    let key = account.to_string();
    let active: Vec<String> = group_memberships::table
        .filter(group_memberships::account_id.eq(&key))
        .filter(group_memberships::status.eq(MembershipStatus::Active.as_str()))
        .select(group_memberships::group_id)
        .load(c)?;
    for group in active {
        crate::groups::free_place(c, GroupId(parse_id(&group, "group")?))?;
    }
    diesel::delete(group_memberships::table.filter(group_memberships::account_id.eq(&key)))
        .execute(c)?;
    Ok(())
}

type InvitationRow = (
    String,
    String,
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

fn invitation(row: InvitationRow) -> Result<Invitation, PersistenceError> {
    let (id, group, created_at, expires_at, used_at, revoked_at) = row;
    Ok(Invitation {
        id: InvitationId(parse_id(&id, "invitation")?),
        group: GroupId(parse_id(&group, "group")?),
        created_at: from_db(created_at),
        expires_at: from_db(expires_at),
        used_at: used_at.map(from_db),
        revoked_at: revoked_at.map(from_db),
    })
}

const INVITATION_COLUMNS: (
    group_invitations::id,
    group_invitations::group_id,
    group_invitations::created_at,
    group_invitations::expires_at,
    group_invitations::used_at,
    group_invitations::revoked_at,
) = (
    group_invitations::id,
    group_invitations::group_id,
    group_invitations::created_at,
    group_invitations::expires_at,
    group_invitations::used_at,
    group_invitations::revoked_at,
);

/// Stores an invitation under the hash of its code.
pub fn insert_invitation(
    c: &mut DbConnection,
    invitation: &Invitation,
    token_hash: &str,
    created_by: AccountId,
) -> Result<(), PersistenceError> {
    diesel::insert_into(group_invitations::table)
        .values((
            group_invitations::id.eq(invitation.id.to_string()),
            group_invitations::group_id.eq(invitation.group.to_string()),
            group_invitations::token_hash.eq(token_hash),
            group_invitations::created_by.eq(created_by.to_string()),
            group_invitations::created_at.eq(to_db(invitation.created_at)),
            group_invitations::expires_at.eq(to_db(invitation.expires_at)),
        ))
        .execute(c)?;
    Ok(())
}

/// The group's invitations that can still be used, oldest first, after `after`.
pub fn open_invitations(
    c: &mut DbConnection,
    group: GroupId,
    now: DateTime<Utc>,
    after: Option<InvitationId>,
    limit: i64,
) -> Result<Vec<Invitation>, PersistenceError> {
    let mut query = group_invitations::table
        .filter(group_invitations::group_id.eq(group.to_string()))
        .filter(group_invitations::used_at.is_null())
        .filter(group_invitations::revoked_at.is_null())
        .filter(group_invitations::expires_at.gt(to_db(now)))
        .order(group_invitations::id.asc())
        .limit(limit)
        .select(INVITATION_COLUMNS)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(group_invitations::id.gt(after.to_string()));
    }
    let rows: Vec<InvitationRow> = query.load(c)?;
    rows.into_iter().map(invitation).collect()
}

/// Revokes an invitation of the group that is still open; `false` when there is none.
pub fn revoke_invitation(
    c: &mut DbConnection,
    group: GroupId,
    id: InvitationId,
    at: DateTime<Utc>,
) -> Result<bool, PersistenceError> {
    let revoked = diesel::update(
        group_invitations::table
            .find(id.to_string())
            .filter(group_invitations::group_id.eq(group.to_string()))
            .filter(group_invitations::used_at.is_null())
            .filter(group_invitations::revoked_at.is_null()),
    )
    .set(group_invitations::revoked_at.eq(to_db(at)))
    .execute(c)?;
    Ok(revoked == 1)
}

/// Uses up the group's invitation with this code hash, if it is still open, and answers its
/// id. The use is one conditional statement, so a code admits exactly one person even when two
/// try at once.
pub fn use_invitation(
    c: &mut DbConnection,
    group: GroupId,
    token_hash: &str,
    account: AccountId,
    at: DateTime<Utc>,
) -> Result<Option<InvitationId>, PersistenceError> {
    let open = || {
        group_invitations::table
            .filter(group_invitations::token_hash.eq(token_hash))
            .filter(group_invitations::group_id.eq(group.to_string()))
            .filter(group_invitations::used_at.is_null())
            .filter(group_invitations::revoked_at.is_null())
            .filter(group_invitations::expires_at.gt(to_db(at)))
    };
    let Some(id) = open()
        .select(group_invitations::id)
        .first::<String>(c)
        .optional()?
    else {
        return Ok(None);
    };
    let used = diesel::update(open().filter(group_invitations::id.eq(&id)))
        .set((
            group_invitations::used_at.eq(to_db(at)),
            group_invitations::used_by.eq(account.to_string()),
        ))
        .execute(c)?;
    if used == 1 {
        Ok(Some(InvitationId(parse_id(&id, "invitation")?)))
    } else {
        Ok(None)
    }
}

/// Whether the group has an open invitation with this code hash, without using it.
pub fn invitation_opens(
    c: &mut DbConnection,
    group: GroupId,
    token_hash: &str,
    at: DateTime<Utc>,
) -> Result<bool, PersistenceError> {
    let found: Option<String> = group_invitations::table
        .filter(group_invitations::token_hash.eq(token_hash))
        .filter(group_invitations::group_id.eq(group.to_string()))
        .filter(group_invitations::used_at.is_null())
        .filter(group_invitations::revoked_at.is_null())
        .filter(group_invitations::expires_at.gt(to_db(at)))
        .select(group_invitations::id)
        .first(c)
        .optional()?;
    Ok(found.is_some())
}

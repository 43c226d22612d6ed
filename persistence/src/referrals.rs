//! Referrals, their timelines, and the sealed client data beside them. This layer stores the
//! sealed bytes as it gets them: sealing and opening happen above it, with the data key.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use hearth_domain::group::GroupId;
use hearth_domain::membership::InvitationId;
use hearth_domain::organization::OrganizationId;
use hearth_domain::referral::{
    Referral, ReferralActor, ReferralEvent, ReferralEventId, ReferralId, ReferralStatus,
};

use crate::ids::parse_id;
use crate::schema::{referral_events, referrals};
use crate::time::{from_db, to_db};
use crate::{DbConnection, PersistenceError};

/// A referral with its sealed client data (none once consent was revoked).
#[derive(Debug, Clone)]
pub struct Stored {
    /// The referral.
    pub referral: Referral,
    /// The sealed client data.
    pub sealed: Option<Vec<u8>>,
}

type Row = (
    String,
    String,
    String,
    String,
    Option<Vec<u8>>,
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
    NaiveDateTime,
    Option<String>,
    NaiveDateTime,
    NaiveDateTime,
);

const COLUMNS: (
    referrals::id,
    referrals::organization_id,
    referrals::group_id,
    referrals::status,
    referrals::sealed,
    referrals::consent_given_at,
    referrals::consent_expires_at,
    referrals::consent_revoked_at,
    referrals::respond_by,
    referrals::invitation_id,
    referrals::created_at,
    referrals::updated_at,
) = (
    referrals::id,
    referrals::organization_id,
    referrals::group_id,
    referrals::status,
    referrals::sealed,
    referrals::consent_given_at,
    referrals::consent_expires_at,
    referrals::consent_revoked_at,
    referrals::respond_by,
    referrals::invitation_id,
    referrals::created_at,
    referrals::updated_at,
);

fn stored(row: Row) -> Result<Stored, PersistenceError> {
    let (
        id,
        organization,
        group,
        status,
        sealed,
        given_at,
        expires_at,
        revoked_at,
        respond_by,
        invitation,
        created_at,
        updated_at,
    ) = row;
    let status = ReferralStatus::parse(&status)
        .ok_or_else(|| PersistenceError::Corrupt(format!("referral {id}: status {status}")))?;
    Ok(Stored {
        referral: Referral {
            id: ReferralId(parse_id(&id, "referral")?),
            organization: OrganizationId(parse_id(&organization, "organization")?),
            group: GroupId(parse_id(&group, "group")?),
            status,
            consent_given_at: from_db(given_at),
            consent_expires_at: from_db(expires_at),
            consent_revoked_at: revoked_at.map(from_db),
            respond_by: from_db(respond_by),
            invitation: invitation
                .map(|id| parse_id(&id, "invitation").map(InvitationId))
                .transpose()?,
            created_at: from_db(created_at),
            updated_at: from_db(updated_at),
        },
        sealed,
    })
}

/// Stores a new referral with its sealed client data.
pub fn insert(
    c: &mut DbConnection,
    referral: &Referral,
    sealed: &[u8],
) -> Result<(), PersistenceError> {
    diesel::insert_into(referrals::table)
        .values((
            referrals::id.eq(referral.id.to_string()),
            referrals::organization_id.eq(referral.organization.to_string()),
            referrals::group_id.eq(referral.group.to_string()),
            referrals::status.eq(referral.status.as_str()),
            referrals::sealed.eq(Some(sealed)),
            referrals::consent_given_at.eq(to_db(referral.consent_given_at)),
            referrals::consent_expires_at.eq(to_db(referral.consent_expires_at)),
            referrals::respond_by.eq(to_db(referral.respond_by)),
            referrals::created_at.eq(to_db(referral.created_at)),
            referrals::updated_at.eq(to_db(referral.updated_at)),
        ))
        .execute(c)?;
    Ok(())
}

/// The referral with this id, if there is one.
pub fn find(c: &mut DbConnection, id: ReferralId) -> Result<Option<Stored>, PersistenceError> {
    let row: Option<Row> = referrals::table
        .find(id.to_string())
        .select(COLUMNS)
        .first(c)
        .optional()?;
    row.map(stored).transpose()
}

/// The referral that handed out this group invitation, if any.
pub fn find_by_invitation(
    c: &mut DbConnection,
    invitation: InvitationId,
) -> Result<Option<Stored>, PersistenceError> {
    let row: Option<Row> = referrals::table
        .filter(referrals::invitation_id.eq(invitation.to_string()))
        .select(COLUMNS)
        .first(c)
        .optional()?;
    row.map(stored).transpose()
}

/// Moves the referral from `from` to `to`, only if it still stands at `from` and, when `to`
/// needs it, its consent is still in force at `at`: of a change racing another (or a
/// revocation), one wins and the other learns it lost. Answers whether this one won.
pub fn move_status(
    c: &mut DbConnection,
    id: ReferralId,
    from: ReferralStatus,
    to: ReferralStatus,
    at: DateTime<Utc>,
) -> Result<bool, PersistenceError> {
    let at = to_db(at);
    let target = referrals::table
        .find(id.to_string())
        .filter(referrals::status.eq(from.as_str()));
    let values = (
        referrals::status.eq(to.as_str()),
        referrals::updated_at.eq(at),
    );
    let moved = if to.needs_consent() {
        let consent_holds = referrals::consent_revoked_at
            .is_null()
            .and(referrals::consent_expires_at.gt(at));
        diesel::update(target.filter(consent_holds))
            .set(values)
            .execute(c)?
    } else {
        diesel::update(target).set(values).execute(c)?
    };
    Ok(moved == 1)
}

/// Remembers the group invitation passed on to the client.
pub fn set_invitation(
    c: &mut DbConnection,
    id: ReferralId,
    invitation: InvitationId,
) -> Result<(), PersistenceError> {
    diesel::update(referrals::table.find(id.to_string()))
        .set(referrals::invitation_id.eq(Some(invitation.to_string())))
        .execute(c)?;
    Ok(())
}

/// Records the revocation of consent and erases the client's data and every sealed reason
/// on the timeline. Answers whether consent was still unrevoked.
pub fn revoke_consent(
    c: &mut DbConnection,
    id: ReferralId,
    at: DateTime<Utc>,
) -> Result<bool, PersistenceError> {
    let revoked = diesel::update(
        referrals::table
            .find(id.to_string())
            .filter(referrals::consent_revoked_at.is_null()),
    )
    .set((
        referrals::consent_revoked_at.eq(Some(to_db(at))),
        referrals::sealed.eq(None::<Vec<u8>>),
        referrals::updated_at.eq(to_db(at)),
    ))
    .execute(c)?;
    diesel::update(referral_events::table.filter(referral_events::referral_id.eq(id.to_string())))
        .set(referral_events::sealed_reason.eq(None::<Vec<u8>>))
        .execute(c)?;
    Ok(revoked == 1)
}

/// Which referrals a list holds.
#[derive(Debug, Clone)]
pub enum Holder {
    /// Those these organisations sent.
    Organizations(Vec<OrganizationId>),
    /// Those sent to this group.
    Group(GroupId),
    /// Every referral (platform administrators, who see metadata only).
    Everyone,
}

/// A page of referrals, newest first, after `after` (created at, id).
pub fn list(
    c: &mut DbConnection,
    holder: &Holder,
    status: Option<ReferralStatus>,
    after: Option<(DateTime<Utc>, ReferralId)>,
    limit: i64,
) -> Result<Vec<Stored>, PersistenceError> {
    let mut query = referrals::table
        .select(COLUMNS)
        .order((referrals::created_at.desc(), referrals::id.desc()))
        .limit(limit)
        .into_boxed();
    query = match holder {
        Holder::Organizations(organizations) => query.filter(
            referrals::organization_id.eq_any(
                organizations
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>(),
            ),
        ),
        Holder::Group(group) => query.filter(referrals::group_id.eq(group.to_string())),
        Holder::Everyone => query,
    };
    if let Some(status) = status {
        query = query.filter(referrals::status.eq(status.as_str()));
    }
    if let Some((at, id)) = after {
        let at = to_db(at);
        query = query.filter(
            referrals::created_at.lt(at).or(referrals::created_at
                .eq(at)
                .and(referrals::id.lt(id.to_string()))),
        );
    }
    let rows: Vec<Row> = query.load(c)?;
    rows.into_iter().map(stored).collect()
}

/// Submitted referrals whose time to answer ran out at `now`, oldest deadline first.
pub fn unanswered(
    c: &mut DbConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Referral>, PersistenceError> {
    let rows: Vec<Row> = referrals::table
        .filter(referrals::status.eq(ReferralStatus::Submitted.as_str()))
        .filter(referrals::respond_by.le(to_db(now)))
        .order(referrals::respond_by.asc())
        .limit(limit)
        .select(COLUMNS)
        .load(c)?;
    rows.into_iter()
        .map(|row| stored(row).map(|stored| stored.referral))
        .collect()
}

/// Appends an event to a referral's timeline, with its sealed reason.
pub fn insert_event(
    c: &mut DbConnection,
    event: &ReferralEvent,
    sealed_reason: Option<&[u8]>,
) -> Result<(), PersistenceError> {
    diesel::insert_into(referral_events::table)
        .values((
            referral_events::id.eq(event.id.to_string()),
            referral_events::referral_id.eq(event.referral.to_string()),
            referral_events::from_status.eq(event.from.map(ReferralStatus::as_str)),
            referral_events::status.eq(event.status.as_str()),
            referral_events::actor.eq(event.actor.as_str()),
            referral_events::sealed_reason.eq(sealed_reason),
            referral_events::created_at.eq(to_db(event.at)),
        ))
        .execute(c)?;
    Ok(())
}

/// An event with its sealed reason (none when no reason was given, or once consent was
/// revoked).
#[derive(Debug, Clone)]
pub struct StoredEvent {
    /// The event.
    pub event: ReferralEvent,
    /// Its sealed reason.
    pub sealed_reason: Option<Vec<u8>>,
}

/// A referral's timeline, oldest first.
pub fn events(
    c: &mut DbConnection,
    referral: ReferralId,
) -> Result<Vec<StoredEvent>, PersistenceError> {
    type EventRow = (
        String,
        Option<String>,
        String,
        String,
        Option<Vec<u8>>,
        NaiveDateTime,
    );
    let rows: Vec<EventRow> = referral_events::table
        .filter(referral_events::referral_id.eq(referral.to_string()))
        .order((referral_events::created_at.asc(), referral_events::id.asc()))
        .select((
            referral_events::id,
            referral_events::from_status,
            referral_events::status,
            referral_events::actor,
            referral_events::sealed_reason,
            referral_events::created_at,
        ))
        .load(c)?;
    rows.into_iter()
        .map(|(id, from, status, actor, sealed, at)| {
            let corrupt =
                |what: &str| PersistenceError::Corrupt(format!("referral event {id}: {what}"));
            let status_of =
                |value: &str| ReferralStatus::parse(value).ok_or_else(|| corrupt("status"));
            Ok(StoredEvent {
                event: ReferralEvent {
                    id: ReferralEventId(parse_id(&id, "referral event")?),
                    referral,
                    from: from.as_deref().map(status_of).transpose()?,
                    status: status_of(&status)?,
                    actor: ReferralActor::parse(&actor).ok_or_else(|| corrupt("actor"))?,
                    at: from_db(at),
                },
                sealed_reason: sealed,
            })
        })
        .collect()
}

//! The audit trail: appended to, read by organisation, never changed (the database refuses
//! updates and deletes of `audit_records` itself).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use hearth_domain::audit::{ActorKind, AuditAction, AuditOutcome, AuditRecord, AuditRecordId};
use hearth_domain::organization::OrganizationId;
use hearth_domain::referral::ReferralId;

use crate::ids::parse_id;
use crate::schema::audit_records;
use crate::time::{from_db, to_db};
use crate::{DbConnection, PersistenceError};

/// Appends a record.
pub fn append(c: &mut DbConnection, record: &AuditRecord) -> Result<(), PersistenceError> {
    diesel::insert_into(audit_records::table)
        .values((
            audit_records::id.eq(record.id.to_string()),
            audit_records::organization_id.eq(record.organization.to_string()),
            audit_records::referral_id.eq(record.referral.map(|id| id.to_string())),
            audit_records::actor_kind.eq(record.actor_kind.as_str()),
            audit_records::actor_id.eq(record.actor_id.map(|id| id.to_string())),
            audit_records::action.eq(record.action.as_str()),
            audit_records::outcome.eq(record.outcome.as_str()),
            audit_records::detail.eq(record.detail.as_deref()),
            audit_records::request_id.eq(record.request_id.as_deref()),
            audit_records::created_at.eq(to_db(record.at)),
        ))
        .execute(c)?;
    Ok(())
}

/// Which of an organisation's records to read.
#[derive(Debug, Clone, Default)]
pub struct TrailFilter {
    /// Only those about this referral.
    pub referral: Option<ReferralId>,
    /// Only those at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Only those before this instant.
    pub until: Option<DateTime<Utc>>,
}

type Row = (
    String,
    Option<String>,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    NaiveDateTime,
);

/// A page of the organisation's records, newest first, after `after` (at, id).
pub fn trail(
    c: &mut DbConnection,
    organization: OrganizationId,
    filter: &TrailFilter,
    after: Option<(DateTime<Utc>, AuditRecordId)>,
    limit: i64,
) -> Result<Vec<AuditRecord>, PersistenceError> {
    let mut query = audit_records::table
        .filter(audit_records::organization_id.eq(organization.to_string()))
        .order((audit_records::created_at.desc(), audit_records::id.desc()))
        .limit(limit)
        .select((
            audit_records::id,
            audit_records::referral_id,
            audit_records::actor_kind,
            audit_records::actor_id,
            audit_records::action,
            audit_records::outcome,
            audit_records::detail,
            audit_records::request_id,
            audit_records::created_at,
        ))
        .into_boxed();
    if let Some(referral) = filter.referral {
        query = query.filter(audit_records::referral_id.eq(referral.to_string()));
    }
    if let Some(since) = filter.since {
        query = query.filter(audit_records::created_at.ge(to_db(since)));
    }
    if let Some(until) = filter.until {
        query = query.filter(audit_records::created_at.lt(to_db(until)));
    }
    if let Some((at, id)) = after {
        let at = to_db(at);
        query = query.filter(
            audit_records::created_at
                .lt(at)
                .or(audit_records::created_at
                    .eq(at)
                    .and(audit_records::id.lt(id.to_string()))),
        );
    }
    let rows: Vec<Row> = query.load(c)?;
    rows.into_iter()
        .map(
            |(id, referral, kind, actor, action, outcome, detail, request_id, at)| {
                let corrupt =
                    |what: &str| PersistenceError::Corrupt(format!("audit record {id}: {what}"));
                Ok(AuditRecord {
                    id: AuditRecordId(parse_id(&id, "audit record")?),
                    organization,
                    referral: referral
                        .map(|id| parse_id(&id, "referral").map(ReferralId))
                        .transpose()?,
                    actor_kind: ActorKind::parse(&kind).ok_or_else(|| corrupt("actor kind"))?,
                    actor_id: actor.map(|id| parse_id(&id, "actor")).transpose()?,
                    action: AuditAction::parse(&action).ok_or_else(|| corrupt("action"))?,
                    outcome: AuditOutcome::parse(&outcome).ok_or_else(|| corrupt("outcome"))?,
                    detail,
                    request_id,
                    at: from_db(at),
                })
            },
        )
        .collect()
}

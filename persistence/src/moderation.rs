//! Reports of posts and the moderation log.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use hearth_domain::account::AccountId;
use hearth_domain::group::GroupId;
use hearth_domain::membership::MembershipId;
use hearth_domain::moderation::{
    ModerationAction, ModerationActionId, ModerationKind, Report, ReportId, ReportReason,
    ReportStatus,
};
use hearth_domain::post::PostId;

use crate::ids::parse_id;
use crate::schema::{accounts, group_memberships, moderation_actions, post_reports};
use crate::time::{from_db, to_db};
use crate::{DbConnection, PersistenceError};

type ReportRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

const REPORT_COLUMNS: (
    post_reports::id,
    post_reports::post_id,
    post_reports::group_id,
    post_reports::reporter_id,
    post_reports::reason,
    post_reports::details,
    post_reports::status,
    post_reports::created_at,
    post_reports::resolved_at,
) = (
    post_reports::id,
    post_reports::post_id,
    post_reports::group_id,
    post_reports::reporter_id,
    post_reports::reason,
    post_reports::details,
    post_reports::status,
    post_reports::created_at,
    post_reports::resolved_at,
);

fn report(row: ReportRow) -> Result<Report, PersistenceError> {
    let (id, post, group, reporter, reason, details, status, created_at, resolved_at) = row;
    let corrupt = |what: &str| PersistenceError::Corrupt(format!("report {id}: {what}"));
    Ok(Report {
        id: ReportId(parse_id(&id, "report")?),
        post: PostId(parse_id(&post, "post")?),
        group: GroupId(parse_id(&group, "group")?),
        reporter: reporter
            .map(|reporter| parse_id(&reporter, "account").map(AccountId))
            .transpose()?,
        reason: ReportReason::parse(&reason).ok_or_else(|| corrupt("reason"))?,
        details,
        status: ReportStatus::parse(&status).ok_or_else(|| corrupt("status"))?,
        created_at: from_db(created_at),
        resolved_at: resolved_at.map(from_db),
    })
}

/// Stores a new report.
pub fn insert_report(c: &mut DbConnection, report: &Report) -> Result<(), PersistenceError> {
    diesel::insert_into(post_reports::table)
        .values((
            post_reports::id.eq(report.id.to_string()),
            post_reports::post_id.eq(report.post.to_string()),
            post_reports::group_id.eq(report.group.to_string()),
            post_reports::reporter_id.eq(report.reporter.map(|reporter| reporter.to_string())),
            post_reports::reason.eq(report.reason.as_str()),
            post_reports::details.eq(&report.details),
            post_reports::status.eq(report.status.as_str()),
            post_reports::created_at.eq(to_db(report.created_at)),
        ))
        .execute(c)?;
    Ok(())
}

/// The reporter's report of this post for this reason that waits for a moderator, if they
/// made one.
pub fn open_report_of(
    c: &mut DbConnection,
    post: PostId,
    reporter: AccountId,
    reason: ReportReason,
) -> Result<Option<Report>, PersistenceError> {
    let row: Option<ReportRow> = post_reports::table
        .filter(post_reports::post_id.eq(post.to_string()))
        .filter(post_reports::reporter_id.eq(reporter.to_string()))
        .filter(post_reports::reason.eq(reason.as_str()))
        .filter(post_reports::status.eq(ReportStatus::Open.as_str()))
        .select(REPORT_COLUMNS)
        .first(c)
        .optional()?;
    row.map(report).transpose()
}

/// How many reports that count towards the rate limit the account made since `since`, and
/// the first of them.
pub fn reported_since(
    c: &mut DbConnection,
    reporter: AccountId,
    since: DateTime<Utc>,
) -> Result<(u32, Option<DateTime<Utc>>), PersistenceError> {
    let limited = ReportReason::ALL
        .iter()
        .filter(|reason| reason.is_limited())
        .map(|reason| reason.as_str());
    let (count, first): (i64, Option<NaiveDateTime>) = post_reports::table
        .filter(post_reports::reporter_id.eq(reporter.to_string()))
        .filter(post_reports::created_at.gt(to_db(since)))
        .filter(post_reports::reason.eq_any(limited))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(post_reports::created_at),
        ))
        .first(c)?;
    Ok((u32::try_from(count).unwrap_or(u32::MAX), first.map(from_db)))
}

/// Where a page of reports or actions continues: after this time and id.
pub type Position = (DateTime<Utc>, String);

/// A group's reports in one status: open ones oldest first, as a queue is worked through;
/// settled ones newest first.
pub fn reports(
    c: &mut DbConnection,
    group: GroupId,
    status: ReportStatus,
    after: Option<Position>,
    limit: i64,
) -> Result<Vec<Report>, PersistenceError> {
    let mut query = post_reports::table
        .filter(post_reports::group_id.eq(group.to_string()))
        .filter(post_reports::status.eq(status.as_str()))
        .select(REPORT_COLUMNS)
        .limit(limit)
        .into_boxed();
    let oldest_first = status == ReportStatus::Open;
    query = if oldest_first {
        query.order((post_reports::created_at.asc(), post_reports::id.asc()))
    } else {
        query.order((post_reports::created_at.desc(), post_reports::id.desc()))
    };
    if let Some((at, id)) = after {
        let at = to_db(at);
        query = if oldest_first {
            query.filter(
                post_reports::created_at
                    .gt(at)
                    .or(post_reports::created_at.eq(at).and(post_reports::id.gt(id))),
            )
        } else {
            query.filter(
                post_reports::created_at
                    .lt(at)
                    .or(post_reports::created_at.eq(at).and(post_reports::id.lt(id))),
            )
        };
    }
    let rows: Vec<ReportRow> = query.load(c)?;
    rows.into_iter().map(report).collect()
}

/// Settles every open report of a post; answers how many there were.
pub fn settle_reports(
    c: &mut DbConnection,
    post: PostId,
    status: ReportStatus,
    at: DateTime<Utc>,
) -> Result<usize, PersistenceError> {
    Ok(diesel::update(
        post_reports::table
            .filter(post_reports::post_id.eq(post.to_string()))
            .filter(post_reports::status.eq(ReportStatus::Open.as_str())),
    )
    .set((
        post_reports::status.eq(status.as_str()),
        post_reports::resolved_at.eq(to_db(at)),
    ))
    .execute(c)?)
}

/// Every report the account made, newest first, for its data export.
pub fn reports_by(
    c: &mut DbConnection,
    reporter: AccountId,
) -> Result<Vec<Report>, PersistenceError> {
    let rows: Vec<ReportRow> = post_reports::table
        .filter(post_reports::reporter_id.eq(reporter.to_string()))
        .order((post_reports::created_at.desc(), post_reports::id.desc()))
        .select(REPORT_COLUMNS)
        .load(c)?;
    rows.into_iter().map(report).collect()
}

/// Appends an action to the log.
pub fn record(c: &mut DbConnection, action: &ModerationAction) -> Result<(), PersistenceError> {
    diesel::insert_into(moderation_actions::table)
        .values((
            moderation_actions::id.eq(action.id.to_string()),
            moderation_actions::group_id.eq(action.group.to_string()),
            moderation_actions::moderator_id.eq(action.moderator.map(|who| who.to_string())),
            moderation_actions::action.eq(action.kind.as_str()),
            moderation_actions::post_id.eq(action.post.map(|post| post.to_string())),
            moderation_actions::member_id.eq(action.member.map(|member| member.to_string())),
            moderation_actions::reason.eq(&action.reason),
            moderation_actions::muted_until.eq(action.muted_until.map(to_db)),
            moderation_actions::created_at.eq(to_db(action.created_at)),
        ))
        .execute(c)?;
    Ok(())
}

/// A logged action with the display names of who acted and of the member it concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedAction {
    /// The action.
    pub action: ModerationAction,
    /// The moderator's display name, while their account exists.
    pub moderator_name: Option<String>,
    /// The member's display name, while their membership exists.
    pub member_name: Option<String>,
}

type ActionRow = (
    (
        String,
        String,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<NaiveDateTime>,
        NaiveDateTime,
    ),
    Option<String>,
    Option<String>,
);

fn named_action(row: ActionRow) -> Result<NamedAction, PersistenceError> {
    let ((id, group, moderator, kind, post, member, reason, muted_until, created_at), by, about) =
        row;
    let kind = ModerationKind::parse(&kind)
        .ok_or_else(|| PersistenceError::Corrupt(format!("moderation action {id}: kind {kind}")))?;
    Ok(NamedAction {
        action: ModerationAction {
            id: ModerationActionId(parse_id(&id, "moderation action")?),
            group: GroupId(parse_id(&group, "group")?),
            moderator: moderator
                .map(|who| parse_id(&who, "account").map(AccountId))
                .transpose()?,
            kind,
            post: post
                .map(|post| parse_id(&post, "post").map(PostId))
                .transpose()?,
            member: member
                .map(|member| parse_id(&member, "membership").map(MembershipId))
                .transpose()?,
            reason,
            muted_until: muted_until.map(from_db),
            created_at: from_db(created_at),
        },
        moderator_name: by,
        member_name: about,
    })
}

/// The log with the display names of who acted and of the member concerned.
macro_rules! named_actions {
    ($moderators:ident) => {
        moderation_actions::table
            .left_join($moderators.on(
                moderation_actions::moderator_id.eq($moderators.field(accounts::id).nullable()),
            ))
            .left_join(
                group_memberships::table
                    .on(moderation_actions::member_id.eq(group_memberships::id.nullable())),
            )
            .left_join(accounts::table.on(group_memberships::account_id.eq(accounts::id)))
            .select((
                (
                    moderation_actions::id,
                    moderation_actions::group_id,
                    moderation_actions::moderator_id,
                    moderation_actions::action,
                    moderation_actions::post_id,
                    moderation_actions::member_id,
                    moderation_actions::reason,
                    moderation_actions::muted_until,
                    moderation_actions::created_at,
                ),
                $moderators.field(accounts::display_name).nullable(),
                accounts::display_name.nullable(),
            ))
    };
}

/// One logged action, with names.
pub fn action(
    c: &mut DbConnection,
    id: ModerationActionId,
) -> Result<NamedAction, PersistenceError> {
    let moderators = diesel::alias!(accounts as moderators);
    let row: ActionRow = named_actions!(moderators)
        .filter(moderation_actions::id.eq(id.to_string()))
        .first(c)?;
    named_action(row)
}

/// Which part of a group's log to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFilter {
    /// All of it, as moderators do.
    All,
    /// What concerns one member, as moderators see it.
    Member(MembershipId),
    /// A member's own notices: what concerns them and is theirs to know.
    NoticesOf(MembershipId),
}

/// A group's moderation log, newest first.
pub fn actions(
    c: &mut DbConnection,
    group: GroupId,
    filter: LogFilter,
    after: Option<Position>,
    limit: i64,
) -> Result<Vec<NamedAction>, PersistenceError> {
    let moderators = diesel::alias!(accounts as moderators);
    let mut query = named_actions!(moderators)
        .filter(moderation_actions::group_id.eq(group.to_string()))
        .order((
            moderation_actions::created_at.desc(),
            moderation_actions::id.desc(),
        ))
        .limit(limit)
        .into_boxed();
    match filter {
        LogFilter::All => {}
        LogFilter::Member(member) => {
            query = query.filter(moderation_actions::member_id.eq(member.to_string()));
        }
        LogFilter::NoticesOf(member) => {
            query = query
                .filter(moderation_actions::member_id.eq(member.to_string()))
                .filter(
                    moderation_actions::action.eq_any(
                        ModerationKind::ALL
                            .iter()
                            .filter(|kind| kind.is_notice())
                            .map(|kind| kind.as_str()),
                    ),
                );
        }
    }
    if let Some((at, id)) = after {
        let at = to_db(at);
        query = query.filter(
            moderation_actions::created_at
                .lt(at)
                .or(moderation_actions::created_at
                    .eq(at)
                    .and(moderation_actions::id.lt(id))),
        );
    }
    let rows: Vec<ActionRow> = query.load(c)?;
    rows.into_iter().map(named_action).collect()
}

/// When the member's latest mute ends, unless it was lifted.
pub fn muted_until(
    c: &mut DbConnection,
    member: MembershipId,
) -> Result<Option<DateTime<Utc>>, PersistenceError> {
    let latest: Option<(String, Option<NaiveDateTime>)> = moderation_actions::table
        .filter(moderation_actions::member_id.eq(member.to_string()))
        .filter(moderation_actions::action.eq_any([
            ModerationKind::Mute.as_str(),
            ModerationKind::Unmute.as_str(),
        ]))
        .order((
            moderation_actions::created_at.desc(),
            moderation_actions::id.desc(),
        ))
        .select((moderation_actions::action, moderation_actions::muted_until))
        .first(c)
        .optional()?;
    Ok(latest
        .filter(|(kind, _)| kind == ModerationKind::Mute.as_str())
        .and_then(|(_, until)| until.map(from_db)))
}

/// Forgets the account in reports it made (and what it wrote in them) and in actions it
/// took, with the account's erasure. The reports and the log stay.
pub fn forget(c: &mut DbConnection, account: AccountId) -> Result<(), PersistenceError> {
    let key = account.to_string();
    diesel::update(post_reports::table.filter(post_reports::reporter_id.eq(&key)))
        .set((
            post_reports::reporter_id.eq(None::<String>),
            post_reports::details.eq(None::<String>),
        ))
        .execute(c)?;
    diesel::update(moderation_actions::table.filter(moderation_actions::moderator_id.eq(&key)))
        .set(moderation_actions::moderator_id.eq(None::<String>))
        .execute(c)?;
    Ok(())
}

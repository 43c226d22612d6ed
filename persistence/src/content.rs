//! What the tables of articles and resources share: lists of values stored between commas,
//! who a list is for, and the platform editors who write them.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use hearth_domain::account::AccountId;
use hearth_domain::content::PublicationStatus;
use hearth_domain::group::Slug;
use hearth_domain::organization::OrganizationId;

use crate::ids::parse_id;
use crate::schema::{accounts, editors};
use crate::time::{from_db, to_db};
use crate::{DbConnection, PersistenceError};

/// Who a list of content is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Readers: what is public at this instant, newest first by publication.
    Public(DateTime<Utc>),
    /// Editors: what stands in `status` at `now` (a due schedule counts as published),
    /// latest change first; only these organisations' content when given.
    Editing {
        /// The status as shown.
        status: PublicationStatus,
        /// The organisations whose content the editor writes; `None` for all of it.
        organizations: Option<Vec<OrganizationId>>,
        /// When the list is read.
        now: DateTime<Utc>,
    },
}

/// Narrows and orders a boxed query of a content table (articles or resources) to a
/// [`Scope`], continuing after `after` (the instant the scope orders by, and the id).
macro_rules! scoped {
    ($query:expr, $table:ident, $scope:expr, $after:expr) => {{
        use hearth_domain::content::PublicationStatus as Status;
        let mut query = $query;
        let published = Status::Published.as_str();
        let scheduled = Status::Scheduled.as_str();
        match $scope {
            Scope::Public(now) => {
                let now = to_db(*now);
                query = query
                    .filter(
                        $table::status.eq(published).or($table::status
                            .eq(scheduled)
                            .and($table::published_at.le(now))),
                    )
                    .order(($table::published_at.desc(), $table::id.desc()));
                if let Some((at, id)) = $after {
                    let at = to_db(at);
                    query = query.filter(
                        $table::published_at
                            .lt(at)
                            .or($table::published_at.eq(at).and($table::id.lt(id))),
                    );
                }
            }
            Scope::Editing {
                status,
                organizations,
                now,
            } => {
                let now = to_db(*now);
                query = match status {
                    Status::Published => query.filter(
                        $table::status.eq(published).or($table::status
                            .eq(scheduled)
                            .and($table::published_at.le(now))),
                    ),
                    Status::Scheduled => query.filter(
                        $table::status
                            .eq(scheduled)
                            .and($table::published_at.gt(now)),
                    ),
                    Status::Draft | Status::Archived => {
                        query.filter($table::status.eq(status.as_str()))
                    }
                }
                .order(($table::updated_at.desc(), $table::id.desc()));
                if let Some(organizations) = organizations {
                    query = query.filter(
                        $table::organization_id
                            .eq_any(organizations.iter().map(ToString::to_string)),
                    );
                }
                if let Some((at, id)) = $after {
                    let at = to_db(at);
                    query = query.filter(
                        $table::updated_at
                            .lt(at)
                            .or($table::updated_at.eq(at).and($table::id.lt(id))),
                    );
                }
            }
        }
        query
    }};
}

pub(crate) use scoped;

/// Narrows a boxed query of a content table to a filter's search words, tag and topic (the
/// filter's `terms`, `tag` and `topic` fields).
macro_rules! matching {
    ($query:expr, $table:ident, $filter:expr) => {{
        let mut query = $query;
        let filter = $filter;
        for term in &filter.terms {
            query = query.filter(
                $table::search_text
                    .like(crate::like::containing(term))
                    .escape('\\'),
            );
        }
        if let Some(tag) = &filter.tag {
            query = query.filter($table::tags.like(content::holding(tag)).escape('\\'));
        }
        if let Some(topic) = filter.topic {
            query = query.filter(
                $table::topics
                    .like(content::holding(topic.as_str()))
                    .escape('\\'),
            );
        }
        query
    }};
}

pub(crate) use matching;

/// Values as stored: between commas, `,alcohol,opioids,`, so that one LIKE finds one.
pub(crate) fn stored<'a>(values: impl Iterator<Item = &'a str>) -> String {
    let mut text = String::from(",");
    for value in values {
        text.push_str(value);
        text.push(',');
    }
    text
}

/// The values of a stored list.
pub(crate) fn values(stored: &str) -> impl Iterator<Item = &str> {
    stored.split(',').filter(|value| !value.is_empty())
}

/// `slug` if none of `taken` is it, else the first of `slug-2`, `slug-3`, … that is free.
pub(crate) fn first_free(slug: &Slug, taken: &[String]) -> Slug {
    std::iter::once(slug.clone())
        .chain((2..).map(|n| slug.numbered(n)))
        .find(|candidate| !taken.iter().any(|t| t == candidate.as_str()))
        .unwrap_or_else(|| slug.numbered(u32::MAX))
}

/// A LIKE pattern that finds a stored list holding `value`.
pub(crate) fn holding(value: &str) -> String {
    format!("%,{},%", crate::like::escape(value))
}

/// Whether the account is a platform editor.
pub fn is_editor(c: &mut DbConnection, account: AccountId) -> Result<bool, PersistenceError> {
    Ok(diesel::select(diesel::dsl::exists(
        editors::table.find(account.to_string()),
    ))
    .get_result(c)?)
}

/// Makes the account a platform editor; granting it again changes nothing. (`ON CONFLICT`
/// is not available through the connection that serves both databases.)
pub fn grant_editor(
    c: &mut DbConnection,
    account: AccountId,
    by: AccountId,
    at: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    if is_editor(c, account)? {
        return Ok(());
    }
    diesel::insert_into(editors::table)
        .values((
            editors::account_id.eq(account.to_string()),
            editors::granted_by.eq(by.to_string()),
            editors::granted_at.eq(to_db(at)),
        ))
        .execute(c)?;
    Ok(())
}

/// Takes the editor role away; answers whether the account had it.
pub fn revoke_editor(c: &mut DbConnection, account: AccountId) -> Result<bool, PersistenceError> {
    Ok(diesel::delete(editors::table.find(account.to_string())).execute(c)? == 1)
}

/// Every platform editor with their display name and since when, longest-serving first.
pub fn editors(
    c: &mut DbConnection,
) -> Result<Vec<(AccountId, String, DateTime<Utc>)>, PersistenceError> {
    let rows: Vec<(String, String, NaiveDateTime)> = editors::table
        .inner_join(accounts::table)
        .order((editors::granted_at.asc(), editors::account_id.asc()))
        .select((
            editors::account_id,
            accounts::display_name,
            editors::granted_at,
        ))
        .load(c)?;
    rows.into_iter()
        .map(|(account, name, at)| {
            Ok((AccountId(parse_id(&account, "account")?), name, from_db(at)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_round_trip_between_commas() {
        let text = stored(["alcohol", "opioids"].into_iter());
        assert_eq!(text, ",alcohol,opioids,");
        assert_eq!(values(&text).collect::<Vec<_>>(), ["alcohol", "opioids"]);
        assert_eq!(values(&stored(std::iter::empty())).count(), 0);
        assert_eq!(holding("first_steps"), "%,first\\_steps,%");
    }
}

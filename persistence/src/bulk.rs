//! Writing many rows at once, for generated data sets (`hearth seed --scale`): multi-row
//! INSERTs on the concrete connection, which the multi-backend connection does not offer.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use hearth_domain::meeting::Meeting;

use crate::meetings::MeetingRow;
use crate::occurrences::{NewOccurrence, rows};
use crate::schema::{meeting_occurrences, meetings};
use crate::time::to_db;
use crate::{DbConnection, PersistenceError};

/// Rows per INSERT, within both backends' limits on bound parameters (SQLite's 32,766).
const MEETINGS_PER_INSERT: usize = 1_000;
const OCCURRENCES_PER_INSERT: usize = 2_000;

/// Stores new meetings with their occurrences materialised for `[from, until)`; `listed` says
/// whether anyone may find them. Answers how many occurrences were written.
pub fn insert_meetings(
    c: &mut DbConnection,
    new: &[Meeting],
    listed: bool,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<usize, PersistenceError> {
    let meeting_rows: Vec<MeetingRow> = new.iter().map(MeetingRow::of).collect();
    let occurrence_rows: Vec<NewOccurrence> = new
        .iter()
        .flat_map(|meeting| rows(meeting, &[], listed, from, until))
        .collect();
    let ids: Vec<String> = new.iter().map(|m| m.id.to_string()).collect();
    macro_rules! write_all {
        ($conn:expr) => {{
            for chunk in meeting_rows.chunks(MEETINGS_PER_INSERT) {
                diesel::insert_into(meetings::table)
                    .values(chunk)
                    .execute($conn)?;
            }
            for chunk in occurrence_rows.chunks(OCCURRENCES_PER_INSERT) {
                diesel::insert_into(meeting_occurrences::table)
                    .values(chunk)
                    .execute($conn)?;
            }
            for chunk in ids.chunks(MEETINGS_PER_INSERT) {
                diesel::update(meetings::table.filter(meetings::id.eq_any(chunk)))
                    .set(meetings::materialized_until.eq(Some(to_db(until))))
                    .execute($conn)?;
            }
        }};
    }
    match c {
        DbConnection::Postgres(pg) => write_all!(pg),
        DbConnection::Sqlite(sqlite) => write_all!(sqlite),
    }
    Ok(occurrence_rows.len())
}

/// Gathers the planner's statistics, after writing many rows: without them SQLite's planner
/// cannot tell a selective index from a broad one. PostgreSQL also vacuums, which marks the
/// new rows visible to all: until then an index-only scan still visits the table for each.
pub fn analyze(c: &mut DbConnection) -> Result<(), PersistenceError> {
    let statement = match c {
        DbConnection::Postgres(_) => "VACUUM ANALYZE",
        DbConnection::Sqlite(_) => "ANALYZE",
    };
    diesel::sql_query(statement).execute(c)?;
    Ok(())
}

use uuid::Uuid;

use crate::PersistenceError;

/// Reads a stored identifier; one that does not parse means the row is corrupt.
pub(crate) fn parse_id(value: &str, what: &str) -> Result<Uuid, PersistenceError> {
    value
        .parse()
        .map_err(|_| PersistenceError::Corrupt(format!("{what} id {value}")))
}

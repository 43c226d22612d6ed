//! Cursor pagination: `?limit=` (default 20, at most 100) and `?cursor=` from the previous page.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::IntoParams;

use crate::error::ApiError;
use hearth_openapi::FieldError;

/// Default page size.
pub const DEFAULT_LIMIT: u32 = 20;
/// Largest page size.
pub const MAX_LIMIT: u32 = 100;

/// Paging parameters of a list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A checked page request: the position after which to continue, and how many to fetch.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    /// Continue after this id (exclusive).
    pub after: Option<uuid::Uuid>,
    /// Page size.
    pub limit: u32,
}

impl PageRequest {
    /// Fetch one more than the page holds, to know whether another page follows.
    pub fn fetch(&self) -> i64 {
        i64::from(self.limit) + 1
    }

    /// Cuts what was fetched to a page, with the cursor of the next one.
    pub fn page<T>(
        &self,
        mut items: Vec<T>,
        id: impl Fn(&T) -> uuid::Uuid,
    ) -> hearth_openapi::Page<T> {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        let more = items.len() > limit;
        items.truncate(limit);
        let next_cursor = more
            .then(|| items.last().map(|last| id(last).to_string()))
            .flatten();
        hearth_openapi::Page { items, next_cursor }
    }
}

impl TryFrom<PageQuery> for PageRequest {
    type Error = ApiError;

    fn try_from(query: PageQuery) -> Result<Self, ApiError> {
        let limit = checked_limit(query.limit)?;
        let after = query
            .cursor
            .map(|cursor| {
                cursor.parse().map_err(|_| {
                    ApiError::BadRequest("The cursor is not one this API gave out.".to_owned())
                })
            })
            .transpose()?;
        Ok(Self { after, limit })
    }
}

/// Cuts a fetch of up to `limit + 1` items to a page of `limit`, with the cursor `cursor`
/// makes of its last item when more follow.
pub fn cut<T>(
    mut items: Vec<T>,
    limit: u32,
    cursor: impl FnOnce(&T) -> Result<String, ApiError>,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let more = items.len() > limit;
    items.truncate(limit);
    let next_cursor = match (more, items.last()) {
        (true, Some(last)) => Some(cursor(last)?),
        _ => None,
    };
    Ok((items, next_cursor))
}

/// Encodes a keyset position (the sort key and id of the last item) as an opaque cursor.
pub fn encode_cursor<T: Serialize>(position: &T) -> Result<String, ApiError> {
    let json = serde_json::to_vec(position).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}

/// Reads a cursor made by [`encode_cursor`].
pub fn decode_cursor<T: DeserializeOwned>(cursor: &str) -> Result<T, ApiError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|json| serde_json::from_slice(&json).ok())
        .ok_or_else(|| ApiError::BadRequest("The cursor is not one this API gave out.".to_owned()))
}

/// Checks `?limit=`: 1 to 100, 20 when absent.
pub fn checked_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::Validation(vec![FieldError {
            field: "limit".to_owned(),
            code: "range".to_owned(),
            message: format!("must be 1 to {MAX_LIMIT}"),
        }]));
    }
    Ok(limit)
}

/// Where a list ordered by time continues: after this instant and id, in the list named
/// `s` (lists one endpoint answers in more than one order or selection tell their cursors
/// apart by it).
#[derive(Debug, Serialize, Deserialize)]
struct TimeCursor {
    t: chrono::DateTime<chrono::Utc>,
    p: uuid::Uuid,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    s: String,
}

/// A checked page of a list ordered by time, then id.
#[derive(Debug, Clone)]
pub struct TimePage {
    /// Items per page.
    pub limit: u32,
    /// Continue after this instant and id (exclusive).
    pub after: Option<(chrono::DateTime<chrono::Utc>, uuid::Uuid)>,
    list: String,
}

impl TryFrom<PageQuery> for TimePage {
    type Error = ApiError;

    fn try_from(query: PageQuery) -> Result<Self, ApiError> {
        Self::of_list(query, String::new())
    }
}

impl TimePage {
    /// The page of one of an endpoint's lists, named `list` (a status, a scope): a cursor of
    /// another of its lists is refused rather than read as a position in this one.
    pub fn of_list(query: PageQuery, list: impl Into<String>) -> Result<Self, ApiError> {
        let list = list.into();
        let cursor = query
            .cursor
            .as_deref()
            .map(decode_cursor::<TimeCursor>)
            .transpose()?;
        if cursor.as_ref().is_some_and(|cursor| cursor.s != list) {
            return Err(ApiError::BadRequest(
                "The cursor belongs to another list: pass it with the query it came from."
                    .to_owned(),
            ));
        }
        Ok(Self {
            limit: checked_limit(query.limit)?,
            after: cursor.map(|cursor| (cursor.t, cursor.p)),
            list,
        })
    }

    /// How many to fetch: one more than the page, to know whether more follow.
    pub fn fetch(&self) -> i64 {
        i64::from(self.limit) + 1
    }

    /// Cuts a fetch to the page, with a cursor after its last item (`position` gives its
    /// instant and id).
    pub fn cut<T>(
        &self,
        found: Vec<T>,
        position: impl Fn(&T) -> (chrono::DateTime<chrono::Utc>, uuid::Uuid),
    ) -> Result<(Vec<T>, Option<String>), ApiError> {
        cut(found, self.limit, |last| {
            let (t, p) = position(last);
            encode_cursor(&TimeCursor {
                t,
                p,
                s: self.list.clone(),
            })
        })
    }
}

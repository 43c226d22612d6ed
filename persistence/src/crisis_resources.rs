//! Administrators' crisis resources, laid over the built-in ones by slug.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use hearth_domain::crisis::{CrisisResource, Region};
use hearth_domain::group::Slug;

use crate::schema::crisis_resources;
use crate::time::to_db;
use crate::{DbConnection, PersistenceError};

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = crisis_resources, treat_none_as_null = true)]
struct CrisisResourceRow {
    slug: String,
    name: String,
    description: String,
    region: String,
    languages: String,
    phone: Option<String>,
    text_number: Option<String>,
    text_keyword: Option<String>,
    chat_url: Option<String>,
    website: Option<String>,
    hours: String,
    position: i32,
    withdrawn: bool,
    updated_at: NaiveDateTime,
}

impl CrisisResourceRow {
    fn of(resource: &CrisisResource, at: DateTime<Utc>) -> Self {
        Self {
            slug: resource.slug.as_str().to_owned(),
            name: resource.name.clone(),
            description: resource.description.clone(),
            region: resource.region.as_str().to_owned(),
            languages: resource.languages.join(","),
            phone: resource.phone.clone(),
            text_number: resource.text_number.clone(),
            text_keyword: resource.text_keyword.clone(),
            chat_url: resource.chat_url.clone(),
            website: resource.website.clone(),
            hours: resource.hours.clone(),
            position: i32::try_from(resource.position).unwrap_or(i32::MAX),
            withdrawn: resource.withdrawn,
            updated_at: to_db(at),
        }
    }

    fn into_resource(self) -> Result<CrisisResource, PersistenceError> {
        let region = Region::parse(&self.region, "region").map_err(|_| {
            PersistenceError::Corrupt(format!("crisis resource {}: region", self.slug))
        })?;
        Ok(CrisisResource {
            region,
            languages: self.languages.split(',').map(str::to_owned).collect(),
            phone: self.phone,
            text_number: self.text_number,
            text_keyword: self.text_keyword,
            chat_url: self.chat_url,
            website: self.website,
            hours: self.hours,
            position: u32::try_from(self.position).unwrap_or_default(),
            withdrawn: self.withdrawn,
            name: self.name,
            description: self.description,
            slug: Slug::from_stored(self.slug),
        })
    }
}

/// Every administrator's entry, withdrawn ones included.
pub fn all(c: &mut DbConnection) -> Result<Vec<CrisisResource>, PersistenceError> {
    let rows: Vec<CrisisResourceRow> = crisis_resources::table
        .order(crisis_resources::slug.asc())
        .select(CrisisResourceRow::as_select())
        .load(c)?;
    rows.into_iter()
        .map(CrisisResourceRow::into_resource)
        .collect()
}

/// Stores the entry of its slug, replacing any.
pub fn put(
    c: &mut DbConnection,
    resource: &CrisisResource,
    at: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    let row = CrisisResourceRow::of(resource, at);
    let replaced = diesel::update(crisis_resources::table.find(resource.slug.as_str()))
        .set(&row)
        .execute(c)?;
    if replaced == 0 {
        diesel::insert_into(crisis_resources::table)
            .values(&row)
            .execute(c)?;
    }
    Ok(())
}

/// Removes the entry of `slug`; answers whether there was one.
pub fn delete(c: &mut DbConnection, slug: &Slug) -> Result<bool, PersistenceError> {
    let deleted = diesel::delete(crisis_resources::table.find(slug.as_str())).execute(c)?;
    Ok(deleted == 1)
}

//! Peer support groups: what they are about, who may find them, and the values that describe
//! them.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::DomainError;
use crate::account::{Email, Locale};
use crate::identifier::identifier;
use crate::organization::OrganizationId;
use crate::vocabulary::vocabulary;

identifier! {
    /// A group's public identifier.
    pub struct GroupId;
}

vocabulary! {
    /// What a group helps with.
    pub enum FocusArea {
        /// Alcohol.
        Alcohol = "alcohol",
        /// Opioids, including heroin, fentanyl and prescription painkillers.
        Opioids = "opioids",
        /// Cocaine, methamphetamine and other stimulants.
        Stimulants = "stimulants",
        /// Cannabis.
        Cannabis = "cannabis",
        /// Nicotine and tobacco.
        Nicotine = "nicotine",
        /// Any substance.
        Substances = "substances",
        /// Gambling.
        Gambling = "gambling",
        /// Gaming and compulsive internet use.
        Gaming = "gaming",
        /// Eating disorders.
        EatingDisorders = "eating_disorders",
        /// Mental health in general.
        MentalHealth = "mental_health",
        /// Depression.
        Depression = "depression",
        /// Anxiety.
        Anxiety = "anxiety",
        /// Bipolar disorder.
        Bipolar = "bipolar",
        /// Trauma and PTSD.
        Trauma = "trauma",
        /// Grief and loss.
        Grief = "grief",
        /// Families and friends of someone who struggles.
        FamilyAndFriends = "family_and_friends",
    }
}

vocabulary! {
    /// The recovery approach a group follows.
    pub enum Approach {
        /// A twelve-step fellowship (AA, NA, and others).
        TwelveStep = "twelve_step",
        /// SMART Recovery.
        SmartRecovery = "smart_recovery",
        /// Secular, non-religious mutual aid.
        Secular = "secular",
        /// Faith-based.
        FaithBased = "faith_based",
        /// Buddhist-inspired and mindfulness-based (Recovery Dharma, Refuge Recovery).
        Mindfulness = "mindfulness",
        /// Harm reduction: any positive change counts.
        HarmReduction = "harm_reduction",
        /// Welcomes and supports medication for addiction treatment.
        MedicationSupportive = "medication_supportive",
        /// General peer support, no specific program.
        PeerSupport = "peer_support",
    }
}

vocabulary! {
    /// Who a group is especially for. A group with no audience is for everyone.
    pub enum Audience {
        /// Women.
        Women = "women",
        /// Men.
        Men = "men",
        /// LGBTQ+ people.
        Lgbtq = "lgbtq",
        /// Young people (roughly 18 to 30).
        YoungPeople = "young_people",
        /// Older adults.
        OlderAdults = "older_adults",
        /// Veterans and service members.
        Veterans = "veterans",
        /// Parents.
        Parents = "parents",
        /// Black, Indigenous and people of colour.
        Bipoc = "bipoc",
        /// Healthcare and other licensed professionals.
        Professionals = "professionals",
        /// People new to recovery.
        Newcomers = "newcomers",
    }
}

vocabulary! {
    /// Who can find a group.
    pub enum Visibility {
        /// Listed in search, readable by anyone.
        Public = "public",
        /// Readable by anyone with its link, never listed.
        Unlisted = "unlisted",
        /// Exists only for its members.
        Private = "private",
    }
}

vocabulary! {
    /// How people get into a group.
    pub enum JoinPolicy {
        /// Anyone may join at once.
        Open = "open",
        /// People ask; a facilitator approves or declines.
        Request = "request",
        /// Only with an invitation.
        Invite = "invite",
    }
}

vocabulary! {
    /// How newcomers reach a group before they join.
    pub enum ContactKind {
        /// An email address.
        Email = "email",
        /// A phone number.
        Phone = "phone",
        /// A web page (https).
        Url = "url",
    }
}

/// How newcomers reach a group: a group contact, never a member's private address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewcomerContact {
    /// Email, phone or web page.
    pub kind: ContactKind,
    /// The address, number or URL.
    pub value: String,
}

impl NewcomerContact {
    /// Checks the value against its kind.
    pub fn parse(kind: ContactKind, raw: &str) -> Result<Self, DomainError> {
        let value = raw.trim();
        let valid = match kind {
            ContactKind::Email => Email::parse(value).is_ok(),
            ContactKind::Phone => is_phone(value),
            ContactKind::Url => is_https_url(value),
        };
        if !valid {
            return Err(invalid(
                "newcomer_contact.value",
                "contact",
                match kind {
                    ContactKind::Email => "must be an email address",
                    ContactKind::Phone => "must be a phone number of 7 to 15 digits",
                    ContactKind::Url => "must be an https URL of at most 500 characters",
                },
            ));
        }
        Ok(Self {
            kind,
            value: value.to_owned(),
        })
    }
}

/// A point on Earth, in degrees (WGS 84).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Latitude, -90 to 90.
    pub latitude: f64,
    /// Longitude, -180 to 180.
    pub longitude: f64,
}

/// Mean Earth radius in kilometres, as the haversine formula uses it.
const EARTH_RADIUS_KM: f64 = 6371.0088;

impl Point {
    /// Checks the ranges; `field` names the input for the error.
    pub fn new(latitude: f64, longitude: f64, field: &str) -> Result<Self, DomainError> {
        if !(-90.0..=90.0).contains(&latitude) || !(-180.0..=180.0).contains(&longitude) {
            return Err(invalid(
                field,
                "coordinates",
                "latitude must be -90 to 90 and longitude -180 to 180",
            ));
        }
        Ok(Self {
            latitude,
            longitude,
        })
    }

    /// Reads `lat,lng`, as in `?near=40.71,-74.01`.
    pub fn parse(raw: &str, field: &str) -> Result<Self, DomainError> {
        let (lat, lng) = raw.split_once(',').ok_or_else(|| {
            invalid(
                field,
                "coordinates",
                "must be latitude,longitude such as 40.71,-74.01",
            )
        })?;
        let number = |text: &str| {
            text.trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .ok_or_else(|| {
                    invalid(
                        field,
                        "coordinates",
                        "must be latitude,longitude such as 40.71,-74.01",
                    )
                })
        };
        Self::new(number(lat)?, number(lng)?, field)
    }

    /// Great-circle distance in kilometres.
    pub fn distance_km(self, other: Self) -> f64 {
        let (lat1, lat2) = (self.latitude.to_radians(), other.latitude.to_radians());
        let dlat = lat2 - lat1;
        let dlng = (other.longitude - self.longitude).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlng / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
    }

    /// A latitude/longitude box that holds every point within `radius_km`, for an index to narrow
    /// a search before exact distances are computed. Near the poles or across the antimeridian
    /// the box widens to every longitude.
    pub fn bounding_box(self, radius_km: f64) -> BoundingBox {
        let dlat = (radius_km / EARTH_RADIUS_KM).to_degrees();
        let min_latitude = (self.latitude - dlat).max(-90.0);
        let max_latitude = (self.latitude + dlat).min(90.0);
        let widest = min_latitude.abs().max(max_latitude.abs());
        let dlng = if widest >= 89.0 {
            180.0
        } else {
            (dlat / widest.to_radians().cos()).min(180.0)
        };
        let (min_longitude, max_longitude) =
            if self.longitude - dlng < -180.0 || self.longitude + dlng > 180.0 {
                (-180.0, 180.0)
            } else {
                (self.longitude - dlng, self.longitude + dlng)
            };
        BoundingBox {
            min_latitude,
            max_latitude,
            min_longitude,
            max_longitude,
        }
    }
}

/// The side of a grid cell, in degrees: about 11 km north to south.
const CELL_DEGREES: f64 = 0.1;
/// Cells in a row of the grid, from -180° to 180° inclusive.
const CELLS_PER_ROW: i32 = 3601;
/// Most cells a search names before it falls back to the latitude/longitude box alone: a
/// radius of about 75 km at the latitude of New York.
pub const MAX_SEARCH_CELLS: usize = 400;

fn cell_index(degrees: f64, offset: f64) -> i32 {
    // In range by construction: latitudes and longitudes are checked on the way in.
    ((degrees + offset) / CELL_DEGREES).floor() as i32
}

impl Point {
    /// The grid cell the point lies in: a 0.1° square, numbered row by row from the south-west.
    /// Indexing places by cell turns "near here" into a few exact lookups.
    pub fn cell(self) -> i32 {
        cell_index(self.latitude, 90.0) * CELLS_PER_ROW + cell_index(self.longitude, 180.0)
    }
}

impl BoundingBox {
    /// Every grid cell the box touches, or `None` when there are more than
    /// [`MAX_SEARCH_CELLS`] (a wide radius is better served by the box alone).
    pub fn cells(&self) -> Option<Vec<i32>> {
        let rows = cell_index(self.min_latitude, 90.0)..=cell_index(self.max_latitude, 90.0);
        let columns = cell_index(self.min_longitude, 180.0)..=cell_index(self.max_longitude, 180.0);
        let count = rows.clone().count() * columns.clone().count();
        (count <= MAX_SEARCH_CELLS).then(|| {
            rows.flat_map(|row| {
                columns
                    .clone()
                    .map(move |column| row * CELLS_PER_ROW + column)
            })
            .collect()
        })
    }
}

/// A latitude/longitude rectangle, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    /// Southern edge.
    pub min_latitude: f64,
    /// Northern edge.
    pub max_latitude: f64,
    /// Western edge.
    pub min_longitude: f64,
    /// Eastern edge.
    pub max_longitude: f64,
}

/// Where a group meets in person: a neighbourhood, never a street address (meetings have those).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupLocation {
    /// An approximate point.
    pub point: Point,
    /// Town or city.
    pub locality: Option<String>,
    /// State, province or region.
    pub region: Option<String>,
    /// ISO 3166-1 alpha-2 country code, such as `US`.
    pub country: Option<String>,
}

/// A group's web-friendly name, unique across groups, current and former.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

/// Words that name routes beside `/v1/groups/{group}` and so can never be slugs.
const RESERVED_SLUGS: [&str; 2] = ["changes", "me"];

impl Slug {
    /// Fewest characters a slug has.
    pub const MIN_CHARS: usize = 3;
    /// Most characters a slug has.
    pub const MAX_CHARS: usize = 60;

    /// Checks a slug chosen by a person: 3 to 60 of `a-z`, `0-9` and single inner hyphens, not
    /// a UUID and not a reserved word.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let slug = raw.trim();
        let shape_ok = (Self::MIN_CHARS..=Self::MAX_CHARS).contains(&slug.len())
            && slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !slug.starts_with('-')
            && !slug.ends_with('-')
            && !slug.contains("--");
        if !shape_ok {
            return Err(invalid(
                "slug",
                "slug",
                "must be 3 to 60 lowercase letters, digits and single hyphens, such as \
                 harbour-lights-aa",
            ));
        }
        if Uuid::parse_str(slug).is_ok() || RESERVED_SLUGS.contains(&slug) {
            return Err(invalid("slug", "slug", "is reserved"));
        }
        Ok(Self(slug.to_owned()))
    }

    /// A slug from a group's name: letters folded to ASCII, everything else a hyphen.
    pub fn from_name(name: &str) -> Self {
        let folded: String = name
            .chars()
            .flat_map(char::to_lowercase)
            .map(|c| match fold_to_ascii(c) {
                "" => "-",
                ascii => ascii,
            })
            .collect();
        let mut slug = folded
            .split('-')
            .filter(|word| !word.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        if slug.len() > Self::MAX_CHARS - 4 {
            let cut = slug[..Self::MAX_CHARS - 4].trim_end_matches('-').len();
            slug.truncate(cut);
        }
        if slug.is_empty() {
            slug = "group".to_owned();
        } else if Self::parse(&slug).is_err() {
            slug.push_str("-group");
        }
        Self(slug)
    }

    /// This slug with a number, for when the plain one is taken: `harbour-lights-2`.
    pub fn numbered(&self, n: u32) -> Self {
        Self(format!("{}-{n}", self.0))
    }

    /// This slug with a suffix: `circle-k3x9qa`.
    pub fn suffixed(&self, suffix: &str) -> Self {
        Self(format!("{}-{suffix}", self.0))
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Reads a stored slug without checking it again.
    pub fn from_stored(slug: String) -> Self {
        Self(slug)
    }
}

/// The ASCII spelling of a lowercase letter or digit; empty for anything that separates words.
fn fold_to_ascii(c: char) -> &'static str {
    const FOLDS: [(&str, &str); 14] = [
        ("àáâãäåāą", "a"),
        ("çćč", "c"),
        ("ďđ", "d"),
        ("èéêëēęě", "e"),
        ("ìíîïī", "i"),
        ("łľ", "l"),
        ("ñńň", "n"),
        ("òóôõöøō", "o"),
        ("ŕř", "r"),
        ("śšş", "s"),
        ("ťţ", "t"),
        ("ùúûüūů", "u"),
        ("ýÿ", "y"),
        ("źżž", "z"),
    ];
    const ASCII: &str = "abcdefghijklmnopqrstuvwxyz0123456789";
    if let Some(at) = ASCII.find(c) {
        return &ASCII[at..at + 1];
    }
    match c {
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        '&' => "-and-",
        _ => FOLDS
            .iter()
            .find(|(from, _)| from.contains(c))
            .map_or("", |(_, to)| to),
    }
}

/// A group as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Its id.
    pub id: GroupId,
    /// Its current slug.
    pub slug: Slug,
    /// What the group describes itself with.
    pub profile: GroupProfile,
    /// How many active members it has.
    pub member_count: u32,
    /// Whether it was ever public, so its disappearance is news to anyone who synced it.
    pub was_public: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When its description last changed.
    pub updated_at: DateTime<Utc>,
    /// When it was archived, if it was.
    pub archived_at: Option<DateTime<Utc>>,
}

/// Everything about a group that its owners edit.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupProfile {
    /// Its name.
    pub name: String,
    /// A markdown description.
    pub description: String,
    /// What it helps with.
    pub focus_areas: Vec<FocusArea>,
    /// The approach it follows, if any in particular.
    pub approach: Option<Approach>,
    /// Who it is especially for; empty means everyone.
    pub audiences: Vec<Audience>,
    /// The languages it meets in (BCP 47).
    pub languages: Vec<String>,
    /// Who can find it.
    pub visibility: Visibility,
    /// How people get in.
    pub join_policy: JoinPolicy,
    /// Most active members, if limited.
    pub capacity: Option<u32>,
    /// The organisation that hosts it, if any.
    pub organization: Option<OrganizationId>,
    /// How newcomers reach it before joining.
    pub newcomer_contact: Option<NewcomerContact>,
    /// Where it meets in person, roughly.
    pub location: Option<GroupLocation>,
    /// The time zone its meetings keep, if it has a home.
    pub time_zone: Option<chrono_tz::Tz>,
}

/// Limits of a group's fields.
pub mod limits {
    /// Shortest name.
    pub const NAME_MIN: usize = 3;
    /// Longest name.
    pub const NAME_MAX: usize = 100;
    /// Longest description, in characters.
    pub const DESCRIPTION_MAX: usize = 10_000;
    /// Most values in each of focus areas, audiences and languages.
    pub const TAGS_MAX: usize = 10;
    /// Smallest capacity (the owner plus one).
    pub const CAPACITY_MIN: u32 = 2;
    /// Largest capacity.
    pub const CAPACITY_MAX: u32 = 10_000;
    /// Longest locality or region.
    pub const PLACE_MAX: usize = 100;
}

/// Checks a group's name: 3 to 100 characters, trimmed, no control characters.
pub fn parse_group_name(raw: &str) -> Result<String, DomainError> {
    let name = raw.trim();
    let chars = name.chars().count();
    if !(limits::NAME_MIN..=limits::NAME_MAX).contains(&chars) || name.chars().any(char::is_control)
    {
        return Err(invalid("name", "length", "must be 3 to 100 characters"));
    }
    Ok(name.to_owned())
}

/// Checks a description: at most 10 000 characters of markdown, trimmed.
pub fn parse_description(raw: &str) -> Result<String, DomainError> {
    let description = raw.trim();
    if description.chars().count() > limits::DESCRIPTION_MAX
        || description
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(invalid(
            "description",
            "length",
            "must be at most 10000 characters of text",
        ));
    }
    Ok(description.to_owned())
}

/// Checks a list of tags: at most ten, without repeats; returned sorted.
pub fn parse_tags<T: Ord + Copy>(values: &[T], field: &str) -> Result<Vec<T>, DomainError> {
    let mut sorted = values.to_vec();
    sorted.sort();
    sorted.dedup();
    if sorted.len() != values.len() || sorted.len() > limits::TAGS_MAX {
        return Err(invalid(
            field,
            "tags",
            "must hold at most 10 values, each once",
        ));
    }
    Ok(sorted)
}

/// Checks a list of BCP 47 language tags: one to ten, without repeats, in the given order.
pub fn parse_languages(values: &[String]) -> Result<Vec<String>, DomainError> {
    if values.is_empty() || values.len() > limits::TAGS_MAX {
        return Err(invalid("languages", "tags", "must hold 1 to 10 languages"));
    }
    let mut languages: Vec<String> = Vec::with_capacity(values.len());
    for (at, raw) in values.iter().enumerate() {
        let tag = Locale::parse(raw).map_err(|_| {
            invalid(
                &format!("languages[{at}]"),
                "language",
                "must be a BCP 47 language tag such as en or es-MX",
            )
        })?;
        if languages
            .iter()
            .any(|seen| seen.eq_ignore_ascii_case(tag.as_str()))
        {
            return Err(invalid("languages", "tags", "must name each language once"));
        }
        languages.push(canonical_language(tag.as_str()));
    }
    Ok(languages)
}

/// A language tag in BCP 47's canonical case (language lower, script title, region upper:
/// `ZH-hant-tw` is `zh-Hant-TW`), so tags compare equal however they were typed.
pub fn canonical_language(tag: &str) -> String {
    tag.split('-')
        .enumerate()
        .map(|(at, subtag)| match (at, subtag.len()) {
            (0, _) => subtag.to_ascii_lowercase(),
            (_, 2) => subtag.to_ascii_uppercase(),
            (_, 4) if subtag.chars().all(|c| c.is_ascii_alphabetic()) => {
                let lower = subtag.to_ascii_lowercase();
                lower[..1].to_ascii_uppercase() + &lower[1..]
            }
            _ => subtag.to_ascii_lowercase(),
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Checks a capacity: 2 to 10 000 active members.
pub fn parse_capacity(capacity: u32) -> Result<u32, DomainError> {
    if !(limits::CAPACITY_MIN..=limits::CAPACITY_MAX).contains(&capacity) {
        return Err(invalid("capacity", "range", "must be 2 to 10000"));
    }
    Ok(capacity)
}

/// Checks where a group meets.
pub fn parse_location(
    latitude: f64,
    longitude: f64,
    locality: Option<&str>,
    region: Option<&str>,
    country: Option<&str>,
) -> Result<GroupLocation, DomainError> {
    let place = parse_place("location", locality, region, country)?;
    Ok(GroupLocation {
        point: Point::new(latitude, longitude, "location")?,
        locality: place.locality,
        region: place.region,
        country: place.country,
    })
}

/// A town, a region and a country code, each checked, for fields under `prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// Town or city.
    pub locality: Option<String>,
    /// State, province or region.
    pub region: Option<String>,
    /// ISO 3166-1 alpha-2 country code, upper-cased.
    pub country: Option<String>,
}

/// Checks a town and a region (at most 100 characters each) and an ISO 3166-1 alpha-2
/// country code; errors name `prefix.locality` and so on.
pub fn parse_place(
    prefix: &str,
    locality: Option<&str>,
    region: Option<&str>,
    country: Option<&str>,
) -> Result<Place, DomainError> {
    let country = country
        .map(|code| {
            let code = code.trim();
            if code.len() == 2 && code.chars().all(|c| c.is_ascii_alphabetic()) {
                Ok(code.to_ascii_uppercase())
            } else {
                Err(invalid(
                    &format!("{prefix}.country"),
                    "country",
                    "must be an ISO 3166-1 alpha-2 code such as US",
                ))
            }
        })
        .transpose()?;
    Ok(Place {
        locality: parse_text(locality, &format!("{prefix}.locality"), limits::PLACE_MAX)?,
        region: parse_text(region, &format!("{prefix}.region"), limits::PLACE_MAX)?,
        country,
    })
}

/// Optional free text: trimmed, empty as none, at most `max` characters, no control
/// characters but line breaks.
pub fn parse_text(
    raw: Option<&str>,
    field: &str,
    max: usize,
) -> Result<Option<String>, DomainError> {
    let Some(text) = raw.map(str::trim).filter(|text| !text.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > max || text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(DomainError::Invalid {
            field: field.to_owned(),
            code: "length",
            message: format!("must be at most {max} characters of text"),
        });
    }
    Ok(Some(text.to_owned()))
}

/// A phone number: 7 to 15 digits, with spaces, `+`, `-`, `(`, `)` and `.` between them.
pub fn is_phone(value: &str) -> bool {
    let digits = value.chars().filter(char::is_ascii_digit).count();
    (7..=15).contains(&digits)
        && value.len() <= 30
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

/// An https URL of at most 500 characters, without spaces.
pub fn is_https_url(value: &str) -> bool {
    value.starts_with("https://")
        && value.len() <= 500
        && value.len() > "https://".len()
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Text a search matches against, lower-cased, so both databases compare it the same way.
pub fn search_text(profile: &GroupProfile) -> String {
    let mut text = profile.name.to_lowercase();
    for part in [&profile.description]
        .into_iter()
        .chain(profile.location.iter().flat_map(|l| l.locality.iter()))
    {
        text.push('\n');
        text.push_str(&part.to_lowercase());
    }
    text
}

/// Widest radius of a search around a point, in kilometres.
pub const MAX_RADIUS_KM: f64 = 500.0;

/// Reads a search's `near` (`lat,lng`) and `radius_km` (0.1 to 500, `default_km` when
/// absent, and only with `near`).
pub fn parse_near(
    near: Option<&str>,
    radius_km: Option<f64>,
    default_km: f64,
) -> Result<Option<(Point, f64)>, DomainError> {
    let radius = radius_km.unwrap_or(default_km);
    if !(0.1..=MAX_RADIUS_KM).contains(&radius) || (radius_km.is_some() && near.is_none()) {
        return Err(invalid(
            "radius_km",
            "range",
            "must be 0.1 to 500, with near",
        ));
    }
    near.map(|raw| Point::parse(raw, "near").map(|point| (point, radius)))
        .transpose()
}

/// Refuses a search parameter naming more than ten values.
pub fn check_search_list(field: &str, values: usize) -> Result<(), DomainError> {
    if values > limits::TAGS_MAX {
        return Err(invalid(field, "tags", "must name at most 10 values"));
    }
    Ok(())
}

/// A search's words, lower-cased: at most eight, each at least two characters.
pub fn search_terms(raw: &str) -> Result<Vec<String>, DomainError> {
    let terms: Vec<String> = raw
        .split_whitespace()
        .map(str::to_lowercase)
        .filter(|term| term.chars().count() >= 2)
        .collect();
    if raw.chars().count() > 200 || terms.len() > 8 {
        return Err(invalid(
            "q",
            "length",
            "must be at most 200 characters and 8 words",
        ));
    }
    Ok(terms)
}

fn invalid(field: &str, code: &'static str, message: &str) -> DomainError {
    DomainError::Invalid {
        field: field.to_owned(),
        code,
        message: message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_come_from_names_in_ascii() {
        assert_eq!(
            Slug::from_name("Harbour Lights AA").as_str(),
            "harbour-lights-aa"
        );
        assert_eq!(
            Slug::from_name("  Café Esperanza — Grupo en Español! ").as_str(),
            "cafe-esperanza-grupo-en-espanol"
        );
        assert_eq!(
            Slug::from_name("Friends & Family").as_str(),
            "friends-and-family"
        );
        assert_eq!(Slug::from_name("互助小组").as_str(), "group");
        assert_eq!(Slug::from_name("Me").as_str(), "me-group");
        assert_eq!(Slug::from_name("changes").as_str(), "changes-group");
        let long = Slug::from_name(&"recovery ".repeat(20));
        assert!(long.as_str().len() <= Slug::MAX_CHARS - 4, "{long:?}");
        assert!(Slug::parse(long.numbered(999).as_str()).is_ok());
    }

    #[test]
    fn chosen_slugs_must_be_clean_and_not_reserved() {
        assert!(Slug::parse("harbour-lights").is_ok());
        for bad in [
            "ab",
            "Harbour",
            "-lead",
            "trail-",
            "two--hyphens",
            "with space",
            "changes",
            "me",
            "0193aa8e-8f5a-7c3e-9d2b-4a1f0e6c8b7d",
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn distances_follow_the_great_circle() {
        let manhattan = Point::new(40.7128, -74.0060, "near").unwrap();
        let brooklyn = Point::new(40.6782, -73.9442, "near").unwrap();
        let los_angeles = Point::new(34.0522, -118.2437, "near").unwrap();

        assert!((manhattan.distance_km(brooklyn) - 6.5).abs() < 0.5);
        assert!((manhattan.distance_km(los_angeles) - 3936.0).abs() < 10.0);
        assert!(manhattan.distance_km(manhattan).abs() < 1e-9);
    }

    #[test]
    fn the_bounding_box_holds_every_point_within_the_radius() {
        let center = Point::new(61.2, -149.9, "near").unwrap();
        let bbox = center.bounding_box(50.0);
        for bearing in 0..36 {
            let angle = f64::from(bearing * 10).to_radians();
            let dlat = 49.9 / 111.2 * angle.cos();
            let dlng = 49.9 / (111.2 * center.latitude.to_radians().cos()) * angle.sin();
            let point = Point::new(center.latitude + dlat, center.longitude + dlng, "p").unwrap();
            assert!(center.distance_km(point) <= 50.5);
            assert!(
                (bbox.min_latitude..=bbox.max_latitude).contains(&point.latitude)
                    && (bbox.min_longitude..=bbox.max_longitude).contains(&point.longitude),
                "{point:?} outside {bbox:?}"
            );
        }
        let fiji = Point::new(-17.7, 179.9, "near")
            .unwrap()
            .bounding_box(100.0);
        assert_eq!((fiji.min_longitude, fiji.max_longitude), (-180.0, 180.0));
    }

    #[test]
    fn points_parse_from_lat_comma_lng() {
        assert_eq!(
            Point::parse("40.71,-74.01", "near"),
            Ok(Point {
                latitude: 40.71,
                longitude: -74.01
            })
        );
        for bad in ["40.71", "91,0", "0,181", "NaN,0", "inf,0", "a,b", ""] {
            assert!(Point::parse(bad, "near").is_err(), "{bad}");
        }
    }

    #[test]
    fn languages_are_bcp47_and_unique() {
        assert_eq!(
            parse_languages(&["en".into(), "es-MX".into()]),
            Ok(vec!["en".to_owned(), "es-MX".to_owned()])
        );
        assert!(parse_languages(&[]).is_err());
        assert!(parse_languages(&["en".into(), "EN".into()]).is_err());
        let error = parse_languages(&["en".into(), "not a tag".into()]).unwrap_err();
        assert!(matches!(error, DomainError::Invalid { field, .. } if field == "languages[1]"));
    }

    #[test]
    fn language_tags_take_their_canonical_case() {
        assert_eq!(canonical_language("ZH-hant-tw"), "zh-Hant-TW");
        assert_eq!(canonical_language("es-mx"), "es-MX");
        assert_eq!(canonical_language("EN"), "en");
        assert_eq!(canonical_language("es-419"), "es-419");
        assert_eq!(
            parse_languages(&["Es-mx".into()]),
            Ok(vec!["es-MX".to_owned()])
        );
    }

    #[test]
    fn tags_are_at_most_ten_and_never_repeated() {
        assert_eq!(
            parse_tags(&[FocusArea::Opioids, FocusArea::Alcohol], "focus_areas"),
            Ok(vec![FocusArea::Alcohol, FocusArea::Opioids])
        );
        assert!(parse_tags(&[FocusArea::Alcohol, FocusArea::Alcohol], "focus_areas").is_err());
        assert!(parse_tags(&FocusArea::ALL[..11], "focus_areas").is_err());
    }

    #[test]
    fn newcomer_contacts_match_their_kind() {
        assert!(NewcomerContact::parse(ContactKind::Email, "newcomers@example.org").is_ok());
        assert!(NewcomerContact::parse(ContactKind::Phone, "+1 (212) 555-0142").is_ok());
        assert!(NewcomerContact::parse(ContactKind::Url, "https://example.org/join").is_ok());
        assert!(NewcomerContact::parse(ContactKind::Email, "not-an-email").is_err());
        assert!(NewcomerContact::parse(ContactKind::Phone, "call me").is_err());
        assert!(NewcomerContact::parse(ContactKind::Url, "http://example.org").is_err());
        assert!(NewcomerContact::parse(ContactKind::Url, "javascript:alert(1)").is_err());
    }

    #[test]
    fn search_terms_are_lowercased_words() {
        assert_eq!(
            search_terms("  Women  in Recovery "),
            Ok(vec![
                "women".to_owned(),
                "in".to_owned(),
                "recovery".to_owned()
            ])
        );
        assert_eq!(search_terms("a"), Ok(vec![]));
        assert!(search_terms(&"word ".repeat(9)).is_err());
    }

    #[test]
    fn a_search_box_names_every_cell_its_points_fall_in() {
        let center = Point::new(40.7359, -73.9911, "near").unwrap();
        let bbox = center.bounding_box(10.0);
        let cells = bbox.cells().unwrap();
        assert!(cells.len() <= 12, "{}", cells.len());
        for (dlat, dlng) in [
            (0.0, 0.0),
            (0.089, 0.0),
            (-0.089, 0.0),
            (0.0, 0.117),
            (0.0, -0.117),
            (0.06, -0.08),
        ] {
            let point = Point::new(center.latitude + dlat, center.longitude + dlng, "p").unwrap();
            assert!(cells.contains(&point.cell()), "{point:?}");
        }
        assert!(!cells.contains(&Point::new(40.95, -73.99, "p").unwrap().cell()));
    }

    #[test]
    fn wide_searches_fall_back_to_the_box() {
        let center = Point::new(40.7359, -73.9911, "near").unwrap();
        assert!(center.bounding_box(60.0).cells().is_some());
        assert!(center.bounding_box(150.0).cells().is_none());
        assert!(
            Point::new(89.5, 0.0, "p")
                .unwrap()
                .bounding_box(10.0)
                .cells()
                .is_none()
        );
    }

    #[test]
    fn cells_cover_the_edges_of_the_map() {
        assert_eq!(Point::new(-90.0, -180.0, "p").unwrap().cell(), 0);
        let top = Point::new(90.0, 180.0, "p").unwrap().cell();
        assert_eq!(top, 1800 * 3601 + 3600);
    }
}

//! `hearth seed --scale N`: N realistic meetings over US cities and their time zones, for load
//! benchmarks. The same N always gives the same meetings (ids and the present aside): a
//! fixed-seed generator decides everything.

use chrono::{DateTime, Duration, NaiveTime, Utc, Weekday};
use hearth_domain::Sensitive;
use hearth_domain::group::{
    FocusArea, Group, GroupId, GroupLocation, GroupProfile, JoinPolicy, Point, Slug, Visibility,
};
use hearth_domain::meeting::{
    AttendanceMode, Meeting, MeetingDetails, MeetingId, OnlineAccess, Venue,
};
use hearth_domain::meeting_type::MeetingType;
use hearth_domain::membership::{GroupRole, Membership, MembershipId, MembershipStatus};
use hearth_domain::schedule::{Ordinal, Recurrence, Schedule};
use hearth_persistence::{DbConnection, accounts, bulk, groups, memberships, transaction};

use crate::credentials::hash_password_now;
use crate::error::ApiError;
use crate::meetings::HORIZON_DAYS;
use crate::seed::{CITIES, City, DEMO_PASSWORD, new_account};

/// The account that owns every generated group.
pub const SCALE_EMAIL: &str = "scale@hearth.example";

/// Meetings per group, on average.
const MEETINGS_PER_GROUP: u64 = 20;
/// Meetings written per transaction.
const BATCH: u64 = 2_000;

/// What the scale seed made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scaled {
    /// Groups made.
    pub groups: u64,
    /// Meetings made.
    pub meetings: u64,
    /// Occurrences materialised.
    pub occurrences: u64,
}

/// A deterministic stream of pseudo-random numbers (SplitMix64).
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A whole number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// Picks one of `choices`.
    fn pick<'a, T>(&mut self, choices: &'a [T]) -> &'a T {
        let at = usize::try_from(self.below(choices.len() as u64)).unwrap_or(0);
        &choices[at]
    }

    /// A number in `[-spread, spread]`.
    fn jitter(&mut self, spread: f64) -> f64 {
        let unit = (self.below(2_000_001) as f64) / 1_000_000.0 - 1.0;
        unit * spread
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Fills an empty database with `n` meetings in `n / 20` groups (at least one), reporting
/// progress after each batch. Refuses a database that already has accounts.
pub fn scale(
    c: &mut DbConnection,
    n: u64,
    mut progress: impl FnMut(u64),
) -> Result<Scaled, ApiError> {
    let existing = accounts::count(c)?;
    if existing > 0 {
        return Err(ApiError::BadRequest(format!(
            "the database already has data ({existing} accounts); generated data goes only \
             into an empty database"
        )));
    }
    let hash = hash_password_now(&Sensitive::new(DEMO_PASSWORD.to_owned()))?;
    let now = Utc::now();
    let owner = transaction(c, |c| new_account(c, SCALE_EMAIL, "Scale", &hash, now))?;
    let mut dice = Dice(0x4845_4152_5448);
    let group_count = (n / MEETINGS_PER_GROUP).max(1);
    let mut all_groups = Vec::new();
    for first in (0..group_count).step_by(1_000) {
        let made = transaction(c, |c| {
            (first..(first + 1_000).min(group_count))
                .map(|index| group(c, &mut dice, index, owner, now))
                .collect::<Result<Vec<_>, ApiError>>()
        })?;
        all_groups.extend(made);
    }
    let (from, until) = (now - Duration::days(1), now + Duration::days(HORIZON_DAYS));
    let mut occurrences = 0;
    for first in (0..n).step_by(usize::try_from(BATCH).unwrap_or(1)) {
        let batch: Vec<(Meeting, bool)> = (first..(first + BATCH).min(n))
            .map(|index| {
                let (group, city) = &all_groups[usize::try_from(index % group_count).unwrap_or(0)];
                let listed = group.profile.visibility == Visibility::Public;
                meeting(&mut dice, group, city, now).map(|m| (m, listed))
            })
            .collect::<Result<_, ApiError>>()?;
        occurrences += transaction(c, |c| {
            let mut written = 0;
            for listed in [true, false] {
                let part: Vec<Meeting> = batch
                    .iter()
                    .filter(|(_, l)| *l == listed)
                    .map(|(m, _)| m.clone())
                    .collect();
                written += bulk::insert_meetings(c, &part, listed, from, until)?;
            }
            Ok::<_, ApiError>(written)
        })?;
        progress((first + BATCH).min(n));
    }
    bulk::analyze(c)?;
    Ok(Scaled {
        groups: group_count,
        meetings: n,
        occurrences: occurrences as u64,
    })
}

fn group(
    c: &mut DbConnection,
    dice: &mut Dice,
    index: u64,
    owner: hearth_domain::account::AccountId,
    now: DateTime<Utc>,
) -> Result<(Group, &'static City), ApiError> {
    let city = dice.pick(&CITIES);
    let focus = *dice.pick(&[
        FocusArea::Alcohol,
        FocusArea::Substances,
        FocusArea::Opioids,
        FocusArea::Gambling,
        FocusArea::Depression,
        FocusArea::Anxiety,
        FocusArea::Grief,
        FocusArea::FamilyAndFriends,
    ]);
    let name = format!("{} Fellowship {index}", city.name);
    let visibility = match dice.below(20) {
        0 => Visibility::Private,
        1 => Visibility::Unlisted,
        _ => Visibility::Public,
    };
    let profile = GroupProfile {
        name: name.clone(),
        description: "A generated group for load benchmarks.".to_owned(),
        focus_areas: vec![focus],
        approach: None,
        audiences: Vec::new(),
        languages: vec!["en".to_owned()],
        visibility,
        join_policy: JoinPolicy::Open,
        capacity: None,
        organization: None,
        newcomer_contact: None,
        location: Some(GroupLocation {
            // Within about 25 km of the centre: a metropolitan area.
            point: Point {
                latitude: city.latitude + dice.jitter(0.22),
                longitude: city.longitude + dice.jitter(0.28),
            },
            locality: Some(city.name.to_owned()),
            region: Some(city.region.to_owned()),
            country: Some("US".to_owned()),
        }),
        time_zone: Some(city.time_zone),
    };
    let group = Group {
        id: GroupId::new(),
        slug: Slug::from_name(&name),
        was_public: visibility == Visibility::Public,
        profile,
        member_count: 1,
        created_at: now,
        updated_at: now,
        archived_at: None,
    };
    groups::insert(c, &group, owner)?;
    memberships::save(
        c,
        &Membership {
            id: MembershipId::new(),
            group: group.id,
            account: owner,
            role: GroupRole::Owner,
            status: MembershipStatus::Active,
            message: None,
            created_at: now,
            updated_at: now,
            joined_at: Some(now),
        },
    )?;
    Ok((group, city))
}

const DAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// Type codes in the proportions a meeting list shows them.
const COMMON_TYPES: [&str; 14] = [
    "O", "O", "O", "C", "C", "D", "D", "B", "SP", "ST", "BE", "W", "M", "X",
];

fn meeting(
    dice: &mut Dice,
    group: &Group,
    city: &City,
    now: DateTime<Utc>,
) -> Result<Meeting, ApiError> {
    let mode = match dice.below(100) {
        0..55 => AttendanceMode::InPerson,
        55..80 => AttendanceMode::Online,
        _ => AttendanceMode::Hybrid,
    };
    let today = now.date_naive();
    let starts_on = today - Duration::days(i64::try_from(dice.below(700)).unwrap_or(0));
    let (recurrence, starts_on) = match dice.below(100) {
        0..70 => (
            Recurrence::Weekly {
                weekdays: vec![*dice.pick(&DAYS)],
                interval: 1,
            },
            starts_on,
        ),
        70..82 => {
            let first = usize::try_from(dice.below(7)).unwrap_or(0);
            (
                Recurrence::Weekly {
                    weekdays: vec![DAYS[first], DAYS[(first + 2) % 7], DAYS[(first + 4) % 7]],
                    interval: 1,
                },
                starts_on,
            )
        }
        82..87 => (
            Recurrence::Weekly {
                weekdays: vec![*dice.pick(&DAYS)],
                interval: 2,
            },
            starts_on,
        ),
        87..95 => (
            Recurrence::Monthly {
                ordinal: *dice.pick(&[
                    Ordinal::First,
                    Ordinal::Second,
                    Ordinal::Third,
                    Ordinal::Last,
                ]),
                weekday: *dice.pick(&DAYS),
            },
            starts_on,
        ),
        _ => (
            Recurrence::Once,
            today + Duration::days(i64::try_from(dice.below(58)).unwrap_or(0)),
        ),
    };
    // Mornings, lunchtimes and (mostly) evenings, on the quarter hour.
    let hour = *dice.pick(&[
        6, 7, 7, 8, 10, 12, 12, 12, 17, 18, 18, 19, 19, 19, 19, 20, 20, 21,
    ]);
    let minute = *dice.pick(&[0, 0, 0, 15, 30, 30, 45]);
    let start_time = NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or_default();
    let schedule = Schedule::new(recurrence, start_time, starts_on, None)?;
    let point = Point {
        latitude: city.latitude + dice.jitter(0.25),
        longitude: city.longitude + dice.jitter(0.32),
    };
    let number = dice.below(9_000) + 100;
    let venue = mode.has_venue().then(|| Venue {
        name: Some(format!(
            "{} Hall",
            dice.pick(&[
                "St. Mark's",
                "Grace",
                "Community",
                "Alano Club",
                "Unity",
                "Library"
            ])
        )),
        street: Some(format!("{number} Main Street")),
        locality: Some(city.name.to_owned()),
        region: Some(city.region.to_owned()),
        postal_code: None,
        country: Some("US".to_owned()),
        formatted_address: format!("{number} Main Street, {}, {}, USA", city.name, city.region),
        point,
        notes: None,
    });
    let online = mode.is_online().then(|| OnlineAccess {
        conference_url: Some(format!("https://meet.hearth.example/{number}")),
        conference_phone: None,
        notes: None,
    });
    let mut types: Vec<MeetingType> = (0..1 + dice.below(4))
        .filter_map(|_| MeetingType::parse(dice.pick::<&str>(&COMMON_TYPES)))
        .collect();
    types.sort();
    types.dedup();
    let languages = match dice.below(100) {
        0..85 => vec!["en".to_owned()],
        85..95 => vec!["es".to_owned()],
        _ => vec![city.language.to_owned(), "en".to_owned()],
    };
    Ok(Meeting {
        id: MeetingId::new(),
        group: group.id,
        details: MeetingDetails {
            title: format!("{} {:02}:{:02}", group.profile.name, hour, minute),
            mode,
            venue,
            online,
            time_zone: city.time_zone,
            duration_minutes: *dice.pick(&[60, 60, 60, 75, 90, 90, 120]),
            types,
            languages,
            capacity: dice
                .chance(20)
                .then(|| 10 + u32::try_from(dice.below(40)).unwrap_or(0)),
            schedule,
            public_links: dice.chance(50),
        }
        .check()?,
        created_at: now,
        updated_at: now,
        deleted_at: None,
    })
}

//! `hearth seed --demo`: a small, realistic and entirely fictional data set, so that a developer
//! opening Swagger UI can try every call at once.

use chrono::{DateTime, Duration, NaiveTime, Utc, Weekday};
use chrono_tz::America as Am;
use chrono_tz::Pacific;
use hearth_domain::Sensitive;
use hearth_domain::account::{AccountId, DisplayName, Email, NewAccount, PlatformRole};
use hearth_domain::group::{
    Approach, Audience, ContactKind, FocusArea, Group, GroupId, GroupLocation, GroupProfile,
    JoinPolicy, NewcomerContact, Point, Slug, Visibility,
};
use hearth_domain::meeting::{
    AttendanceMode, Meeting, MeetingDetails, MeetingId, OnlineAccess, Venue,
};
use hearth_domain::meeting_type::MeetingType;
use hearth_domain::membership::{GroupRole, Membership, MembershipId, MembershipStatus};
use hearth_domain::organization::{Organization, OrganizationId, OrganizationKind};
use hearth_domain::schedule::{Ordinal, Recurrence, Schedule};
use hearth_persistence::{
    DbConnection, accounts, groups, meetings, memberships, organizations, transaction,
};

use crate::credentials::hash_password_now;
use crate::error::ApiError;
use crate::meetings::materialize;
use crate::seed_content;

/// The demo member's login.
pub const DEMO_EMAIL: &str = "demo@hearth.example";
/// The demo platform administrator's login.
pub const DEMO_ADMIN_EMAIL: &str = "admin@hearth.example";
/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "hearth demo lantern orbit";

/// What the demo seed made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seeded {
    /// Accounts made.
    pub accounts: usize,
    /// Groups made.
    pub groups: usize,
    /// Memberships made, requests included.
    pub memberships: usize,
    /// Meetings made.
    pub meetings: usize,
    /// Articles written (one scheduled for next week).
    pub articles: usize,
    /// Resources added.
    pub resources: usize,
    /// Crisis lines stored for administrators to adjust.
    pub crisis_lines: usize,
}

/// A US city with its time zone and a language often spoken there besides English.
pub(crate) struct City {
    pub name: &'static str,
    pub region: &'static str,
    pub time_zone: chrono_tz::Tz,
    pub latitude: f64,
    pub longitude: f64,
    pub language: &'static str,
}

const fn city(
    name: &'static str,
    region: &'static str,
    time_zone: chrono_tz::Tz,
    latitude: f64,
    longitude: f64,
    language: &'static str,
) -> City {
    City {
        name,
        region,
        time_zone,
        latitude,
        longitude,
        language,
    }
}

pub(crate) const CITIES: [City; 18] = [
    city("New York", "NY", Am::New_York, 40.7128, -74.0060, "es"),
    city("Boston", "MA", Am::New_York, 42.3601, -71.0589, "pt"),
    city("Atlanta", "GA", Am::New_York, 33.7490, -84.3880, "ko"),
    city("Miami", "FL", Am::New_York, 25.7617, -80.1918, "es"),
    city("Chicago", "IL", Am::Chicago, 41.8781, -87.6298, "pl"),
    city("Houston", "TX", Am::Chicago, 29.7604, -95.3698, "vi"),
    city("New Orleans", "LA", Am::Chicago, 29.9511, -90.0715, "fr"),
    city("Minneapolis", "MN", Am::Chicago, 44.9778, -93.2650, "so"),
    city("Denver", "CO", Am::Denver, 39.7392, -104.9903, "es"),
    city("Phoenix", "AZ", Am::Phoenix, 33.4484, -112.0740, "es"),
    city("Salt Lake City", "UT", Am::Denver, 40.7608, -111.8910, "to"),
    city("Albuquerque", "NM", Am::Denver, 35.0844, -106.6504, "nv"),
    city(
        "Los Angeles",
        "CA",
        Am::Los_Angeles,
        34.0522,
        -118.2437,
        "es",
    ),
    city(
        "San Francisco",
        "CA",
        Am::Los_Angeles,
        37.7749,
        -122.4194,
        "zh",
    ),
    city("Seattle", "WA", Am::Los_Angeles, 47.6062, -122.3321, "vi"),
    city("Portland", "OR", Am::Los_Angeles, 45.5152, -122.6784, "ru"),
    city("Anchorage", "AK", Am::Anchorage, 61.2181, -149.9003, "tl"),
    city(
        "Honolulu",
        "HI",
        Pacific::Honolulu,
        21.3069,
        -157.8583,
        "haw",
    ),
];

/// A kind of group, to be placed in a city.
struct Theme {
    name: &'static str,
    description: &'static str,
    focus_areas: &'static [FocusArea],
    approach: Approach,
    audiences: &'static [Audience],
    join_policy: JoinPolicy,
    visibility: Visibility,
    capacity: Option<u32>,
    /// Also meets in the city's local language.
    local_language: bool,
    /// Meets in this language only, wherever it is.
    only_language: Option<&'static str>,
}

const THEMES: [Theme; 14] = [
    Theme {
        name: "Morning Serenity",
        description: "An early open discussion meeting before work. Coffee is on; newcomers \
                      are always welcome and never asked to speak.",
        focus_areas: &[FocusArea::Alcohol],
        approach: Approach::TwelveStep,
        audiences: &[],
        join_policy: JoinPolicy::Open,
        visibility: Visibility::Public,
        capacity: None,
        local_language: false,
        only_language: None,
    },
    Theme {
        name: "Women in Recovery",
        description: "A closed circle for **women** in recovery from alcohol and drugs. We \
                      meet weekly, share honestly and keep what is said in the room.",
        focus_areas: &[FocusArea::Alcohol, FocusArea::Opioids],
        approach: Approach::TwelveStep,
        audiences: &[Audience::Women],
        join_policy: JoinPolicy::Request,
        visibility: Visibility::Public,
        capacity: Some(30),
        local_language: false,
        only_language: None,
    },
    Theme {
        name: "SMART Recovery",
        description: "Self-management and recovery training: practical tools for urges, \
                      thinking and motivation, with a trained peer facilitator.",
        focus_areas: &[FocusArea::Substances],
        approach: Approach::SmartRecovery,
        audiences: &[],
        join_policy: JoinPolicy::Open,
        visibility: Visibility::Public,
        capacity: Some(25),
        local_language: false,
        only_language: None,
    },
    Theme {
        name: "Recovery Dharma",
        description: "Meditation, inquiry and community, drawing on Buddhist practice. No \
                      experience needed; cushions and chairs both welcome.",
        focus_areas: &[FocusArea::Substances],
        approach: Approach::Mindfulness,
        audiences: &[],
        join_policy: JoinPolicy::Open,
        visibility: Visibility::Public,
        capacity: None,
        local_language: false,
        only_language: None,
    },
    Theme {
        name: "Families Together",
        description: "For parents, partners and friends of someone who struggles with \
                      substances. You are not alone, and it is not your fault.",
        focus_areas: &[FocusArea::FamilyAndFriends],
        approach: Approach::PeerSupport,
        audiences: &[Audience::Parents],
        join_policy: JoinPolicy::Open,
        visibility: Visibility::Public,
        capacity: None,
        local_language: true,
        only_language: None,
    },
    Theme {
        name: "Young People in Recovery",
        description: "Peer support for people in their late teens and twenties: school, \
                      work, friends and staying well.",
        focus_areas: &[FocusArea::Substances, FocusArea::MentalHealth],
        approach: Approach::PeerSupport,
        audiences: &[Audience::YoungPeople],
        join_policy: JoinPolicy::Open,
        visibility: Visibility::Public,
        capacity: Some(40),
        local_language: false,
        only_language: None,
    },
    Theme {
        name: "Veterans Peer Circle",
        description: "Veterans and service members supporting each other through recovery \
                      from alcohol, trauma and the return to civilian life.",
        focus_areas: &[FocusArea::Alcohol, FocusArea::Trauma],
        approach: Approach::PeerSupport,
        audiences: &[Audience::Veterans],
        join_policy: JoinPolicy::Request,
        visibility: Visibility::Public,
        capacity: Some(20),
        local_language: false,
        only_language: None,
    },
    Theme {
        name: "Rainbow Recovery",
        description: "An LGBTQ+ affirming twelve-step group. Come as you are.",
        focus_areas: &[FocusArea::Substances],
        approach: Approach::TwelveStep,
        audiences: &[Audience::Lgbtq],
        join_policy: JoinPolicy::Open,
        visibility: Visibility::Public,
        capacity: None,
        local_language: false,
        only_language: None,
    },
    Theme {
        name: "Gamblers Support",
        description: "For anyone who wants to stop gambling, online or in person. We share \
                      experience, strength and hope.",
        focus_areas: &[FocusArea::Gambling],
        approach: Approach::TwelveStep,
        audiences: &[],
        join_policy: JoinPolicy::Open,
        visibility: Visibility::Public,
        capacity: None,
        local_language: false,
        only_language: None,
    },
    Theme {
        name: "Depression and Anxiety Peer Support",
        description: "A small, facilitated peer group for living with depression and \
                      anxiety. Not a substitute for care; a place to be understood.",
        focus_areas: &[FocusArea::Depression, FocusArea::Anxiety],
        approach: Approach::PeerSupport,
        audiences: &[],
        join_policy: JoinPolicy::Request,
        visibility: Visibility::Public,
        capacity: Some(15),
        local_language: false,
        only_language: None,
    },
    Theme {
        name: "Harm Reduction Circle",
        description: "Any positive change counts. Medication for opioid use disorder is \
                      welcome here, and so is everyone still using.",
        focus_areas: &[FocusArea::Opioids, FocusArea::Stimulants],
        approach: Approach::HarmReduction,
        audiences: &[],
        join_policy: JoinPolicy::Open,
        visibility: Visibility::Public,
        capacity: None,
        local_language: true,
        only_language: None,
    },
    Theme {
        name: "Grupo Esperanza",
        description: "Grupo de apoyo en español para personas en recuperación del alcohol. \
                      Todos son bienvenidos.",
        focus_areas: &[FocusArea::Alcohol],
        approach: Approach::TwelveStep,
        audiences: &[Audience::Newcomers],
        join_policy: JoinPolicy::Open,
        visibility: Visibility::Public,
        capacity: None,
        local_language: false,
        only_language: Some("es"),
    },
    Theme {
        name: "Professionals in Recovery",
        description: "A confidential group for licensed professionals. Members join by \
                      invitation from a facilitator.",
        focus_areas: &[FocusArea::Alcohol, FocusArea::Opioids],
        approach: Approach::TwelveStep,
        audiences: &[Audience::Professionals],
        join_policy: JoinPolicy::Invite,
        visibility: Visibility::Private,
        capacity: Some(12),
        local_language: false,
        only_language: None,
    },
    Theme {
        name: "Grief and Loss Circle",
        description: "For people grieving a loved one lost to overdose or suicide. Shared by \
                      link with those who ask.",
        focus_areas: &[FocusArea::Grief],
        approach: Approach::PeerSupport,
        audiences: &[],
        join_policy: JoinPolicy::Request,
        visibility: Visibility::Unlisted,
        capacity: None,
        local_language: false,
        only_language: None,
    },
];

/// Fictional people: pseudonyms, as members would choose them.
const PEOPLE: [&str; 24] = [
    "Alex R.",
    "Bea",
    "Carlos M.",
    "Dani",
    "Eli",
    "Farah K.",
    "Gus",
    "Hana",
    "Ike T.",
    "Jo",
    "Kai",
    "Lupe",
    "Marcus D.",
    "Nia",
    "Oskar",
    "Priya S.",
    "Quinn",
    "Rosa",
    "Sam W.",
    "Tomás",
    "Uma",
    "Vic",
    "Wren",
    "Yusuf",
];

/// Fills an empty database with the demo data set in one transaction. Refuses a database that
/// already has accounts or groups, so it can never mix with real people's data.
pub fn demo(c: &mut DbConnection) -> Result<Seeded, ApiError> {
    let existing = accounts::count(c)?;
    if existing > 0 {
        return Err(ApiError::BadRequest(format!(
            "the database already has data ({existing} accounts); demo data goes only into an \
             empty database"
        )));
    }
    // One hash for every demo account: argon2 at full cost, once.
    let hash = hash_password_now(&Sensitive::new(DEMO_PASSWORD.to_owned()))?;
    let now = Utc::now();
    transaction(c, |c| {
        let mut people = Vec::new();
        let admin = new_account(c, DEMO_ADMIN_EMAIL, "Demo admin", &hash, now)?;
        accounts::set_role(c, admin, PlatformRole::Admin, now)?;
        let demo = new_account(c, DEMO_EMAIL, "Demo", &hash, now)?;
        for (n, name) in PEOPLE.iter().enumerate() {
            people.push(new_account(
                c,
                &format!("person{n:02}@hearth.example"),
                name,
                &hash,
                now,
            )?);
        }
        let clinic = Organization {
            id: OrganizationId::new(),
            name: "Lakeside Recovery Clinic (fictional)".to_owned(),
            kind: OrganizationKind::Clinic,
            created_at: now,
        };
        organizations::insert(c, &clinic, admin)?;

        let mut made = 0;
        let mut memberships_made = 0;
        for (n, place) in CITIES.iter().enumerate() {
            for k in 0..2 {
                let index = n * 2 + k;
                let theme = &THEMES[index % THEMES.len()];
                let owner = if index == 0 {
                    demo
                } else {
                    people[index % people.len()]
                };
                let group = group(c, theme, place, index, owner, &clinic, now)?;
                meeting(c, &group, place, index, now)?;
                made += 1;
                memberships_made += 1;
                let facilitator = if index == 1 {
                    demo
                } else {
                    people[(index + 5) % people.len()]
                };
                join(
                    c,
                    &group,
                    facilitator,
                    GroupRole::Facilitator,
                    MembershipStatus::Active,
                    now,
                )?;
                memberships_made += 1;
                for m in 0..(3 + index % 6) {
                    let person = people[(index * 7 + m * 3 + 11) % people.len()];
                    if person != owner && person != facilitator {
                        join(
                            c,
                            &group,
                            person,
                            GroupRole::Member,
                            MembershipStatus::Active,
                            now,
                        )?;
                        memberships_made += 1;
                    }
                }
                if index > 1 && index % 5 == 0 && theme.visibility == Visibility::Public {
                    join(
                        c,
                        &group,
                        demo,
                        GroupRole::Member,
                        MembershipStatus::Active,
                        now,
                    )?;
                    memberships_made += 1;
                }
                if theme.join_policy == JoinPolicy::Request && index > 1 && index < 12 {
                    join(
                        c,
                        &group,
                        demo,
                        GroupRole::Member,
                        MembershipStatus::Pending,
                        now,
                    )?;
                    memberships_made += 1;
                }
            }
        }
        Ok(Seeded {
            accounts: people.len() + 2,
            groups: made,
            meetings: made,
            memberships: memberships_made,
            articles: seed_content::articles(c, admin, clinic.id, now)?,
            resources: seed_content::resources(c, admin, now)?,
            crisis_lines: seed_content::crisis_lines(c, now)?,
        })
    })
}

pub(crate) fn new_account(
    c: &mut DbConnection,
    email: &str,
    display_name: &str,
    hash: &str,
    at: DateTime<Utc>,
) -> Result<AccountId, ApiError> {
    let new = NewAccount {
        id: AccountId::new(),
        email: Email::parse(email)?,
        display_name: DisplayName::parse(display_name)?,
        password_hash: hash.to_owned(),
        created_at: at,
    };
    let created = accounts::insert(c, &new)?;
    accounts::confirm_email(c, created.id, at)?;
    Ok(created.id)
}

fn group(
    c: &mut DbConnection,
    theme: &Theme,
    place: &City,
    index: usize,
    owner: AccountId,
    clinic: &Organization,
    now: DateTime<Utc>,
) -> Result<Group, ApiError> {
    let name = format!("{} {}", place.name, theme.name);
    let languages = match theme.only_language {
        Some(language) => vec![language.to_owned()],
        None if theme.local_language => vec![place.language.to_owned(), "en".to_owned()],
        None => vec!["en".to_owned()],
    };
    // Spread groups around the city centre, a few kilometres apart.
    let offset = |seed: usize| (f64::from(u32::try_from(seed % 11).unwrap_or(0)) - 5.0) * 0.01;
    let created_at = now - Duration::days(i64::try_from(400 - index * 10).unwrap_or(0));
    let profile = GroupProfile {
        name: name.clone(),
        description: theme.description.to_owned(),
        focus_areas: theme.focus_areas.to_vec(),
        approach: Some(theme.approach),
        audiences: theme.audiences.to_vec(),
        languages,
        visibility: theme.visibility,
        join_policy: theme.join_policy,
        capacity: theme.capacity,
        organization: (index % 9 == 4).then_some(clinic.id),
        newcomer_contact: Some(NewcomerContact {
            kind: ContactKind::Email,
            value: format!(
                "newcomers+{}@hearth.example",
                Slug::from_name(&name).as_str()
            ),
        }),
        location: Some(GroupLocation {
            point: Point {
                latitude: place.latitude + offset(index * 3),
                longitude: place.longitude + offset(index * 7),
            },
            locality: Some(place.name.to_owned()),
            region: Some(place.region.to_owned()),
            country: Some("US".to_owned()),
        }),
        time_zone: Some(place.time_zone),
    };
    let group = Group {
        id: GroupId::new(),
        slug: groups::free_slug(c, &Slug::from_name(&name))?,
        was_public: profile.visibility == Visibility::Public,
        profile,
        member_count: 0,
        created_at,
        updated_at: created_at,
        archived_at: None,
    };
    groups::insert(c, &group, owner)?;
    join(
        c,
        &group,
        owner,
        GroupRole::Owner,
        MembershipStatus::Active,
        created_at,
    )?;
    Ok(group)
}

/// One meeting per group: mostly weekly in the evening, some at breakfast or lunch, some
/// monthly; in person, online or hybrid in turn.
fn meeting(
    c: &mut DbConnection,
    group: &Group,
    place: &City,
    index: usize,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let mode = [
        AttendanceMode::InPerson,
        AttendanceMode::Hybrid,
        AttendanceMode::Online,
    ][index % 3];
    let days = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];
    let recurrence = if index % 7 == 6 {
        Recurrence::Monthly {
            ordinal: Ordinal::First,
            weekday: Weekday::Sat,
        }
    } else {
        Recurrence::Weekly {
            weekdays: vec![days[index % 7], days[(index + 3) % 7]],
            interval: 1,
        }
    };
    let hour = [19, 7, 12, 18, 20][index % 5];
    let start_time = NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or_default();
    let schedule = Schedule::new(
        recurrence,
        start_time,
        (now - Duration::days(30)).date_naive(),
        None,
    )?;
    let slug = group.slug.as_str();
    let venue = mode.has_venue().then(|| Venue {
        name: Some(format!("{} Community Hall (fictional)", place.name)),
        street: Some(format!("{} Main Street", 100 + index)),
        locality: Some(place.name.to_owned()),
        region: Some(place.region.to_owned()),
        postal_code: None,
        country: Some("US".to_owned()),
        formatted_address: format!(
            "{} Main Street, {}, {}, USA",
            100 + index,
            place.name,
            place.region
        ),
        point: group.profile.location.as_ref().map_or(
            Point {
                latitude: place.latitude,
                longitude: place.longitude,
            },
            |l| l.point,
        ),
        notes: Some("Side entrance; the room is signposted.".to_owned()),
    });
    let online = mode.is_online().then(|| OnlineAccess {
        conference_url: Some(format!("https://meet.hearth.example/{slug}")),
        conference_phone: None,
        notes: None,
    });
    let types = [
        vec![MeetingType::Open, MeetingType::Discussion],
        vec![MeetingType::Closed, MeetingType::BigBook],
        vec![
            MeetingType::Open,
            MeetingType::Speaker,
            MeetingType::WheelchairAccess,
        ],
    ][index % 3]
        .clone();
    let meeting = Meeting {
        id: MeetingId::new(),
        group: group.id,
        details: MeetingDetails {
            title: format!(
                "{} {}",
                group.profile.name,
                if hour < 11 {
                    "Morning"
                } else if hour < 15 {
                    "Lunchtime"
                } else {
                    "Evening"
                }
            ),
            mode,
            venue,
            online,
            time_zone: place.time_zone,
            duration_minutes: if index.is_multiple_of(4) { 90 } else { 60 },
            types,
            languages: group.profile.languages.clone(),
            capacity: None,
            schedule,
            public_links: index.is_multiple_of(2),
        }
        .check()?,
        created_at: group.created_at,
        updated_at: group.created_at,
        deleted_at: None,
    };
    meetings::insert(c, &meeting)?;
    materialize(c, &meeting, group)
}

fn join(
    c: &mut DbConnection,
    group: &Group,
    account: AccountId,
    role: GroupRole,
    status: MembershipStatus,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    if status == MembershipStatus::Active && !groups::take_place(c, group.id)? {
        return Ok(());
    }
    memberships::save(
        c,
        &Membership {
            id: MembershipId::new(),
            group: group.id,
            account,
            role,
            status,
            message: (status == MembershipStatus::Pending)
                .then(|| "Hi! I saw this group in the app and would like to join.".to_owned()),
            created_at: at,
            updated_at: at,
            joined_at: (status == MembershipStatus::Active).then_some(at),
        },
    )?;
    Ok(())
}

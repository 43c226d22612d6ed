//! Referrals from partner clinics: a consenting client referred to a peer support group, and
//! the referral's life from submission to an outcome. A referral is protected health
//! information (42 CFR Part 2): it exists only with the client's consent in force, carries the
//! minimum the group needs to reach the client, and every change is on its timeline.

use chrono::{DateTime, Duration, Utc};

use crate::DomainError;
use crate::account::Email;
use crate::content::{parse_language, required};
use crate::error::kept;
use crate::group::{FocusArea, Group, GroupId, Point};
use crate::group::{is_phone, parse_text};
use crate::identifier::identifier;
use crate::meeting::{AttendanceMode, Meeting};
use crate::membership::InvitationId;
use crate::organization::OrganizationId;
use crate::vocabulary::vocabulary;

identifier! {
    /// A referral's public identifier.
    pub struct ReferralId;
}

vocabulary! {
    /// Where a referral stands.
    pub enum ReferralStatus {
        /// Sent by the clinic; waits for the group's facilitators.
        Submitted = "submitted",
        /// The group will reach out to the client.
        Accepted = "accepted",
        /// The group cannot take the client (with a reason).
        Declined = "declined",
        /// A facilitator reached the client.
        Contacted = "contacted",
        /// The client joined the group or came to a first meeting.
        Connected = "connected",
        /// Finished, with an outcome.
        Closed = "closed",
        /// The clinic took the referral back.
        Withdrawn = "withdrawn",
        /// Nobody answered it in time.
        Expired = "expired",
    }
}

vocabulary! {
    /// Who moves a referral.
    pub enum ReferralActor {
        /// The referring organisation: its staff or its API client.
        Clinic = "clinic",
        /// A facilitator (or owner) of the target group.
        Facilitator = "facilitator",
        /// Hearth itself: expiry, or a connection it saw happen.
        System = "system",
    }
}

identifier! {
    /// An event's id in a referral's timeline.
    pub struct ReferralEventId;
}

/// One change on a referral's timeline. Its reason is stored sealed beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralEvent {
    /// Its id.
    pub id: ReferralEventId,
    /// The referral.
    pub referral: ReferralId,
    /// The status before; none for the submission.
    pub from: Option<ReferralStatus>,
    /// The status after.
    pub status: ReferralStatus,
    /// Who made the change.
    pub actor: ReferralActor,
    /// When.
    pub at: DateTime<Utc>,
}

impl ReferralEvent {
    /// A new event: `referral` moved from `from` (none: submitted) to `status` by `actor`.
    pub fn new(
        referral: ReferralId,
        from: Option<ReferralStatus>,
        status: ReferralStatus,
        actor: ReferralActor,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            id: ReferralEventId::new(),
            referral,
            from,
            status,
            actor,
            at,
        }
    }
}

impl ReferralStatus {
    /// Whether nothing follows it.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Declined | Self::Closed | Self::Withdrawn | Self::Expired
        )
    }

    /// The FHIR R4 `Task.status` this status maps onto, for clinics whose systems speak FHIR.
    /// `contacted` and `connected` are both `in-progress`, told apart by `businessStatus`.
    pub fn fhir_task_status(self) -> &'static str {
        match self {
            Self::Submitted => "requested",
            Self::Accepted => "accepted",
            Self::Declined => "rejected",
            Self::Contacted | Self::Connected => "in-progress",
            Self::Closed => "completed",
            Self::Withdrawn => "cancelled",
            Self::Expired => "failed",
        }
    }

    /// Checks a move to `to` by `actor`: facilitators answer and follow up, the clinic
    /// withdraws (or closes what it started), Hearth expires unanswered referrals and records
    /// connections it sees. An impossible move is an invalid transition whoever asks; a
    /// possible one by the wrong party is forbidden.
    pub fn may_move(self, to: Self, actor: ReferralActor) -> Result<(), DomainError> {
        use ReferralActor::{Clinic, Facilitator, System};
        use ReferralStatus::{
            Accepted, Closed, Connected, Contacted, Declined, Expired, Submitted, Withdrawn,
        };
        let movers: &[ReferralActor] = match (self, to) {
            (Submitted, Accepted | Declined) => &[Facilitator],
            (Submitted, Expired) => &[System],
            (Submitted | Accepted | Contacted, Withdrawn) => &[Clinic],
            (Accepted, Contacted) => &[Facilitator],
            (Accepted | Contacted, Connected) => &[Facilitator, System],
            (Accepted | Contacted | Connected, Closed) => &[Facilitator, Clinic],
            (from, to) => {
                return Err(DomainError::InvalidTransition {
                    subject: "referral",
                    from: from.as_str(),
                    to: to.as_str(),
                });
            }
        };
        if movers.contains(&actor) {
            Ok(())
        } else {
            Err(DomainError::Forbidden)
        }
    }

    /// Whether moving here needs the client's consent in force: going forward does, ending
    /// (declining, withdrawing, closing, expiring) does not.
    pub fn needs_consent(self) -> bool {
        matches!(self, Self::Accepted | Self::Contacted | Self::Connected)
    }

    /// Whether the move needs a reason on the timeline: declining, withdrawing and closing
    /// (the outcome) do.
    pub fn needs_reason(self) -> bool {
        matches!(self, Self::Declined | Self::Withdrawn | Self::Closed)
    }
}

vocabulary! {
    /// How the group should reach the client.
    pub enum ContactRoute {
        /// A phone call.
        Phone = "phone",
        /// A text message.
        Sms = "sms",
        /// An email.
        Email = "email",
    }
}

/// What the group needs to reach the client, and nothing more: a first name or initials, one
/// way to reach them, their language and a note. Stored encrypted; never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientData {
    /// A first name or initials.
    pub name: String,
    /// How to reach them.
    pub contact_route: ContactRoute,
    /// The number or address for that route.
    pub contact_value: String,
    /// Their language (BCP 47).
    pub language: String,
    /// What the counsellor wants the group to know (at most [`NOTES_MAX`] characters).
    pub notes: Option<String>,
}

/// Most characters of a client's name (first name or initials).
pub const NAME_MAX: usize = 50;
/// Most characters of the counsellor's notes.
pub const NOTES_MAX: usize = 1000;

impl ClientData {
    /// Checks what the clinic sent, reporting every broken rule under `client.…`.
    pub fn check(self) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let name = kept(required(&self.name, "client.name", NAME_MAX), &mut errors);
        let value = self.contact_value.trim().to_owned();
        let contact_value = match self.contact_route {
            ContactRoute::Phone | ContactRoute::Sms if is_phone(&value) => Some(value),
            ContactRoute::Email => Email::parse(&value)
                .map(|email| email.as_str().to_owned())
                .ok(),
            ContactRoute::Phone | ContactRoute::Sms => None,
        };
        if contact_value.is_none() {
            errors.push(invalid(
                "client.contact_value",
                "contact",
                "must be a phone number (7 to 15 digits) for phone and sms, an email address \
                 for email",
            ));
        }
        let language = kept(
            parse_language(&self.language).map_err(|_| {
                invalid(
                    "client.language",
                    "language",
                    "must be a BCP 47 language tag such as en or es-MX",
                )
            }),
            &mut errors,
        );
        let notes = kept(
            parse_text(self.notes.as_deref(), "client.notes", NOTES_MAX),
            &mut errors,
        );
        match contact_value {
            Some(contact_value) if errors.is_empty() => Ok(Self {
                name,
                contact_route: self.contact_route,
                contact_value,
                language,
                notes,
            }),
            _ => Err(errors),
        }
    }
}

/// The client's consent to this disclosure (42 CFR § 2.31): who gave it, when, to what, and
/// until when. A referral lives only while its consent is in force.
#[derive(Clone, PartialEq, Eq)]
pub struct Consent {
    /// Who consented: the client, or their legal representative by name.
    pub given_by: String,
    /// When.
    pub given_at: DateTime<Utc>,
    /// To what disclosure, in the words of the signed form.
    pub disclosure: String,
    /// When it lapses.
    pub expires_at: DateTime<Utc>,
    /// When the client revoked it.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The longest consent Hearth accepts: a year, after which the clinic asks again.
pub const CONSENT_LONGEST: Duration = Duration::days(366);

impl Consent {
    /// Checks a consent the clinic records at `now`: given (not in the future), for a named
    /// disclosure, expiring after `now` and within [`CONSENT_LONGEST`] of being given.
    pub fn check(self, now: DateTime<Utc>) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let given_by = kept(
            required(&self.given_by, "consent.given_by", 200),
            &mut errors,
        );
        let disclosure = kept(
            required(&self.disclosure, "consent.disclosure", 1000),
            &mut errors,
        );
        if self.given_at > now {
            errors.push(invalid(
                "consent.given_at",
                "future",
                "consent cannot be given in the future",
            ));
        }
        if self.expires_at <= now {
            errors.push(invalid(
                "consent.expires_at",
                "expired",
                "the consent has expired; ask the client again",
            ));
        } else if self.expires_at - self.given_at > CONSENT_LONGEST {
            errors.push(invalid(
                "consent.expires_at",
                "range",
                "a consent lasts at most a year from when it was given",
            ));
        }
        if self.revoked_at.is_some() {
            errors.push(invalid(
                "consent.revoked_at",
                "revoked",
                "a revoked consent does not allow a referral",
            ));
        }
        if errors.is_empty() {
            Ok(Self {
                given_by,
                disclosure,
                ..self
            })
        } else {
            Err(errors)
        }
    }
}

/// What the client is looking for, so the group knows what to offer.
#[derive(Clone, PartialEq, Default)]
pub struct Need {
    /// What they want help with.
    pub focus_areas: Vec<FocusArea>,
    /// How they can attend, if it matters.
    pub attendance_mode: Option<AttendanceMode>,
    /// Roughly where they are, for in-person meetings.
    pub near: Option<Point>,
}

crate::redacted_debug!(ClientData, Consent, Need);

/// How far a group's venue may be for a client who can only attend in person.
pub const IN_PERSON_REACH_KM: f64 = 50.0;

/// A group a counsellor might refer a client to, and why it fits.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// The group.
    pub group: GroupId,
    /// Higher fits better: 3 per focus area shared, 2 for the client's language, 2 for a
    /// meeting they can attend, 2 for a venue within 10 km (1 within 50 km).
    pub score: u32,
    /// The focus areas of the need the group shares.
    pub focus_areas: Vec<FocusArea>,
    /// Whether the group meets in the client's language.
    pub language: bool,
    /// Whether a meeting suits the need's attendance mode.
    pub attendance_mode: bool,
    /// The nearest venue of a meeting the client can attend in person, in kilometres.
    pub distance_km: Option<f64>,
}

/// Ranks groups (each with its meetings) for a need and a language, best first. A group is
/// left out when it is archived or full, shares none of the need's focus areas (when the need
/// names some), has no meeting the client can attend (in the need's mode, if it names one),
/// or meets in person only beyond [`IN_PERSON_REACH_KM`] of a client who can only attend in
/// person.
pub fn suggest<'a>(
    need: &Need,
    language: Option<&str>,
    candidates: impl IntoIterator<Item = (&'a Group, Vec<&'a Meeting>)>,
) -> Vec<Suggestion> {
    let primary = |tag: &str| tag.split('-').next().unwrap_or(tag).to_ascii_lowercase();
    let mut suggestions: Vec<Suggestion> = candidates
        .into_iter()
        .filter_map(|(group, meetings)| {
            let full = group
                .profile
                .capacity
                .is_some_and(|capacity| group.member_count >= capacity);
            if group.archived_at.is_some() || full {
                return None;
            }
            let focus_areas: Vec<FocusArea> = need
                .focus_areas
                .iter()
                .copied()
                .filter(|focus| group.profile.focus_areas.contains(focus))
                .collect();
            if !need.focus_areas.is_empty() && focus_areas.is_empty() {
                return None;
            }
            let speaks = language.is_some_and(|wanted| {
                group
                    .profile
                    .languages
                    .iter()
                    .chain(meetings.iter().flat_map(|m| m.details.languages.iter()))
                    .any(|spoken| primary(spoken) == primary(wanted))
            });
            let attendable: Vec<&&Meeting> = meetings
                .iter()
                .filter(|meeting| match need.attendance_mode {
                    Some(AttendanceMode::InPerson) => meeting.details.mode.has_venue(),
                    Some(AttendanceMode::Online) => meeting.details.mode.is_online(),
                    Some(AttendanceMode::Hybrid) | None => true,
                })
                .collect();
            if attendable.is_empty() {
                return None;
            }
            let distance_km = need.near.and_then(|near| {
                attendable
                    .iter()
                    .filter_map(|meeting| meeting.details.venue.as_ref())
                    .map(|venue| near.distance_km(venue.point))
                    .min_by(f64::total_cmp)
            });
            let in_person_only = need.attendance_mode == Some(AttendanceMode::InPerson);
            if in_person_only
                && need.near.is_some()
                && distance_km.is_none_or(|km| km > IN_PERSON_REACH_KM)
            {
                return None;
            }
            let closeness = match distance_km {
                Some(km) if km <= 10.0 => 2,
                Some(km) if km <= IN_PERSON_REACH_KM => 1,
                _ => 0,
            };
            let shared = u32::try_from(focus_areas.len()).unwrap_or(u32::MAX);
            Some(Suggestion {
                group: group.id,
                score: 3 * shared
                    + 2 * u32::from(speaks)
                    + 2 * u32::from(need.attendance_mode.is_some())
                    + closeness,
                focus_areas,
                language: speaks,
                attendance_mode: need.attendance_mode.is_some(),
                distance_km,
            })
        })
        .collect();
    suggestions.sort_by(|a, b| {
        b.score.cmp(&a.score).then_with(|| {
            let far = f64::INFINITY;
            a.distance_km
                .unwrap_or(far)
                .total_cmp(&b.distance_km.unwrap_or(far))
        })
    });
    suggestions
}

/// A referral as Hearth routes it: everything but what identifies or describes the client,
/// which is stored sealed beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    /// Its id.
    pub id: ReferralId,
    /// The referring organisation.
    pub organization: OrganizationId,
    /// The group it is sent to.
    pub group: GroupId,
    /// Where it stands.
    pub status: ReferralStatus,
    /// When the consent was given.
    pub consent_given_at: DateTime<Utc>,
    /// When the consent lapses.
    pub consent_expires_at: DateTime<Utc>,
    /// When the client revoked it.
    pub consent_revoked_at: Option<DateTime<Utc>>,
    /// When an unanswered referral expires.
    pub respond_by: DateTime<Utc>,
    /// The group invitation passed to the client on acceptance.
    pub invitation: Option<InvitationId>,
    /// When the clinic sent it.
    pub created_at: DateTime<Utc>,
    /// When its status (or consent) last changed.
    pub updated_at: DateTime<Utc>,
}

impl Referral {
    /// Whether the client's data may be shown or used at `now`.
    pub fn consent_in_force(&self, now: DateTime<Utc>) -> bool {
        self.consent_revoked_at.is_none() && self.consent_expires_at > now
    }
}

/// How the caller stands towards one referral. One person may stand in several ways (staff of
/// the clinic and facilitator of the group), and each way adds what it allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReferralAccess {
    /// The referring organisation's staff, or its API client with `referrals:read`.
    pub clinic_reads: bool,
    /// The referring organisation's staff, or its API client with `referrals:write`.
    pub clinic_writes: bool,
    /// A facilitator or owner of the target group (active).
    pub facilitator: bool,
    /// A platform administrator.
    pub platform_admin: bool,
}

/// How much of a referral a caller sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReferralView {
    /// That it exists and where it stands: all that is left once consent is revoked or lapsed.
    StatusOnly,
    /// Routing metadata without any client data: platform administrators.
    Metadata,
    /// What the group needs to reach the client: the target group's facilitators.
    Contact,
    /// Everything, including the consent: the referring organisation (or a platform
    /// administrator who broke the glass).
    Full,
}

impl ReferralAccess {
    /// What this caller sees of a referral whose consent is or is not in force: without it,
    /// whoever may see the referral sees only its status (even which group it went to says
    /// something about the client). Anybody without a standing is told the referral does not
    /// exist; members of the group never see referrals.
    pub fn view(self, consent_in_force: bool) -> Result<ReferralView, DomainError> {
        let view = if self.clinic_reads || self.clinic_writes {
            ReferralView::Full
        } else if self.facilitator {
            ReferralView::Contact
        } else if self.platform_admin {
            ReferralView::Metadata
        } else {
            return Err(DomainError::NotFound("referral"));
        };
        Ok(if consent_in_force {
            view
        } else {
            ReferralView::StatusOnly
        })
    }

    /// In which capacity the caller moves a referral from `from` to `to`: the move must be
    /// possible (else 409), and the caller must stand as a party that may make it (else 403,
    /// or 404 for a caller who may not see the referral at all).
    pub fn actor_for(
        self,
        from: ReferralStatus,
        to: ReferralStatus,
    ) -> Result<ReferralActor, DomainError> {
        self.view(true)?;
        if let Err(impossible @ DomainError::InvalidTransition { .. }) =
            from.may_move(to, ReferralActor::System)
        {
            return Err(impossible);
        }
        [
            (self.facilitator, ReferralActor::Facilitator),
            (self.clinic_writes, ReferralActor::Clinic),
        ]
        .into_iter()
        .find(|&(held, actor)| held && from.may_move(to, actor).is_ok())
        .map(|(_, actor)| actor)
        .ok_or(DomainError::Forbidden)
    }

    /// Revoking consent is the clinic's to record: the client tells their counsellor.
    pub fn may_revoke_consent(self) -> Result<(), DomainError> {
        self.view(true)?;
        if self.clinic_writes {
            Ok(())
        } else {
            Err(DomainError::Forbidden)
        }
    }

    /// Breaking the glass is for platform administrators only, who otherwise see metadata.
    pub fn may_break_glass(self) -> Result<(), DomainError> {
        self.view(true)?;
        if self.platform_admin {
            Ok(())
        } else {
            Err(DomainError::Forbidden)
        }
    }
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
    use ReferralActor::{Clinic, Facilitator, System};
    use ReferralStatus::*;

    #[test]
    fn the_lifecycle_moves_only_forwards_and_by_the_right_party() {
        let allowed = [
            (Submitted, Accepted, Facilitator),
            (Submitted, Declined, Facilitator),
            (Submitted, Expired, System),
            (Submitted, Withdrawn, Clinic),
            (Accepted, Contacted, Facilitator),
            (Accepted, Connected, System),
            (Contacted, Connected, Facilitator),
            (Contacted, Withdrawn, Clinic),
            (Connected, Closed, Clinic),
            (Connected, Closed, Facilitator),
        ];
        for (from, to, actor) in allowed {
            assert_eq!(
                from.may_move(to, actor),
                Ok(()),
                "{from} → {to} by {actor:?}"
            );
        }
        assert_eq!(
            Submitted.may_move(Accepted, Clinic),
            Err(DomainError::Forbidden),
            "a clinic does not accept its own referral"
        );
        assert_eq!(
            Submitted.may_move(Withdrawn, Facilitator),
            Err(DomainError::Forbidden)
        );
        for (from, to) in [
            (Declined, Accepted),
            (Closed, Connected),
            (Withdrawn, Submitted),
            (Expired, Accepted),
            (Submitted, Connected),
            (Connected, Withdrawn),
            (Accepted, Accepted),
        ] {
            assert!(
                matches!(
                    from.may_move(to, Facilitator),
                    Err(DomainError::InvalidTransition { .. })
                ),
                "{from} → {to}"
            );
        }
        for status in ReferralStatus::ALL {
            let has_way_out = ReferralStatus::ALL.iter().any(|to| {
                [Clinic, Facilitator, System]
                    .iter()
                    .any(|actor| status.may_move(*to, *actor).is_ok())
            });
            assert_eq!(has_way_out, !status.is_final(), "{status}");
        }
    }

    #[test]
    fn statuses_map_onto_fhir_task_statuses() {
        let fhir: Vec<&str> = ReferralStatus::ALL
            .iter()
            .map(|status| status.fhir_task_status())
            .collect();
        assert_eq!(
            fhir,
            [
                "requested",
                "accepted",
                "rejected",
                "in-progress",
                "in-progress",
                "completed",
                "cancelled",
                "failed"
            ]
        );
    }

    #[test]
    fn each_standing_sees_what_it_needs_and_strangers_nothing() {
        let clinic = ReferralAccess {
            clinic_reads: true,
            ..ReferralAccess::default()
        };
        let facilitator = ReferralAccess {
            facilitator: true,
            ..ReferralAccess::default()
        };
        let admin = ReferralAccess {
            platform_admin: true,
            ..ReferralAccess::default()
        };
        assert_eq!(clinic.view(true), Ok(ReferralView::Full));
        assert_eq!(facilitator.view(true), Ok(ReferralView::Contact));
        assert_eq!(admin.view(true), Ok(ReferralView::Metadata));
        assert_eq!(
            ReferralAccess::default().view(true),
            Err(DomainError::NotFound("referral"))
        );
        for revoked in [clinic, facilitator, admin] {
            assert_eq!(revoked.view(false), Ok(ReferralView::StatusOnly));
        }
    }

    #[test]
    fn a_move_is_made_in_the_capacity_that_allows_it() {
        let both = ReferralAccess {
            clinic_reads: true,
            clinic_writes: true,
            facilitator: true,
            platform_admin: false,
        };
        assert_eq!(both.actor_for(Submitted, Accepted), Ok(Facilitator));
        assert_eq!(both.actor_for(Submitted, Withdrawn), Ok(Clinic));
        let reader = ReferralAccess {
            clinic_reads: true,
            ..ReferralAccess::default()
        };
        assert_eq!(
            reader.actor_for(Submitted, Withdrawn),
            Err(DomainError::Forbidden)
        );
        assert!(matches!(
            reader.actor_for(Closed, Accepted),
            Err(DomainError::InvalidTransition { .. })
        ));
        assert_eq!(
            ReferralAccess::default().actor_for(Submitted, Accepted),
            Err(DomainError::NotFound("referral"))
        );
        let admin = ReferralAccess {
            platform_admin: true,
            ..ReferralAccess::default()
        };
        assert_eq!(
            admin.actor_for(Submitted, Expired),
            Err(DomainError::Forbidden),
            "only Hearth expires referrals"
        );
        assert_eq!(admin.may_break_glass(), Ok(()));
        assert_eq!(both.may_break_glass(), Err(DomainError::Forbidden));
        assert_eq!(both.may_revoke_consent(), Ok(()));
        assert_eq!(reader.may_revoke_consent(), Err(DomainError::Forbidden));
    }

    fn client() -> ClientData {
        ClientData {
            name: " J. ".to_owned(),
            contact_route: ContactRoute::Sms,
            contact_value: "+1 (555) 010-2000".to_owned(),
            language: "es-mx".to_owned(),
            notes: Some("Prefers evenings.".to_owned()),
        }
    }

    fn fields(errors: Vec<DomainError>) -> Vec<String> {
        errors
            .into_iter()
            .map(|error| match error {
                DomainError::Invalid { field, .. } => field,
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn client_data_is_the_minimum_in_its_shape() {
        let checked = client().check().unwrap();
        assert_eq!(
            (checked.name.as_str(), checked.language.as_str()),
            ("J.", "es-MX")
        );
        let email = ClientData {
            contact_route: ContactRoute::Email,
            contact_value: " J@Example.org ".to_owned(),
            ..client()
        };
        assert_eq!(email.check().unwrap().contact_value, "j@example.org");
        let broken = ClientData {
            name: " ".to_owned(),
            contact_route: ContactRoute::Email,
            language: "nope nope".to_owned(),
            notes: Some("x".repeat(NOTES_MAX + 1)),
            ..client()
        };
        assert_eq!(
            fields(broken.check().unwrap_err()),
            [
                "client.name",
                "client.contact_value",
                "client.language",
                "client.notes"
            ]
        );
    }

    #[test]
    fn consent_must_be_given_named_and_in_force() {
        let now = Utc::now();
        let consent = Consent {
            given_by: "Client".to_owned(),
            given_at: now - Duration::days(1),
            disclosure: "Name, phone and language to Harbour Lights peer group facilitators."
                .to_owned(),
            expires_at: now + Duration::days(90),
            revoked_at: None,
        };
        let checked = consent.clone().check(now).unwrap();
        assert_eq!(checked.given_by, "Client");

        let expired = Consent {
            expires_at: now - Duration::minutes(1),
            ..consent.clone()
        };
        assert_eq!(
            fields(expired.check(now).unwrap_err()),
            ["consent.expires_at"]
        );
        let too_long = Consent {
            expires_at: now + Duration::days(400),
            ..consent.clone()
        };
        assert_eq!(
            fields(too_long.check(now).unwrap_err()),
            ["consent.expires_at"]
        );
        let sloppy = Consent {
            given_by: " ".to_owned(),
            disclosure: String::new(),
            given_at: now + Duration::hours(1),
            revoked_at: Some(now),
            ..consent
        };
        assert_eq!(
            fields(sloppy.check(now).unwrap_err()),
            [
                "consent.given_by",
                "consent.disclosure",
                "consent.given_at",
                "consent.revoked_at"
            ]
        );
    }
}

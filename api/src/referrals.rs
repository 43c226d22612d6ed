//! Referrals from partner clinics (`/v1/referrals`): a consenting client referred to a group,
//! followed from submission to an outcome. Client data is sealed at rest, shown to each party
//! only as far as it needs it, and every access leaves an audit record.

use std::collections::HashMap;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::web::{Data, Json, Path, Query};
use actix_web::{FromRequest, HttpMessage, HttpRequest, get, post};
use chrono::{DateTime, Duration, Utc};
use hearth_domain::DomainError;
use hearth_domain::account::PlatformRole;
use hearth_domain::audit::{ActorKind, AuditAction, AuditOutcome, AuditRecord, AuditRecordId};
use hearth_domain::group::{FocusArea, GroupId, Point, parse_text};
use hearth_domain::meeting::AttendanceMode;
use hearth_domain::membership::{GroupActor, Invitation, InvitationId};
use hearth_domain::organization::{OrganizationId, Scope};
use hearth_domain::referral::{
    ClientData, Consent, ContactRoute, Need, Referral, ReferralAccess, ReferralActor,
    ReferralEvent, ReferralEventId, ReferralId, ReferralStatus, ReferralView,
};
use hearth_domain::webhook::WebhookEvent;
use hearth_openapi::{Page, Problem, tags};
use hearth_persistence::referrals::{self, Holder, Stored, StoredEvent};
use hearth_persistence::{
    DbConnection, PersistenceError, audit, groups, memberships, organizations, savepoint,
    transaction,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::{AuthUser, Caller, ClientCaller, caller_of};
use crate::credentials::OneTimeToken;
use crate::db::Db;
use crate::error::{ApiError, keep};
use crate::extract::{JsonObject, comma_separated};
use crate::groups::{GroupPath, seen};
use crate::idempotency::{Answer, IdempotencyKey, once};
use crate::middleware::RequestId;
use crate::pagination::{PageQuery, TimePage};
use crate::sealing::DataKeys;
use crate::webhooks::announce;

/// How long the group invitation made on acceptance stays open, at most (never beyond the
/// consent).
const INVITATION_DAYS: i64 = 30;
/// Most characters of a reason (declining, withdrawing, closing, breaking the glass).
const REASON_MAX: usize = 1000;

/// What the referral endpoints need beyond the database.
#[derive(Debug)]
pub struct ReferralDesk {
    keys: Option<DataKeys>,
    answer_within: Duration,
}

impl ReferralDesk {
    /// A desk sealing with `keys` (none: referrals are unavailable) where groups have
    /// `answer_within` to answer.
    pub fn new(keys: Option<DataKeys>, answer_within: Duration) -> Self {
        Self {
            keys,
            answer_within,
        }
    }

    /// The data keys, or 503 when the server has none.
    pub(crate) fn keys(&self) -> Result<&DataKeys, ApiError> {
        self.keys
            .as_ref()
            .ok_or(ApiError::NotConfigured("HEARTH_DATA_KEY"))
    }
}

/// The caller of a referral endpoint (a person or an API client) and the request's id, which
/// every audit record carries.
#[derive(Debug, Clone)]
pub struct Witness {
    caller: Caller,
    request_id: Option<String>,
}

impl FromRequest for Witness {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(caller_of(req).map(|caller| Self {
            caller,
            request_id: req.extensions().get::<RequestId>().map(|id| id.0.clone()),
        }))
    }
}

impl Witness {
    fn principal(&self) -> String {
        match &self.caller {
            Caller::Person(user) => user.id.to_string(),
            Caller::Client(client) => format!("client:{}", client.id),
        }
    }

    fn person(&self) -> Option<&AuthUser> {
        match &self.caller {
            Caller::Person(user) => Some(user),
            Caller::Client(_) => None,
        }
    }

    /// The scopes an API client holds now: those of its token that its organisation still
    /// grants it. A revoked client's token stops working at once rather than at expiry.
    fn live_client(&self, c: &mut DbConnection) -> Result<Option<ClientCaller>, ApiError> {
        let Caller::Client(token) = &self.caller else {
            return Ok(None);
        };
        let revoked = ApiError::Unauthenticated(
            "the API client was revoked; ask the organisation for a new one",
        );
        let stored = match organizations::client(c, token.organization, token.id) {
            Ok(client) if client.revoked_at.is_none() => client,
            Ok(_) | Err(PersistenceError::NotFound { .. }) => return Err(revoked),
            Err(error) => return Err(error.into()),
        };
        Ok(Some(ClientCaller {
            scopes: token
                .scopes
                .iter()
                .copied()
                .filter(|scope| stored.scopes.contains(scope))
                .collect(),
            ..token.clone()
        }))
    }

    /// How the caller stands towards `referral`.
    fn access(
        &self,
        c: &mut DbConnection,
        referral: &Referral,
    ) -> Result<ReferralAccess, ApiError> {
        if let Some(client) = self.live_client(c)? {
            let own = client.organization == referral.organization;
            return Ok(ReferralAccess {
                clinic_reads: own && client.scopes.contains(&Scope::ReferralsRead),
                clinic_writes: own && client.scopes.contains(&Scope::ReferralsWrite),
                ..ReferralAccess::default()
            });
        }
        let Some(user) = self.person() else {
            return Ok(ReferralAccess::default());
        };
        let staff = organizations::role_of(c, referral.organization, user.id)?.is_some();
        Ok(ReferralAccess {
            clinic_reads: staff,
            clinic_writes: staff,
            facilitator: facilitates(c, referral.group, user)?,
            platform_admin: user.platform_role() == PlatformRole::Admin,
        })
    }

    /// The caller as the audit log names it.
    fn auditor(&self) -> Auditor {
        let (kind, id) = match &self.caller {
            Caller::Person(user) => (ActorKind::Account, user.id.0),
            Caller::Client(client) => (ActorKind::ApiClient, client.id.0),
        };
        Auditor {
            kind,
            id: Some(id),
            request_id: self.request_id.clone(),
        }
    }

    /// Runs `act` on the referral with the caller's standing, and appends the audit record:
    /// with `act`'s writes when it succeeds; alone, marked denied or refused, when the caller
    /// was turned away (its writes are rolled back, the record of the attempt stays). A referral that does
    /// not exist leaves no record: there is nothing to protect.
    fn audited<T>(
        &self,
        c: &mut DbConnection,
        id: ReferralId,
        action: AuditAction,
        act: impl FnOnce(
            &mut DbConnection,
            Stored,
            ReferralAccess,
        ) -> Result<(T, Option<String>), ApiError>,
    ) -> Result<Result<T, ApiError>, ApiError> {
        let stored = referrals::find(c, id)?.ok_or(DomainError::NotFound("referral"))?;
        let referral = stored.referral.clone();
        let access = self.access(c, &referral)?;
        let auditor = self.auditor();
        match savepoint(c, |c| act(c, stored, access)) {
            Ok((value, detail)) => {
                auditor.append(c, &referral, action, AuditOutcome::Allowed, detail)?;
                Ok(Ok(value))
            }
            Err(error) => {
                let outcome = match &error {
                    ApiError::Domain(DomainError::NotFound(_) | DomainError::Forbidden) => {
                        AuditOutcome::Denied
                    }
                    ApiError::Domain(_) | ApiError::Validation(_) => AuditOutcome::Refused,
                    // A failure of Hearth's own is not the caller's attempt refused: it answers
                    // 5xx, and the whole transaction (this record with it) rolls back.
                    _ => return Err(error),
                };
                auditor.append(c, &referral, action, outcome, None)?;
                Ok(Err(error))
            }
        }
    }
}

/// Who acted, as the audit log names them.
#[derive(Debug, Clone)]
struct Auditor {
    kind: ActorKind,
    id: Option<Uuid>,
    request_id: Option<String>,
}

impl Auditor {
    /// Hearth itself, outside any request.
    const SYSTEM: Self = Self {
        kind: ActorKind::System,
        id: None,
        request_id: None,
    };

    fn append(
        &self,
        c: &mut DbConnection,
        referral: &Referral,
        action: AuditAction,
        outcome: AuditOutcome,
        detail: Option<String>,
    ) -> Result<(), ApiError> {
        audit::append(
            c,
            &AuditRecord {
                id: AuditRecordId::new(),
                organization: referral.organization,
                referral: Some(referral.id),
                actor_kind: self.kind,
                actor_id: self.id,
                action,
                outcome,
                detail,
                request_id: self.request_id.clone(),
                at: Utc::now(),
            },
        )?;
        Ok(())
    }
}

/// Whether `user` facilitates the group (a platform administrator does not, by that alone).
fn facilitates(c: &mut DbConnection, group: GroupId, user: &AuthUser) -> Result<bool, ApiError> {
    let actor = GroupActor {
        platform_role: None,
        standing: memberships::find(c, group, user.id)?.map(|membership| membership.standing()),
    };
    Ok(actor.facilitates())
}

/// What is sealed of a referral: everything that identifies or describes the client. Its
/// shape is the storage format, versioned apart from the wire types.
#[derive(Serialize, Deserialize)]
struct Sealed {
    name: String,
    contact_route: ContactRoute,
    contact_value: String,
    language: String,
    notes: Option<String>,
    focus_areas: Vec<FocusArea>,
    attendance_mode: Option<AttendanceMode>,
    near: Option<(f64, f64)>,
    consent_given_by: String,
    consent_disclosure: String,
}

hearth_domain::redacted_debug!(
    SuggestionQuery,
    Sealed,
    CreateReferralRequest,
    ClientBody,
    PointBody,
    NeedBody,
    ConsentRequest,
    ConsentResponse,
    ReferralResponse,
    StatusChangeRequest,
    ReferralEventResponse,
    BreakGlassRequest,
);

fn referral_context(id: ReferralId) -> String {
    format!("referral {id}")
}

fn event_context(id: ReferralEventId) -> String {
    format!("referral event {id}")
}

fn seal_record(keys: &DataKeys, id: ReferralId, record: &Sealed) -> Result<Vec<u8>, ApiError> {
    let plain = serde_json::to_vec(record).map_err(|e| ApiError::Internal(e.to_string()))?;
    keys.seal(&referral_context(id), &plain)
}

fn open_record(keys: &DataKeys, stored: &Stored) -> Result<Option<Sealed>, ApiError> {
    stored
        .sealed
        .as_deref()
        .map(|sealed| {
            let plain = keys.open(&referral_context(stored.referral.id), sealed)?;
            serde_json::from_slice(&plain)
                .map_err(|_| ApiError::Internal("a sealed referral does not read".to_owned()))
        })
        .transpose()
}

/// A new referral.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "organization_id": "0193a9e0-1c11-7c3e-9d2b-4a1f0e6c8b7d",
    "group_id": "0193a9e1-2c11-7c3e-9d2b-4a1f0e6c8b7d",
    "client": {"name": "J.", "contact_route": "sms", "contact_value": "+1 555 010 2000",
               "language": "es-MX", "notes": "Prefers evenings."},
    "need": {"focus_areas": ["opioids"], "attendance_mode": "in_person",
             "near": {"latitude": 40.7128, "longitude": -74.006}},
    "consent": {"given_by": "Client", "given_at": "2026-12-01T15:00:00Z",
                "disclosure": "First name, phone and language to the facilitators of Harbour Lights.",
                "expires_at": "2027-03-01T00:00:00Z"}
}))]
pub struct CreateReferralRequest {
    /// The referring organisation. A person with roles in several names one; an API client
    /// refers for its own organisation and may leave it out.
    pub organization_id: Option<Uuid>,
    /// The group the client is referred to (public or unlisted, not archived).
    pub group_id: Uuid,
    /// The minimum the group needs to reach the client.
    pub client: ClientBody,
    /// What the client is looking for.
    #[serde(default)]
    pub need: NeedBody,
    /// The client's consent to this disclosure (42 CFR § 2.31): required.
    pub consent: Option<ConsentRequest>,
}

/// The client: a first name or initials, one way to reach them, their language.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientBody {
    /// A first name or initials (1 to 50 characters).
    #[schema(min_length = 1, max_length = 50, example = "J.")]
    pub name: String,
    /// How the group should reach them.
    pub contact_route: ContactRoute,
    /// A phone number (phone, sms) or an email address (email).
    #[schema(example = "+1 555 010 2000")]
    pub contact_value: String,
    /// Their language, BCP 47.
    #[schema(example = "es-MX")]
    pub language: String,
    /// What the counsellor wants the group to know (at most 1000 characters).
    #[schema(max_length = 1000)]
    pub notes: Option<String>,
}

/// A point, in degrees.
#[derive(Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointBody {
    /// -90 to 90.
    #[schema(minimum = -90, maximum = 90)]
    pub latitude: f64,
    /// -180 to 180.
    #[schema(minimum = -180, maximum = 180)]
    pub longitude: f64,
}

/// What the client is looking for.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedBody {
    /// What they want help with.
    #[serde(default)]
    pub focus_areas: Vec<FocusArea>,
    /// How they can attend, if it matters.
    pub attendance_mode: Option<AttendanceMode>,
    /// Roughly where they are.
    pub near: Option<PointBody>,
}

/// The consent as the clinic records it.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentRequest {
    /// Who consented: the client, or their legal representative by name.
    #[schema(min_length = 1, max_length = 200)]
    pub given_by: String,
    /// When (not in the future).
    pub given_at: DateTime<Utc>,
    /// To what disclosure, in the words of the signed form.
    #[schema(min_length = 1, max_length = 1000)]
    pub disclosure: String,
    /// When it lapses: after now, at most a year after it was given.
    pub expires_at: DateTime<Utc>,
}

/// The consent behind a referral, as far as the caller may see it.
#[derive(Serialize, ToSchema)]
pub struct ConsentResponse {
    /// Who consented (the referring organisation only).
    pub given_by: Option<String>,
    /// To what disclosure (the referring organisation only).
    pub disclosure: Option<String>,
    /// When it was given.
    pub given_at: DateTime<Utc>,
    /// When it lapses.
    pub expires_at: DateTime<Utc>,
    /// When the client revoked it.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A referral, as far as the caller may see it (`view` says how far).
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193aa01-2c11-7c3e-9d2b-4a1f0e6c8b7d", "view": "full", "status": "submitted",
    "fhir_status": "requested",
    "organization_id": "0193a9e0-1c11-7c3e-9d2b-4a1f0e6c8b7d",
    "group_id": "0193a9e1-2c11-7c3e-9d2b-4a1f0e6c8b7d",
    "client": {"name": "J.", "contact_route": "sms", "contact_value": "+1 555 010 2000",
               "language": "es-MX", "notes": "Prefers evenings."},
    "need": {"focus_areas": ["opioids"], "attendance_mode": "in_person",
             "near": {"latitude": 40.7128, "longitude": -74.006}},
    "consent": {"given_by": "Client", "given_at": "2026-12-01T15:00:00Z",
                "disclosure": "First name, phone and language to the facilitators of Harbour Lights.",
                "expires_at": "2027-03-01T00:00:00Z", "revoked_at": null},
    "respond_by": "2026-12-15T15:05:00Z", "invitation_code": null,
    "created_at": "2026-12-01T15:05:00Z", "updated_at": "2026-12-01T15:05:00Z"
}))]
pub struct ReferralResponse {
    /// Its id.
    pub id: Uuid,
    /// How much of it the caller sees: `full` (the referring organisation), `contact` (the
    /// group's facilitators), `metadata` (platform administrators), `status_only` (once the
    /// consent is revoked or lapsed).
    pub view: ViewName,
    /// Where it stands.
    pub status: ReferralStatus,
    /// The same, as a FHIR R4 `Task.status`.
    #[schema(example = "requested")]
    pub fhir_status: &'static str,
    /// The referring organisation (not in `status_only`).
    pub organization_id: Option<Uuid>,
    /// The group (not in `status_only`).
    pub group_id: Option<Uuid>,
    /// The client (`full` and `contact`).
    pub client: Option<ClientBody>,
    /// What they look for (`full` and `contact`).
    pub need: Option<NeedBody>,
    /// The consent (not in `status_only`; who gave it and to what, in `full` only).
    pub consent: Option<ConsentResponse>,
    /// When an unanswered referral expires (not in `status_only`).
    pub respond_by: Option<DateTime<Utc>>,
    /// The group invitation code for the client, only in the answer that accepts the
    /// referral: joining the group with it connects the referral.
    pub invitation_code: Option<String>,
    /// When it was sent (not in `status_only`).
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// How much of a referral the caller sees.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ViewName {
    /// That it exists and where it stands.
    StatusOnly,
    /// Routing metadata, no client data.
    Metadata,
    /// What the group needs to reach the client.
    Contact,
    /// Everything.
    Full,
}

impl From<ReferralView> for ViewName {
    fn from(view: ReferralView) -> Self {
        match view {
            ReferralView::StatusOnly => Self::StatusOnly,
            ReferralView::Metadata => Self::Metadata,
            ReferralView::Contact => Self::Contact,
            ReferralView::Full => Self::Full,
        }
    }
}

/// Shows `stored` as `view` allows, opening its sealed data only when the view shows it.
fn shown(
    keys: &DataKeys,
    stored: &Stored,
    view: ReferralView,
) -> Result<ReferralResponse, ApiError> {
    let referral = &stored.referral;
    let sealed = match view {
        ReferralView::Full | ReferralView::Contact => open_record(keys, stored)?,
        ReferralView::Metadata | ReferralView::StatusOnly => None,
    };
    // Data erased at revocation shows as status only, whatever the caller's standing.
    let view = match (view, &sealed) {
        (ReferralView::Full | ReferralView::Contact, None) => ReferralView::StatusOnly,
        _ => view,
    };
    let routed = view != ReferralView::StatusOnly;
    // The consent form itself (who gave it, to what) is for the referring organisation only.
    let form = sealed.as_ref().filter(|_| view == ReferralView::Full);
    let consent = routed.then(|| ConsentResponse {
        given_by: form.map(|sealed| sealed.consent_given_by.clone()),
        disclosure: form.map(|sealed| sealed.consent_disclosure.clone()),
        given_at: referral.consent_given_at,
        expires_at: referral.consent_expires_at,
        revoked_at: referral.consent_revoked_at,
    });
    let (client, need) = match sealed {
        Some(sealed) => (
            Some(ClientBody {
                name: sealed.name,
                contact_route: sealed.contact_route,
                contact_value: sealed.contact_value,
                language: sealed.language,
                notes: sealed.notes,
            }),
            Some(NeedBody {
                focus_areas: sealed.focus_areas,
                attendance_mode: sealed.attendance_mode,
                near: sealed.near.map(|(latitude, longitude)| PointBody {
                    latitude,
                    longitude,
                }),
            }),
        ),
        None => (None, None),
    };
    Ok(ReferralResponse {
        id: referral.id.0,
        view: view.into(),
        status: referral.status,
        fhir_status: referral.status.fhir_task_status(),
        organization_id: routed.then_some(referral.organization.0),
        group_id: routed.then_some(referral.group.0),
        client,
        need,
        consent,
        respond_by: routed.then_some(referral.respond_by),
        invitation_code: None,
        created_at: routed.then_some(referral.created_at),
        updated_at: referral.updated_at,
    })
}

/// Checks a new referral's client, need and consent, reporting every broken rule.
fn checked(
    request: &CreateReferralRequest,
    now: DateTime<Utc>,
) -> Result<(ClientData, Need, Consent), ApiError> {
    let mut errors = Vec::new();
    let client = ClientData {
        name: request.client.name.clone(),
        contact_route: request.client.contact_route,
        contact_value: request.client.contact_value.clone(),
        language: request.client.language.clone(),
        notes: request.client.notes.clone(),
    }
    .check()
    .map_err(|broken| errors.extend(broken))
    .ok();
    let consent = match &request.consent {
        Some(consent) => Consent {
            given_by: consent.given_by.clone(),
            given_at: consent.given_at,
            disclosure: consent.disclosure.clone(),
            expires_at: consent.expires_at,
            revoked_at: None,
        }
        .check(now)
        .map_err(|broken| errors.extend(broken))
        .ok(),
        None => {
            errors.push(DomainError::Invalid {
                field: "consent".to_owned(),
                code: "required",
                message: "a referral needs the client's consent to this disclosure".to_owned(),
            });
            None
        }
    };
    let near = request.need.near.and_then(|near| {
        keep(
            &mut errors,
            Point::new(near.latitude, near.longitude, "need.near"),
        )
    });
    match (client, consent) {
        (Some(client), Some(consent)) if errors.is_empty() => Ok((
            client,
            Need {
                focus_areas: request.need.focus_areas.clone(),
                attendance_mode: request.need.attendance_mode,
                near,
            },
            consent,
        )),
        _ => Err(ApiError::from_domain_errors(errors)),
    }
}

/// The organisation a new referral is made for, and that the caller may refer for it.
fn referring_organization(
    c: &mut DbConnection,
    who: &Witness,
    named: Option<Uuid>,
) -> Result<OrganizationId, ApiError> {
    if let Some(client) = who.live_client(c)? {
        if named.is_some_and(|named| named != client.organization.0) {
            return Err(DomainError::NotFound("organization").into());
        }
        if !client.scopes.contains(&Scope::ReferralsWrite) {
            return Err(DomainError::Forbidden.into());
        }
        return Ok(client.organization);
    }
    let user = who.person().ok_or(DomainError::Forbidden)?;
    let organization = OrganizationId(named.ok_or_else(|| DomainError::Invalid {
        field: "organization_id".to_owned(),
        code: "required",
        message: "name the organisation you refer for".to_owned(),
    })?);
    organizations::get(c, organization)?;
    match organizations::role_of(c, organization, user.id)? {
        Some(_) => Ok(organization),
        None if user.platform_role() == PlatformRole::Admin => Err(DomainError::Forbidden.into()),
        None => Err(DomainError::NotFound("organization").into()),
    }
}

/// Submit a referral
///
/// The referring organisation's staff, or its API client with `referrals:write`, refer a
/// consenting client to a public or unlisted group. The consent must be in force (given, not
/// expired, at most a year long). The client's data is sealed at rest. With an
/// `Idempotency-Key`, a retry within 24 hours gets the first answer (marked
/// `Idempotent-Replayed: true`) instead of a second referral.
#[utoipa::path(
    tag = tags::REFERRALS,
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = IDEMPOTENCY_KEY)),
    request_body = CreateReferralRequest,
    responses(
        (status = 201, description = "Submitted; the referring organisation's full view", body = ReferralResponse,
         headers(("Location" = String, description = "The referral"))),
        (status = 400, description = "`bad-request`: a body that is not JSON, or a malformed `Idempotency-Key`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: an API client without `referrals:write`, or a platform administrator outside the organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such organisation (for the caller) or group", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`group-archived`; `idempotency-key-in-use`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: client data, need or consent break a rule (a consent that is missing, expired, in the future or too long); `idempotency-key-reused`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`not-configured`: the server has no data key, so it stores no referrals", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn create_referral(
    who: Witness,
    key: IdempotencyKey,
    JsonObject(request): JsonObject<CreateReferralRequest>,
    desk: Data<ReferralDesk>,
    db: Data<Db>,
) -> Result<Answer, ApiError> {
    desk.keys()?;
    let now = Utc::now();
    let (client, need, consent) = checked(&request, now)?;
    let body = serde_json::to_vec(&request).map_err(|e| ApiError::Internal(e.to_string()))?;
    let answer = db
        .tx(move |c| {
            let keys = desk.keys()?;
            let answer = once(c, &who.principal(), &key, &body, |c| {
                let organization = referring_organization(c, &who, request.organization_id)?;
                let group = groups::get(c, GroupId(request.group_id))?;
                hearth_domain::membership::GroupActor::ANONYMOUS
                    .may_see(group.profile.visibility)
                    .map_err(|_| DomainError::NotFound("group"))?;
                if group.archived_at.is_some() {
                    return Err(DomainError::GroupArchived.into());
                }
                let referral = Referral {
                    id: ReferralId::new(),
                    organization,
                    group: group.id,
                    status: ReferralStatus::Submitted,
                    consent_given_at: consent.given_at,
                    consent_expires_at: consent.expires_at,
                    consent_revoked_at: None,
                    respond_by: now + desk.answer_within,
                    invitation: None,
                    created_at: now,
                    updated_at: now,
                };
                let record = Sealed {
                    name: client.name,
                    contact_route: client.contact_route,
                    contact_value: client.contact_value,
                    language: client.language,
                    notes: client.notes,
                    focus_areas: need.focus_areas,
                    attendance_mode: need.attendance_mode,
                    near: need.near.map(|point| (point.latitude, point.longitude)),
                    consent_given_by: consent.given_by,
                    consent_disclosure: consent.disclosure,
                };
                let sealed = seal_record(keys, referral.id, &record)?;
                referrals::insert(c, &referral, &sealed)?;
                let submitted = ReferralEvent::new(
                    referral.id,
                    None,
                    ReferralStatus::Submitted,
                    ReferralActor::Clinic,
                    now,
                );
                referrals::insert_event(c, &submitted, None)?;
                announce(c, WebhookEvent::ReferralStatusChanged, &referral, None, now)?;
                who.auditor().append(
                    c,
                    &referral,
                    AuditAction::Create,
                    AuditOutcome::Allowed,
                    None,
                )?;
                Ok((StatusCode::CREATED, Submitted { id: referral.id.0 }))
            })?;
            // Only the id is kept for retries: the answer is read afresh, so a retry never
            // shows client data from a copy outside the sealed record, nor after consent was
            // revoked or the client lost its access (and the read is audited).
            let id = serde_json::from_str::<Submitted>(answer.body())
                .map(|submitted| ReferralId(submitted.id))
                .map_err(|e| ApiError::Internal(format!("a kept answer does not read: {e}")))?;
            let view = if answer.is_replay() {
                who.audited(c, id, AuditAction::Read, |_, stored, access| {
                    let view = access.view(stored.referral.consent_in_force(now))?;
                    Ok((shown(keys, &stored, view)?, None))
                })?
            } else {
                let stored = referrals::find(c, id)?.ok_or(DomainError::NotFound("referral"))?;
                shown(keys, &stored, ReferralView::Full).map(Ok)?
            };
            Ok(view.and_then(|view| answer.with_body(&view)))
        })
        .await??;
    Ok(answer.located(|body| body["id"].as_str().map(|id| format!("/v1/referrals/{id}"))))
}

/// What an idempotent submission keeps for its retries.
#[derive(Debug, Serialize, Deserialize)]
struct Submitted {
    id: Uuid,
}

/// How many groups a suggestion considers at most: the newest that share the need's focus.
const SUGGESTION_CANDIDATES: i64 = 500;

/// What a client needs, in a query.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SuggestionQuery {
    /// Focus areas, such as `opioids,alcohol`: a group must share one.
    #[serde(default, deserialize_with = "comma_separated")]
    #[param(value_type = Option<Vec<FocusArea>>, style = Form, explode = false)]
    pub focus_areas: Vec<FocusArea>,
    /// How the client can attend: a group needs a meeting they can attend.
    pub attendance_mode: Option<AttendanceMode>,
    /// `latitude,longitude` of the client; in person only, venues within 50 km.
    #[param(example = "40.7128,-74.0060")]
    pub near: Option<String>,
    /// The client's language (BCP 47): groups meeting in it rank higher.
    #[param(example = "es")]
    pub language: Option<String>,
    /// How many groups, 1 to 20 (default 5).
    #[param(minimum = 1, maximum = 20)]
    pub limit: Option<u32>,
}

/// A group that fits a need, and why.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "group_id": "0193a9e1-2c11-7c3e-9d2b-4a1f0e6c8b7d", "name": "Harbour Lights",
    "slug": "harbour-lights", "join_policy": "request", "score": 9,
    "matched_focus_areas": ["opioids"], "language_matches": true,
    "attendance_mode_matches": true, "distance_km": 2.4
}))]
pub struct SuggestedGroup {
    /// The group, to pass as `group_id` when referring.
    pub group_id: Uuid,
    /// Its name.
    pub name: String,
    /// Its slug.
    pub slug: String,
    /// How it admits people (a referral's invitation admits the client whatever it is).
    pub join_policy: hearth_domain::group::JoinPolicy,
    /// Higher fits better: 3 per shared focus area, 2 for the language, 2 for an attendable
    /// meeting, 2 for a venue within 10 km (1 within 50 km).
    pub score: u32,
    /// The focus areas of the need it shares.
    pub matched_focus_areas: Vec<FocusArea>,
    /// Whether it meets in the client's language.
    pub language_matches: bool,
    /// Whether it has a meeting in the asked attendance mode.
    pub attendance_mode_matches: bool,
    /// Kilometres to its nearest venue the client can attend, when `near` was given.
    pub distance_km: Option<f64>,
}

/// A list of suggested groups.
#[derive(Debug, Serialize, ToSchema)]
pub struct Suggestions {
    /// Best first.
    pub items: Vec<SuggestedGroup>,
}

/// Suggest groups for a need
///
/// For a counsellor who does not know which group to refer a client to: the public groups
/// (not archived, not full, whatever their join policy) that share the need's focus, have a meeting the client can attend (and, in person,
/// a venue within 50 km), best first. Nothing is stored and no client data is sent: pick a
/// group, then submit the referral with its `group_id`. For the staff of an organisation and
/// API clients with a referral scope.
#[utoipa::path(
    tag = tags::REFERRALS,
    security(("bearer" = [])),
    params(SuggestionQuery),
    responses(
        (status = 200, description = "The best-fitting groups", body = Suggestions),
        (status = 400, description = "`bad-request`: a malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: neither an organisation's staff nor an API client with a referral scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: `near` is not `latitude,longitude`, `language` not a BCP 47 tag, `limit` out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/suggestions")]
pub async fn suggest_groups(
    who: Witness,
    Query(query): Query<SuggestionQuery>,
    db: Data<Db>,
) -> Result<Json<Suggestions>, ApiError> {
    let mut errors = Vec::new();
    let near = query
        .near
        .as_deref()
        .and_then(|raw| keep(&mut errors, Point::parse(raw, "near")));
    let language = query
        .language
        .as_deref()
        .and_then(|raw| keep(&mut errors, hearth_domain::content::parse_language(raw)));
    let limit = match query.limit {
        Some(limit @ 1..=20) => Some(limit),
        Some(_) => {
            errors.push(DomainError::Invalid {
                field: "limit".to_owned(),
                code: "range",
                message: "must be 1 to 20".to_owned(),
            });
            None
        }
        None => Some(5),
    };
    let Some(limit) = limit.filter(|_| errors.is_empty()) else {
        return Err(ApiError::from_domain_errors(errors));
    };
    let need = Need {
        focus_areas: query.focus_areas,
        attendance_mode: query.attendance_mode,
        near,
    };
    let items = db
        .run(move |c| {
            let referrer = match who.live_client(c)? {
                Some(client) => !client.scopes.is_empty(),
                None => match who.person() {
                    Some(user) => !organizations::memberships_of(c, user.id)?.is_empty(),
                    None => false,
                },
            };
            if !referrer {
                return Err(DomainError::Forbidden.into());
            }
            let filter = groups::GroupFilter {
                focus_areas: need.focus_areas.clone(),
                ..groups::GroupFilter::default()
            };
            let candidates = groups::search(
                c,
                &filter,
                &groups::GroupOrder::Newest(None),
                SUGGESTION_CANDIDATES,
            )?;
            let ids: Vec<GroupId> = candidates.iter().map(|group| group.id).collect();
            let meetings = hearth_persistence::meetings::of_groups(c, &ids)?;
            let ranked = hearth_domain::referral::suggest(
                &need,
                language.as_deref(),
                candidates.iter().map(|group| {
                    let held = meetings.iter().filter(|m| m.group == group.id).collect();
                    (group, held)
                }),
            );
            Ok(ranked
                .into_iter()
                .take(usize::try_from(limit).unwrap_or(5))
                .filter_map(|fit| {
                    let group = candidates.iter().find(|group| group.id == fit.group)?;
                    Some(SuggestedGroup {
                        group_id: group.id.0,
                        name: group.profile.name.clone(),
                        slug: group.slug.as_str().to_owned(),
                        join_policy: group.profile.join_policy,
                        score: fit.score,
                        matched_focus_areas: fit.focus_areas,
                        language_matches: fit.language,
                        attendance_mode_matches: fit.attendance_mode,
                        distance_km: fit.distance_km.map(|km| (km * 10.0).round() / 10.0),
                    })
                })
                .collect())
        })
        .await?;
    Ok(Json(Suggestions { items }))
}

/// A referral in a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ReferralPath {
    /// The referral's id.
    pub referral_id: Uuid,
}

const IDEMPOTENCY_KEY: &str =
    "Makes a retry safe: 1 to 255 visible ASCII characters, unique per referral";
const NOT_CONFIGURED: &str =
    "`not-configured`: the server has no data key, so it stores no referrals";
const NOT_FOUND: &str = "`not-found`: no such referral, or not one the caller may see (another organisation's, a member's view)";

/// Read a referral
///
/// The referring organisation sees everything; the target group's facilitators what they need
/// to reach the client; platform administrators metadata only. Once the client's consent is
/// revoked or lapsed, everyone sees only that the referral exists and its status. Every read
/// is audited.
#[utoipa::path(
    tag = tags::REFERRALS,
    security(("bearer" = [])),
    params(ReferralPath),
    responses(
        (status = 200, description = "The referral, as far as the caller may see it", body = ReferralResponse),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
        (status = 503, description = NOT_CONFIGURED, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{referral_id}")]
pub async fn get_referral(
    who: Witness,
    path: Path<ReferralPath>,
    desk: Data<ReferralDesk>,
    db: Data<Db>,
) -> Result<Json<ReferralResponse>, ApiError> {
    desk.keys()?;
    let id = ReferralId(path.into_inner().referral_id);
    let now = Utc::now();
    let shown_referral = db
        .tx(move |c| {
            let keys = desk.keys()?;
            who.audited(c, id, AuditAction::Read, |_, stored, access| {
                let view = access.view(stored.referral.consent_in_force(now))?;
                Ok((shown(keys, &stored, view)?, None))
            })
        })
        .await??;
    Ok(Json(shown_referral))
}

/// Which referrals to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReferralListQuery {
    /// Only referrals in this status.
    pub status: Option<ReferralStatus>,
    /// Only this organisation's (for a person with roles in several; a platform
    /// administrator's metadata view of one organisation).
    pub organization_id: Option<Uuid>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Which referrals a caller's list holds.
fn holder_for(
    c: &mut DbConnection,
    who: &Witness,
    named: Option<Uuid>,
) -> Result<Holder, ApiError> {
    if let Some(client) = who.live_client(c)? {
        if named.is_some_and(|named| named != client.organization.0) {
            return Err(DomainError::NotFound("organization").into());
        }
        if !client.scopes.contains(&Scope::ReferralsRead) {
            return Err(DomainError::Forbidden.into());
        }
        return Ok(Holder::Organizations(vec![client.organization]));
    }
    let user = who.person().ok_or(DomainError::Forbidden)?;
    let admin = user.platform_role() == PlatformRole::Admin;
    let own: Vec<OrganizationId> = organizations::memberships_of(c, user.id)?
        .into_iter()
        .map(|(organization, _, _)| organization.id)
        .collect();
    match named.map(OrganizationId) {
        Some(named) if own.contains(&named) || admin => {
            organizations::get(c, named)?;
            Ok(Holder::Organizations(vec![named]))
        }
        Some(_) => Err(DomainError::NotFound("organization").into()),
        None if own.is_empty() && admin => Ok(Holder::Everyone),
        None if own.is_empty() => Err(DomainError::Forbidden.into()),
        None => Ok(Holder::Organizations(own)),
    }
}

/// Shows and audits one page of referrals to the caller.
fn listed(
    c: &mut DbConnection,
    who: &Witness,
    keys: &DataKeys,
    found: Vec<Stored>,
    page: &TimePage,
    now: DateTime<Utc>,
) -> Result<Page<ReferralResponse>, ApiError> {
    let (found, next_cursor) =
        page.cut(found, |last| (last.referral.created_at, last.referral.id.0))?;
    let mut items = Vec::with_capacity(found.len());
    // A caller stands the same way towards every referral of one organisation to one group.
    let mut standings: HashMap<(OrganizationId, GroupId), ReferralAccess> = HashMap::new();
    for stored in found {
        let referral = &stored.referral;
        let key = (referral.organization, referral.group);
        let access = match standings.get(&key) {
            Some(access) => *access,
            None => {
                let access = who.access(c, referral)?;
                standings.insert(key, access);
                access
            }
        };
        let view = access.view(stored.referral.consent_in_force(now))?;
        who.auditor().append(
            c,
            &stored.referral,
            AuditAction::Read,
            AuditOutcome::Allowed,
            None,
        )?;
        items.push(shown(keys, &stored, view)?);
    }
    Ok(Page { items, next_cursor })
}

/// List referrals
///
/// An API client (`referrals:read`) lists its organisation's referrals; a person those of the
/// organisations they work for (or of one, with `organization_id`); a platform administrator
/// the metadata of all. Newest first; every referral listed is audited as read.
#[utoipa::path(
    tag = tags::REFERRALS,
    security(("bearer" = [])),
    params(ReferralListQuery),
    responses(
        (status = 200, description = "One page of referrals", body = Page<ReferralResponse>),
        (status = 400, description = "`bad-request`: a cursor of another list, or a malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: an API client without `referrals:read`, or a person who works for no organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: an organisation the caller does not work for", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = NOT_CONFIGURED, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn list_referrals(
    who: Witness,
    Query(query): Query<ReferralListQuery>,
    desk: Data<ReferralDesk>,
    db: Data<Db>,
) -> Result<Json<Page<ReferralResponse>>, ApiError> {
    desk.keys()?;
    let list = format!(
        "{}:{}",
        query.status.map_or("", ReferralStatus::as_str),
        query
            .organization_id
            .map(|id| id.to_string())
            .unwrap_or_default()
    );
    let page = TimePage::of_list(
        PageQuery {
            limit: query.limit,
            cursor: query.cursor,
        },
        list,
    )?;
    let now = Utc::now();
    let found = db
        .tx(move |c| {
            let keys = desk.keys()?;
            let holder = holder_for(c, &who, query.organization_id)?;
            let after = page.after.map(|(at, id)| (at, ReferralId(id)));
            let found = referrals::list(c, &holder, query.status, after, page.fetch())?;
            listed(c, &who, keys, found, &page, now)
        })
        .await?;
    Ok(Json(found))
}

/// Which of a group's referrals to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GroupReferralQuery {
    /// Only referrals in this status.
    pub status: Option<ReferralStatus>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List a group's referrals
///
/// The referrals sent to a group, newest first, for its facilitators (what they need to
/// reach each client) and platform administrators (metadata). Members never see referrals.
#[utoipa::path(
    tag = tags::REFERRALS,
    security(("bearer" = [])),
    params(GroupPath, GroupReferralQuery),
    responses(
        (status = 200, description = "One page of referrals", body = Page<ReferralResponse>),
        (status = 400, description = "`bad-request`: a cursor of another list, or a malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: not a facilitator of the group, or an API client", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such group (for the caller)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = NOT_CONFIGURED, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{group}/referrals")]
pub async fn list_group_referrals(
    who: Witness,
    path: Path<GroupPath>,
    Query(query): Query<GroupReferralQuery>,
    desk: Data<ReferralDesk>,
    db: Data<Db>,
) -> Result<Json<Page<ReferralResponse>>, ApiError> {
    desk.keys()?;
    let user = who.person().cloned().ok_or(DomainError::Forbidden)?;
    let page = TimePage::of_list(
        PageQuery {
            limit: query.limit,
            cursor: query.cursor,
        },
        query.status.map_or("", ReferralStatus::as_str),
    )?;
    let reference = path.into_inner().group;
    let now = Utc::now();
    let found = db
        .tx(move |c| {
            let keys = desk.keys()?;
            let group = seen(c, &reference, Some(&user))?;
            group.actor.may_moderate(group.group.profile.visibility)?;
            let after = page.after.map(|(at, id)| (at, ReferralId(id)));
            let found = referrals::list(
                c,
                &Holder::Group(group.group.id),
                query.status,
                after,
                page.fetch(),
            )?;
            listed(c, &who, keys, found, &page, now)
        })
        .await?;
    Ok(Json(found))
}

/// A change of status.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "declined", "reason": "The group is full until March; try Tuesday Circle."}))]
pub struct StatusChangeRequest {
    /// The new status: `accepted`, `declined`, `contacted`, `connected`, `closed` (the
    /// group's facilitators); `withdrawn`, `closed` (the referring organisation).
    pub status: ReferralStatus,
    /// Why: required when declining, withdrawing and closing (the outcome); at most 1000
    /// characters. It may describe the client, so it is sealed and shown like client data;
    /// once the consent is revoked or lapsed it is neither asked for nor kept.
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
}

/// Appends a change to the timeline, with its reason sealed.
fn note_event(
    c: &mut DbConnection,
    keys: &DataKeys,
    event: &ReferralEvent,
    reason: Option<&str>,
) -> Result<(), ApiError> {
    let sealed = reason
        .map(|reason| keys.seal(&event_context(event.id), reason.as_bytes()))
        .transpose()?;
    referrals::insert_event(c, event, sealed.as_deref())?;
    Ok(())
}

/// Moves a referral, or answers the transition that is no longer possible because another
/// change came first.
fn moved(
    c: &mut DbConnection,
    referral: &Referral,
    to: ReferralStatus,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    if referrals::move_status(c, referral.id, referral.status, to, at)? {
        return Ok(());
    }
    let current =
        referrals::find(c, referral.id)?.map_or(referral.status, |stored| stored.referral.status);
    if current == referral.status {
        return Err(DomainError::ConsentNotInForce.into());
    }
    Err(DomainError::InvalidTransition {
        subject: "referral",
        from: current.as_str(),
        to: to.as_str(),
    }
    .into())
}

/// Revokes the group invitation a referral handed out, once the referral has ended or lost
/// its consent: the code must not admit anybody any more, nor connect the referral.
fn close_invitation(
    c: &mut DbConnection,
    referral: &Referral,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    if let Some(invitation) = referral.invitation {
        memberships::revoke_invitation(c, referral.group, invitation, at)?;
    }
    Ok(())
}

/// Change a referral's status
///
/// The target group's facilitators accept or decline a submitted referral, then record that
/// they contacted the client, that the client connected, and close it with an outcome; the
/// referring organisation withdraws it, or closes it. Accepting answers, once, an invitation
/// code for the client: joining the group with it connects the referral by itself. Moving
/// forward needs the consent in force. An impossible move is 409 with the current status.
#[utoipa::path(
    tag = tags::REFERRALS,
    security(("bearer" = [])),
    params(ReferralPath),
    request_body = StatusChangeRequest,
    responses(
        (status = 200, description = "Changed; accepting carries `invitation_code`", body = ReferralResponse),
        (status = 400, description = "`bad-request`: a body that is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: the caller's party may not make this move (a clinic accepting, a facilitator withdrawing, a client without `referrals:write`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid-transition`: not possible from the current status (in `current_status`); `consent-not-in-force`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: a missing or oversized reason", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = NOT_CONFIGURED, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{referral_id}/status")]
pub async fn change_referral_status(
    who: Witness,
    path: Path<ReferralPath>,
    JsonObject(request): JsonObject<StatusChangeRequest>,
    desk: Data<ReferralDesk>,
    db: Data<Db>,
) -> Result<Json<ReferralResponse>, ApiError> {
    desk.keys()?;
    let id = ReferralId(path.into_inner().referral_id);
    let to = request.status;
    let reason = parse_text(request.reason.as_deref(), "reason", REASON_MAX)?;
    let invitation_code = (to == ReferralStatus::Accepted)
        .then(OneTimeToken::generate)
        .transpose()?;
    let now = Utc::now();
    let answer = db
        .tx(move |c| {
            let keys = desk.keys()?;
            who.audited(c, id, AuditAction::ChangeStatus, |c, stored, access| {
                let referral = &stored.referral;
                let actor = access.actor_for(referral.status, to)?;
                // A reason may describe the client: without consent none is asked for or kept.
                let consented = referral.consent_in_force(now);
                if to.needs_consent() && !consented {
                    return Err(DomainError::ConsentNotInForce.into());
                }
                if to.needs_reason() && consented && reason.is_none() {
                    return Err(DomainError::Invalid {
                        field: "reason".to_owned(),
                        code: "required",
                        message: format!("say why the referral is {to}"),
                    }
                    .into());
                }
                moved(c, referral, to, now)?;
                if to.is_final() {
                    close_invitation(c, referral, now)?;
                }
                let event = ReferralEvent::new(referral.id, Some(referral.status), to, actor, now);
                note_event(c, keys, &event, reason.as_deref().filter(|_| consented))?;
                let moved_referral = Referral {
                    status: to,
                    ..referral.clone()
                };
                announce(
                    c,
                    WebhookEvent::ReferralStatusChanged,
                    &moved_referral,
                    Some(referral.status),
                    now,
                )?;
                if let (Some(code), Some(user)) = (&invitation_code, who.person()) {
                    let invitation = Invitation {
                        id: InvitationId::new(),
                        group: referral.group,
                        created_at: now,
                        expires_at: (now + Duration::days(INVITATION_DAYS))
                            .min(referral.consent_expires_at),
                        used_at: None,
                        revoked_at: None,
                    };
                    memberships::insert_invitation(c, &invitation, &code.hash, user.id)?;
                    referrals::set_invitation(c, referral.id, invitation.id)?;
                }
                let now_stored =
                    referrals::find(c, referral.id)?.ok_or(DomainError::NotFound("referral"))?;
                let view = access.view(now_stored.referral.consent_in_force(now))?;
                let mut answer = shown(keys, &now_stored, view)?;
                answer.invitation_code = invitation_code
                    .as_ref()
                    .map(|code| code.value.expose().clone());
                Ok((answer, Some(to.as_str().to_owned())))
            })
        })
        .await??;
    Ok(Json(answer))
}

/// One change in a referral's timeline.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193aa02-2c11-7c3e-9d2b-4a1f0e6c8b7d", "from": "submitted", "status": "accepted",
    "fhir_status": "accepted", "actor": "facilitator", "reason": null,
    "at": "2026-12-02T09:30:00Z"
}))]
pub struct ReferralEventResponse {
    /// Its id.
    pub id: Uuid,
    /// The status before; `null` for the submission.
    pub from: Option<ReferralStatus>,
    /// The status after.
    pub status: ReferralStatus,
    /// The same, as a FHIR R4 `Task.status`.
    pub fhir_status: &'static str,
    /// Who made the change: `clinic`, `facilitator` or `system` (Hearth itself).
    pub actor: ReferralActor,
    /// Why, where a reason was given and the caller may see client data.
    pub reason: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// A referral's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralTimeline {
    /// Every change, oldest first (a referral has at most seven).
    pub items: Vec<ReferralEventResponse>,
}

/// Read a referral's timeline
///
/// Every change of status, oldest first, for whoever may read the referral. Reasons are shown
/// only to those who see client data, while the consent is in force. Audited.
#[utoipa::path(
    tag = tags::REFERRALS,
    security(("bearer" = [])),
    params(ReferralPath),
    responses(
        (status = 200, description = "The timeline", body = ReferralTimeline),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
        (status = 503, description = NOT_CONFIGURED, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{referral_id}/events")]
pub async fn list_referral_events(
    who: Witness,
    path: Path<ReferralPath>,
    desk: Data<ReferralDesk>,
    db: Data<Db>,
) -> Result<Json<ReferralTimeline>, ApiError> {
    desk.keys()?;
    let id = ReferralId(path.into_inner().referral_id);
    let now = Utc::now();
    let timeline = db
        .tx(move |c| {
            let keys = desk.keys()?;
            who.audited(c, id, AuditAction::ReadEvents, |c, stored, access| {
                let view = access.view(stored.referral.consent_in_force(now))?;
                let reasons_shown = view >= ReferralView::Contact;
                let items = referrals::events(c, id)?
                    .into_iter()
                    .map(
                        |StoredEvent {
                             event,
                             sealed_reason,
                         }| {
                            let reason = match sealed_reason.filter(|_| reasons_shown) {
                                Some(sealed) => Some(
                                    String::from_utf8(
                                        keys.open(&event_context(event.id), &sealed)?,
                                    )
                                    .map_err(|_| {
                                        ApiError::Internal(
                                            "a sealed reason does not read".to_owned(),
                                        )
                                    })?,
                                ),
                                None => None,
                            };
                            Ok(ReferralEventResponse {
                                id: event.id.0,
                                from: event.from,
                                status: event.status,
                                fhir_status: event.status.fhir_task_status(),
                                actor: event.actor,
                                reason,
                                at: event.at,
                            })
                        },
                    )
                    .collect::<Result<_, ApiError>>()?;
                Ok((ReferralTimeline { items }, None))
            })
        })
        .await??;
    Ok(Json(timeline))
}

/// Record that the client revoked consent
///
/// The referring organisation records the revocation the client gave them. The client's data
/// and every reason on the timeline are erased at once; from then on the organisation sees
/// only that the referral exists and its status, and the group's facilitators nothing of the
/// client. Revoking again changes nothing.
#[utoipa::path(
    tag = tags::REFERRALS,
    security(("bearer" = [])),
    params(ReferralPath),
    responses(
        (status = 200, description = "Revoked: the status-only view", body = ReferralResponse),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: only the referring organisation (its people, or its API client with `referrals:write`) records a revocation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
        (status = 503, description = NOT_CONFIGURED, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{referral_id}/consent/revoke")]
pub async fn revoke_referral_consent(
    who: Witness,
    path: Path<ReferralPath>,
    desk: Data<ReferralDesk>,
    db: Data<Db>,
) -> Result<Json<ReferralResponse>, ApiError> {
    desk.keys()?;
    let id = ReferralId(path.into_inner().referral_id);
    let now = Utc::now();
    let answer = db
        .tx(move |c| {
            let keys = desk.keys()?;
            who.audited(c, id, AuditAction::RevokeConsent, |c, _, access| {
                access.may_revoke_consent()?;
                let newly = referrals::revoke_consent(c, id, now)?;
                let stored = referrals::find(c, id)?.ok_or(DomainError::NotFound("referral"))?;
                close_invitation(c, &stored.referral, now)?;
                if newly {
                    announce(
                        c,
                        WebhookEvent::ReferralConsentRevoked,
                        &stored.referral,
                        None,
                        now,
                    )?;
                }
                Ok((shown(keys, &stored, ReferralView::StatusOnly)?, None))
            })
        })
        .await??;
    Ok(Json(answer))
}

/// Why a platform administrator needs to see a client's data.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Safety report #4411: the group lost the client's number."}))]
pub struct BreakGlassRequest {
    /// The reason, kept in the organisation's audit log (1 to 1000 characters).
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

/// Break the glass on a referral
///
/// A platform administrator, who otherwise sees metadata only, reads the client's data for a
/// stated reason. The access and its reason go to the referring organisation's audit log,
/// which nobody can change: give a ticket reference, never details of the client. Data
/// erased at revocation stays gone.
#[utoipa::path(
    tag = tags::REFERRALS,
    security(("bearer" = [])),
    params(ReferralPath),
    request_body = BreakGlassRequest,
    responses(
        (status = 200, description = "The full view (status only once consent is revoked or lapsed)", body = ReferralResponse),
        (status = 400, description = "`bad-request`: a body that is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: not a platform administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: a missing or oversized reason", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = NOT_CONFIGURED, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{referral_id}/break-glass")]
pub async fn break_glass(
    who: Witness,
    path: Path<ReferralPath>,
    JsonObject(request): JsonObject<BreakGlassRequest>,
    desk: Data<ReferralDesk>,
    db: Data<Db>,
) -> Result<Json<ReferralResponse>, ApiError> {
    desk.keys()?;
    let id = ReferralId(path.into_inner().referral_id);
    let reason = hearth_domain::content::required(&request.reason, "reason", REASON_MAX)?;
    let now = Utc::now();
    let answer = db
        .tx(move |c| {
            let keys = desk.keys()?;
            who.audited(c, id, AuditAction::BreakGlass, |_, stored, access| {
                access.may_break_glass()?;
                let view = if stored.referral.consent_in_force(now) {
                    ReferralView::Full
                } else {
                    ReferralView::StatusOnly
                };
                Ok((shown(keys, &stored, view)?, Some(reason)))
            })
        })
        .await??;
    Ok(Json(answer))
}

/// Moves a referral as Hearth's own change (expiry, a connection it saw), on the timeline and
/// in the audit log under `auditor`. Answers whether it moved: another change may have come
/// first.
fn move_as_hearth(
    c: &mut DbConnection,
    referral: &Referral,
    to: ReferralStatus,
    auditor: &Auditor,
) -> Result<bool, ApiError> {
    let now = Utc::now();
    let allowed = referral.status.may_move(to, ReferralActor::System).is_ok()
        && (!to.needs_consent() || referral.consent_in_force(now));
    if !allowed || !referrals::move_status(c, referral.id, referral.status, to, now)? {
        return Ok(false);
    }
    if to.is_final() {
        close_invitation(c, referral, now)?;
    }
    let event = ReferralEvent::new(
        referral.id,
        Some(referral.status),
        to,
        ReferralActor::System,
        now,
    );
    referrals::insert_event(c, &event, None)?;
    let moved = Referral {
        status: to,
        ..referral.clone()
    };
    announce(
        c,
        WebhookEvent::ReferralStatusChanged,
        &moved,
        Some(referral.status),
        now,
    )?;
    auditor.append(
        c,
        referral,
        AuditAction::ChangeStatus,
        AuditOutcome::Allowed,
        Some(to.as_str().to_owned()),
    )?;
    Ok(true)
}

/// Connects the referral that handed out the invitation somebody just joined the group with,
/// if the referral still waits for it (and its consent holds). The audit log names Hearth,
/// with no request id: nothing of the joining request (its account, its app's request id) may
/// let the clinic find the client's pseudonymous account.
pub(crate) fn connect_through_invitation(
    c: &mut DbConnection,
    invitation: InvitationId,
) -> Result<(), ApiError> {
    if let Some(stored) = referrals::find_by_invitation(c, invitation)? {
        move_as_hearth(
            c,
            &stored.referral,
            ReferralStatus::Connected,
            &Auditor::SYSTEM,
        )?;
    }
    Ok(())
}

/// How many unanswered referrals one sweep expires at most.
const EXPIRY_BATCH: i64 = 200;

/// Expires submitted referrals nobody answered in time. Several nodes may sweep at once: each
/// referral moves once, by whichever node's conditional update wins. Answers how many this
/// node expired.
pub fn expire_unanswered(c: &mut DbConnection, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let mut expired = 0;
    for referral in referrals::unanswered(c, now, EXPIRY_BATCH)? {
        let moved = transaction(c, |c| {
            move_as_hearth(c, &referral, ReferralStatus::Expired, &Auditor::SYSTEM)
        })?;
        expired += usize::from(moved);
    }
    Ok(expired)
}

/// Which of an organisation's audit records to read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only records about this referral.
    pub referral_id: Option<Uuid>,
    /// Only records at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Only records before this instant.
    pub until: Option<DateTime<Utc>>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One access to one of the organisation's referrals.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193aa05-2c11-7c3e-9d2b-4a1f0e6c8b7d", "referral_id": "0193aa01-2c11-7c3e-9d2b-4a1f0e6c8b7d",
    "actor_kind": "account", "actor_id": "0193a9d0-2c11-7c3e-9d2b-4a1f0e6c8b7d",
    "action": "change_status", "outcome": "allowed", "detail": "accepted",
    "request_id": "b4b1c2d0-5f1e-4d1f-9a55-0c3c7e6e2a11", "at": "2026-12-02T09:30:00Z"
}))]
pub struct AuditRecordResponse {
    /// Its id.
    pub id: Uuid,
    /// The referral.
    pub referral_id: Option<Uuid>,
    /// `account`, `api_client` or `system`.
    pub actor_kind: ActorKind,
    /// The account or API client; `null` for Hearth itself.
    pub actor_id: Option<Uuid>,
    /// What was done.
    pub action: AuditAction,
    /// `allowed`, `denied` (no right to it) or `refused` (an impossible change).
    pub outcome: AuditOutcome,
    /// The new status of a change; the reason for breaking the glass.
    pub detail: Option<String>,
    /// The request's `X-Request-Id`.
    pub request_id: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

impl From<AuditRecord> for AuditRecordResponse {
    fn from(record: AuditRecord) -> Self {
        Self {
            id: record.id.0,
            referral_id: record.referral.map(|id| id.0),
            actor_kind: record.actor_kind,
            actor_id: record.actor_id,
            action: record.action,
            outcome: record.outcome,
            detail: record.detail,
            request_id: record.request_id,
            at: record.at,
        }
    }
}

/// Read an organisation's audit log
///
/// Every access to the organisation's referrals (reads, changes, revocations, break-glass
/// access, denied attempts), newest first, for its administrators and platform
/// administrators. Nobody can change or delete a record.
#[utoipa::path(
    tag = tags::REFERRALS,
    security(("bearer" = [])),
    params(crate::organizations::OrganizationPath, AuditQuery),
    responses(
        (status = 200, description = "One page of records", body = Page<AuditRecordResponse>),
        (status = 400, description = "`bad-request`: a cursor of another list, or a malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: organisation staff (not administrators)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such organisation (for the caller)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{organization_id}/audit")]
pub async fn list_audit_records(
    user: AuthUser,
    path: Path<crate::organizations::OrganizationPath>,
    Query(query): Query<AuditQuery>,
    db: Data<Db>,
) -> Result<Json<Page<AuditRecordResponse>>, ApiError> {
    let organization = OrganizationId(path.into_inner().organization_id);
    let filter = audit::TrailFilter {
        referral: query.referral_id.map(ReferralId),
        since: query.since,
        until: query.until,
    };
    let list = format!(
        "{}:{}:{}",
        query
            .referral_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
        query.since.map(|at| at.to_rfc3339()).unwrap_or_default(),
        query.until.map(|at| at.to_rfc3339()).unwrap_or_default()
    );
    let page = TimePage::of_list(
        PageQuery {
            limit: query.limit,
            cursor: query.cursor,
        },
        list,
    )?;
    let found = db
        .run(move |c| {
            crate::organizations::visible(c, organization, &user)?
                .1
                .may_manage()?;
            let after = page.after.map(|(at, id)| (at, AuditRecordId(id)));
            let records = audit::trail(c, organization, &filter, after, page.fetch())?;
            let (records, next_cursor) = page.cut(records, |last| (last.at, last.id.0))?;
            Ok(Page {
                items: records.into_iter().map(Into::into).collect(),
                next_cursor,
            })
        })
        .await?;
    Ok(Json(found))
}

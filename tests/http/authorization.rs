//! The authorization matrix: every operation in the contract, called by every kind of caller
//! (nine of them, from anonymous to API clients with and without scopes),
//! answers what its policy says. A new operation fails `every_operation_is_in_the_matrix`
//! until it has a row here.

use std::collections::BTreeSet;

use awc::http::Method;
use hearth_tests::{Member, Reply, TestApp, on_both_backends};
use serde_json::{Value, json};

/// The kinds of caller, in the order of every row's expectations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    Member,
    Staff,
    OrgAdmin,
    OtherOrgStaff,
    OtherOrgAdmin,
    PlatformAdmin,
    Client,
    ClientWithoutScopes,
}

const CALLERS: [Caller; 9] = [
    Caller::Anonymous,
    Caller::Member,
    Caller::Staff,
    Caller::OrgAdmin,
    Caller::OtherOrgStaff,
    Caller::OtherOrgAdmin,
    Caller::PlatformAdmin,
    Caller::Client,
    Caller::ClientWithoutScopes,
];

enum Body {
    Empty,
    Json(Value),
    Form(Vec<(&'static str, &'static str)>),
}

/// One operation: method, path template (as in the contract), the concrete path, a body, and
/// the status each caller must get.
struct Row {
    method: Method,
    template: &'static str,
    path: String,
    body: Body,
    expect: [u16; 9],
}

struct World {
    app: TestApp,
    member: Member,
    staff: Member,
    org_admin: Member,
    other_staff: Member,
    other_admin: Member,
    admin: Member,
    client_token: String,
    scopeless_client_token: String,
    org: String,
    target: String,
    target_member: Member,
    rotating_client: String,
    group: String,
    doomed_group: String,
    joinable_group: String,
    target_membership: String,
    meeting: String,
    /// A Sunday between two and nine days ahead: the meeting takes RSVPs for it.
    rsvp_date: String,
    /// A meeting starting within the hour, so check-ins are open, with its owner's RSVP (the
    /// target leaves the group, which withdraws theirs).
    soon_meeting: String,
    soon_date: String,
    soon_rsvp: String,
    /// A post by the group's owner in its conversation.
    post: String,
    /// A post by the target, a member of the group, for the owner to report.
    target_post: String,
    /// A published article of the organisation.
    article: String,
    /// A published resource of the organisation.
    resource: String,
    /// A referral the organisation's API client sent to the group.
    referral: String,
    /// The organisation's webhook endpoint.
    webhook: String,
    /// The endpoint's delivery of the referral's submission.
    delivery: String,
}

impl World {
    async fn build(backend: hearth_tests::TestBackend) -> Self {
        let app = TestApp::spawn(backend).await;
        let admin = app.admin("admin@example.org").await;
        let org = app.organization(&admin, "Clinic").await;
        let other_org = app.organization(&admin, "Another clinic").await;
        let member = app.member("member@example.org", "Member").await;
        let staff = app.member("staff@example.org", "Staff").await;
        let org_admin = app.member("lead@example.org", "Lead").await;
        let other_staff = app.member("otherstaff@example.org", "Other staff").await;
        let other_admin = app.member("other@example.org", "Other").await;
        let target = app.member("target@example.org", "Target").await;
        app.add_to_organization(&admin, &org, &staff, "staff").await;
        app.add_to_organization(&admin, &org, &org_admin, "admin")
            .await;
        app.add_to_organization(&admin, &other_org, &other_admin, "admin")
            .await;
        app.add_to_organization(&admin, &org, &target, "staff")
            .await;
        let (id, secret) = app
            .api_client(&admin, &org, &["referrals:read", "referrals:write"])
            .await;
        let client_token = app.client_token(&id, &secret).await;
        let (id, secret) = app.api_client(&admin, &org, &[]).await;
        let scopeless_client_token = app.client_token(&id, &secret).await;
        let (rotating_client, _) = app.api_client(&admin, &org, &["referrals:read"]).await;
        let group = app.group(&org_admin, json!({"name": "Matrix group"})).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let doomed_group = app.group(&org_admin, json!({"name": "Doomed group"})).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let joinable_group = app
            .group(&org_admin, json!({"name": "Joinable group"}))
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let target_membership = app.join(&target, &group, json!({})).await.json()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let target_member = target.clone();
        let meeting = Reply::of(
            app.post(&format!("/v1/groups/{group}/meetings"))
                .insert_header(org_admin.bearer())
                .send_json(&meeting_body()),
        )
        .await
        .json()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let rsvp_date = {
            let mut date = (chrono::Utc::now() + chrono::Duration::days(2)).date_naive();
            while chrono::Datelike::weekday(&date) != chrono::Weekday::Sun {
                date = date.succ_opt().unwrap();
            }
            date.to_string()
        };
        let start = chrono::Utc::now() + chrono::Duration::minutes(30);
        let soon_date = start.date_naive().to_string();
        let soon_meeting = Reply::of(
            app.post(&format!("/v1/groups/{group}/meetings"))
                .insert_header(org_admin.bearer())
                .send_json(&json!({
                    "title": "Matrix check-in",
                    "attendance_mode": "online",
                    "online": {"conference_url": "https://meet.example.org/soon"},
                    "time_zone": "UTC",
                    "schedule": {"frequency": "once", "start_time": start.format("%H:%M").to_string(), "starts_on": soon_date},
                })),
        )
        .await
        .json()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let soon_rsvp = Reply::of(
            app.post(&format!(
                "/v1/meetings/{soon_meeting}/occurrences/{soon_date}/rsvp"
            ))
            .insert_header(org_admin.bearer())
            .send(),
        )
        .await
        .json()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let post = Reply::of(
            app.post(&format!("/v1/groups/{group}/posts"))
                .insert_header(org_admin.bearer())
                .send_json(&json!({"body": "Welcome to the matrix group."})),
        )
        .await
        .json()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let target_post = Reply::of(
            app.post(&format!("/v1/groups/{group}/posts"))
                .insert_header(target.bearer())
                .send_json(&json!({"body": "A post to report."})),
        )
        .await
        .json()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let article = Reply::of(
            app.post("/v1/articles")
                .insert_header(org_admin.bearer())
                .send_json(&json!({
                    "title": "Matrix article", "body": "Hello.", "language": "en",
                    "organization_id": org, "status": "published"
                })),
        )
        .await
        .json()["slug"]
            .as_str()
            .unwrap()
            .to_owned();
        let resource = Reply::of(
            app.post("/v1/resources")
                .insert_header(org_admin.bearer())
                .send_json(&json!({
                    "name": "Matrix resource", "kind": "other", "url": "https://example.org",
                    "region": "US", "languages": ["en"], "organization_id": org,
                    "status": "published"
                })),
        )
        .await
        .json()["slug"]
            .as_str()
            .unwrap()
            .to_owned();
        let target = app.account_id(&target).await;
        let webhook = register_webhook(&app, &admin, &org).await;
        let referral = Reply::of(
            app.post("/v1/referrals")
                .insert_header(("authorization", format!("Bearer {client_token}")))
                .send_json(&referral_body(&org, &group)),
        )
        .await
        .json()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let delivery = Reply::of(
            app.get(&format!(
                "/v1/organizations/{org}/webhooks/{webhook}/deliveries"
            ))
            .insert_header(admin.bearer())
            .send(),
        )
        .await
        .json()["items"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        Self {
            app,
            member,
            staff,
            org_admin,
            other_staff,
            other_admin,
            admin,
            client_token,
            scopeless_client_token,
            org,
            target,
            target_member,
            rotating_client,
            group,
            doomed_group,
            joinable_group,
            target_membership,
            meeting,
            rsvp_date,
            soon_meeting,
            soon_date,
            soon_rsvp,
            post,
            target_post,
            article,
            resource,
            referral,
            webhook,
            delivery,
        }
    }

    fn bearer(&self, caller: Caller) -> Option<String> {
        let token = match caller {
            Caller::Anonymous => return None,
            Caller::Member => &self.member.access_token,
            Caller::Staff => &self.staff.access_token,
            Caller::OrgAdmin => &self.org_admin.access_token,
            Caller::OtherOrgStaff => &self.other_staff.access_token,
            Caller::OtherOrgAdmin => &self.other_admin.access_token,
            Caller::PlatformAdmin => &self.admin.access_token,
            Caller::Client => &self.client_token,
            Caller::ClientWithoutScopes => &self.scopeless_client_token,
        };
        Some(format!("Bearer {token}"))
    }

    async fn call(&self, caller: Caller, method: &Method, path: &str, body: &Body) -> Reply {
        let mut request = self.app.request(method.clone(), path);
        if let Some(bearer) = self.bearer(caller) {
            request = request.insert_header(("authorization", bearer));
        }
        Reply::of(match body {
            Body::Empty => request.send(),
            Body::Json(value) => request.send_json(value),
            Body::Form(form) => request.send_form(form),
        })
        .await
    }

    /// Puts the target back before each call that removes it.
    async fn restore_target(&self) {
        let put = Reply::of(
            self.app
                .request(
                    Method::PUT,
                    &format!("/v1/organizations/{}/members/{}", self.org, self.target),
                )
                .insert_header(self.admin.bearer())
                .send_json(&json!({"role": "staff"})),
        )
        .await;
        assert_eq!(put.status, 200, "{}", put.text());
    }

    /// Brings the target back into the group before each call that removes them.
    async fn rejoin_target(&self) {
        let joined = self
            .app
            .join(&self.target_member, &self.group, json!({}))
            .await;
        assert!(matches!(joined.status, 201 | 409), "{}", joined.text());
    }

    async fn fresh_invitation(&self) -> String {
        let created = Reply::of(
            self.app
                .post(&format!("/v1/groups/{}/invitations", self.group))
                .insert_header(self.org_admin.bearer())
                .send_json(&json!({})),
        )
        .await;
        assert_eq!(created.status, 201, "{}", created.text());
        created.json()["id"].as_str().unwrap().to_owned()
    }

    async fn fresh_meeting(&self) -> String {
        let created = Reply::of(
            self.app
                .post(&format!("/v1/groups/{}/meetings", self.group))
                .insert_header(self.org_admin.bearer())
                .send_json(&meeting_body()),
        )
        .await;
        assert_eq!(created.status, 201, "{}", created.text());
        created.json()["id"].as_str().unwrap().to_owned()
    }

    /// Puts the exception back before each call that removes it.
    async fn restore_exception(&self) {
        let put = Reply::of(
            self.app
                .request(
                    Method::PUT,
                    &format!("/v1/meetings/{}/exceptions/2026-03-08", self.meeting),
                )
                .insert_header(self.org_admin.bearer())
                .send_json(&json!({"cancelled": true})),
        )
        .await;
        assert_eq!(put.status, 200, "{}", put.text());
    }

    /// Gives the group's owner an RSVP again before each call that withdraws it.
    async fn restore_rsvp(&self) {
        let path = format!(
            "/v1/meetings/{}/occurrences/{}/rsvp",
            self.meeting, self.rsvp_date
        );
        let made = Reply::of(
            self.app
                .post(&path)
                .insert_header(self.org_admin.bearer())
                .send(),
        )
        .await;
        assert!(matches!(made.status, 200 | 201), "{}", made.text());
    }

    async fn fresh_referral(&self) -> String {
        let created = Reply::of(
            self.app
                .post("/v1/referrals")
                .insert_header(("authorization", format!("Bearer {}", self.client_token)))
                .send_json(&referral_body(&self.org, &self.group)),
        )
        .await;
        assert_eq!(created.status, 201, "{}", created.text());
        created.json()["id"].as_str().unwrap().to_owned()
    }

    async fn fresh_client(&self) -> String {
        self.app
            .api_client(&self.admin, &self.org, &["referrals:read"])
            .await
            .0
    }

    fn rows(&self) -> Vec<Row> {
        let org = &self.org;
        let target = &self.target;
        let rotating = &self.rotating_client;
        let group = &self.group;
        let doomed = &self.doomed_group;
        let joinable = &self.joinable_group;
        let target_membership = &self.target_membership;
        let meeting = &self.meeting;
        let rsvp = format!("/v1/meetings/{meeting}/occurrences/{}/rsvp", self.rsvp_date);
        let rsvps = format!(
            "/v1/meetings/{meeting}/occurrences/{}/rsvps",
            self.rsvp_date
        );
        let check_in = format!(
            "/v1/meetings/{}/occurrences/{}/rsvps/{}/check-in",
            self.soon_meeting, self.soon_date, self.soon_rsvp
        );
        let group_owner = |status| [401, 403, 403, status, 403, 403, status, 403, 403];
        let all = |status| [status; 9];
        let conversation = |status| [401, 403, 403, status, 403, 403, 403, 403, 403];
        let post = &self.post;
        let target_post = &self.target_post;
        let platform_admin = |status| [401, 403, 403, 403, 403, 403, status, 403, 403];
        let person = |status| {
            [
                401, status, status, status, status, status, status, 403, 403,
            ]
        };
        let in_org = |status| [401, 404, status, status, 404, 404, status, 403, 403];
        let managers = |status| [401, 404, 403, status, 404, 404, status, 403, 403];
        // A referral exists only for its organisation's people and clients with a referral
        // scope, the group's facilitators (the organisation's administrator owns the group)
        // and platform administrators (the one here created the organisation, and so works
        // for it).
        let referral_readers = |status| [401, 404, status, status, 404, 404, status, status, 404];
        let referral_writers = |status| [401, 404, status, status, 404, 404, status, status, 404];
        let referral = &self.referral;
        let row =
            |method: Method, template: &'static str, path: String, body: Body, expect: [u16; 9]| {
                Row {
                    method,
                    template,
                    path,
                    body,
                    expect,
                }
            };
        vec![
            row(
                Method::GET,
                "/health/live",
                "/health/live".into(),
                Body::Empty,
                all(200),
            ),
            row(
                Method::GET,
                "/health/ready",
                "/health/ready".into(),
                Body::Empty,
                all(200),
            ),
            row(
                Method::GET,
                "/v1/crisis-resources",
                "/v1/crisis-resources?region=US".into(),
                Body::Empty,
                all(200),
            ),
            row(
                Method::PUT,
                "/v1/crisis-resources/{slug}",
                "/v1/crisis-resources/matrix-line".into(),
                Body::Json(json!({
                    "name": "Matrix line", "description": "A line for the matrix.", "region": "US",
                    "languages": ["en"], "phone": "988", "hours": "24/7"
                })),
                platform_admin(200),
            ),
            row(
                Method::DELETE,
                "/v1/crisis-resources/{slug}",
                "/v1/crisis-resources/matrix-line".into(),
                Body::Empty,
                platform_admin(204),
            ),
            row(
                Method::POST,
                "/v1/groups/{group}/posts",
                format!("/v1/groups/{group}/posts"),
                Body::Json(json!({"body": "Hello, matrix."})),
                conversation(201),
            ),
            row(
                Method::GET,
                "/v1/groups/{group}/posts",
                format!("/v1/groups/{group}/posts"),
                Body::Empty,
                conversation(200),
            ),
            row(
                Method::GET,
                "/v1/posts/{post_id}",
                format!("/v1/posts/{post}"),
                Body::Empty,
                conversation(200),
            ),
            row(
                Method::PATCH,
                "/v1/posts/{post_id}",
                format!("/v1/posts/{post}"),
                Body::Json(json!({"body": "Welcome, edited."})),
                conversation(200),
            ),
            row(
                Method::POST,
                "/v1/posts/{post_id}/replies",
                format!("/v1/posts/{post}/replies"),
                Body::Json(json!({"body": "A reply."})),
                conversation(201),
            ),
            row(
                Method::GET,
                "/v1/posts/{post_id}/replies",
                format!("/v1/posts/{post}/replies"),
                Body::Empty,
                conversation(200),
            ),
            row(
                Method::DELETE,
                "/v1/posts/{post_id}",
                format!("/v1/posts/{post}"),
                Body::Empty,
                // Gone for everyone once its author deleted it.
                [401, 403, 403, 204, 404, 404, 404, 403, 403],
            ),
            row(
                Method::POST,
                "/v1/posts/{post_id}/reports",
                format!("/v1/posts/{target_post}/reports"),
                Body::Json(json!({"reason": "spam"})),
                conversation(201),
            ),
            row(
                Method::GET,
                "/v1/groups/{group}/reports",
                format!("/v1/groups/{group}/reports"),
                Body::Empty,
                group_owner(200),
            ),
            row(
                Method::POST,
                "/v1/groups/{group}/moderation-actions",
                format!("/v1/groups/{group}/moderation-actions"),
                Body::Json(json!({"action": "warn", "post_id": target_post, "reason": "Matrix."})),
                group_owner(201),
            ),
            row(
                Method::GET,
                "/v1/groups/{group}/moderation-actions",
                format!("/v1/groups/{group}/moderation-actions"),
                Body::Empty,
                group_owner(200),
            ),
            row(
                Method::POST,
                "/v1/articles",
                "/v1/articles".into(),
                Body::Json(json!({
                    "title": "Written in the matrix", "body": "Hello.", "language": "en",
                    "organization_id": self.org
                })),
                // Another organisation's administrator writes for theirs, not this one (422:
                // the field names an organisation they cannot use); "other staff" belong to
                // no organisation, so they write nothing (403).
                [401, 403, 201, 201, 403, 422, 201, 403, 403],
            ),
            row(
                Method::GET,
                "/v1/articles",
                "/v1/articles".into(),
                Body::Empty,
                all(200),
            ),
            row(
                Method::GET,
                "/v1/articles/{article}",
                format!("/v1/articles/{}", self.article),
                Body::Empty,
                all(200),
            ),
            row(
                Method::PATCH,
                "/v1/articles/{article}",
                format!("/v1/articles/{}", self.article),
                Body::Json(json!({"summary": "Edited in the matrix."})),
                [401, 403, 200, 200, 403, 403, 200, 403, 403],
            ),
            row(
                Method::POST,
                "/v1/resources",
                "/v1/resources".into(),
                Body::Json(json!({
                    "name": "Added in the matrix", "kind": "other", "url": "https://example.org",
                    "region": "US", "languages": ["en"], "organization_id": self.org
                })),
                [401, 403, 201, 201, 403, 422, 201, 403, 403],
            ),
            row(
                Method::GET,
                "/v1/resources",
                "/v1/resources".into(),
                Body::Empty,
                all(200),
            ),
            row(
                Method::GET,
                "/v1/resources/{resource}",
                format!("/v1/resources/{}", self.resource),
                Body::Empty,
                all(200),
            ),
            row(
                Method::PATCH,
                "/v1/resources/{resource}",
                format!("/v1/resources/{}", self.resource),
                Body::Json(json!({"description": "Edited in the matrix."})),
                [401, 403, 200, 200, 403, 403, 200, 403, 403],
            ),
            row(
                Method::GET,
                "/v1/editors",
                "/v1/editors".into(),
                Body::Empty,
                platform_admin(200),
            ),
            row(
                Method::PUT,
                "/v1/editors/{account_id}",
                format!("/v1/editors/{}", self.target),
                Body::Empty,
                platform_admin(204),
            ),
            row(
                Method::DELETE,
                "/v1/editors/{account_id}",
                format!("/v1/editors/{}", self.target),
                Body::Empty,
                platform_admin(204),
            ),
            row(
                Method::POST,
                "/v1/accounts",
                "/v1/accounts".into(),
                Body::Json(
                    json!({"email": "matrix@example.org", "password": "lantern orbit cactus quiet", "display_name": "Matrix"}),
                ),
                all(202),
            ),
            row(
                Method::POST,
                "/v1/accounts/email-confirmations",
                "/v1/accounts/email-confirmations".into(),
                Body::Json(json!({"token": "not-a-code"})),
                all(422),
            ),
            row(
                Method::POST,
                "/v1/accounts/email-confirmation-requests",
                "/v1/accounts/email-confirmation-requests".into(),
                Body::Json(json!({"email": "matrix@example.org"})),
                all(202),
            ),
            row(
                Method::POST,
                "/v1/accounts/password-reset-requests",
                "/v1/accounts/password-reset-requests".into(),
                Body::Json(json!({"email": "matrix@example.org"})),
                all(202),
            ),
            row(
                Method::POST,
                "/v1/accounts/password-resets",
                "/v1/accounts/password-resets".into(),
                Body::Json(
                    json!({"token": "not-a-code", "new_password": "harbour violet thimble quartz"}),
                ),
                all(422),
            ),
            row(
                Method::POST,
                "/v1/auth/token",
                "/v1/auth/token".into(),
                Body::Form(vec![
                    ("grant_type", "refresh_token"),
                    ("refresh_token", "not-a-token"),
                ]),
                all(400),
            ),
            row(
                Method::POST,
                "/v1/auth/revoke",
                "/v1/auth/revoke".into(),
                Body::Form(vec![("token", "not-a-token")]),
                person(204),
            ),
            row(
                Method::GET,
                "/v1/me",
                "/v1/me".into(),
                Body::Empty,
                person(200),
            ),
            row(
                Method::PATCH,
                "/v1/me",
                "/v1/me".into(),
                Body::Json(json!({})),
                person(200),
            ),
            row(
                Method::DELETE,
                "/v1/me",
                "/v1/me".into(),
                Body::Json(json!({"password": "not the password"})),
                person(400),
            ),
            row(
                Method::POST,
                "/v1/me/password",
                "/v1/me/password".into(),
                Body::Json(
                    json!({"current_password": "not the password", "new_password": "harbour violet thimble quartz"}),
                ),
                person(400),
            ),
            row(
                Method::GET,
                "/v1/me/export",
                "/v1/me/export".into(),
                Body::Empty,
                person(200),
            ),
            row(
                Method::DELETE,
                "/v1/me/sessions",
                "/v1/me/sessions".into(),
                Body::Empty,
                person(204),
            ),
            row(
                Method::POST,
                "/v1/organizations",
                "/v1/organizations".into(),
                Body::Json(json!({"name": "New", "kind": "clinic"})),
                [401, 403, 403, 403, 403, 403, 201, 403, 403],
            ),
            row(
                Method::GET,
                "/v1/organizations",
                "/v1/organizations".into(),
                Body::Empty,
                person(200),
            ),
            row(
                Method::GET,
                "/v1/organizations/{organization_id}",
                format!("/v1/organizations/{org}"),
                Body::Empty,
                in_org(200),
            ),
            row(
                Method::GET,
                "/v1/organizations/{organization_id}/members",
                format!("/v1/organizations/{org}/members"),
                Body::Empty,
                in_org(200),
            ),
            row(
                Method::PUT,
                "/v1/organizations/{organization_id}/members/{account_id}",
                format!("/v1/organizations/{org}/members/{target}"),
                Body::Json(json!({"role": "staff"})),
                managers(200),
            ),
            row(
                Method::DELETE,
                "/v1/organizations/{organization_id}/members/{account_id}",
                format!("/v1/organizations/{org}/members/{target}"),
                Body::Empty,
                managers(204),
            ),
            row(
                Method::GET,
                "/v1/organizations/{organization_id}/clients",
                format!("/v1/organizations/{org}/clients"),
                Body::Empty,
                managers(200),
            ),
            row(
                Method::POST,
                "/v1/organizations/{organization_id}/clients",
                format!("/v1/organizations/{org}/clients"),
                Body::Json(json!({"name": "More", "scopes": ["referrals:read"]})),
                managers(201),
            ),
            row(
                Method::POST,
                "/v1/organizations/{organization_id}/clients/{client_id}/secret",
                format!("/v1/organizations/{org}/clients/{rotating}/secret"),
                Body::Empty,
                managers(200),
            ),
            row(
                Method::DELETE,
                "/v1/organizations/{organization_id}/clients/{client_id}",
                format!("/v1/organizations/{org}/clients/{{fresh}}"),
                Body::Empty,
                managers(204),
            ),
            row(
                Method::POST,
                "/v1/groups",
                "/v1/groups".into(),
                Body::Json(json!({"name": "Another group"})),
                person(201),
            ),
            row(
                Method::GET,
                "/v1/groups",
                "/v1/groups".into(),
                Body::Empty,
                all(200),
            ),
            row(
                Method::GET,
                "/v1/groups/changes",
                "/v1/groups/changes".into(),
                Body::Empty,
                all(200),
            ),
            row(
                Method::GET,
                "/v1/groups/{group}",
                format!("/v1/groups/{group}"),
                Body::Empty,
                all(200),
            ),
            row(
                Method::PATCH,
                "/v1/groups/{group}",
                format!("/v1/groups/{group}"),
                Body::Json(json!({})),
                group_owner(200),
            ),
            row(
                Method::DELETE,
                "/v1/groups/{group}",
                format!("/v1/groups/{doomed}"),
                Body::Empty,
                group_owner(204),
            ),
            row(
                Method::POST,
                "/v1/groups/{group}/memberships",
                format!("/v1/groups/{joinable}/memberships"),
                Body::Json(json!({})),
                [401, 201, 201, 409, 201, 201, 201, 403, 403],
            ),
            row(
                Method::GET,
                "/v1/groups/{group}/memberships",
                format!("/v1/groups/{group}/memberships"),
                Body::Empty,
                group_owner(200),
            ),
            row(
                Method::GET,
                "/v1/groups/{group}/memberships/{membership}",
                format!("/v1/groups/{group}/memberships/me"),
                Body::Empty,
                [401, 404, 404, 200, 404, 404, 404, 403, 403],
            ),
            row(
                Method::PATCH,
                "/v1/groups/{group}/memberships/{membership}",
                format!("/v1/groups/{group}/memberships/{target_membership}"),
                Body::Json(json!({"role": "member"})),
                group_owner(200),
            ),
            row(
                Method::DELETE,
                "/v1/groups/{group}/memberships/{membership}",
                format!("/v1/groups/{group}/memberships/{target_membership}"),
                Body::Empty,
                group_owner(204),
            ),
            row(
                Method::POST,
                "/v1/groups/{group}/invitations",
                format!("/v1/groups/{group}/invitations"),
                Body::Json(json!({})),
                group_owner(201),
            ),
            row(
                Method::GET,
                "/v1/groups/{group}/invitations",
                format!("/v1/groups/{group}/invitations"),
                Body::Empty,
                group_owner(200),
            ),
            row(
                Method::DELETE,
                "/v1/groups/{group}/invitations/{invitation_id}",
                format!("/v1/groups/{group}/invitations/{{fresh_invitation}}"),
                Body::Empty,
                group_owner(204),
            ),
            row(
                Method::POST,
                "/v1/groups/{group}/meetings",
                format!("/v1/groups/{group}/meetings"),
                Body::Json(meeting_body()),
                group_owner(201),
            ),
            row(
                Method::GET,
                "/v1/groups/{group}/meetings",
                format!("/v1/groups/{group}/meetings"),
                Body::Empty,
                all(200),
            ),
            row(
                Method::GET,
                "/v1/meetings/{meeting_id}",
                format!("/v1/meetings/{meeting}"),
                Body::Empty,
                all(200),
            ),
            row(
                Method::PATCH,
                "/v1/meetings/{meeting_id}",
                format!("/v1/meetings/{meeting}"),
                Body::Json(json!({})),
                group_owner(200),
            ),
            row(
                Method::DELETE,
                "/v1/meetings/{meeting_id}",
                "/v1/meetings/{fresh_meeting}".into(),
                Body::Empty,
                group_owner(204),
            ),
            row(
                Method::GET,
                "/v1/meetings/{meeting_id}/occurrences",
                format!("/v1/meetings/{meeting}/occurrences"),
                Body::Empty,
                all(200),
            ),
            row(
                Method::PUT,
                "/v1/meetings/{meeting_id}/exceptions/{date}",
                format!("/v1/meetings/{meeting}/exceptions/2026-03-08"),
                Body::Json(json!({"cancelled": true})),
                group_owner(200),
            ),
            row(
                Method::DELETE,
                "/v1/meetings/{meeting_id}/exceptions/{date}",
                format!("/v1/meetings/{meeting}/exceptions/2026-03-08"),
                Body::Empty,
                group_owner(204),
            ),
            row(
                Method::GET,
                "/v1/meetings/{meeting_id}/calendar.ics",
                format!("/v1/meetings/{meeting}/calendar.ics"),
                Body::Empty,
                all(200),
            ),
            row(
                Method::GET,
                "/v1/groups/{group}/calendar.ics",
                format!("/v1/groups/{group}/calendar.ics"),
                Body::Empty,
                all(200),
            ),
            row(
                Method::GET,
                "/v1/meetings",
                "/v1/meetings".into(),
                Body::Empty,
                all(200),
            ),
            row(
                Method::GET,
                "/v1/meetings/changes",
                "/v1/meetings/changes".into(),
                Body::Empty,
                all(200),
            ),
            row(
                Method::GET,
                "/v1/feeds/meeting-guide.json",
                "/v1/feeds/meeting-guide.json".into(),
                Body::Empty,
                all(200),
            ),
            row(
                Method::POST,
                "/v1/meetings/{meeting_id}/occurrences/{date}/rsvp",
                rsvp.clone(),
                Body::Empty,
                [401, 403, 403, 201, 403, 403, 403, 403, 403],
            ),
            row(
                Method::GET,
                "/v1/meetings/{meeting_id}/occurrences/{date}/rsvp",
                rsvp.clone(),
                Body::Empty,
                [401, 404, 404, 200, 404, 404, 404, 403, 403],
            ),
            row(
                Method::DELETE,
                "/v1/meetings/{meeting_id}/occurrences/{date}/rsvp",
                rsvp,
                Body::Empty,
                [401, 404, 404, 204, 404, 404, 404, 403, 403],
            ),
            row(
                Method::GET,
                "/v1/meetings/{meeting_id}/occurrences/{date}/rsvps",
                rsvps,
                Body::Empty,
                group_owner(200),
            ),
            row(
                Method::PUT,
                "/v1/meetings/{meeting_id}/occurrences/{date}/rsvps/{rsvp_id}/check-in",
                check_in.clone(),
                Body::Empty,
                group_owner(200),
            ),
            row(
                Method::DELETE,
                "/v1/meetings/{meeting_id}/occurrences/{date}/rsvps/{rsvp_id}/check-in",
                check_in,
                Body::Empty,
                group_owner(200),
            ),
            row(
                Method::GET,
                "/v1/me/attendance",
                "/v1/me/attendance".into(),
                Body::Empty,
                person(200),
            ),
            row(
                Method::GET,
                "/v1/me/memberships",
                "/v1/me/memberships".into(),
                Body::Empty,
                person(200),
            ),
            row(
                Method::POST,
                "/v1/referrals",
                "/v1/referrals".into(),
                Body::Json(referral_body(org, group)),
                // The other organisation's people are told this one does not exist (the
                // platform administrator created it, and so works for it).
                [401, 404, 201, 201, 404, 404, 201, 201, 403],
            ),
            row(
                Method::GET,
                "/v1/referrals",
                "/v1/referrals".into(),
                Body::Empty,
                // Without an organisation there is nothing to list (the platform
                // administrator lists everyone's metadata).
                [401, 403, 200, 200, 403, 200, 200, 200, 403],
            ),
            row(
                Method::GET,
                "/v1/referrals/suggestions",
                "/v1/referrals/suggestions?focus_areas=opioids".into(),
                Body::Empty,
                // For those who refer: people of an organisation, clients with a scope.
                [401, 403, 200, 200, 403, 200, 200, 200, 403],
            ),
            row(
                Method::GET,
                "/v1/referrals/{referral_id}",
                format!("/v1/referrals/{referral}"),
                Body::Empty,
                referral_readers(200),
            ),
            row(
                Method::GET,
                "/v1/referrals/{referral_id}/events",
                format!("/v1/referrals/{referral}/events"),
                Body::Empty,
                referral_readers(200),
            ),
            row(
                Method::POST,
                "/v1/referrals/{referral_id}/status",
                "/v1/referrals/{fresh_referral}/status".into(),
                Body::Json(json!({"status": "withdrawn", "reason": "Matrix."})),
                referral_writers(200),
            ),
            row(
                Method::POST,
                "/v1/referrals/{referral_id}/consent/revoke",
                "/v1/referrals/{fresh_referral}/consent/revoke".into(),
                Body::Empty,
                referral_writers(200),
            ),
            row(
                Method::POST,
                "/v1/referrals/{referral_id}/break-glass",
                format!("/v1/referrals/{referral}/break-glass"),
                Body::Json(json!({"reason": "Matrix."})),
                [401, 404, 403, 403, 404, 404, 200, 403, 404],
            ),
            row(
                Method::GET,
                "/v1/groups/{group}/referrals",
                format!("/v1/groups/{group}/referrals"),
                Body::Empty,
                group_owner(200),
            ),
            row(
                Method::POST,
                "/v1/organizations/{organization_id}/webhooks",
                format!("/v1/organizations/{org}/webhooks"),
                Body::Json(webhook_body()),
                managers(201),
            ),
            row(
                Method::GET,
                "/v1/organizations/{organization_id}/webhooks",
                format!("/v1/organizations/{org}/webhooks"),
                Body::Empty,
                managers(200),
            ),
            row(
                Method::DELETE,
                "/v1/organizations/{organization_id}/webhooks/{webhook_id}",
                format!("/v1/organizations/{org}/webhooks/{{fresh_webhook}}"),
                Body::Empty,
                managers(204),
            ),
            row(
                Method::GET,
                "/v1/organizations/{organization_id}/webhooks/{webhook_id}/deliveries",
                format!(
                    "/v1/organizations/{org}/webhooks/{}/deliveries",
                    self.webhook
                ),
                Body::Empty,
                managers(200),
            ),
            row(
                Method::POST,
                "/v1/organizations/{organization_id}/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
                format!(
                    "/v1/organizations/{org}/webhooks/{}/deliveries/{}/redeliver",
                    self.webhook, self.delivery
                ),
                Body::Empty,
                managers(202),
            ),
            row(
                Method::GET,
                "/v1/organizations/{organization_id}/audit",
                format!("/v1/organizations/{org}/audit"),
                Body::Empty,
                managers(200),
            ),
        ]
    }
}

on_both_backends! {
    async fn every_caller_gets_what_the_policy_says(backend: TestBackend) {
        let world = World::build(backend).await;
        let mut wrong = Vec::new();
        let operations: BTreeSet<String> =
            world.rows().iter().map(|row| format!("{} {}", row.method, row.template)).collect();
        assert_eq!(operations, MATRIX_OPERATIONS.iter().map(|s| (*s).to_owned()).collect());

        for row in world.rows() {
            for (caller, expected) in CALLERS.into_iter().zip(row.expect) {
                if row.method == Method::DELETE && row.template.ends_with("{account_id}") {
                    world.restore_target().await;
                }
                if row.method == Method::DELETE && row.template.ends_with("{date}") {
                    world.restore_exception().await;
                }
                if row.method == Method::DELETE && row.template.ends_with("/rsvp") {
                    world.restore_rsvp().await;
                }
                if row.method == Method::DELETE && row.template.ends_with("{membership}") {
                    world.rejoin_target().await;
                }
                let path = if row.path.contains("{fresh}") {
                    row.path.replace("{fresh}", &world.fresh_client().await)
                } else if row.path.contains("{fresh_meeting}") {
                    row.path.replace("{fresh_meeting}", &world.fresh_meeting().await)
                } else if row.path.contains("{fresh_webhook}") {
                    row.path.replace(
                        "{fresh_webhook}",
                        &register_webhook(&world.app, &world.admin, &world.org).await,
                    )
                } else if row.path.contains("{fresh_referral}") {
                    row.path.replace("{fresh_referral}", &world.fresh_referral().await)
                } else if row.path.contains("{fresh_invitation}") {
                    row.path.replace("{fresh_invitation}", &world.fresh_invitation().await)
                } else {
                    row.path.clone()
                };
                let reply = world.call(caller, &row.method, &path, &row.body).await;
                if reply.status != expected {
                    wrong.push(format!("{} {} as {caller:?}: {} (expected {expected}) {}",
                        row.method, row.template, reply.status, reply.text()));
                }
            }
        }

        assert!(wrong.is_empty(), "the matrix disagrees:\n{}", wrong.join("\n"));
    }
}

#[test]
fn every_operation_is_in_the_matrix() {
    let doc: Value = serde_json::from_str(include_str!("../../openapi/openapi.json")).unwrap();
    let documented: BTreeSet<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| format!("{} {path}", method.to_uppercase()))
        })
        .collect();
    let covered: BTreeSet<String> = MATRIX_OPERATIONS.iter().map(|s| (*s).to_owned()).collect();

    assert_eq!(
        documented, covered,
        "add a row for every new operation, remove rows of gone ones"
    );
}

/// The operations [`World::rows`] covers, checked against the contract above.
const MATRIX_OPERATIONS: [&str; 100] = [
    "GET /v1/referrals/suggestions",
    "POST /v1/organizations/{organization_id}/webhooks",
    "GET /v1/organizations/{organization_id}/webhooks",
    "DELETE /v1/organizations/{organization_id}/webhooks/{webhook_id}",
    "GET /v1/organizations/{organization_id}/webhooks/{webhook_id}/deliveries",
    "POST /v1/organizations/{organization_id}/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
    "POST /v1/referrals",
    "GET /v1/referrals",
    "GET /v1/referrals/{referral_id}",
    "GET /v1/referrals/{referral_id}/events",
    "POST /v1/referrals/{referral_id}/status",
    "POST /v1/referrals/{referral_id}/consent/revoke",
    "POST /v1/referrals/{referral_id}/break-glass",
    "GET /v1/groups/{group}/referrals",
    "GET /v1/organizations/{organization_id}/audit",
    "GET /health/live",
    "GET /health/ready",
    "GET /v1/crisis-resources",
    "PUT /v1/crisis-resources/{slug}",
    "DELETE /v1/crisis-resources/{slug}",
    "POST /v1/groups/{group}/posts",
    "GET /v1/groups/{group}/posts",
    "GET /v1/posts/{post_id}",
    "PATCH /v1/posts/{post_id}",
    "POST /v1/posts/{post_id}/replies",
    "GET /v1/posts/{post_id}/replies",
    "DELETE /v1/posts/{post_id}",
    "POST /v1/posts/{post_id}/reports",
    "GET /v1/groups/{group}/reports",
    "POST /v1/groups/{group}/moderation-actions",
    "GET /v1/groups/{group}/moderation-actions",
    "POST /v1/articles",
    "GET /v1/articles",
    "GET /v1/articles/{article}",
    "PATCH /v1/articles/{article}",
    "POST /v1/resources",
    "GET /v1/resources",
    "GET /v1/resources/{resource}",
    "PATCH /v1/resources/{resource}",
    "GET /v1/editors",
    "PUT /v1/editors/{account_id}",
    "DELETE /v1/editors/{account_id}",
    "POST /v1/accounts",
    "POST /v1/accounts/email-confirmations",
    "POST /v1/accounts/email-confirmation-requests",
    "POST /v1/accounts/password-reset-requests",
    "POST /v1/accounts/password-resets",
    "POST /v1/auth/token",
    "POST /v1/auth/revoke",
    "GET /v1/me",
    "PATCH /v1/me",
    "DELETE /v1/me",
    "POST /v1/me/password",
    "GET /v1/me/export",
    "DELETE /v1/me/sessions",
    "POST /v1/organizations",
    "GET /v1/organizations",
    "GET /v1/organizations/{organization_id}",
    "GET /v1/organizations/{organization_id}/members",
    "PUT /v1/organizations/{organization_id}/members/{account_id}",
    "DELETE /v1/organizations/{organization_id}/members/{account_id}",
    "GET /v1/organizations/{organization_id}/clients",
    "POST /v1/organizations/{organization_id}/clients",
    "POST /v1/organizations/{organization_id}/clients/{client_id}/secret",
    "DELETE /v1/organizations/{organization_id}/clients/{client_id}",
    "POST /v1/groups",
    "GET /v1/groups",
    "GET /v1/groups/changes",
    "GET /v1/groups/{group}",
    "PATCH /v1/groups/{group}",
    "DELETE /v1/groups/{group}",
    "POST /v1/groups/{group}/memberships",
    "GET /v1/groups/{group}/memberships",
    "GET /v1/groups/{group}/memberships/{membership}",
    "PATCH /v1/groups/{group}/memberships/{membership}",
    "DELETE /v1/groups/{group}/memberships/{membership}",
    "POST /v1/groups/{group}/invitations",
    "GET /v1/groups/{group}/invitations",
    "DELETE /v1/groups/{group}/invitations/{invitation_id}",
    "GET /v1/me/memberships",
    "POST /v1/groups/{group}/meetings",
    "GET /v1/groups/{group}/meetings",
    "GET /v1/meetings/{meeting_id}",
    "PATCH /v1/meetings/{meeting_id}",
    "DELETE /v1/meetings/{meeting_id}",
    "GET /v1/meetings/{meeting_id}/occurrences",
    "PUT /v1/meetings/{meeting_id}/exceptions/{date}",
    "DELETE /v1/meetings/{meeting_id}/exceptions/{date}",
    "POST /v1/meetings/{meeting_id}/occurrences/{date}/rsvp",
    "GET /v1/meetings/{meeting_id}/occurrences/{date}/rsvp",
    "DELETE /v1/meetings/{meeting_id}/occurrences/{date}/rsvp",
    "GET /v1/meetings/{meeting_id}/occurrences/{date}/rsvps",
    "PUT /v1/meetings/{meeting_id}/occurrences/{date}/rsvps/{rsvp_id}/check-in",
    "DELETE /v1/meetings/{meeting_id}/occurrences/{date}/rsvps/{rsvp_id}/check-in",
    "GET /v1/me/attendance",
    "GET /v1/meetings/{meeting_id}/calendar.ics",
    "GET /v1/groups/{group}/calendar.ics",
    "GET /v1/feeds/meeting-guide.json",
    "GET /v1/meetings",
    "GET /v1/meetings/changes",
];

/// A weekly hybrid meeting on Sundays.
/// An endpoint on a public address, given as one so that nothing needs resolving; the matrix
/// runs no delivery worker, so nothing is sent to it.
fn webhook_body() -> Value {
    json!({"url": "https://93.184.216.34/hooks", "events": ["referral.status_changed"]})
}

async fn register_webhook(app: &TestApp, admin: &Member, org: &str) -> String {
    let created = Reply::of(
        app.post(&format!("/v1/organizations/{org}/webhooks"))
            .insert_header(admin.bearer())
            .send_json(&webhook_body()),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text());
    created.json()["id"].as_str().unwrap().to_owned()
}

fn referral_body(org: &str, group: &str) -> Value {
    let now = chrono::Utc::now();
    json!({
        "organization_id": org,
        "group_id": group,
        "client": {"name": "M.", "contact_route": "phone", "contact_value": "+1 555 010 3000",
                   "language": "en"},
        "consent": {"given_by": "Client", "given_at": now - chrono::Duration::hours(1),
                    "disclosure": "Name and phone to the group's facilitators.",
                    "expires_at": now + chrono::Duration::days(30)}
    })
}

fn meeting_body() -> Value {
    json!({
        "title": "Matrix meeting",
        "attendance_mode": "hybrid",
        "venue": {"formatted_address": "1 Main St", "latitude": 40.7, "longitude": -74.0},
        "online": {"conference_url": "https://meet.example.org/matrix"},
        "time_zone": "America/New_York",
        "schedule": {"frequency": "weekly", "weekdays": ["sunday"], "start_time": "19:00", "starts_on": "2026-01-04"}
    })
}

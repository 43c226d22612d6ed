//! Referrals from partner clinics: the lifecycle, consent, idempotency, who sees what, client
//! data sealed at rest, and the audit log of every access.

use awc::http::Method;
use chrono::{Duration, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use hearth_tests::{Member, Reply, TestApp, TestBackend, on_both_backends};
use serde_json::{Value, json};

/// A clinic with an administrator, a counsellor and an API client, a group with an owner and a
/// facilitator, and people with no standing.
struct Network {
    app: TestApp,
    admin: Member,
    /// A platform administrator who works for no organisation.
    root: Member,
    clinic: String,
    clinic_admin: Member,
    counsellor: Member,
    client_token: String,
    group: String,
    owner: Member,
    facilitator: Member,
    member: Member,
    other_counsellor: Member,
    other_client_token: String,
}

async fn network(backend: TestBackend) -> Network {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin("ops@example.org").await;
    let root = app.admin("root@example.org").await;
    let clinic = app.organization(&admin, "Riverside Clinic").await;
    let clinic_admin = app.member("lead@riverside.example", "Lead").await;
    let counsellor = app
        .member("counsellor@riverside.example", "Counsellor")
        .await;
    app.add_to_organization(&admin, &clinic, &clinic_admin, "admin")
        .await;
    app.add_to_organization(&admin, &clinic, &counsellor, "staff")
        .await;
    let (id, secret) = app
        .api_client(&admin, &clinic, &["referrals:read", "referrals:write"])
        .await;
    let client_token = app.client_token(&id, &secret).await;

    let other = app.organization(&admin, "Hillside Clinic").await;
    let other_counsellor = app.member("counsellor@hillside.example", "Other").await;
    app.add_to_organization(&admin, &other, &other_counsellor, "staff")
        .await;
    let (id, secret) = app
        .api_client(&admin, &other, &["referrals:read", "referrals:write"])
        .await;
    let other_client_token = app.client_token(&id, &secret).await;

    let owner = app.member("owner@example.org", "Rowan").await;
    let facilitator = app.member("facilitator@example.org", "Alex").await;
    let member = app.member("member@example.org", "Sam").await;
    let group = app
        .group(
            &owner,
            json!({"name": "Harbour Lights", "join_policy": "request"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.invite(&owner, &facilitator, &group).await;
    app.invite(&owner, &member, &group).await;
    let memberships = app
        .get_as(&owner, &format!("/v1/groups/{group}/memberships"))
        .await
        .json();
    let facilitator_membership = memberships["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["display_name"] == "Alex")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let promoted = app
        .send(
            &owner,
            Method::PATCH,
            &format!("/v1/groups/{group}/memberships/{facilitator_membership}"),
            json!({"role": "facilitator"}),
        )
        .await;
    assert_eq!(promoted.status, 200, "{}", promoted.text());
    Network {
        app,
        admin,
        root,
        clinic,
        clinic_admin,
        counsellor,
        client_token,
        group,
        owner,
        facilitator,
        member,
        other_counsellor,
        other_client_token,
    }
}

fn referral_body(group: &str) -> Value {
    let now = Utc::now();
    json!({
        "group_id": group,
        "client": {"name": "J.", "contact_route": "sms", "contact_value": "+1 555 010 2000",
                   "language": "es-mx", "notes": "Prefers evenings."},
        "need": {"focus_areas": ["opioids"], "attendance_mode": "in_person",
                 "near": {"latitude": 40.71, "longitude": -74.0}},
        "consent": {"given_by": "Client", "given_at": now - Duration::hours(1),
                    "disclosure": "First name, phone and language to the group's facilitators.",
                    "expires_at": now + Duration::days(90)}
    })
}

fn bearer(token: &str) -> (&'static str, String) {
    ("authorization", format!("Bearer {token}"))
}

impl Network {
    async fn as_client(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let request = self.app.request(method, path).insert_header(bearer(token));
        match body {
            Some(body) => Reply::of(request.send_json(&body)).await,
            None => Reply::of(request.send()).await,
        }
    }

    /// A referral the clinic's API client submits; answers its id.
    async fn refer(&self) -> String {
        let created = self
            .as_client(
                &self.client_token,
                Method::POST,
                "/v1/referrals",
                Some(referral_body(&self.group)),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text());
        created.json()["id"].as_str().unwrap().to_owned()
    }

    async fn move_to(&self, who: &Member, referral: &str, body: Value) -> Reply {
        self.app
            .send(
                who,
                Method::POST,
                &format!("/v1/referrals/{referral}/status"),
                body,
            )
            .await
    }

    async fn audit(&self, query: &str) -> Vec<Value> {
        let trail = self
            .app
            .get_as(
                &self.clinic_admin,
                &format!("/v1/organizations/{}/audit?limit=100{query}", self.clinic),
            )
            .await;
        assert_eq!(trail.status, 200, "{}", trail.text());
        trail.json()["items"].as_array().unwrap().clone()
    }
}

on_both_backends! {
    async fn a_referral_goes_from_submission_to_an_outcome(backend: TestBackend) {
        let n = network(backend).await;
        let created = n
            .as_client(&n.client_token, Method::POST, "/v1/referrals", Some(referral_body(&n.group)))
            .await;
        assert_eq!(created.status, 201, "{}", created.text());
        let referral = created.json();
        let id = referral["id"].as_str().unwrap();
        assert_eq!(created.header("location"), Some(format!("/v1/referrals/{id}").as_str()));
        assert_eq!(referral["view"], "full");
        assert_eq!(referral["status"], "submitted");
        assert_eq!(referral["fhir_status"], "requested");
        assert_eq!(referral["organization_id"], n.clinic.as_str());
        assert_eq!(referral["client"]["language"], "es-MX");
        assert_eq!(referral["consent"]["given_by"], "Client");

        let seen = n.app.get_as(&n.facilitator, &format!("/v1/referrals/{id}")).await;
        assert_eq!(seen.status, 200, "{}", seen.text());
        let seen = seen.json();
        assert_eq!(seen["view"], "contact");
        assert_eq!(seen["client"]["contact_value"], "+1 555 010 2000");
        assert_eq!(seen["need"]["focus_areas"], json!(["opioids"]));
        assert_eq!(seen["consent"]["given_by"], Value::Null, "facilitators need no consent form");

        let accepted = n.move_to(&n.facilitator, id, json!({"status": "accepted"})).await;
        assert_eq!(accepted.status, 200, "{}", accepted.text());
        let code = accepted.json()["invitation_code"].as_str().unwrap().to_owned();
        assert_eq!(accepted.json()["fhir_status"], "accepted");
        let contacted = n.move_to(&n.facilitator, id, json!({"status": "contacted"})).await;
        assert_eq!(contacted.status, 200, "{}", contacted.text());
        assert_eq!(contacted.json()["invitation_code"], Value::Null, "the code is shown once");

        let newcomer = n.app.member("client@example.org", "J").await;
        let joined = n.app.join(&newcomer, &n.group, json!({"invitation": code})).await;
        assert_eq!(joined.status, 201, "{}", joined.text());
        let connection = n
            .audit(&format!("&referral_id={id}"))
            .await
            .into_iter()
            .find(|record| record["detail"] == "connected")
            .unwrap();
        assert_eq!(connection["actor_kind"], "system", "the clinic never learns the client's account");
        assert_eq!(connection["actor_id"], Value::Null);
        assert_eq!(connection["request_id"], Value::Null);
        let now = n
            .as_client(&n.client_token, Method::GET, &format!("/v1/referrals/{id}"), None)
            .await;
        assert_eq!(now.json()["status"], "connected", "joining with the referral's code connects it");

        let closed = n
            .move_to(&n.facilitator, id, json!({"status": "closed", "reason": "Attends on Tuesdays."}))
            .await;
        assert_eq!(closed.status, 200, "{}", closed.text());
        assert_eq!(closed.json()["fhir_status"], "completed");

        let events = n
            .as_client(&n.client_token, Method::GET, &format!("/v1/referrals/{id}/events"), None)
            .await;
        assert_eq!(events.status, 200, "{}", events.text());
        let steps: Vec<(Value, Value, Value)> = events.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["status"].clone(), e["actor"].clone(), e["reason"].clone()))
            .collect();
        assert_eq!(
            steps,
            [
                (json!("submitted"), json!("clinic"), Value::Null),
                (json!("accepted"), json!("facilitator"), Value::Null),
                (json!("contacted"), json!("facilitator"), Value::Null),
                (json!("connected"), json!("system"), Value::Null),
                (json!("closed"), json!("facilitator"), json!("Attends on Tuesdays.")),
            ]
        );

        let again = n.move_to(&n.facilitator, id, json!({"status": "accepted"})).await;
        let problem = again.assert_problem(409, "invalid-transition");
        assert!(problem["detail"].as_str().unwrap().contains("from closed"), "{problem}");
        assert_eq!(problem["current_status"], "closed");
    }

    async fn every_impossible_or_unauthorised_move_is_refused(backend: TestBackend) {
        let n = network(backend).await;
        let id = n.refer().await;
        for to in ["contacted", "connected", "submitted", "expired"] {
            let refused = n.move_to(&n.facilitator, &id, json!({"status": to, "reason": "x"})).await;
            assert_eq!(refused.status, if to == "expired" { 403 } else { 409 }, "{to}: {}", refused.text());
        }
        n.move_to(&n.counsellor, &id, json!({"status": "accepted"}))
            .await
            .assert_problem(403, "forbidden");
        n.move_to(&n.facilitator, &id, json!({"status": "withdrawn", "reason": "x"}))
            .await
            .assert_problem(403, "forbidden");
        n.move_to(&n.facilitator, &id, json!({"status": "declined"}))
            .await
            .assert_problem(422, "validation");
        n.move_to(&n.facilitator, &id, json!({"status": "declined", "reason": "x".repeat(1001)}))
            .await
            .assert_problem(422, "validation");
        n.move_to(&n.member, &id, json!({"status": "accepted"}))
            .await
            .assert_problem(404, "not-found");
        let reader = n
            .app
            .api_client(&n.admin, &n.clinic, &["referrals:read"])
            .await;
        let reader = n.app.client_token(&reader.0, &reader.1).await;
        n.as_client(&reader, Method::POST, &format!("/v1/referrals/{id}/status"),
                    Some(json!({"status": "withdrawn", "reason": "Moved away."})))
            .await
            .assert_problem(403, "forbidden");
        n.as_client(&reader, Method::POST, "/v1/referrals", Some(referral_body(&n.group)))
            .await
            .assert_problem(403, "forbidden");

        let declined = n
            .move_to(&n.facilitator, &id, json!({"status": "declined", "reason": "Full until March."}))
            .await;
        assert_eq!(declined.status, 200, "{}", declined.text());
        assert_eq!(declined.json()["fhir_status"], "rejected");
        for to in ["accepted", "contacted", "connected", "closed", "withdrawn"] {
            let refused = n.move_to(&n.facilitator, &id, json!({"status": to, "reason": "x"})).await;
            let problem = refused.assert_problem(409, "invalid-transition");
            assert_eq!(problem["current_status"], "declined", "{problem}");
        }

        let withdrawn = n.refer().await;
        let moved = n
            .as_client(&n.client_token, Method::POST, &format!("/v1/referrals/{withdrawn}/status"),
                       Some(json!({"status": "withdrawn", "reason": "The client moved away."})))
            .await;
        assert_eq!(moved.status, 200, "{}", moved.text());
        assert_eq!(moved.json()["fhir_status"], "cancelled");
        n.move_to(&n.facilitator, &withdrawn, json!({"status": "accepted"}))
            .await
            .assert_problem(409, "invalid-transition");
    }

    async fn a_referral_needs_consent_in_force(backend: TestBackend) {
        let n = network(backend).await;
        let refuse = |body: Value, field: &'static str| {
            let n = &n;
            async move {
                let refused = n.as_client(&n.client_token, Method::POST, "/v1/referrals", Some(body)).await;
                let problem = refused.assert_problem(422, "validation");
                assert!(
                    problem["errors"].as_array().unwrap().iter().any(|e| e["field"] == field),
                    "{field}: {problem}"
                );
            }
        };
        let mut missing = referral_body(&n.group);
        missing.as_object_mut().unwrap().remove("consent");
        refuse(missing, "consent").await;
        let mut expired = referral_body(&n.group);
        expired["consent"]["expires_at"] = json!(Utc::now() - Duration::minutes(1));
        refuse(expired, "consent.expires_at").await;
        let mut future = referral_body(&n.group);
        future["consent"]["given_at"] = json!(Utc::now() + Duration::days(1));
        refuse(future, "consent.given_at").await;
        let mut too_long = referral_body(&n.group);
        too_long["consent"]["expires_at"] = json!(Utc::now() + Duration::days(400));
        refuse(too_long, "consent.expires_at").await;
        let mut unnamed = referral_body(&n.group);
        unnamed["consent"]["disclosure"] = json!(" ");
        refuse(unnamed, "consent.disclosure").await;
        let mut unreachable = referral_body(&n.group);
        unreachable["client"]["contact_value"] = json!("call me");
        refuse(unreachable, "client.contact_value").await;
        let mut nowhere = referral_body(&n.group);
        nowhere["need"]["near"] = json!({"latitude": 91, "longitude": 0});
        refuse(nowhere, "need.near").await;
        let listed = n.as_client(&n.client_token, Method::GET, "/v1/referrals", None).await;
        assert_eq!(listed.json()["items"], json!([]), "nothing was stored");

        let id = n.refer().await;
        let accepted = n.move_to(&n.facilitator, &id, json!({"status": "accepted"})).await;
        let code = accepted.json()["invitation_code"].as_str().unwrap().to_owned();
        let revoked = n
            .as_client(&n.client_token, Method::POST, &format!("/v1/referrals/{id}/consent/revoke"), None)
            .await;
        assert_eq!(revoked.status, 200, "{}", revoked.text());
        let revoked = revoked.json();
        assert_eq!(revoked["view"], "status_only");
        assert_eq!(revoked["status"], "accepted");
        let latecomer = n.app.member("late@example.org", "Late").await;
        n.app
            .join(&latecomer, &n.group, json!({"invitation": code}))
            .await
            .assert_problem(422, "validation");
        for hidden in ["client", "need", "consent", "group_id", "organization_id"] {
            assert_eq!(revoked[hidden], Value::Null, "{hidden}");
        }
        for viewer in [&n.counsellor, &n.facilitator] {
            let seen = n.app.get_as(viewer, &format!("/v1/referrals/{id}")).await.json();
            assert_eq!(seen["view"], "status_only");
            assert_eq!(seen["client"], Value::Null);
        }
        n.move_to(&n.facilitator, &id, json!({"status": "contacted"}))
            .await
            .assert_problem(409, "consent-not-in-force");
        let withdrawn = n.move_to(&n.counsellor, &id, json!({"status": "withdrawn"})).await;
        assert_eq!(withdrawn.status, 200, "a referral without consent is ended without a reason");
        n.move_to(&n.facilitator, &id, json!({"status": "closed", "reason": "x"}))
            .await
            .assert_problem(409, "invalid-transition");
        let events = n.app.get_as(&n.counsellor, &format!("/v1/referrals/{id}/events")).await.json();
        assert!(events["items"].as_array().unwrap().iter().all(|e| e["reason"].is_null()));
        let sealed: Vec<Option<Vec<u8>>> = {
            use diesel::sql_types::{Binary, Nullable};
            #[derive(QueryableByName)]
            struct Row {
                #[diesel(sql_type = Nullable<Binary>)]
                sealed: Option<Vec<u8>>,
            }
            diesel::sql_query(format!("SELECT sealed FROM referrals WHERE id = '{id}'"))
                .load::<Row>(&mut n.app.database.connect())
                .unwrap()
                .into_iter()
                .map(|row| row.sealed)
                .collect()
        };
        assert_eq!(sealed, [None], "revocation erases the client's data");
    }

    async fn client_data_is_sealed_at_rest(backend: TestBackend) {
        let n = network(backend).await;
        let id = n.refer().await;
        use diesel::sql_types::{Binary, Nullable};
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = Nullable<Binary>)]
            sealed: Option<Vec<u8>>,
        }
        let rows = diesel::sql_query(format!("SELECT sealed FROM referrals WHERE id = '{id}'"))
            .load::<Row>(&mut n.app.database.connect())
            .unwrap();
        let sealed = rows[0].sealed.clone().unwrap();
        for plain in ["555 010", "Prefers evenings", "opioids", "Client"] {
            assert!(
                !sealed.windows(plain.len()).any(|w| w == plain.as_bytes()),
                "{plain} shows in the stored row"
            );
        }
        let other = n.refer().await;
        n.app
            .database
            .connect()
            .batch_execute(&format!(
                "UPDATE referrals SET sealed = (SELECT sealed FROM referrals WHERE id = '{id}') WHERE id = '{other}'"
            ))
            .unwrap();
        let moved = n.app.get_as(&n.counsellor, &format!("/v1/referrals/{other}")).await;
        let problem = moved.assert_problem(500, "internal");
        assert!(!moved.text().contains("J."), "{problem}");
    }

    async fn idempotent_submission_answers_the_first_result(backend: TestBackend) {
        let n = network(backend).await;
        let body = referral_body(&n.group);
        let send = |body: Value| {
            n.app
                .post("/v1/referrals")
                .insert_header(bearer(&n.client_token))
                .insert_header(("idempotency-key", "ehr-4411"))
                .send_json(&body)
        };
        let first = Reply::of(send(body.clone())).await;
        assert_eq!(first.status, 201, "{}", first.text());
        let again = Reply::of(send(body.clone())).await;
        assert_eq!(again.status, 201);
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(again.json()["id"], first.json()["id"]);
        assert_eq!(again.header("location"), first.header("location"));
        let mut other = body.clone();
        other["client"]["name"] = json!("K.");
        Reply::of(send(other)).await.assert_problem(422, "idempotency-key-reused");
        let listed = n.as_client(&n.client_token, Method::GET, "/v1/referrals", None).await;
        assert_eq!(listed.json()["items"].as_array().unwrap().len(), 1);

        let id = first.json()["id"].as_str().unwrap().to_owned();
        n.as_client(&n.client_token, Method::POST, &format!("/v1/referrals/{id}/consent/revoke"), None)
            .await;
        let after_revocation = Reply::of(send(body)).await;
        assert_eq!(after_revocation.status, 201);
        assert_eq!(after_revocation.header("idempotent-replayed"), Some("true"));
        assert_eq!(after_revocation.json()["view"], "status_only", "a retry shows what is current");
        assert_eq!(after_revocation.json()["client"], Value::Null);
        use diesel::sql_types::Text;
        #[derive(QueryableByName)]
        struct Kept {
            #[diesel(sql_type = Text)]
            body: String,
        }
        let kept = diesel::sql_query("SELECT body FROM idempotency_keys")
            .load::<Kept>(&mut n.app.database.connect())
            .unwrap();
        assert!(!kept.is_empty());
        assert!(kept.iter().all(|k| !k.body.contains("555 010")), "retries keep only the id");
    }

    async fn each_party_sees_what_it_needs_and_nobody_else_anything(backend: TestBackend) {
        let n = network(backend).await;
        let id = n.refer().await;
        let path = format!("/v1/referrals/{id}");
        for stranger in [&n.other_counsellor, &n.member, &n.owner] {
            let seen = n.app.get_as(stranger, &path).await;
            if std::ptr::eq(stranger, &n.owner) {
                assert_eq!(seen.json()["view"], "contact", "a group owner facilitates");
            } else {
                seen.assert_problem(404, "not-found");
            }
        }
        n.as_client(&n.other_client_token, Method::GET, &path, None)
            .await
            .assert_problem(404, "not-found");
        let other_list = n.as_client(&n.other_client_token, Method::GET, "/v1/referrals", None).await;
        assert_eq!(other_list.json()["items"], json!([]));
        let (revoked, secret) = n.app.api_client(&n.admin, &n.clinic, &["referrals:read"]).await;
        let revoked_token = n.app.client_token(&revoked, &secret).await;
        assert_eq!(n.as_client(&revoked_token, Method::GET, &path, None).await.status, 200);
        let revocation = n
            .app
            .request(Method::DELETE, &format!("/v1/organizations/{}/clients/{revoked}", n.clinic))
            .insert_header(n.admin.bearer())
            .send()
            .await
            .unwrap();
        assert!(revocation.status().is_success());
        n.as_client(&revoked_token, Method::GET, &path, None)
            .await
            .assert_problem(401, "unauthenticated");
        n.app.get(&path).send().await.map(|r| assert_eq!(r.status(), 401)).unwrap();

        let metadata = n.app.get_as(&n.root, &path).await.json();
        assert_eq!(metadata["view"], "metadata");
        assert_eq!(metadata["client"], Value::Null);
        assert_eq!(metadata["consent"]["given_by"], Value::Null);
        assert_eq!(metadata["group_id"], n.group.as_str());
        let everyone = n.app.get_as(&n.root, "/v1/referrals").await.json();
        assert_eq!(everyone["items"][0]["view"], "metadata");

        n.app
            .send(&n.counsellor, Method::POST, &format!("{path}/break-glass"), json!({"reason": "x"}))
            .await
            .assert_problem(403, "forbidden");
        n.app
            .send(&n.root, Method::POST, &format!("{path}/break-glass"), json!({"reason": " "}))
            .await
            .assert_problem(422, "validation");
        let glass = n
            .app
            .send(&n.root, Method::POST, &format!("{path}/break-glass"),
                  json!({"reason": "Safety report #4411"}))
            .await;
        assert_eq!(glass.status, 200, "{}", glass.text());
        assert_eq!(glass.json()["view"], "full");
        assert_eq!(glass.json()["client"]["name"], "J.");

        let mine = n.app.get_as(&n.counsellor, "/v1/referrals").await.json();
        assert_eq!(mine["items"][0]["view"], "full");
        let incoming = n.app.get_as(&n.facilitator, &format!("/v1/groups/{}/referrals", n.group)).await;
        assert_eq!(incoming.status, 200, "{}", incoming.text());
        assert_eq!(incoming.json()["items"][0]["view"], "contact");
        n.app
            .get_as(&n.member, &format!("/v1/groups/{}/referrals", n.group))
            .await
            .assert_problem(403, "forbidden");
        n.as_client(&n.client_token, Method::GET, &format!("/v1/groups/{}/referrals", n.group), None)
            .await
            .assert_problem(403, "forbidden");
        n.app
            .get_as(&n.other_counsellor, &format!("/v1/referrals?organization_id={}", n.clinic))
            .await
            .assert_problem(404, "not-found");
        n.app.get_as(&n.member, "/v1/referrals").await.assert_problem(403, "forbidden");
        n.as_client(&n.client_token, Method::POST, &format!("{path}/consent/revoke"), None)
            .await;
        n.app
            .send(&n.facilitator, Method::POST, &format!("{path}/consent/revoke"), json!({}))
            .await
            .assert_problem(403, "forbidden");
    }

    async fn every_access_is_in_the_organisations_audit_log(backend: TestBackend) {
        let n = network(backend).await;
        let id = n.refer().await;
        n.app.get_as(&n.facilitator, &format!("/v1/referrals/{id}")).await;
        n.app.get_as(&n.other_counsellor, &format!("/v1/referrals/{id}")).await;
        n.move_to(&n.facilitator, &id, json!({"status": "contacted"})).await;
        n.move_to(&n.facilitator, &id, json!({"status": "accepted"})).await;
        n.app.get_as(&n.counsellor, &format!("/v1/referrals/{id}/events")).await;
        n.app
            .send(&n.root, Method::POST, &format!("/v1/referrals/{id}/break-glass"),
                  json!({"reason": "Safety report #4411"}))
            .await;
        let unrelated = n.refer().await;

        let trail = n.audit(&format!("&referral_id={id}")).await;
        let entries: Vec<(String, String, String, Value)> = trail
            .iter()
            .rev()
            .map(|r| (
                r["action"].as_str().unwrap().to_owned(),
                r["outcome"].as_str().unwrap().to_owned(),
                r["actor_kind"].as_str().unwrap().to_owned(),
                r["detail"].clone(),
            ))
            .collect();
        let expected = [
            ("create", "allowed", "api_client", Value::Null),
            ("read", "allowed", "account", Value::Null),
            ("read", "denied", "account", Value::Null),
            ("change_status", "refused", "account", Value::Null),
            ("change_status", "allowed", "account", json!("accepted")),
            ("read_events", "allowed", "account", Value::Null),
            ("break_glass", "allowed", "account", json!("Safety report #4411")),
        ];
        assert_eq!(
            entries,
            expected.map(|(a, o, k, d)| (a.to_owned(), o.to_owned(), k.to_owned(), d))
        );
        assert!(trail.iter().all(|r| r["request_id"].is_string() && r["referral_id"] == id.as_str()));
        assert!(trail.iter().all(|r| !r.to_string().contains("555 010")), "no client data in the log");
        let all = n.audit("").await;
        assert!(all.iter().any(|r| r["referral_id"] == unrelated.as_str()));
        let future = n.audit(&format!("&since={}", (Utc::now() + Duration::hours(1)).to_rfc3339().replace('+', "%2B"))).await;
        assert_eq!(future, Vec::<Value>::new());
        let page = n
            .app
            .get_as(&n.clinic_admin, &format!("/v1/organizations/{}/audit?limit=2", n.clinic))
            .await
            .json();
        let next = page["next_cursor"].as_str().unwrap();
        let second = n
            .app
            .get_as(&n.clinic_admin, &format!("/v1/organizations/{}/audit?limit=2&cursor={next}", n.clinic))
            .await;
        assert_eq!(second.status, 200);
        assert_ne!(second.json()["items"][0]["id"], page["items"][0]["id"]);

        n.app
            .get_as(&n.counsellor, &format!("/v1/organizations/{}/audit", n.clinic))
            .await
            .assert_problem(403, "forbidden");
        n.app
            .get_as(&n.other_counsellor, &format!("/v1/organizations/{}/audit", n.clinic))
            .await
            .assert_problem(404, "not-found");
        let mut c = n.app.database.connect();
        assert!(c.batch_execute("UPDATE audit_records SET outcome = 'allowed'").is_err());
        assert!(c.batch_execute("DELETE FROM audit_records").is_err());
        assert_eq!(n.audit("").await.len(), all.len(), "the log is append-only");
    }

    async fn unanswered_referrals_expire(backend: TestBackend) {
        let n = network(backend).await;
        let id = n.refer().await;
        let answered = n.refer().await;
        n.move_to(&n.facilitator, &answered, json!({"status": "accepted"})).await;
        n.app
            .database
            .connect()
            .batch_execute("UPDATE referrals SET respond_by = '2026-01-01 00:00:00'")
            .unwrap();
        hearth_api::horizon::extend_due(&mut n.app.database.connect()).unwrap();
        let expired = n.app.get_as(&n.counsellor, &format!("/v1/referrals/{id}")).await.json();
        assert_eq!(expired["status"], "expired");
        assert_eq!(expired["fhir_status"], "failed");
        let still = n.app.get_as(&n.counsellor, &format!("/v1/referrals/{answered}")).await.json();
        assert_eq!(still["status"], "accepted");
        let events = n.app.get_as(&n.counsellor, &format!("/v1/referrals/{id}/events")).await.json();
        assert_eq!(events["items"][1]["actor"], "system");
        let trail = n.audit(&format!("&referral_id={id}")).await;
        let expiry = trail.iter().find(|r| r["action"] == "change_status").unwrap();
        assert_eq!(expiry["actor_kind"], "system");
        assert_eq!(expiry["actor_id"], Value::Null);
        assert_eq!(expiry["detail"], "expired");
    }

    async fn without_a_data_key_referrals_are_unavailable(backend: TestBackend) {
        let app = TestApp::spawn_with(backend, |s| s.data_key = None).await;
        let admin = app.admin("ops@example.org").await;
        let refused = app
            .send(&admin, Method::POST, "/v1/referrals", referral_body(&uuid::Uuid::now_v7().to_string()))
            .await;
        let problem = refused.assert_problem(503, "not-configured");
        assert!(problem["detail"].as_str().unwrap().contains("HEARTH_DATA_KEY"));
        app.get_as(&admin, "/v1/referrals").await.assert_problem(503, "not-configured");
    }

    async fn referrals_go_only_to_open_groups_of_organisations_one_works_for(backend: TestBackend) {
        let n = network(backend).await;
        let private = n
            .app
            .group(&n.owner, json!({"name": "Closed Circle", "visibility": "private"}))
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut body = referral_body(&private);
        n.as_client(&n.client_token, Method::POST, "/v1/referrals", Some(body.clone()))
            .await
            .assert_problem(404, "not-found");
        body["group_id"] = json!(uuid::Uuid::now_v7());
        n.as_client(&n.client_token, Method::POST, "/v1/referrals", Some(body))
            .await
            .assert_problem(404, "not-found");
        let staff_body = referral_body(&n.group);
        n.app
            .send(&n.counsellor, Method::POST, "/v1/referrals", staff_body.clone())
            .await
            .assert_problem(422, "validation");
        let mut named = staff_body;
        named["organization_id"] = json!(n.clinic);
        let made = n.app.send(&n.counsellor, Method::POST, "/v1/referrals", named.clone()).await;
        assert_eq!(made.status, 201, "{}", made.text());
        n.app
            .send(&n.other_counsellor, Method::POST, "/v1/referrals", named.clone())
            .await
            .assert_problem(404, "not-found");
        n.app
            .send(&n.root, Method::POST, "/v1/referrals", named.clone())
            .await
            .assert_problem(403, "forbidden");
        n.as_client(&n.other_client_token, Method::POST, "/v1/referrals", Some(named))
            .await
            .assert_problem(404, "not-found");
        let archived = n
            .app
            .request(Method::DELETE, &format!("/v1/groups/{}", n.group))
            .insert_header(n.owner.bearer())
            .send()
            .await
            .unwrap();
        assert!(archived.status().is_success());
        n.as_client(&n.client_token, Method::POST, "/v1/referrals", Some(referral_body(&n.group)))
            .await
            .assert_problem(409, "group-archived");
    }
}

fn meeting_at(mode: &str, latitude: f64, longitude: f64) -> Value {
    let mut body = json!({
        "title": "Weekly meeting",
        "attendance_mode": mode,
        "time_zone": "America/New_York",
        "schedule": {"frequency": "weekly", "weekdays": ["monday"], "start_time": "19:00",
                     "starts_on": "2026-01-05"}
    });
    if mode != "online" {
        body["venue"] =
            json!({"formatted_address": "1 Main St", "latitude": latitude, "longitude": longitude});
    }
    if mode != "in_person" {
        body["online"] = json!({"conference_url": "https://meet.example.org/weekly"});
    }
    body
}

on_both_backends! {
    async fn counsellors_get_the_groups_that_fit_a_need(backend: TestBackend) {
        let n = network(backend).await;
        let mut made = std::collections::HashMap::new();
        for (name, focus, language, mode, (lat, lng)) in [
            ("Spanish Harbour", "opioids", "es", "in_person", (40.72, -74.0)),
            ("Online Circle", "opioids", "en", "online", (0.0, 0.0)),
            ("Drinkers Anonymous Table", "alcohol", "es", "in_person", (40.72, -74.0)),
            ("Far Away", "opioids", "es", "in_person", (34.05, -118.24)),
        ] {
            let group = n
                .app
                .group(&n.owner, json!({"name": name, "focus_areas": [focus], "languages": [language]}))
                .await["id"]
                .as_str()
                .unwrap()
                .to_owned();
            n.app.meeting(&n.owner, &group, meeting_at(mode, lat, lng)).await;
            made.insert(group, name);
        }
        let names = |reply: Reply| -> Vec<&str> {
            assert_eq!(reply.status, 200, "{}", reply.text());
            reply.json()["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|item| made[item["group_id"].as_str().unwrap()])
                .collect()
        };
        let suggest = |query: &str| {
            let path = format!("/v1/referrals/suggestions?{query}");
            let n = &n;
            async move { n.as_client(&n.client_token, Method::GET, &path, None).await }
        };

        let nearby = suggest("focus_areas=opioids&attendance_mode=in_person&near=40.71,-74.0&language=es-MX").await;
        let first = nearby.json()["items"][0].clone();
        assert_eq!(names(nearby), ["Spanish Harbour"]);
        assert_eq!(first["matched_focus_areas"], json!(["opioids"]));
        assert_eq!(first["language_matches"], true);
        assert!(first["distance_km"].as_f64().unwrap() < 2.0, "{first}");
        assert_eq!(first["score"], 3 + 2 + 2 + 2);

        let any_way = names(suggest("focus_areas=opioids&language=es").await);
        assert_eq!(any_way.len(), 3);
        assert!(["Spanish Harbour", "Far Away"].contains(&any_way[0]), "Spanish speakers first: {any_way:?}");
        assert_eq!(any_way[2], "Online Circle");
        assert_eq!(names(suggest("focus_areas=opioids&attendance_mode=online").await), ["Online Circle"]);
        assert_eq!(names(suggest("focus_areas=opioids&limit=1").await).len(), 1);

        let staff = n.app.get_as(&n.counsellor, "/v1/referrals/suggestions?focus_areas=alcohol").await;
        assert_eq!(names(staff), ["Drinkers Anonymous Table"]);
        n.app
            .get_as(&n.member, "/v1/referrals/suggestions")
            .await
            .assert_problem(403, "forbidden");
        for bad in ["near=north", "limit=0", "limit=21", "language=not%20a%20tag"] {
            suggest(bad).await.assert_problem(422, "validation");
        }
        suggest("focus_areas=nonsense").await.assert_problem(400, "bad-request");
    }
}

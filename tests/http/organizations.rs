//! Organisations: who creates and sees them, their people, their API clients and the
//! client-credentials grant.

use awc::http::Method;
use hearth_tests::{Member, Reply, TEST_JWT_SECRET, TestApp, on_both_backends};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};

async fn get(app: &TestApp, caller: &Member, path: &str) -> Reply {
    Reply::of(app.get(path).insert_header(caller.bearer()).send()).await
}

fn claims_of(token: &str) -> Value {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&["hearth-api"]);
    jsonwebtoken::decode::<Value>(
        token,
        &DecodingKey::from_secret(TEST_JWT_SECRET.as_bytes()),
        &validation,
    )
    .unwrap()
    .claims
}

async fn client_grant(app: &TestApp, form: &[(&str, &str)]) -> Reply {
    Reply::of(app.post("/v1/auth/token").send_form(&form)).await
}

on_both_backends! {
    async fn a_platform_admin_creates_an_organization_and_administers_it(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let admin = app.admin("ops@example.org").await;

        let created = Reply::of(app.post("/v1/organizations").insert_header(admin.bearer())
            .send_json(&json!({"name": "  Harbour Street Clinic ", "kind": "clinic"}))).await;

        assert_eq!(created.status, 201, "{}", created.text());
        let org = created.json();
        assert_eq!(org["name"], "Harbour Street Clinic");
        assert_eq!(created.header("location").unwrap(), format!("/v1/organizations/{}", org["id"].as_str().unwrap()));
        let members = get(&app, &admin, &format!("/v1/organizations/{}/members", org["id"].as_str().unwrap())).await.json();
        assert_eq!(members[0]["role"], "admin");
        assert_eq!(members[0]["account_id"], app.account_id(&admin).await);
    }

    async fn members_cannot_create_organizations(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let member = app.member("sam@example.org", "Sam").await;

        let reply = Reply::of(app.post("/v1/organizations").insert_header(member.bearer())
            .send_json(&json!({"name": "Mine", "kind": "other"}))).await;

        reply.assert_problem(403, "forbidden");
    }

    async fn an_organization_is_404_to_outsiders_exactly_like_a_missing_one(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let admin = app.admin("ops@example.org").await;
        let org = app.organization(&admin, "Clinic").await;
        let outsider = app.member("out@example.org", "Out").await;

        let hidden = get(&app, &outsider, &format!("/v1/organizations/{org}")).await;
        let missing = get(&app, &outsider, &format!("/v1/organizations/{}", uuid::Uuid::now_v7())).await;

        hidden.assert_problem(404, "not-found");
        assert_eq!(hidden.json(), missing.json());
        assert_eq!(get(&app, &admin, &format!("/v1/organizations/{org}")).await.status, 200);
    }

    async fn lists_show_admins_everything_and_members_their_own_in_pages(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let admin = app.admin("ops@example.org").await;
        let staff = app.member("staff@example.org", "Staff").await;
        let first = app.organization(&admin, "First").await;
        app.organization(&admin, "Second").await;
        let third = app.organization(&admin, "Third").await;
        app.add_to_organization(&admin, &first, &staff, "staff").await;
        app.add_to_organization(&admin, &third, &staff, "staff").await;

        let page_one = get(&app, &admin, "/v1/organizations?limit=2").await.json();
        let cursor = page_one["next_cursor"].as_str().unwrap().to_owned();
        let page_two = get(&app, &admin, &format!("/v1/organizations?limit=2&cursor={cursor}")).await.json();
        let own = get(&app, &staff, "/v1/organizations").await.json();

        assert_eq!(page_one["items"].as_array().unwrap().len(), 2);
        assert_eq!(page_two["items"].as_array().unwrap().len(), 1);
        assert_eq!(page_two["next_cursor"], Value::Null);
        let names: Vec<&str> = own["items"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["First", "Third"]);
        get(&app, &admin, "/v1/organizations?limit=0").await.assert_problem(422, "validation");
        get(&app, &admin, "/v1/organizations?limit=101").await.assert_problem(422, "validation");
        get(&app, &admin, "/v1/organizations?cursor=nonsense").await.assert_problem(400, "bad-request");
    }

    async fn organization_admins_manage_people_and_staff_do_not(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let admin = app.admin("ops@example.org").await;
        let org = app.organization(&admin, "Clinic").await;
        let lead = app.member("lead@example.org", "Lead").await;
        let staff = app.member("staff@example.org", "Staff").await;
        let newcomer = app.member("new@example.org", "New").await;
        app.add_to_organization(&admin, &org, &lead, "admin").await;
        app.add_to_organization(&lead, &org, &staff, "staff").await;
        let newcomer_id = app.account_id(&newcomer).await;
        let put = |caller: &Member, account: &str| {
            app.request(Method::PUT, &format!("/v1/organizations/{org}/members/{account}"))
                .insert_header(caller.bearer()).send_json(&json!({"role": "staff"}))
        };

        Reply::of(put(&staff, &newcomer_id)).await.assert_problem(403, "forbidden");
        Reply::of(put(&lead, &uuid::Uuid::now_v7().to_string())).await.assert_problem(404, "not-found");
        let added = Reply::of(put(&lead, &newcomer_id)).await;
        assert_eq!(added.status, 200, "{}", added.text());
        assert_eq!(added.json()["display_name"], "New");
    }

    async fn the_last_admin_can_neither_leave_nor_become_staff(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let admin = app.admin("ops@example.org").await;
        let org = app.organization(&admin, "Clinic").await;
        let me = app.account_id(&admin).await;
        let path = format!("/v1/organizations/{org}/members/{me}");

        let demote = Reply::of(app.request(Method::PUT, &path).insert_header(admin.bearer()).send_json(&json!({"role": "staff"}))).await;
        let leave = Reply::of(app.request(Method::DELETE, &path).insert_header(admin.bearer()).send()).await;

        demote.assert_problem(409, "last-admin");
        leave.assert_problem(409, "last-admin");
        assert_eq!(get(&app, &admin, &format!("/v1/organizations/{org}/members")).await.json()[0]["role"], "admin");
    }

    async fn staff_may_leave_by_themselves(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let admin = app.admin("ops@example.org").await;
        let org = app.organization(&admin, "Clinic").await;
        let staff = app.member("staff@example.org", "Staff").await;
        app.add_to_organization(&admin, &org, &staff, "staff").await;
        let path = format!("/v1/organizations/{org}/members/{}", app.account_id(&staff).await);

        let left = Reply::of(app.request(Method::DELETE, &path).insert_header(staff.bearer()).send()).await;

        assert_eq!(left.status, 204, "{}", left.text());
        get(&app, &staff, &format!("/v1/organizations/{org}")).await.assert_problem(404, "not-found");
    }

    async fn api_clients_get_scoped_tokens_and_secrets_rotate_and_revoke(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let admin = app.admin("ops@example.org").await;
        let org = app.organization(&admin, "Clinic").await;
        let (client_id, secret) = app.api_client(&admin, &org, &["referrals:write", "referrals:read"]).await;

        let listed = get(&app, &admin, &format!("/v1/organizations/{org}/clients")).await;
        assert!(!listed.text().contains(&secret), "a listing never shows the secret");
        assert_eq!(listed.json()[0]["scopes"], json!(["referrals:read", "referrals:write"]));

        let token = app.client_token(&client_id, &secret).await;
        let claims = claims_of(&token);
        assert_eq!(claims["sub"], client_id);
        assert_eq!(claims["org"], org);
        assert_eq!(claims["scopes"], json!(["referrals:read", "referrals:write"]));
        assert_eq!(claims["roles"], json!([]));

        let narrowed = client_grant(&app, &[("grant_type", "client_credentials"), ("client_id", &client_id), ("client_secret", &secret), ("scope", "referrals:read")]).await;
        assert_eq!(narrowed.json()["scope"], "referrals:read");
        assert!(narrowed.json().get("refresh_token").is_none());

        use base64::Engine;
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{secret}"));
        let with_basic = Reply::of(app.post("/v1/auth/token").insert_header(("authorization", format!("Basic {basic}")))
            .send_form(&[("grant_type", "client_credentials")])).await;
        assert_eq!(with_basic.status, 200, "{}", with_basic.text());

        let rotated = Reply::of(app.post(&format!("/v1/organizations/{org}/clients/{client_id}/secret")).insert_header(admin.bearer()).send()).await;
        let new_secret = rotated.json()["client_secret"].as_str().unwrap().to_owned();
        client_grant(&app, &[("grant_type", "client_credentials"), ("client_id", &client_id), ("client_secret", &secret)]).await
            .assert_problem(400, "invalid-grant");
        app.client_token(&client_id, &new_secret).await;

        let revoked = Reply::of(app.request(Method::DELETE, &format!("/v1/organizations/{org}/clients/{client_id}")).insert_header(admin.bearer()).send()).await;
        assert_eq!(revoked.status, 204);
        client_grant(&app, &[("grant_type", "client_credentials"), ("client_id", &client_id), ("client_secret", &new_secret)]).await
            .assert_problem(400, "invalid-grant");
    }

    async fn client_grants_refuse_bad_secrets_scopes_and_missing_credentials(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let admin = app.admin("ops@example.org").await;
        let org = app.organization(&admin, "Clinic").await;
        let (client_id, secret) = app.api_client(&admin, &org, &["referrals:read"]).await;

        let wrong = client_grant(&app, &[("grant_type", "client_credentials"), ("client_id", &client_id), ("client_secret", "guess")]).await;
        let unknown = client_grant(&app, &[("grant_type", "client_credentials"), ("client_id", "not-a-client"), ("client_secret", "guess")]).await;
        let beyond = client_grant(&app, &[("grant_type", "client_credentials"), ("client_id", &client_id), ("client_secret", &secret), ("scope", "referrals:write")]).await;
        let bogus = client_grant(&app, &[("grant_type", "client_credentials"), ("client_id", &client_id), ("client_secret", &secret), ("scope", "everything")]).await;
        let missing = client_grant(&app, &[("grant_type", "client_credentials")]).await;

        wrong.assert_problem(400, "invalid-grant");
        assert_eq!(unknown.json(), wrong.json());
        assert_eq!(beyond.assert_problem(422, "validation")["errors"][0]["field"], "scope");
        bogus.assert_problem(422, "validation");
        missing.assert_problem(400, "bad-request");
    }

    async fn an_api_client_token_is_not_a_person(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let admin = app.admin("ops@example.org").await;
        let org = app.organization(&admin, "Clinic").await;
        let (client_id, secret) = app.api_client(&admin, &org, &["referrals:read"]).await;
        let token = app.client_token(&client_id, &secret).await;

        let reply = Reply::of(app.get("/v1/me").insert_header(("authorization", format!("Bearer {token}"))).send()).await;

        reply.assert_problem(403, "forbidden");
    }

    async fn organization_requests_are_validated(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let admin = app.admin("ops@example.org").await;
        let org = app.organization(&admin, "Clinic").await;

        let blank = Reply::of(app.post("/v1/organizations").insert_header(admin.bearer()).send_json(&json!({"name": " ", "kind": "clinic"}))).await;
        let kind = Reply::of(app.post("/v1/organizations").insert_header(admin.bearer()).send_json(&json!({"name": "X", "kind": "hospital"}))).await;
        let scope = Reply::of(app.post(&format!("/v1/organizations/{org}/clients")).insert_header(admin.bearer()).send_json(&json!({"name": "X", "scopes": ["everything"]}))).await;
        let bad_id = get(&app, &admin, "/v1/organizations/not-a-uuid").await;

        blank.assert_problem(422, "validation");
        kind.assert_problem(400, "bad-request");
        scope.assert_problem(400, "bad-request");
        bad_id.assert_problem(400, "bad-request");
    }
}

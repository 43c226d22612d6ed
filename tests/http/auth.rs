//! Tokens: login, the checks every access token passes, refresh rotation and revocation.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use hearth_tests::{MEMBER_PASSWORD, Member, Reply, TEST_JWT_SECRET, TestApp, on_both_backends};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

async fn token(app: &TestApp, form: &[(&str, &str)]) -> Reply {
    Reply::of(app.post("/v1/auth/token").send_form(&form)).await
}

async fn me(app: &TestApp, authorization: Option<String>) -> Reply {
    let mut request = app.get("/v1/me");
    if let Some(value) = authorization {
        request = request.insert_header(("authorization", value));
    }
    Reply::of(request.send()).await
}

fn assert_invalid_token(reply: &Reply) {
    reply.assert_problem(401, "unauthenticated");
    let challenge = reply.header("www-authenticate").expect("a challenge");
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
}

/// The key id the server derives from its secret: read back from a real token's header.
fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

fn claims(sub: &str) -> Value {
    let now = Utc::now().timestamp();
    json!({
        "iss": "hearth", "aud": "hearth-api", "sub": sub, "iat": now, "nbf": now,
        "exp": now + 600, "jti": "forged", "roles": ["admin"], "scopes": [],
    })
}

fn sign(alg: Algorithm, kid: &str, claims: &Value, secret: &str) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

async fn sub_of(app: &TestApp, member: &Member) -> String {
    me(app, Some(member.bearer().1)).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

on_both_backends! {
    async fn password_grant_gives_tokens_that_open_me(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let member = app.member("river@example.org", "River").await;

        let reply = me(&app, Some(member.bearer().1)).await;

        assert_eq!(reply.status, 200, "{}", reply.text());
        let body = reply.json();
        assert_eq!(body["email"], "river@example.org");
        assert_eq!(body["display_name"], "River");
        assert_eq!(body["role"], "member");
        assert_eq!(body["email_confirmed"], true);
        let tokens = app.password_grant("river@example.org", MEMBER_PASSWORD).await;
        assert_eq!(tokens.header("cache-control"), Some("no-store"));
        assert_eq!(tokens.json()["token_type"], "Bearer");
        assert_eq!(tokens.json()["expires_in"], 900);
    }

    async fn wrong_password_and_unknown_email_fail_alike(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        app.member("sam@example.org", "Sam").await;

        let wrong_password = app.password_grant("sam@example.org", "not the right password").await;
        let unknown_email = app.password_grant("nobody@example.org", MEMBER_PASSWORD).await;
        let not_an_email = app.password_grant("nobody", MEMBER_PASSWORD).await;

        let problem = wrong_password.assert_problem(400, "invalid-grant");
        assert_eq!(problem["detail"], "Invalid credentials.");
        assert_eq!(unknown_email.json(), problem);
        assert_eq!(not_an_email.json(), problem);
    }

    async fn unconfirmed_accounts_cannot_log_in(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        Reply::of(app.post("/v1/accounts").send_json(&json!({
            "email": "new@example.org", "password": MEMBER_PASSWORD, "display_name": "New"
        }))).await;

        let reply = app.password_grant("new@example.org", MEMBER_PASSWORD).await;

        reply.assert_problem(403, "email-unconfirmed");
    }

    async fn missing_or_malformed_authorization_is_401(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let missing = me(&app, None).await;
        let basic = me(&app, Some("Basic dXNlcjpwYXNz".to_owned())).await;
        let garbage = me(&app, Some("Bearer not.a.jwt".to_owned())).await;

        assert_invalid_token(&missing);
        assert_invalid_token(&basic);
        assert_invalid_token(&garbage);
    }

    async fn tampered_tokens_are_401(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let member = app.member("kai@example.org", "Kai").await;
        let (header, rest) = member.access_token.split_once('.').unwrap();
        let (_, signature) = rest.rsplit_once('.').unwrap();
        let raised = URL_SAFE_NO_PAD.encode(claims(&sub_of(&app, &member).await).to_string());

        let reply = me(&app, Some(format!("Bearer {header}.{raised}.{signature}"))).await;

        assert_invalid_token(&reply);
    }

    async fn forged_tokens_with_bad_claims_or_algorithms_are_401(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let member = app.member("ash@example.org", "Ash").await;
        let kid = kid_of(&member.access_token);
        let sub = sub_of(&app, &member).await;
        let valid = claims(&sub);
        let with = |key: &str, value: Value| {
            let mut changed = valid.clone();
            changed[key] = value;
            changed
        };
        let without = |key: &str| {
            let mut changed = valid.clone();
            changed.as_object_mut().unwrap().remove(key);
            changed
        };
        let now = Utc::now();
        let none_header = URL_SAFE_NO_PAD.encode(json!({"alg": "none", "kid": kid}).to_string());
        let none_claims = URL_SAFE_NO_PAD.encode(valid.to_string());
        let forged = [
            ("expired", sign(Algorithm::HS256, &kid, &with("exp", json!((now - Duration::minutes(2)).timestamp())), TEST_JWT_SECRET)),
            ("not yet valid", sign(Algorithm::HS256, &kid, &with("nbf", json!((now + Duration::minutes(2)).timestamp())), TEST_JWT_SECRET)),
            ("wrong audience", sign(Algorithm::HS256, &kid, &with("aud", json!("another-api")), TEST_JWT_SECRET)),
            ("wrong issuer", sign(Algorithm::HS256, &kid, &with("iss", json!("evil")), TEST_JWT_SECRET)),
            ("no exp", sign(Algorithm::HS256, &kid, &without("exp"), TEST_JWT_SECRET)),
            ("no iat", sign(Algorithm::HS256, &kid, &without("iat"), TEST_JWT_SECRET)),
            ("no sub", sign(Algorithm::HS256, &kid, &without("sub"), TEST_JWT_SECRET)),
            ("other secret", sign(Algorithm::HS256, &kid, &valid, "another-secret-another-secret-123")),
            ("other algorithm", sign(Algorithm::HS384, &kid, &valid, TEST_JWT_SECRET)),
            ("unknown kid", sign(Algorithm::HS256, "0badc0ffee00", &valid, TEST_JWT_SECRET)),
            ("alg none", format!("{none_header}.{none_claims}.")),
        ];
        let control = sign(Algorithm::HS256, &kid, &valid, TEST_JWT_SECRET);
        assert_eq!(me(&app, Some(format!("Bearer {control}"))).await.status, 200, "the control token must pass");

        for (case, token) in forged {
            let reply = me(&app, Some(format!("Bearer {token}"))).await;
            assert_eq!(reply.status, 401, "{case}: {}", reply.text());
            assert_invalid_token(&reply);
        }
    }

    async fn refresh_rotates_and_a_replay_revokes_the_session(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let member = app.member("robin@example.org", "Robin").await;

        let rotated = app.refresh_grant(&member.refresh_token).await;
        assert_eq!(rotated.status, 200, "{}", rotated.text());
        let successor = rotated.json()["refresh_token"].as_str().unwrap().to_owned();
        assert_ne!(successor, member.refresh_token);
        assert_eq!(me(&app, Some(format!("Bearer {}", rotated.json()["access_token"].as_str().unwrap()))).await.status, 200);

        let replay = app.refresh_grant(&member.refresh_token).await;
        replay.assert_problem(400, "invalid-grant");
        let after_replay = app.refresh_grant(&successor).await;
        after_replay.assert_problem(400, "invalid-grant");
    }

    async fn a_replay_leaves_other_sessions_alone(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let phone = app.member("lee@example.org", "Lee").await;
        let laptop = app.password_grant("lee@example.org", MEMBER_PASSWORD).await.json();

        app.refresh_grant(&phone.refresh_token).await;
        app.refresh_grant(&phone.refresh_token).await;

        assert_eq!(app.refresh_grant(laptop["refresh_token"].as_str().unwrap()).await.status, 200);
    }

    async fn revoke_ends_one_session_and_delete_sessions_ends_all(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let phone = app.member("jo@example.org", "Jo").await;
        let laptop = app.password_grant("jo@example.org", MEMBER_PASSWORD).await.json();
        let tablet = app.password_grant("jo@example.org", MEMBER_PASSWORD).await.json();

        let revoked = Reply::of(app.post("/v1/auth/revoke").insert_header(phone.bearer())
            .send_form(&[("token", phone.refresh_token.as_str())])).await;
        assert_eq!(revoked.status, 204, "{}", revoked.text());
        app.refresh_grant(&phone.refresh_token).await.assert_problem(400, "invalid-grant");
        let laptop_refresh = app.refresh_grant(laptop["refresh_token"].as_str().unwrap()).await;
        assert_eq!(laptop_refresh.status, 200);

        let all = Reply::of(app.request(awc::http::Method::DELETE, "/v1/me/sessions").insert_header(phone.bearer()).send()).await;
        assert_eq!(all.status, 204, "{}", all.text());
        app.refresh_grant(laptop_refresh.json()["refresh_token"].as_str().unwrap()).await.assert_problem(400, "invalid-grant");
        app.refresh_grant(tablet["refresh_token"].as_str().unwrap()).await.assert_problem(400, "invalid-grant");
    }

    async fn another_members_refresh_token_cannot_be_revoked(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let victim = app.member("vic@example.org", "Vic").await;
        let other = app.member("oz@example.org", "Oz").await;

        let reply = Reply::of(app.post("/v1/auth/revoke").insert_header(other.bearer())
            .send_form(&[("token", victim.refresh_token.as_str())])).await;

        assert_eq!(reply.status, 204);
        assert_eq!(app.refresh_grant(&victim.refresh_token).await.status, 200);
    }

    async fn revoke_and_sessions_need_a_token(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let revoke = Reply::of(app.post("/v1/auth/revoke").send_form(&[("token", "x")])).await;
        let sessions = Reply::of(app.request(awc::http::Method::DELETE, "/v1/me/sessions").send()).await;

        assert_invalid_token(&revoke);
        assert_invalid_token(&sessions);
    }

    async fn a_promoted_admin_gets_the_admin_role_in_new_tokens(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        app.member("ops@example.org", "Ops").await;

        let outcome = hearth_api::admin::create_admin(&mut app.database.connect(), "ops@example.org", "Ops", None).unwrap();
        let tokens = app.password_grant("ops@example.org", MEMBER_PASSWORD).await.json();

        assert_eq!(outcome, hearth_api::admin::AdminCreated::Promoted);
        let reply = me(&app, Some(format!("Bearer {}", tokens["access_token"].as_str().unwrap()))).await;
        assert_eq!(reply.json()["role"], "admin");
    }

    async fn malformed_token_requests_are_problems(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let unknown_grant = token(&app, &[("grant_type", "telepathy")]).await;
        let missing_password = token(&app, &[("grant_type", "password"), ("username", "a@b.org")]).await;
        let json_body = Reply::of(app.post("/v1/auth/token").send_json(&json!({"grant_type": "password"}))).await;

        unknown_grant.assert_problem(400, "bad-request");
        missing_password.assert_problem(400, "bad-request");
        json_body.assert_problem(415, "unsupported-media-type");
    }
}

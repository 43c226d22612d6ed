//! Password reset by mailed code: the same answer for every address, single use, 30 minutes.

use chrono::{Duration, Utc};
use hearth_domain::account::{Email, EmailTokenPurpose};
use hearth_domain::mail::RESET_CODE_PREFIX;
use hearth_persistence::accounts;
use hearth_tests::{MEMBER_PASSWORD, Reply, TestApp, on_both_backends};
use serde_json::json;

const NEW_PASSWORD: &str = "harbour violet thimble quartz";

async fn ask(app: &TestApp, email: &str) -> Reply {
    Reply::of(
        app.post("/v1/accounts/password-reset-requests")
            .send_json(&json!({"email": email})),
    )
    .await
}

async fn reset(app: &TestApp, token: &str, password: &str) -> Reply {
    Reply::of(
        app.post("/v1/accounts/password-resets")
            .send_json(&json!({"token": token, "new_password": password})),
    )
    .await
}

on_both_backends! {
    async fn a_mailed_code_sets_a_new_password_once_and_ends_every_session(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let member = app.member("river@example.org", "River").await;

        let asked = ask(&app, "River@example.org").await;
        let code = app.code_in_mail("river@example.org", RESET_CODE_PREFIX);
        let done = reset(&app, &code, NEW_PASSWORD).await;
        let again = reset(&app, &code, "another fine long passphrase").await;

        assert_eq!(asked.status, 202);
        assert_eq!(done.status, 204, "{}", done.text());
        again.assert_problem(422, "validation");
        app.password_grant("river@example.org", MEMBER_PASSWORD).await.assert_problem(400, "invalid-grant");
        assert_eq!(app.password_grant("river@example.org", NEW_PASSWORD).await.status, 200);
        let refreshed = Reply::of(app.post("/v1/auth/token").send_form(&[("grant_type", "refresh_token"), ("refresh_token", member.refresh_token.as_str())])).await;
        refreshed.assert_problem(400, "invalid-grant");
        assert!(app.mails_to("river@example.org").last().unwrap().subject.contains("password was changed"));
    }

    async fn unknown_addresses_get_the_same_answer_and_no_mail(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        app.member("sam@example.org", "Sam").await;

        let known = ask(&app, "sam@example.org").await;
        let unknown = ask(&app, "nobody@example.org").await;

        assert_eq!(known.status, unknown.status);
        assert_eq!(known.json().as_object().unwrap().keys().collect::<Vec<_>>(), unknown.json().as_object().unwrap().keys().collect::<Vec<_>>());
        assert!(app.mails_to("nobody@example.org").is_empty());
    }

    async fn a_weak_new_password_is_refused_and_the_code_still_works(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        app.member("kai@example.org", "Kai").await;
        ask(&app, "kai@example.org").await;
        let code = app.code_in_mail("kai@example.org", RESET_CODE_PREFIX);

        let weak = reset(&app, &code, "password123").await;

        let problem = weak.assert_problem(422, "validation");
        assert_eq!(problem["errors"][0]["field"], "new_password");
        assert_eq!(reset(&app, &code, NEW_PASSWORD).await.status, 204);
    }

    async fn expired_or_unknown_codes_are_refused(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        app.member("ash@example.org", "Ash").await;
        let account = accounts::find_by_email(&mut app.database.connect(), &Email::parse("ash@example.org").unwrap()).unwrap().unwrap();
        let long_ago = Utc::now() - Duration::minutes(31);
        accounts::insert_email_token(&mut app.database.connect(), &hearth_api::credentials::hash_token("old-code"),
            account.id, EmailTokenPurpose::ResetPassword, long_ago, long_ago + Duration::minutes(30)).unwrap();

        let expired = reset(&app, "old-code", NEW_PASSWORD).await;
        let unknown = reset(&app, "never-mailed", NEW_PASSWORD).await;
        let confirmation_code = reset(&app, &app.confirmation_code("ash@example.org"), NEW_PASSWORD).await;

        expired.assert_problem(422, "validation");
        unknown.assert_problem(422, "validation");
        confirmation_code.assert_problem(422, "validation");
        assert_eq!(app.password_grant("ash@example.org", MEMBER_PASSWORD).await.status, 200);
    }

    async fn a_malformed_address_is_422(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        ask(&app, "not an email").await.assert_problem(422, "validation");
    }
}

on_both_backends! {
    async fn requests_cannot_flood_a_mailbox(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        app.member("flood@example.org", "Flood").await;

        for _ in 0..8 {
            assert_eq!(ask(&app, "flood@example.org").await.status, 202, "the answer never changes");
        }

        assert_eq!(
            app.mails_to("flood@example.org").len(),
            hearth_api::mail::ON_REQUEST_LIMIT as usize,
            "the confirmation and then resets up to the hourly limit"
        );
        let changed = Reply::of(app.post("/v1/me/password").insert_header(app.login("flood@example.org").await.bearer())
            .send_json(&json!({"current_password": MEMBER_PASSWORD, "new_password": NEW_PASSWORD}))).await;
        assert_eq!(changed.status, 204);
        assert!(app.mails_to("flood@example.org").last().unwrap().subject.contains("password was changed"),
            "security notices are never held back");
    }
}

//! Registration and email confirmation.

use chrono::{Duration, Utc};
use hearth_domain::account::{Email, EmailTokenPurpose};
use hearth_persistence::accounts;
use hearth_tests::{Reply, TestApp, on_both_backends};
use serde_json::{Value, json};

const PASSWORD: &str = "lantern orbit cactus quiet";

fn registration(email: &str, display_name: &str) -> Value {
    json!({"email": email, "password": PASSWORD, "display_name": display_name})
}

async fn register(app: &TestApp, body: &Value) -> Reply {
    Reply::of(app.post("/v1/accounts").send_json(body)).await
}

async fn confirm(app: &TestApp, token: &str) -> Reply {
    Reply::of(
        app.post("/v1/accounts/email-confirmations")
            .send_json(&json!({"token": token})),
    )
    .await
}

fn stored(app: &TestApp, email: &str) -> Option<hearth_domain::account::Account> {
    accounts::find_by_email(&mut app.database.connect(), &Email::parse(email).unwrap()).unwrap()
}

on_both_backends! {
    async fn registration_is_accepted_and_mails_a_confirmation_code(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let reply = register(&app, &registration("  River@Example.ORG ", "River")).await;

        assert_eq!(reply.status, 202, "{}", reply.text());
        assert_eq!(reply.json(), json!({"email": "river@example.org", "next_step": "confirm_email"}));
        let account = stored(&app, "river@example.org").expect("the account");
        assert_eq!(account.display_name.as_str(), "River");
        assert_eq!(account.email_confirmed_at, None);
        let mails = app.mails_to("river@example.org");
        assert_eq!(mails.len(), 1);
        assert!(mails[0].subject.contains("Confirm"));
        assert_eq!(app.confirmation_code("river@example.org").len(), 64);
    }

    async fn confirmation_code_confirms_once(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        register(&app, &registration("sam@example.org", "Sam")).await;
        let code = app.confirmation_code("sam@example.org");

        let first = confirm(&app, &code).await;
        let again = confirm(&app, &code).await;

        assert_eq!(first.status, 204, "{}", first.text());
        assert!(stored(&app, "sam@example.org").unwrap().email_confirmed_at.is_some());
        let problem = again.assert_problem(422, "validation");
        assert_eq!(problem["errors"][0]["field"], "token");
        assert_eq!(problem["errors"][0]["code"], "invalid_or_expired");
    }

    async fn unknown_confirmation_code_is_422(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let reply = confirm(&app, &"0".repeat(64)).await;

        let problem = reply.assert_problem(422, "validation");
        assert_eq!(problem["errors"][0]["code"], "invalid_or_expired");
    }

    async fn expired_confirmation_code_is_422(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        register(&app, &registration("kai@example.org", "Kai")).await;
        let account = stored(&app, "kai@example.org").unwrap();
        let long_ago = Utc::now() - Duration::days(3);
        accounts::insert_email_token(
            &mut app.database.connect(),
            &hearth_api::credentials::hash_token("expired-code"),
            account.id,
            EmailTokenPurpose::ConfirmEmail,
            long_ago,
            long_ago + Duration::hours(24),
        )
        .unwrap();

        let reply = confirm(&app, "expired-code").await;

        reply.assert_problem(422, "validation");
        assert_eq!(stored(&app, "kai@example.org").unwrap().email_confirmed_at, None);
    }

    async fn duplicate_registration_answers_like_a_new_one_and_changes_nothing(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let first = register(&app, &registration("ash@example.org", "Ash")).await;
        let original = stored(&app, "ash@example.org").unwrap();

        let second = register(&app, &json!({
            "email": "ASH@example.org",
            "password": "another quite long passphrase",
            "display_name": "Impostor",
        }))
        .await;

        assert_eq!(second.status, first.status);
        assert_eq!(second.json(), first.json());
        assert_eq!(second.header("content-type"), first.header("content-type"));
        assert_eq!(stored(&app, "ash@example.org").unwrap(), original);
        let mails = app.mails_to("ash@example.org");
        assert_eq!(mails.len(), 2);
        assert!(mails[1].subject.contains("tried to create"), "{}", mails[1].subject);
        assert!(!mails[1].body.expose().contains("code"), "a notice carries no code");
    }

    async fn every_broken_rule_is_reported_at_once(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let reply = register(&app, &json!({"email": "not-an-email", "password": "short", "display_name": " "})).await;

        let problem = reply.assert_problem(422, "validation");
        let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter()
            .map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["email", "display_name"]);
        assert!(stored(&app, "not-an-email@example.org").is_none());
    }

    async fn weak_short_and_email_passwords_are_refused(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let cases = [
            ("password123", "weak"),
            ("qwertyuiop", "weak"),
            ("short", "length"),
            ("robin@example.org backwards", "contains_email"),
        ];

        for (password, code) in cases {
            let reply = register(&app, &json!({"email": "robin@example.org", "password": password, "display_name": "Robin"})).await;

            let problem = reply.assert_problem(422, "validation");
            assert_eq!(problem["errors"][0]["field"], "password", "{password}");
            assert_eq!(problem["errors"][0]["code"], code, "{password}");
        }
        assert!(stored(&app, "robin@example.org").is_none());
        assert!(app.mails_to("robin@example.org").is_empty());
    }

    async fn a_new_confirmation_code_can_be_asked_for_and_only_unconfirmed_accounts_get_one(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        register(&app, &registration("late@example.org", "Late")).await;
        app.member("done@example.org", "Done").await;
        let first_code = app.confirmation_code("late@example.org");
        let ask = |email: &'static str| app.post("/v1/accounts/email-confirmation-requests").send_json(&json!({"email": email}));

        let unconfirmed = Reply::of(ask("late@example.org")).await;
        let confirmed = Reply::of(ask("done@example.org")).await;
        let unknown = Reply::of(ask("nobody@example.org")).await;

        assert_eq!(unconfirmed.status, 202);
        assert_eq!(confirmed.status, 202);
        assert_eq!(unknown.status, 202);
        assert_eq!(app.mails_to("late@example.org").len(), 2);
        assert_eq!(app.mails_to("done@example.org").len(), 1, "a confirmed account gets nothing");
        assert!(app.mails_to("nobody@example.org").is_empty());
        let second_code = app.confirmation_code("late@example.org");
        assert_ne!(first_code, second_code);
        assert_eq!(confirm(&app, &second_code).await.status, 204);
        Reply::of(ask("not an email")).await.assert_problem(422, "validation");
    }

    async fn concurrent_registrations_are_all_kept(backend: TestBackend) {
        let app = TestApp::spawn_with(backend, |s| s.workers = std::num::NonZeroUsize::new(4)).await;
        let requests: Vec<_> = (0..24)
            .map(|n| actix_web::rt::spawn(Reply::of(app.post("/v1/accounts")
                .send_json(&registration(&format!("crowd{n}@example.org"), "Crowd")))))
            .collect();

        for request in requests {
            let reply = request.await.unwrap();
            assert_eq!(reply.status, 202, "{}", reply.text());
        }

        for n in 0..24 {
            assert!(stored(&app, &format!("crowd{n}@example.org")).is_some(), "crowd{n} was lost");
        }
    }

    async fn registration_without_a_password_is_400(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let reply = register(&app, &json!({"email": "lee@example.org", "display_name": "Lee"})).await;

        reply.assert_problem(400, "bad-request");
        assert!(stored(&app, "lee@example.org").is_none());
    }
}

//! Repeated failed logins slow down, per email and per client, and relax by themselves.

use chrono::{Duration, Utc};
use hearth_api::credentials::fingerprint;
use hearth_persistence::login_failures;
use hearth_tests::{MEMBER_PASSWORD, Reply, TestApp, on_both_backends};

fn assert_throttled(reply: &Reply) {
    reply.assert_problem(429, "too-many-attempts");
    let wait: u64 = reply
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=900).contains(&wait), "Retry-After {wait}");
}

on_both_backends! {
    async fn five_failures_for_an_email_throttle_it_even_with_the_right_password(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        app.member("river@example.org", "River").await;
        for _ in 0..5 {
            app.password_grant("river@example.org", "wrong password here").await.assert_problem(400, "invalid-grant");
        }

        let reply = app.password_grant("River@Example.org", MEMBER_PASSWORD).await;

        assert_throttled(&reply);
        let other = app.member("sam@example.org", "Sam").await;
        assert!(!other.access_token.is_empty(), "another email from the same client still logs in");
    }

    async fn unknown_emails_are_throttled_alike(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        for _ in 0..5 {
            app.password_grant("nobody@example.org", "wrong password here").await.assert_problem(400, "invalid-grant");
        }

        assert_throttled(&app.password_grant("nobody@example.org", "wrong password here").await);
    }

    async fn throttling_relaxes_once_failures_age_out(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        app.member("kai@example.org", "Kai").await;
        let long_ago = Utc::now() - Duration::minutes(16);
        login_failures::record(
            &mut app.database.connect(),
            &[fingerprint("account", "kai@example.org").as_str(); 6],
            long_ago,
            long_ago - Duration::days(1),
        )
        .unwrap();

        let reply = app.password_grant("kai@example.org", MEMBER_PASSWORD).await;

        assert_eq!(reply.status, 200, "{}", reply.text());
    }

    async fn a_successful_login_clears_the_email_failures(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        app.member("ash@example.org", "Ash").await;
        for _ in 0..4 {
            app.password_grant("ash@example.org", "wrong password here").await;
        }
        assert_eq!(app.password_grant("ash@example.org", MEMBER_PASSWORD).await.status, 200);

        for _ in 0..4 {
            app.password_grant("ash@example.org", "wrong password here").await;
        }

        assert_eq!(app.password_grant("ash@example.org", MEMBER_PASSWORD).await.status, 200);
    }

    async fn one_client_failing_across_many_emails_is_throttled(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        for n in 0..30 {
            app.password_grant(&format!("guess{n}@example.org"), "wrong password here").await.assert_problem(400, "invalid-grant");
        }

        assert_throttled(&app.password_grant("fresh@example.org", "wrong password here").await);
    }
}

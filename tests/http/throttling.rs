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

async fn fail_from(app: &TestApp, n: usize, forwarded_for: &str) -> Reply {
    Reply::of(
        app.post("/v1/auth/token")
            .insert_header(("x-forwarded-for", forwarded_for))
            .send_form(&[
                ("grant_type", "password"),
                ("username", &format!("guess{n}@example.org")),
                ("password", "wrong password here"),
            ]),
    )
    .await
}

on_both_backends! {
    async fn behind_a_trusted_proxy_each_client_is_throttled_on_its_own(backend: TestBackend) {
        let app = TestApp::spawn_with(backend, |s| s.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
        for n in 0..30 {
            fail_from(&app, n, "203.0.113.5").await.assert_problem(400, "invalid-grant");
        }

        assert_throttled(&fail_from(&app, 100, "203.0.113.5").await);
        fail_from(&app, 101, "203.0.113.9").await.assert_problem(400, "invalid-grant");
    }

    async fn forwarded_addresses_from_an_untrusted_peer_are_ignored(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        for n in 0..30 {
            fail_from(&app, n, &format!("203.0.113.{n}")).await.assert_problem(400, "invalid-grant");
        }

        assert_throttled(&fail_from(&app, 100, "198.51.100.1").await);
    }
}

//! Mail delivery from the outbox over SMTP: delivered once, and never lost when the server is
//! down.

use std::time::{Duration, Instant};

use hearth_domain::Sensitive;
use hearth_tests::{FakeSmtp, MEMBER_PASSWORD, Reply, TestApp, on_both_backends};
use serde_json::json;

async fn register(app: &TestApp, email: &str) {
    let reply = Reply::of(app.post("/v1/accounts").send_json(&json!({
        "email": email, "password": MEMBER_PASSWORD, "display_name": "River"
    })))
    .await;
    assert_eq!(reply.status, 202, "{}", reply.text());
}

/// Waits (bounded) for a condition the delivery worker brings about.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting: {what}");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

on_both_backends! {
    async fn queued_mail_is_delivered_over_smtp_once(backend: TestBackend) {
        let smtp = FakeSmtp::start();
        let app = TestApp::spawn_with(backend, |s| s.smtp_url = Some(Sensitive::new(smtp.url()))).await;

        register(&app, "river@example.org").await;

        eventually("the confirmation reaches the mail server", || !smtp.received().is_empty()).await;
        eventually("the outbox records it as sent", || app.outbox("river@example.org")[0].sent_at.is_some()).await;
        let message = &smtp.received()[0];
        assert!(message.contains("To: river@example.org"), "{message}");
        assert!(message.contains("Subject: Confirm your email address for Hearth"), "{message}");
        let unfolded = message.replace("=\r\n", "");
        assert!(unfolded.contains(&app.confirmation_code("river@example.org")), "{message}");
        actix_web::rt::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(smtp.received().len(), 1, "delivered exactly once");
    }

    async fn mail_survives_an_unreachable_server_and_is_retried_later(backend: TestBackend) {
        let closed_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let app = TestApp::spawn_with(backend, |s| {
            s.smtp_url = Some(Sensitive::new(format!("smtp://127.0.0.1:{closed_port}")));
        })
        .await;

        register(&app, "sam@example.org").await;

        eventually("a failed attempt is recorded", || app.outbox("sam@example.org")[0].attempts >= 1).await;
        let queued = &app.outbox("sam@example.org")[0];
        assert_eq!(queued.sent_at, None, "not marked sent");
        assert!(queued.email.subject.contains("Confirm"), "still in the outbox");
    }
}

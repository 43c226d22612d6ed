//! Webhooks: registration and its address checks, signed delivery from the outbox to a real
//! receiver, retries with backoff, giving up and redelivering, and delivery across a restart.

use awc::http::Method;
use chrono::{Duration, Utc};
use diesel::connection::SimpleConnection;
use hearth_api::sealing::DataKeys;
use hearth_api::webhooks::{Sender, WebhookPolicy, deliver_due};
use hearth_domain::Sensitive;
use hearth_tests::{
    Member, Received, Receiver, Reply, TEST_DATA_KEY, TestApp, TestBackend, on_both_backends,
};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

struct Clinic {
    app: TestApp,
    admin: Member,
    staff: Member,
    org: String,
    client_token: String,
    group: String,
}

async fn clinic(app: TestApp) -> Clinic {
    let admin = app.admin("ops@example.org").await;
    let org = app.organization(&admin, "Riverside Clinic").await;
    let staff = app.member("staff@riverside.example", "Staff").await;
    app.add_to_organization(&admin, &org, &staff, "staff").await;
    let (id, secret) = app
        .api_client(&admin, &org, &["referrals:read", "referrals:write"])
        .await;
    let client_token = app.client_token(&id, &secret).await;
    let group = app.group(&admin, json!({"name": "Harbour Lights"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Clinic {
        app,
        admin,
        staff,
        org,
        client_token,
        group,
    }
}

async fn loopback_clinic(backend: TestBackend) -> Clinic {
    clinic(TestApp::spawn_with(backend, |s| s.webhook_allow_loopback = true).await).await
}

impl Clinic {
    async fn register(&self, url: &str, events: Value) -> Reply {
        self.app
            .send(
                &self.admin,
                Method::POST,
                &format!("/v1/organizations/{}/webhooks", self.org),
                json!({"url": url, "events": events}),
            )
            .await
    }

    /// Registers `receiver` for status changes; answers the endpoint's id and secret.
    async fn hook(&self, receiver: &Receiver) -> (String, String) {
        let created = self
            .register(&receiver.url(), json!(["referral.status_changed"]))
            .await;
        assert_eq!(created.status, 201, "{}", created.text());
        let body = created.json();
        (
            body["id"].as_str().unwrap().to_owned(),
            body["secret"].as_str().unwrap().to_owned(),
        )
    }

    async fn refer(&self) -> String {
        let now = Utc::now();
        let created = Reply::of(
            self.app
                .post("/v1/referrals")
                .insert_header(("authorization", format!("Bearer {}", self.client_token)))
                .send_json(&json!({
                    "group_id": self.group,
                    "client": {"name": "J.", "contact_route": "phone",
                               "contact_value": "+1 555 010 2000", "language": "en"},
                    "consent": {"given_by": "Client", "given_at": now - Duration::hours(1),
                                "disclosure": "Name and phone to the facilitators.",
                                "expires_at": now + Duration::days(30)}
                })),
        )
        .await;
        assert_eq!(created.status, 201, "{}", created.text());
        created.json()["id"].as_str().unwrap().to_owned()
    }

    /// One delivery round at `now`, as the worker runs it.
    fn deliver(&self, now: chrono::DateTime<Utc>) -> usize {
        let keys = DataKeys::new(&Sensitive::new(TEST_DATA_KEY.to_owned()), &[]).unwrap();
        let sender = Sender::new(WebhookPolicy {
            allow_loopback: true,
        })
        .unwrap();
        deliver_due(&mut self.app.database.connect(), &keys, &sender, now).unwrap()
    }

    async fn deliveries(&self, hook: &str) -> Vec<Value> {
        let listed = self
            .app
            .get_as(
                &self.admin,
                &format!("/v1/organizations/{}/webhooks/{hook}/deliveries", self.org),
            )
            .await;
        assert_eq!(listed.status, 200, "{}", listed.text());
        listed.json()["items"].as_array().unwrap().clone()
    }
}

/// Verifies a delivery as the README tells receivers to, independently of Hearth's code.
fn verify(received: &Received, secret: &str) -> Value {
    let header = received
        .headers
        .get("hearth-signature")
        .expect("a signature header");
    let (t, v1) = header
        .split_once(',')
        .map(|(t, v1)| {
            (
                t.strip_prefix("t=").unwrap(),
                v1.strip_prefix("v1=").unwrap(),
            )
        })
        .unwrap();
    let sent_at: i64 = t.parse().unwrap();
    assert!(
        (Utc::now().timestamp() - sent_at).abs() < 300,
        "a fresh timestamp"
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{}", received.body).as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(v1, expected, "the signature checks out");
    serde_json::from_str(&received.body).unwrap()
}

on_both_backends! {
    async fn a_status_change_reaches_the_receiver_signed(backend: TestBackend) {
        let c = loopback_clinic(backend).await;
        let receiver = Receiver::start(&[]);
        let (hook, secret) = c.hook(&receiver).await;
        assert!(secret.starts_with("whsec_"), "{secret}");
        let listed = c.app.get_as(&c.admin, &format!("/v1/organizations/{}/webhooks", c.org)).await;
        assert_eq!(listed.json()["items"][0]["id"], hook.as_str());
        assert_eq!(listed.json()["items"][0]["secret"], Value::Null, "the secret is shown once");

        let referral = c.refer().await;
        assert_eq!(c.deliver(Utc::now()), 1);
        let received = receiver.received();
        assert_eq!(received.len(), 1);
        let payload = verify(&received[0], &secret);
        assert_eq!(payload["type"], "referral.status_changed");
        assert_eq!(payload["data"]["referral_id"], referral.as_str());
        assert_eq!(payload["data"]["status"], "submitted");
        assert_eq!(payload["data"]["fhir_status"], "requested");
        assert!(!received[0].body.contains("555 010"), "no client data leaves Hearth");
        assert_eq!(received[0].headers["hearth-event"], "referral.status_changed");

        let withdrawn = Reply::of(
            c.app
                .post(&format!("/v1/referrals/{referral}/status"))
                .insert_header(("authorization", format!("Bearer {}", c.client_token)))
                .send_json(&json!({"status": "withdrawn", "reason": "Moved away."})),
        )
        .await;
        assert_eq!(withdrawn.status, 200, "{}", withdrawn.text());
        assert_eq!(c.deliver(Utc::now()), 1);
        let payload = verify(&receiver.received()[1], &secret);
        assert_eq!(payload["data"]["status"], "withdrawn");
        assert_eq!(payload["data"]["previous_status"], "submitted");
        assert!(!receiver.received()[1].body.contains("Moved away"));

        let deliveries = c.deliveries(&hook).await;
        assert_eq!(deliveries.len(), 2);
        assert!(deliveries.iter().all(|d| d["status"] == "delivered" && d["last_status_code"] == 200));
        assert_eq!(c.deliver(Utc::now()), 0, "nothing is sent twice");
    }

    async fn failing_receivers_get_retries_with_backoff_then_a_failure_to_redeliver(backend: TestBackend) {
        let c = loopback_clinic(backend).await;
        let receiver = Receiver::start(&[503, 500, 503, 503]);
        let (hook, secret) = c.hook(&receiver).await;
        c.refer().await;
        let wait = |delivery: &Value| {
            let next = chrono::DateTime::parse_from_rfc3339(delivery["next_attempt_at"].as_str().unwrap()).unwrap();
            next.with_timezone(&Utc) - Utc::now()
        };
        let start = Utc::now();
        assert_eq!(c.deliver(start), 1);
        let pending = &c.deliveries(&hook).await[0];
        assert_eq!(pending["status"], "pending");
        assert_eq!(pending["attempts"], 1);
        assert_eq!(pending["last_status_code"], 503);
        let first_wait = wait(pending);
        let redeliver = format!(
            "/v1/organizations/{}/webhooks/{hook}/deliveries/{}/redeliver",
            c.org,
            pending["id"].as_str().unwrap()
        );
        let still_pending = c.app.send(&c.admin, Method::POST, &redeliver, json!({})).await;
        assert_eq!(still_pending.status, 202);
        assert_eq!(still_pending.json()["attempts"], 1, "a pending delivery is left as it is");
        assert_eq!(still_pending.json()["next_attempt_at"], pending["next_attempt_at"]);
        assert!(first_wait > Duration::seconds(13) && first_wait <= Duration::seconds(45), "30 s ± half: {first_wait}");
        assert_eq!(c.deliver(start), 0, "the retry waits");
        assert_eq!(c.deliver(start + Duration::minutes(2)), 1);
        let second = &c.deliveries(&hook).await[0];
        assert_eq!(second["attempts"], 2);
        assert_eq!(second["last_status_code"], 500);
        let second_wait = wait(second);
        assert!(second_wait > Duration::seconds(28) && second_wait <= Duration::seconds(90), "60 s ± half: {second_wait}");

        c.app
            .database
            .connect()
            // The day is over: whatever the jitter, the next retry would fall after it.
            .batch_execute("UPDATE webhook_deliveries SET give_up_at = created_at")
            .unwrap();
        assert_eq!(c.deliver(start + Duration::hours(3)), 1);
        let failed = c.deliveries(&hook).await[0].clone();
        assert_eq!(failed["status"], "failed");
        assert_eq!(failed["attempts"], 3);
        assert_eq!(failed["next_attempt_at"], Value::Null);
        assert_eq!(c.deliver(start + Duration::days(2)), 0, "a failed delivery rests");

        let queued = c.app.send(&c.admin, Method::POST, &redeliver, json!({})).await;
        assert_eq!(queued.status, 202, "{}", queued.text());
        assert_eq!(queued.json()["status"], "pending");
        assert_eq!(queued.json()["attempts"], 0, "a fresh day of retries from the first wait");
        c.deliver(Utc::now());
        c.deliver(Utc::now() + Duration::hours(2));
        let delivered = &c.deliveries(&hook).await[0];
        assert_eq!(delivered["status"], "delivered", "{delivered}");
        let received = receiver.received();
        assert_eq!(received.len(), 5);
        let ids: Vec<Value> = received.iter().map(|r| verify(r, &secret)["id"].clone()).collect();
        assert!(ids.iter().all(|id| *id == ids[0]), "one event id across attempts");

        c.app
            .send(&c.staff, Method::POST, &redeliver, json!({}))
            .await
            .assert_problem(403, "forbidden");
        let unknown = format!(
            "/v1/organizations/{}/webhooks/{hook}/deliveries/{}/redeliver",
            c.org,
            uuid::Uuid::now_v7()
        );
        c.app
            .send(&c.admin, Method::POST, &unknown, json!({}))
            .await
            .assert_problem(404, "not-found");
    }

    async fn delivery_survives_a_restart(backend: TestBackend) {
        let mut c = loopback_clinic(backend).await;
        let receiver = Receiver::start(&[503]);
        let (hook, secret) = c.hook(&receiver).await;
        c.refer().await;

        let dead_workers_claim = hearth_persistence::webhooks::claim_due(
            &mut c.app.database.connect(),
            Utc::now(),
            Duration::seconds(60),
            10,
        )
        .unwrap();
        assert_eq!(dead_workers_claim.len(), 1);
        assert_eq!(c.deliver(Utc::now()), 0, "a claimed delivery is its worker's");
        assert_eq!(c.deliver(Utc::now() + Duration::seconds(61)), 1, "until the lease runs out");
        assert_eq!(receiver.received().len(), 1, "that attempt failed (503)");

        c.app.restart();
        // The retry is due in half a minute; bring it forward rather than wait.
        c.app
            .database
            .connect()
            .batch_execute("UPDATE webhook_deliveries SET next_attempt_at = created_at")
            .unwrap();
        c.app.deliver_webhooks();
        assert!(
            wait_until(|| receiver.received().len() == 2).await,
            "the restarted server's worker delivered it"
        );
        verify(&receiver.received()[1], &secret);
        assert!(delivered(&c, &hook).await);
    }

    async fn concurrent_workers_never_claim_one_delivery_twice(backend: TestBackend) {
        let c = loopback_clinic(backend).await;
        let receiver = Receiver::start(&[]);
        c.hook(&receiver).await;
        for _ in 0..24 {
            c.refer().await;
        }
        let now = Utc::now();
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let mut connection = c.app.database.connect();
                std::thread::spawn(move || {
                    let mut mine = Vec::new();
                    loop {
                        let claimed = hearth_persistence::webhooks::claim_due(
                            &mut connection,
                            now,
                            Duration::seconds(60),
                            3,
                        )
                        .unwrap();
                        if claimed.is_empty() {
                            return mine;
                        }
                        mine.extend(claimed.into_iter().map(|claim| claim.delivery.id));
                    }
                })
            })
            .collect();
        let mut claimed: Vec<_> = workers.into_iter().flat_map(|worker| worker.join().unwrap()).collect();
        assert_eq!(claimed.len(), 24);
        claimed.sort();
        claimed.dedup();
        assert_eq!(claimed.len(), 24, "every delivery went to exactly one worker");
    }

    async fn webhooks_never_go_to_internal_addresses(backend: TestBackend) {
        let c = clinic(TestApp::spawn(backend).await).await;
        for url in [
            "https://127.0.0.1/hooks",
            "https://10.0.0.1/hooks",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/hooks",
            "https://localhost/hooks",
            "https://192.168.0.10:8443/hooks",
            "https://[::ffff:127.0.0.1]/hooks",
            "http://127.0.0.1:9/hooks",
        ] {
            let refused = c.register(url, json!(["referral.status_changed"])).await;
            let problem = refused.assert_problem(422, "validation");
            assert_eq!(problem["errors"][0]["field"], "url", "{url}: {problem}");
        }
        for url in ["ftp://example.org/x", "not a url", "https://user:pw@example.org/x", "http://example.org/x"] {
            c.register(url, json!(["referral.status_changed"]))
                .await
                .assert_problem(422, "validation");
        }
        c.register("https://127.0.0.1/hooks", json!([]))
            .await
            .assert_problem(422, "validation");
        let listed = c.app.get_as(&c.admin, &format!("/v1/organizations/{}/webhooks", c.org)).await;
        assert_eq!(listed.json()["items"], json!([]), "nothing was registered");

        let loopback = loopback_clinic(TestBackend::Sqlite).await;
        for url in [
            "https://10.0.0.1/hooks",
            "http://169.254.169.254/latest",
            "http://[fd00::1]/x",
            "http://93.184.216.34/hooks",
        ] {
            loopback
                .register(url, json!(["referral.status_changed"]))
                .await
                .assert_problem(422, "validation");
        }
    }

    async fn the_address_is_checked_again_at_every_delivery(backend: TestBackend) {
        let c = loopback_clinic(backend).await;
        let receiver = Receiver::start(&[]);
        let (hook, _) = c.hook(&receiver).await;
        c.refer().await;
        // A server that refuses loopback stands for a name that resolved to a public address
        // at registration and to an internal one now (DNS rebinding).
        let keys = DataKeys::new(&Sensitive::new(TEST_DATA_KEY.to_owned()), &[]).unwrap();
        let strict = Sender::new(WebhookPolicy { allow_loopback: false }).unwrap();
        let attempted = deliver_due(&mut c.app.database.connect(), &keys, &strict, Utc::now()).unwrap();
        assert_eq!(attempted, 1);
        assert!(receiver.received().is_empty(), "no connection was made");
        let delivery = &c.deliveries(&hook).await[0];
        assert_eq!(delivery["status"], "pending");
        assert_eq!(delivery["last_status_code"], Value::Null);
        assert!(
            delivery["last_error"].as_str().unwrap().contains("internal address"),
            "{delivery}"
        );
    }

    async fn only_the_organisations_administrators_manage_its_webhooks(backend: TestBackend) {
        let c = loopback_clinic(backend).await;
        let receiver = Receiver::start(&[]);
        let (hook, _) = c.hook(&receiver).await;
        let path = format!("/v1/organizations/{}/webhooks", c.org);
        c.app
            .send(&c.staff, Method::POST, &path, json!({"url": receiver.url(), "events": ["referral.status_changed"]}))
            .await
            .assert_problem(403, "forbidden");
        c.app.get_as(&c.staff, &path).await.assert_problem(403, "forbidden");
        let outsider = c.app.member("outsider@example.org", "Outsider").await;
        c.app.get_as(&outsider, &path).await.assert_problem(404, "not-found");
        let removed = Reply::of(
            c.app
                .request(Method::DELETE, &format!("{path}/{hook}"))
                .insert_header(c.admin.bearer())
                .send(),
        )
        .await;
        assert_eq!(removed.status, 204);
        c.refer().await;
        assert_eq!(c.deliver(Utc::now()), 0, "a removed endpoint hears nothing");
        let history = c.deliveries(&hook).await;
        assert_eq!(history, Vec::<Value>::new(), "its history stays readable");
        let again = Reply::of(
            c.app
                .request(Method::DELETE, &format!("{path}/{hook}"))
                .insert_header(c.admin.bearer())
                .send(),
        )
        .await;
        again.assert_problem(404, "not-found");
    }
}

async fn wait_until(done: impl Fn() -> bool) -> bool {
    for _ in 0..100 {
        if done() {
            return true;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

async fn delivered(c: &Clinic, hook: &str) -> bool {
    for _ in 0..50 {
        if c.deliveries(hook).await[0]["status"] == "delivered" {
            return true;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

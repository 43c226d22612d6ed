//! The caller's own account: conditional reads and edits, password change, export, erasure.

use awc::http::Method;
use hearth_domain::account::Email;
use hearth_persistence::accounts;
use hearth_tests::{MEMBER_PASSWORD, Member, Reply, TestApp, on_both_backends};
use serde_json::{Value, json};

async fn me(app: &TestApp, member: &Member) -> Reply {
    Reply::of(app.get("/v1/me").insert_header(member.bearer()).send()).await
}

async fn patch_me(app: &TestApp, member: &Member, body: &Value, if_match: Option<&str>) -> Reply {
    let mut request = app
        .request(Method::PATCH, "/v1/me")
        .insert_header(member.bearer());
    if let Some(etag) = if_match {
        request = request.insert_header(("if-match", etag));
    }
    Reply::of(request.send_json(body)).await
}

on_both_backends! {
    async fn me_carries_an_etag_and_answers_304_when_unchanged(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let member = app.member("river@example.org", "River").await;
        let first = me(&app, &member).await;
        let etag = first.header("etag").expect("an ETag").to_owned();

        let again = Reply::of(app.get("/v1/me").insert_header(member.bearer()).insert_header(("if-none-match", etag.as_str())).send()).await;

        assert_eq!(again.status, 304);
        assert_eq!(again.header("etag"), Some(etag.as_str()));
        assert!(again.body.is_empty());
    }

    async fn patch_changes_named_fields_and_null_clears(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let member = app.member("sam@example.org", "Sam").await;

        let set = patch_me(&app, &member, &json!({"display_name": " Sam B. ", "locale": "ga", "time_zone": "Europe/Dublin"}), None).await;
        let cleared = patch_me(&app, &member, &json!({"locale": null}), None).await;

        assert_eq!(set.status, 200, "{}", set.text());
        assert_eq!(set.json()["display_name"], "Sam B.");
        assert_eq!(set.json()["time_zone"], "Europe/Dublin");
        assert_ne!(set.header("etag"), None);
        let after = cleared.json();
        assert_eq!(after["locale"], Value::Null);
        assert_eq!(after["time_zone"], "Europe/Dublin", "an absent field is left alone");
        assert_eq!(after["display_name"], "Sam B.");
        assert_eq!(me(&app, &member).await.json(), after);
    }

    async fn patch_with_a_stale_if_match_is_412_and_changes_nothing(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let member = app.member("kai@example.org", "Kai").await;
        let stale = me(&app, &member).await.header("etag").unwrap().to_owned();
        patch_me(&app, &member, &json!({"display_name": "Kai from the phone"}), Some(&stale)).await;

        let reply = patch_me(&app, &member, &json!({"display_name": "Kai from the laptop"}), Some(&stale)).await;

        reply.assert_problem(412, "precondition-failed");
        assert_eq!(me(&app, &member).await.json()["display_name"], "Kai from the phone");
        let current = me(&app, &member).await.header("etag").unwrap().to_owned();
        assert_eq!(patch_me(&app, &member, &json!({"display_name": "Kai"}), Some(&current)).await.status, 200);
    }

    async fn patch_cannot_touch_email_or_role(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let member = app.member("ash@example.org", "Ash").await;

        let role = patch_me(&app, &member, &json!({"role": "admin"}), None).await;
        let email = patch_me(&app, &member, &json!({"email": "boss@example.org"}), None).await;

        role.assert_problem(400, "bad-request");
        email.assert_problem(400, "bad-request");
        let account = me(&app, &member).await.json();
        assert_eq!(account["role"], "member");
        assert_eq!(account["email"], "ash@example.org");
    }

    async fn patch_reports_every_invalid_field(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let member = app.member("lee@example.org", "Lee").await;

        let reply = patch_me(&app, &member, &json!({"display_name": "", "locale": "english", "time_zone": "Mars/Olympus"}), None).await;

        let problem = reply.assert_problem(422, "validation");
        let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["display_name", "locale", "time_zone"]);
        assert_eq!(me(&app, &member).await.json()["display_name"], "Lee");
    }

    async fn password_change_needs_the_current_password(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let member = app.member("jo@example.org", "Jo").await;

        let wrong = Reply::of(app.post("/v1/me/password").insert_header(member.bearer())
            .send_json(&json!({"current_password": "not it at all", "new_password": "harbour violet thimble quartz"}))).await;
        let weak = Reply::of(app.post("/v1/me/password").insert_header(member.bearer())
            .send_json(&json!({"current_password": MEMBER_PASSWORD, "new_password": "password123"}))).await;

        wrong.assert_problem(400, "invalid-grant");
        assert_eq!(weak.assert_problem(422, "validation")["errors"][0]["code"], "weak");
        assert_eq!(app.password_grant("jo@example.org", MEMBER_PASSWORD).await.status, 200);
    }

    async fn password_change_logs_out_other_sessions_and_tells_the_owner(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let phone = app.member("vic@example.org", "Vic").await;
        let laptop = app.password_grant("vic@example.org", MEMBER_PASSWORD).await.json();
        let new_password = "harbour violet thimble quartz";

        let changed = Reply::of(app.post("/v1/me/password").insert_header(phone.bearer())
            .send_json(&json!({"current_password": MEMBER_PASSWORD, "new_password": new_password}))).await;

        assert_eq!(changed.status, 204, "{}", changed.text());
        app.password_grant("vic@example.org", MEMBER_PASSWORD).await.assert_problem(400, "invalid-grant");
        assert_eq!(app.password_grant("vic@example.org", new_password).await.status, 200);
        app.refresh_grant(laptop["refresh_token"].as_str().unwrap()).await.assert_problem(400, "invalid-grant");
        assert_eq!(app.refresh_grant(&phone.refresh_token).await.status, 200, "the session that changed it stays");
        let last = app.mails_to("vic@example.org").pop().unwrap();
        assert!(last.subject.contains("password was changed"), "{}", last.subject);
    }

    async fn export_holds_everything_but_secrets(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let member = app.member("oz@example.org", "Oz").await;

        let reply = Reply::of(app.get("/v1/me/export").insert_header(member.bearer()).send()).await;

        assert_eq!(reply.status, 200, "{}", reply.text());
        assert!(reply.header("content-disposition").unwrap().contains("attachment"));
        let export = reply.json();
        assert_eq!(export["account"]["email"], "oz@example.org");
        assert_eq!(export["sessions"].as_array().unwrap().len(), 1);
        assert_eq!(export["email_tokens"][0]["purpose"], "confirm_email");
        assert!(export["email_tokens"][0]["used_at"].is_string());
        assert!(export["mail"][0]["subject"].as_str().unwrap().contains("Confirm"));
        assert_eq!(export["organizations"], json!([]));
        let text = reply.text();
        let code = app.confirmation_code("oz@example.org");
        for secret in [code.as_str(), &member.refresh_token, "argon2", "token_hash"] {
            assert!(!text.contains(secret), "the export leaks {secret}");
        }
    }

    async fn export_lists_the_organizations_one_works_in(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let admin = app.admin("ops@example.org").await;
        let org = app.organization(&admin, "Harbour Street Clinic").await;
        let staff = app.member("staff@example.org", "Staff").await;
        app.add_to_organization(&admin, &org, &staff, "staff").await;

        let export = Reply::of(app.get("/v1/me/export").insert_header(staff.bearer()).send()).await.json();

        assert_eq!(export["organizations"][0]["organization_id"], org);
        assert_eq!(export["organizations"][0]["name"], "Harbour Street Clinic");
        assert_eq!(export["organizations"][0]["role"], "staff");
    }

    async fn delete_me_erases_personal_data_behind_the_password(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let admin = app.admin("ops@example.org").await;
        let org = app.organization(&admin, "Clinic").await;
        let member = app.member("gone@example.org", "Gone").await;
        app.add_to_organization(&admin, &org, &member, "staff").await;
        let delete = |password: &'static str| {
            app.request(Method::DELETE, "/v1/me").insert_header(member.bearer()).send_json(&json!({"password": password}))
        };

        let refused = Reply::of(delete("not the password")).await;
        refused.assert_problem(400, "invalid-grant");
        assert_eq!(me(&app, &member).await.status, 200);

        let erased = Reply::of(delete(MEMBER_PASSWORD)).await;

        assert_eq!(erased.status, 204, "{}", erased.text());
        app.password_grant("gone@example.org", MEMBER_PASSWORD).await.assert_problem(400, "invalid-grant");
        app.refresh_grant(&member.refresh_token).await.assert_problem(400, "invalid-grant");
        me(&app, &member).await.assert_problem(404, "not-found");
        assert!(app.mails_to("gone@example.org").is_empty(), "queued mail to the address is gone");
        let people = Reply::of(app.get(&format!("/v1/organizations/{org}/members")).insert_header(admin.bearer()).send()).await.json();
        assert_eq!(people.as_array().unwrap().len(), 1, "their organisation role is gone: {people}");
        let mut c = app.database.connect();
        assert!(accounts::find_by_email(&mut c, &Email::parse("gone@example.org").unwrap()).unwrap().is_none());
        let again = app.member("gone@example.org", "Back again").await;
        assert_eq!(me(&app, &again).await.json()["display_name"], "Back again");
    }

    async fn own_account_endpoints_need_a_token(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        for (method, path) in [(Method::PATCH, "/v1/me"), (Method::DELETE, "/v1/me"), (Method::POST, "/v1/me/password"), (Method::GET, "/v1/me/export")] {
            let reply = Reply::of(app.request(method.clone(), path).send_json(&json!({}))).await;
            reply.assert_problem(401, "unauthenticated");
        }
    }
}

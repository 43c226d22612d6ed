//! Crisis resources: public and ordered for the reader, overridden by administrators, linked
//! from every problem answer, and answered while the database cannot be had.

use std::time::{Duration, Instant};

use awc::http::Method;
use hearth_tests::{Member, Reply, TestApp, TestBackend, on_both_backends};
use serde_json::{Value, json};

/// A bound against hanging on the database, not a speed target.
const PROMPT: Duration = Duration::from_millis(2500);

const HELP_LINK: &str = "</v1/crisis-resources>; rel=\"help\"";

async fn crisis(app: &TestApp, query: &str) -> Reply {
    Reply::of(app.get(&format!("/v1/crisis-resources{query}")).send()).await
}

fn slugs(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["slug"].as_str().unwrap().to_owned())
        .collect()
}

fn item<'a>(page: &'a Value, slug: &str) -> &'a Value {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["slug"] == slug)
        .unwrap_or_else(|| panic!("{slug} missing from {page}"))
}

fn warmline() -> Value {
    json!({
        "name": "Peer Warm Line", "description": "Non-emergency support from peers.",
        "region": "us-ca", "languages": ["en", "es"], "phone": "1-855-845-7415",
        "hours": "24/7", "position": 1
    })
}

async fn put(app: &TestApp, by: &Member, slug: &str, body: Value) -> Reply {
    app.send(
        by,
        Method::PUT,
        &format!("/v1/crisis-resources/{slug}"),
        body,
    )
    .await
}

on_both_backends! {
    async fn crisis_help_is_public_ordered_for_the_reader_and_cacheable(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let us = crisis(&app, "?region=US").await;
        assert_eq!(us.status, 200, "{}", us.text());
        assert_eq!(us.header("cache-control"), Some("public, max-age=300"));
        let page = us.json();
        assert_eq!(page["source"], "current");
        assert_eq!(
            slugs(&page),
            ["us-emergency", "us-988-lifeline", "us-samhsa-helpline", "us-crisis-text-line", "us-veterans-crisis-line", "findahelpline"]
        );
        let lifeline = item(&page, "us-988-lifeline");
        assert_eq!((lifeline["phone"].as_str(), lifeline["text_number"].as_str()), (Some("988"), Some("988")));
        assert_eq!(lifeline["origin"], "built_in");

        let etag = us.header("etag").unwrap().to_owned();
        let again = Reply::of(app.get("/v1/crisis-resources?region=US").insert_header(("If-None-Match", etag.as_str())).send()).await;
        assert_eq!(again.status, 304);
        let expired = Reply::of(app.get("/v1/crisis-resources?region=US").insert_header(("Authorization", "Bearer not.a.token")).send()).await;
        assert_eq!(expired.status, 200, "a token, even a broken one, never stands in the way");

        let spanish = crisis(&app, "?region=us-ca&language=es-MX").await.json();
        assert_eq!(slugs(&spanish)[..3], ["us-emergency", "us-988-lifeline", "us-samhsa-helpline"]);
        assert_eq!(slugs(&spanish).len(), 6, "a language orders, never hides");
        let everywhere = slugs(&crisis(&app, "").await.json());
        assert!(everywhere.contains(&"gb-samaritans".to_owned()) && everywhere.contains(&"au-lifeline".to_owned()));
        assert_eq!(slugs(&crisis(&app, "?region=FR").await.json()), ["findahelpline"]);

        let bad_region = crisis(&app, "?region=California").await;
        assert_eq!(bad_region.assert_problem(422, "validation")["errors"][0]["field"], "region");
        assert_eq!(bad_region.header("link"), Some(HELP_LINK));
        let bad_language = crisis(&app, "?language=not_a_language").await;
        assert_eq!(bad_language.assert_problem(422, "validation")["errors"][0]["field"], "language");
    }

    async fn every_problem_and_group_page_points_to_crisis_help(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let owner = app.member("owner@example.org", "Owner").await;
        let group = app.group(&owner, json!({"visibility": "public"})).await;

        let missing = Reply::of(app.get("/v1/groups/no-such-group").send()).await;
        missing.assert_problem(404, "not-found");
        assert_eq!(missing.header("link"), Some(HELP_LINK));
        let no_route = Reply::of(app.get("/v1/nowhere").send()).await;
        assert_eq!(no_route.header("link"), Some(HELP_LINK));
        let page = Reply::of(app.get(&format!("/v1/groups/{}", group["id"].as_str().unwrap())).send()).await;
        assert_eq!(page.status, 200);
        assert_eq!(page.header("link"), Some(HELP_LINK));
    }

    async fn administrators_replace_withdraw_add_and_remove_entries(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let admin = app.admin("ops@example.org").await;
        let member = app.member("member@example.org", "Member").await;

        let mut samhsa = item(&crisis(&app, "?region=US").await.json(), "us-samhsa-helpline").clone();
        for field in ["slug", "origin", "withdrawn"] {
            samhsa.as_object_mut().unwrap().remove(field);
        }
        samhsa["hours"] = json!("Around the clock, every day");
        let replaced = put(&app, &admin, "us-samhsa-helpline", samhsa).await;
        assert_eq!(replaced.status, 200, "{}", replaced.text());
        assert_eq!(replaced.json()["origin"], "directory");
        let withdrawn = put(&app, &admin, "us-crisis-text-line", json!({
            "name": "Crisis Text Line", "description": "Withdrawn here.", "region": "US",
            "languages": ["en"], "website": "https://www.crisistextline.org/", "hours": "24/7", "withdrawn": true
        })).await;
        assert_eq!(withdrawn.status, 200, "{}", withdrawn.text());
        let added = put(&app, &admin, "ca-peer-warmline", warmline()).await;
        assert_eq!(added.json()["region"], "US-CA");

        let california = crisis(&app, "?region=US-CA").await.json();
        assert_eq!(slugs(&california)[0], "ca-peer-warmline");
        assert!(!slugs(&california).contains(&"us-crisis-text-line".to_owned()));
        assert_eq!(item(&california, "us-samhsa-helpline")["hours"], "Around the clock, every day");
        assert_eq!(item(&california, "us-samhsa-helpline")["origin"], "directory");
        assert!(!slugs(&crisis(&app, "?region=US-NY").await.json()).contains(&"ca-peer-warmline".to_owned()));

        let restored = app.send(&admin, Method::DELETE, "/v1/crisis-resources/us-crisis-text-line", json!({})).await;
        assert_eq!(restored.status, 204);
        assert!(slugs(&crisis(&app, "?region=US").await.json()).contains(&"us-crisis-text-line".to_owned()));
        app.send(&admin, Method::DELETE, "/v1/crisis-resources/us-crisis-text-line", json!({})).await.assert_problem(404, "not-found");
        app.send(&admin, Method::DELETE, "/v1/crisis-resources/us-988-lifeline", json!({})).await.assert_problem(404, "not-found");

        put(&app, &member, "ca-peer-warmline", warmline()).await.assert_problem(403, "forbidden");
        Reply::of(app.request(Method::PUT, "/v1/crisis-resources/ca-peer-warmline").send_json(&warmline())).await.assert_problem(401, "unauthenticated");
        app.send(&member, Method::DELETE, "/v1/crisis-resources/ca-peer-warmline", json!({})).await.assert_problem(403, "forbidden");
    }

    async fn entries_out_of_shape_are_refused_whole_and_change_nothing(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let admin = app.admin("ops@example.org").await;
        let before = crisis(&app, "").await.json();

        let mut unreachable = warmline();
        unreachable.as_object_mut().unwrap().remove("phone");
        unreachable["region"] = json!("California");
        unreachable["position"] = json!(5000);
        let refused = put(&app, &admin, "X", unreachable).await;
        let fields: Vec<String> = refused.assert_problem(422, "validation")["errors"]
            .as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
        assert_eq!(fields, ["slug", "region", "position", "phone"]);

        for (field, value) in [
            ("website", json!("http://insecure.example.org")),
            ("chat_url", json!("javascript:alert(1)")),
            ("phone", json!("call us")),
            ("text_keyword", json!("HOME")),
            ("languages", json!([])),
            ("languages", json!(["not a language"])),
            ("name", json!("   ")),
            ("hours", json!("")),
            ("description", json!("x".repeat(501))),
        ] {
            let mut body = warmline();
            body[field] = value;
            let refused = put(&app, &admin, "ca-peer-warmline", body).await;
            let problem = refused.assert_problem(422, "validation");
            assert!(problem["errors"][0]["field"].as_str().unwrap().starts_with(field), "{field}: {problem}");
        }
        let mut unknown = warmline();
        unknown["fax"] = json!("555 0100");
        put(&app, &admin, "ca-peer-warmline", unknown).await.assert_problem(400, "bad-request");

        assert_eq!(crisis(&app, "").await.json(), before);
    }

    async fn crisis_help_is_answered_while_the_pool_cannot_give_a_connection(backend: TestBackend) {
        let app = TestApp::spawn_with(backend, |s| s.database.pool_size = 2).await;
        let admin = app.admin("ops@example.org").await;
        assert_eq!(put(&app, &admin, "ca-peer-warmline", warmline()).await.status, 200);
        assert_eq!(crisis(&app, "?region=US-CA").await.json()["source"], "current");
        let mut renamed = warmline();
        renamed["name"] = json!("Renamed Warm Line");
        assert_eq!(put(&app, &admin, "ca-peer-warmline", renamed).await.status, 200);

        let holders: Vec<_> = (0..2)
            .map(|_| actix_web::rt::spawn(Reply::of(app.get("/test/hold-db?ms=2000").send())))
            .collect();
        actix_web::rt::time::sleep(Duration::from_millis(300)).await;
        let started = Instant::now();
        let during = crisis(&app, "?region=US-CA").await;
        assert!(started.elapsed() < PROMPT, "waited {:?}", started.elapsed());
        assert_eq!(during.status, 200, "{}", during.text());
        assert_eq!(during.header("cache-control"), Some("no-cache"), "not to be kept once the database is back");
        let page = during.json();
        assert_eq!(page["source"], "last_known");
        assert_eq!(item(&page, "ca-peer-warmline")["name"], "Peer Warm Line", "the directory as last read");
        assert!(slugs(&page).contains(&"us-988-lifeline".to_owned()));
        for holder in holders {
            assert_eq!(holder.await.unwrap().status, 200);
        }

        let mut again = warmline();
        again["name"] = json!("Warm Line Again");
        assert_eq!(put(&app, &admin, "ca-peer-warmline", again).await.status, 200);
        let after = crisis(&app, "?region=US-CA").await.json();
        assert_eq!(after["source"], "current");
        assert_eq!(item(&after, "ca-peer-warmline")["name"], "Warm Line Again");
    }

    async fn a_server_that_never_reached_its_database_answers_from_the_built_in_set(backend: TestBackend) {
        let app = TestApp::spawn_with(backend, |s| s.database.pool_size = 1).await;
        let holder = actix_web::rt::spawn(Reply::of(app.get("/test/hold-db?ms=1500").send()));
        actix_web::rt::time::sleep(Duration::from_millis(300)).await;
        let page = crisis(&app, "?region=US").await.json();
        assert_eq!(page["source"], "built_in");
        assert_eq!(slugs(&page)[..2], ["us-emergency", "us-988-lifeline"]);
        assert_eq!(holder.await.unwrap().status, 200);
    }
}

/// A real outage: PostgreSQL unreachable, and the server has never read the directory.
#[actix_web::test]
async fn crisis_help_is_answered_with_postgres_unreachable() {
    let Some(backend) = TestBackend::postgres() else {
        return;
    };
    let (app, proxy) = TestApp::spawn_behind_proxy(backend).await;
    proxy.cut();

    let started = Instant::now();
    let reply = crisis(&app, "?region=US&language=es").await;
    assert!(started.elapsed() < PROMPT, "waited {:?}", started.elapsed());
    assert_eq!(reply.status, 200, "{}", reply.text());
    let page = reply.json();
    assert_eq!(page["source"], "built_in");
    assert!(slugs(&page).contains(&"us-988-lifeline".to_owned()));
    Reply::of(app.get("/health/ready").send())
        .await
        .assert_problem(503, "database-unavailable");
    proxy.restore();
}

//! Resources: editors add treatment locators, harm-reduction services and family support for
//! a region and languages; everyone finds what serves their place once published.

use awc::http::Method;
use hearth_tests::{Member, Reply, TestApp, TestBackend, on_both_backends};
use serde_json::{Value, json};

async fn editor_app(backend: TestBackend) -> (TestApp, Member, Member) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin("admin@example.org").await;
    let editor = app.editor(&admin, "editor@example.org", "Morgan").await;
    (app, admin, editor)
}

fn resource(name: &str, region: &str, extra: Value) -> Value {
    let mut body = json!({
        "name": name, "kind": "harm_reduction", "url": "https://example.org/help",
        "region": region, "languages": ["en"], "status": "published"
    });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    body
}

async fn add(app: &TestApp, by: &Member, body: Value) -> String {
    let created = app.send(by, Method::POST, "/v1/resources", body).await;
    assert_eq!(created.status, 201, "{}", created.text());
    created.json()["slug"].as_str().unwrap().to_owned()
}

fn slugs(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["slug"].as_str().unwrap().to_owned())
        .collect()
}

async fn list(app: &TestApp, query: &str) -> Vec<String> {
    let page = Reply::of(app.get(&format!("/v1/resources{query}")).send()).await;
    assert_eq!(page.status, 200, "{}", page.text());
    slugs(&page.json())
}

on_both_backends! {
    async fn readers_find_what_serves_their_place(backend: TestBackend) {
        let (app, _, editor) = editor_app(backend).await;
        let national = add(&app, &editor, resource("FindTreatment.gov", "US", json!({"kind": "treatment_locator", "phone": "1-800-662-4357", "languages": ["en", "es"], "topics": ["substances"]}))).await;
        let texas = add(&app, &editor, resource("Texas naloxone program", "us-tx", json!({"tags": ["Naloxone"]}))).await;
        let everywhere = add(&app, &editor, resource("Al-Anon family groups", "*", json!({"kind": "family_support", "topics": ["family_and_friends"], "email": "wso@al-anon.org"}))).await;
        let ontario = add(&app, &editor, resource("ConnexOntario", "CA-ON", json!({"kind": "treatment_locator", "languages": ["en", "fr-CA"]}))).await;
        add(&app, &editor, resource("Draft clinic", "US", json!({"status": "draft"}))).await;

        assert_eq!(list(&app, "").await, [ontario.clone(), everywhere.clone(), texas.clone(), national.clone()]);
        assert_eq!(list(&app, "?region=US-TX").await, [everywhere.clone(), texas.clone(), national.clone()]);
        assert_eq!(list(&app, "?region=US").await, [everywhere.clone(), national.clone()]);
        assert_eq!(list(&app, "?region=us-ca").await, [everywhere.clone(), national.clone()]);
        assert_eq!(list(&app, "?kind=treatment_locator").await, [ontario.clone(), national.clone()]);
        assert_eq!(list(&app, "?language=es").await, [national.as_str()]);
        assert_eq!(list(&app, "?language=fr").await, [ontario.as_str()]);
        assert_eq!(list(&app, "?tag=naloxone").await, [texas.as_str()]);
        assert_eq!(list(&app, "?topic=family_and_friends").await, [everywhere.as_str()]);
        assert_eq!(list(&app, "?q=naloxone%20TEXAS").await, [texas.as_str()]);

        let one = Reply::of(app.get(&format!("/v1/resources/{national}")).send()).await.json();
        assert_eq!((one["region"].as_str(), one["phone"].as_str(), one["languages"].clone()), (Some("US"), Some("1-800-662-4357"), json!(["en", "es"])));
        assert_eq!(Reply::of(app.get(&format!("/v1/resources/{texas}")).send()).await.json()["region"], "US-TX");
        Reply::of(app.get("/v1/resources/draft-clinic").send()).await.assert_problem(404, "not-found");
        assert_eq!(app.get_as(&editor, "/v1/resources/draft-clinic").await.status, 200);
        assert_eq!(slugs(&app.get_as(&editor, "/v1/resources?status=draft").await.json()), ["draft-clinic"]);

        let first = Reply::of(app.get("/v1/resources?limit=3").send()).await.json();
        let rest = Reply::of(app.get(&format!("/v1/resources?limit=3&cursor={}", first["next_cursor"].as_str().unwrap())).send()).await.json();
        assert_eq!([slugs(&first), slugs(&rest)].concat(), [ontario, everywhere, texas, national]);

        for (query, status, slug) in [("?region=Texas", 422, "validation"), ("?kind=shelter", 400, "bad-request"), ("?language=x", 422, "validation"), ("?status=draft", 401, "unauthenticated"), ("?cursor=nope", 400, "bad-request")] {
            Reply::of(app.get(&format!("/v1/resources{query}")).send()).await.assert_problem(status, slug);
        }
    }

    async fn editors_change_resources_and_bad_ones_are_refused(backend: TestBackend) {
        let (app, admin, editor) = editor_app(backend).await;
        let reader = app.member("reader@example.org", "Reader").await;
        let slug = add(&app, &editor, resource("Naloxone by mail", "US", json!({}))).await;
        let path = format!("/v1/resources/{slug}");

        let changed = app.send(&editor, Method::PATCH, &path, json!({"phone": "(555) 010-2000", "url": null, "region": "US-NY"})).await;
        assert_eq!(changed.status, 200, "{}", changed.text());
        let changed = changed.json();
        assert_eq!((changed["url"].clone(), changed["phone"].as_str(), changed["region"].as_str()), (Value::Null, Some("(555) 010-2000"), Some("US-NY")));
        let refused = app.send(&editor, Method::PATCH, &path, json!({"phone": null})).await.assert_problem(422, "validation");
        assert_eq!(refused["errors"][0]["field"], "url", "it needs a way to reach it");
        app.send(&reader, Method::PATCH, &path, json!({"name": "Mine"})).await.assert_problem(403, "forbidden");
        Reply::of(app.request(Method::PATCH, &path).send_json(&json!({"name": "Anyone"}))).await.assert_problem(401, "unauthenticated");
        let stale = app.request(Method::PATCH, &path).insert_header(editor.bearer()).insert_header(("If-Match", "\"stale\"")).send_json(&json!({"name": "Changed"}));
        Reply::of(stale).await.assert_problem(412, "precondition-failed");
        let current = app.get_as(&editor, &path).await.header("etag").unwrap().to_owned();
        let fresh = app.request(Method::PATCH, &path).insert_header(editor.bearer()).insert_header(("If-Match", current.as_str())).send_json(&json!({"name": "Naloxone by mail (US)"}));
        assert_eq!(Reply::of(fresh).await.json()["name"], "Naloxone by mail (US)");
        app.send(&reader, Method::POST, "/v1/resources", resource("Mine", "US", json!({}))).await.assert_problem(403, "forbidden");
        assert_eq!(app.send(&admin, Method::PATCH, &path, json!({"status": "archived"})).await.status, 200);
        Reply::of(app.get(&path).send()).await.assert_problem(404, "not-found");

        let problem = app.send(&editor, Method::POST, "/v1/resources", json!({
            "name": " ", "kind": "other", "url": "http://plain.example.org", "phone": "12",
            "email": "nobody", "region": "Texas", "languages": []
        })).await.assert_problem(422, "validation");
        let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|error| error["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["name", "url", "phone", "email", "region", "languages"]);
        app.send(&editor, Method::POST, "/v1/resources", resource("Again", "US", json!({"slug": slug}))).await.assert_problem(409, "slug-taken");
        app.send(&editor, Method::POST, "/v1/resources", resource("Odd", "US", json!({"kind": "shelter"}))).await.assert_problem(400, "bad-request");
        assert_eq!(slugs(&app.get_as(&editor, "/v1/resources?status=archived").await.json()), [slug.as_str()], "nothing else was added");
    }
}

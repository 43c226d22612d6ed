//! Articles: editors write, schedule, publish and archive; everyone reads what is published,
//! searches it, and gets sanitised HTML; drafts exist only for their editors.

use awc::http::Method;
use diesel::connection::SimpleConnection;
use hearth_tests::{Member, Reply, TestApp, TestBackend, on_both_backends};
use serde_json::{Value, json};

struct Newsroom {
    app: TestApp,
    admin: Member,
    editor: Member,
    reader: Member,
}

async fn newsroom(backend: TestBackend) -> Newsroom {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin("admin@example.org").await;
    let editor = app.editor(&admin, "editor@example.org", "Morgan").await;
    let reader = app.member("reader@example.org", "Reader").await;
    Newsroom {
        app,
        admin,
        editor,
        reader,
    }
}

async fn write(app: &TestApp, by: &Member, body: Value) -> Reply {
    app.send(by, Method::POST, "/v1/articles", body).await
}

fn article(title: &str) -> Value {
    json!({"title": title, "body": "Come as you are. You can just listen.", "language": "en"})
}

fn slug(reply: &Reply) -> String {
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()["slug"].as_str().unwrap().to_owned()
}

fn slugs(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["slug"].as_str().unwrap().to_owned())
        .collect()
}

async fn anonymous(app: &TestApp, path: &str) -> Reply {
    Reply::of(app.get(path).send()).await
}

on_both_backends! {
    async fn drafts_are_for_editors_until_published(backend: TestBackend) {
        let Newsroom { app, editor, reader, .. } = newsroom(backend).await;
        let created = write(&app, &editor, json!({
            "title": "Your first meeting", "summary": "What happens.", "language": "en",
            "body": "# Welcome\n\nCome *as you are*.\n\n<script>alert(1)</script><img src=x onerror=alert(1)>\n\n[click](javascript:alert(1))",
            "topics": ["alcohol"], "tags": ["First-Steps"],
        })).await;
        let draft = slug(&created);
        assert_eq!(created.header("location"), Some("/v1/articles/your-first-meeting"));
        let made = created.json();
        assert_eq!((draft.as_str(), made["status"].as_str(), made["author_name"].as_str(), made["published_at"].clone()), ("your-first-meeting", Some("draft"), Some("Morgan"), Value::Null));
        assert_eq!(made["tags"], json!(["first-steps"]));
        let html = made["body_html"].as_str().unwrap();
        assert!(html.contains("<h1>Welcome</h1>") && html.contains("<em>as you are</em>"), "{html}");
        for inert in ["<script", "onerror", "javascript:"] {
            assert!(!html.contains(inert), "{inert} in {html}");
        }

        let path = format!("/v1/articles/{draft}");
        anonymous(&app, &path).await.assert_problem(404, "not-found");
        app.get_as(&reader, &path).await.assert_problem(404, "not-found");
        assert_eq!(slugs(&anonymous(&app, "/v1/articles").await.json()), Vec::<String>::new());
        assert_eq!(app.get_as(&editor, &path).await.status, 200);
        assert_eq!(slugs(&app.get_as(&editor, "/v1/articles?status=draft").await.json()), [draft.as_str()]);
        anonymous(&app, "/v1/articles?status=draft").await.assert_problem(401, "unauthenticated");
        app.get_as(&reader, "/v1/articles?status=draft").await.assert_problem(403, "forbidden");

        let published = app.send(&editor, Method::PATCH, &path, json!({"status": "published"})).await;
        assert_eq!(published.status, 200, "{}", published.text());
        let published_at = published.json()["published_at"].as_str().unwrap().to_owned();
        let read = anonymous(&app, &path).await;
        assert_eq!((read.status, read.json()["reading_minutes"].as_u64()), (200, Some(1)));
        let etag = read.header("etag").unwrap().to_owned();
        let again = Reply::of(app.get(&path).insert_header(("If-None-Match", etag.as_str())).send()).await;
        assert_eq!(again.status, 304);
        assert_eq!(slugs(&anonymous(&app, "/v1/articles").await.json()), [draft.as_str()]);

        app.send(&editor, Method::PATCH, &path, json!({"status": "archived"})).await;
        anonymous(&app, &path).await.assert_problem(404, "not-found");
        let republished = app.send(&editor, Method::PATCH, &path, json!({"status": "published"})).await.json();
        assert_eq!(republished["published_at"].as_str(), Some(published_at.as_str()), "it keeps its first date");

        app.send(&reader, Method::PATCH, &path, json!({"title": "Mine now"})).await.assert_problem(403, "forbidden");
        write(&app, &reader, article("Not an editor")).await.assert_problem(403, "forbidden");
        Reply::of(app.post("/v1/articles").send_json(&article("Nobody"))).await.assert_problem(401, "unauthenticated");

        let stale = app.request(Method::PATCH, &path).insert_header(editor.bearer()).insert_header(("If-Match", "\"stale\"")).send_json(&json!({"title": "Changed"}));
        Reply::of(stale).await.assert_problem(412, "precondition-failed");
        let current = app.get_as(&editor, &path).await.header("etag").unwrap().to_owned();
        let fresh = app.request(Method::PATCH, &path).insert_header(editor.bearer()).insert_header(("If-Match", current.as_str())).send_json(&json!({"title": "Your very first meeting"}));
        assert_eq!(Reply::of(fresh).await.json()["title"], "Your very first meeting");
    }

    async fn readers_search_by_text_tag_topic_and_language_newest_first(backend: TestBackend) {
        let Newsroom { app, editor, .. } = newsroom(backend).await;
        let publish = |title: &'static str, extra: Value| {
            let mut body = article(title);
            body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            body["status"] = json!("published");
            body
        };
        let sleep = slug(&write(&app, &editor, publish("Sleep in early recovery", json!({"tags": ["sleep"], "topics": ["alcohol"], "body": "Insomnia is common after stopping drinking."}))).await);
        let family = slug(&write(&app, &editor, publish("When someone you love drinks", json!({"tags": ["family"], "topics": ["family_and_friends", "alcohol"]}))).await);
        let spanish = slug(&write(&app, &editor, publish("Tu primera reunión", json!({"language": "es-MX", "tags": ["first-steps"]}))).await);
        slug(&write(&app, &editor, article("Draft about sleep")).await);

        let list = |query: &str| {
            let app = &app;
            let query = query.to_owned();
            async move { slugs(&anonymous(app, &format!("/v1/articles{query}")).await.json()) }
        };
        assert_eq!(list("").await, [spanish.clone(), family.clone(), sleep.clone()]);
        assert_eq!(list("?q=INSOMNIA%20drinking").await, [sleep.as_str()]);
        assert_eq!(list("?q=sleep").await, [sleep.as_str()], "drafts stay out of search");
        assert_eq!(list("?tag=family").await, [family.as_str()]);
        assert_eq!(list("?topic=alcohol").await, [family.clone(), sleep.clone()]);
        assert_eq!(list("?language=es").await, [spanish.as_str()]);
        assert_eq!(list("?language=es-MX").await, [spanish.as_str()]);
        assert_eq!(list("?q=100%25").await, Vec::<String>::new());

        let first = anonymous(&app, "/v1/articles?limit=2").await.json();
        let rest = anonymous(&app, &format!("/v1/articles?limit=2&cursor={}", first["next_cursor"].as_str().unwrap())).await.json();
        assert_eq!([slugs(&first), slugs(&rest)].concat(), [spanish, family, sleep]);
        assert!(first["items"][0].get("body").is_none(), "lists leave the body out");

        anonymous(&app, "/v1/articles?topic=astrology").await.assert_problem(400, "bad-request");
        anonymous(&app, "/v1/articles?cursor=nonsense").await.assert_problem(400, "bad-request");
        let readers_cursor = first["next_cursor"].as_str().unwrap();
        app.get_as(&editor, &format!("/v1/articles?status=draft&cursor={readers_cursor}")).await.assert_problem(400, "bad-request");
        anonymous(&app, "/v1/articles?language=not%20a%20tag").await.assert_problem(422, "validation");
        anonymous(&app, &format!("/v1/articles?q={}", "x".repeat(201))).await.assert_problem(422, "validation");
        anonymous(&app, "/v1/articles?limit=0").await.assert_problem(422, "validation");
    }

    async fn a_scheduled_article_appears_by_itself(backend: TestBackend) {
        let Newsroom { app, editor, .. } = newsroom(backend).await;
        let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
        let mut body = article("Holidays without a drink");
        body["status"] = json!("scheduled");
        body["publish_at"] = json!(tomorrow);
        let scheduled = slug(&write(&app, &editor, body.clone()).await);
        let path = format!("/v1/articles/{scheduled}");
        anonymous(&app, &path).await.assert_problem(404, "not-found");
        assert_eq!(app.get_as(&editor, &path).await.json()["status"], "scheduled");

        app.database.connect().batch_execute("UPDATE articles SET published_at = '2026-01-01 08:00:00'").unwrap();
        let due = anonymous(&app, &path).await;
        assert_eq!((due.status, due.json()["status"].as_str()), (200, Some("published")));
        assert_eq!(slugs(&anonymous(&app, "/v1/articles").await.json()), [scheduled.as_str()]);
        assert_eq!(slugs(&app.get_as(&editor, "/v1/articles?status=published").await.json()), [scheduled.as_str()], "editors see it as readers do");
        assert_eq!(slugs(&app.get_as(&editor, "/v1/articles?status=scheduled").await.json()), Vec::<String>::new());

        body["publish_at"] = json!("2020-01-01T00:00:00Z");
        let refused = write(&app, &editor, body.clone()).await.assert_problem(422, "validation");
        assert_eq!(refused["errors"][0]["field"], "publish_at");
        body["status"] = json!("draft");
        write(&app, &editor, body).await.assert_problem(422, "validation");
        let mut unscheduled = article("No time");
        unscheduled["status"] = json!("scheduled");
        write(&app, &editor, unscheduled).await.assert_problem(422, "validation");
    }

    async fn organisation_staff_write_their_organisations_articles_only(backend: TestBackend) {
        let Newsroom { app, admin, editor, reader } = newsroom(backend).await;
        let clinic = app.organization(&admin, "Harbour Clinic").await;
        let other = app.organization(&admin, "Other Clinic").await;
        let staff = app.member("staff@example.org", "Clinic staff").await;
        app.add_to_organization(&admin, &clinic, &staff, "staff").await;
        let rival = app.member("rival@example.org", "Rival staff").await;
        app.add_to_organization(&admin, &other, &rival, "staff").await;

        let mut body = article("Our evening clinic");
        write(&app, &staff, body.clone()).await.assert_problem(403, "forbidden");
        body["organization_id"] = json!(other);
        let refused = write(&app, &staff, body.clone()).await.assert_problem(422, "validation");
        assert_eq!(refused["errors"][0]["field"], "organization_id");
        body["organization_id"] = json!("0193aa8f-0a11-7c3e-9d2b-4a1f0e6c8b7d");
        write(&app, &editor, body.clone()).await.assert_problem(422, "validation");
        body["organization_id"] = json!(clinic);
        let ours = slug(&write(&app, &staff, body).await);
        let path = format!("/v1/articles/{ours}");

        app.get_as(&rival, &path).await.assert_problem(404, "not-found");
        app.send(&rival, Method::PATCH, &path, json!({"title": "Ours"})).await.assert_problem(404, "not-found");
        assert_eq!(slugs(&app.get_as(&rival, "/v1/articles?status=draft").await.json()), Vec::<String>::new());
        assert_eq!(slugs(&app.get_as(&staff, "/v1/articles?status=draft").await.json()), [ours.as_str()]);
        assert_eq!(slugs(&app.get_as(&editor, "/v1/articles?status=draft").await.json()), [ours.as_str()], "platform editors see everyone's");
        app.send(&staff, Method::PATCH, &path, json!({"organization_id": null})).await.assert_problem(403, "forbidden");
        let platforms = slug(&write(&app, &editor, article("Handed over")).await);
        let handed = app.send(&editor, Method::PATCH, &format!("/v1/articles/{platforms}"), json!({"organization_id": clinic})).await;
        assert_eq!(handed.json()["organization_id"], json!(clinic), "{}", handed.text());
        assert_eq!(app.send(&staff, Method::PATCH, &format!("/v1/articles/{platforms}"), json!({"title": "Ours now"})).await.status, 200, "the clinic's staff write it now");
        let moved = app.send(&staff, Method::PATCH, &format!("/v1/articles/{platforms}"), json!({"organization_id": other})).await.assert_problem(422, "validation");
        assert_eq!(moved["errors"][0]["field"], "organization_id");
        app.send(&editor, Method::PATCH, &format!("/v1/articles/{platforms}"), json!({"organization_id": "0193aa8f-0a11-7c3e-9d2b-4a1f0e6c8b7d"})).await.assert_problem(422, "validation");
        assert_eq!(app.send(&staff, Method::PATCH, &path, json!({"status": "published"})).await.status, 200);
        app.send(&rival, Method::PATCH, &path, json!({"title": "Ours"})).await.assert_problem(403, "forbidden");
        assert_eq!(app.get_as(&reader, &path).await.status, 200);
    }

    async fn articles_out_of_shape_are_refused_and_change_nothing(backend: TestBackend) {
        let Newsroom { app, editor, .. } = newsroom(backend).await;
        let taken = slug(&write(&app, &editor, article("Taken")).await);
        let invalid = |body: Value, fields: &'static [&'static str]| {
            let app = &app;
            let editor = &editor;
            async move {
                let problem = write(app, editor, body).await.assert_problem(422, "validation");
                let named: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|error| error["field"].as_str().unwrap()).collect();
                assert_eq!(named, fields, "{problem}");
            }
        };
        invalid(json!({"title": " ", "body": " ", "language": "english?"}), &["title", "body", "language"]).await;
        invalid(json!({"title": "x".repeat(201), "body": "b".repeat(50_001), "language": "en"}), &["title", "body"]).await;
        invalid(json!({"title": "T", "body": "B", "language": "en", "cover_image_url": "http://cdn.example.org/a.jpg", "tags": ["two words"], "summary": "s".repeat(501)}), &["summary", "cover_image_url", "tags"]).await;
        invalid(json!({"title": "T", "body": "with a \u{0} NUL", "language": "en", "topics": ["alcohol", "alcohol"]}), &["body", "topics"]).await;
        invalid(json!({"title": "T", "body": "B", "language": "en", "slug": "Not A Slug"}), &["slug"]).await;
        write(&app, &editor, json!({"title": "T", "body": "B", "language": "en", "slug": taken})).await.assert_problem(409, "slug-taken");
        write(&app, &editor, json!({"title": "T", "body": "B", "language": "en", "colour": "red"})).await.assert_problem(400, "bad-request");
        write(&app, &editor, json!({"title": "T", "body": "B", "language": "en", "status": "live"})).await.assert_problem(400, "bad-request");

        let other = slug(&write(&app, &editor, article("Other")).await);
        app.send(&editor, Method::PATCH, &format!("/v1/articles/{other}"), json!({"slug": taken})).await.assert_problem(409, "slug-taken");
        app.send(&editor, Method::PATCH, &format!("/v1/articles/{other}"), json!({"title": ""})).await.assert_problem(422, "validation");
        app.send(&editor, Method::PATCH, "/v1/articles/no-such-article", json!({"title": "x"})).await.assert_problem(404, "not-found");
        let drafts = app.get_as(&editor, "/v1/articles?status=draft").await.json();
        assert_eq!(slugs(&drafts), [other.as_str(), taken.as_str()], "nothing else was written");
        assert_eq!(drafts["items"][0]["title"], "Other");
        let renamed = app.send(&editor, Method::PATCH, &format!("/v1/articles/{other}"), json!({"slug": "renamed"})).await;
        assert_eq!(renamed.json()["slug"], "renamed");
        assert_eq!(app.get_as(&editor, "/v1/articles/renamed").await.status, 200);
    }

    async fn administrators_grant_and_revoke_the_editor_role(backend: TestBackend) {
        let Newsroom { app, admin, editor, reader } = newsroom(backend).await;
        let listed = app.get_as(&admin, "/v1/editors").await.json();
        assert_eq!(listed[0]["display_name"], "Morgan");
        app.get_as(&reader, "/v1/editors").await.assert_problem(403, "forbidden");
        let account = app.account_id(&reader).await;
        app.send(&reader, Method::PUT, &format!("/v1/editors/{account}"), json!({})).await.assert_problem(403, "forbidden");
        app.send(&admin, Method::PUT, "/v1/editors/0193aa8f-0a11-7c3e-9d2b-4a1f0e6c8b7d", json!({})).await.assert_problem(404, "not-found");
        assert_eq!(app.send(&admin, Method::PUT, &format!("/v1/editors/{account}"), json!({})).await.status, 204);
        assert_eq!(app.send(&admin, Method::PUT, &format!("/v1/editors/{account}"), json!({})).await.status, 204, "granting again changes nothing");
        assert_eq!(app.get_as(&admin, "/v1/editors").await.json().as_array().unwrap().len(), 2);

        let draft = slug(&write(&app, &editor, article("Before the revocation")).await);
        let editor_account = app.account_id(&editor).await;
        assert_eq!(app.send(&admin, Method::DELETE, &format!("/v1/editors/{editor_account}"), json!({})).await.status, 204);
        app.get_as(&editor, &format!("/v1/articles/{draft}")).await.assert_problem(404, "not-found");
        write(&app, &editor, article("After")).await.assert_problem(403, "forbidden");
        app.send(&editor, Method::PATCH, &format!("/v1/articles/{draft}"), json!({"title": "Still mine?"})).await.assert_problem(404, "not-found");
        assert_eq!(app.get_as(&admin, &format!("/v1/articles/{draft}")).await.status, 200, "what they wrote stays");
    }
}

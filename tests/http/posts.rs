//! A group's conversation: posts and replies by and for its active members, edits within a
//! window, deletion as tombstones, the rate limit, erasure, and every rejection.

use awc::http::Method;
use diesel::connection::SimpleConnection;
use hearth_tests::{MEMBER_PASSWORD, Member, Reply, TestApp, TestBackend, on_both_backends};
use serde_json::{Value, json};

struct Circle {
    app: TestApp,
    owner: Member,
    member: Member,
    stranger: Member,
    group: String,
}

async fn circle(backend: TestBackend, visibility: &str) -> Circle {
    let app = TestApp::spawn(backend).await;
    let owner = app.member("owner@example.org", "Rowan").await;
    let member = app.member("member@example.org", "Sam R.").await;
    let stranger = app.member("stranger@example.org", "Stranger").await;
    let group = app
        .group(
            &owner,
            json!({"name": "Tuesday Circle", "visibility": visibility, "join_policy": "invite"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.invite(&owner, &member, &group).await;
    Circle {
        app,
        owner,
        member,
        stranger,
        group,
    }
}

async fn post(app: &TestApp, by: &Member, group: &str, body: &str) -> Reply {
    app.send(
        by,
        Method::POST,
        &format!("/v1/groups/{group}/posts"),
        json!({"body": body}),
    )
    .await
}

async fn reply(app: &TestApp, by: &Member, post: &str, body: &str) -> Reply {
    app.send(
        by,
        Method::POST,
        &format!("/v1/posts/{post}/replies"),
        json!({"body": body}),
    )
    .await
}

fn bodies(page: &Value) -> Vec<Value> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["body"].clone())
        .collect()
}

fn id(reply: &Reply) -> String {
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()["id"].as_str().unwrap().to_owned()
}

on_both_backends! {
    async fn a_retried_post_with_its_idempotency_key_is_posted_once(backend: TestBackend) {
        let Circle { app, member, group, .. } = circle(backend, "public").await;
        let send = |key: &'static str, body: &'static str| {
            let request = app
                .post(&format!("/v1/groups/{group}/posts"))
                .insert_header(member.bearer())
                .insert_header(("Idempotency-Key", key));
            async move { Reply::of(request.send_json(&json!({"body": body}))).await }
        };
        let first = send("post-1", "Thirty days today.").await;
        let posted = id(&first);
        let retry = send("post-1", "Thirty days today.").await;
        assert_eq!((retry.status, retry.json()["id"].as_str(), retry.header("idempotent-replayed")), (201, Some(posted.as_str()), Some("true")));
        assert_eq!(retry.header("location"), first.header("location"));
        send("post-1", "Something else.").await.assert_problem(422, "idempotency-key-reused");
        let page = app.get_as(&member, &format!("/v1/groups/{group}/posts")).await.json();
        assert_eq!(page["items"].as_array().unwrap().len(), 1, "posted once: {page}");

        let reply = |key: &'static str| {
            let request = app
                .post(&format!("/v1/posts/{posted}/replies"))
                .insert_header(member.bearer())
                .insert_header(("Idempotency-Key", key));
            async move { Reply::of(request.send_json(&json!({"body": "And counting."}))).await }
        };
        let answered = id(&reply("reply-1").await);
        assert_eq!(reply("reply-1").await.json()["id"].as_str(), Some(answered.as_str()));
        assert_eq!(app.get_as(&member, &format!("/v1/posts/{posted}")).await.json()["reply_count"], 1);
        reply("two words").await.assert_problem(400, "bad-request");
    }

    async fn members_post_reply_and_read_the_conversation(backend: TestBackend) {
        let Circle { app, owner, member, group, .. } = circle(backend, "public").await;

        let first = post(&app, &member, &group, "  Thirty days today.  ").await;
        let first_id = id(&first);
        assert_eq!(first.header("location"), Some(format!("/v1/posts/{first_id}").as_str()));
        let created = first.json();
        assert_eq!((created["body"].as_str(), created["author"].as_str(), created["mine"].as_bool()), (Some("Thirty days today."), Some("Sam R."), Some(true)));
        assert!(created.get("author_id").is_none(), "display names only: {created}");
        id(&post(&app, &owner, &group, "Welcome, everyone.").await);
        id(&post(&app, &member, &group, "See you Tuesday.").await);

        let page = app.get_as(&owner, &format!("/v1/groups/{group}/posts?limit=2")).await.json();
        assert_eq!(bodies(&page), [json!("See you Tuesday."), json!("Welcome, everyone.")]);
        assert_eq!(page["items"][0]["mine"], false);
        let cursor = page["next_cursor"].as_str().unwrap();
        let rest = app.get_as(&owner, &format!("/v1/groups/{group}/posts?limit=2&cursor={cursor}")).await.json();
        assert_eq!(bodies(&rest), [json!("Thirty days today.")]);
        assert_eq!(rest["next_cursor"], Value::Null);

        let answer = id(&reply(&app, &owner, &first_id, "So glad you are here.").await);
        let nested = reply(&app, &member, &answer, "Thank you!").await;
        assert_eq!(nested.json()["parent_id"], first_id.as_str(), "one level of replies");
        let replies = app.get_as(&member, &format!("/v1/posts/{first_id}/replies")).await.json();
        assert_eq!(bodies(&replies), [json!("So glad you are here."), json!("Thank you!")]);
        let one = app.get_as(&owner, &format!("/v1/posts/{first_id}")).await.json();
        assert_eq!(one["reply_count"], 2);
        app.get_as(&owner, &format!("/v1/groups/{group}/posts?cursor=nonsense")).await.assert_problem(400, "bad-request");
        app.get_as(&owner, &format!("/v1/groups/{group}/posts?limit=0")).await.assert_problem(422, "validation");
        app.get_as(&owner, "/v1/posts/0193aa8f-0a11-7c3e-9d2b-4a1f0e6c8b7d").await.assert_problem(404, "not-found");
    }

    async fn only_the_groups_active_members_take_part(backend: TestBackend) {
        let Circle { app, owner, member, stranger, group } = circle(backend, "public").await;
        let first = id(&post(&app, &member, &group, "Thirty days today.").await);

        for path in [format!("/v1/groups/{group}/posts"), format!("/v1/posts/{first}"), format!("/v1/posts/{first}/replies")] {
            app.get_as(&stranger, &path).await.assert_problem(403, "membership-required");
            Reply::of(app.get(&path).send()).await.assert_problem(401, "unauthenticated");
        }
        post(&app, &stranger, &group, "Hello?").await.assert_problem(403, "membership-required");
        reply(&app, &stranger, &first, "Hello?").await.assert_problem(403, "membership-required");

        let left = app.send(&member, Method::DELETE, &format!("/v1/groups/{group}/memberships/me"), json!({})).await;
        assert_eq!(left.status, 204, "{}", left.text());
        post(&app, &member, &group, "Still here?").await.assert_problem(403, "membership-required");
        assert_eq!(app.send(&member, Method::DELETE, &format!("/v1/posts/{first}"), json!({})).await.status, 204, "an author deletes after leaving");

        let hidden = app.send(&owner, Method::PATCH, &format!("/v1/groups/{group}"), json!({"visibility": "private"})).await;
        assert_eq!(hidden.status, 200, "{}", hidden.text());
        let kept = id(&post(&app, &owner, &group, "Private now.").await);
        app.get_as(&stranger, &format!("/v1/groups/{group}/posts")).await.assert_problem(404, "not-found");
        app.get_as(&stranger, &format!("/v1/posts/{kept}")).await.assert_problem(404, "not-found");
        app.send(&stranger, Method::DELETE, &format!("/v1/posts/{kept}"), json!({})).await.assert_problem(404, "not-found");

        let archived = app.send(&owner, Method::DELETE, &format!("/v1/groups/{group}"), json!({})).await;
        assert_eq!(archived.status, 204, "{}", archived.text());
        post(&app, &owner, &group, "After the end.").await.assert_problem(409, "group-archived");
        reply(&app, &owner, &kept, "After the end.").await.assert_problem(409, "group-archived");
    }

    async fn bodies_out_of_shape_are_refused_and_change_nothing(backend: TestBackend) {
        let Circle { app, member, group, .. } = circle(backend, "public").await;
        let path = format!("/v1/groups/{group}/posts");
        for (body, code) in [
            (String::new(), "required"),
            (" \n\t ".to_owned(), "required"),
            ("x".repeat(5001), "length"),
            ("hello\u{0}world".to_owned(), "text"),
            ("\u{1b}[2J cleared".to_owned(), "text"),
        ] {
            let refused = post(&app, &member, &group, &body).await;
            assert_eq!(refused.assert_problem(422, "validation")["errors"][0]["code"], code, "{body:?}");
        }
        assert_eq!(id(&post(&app, &member, &group, &"x".repeat(5000)).await).len(), 36);
        app.send(&member, Method::POST, &path, json!({"body": "hi", "pinned": true})).await.assert_problem(400, "bad-request");
        app.send(&member, Method::POST, &path, json!({"body": 42})).await.assert_problem(400, "bad-request");
        let binary = Reply::of(app.post(&path).insert_header(member.bearer()).insert_header(("content-type", "application/octet-stream")).send_body(vec![0u8, 159, 146, 150])).await;
        binary.assert_problem(415, "unsupported-media-type");
        let page = app.get_as(&member, &path).await.json();
        assert_eq!(page["items"].as_array().unwrap().len(), 1);
    }

    async fn authors_edit_for_fifteen_minutes_and_delete_to_a_tombstone(backend: TestBackend) {
        let Circle { app, owner, member, group, .. } = circle(backend, "public").await;
        let first = id(&post(&app, &member, &group, "Thirty days today.").await);
        let lonely = id(&post(&app, &member, &group, "A thought.").await);
        let path = format!("/v1/posts/{first}");

        let edited = app.send(&member, Method::PATCH, &path, json!({"body": "Thirty days today!"})).await;
        assert_eq!(edited.status, 200, "{}", edited.text());
        assert!(edited.json()["edited_at"].is_string());
        app.send(&owner, Method::PATCH, &path, json!({"body": "Not mine."})).await.assert_problem(403, "forbidden");
        app.send(&member, Method::PATCH, &path, json!({"body": ""})).await.assert_problem(422, "validation");
        app.database.connect().batch_execute(&format!("UPDATE group_posts SET created_at = '2026-01-01 00:00:00' WHERE id = '{first}'")).unwrap();
        app.send(&member, Method::PATCH, &path, json!({"body": "Too late."})).await.assert_problem(409, "edit-window-closed");

        id(&reply(&app, &owner, &first, "So glad.").await);
        app.send(&owner, Method::DELETE, &path, json!({})).await.assert_problem(403, "forbidden");
        assert_eq!(app.send(&member, Method::DELETE, &path, json!({})).await.status, 204);
        assert_eq!(app.send(&member, Method::DELETE, &format!("/v1/posts/{lonely}"), json!({})).await.status, 204);
        app.send(&member, Method::DELETE, &path, json!({})).await.assert_problem(404, "not-found");
        app.send(&member, Method::PATCH, &path, json!({"body": "Back?"})).await.assert_problem(404, "not-found");

        let page = app.get_as(&owner, &format!("/v1/groups/{group}/posts")).await.json();
        assert_eq!(page["items"].as_array().unwrap().len(), 1, "a deleted post without replies is gone: {page}");
        let tombstone = &page["items"][0];
        assert_eq!((tombstone["deleted"].as_bool(), tombstone["body"].is_null(), tombstone["author"].is_null()), (Some(true), true, true), "{tombstone}");
        let replies = app.get_as(&owner, &format!("{path}/replies")).await.json();
        assert_eq!(bodies(&replies), [json!("So glad.")]);
        reply(&app, &owner, &first, "Hello?").await.assert_problem(404, "not-found");
        let answer = replies["items"][0]["id"].as_str().unwrap().to_owned();
        reply(&app, &owner, &answer, "Hello?").await.assert_problem(404, "not-found");
        app.get_as(&owner, &format!("/v1/posts/{answer}/replies")).await.assert_problem(404, "not-found");

        assert_eq!(app.send(&owner, Method::DELETE, &format!("/v1/posts/{answer}"), json!({})).await.status, 204);
        assert_eq!(app.get_as(&owner, &format!("{path}/replies")).await.json()["items"], json!([]));
        let page = app.get_as(&owner, &format!("/v1/groups/{group}/posts")).await.json();
        assert_eq!(page["items"], json!([]), "nothing stands under the tombstone any more");
    }

    async fn a_deleted_post_keeps_counting_for_the_rate_limit(backend: TestBackend) {
        let Circle { app, member, group, .. } = circle(backend, "public").await;
        for n in 1..=10 {
            let written = id(&post(&app, &member, &group, &format!("Post {n}")).await);
            assert_eq!(app.send(&member, Method::DELETE, &format!("/v1/posts/{written}"), json!({})).await.status, 204);
        }
        post(&app, &member, &group, "Post 11").await.assert_problem(429, "too-many-attempts");
    }

    async fn a_member_writes_at_most_ten_posts_and_replies_in_ten_minutes(backend: TestBackend) {
        let Circle { app, member, group, .. } = circle(backend, "public").await;
        let first = id(&post(&app, &member, &group, "Post 1").await);
        for n in 2..=9 {
            id(&post(&app, &member, &group, &format!("Post {n}")).await);
        }
        id(&reply(&app, &member, &first, "Reply 10").await);
        let refused = post(&app, &member, &group, "Post 11").await;
        refused.assert_problem(429, "too-many-attempts");
        let wait: u64 = refused.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=600).contains(&wait), "{wait}");
        reply(&app, &member, &first, "Reply 11").await.assert_problem(429, "too-many-attempts");
        let page = app.get_as(&member, &format!("/v1/groups/{group}/posts?limit=100")).await.json();
        assert_eq!(page["items"].as_array().unwrap().len(), 9);
    }

    async fn an_erased_account_leaves_tombstones(backend: TestBackend) {
        let Circle { app, owner, member, group, .. } = circle(backend, "public").await;
        let first = id(&post(&app, &member, &group, "Thirty days today.").await);
        id(&reply(&app, &owner, &first, "So glad.").await);
        id(&post(&app, &member, &group, "Nobody answered this.").await);
        let erased = app.send(&member, Method::DELETE, "/v1/me", json!({"password": MEMBER_PASSWORD})).await;
        assert_eq!(erased.status, 204, "{}", erased.text());

        let page = app.get_as(&owner, &format!("/v1/groups/{group}/posts")).await.json();
        assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
        assert_eq!((page["items"][0]["deleted"].as_bool(), page["items"][0]["body"].is_null()), (Some(true), true));
        assert!(!page.to_string().contains("Sam R."));

        let mine = id(&post(&app, &owner, &group, "Still here.").await);
        let neighbour = app.member("neighbour@example.org", "Neighbour").await;
        app.invite(&owner, &neighbour, &group).await;
        id(&reply(&app, &neighbour, &mine, "Me too.").await);
        let export = app.get_as(&neighbour, "/v1/me/export").await.json();
        assert_eq!(export["posts"][0]["body"], "Me too.");
        let gone = app.send(&neighbour, Method::DELETE, "/v1/me", json!({"password": MEMBER_PASSWORD})).await;
        assert_eq!(gone.status, 204);
        let after = app.get_as(&owner, &format!("/v1/posts/{mine}")).await.json();
        assert_eq!(after["reply_count"], 0, "an erased author's reply no longer counts");
        assert_eq!(app.get_as(&owner, &format!("/v1/posts/{mine}/replies")).await.json()["items"], json!([]));
    }
}

//! Who sees what of the content: one table of every kind of reader (anonymous, someone outside
//! the group, a member, the author, a facilitator, an editor, a platform administrator)
//! against posts (standing, hidden, in a private group), the moderation queue and log, and
//! articles (draft and published).

use awc::http::Method;
use hearth_tests::{Member, Reply, TestApp, on_both_backends};
use serde_json::json;

/// The readers, in the order of every row's expectations.
const READERS: [&str; 7] = [
    "anonymous",
    "non-member",
    "member",
    "author",
    "facilitator",
    "editor",
    "admin",
];

async fn created(reply: Reply, field: &str) -> String {
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()[field].as_str().unwrap().to_owned()
}

on_both_backends! {
    async fn every_reader_sees_what_the_policy_says(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let admin = app.admin("admin@example.org").await;
        let facilitator = app.member("facilitator@example.org", "Alex").await;
        let author = app.member("author@example.org", "Sam").await;
        let member = app.member("member@example.org", "River").await;
        let outsider = app.member("outsider@example.org", "Outsider").await;
        let editor = app.editor(&admin, "editor@example.org", "Morgan").await;

        let mut groups = Vec::new();
        for (name, visibility) in [("Open circle", "public"), ("Closed circle", "private")] {
            let group = app.group(&facilitator, json!({"name": name, "visibility": visibility, "join_policy": "invite"})).await["id"].as_str().unwrap().to_owned();
            app.invite(&facilitator, &author, &group).await;
            app.invite(&facilitator, &member, &group).await;
            groups.push(group);
        }
        let (public_group, private_group) = (&groups[0], &groups[1]);
        let posts_of = |group: &str| format!("/v1/groups/{group}/posts");
        let standing = created(app.send(&author, Method::POST, &posts_of(public_group), json!({"body": "Thirty days today."})).await, "id").await;
        let hidden = created(app.send(&author, Method::POST, &posts_of(public_group), json!({"body": "Saw J. at work."})).await, "id").await;
        let private = created(app.send(&author, Method::POST, &posts_of(private_group), json!({"body": "Only for us."})).await, "id").await;
        let hid = app.send(&facilitator, Method::POST, &format!("/v1/groups/{public_group}/moderation-actions"), json!({"action": "hide", "post_id": hidden, "reason": "Names a member."})).await;
        assert_eq!(hid.status, 201, "{}", hid.text());
        let article = |status: &str| json!({"title": format!("A {status} article"), "body": "Words.", "language": "en", "status": status});
        let draft = created(app.send(&editor, Method::POST, "/v1/articles", article("draft")).await, "slug").await;
        let published = created(app.send(&editor, Method::POST, "/v1/articles", article("published")).await, "slug").await;

        let rows: Vec<(String, Method, [u16; 7])> = vec![
            (format!("/v1/posts/{standing}"), Method::GET, [401, 403, 200, 200, 200, 403, 403]),
            (format!("/v1/posts/{hidden}"), Method::GET, [401, 403, 404, 200, 200, 403, 403]),
            (format!("/v1/posts/{private}"), Method::GET, [401, 404, 200, 200, 200, 404, 403]),
            (format!("/v1/groups/{public_group}/posts"), Method::GET, [401, 403, 200, 200, 200, 403, 403]),
            (format!("/v1/groups/{public_group}/reports"), Method::GET, [401, 403, 403, 403, 200, 403, 200]),
            (format!("/v1/groups/{public_group}/moderation-actions"), Method::GET, [401, 403, 200, 200, 200, 403, 200]),
            (format!("/v1/groups/{private_group}/moderation-actions"), Method::GET, [401, 404, 200, 200, 200, 404, 200]),
            (format!("/v1/articles/{draft}"), Method::GET, [404, 404, 404, 404, 404, 200, 200]),
            (format!("/v1/articles/{published}"), Method::GET, [200, 200, 200, 200, 200, 200, 200]),
            (format!("/v1/articles/{published}"), Method::PATCH, [401, 403, 403, 403, 403, 200, 200]),
        ];
        let readers: [Option<&Member>; 7] = [None, Some(&outsider), Some(&member), Some(&author), Some(&facilitator), Some(&editor), Some(&admin)];
        let mut wrong = Vec::new();
        for (path, method, expected) in &rows {
            for ((name, reader), expected) in READERS.iter().zip(readers).zip(expected) {
                let reply = match reader {
                    Some(reader) if *method == Method::GET => app.get_as(reader, path).await,
                    Some(reader) => app.send(reader, method.clone(), path, json!({"summary": "Edited."})).await,
                    None => Reply::of(app.request(method.clone(), path).send_json(&json!({"summary": "Edited."}))).await,
                };
                if reply.status != *expected {
                    wrong.push(format!("{method} {path} as {name}: {} (expected {expected})", reply.status));
                }
            }
        }
        assert!(wrong.is_empty(), "the visibility matrix disagrees:\n{}", wrong.join("\n"));
    }
}

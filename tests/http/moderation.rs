//! Moderation: members report posts, facilitators work the queue, hide and restore posts, warn,
//! mute and remove members; the log keeps every action, and the member concerned reads it.

use awc::http::Method;
use diesel::connection::SimpleConnection;
use hearth_tests::{MEMBER_PASSWORD, Member, Reply, TestApp, TestBackend, on_both_backends};
use serde_json::{Value, json};

struct Circle {
    app: TestApp,
    owner: Member,
    facilitator: Member,
    author: Member,
    reporter: Member,
    stranger: Member,
    group: String,
}

async fn circle(backend: TestBackend, visibility: &str) -> Circle {
    let app = TestApp::spawn(backend).await;
    let owner = app.member("owner@example.org", "Rowan").await;
    let facilitator = app.member("facilitator@example.org", "Alex").await;
    let author = app.member("author@example.org", "Sam R.").await;
    let reporter = app.member("reporter@example.org", "Quiet Reporter").await;
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
    for member in [&facilitator, &author, &reporter] {
        app.invite(&owner, member, &group).await;
    }
    let promoted = app
        .send(
            &owner,
            Method::PATCH,
            &format!(
                "/v1/groups/{group}/memberships/{}",
                membership_of(&app, &facilitator, &group).await
            ),
            json!({"role": "facilitator"}),
        )
        .await;
    assert_eq!(promoted.status, 200, "{}", promoted.text());
    Circle {
        app,
        owner,
        facilitator,
        author,
        reporter,
        stranger,
        group,
    }
}

async fn membership_of(app: &TestApp, member: &Member, group: &str) -> String {
    let own = app
        .get_as(member, &format!("/v1/groups/{group}/memberships/me"))
        .await;
    assert_eq!(own.status, 200, "{}", own.text());
    own.json()["id"].as_str().unwrap().to_owned()
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

fn created_id(reply: &Reply) -> String {
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()["id"].as_str().unwrap().to_owned()
}

async fn report(app: &TestApp, by: &Member, post: &str, body: Value) -> Reply {
    app.send(by, Method::POST, &format!("/v1/posts/{post}/reports"), body)
        .await
}

async fn moderate(app: &TestApp, by: &Member, group: &str, body: Value) -> Reply {
    app.send(
        by,
        Method::POST,
        &format!("/v1/groups/{group}/moderation-actions"),
        body,
    )
    .await
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

on_both_backends! {
    async fn a_member_reports_at_most_twenty_posts_an_hour_but_always_someone_at_risk(backend: TestBackend) {
        let Circle { app, author, reporter, group, .. } = circle(backend, "public").await;
        let mut posts = Vec::new();
        for n in 0..3 {
            posts.push(created_id(&post(&app, &author, &group, &format!("Post {n}")).await));
        }
        for post in &posts {
            assert_eq!(report(&app, &reporter, post, json!({"reason": "self_harm"})).await.status, 201, "never counted");
        }
        let reasons = ["harassment", "hate", "privacy", "sexual_content", "spam", "misinformation", "other"];
        let mut answers = Vec::new();
        for post in &posts {
            for reason in reasons {
                answers.push(report(&app, &reporter, post, json!({"reason": reason, "details": "Why."})).await);
            }
        }
        assert!(answers[..20].iter().all(|answer| answer.status == 201), "twenty go through");
        answers[20].assert_problem(429, "too-many-attempts");
        assert!(answers[20].header("retry-after").is_some());
        let at_risk = report(&app, &reporter, &posts[0], json!({"reason": "self_harm"})).await;
        assert_eq!(at_risk.status, 200, "the waiting report, never a refusal: {}", at_risk.text());
    }

    async fn a_report_of_someone_at_risk_is_never_folded_into_another(backend: TestBackend) {
        let Circle { app, owner, author, reporter, group, .. } = circle(backend, "public").await;
        let worrying = created_id(&post(&app, &author, &group, "I don't see the point of any of it tonight.").await);
        created_id(&report(&app, &reporter, &worrying, json!({"reason": "spam"})).await);
        let at_risk = report(&app, &reporter, &worrying, json!({"reason": "self_harm"})).await;
        assert_eq!(at_risk.status, 201, "another reason is another report: {}", at_risk.text());
        let again = report(&app, &reporter, &worrying, json!({"reason": "self_harm"})).await;
        assert_eq!((again.status, again.header("link")), (200, Some("</v1/crisis-resources>; rel=\"help\"")));
        let queue = app.get_as(&owner, &format!("/v1/groups/{group}/reports")).await.json();
        let reasons: Vec<&str> = queue["items"].as_array().unwrap().iter().map(|item| item["reason"].as_str().unwrap()).collect();
        assert_eq!(reasons, ["spam", "self_harm"]);

        let archived = app.send(&owner, Method::DELETE, &format!("/v1/groups/{group}"), json!({})).await;
        assert_eq!(archived.status, 204, "{}", archived.text());
        report(&app, &reporter, &worrying, json!({"reason": "hate"})).await.assert_problem(409, "group-archived");
    }

    async fn moderating_a_post_is_moderating_its_author(backend: TestBackend) {
        let Circle { app, owner, facilitator, author, reporter, group, .. } = circle(backend, "public").await;
        let owners = created_id(&post(&app, &owner, &group, "Meeting moves to room 4.").await);
        let own = created_id(&post(&app, &facilitator, &group, "Coffee is on me.").await);
        created_id(&report(&app, &reporter, &own, json!({"reason": "spam"})).await);
        moderate(&app, &facilitator, &group, json!({"action": "hide", "post_id": owners, "reason": "x"})).await.assert_problem(403, "forbidden");
        moderate(&app, &facilitator, &group, json!({"action": "dismiss", "post_id": own, "reason": "Not spam."})).await.assert_problem(403, "forbidden");
        assert_eq!(moderate(&app, &owner, &group, json!({"action": "dismiss", "post_id": own, "reason": "Not spam."})).await.status, 201);

        let thread = created_id(&post(&app, &author, &group, "Thirty days today.").await);
        let unkind = created_id(&app.send(&reporter, Method::POST, &format!("/v1/posts/{thread}/replies"), json!({"body": "Won't last."})).await);
        let kind = created_id(&app.send(&owner, Method::POST, &format!("/v1/posts/{thread}/replies"), json!({"body": "Proud of you."})).await);
        assert_eq!(moderate(&app, &facilitator, &group, json!({"action": "hide", "post_id": unkind, "reason": "Unkind."})).await.status, 201);
        let replies = app.get_as(&author, &format!("/v1/posts/{thread}/replies")).await.json();
        assert_eq!(ids(&replies), [kind.as_str()]);
        assert_eq!(app.get_as(&author, &format!("/v1/posts/{thread}")).await.json()["reply_count"], 1, "a hidden reply does not count");
        assert_eq!(ids(&app.get_as(&facilitator, &format!("/v1/posts/{thread}/replies")).await.json()), [unkind.as_str(), kind.as_str()]);
        assert_eq!(moderate(&app, &facilitator, &group, json!({"action": "restore", "post_id": unkind, "reason": "Apologised."})).await.status, 201);
        assert_eq!(app.get_as(&author, &format!("/v1/posts/{thread}")).await.json()["reply_count"], 2);

        assert_eq!(moderate(&app, &facilitator, &group, json!({"action": "hide", "post_id": thread, "reason": "Off topic."})).await.status, 201);
        app.get_as(&reporter, &format!("/v1/posts/{kind}")).await.assert_problem(404, "not-found");
        report(&app, &reporter, &kind, json!({"reason": "spam"})).await.assert_problem(404, "not-found");
    }

    async fn members_report_posts_and_facilitators_see_the_queue_without_reporters(backend: TestBackend) {
        let Circle { app, owner, facilitator, author, reporter, stranger, group } = circle(backend, "public").await;
        let outing = created_id(&post(&app, &author, &group, "Saw J. at the pharmacy where she works.").await);
        let worrying = created_id(&post(&app, &author, &group, "I don't see the point of any of it tonight.").await);

        let first = report(&app, &reporter, &outing, json!({"reason": "privacy", "details": " Names a member's employer. "})).await;
        let report_id = created_id(&first);
        let made = first.json();
        assert_eq!((made["reason"].as_str(), made["details"].as_str(), made["status"].as_str()), (Some("privacy"), Some("Names a member's employer."), Some("open")));
        assert_eq!(first.header("link"), None);
        let again = report(&app, &reporter, &outing, json!({"reason": "privacy"})).await;
        assert_eq!((again.status, again.json()["id"].as_str()), (200, Some(report_id.as_str())), "one waiting report per person, post and reason");

        let at_risk = report(&app, &facilitator, &worrying, json!({"reason": "self_harm"})).await;
        assert_eq!(at_risk.status, 201, "{}", at_risk.text());
        assert_eq!(at_risk.header("link"), Some("</v1/crisis-resources>; rel=\"help\""));

        report(&app, &author, &outing, json!({"reason": "spam"})).await.assert_problem(403, "forbidden");
        report(&app, &stranger, &outing, json!({"reason": "spam"})).await.assert_problem(403, "membership-required");
        Reply::of(app.post(&format!("/v1/posts/{outing}/reports")).send_json(&json!({"reason": "spam"}))).await.assert_problem(401, "unauthenticated");
        report(&app, &reporter, "0193aa8f-0a11-7c3e-9d2b-4a1f0e6c8b7d", json!({"reason": "spam"})).await.assert_problem(404, "not-found");
        let missing = report(&app, &reporter, &worrying, json!({"reason": "other"})).await.assert_problem(422, "validation");
        assert_eq!(missing["errors"][0]["field"], "details");
        report(&app, &reporter, &worrying, json!({"reason": "spam", "details": "x".repeat(1001)})).await.assert_problem(422, "validation");
        report(&app, &reporter, &worrying, json!({"reason": "rude"})).await.assert_problem(400, "bad-request");

        let queue_path = format!("/v1/groups/{group}/reports");
        app.get_as(&reporter, &queue_path).await.assert_problem(403, "forbidden");
        app.get_as(&stranger, &queue_path).await.assert_problem(403, "forbidden");
        let queue = app.get_as(&facilitator, &queue_path).await;
        assert_eq!(queue.status, 200, "{}", queue.text());
        assert!(!queue.text().contains("Quiet Reporter") && !queue.text().contains("reporter"), "reporters stay anonymous: {}", queue.text());
        let queue = queue.json();
        assert_eq!(ids(&queue), [report_id.clone(), at_risk.json()["id"].as_str().unwrap().to_owned()], "oldest first");
        let item = &queue["items"][0];
        assert_eq!((item["post"]["body"].as_str(), item["post"]["author"].as_str()), (Some("Saw J. at the pharmacy where she works."), Some("Sam R.")));
        assert_eq!(item["post"]["author_member_id"].as_str(), Some(membership_of(&app, &author, &group).await.as_str()));
        let first_page = app.get_as(&owner, &format!("{queue_path}?limit=1")).await.json();
        let next = app.get_as(&owner, &format!("{queue_path}?limit=1&cursor={}", first_page["next_cursor"].as_str().unwrap())).await.json();
        assert_eq!([ids(&first_page), ids(&next)].concat(), ids(&queue));
        app.get_as(&owner, &format!("{queue_path}?status=closed")).await.assert_problem(400, "bad-request");
        let open_cursor = first_page["next_cursor"].as_str().unwrap();
        app.get_as(&owner, &format!("{queue_path}?status=dismissed&cursor={open_cursor}")).await.assert_problem(400, "bad-request");
        app.get_as(&owner, &format!("{queue_path}?limit=101")).await.assert_problem(422, "validation");
        assert_eq!(ids(&app.get_as(&owner, &format!("{queue_path}?status=dismissed")).await.json()), Vec::<String>::new());
        let members_view = app.get_as(&reporter, &format!("/v1/posts/{outing}")).await.json();
        assert_eq!(members_view["author_member_id"], Value::Null, "only moderators learn who to act on");
    }

    async fn hidden_posts_leave_members_sight_but_stay_for_moderators_and_their_author(backend: TestBackend) {
        let Circle { app, owner, facilitator, author, reporter, group, .. } = circle(backend, "public").await;
        let outing = created_id(&post(&app, &author, &group, "Saw J. at the pharmacy where she works.").await);
        let kept = created_id(&post(&app, &author, &group, "Thirty days today.").await);
        created_id(&report(&app, &reporter, &outing, json!({"reason": "privacy"})).await);

        let hidden = moderate(&app, &facilitator, &group, json!({"action": "hide", "post_id": outing, "reason": "Identifies a member."})).await;
        assert_eq!(hidden.status, 201, "{}", hidden.text());
        let logged = hidden.json();
        assert_eq!((logged["action"].as_str(), logged["moderator"].as_str(), logged["member"].as_str(), logged["reason"].as_str()), (Some("hide"), Some("Alex"), Some("Sam R."), Some("Identifies a member.")));
        assert_eq!(ids(&app.get_as(&owner, &format!("/v1/groups/{group}/reports")).await.json()), Vec::<String>::new(), "acting settles the reports");
        let settled = app.get_as(&owner, &format!("/v1/groups/{group}/reports?status=actioned")).await.json();
        assert_eq!(settled["items"][0]["post"]["hidden"], true);
        assert!(settled["items"][0]["resolved_at"].is_string());

        let posts_path = format!("/v1/groups/{group}/posts");
        assert_eq!(ids(&app.get_as(&reporter, &posts_path).await.json()), [kept.as_str()]);
        app.get_as(&reporter, &format!("/v1/posts/{outing}")).await.assert_problem(404, "not-found");
        app.send(&reporter, Method::POST, &format!("/v1/posts/{outing}/replies"), json!({"body": "Not cool."})).await.assert_problem(404, "not-found");
        report(&app, &reporter, &outing, json!({"reason": "spam"})).await.assert_problem(404, "not-found");
        for moderator_or_author in [&owner, &author] {
            let page = app.get_as(moderator_or_author, &posts_path).await.json();
            assert_eq!(ids(&page), [kept.clone(), outing.clone()]);
            assert_eq!(page["items"][1]["hidden"], true);
        }
        app.send(&author, Method::PATCH, &format!("/v1/posts/{outing}"), json!({"body": "Sorry."})).await.assert_problem(409, "post-hidden");
        moderate(&app, &owner, &group, json!({"action": "hide", "post_id": outing, "reason": "Again."})).await.assert_problem(409, "invalid-transition");

        let restored = moderate(&app, &owner, &group, json!({"action": "restore", "post_id": outing, "reason": "J. asked us to restore it."})).await;
        assert_eq!(restored.status, 201, "{}", restored.text());
        assert_eq!(ids(&app.get_as(&reporter, &posts_path).await.json()), [kept.clone(), outing.clone()]);
        moderate(&app, &owner, &group, json!({"action": "restore", "post_id": outing, "reason": "Again."})).await.assert_problem(409, "invalid-transition");

        moderate(&app, &owner, &group, json!({"action": "dismiss", "post_id": kept, "reason": "Nothing reported."})).await.assert_problem(409, "invalid-transition");
        created_id(&report(&app, &reporter, &kept, json!({"reason": "spam"})).await);
        let dismissed = moderate(&app, &owner, &group, json!({"action": "dismiss", "post_id": kept, "reason": "Not spam."})).await;
        assert_eq!(dismissed.status, 201, "{}", dismissed.text());
        let closed = app.get_as(&owner, &format!("/v1/groups/{group}/reports?status=dismissed")).await.json();
        assert_eq!(closed["items"][0]["post_id"].as_str(), Some(kept.as_str()));
        let again = report(&app, &reporter, &kept, json!({"reason": "spam"})).await;
        assert_eq!(again.status, 201, "a dismissed report does not stop a new one: {}", again.text());
    }

    async fn muted_members_read_and_report_but_write_nothing_until_the_mute_ends(backend: TestBackend) {
        let Circle { app, owner, author, reporter, group, .. } = circle(backend, "public").await;
        let heated = created_id(&post(&app, &author, &group, "You are all hypocrites.").await);
        let other = created_id(&post(&app, &reporter, &group, "Anyone for coffee after?").await);

        let muted = moderate(&app, &owner, &group, json!({"action": "mute", "post_id": heated, "reason": "Cool off for a day.", "hours": 24})).await;
        assert_eq!(muted.status, 201, "{}", muted.text());
        let until = muted.json()["muted_until"].as_str().unwrap().to_owned();
        let refused = post(&app, &author, &group, "Sorry.").await.assert_problem(403, "muted");
        assert!(refused["detail"].as_str().unwrap().contains(&until[..16]), "{refused}");
        app.send(&author, Method::POST, &format!("/v1/posts/{other}/replies"), json!({"body": "Yes"})).await.assert_problem(403, "muted");
        app.send(&author, Method::PATCH, &format!("/v1/posts/{heated}"), json!({"body": "Sorry."})).await.assert_problem(403, "muted");
        assert_eq!(app.get_as(&author, &format!("/v1/groups/{group}/posts")).await.status, 200);
        assert_eq!(report(&app, &author, &other, json!({"reason": "spam"})).await.status, 201);
        assert_eq!(app.send(&author, Method::DELETE, &format!("/v1/posts/{heated}"), json!({})).await.status, 204, "deleting is always allowed");

        let lifted = moderate(&app, &owner, &group, json!({"action": "unmute", "member_id": muted.json()["member_id"], "reason": "Apologised."})).await;
        assert_eq!(lifted.status, 201, "{}", lifted.text());
        created_id(&post(&app, &author, &group, "Sorry, everyone.").await);
        moderate(&app, &owner, &group, json!({"action": "unmute", "member_id": muted.json()["member_id"], "reason": "Again."})).await.assert_problem(409, "invalid-transition");

        let again = moderate(&app, &owner, &group, json!({"action": "mute", "member_id": muted.json()["member_id"], "reason": "Again.", "hours": 1})).await;
        assert_eq!(again.status, 201, "{}", again.text());
        post(&app, &author, &group, "Hello?").await.assert_problem(403, "muted");
        app.database.connect().batch_execute("UPDATE moderation_actions SET muted_until = '2026-01-01 00:00:00' WHERE action = 'mute'").unwrap();
        created_id(&post(&app, &author, &group, "Back, calmer.").await);
    }

    async fn facilitators_warn_and_remove_members_and_the_member_reads_why(backend: TestBackend) {
        let Circle { app, owner, facilitator, author, reporter, stranger, group } = circle(backend, "public").await;
        let author_member = membership_of(&app, &author, &group).await;
        let owner_member = membership_of(&app, &owner, &group).await;
        let facilitator_member = membership_of(&app, &facilitator, &group).await;

        let warned = moderate(&app, &facilitator, &group, json!({"action": "warn", "member_id": author_member, "reason": "Please keep names out of shares."})).await;
        assert_eq!(warned.status, 201, "{}", warned.text());
        moderate(&app, &facilitator, &group, json!({"action": "mute", "member_id": owner_member, "reason": "x", "hours": 1})).await.assert_problem(403, "forbidden");
        moderate(&app, &facilitator, &group, json!({"action": "warn", "member_id": facilitator_member, "reason": "Me."})).await.assert_problem(403, "forbidden");
        moderate(&app, &owner, &group, json!({"action": "warn", "member_id": owner_member, "reason": "Me."})).await.assert_problem(403, "forbidden");
        moderate(&app, &author, &group, json!({"action": "warn", "member_id": owner_member, "reason": "Ha."})).await.assert_problem(403, "forbidden");

        let removed = moderate(&app, &facilitator, &group, json!({"action": "remove", "member_id": author_member, "reason": "Second warning ignored."})).await;
        assert_eq!(removed.status, 201, "{}", removed.text());
        let membership = app.get_as(&author, &format!("/v1/groups/{group}/memberships/me")).await.json();
        assert_eq!(membership["status"], "removed");
        post(&app, &author, &group, "Why?").await.assert_problem(403, "membership-required");
        moderate(&app, &facilitator, &group, json!({"action": "warn", "member_id": author_member, "reason": "Gone."})).await.assert_problem(409, "invalid-transition");
        moderate(&app, &facilitator, &group, json!({"action": "unban", "member_id": author_member, "reason": "Not banned."})).await.assert_problem(409, "invalid-transition");
        moderate(&app, &facilitator, &group, json!({"action": "mute", "member_id": author_member, "reason": "Gone.", "hours": 2})).await.assert_problem(409, "invalid-transition");
        moderate(&app, &facilitator, &group, json!({"action": "remove", "member_id": author_member, "reason": "Again."})).await.assert_problem(409, "invalid-transition");
        assert_eq!(moderate(&app, &owner, &group, json!({"action": "ban", "member_id": author_member, "reason": "Came back to harass."})).await.status, 201);
        assert_eq!(moderate(&app, &owner, &group, json!({"action": "unban", "member_id": author_member, "reason": "Appeal accepted."})).await.status, 201);

        let reporter_member = membership_of(&app, &reporter, &group).await;
        app.send(&facilitator, Method::PATCH, &format!("/v1/groups/{group}/memberships/{reporter_member}"), json!({"status": "banned", "reason": "x".repeat(501)})).await.assert_problem(422, "validation");
        let patched = app.send(&facilitator, Method::PATCH, &format!("/v1/groups/{group}/memberships/{reporter_member}"), json!({"status": "banned", "reason": "Spam account."})).await;
        assert_eq!(patched.status, 200, "{}", patched.text());
        app.send(&facilitator, Method::PATCH, &format!("/v1/groups/{group}/memberships/{reporter_member}"), json!({"status": "removed", "reason": " "})).await.assert_problem(422, "validation");

        let rejoined = app.join(&reporter, &group, json!({})).await;
        assert_eq!(rejoined.status, 403, "banned: {}", rejoined.text());
        let unbanned = app.send(&owner, Method::PATCH, &format!("/v1/groups/{group}/memberships/{reporter_member}"), json!({"status": "removed"})).await;
        assert_eq!(unbanned.status, 200, "{}", unbanned.text());
        app.invite(&owner, &reporter, &group).await;
        let removed = app.send(&facilitator, Method::DELETE, &format!("/v1/groups/{group}/memberships/{reporter_member}"), json!({})).await;
        assert_eq!(removed.status, 204, "{}", removed.text());

        let log_path = format!("/v1/groups/{group}/moderation-actions");
        let log = app.get_as(&owner, &log_path).await.json();
        let actions: Vec<(&str, &str, Option<&str>)> = log["items"].as_array().unwrap().iter().map(|item| (item["action"].as_str().unwrap(), item["member"].as_str().unwrap(), item["moderator"].as_str())).collect();
        assert_eq!(actions, [("remove", "Quiet Reporter", Some("Alex")), ("unban", "Quiet Reporter", Some("Rowan")), ("ban", "Quiet Reporter", Some("Alex")), ("unban", "Sam R.", Some("Rowan")), ("ban", "Sam R.", Some("Rowan")), ("remove", "Sam R.", Some("Alex")), ("warn", "Sam R.", Some("Alex"))]);
        let first = app.get_as(&owner, &format!("{log_path}?limit=4")).await.json();
        let rest = app.get_as(&owner, &format!("{log_path}?limit=4&cursor={}", first["next_cursor"].as_str().unwrap())).await.json();
        assert_eq!([ids(&first), ids(&rest)].concat(), ids(&log), "pages follow on");

        let about_author = app.get_as(&facilitator, &format!("{log_path}?member_id={author_member}")).await.json();
        assert_eq!(about_author["items"].as_array().unwrap().len(), 4);

        let notices = app.get_as(&author, &log_path).await;
        assert_eq!(notices.status, 200, "{}", notices.text());
        let notices = notices.json();
        assert_eq!(notices["items"].as_array().unwrap().len(), 4, "{notices}");
        assert!(notices["items"].as_array().unwrap().iter().all(|item| item["moderator"].is_null()), "moderators stay unnamed to the member: {notices}");
        assert_eq!(notices["items"][3]["reason"], "Please keep names out of shares.");
        app.get_as(&author, &format!("{log_path}?member_id={reporter_member}")).await.assert_problem(403, "forbidden");
        app.get_as(&stranger, &log_path).await.assert_problem(403, "membership-required");
        app.get_as(&owner, &format!("{log_path}?cursor=nonsense")).await.assert_problem(400, "bad-request");
        app.get_as(&owner, &format!("{log_path}?limit=0")).await.assert_problem(422, "validation");

        let erased = app.send(&facilitator, Method::DELETE, "/v1/me", json!({"password": MEMBER_PASSWORD})).await;
        assert_eq!(erased.status, 204, "{}", erased.text());
        let log = app.get_as(&owner, &log_path).await.json();
        assert_eq!(log["items"][0]["moderator"], Value::Null, "an erased moderator is forgotten");
    }

    async fn a_moderation_request_that_does_not_fit_its_action_changes_nothing(backend: TestBackend) {
        let Circle { app, owner, author, group, .. } = circle(backend, "public").await;
        let shared = created_id(&post(&app, &author, &group, "Thirty days today.").await);
        let author_member = membership_of(&app, &author, &group).await;
        let owner_member = membership_of(&app, &owner, &group).await;
        let invalid = |body: Value, field: &'static str| {
            let app = &app;
            let owner = &owner;
            let group = &group;
            async move {
                let problem = moderate(app, owner, group, body).await.assert_problem(422, "validation");
                assert!(problem["errors"].as_array().unwrap().iter().any(|error| error["field"] == field), "{field}: {problem}");
            }
        };
        invalid(json!({"action": "hide", "post_id": shared, "reason": " "}), "reason").await;
        invalid(json!({"action": "hide", "post_id": shared, "reason": "x".repeat(501)}), "reason").await;
        invalid(json!({"action": "hide", "reason": "Why"}), "post_id").await;
        invalid(json!({"action": "hide", "post_id": shared, "member_id": author_member, "reason": "Why"}), "member_id").await;
        invalid(json!({"action": "hide", "post_id": shared, "reason": "Why", "hours": 2}), "hours").await;
        invalid(json!({"action": "mute", "member_id": author_member, "reason": "Why"}), "hours").await;
        invalid(json!({"action": "mute", "member_id": author_member, "reason": "Why", "hours": 0}), "hours").await;
        invalid(json!({"action": "mute", "member_id": author_member, "reason": "Why", "hours": 721}), "hours").await;
        invalid(json!({"action": "warn", "reason": "Why"}), "member_id").await;
        invalid(json!({"action": "warn", "post_id": shared, "member_id": owner_member, "reason": "Why"}), "post_id").await;
        moderate(&app, &owner, &group, json!({"action": "shout", "post_id": shared, "reason": "Why"})).await.assert_problem(400, "bad-request");
        moderate(&app, &owner, &group, json!({"action": "hide", "post_id": "0193aa8f-0a11-7c3e-9d2b-4a1f0e6c8b7d", "reason": "Why"})).await.assert_problem(404, "not-found");
        moderate(&app, &owner, &group, json!({"action": "warn", "member_id": "0193aa8f-0a11-7c3e-9d2b-4a1f0e6c8b7d", "reason": "Why"})).await.assert_problem(404, "not-found");

        let elsewhere = app.group(&owner, json!({"name": "Thursday Circle"})).await["id"].as_str().unwrap().to_owned();
        moderate(&app, &owner, &elsewhere, json!({"action": "hide", "post_id": shared, "reason": "Why"})).await.assert_problem(404, "not-found");
        moderate(&app, &owner, &elsewhere, json!({"action": "warn", "member_id": author_member, "reason": "Why"})).await.assert_problem(404, "not-found");

        let log = app.get_as(&owner, &format!("/v1/groups/{group}/moderation-actions")).await.json();
        assert_eq!(log["items"], json!([]), "nothing was done");
        assert_eq!(app.get_as(&author, &format!("/v1/posts/{shared}")).await.json()["hidden"], false);

        let archived = app.send(&owner, Method::DELETE, &format!("/v1/groups/{group}"), json!({})).await;
        assert_eq!(archived.status, 204, "{}", archived.text());
        moderate(&app, &owner, &group, json!({"action": "hide", "post_id": shared, "reason": "Why"})).await.assert_problem(409, "group-archived");
    }

    async fn platform_admins_moderate_without_joining_and_private_groups_stay_hidden(backend: TestBackend) {
        let Circle { app, owner, author, reporter, stranger, group, .. } = circle(backend, "private").await;
        let admin = app.admin("admin@example.org").await;
        let shared = created_id(&post(&app, &author, &group, "Buy my supplements.").await);
        created_id(&report(&app, &reporter, &shared, json!({"reason": "spam"})).await);

        assert_eq!(app.get_as(&admin, &format!("/v1/groups/{group}/reports")).await.json()["items"].as_array().unwrap().len(), 1);
        let hidden = moderate(&app, &admin, &group, json!({"action": "hide", "post_id": shared, "reason": "Advertising."})).await;
        assert_eq!(hidden.status, 201, "{}", hidden.text());
        assert_eq!(app.get_as(&admin, &format!("/v1/groups/{group}/moderation-actions")).await.json()["items"][0]["moderator"], "Admin");
        assert_eq!(app.get_as(&owner, &format!("/v1/groups/{group}/moderation-actions")).await.json()["items"].as_array().unwrap().len(), 1);

        for path in [format!("/v1/groups/{group}/reports"), format!("/v1/groups/{group}/moderation-actions")] {
            app.get_as(&stranger, &path).await.assert_problem(404, "not-found");
        }
        moderate(&app, &stranger, &group, json!({"action": "hide", "post_id": shared, "reason": "x"})).await.assert_problem(404, "not-found");
        report(&app, &stranger, &shared, json!({"reason": "spam"})).await.assert_problem(404, "not-found");
    }

    async fn reports_are_in_the_reporters_export_and_forgotten_with_their_account(backend: TestBackend) {
        let Circle { app, owner, author, reporter, group, .. } = circle(backend, "public").await;
        let shared = created_id(&post(&app, &author, &group, "Buy my supplements.").await);
        created_id(&report(&app, &reporter, &shared, json!({"reason": "spam", "details": "Selling pills."})).await);

        let export = app.get_as(&reporter, "/v1/me/export").await.json();
        assert_eq!((export["reports"][0]["post_id"].as_str(), export["reports"][0]["details"].as_str()), (Some(shared.as_str()), Some("Selling pills.")));

        let erased = app.send(&reporter, Method::DELETE, "/v1/me", json!({"password": MEMBER_PASSWORD})).await;
        assert_eq!(erased.status, 204, "{}", erased.text());
        let queue = app.get_as(&owner, &format!("/v1/groups/{group}/reports")).await.json();
        assert_eq!(queue["items"][0]["reason"], "spam", "the report stays for the moderators");
        assert_eq!(queue["items"][0]["details"], Value::Null, "what the reporter wrote goes with them");
    }
}

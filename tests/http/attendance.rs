//! RSVPs: places, the waitlist and its promotion, the race for the last place, idempotent
//! retries, check-ins, attendance history, and what leaving, erasing and rescheduling do.

use awc::http::Method;
use chrono::{Duration, DurationRound, Utc};
use hearth_tests::{Member, Reply, TestApp, on_both_backends};
use serde_json::{Value, json};

/// An online meeting in UTC, so dates and times in tests are what they look like.
fn online(schedule: Value, capacity: Option<u32>) -> Value {
    json!({
        "title": "Evening check-in",
        "attendance_mode": "online",
        "online": {"conference_url": "https://meet.example.org/evening"},
        "time_zone": "UTC",
        "duration_minutes": 60,
        "capacity": capacity,
        "schedule": schedule,
    })
}

/// Every day at 12:00 UTC, from two weeks ago.
fn daily() -> Value {
    let weekdays = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    json!({
        "frequency": "weekly", "weekdays": weekdays, "start_time": "12:00",
        "starts_on": (Utc::now() - Duration::days(14)).date_naive().to_string(),
    })
}

/// Once, starting half an hour from now (to the minute): check-ins are already open.
fn soon() -> (Value, String) {
    let start = (Utc::now() + Duration::minutes(30))
        .duration_trunc(Duration::minutes(1))
        .unwrap();
    let date = start.date_naive().to_string();
    let schedule = json!({
        "frequency": "once", "start_time": start.format("%H:%M").to_string(), "starts_on": date,
    });
    (schedule, date)
}

fn day(offset: i64) -> String {
    (Utc::now() + Duration::days(offset))
        .date_naive()
        .to_string()
}

struct Setup {
    app: TestApp,
    owner: Member,
    members: Vec<Member>,
    stranger: Member,
    group: String,
}

/// A public, open group with an owner and `n` members.
async fn setup(backend: hearth_tests::TestBackend, n: usize) -> Setup {
    let app = TestApp::spawn(backend).await;
    let owner = app.member("owner@example.org", "Owner").await;
    let stranger = app.member("stranger@example.org", "Stranger").await;
    let group = app
        .group(
            &owner,
            json!({"visibility": "public", "join_policy": "open"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut members = Vec::new();
    for i in 0..n {
        let member = app
            .member(&format!("m{i}@example.org"), &format!("Member {i}"))
            .await;
        assert_eq!(app.join(&member, &group, json!({})).await.status, 201);
        members.push(member);
    }
    Setup {
        app,
        owner,
        members,
        stranger,
        group,
    }
}

fn rsvp_path(meeting: &str, date: &str) -> String {
    format!("/v1/meetings/{meeting}/occurrences/{date}/rsvp")
}

async fn rsvp(app: &TestApp, who: &Member, meeting: &str, date: &str) -> Reply {
    app.send(who, Method::POST, &rsvp_path(meeting, date), json!(null))
        .await
}

async fn rsvp_with_key(app: &TestApp, who: &Member, path: &str, key: &str) -> Reply {
    Reply::of(
        app.post(path)
            .insert_header(who.bearer())
            .insert_header(("Idempotency-Key", key))
            .send(),
    )
    .await
}

async fn mine(app: &TestApp, who: &Member, meeting: &str, date: &str) -> Reply {
    app.get_as(who, &rsvp_path(meeting, date)).await
}

async fn withdraw(app: &TestApp, who: &Member, meeting: &str, date: &str) -> Reply {
    app.send(who, Method::DELETE, &rsvp_path(meeting, date), json!(null))
        .await
}

fn list_path(meeting: &str, date: &str) -> String {
    format!("/v1/meetings/{meeting}/occurrences/{date}/rsvps")
}

on_both_backends! {
    async fn places_go_first_come_and_the_waitlist_is_promoted_in_order(backend: TestBackend) {
        let Setup { app, owner, members, group, .. } = setup(backend, 4).await;
        let id = app.meeting(&owner, &group, online(daily(), Some(2))).await["id"].as_str().unwrap().to_owned();
        let date = day(1);

        let mut answers = Vec::new();
        for member in &members {
            let answer = rsvp(&app, member, &id, &date).await;
            assert_eq!(answer.status, 201, "{}", answer.text());
            answers.push(answer.json());
        }
        let statuses: Vec<&str> = answers.iter().map(|a| a["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, ["going", "going", "waitlisted", "waitlisted"]);
        assert_eq!(answers[2]["waitlist_position"], 1);
        assert_eq!(answers[3]["waitlist_position"], 2);
        assert_eq!(answers[0]["waitlist_position"], Value::Null);
        assert_eq!(answers[0]["start"], format!("{date}T12:00:00Z"));

        let again = rsvp(&app, &members[0], &id, &date).await;
        assert_eq!(again.status, 200, "an RSVP the caller has is answered as it stands");
        assert_eq!(again.json()["id"], answers[0]["id"]);

        assert_eq!(withdraw(&app, &members[0], &id, &date).await.status, 204);
        mine(&app, &members[0], &id, &date).await.assert_problem(404, "not-found");
        let promoted = mine(&app, &members[2], &id, &date).await.json();
        assert_eq!(promoted["status"], "going", "the first on the waitlist gets the place");
        assert_eq!(mine(&app, &members[3], &id, &date).await.json()["waitlist_position"], 1);

        let list = app.get_as(&owner, &list_path(&id, &date)).await;
        assert_eq!(list.status, 200, "{}", list.text());
        let list = list.json();
        assert_eq!((list["going"].as_u64(), list["waitlisted"].as_u64(), list["capacity"].as_u64()), (Some(2), Some(1), Some(2)));
        let names: Vec<&str> = list["items"].as_array().unwrap().iter().map(|i| i["display_name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Member 1", "Member 2", "Member 3"], "places first, then the waitlist");

        let raised = app.send(&owner, Method::PATCH, &format!("/v1/meetings/{id}"), json!({"capacity": 3})).await;
        assert_eq!(raised.status, 200, "{}", raised.text());
        assert_eq!(mine(&app, &members[3], &id, &date).await.json()["status"], "going", "a larger room promotes the waitlist");

        assert_eq!(rsvp(&app, &members[0], &id, &date).await.json()["status"], "waitlisted", "back in the queue, at its end");
    }

    async fn concurrent_rsvps_never_overbook(backend: TestBackend) {
        let Setup { app, owner, members, group, .. } = setup(backend, 6).await;
        let id = app.meeting(&owner, &group, online(daily(), Some(2))).await["id"].as_str().unwrap().to_owned();
        let date = day(2);

        let answers = futures_util::future::join_all(members.iter().map(|m| rsvp(&app, m, &id, &date))).await;

        assert!(answers.iter().all(|a| a.status == 201), "{:?}", answers.iter().map(Reply::text).collect::<Vec<_>>());
        let going = answers.iter().filter(|a| a.json()["status"] == "going").count();
        assert_eq!(going, 2);
        let mut positions: Vec<u64> = answers.iter().filter_map(|a| a.json()["waitlist_position"].as_u64()).collect();
        positions.sort_unstable();
        assert_eq!(positions, [1, 2, 3, 4]);
        let list = app.get_as(&owner, &list_path(&id, &date)).await.json();
        assert_eq!((list["going"].as_u64(), list["waitlisted"].as_u64()), (Some(2), Some(4)));
    }

    async fn a_retry_with_the_same_idempotency_key_gets_the_first_answer(backend: TestBackend) {
        let Setup { app, owner, members, group, .. } = setup(backend, 2).await;
        let id = app.meeting(&owner, &group, online(daily(), Some(1))).await["id"].as_str().unwrap().to_owned();
        let path = rsvp_path(&id, &day(1));

        let first = rsvp_with_key(&app, &members[0], &path, "rsvp-7f3a").await;
        assert_eq!(first.status, 201, "{}", first.text());
        assert_eq!(first.header("idempotent-replayed"), None);
        let retry = rsvp_with_key(&app, &members[0], &path, "rsvp-7f3a").await;
        assert_eq!(retry.status, 201);
        assert_eq!(retry.header("idempotent-replayed"), Some("true"));
        assert_eq!(retry.json(), first.json());

        assert_eq!(withdraw(&app, &members[0], &id, &day(1)).await.status, 204);
        let late_retry = rsvp_with_key(&app, &members[0], &path, "rsvp-7f3a").await;
        assert_eq!(late_retry.status, 201);
        assert_eq!(late_retry.header("idempotent-replayed"), Some("true"));
        mine(&app, &members[0], &id, &day(1)).await.assert_problem(404, "not-found");

        rsvp_with_key(&app, &members[0], &rsvp_path(&id, &day(2)), "rsvp-7f3a").await.assert_problem(422, "idempotency-key-reused");
        let someone_else = rsvp_with_key(&app, &members[1], &path, "rsvp-7f3a").await;
        assert_eq!(someone_else.status, 201, "keys belong to their sender");
        assert_eq!(someone_else.json()["status"], "going");
        assert_eq!(someone_else.header("idempotent-replayed"), None);

        for bad in ["", &"k".repeat(256), "two words"] {
            rsvp_with_key(&app, &members[0], &path, bad).await.assert_problem(400, "bad-request");
        }
        mine(&app, &members[0], &id, &day(1)).await.assert_problem(404, "not-found");
    }

    async fn rsvps_are_refused_clearly_and_change_nothing(backend: TestBackend) {
        let Setup { app, owner, members, stranger, group } = setup(backend, 1).await;
        let id = app.meeting(&owner, &group, online(daily(), None)).await["id"].as_str().unwrap().to_owned();
        let member = &members[0];

        rsvp(&app, &stranger, &id, &day(1)).await.assert_problem(403, "membership-required");
        Reply::of(app.post(&rsvp_path(&id, &day(1))).send()).await.assert_problem(401, "unauthenticated");
        rsvp(&app, member, &id, &day(-3)).await.assert_problem(409, "occurrence-over");
        rsvp(&app, member, &id, &day(-30)).await.assert_problem(404, "not-found");
        let far = rsvp(&app, member, &id, &day(70)).await.assert_problem(422, "validation");
        assert_eq!(far["errors"][0]["code"], "too_far_ahead");
        rsvp(&app, member, &uuid::Uuid::now_v7().to_string(), &day(1)).await.assert_problem(404, "not-found");
        rsvp(&app, member, &id, "2026-02-30").await.assert_problem(400, "bad-request");
        rsvp(&app, member, &id, "+262142-12-31").await.assert_problem(404, "not-found");
        rsvp(&app, member, &id, "2201-01-01").await.assert_problem(404, "not-found");

        let cancelled = app.send(&owner, Method::PUT, &format!("/v1/meetings/{id}/exceptions/{}", day(3)), json!({"cancelled": true})).await;
        assert_eq!(cancelled.status, 200, "{}", cancelled.text());
        rsvp(&app, member, &id, &day(3)).await.assert_problem(409, "occurrence-cancelled");

        withdraw(&app, member, &id, &day(1)).await.assert_problem(404, "not-found");
        mine(&app, member, &id, &day(1)).await.assert_problem(404, "not-found");
        app.get_as(member, &list_path(&id, &day(1))).await.assert_problem(403, "forbidden");
        app.get_as(&owner, &list_path(&id, &day(-30))).await.assert_problem(404, "not-found");
        assert_eq!(app.get_as(&owner, &list_path(&id, &day(1))).await.json()["items"], json!([]));

        let archived = app.send(&owner, Method::DELETE, &format!("/v1/groups/{group}"), json!(null)).await;
        assert_eq!(archived.status, 204, "{}", archived.text());
        rsvp(&app, member, &id, &day(1)).await.assert_problem(409, "group-archived");
    }

    async fn only_active_members_rsvp_and_private_meetings_stay_hidden(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let owner = app.member("owner@example.org", "Owner").await;
        let asking = app.member("asking@example.org", "Asking").await;
        let unlisted = app.group(&owner, json!({"visibility": "unlisted", "join_policy": "request"})).await["id"].as_str().unwrap().to_owned();
        let id = app.meeting(&owner, &unlisted, online(daily(), None)).await["id"].as_str().unwrap().to_owned();
        assert_eq!(app.join(&asking, &unlisted, json!({})).await.status, 202);
        rsvp(&app, &asking, &id, &day(1)).await.assert_problem(403, "membership-required");

        let private = app.group(&owner, json!({"name": "Quiet Room", "visibility": "private", "join_policy": "invite"})).await["id"].as_str().unwrap().to_owned();
        let hidden = app.meeting(&owner, &private, online(daily(), None)).await["id"].as_str().unwrap().to_owned();
        rsvp(&app, &asking, &hidden, &day(1)).await.assert_problem(404, "not-found");
        mine(&app, &asking, &hidden, &day(1)).await.assert_problem(404, "not-found");
        app.get_as(&asking, &list_path(&hidden, &day(1))).await.assert_problem(404, "not-found");
        assert_eq!(rsvp(&app, &owner, &hidden, &day(1)).await.status, 201);
    }

    async fn facilitators_check_people_in_and_members_keep_their_history(backend: TestBackend) {
        let Setup { app, owner, members, group, .. } = setup(backend, 2).await;
        let (schedule, date) = soon();
        let id = app.meeting(&owner, &group, online(schedule, Some(1))).await["id"].as_str().unwrap().to_owned();
        let going = rsvp(&app, &members[0], &id, &date).await.json();
        let waiting = rsvp(&app, &members[1], &id, &date).await.json();
        assert_eq!(waiting["status"], "waitlisted");
        let check_in = |rsvp: &Value| format!("/v1/meetings/{id}/occurrences/{date}/rsvps/{}/check-in", rsvp["id"].as_str().unwrap());

        app.send(&members[0], Method::PUT, &check_in(&going), json!(null)).await.assert_problem(403, "forbidden");
        let checked = app.send(&owner, Method::PUT, &check_in(&going), json!(null)).await;
        assert_eq!(checked.status, 200, "{}", checked.text());
        let checked = checked.json();
        assert_eq!(checked["display_name"], "Member 0");
        let first_time = checked["checked_in_at"].clone();
        assert!(first_time.is_string());
        let again = app.send(&owner, Method::PUT, &check_in(&going), json!(null)).await.json();
        assert_eq!(again["checked_in_at"], first_time, "checking in again keeps the first time");

        let let_in = app.send(&owner, Method::PUT, &check_in(&waiting), json!(null)).await.json();
        assert!(let_in["checked_in_at"].is_string());
        assert_eq!(let_in["status"], "waitlisted", "let in, but no place is taken from the queue");
        assert_eq!(let_in["waitlist_position"], 1);
        let undone = app.send(&owner, Method::DELETE, &check_in(&waiting), json!(null)).await;
        assert_eq!(undone.status, 200, "{}", undone.text());
        assert_eq!(undone.json()["checked_in_at"], Value::Null);
        let list = app.get_as(&owner, &list_path(&id, &date)).await.json();
        assert_eq!((list["going"].as_u64(), list["checked_in"].as_u64()), (Some(1), Some(1)));

        let unknown = format!("/v1/meetings/{id}/occurrences/{date}/rsvps/{}/check-in", uuid::Uuid::now_v7());
        app.send(&owner, Method::PUT, &unknown, json!(null)).await.assert_problem(404, "not-found");
        let later = app.meeting(&owner, &group, online(daily(), None)).await["id"].as_str().unwrap().to_owned();
        let next_week = rsvp(&app, &members[0], &later, &day(7)).await.json();
        let early = format!("/v1/meetings/{later}/occurrences/{}/rsvps/{}/check-in", day(7), next_week["id"].as_str().unwrap());
        app.send(&owner, Method::PUT, &early, json!(null)).await.assert_problem(409, "check-in-closed");
        let wrong_date = format!("/v1/meetings/{later}/occurrences/{}/rsvps/{}/check-in", day(6), next_week["id"].as_str().unwrap());
        app.send(&owner, Method::PUT, &wrong_date, json!(null)).await.assert_problem(404, "not-found");

        let history = app.get_as(&members[0], "/v1/me/attendance").await;
        assert_eq!(history.status, 200, "{}", history.text());
        let items = history.json()["items"].as_array().unwrap().clone();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["date"], day(7), "latest occurrence first");
        assert_eq!(items[1]["meeting_title"], "Evening check-in");
        assert_eq!(items[1]["group_name"], "Harbour Lights");
        assert_eq!(items[1]["checked_in_at"], first_time);
        assert_eq!(items[1]["time_zone"], "UTC");

        let export = app.get_as(&members[0], "/v1/me/export").await.json();
        assert_eq!(export["attendance"], json!(items), "the export carries the whole history");

        let proof = app.get_as(&members[0], "/v1/me/attendance?checked_in=true").await.json();
        assert_eq!(proof["items"].as_array().unwrap().len(), 1);
        assert_eq!(proof["items"][0]["rsvp_id"], going["id"]);

        let page = app.get_as(&members[0], "/v1/me/attendance?limit=1").await.json();
        assert_eq!(page["items"][0]["date"], day(7));
        let cursor = page["next_cursor"].as_str().unwrap();
        let rest = app.get_as(&members[0], &format!("/v1/me/attendance?limit=1&cursor={cursor}")).await.json();
        assert_eq!(rest["items"][0]["rsvp_id"], going["id"]);
        assert_eq!(rest["next_cursor"], Value::Null);
        let window = format!("/v1/me/attendance?from={}T00:00:00Z&to={}T00:00:00Z", day(6), day(8));
        assert_eq!(app.get_as(&members[0], &window).await.json()["items"].as_array().unwrap().len(), 1);

        app.get_as(&members[0], "/v1/me/attendance?cursor=nonsense").await.assert_problem(400, "bad-request");
        app.get_as(&members[0], "/v1/me/attendance?limit=0").await.assert_problem(422, "validation");
        let backwards = format!("/v1/me/attendance?from={}T00:00:00Z&to={}T00:00:00Z", day(8), day(6));
        app.get_as(&members[0], &backwards).await.assert_problem(422, "validation");
        Reply::of(app.get("/v1/me/attendance").send()).await.assert_problem(401, "unauthenticated");
        assert_eq!(app.get_as(&members[1], "/v1/me/attendance?checked_in=true").await.json()["items"], json!([]));
    }

    async fn leaving_the_group_gives_places_to_the_waitlist(backend: TestBackend) {
        let Setup { app, owner, members, group, .. } = setup(backend, 3).await;
        let id = app.meeting(&owner, &group, online(daily(), Some(1))).await["id"].as_str().unwrap().to_owned();
        let date = day(1);
        assert_eq!(rsvp(&app, &members[0], &id, &date).await.json()["status"], "going");
        assert_eq!(rsvp(&app, &members[1], &id, &date).await.json()["status"], "waitlisted");
        assert_eq!(rsvp(&app, &members[2], &id, &date).await.json()["status"], "waitlisted");

        let left = app.send(&members[0], Method::DELETE, &format!("/v1/groups/{group}/memberships/me"), json!(null)).await;
        assert_eq!(left.status, 204, "{}", left.text());
        assert_eq!(mine(&app, &members[1], &id, &date).await.json()["status"], "going");
        assert_eq!(app.get_as(&members[0], "/v1/me/attendance").await.json()["items"], json!([]));

        let erased = app.send(&members[1], Method::DELETE, "/v1/me", json!({"password": hearth_tests::MEMBER_PASSWORD})).await;
        assert_eq!(erased.status, 204, "{}", erased.text());
        assert_eq!(mine(&app, &members[2], &id, &date).await.json()["status"], "going", "an erased account's place goes on");
        let list = app.get_as(&owner, &list_path(&id, &date)).await.json();
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
    }

    async fn rsvps_follow_moves_and_go_with_dates_the_meeting_no_longer_meets_on(backend: TestBackend) {
        let Setup { app, owner, members, group, .. } = setup(backend, 1).await;
        let id = app.meeting(&owner, &group, online(daily(), None)).await["id"].as_str().unwrap().to_owned();
        let member = &members[0];
        for offset in [1, 2, 3] {
            assert_eq!(rsvp(&app, member, &id, &day(offset)).await.status, 201);
        }

        let moved = app.send(&owner, Method::PUT, &format!("/v1/meetings/{id}/exceptions/{}", day(1)), json!({"moved_to": format!("{}T18:30:00", day(1))})).await;
        assert_eq!(moved.status, 200, "{}", moved.text());
        assert_eq!(mine(&app, member, &id, &day(1)).await.json()["start"], format!("{}T18:30:00Z", day(1)));

        let retimed = app.send(&owner, Method::PATCH, &format!("/v1/meetings/{id}"), json!({"schedule": {"frequency": "once", "start_time": "12:00", "starts_on": day(2)}})).await;
        assert_eq!(retimed.status, 200, "{}", retimed.text());
        mine(&app, member, &id, &day(3)).await.assert_problem(404, "not-found");
        assert_eq!(mine(&app, member, &id, &day(2)).await.status, 200);

        assert_eq!(app.send(&owner, Method::DELETE, &format!("/v1/meetings/{id}"), json!(null)).await.status, 204);
        assert_eq!(app.get_as(member, "/v1/me/attendance").await.json()["items"], json!([]));
    }
}

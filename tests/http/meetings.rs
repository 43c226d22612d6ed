//! Meetings: scheduling by facilitators, who sees join links, occurrences across DST with
//! exceptions, edits with If-Match, deletion, and every rejection.

use awc::http::Method;
use hearth_tests::{Member, Reply, TestApp, on_both_backends};
use serde_json::{Value, json};

fn hybrid(title: &str) -> Value {
    json!({
        "title": title,
        "attendance_mode": "hybrid",
        "venue": {"name": "St. Mark's Hall", "formatted_address": "12 Harbour St, Brooklyn, NY 11201, USA", "latitude": 40.6943, "longitude": -73.9903, "country": "us"},
        "online": {"conference_url": "https://meet.example.org/harbour", "conference_phone": "+1 646 555 0100"},
        "time_zone": "America/New_York",
        "duration_minutes": 60,
        "types": ["O", "B", "X"],
        "schedule": {"frequency": "weekly", "weekdays": ["sunday"], "start_time": "19:00", "starts_on": "2026-01-04"}
    })
}

async fn schedule(app: &TestApp, by: &Member, group: &str, body: Value) -> Reply {
    app.send(
        by,
        Method::POST,
        &format!("/v1/groups/{group}/meetings"),
        body,
    )
    .await
}

async fn anonymous(app: &TestApp, path: &str) -> Reply {
    Reply::of(app.get(path).send()).await
}

struct Setup {
    app: TestApp,
    owner: Member,
    member: Member,
    stranger: Member,
    group: String,
}

async fn setup(backend: hearth_tests::TestBackend, visibility: &str) -> Setup {
    let app = TestApp::spawn(backend).await;
    let owner = app.member("owner@example.org", "Owner").await;
    let member = app.member("member@example.org", "Member").await;
    let stranger = app.member("stranger@example.org", "Stranger").await;
    let group = app
        .group(
            &owner,
            json!({"visibility": visibility, "join_policy": "invite"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.invite(&owner, &member, &group).await;
    Setup {
        app,
        owner,
        member,
        stranger,
        group,
    }
}

on_both_backends! {
    async fn facilitators_schedule_meetings_and_members_alone_see_join_links(backend: TestBackend) {
        let Setup { app, owner, member, stranger, group } = setup(backend, "public").await;

        let created = schedule(&app, &owner, &group, hybrid("Sunday Night Big Book")).await;
        assert_eq!(created.status, 201, "{}", created.text());
        let meeting = created.json();
        assert_eq!(meeting["types"], json!(["B", "O", "X"]));
        assert_eq!(meeting["venue"]["country"], "US");
        assert_eq!(meeting["languages"], json!(["en"]), "the group's languages by default");
        assert_eq!(meeting["next_occurrence"]["local_start"].as_str().unwrap()[11..], *"19:00:00");
        let path = format!("/v1/meetings/{}", meeting["id"].as_str().unwrap());
        assert_eq!(created.header("location"), Some(path.as_str()));

        let public = anonymous(&app, &path).await.json();
        assert_eq!(public["online"], Value::Null);
        assert_eq!(public["online_hidden"], true);
        assert_eq!(public["venue"]["formatted_address"], "12 Harbour St, Brooklyn, NY 11201, USA");
        assert_eq!(app.get_as(&stranger, &path).await.json()["online_hidden"], true);
        let inside = app.get_as(&member, &path).await.json();
        assert_eq!(inside["online"]["conference_url"], "https://meet.example.org/harbour");
        assert!(!anonymous(&app, &format!("/v1/groups/{group}/meetings")).await.text().contains("meet.example.org"));

        let opened = app.send(&owner, Method::PATCH, &path, json!({"public_links": true})).await;
        assert_eq!(opened.status, 200, "{}", opened.text());
        assert_eq!(anonymous(&app, &path).await.json()["online"]["conference_phone"], "+1 646 555 0100");

        schedule(&app, &member, &group, hybrid("Mine")).await.assert_problem(403, "forbidden");
        Reply::of(app.post(&format!("/v1/groups/{group}/meetings")).send_json(&hybrid("Anon"))).await.assert_problem(401, "unauthenticated");
    }

    async fn a_private_groups_meetings_do_not_exist_for_outsiders(backend: TestBackend) {
        let Setup { app, owner, member, stranger, group } = setup(backend, "private").await;
        let mut body = hybrid("Closed meeting");
        body["public_links"] = json!(true);
        let meeting = schedule(&app, &owner, &group, body).await.json();
        let path = format!("/v1/meetings/{}", meeting["id"].as_str().unwrap());

        anonymous(&app, &path).await.assert_problem(404, "not-found");
        app.get_as(&stranger, &path).await.assert_problem(404, "not-found");
        app.get_as(&stranger, &format!("{path}/occurrences")).await.assert_problem(404, "not-found");
        anonymous(&app, &format!("/v1/groups/{group}/meetings")).await.assert_problem(404, "not-found");
        assert_eq!(app.get_as(&member, &path).await.json()["online"]["conference_url"], "https://meet.example.org/harbour");
        anonymous(&app, "/v1/meetings/0193aa8f-0a11-7c3e-9d2b-4a1f0e6c8b7d").await.assert_problem(404, "not-found");
    }

    async fn invalid_meetings_are_refused_field_by_field(backend: TestBackend) {
        let Setup { app, owner, group, .. } = setup(backend, "public").await;
        let reject = |body: Value| schedule(&app, &owner, &group, body);
        let field_of = |reply: Reply| reply.assert_problem(422, "validation")["errors"][0]["field"].as_str().unwrap().to_owned();

        let mut zone = hybrid("Bad zone");
        zone["time_zone"] = json!("Mars/Olympus_Mons");
        assert_eq!(field_of(reject(zone).await), "time_zone");
        let mut code = hybrid("Bad code");
        code["types"] = json!(["B", "ZZZ"]);
        assert_eq!(field_of(reject(code).await), "types[1]");
        let mut onl = hybrid("ONL");
        onl["types"] = json!(["ONL"]);
        assert_eq!(field_of(reject(onl).await), "types[0]");
        let mut no_venue = hybrid("No venue");
        no_venue["venue"] = Value::Null;
        assert_eq!(field_of(reject(no_venue).await), "venue");
        let mut online_with_venue = hybrid("Online with venue");
        online_with_venue["attendance_mode"] = json!("online");
        assert_eq!(field_of(reject(online_with_venue).await), "venue");
        let mut in_person_with_call = hybrid("In person with call");
        in_person_with_call["attendance_mode"] = json!("in_person");
        assert_eq!(field_of(reject(in_person_with_call).await), "online");
        let mut insecure = hybrid("Insecure link");
        insecure["online"]["conference_url"] = json!("http://meet.example.org/x");
        assert_eq!(field_of(reject(insecure).await), "online.conference_url");
        let mut no_days = hybrid("No days");
        no_days["schedule"]["weekdays"] = json!([]);
        assert_eq!(field_of(reject(no_days).await), "schedule.weekdays");
        let mut monthly = hybrid("Monthly without ordinal");
        monthly["schedule"] = json!({"frequency": "monthly", "weekday": "friday", "start_time": "19:00", "starts_on": "2026-01-01"});
        assert_eq!(field_of(reject(monthly).await), "schedule.ordinal");
        let mut clock = hybrid("Bad clock");
        clock["schedule"]["start_time"] = json!("25:00");
        assert_eq!(field_of(reject(clock).await), "schedule.start_time");
        let mut long = hybrid("Too long");
        long["duration_minutes"] = json!(721);
        assert_eq!(field_of(reject(long).await), "duration_minutes");
        let mut ancient = hybrid("Ancient");
        ancient["schedule"]["starts_on"] = json!("1800-01-01");
        assert_eq!(field_of(reject(ancient).await), "schedule.starts_on");
        let mut ends_early = hybrid("Ends before it starts");
        ends_early["schedule"]["ends_on"] = json!("2025-12-31");
        assert_eq!(field_of(reject(ends_early).await), "schedule.ends_on");
        let mut weekday = hybrid("Bad weekday");
        weekday["schedule"]["weekdays"] = json!(["funday"]);
        reject(weekday).await.assert_problem(400, "bad-request");
        assert_eq!(app.get_as(&owner, &format!("/v1/groups/{group}/meetings")).await.json()["items"], json!([]), "nothing was stored");

        assert_eq!(Reply::of(app.request(Method::DELETE, &format!("/v1/groups/{group}")).insert_header(owner.bearer()).send()).await.status, 204);
        schedule(&app, &owner, &group, hybrid("Too late")).await.assert_problem(409, "group-archived");
    }

    async fn occurrences_keep_local_time_across_dst_and_show_exceptions(backend: TestBackend) {
        let Setup { app, owner, member, group, .. } = setup(backend, "public").await;
        let meeting = schedule(&app, &owner, &group, hybrid("Sunday Night")).await.json();
        let path = format!("/v1/meetings/{}", meeting["id"].as_str().unwrap());
        let window = "from=2026-03-01T00:00:00Z&to=2026-03-23T00:00:00Z";

        let plain = anonymous(&app, &format!("{path}/occurrences?{window}")).await.json();
        assert_eq!(plain["time_zone"], "America/New_York");
        let starts: Vec<&str> = plain["items"].as_array().unwrap().iter().map(|o| o["start"].as_str().unwrap()).collect();
        assert_eq!(starts, ["2026-03-02T00:00:00Z", "2026-03-08T23:00:00Z", "2026-03-15T23:00:00Z", "2026-03-22T23:00:00Z"]);
        for occurrence in plain["items"].as_array().unwrap() {
            assert!(occurrence["local_start"].as_str().unwrap().ends_with("T19:00:00"), "{occurrence}");
        }

        let exception = |date: &str| format!("{path}/exceptions/{date}");
        let cancelled = app.send(&owner, Method::PUT, &exception("2026-03-08"), json!({"cancelled": true, "note": "Hall closed"})).await;
        assert_eq!(cancelled.status, 200, "{}", cancelled.text());
        let moved = app.send(&owner, Method::PUT, &exception("2026-03-15"), json!({"moved_to": "2026-03-17T18:30:00"})).await;
        assert_eq!(moved.status, 200, "{}", moved.text());
        let changed = anonymous(&app, &format!("{path}/occurrences?{window}")).await.json();
        let items = changed["items"].as_array().unwrap();
        assert_eq!((items[1]["cancelled"].clone(), items[1]["note"].clone()), (json!(true), json!("Hall closed")));
        assert_eq!(items[2]["scheduled_on"], "2026-03-15");
        assert_eq!(items[2]["start"], "2026-03-17T22:30:00Z");
        assert_eq!(items[2]["moved"], true);

        app.send(&owner, Method::PUT, &exception("2026-03-09"), json!({"cancelled": true})).await.assert_problem(422, "validation");
        app.send(&owner, Method::PUT, &exception("2026-03-22"), json!({"moved_to": "2026-04-22T19:00:00"})).await.assert_problem(422, "validation");
        app.send(&owner, Method::PUT, &exception("2026-03-22"), json!({})).await.assert_problem(422, "validation");
        app.send(&member, Method::PUT, &exception("2026-03-22"), json!({"cancelled": true})).await.assert_problem(403, "forbidden");
        let undo = Reply::of(app.request(Method::DELETE, &exception("2026-03-08")).insert_header(owner.bearer()).send()).await;
        assert_eq!(undo.status, 204);
        let again = Reply::of(app.request(Method::DELETE, &exception("2026-03-08")).insert_header(owner.bearer()).send()).await;
        again.assert_problem(404, "not-found");
        anonymous(&app, &format!("{path}/occurrences?from=2026-03-01T00:00:00Z&to=2026-02-01T00:00:00Z")).await.assert_problem(422, "validation");
        anonymous(&app, &format!("{path}/occurrences?from=0001-01-01T00:00:00Z")).await.assert_problem(422, "validation");
        anonymous(&app, &format!("{path}/occurrences?from=2026-01-01T00:00:00Z&to=2027-06-01T00:00:00Z")).await.assert_problem(422, "validation");
    }

    async fn edits_need_a_current_etag_and_deleted_meetings_are_gone(backend: TestBackend) {
        let Setup { app, owner, member, group, .. } = setup(backend, "public").await;
        let meeting = schedule(&app, &owner, &group, hybrid("Sunday Night")).await.json();
        let path = format!("/v1/meetings/{}", meeting["id"].as_str().unwrap());
        let etag = app.get_as(&owner, &path).await.header("etag").unwrap().to_owned();

        let monthly = Reply::of(app.request(Method::PATCH, &path).insert_header(owner.bearer()).insert_header(("if-match", etag.clone()))
            .send_json(&json!({"schedule": {"frequency": "monthly", "ordinal": "last", "weekday": "friday", "start_time": "18:30", "starts_on": "2026-01-01"}, "attendance_mode": "in_person", "online": null}))).await;
        assert_eq!(monthly.status, 200, "{}", monthly.text());
        assert_eq!(monthly.json()["schedule"]["ordinal"], "last");
        assert_eq!(monthly.json()["online_hidden"], false);
        let stale = Reply::of(app.request(Method::PATCH, &path).insert_header(owner.bearer()).insert_header(("if-match", etag))
            .send_json(&json!({"title": "Lost update"}))).await;
        stale.assert_problem(412, "precondition-failed");
        app.send(&member, Method::PATCH, &path, json!({"title": "Mine"})).await.assert_problem(403, "forbidden");
        app.send(&owner, Method::PATCH, &path, json!({"attendance_mode": "online"})).await.assert_problem(422, "validation");

        Reply::of(app.request(Method::DELETE, &path).insert_header(member.bearer()).send()).await.assert_problem(403, "forbidden");
        assert_eq!(Reply::of(app.request(Method::DELETE, &path).insert_header(owner.bearer()).send()).await.status, 204);
        anonymous(&app, &path).await.assert_problem(404, "not-found");
        assert_eq!(anonymous(&app, &format!("/v1/groups/{group}/meetings")).await.json()["items"], json!([]));
    }

    async fn the_meeting_sync_feed_reports_updates_and_removals(backend: TestBackend) {
        let Setup { app, owner, member, group, .. } = setup(backend, "public").await;
        let kept = schedule(&app, &owner, &group, hybrid("Kept")).await.json();
        let gone = schedule(&app, &owner, &group, hybrid("Deleted later")).await.json();
        let private = app.group(&owner, json!({"name": "Private circle", "visibility": "private"})).await["id"].as_str().unwrap().to_owned();
        let secret = schedule(&app, &owner, &private, hybrid("Secret")).await.json();
        let change_of = |page: &Value, meeting: &Value| {
            page["items"].as_array().unwrap().iter().find(|c| c["id"] == meeting["id"]).cloned()
        };

        let first = anonymous(&app, "/v1/meetings/changes").await;
        assert_eq!(first.status, 200, "{}", first.text());
        let first = first.json();
        assert_eq!(first["items"].as_array().unwrap().len(), 2, "{first}");
        assert!(change_of(&first, &secret).is_none(), "a private group's meetings never appear");
        let since = first["next_since"].as_str().unwrap().replace('+', "%2B");

        let path = |m: &Value| format!("/v1/meetings/{}", m["id"].as_str().unwrap());
        assert_eq!(Reply::of(app.request(Method::DELETE, &path(&gone)).insert_header(owner.bearer()).send()).await.status, 204);
        assert_eq!(app.send(&owner, Method::PATCH, &path(&kept), json!({"title": "Kept and renamed"})).await.status, 200);
        let later = anonymous(&app, &format!("/v1/meetings/changes?since={since}")).await.json();
        assert_eq!(change_of(&later, &gone).unwrap()["change"], "removed");
        let renamed = change_of(&later, &kept).unwrap();
        assert_eq!(renamed["meeting"]["title"], "Kept and renamed");
        assert_eq!(renamed["meeting"]["online"], Value::Null, "join links stay with members");
        let newcomer = app.member("newcomer@example.org", "Newcomer").await;
        let quiet_since = (chrono::Utc::now() + chrono::Duration::milliseconds(1)).format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        app.invite(&owner, &newcomer, &group).await;
        let joined = app.get_as(&newcomer, &format!("/v1/meetings/changes?since={quiet_since}")).await.json();
        assert_eq!(anonymous(&app, &format!("/v1/meetings/changes?since={quiet_since}")).await.json()["items"], json!([]));
        assert_eq!(change_of(&joined, &kept).unwrap()["meeting"]["online"]["conference_url"], "https://meet.example.org/harbour",
            "joining re-sends the group's meetings, now with their links");
        let for_member = app.get_as(&member, &format!("/v1/meetings/changes?since={since}")).await.json();
        assert_eq!(change_of(&for_member, &kept).unwrap()["meeting"]["online"]["conference_url"], "https://meet.example.org/harbour");

        assert_eq!(app.send(&owner, Method::PATCH, &format!("/v1/groups/{group}"), json!({"visibility": "private"})).await.status, 200);
        let hidden = anonymous(&app, &format!("/v1/meetings/changes?since={since}")).await.json();
        assert_eq!(change_of(&hidden, &kept).unwrap()["change"], "removed", "a group gone private takes its meetings along");
        let still = app.get_as(&member, &format!("/v1/meetings/changes?since={since}")).await.json();
        assert_eq!(change_of(&still, &kept).unwrap()["change"], "updated");
        anonymous(&app, "/v1/meetings/changes?cursor=garbage").await.assert_problem(400, "bad-request");
        let wrong_method = app.send(&owner, Method::PATCH, "/v1/meetings/changes", json!({})).await;
        wrong_method.assert_problem(405, "method-not-allowed");
        assert_eq!(wrong_method.header("allow"), Some("GET"));
        anonymous(&app, "/v1/meetings/changes?limit=0").await.assert_problem(422, "validation");
    }
}

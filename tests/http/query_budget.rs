//! What the meeting searches cost the database, on generated data (`hearth seed --scale`):
//! "in person near here, starting soon" and "online, happening now" read their indexes and
//! never a whole table, and a request sends the same few statements whatever it finds (one
//! more when a meeting it found has exceptions, which generated meetings do not).

use awc::http::Method;
use chrono::{Duration, Utc};
use hearth_api::read_cache::FRESH_FOR;
use hearth_api::scale::scale;
use hearth_domain::group::Point;
use hearth_domain::meeting::AttendanceMode;
use hearth_persistence::occurrences::{OccurrenceFilter, explain_search};
use hearth_tests::{Member, Reply, TestApp, on_both_backends};
use serde_json::json;

/// Generated meetings: enough that a planner prefers an index to reading everything.
const MEETINGS: u64 = 5_000;

async fn seeded(backend: hearth_tests::TestBackend) -> TestApp {
    let app = TestApp::spawn(backend).await;
    let mut c = app.database.connect();
    scale(&mut c, MEETINGS, |_| {}).expect("generate meetings");
    app
}

fn near_and_soon() -> OccurrenceFilter {
    let now = Utc::now();
    OccurrenceFilter {
        starts_after: Some(now),
        starts_before: Some(now + Duration::hours(2)),
        modes: vec![AttendanceMode::InPerson],
        within: Some(
            Point {
                latitude: 40.7128,
                longitude: -74.0060,
            }
            .bounding_box(10.0),
        ),
        ..OccurrenceFilter::default()
    }
}

fn online_now() -> OccurrenceFilter {
    let now = Utc::now();
    OccurrenceFilter {
        starts_after: Some(now - Duration::hours(12)),
        starts_before: Some(now + Duration::days(7)),
        in_progress_at: Some(now),
        modes: vec![AttendanceMode::Online],
        ..OccurrenceFilter::default()
    }
}

/// Statements the server sends for `path`: the fewest of three tries, so that a background
/// round of the horizon job cannot inflate it.
async fn statements_for(app: &TestApp, path: &str) -> u64 {
    let mut fewest = u64::MAX;
    for _ in 0..3 {
        let before = app.statements();
        let reply = Reply::of(app.get(path).send()).await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        fewest = fewest.min(app.statements() - before);
    }
    fewest
}

/// Statements the server sends for `path` read with `member`'s token, the fewest of three.
async fn statements_as(app: &TestApp, member: &Member, path: &str) -> u64 {
    let mut fewest = u64::MAX;
    for _ in 0..3 {
        let before = app.statements();
        let reply = app.get_as(member, path).await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        fewest = fewest.min(app.statements() - before);
    }
    fewest
}

on_both_backends! {
    async fn searches_read_their_indexes_and_never_a_whole_table(backend: TestBackend) {
        let app = seeded(backend).await;
        let mut c = app.database.connect();
        // Which of the occurrences' indexes wins depends on the hour (how many occurrences
        // the time window holds against how many the place or mode does); any of them will do.
        let by_start = "meeting_occurrences_start_idx";
        let by_cell = "meeting_occurrences_cell_idx";
        let by_mode = "meeting_occurrences_mode_idx";
        for (filter, indexes) in [
            (near_and_soon(), vec![by_cell, by_mode, by_start]),
            (online_now(), vec![by_mode, by_start]),
        ] {
            let plan = explain_search(&mut c, &filter, 26).expect("explain").join("\n");
            assert!(indexes.iter().any(|index| plan.contains(index)), "{indexes:?} unused:\n{plan}");
            assert!(!plan.contains("Seq Scan"), "a full scan:\n{plan}");
            assert!(
                !plan.lines().any(|step| step.trim_start().starts_with("SCAN ")),
                "a full scan:\n{plan}"
            );
            // The cell and mode indexes hold every column these searches filter on and read:
            // the hundreds of candidates in a circle's cells never visit the table. (A bitmap
            // scan, which a planner may prefer on few rows, visits it whatever the index.)
            for step in plan.lines().filter(|s| s.contains(by_cell) || s.contains(by_mode)) {
                let row_by_row = (step.contains("Index Scan") && !step.contains("Bitmap"))
                    || step.contains("USING INDEX");
                assert!(!row_by_row, "the table visited for each candidate:\n{plan}");
            }
        }
        // Read in the page's own order, "happening now" stops at the page's end instead of
        // reading every occurrence that shares the start of its last one, to sort them.
        let plan = explain_search(&mut c, &online_now(), 26).expect("explain").join("\n");
        assert!(
            !plan.contains("Sort") && !plan.contains("TEMP B-TREE"),
            "sorted after reading:\n{plan}"
        );
        // The mode index holds the same order as the start index and only the mode's
        // occurrences: reading the start index instead checks every mode's rows one by one.
        assert!(plan.contains(by_mode), "the mode index unused:\n{plan}");
    }

    async fn a_request_sends_the_same_few_statements_whatever_it_finds(backend: TestBackend) {
        let app = seeded(backend).await;
        // The next seven days always hold plenty, whatever the time of day.
        let week = "/v1/meetings?attendance_mode=online";
        let one = statements_for(&app, &format!("{week}&limit=1")).await;
        let many = statements_for(&app, &format!("{week}&limit=25")).await;
        let found = Reply::of(app.get(&format!("{week}&limit=25")).send()).await.json();
        assert_eq!(found["items"].as_array().unwrap().len(), 25, "{found}");
        assert_eq!(one, many, "statements grow with the results");
        // The occurrences, then their meetings with whether each has exceptions (read in a
        // third statement only when some do); the pool's liveness check at most once a second.
        assert!(many <= 2, "{many} statements for a search");

        let near = "/v1/meetings?near=40.7128,-74.0060&radius_km=10&attendance_mode=in_person";
        assert_eq!(statements_for(&app, near).await, many);
        let now = "/v1/meetings?in_progress=true&attendance_mode=online&limit=25";
        assert!(statements_for(&app, now).await <= many);

        // Read with a token, which the cache of anonymous reads never answers: the meeting,
        // its group and the reader's standing in it, its exceptions.
        let id = found["items"][0]["meeting"]["id"].as_str().unwrap().to_owned();
        let member = app.member("reader@example.org", "Reader").await;
        let by_id = statements_as(&app, &member, &format!("/v1/meetings/{id}")).await;
        assert!(by_id <= 6, "{by_id} statements for one meeting");
    }

    async fn anonymous_readers_of_one_meeting_reach_the_database_once_a_second(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let owner = app.member("owner@example.org", "Owner").await;
        let group = app.group(&owner, json!({"visibility": "public"})).await;
        let meeting = app
            .meeting(&owner, group["id"].as_str().unwrap(), json!({
                "title": "Lunchtime online",
                "attendance_mode": "online",
                "online": {"conference_url": "https://meet.example.org/lunch"},
                "time_zone": "Europe/London",
                "duration_minutes": 45,
                "schedule": {"frequency": "weekly", "weekdays": ["monday"], "start_time": "12:30", "starts_on": "2026-01-05"}
            }))
            .await;
        let path = format!("/v1/meetings/{}", meeting["id"].as_str().unwrap());

        let first = Reply::of(app.get(&path).send()).await;
        assert_eq!(first.status, 200, "{}", first.text());
        assert_eq!(first.json()["online_hidden"], true);
        assert_eq!(statements_for(&app, &path).await, 0, "a repeated anonymous read");
        let again = Reply::of(app.get(&path).send()).await;
        assert_eq!(again.header("etag"), first.header("etag"));
        let revalidated = Reply::of(
            app.get(&path)
                .insert_header(("If-None-Match", first.header("etag").unwrap()))
                .send(),
        )
        .await;
        assert_eq!(revalidated.status, 304);

        assert!(statements_as(&app, &owner, &path).await > 0, "a reader with a token is never served from the cache");
        let inside = app.get_as(&owner, &path).await.json();
        assert_eq!(inside["online"]["conference_url"], "https://meet.example.org/lunch");
        let outside = Reply::of(app.get(&path).send()).await.json();
        assert_eq!((outside["online_hidden"].as_bool(), outside["online"].is_null()), (Some(true), true), "{outside}");

        actix_web::rt::time::sleep(FRESH_FOR).await;
        let before = app.statements();
        assert_eq!(Reply::of(app.get(&path).send()).await.status, 200);
        assert!(app.statements() > before, "an entry older than a second is read again");

        let group_path = format!("/v1/groups/{}", group["id"].as_str().unwrap());
        let hidden = app.send(&owner, Method::PATCH, &group_path, json!({"visibility": "private"})).await;
        assert_eq!(hidden.status, 200, "{}", hidden.text());
        Reply::of(app.get(&path).send()).await.assert_problem(404, "not-found");
    }
}

//! What the meeting searches cost the database, on generated data (`hearth seed --scale`):
//! "in person near here, starting soon" and "online, happening now" read their indexes and
//! never a whole table, and a request sends the same few statements whatever it finds.

use chrono::{Duration, Utc};
use hearth_api::scale::scale;
use hearth_domain::group::Point;
use hearth_domain::meeting::AttendanceMode;
use hearth_persistence::occurrences::{OccurrenceFilter, explain_search};
use hearth_tests::{Reply, TestApp, on_both_backends};

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

on_both_backends! {
    async fn searches_read_their_indexes_and_never_a_whole_table(backend: TestBackend) {
        let app = seeded(backend).await;
        let mut c = app.database.connect();
        for (filter, index) in [
            (near_and_soon(), "meeting_occurrences_cell_idx"),
            (online_now(), "meeting_occurrences_mode_idx"),
        ] {
            let plan = explain_search(&mut c, &filter, 26).expect("explain").join("\n");
            assert!(plan.contains(index), "{index} unused:\n{plan}");
            assert!(!plan.contains("Seq Scan"), "a full scan:\n{plan}");
            assert!(
                !plan.lines().any(|step| step.trim_start().starts_with("SCAN ")),
                "a full scan:\n{plan}"
            );
        }
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
        assert!(many <= 4, "{many} statements for a search");

        let near = "/v1/meetings?near=40.7128,-74.0060&radius_km=10&attendance_mode=in_person";
        assert_eq!(statements_for(&app, near).await, many);
        let now = "/v1/meetings?in_progress=true&attendance_mode=online&limit=25";
        assert!(statements_for(&app, now).await <= many);

        let id = found["items"][0]["meeting"]["id"].as_str().unwrap().to_owned();
        let by_id = statements_for(&app, &format!("/v1/meetings/{id}")).await;
        assert!(by_id <= 5, "{by_id} statements for one meeting");
    }
}

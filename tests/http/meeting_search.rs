//! Meeting search: near me, starting soon, happening now, on the materialised occurrences,
//! kept current by every change and extended by the horizon job.

use awc::http::Method;
use chrono::{Duration, Utc};
use hearth_tests::{Reply, TestApp, on_both_backends};
use serde_json::{Value, json};

const BROOKLYN: (f64, f64) = (40.6943, -73.9903);
const MIDTOWN: (f64, f64) = (40.7549, -73.9840);
const BOSTON: (f64, f64) = (42.3601, -71.0589);

/// A daily meeting whose occurrences start `offset_minutes` from now (to the minute), in New
/// York time.
fn daily(title: &str, mode: &str, place: Option<(f64, f64)>, offset_minutes: i64) -> Value {
    let zone = chrono_tz::America::New_York;
    let start = (Utc::now() + Duration::minutes(offset_minutes)).with_timezone(&zone);
    let mut body = json!({
        "title": title,
        "attendance_mode": mode,
        "time_zone": "America/New_York",
        "duration_minutes": 60,
        "schedule": {"frequency": "weekly", "weekdays": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
                     "start_time": start.format("%H:%M").to_string(), "starts_on": (start.date_naive() - Duration::days(2)).to_string()}
    });
    if let Some((latitude, longitude)) = place {
        body["venue"] = json!({"formatted_address": format!("{title} hall"), "latitude": latitude, "longitude": longitude});
    }
    if mode != "in_person" {
        body["online"] = json!({"conference_url": "https://meet.example.org/now"});
        body["public_links"] = json!(true);
    }
    body
}

async fn search(app: &TestApp, query: impl AsRef<str>) -> Reply {
    Reply::of(app.get(&format!("/v1/meetings?{}", query.as_ref())).send()).await
}

fn titles(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["meeting"]["title"].as_str().unwrap().to_owned())
        .collect()
}

fn window(hours: i64) -> String {
    let end = Utc::now() + Duration::hours(hours);
    format!("starts_before={}", end.format("%Y-%m-%dT%H:%M:%SZ"))
}

on_both_backends! {
    async fn near_me_starting_soon_and_happening_now(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let owner = app.member("owner@example.org", "Owner").await;
        let group = app.group(&owner, json!({"name": "Open Circle"})).await["id"].as_str().unwrap().to_owned();
        let private = app.group(&owner, json!({"name": "Closed Circle", "visibility": "private"})).await["id"].as_str().unwrap().to_owned();

        let mut soon = daily("Soon in Brooklyn", "in_person", Some(BROOKLYN), 61);
        soon["types"] = json!(["B", "O"]);
        app.meeting(&owner, &group, soon).await;
        app.meeting(&owner, &group, daily("Later in Brooklyn", "in_person", Some(BROOKLYN), 300)).await;
        app.meeting(&owner, &group, daily("Soon in Boston", "in_person", Some(BOSTON), 61)).await;
        let mut spanish = daily("Pronto en Midtown", "hybrid", Some(MIDTOWN), 90);
        spanish["languages"] = json!(["es-MX"]);
        app.meeting(&owner, &group, spanish).await;
        app.meeting(&owner, &group, daily("Online now", "online", None, -15)).await;
        app.meeting(&owner, &group, daily("Online for a while", "online", None, -40)).await;
        app.meeting(&owner, &private, daily("Secret in Brooklyn", "in_person", Some(BROOKLYN), 61)).await;
        let near = format!("near={},{}", MIDTOWN.0, MIDTOWN.1);

        let in_person = search(&app, &format!("{near}&radius_km=10&attendance_mode=in_person&{}", window(2))).await;
        assert_eq!(in_person.status, 200, "{}", in_person.text());
        let body = in_person.json();
        assert_eq!(titles(&body), ["Soon in Brooklyn"]);
        let item = &body["items"][0];
        assert!((6.0..8.0).contains(&item["distance_km"].as_f64().unwrap()), "{item}");
        assert_eq!(item["in_progress"], false);
        assert!(item["occurrence"]["local_start"].is_string());

        assert_eq!(titles(&search(&app, &format!("{near}&radius_km=10&{}", window(6))).await.json()),
            ["Soon in Brooklyn", "Pronto en Midtown", "Later in Brooklyn"]);
        assert_eq!(titles(&search(&app, &format!("{near}&radius_km=500&sort=distance&attendance_mode=in_person&{}", window(2))).await.json()),
            ["Soon in Brooklyn", "Soon in Boston"]);
        let now = search(&app, "in_progress=true&attendance_mode=online,hybrid").await.json();
        assert_eq!(titles(&now), ["Online now", "Online for a while"], "the latest started first");
        let first = search(&app, "in_progress=true&limit=1").await.json();
        let rest = search(&app, &format!("in_progress=true&limit=1&cursor={}", first["next_cursor"].as_str().unwrap())).await.json();
        assert_eq!((titles(&first), titles(&rest)), (vec!["Online now".to_owned()], vec!["Online for a while".to_owned()]));
        assert_eq!(now["items"][0]["in_progress"], true);
        assert_eq!(now["items"][0]["meeting"]["online"]["conference_url"], "https://meet.example.org/now");
        assert_eq!(titles(&search(&app, &format!("types=B&{}", window(2))).await.json()), ["Soon in Brooklyn"]);
        assert_eq!(titles(&search(&app, &format!("language=es&{}", window(2))).await.json()), ["Pronto en Midtown"]);

        let first = search(&app, &format!("limit=1&{}", window(2))).await.json();
        let second = search(&app, &format!("limit=1&{}&cursor={}", window(2), first["next_cursor"].as_str().unwrap())).await.json();
        assert_eq!(titles(&second).len(), 1);
        assert_ne!(titles(&first), titles(&second));

        let mut paged = Vec::new();
        let mut cursor = String::new();
        loop {
            let page = search(&app, format!("{near}&radius_km=10&sort=distance&limit=1&{}{cursor}", window(6))).await.json();
            paged.extend(titles(&page));
            match page["next_cursor"].as_str() {
                Some(next) => cursor = format!("&cursor={next}"),
                None => break,
            }
        }
        assert_eq!(paged, ["Pronto en Midtown", "Soon in Brooklyn", "Later in Brooklyn"], "equal distances page by start");

        search(&app, "starts_after=0001-01-01T00:00:00Z").await.assert_problem(422, "validation");
        search(&app, &window(24 * 59 + 1)).await.assert_problem(422, "validation");
        search(&app, "radius_km=5").await.assert_problem(422, "validation");
        search(&app, "sort=distance").await.assert_problem(422, "validation");
        search(&app, &window(24 * 90)).await.assert_problem(422, "validation");
        search(&app, "types=ZZZ").await.assert_problem(400, "bad-request");
        search(&app, "cursor=garbage").await.assert_problem(400, "bad-request");
    }

    async fn changes_reach_search_at_once(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let owner = app.member("owner@example.org", "Owner").await;
        let group = app.group(&owner, json!({"name": "Open Circle"})).await["id"].as_str().unwrap().to_owned();
        let meeting = app.meeting(&owner, &group, daily("Soon in Brooklyn", "in_person", Some(BROOKLYN), 61)).await;
        let path = format!("/v1/meetings/{}", meeting["id"].as_str().unwrap());
        let found = || search(&app, window(2));
        assert_eq!(titles(&found().await.json()), ["Soon in Brooklyn"]);

        let date = meeting["next_occurrence"]["scheduled_on"].as_str().unwrap().to_owned();
        assert_eq!(app.send(&owner, Method::PUT, &format!("{path}/exceptions/{date}"), json!({"cancelled": true})).await.status, 200);
        assert_eq!(titles(&found().await.json()), Vec::<String>::new(), "a cancelled occurrence is not offered");
        assert_eq!(Reply::of(app.request(Method::DELETE, &format!("{path}/exceptions/{date}")).insert_header(owner.bearer()).send()).await.status, 204);
        assert_eq!(titles(&found().await.json()), ["Soon in Brooklyn"]);
        let noted = app.send(&owner, Method::PUT, &format!("{path}/exceptions/{date}"), json!({"note": "Side door tonight"})).await;
        assert_eq!(noted.status, 200, "{}", noted.text());
        let item = found().await.json()["items"][0].clone();
        assert_eq!(
            (item["occurrence"]["note"].clone(), item["meeting"]["next_occurrence"]["note"].clone()),
            (json!("Side door tonight"), json!("Side door tonight")),
            "a found meeting's exceptions are read with it: {item}"
        );

        assert_eq!(app.send(&owner, Method::PATCH, &path, json!({"title": "Renamed"})).await.status, 200);
        assert_eq!(titles(&found().await.json()), ["Renamed"]);
        assert_eq!(app.send(&owner, Method::PATCH, &format!("/v1/groups/{group}"), json!({"visibility": "unlisted"})).await.status, 200);
        assert_eq!(titles(&found().await.json()), Vec::<String>::new(), "only public groups are searched");
        assert_eq!(app.send(&owner, Method::PATCH, &format!("/v1/groups/{group}"), json!({"visibility": "public"})).await.status, 200);
        assert_eq!(titles(&found().await.json()), ["Renamed"]);
        assert_eq!(Reply::of(app.request(Method::DELETE, &path).insert_header(owner.bearer()).send()).await.status, 204);
        assert_eq!(titles(&found().await.json()), Vec::<String>::new());
    }

    async fn the_horizon_job_claims_each_meeting_once(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let owner = app.member("owner@example.org", "Owner").await;
        let group = app.group(&owner, json!({"name": "Open Circle"})).await["id"].as_str().unwrap().to_owned();
        app.meeting(&owner, &group, daily("Soon in Brooklyn", "in_person", Some(BROOKLYN), 61)).await;
        let mut c = app.database.connect();

        assert_eq!(hearth_api::horizon::extend_due(&mut c).unwrap(), 0, "fresh meetings reach the horizon");
        let far = Utc::now() + Duration::days(400);
        let stale = hearth_persistence::occurrences::stale(&mut c, far, 10).unwrap();
        assert_eq!(stale.len(), 1);
        let (id, seen) = stale[0];
        assert!(hearth_persistence::occurrences::claim(&mut c, id, seen, far).unwrap(), "the first node claims it");
        assert!(!hearth_persistence::occurrences::claim(&mut c, id, seen, far).unwrap(), "a second node finds it taken");
    }

    async fn a_page_near_a_point_is_full_when_more_lie_within_the_radius(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let owner = app.member("owner@example.org", "Owner").await;
        let group = app.group(&owner, json!({"name": "Open Circle"})).await["id"].as_str().unwrap().to_owned();
        // Just inside the box a 5 km search reads (about 0.045 degrees each way), but 6 km
        // from its centre: sooner than every meeting within the radius.
        let (latitude, longitude) = MIDTOWN;
        for (n, corner) in [(0.04, 0.055), (0.04, -0.055), (-0.04, 0.055), (-0.04, -0.055)].iter().enumerate() {
            let place = (latitude + corner.0, longitude + corner.1);
            app.meeting(&owner, &group, daily(&format!("Corner {n}"), "in_person", Some(place), 30 + n as i64)).await;
        }
        for n in 0..3 {
            app.meeting(&owner, &group, daily(&format!("Inside {n}"), "in_person", Some(MIDTOWN), 40 + n)).await;
        }
        let near = "near=40.7549,-73.9840&radius_km=5&limit=2";
        let first = search(&app, near).await.json();
        assert_eq!(titles(&first), ["Inside 0", "Inside 1"]);
        let cursor = first["next_cursor"].as_str().expect("more to come");
        let rest = search(&app, format!("{near}&cursor={cursor}")).await.json();
        assert_eq!(titles(&rest)[0], "Inside 2");
    }

    async fn weekday_time_of_day_and_focus_narrow_the_search(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let owner = app.member("owner@example.org", "Owner").await;
        let gambling = app.group(&owner, json!({"name": "Bettors Anonymous", "focus_areas": ["gambling"]})).await["id"].as_str().unwrap().to_owned();
        let alcohol = app.group(&owner, json!({"name": "Morning Group", "focus_areas": ["alcohol"]})).await["id"].as_str().unwrap().to_owned();
        let weekly = |title: &str, day: &str, at: &str| json!({
            "title": title, "attendance_mode": "online", "time_zone": "America/Denver",
            "online": {"conference_url": "https://meet.example.org/x"},
            "schedule": {"frequency": "weekly", "weekdays": [day], "start_time": at, "starts_on": "2026-01-01"}
        });
        app.meeting(&owner, &gambling, weekly("Tuesday evening", "tuesday", "19:00")).await;
        app.meeting(&owner, &alcohol, weekly("Tuesday dawn", "tuesday", "06:30")).await;
        app.meeting(&owner, &alcohol, weekly("Saturday evening", "saturday", "19:00")).await;
        // Exactly one week: each weekly meeting occurs in it once, whatever day it is today.
        let week = window(24 * 7);
        let found = |query: String| {
            let app = &app;
            async move {
                let reply = search(app, query).await;
                assert_eq!(reply.status, 200, "{}", reply.text());
                let mut names = titles(&reply.json());
                names.sort();
                names
            }
        };

        assert_eq!(found(format!("weekday=tuesday&{week}")).await, ["Tuesday dawn", "Tuesday evening"]);
        assert_eq!(found(format!("weekday=tuesday&time_from=18:00&time_to=21:00&{week}")).await, ["Tuesday evening"]);
        assert_eq!(found(format!("time_from=22:00&time_to=07:00&{week}")).await, ["Tuesday dawn"], "windows wrap past midnight");
        assert_eq!(found(format!("time_from=18:00&{week}")).await, ["Saturday evening", "Tuesday evening"]);
        assert_eq!(found(format!("focus=gambling&{week}")).await, ["Tuesday evening"]);
        search(&app, "time_from=25:00").await.assert_problem(422, "validation");
        search(&app, "weekday=someday").await.assert_problem(400, "bad-request");
    }
}

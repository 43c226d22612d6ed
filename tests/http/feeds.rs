//! The Meeting Guide feed: what it lists, and that every entry meets the specification.

use awc::http::Method;
use hearth_tests::{Reply, TestApp, on_both_backends};
use serde_json::{Value, json};

fn meeting(title: &str, mode: &str, schedule: Value, public_links: bool) -> Value {
    let mut body = json!({
        "title": title,
        "attendance_mode": mode,
        "time_zone": "America/Chicago",
        "duration_minutes": 90,
        "types": ["O", "D"],
        "schedule": schedule,
        "public_links": public_links
    });
    if mode != "online" {
        body["venue"] = json!({"name": "Alano Club", "street": "4953 W Addison St", "locality": "Chicago", "region": "IL", "postal_code": "60641", "country": "US", "formatted_address": "4953 W Addison St, Chicago, IL 60641, USA", "latitude": 41.9463, "longitude": -87.7505, "notes": "2nd floor"});
    }
    if mode != "in_person" {
        body["online"] = json!({"conference_url": "https://meet.example.org/chi", "notes": "Passcode: serenity"});
    }
    body
}

fn weekly(days: &[&str], interval: u32) -> Value {
    json!({"frequency": "weekly", "weekdays": days, "interval": interval, "start_time": "23:00", "starts_on": "2026-01-01"})
}

/// The type codes the specification defines, plus ONL.
fn spec_codes() -> Vec<String> {
    let types: Value =
        serde_json::from_str(include_str!("../fixtures/meeting-guide/types.json")).unwrap();
    let mut codes: Vec<String> = types.as_object().unwrap().keys().cloned().collect();
    codes.push("ONL".to_owned());
    codes
}

on_both_backends! {
    async fn the_meeting_guide_feed_lists_weekly_public_meetings_to_the_spec(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let owner = app.member("owner@example.org", "Owner").await;
        let group = app.group(&owner, json!({"name": "Addison Street Group", "location": {"latitude": 41.95, "longitude": -87.75, "locality": "Chicago", "region": "IL", "country": "US"}})).await["id"].as_str().unwrap().to_owned();
        let hidden = app.group(&owner, json!({"name": "Hidden", "visibility": "private"})).await["id"].as_str().unwrap().to_owned();
        let schedule = |group: &str, body: Value| {
            let app = &app;
            let owner = &owner;
            let path = format!("/v1/groups/{group}/meetings");
            async move {
                let reply = app.send(owner, Method::POST, &path, body).await;
                assert_eq!(reply.status, 201, "{}", reply.text());
                reply.json()
            }
        };
        let hybrid = schedule(&group, meeting("Sunday Serenity", "hybrid", weekly(&["sunday", "wednesday"], 1), false)).await;
        let online = schedule(&group, meeting("Online Noon", "online", weekly(&["monday"], 1), true)).await;
        schedule(&group, meeting("Members-only call", "online", weekly(&["monday"], 1), false)).await;
        schedule(&group, meeting("Fortnightly", "in_person", weekly(&["friday"], 2), false)).await;
        schedule(&group, meeting("Business meeting", "in_person", json!({"frequency": "monthly", "ordinal": "first", "weekday": "saturday", "start_time": "10:00", "starts_on": "2026-01-01"}), false)).await;
        schedule(&hidden, meeting("Secret", "in_person", weekly(&["sunday"], 1), false)).await;

        let reply = Reply::of(app.get("/v1/feeds/meeting-guide.json").send()).await;
        assert_eq!(reply.status, 200);
        assert!(reply.header("etag").is_some());
        let feed = reply.json();
        let entries = feed.as_array().unwrap();
        let names: Vec<&str> = entries.iter().map(|m| m["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Sunday Serenity", "Online Noon"]);

        let codes = spec_codes();
        for entry in entries {
            assert!(entry["slug"].as_str().is_some_and(|s| !s.is_empty() && s.len() <= 64 && !s.contains(' ')), "{entry}");
            for day in entry["day"].as_array().unwrap() {
                assert!((0..=6).contains(&day.as_u64().unwrap()), "{entry}");
            }
            for field in ["time", "end_time"] {
                let t = entry[field].as_str().unwrap();
                assert!(t.len() == 5 && t.as_bytes()[2] == b':' && t[..2].parse::<u32>().unwrap() < 24 && t[3..].parse::<u32>().unwrap() < 60, "{field}: {t}");
            }
            for code in entry["types"].as_array().unwrap() {
                assert!(codes.contains(&code.as_str().unwrap().to_owned()), "{code}");
            }
            assert!(entry["formatted_address"].is_string(), "geographic information: {entry}");
            let updated = entry["updated"].as_str().unwrap();
            assert!(chrono::NaiveDateTime::parse_from_str(updated, "%Y-%m-%d %H:%M:%S").is_ok(), "{updated}");
            assert_eq!(entry["timezone"], "America/Chicago");
            assert_eq!(entry["group"], "Addison Street Group");
        }

        let sunday = &entries[0];
        assert_eq!(sunday["slug"], hybrid["id"]);
        assert_eq!(sunday["day"], json!([0, 3]));
        assert_eq!((sunday["time"].as_str(), sunday["end_time"].as_str()), (Some("23:00"), Some("00:30")));
        assert_eq!(sunday["attendance_option"], "in_person", "join links of members only stay out");
        assert!(sunday.get("conference_url").is_none());
        assert_eq!(sunday["types"], json!(["D", "O"]));
        assert_eq!((sunday["location"].as_str(), sunday["approximate"].as_str()), (Some("Alano Club"), Some("no")));
        let noon = &entries[1];
        assert_eq!(noon["slug"], online["id"]);
        assert_eq!(noon["attendance_option"], "online");
        assert_eq!(noon["types"], json!(["D", "O", "ONL"]));
        assert_eq!(noon["conference_url"], "https://meet.example.org/chi");
        assert_eq!(noon["formatted_address"], "Chicago, IL, US");
        assert_eq!(noon["approximate"], "yes");
    }
}

#[test]
fn the_domain_knows_exactly_the_active_codes_of_the_specification() {
    let mut known: Vec<String> = hearth_domain::meeting_type::MeetingType::ALL
        .iter()
        .map(|code| code.as_str().to_owned())
        .collect();
    let mut spec = spec_codes();
    spec.retain(|code| code != "ONL");
    known.sort();
    spec.sort();
    assert_eq!(known, spec);
}

//! iCalendar feeds of a meeting and of a group: the RFC 5545 shape, the time zone written
//! out so that times stay right across daylight-saving changes, exceptions as EXDATE and
//! RECURRENCE-ID, stable UIDs, conditional GETs, and who may read them.

use awc::http::Method;
use hearth_tests::{Reply, TestApp, on_both_backends};
use serde_json::{Value, json};

fn sunday_evenings() -> Value {
    json!({
        "title": "Sunday Serenity, Downstairs",
        "attendance_mode": "hybrid",
        "venue": {"name": "St. Mark's Hall", "formatted_address": "12 Harbour St, Brooklyn, NY 11201, USA", "latitude": 40.6943, "longitude": -73.9903},
        "online": {"conference_url": "https://meet.example.org/harbour", "conference_phone": "+1 646 555 0100"},
        "time_zone": "America/New_York",
        "duration_minutes": 90,
        "schedule": {"frequency": "weekly", "weekdays": ["sunday"], "start_time": "19:00", "starts_on": "2026-01-01", "ends_on": "2026-12-31"}
    })
}

/// The unfolded content lines of a calendar, after checking the folding itself.
fn lines(reply: &Reply) -> Vec<String> {
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.header("content-type"),
        Some("text/calendar; charset=utf-8")
    );
    let body = reply.text();
    assert!(body.ends_with("\r\n"));
    for physical in body.split("\r\n") {
        assert!(
            physical.len() <= 75,
            "a line longer than 75 octets: {physical:?}"
        );
        assert!(!physical.contains('\n'), "a bare LF: {physical:?}");
    }
    body.replace("\r\n ", "")
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn has(lines: &[String], line: &str) -> bool {
    lines.iter().any(|l| l == line)
}

on_both_backends! {
    async fn a_meetings_calendar_keeps_local_time_across_dst_with_its_exceptions(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let owner = app.member("owner@example.org", "Owner").await;
        let group = app.group(&owner, json!({"visibility": "public"})).await["id"].as_str().unwrap().to_owned();
        let id = app.meeting(&owner, &group, sunday_evenings()).await["id"].as_str().unwrap().to_owned();
        for (date, body) in [
            ("2026-03-15", json!({"cancelled": true})),
            ("2026-03-22", json!({"moved_to": "2026-03-22T18:00:00", "note": "Earlier this week"})),
            ("2026-11-01", json!({"note": "Clocks go back: 19:00 local as always"})),
        ] {
            let put = app.send(&owner, Method::PUT, &format!("/v1/meetings/{id}/exceptions/{date}"), body).await;
            assert_eq!(put.status, 200, "{}", put.text());
        }
        let path = format!("/v1/meetings/{id}/calendar.ics");

        let reply = app.get_as(&owner, &path).await;
        let ics = lines(&reply);
        assert_eq!(ics.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
        assert_eq!(ics.last().map(String::as_str), Some("END:VCALENDAR"));
        for expected in [
            "VERSION:2.0",
            "TZID:America/New_York",
            "DTSTART;TZID=America/New_York:20260104T190000",
            "DURATION:PT90M",
            "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=SU;WKST=MO;UNTIL=20270101T000000Z",
            "EXDATE;TZID=America/New_York:20260315T190000",
            "RECURRENCE-ID;TZID=America/New_York:20260322T190000",
            "DTSTART;TZID=America/New_York:20260322T180000",
            "RECURRENCE-ID;TZID=America/New_York:20261101T190000",
            "SUMMARY:Sunday Serenity\\, Downstairs",
            "LOCATION:St. Mark's Hall\\, 12 Harbour St\\, Brooklyn\\, NY 11201\\, USA",
            "GEO:40.6943;-73.9903",
            "URL:https://meet.example.org/harbour",
        ] {
            assert!(has(&ics, expected), "missing {expected:?} in\n{}", ics.join("\n"));
        }
        let uid = format!("UID:{id}@hearth");
        assert_eq!(ics.iter().filter(|l| **l == uid).count(), 3, "the series and its two overrides share the UID");

        // The zone's 2026 changes, each with its onset in the local time before it.
        let zone = ics.join("\n");
        assert!(zone.contains("BEGIN:DAYLIGHT\nDTSTART:20260308T020000\nTZOFFSETFROM:-0500\nTZOFFSETTO:-0400\nTZNAME:EDT\nEND:DAYLIGHT"), "{zone}");
        assert!(zone.contains("BEGIN:STANDARD\nDTSTART:20261101T020000\nTZOFFSETFROM:-0400\nTZOFFSETTO:-0500\nTZNAME:EST\nEND:STANDARD"), "{zone}");

        let etag = reply.header("etag").unwrap().to_owned();
        let again = Reply::of(app.get(&path).insert_header(owner.bearer()).insert_header(("If-None-Match", etag.as_str())).send()).await;
        assert_eq!(again.status, 304);

        let edited = app.send(&owner, Method::PATCH, &format!("/v1/meetings/{id}"), json!({"title": "Sunday Serenity"})).await;
        assert_eq!(edited.status, 200, "{}", edited.text());
        let after = lines(&app.get_as(&owner, &path).await);
        assert!(has(&after, &uid), "the UID outlives edits");
        assert!(has(&after, "SUMMARY:Sunday Serenity"));
        let changed = Reply::of(app.get(&path).insert_header(owner.bearer()).insert_header(("If-None-Match", etag.as_str())).send()).await;
        assert_eq!(changed.status, 200);
    }

    async fn join_links_stay_with_members_and_private_calendars_do_not_exist_for_others(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let owner = app.member("owner@example.org", "Owner").await;
        let stranger = app.member("stranger@example.org", "Stranger").await;
        let public = app.group(&owner, json!({"visibility": "public"})).await["id"].as_str().unwrap().to_owned();
        let id = app.meeting(&owner, &public, sunday_evenings()).await["id"].as_str().unwrap().to_owned();

        let outside = lines(&Reply::of(app.get(&format!("/v1/meetings/{id}/calendar.ics")).send()).await).join("\n");
        assert!(!outside.contains("meet.example.org"), "{outside}");
        assert!(!outside.contains("555 0100"), "{outside}");
        assert!(outside.contains("Join details are shown to members of the group."));
        let inside = lines(&app.get_as(&owner, &format!("/v1/meetings/{id}/calendar.ics")).await).join("\n");
        assert!(inside.contains("Phone: +1 646 555 0100"), "{inside}");

        let private = app.group(&owner, json!({"name": "Quiet Room", "visibility": "private"})).await["id"].as_str().unwrap().to_owned();
        let hidden = app.meeting(&owner, &private, sunday_evenings()).await["id"].as_str().unwrap().to_owned();
        for path in [format!("/v1/meetings/{hidden}/calendar.ics"), format!("/v1/groups/{private}/calendar.ics")] {
            Reply::of(app.get(&path).send()).await.assert_problem(404, "not-found");
            app.get_as(&stranger, &path).await.assert_problem(404, "not-found");
            assert_eq!(app.get_as(&owner, &path).await.status, 200);
        }
        let deleted = app.send(&owner, Method::DELETE, &format!("/v1/meetings/{id}"), json!(null)).await;
        assert_eq!(deleted.status, 204);
        Reply::of(app.get(&format!("/v1/meetings/{id}/calendar.ics")).send()).await.assert_problem(404, "not-found");
        Reply::of(app.get("/v1/meetings/not-a-uuid/calendar.ics").send()).await.assert_problem(400, "bad-request");
    }

    async fn a_groups_calendar_holds_every_meeting_with_its_rule(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let owner = app.member("owner@example.org", "Owner").await;
        let group = app.group(&owner, json!({"name": "Antipodes", "visibility": "public"})).await;
        let (id, slug) = (group["id"].as_str().unwrap(), group["slug"].as_str().unwrap());
        let online = |zone: &str, schedule: Value| json!({
            "title": format!("Meeting in {zone}"), "attendance_mode": "online",
            "online": {"conference_url": "https://meet.example.org/x"}, "time_zone": zone,
            "public_links": true, "schedule": schedule,
        });
        let howe = app.meeting(&owner, id, online("Australia/Lord_Howe", json!({"frequency": "monthly", "ordinal": "last", "weekday": "friday", "start_time": "18:30", "starts_on": "2026-01-01"}))).await["id"].as_str().unwrap().to_owned();
        let phoenix = app.meeting(&owner, id, online("America/Phoenix", json!({"frequency": "once", "start_time": "07:00", "starts_on": "2026-04-02"}))).await["id"].as_str().unwrap().to_owned();
        let london = app.meeting(&owner, id, online("Europe/London", json!({"frequency": "weekly", "weekdays": ["monday", "thursday"], "interval": 2, "start_time": "12:15", "starts_on": "2026-01-07"}))).await["id"].as_str().unwrap().to_owned();
        let cancel = app.send(&owner, Method::PUT, &format!("/v1/meetings/{phoenix}/exceptions/2026-04-02"), json!({"cancelled": true})).await;
        assert_eq!(cancel.status, 200, "{}", cancel.text());

        let by_slug = lines(&Reply::of(app.get(&format!("/v1/groups/{slug}/calendar.ics")).send()).await);
        let ics = lines(&Reply::of(app.get(&format!("/v1/groups/{id}/calendar.ics")).send()).await);
        assert_eq!(by_slug, ics);
        assert!(has(&ics, "X-WR-CALNAME:Antipodes"));
        for zone in ["Australia/Lord_Howe", "America/Phoenix", "Europe/London"] {
            assert!(has(&ics, &format!("TZID:{zone}")), "{zone}");
        }
        assert_eq!(ics.iter().filter(|l| *l == "BEGIN:VEVENT").count(), 3);
        for (uid, rule) in [
            (&howe, Some("RRULE:FREQ=MONTHLY;BYDAY=-1FR")),
            (&london, Some("RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;WKST=MO")),
            (&phoenix, None),
        ] {
            let start = ics.iter().position(|l| *l == format!("UID:{uid}@hearth")).unwrap();
            let event: Vec<&String> = ics[start..].iter().take_while(|l| *l != "END:VEVENT").collect();
            let found = event.iter().find(|l| l.starts_with("RRULE:")).map(|l| l.as_str());
            assert_eq!(found, rule, "{event:?}");
        }
        assert!(has(&ics, "DTSTART;TZID=Australia/Lord_Howe:20260130T183000"), "DTSTART is the first occurrence");
        assert!(has(&ics, "DTSTART;TZID=Europe/London:20260108T121500"), "the first Thursday of the first week");
        assert!(has(&ics, "STATUS:CANCELLED"), "a cancelled one-off meeting");
        assert!(has(&ics, "TZOFFSETTO:+1030") && has(&ics, "TZOFFSETTO:+1100"), "Lord Howe's half-hour change");
        let phoenix_zone: Vec<&String> = ics.iter().skip_while(|l| *l != "TZID:America/Phoenix").take_while(|l| *l != "END:VTIMEZONE").collect();
        assert!(phoenix_zone.iter().all(|l| !l.starts_with("BEGIN:DAYLIGHT")), "Phoenix keeps standard time");
    }
}

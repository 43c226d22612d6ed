//! `hearth seed --demo`: the demo data set is usable at once, and never mixes with real data.

use hearth_api::seed::{DEMO_ADMIN_EMAIL, DEMO_EMAIL, DEMO_PASSWORD, demo};
use hearth_tests::{Reply, TestApp, TestDatabase, on_both_backends};

on_both_backends! {
    async fn the_demo_set_is_ready_to_explore_and_refuses_to_run_twice(backend: TestBackend) {
        let database = TestDatabase::create(backend);
        let mut connection = database.connect();
        hearth_persistence::migrations::run_pending(&mut connection).unwrap();
        let seeded = demo(&mut connection).unwrap();
        assert_eq!(seeded.groups, 36);
        let again = demo(&mut connection).unwrap_err();
        assert!(again.to_string().contains("already has data"), "{again}");
        drop(connection);
        let app = TestApp::spawn_on(database, |_| {}).await;

        let login = app.password_grant(DEMO_EMAIL, DEMO_PASSWORD).await;
        assert_eq!(login.status, 200, "{}", login.text());
        assert_eq!(app.password_grant(DEMO_ADMIN_EMAIL, DEMO_PASSWORD).await.status, 200);
        let token = login.json()["access_token"].as_str().unwrap().to_owned();
        let mine = Reply::of(app.get("/v1/me/memberships").insert_header(("authorization", format!("Bearer {token}"))).send()).await.json();
        let roles: Vec<(&str, &str)> = mine["items"].as_array().unwrap().iter()
            .map(|m| (m["role"].as_str().unwrap(), m["status"].as_str().unwrap())).collect();
        assert!(roles.contains(&("owner", "active")) && roles.contains(&("facilitator", "active"))
            && roles.contains(&("member", "pending")), "{roles:?}");

        let near = Reply::of(app.get("/v1/groups?near=40.7128,-74.0060&radius_km=20").send()).await.json();
        let names: Vec<&str> = near["items"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap()).collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names.iter().all(|name| name.starts_with("New York")), "{names:?}");
        let spanish = Reply::of(app.get("/v1/groups?language=es&limit=100").send()).await.json();
        assert!(!spanish["items"].as_array().unwrap().is_empty());
        let zones: std::collections::BTreeSet<String> = Reply::of(app.get("/v1/groups?limit=100").send()).await.json()["items"]
            .as_array().unwrap().iter().map(|g| g["time_zone"].as_str().unwrap().to_owned()).collect();
        assert!(zones.len() >= 6, "several US time zones: {zones:?}");

        assert_eq!(seeded.meetings, 36);
        let soon = Reply::of(app.get("/v1/meetings?limit=100").send()).await;
        assert_eq!(soon.status, 200, "{}", soon.text());
        assert!(soon.json()["items"].as_array().unwrap().len() >= 20, "a week of meetings to find");
        let feed = Reply::of(app.get("/v1/feeds/meeting-guide.json").send()).await.json();
        assert!(feed.as_array().unwrap().len() >= 10, "weekly public meetings in the feed");

        assert_eq!((seeded.articles, seeded.resources), (4, 4));
        let articles = Reply::of(app.get("/v1/articles").send()).await.json();
        let titles: Vec<&str> = articles["items"].as_array().unwrap().iter().map(|a| a["title"].as_str().unwrap()).collect();
        assert_eq!(titles, ["Tu primera reunión", "Sleep in early recovery", "Your first meeting"], "the scheduled one waits");
        let first = Reply::of(app.get("/v1/articles/your-first-meeting").send()).await.json();
        assert!(first["body_html"].as_str().unwrap().contains("<h2>What happens</h2>"), "{first}");
        let texas = Reply::of(app.get("/v1/resources?region=US-TX").send()).await.json();
        assert_eq!(texas["items"].as_array().unwrap().len(), 4);
        let crisis = Reply::of(app.get("/v1/crisis-resources?region=US").send()).await.json();
        assert_eq!((crisis["source"].as_str(), seeded.crisis_lines > 10), (Some("current"), true), "{crisis}");
    }
}

on_both_backends! {
    async fn the_scale_set_mixes_places_zones_schedules_and_modes(backend: TestBackend) {
        let database = TestDatabase::create(backend);
        let mut connection = database.connect();
        hearth_persistence::migrations::run_pending(&mut connection).unwrap();
        let mut reported = Vec::new();
        let scaled = hearth_api::scale::scale(&mut connection, 3_000, |done| reported.push(done)).unwrap();
        assert_eq!((scaled.meetings, scaled.groups), (3_000, 150));
        assert_eq!(reported.last(), Some(&3_000));
        assert!(scaled.occurrences > 20_000, "{scaled:?}");
        let again = hearth_api::scale::scale(&mut connection, 10, |_| {}).unwrap_err();
        assert!(again.to_string().contains("already has data"), "{again}");

        let listed = hearth_persistence::meetings::public(&mut connection).unwrap();
        assert!(listed.len() > 2_500 && listed.len() < 3_000, "most groups are public: {}", listed.len());
        let set = |f: &dyn Fn(&hearth_domain::meeting::Meeting) -> String| -> std::collections::BTreeSet<String> {
            listed.iter().map(|l| f(&l.meeting)).collect()
        };
        assert!(set(&|m| m.details.time_zone.name().to_owned()).len() >= 6);
        assert_eq!(set(&|m| m.details.mode.as_str().to_owned()).len(), 3);
        let rhythms = set(&|m| format!("{:?}", m.details.schedule.recurrence).split([' ', '{']).next().unwrap().to_owned());
        assert_eq!(rhythms.len(), 3, "{rhythms:?}");
        assert!(set(&|m| m.details.types.len().to_string()).len() >= 3);
    }
}

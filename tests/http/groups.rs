//! Groups: creating, reading by id and slug, editing with If-Match, archiving, search and sync.

use std::collections::BTreeSet;

use awc::http::Method;
use hearth_tests::{Reply, TestApp, on_both_backends};
use serde_json::{Value, json};

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn anonymous(app: &TestApp, path: impl AsRef<str>) -> Reply {
    Reply::of(app.get(path.as_ref()).send()).await
}

on_both_backends! {
    async fn a_member_starts_a_group_and_owns_it(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let river = app.member("river@example.org", "River").await;

        let created = Reply::of(app.post("/v1/groups").insert_header(river.bearer()).send_json(&json!({
            "name": "  Café Esperanza ",
            "description": "Un grupo **bilingüe**.",
            "focus_areas": ["opioids", "alcohol"],
            "approach": "harm_reduction",
            "audiences": ["women"],
            "languages": ["es", "en"],
            "join_policy": "request",
            "capacity": 30,
            "newcomer_contact": {"kind": "phone", "value": "+1 212 555 0142"},
            "location": {"latitude": 40.68, "longitude": -73.94, "locality": "Brooklyn", "region": "NY", "country": "us"},
            "time_zone": "America/New_York"
        }))).await;

        assert_eq!(created.status, 201, "{}", created.text());
        let group = created.json();
        assert_eq!(group["name"], "Café Esperanza");
        assert_eq!(group["slug"], "cafe-esperanza");
        assert_eq!(group["focus_areas"], json!(["alcohol", "opioids"]));
        assert_eq!(group["languages"], json!(["es", "en"]));
        assert_eq!(group["location"]["country"], "US");
        assert_eq!(group["member_count"], 1);
        assert_eq!(group["visibility"], "public");
        assert_eq!(created.header("location").unwrap(), format!("/v1/groups/{}", group["id"].as_str().unwrap()));
        let mine = app.get_as(&river, "/v1/me/memberships").await.json();
        assert_eq!(mine["items"][0]["role"], "owner");
        assert_eq!(mine["items"][0]["group"]["slug"], "cafe-esperanza");
    }

    async fn invalid_groups_are_refused_with_every_field_named(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let river = app.member("river@example.org", "River").await;

        let reply = app.send(&river, Method::POST, "/v1/groups", json!({
            "name": " x ",
            "slug": "Bad Slug",
            "languages": ["en", "not a tag"],
            "capacity": 1,
            "focus_areas": ["alcohol", "alcohol"],
            "newcomer_contact": {"kind": "url", "value": "javascript:alert(1)"},
            "location": {"latitude": 91, "longitude": 0},
            "time_zone": "Mars/Olympus"
        })).await;

        let problem = reply.assert_problem(422, "validation");
        let fields: BTreeSet<&str> = problem["errors"].as_array().unwrap().iter()
            .map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, BTreeSet::from(["name", "slug", "languages[1]", "capacity", "focus_areas",
            "newcomer_contact.value", "location", "time_zone"]));
        let unknown = app.send(&river, Method::POST, "/v1/groups", json!({"name": "Fine", "focus_areas": ["chocolate"]})).await;
        unknown.assert_problem(400, "bad-request");
        assert_eq!(anonymous(&app, "/v1/groups").await.json()["items"], json!([]));
    }

    async fn slugs_are_unique_and_former_ones_redirect(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let river = app.member("river@example.org", "River").await;
        let hidden = app.group(&river, json!({"name": "Harbour Lights", "visibility": "private"})).await;
        let hidden_slug = hidden["slug"].as_str().unwrap();
        assert!(hidden_slug.starts_with("harbour-lights-") && hidden_slug.len() == "harbour-lights-".len() + 6,
            "a private group's generated slug cannot be guessed from its name: {hidden_slug}");
        let first = app.group(&river, json!({"name": "Harbour Lights"})).await;
        let second = app.group(&river, json!({"name": "Harbour  Lights!"})).await;
        assert_eq!(first["slug"], "harbour-lights");
        assert_eq!(second["slug"], "harbour-lights-2");
        let taken = app.send(&river, Method::POST, "/v1/groups", json!({"name": "Other", "slug": "harbour-lights"})).await;
        taken.assert_problem(409, "slug-taken");

        let id = first["id"].as_str().unwrap();
        let renamed = app.send(&river, Method::PATCH, &format!("/v1/groups/{id}"), json!({"slug": "harbour-lights-brooklyn"})).await;
        assert_eq!(renamed.status, 200, "{}", renamed.text());

        let old = anonymous(&app, "/v1/groups/harbour-lights").await;
        assert_eq!(old.status, 301);
        assert_eq!(old.header("location").unwrap(), "/v1/groups/harbour-lights-brooklyn");
        assert_eq!(anonymous(&app, "/v1/groups/harbour-lights-brooklyn").await.json()["id"], id);
        let stolen = app.send(&river, Method::POST, "/v1/groups", json!({"name": "Thief", "slug": "harbour-lights"})).await;
        stolen.assert_problem(409, "slug-taken");
        let back = app.send(&river, Method::PATCH, &format!("/v1/groups/{id}"), json!({"slug": "harbour-lights"})).await;
        assert_eq!(back.status, 200, "a group may return to a slug of its own: {}", back.text());
        anonymous(&app, "/v1/groups/no-such-group").await.assert_problem(404, "not-found");
    }

    async fn edits_need_a_current_etag_and_a_facilitator(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let owner = app.member("owner@example.org", "Owner").await;
        let stranger = app.member("stranger@example.org", "Stranger").await;
        let group = app.group(&owner, json!({"capacity": 20})).await;
        let path = format!("/v1/groups/{}", group["id"].as_str().unwrap());
        let etag = anonymous(&app, &path).await.header("etag").unwrap().to_owned();

        let not_modified = Reply::of(app.get(&path).insert_header(("if-none-match", etag.clone())).send()).await;
        assert_eq!(not_modified.status, 304);
        app.send(&stranger, Method::PATCH, &path, json!({"name": "Mine now"})).await.assert_problem(403, "forbidden");
        let changed = Reply::of(app.request(Method::PATCH, &path).insert_header(owner.bearer())
            .insert_header(("if-match", etag.clone())).send_json(&json!({"name": "Harbour Lights Tuesday", "capacity": null}))).await;
        assert_eq!(changed.status, 200, "{}", changed.text());
        assert_eq!(changed.json()["capacity"], Value::Null);
        assert_eq!(changed.json()["slug"], "harbour-lights", "renaming keeps the slug");
        let stale = Reply::of(app.request(Method::PATCH, &path).insert_header(owner.bearer())
            .insert_header(("if-match", etag)).send_json(&json!({"name": "Lost update"}))).await;
        stale.assert_problem(412, "precondition-failed");
        assert_eq!(anonymous(&app, &path).await.json()["name"], "Harbour Lights Tuesday");
        app.send(&owner, Method::PATCH, &path, json!({"capacity": 0})).await.assert_problem(422, "validation");
    }

    async fn archiving_hides_a_group_from_search_and_freezes_it(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let owner = app.member("owner@example.org", "Owner").await;
        let member = app.member("member@example.org", "Member").await;
        let group = app.group(&owner, json!({})).await;
        let id = group["id"].as_str().unwrap();
        let path = format!("/v1/groups/{id}");
        assert_eq!(app.join(&member, id, json!({})).await.status, 201);

        app.send(&member, Method::DELETE, &path, json!(null)).await.assert_problem(403, "forbidden");
        let stale = Reply::of(app.request(Method::DELETE, &path).insert_header(owner.bearer())
            .insert_header(("if-match", "\"stale\"")).send()).await;
        stale.assert_problem(412, "precondition-failed");
        let archived = Reply::of(app.request(Method::DELETE, &path).insert_header(owner.bearer()).send()).await;
        assert_eq!(archived.status, 204);

        assert_eq!(anonymous(&app, "/v1/groups").await.json()["items"], json!([]));
        let kept = anonymous(&app, &path).await.json();
        assert!(kept["archived_at"].is_string(), "{kept}");
        app.send(&owner, Method::PATCH, &path, json!({"name": "Revived"})).await.assert_problem(409, "group-archived");
        let late = app.member("late@example.org", "Late").await;
        app.join(&late, id, json!({})).await.assert_problem(409, "group-archived");
        assert_eq!(app.get_as(&member, &format!("{path}/memberships")).await.status, 200, "history stays");
        let member_id = app.get_as(&member, &format!("{path}/memberships/me")).await.json()["id"].as_str().unwrap().to_owned();
        let removal = Reply::of(app.request(Method::DELETE, &format!("{path}/memberships/{member_id}")).insert_header(owner.bearer()).send()).await;
        removal.assert_problem(409, "group-archived");
    }

    async fn search_filters_by_text_tags_language_policy_and_organization(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let admin = app.admin("ops@example.org").await;
        let org = app.organization(&admin, "Clinic").await;
        let owner = app.member("owner@example.org", "Owner").await;
        app.group(&owner, json!({"name": "Women in Recovery", "focus_areas": ["alcohol"], "audiences": ["women"], "languages": ["en"]})).await;
        app.group(&owner, json!({"name": "Recovery Dharma", "description": "Meditation for women and men", "approach": "mindfulness", "languages": ["es-MX"], "join_policy": "request"})).await;
        app.group(&owner, json!({"name": "Gamblers Together", "focus_areas": ["gambling"], "languages": ["en"]})).await;
        app.group(&admin, json!({"name": "Clinic Aftercare", "organization_id": org})).await;
        app.group(&owner, json!({"name": "Quiet Women Circle", "visibility": "unlisted", "audiences": ["women"]})).await;
        app.group(&owner, json!({"name": "Private Women Circle", "visibility": "private"})).await;
        let search = |query: &str| anonymous(&app, format!("/v1/groups?{query}"));

        assert_eq!(names(&search("").await.json()), ["Clinic Aftercare", "Gamblers Together", "Recovery Dharma", "Women in Recovery"]);
        assert_eq!(names(&search("q=women").await.json()), ["Women in Recovery", "Recovery Dharma"], "name hits rank first");
        assert_eq!(names(&search("q=WOMEN%20recovery&sort=name").await.json()), ["Recovery Dharma", "Women in Recovery"]);
        assert_eq!(names(&search("focus=gambling,alcohol").await.json()), ["Gamblers Together", "Women in Recovery"]);
        assert_eq!(names(&search("audience=women").await.json()), ["Women in Recovery"]);
        assert_eq!(names(&search("approach=mindfulness").await.json()), ["Recovery Dharma"]);
        assert_eq!(names(&search("language=es").await.json()), ["Recovery Dharma"], "es matches es-MX");
        assert_eq!(names(&search("language=ES-mx").await.json()), ["Recovery Dharma"], "tags compare in canonical case");
        assert_eq!(names(&search("join_policy=request").await.json()), ["Recovery Dharma"]);
        assert_eq!(names(&search(&format!("organization_id={org}")).await.json()), ["Clinic Aftercare"]);
        assert_eq!(names(&search("q=100%25").await.json()), Vec::<String>::new(), "LIKE wildcards are literal");
        let newest = names(&search("sort=newest").await.json());
        assert_eq!(newest.first().map(String::as_str), Some("Clinic Aftercare"));
        let own = names(&app.get_as(&owner, "/v1/groups?audience=women").await.json());
        assert_eq!(own, ["Quiet Women Circle", "Women in Recovery"], "members also find their own unlisted groups");

        search("focus=chocolate").await.assert_problem(400, "bad-request");
        search("sort=distance").await.assert_problem(422, "validation");
        search("radius_km=5").await.assert_problem(422, "validation");
        search("near=91,0").await.assert_problem(422, "validation");
        search("limit=0").await.assert_problem(422, "validation");
        search("cursor=garbage").await.assert_problem(400, "bad-request");
        search(&format!("language={}", ["en"; 11].join(","))).await.assert_problem(422, "validation");
        let first = search("sort=relevance&limit=1").await.json();
        let second = search(&format!("sort=relevance&limit=1&cursor={}", first["next_cursor"].as_str().unwrap())).await;
        assert_eq!(second.status, 200, "relevance without words pages too: {}", second.text());
        assert_ne!(names(&second.json()), names(&first));
        search("language=not%20a%20tag").await.assert_problem(422, "validation");
    }

    async fn search_near_a_point_sorts_by_distance(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let owner = app.member("owner@example.org", "Owner").await;
        let place = |name: &str, lat: f64, lng: f64| json!({"name": name, "location": {"latitude": lat, "longitude": lng}});
        app.group(&owner, place("Brooklyn Group", 40.6782, -73.9442)).await;
        app.group(&owner, place("Midtown Group", 40.7549, -73.9840)).await;
        app.group(&owner, place("Newark Group", 40.7357, -74.1724)).await;
        app.group(&owner, place("Boston Group", 42.3601, -71.0589)).await;
        app.group(&owner, json!({"name": "Online Only"})).await;

        let near = anonymous(&app, "/v1/groups?near=40.7128,-74.0060&radius_km=25").await.json();
        assert_eq!(names(&near), ["Midtown Group", "Brooklyn Group", "Newark Group"]);
        let first = near["items"][0]["distance_km"].as_f64().unwrap();
        assert!((4.0..6.0).contains(&first), "{first}");
        let tight = anonymous(&app, "/v1/groups?near=40.7128,-74.0060&radius_km=8").await.json();
        assert_eq!(names(&tight), ["Midtown Group", "Brooklyn Group"]);
        let by_name = anonymous(&app, "/v1/groups?near=40.7128,-74.0060&sort=name&limit=2").await.json();
        assert_eq!(names(&by_name), ["Brooklyn Group", "Midtown Group"]);
        let rest = anonymous(&app, &format!("/v1/groups?near=40.7128,-74.0060&sort=name&limit=2&cursor={}", by_name["next_cursor"].as_str().unwrap())).await.json();
        assert_eq!(names(&rest), ["Newark Group"]);
        assert_eq!(rest["next_cursor"], Value::Null);
    }

    async fn paging_never_skips_or_repeats_while_groups_are_added(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let owner = app.member("owner@example.org", "Owner").await;
        for n in 0..9 {
            app.group(&owner, json!({"name": format!("Group {n:02}")})).await;
        }
        for sort in ["name", "newest", "relevance"] {
            let mut seen = Vec::new();
            let mut cursor: Option<String> = None;
            let mut added = 0;
            loop {
                let query = cursor.as_ref().map_or(String::new(), |c| format!("&cursor={c}"));
                let page = anonymous(&app, &format!("/v1/groups?sort={sort}&limit=2&q=group{query}")).await;
                assert_eq!(page.status, 200, "{}", page.text());
                let page = page.json();
                seen.extend(names(&page));
                // Insert around the cursor on every page: before it, after it, anywhere.
                app.group(&owner, json!({"name": format!("Group {sort} {added:02}")})).await;
                app.group(&owner, json!({"name": format!("Aardvark {sort} {added:02}")})).await;
                added += 1;
                match page["next_cursor"].as_str() {
                    Some(next) => cursor = Some(next.to_owned()),
                    None => break,
                }
            }
            let originals: Vec<&String> = seen.iter().filter(|name| name.len() == 8).collect();
            assert_eq!(originals.len(), 9, "{sort}: every original group once: {seen:?}");
            let unique: BTreeSet<&String> = seen.iter().collect();
            assert_eq!(unique.len(), seen.len(), "{sort}: nothing repeated: {seen:?}");
        }
    }

    async fn the_sync_feed_reports_updates_and_removals(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let owner = app.member("owner@example.org", "Owner").await;
        let stranger = app.member("stranger@example.org", "Stranger").await;
        let kept = app.group(&owner, json!({"name": "Kept"})).await;
        let archived = app.group(&owner, json!({"name": "Archived"})).await;
        let hidden = app.group(&owner, json!({"name": "Hidden later"})).await;
        app.group(&owner, json!({"name": "Always private", "visibility": "private"})).await;

        let first = anonymous(&app, "/v1/groups/changes?limit=2").await.json();
        assert_eq!(first["items"].as_array().unwrap().len(), 2);
        let rest = anonymous(&app, &format!("/v1/groups/changes?cursor={}", first["next_cursor"].as_str().unwrap())).await.json();
        assert_eq!(rest["items"].as_array().unwrap().len(), 1, "the private group never appears: {rest}");
        assert_eq!(rest["next_cursor"], Value::Null);
        let since = rest["next_since"].as_str().unwrap().to_owned();

        let path = |g: &Value| format!("/v1/groups/{}", g["id"].as_str().unwrap());
        assert_eq!(Reply::of(app.request(Method::DELETE, &path(&archived)).insert_header(owner.bearer()).send()).await.status, 204);
        assert_eq!(app.send(&owner, Method::PATCH, &path(&hidden), json!({"visibility": "private"})).await.status, 200);
        assert_eq!(app.send(&owner, Method::PATCH, &path(&kept), json!({"description": "New text"})).await.status, 200);

        let changes = Reply::of(app.get(&format!("/v1/groups/changes?since={}", since.replace('+', "%2B"))).insert_header(stranger.bearer()).send()).await.json();
        let summary: Vec<(String, String)> = changes["items"].as_array().unwrap().iter()
            .map(|c| (c["id"].as_str().unwrap().to_owned(), c["change"].as_str().unwrap().to_owned())).collect();
        let id = |g: &Value| g["id"].as_str().unwrap().to_owned();
        assert_eq!(summary, [(id(&archived), "removed".to_owned()), (id(&hidden), "removed".to_owned()), (id(&kept), "updated".to_owned())]);
        assert_eq!(changes["items"][2]["group"]["description"], "New text");
        let owners = app.get_as(&owner, &format!("/v1/groups/changes?since={}", since.replace('+', "%2B"))).await.json();
        let hidden_for_owner = owners["items"].as_array().unwrap().iter().find(|c| c["id"] == hidden["id"]).unwrap();
        assert_eq!(hidden_for_owner["change"], "updated", "members still sync their private group");
        let private = app.group(&owner, json!({"name": "Invite me", "visibility": "private", "join_policy": "invite"})).await;
        let synced = app.get_as(&stranger, &format!("/v1/groups/changes?since={}", since.replace('+', "%2B"))).await.json();
        assert!(!synced.to_string().contains(private["id"].as_str().unwrap()));
        app.invite(&owner, &stranger, private["id"].as_str().unwrap()).await;
        let synced = app.get_as(&stranger, &format!("/v1/groups/changes?since={}", since.replace('+', "%2B"))).await.json();
        let joined = synced["items"].as_array().unwrap().iter().find(|c| c["id"] == private["id"]).expect("a group joined since syncs");
        assert_eq!(joined["change"], "updated");
        assert_eq!(Reply::of(app.request(Method::DELETE, &format!("{}/memberships/me", path(&private))).insert_header(stranger.bearer()).send()).await.status, 204);
        let synced = app.get_as(&stranger, &format!("/v1/groups/changes?since={}", since.replace('+', "%2B"))).await.json();
        let left = synced["items"].as_array().unwrap().iter().find(|c| c["id"] == private["id"]).unwrap();
        assert_eq!(left["change"], "removed", "a private group left is removed from the copy");
        let listed = anonymous(&app, &format!("/v1/groups?updated_since={}", since.replace('+', "%2B"))).await.json();
        assert_eq!(names(&listed), ["Kept"]);
    }
}

#[test]
fn closed_vocabularies_are_snake_case_enums_in_the_contract() {
    let doc: Value = serde_json::from_str(include_str!("../../openapi/openapi.json")).unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "FocusArea",
        "Approach",
        "Audience",
        "Visibility",
        "JoinPolicy",
        "ContactKind",
        "GroupRole",
        "MembershipStatus",
    ] {
        let values = schemas[name]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} is not an enum"));
        for value in values {
            let text = value.as_str().unwrap();
            assert!(
                text.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{name}: {text}"
            );
        }
    }
}

//! Memberships: joining by policy, requests, invitations, capacity under races, roles, bans,
//! the last owner, leaving, and what members see of each other.

use awc::http::Method;
use hearth_tests::{Member, Reply, TestApp, on_both_backends};
use serde_json::{Value, json};

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

async fn patch(app: &TestApp, by: &Member, group: &str, membership: &str, body: Value) -> Reply {
    app.send(
        by,
        Method::PATCH,
        &format!("/v1/groups/{group}/memberships/{membership}"),
        body,
    )
    .await
}

async fn delete(app: &TestApp, by: &Member, group: &str, membership: &str) -> Reply {
    Reply::of(
        app.request(
            Method::DELETE,
            &format!("/v1/groups/{group}/memberships/{membership}"),
        )
        .insert_header(by.bearer())
        .send(),
    )
    .await
}

async fn invitation(app: &TestApp, by: &Member, group: &str) -> String {
    let created = app
        .send(
            by,
            Method::POST,
            &format!("/v1/groups/{group}/invitations"),
            json!({}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    created.json()["code"].as_str().unwrap().to_owned()
}

on_both_backends! {
    async fn open_groups_admit_at_once_and_members_see_names_and_roles_only(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let owner = app.member("owner@example.org", "Owner").await;
        let river = app.member("river@example.org", "River").await;
        let outsider = app.member("out@example.org", "Out").await;
        let group = id(&app.group(&owner, json!({})).await);

        let joined = app.join(&river, &group, json!({})).await;
        assert_eq!(joined.status, 201, "{}", joined.text());
        assert_eq!(joined.json()["status"], "active");
        app.join(&river, &group, json!({})).await.assert_problem(409, "already-member");

        let members = app.get_as(&river, &format!("/v1/groups/{group}/memberships")).await;
        assert_eq!(members.status, 200, "{}", members.text());
        let body = members.json();
        let names: Vec<&str> = body["items"].as_array().unwrap().iter().map(|m| m["display_name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Owner", "River"]);
        let text = members.text();
        assert!(!text.contains("@example.org") && !text.contains("account"), "{text}");
        assert_eq!(body["items"][0]["role"], "owner");
        app.get_as(&outsider, &format!("/v1/groups/{group}/memberships")).await.assert_problem(403, "forbidden");
        Reply::of(app.get(&format!("/v1/groups/{group}/memberships")).send()).await.assert_problem(401, "unauthenticated");
        assert_eq!(Reply::of(app.get(&format!("/v1/groups/{group}")).send()).await.json()["member_count"], 2);
        app.get_as(&river, &format!("/v1/groups/{group}/memberships?status=pending")).await.assert_problem(403, "forbidden");
    }

    async fn request_groups_queue_requests_for_facilitators(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let owner = app.member("owner@example.org", "Owner").await;
        let member = app.member("member@example.org", "Member").await;
        let river = app.member("river@example.org", "River").await;
        let group = id(&app.group(&owner, json!({"join_policy": "request"})).await);
        app.join(&member, &group, json!({})).await;
        let member_id = id(&app.get_as(&member, &format!("/v1/groups/{group}/memberships/me")).await.json());
        assert_eq!(patch(&app, &owner, &group, &member_id, json!({"status": "active"})).await.status, 200);

        let asked = app.join(&river, &group, json!({"message": "New in town, two weeks sober."})).await;
        assert_eq!(asked.status, 202, "{}", asked.text());
        assert_eq!(asked.json()["status"], "pending");
        app.join(&river, &group, json!({})).await.assert_problem(409, "already-requested");
        let mine = app.get_as(&river, &format!("/v1/groups/{group}/memberships/me")).await.json();
        assert_eq!(mine["message"], "New in town, two weeks sober.", "the requester sees their request");
        let request_id = id(&mine);

        let queue = app.get_as(&owner, &format!("/v1/groups/{group}/memberships?status=pending")).await.json();
        assert_eq!(queue["items"][0]["message"], "New in town, two weeks sober.");
        app.get_as(&member, &format!("/v1/groups/{group}/memberships?status=pending")).await.assert_problem(403, "forbidden");
        app.get_as(&member, &format!("/v1/groups/{group}/memberships/{request_id}")).await.assert_problem(403, "forbidden");
        patch(&app, &member, &group, &request_id, json!({"status": "active"})).await.assert_problem(403, "forbidden");

        let declined = patch(&app, &owner, &group, &request_id, json!({"status": "declined"})).await;
        assert_eq!(declined.json()["status"], "declined");
        patch(&app, &owner, &group, &request_id, json!({"status": "active"})).await.assert_problem(409, "invalid-transition");
        assert_eq!(app.join(&river, &group, json!({})).await.status, 202, "a declined person may ask again");
        let approved = patch(&app, &owner, &group, &request_id, json!({"status": "active"})).await;
        assert_eq!(approved.status, 200, "{}", approved.text());
        assert!(approved.json()["joined_at"].is_string());
        let mine = app.get_as(&river, "/v1/me/memberships").await.json();
        assert_eq!(mine["items"][0]["status"], "active");
    }

    async fn invitations_admit_once_until_they_expire_or_are_revoked(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let owner = app.member("owner@example.org", "Owner").await;
        let river = app.member("river@example.org", "River").await;
        let sam = app.member("sam@example.org", "Sam").await;
        let group = id(&app.group(&owner, json!({"join_policy": "invite", "visibility": "private"})).await);

        app.join(&river, &group, json!({})).await.assert_problem(404, "not-found");
        app.join(&river, &group, json!({"invitation": "guess"})).await.assert_problem(404, "not-found");
        let code = invitation(&app, &owner, &group).await;
        let joined = app.join(&river, &group, json!({"invitation": code})).await;
        assert_eq!(joined.status, 201, "{}", joined.text());
        app.join(&sam, &group, json!({"invitation": code})).await.assert_problem(404, "not-found");

        let open = app.get_as(&owner, &format!("/v1/groups/{group}/invitations")).await.json();
        assert_eq!(open["items"], json!([]), "a used invitation is no longer open");
        let code = invitation(&app, &owner, &group).await;
        let listed = app.get_as(&owner, &format!("/v1/groups/{group}/invitations")).await;
        assert!(!listed.text().contains(&code), "codes are shown once");
        let invitation_id = listed.json()["items"][0]["id"].as_str().unwrap().to_owned();
        let revoked = Reply::of(app.request(Method::DELETE, &format!("/v1/groups/{group}/invitations/{invitation_id}"))
            .insert_header(owner.bearer()).send()).await;
        assert_eq!(revoked.status, 204);
        app.join(&sam, &group, json!({"invitation": code})).await.assert_problem(404, "not-found");
        app.send(&river, Method::POST, &format!("/v1/groups/{group}/invitations"), json!({})).await.assert_problem(403, "forbidden");
        app.send(&owner, Method::POST, &format!("/v1/groups/{group}/invitations"), json!({"expires_in_hours": 721})).await.assert_problem(422, "validation");

        let public = id(&app.group(&owner, json!({"name": "Public invite only", "join_policy": "invite"})).await);
        app.join(&sam, &public, json!({})).await.assert_problem(403, "invitation-required");
        app.join(&sam, &public, json!({"invitation": "guess"})).await.assert_problem(422, "validation");
    }

    async fn exactly_one_person_gets_the_last_place(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let owner = app.member("owner@example.org", "Owner").await;
        let group = id(&app.group(&owner, json!({"capacity": 3})).await);
        let mut people = Vec::new();
        for n in 0..6 {
            people.push(app.member(&format!("p{n}@example.org"), &format!("Person {n}")).await);
        }

        let attempts = futures_util::future::join_all(people.iter().map(|person| app.join(person, &group, json!({})))).await;

        let admitted = attempts.iter().filter(|reply| reply.status == 201).count();
        let full = attempts.iter().filter(|reply| reply.status == 409).count();
        assert_eq!((admitted, full), (2, 4), "{:?}", attempts.iter().map(|r| r.status).collect::<Vec<_>>());
        for refused in attempts.iter().filter(|reply| reply.status == 409) {
            refused.assert_problem(409, "group-full");
        }
        let group_now = Reply::of(app.get(&format!("/v1/groups/{group}")).send()).await.json();
        assert_eq!(group_now["member_count"], 3);
        let leaver = attempts.iter().position(|reply| reply.status == 201).unwrap();
        assert_eq!(delete(&app, &people[leaver], &group, "me").await.status, 204);
        let waiting = attempts.iter().position(|reply| reply.status == 409).unwrap();
        assert_eq!(app.join(&people[waiting], &group, json!({})).await.status, 201, "a freed place can be taken");
    }

    async fn bans_keep_people_out_until_lifted(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let owner = app.member("owner@example.org", "Owner").await;
        let troll = app.member("troll@example.org", "Troll").await;
        let group = id(&app.group(&owner, json!({})).await);
        let membership = id(&app.join(&troll, &group, json!({})).await.json());

        let banned = patch(&app, &owner, &group, &membership, json!({"status": "banned"})).await;
        assert_eq!(banned.json()["status"], "banned");
        app.join(&troll, &group, json!({})).await.assert_problem(403, "banned");
        delete(&app, &troll, &group, "me").await.assert_problem(409, "invalid-transition");
        let code = invitation(&app, &owner, &group).await;
        app.join(&troll, &group, json!({"invitation": code})).await.assert_problem(403, "banned");
        app.get_as(&troll, &format!("/v1/groups/{group}/memberships")).await.assert_problem(403, "forbidden");
        assert_eq!(Reply::of(app.get(&format!("/v1/groups/{group}")).send()).await.json()["member_count"], 1);
        let bans = app.get_as(&owner, &format!("/v1/groups/{group}/memberships?status=banned")).await.json();
        assert_eq!(bans["items"][0]["display_name"], "Troll");

        assert_eq!(patch(&app, &owner, &group, &membership, json!({"status": "removed"})).await.status, 200);
        assert_eq!(app.join(&troll, &group, json!({})).await.status, 201, "a lifted ban lets them back");
    }

    async fn roles_follow_rank_and_a_group_keeps_an_owner(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let owner = app.member("owner@example.org", "Owner").await;
        let facilitator = app.member("fac@example.org", "Facilitator").await;
        let member = app.member("member@example.org", "Member").await;
        let group = id(&app.group(&owner, json!({})).await);
        let fac_id = id(&app.join(&facilitator, &group, json!({})).await.json());
        let member_id = id(&app.join(&member, &group, json!({})).await.json());
        let owner_id = id(&app.get_as(&owner, &format!("/v1/groups/{group}/memberships/me")).await.json());

        delete(&app, &owner, &group, "me").await.assert_problem(409, "last-owner");
        patch(&app, &owner, &group, &owner_id, json!({"role": "member"})).await.assert_problem(409, "last-owner");
        assert_eq!(patch(&app, &owner, &group, &fac_id, json!({"role": "facilitator"})).await.status, 200);
        patch(&app, &facilitator, &group, &member_id, json!({"role": "owner"})).await.assert_problem(403, "forbidden");
        patch(&app, &facilitator, &group, &owner_id, json!({"status": "banned"})).await.assert_problem(403, "forbidden");
        assert_eq!(patch(&app, &facilitator, &group, &member_id, json!({"role": "facilitator"})).await.status, 200);
        patch(&app, &facilitator, &group, &member_id, json!({"role": "member"})).await.assert_problem(403, "forbidden");
        patch(&app, &owner, &group, &member_id, json!({"role": "superuser"})).await.assert_problem(400, "bad-request");

        assert_eq!(patch(&app, &owner, &group, &fac_id, json!({"role": "owner"})).await.status, 200);
        assert_eq!(delete(&app, &owner, &group, "me").await.status, 204, "with a successor the owner may leave");
        assert_eq!(delete(&app, &facilitator, &group, &member_id).await.status, 204, "owners remove anyone");
        delete(&app, &facilitator, &group, "me").await.assert_problem(409, "last-owner");
        let left = app.get_as(&owner, "/v1/me/memberships?status=left").await.json();
        assert_eq!(left["items"][0]["status"], "left");
        app.get_as(&owner, "/v1/me/memberships?status=gone").await.assert_problem(400, "bad-request");
        patch(&app, &facilitator, &group, "not-an-id", json!({"status": "active"})).await.assert_problem(404, "not-found");
    }

    async fn requests_can_be_withdrawn_and_private_groups_hide_again_after_leaving(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let owner = app.member("owner@example.org", "Owner").await;
        let river = app.member("river@example.org", "River").await;
        let public = id(&app.group(&owner, json!({"name": "Ask first", "join_policy": "request"})).await);
        assert_eq!(app.join(&river, &public, json!({})).await.status, 202);
        assert_eq!(delete(&app, &river, &public, "me").await.status, 204);
        let withdrawn = app.get_as(&river, &format!("/v1/groups/{public}/memberships/me")).await.json();
        assert_eq!(withdrawn["status"], "left");
        let queue = app.get_as(&owner, &format!("/v1/groups/{public}/memberships?status=pending")).await.json();
        assert_eq!(queue["items"], json!([]));

        let group = id(&app.group(&owner, json!({"join_policy": "request", "visibility": "private"})).await);
        let code = invitation(&app, &owner, &group).await;
        assert_eq!(app.join(&river, &group, json!({"invitation": code})).await.status, 201);
        assert_eq!(delete(&app, &river, &group, "me").await.status, 204);
        app.get_as(&river, &format!("/v1/groups/{group}")).await.assert_problem(404, "not-found");
        delete(&app, &river, &group, "me").await.assert_problem(404, "not-found");
    }

    async fn erasing_an_account_takes_the_person_out_of_every_group(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let owner = app.member("owner@example.org", "Owner").await;
        let river = app.member("river@example.org", "River").await;
        let group = id(&app.group(&owner, json!({})).await);
        assert_eq!(app.join(&river, &group, json!({})).await.status, 201);

        let erased = app.send(&river, Method::DELETE, "/v1/me", json!({"password": hearth_tests::MEMBER_PASSWORD})).await;
        assert_eq!(erased.status, 204, "{}", erased.text());

        let members = app.get_as(&owner, &format!("/v1/groups/{group}/memberships")).await;
        assert!(!members.text().contains("Former member"), "{}", members.text());
        assert_eq!(Reply::of(app.get(&format!("/v1/groups/{group}")).send()).await.json()["member_count"], 1);
    }
}

//! The privacy matrix of groups: what anonymous callers, non-members, members, facilitators,
//! owners, banned people and platform admins get from every group operation, for a private
//! group and for a public one.

use awc::http::Method;
use hearth_tests::{Member, Reply, TestApp, on_both_backends};
use serde_json::{Value, json};

/// Anonymous, non-member, member, facilitator, owner, banned, platform admin.
const CALLERS: [&str; 7] = [
    "anonymous",
    "non-member",
    "member",
    "facilitator",
    "owner",
    "banned",
    "admin",
];

struct World {
    app: TestApp,
    people: [Option<Member>; 7],
    requester: Member,
}

async fn membership_id(app: &TestApp, who: &Member, group: &str) -> String {
    app.get_as(who, &format!("/v1/groups/{group}/memberships/me"))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

impl World {
    async fn build(backend: hearth_tests::TestBackend) -> Self {
        let app = TestApp::spawn(backend).await;
        let outsider = app.member("outsider@example.org", "Outsider").await;
        let member = app.member("member@example.org", "Member").await;
        let facilitator = app.member("fac@example.org", "Facilitator").await;
        let owner = app.member("owner@example.org", "Owner").await;
        let banned = app.member("banned@example.org", "Banned").await;
        let admin = app.admin("admin@example.org").await;
        let requester = app.member("requester@example.org", "Requester").await;
        Self {
            app,
            people: [
                None,
                Some(outsider),
                Some(member),
                Some(facilitator),
                Some(owner),
                Some(banned),
                Some(admin),
            ],
            requester,
        }
    }

    fn person(&self, n: usize) -> &Member {
        self.people[n].as_ref().unwrap()
    }

    /// A group with a member, a facilitator, a ban and a pending request; answers its id and
    /// the request's membership id. A private group is built unlisted, so the request can be
    /// made, then hidden.
    async fn group(&self, visibility: &str) -> (String, String) {
        let app = &self.app;
        let owner = self.person(4);
        let initial = if visibility == "private" {
            "unlisted"
        } else {
            visibility
        };
        let group = app
            .group(
                owner,
                json!({"name": format!("{visibility} circle"), "visibility": initial}),
            )
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let path = format!("/v1/groups/{group}");
        for n in [2, 3, 5] {
            assert_eq!(
                app.join(self.person(n), &group, json!({})).await.status,
                201
            );
        }
        let facilitator = membership_id(app, self.person(3), &group).await;
        let banned = membership_id(app, self.person(5), &group).await;
        for (membership, body) in [
            (facilitator, json!({"role": "facilitator"})),
            (banned, json!({"status": "banned"})),
        ] {
            let reply = app
                .send(
                    owner,
                    Method::PATCH,
                    &format!("{path}/memberships/{membership}"),
                    body,
                )
                .await;
            assert_eq!(reply.status, 200, "{}", reply.text());
        }
        assert_eq!(
            app.send(
                owner,
                Method::PATCH,
                &path,
                json!({"join_policy": "request"})
            )
            .await
            .status,
            200
        );
        assert_eq!(
            app.join(&self.requester, &group, json!({})).await.status,
            202
        );
        assert_eq!(
            app.send(
                owner,
                Method::PATCH,
                &path,
                json!({"visibility": visibility})
            )
            .await
            .status,
            200
        );
        let request = membership_id(app, &self.requester, &group).await;
        (group, request)
    }

    async fn call(&self, n: usize, method: Method, path: &str, body: Option<Value>) -> u16 {
        let mut request = self.app.request(method, path);
        if let Some(person) = &self.people[n] {
            request = request.insert_header(person.bearer());
        }
        let reply = match body {
            Some(body) => Reply::of(request.send_json(&body)).await,
            None => Reply::of(request.send()).await,
        };
        reply.status
    }
}

async fn check(
    world: &World,
    group: &str,
    request: &str,
    rows: &[(Method, String, Option<Value>, [u16; 7])],
) {
    let mut wrong = Vec::new();
    for (method, path, body, expected) in rows {
        let path = path.replace("{g}", group).replace("{r}", request);
        for (n, want) in expected.iter().enumerate() {
            let got = world.call(n, method.clone(), &path, body.clone()).await;
            if got != *want {
                wrong.push(format!(
                    "{method} {path} as {}: {got} (expected {want})",
                    CALLERS[n]
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "the privacy matrix disagrees:\n{}",
        wrong.join("\n")
    );
}

fn rows(hidden: u16, outside: u16) -> Vec<(Method, String, Option<Value>, [u16; 7])> {
    let h = hidden;
    let o = outside;
    let joining = if hidden == 404 {
        [401, 404, 409, 409, 409, 404, 202]
    } else {
        [401, 202, 409, 409, 409, 403, 202]
    };
    vec![
        (
            Method::GET,
            "/v1/groups/{g}".into(),
            None,
            [h, h, 200, 200, 200, h, 200],
        ),
        (
            Method::GET,
            "/v1/groups/{g}/memberships".into(),
            None,
            [401, o, 200, 200, 200, o, 200],
        ),
        (
            Method::GET,
            "/v1/groups/{g}/memberships?status=pending".into(),
            None,
            [401, o, 403, 200, 200, o, 200],
        ),
        (
            Method::GET,
            "/v1/groups/{g}/memberships/{r}".into(),
            None,
            [401, o, 403, 200, 200, o, 200],
        ),
        (
            Method::GET,
            "/v1/groups/{g}/invitations".into(),
            None,
            [401, o, 403, 200, 200, o, 200],
        ),
        (
            Method::POST,
            "/v1/groups/{g}/invitations".into(),
            Some(json!({})),
            [401, o, 403, 201, 201, o, 201],
        ),
        (
            Method::PATCH,
            "/v1/groups/{g}".into(),
            Some(json!({})),
            [401, o, 403, 200, 200, o, 200],
        ),
        (
            Method::POST,
            "/v1/groups/{g}/memberships".into(),
            Some(json!({})),
            joining,
        ),
        (
            Method::DELETE,
            "/v1/groups/{g}".into(),
            None,
            [401, o, 403, 403, 204, o, 204],
        ),
    ]
}

on_both_backends! {
    async fn a_private_group_exists_only_for_its_people(backend: TestBackend) {
        let world = World::build(backend).await;
        let (group, request) = world.group("private").await;

        let mut listed = Vec::new();
        for n in 0..7 {
            let mut call = world.app.get("/v1/groups");
            if let Some(person) = &world.people[n] {
                call = call.insert_header(person.bearer());
            }
            listed.push(Reply::of(call.send()).await.text().contains(&group));
        }
        assert_eq!(listed, [false, false, true, true, true, false, false], "who finds it in search");
        let pending = world.app.get_as(&world.requester, &format!("/v1/groups/{group}/memberships/me")).await;
        assert_eq!(pending.json()["status"], "pending", "the requester sees their own request");
        let bans = world.app.get_as(world.person(5), "/v1/me/memberships?status=banned").await.json();
        assert_eq!(bans["items"], json!([]), "a private group is gone for whoever it banned");
        check(&world, &group, &request, &rows(404, 404)).await;
    }

    async fn a_public_group_shows_its_members_to_members_only(backend: TestBackend) {
        let world = World::build(backend).await;
        let (group, request) = world.group("public").await;

        let bans = world.app.get_as(world.person(5), "/v1/me/memberships?status=banned").await.json();
        assert_eq!(bans["items"][0]["status"], "banned");
        check(&world, &group, &request, &rows(200, 403)).await;
    }
}

//! The served OpenAPI document is the committed one, and it is a usable 3.1 contract.

use hearth_tests::{Reply, TestApp, on_both_backends};
use serde_json::Value;

const COMMITTED: &str = include_str!("../../openapi/openapi.json");

on_both_backends! {
    async fn served_document_equals_the_committed_file(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let reply = Reply::of(app.get("/api-docs/openapi.json").send()).await;

        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("content-type"), Some("application/json"));
        assert!(
            reply.text() == COMMITTED,
            "openapi/openapi.json is stale: run `cargo run -p hearth-api -- openapi > openapi/openapi.json`"
        );
    }

    async fn swagger_ui_is_served_from_the_binary(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let page = Reply::of(app.get("/swagger-ui/").send()).await;
        let initializer = Reply::of(app.get("/swagger-ui/swagger-initializer.js").send()).await;
        let bundle = Reply::of(app.get("/swagger-ui/swagger-ui-bundle.js").send()).await;
        let bare = Reply::of(app.get("/swagger-ui").send()).await;

        assert_eq!(page.status, 200);
        assert!(page.text().contains("swagger-ui"));
        assert!(!page.text().contains("https://"), "the page loads something from outside");
        assert!(initializer.text().contains("\"url\": \"/api-docs/openapi.json\""));
        assert!(initializer.text().contains("\"validatorUrl\": \"none\""));
        assert_eq!(bundle.status, 200);
        assert!(bundle.body.len() > 100_000, "the bundle is vendored, not fetched");
        assert_eq!(bare.status, 308);
        assert_eq!(bare.header("location"), Some("/swagger-ui/"));
    }
}

#[test]
fn document_is_openapi_3_1_with_the_shared_parts() {
    let doc: Value = serde_json::from_str(COMMITTED).unwrap();

    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["license"]["identifier"], "Apache-2.0");
    assert!(doc["info"]["contact"]["email"].is_string());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    let tags: Vec<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .inspect(|tag| assert!(tag["description"].is_string(), "{tag} has no description"))
        .map(|tag| tag["name"].as_str().unwrap())
        .collect();
    assert!(tags.contains(&"health"));
}

#[test]
fn every_operation_is_named_summarised_tagged_and_answers_problems() {
    let doc: Value = serde_json::from_str(COMMITTED).unwrap();
    let mut seen = std::collections::HashSet::new();

    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let at = format!("{method} {path}");
            let id = operation["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{at}: no operationId"));
            assert!(
                seen.insert(id.to_owned()),
                "{at}: operationId {id} is not unique"
            );
            assert!(operation["summary"].is_string(), "{at}: no summary");
            assert!(
                operation["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{at}: no tag"
            );
            let documented: Vec<&str> = operation["parameters"]
                .as_array()
                .map(|params| {
                    params
                        .iter()
                        .filter(|p| p["in"] == "path")
                        .map(|p| p["name"].as_str().unwrap())
                        .collect()
                })
                .unwrap_or_default();
            for segment in path.split('/').filter(|s| s.starts_with('{')) {
                let name = segment.trim_matches(['{', '}']);
                assert!(
                    documented.contains(&name),
                    "{at}: path parameter {name} is not documented"
                );
            }
            for (status, response) in operation["responses"].as_object().unwrap() {
                assert!(
                    response["description"].is_string(),
                    "{at} {status}: no description"
                );
            }
            let default = &operation["responses"]["default"];
            assert!(
                default["content"]["application/problem+json"]["schema"]["$ref"]
                    == "#/components/schemas/Problem",
                "{at}: no default problem response"
            );
        }
    }
    assert!(!seen.is_empty());
}

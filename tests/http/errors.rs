//! Every rejection the foundation promises is a problem+json answer.

use hearth_tests::{Reply, TestApp, on_both_backends};
use serde_json::json;

on_both_backends! {
    async fn unknown_route_is_404_problem(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let reply = Reply::of(app.get("/v1/no-such-thing").send()).await;

        reply.assert_problem(404, "not-found");
    }

    async fn wrong_method_is_405_problem_with_allow(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let reply = Reply::of(app.post("/health/ready").send()).await;

        reply.assert_problem(405, "method-not-allowed");
        assert_eq!(reply.header("allow"), Some("GET"));
    }

    async fn malformed_json_is_400_problem(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let reply = Reply::of(
            app.post("/test/echo")
                .insert_header(("content-type", "application/json"))
                .send_body("{\"name\": \"x\","),
        )
        .await;

        let problem = reply.assert_problem(400, "bad-request");
        assert!(problem["detail"].as_str().unwrap().contains("JSON"), "{problem}");
    }

    async fn wrong_content_type_is_415_problem(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let reply = Reply::of(
            app.post("/test/echo")
                .insert_header(("content-type", "text/plain"))
                .send_body("{\"name\": \"x\", \"count\": 1}"),
        )
        .await;

        reply.assert_problem(415, "unsupported-media-type");
    }

    async fn unknown_field_is_400_problem_naming_it(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let reply = Reply::of(
            app.post("/test/echo").send_json(&json!({"name": "x", "count": 1, "admin": true})),
        )
        .await;

        let problem = reply.assert_problem(400, "bad-request");
        assert!(problem["detail"].as_str().unwrap().contains("admin"), "{problem}");
    }

    async fn wrong_field_type_is_400_problem(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let reply = Reply::of(app.post("/test/echo").send_json(&json!({"name": "x", "count": "one"}))).await;

        reply.assert_problem(400, "bad-request");
    }

    async fn validation_failure_is_422_with_field_errors(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let reply = Reply::of(app.post("/test/echo").send_json(&json!({"name": "", "count": 9}))).await;

        let problem = reply.assert_problem(422, "validation");
        assert_eq!(
            problem["errors"],
            json!([
                {"field": "count", "code": "range", "message": "fails the `range` rule"},
                {"field": "name", "code": "length", "message": "must be 1 to 10 characters"},
            ])
        );
    }

    async fn valid_body_passes_the_extractor(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let reply = Reply::of(app.post("/test/echo").send_json(&json!({"name": "Sam", "count": 2}))).await;

        assert_eq!(reply.status, 200, "{}", reply.text());
        assert_eq!(reply.json(), json!({"name": "Sam", "count": 2}));
    }

    async fn oversized_body_is_413_problem(backend: TestBackend) {
        let app = TestApp::spawn_with(backend, |s| s.max_body_bytes = 1024).await;
        let name = "x".repeat(2048);

        let reply = Reply::of(app.post("/test/echo").send_json(&json!({"name": name, "count": 1}))).await;

        let problem = reply.assert_problem(413, "payload-too-large");
        assert!(problem["detail"].as_str().unwrap().contains("1024"), "{problem}");
    }

    async fn oversized_streamed_body_is_413_problem(backend: TestBackend) {
        let app = TestApp::spawn_with(backend, |s| s.max_body_bytes = 1024).await;
        let chunks = (0..64).map(|_| Ok::<_, std::io::Error>(actix_web::web::Bytes::from_static(&[b' '; 64])));

        let reply = Reply::of(
            app.post("/test/echo")
                .insert_header(("content-type", "application/json"))
                .send_stream(futures_util::stream::iter(chunks)),
        )
        .await;

        reply.assert_problem(413, "payload-too-large");
    }

    async fn bad_path_parameter_is_400_problem(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let reply = Reply::of(app.get("/test/items/not-a-uuid").send()).await;

        reply.assert_problem(400, "bad-request");
    }

    async fn bad_query_parameter_is_400_problem(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let reply = Reply::of(app.get("/test/search?limit=many").send()).await;

        let problem = reply.assert_problem(400, "bad-request");
        assert!(problem["detail"].as_str().unwrap().contains("query"), "{problem}");
    }

    async fn server_error_body_hides_internals(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let reply = Reply::of(app.get("/test/fail").send()).await;

        reply.assert_problem(500, "internal");
        let body = reply.text();
        for secret in ["SELECT", "password", "accounts.rs", "persistence"] {
            assert!(!body.contains(secret), "500 body leaks `{secret}`: {body}");
        }
    }
}

on_both_backends! {
    async fn a_json_array_is_not_an_object_body(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let reply = Reply::of(app.post("/test/echo").send_json(&json!(["x", 1]))).await;

        let problem = reply.assert_problem(400, "bad-request");
        assert!(problem["detail"].as_str().unwrap().contains("object"), "{problem}");
    }
}

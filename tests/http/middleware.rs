//! Request ids, compression, CORS and graceful shutdown.

use hearth_api::settings::CorsOrigin;
use hearth_tests::{Reply, TestApp, client, on_both_backends};

on_both_backends! {
    async fn request_id_is_generated_when_absent(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let reply = Reply::of(app.get("/health/live").send()).await;

        let id = reply.header("x-request-id").expect("a request id");
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{id} is not a UUID");
    }

    async fn sane_request_id_is_echoed(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let reply = Reply::of(app.get("/health/live").insert_header(("x-request-id", "mobile-7f3a.42")).send()).await;

        assert_eq!(reply.header("x-request-id"), Some("mobile-7f3a.42"));
    }

    async fn insane_request_id_is_replaced(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let forged = "x INFO GET /admin 200";

        let reply = Reply::of(app.get("/health/live").insert_header(("x-request-id", forged)).send()).await;

        let id = reply.header("x-request-id").expect("a request id");
        assert_ne!(id, forged);
        assert!(uuid::Uuid::parse_str(id).is_ok());
    }

    async fn problems_carry_the_request_id_too(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let reply = Reply::of(app.get("/nowhere").insert_header(("x-request-id", "trace-1")).send()).await;

        reply.assert_problem(404, "not-found");
        assert_eq!(reply.header("x-request-id"), Some("trace-1"));
    }

    async fn responses_are_compressed_when_the_client_accepts_it(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let plain = Reply::of(app.get("/api-docs/openapi.json").send()).await;
        let gzipped = Reply::of(app.get("/api-docs/openapi.json").insert_header(("accept-encoding", "gzip")).send()).await;

        assert_eq!(plain.header("content-encoding"), None);
        assert_eq!(gzipped.header("content-encoding"), Some("gzip"));
        assert!(gzipped.body.len() < plain.body.len());
    }

    async fn cors_is_off_unless_configured(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let reply = Reply::of(app.get("/health/live").insert_header(("origin", "https://app.example.org")).send()).await;

        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("access-control-allow-origin"), None);
    }

    async fn cors_allows_configured_origins_only(backend: TestBackend) {
        let app = TestApp::spawn_with(backend, |s| {
            s.cors_origins = vec![CorsOrigin::Exact("https://app.example.org".to_owned())];
        })
        .await;
        let preflight = |origin: &'static str| {
            app.request(awc::http::Method::OPTIONS, "/health/ready")
                .insert_header(("origin", origin))
                .insert_header(("access-control-request-method", "GET"))
                .insert_header(("access-control-request-headers", "authorization"))
                .send()
        };

        let allowed = Reply::of(preflight("https://app.example.org")).await;
        let other = Reply::of(preflight("https://evil.example.com")).await;

        assert_eq!(allowed.status, 200);
        assert_eq!(allowed.header("access-control-allow-origin"), Some("https://app.example.org"));
        assert_eq!(other.header("access-control-allow-origin"), None);
    }

    async fn graceful_shutdown_lets_in_flight_requests_finish(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let in_flight = actix_web::rt::spawn(Reply::of(app.get("/test/slow?ms=800").send()));
        actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;

        app.stop_gracefully().await;

        let reply = in_flight.await.expect("the in-flight request");
        assert_eq!(reply.status, 200);
        assert!(client().get(format!("{}/health/live", app.address)).send().await.is_err(),
            "the server still accepts connections after shutdown");
    }
}

use hearth_tests::{Reply, TestApp, on_both_backends};

on_both_backends! {
    async fn liveness_answers_ok_without_the_database(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let reply = Reply::of(app.get("/health/live").send()).await;

        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("content-type"), Some("application/json"));
        assert_eq!(reply.json()["status"], "ok");
    }

    async fn readiness_answers_ok_on_a_migrated_database(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;

        let reply = Reply::of(app.get("/health/ready").send()).await;

        assert_eq!(reply.status, 200, "{}", reply.text());
        assert_eq!(reply.json()["status"], "ok");
    }
}

//! While the database cannot be had, requests answer 503 quickly and recover by themselves.

use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use hearth_persistence::{PoolSettings, StatementCount, pool};
use hearth_tests::{Reply, TestApp, TestBackend, on_both_backends};

/// Far below r2d2's 30-second default: proves that nothing waits on the database for long.
/// (A bound against hanging, not a speed target.)
const PROMPT: Duration = Duration::from_millis(2500);

fn assert_unavailable(reply: &Reply) {
    reply.assert_problem(503, "database-unavailable");
    assert!(
        reply.header("retry-after").is_some(),
        "503 without Retry-After"
    );
}

on_both_backends! {
    async fn the_pool_asks_a_connection_whether_it_lives_only_after_a_quiet_second_or_a_failure(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        let statements = StatementCount::default();
        let settings = PoolSettings { max_size: 1, checkout_timeout: Duration::from_secs(5) };
        let pool = pool(&app.database.url(), settings, statements.clone());
        let checkout = || {
            let before = statements.get();
            let connection = pool.get().expect("a connection");
            (connection, statements.get() - before)
        };

        let (connection, _) = checkout();
        drop(connection);
        let (mut connection, checks) = checkout();
        assert_eq!(checks, 0, "a connection that has just answered is asked again");

        let failed = diesel::sql_query("SELECT * FROM no_such_table").execute(&mut **connection);
        assert!(failed.is_err());
        drop(connection);
        let (connection, checks) = checkout();
        assert_eq!(checks, 1, "a connection whose statement failed is handed out unchecked");
        drop(connection);

        actix_web::rt::time::sleep(Duration::from_millis(1100)).await;
        let (_connection, checks) = checkout();
        assert_eq!(checks, 1, "a connection quiet for a second is handed out unchecked");
    }

    async fn readiness_is_503_while_the_pool_is_exhausted_and_recovers(backend: TestBackend) {
        let app = TestApp::spawn_with(backend, |s| s.database.pool_size = 2).await;
        let holders: Vec<_> = (0..2)
            .map(|_| actix_web::rt::spawn(Reply::of(app.get("/test/hold-db?ms=2500").send())))
            .collect();
        actix_web::rt::time::sleep(Duration::from_millis(300)).await;

        let started = Instant::now();
        let during = Reply::of(app.get("/health/ready").send()).await;
        let waited = started.elapsed();

        assert_unavailable(&during);
        assert!(waited < PROMPT, "waited {waited:?} for a connection");
        for holder in holders {
            assert_eq!(holder.await.expect("holder").status, 200);
        }
        let after = Reply::of(app.get("/health/ready").send()).await;
        assert_eq!(after.status, 200, "{}", after.text());
    }
}

/// A real outage: PostgreSQL becomes unreachable, then comes back, with no restart. (SQLite is a
/// file inside the process and cannot become unreachable this way.)
#[actix_web::test]
async fn postgres_outage_answers_503_promptly_and_recovers_without_restart() {
    let Some(backend) = TestBackend::postgres() else {
        return;
    };
    let (app, proxy) = TestApp::spawn_behind_proxy(backend).await;
    assert_eq!(Reply::of(app.get("/health/ready").send()).await.status, 200);

    proxy.cut();
    for _ in 0..3 {
        let started = Instant::now();
        let reply = Reply::of(app.get("/health/ready").send()).await;
        let waited = started.elapsed();
        assert_unavailable(&reply);
        assert!(waited < PROMPT, "waited {waited:?} during the outage");
    }
    let live = Reply::of(app.get("/health/live").send()).await;
    assert_eq!(live.status, 200, "liveness must not depend on the database");

    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let reply = Reply::of(app.get("/health/ready").send()).await;
        if reply.status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still {} after the database came back",
            reply.status
        );
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
}

//! Migrations: both trees in lockstep, reversible, and a newer schema refused.

use std::collections::BTreeSet;
use std::path::Path;

use diesel::connection::SimpleConnection;
use hearth_persistence::{PersistenceError, migrations};
use hearth_tests::{Reply, TestApp, TestDatabase, on_both_backends};

const FUTURE_VERSION: &str = "29991231000000";

fn migration_names(backend: &str) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrations")
        .join(backend);
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .inspect(|path| {
            for file in ["up.sql", "down.sql"] {
                assert!(
                    path.join(file).is_file(),
                    "{} has no {file}",
                    path.display()
                );
            }
        })
        .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn both_migration_trees_have_the_same_names() {
    assert_eq!(migration_names("sqlite"), migration_names("postgres"));
}

fn pretend_a_newer_binary_migrated(database: &TestDatabase) {
    database
        .connect()
        .batch_execute(&format!(
            "INSERT INTO __diesel_schema_migrations (version) VALUES ('{FUTURE_VERSION}')"
        ))
        .unwrap();
}

on_both_backends! {
    async fn migrations_run_up_down_and_up_again(backend: TestBackend) {
        let database = TestDatabase::create(backend);
        let mut c = database.connect();
        let known = migrations::known(&c).unwrap();

        let first = migrations::run_pending(&mut c).unwrap();
        let reverted = migrations::revert_all(&mut c).unwrap();
        let again = migrations::run_pending(&mut c).unwrap();

        assert_eq!(first, known);
        assert_eq!(reverted.iter().rev().cloned().collect::<Vec<_>>(), known);
        assert_eq!(again, known);
        migrations::ensure_current(&mut c).unwrap();
    }

    async fn a_schema_newer_than_the_binary_is_refused_at_start(backend: TestBackend) {
        let database = TestDatabase::create(backend);
        migrations::run_pending(&mut database.connect()).unwrap();
        pretend_a_newer_binary_migrated(&database);

        let error = migrations::run_pending(&mut database.connect()).unwrap_err();

        assert!(matches!(&error, PersistenceError::SchemaTooNew { unknown } if unknown == FUTURE_VERSION), "{error}");
        assert!(error.to_string().contains("newer than this binary"), "{error}");
    }

    async fn readiness_is_503_when_the_schema_changes_under_a_running_server(backend: TestBackend) {
        let app = TestApp::spawn(backend).await;
        pretend_a_newer_binary_migrated(&app.database);

        let reply = Reply::of(app.get("/health/ready").send()).await;

        reply.assert_problem(503, "schema-mismatch");
    }
}

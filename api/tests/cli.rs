//! The `hearth` binary as an operator meets it: bad settings end in one clear line, the
//! contract command prints the committed document, SIGTERM stops it cleanly.
#![expect(
    clippy::unwrap_used,
    reason = "a test fails by panicking, helpers included"
)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn hearth(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hearth"));
    // Nothing from the developer's or CI's environment may change what a test sees.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("HEARTH_") || name == "RUST_LOG" {
            command.env_remove(name);
        }
    }
    command.env("RUST_BACKTRACE", "1").args(args);
    command
}

fn temp_db() -> PathBuf {
    std::env::temp_dir().join(format!("hearth-cli-{}.db", uuid::Uuid::now_v7().simple()))
}

/// Asserts a failed run that said exactly one line on stderr containing `expected`.
fn assert_one_line_failure(output: &Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "succeeded: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "not one line: {stderr}");
    assert!(stderr.starts_with("hearth: "), "{stderr}");
    assert!(stderr.contains(expected), "{stderr:?} lacks {expected:?}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn unparsable_bind_address_is_one_line_and_exit_2() {
    let output = hearth(&["--bind", "localhost:eighty"]).output().unwrap();

    assert_one_line_failure(&output, "--bind");
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn unsupported_database_url_is_one_line() {
    let output = hearth(&["migrate"])
        .env(
            "HEARTH_DATABASE_URL",
            "mysql://root:secret@localhost/hearth",
        )
        .output()
        .unwrap();

    assert_one_line_failure(&output, "unsupported database URL");
    assert!(!String::from_utf8_lossy(&output.stderr).contains("secret"));
}

#[test]
fn short_jwt_secret_is_one_line() {
    let output = hearth(&[])
        .env("HEARTH_JWT_SECRET", "too-short")
        .output()
        .unwrap();

    assert_one_line_failure(&output, "at least 32 bytes");
    assert!(!String::from_utf8_lossy(&output.stderr).contains("too-short"));
}

#[test]
fn port_in_use_is_one_line() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let db = temp_db();

    let output = hearth(&[
        "serve",
        "--bind",
        &address,
        "--database-url",
        db.to_str().unwrap(),
    ])
    .output()
    .unwrap();

    assert_one_line_failure(&output, "cannot listen on");
}

#[test]
fn unopenable_sqlite_file_is_one_line() {
    let output = hearth(&["migrate", "--database-url", "/nonexistent-dir/hearth.db"])
        .output()
        .unwrap();

    assert_one_line_failure(
        &output,
        "cannot connect to sqlite:///nonexistent-dir/hearth.db",
    );
}

#[test]
fn unreachable_postgres_is_one_line_without_the_password() {
    let output = hearth(&[
        "migrate",
        "--database-url",
        "postgres://hearth:s3cret@127.0.0.1:1/hearth",
    ])
    .output()
    .unwrap();

    assert_one_line_failure(
        &output,
        "cannot connect to postgres://hearth:***@127.0.0.1:1/hearth",
    );
    assert!(!String::from_utf8_lossy(&output.stderr).contains("s3cret"));
}

#[test]
fn openapi_command_prints_the_committed_document() {
    let output = hearth(&["openapi"]).output().unwrap();

    assert!(output.status.success());
    let committed = include_str!("../../openapi/openapi.json");
    assert!(
        String::from_utf8_lossy(&output.stdout) == committed,
        "openapi/openapi.json is stale: run `cargo run -p hearth-api -- openapi > openapi/openapi.json`"
    );
}

#[test]
fn migrate_applies_then_reports_up_to_date() {
    let db = temp_db();
    let url = format!("sqlite://{}", db.display());

    let first = hearth(&["migrate", "--database-url", &url])
        .output()
        .unwrap();
    let second = hearth(&["migrate", "--database-url", &url])
        .output()
        .unwrap();

    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&second.stderr).contains("up to date"));
    let _ = std::fs::remove_file(db);
}

fn wait_until_live(address: &str, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        assert!(child.try_wait().unwrap().is_none(), "hearth exited early");
        if let Ok(mut stream) = TcpStream::connect(address) {
            stream
                .write_all(b"GET /health/live HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.1 200") {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("hearth did not become live at {address}");
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let address = {
        let probe = TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().to_string()
    };
    let db = temp_db();
    let mut child = hearth(&[
        "serve",
        "--bind",
        &address,
        "--database-url",
        db.to_str().unwrap(),
    ])
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    wait_until_live(&address, &mut child);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let output = child.wait_with_output().unwrap();

    assert!(killed.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "exit {:?}: {stderr}",
        output.status
    );
    assert!(stderr.contains("stopped"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

fn admin_create(db: &std::path::Path, email: &str, stdin: Option<&str>) -> Output {
    let mut child = hearth(&[
        "admin",
        "create",
        "--database-url",
        db.to_str().unwrap(),
        "--email",
        email,
    ])
    .stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

fn role_of(db: &std::path::Path, email: &str) -> Option<hearth_domain::account::PlatformRole> {
    let url = hearth_persistence::DatabaseUrl::sqlite(db.display().to_string());
    let mut c = hearth_persistence::connect(&url).unwrap();
    let email = hearth_domain::account::Email::parse(email).unwrap();
    hearth_persistence::accounts::find_by_email(&mut c, &email)
        .unwrap()
        .map(|account| {
            assert!(
                account.email_confirmed_at.is_some(),
                "an admin is confirmed"
            );
            account.role
        })
}

#[test]
fn admin_create_makes_a_new_account_then_promotes_an_existing_one() {
    use hearth_domain::account::PlatformRole;
    let db = temp_db();

    let created = admin_create(&db, "Ops@Example.org", Some("lantern orbit cactus quiet\n"));
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert_eq!(role_of(&db, "ops@example.org"), Some(PlatformRole::Admin));

    let again = admin_create(&db, "ops@example.org", None);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("promoted"));
    assert_eq!(role_of(&db, "ops@example.org"), Some(PlatformRole::Admin));
}

#[test]
fn admin_create_refuses_a_weak_or_missing_password_in_one_line() {
    let db = temp_db();

    let weak = admin_create(&db, "ops@example.org", Some("password123\n"));
    let missing = admin_create(&db, "ops@example.org", None);

    assert_one_line_failure(&weak, "password");
    assert_one_line_failure(&missing, "standard input");
    assert_eq!(role_of(&db, "ops@example.org"), None);
}

#[test]
fn unusable_smtp_url_is_one_line_without_the_password() {
    let db = temp_db();

    let output = hearth(&[
        "--bind",
        "127.0.0.1:0",
        "--database-url",
        db.to_str().unwrap(),
    ])
    .env("HEARTH_SMTP_URL", "gopher://mailer:s3cret@mail.example.org")
    .output()
    .unwrap();

    assert_one_line_failure(&output, "invalid SMTP URL");
    assert!(!String::from_utf8_lossy(&output.stderr).contains("s3cret"));
}

#[test]
fn seed_demo_prints_the_logins_once_then_refuses_a_database_with_data() {
    let db = temp_db();
    let path = db.to_str().unwrap();

    let seeded = hearth(&["seed", "--demo", "--database-url", path])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&seeded.stdout);
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    assert!(stdout.contains("36 fictional groups"), "{stdout}");
    assert!(
        stdout.contains("demo@hearth.example / hearth demo lantern orbit"),
        "{stdout}"
    );

    let again = hearth(&["seed", "--demo", "--database-url", path])
        .output()
        .unwrap();
    assert_one_line_failure(&again, "already has data");
    let unsaid = hearth(&["seed", "--database-url", path]).output().unwrap();
    assert_one_line_failure(&unsaid, "--demo");
}

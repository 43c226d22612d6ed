//! Test support: the real Hearth app on a fresh database of either backend, an HTTP client
//! aimed at it, and probe routes that exercise the shared machinery (extractors, errors,
//! the pool) before real endpoints do.
#![expect(
    clippy::expect_used,
    reason = "test support: a set-up step that fails must fail the test, loudly"
)]

mod database;
mod probe;
mod proxy;
mod receiver;
mod smtp;

use std::net::TcpListener;
use std::sync::Once;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use awc::http::Method;
use hearth_api::settings::ServeSettings;

pub use database::{TestBackend, TestDatabase};
pub use proxy::TcpProxy;
pub use receiver::{Received, Receiver};
pub use smtp::FakeSmtp;

/// Generates one test per backend from one body: `<name>::sqlite` always runs;
/// `<name>::postgres` runs when `HEARTH_TEST_POSTGRES_URL` is set and fails when that
/// database cannot be reached.
#[macro_export]
macro_rules! on_both_backends {
    ($(
        $(#[$meta:meta])*
        async fn $name:ident($backend:ident: TestBackend) $body:block
    )*) => {$(
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($backend: $crate::TestBackend) $body

            #[actix_web::test]
            async fn sqlite() {
                run($crate::TestBackend::Sqlite).await;
            }

            #[actix_web::test]
            async fn postgres() {
                if let Some(backend) = $crate::TestBackend::postgres() {
                    run(backend).await;
                }
            }
        }
    )*};
}

/// The signing secret every test app uses, so tests can forge tokens.
pub const TEST_JWT_SECRET: &str = "test-secret-test-secret-test-secret!";

/// The data key every test app seals client data with (32 bytes of 0x2a, base64).
pub const TEST_DATA_KEY: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";

/// The password of accounts made by [`TestApp::member`].
pub const MEMBER_PASSWORD: &str = "lantern orbit cactus quiet";

/// A logged-in member.
#[derive(Debug, Clone)]
pub struct Member {
    /// Their email.
    pub email: String,
    /// A valid access token.
    pub access_token: String,
    /// A live refresh token.
    pub refresh_token: String,
}

impl Member {
    /// `Authorization: Bearer <access token>`.
    pub fn bearer(&self) -> (&'static str, String) {
        ("authorization", format!("Bearer {}", self.access_token))
    }
}

/// A running Hearth server on its own fresh database.
#[derive(Debug)]
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    handle: ServerHandle,
    /// Stopped before the database goes, so no delivery round outlives it.
    delivery: Option<hearth_api::worker::Worker>,
    /// Stopped with the delivery worker, for the same reason.
    horizon: Option<hearth_api::worker::Worker>,
    /// Delivering webhooks, once [`TestApp::deliver_webhooks`] started it.
    webhooks: Option<hearth_api::worker::Worker>,
    /// The settings it was started with, to start it again.
    settings: ServeSettings,
    /// The database behind it; dropped (and deleted) with the app.
    pub database: TestDatabase,
    /// The server's pool, for counting the statements it sends.
    db: hearth_api::db::Db,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestApp {
    /// Starts the app with default settings on a fresh database of `backend`.
    pub async fn spawn(backend: TestBackend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Starts the app on a fresh database after `adjust` had its say on the settings.
    pub async fn spawn_with(backend: TestBackend, adjust: impl FnOnce(&mut ServeSettings)) -> Self {
        let database = TestDatabase::create(backend);
        Self::spawn_on(database, adjust).await
    }

    /// Starts the app on a fresh database of `backend` reached through a proxy the test can
    /// cut, to stage an outage of a database server (PostgreSQL: an SQLite file cannot be cut
    /// off this way).
    pub async fn spawn_behind_proxy(backend: TestBackend) -> (Self, TcpProxy) {
        let database = TestDatabase::create(backend);
        let proxy = TcpProxy::start(database.server_address().expect("a server address"));
        let via_proxy = database.url_via_port(proxy.port());
        let app = Self::spawn_on(database, |s| s.database.url = via_proxy).await;
        (app, proxy)
    }

    /// Starts the app on an existing test database, through the same functions as `hearth serve`.
    pub async fn spawn_on(database: TestDatabase, adjust: impl FnOnce(&mut ServeSettings)) -> Self {
        init_test_log();
        let mut settings = ServeSettings::for_database(database.url());
        settings.workers = std::num::NonZeroUsize::new(1);
        settings.shutdown_timeout_secs = 5;
        settings.jwt_secret = Some(hearth_domain::Sensitive::new(TEST_JWT_SECRET.to_owned()));
        settings.data_key = Some(hearth_domain::Sensitive::new(TEST_DATA_KEY.to_owned()));
        adjust(&mut settings);
        let running = launch(&settings);
        Self {
            address: running.address,
            handle: running.handle,
            delivery: running.delivery,
            horizon: running.horizon,
            webhooks: None,
            settings,
            database,
            db: running.db,
            thread: Some(running.thread),
        }
    }

    /// Stops the server (without waiting for requests in flight) and its workers, and starts it
    /// again on the same database, on another port: what survives is what the database kept.
    pub fn restart(&mut self) {
        let delivering = self.webhooks.is_some();
        self.stop_now();
        let running = launch(&self.settings);
        self.address = running.address;
        self.handle = running.handle;
        self.delivery = running.delivery;
        self.horizon = running.horizon;
        self.db = running.db;
        self.thread = Some(running.thread);
        if delivering {
            self.deliver_webhooks();
        }
    }

    /// Starts delivering webhooks in the background, as `hearth serve` does.
    pub fn deliver_webhooks(&mut self) {
        self.webhooks = hearth_api::start_webhook_delivery(&self.settings, &self.db)
            .expect("a usable data key");
    }

    fn stop_now(&mut self) {
        // The stop command is sent when `stop` is called; the returned future only waits.
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        for worker in [&self.delivery, &self.horizon, &self.webhooks]
            .into_iter()
            .flatten()
        {
            worker.stop();
        }
        drop((
            self.delivery.take(),
            self.horizon.take(),
            self.webhooks.take(),
        ));
    }

    /// A request to `path` on this app.
    pub fn request(&self, method: Method, path: &str) -> awc::ClientRequest {
        client().request(method, format!("{}{path}", self.address))
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> awc::ClientRequest {
        self.request(Method::GET, path)
    }

    /// `POST path`.
    pub fn post(&self, path: &str) -> awc::ClientRequest {
        self.request(Method::POST, path)
    }

    /// How many SQL statements the server has sent so far.
    pub fn statements(&self) -> u64 {
        self.db.statements()
    }

    /// The outbox entries for `recipient`, oldest first, with their delivery state.
    pub fn outbox(&self, recipient: &str) -> Vec<hearth_persistence::outbox::QueuedEmail> {
        hearth_persistence::outbox::list_for(&mut self.database.connect(), recipient)
            .expect("read the outbox")
    }

    /// The mail queued for `recipient`, oldest first.
    pub fn mails_to(&self, recipient: &str) -> Vec<hearth_domain::mail::OutgoingEmail> {
        self.outbox(recipient)
            .into_iter()
            .map(|queued| queued.email)
            .collect()
    }

    /// The code in the latest confirmation mail to `recipient`.
    pub fn confirmation_code(&self, recipient: &str) -> String {
        self.code_in_mail(recipient, hearth_domain::mail::CONFIRMATION_CODE_PREFIX)
    }

    /// The code on the line starting with `prefix` in the latest such mail to `recipient`.
    pub fn code_in_mail(&self, recipient: &str, prefix: &str) -> String {
        self.mails_to(recipient)
            .iter()
            .rev()
            .find_map(|mail| {
                mail.body
                    .expose()
                    .lines()
                    .find_map(|line| line.strip_prefix(prefix).map(str::to_owned))
            })
            .unwrap_or_else(|| panic!("no mail to {recipient} has a line `{prefix}…`"))
    }

    /// Registers and confirms an account, then logs it in.
    pub async fn member(&self, email: &str, display_name: &str) -> Member {
        let registered = Reply::of(self.post("/v1/accounts").send_json(&serde_json::json!({
            "email": email, "password": MEMBER_PASSWORD, "display_name": display_name,
        })))
        .await;
        assert_eq!(registered.status, 202, "{}", registered.text());
        let code = self.confirmation_code(email);
        let confirmed = Reply::of(
            self.post("/v1/accounts/email-confirmations")
                .send_json(&serde_json::json!({ "token": code })),
        )
        .await;
        assert_eq!(confirmed.status, 204, "{}", confirmed.text());
        self.login(email).await
    }

    /// `grant_type=password` at the token endpoint.
    pub async fn password_grant(&self, email: &str, password: &str) -> Reply {
        Reply::of(self.post("/v1/auth/token").send_form(&[
            ("grant_type", "password"),
            ("username", email),
            ("password", password),
        ]))
        .await
    }

    /// `grant_type=refresh_token` at the token endpoint.
    pub async fn refresh_grant(&self, refresh_token: &str) -> Reply {
        Reply::of(self.post("/v1/auth/token").send_form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ]))
        .await
    }

    /// A platform administrator, made as `hearth admin create` would.
    pub async fn admin(&self, email: &str) -> Member {
        self.member(email, "Admin").await;
        hearth_api::admin::create_admin(&mut self.database.connect(), email, "Admin", None)
            .expect("promote to admin");
        self.login(email).await
    }

    /// A member whom `admin` made a platform editor.
    pub async fn editor(&self, admin: &Member, email: &str, display_name: &str) -> Member {
        let editor = self.member(email, display_name).await;
        let account = self.account_id(&editor).await;
        let granted = self
            .send(
                admin,
                Method::PUT,
                &format!("/v1/editors/{account}"),
                serde_json::json!({}),
            )
            .await;
        assert_eq!(granted.status, 204, "{}", granted.text());
        editor
    }

    /// Logs an existing account in again, for fresh tokens with its current role.
    pub async fn login(&self, email: &str) -> Member {
        let tokens = self.password_grant(email, MEMBER_PASSWORD).await;
        assert_eq!(tokens.status, 200, "{}", tokens.text());
        let body = tokens.json();
        Member {
            email: email.to_owned(),
            access_token: body["access_token"]
                .as_str()
                .expect("access token")
                .to_owned(),
            refresh_token: body["refresh_token"]
                .as_str()
                .expect("refresh token")
                .to_owned(),
        }
    }

    /// The member's account id.
    pub async fn account_id(&self, member: &Member) -> String {
        let me = Reply::of(self.get("/v1/me").insert_header(member.bearer()).send()).await;
        me.json()["id"].as_str().expect("an id").to_owned()
    }

    /// Creates an organisation as `admin` (a platform administrator); answers its id.
    pub async fn organization(&self, admin: &Member, name: &str) -> String {
        let created = Reply::of(
            self.post("/v1/organizations")
                .insert_header(admin.bearer())
                .send_json(&serde_json::json!({"name": name, "kind": "clinic"})),
        )
        .await;
        assert_eq!(created.status, 201, "{}", created.text());
        created.json()["id"].as_str().expect("an id").to_owned()
    }

    /// Gives `member` a role in the organisation, acting as `admin`.
    pub async fn add_to_organization(
        &self,
        admin: &Member,
        org: &str,
        member: &Member,
        role: &str,
    ) {
        let account = self.account_id(member).await;
        let put = Reply::of(
            self.request(
                Method::PUT,
                &format!("/v1/organizations/{org}/members/{account}"),
            )
            .insert_header(admin.bearer())
            .send_json(&serde_json::json!({ "role": role })),
        )
        .await;
        assert_eq!(put.status, 200, "{}", put.text());
    }

    /// Creates an API client of the organisation with `scopes`; answers its id and secret.
    pub async fn api_client(&self, admin: &Member, org: &str, scopes: &[&str]) -> (String, String) {
        let created = Reply::of(
            self.post(&format!("/v1/organizations/{org}/clients"))
                .insert_header(admin.bearer())
                .send_json(&serde_json::json!({"name": "Integration", "scopes": scopes})),
        )
        .await;
        assert_eq!(created.status, 201, "{}", created.text());
        let body = created.json();
        (
            body["client_id"].as_str().expect("client id").to_owned(),
            body["client_secret"].as_str().expect("secret").to_owned(),
        )
    }

    /// An access token for an API client.
    pub async fn client_token(&self, client_id: &str, secret: &str) -> String {
        let tokens = Reply::of(self.post("/v1/auth/token").send_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
        ]))
        .await;
        assert_eq!(tokens.status, 200, "{}", tokens.text());
        tokens.json()["access_token"]
            .as_str()
            .expect("access token")
            .to_owned()
    }

    /// Creates a group as `owner` from `body` (merged over a name); answers the group.
    pub async fn group(&self, owner: &Member, body: serde_json::Value) -> serde_json::Value {
        let mut request = serde_json::json!({"name": "Harbour Lights"});
        if let (Some(base), Some(extra)) = (request.as_object_mut(), body.as_object()) {
            base.extend(extra.clone());
        }
        let created = Reply::of(
            self.post("/v1/groups")
                .insert_header(owner.bearer())
                .send_json(&request),
        )
        .await;
        assert_eq!(created.status, 201, "{}", created.text());
        created.json()
    }

    /// Schedules a meeting of `group` as `owner` from `body`; answers the meeting.
    pub async fn meeting(
        &self,
        owner: &Member,
        group: &str,
        body: serde_json::Value,
    ) -> serde_json::Value {
        let created = self
            .send(
                owner,
                Method::POST,
                &format!("/v1/groups/{group}/meetings"),
                body,
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text());
        created.json()
    }

    /// Brings `member` into `group` with an invitation `owner` makes (a group of any join
    /// policy admits them at once).
    pub async fn invite(&self, owner: &Member, member: &Member, group: &str) {
        let invitation = self
            .send(
                owner,
                Method::POST,
                &format!("/v1/groups/{group}/invitations"),
                serde_json::json!({}),
            )
            .await;
        assert_eq!(invitation.status, 201, "{}", invitation.text());
        let code = invitation.json()["code"].clone();
        let joined = self
            .join(member, group, serde_json::json!({ "invitation": code }))
            .await;
        assert_eq!(joined.status, 201, "{}", joined.text());
    }

    /// `POST /v1/groups/{group}/memberships` as `member` with `body`.
    pub async fn join(&self, member: &Member, group: &str, body: serde_json::Value) -> Reply {
        Reply::of(
            self.post(&format!("/v1/groups/{group}/memberships"))
                .insert_header(member.bearer())
                .send_json(&body),
        )
        .await
    }

    /// Sends `method path` with `member`'s token and a JSON body.
    pub async fn send(
        &self,
        member: &Member,
        method: Method,
        path: &str,
        body: serde_json::Value,
    ) -> Reply {
        Reply::of(
            self.request(method, path)
                .insert_header(member.bearer())
                .send_json(&body),
        )
        .await
    }

    /// `GET path` with `member`'s token.
    pub async fn get_as(&self, member: &Member, path: &str) -> Reply {
        Reply::of(self.get(path).insert_header(member.bearer()).send()).await
    }

    /// Stops the server as SIGTERM would: in-flight requests finish first.
    pub async fn stop_gracefully(&self) {
        self.handle.stop(true).await;
    }
}

impl Drop for TestApp {
    /// Stops the server and waits for its thread, so its pool is closed before the database is
    /// dropped and no thread is left talking to a database while the test process exits.
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// A server running on a thread of its own, and its workers.
struct Running {
    address: String,
    handle: ServerHandle,
    delivery: Option<hearth_api::worker::Worker>,
    horizon: Option<hearth_api::worker::Worker>,
    db: hearth_api::db::Db,
    thread: std::thread::JoinHandle<()>,
}

/// Starts the app through the same functions as `hearth serve`.
fn launch(settings: &ServeSettings) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let address = format!("http://{}", listener.local_addr().expect("local address"));
    let smtp = hearth_api::smtp(settings).expect("a usable SMTP URL");
    let db = hearth_api::prepare_database(&settings.database).expect("prepare the database");
    let counted = db.clone();
    let delivery = hearth_api::start_mail_delivery(smtp, &db);
    let horizon = Some(hearth_api::horizon::start(db.pool()));
    // The server runs in a system of its own, so that dropping the app can stop it and wait
    // for its workers (and their pools) to end, whatever the test's runtime is doing.
    let (handle_tx, handle_rx) = std::sync::mpsc::channel();
    let serving = settings.clone();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = hearth_api::server(listener, &serving, db, probe::routes)
                .expect("build the server");
            handle_tx
                .send(server.handle())
                .expect("hand over the server");
            server.await.expect("run the server");
        });
    });
    let handle = handle_rx.recv().expect("the server's handle");
    Running {
        address,
        handle,
        delivery,
        horizon,
        db: counted,
        thread,
    }
}

/// A client that never decompresses (so tests see `Content-Encoding`) and waits long enough
/// for deliberately slow probes.
pub fn client() -> awc::Client {
    awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .disable_redirects()
        .finish()
}

/// A whole response, read to the end.
#[derive(Debug)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The response headers.
    pub headers: awc::http::header::HeaderMap,
    /// The body bytes, as sent (never decompressed).
    pub body: Vec<u8>,
}

impl Reply {
    /// Sends a request and reads the whole answer.
    pub async fn of(request: awc::SendClientRequest) -> Self {
        let mut response = request.await.expect("send the request");
        let body = response
            .body()
            .limit(16 * 1024 * 1024)
            .await
            .expect("read the body");
        Self {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: body.to_vec(),
        }
    }

    /// A header's value, when present and readable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text()))
    }

    /// Asserts a problem+json answer with this status and `type` slug; returns the body.
    pub fn assert_problem(&self, status: u16, slug: &str) -> serde_json::Value {
        assert_eq!(self.status, status, "status of {}", self.text());
        assert_eq!(
            self.header("content-type"),
            Some(hearth_openapi::PROBLEM_JSON),
            "content type of {}",
            self.text()
        );
        let problem = self.json();
        assert_eq!(problem["type"], format!("/problems/{slug}"), "{problem}");
        assert_eq!(problem["status"], status, "{problem}");
        assert!(problem["title"].is_string(), "{problem}");
        problem
    }
}

fn init_test_log() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = env_logger::Builder::from_env(
                env_logger::Env::default().default_filter_or("debug"),
            )
            .is_test(true)
            .try_init();
        }
    });
}

//! The `hearth` command: `serve` (the default), `migrate`, `openapi`.

use std::io::Write;
use std::net::TcpListener;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use hearth_api::settings::{DatabaseSettings, ServeSettings};
use hearth_api::{
    no_extra_routes, prepare_database, server, smtp, start_mail_delivery, start_webhook_delivery,
};

/// Hearth: the open backend for peer support groups.
#[derive(Debug, Parser)]
#[command(name = "hearth", version, args_conflicts_with_subcommands = true)]
struct Cli {
    /// Log filter in env_logger syntax, such as `info` or `hearth=debug,info`.
    #[arg(long = "log", env = "RUST_LOG", default_value = "info", global = true)]
    log: String,

    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    serve: ServeSettings,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Migrate the database and serve the API (the default).
    Serve(Box<ServeSettings>),
    /// Apply pending migrations and exit.
    Migrate(DatabaseSettings),
    /// Print the OpenAPI document to stdout.
    Openapi,
    /// Manage administrators.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Fill an empty database with fictional demo data (refuses one that has any account).
    Seed {
        #[command(flatten)]
        database: DatabaseSettings,
        /// The small demo set: three dozen groups across US time zones, their members, and
        /// two logins printed at the end.
        #[arg(long, required_unless_present = "scale", conflicts_with = "scale")]
        demo: bool,
        /// N generated meetings (in N/20 groups) over US cities and time zones, with mixed
        /// schedules, attendance modes and types, for load benchmarks.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
        scale: Option<u64>,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Make an account an administrator. An existing account is promoted; for a new one, pipe
    /// its password on standard input (`printf '%s' "$PASSWORD" | hearth admin create …`).
    Create {
        #[command(flatten)]
        database: DatabaseSettings,
        /// The administrator's email address.
        #[arg(long)]
        email: String,
        /// The display name of a new account.
        #[arg(long = "display-name", default_value = "Administrator")]
        display_name: String,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) if !error.use_stderr() => error.exit(),
        Err(error) => {
            eprintln!("hearth: {}", describe(&error));
            return ExitCode::from(2);
        }
    };
    env_logger::Builder::new()
        .parse_filters(&cli.log)
        .format_timestamp_millis()
        .init();
    let outcome = match cli.command.unwrap_or(Command::Serve(Box::new(cli.serve))) {
        Command::Serve(settings) => serve(&settings),
        Command::Migrate(settings) => migrate(&settings),
        Command::Openapi => print_openapi(),
        Command::Admin(AdminCommand::Create {
            database,
            email,
            display_name,
        }) => create_admin(&database, &email, &display_name),
        Command::Seed {
            database,
            scale: Some(n),
            ..
        } => seed_scale(&database, n),
        Command::Seed { database, .. } => seed_demo(&database),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("hearth: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// One line for a supervisor's log (clap adds usage hints over several). A rejected value is not repeated: it may be a secret or a
/// URL with a password.
fn describe(error: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let argument = match error.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(argument)) => Some(argument.as_str()),
        _ => None,
    };
    match (error.kind(), argument, std::error::Error::source(error)) {
        (ErrorKind::ValueValidation, Some(argument), Some(reason)) => {
            format!("invalid {argument}: {reason}")
        }
        (ErrorKind::MissingRequiredArgument, _, _) => {
            let rendered = error.render().to_string();
            let mut lines = rendered.lines().map(str::trim);
            let first = lines
                .next()
                .unwrap_or_default()
                .trim_start_matches("error: ");
            let missing: Vec<&str> = lines.take_while(|line| !line.is_empty()).collect();
            format!("{first} {}", missing.join(", "))
        }
        _ => {
            let rendered = error.render().to_string();
            rendered
                .lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("error: ")
                .to_owned()
        }
    }
}

fn serve(settings: &ServeSettings) -> anyhow::Result<()> {
    let listener = TcpListener::bind(settings.bind)
        .with_context(|| format!("cannot listen on {}", settings.bind))?;
    let smtp = smtp(settings)?;
    let db = prepare_database(&settings.database)?;
    let delivery = start_mail_delivery(smtp, &db);
    let horizon = hearth_api::horizon::start(db.pool());
    let webhooks = start_webhook_delivery(settings, &db)?;
    log::info!(
        "serving {} on http://{} (docs at /swagger-ui/)",
        settings.database.url,
        listener.local_addr()?
    );
    actix_web::rt::System::new().block_on(async {
        server(listener, settings, db, no_extra_routes)?.await?;
        anyhow::Ok(())
    })?;
    for worker in delivery.iter().chain([&horizon]).chain(webhooks.iter()) {
        worker.stop();
    }
    drop((delivery, horizon, webhooks));
    log::info!("stopped: in-flight requests finished, database connections closed");
    Ok(())
}

fn migrate(settings: &DatabaseSettings) -> anyhow::Result<()> {
    let mut connection = hearth_persistence::connect(&settings.url)?;
    let applied = hearth_persistence::migrations::run_pending(&mut connection)?;
    if applied.is_empty() {
        log::info!("{} is up to date", settings.url);
    } else {
        log::info!("{}: applied {}", settings.url, applied.join(", "));
    }
    Ok(())
}

fn seed_demo(settings: &DatabaseSettings) -> anyhow::Result<()> {
    use hearth_api::seed::{DEMO_ADMIN_EMAIL, DEMO_EMAIL, DEMO_PASSWORD, demo};
    let mut connection = hearth_persistence::connect(&settings.url)?;
    hearth_persistence::migrations::run_pending(&mut connection)?;
    let seeded =
        demo(&mut connection).map_err(|error| anyhow::anyhow!(describe_api_error(&error)))?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "Seeded {} with {} fictional groups, {} meetings, {} accounts and {} memberships, \
         {} articles, {} resources and {} crisis lines.\n\
         Log in (POST /v1/auth/token, or Authorize in Swagger UI):\n  \
         member:  {DEMO_EMAIL} / {DEMO_PASSWORD}\n  \
         admin:   {DEMO_ADMIN_EMAIL} / {DEMO_PASSWORD}",
        settings.url,
        seeded.groups,
        seeded.meetings,
        seeded.accounts,
        seeded.memberships,
        seeded.articles,
        seeded.resources,
        seeded.crisis_lines
    )?;
    Ok(())
}

fn seed_scale(settings: &DatabaseSettings, n: u64) -> anyhow::Result<()> {
    let mut connection = hearth_persistence::connect(&settings.url)?;
    hearth_persistence::migrations::run_pending(&mut connection)?;
    let started = std::time::Instant::now();
    let scaled = hearth_api::scale::scale(&mut connection, n, |done| {
        if done % 100_000 == 0 || done == n {
            eprintln!("hearth: {done} of {n} meetings written");
        }
    })
    .map_err(|error| anyhow::anyhow!(describe_api_error(&error)))?;
    writeln!(
        std::io::stdout().lock(),
        "Seeded {} with {} meetings in {} groups ({} occurrences materialised) in {:.1} s.",
        settings.url,
        scaled.meetings,
        scaled.groups,
        scaled.occurrences,
        started.elapsed().as_secs_f64()
    )?;
    Ok(())
}

fn create_admin(
    settings: &DatabaseSettings,
    email: &str,
    display_name: &str,
) -> anyhow::Result<()> {
    let mut connection = hearth_persistence::connect(&settings.url)?;
    hearth_persistence::migrations::run_pending(&mut connection)?;
    let password = read_password_from_stdin()?;
    let outcome = hearth_api::admin::create_admin(&mut connection, email, display_name, password)
        .map_err(|error| anyhow::anyhow!(describe_api_error(&error)))?;
    let what = match outcome {
        hearth_api::admin::AdminCreated::Promoted => "promoted the existing account",
        hearth_api::admin::AdminCreated::Created => "created a new account",
    };
    log::info!("{email} is an administrator ({what})");
    Ok(())
}

/// The first line of standard input when it is piped, never from a terminal prompt echo.
fn read_password_from_stdin() -> anyhow::Result<Option<hearth_domain::Sensitive<String>>> {
    use std::io::{BufRead, IsTerminal};
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Ok(None);
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("cannot read the password")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    Ok((!password.is_empty()).then(|| hearth_domain::Sensitive::new(password)))
}

/// The problem a request would have answered, as one line for the operator.
fn describe_api_error(error: &hearth_api::ApiError) -> String {
    match error {
        hearth_api::ApiError::Internal(reason) => return reason.clone(),
        hearth_api::ApiError::Persistence(error) => return error.to_string(),
        _ => {}
    }
    let (problem, _) = error.problem();
    let fields: Vec<String> = problem
        .errors
        .iter()
        .map(|e| format!("{} {}", e.field, e.message))
        .collect();
    match (fields.is_empty(), problem.detail) {
        (false, _) => fields.join("; "),
        (true, Some(detail)) => detail,
        (true, None) => problem.title,
    }
}

fn print_openapi() -> anyhow::Result<()> {
    let json = hearth_api::docs::document_json(&hearth_api::docs::openapi())?;
    std::io::stdout()
        .write_all(json.as_bytes())
        .context("cannot write to stdout")
}

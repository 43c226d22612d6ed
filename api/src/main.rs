//! The `hearth` command: `serve` (the default), `migrate`, `openapi`.

use std::io::Write;
use std::net::TcpListener;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use hearth_api::settings::{DatabaseSettings, ServeSettings};
use hearth_api::{no_extra_routes, prepare_database, server};

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
    Serve(ServeSettings),
    /// Apply pending migrations and exit.
    Migrate(DatabaseSettings),
    /// Print the OpenAPI document to stdout.
    Openapi,
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
    let outcome = match cli.command.unwrap_or(Command::Serve(cli.serve)) {
        Command::Serve(settings) => serve(&settings),
        Command::Migrate(settings) => migrate(&settings),
        Command::Openapi => print_openapi(),
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
    let db = prepare_database(&settings.database)?;
    log::info!(
        "serving {} on http://{} (docs at /swagger-ui/)",
        settings.database.url,
        listener.local_addr()?
    );
    actix_web::rt::System::new().block_on(async {
        server(listener, settings, db, no_extra_routes)?.await?;
        anyhow::Ok(())
    })?;
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

fn print_openapi() -> anyhow::Result<()> {
    let json = hearth_openapi::to_json(&hearth_api::docs::openapi())?;
    std::io::stdout()
        .write_all(json.as_bytes())
        .context("cannot write to stdout")
}

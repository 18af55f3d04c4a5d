//! `sladesk serve | migrate | token create`: the service and its administration.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use sladesk::catalogue::Message;
use sladesk::config::Config;
use sladesk::desk::issue_token;
use sladesk::domain::accounts::Role;
use sladesk::serve::{ServeError, open_desk, start};

use super::CliError;

/// Where the data is and how to reach it; shared by every service command.
#[derive(Debug, Args)]
pub struct ServiceArgs {
    /// A TOML configuration file (defaults → this file → SLADESK_… variables → flags).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Folder of the embedded SQLite database [default: ./sladesk-data].
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// postgres://… to use PostgreSQL instead of SQLite (or SLADESK_DATABASE_URL).
    #[arg(long)]
    database: Option<String>,
}

impl ServiceArgs {
    pub(super) fn config(&self) -> Result<Config, CliError> {
        let mut config =
            Config::load(self.config.as_deref()).map_err(|e| CliError::bad("cli_config", e))?;
        if let Some(dir) = &self.data_dir {
            config.data_dir = dir.clone();
        }
        if let Some(url) = &self.database {
            config.database_url = url.clone();
        }
        Ok(config)
    }
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create the user if needed and print a new API token for them.
    Create {
        #[command(flatten)]
        service: ServiceArgs,
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The customer's organisation (customers only).
        #[arg(long)]
        organization: Option<i64>,
        /// The person's language, for mail and pages (when the person is new).
        #[arg(long, value_enum, default_value_t = super::sla::Lang::Nl)]
        language: super::sla::Lang,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Set a person's password for signing in to the web pages; reads it from stdin (one line).
    /// Weak passwords are refused; the person's open sessions end.
    SetPassword {
        #[command(flatten)]
        service: ServiceArgs,
        #[arg(long)]
        email: String,
    },
}

/// The role names of the API (`first_line`); the kebab-case spellings are accepted too.
#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum RoleArg {
    Customer,
    #[value(alias = "first-line")]
    FirstLine,
    #[value(alias = "second-line")]
    SecondLine,
    #[value(alias = "third-line")]
    ThirdLine,
    #[value(alias = "saas-team")]
    SaasTeam,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Role {
        match role {
            RoleArg::Customer => Role::Customer,
            RoleArg::FirstLine => Role::FirstLine,
            RoleArg::SecondLine => Role::SecondLine,
            RoleArg::ThirdLine => Role::ThirdLine,
            RoleArg::SaasTeam => Role::SaasTeam,
            RoleArg::Admin => Role::Admin,
        }
    }
}

pub(super) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

pub(super) fn serve_error(error: ServeError) -> CliError {
    match error {
        ServeError::Policy { .. } | ServeError::Listen { .. } | ServeError::Backup(_) => {
            CliError::bad("cli_serve", error)
        }
        ServeError::Store(sladesk::store::StoreError::UnsupportedUrl(_)) => {
            CliError::bad("cli_serve", error)
        }
        other => CliError::Failed(Message::new("cli_failed").given("detail", other)),
    }
}

pub fn serve(
    service: ServiceArgs,
    listen: Option<std::net::SocketAddr>,
    policy: Option<PathBuf>,
) -> Result<(), CliError> {
    let mut config = service.config()?;
    if let Some(listen) = listen {
        config.listen = listen;
    }
    if policy.is_some() {
        config.policy_file = policy;
    }
    tracing::info!(?config, "starting");
    runtime()?.block_on(async move {
        let running = start(config).await.map_err(serve_error)?;
        let language = super::language_of_the_shell();
        let listening = Message::new("cli_listening").given("address", running.addr);
        eprintln!("sladesk: {}", listening.text(language));
        if let Some(link) = &running.setup_link {
            let first_run = Message::new("cli_first_run");
            eprintln!("sladesk: {}\n\n    {link}\n", first_run.text(language));
        }
        wait_for_stop_signal().await;
        tracing::info!("stopping: finishing in-flight requests and jobs");
        running.stop().await.map_err(serve_error)
    })
}

async fn wait_for_stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = terminate.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

pub fn migrate(service: ServiceArgs) -> Result<(), CliError> {
    let config = service.config()?;
    runtime()?.block_on(async move {
        let desk = open_desk(&config).await.map_err(serve_error)?;
        desk.store.close().await;
        let said = Message::new("cli_database_up_to_date");
        eprintln!("sladesk: {}", said.text(super::language_of_the_shell()));
        Ok(())
    })
}

pub fn token(command: TokenCommand) -> Result<(), CliError> {
    let TokenCommand::Create {
        service,
        email,
        role,
        organization,
        language,
    } = command;
    let role = Role::from(role);
    if role == Role::Customer && organization.is_none() {
        return Err(CliError::BadInput(Message::new(
            "cli_customer_needs_organization",
        )));
    }
    if role != Role::Customer && organization.is_some() {
        return Err(CliError::BadInput(Message::new(
            "cli_organization_only_for_customers",
        )));
    }
    let config = service.config()?;
    runtime()?.block_on(async move {
        let desk = open_desk(&config).await.map_err(serve_error)?;
        let token = issue_token(&desk, &email, role, organization, language.into())
            .await
            .map_err(CliError::from)?;
        desk.store.close().await;
        println!("{token}");
        Ok(())
    })
}

pub fn user(command: UserCommand) -> Result<(), CliError> {
    let UserCommand::SetPassword { service, email } = command;
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .map_err(|e| CliError::bad("cli_password_unreadable", e))?;
    let password = password.trim_end_matches(['\r', '\n']).to_string();
    let config = service.config()?;
    runtime()?.block_on(async move {
        let desk = open_desk(&config).await.map_err(serve_error)?;
        let result = desk
            .set_password(&email, &password)
            .await
            .map_err(CliError::from);
        desk.store.close().await;
        result?;
        let said = Message::new("cli_password_set").given("email", &email);
        eprintln!("sladesk: {}", said.text(super::language_of_the_shell()));
        Ok(())
    })
}

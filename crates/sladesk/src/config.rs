//! Configuration, one place: built-in defaults, then an optional TOML file (`--config`), then
//! `SLADESK_…` environment variables, then command-line flags. Secrets never reach a log: the
//! `Debug` of [`Config`] redacts them.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where the embedded SQLite database lives when no database URL is given.
    pub data_dir: PathBuf,
    /// `postgres://…` or `sqlite://…`; empty means SQLite in `data_dir`.
    pub database_url: String,
    pub listen: SocketAddr,
    /// A TOML policy file laid over the built-in SLA policy.
    pub policy_file: Option<PathBuf>,
    /// Public base URL, used in links inside emails; empty: `http://` and the listen address.
    pub public_url: String,
    pub smtp: SmtpConfig,
    pub jobs: JobsConfig,
    /// URLs that receive outage events (JSON POST) when a component goes down or recovers.
    pub webhooks: Vec<String>,
    /// The one support number (T1), shown to customers with urgent tickets; empty: none shown.
    pub support_phone: String,
    /// Reverse proxies (CIDR, e.g. `10.0.0.5/32`) whose `X-Forwarded-For` names the client.
    /// From anyone else the header is ignored and the connection's address is the client's.
    pub trusted_proxies: Vec<IpNet>,
    /// X1: the networks (CIDR) from which staff may sign in and use staff API tokens; empty
    /// allows any. Customers are not affected.
    pub staff_networks: Vec<IpNet>,
    /// X3: where vulnerabilities are reported (`mailto:…` or `https://…`), listed in
    /// `/.well-known/security.txt` before the report form of `/security`.
    pub security_contact: String,
    pub metrics: MetricsConfig,
    /// X2: single sign-on. Customer organisations' providers are set by admins in the desk;
    /// the vendor's own provider, for staff, is set here.
    pub sso: SsoConfig,
    /// D1: the desk's own backups (how often and how many: the policy's `[continuity]`).
    pub backup: BackupConfig,
    /// T5: where tickets' files are kept, and the hook that checks them.
    pub files: FilesConfig,
    /// Replies by mail (docs/MAIL.md).
    pub mail_in: MailInConfig,
}

/// Where tickets' files are kept (docs/MAIL.md, "Files").
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FilesConfig {
    /// A folder of this machine; empty: `files` in the data folder. Several replicas need
    /// one folder they all reach, or `storage`.
    pub folder: Option<PathBuf>,
    /// S3-compatible object storage instead of a folder (`url` = `s3://bucket/prefix`).
    pub storage: OffsiteConfig,
    /// A command that checks each new file before anyone may download it (a virus scanner):
    /// run with the file's path as its last argument, exit 0 = clean, 1 = refused, anything
    /// else = try again later. Empty: files are available at once.
    pub scan_command: Vec<String>,
}

/// Mail received by the desk (`sladesk mail receive`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailInConfig {
    /// The address replies go to (`Reply-To` of every mail sent); empty: the sender address.
    pub address: String,
    /// Larger messages are refused whole.
    pub max_message_bytes: usize,
    /// A mailbox the server reads replies from, instead of (or besides) an MTA's pipe.
    pub imap: ImapConfig,
}

impl Default for MailInConfig {
    fn default() -> MailInConfig {
        MailInConfig {
            address: String::new(),
            max_message_bytes: 40 * 1024 * 1024,
            imap: ImapConfig::default(),
        }
    }
}

/// The mailbox `serve` reads (docs/MAIL.md); an empty `host` turns it off.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImapConfig {
    pub host: String,
    pub port: u16,
    /// `tls` (IMAPS, port 993) or `none` (plain: a server on this machine only).
    pub tls: String,
    /// PEM certificates to trust besides the public roots (a company's own CA).
    pub ca_file: Option<PathBuf>,
    pub username: String,
    pub password: String,
    /// Where new mail arrives.
    pub folder: String,
    /// Where each message goes once acted on (made if absent).
    pub done_folder: String,
    /// Seconds between looks when the server has no IDLE (and the longest IDLE).
    pub poll_seconds: u64,
}

impl Default for ImapConfig {
    fn default() -> ImapConfig {
        ImapConfig {
            host: String::new(),
            port: 993,
            tls: "tls".into(),
            ca_file: None,
            username: String::new(),
            password: String::new(),
            folder: "INBOX".into(),
            done_folder: "sladesk-done".into(),
            poll_seconds: 60,
        }
    }
}

impl fmt::Debug for ImapConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("ca_file", &self.ca_file)
            .field("username", &self.username)
            .field(
                "password",
                &if self.password.is_empty() { "" } else { "***" },
            )
            .field("folder", &self.folder)
            .field("done_folder", &self.done_folder)
            .field("poll_seconds", &self.poll_seconds)
            .finish()
    }
}

/// Where the desk's backups go and with which keys (docs/BACKUPS.md).
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackupConfig {
    /// Whether this server takes backups (with several replicas, any that does may take one).
    pub enabled: bool,
    /// The folder backups are kept in; empty: `backups` in the data folder.
    pub folder: Option<PathBuf>,
    /// The age recipients (public keys, `age1…`) backups are encrypted to. Empty on SQLite:
    /// a key pair is made in the data folder (`backup-key.txt`) at the first backup, and the
    /// staff page asks, as long as it is there, to move it off the server. Required on
    /// PostgreSQL.
    pub recipients: Vec<String>,
    /// PostgreSQL's tools, found on PATH unless a path is given.
    pub pg_dump: String,
    pub pg_restore: String,
    /// PostgreSQL: the server on which verification restores each backup into a database of
    /// its own, made and dropped per check; empty: the desk's own server.
    pub scratch_database_url: String,
    /// A copy of every verified backup in S3-compatible object storage.
    pub offsite: OffsiteConfig,
}

/// S3-compatible object storage for the backups' off-site copies; an empty `url` turns it off.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OffsiteConfig {
    /// `s3://bucket` or `s3://bucket/prefix`.
    pub url: String,
    /// An S3-compatible service's address (MinIO, Garage, Ceph, a cloud's); empty: AWS.
    pub endpoint: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Allow plain http to the endpoint (a service on the same network only).
    pub allow_http: bool,
}

impl Default for OffsiteConfig {
    fn default() -> OffsiteConfig {
        OffsiteConfig {
            url: String::new(),
            endpoint: String::new(),
            region: "us-east-1".into(),
            access_key_id: String::new(),
            secret_access_key: String::new(),
            allow_http: false,
        }
    }
}

impl fmt::Debug for OffsiteConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OffsiteConfig")
            .field("url", &self.url)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &if self.secret_access_key.is_empty() {
                    ""
                } else {
                    "***"
                },
            )
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

impl Default for BackupConfig {
    fn default() -> BackupConfig {
        BackupConfig {
            enabled: true,
            folder: None,
            recipients: Vec::new(),
            pg_dump: "pg_dump".into(),
            pg_restore: "pg_restore".into(),
            scratch_database_url: String::new(),
            offsite: OffsiteConfig::default(),
        }
    }
}

#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SsoConfig {
    pub staff: StaffSsoConfig,
}

/// The vendor's OpenID provider for staff sign-in; an empty issuer turns it off.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StaffSsoConfig {
    /// e.g. `https://login.microsoftonline.com/{tenant}/v2.0`
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Scopes beyond `openid` (add `groups` where the provider has such a scope).
    pub scopes: Vec<String>,
    /// The claim that lists the person's groups (ID token or user info).
    pub groups_claim: String,
    /// Group to role (`first_line`, `second_line`, `third_line`, `saas_team`, `admin`), in
    /// order: the first group the person has decides, so list the strongest first.
    pub roles: Vec<GroupRole>,
    /// The `amr`/`acr` values that count as a second factor done at the provider; without
    /// one, staff pass sladesk's own second step.
    pub mfa_values: Vec<String>,
    /// A first sign-in of someone with a mapped group creates the staff member.
    pub provisioning: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupRole {
    pub group: String,
    pub role: String,
}

impl Default for StaffSsoConfig {
    fn default() -> StaffSsoConfig {
        StaffSsoConfig {
            issuer: String::new(),
            client_id: String::new(),
            client_secret: String::new(),
            scopes: vec!["email".into(), "profile".into()],
            groups_claim: "groups".into(),
            roles: Vec::new(),
            mfa_values: ["mfa", "otp", "hwk", "swk", "sms", "fido"]
                .map(String::from)
                .to_vec(),
            provisioning: true,
        }
    }
}

/// Who may read `/metrics`.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConfig {
    /// A listener of its own for `/metrics` (e.g. `127.0.0.1:9464`), open to whoever reaches
    /// it; then the main listener does not serve `/metrics`.
    pub listen: Option<SocketAddr>,
    /// A bearer token with which `/metrics` may be read on the main listener from anywhere;
    /// without it, only from this machine (loopback, not forwarded by a proxy).
    pub token: String,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpConfig {
    /// Host of the SMTP relay; empty keeps mail in the outbox without sending.
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: String,
    pub from: String,
    /// `none` (plain, for a relay on this machine), `starttls` (port 587) or `tls` (port 465).
    pub tls: String,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobsConfig {
    /// How often each job looks for work, in milliseconds.
    pub interval_ms: u64,
    /// How long a replica holds a claimed piece of work before another may take it over.
    pub lease_seconds: i64,
    /// Retry back-off of the mail sender: first delay, doubling up to the maximum, in seconds.
    pub mail_retry_first_seconds: i64,
    pub mail_retry_max_seconds: i64,
    /// How long per-minute roll-ups of monitor results are kept.
    pub rollup_retention_days: i64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            data_dir: PathBuf::from("sladesk-data"),
            database_url: String::new(),
            listen: "127.0.0.1:8080".parse().expect("valid address"),
            policy_file: None,
            public_url: String::new(),
            smtp: SmtpConfig::default(),
            jobs: JobsConfig::default(),
            webhooks: Vec::new(),
            support_phone: String::new(),
            trusted_proxies: Vec::new(),
            staff_networks: Vec::new(),
            security_contact: String::new(),
            metrics: MetricsConfig::default(),
            sso: SsoConfig::default(),
            backup: BackupConfig::default(),
            files: FilesConfig::default(),
            mail_in: MailInConfig::default(),
        }
    }
}

impl Default for SmtpConfig {
    fn default() -> SmtpConfig {
        SmtpConfig {
            host: String::new(),
            port: 25,
            username: String::new(),
            password: String::new(),
            from: "sladesk <sladesk@localhost>".into(),
            tls: "none".into(),
        }
    }
}

impl Default for JobsConfig {
    fn default() -> JobsConfig {
        JobsConfig {
            interval_ms: 5_000,
            lease_seconds: 60,
            mail_retry_first_seconds: 30,
            mail_retry_max_seconds: 3_600,
            rollup_retention_days: 90,
        }
    }
}

impl Config {
    /// Defaults, then the file (if any), then `SLADESK_…` variables (`SLADESK_SMTP__HOST` for
    /// nested keys; `SLADESK_DATABASE_URL` for the database).
    pub fn load(file: Option<&Path>) -> Result<Config, String> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            if !file.exists() {
                return Err(format!("config file {} does not exist", file.display()));
            }
            figment = figment.merge(Toml::file(file));
        }
        figment
            // SLADESK_LOG is the log filter, read by main, not a configuration key.
            .merge(Env::prefixed("SLADESK_").ignore(&["log"]).split("__"))
            .extract()
            .map_err(|e| format!("configuration: {e}"))
    }

    /// The public base URL: the configured one, or the address `addr` the server listens on
    /// (a wildcard address as `localhost`), so that links in mails work out of the box.
    pub fn public_url_for(&self, addr: SocketAddr) -> String {
        if !self.public_url.trim().is_empty() {
            return self.public_url.trim().trim_end_matches('/').to_string();
        }
        if addr.ip().is_unspecified() {
            format!("http://localhost:{}", addr.port())
        } else {
            format!("http://{addr}")
        }
    }

    /// The database URL to connect to: the configured one, or SQLite in the data directory.
    /// The folder backups are kept in.
    pub fn backup_folder(&self) -> PathBuf {
        self.backup
            .folder
            .clone()
            .unwrap_or_else(|| self.data_dir.join("backups"))
    }

    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("sladesk.db").display()
            )
        } else {
            self.database_url.clone()
        }
    }
}

/// Hides the password inside a URL like `postgres://user:secret@host/db`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url))
            .field("listen", &self.listen)
            .field("policy_file", &self.policy_file)
            .field("public_url", &self.public_url)
            .field("smtp", &self.smtp)
            .field("jobs", &self.jobs)
            .field("webhooks", &self.webhooks.len())
            .field("support_phone", &self.support_phone)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("staff_networks", &self.staff_networks)
            .field("security_contact", &self.security_contact)
            .field("metrics", &self.metrics)
            .field("sso", &self.sso)
            .field("backup", &self.backup)
            .field("files", &self.files)
            .field("mail_in", &self.mail_in)
            .finish()
    }
}

impl fmt::Debug for BackupConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackupConfig")
            .field("enabled", &self.enabled)
            .field("folder", &self.folder)
            .field("recipients", &self.recipients)
            .field("pg_dump", &self.pg_dump)
            .field("pg_restore", &self.pg_restore)
            .field(
                "scratch_database_url",
                &redact_url(&self.scratch_database_url),
            )
            .field("offsite", &self.offsite)
            .finish()
    }
}

impl fmt::Debug for SsoConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsoConfig")
            .field("staff", &self.staff)
            .finish()
    }
}

impl fmt::Debug for StaffSsoConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaffSsoConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &if self.client_secret.is_empty() {
                    ""
                } else {
                    "***"
                },
            )
            .field("scopes", &self.scopes)
            .field("groups_claim", &self.groups_claim)
            .field("roles", &self.roles)
            .field("mfa_values", &self.mfa_values)
            .field("provisioning", &self.provisioning)
            .finish()
    }
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field(
                "password",
                &if self.password.is_empty() { "" } else { "***" },
            )
            .field("from", &self.from)
            .field("tls", &self.tls)
            .finish()
    }
}

impl fmt::Debug for MetricsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsConfig")
            .field("listen", &self.listen)
            .field("token", &if self.token.is_empty() { "" } else { "***" })
            .finish()
    }
}

impl fmt::Debug for JobsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobsConfig")
            .field("interval_ms", &self.interval_ms)
            .field("lease_seconds", &self.lease_seconds)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_url_follows_the_listen_address_unless_set() {
        let mut config = Config::default();
        let addr: SocketAddr = "127.0.0.1:9000".parse().unwrap();
        assert_eq!(config.public_url_for(addr), "http://127.0.0.1:9000");
        assert_eq!(
            config.public_url_for("0.0.0.0:8080".parse().unwrap()),
            "http://localhost:8080"
        );
        config.public_url = "https://desk.example/".into();
        assert_eq!(config.public_url_for(addr), "https://desk.example");
    }

    #[test]
    fn secrets_are_redacted() {
        assert_eq!(
            redact_url("postgres://sla:hunter2@db:5432/sla"),
            "postgres://sla:***@db:5432/sla"
        );
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
        let mut config = Config::default();
        config.smtp.password = "hunter2".into();
        config.database_url = "postgres://a:hunter2@h/d".into();
        config.metrics.token = "hunter2".into();
        config.sso.staff.client_secret = "hunter2".into();
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("client_secret: \"***\""), "{shown}");
    }
}

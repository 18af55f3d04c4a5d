//! `sladesk mail receive` (docs/MAIL.md): one RFC 5322 message on stdin, as an MTA's pipe
//! transport delivers it (Postfix `pipe`, Exim `pipe_transport`). Exit 0: taken (a comment,
//! quarantined, ignored or answered, as the log line says); 2: refused (malformed, too large;
//! the MTA bounces it with the line on stderr); 75 (EX_TEMPFAIL): the desk could not act now,
//! the MTA delivers it again later.

use std::io::Read;

use clap::{Args, Subcommand};
use sladesk::catalogue::Message;
use sladesk::desk::{MailInError, Received};
use sladesk::serve::open_desk;

use super::CliError;
use super::service::{ServiceArgs, runtime, serve_error};

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Act on one message read from stdin: a reply to a ticket becomes a comment.
    Receive(ReceiveArgs),
}

#[derive(Debug, Args)]
pub struct ReceiveArgs {
    #[command(flatten)]
    service: ServiceArgs,
}

pub fn run(command: MailCommand) -> Result<(), CliError> {
    let MailCommand::Receive(args) = command;
    let language = super::language_of_the_shell();
    let config = args.service.config()?;
    let max = config.mail_in.max_message_bytes;
    let mut raw = Vec::new();
    std::io::stdin()
        .take(max as u64 + 1)
        .read_to_end(&mut raw)
        .map_err(|e| CliError::bad("cli_mail_unreadable", e))?;
    let received = runtime()?.block_on(async {
        let desk = open_desk(&config).await.map_err(serve_error)?;
        desk.receive_mail(&raw, max).await.map_err(|e| match e {
            MailInError::Refused(refused) => CliError::bad("cli_mail_refused", refused),
            MailInError::Desk(failed) => {
                CliError::TryLater(Message::new("cli_mail_try_later").given("detail", failed))
            }
        })
    })?;
    let said = match received {
        Received::Commented { ticket_id } => Message::new("cli_mail_commented")
            .given("number", sladesk::desk::ticket_number(ticket_id)),
        Received::Quarantined { reason } => {
            Message::new("cli_mail_quarantined").given("reason", reason)
        }
        Received::Ignored { reason } => Message::new("cli_mail_ignored").given("reason", reason),
        Received::Answered => Message::new("cli_mail_answered"),
        Received::Duplicate => Message::new("cli_mail_duplicate"),
    };
    eprintln!("sladesk: {}", said.text(language));
    Ok(())
}

use super::*;

const MAX: usize = 1 << 20;

fn mail(headers: &str, body: &str) -> Vec<u8> {
    format!("{headers}\r\n\r\n{body}")
        .replace("\r\n", "\n")
        .replace('\n', "\r\n")
        .into_bytes()
}

#[test]
fn a_gmail_reply_is_its_new_text_with_what_it_answers() {
    let raw = mail(
        "From: Jan Jansen <Jan@Acme.example>\nTo: desk@vendor.example\nSubject: Re: [SD-000042] New reply: Sync stops\nMessage-ID: <CAB123@mail.gmail.com>\nIn-Reply-To: <42.abc@vendor.example>\nReferences: <42.first@vendor.example> <42.abc@vendor.example>",
        "Thanks, it works again.\n\nOn Tue, 1 Dec 2026 at 10:00, Service desk <desk@vendor.example> wrote:\n> The service desk replied to your ticket SD-000042:\n> Please restart the connector.\n",
    );
    let inbound = parse(&raw, MAX).unwrap();
    assert_eq!(inbound.from, "jan@acme.example");
    assert_eq!(inbound.message_id, "CAB123@mail.gmail.com");
    assert_eq!(inbound.text, "Thanks, it works again.");
    assert_eq!(
        inbound.answers,
        ["42.abc@vendor.example", "42.first@vendor.example"]
    );
    assert_eq!(ticket_number_in(&inbound.subject), Some(42));
    assert_eq!(message_key(&inbound.answers[0]), "42.abc");
    assert_eq!(inbound.automatic, None);
}

#[test]
fn an_outlook_reply_in_dutch_loses_its_header_block() {
    let text = "Het probleem is opgelost.\n\nMet vriendelijke groet,\nPiet\n\nVan: Service desk <desk@vendor.example>\nVerzonden: dinsdag 1 december 2026 10:00\nAan: Piet\nOnderwerp: [SD-000042] Nieuwe reactie\n\nDe servicedesk heeft gereageerd";
    assert_eq!(
        cut_quoted_history(text),
        "Het probleem is opgelost.\n\nMet vriendelijke groet,\nPiet"
    );
    let original = "See the log.\n-----Original Message-----\nFrom: desk";
    assert_eq!(cut_quoted_history(original), "See the log.");
    let dutch_gmail = "Dank je!\n\nOp di 1 dec 2026 om 10:00 schreef Service desk <\ndesk@vendor.example>:\n> tekst";
    assert_eq!(cut_quoted_history(dutch_gmail), "Dank je!");
    // Written between the quotes: nothing above them, so the whole text is kept.
    assert_eq!(
        cut_quoted_history("> question?\nanswer"),
        "> question?\nanswer"
    );
}

#[test]
fn html_only_mail_charsets_and_encoded_words_are_read() {
    let raw = mail(
        "From: =?ISO-8859-1?Q?Ren=E9e?= <renee@acme.example>\nSubject: =?ISO-8859-1?Q?Storing_bij_synchronisatie_=E9=E9n?=\nMessage-ID: <x1@acme.example>\nMIME-Version: 1.0\nContent-Type: text/html; charset=ISO-8859-1\nContent-Transfer-Encoding: quoted-printable",
        "<html><body><p>De koppeling geeft een fout: caf=E9</p></body></html>",
    );
    let inbound = parse(&raw, MAX).unwrap();
    assert_eq!(inbound.subject, "Storing bij synchronisatie één");
    assert!(
        inbound.text.contains("De koppeling geeft een fout: café"),
        "{}",
        inbound.text
    );
    assert!(!inbound.text.contains("<p>"));
}

#[test]
fn attachments_come_with_their_names_and_bytes() {
    let raw = mail(
        "From: jan@acme.example\nSubject: log\nMessage-ID: <a1@acme.example>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"",
        "--b\nContent-Type: text/plain\n\nHere is the log.\n--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"sync.log\"\nContent-Transfer-Encoding: base64\n\nRVJST1IgdGltZW91dAo=\n--b--\n",
    );
    let inbound = parse(&raw, MAX).unwrap();
    assert_eq!(inbound.text, "Here is the log.");
    assert_eq!(
        inbound.files,
        vec![("sync.log".to_string(), b"ERROR timeout\n".to_vec())]
    );
}

#[test]
fn robots_are_known_by_their_headers_and_bounces() {
    let auto = mail(
        "From: jan@acme.example\nSubject: Automatic reply: [SD-000042]\nAuto-Submitted: auto-replied\nMessage-ID: <o1@acme.example>",
        "I am out of the office.",
    );
    assert!(parse(&auto, MAX).unwrap().automatic.is_some());
    let bulk = mail(
        "From: list@acme.example\nSubject: news\nPrecedence: bulk\nMessage-ID: <b1@acme.example>",
        "news",
    );
    assert!(parse(&bulk, MAX).unwrap().automatic.is_some());
    let dsn = mail(
        "From: MAILER-DAEMON@mx.acme.example\nSubject: Undelivered Mail Returned to Sender\nMessage-ID: <d1@mx>\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"r\"",
        "--r\nContent-Type: text/plain\n\nThe mail could not be delivered.\n--r--\n",
    );
    assert!(parse(&dsn, MAX).unwrap().automatic.is_some());
    let ooo = mail(
        "From: piet@acme.example\nSubject: Afwezigheidsbericht: [SD-000042]\nMessage-ID: <o2@acme.example>",
        "Ik ben afwezig tot maandag.",
    );
    assert!(parse(&ooo, MAX).unwrap().automatic.is_some());
    let person = mail(
        "From: piet@acme.example\nSubject: Re: [SD-000042]\nAuto-Submitted: no\nMessage-ID: <p1@acme.example>",
        "Written by hand.",
    );
    assert_eq!(parse(&person, MAX).unwrap().automatic, None);
}

#[test]
fn nonsense_oversize_and_senderless_mail_is_refused() {
    assert_eq!(parse(b"", MAX), Err(MailError::Malformed));
    assert_eq!(
        parse(&mail("From: a@b.example\nSubject: x", "y"), 5),
        Err(MailError::TooLarge { max: 5 })
    );
    assert_eq!(
        parse(&mail("Subject: nobody", "text"), MAX),
        Err(MailError::NoSender)
    );
    // Without a Message-ID, the bytes name it: the same message twice is one message.
    let raw = mail("From: a@b.example\nSubject: x", "y");
    let id = parse(&raw, MAX).unwrap().message_id;
    assert!(id.starts_with("sha256:"));
    assert_eq!(parse(&raw, MAX).unwrap().message_id, id);
    // Control characters in encoded words never reach the desk.
    let nul = mail(
        "From: a@b.example\nSubject: =?utf-8?q?bad=00subject?=\nMessage-ID: <n@b>",
        "text",
    );
    assert_eq!(parse(&nul, MAX).unwrap().subject, "badsubject");
}

#[test]
fn ticket_numbers_are_found_in_subjects() {
    assert_eq!(
        ticket_number_in("Re: [SD-000123] Status: Solved"),
        Some(123)
    );
    assert_eq!(ticket_number_in("re: sd-7 still broken"), Some(7));
    assert_eq!(ticket_number_in("SD- and SD-0"), None);
    assert_eq!(ticket_number_in("Question"), None);
}

//! The OpenAPI document as an integrator meets it: a Python client generated from the served
//! document by a real generator (openapi-python-client, from PyPI; `scripts/test` installs it)
//! has a function for every operation, and with it a script files tickets, lists them with
//! filters and pages, and reads one, against a real server on SQLite and PostgreSQL.

mod common;

use std::process::Command;

use common::{Backend, Database, Server, test_config};
use serde_json::Value;

on_both_databases!(a_generated_client_lists_and_reads_tickets);

/// What the integrator's script does with the generated package `sladesk_client`.
const SCRIPT: &str = r#"
import json, sys
from sladesk_client import AuthenticatedClient
from sladesk_client.api.organizations import create_organization
from sladesk_client.api.tickets import comment, create_ticket, get_ticket, list_tickets, transition
from sladesk_client.models import (
    Environment, NewComment, NewOrganization, NewTicket, NewTransition, Status, TicketType, Tier,
    Visibility,
)

base, token = sys.argv[1], sys.argv[2]
client = AuthenticatedClient(base_url=base, token=token, raise_on_unexpected_status=True)
org = create_organization.sync(
    client=client, body=NewOrganization(name="Acme", tier=Tier.SUPPORT, products=["Qixium"]))
created = []
for n in range(5):
    ticket = create_ticket.sync(client=client, body=NewTicket(
        organization_id=org.id, type_=TicketType.INCIDENT, environment=Environment.PRODUCTION,
        product="Qixium", subject=f"Nightly sync fails {n}", description="Since Monday"))
    created.append(ticket.id)
other = create_ticket.sync(client=client, body=NewTicket(
    organization_id=org.id, type_=TicketType.QUESTION, environment=Environment.TEST,
    product="Qixium", subject="Where is the invoice", description="Question"))
comment.sync(client=client, id=other.id, body=NewComment(body="Looking", visibility=Visibility.PUBLIC))
transition.sync(client=client, id=other.id, body=NewTransition(status=Status.IN_PROGRESS))

# Paging: two pages of two, newest first, then the rest.
seen, cursor = [], None
while True:
    page = list_tickets.sync(client=client, limit=2, **({"cursor": cursor} if cursor else {}))
    seen += [t.id for t in page.items]
    cursor = page.next_cursor
    if not cursor:
        break
# Filters: a word, a status, an organisation.
by_word = list_tickets.sync(client=client, q="sync", organization=org.id)
by_status = list_tickets.sync(client=client, status=Status.IN_PROGRESS)
one = get_ticket.sync(client=client, id=created[0], explain=True)
print(json.dumps({
    "created": created + [other.id],
    "seen": seen,
    "by_word": sorted(t.id for t in by_word.items),
    "by_status": [t.id for t in by_status.items],
    "one": {"id": one.id, "subject": one.subject, "number": one.number,
            "reaction_target": one.sla.reaction.target_seconds},
}))
"#;

fn python_has(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .status()
        .is_ok_and(|s| s.success())
}

async fn a_generated_client_lists_and_reads_tickets(backend: Backend) {
    assert!(
        python_has("openapi_python_client"),
        "openapi-python-client is needed (pip install openapi-python-client; scripts/test installs it)"
    );
    let db = Database::fresh(backend).await;
    let s = Server::start(test_config(&db.url)).await;
    let document: Value = s
        .client
        .get(format!("{}/api/openapi.json", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let work = std::env::temp_dir().join(format!(
        "sladesk-openapi-{}-{:?}",
        std::process::id(),
        backend
    ));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(work.join("openapi.json"), document.to_string()).unwrap();

    // Through python3 -m, so that a fresh pip install needs no PATH of its own.
    let generated = Command::new("python3")
        .args(["-m", "openapi_python_client"])
        .args(["generate", "--path", "openapi.json", "--meta", "none"])
        .args(["--output-path", "sladesk_client"])
        .current_dir(&work)
        .output()
        .expect("openapi-python-client runs");
    let said = String::from_utf8_lossy(&generated.stdout).to_string()
        + &String::from_utf8_lossy(&generated.stderr);
    assert!(generated.status.success(), "{said}");
    assert!(
        !said.contains("Warning") && !said.contains("Unable to"),
        "the generator understood every operation: {said}"
    );

    // A function for every operation of the document.
    let mut operations: Vec<String> = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .map(|op| op["operationId"].as_str().unwrap().to_string())
        .collect();
    operations.sort();
    let mut functions: Vec<String> = std::fs::read_dir(work.join("sladesk_client/api"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .flat_map(|dir| std::fs::read_dir(dir.path()).unwrap().flatten())
        .filter_map(|f| {
            let name = f.file_name().to_string_lossy().to_string();
            (name != "__init__.py").then(|| name.trim_end_matches(".py").to_string())
        })
        .collect();
    functions.sort();
    assert_eq!(functions, operations);

    // The integrator's script, with the generated package.
    std::fs::write(work.join("integrate.py"), SCRIPT).unwrap();
    let ran = Command::new("python3")
        .arg("integrate.py")
        .arg(&s.base)
        .arg(&s.admin)
        .current_dir(&work)
        .output()
        .unwrap();
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let out: Value = serde_json::from_slice(&ran.stdout).unwrap();
    let mut created: Vec<i64> = out["created"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    let seen: Vec<i64> = out["seen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    created.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(
        seen, created,
        "every ticket once, newest first, over the pages"
    );
    let mut with_word = created[1..].to_vec();
    with_word.sort_unstable();
    assert_eq!(
        out["by_word"],
        serde_json::json!(with_word),
        "the five sync tickets"
    );
    assert_eq!(
        out["by_status"],
        serde_json::json!([created[0]]),
        "the one moved on is in progress"
    );
    assert_eq!(out["one"]["subject"], "Nightly sync fails 0");
    assert!(out["one"]["number"].as_str().unwrap().starts_with("SD-"));
    assert!(out["one"]["reaction_target"].as_i64().unwrap() > 0);
    let _ = std::fs::remove_dir_all(&work);
    s.stop().await;
}

//! The OpenAPI document at `/api/openapi.json`: generated from the handlers and types by
//! utoipa, then refined here with what the types alone cannot say, so that the document is
//! what the API does: where each parameter is read, the patterns, lengths and ranges the desk
//! checks, the problem documents every operation can answer, and links from the operations
//! that create something to the operations on it (for generated clients and stateful testing).

use std::sync::LazyLock;

use serde_json::{Value, json};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use super::{
    api, attachments, availability, billing, continuity, credits, fairuse, mail, policies,
    releases, reports, status,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "sladesk API", description = "The service desk's JSON API. Errors are RFC 9457 problem documents."),
    paths(
        api::create_organization, api::list_organizations, api::get_organization, api::update_organization,
        api::create_user, api::list_users, api::get_user, api::list_tokens, api::revoke_token, api::set_user_active,
        api::create_ticket, api::list_tickets, api::get_ticket, api::update_ticket,
        api::comment, attachments::comment_with_files, attachments::create_ticket_with_files, attachments::list, attachments::download, mail::quarantine, mail::message, mail::release, mail::dismiss, api::transition, api::dispute, api::escalate, api::exclude, api::phone_call, api::events, api::audit,
        api::registrations, api::approve_registration, api::reject_registration, api::organization_mfa,
        api::organization_sso, api::set_organization_sso, api::remove_organization_sso,
        availability::create_component, availability::list_components, availability::add_monitor,
        availability::schedule_maintenance, availability::record_exclusion, availability::report,
        status::post_update, status::list_outages, status::json, availability::heartbeat, availability::readings,
        policies::list, policies::get, policies::diff, policies::publish, policies::terminate,
        policies::terminations, credits::credits, reports::report, reports::breaches,
        releases::list, releases::create, releases::get, releases::plan, releases::postpone,
        releases::start, releases::pause, releases::resume, releases::finish_batch,
        releases::rings, releases::set_ring, releases::set_update_moments, releases::windows,
        releases::make_calendar,
        billing::ticket_billing, billing::propose, billing::revise, billing::approve, billing::decline,
        billing::withdraw, billing::book, billing::withdraw_time, billing::month, billing::close,
        fairuse::record, fairuse::import, fairuse::chart, fairuse::overview, fairuse::rerun,
        fairuse::cases, fairuse::open, fairuse::case, fairuse::decide,
        continuity::backups, continuity::drills,
        super::healthz,
    ),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

/// What every operation shares, written once: bearer authentication, and errors as problem
/// documents (400 for a malformed request, 401 without a valid token, 413 for a body over
/// 1 MiB), so the document says what the server really answers.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        let problem = |description: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/problem+json",
                        Content::new(Some(Ref::from_schema_name("Problem"))),
                    )
                    .build(),
            )
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let has_id = path.contains('{');
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.patch,
                &mut item.put,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                let responses = &mut operation.responses.responses;
                for (status, response) in responses.iter_mut() {
                    if let (true, RefOr::T(response)) =
                        (status.starts_with('4') || status.starts_with('5'), response)
                        && let Some(content) = response.content.shift_remove("application/json")
                    {
                        response
                            .content
                            .insert("application/problem+json".into(), content);
                    }
                }
                responses
                    .entry("400".into())
                    .or_insert_with(|| problem("malformed request: body, query or path"));
                let has_query =
                    operation.parameters.iter().flatten().any(|p| {
                        matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query)
                    });
                if has_query || operation.request_body.is_some() {
                    responses.entry("422".into()).or_insert_with(|| {
                        problem("a value is out of range, of the wrong shape, or holds a control character")
                    });
                }
                if operation.request_body.is_some() {
                    responses
                        .entry("413".into())
                        .or_insert_with(|| problem("body over 1 MiB"));
                    responses
                        .entry("415".into())
                        .or_insert_with(|| problem("the body is not sent as application/json"));
                    responses
                        .entry("422".into())
                        .or_insert_with(|| problem("the body does not have the right shape"));
                }
                if has_id {
                    responses
                        .entry("404".into())
                        .or_insert_with(|| problem("no such resource, or not yours"));
                }
                if operation.security.is_some() {
                    responses
                        .entry("401".into())
                        .or_insert_with(|| problem("no valid API token"));
                }
            }
        }
    }
}

/// A fair-use measure's name as the policy writes it (which names exist is the policy's).
const MEASURE: &str = r"^[a-z0-9_]{1,40}$";
/// Text that may span lines: no control characters but newline, carriage return and tab
/// (`web::input` refuses the others).
const TEXT: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";
/// The same, with at least one character that is not white space (the desk trims).
const TEXT_REQUIRED: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";
/// One line with at least one character that is not white space.
const LINE_REQUIRED: &str = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$";
/// A cursor is the id where the previous page ended.
const CURSOR: &str = r"^[1-9][0-9]{0,17}$";

fn text(max: usize) -> Value {
    json!({"pattern": TEXT, "maxLength": max})
}
fn text_required(max: usize) -> Value {
    json!({"pattern": TEXT_REQUIRED, "minLength": 1, "maxLength": max})
}
fn line_required(max: usize) -> Value {
    json!({"pattern": LINE_REQUIRED, "minLength": 1, "maxLength": max})
}

/// What each request field accepts, as the desk checks it: (schema, property, refinement).
fn field_rules() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        ("NewOrganization", "name", line_required(200)),
        ("NewOrganization", "policy", text(100_000)),
        ("OrganizationPatch", "name", line_required(200)),
        ("OrganizationPatch", "policy", text(100_000)),
        (
            "NewUser",
            "email",
            json!({"format": "email", "maxLength": 254}),
        ),
        // Longer names are cut at 200 characters.
        ("NewUser", "name", json!({"pattern": TEXT})),
        ("NewTicket", "product", line_required(200)),
        ("NewTicket", "subject", line_required(300)),
        ("NewTicket", "description", text_required(100_000)),
        ("NewTicket", "organization_id", json!({"minimum": 1})),
        ("NewTicket", "requester_id", json!({"minimum": 1})),
        ("NewTicketWithFiles", "product", line_required(200)),
        ("NewTicketWithFiles", "subject", line_required(300)),
        ("NewTicketWithFiles", "description", text_required(100_000)),
        (
            "NewTicketWithFiles",
            "organization_id",
            json!({"minimum": 1}),
        ),
        ("NewTicketWithFiles", "requester_id", json!({"minimum": 1})),
        ("TicketPatch", "line", json!({"minimum": 1, "maximum": 3})),
        ("TicketPatch", "assignee_id", json!({"minimum": 1})),
        ("TicketPatch", "priority_reason", text(5_000)),
        ("NewComment", "body", text_required(100_000)),
        ("NewTransition", "reason", text(5_000)),
        ("Reason", "reason", text_required(5_000)),
        ("OptionalReason", "reason", text(5_000)),
        ("PhoneCall", "summary", text_required(100_000)),
        ("NewUpdate", "message", text_required(5_000)),
        ("NewComponent", "name", line_required(200)),
        ("NewComponent", "organization_id", json!({"minimum": 1})),
        ("NewUser", "organization_id", json!({"minimum": 1})),
        ("NewExclusion", "reason", text_required(5_000)),
        ("NewWindow", "work", text_required(5_000)),
        ("NewWindow", "impact", text_required(5_000)),
        ("Approval", "organization_id", json!({"minimum": 1})),
        ("NewTicketExclusion", "reason", text_required(5_000)),
        ("NewTermination", "note", text(5_000)),
        ("NewPolicyVersion", "policy", text(100_000)),
        ("NewPolicyVersion", "summary_en", text_required(5_000)),
        ("NewPolicyVersion", "summary_nl", text_required(5_000)),
        (
            "NewRelease",
            "version",
            json!({"pattern": r"^[A-Za-z0-9._-]{1,100}$"}),
        ),
        ("NewRelease", "planned_start", json!({"format": "date"})),
        ("UsageValue", "measure", json!({"pattern": MEASURE})),
        ("NewCase", "measure", json!({"pattern": MEASURE})),
        ("NewCase", "reason", text_required(5_000)),
        ("CaseDecision", "reason", text_required(5_000)),
        ("NewRelease", "notes", json!({"maxItems": 200})),
        ("ReleaseNote", "en", text_required(2_000)),
        ("ReleaseNote", "nl", text_required(2_000)),
        ("Postponement", "planned_start", json!({"format": "date"})),
        ("NewProposal", "description", text_required(10_000)),
        ("NewProposal", "urgent_reason", text(5_000)),
        ("ProposalChange", "description", text_required(10_000)),
        ("NewBooking", "note", text(5_000)),
        ("NewBooking", "proposal_id", json!({"minimum": 1})),
        ("Postponement", "reason", text_required(5_000)),
        (
            "UpdateMoments",
            "moments",
            json!({"maxItems": 50, "items": {"type": "string",
            "pattern": r"^\s*(monday|tuesday|wednesday|thursday|friday|saturday|sunday) +([01][0-9]|2[0-3]):[0-5][0-9]\s*$"}}),
        ),
    ]
}

/// Examples of requests that the desk accepts (given organisation, ticket and component 1,
/// the ticket filed by 2026-06-01 10:30 UTC and looked at after 11:00).
fn request_examples() -> Vec<(&'static str, Value)> {
    vec![
        (
            "NewTicket",
            json!({"organization_id": 1, "type": "incident", "environment": "production",
                   "product": "Qixium", "subject": "Orders are not synchronised",
                   "description": "Since 09:10 no orders reach the warehouse."}),
        ),
        (
            "NewComment",
            json!({"body": "We are looking into it.", "visibility": "public"}),
        ),
        (
            "NewTicketWithFiles",
            json!({"organization_id": 1, "type": "incident", "environment": "production",
                   "product": "Qixium", "subject": "Orders are not synchronised",
                   "description": "Since 09:10 no orders reach the warehouse; the log is attached."}),
        ),
        (
            "PhoneCall",
            json!({"summary": "Called the customer; the sync runs again."}),
        ),
        (
            "NewWindow",
            json!({"component_id": 1, "starts_at": "2030-01-07T19:00:00Z",
                   "ends_at": "2030-01-07T20:00:00Z", "emergency": false,
                   "work": "Database upgrade", "impact": "Unavailable up to 30 minutes"}),
        ),
        (
            "NewPolicyVersion",
            json!({"policy": "version = \"basis-2030\"\n[priorities.high]\nresolution = \"6h\"\n",
                   "summary_en": "High tickets are resolved within 6 office hours.",
                   "summary_nl": "Tickets met prioriteit Hoog worden binnen 6 kantooruren opgelost.",
                   "effective_at": "2030-01-07T00:00:00Z", "material": true}),
        ),
        (
            "NewTicketExclusion",
            json!({"starts_at": "2026-06-01T10:30:00Z", "ends_at": "2026-06-01T11:00:00Z",
                   "category": "third_party",
                   "reason": "The hosting provider's network was down."}),
        ),
        (
            "NewExclusion",
            json!({"component_id": 1, "starts_at": "2026-03-02T10:00:00Z",
                   "ends_at": "2026-03-02T10:20:00Z", "category": "customer_caused",
                   "reason": "The customer's firewall blocked the platform."}),
        ),
    ]
}

/// Lays `patch`'s keys over `target` (an object); `null` in a nullable field stays allowed.
fn overlay(target: &mut Value, patch: &Value) {
    if let (Some(target), Some(patch)) = (target.as_object_mut(), patch.as_object()) {
        for (key, value) in patch {
            target.insert(key.clone(), value.clone());
        }
    }
}

/// The document, built once.
pub fn document() -> Value {
    static DOCUMENT: LazyLock<Value> = LazyLock::new(|| {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        refine(&mut doc);
        doc
    });
    DOCUMENT.clone()
}

/// The document as this server serves it: with the fair-use measures its policy names as the
/// only values a measure may take (a vendor's own measures included), where the static
/// document can only give the form of a name.
pub fn document_for(measures: &[String]) -> Value {
    let mut doc = document();
    let names = json!({"enum": measures});
    for schema in ["UsageValue", "NewCase"] {
        if let Some(property) =
            doc.pointer_mut(&format!("/components/schemas/{schema}/properties/measure"))
        {
            overlay(property, &names);
        }
    }
    if let Some(parameters) = doc
        .pointer_mut("/paths/~1api~1v1~1usage~1{id}/get/parameters")
        .and_then(Value::as_array_mut)
    {
        for parameter in parameters.iter_mut().filter(|p| p["name"] == "measure") {
            if let Some(schema) = parameter.get_mut("schema") {
                overlay(schema, &names);
            }
        }
    }
    doc
}

fn refine(doc: &mut Value) {
    for (schema, property, rule) in field_rules() {
        if let Some(field) = doc.pointer_mut(&format!(
            "/components/schemas/{schema}/properties/{property}"
        )) {
            overlay(field, &rule);
        }
    }
    // Product names in a contract are one line each.
    for schema in ["NewOrganization", "OrganizationPatch"] {
        if let Some(items) = doc.pointer_mut(&format!(
            "/components/schemas/{schema}/properties/products/items"
        )) {
            overlay(items, &line_required(200));
        }
    }
    // A whole example of each request whose rules span fields (an end after its start, a
    // notice period, an organisation that must exist): what an integrator copies first, and
    // where a generated client's tests start.
    for (schema, example) in request_examples() {
        if let Some(target) = doc.pointer_mut(&format!("/components/schemas/{schema}")) {
            overlay(target, &json!({ "example": example }));
        }
    }
    // A monitor's target depends on its kind: one schema per kind.
    if let Some(monitor) = doc.pointer_mut("/components/schemas/NewMonitor") {
        *monitor = new_monitor();
    }
    // Resource readings: at least one of them as a number (`null` counts as not given).
    if let Some(readings) = doc.pointer_mut("/components/schemas/Readings") {
        let fields = [
            "cpu_percent",
            "disk_percent",
            "memory_percent",
            "network_percent",
        ];
        for field in fields {
            if let Some(property) = readings.pointer_mut(&format!("/properties/{field}")) {
                overlay(property, &json!({"minimum": 0, "maximum": 100}));
            }
        }
        let one_given: Vec<Value> = fields
            .iter()
            .map(|f| json!({"required": [f], "properties": {*f: {"type": "number"}}}))
            .collect();
        overlay(
            readings,
            &json!({"anyOf": one_given, "additionalProperties": false}),
        );
    }
    // A page's items are the listed type itself, not a copy of it.
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        let names: Vec<String> = schemas.keys().cloned().collect();
        for name in names {
            let Some(item) = name.strip_prefix("Page_") else {
                continue;
            };
            if !schemas.contains_key(item) {
                continue;
            }
            let reference = json!({"$ref": format!("#/components/schemas/{item}")});
            if let Some(items) = schemas
                .get_mut(&name)
                .and_then(|page| page.pointer_mut("/properties/items/items"))
            {
                *items = reference;
            }
        }
    }
    // A customer belongs to an organisation; staff to none.
    if let Some(user) = doc.pointer_mut("/components/schemas/NewUser") {
        overlay(
            user,
            &json!({
                "if": {"properties": {"role": {"const": "customer"}}},
                "then": {"required": ["organization_id"], "properties": {"organization_id": {"type": "integer"}}},
                "else": {"properties": {"organization_id": {"type": "null"}}},
            }),
        );
    }
    refine_parameters(doc);
    add_links(doc);
}

fn new_monitor() -> Value {
    let common = json!({
        "timeout_ms": {"type": "integer", "format": "int64", "minimum": 100, "maximum": 60000, "default": 5000},
        "interval_seconds": {"type": "integer", "format": "int64", "minimum": 1, "maximum": 86400, "default": 60},
        "expected_status": {"type": "integer", "format": "int64", "minimum": 100, "maximum": 599, "default": 200},
        "body_contains": {"type": ["string", "null"], "pattern": TEXT},
    });
    let variant = |kind: &str, description: &str, extra: Value| {
        let mut properties = common.clone();
        overlay(
            &mut properties,
            &json!({"kind": {"type": "string", "enum": [kind]}}),
        );
        overlay(&mut properties, &extra);
        // Only a heartbeat has no target of its own (sladesk makes its token).
        let required = if kind == "heartbeat" {
            json!(["kind"])
        } else {
            json!(["kind", "target"])
        };
        json!({"type": "object", "title": format!("{kind} monitor"), "description": description,
               "required": required, "properties": properties, "additionalProperties": false})
    };
    json!({
        "description": "How a component is watched. `http`: a URL fetched every `interval_seconds`; `tcp`: `host:port` connected to; `heartbeat`: an outside agent calls `POST /api/v1/heartbeats/{token}` at least every `interval_seconds` (sladesk makes the token).",
        "oneOf": [
            variant("http", "Fetches a URL.", json!({
                "target": {"type": "string", "pattern": r"^https?://[^\s\u0000-\u001F\u007F-\u009F]+$", "minLength": 9, "maxLength": 2000},
                "method": {"type": "string", "enum": ["GET", "HEAD", "POST"], "default": "GET"},
            })),
            variant("tcp", "Connects to host:port; a method given is ignored.", json!({
                "target": {"type": "string", "pattern": r"^[^\s:\u0000-\u001F\u007F-\u009F]+:([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$", "maxLength": 300},
                "method": {"type": "string", "pattern": TEXT},
            })),
            variant("heartbeat", "Waits for an agent's calls; a target or method given is ignored.", json!({
                "target": {"type": "string", "pattern": TEXT},
                "method": {"type": "string", "pattern": TEXT},
            })),
        ],
    })
}

/// Query parameters the handlers check beyond their type.
fn refine_parameters(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for operation in item.values_mut() {
            let Some(parameters) = operation
                .get_mut("parameters")
                .and_then(Value::as_array_mut)
            else {
                continue;
            };
            for parameter in parameters {
                let name = parameter["name"].as_str().unwrap_or_default().to_string();
                let rule = match name.as_str() {
                    "cursor" => json!({"pattern": CURSOR}),
                    "q" => json!({"pattern": TEXT, "maxLength": 500}),
                    "month" => json!({"pattern": r"^[0-9]{4}-(0[1-9]|1[0-2])$"}),
                    "measure" => json!({"pattern": MEASURE}),
                    "status" if parameter["schema"]["type"] == "string" => {
                        json!({"enum": ["pending", "approved", "rejected"]})
                    }
                    "id" => json!({"minimum": 1}),
                    _ => continue,
                };
                if let Some(schema) = parameter.get_mut("schema") {
                    overlay(schema, &rule);
                }
            }
        }
    }
}

/// Links from what creates an object to what works on it: `$response.body#/id` of the 201.
fn add_links(doc: &mut Value) {
    /// The creating operation (path, method) and the operations on what it made, each with
    /// what it does.
    type Links = [(
        &'static str,
        &'static str,
        &'static [(&'static str, &'static str)],
    )];
    let links: &Links = &[
        (
            "/api/v1/tickets",
            "post",
            &[
                ("get_ticket", "read the ticket"),
                ("update_ticket", "triage the ticket"),
                ("comment", "reply or write a note"),
                ("transition", "move its status"),
                ("dispute", "contest its priority"),
                ("escalate", "hand it to the next line"),
                ("phone_call", "record a phone call"),
                ("exclude", "leave a stretch out of its clocks"),
                ("events", "read its history"),
                ("ticket_billing", "read its proposals and time"),
                ("create_proposal", "propose work outside support"),
                ("book_time", "book time on it"),
                ("comment_with_files", "reply or write a note with files"),
                ("list_ticket_files", "list its files"),
            ],
        ),
        (
            "/api/v1/tickets/{id}/proposals",
            "post",
            &[
                (
                    "revise_proposal",
                    "change the proposal before the customer decides",
                ),
                ("approve_proposal", "approve it (the customer)"),
                ("decline_proposal", "decline it (the customer)"),
                ("withdraw_proposal", "take it back"),
            ],
        ),
        (
            "/api/v1/tickets/{id}/time",
            "post",
            &[("withdraw_time", "withdraw the booking")],
        ),
        (
            "/api/v1/organizations",
            "post",
            &[
                ("get_organization", "read the organisation"),
                ("update_organization", "edit its contract"),
                ("organization_mfa", "require the second step"),
                ("organization_sso", "read its single sign-on provider"),
                ("set_organization_sso", "set its single sign-on provider"),
                ("set_update_moments", "record its agreed update moments"),
                (
                    "make_update_calendar",
                    "make its calendar address of update windows",
                ),
            ],
        ),
        (
            "/api/v1/users",
            "post",
            &[
                ("get_user", "read the person"),
                ("set_user_active", "deactivate or reactivate"),
            ],
        ),
        (
            "/api/v1/components",
            "post",
            &[
                ("add_monitor", "watch it"),
                ("readings", "push resource readings"),
                ("set_ring", "assign its release ring"),
            ],
        ),
        (
            "/api/v1/releases",
            "post",
            &[
                ("get_release", "read the release and its rollout"),
                ("release_plan", "see the rollout week"),
                ("postpone_release", "move its start"),
                ("start_rollout", "start the rollout"),
                ("pause_rollout", "pause the rollout"),
                ("resume_rollout", "resume the rollout"),
            ],
        ),
    ];
    for (path, method, targets) in links {
        let pointer = format!("/paths/{}/{method}/responses/201", path.replace('/', "~1"));
        let Some(created) = doc.pointer_mut(&pointer).and_then(Value::as_object_mut) else {
            continue;
        };
        let map: serde_json::Map<String, Value> = targets
            .iter()
            .map(|(operation, description)| {
                (
                    operation.to_string(),
                    json!({"operationId": operation, "description": description,
                           "parameters": {"id": "$response.body#/id"}}),
                )
            })
            .collect();
        created.insert("links".into(), Value::Object(map));
    }
}

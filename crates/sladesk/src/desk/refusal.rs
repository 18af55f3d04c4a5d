//! Why the desk says no: every refusal is a reason with its arguments, not a sentence. Each
//! reason knows its catalogue key (so both doors tell it in the reader's language) and its
//! kind (so both doors give it the same HTTP status, in `web::error`).
//!
//! A new refusal is a new variant here and a `refused_*` key in both `locales/*.ftl`; the
//! tests render every variant in both languages.

use crate::catalogue::{Label, Message};
use sladesk_core::tickets::Status;

/// The three kinds of "no": the input is wrong (422), this person may not (403), or the
/// state of things does not allow it (409).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    Invalid,
    Forbidden,
    Conflict,
}

/// A form or body field named in a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Subject,
    Description,
    Product,
    Body,
    Reason,
    Summary,
    Name,
    Organization,
    Message,
    ValidFrom,
    ValidUntil,
    Work,
    Impact,
    EffectiveFrom,
    PlannedStart,
    WorkDate,
    Note,
    SizeClass,
    Measure,
    Day,
    Issuer,
    ClientId,
    Domains,
    FileName,
}

impl Field {
    pub const ALL: [Field; 24] = [
        Field::Subject,
        Field::Description,
        Field::Product,
        Field::Body,
        Field::Reason,
        Field::Summary,
        Field::Name,
        Field::Organization,
        Field::Message,
        Field::ValidFrom,
        Field::ValidUntil,
        Field::Work,
        Field::Impact,
        Field::EffectiveFrom,
        Field::PlannedStart,
        Field::WorkDate,
        Field::Note,
        Field::SizeClass,
        Field::Measure,
        Field::Day,
        Field::Issuer,
        Field::ClientId,
        Field::Domains,
        Field::FileName,
    ];

    fn key(self) -> &'static str {
        match self {
            Field::Subject => "field_subject",
            Field::Description => "field_description",
            Field::Product => "field_product",
            Field::Body => "field_body",
            Field::Reason => "field_reason",
            Field::Summary => "field_summary",
            Field::Name => "field_name",
            Field::Organization => "field_organization",
            Field::Message => "field_message",
            Field::ValidFrom => "field_valid_from",
            Field::ValidUntil => "field_valid_until",
            Field::Work => "field_work",
            Field::Impact => "field_impact",
            Field::EffectiveFrom => "field_effective_from",
            Field::PlannedStart => "field_planned_start",
            Field::WorkDate => "field_work_date",
            Field::Note => "field_note",
            Field::SizeClass => "field_size_class",
            Field::Measure => "field_measure",
            Field::Day => "field_day",
            Field::Issuer => "field_issuer",
            Field::ClientId => "field_client_id",
            Field::Domains => "field_domains",
            Field::FileName => "field_file_name",
        }
    }
}

/// A thing that may not exist (or not be visible to the one asking).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thing {
    ActivationLink,
    Component,
    HeartbeatMonitor,
    Organization,
    Outage,
    RegistrationRequest,
    Subscription,
    Ticket,
    Token,
    User,
    PolicyVersion,
    Release,
    RolloutBatch,
    UpdateCalendar,
    Proposal,
    TimeEntry,
    FairUseCase,
    Attachment,
    ReceivedMail,
}

impl Thing {
    pub const ALL: [Thing; 19] = [
        Thing::ActivationLink,
        Thing::Component,
        Thing::HeartbeatMonitor,
        Thing::Organization,
        Thing::Outage,
        Thing::RegistrationRequest,
        Thing::Subscription,
        Thing::Ticket,
        Thing::Token,
        Thing::User,
        Thing::PolicyVersion,
        Thing::Release,
        Thing::RolloutBatch,
        Thing::UpdateCalendar,
        Thing::Proposal,
        Thing::TimeEntry,
        Thing::FairUseCase,
        Thing::Attachment,
        Thing::ReceivedMail,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Thing::ActivationLink => "thing_activation_link",
            Thing::Component => "thing_component",
            Thing::HeartbeatMonitor => "thing_heartbeat_monitor",
            Thing::Organization => "thing_organization",
            Thing::Outage => "thing_outage",
            Thing::RegistrationRequest => "thing_registration_request",
            Thing::Subscription => "thing_subscription",
            Thing::Ticket => "thing_ticket",
            Thing::Token => "thing_token",
            Thing::User => "thing_user",
            Thing::PolicyVersion => "thing_policy_version",
            Thing::Release => "thing_release",
            Thing::RolloutBatch => "thing_rollout_batch",
            Thing::UpdateCalendar => "thing_update_calendar",
            Thing::Proposal => "thing_proposal",
            Thing::TimeEntry => "thing_time_entry",
            Thing::FairUseCase => "thing_fair_use_case",
            Thing::Attachment => "thing_attachment",
            Thing::ReceivedMail => "thing_received_mail",
        }
    }

    /// "ticket not found", in `language`.
    pub fn not_found(self) -> Message {
        Message::new("thing_not_found").word("thing", self.key())
    }
}

impl std::fmt::Display for Thing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::catalogue::text(
            sladesk_core::text::Language::En,
            self.key(),
        ))
    }
}

/// Why the desk refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub enum Refusal {
    // The input.
    Empty {
        field: Field,
    },
    TooLong {
        field: Field,
        max: usize,
    },
    Length {
        field: Field,
        min: usize,
        max: usize,
    },
    LengthOnOneLine {
        field: Field,
        min: usize,
        max: usize,
    },
    NotOneLine {
        field: Field,
    },
    NotAnEmail {
        given: String,
    },
    NotATimeZone {
        given: String,
    },
    NotADate {
        field: Field,
        given: String,
    },
    NotARole {
        given: String,
    },
    NotATier {
        given: String,
    },
    NotAnOrganization {
        given: String,
    },
    NotAStaffMember {
        given: String,
    },
    NotAValue {
        given: String,
    },
    NotASortOrder {
        given: String,
    },
    NotAView {
        given: String,
    },
    SearchTooLong {
        max: usize,
    },
    UnknownOrganization {
        id: i64,
    },
    UnknownComponent {
        id: i64,
    },
    UnknownRequester {
        id: i64,
    },
    NoCustomerWithEmail {
        email: String,
    },
    OrganizationRequired,
    CustomerNeedsOrganization,
    StaffWithoutOrganization,
    ChooseOrganization,
    ValidityReversed {
        from: String,
        until: String,
    },
    NoSuchMonth {
        year: i64,
        month: i64,
    },
    /// A report's period that ends before it starts (S3).
    PeriodOutOfOrder,
    /// A report's period longer than a report may cover (S3).
    PeriodTooLong {
        max_months: i64,
    },
    // Who may.
    StaffOnly,
    AdminOnly,
    OperatorsOnly,
    OperatorsPostOutageUpdates,
    OperatorsPushReadings,
    SignInFirst,
    OwnOrganizationOnly,
    DeskTriages,
    DeskOnlyChanges,
    NoInternalNotesForCustomers,
    CustomerMoves,
    DeskRecordsCalls,
    DeskEscalates,
    // Signing in.
    WrongCredentials,
    Deactivated,
    StaffNetwork,
    TooManyWrongCodes,
    WrongCode,
    SecondStepAlreadySet,
    SecondStepNotSet,
    PasswordTooShort {
        min: usize,
    },
    PasswordTooEasy,
    FirstAdminExists,
    // Accounts and registrations.
    EmailTaken {
        email: String,
    },
    EmailTakenOtherwise {
        email: String,
    },
    CannotDeactivateSelf,
    RegistrationStatus,
    AlreadyDecided {
        approved: bool,
    },
    DecidedMeanwhile,
    // Tickets.
    ContractNotInForce {
        organization: String,
    },
    ProductNotCovered {
        product: String,
        covered: String,
    },
    RequesterOfOtherOrganization,
    LineOutOfRange,
    ConfidentialOffTheLines,
    OutageClassFixed,
    AlreadyThirdLine,
    IllegalMove {
        from: Status,
        to: Status,
    },
    NobodyToReceiveReport,
    // Availability.
    ReadingNeedsValue,
    ReadingRange,
    EndsBeforeStart,
    DescribeWork,
    MaintenanceNotice {
        days: i64,
    },
    ReasonRequired,
    HttpTarget,
    HttpMethod,
    TcpTarget,
    MonitorSettings,
    UnknownMonitorKind {
        given: String,
    },
    // Versions of the SLA (G3).
    EffectiveInThePast,
    VersionExists {
        version: String,
    },
    NoticeTooShort {
        days: i64,
        earliest: String,
    },
    EffectiveMomentTaken,
    CustomersOnly,
    NotMaterial,
    TerminationWindowClosed {
        closed_on: String,
    },
    TerminationRecorded,
    UnknownPolicyVersion {
        given: String,
    },
    VersionName {
        given: String,
    },
    ExclusionOutOfRange,
    /// Contract terms that do not hold (G2, S5).
    Terms(sladesk_core::credits::TermsError),
    // Files on tickets (T5).
    /// A file past one of the policy's limits.
    Files(sladesk_core::tickets::OverLimit),
    /// A file name with a path, a control character, or none at all.
    FileName {
        given: String,
    },
    /// The scan hook has not answered yet.
    FileBeingChecked,
    /// The scan hook refused the file.
    FileRefusedByScan,
    /// Only a quarantined mail can be released to its ticket, and only once.
    MailNotQuarantined,
    /// A phone call is a record of what was said: files go on a note or a reply.
    FilesNotOnCalls,
    /// A policy (a contract's own, in TOML) that the SLA engine does not accept.
    Policy {
        detail: String,
    },
    // Releases and rings (R1-R4, G4).
    /// Early Access and Preview are for QaaS contracts only.
    RingForQaasOnly {
        ring: String,
    },
    /// Only a customer's instance has a ring (the shared platform is updated by the vendor).
    RingForTenantsOnly,
    NotARing {
        given: String,
    },
    ReleaseExists {
        version: String,
    },
    /// No release day is scheduled before the policy's first one (R3: 2026-01-01).
    BeforeReleaseSchedule {
        first: String,
    },
    ReleaseNotesIncomplete,
    RolloutDoesNotFit {
        days: u32,
        needed_days: u32,
        updates_at_once: u32,
        fits_with: Option<u32>,
    },
    /// What a release is doing does not allow that (starting a finished one, pausing one that
    /// is not rolling out, postponing one that started).
    ReleaseState {
        state: String,
    },
    UpdateMoments {
        detail: String,
    },
    // Consultancy and out-of-scope work (C1-C3, T3, T8).
    /// The reason for a proposal does not fit the ticket (a careless-use proposal on a
    /// development request, custom work on a ticket within the SLA).
    ProposalBasis {
        basis: String,
        ticket_type: String,
    },
    /// Only work caused by careless use (C3) may start before the customer approves.
    UrgentOnlyForCarelessUse,
    EstimateRange {
        max_hours: i64,
    },
    /// A proposal the customer decided on (or staff withdrew) is never changed: a change needs
    /// a new proposal.
    ProposalDecided {
        state: String,
    },
    /// The proposal changed since the customer read it.
    ProposalChanged,
    /// C1: billable time needs a proposal the customer approved on this ticket.
    NoApprovedProposal,
    DurationRange {
        max_minutes: i64,
    },
    WorkDateInFuture,
    MonthClosed {
        month: String,
    },
    MonthNotOver {
        month: String,
    },
    AlreadyWithdrawn,
    /// An engagement's booked time past any real engagement (a typing error, say).
    BookingAbsurd,
    /// A SaaS outage or a vulnerability report is never custom work.
    NotCustomWork,
    // Fair use (F1, F2). `entry` counts the values of a request (or the lines of a CSV file,
    // its header line 1) from 1.
    UsageUnknownMeasure {
        entry: usize,
        measure: String,
        known: String,
    },
    UsageUnknownTenant {
        entry: usize,
        id: i64,
    },
    UsageValueRange {
        entry: usize,
    },
    UsageFutureDay {
        entry: usize,
        day: String,
    },
    /// A CSV line that is not `day,component_id,measure,value`.
    UsageCsvLine {
        entry: usize,
    },
    UsageTooMany {
        max: usize,
    },
    /// F1: a case (without acute disruption) needs use over the line for the whole window.
    NotExcessive {
        run: i64,
        window: i64,
    },
    /// There is already a case about this tenant and measure that is not decided.
    CaseOpen {
        id: i64,
    },
    CaseDecided,
    /// F2: a measure waits for the grace period and its re-check.
    GraceRunning {
        until: String,
    },
    /// F2: the re-check found the use back under the line; no measure follows.
    UseNormalised,
    /// X2: no single sign-on is set up for this address, organisation or for staff.
    SsoNotSetUp,
    /// X2: the sign-in that came back is unknown: used already, expired, or started in
    /// another browser.
    SsoFlowUnknown,
    /// X2: the provider could not be reached, or refused (its reason, cut short).
    SsoProvider {
        detail: String,
    },
    /// X2: the provider's ID token failed a check (expired, nonce, signature, audience, issuer).
    SsoToken {
        check: String,
    },
    SsoNoEmail,
    SsoEmailUnverified,
    /// X2: the provider vouched for an address outside the organisation's domains.
    SsoWrongDomain {
        domain: String,
    },
    /// X2: the address belongs to a person of another organisation (or to staff).
    SsoOtherOrganization,
    /// X2: unknown address and the organisation creates no one at first sign-in.
    SsoUnknownPerson,
    /// X2: none of the staff member's groups at the provider maps to a role.
    SsoNoRole,
    /// X2: the organisation signs in with single sign-on only.
    SsoOnly,
    /// X2: another organisation's provider already vouches for this domain.
    SsoDomainTaken {
        domain: String,
    },
    SsoDomainInvalid {
        given: String,
    },
    SsoSecretMissing,
    SsoIssuer {
        detail: String,
    },
}

impl Refusal {
    pub fn kind(&self) -> RefusalKind {
        use Refusal::*;
        match self {
            StaffOnly
            | AdminOnly
            | OperatorsOnly
            | OperatorsPostOutageUpdates
            | OperatorsPushReadings
            | SignInFirst
            | OwnOrganizationOnly
            | DeskTriages
            | DeskOnlyChanges
            | NoInternalNotesForCustomers
            | CustomerMoves
            | DeskRecordsCalls
            | DeskEscalates
            | WrongCredentials
            | Deactivated
            | StaffNetwork
            | TooManyWrongCodes
            | WrongCode
            | SsoFlowUnknown
            | SsoProvider { .. }
            | SsoToken { .. }
            | SsoEmailUnverified
            | SsoWrongDomain { .. }
            | SsoOtherOrganization
            | SsoUnknownPerson
            | SsoNoRole
            | SsoOnly => RefusalKind::Forbidden,
            SecondStepAlreadySet
            | FirstAdminExists
            | EmailTaken { .. }
            | EmailTakenOtherwise { .. }
            | CannotDeactivateSelf
            | AlreadyDecided { .. }
            | DecidedMeanwhile
            | ConfidentialOffTheLines
            | OutageClassFixed
            | AlreadyThirdLine
            | IllegalMove { .. }
            | NobodyToReceiveReport
            | VersionExists { .. }
            | EffectiveMomentTaken
            | NotMaterial
            | TerminationWindowClosed { .. }
            | TerminationRecorded
            | ReleaseExists { .. }
            | RingForQaasOnly { .. }
            | RingForTenantsOnly
            | RolloutDoesNotFit { .. }
            | ReleaseState { .. }
            | ProposalBasis { .. }
            | ProposalDecided { .. }
            | ProposalChanged
            | NoApprovedProposal
            | MonthClosed { .. }
            | MonthNotOver { .. }
            | AlreadyWithdrawn
            | NotCustomWork
            | NotExcessive { .. }
            | CaseOpen { .. }
            | CaseDecided
            | GraceRunning { .. }
            | UseNormalised
            | SsoNotSetUp
            | SsoDomainTaken { .. }
            | Files(sladesk_core::tickets::OverLimit::Ticket { .. })
            | Files(sladesk_core::tickets::OverLimit::Count { .. })
            | FileBeingChecked
            | FileRefusedByScan
            | MailNotQuarantined => RefusalKind::Conflict,
            CustomersOnly => RefusalKind::Forbidden,
            _ => RefusalKind::Invalid,
        }
    }

    /// The refusal as a catalogue message (`refused_*`) with its arguments.
    pub fn message(&self) -> Message {
        use Refusal::*;
        let m = Message::new;
        match self {
            Empty { field } => m("refused_empty").word("field", field.key()),
            TooLong { field, max } => m("refused_too_long")
                .word("field", field.key())
                .number("max", *max as i64),
            Length { field, min, max } => m("refused_length")
                .word("field", field.key())
                .number("min", *min as i64)
                .number("max", *max as i64),
            LengthOnOneLine { field, min, max } => m("refused_length_one_line")
                .word("field", field.key())
                .number("min", *min as i64)
                .number("max", *max as i64),
            NotOneLine { field } => m("refused_not_one_line").word("field", field.key()),
            NotAnEmail { given } => m("refused_not_an_email").given("given", given),
            NotATimeZone { given } => m("refused_not_a_time_zone").given("given", given),
            NotADate { field, given } => m("refused_not_a_date")
                .word("field", field.key())
                .given("given", given),
            NotARole { given } => m("refused_not_a_role").given("given", given),
            NotATier { given } => m("refused_not_a_tier").given("given", given),
            NotAnOrganization { given } => m("refused_not_an_organization").given("given", given),
            NotAStaffMember { given } => m("refused_not_a_staff_member").given("given", given),
            NotAValue { given } => m("refused_not_a_value").given("given", given),
            NotASortOrder { given } => m("refused_not_a_sort_order").given("given", given),
            NotAView { given } => m("refused_not_a_view").given("given", given),
            SearchTooLong { max } => m("refused_search_too_long").number("max", *max as i64),
            UnknownOrganization { id } => m("refused_unknown_organization").number("id", *id),
            UnknownComponent { id } => m("refused_unknown_component").number("id", *id),
            UnknownRequester { id } => m("refused_unknown_requester").number("id", *id),
            NoCustomerWithEmail { email } => {
                m("refused_no_customer_with_email").given("email", email)
            }
            OrganizationRequired => m("refused_organization_required"),
            CustomerNeedsOrganization => m("refused_customer_needs_organization"),
            StaffWithoutOrganization => m("refused_staff_without_organization"),
            ChooseOrganization => m("refused_choose_organization"),
            ValidityReversed { from, until } => m("refused_validity_reversed")
                .given("from", from)
                .given("until", until),
            NoSuchMonth { year, month } => m("refused_no_such_month")
                .number("year", *year)
                .number("month", *month),
            PeriodOutOfOrder => m("refused_period_out_of_order"),
            PeriodTooLong { max_months } => {
                m("refused_period_too_long").number("max_months", *max_months)
            }
            StaffOnly => m("refused_staff_only"),
            AdminOnly => m("refused_admin_only"),
            OperatorsOnly => m("refused_operators_only"),
            OperatorsPostOutageUpdates => m("refused_operators_post_outage_updates"),
            OperatorsPushReadings => m("refused_operators_push_readings"),
            SignInFirst => m("refused_sign_in_first"),
            OwnOrganizationOnly => m("refused_own_organization_only"),
            DeskTriages => m("refused_desk_triages"),
            DeskOnlyChanges => m("refused_desk_only_changes"),
            NoInternalNotesForCustomers => m("refused_no_internal_notes_for_customers"),
            CustomerMoves => m("refused_customer_moves"),
            DeskRecordsCalls => m("refused_desk_records_calls"),
            DeskEscalates => m("refused_desk_escalates"),
            WrongCredentials => m("refused_wrong_credentials"),
            Deactivated => m("refused_deactivated"),
            StaffNetwork => m("refused_staff_network"),
            TooManyWrongCodes => m("refused_too_many_wrong_codes"),
            WrongCode => m("refused_wrong_code"),
            SecondStepAlreadySet => m("refused_second_step_already_set"),
            SecondStepNotSet => m("refused_second_step_not_set"),
            PasswordTooShort { min } => m("refused_password_too_short").number("min", *min as i64),
            PasswordTooEasy => m("refused_password_too_easy"),
            FirstAdminExists => m("refused_first_admin_exists"),
            EmailTaken { email } => m("refused_email_taken").given("email", email),
            EmailTakenOtherwise { email } => {
                m("refused_email_taken_otherwise").given("email", email)
            }
            CannotDeactivateSelf => m("refused_cannot_deactivate_self"),
            RegistrationStatus => m("refused_registration_status"),
            AlreadyDecided { approved } => m("refused_already_decided").word(
                "decision",
                if *approved {
                    "registration_approved"
                } else {
                    "registration_rejected"
                },
            ),
            DecidedMeanwhile => m("refused_decided_meanwhile"),
            ContractNotInForce { organization } => {
                m("refused_contract_not_in_force").given("organization", organization)
            }
            ProductNotCovered { product, covered } => m("refused_product_not_covered")
                .given("product", product)
                .given("covered", covered),
            RequesterOfOtherOrganization => m("refused_requester_of_other_organization"),
            LineOutOfRange => m("refused_line_out_of_range"),
            ConfidentialOffTheLines => m("refused_confidential_off_the_lines"),
            OutageClassFixed => m("refused_outage_class_fixed"),
            AlreadyThirdLine => m("refused_already_third_line"),
            IllegalMove { from, to } => m("refused_illegal_move")
                .word("from", from.label_key())
                .word("to", to.label_key())
                .words(
                    "allowed",
                    from.allowed_moves().iter().map(|s| s.label_key()).collect(),
                ),
            NobodyToReceiveReport => m("refused_nobody_to_receive_report"),
            ReadingNeedsValue => m("refused_reading_needs_value"),
            ReadingRange => m("refused_reading_range"),
            EndsBeforeStart => m("refused_ends_before_start"),
            DescribeWork => m("refused_describe_work"),
            MaintenanceNotice { days } => m("refused_maintenance_notice").number("days", *days),
            ReasonRequired => m("refused_reason_required"),
            HttpTarget => m("refused_http_target"),
            HttpMethod => m("refused_http_method"),
            TcpTarget => m("refused_tcp_target"),
            MonitorSettings => m("refused_monitor_settings"),
            UnknownMonitorKind { given } => m("refused_unknown_monitor_kind").given("given", given),
            EffectiveInThePast => m("refused_effective_in_the_past"),
            VersionExists { version } => m("refused_version_exists").given("version", version),
            NoticeTooShort { days, earliest } => m("refused_notice_too_short")
                .number("days", *days)
                .given("earliest", earliest),
            EffectiveMomentTaken => m("refused_effective_moment_taken"),
            CustomersOnly => m("refused_customers_only"),
            NotMaterial => m("refused_not_material"),
            TerminationWindowClosed { closed_on } => {
                m("refused_termination_window_closed").given("closed_on", closed_on)
            }
            TerminationRecorded => m("refused_termination_recorded"),
            VersionName { given } => m("refused_version_name").given("given", given),
            ExclusionOutOfRange => m("refused_exclusion_out_of_range"),
            Files(over) => {
                use sladesk_core::tickets::OverLimit as O;
                match over {
                    O::File { size, max } => m("refused_file_too_large")
                        .number("size", *size as i64)
                        .number("max", *max as i64),
                    O::Ticket { total, max } => m("refused_ticket_files_full")
                        .number("total", *total as i64)
                        .number("max", *max as i64),
                    O::Count { count, max } => m("refused_too_many_files")
                        .number("count", i64::from(*count))
                        .number("max", i64::from(*max)),
                }
            }
            FileName { given } => m("refused_file_name").given("given", given),
            FileBeingChecked => m("refused_file_being_checked"),
            FileRefusedByScan => m("refused_file_refused_by_scan"),
            MailNotQuarantined => m("refused_mail_not_quarantined"),
            FilesNotOnCalls => m("refused_files_not_on_calls"),
            Terms(problem) => {
                use sladesk_core::credits::{GuaranteeProblem as G, TermsError as E};
                match problem {
                    E::NegativeFee => m("refused_terms_negative_fee"),
                    E::Currency => m("refused_terms_currency"),
                    E::NegativeCap => m("refused_terms_negative_cap"),
                    E::Guarantee { index, problem } => m(match problem {
                        G::Within => "refused_terms_within",
                        G::Percent => "refused_terms_percent",
                        G::BasisPoints => "refused_terms_basis_points",
                        G::NegativeCredit => "refused_terms_negative_credit",
                    })
                    .number("number", *index as i64 + 1),
                }
            }
            UnknownPolicyVersion { given } => {
                m("refused_unknown_policy_version").given("given", given)
            }
            Policy { detail } => m("refused_policy").given("detail", detail),
            RingForQaasOnly { ring } => {
                m("refused_ring_for_qaas_only").word("ring", format!("ring_{ring}"))
            }
            RingForTenantsOnly => m("refused_ring_for_tenants_only"),
            NotARing { given } => m("refused_not_a_ring").given("given", given),
            ReleaseExists { version } => m("refused_release_exists").given("version", version),
            BeforeReleaseSchedule { first } => {
                m("refused_before_release_schedule").given("first", first)
            }
            ReleaseNotesIncomplete => m("refused_release_notes_incomplete"),
            RolloutDoesNotFit {
                days,
                needed_days,
                updates_at_once,
                fits_with,
            } => match fits_with {
                Some(fits) => m("refused_rollout_does_not_fit").number("fits_with", (*fits).into()),
                None => m("refused_rollout_does_not_fit_at_all"),
            }
            .number("days", (*days).into())
            .number("needed_days", (*needed_days).into())
            .number("updates_at_once", (*updates_at_once).into()),
            ReleaseState { state } => {
                m("refused_release_state").word("state", format!("release_state_{state}"))
            }
            UpdateMoments { detail } => m("refused_update_moments").given("detail", detail),
            ProposalBasis { basis, ticket_type } => m("refused_proposal_basis")
                .word("basis", format!("basis_{basis}"))
                .word("type", format!("label_type_{ticket_type}")),
            UrgentOnlyForCarelessUse => m("refused_urgent_only_for_careless_use"),
            EstimateRange { max_hours } => {
                m("refused_estimate_range").number("max_hours", *max_hours)
            }
            ProposalDecided { state } => {
                m("refused_proposal_decided").word("state", format!("proposal_state_{state}"))
            }
            ProposalChanged => m("refused_proposal_changed"),
            NoApprovedProposal => m("refused_no_approved_proposal"),
            DurationRange { max_minutes } => {
                m("refused_duration_range").number("max_minutes", *max_minutes)
            }
            WorkDateInFuture => m("refused_work_date_in_future"),
            MonthClosed { month } => m("refused_month_closed").given("month", month),
            MonthNotOver { month } => m("refused_month_not_over").given("month", month),
            AlreadyWithdrawn => m("refused_already_withdrawn"),
            BookingAbsurd => m("refused_booking_absurd"),
            NotCustomWork => m("refused_not_custom_work"),
            UsageUnknownMeasure {
                entry,
                measure,
                known,
            } => m("refused_usage_unknown_measure")
                .number("entry", *entry as i64)
                .given("measure", measure)
                .given("known", known),
            UsageUnknownTenant { entry, id } => m("refused_usage_unknown_tenant")
                .number("entry", *entry as i64)
                .number("id", *id),
            UsageValueRange { entry } => m("refused_usage_value_range")
                .number("entry", *entry as i64)
                .given("max", "100000000000000"),
            UsageFutureDay { entry, day } => m("refused_usage_future_day")
                .number("entry", *entry as i64)
                .given("day", day),
            UsageCsvLine { entry } => m("refused_usage_csv_line").number("entry", *entry as i64),
            UsageTooMany { max } => m("refused_usage_too_many").number("max", *max as i64),
            NotExcessive { run, window } => m("refused_not_excessive")
                .number("run", *run)
                .number("window", *window),
            CaseOpen { id } => m("refused_case_open").number("id", *id),
            CaseDecided => m("refused_case_decided"),
            GraceRunning { until } => m("refused_grace_running").given("until", until),
            UseNormalised => m("refused_use_normalised"),
            SsoNotSetUp => m("refused_sso_not_set_up"),
            SsoFlowUnknown => m("refused_sso_flow_unknown"),
            SsoProvider { detail } => m("refused_sso_provider").given("detail", detail),
            SsoToken { check } => m("refused_sso_token").given("check", check),
            SsoNoEmail => m("refused_sso_no_email"),
            SsoEmailUnverified => m("refused_sso_email_unverified"),
            SsoWrongDomain { domain } => m("refused_sso_wrong_domain").given("domain", domain),
            SsoOtherOrganization => m("refused_sso_other_organization"),
            SsoUnknownPerson => m("refused_sso_unknown_person"),
            SsoNoRole => m("refused_sso_no_role"),
            SsoOnly => m("refused_sso_only"),
            SsoDomainTaken { domain } => m("refused_sso_domain_taken").given("domain", domain),
            SsoDomainInvalid { given } => m("refused_sso_domain_invalid").given("given", given),
            SsoSecretMissing => m("refused_sso_secret_missing"),
            SsoIssuer { detail } => m("refused_sso_issuer").given("detail", detail),
        }
    }

    /// One of each, for the tests that render every refusal in both languages.
    #[cfg(test)]
    pub fn examples() -> Vec<Refusal> {
        use Refusal::*;
        let s = || "x".to_string();
        let f = Field::Subject;
        let mut all = vec![
            Empty { field: f },
            TooLong { field: f, max: 300 },
            Length {
                field: f,
                min: 1,
                max: 2,
            },
            LengthOnOneLine {
                field: f,
                min: 1,
                max: 2,
            },
            NotOneLine { field: f },
            NotAnEmail { given: s() },
            NotATimeZone { given: s() },
            NotADate {
                field: f,
                given: s(),
            },
            NotARole { given: s() },
            NotATier { given: s() },
            NotAnOrganization { given: s() },
            NotAStaffMember { given: s() },
            NotAValue { given: s() },
            NotASortOrder { given: s() },
            NotAView { given: s() },
            SearchTooLong { max: 200 },
            UnknownOrganization { id: 1 },
            UnknownComponent { id: 1 },
            UnknownRequester { id: 1 },
            NoCustomerWithEmail { email: s() },
            OrganizationRequired,
            CustomerNeedsOrganization,
            StaffWithoutOrganization,
            ChooseOrganization,
            ValidityReversed {
                from: s(),
                until: s(),
            },
            NoSuchMonth {
                year: 2026,
                month: 13,
            },
            PeriodOutOfOrder,
            PeriodTooLong { max_months: 24 },
            StaffOnly,
            AdminOnly,
            OperatorsOnly,
            OperatorsPostOutageUpdates,
            OperatorsPushReadings,
            SignInFirst,
            OwnOrganizationOnly,
            DeskTriages,
            DeskOnlyChanges,
            NoInternalNotesForCustomers,
            CustomerMoves,
            DeskRecordsCalls,
            DeskEscalates,
            WrongCredentials,
            Deactivated,
            StaffNetwork,
            TooManyWrongCodes,
            WrongCode,
            SecondStepAlreadySet,
            SecondStepNotSet,
            PasswordTooShort { min: 12 },
            PasswordTooEasy,
            FirstAdminExists,
            EmailTaken { email: s() },
            EmailTakenOtherwise { email: s() },
            CannotDeactivateSelf,
            RegistrationStatus,
            AlreadyDecided { approved: true },
            AlreadyDecided { approved: false },
            DecidedMeanwhile,
            ContractNotInForce { organization: s() },
            ProductNotCovered {
                product: s(),
                covered: s(),
            },
            RequesterOfOtherOrganization,
            LineOutOfRange,
            ConfidentialOffTheLines,
            OutageClassFixed,
            AlreadyThirdLine,
            NobodyToReceiveReport,
            ReadingNeedsValue,
            ReadingRange,
            EndsBeforeStart,
            DescribeWork,
            MaintenanceNotice { days: 5 },
            ReasonRequired,
            HttpTarget,
            HttpMethod,
            TcpTarget,
            MonitorSettings,
            UnknownMonitorKind { given: s() },
            EffectiveInThePast,
            VersionExists { version: s() },
            NoticeTooShort {
                days: 30,
                earliest: s(),
            },
            EffectiveMomentTaken,
            CustomersOnly,
            NotMaterial,
            TerminationWindowClosed { closed_on: s() },
            TerminationRecorded,
            UnknownPolicyVersion { given: s() },
            VersionName { given: s() },
            ExclusionOutOfRange,
            Files(sladesk_core::tickets::OverLimit::File { size: 2, max: 1 }),
            Files(sladesk_core::tickets::OverLimit::Ticket { total: 2, max: 1 }),
            Files(sladesk_core::tickets::OverLimit::Count { count: 2, max: 1 }),
            FileName { given: s() },
            FileBeingChecked,
            FileRefusedByScan,
            MailNotQuarantined,
            FilesNotOnCalls,
            Terms(sladesk_core::credits::TermsError::NegativeFee),
            Terms(sladesk_core::credits::TermsError::Currency),
            Terms(sladesk_core::credits::TermsError::NegativeCap),
            Policy { detail: s() },
            RingForQaasOnly {
                ring: "preview".into(),
            },
            RingForTenantsOnly,
            NotARing { given: s() },
            ReleaseExists { version: s() },
            BeforeReleaseSchedule { first: s() },
            ReleaseNotesIncomplete,
            RolloutDoesNotFit {
                days: 5,
                needed_days: 8,
                updates_at_once: 10,
                fits_with: Some(23),
            },
            RolloutDoesNotFit {
                days: 5,
                needed_days: 8,
                updates_at_once: 10,
                fits_with: None,
            },
            ReleaseState {
                state: "rolling_out".into(),
            },
            UpdateMoments { detail: s() },
            ProposalBasis {
                basis: "careless_use".into(),
                ticket_type: "development_request".into(),
            },
            UrgentOnlyForCarelessUse,
            EstimateRange { max_hours: 8784 },
            ProposalDecided {
                state: "approved".into(),
            },
            ProposalChanged,
            NoApprovedProposal,
            DurationRange { max_minutes: 1440 },
            WorkDateInFuture,
            MonthClosed { month: s() },
            MonthNotOver { month: s() },
            AlreadyWithdrawn,
            BookingAbsurd,
            NotCustomWork,
            UsageUnknownMeasure {
                entry: 1,
                measure: s(),
                known: s(),
            },
            UsageUnknownTenant { entry: 1, id: 1 },
            UsageValueRange { entry: 1 },
            UsageFutureDay { entry: 1, day: s() },
            UsageCsvLine { entry: 1 },
            UsageTooMany { max: 1 },
            NotExcessive { run: 1, window: 30 },
            CaseOpen { id: 1 },
            CaseDecided,
            GraceRunning { until: s() },
            UseNormalised,
            SsoNotSetUp,
            SsoFlowUnknown,
            SsoProvider { detail: s() },
            SsoToken { check: s() },
            SsoNoEmail,
            SsoEmailUnverified,
            SsoWrongDomain { domain: s() },
            SsoOtherOrganization,
            SsoUnknownPerson,
            SsoNoRole,
            SsoOnly,
            SsoDomainTaken { domain: s() },
            SsoDomainInvalid { given: s() },
            SsoSecretMissing,
            SsoIssuer { detail: s() },
        ];
        for &from in Status::ALL {
            for &to in Status::ALL {
                all.push(IllegalMove { from, to });
            }
        }
        all.extend(Field::ALL.map(|field| Empty { field }));
        {
            use sladesk_core::credits::GuaranteeProblem as G;
            for problem in [G::Within, G::Percent, G::BasisPoints, G::NegativeCredit] {
                let index = 0;
                all.push(Terms(sladesk_core::credits::TermsError::Guarantee {
                    index,
                    problem,
                }));
            }
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sladesk_core::text::Language;

    #[test]
    fn every_refusal_reads_in_both_languages() {
        for refusal in Refusal::examples() {
            let message = refusal.message();
            for key in message.keys() {
                for language in [Language::En, Language::Nl] {
                    assert!(
                        crate::catalogue::keys(language).contains(&key),
                        "{key} is missing in {language:?}"
                    );
                }
            }
            let (en, nl) = (message.text(Language::En), message.text(Language::Nl));
            assert_ne!(en, nl, "{refusal:?} reads the same in Dutch and English");
            assert!(!en.contains("{") && !nl.contains("{"), "{en} / {nl}");
        }
        for thing in Thing::ALL {
            let message = thing.not_found();
            assert_ne!(message.text(Language::En), message.text(Language::Nl));
        }
    }

    #[test]
    fn arguments_are_told_in_the_readers_language() {
        let refusal = Refusal::IllegalMove {
            from: Status::New,
            to: Status::WaitingForDevelopment,
        };
        assert_eq!(
            refusal.message().text(Language::Nl),
            "een ticket kan niet van Nieuw naar Wacht op ontwikkeling; vanuit Nieuw kan het naar: In behandeling, Wacht op klant, Gesloten"
        );
        assert_eq!(
            Refusal::Empty {
                field: Field::Subject
            }
            .to_string(),
            "subject must not be empty"
        );
        assert_eq!(
            Refusal::ProductNotCovered {
                product: "Toaster".into(),
                covered: "Qixium, Portal".into()
            }
            .message()
            .text(Language::Nl),
            "product `Toaster` valt niet onder het contract (wel: Qixium, Portal)"
        );
    }
}

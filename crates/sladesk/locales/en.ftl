# sladesk, English. One catalogue per language: every key here is in the Dutch file too
# (a test checks). Arguments are { $name }; Fluent handles plurals and selectors.

## Pages
menu = Main menu
skip = Skip to content
sign_in = Sign in
email = Email address
password = Password
code_title = Two-step sign-in
code_intro = Enter the 6-digit code from your authenticator app.
enrol_intro = Staff sign in with a second step. Scan this code with an authenticator app, then enter the 6-digit code it shows.
secret_text = Cannot scan? Enter this key:
code = Code
confirm = Confirm
sign_out = Sign out
sign_out_everywhere = Sign out everywhere
components = Components
no_components = No components yet.
month = Month (YYYY-MM)
show = Show
target = target
met = target met
not_met = target not met
downtime = Downtime
budget = budget
left = left
month_length = month
from = From
until = Until
seconds = Seconds
counted = Counted
why = Why
yes = yes
no = no
no_intervals = No unavailability this month.
availability = Availability
expired = The sign-in form expired; please try again.
register_title = Request a portal account
register_intro = First time here? Ask for an account for the self-service portal; the service desk checks your request and mails you.
name = Name
organization = Organisation
message = Message (optional)
register_button = Send request
registered = Thank you. The service desk checks your request; you will receive an email.
activate_title = Choose your password
activate_intro = At least 10 characters; a phrase of several words is easiest to remember and hardest to guess.
new_password = New password
activate_button = Save password
activated = Your password is set. You can sign in now.
bad_link = This link is not valid (any more). Ask the service desk for a new one.
forgot = Forgot your password?
recovery_title = Your recovery codes
recovery_intro = Keep these codes somewhere safe. Each one signs you in once if you lose your authenticator app; they are shown only now.
continue = Continue
reset_button = Send me a link
too_many = Too many requests from your address; please try again later.
setup_title = Welcome to sladesk
setup_intro = Nobody can sign in yet. Create the first admin: you. You will set up the second sign-in step next; then invite your colleagues from the admin page.
setup_button = Create the admin
setup_spent = This setup link has been used, or is not valid. Sign in instead.
security_title = Reporting a vulnerability
security_intro = Found a weakness in our service desk or platform? Thank you for telling us first. Report it here; only our administrators and SaaS team can read your report.
security_how_title = How we handle reports
security_how_1 = Describe what you found and how to reproduce it; an account is not needed.
security_how_2 = You get a receipt by mail at once, and an answer within 5 working days.
security_how_3 = Please do not use the weakness beyond what shows it, nor look at other people's data.
security_how_4 = Keep the details to yourself until we have fixed it or agreed a date with you; we name you in our thanks if you wish.
security_contact = You can also write to:
security_name = Your name (optional)
security_subject = Subject
security_description = What did you find?
security_button = Send report
security_received = Thank you. Your report is registered as { $number }; we sent you a receipt by mail.
reset_sent = If the address is known, we sent a link to choose a new password.
my_tickets = Tickets
new_ticket = New ticket
search = Search
status = Status
any = any
open = open
priority = Priority
sort = Sort
newest = newest first
oldest = oldest first
updated = recently changed
filter = Filter
number = Number
subject = Subject
sla = SLA
changed = Changed
no_tickets = No tickets found.
next_page = Next page
previous_page = Previous page
type = Type
type_note = Development and consultancy requests are not part of support: they are only carried out after your explicit approval of a quote.
product = Product
environment = Environment
description = Description
urgency = How urgent is it for you?
urgency_note = The service desk sets the priority; what you say here helps it decide.
phone_hint = Is production down or seriously hindered? Also phone the service desk, so that we can start at once.
phone_with_number = File the ticket first, then phone us and quote its number:
phone_ticket = Urgent? Phone the service desk and quote this ticket's number:
file_ticket = File ticket
conversation = Conversation
reply = Reply
send = Send
solved = This solves it
not_solved = Not solved
waiting_question = We are waiting for you. Does our answer solve your question?
reopen = Reopen
reason = Reason
dispute = Contest the priority
dispute_intro = Disagree with the priority? Tell the first line why; they assess it again.
requester = Requester
requester_email = Requester's email address
requester_note = The customer this ticket is for, after a call; empty: yourself.
assignee = Assignee
nobody = nobody
line = Line
reaction = Reaction
resolution = Resolution
internal_note = Internal note
phone_call = Phone call
record_call = Record phone call
add_note = Add note
triage = Triage
save = Save
move_to = Move to
escalate = Escalate to line
assign_me = Assign to me
queue = Queue
mine = Mine
unassigned = Unassigned
breached = Breached
due = Due
first_n = The { $n } nearest deadlines are shown; the counters above give the whole number.
state_ok = on track
state_warning = nearly due
state_breached = breached
state_paused = paused
state_done = done
preferences = Preferences
language = Language
time_zone = Time zone
mail_status = Mail me when a ticket's status changes
mail_replies = Mail me when the service desk replies
mail_always = Notices about closing a ticket are always sent.
saved = Saved.
two_factor = Set up two-step sign-in
admin = Administration
organizations = Organisations
users = Users
registrations = Registration requests
approve = Approve
reject = Reject
tokens = API tokens
create = Create
role = Role
tier = Tier
products_comma = Products (comma separated)
valid_from = Valid from
valid_until = Valid until
mfa_required = Two-step sign-in required
token_once = The new token; it is shown only now:
no_registrations = No open requests.
edit_contract = Contract
contract_policy = The contract's own SLA policy (TOML)
contract_policy_note = Only what differs from the basis SLA, e.g. [priorities.high] reaction = "1h". Empty: the basis SLA.
created = Created
revoked = revoked
active = active
revoke = Revoke
deactivated = deactivated
deactivate = Deactivate
reactivate = Reactivate
account = Account
service_status = Service status
how_counted = How is this counted? Every stretch of the clocks
counted_time = Counted
not_counted = not counted
no_time_yet = No time has passed yet.
around_the_clock_note = The SaaS platform is down: this ticket is handled around the clock.
provisional = provisional, until the service desk triages the ticket
you = you
system = sladesk
not_found = Ticket not found.
form_expired = The form was not valid any more; please try again.

## The public status page
status_title = Service status
status_components = Components
status_this_month = Availability this month
status_target = target
status_days_label = Daily availability, last 90 days
status_no_components = No components are monitored yet.
status_incidents = Incidents
status_since = since
status_resolved = resolved
status_ongoing = ongoing
status_no_incidents = No incidents in the last 7 days.
status_maintenance = Scheduled maintenance
status_emergency = emergency maintenance
status_no_maintenance = No maintenance planned.
status_generated = Updated
status_up = Operational
status_down = Unavailable
status_in_maintenance = Maintenance
status_all_up = All systems operational.
status_some_down = Some systems are unavailable; we are working on it.
status_no_data = no data
status_no_downtime = no downtime
status_downtime = downtime
status_not_counted = unavailability that did not count as downtime
status_subscribe = Updates by email
status_email = Email address
status_subscribe_button = Subscribe
status_check_mail = Almost done: we sent you a mail with a link to confirm your subscription.
status_confirmed = Your subscription is confirmed. You will receive messages about incidents and maintenance.
status_unsubscribed = You are unsubscribed.
status_unknown_link = This link is not valid (any more).
status_back = Back to the status page
status_expired = The form expired; please try again from the status page.
status_too_many = Too many requests from your address; please try again later.
status_report_vulnerability = Report a vulnerability

## Errors: the title of a problem by its HTTP status
home = To the start page
problem_400 = Bad request
problem_401 = Not signed in
problem_403 = Not allowed
problem_404 = Not found
problem_405 = Method not allowed
problem_409 = Conflict
problem_413 = Too large
problem_415 = Unsupported media type
problem_422 = Not accepted
problem_429 = Too many requests
problem_500 = Server fault
problem_503 = Unavailable

## Texts that carry the numbers of the SLA in force for the ticket (its contract's policy)
office_hours_note = Office hours: { $hours }, { $dutch ->
    [yes] Dutch time, not on Dutch public holidays
   *[no] { $zone } time, not on public holidays
}.
days_range = { $first } to { $last }
mail_waiting_explanation = We have answered your request and are waiting for your reaction. Without a reaction within { $days ->
    [one] one working day
   *[other] { $days } working days
} the ticket will be closed.
mail_auto_closed_subject = [{ $number }] Closed after { $days ->
    [one] one working day
   *[other] { $days } working days
} without reaction
mail_auto_closed_body = We received no reaction on ticket { $number } "{ $subject }" for { $days ->
    [one] one working day
   *[other] { $days } working days
}, so we have closed it. Reply if you still need help; we will assess whether to reopen it.

## Mails
mail_hello = Hello { $name },
mail_hello_anonymous = Hello,
mail_status_subject = [{ $number }] Status: { $status }
mail_status_body = Your ticket { $number } "{ $subject }" now has the status { $status }.
mail_closed_explanation = The ticket is closed. Reply if the problem is not solved.
mail_reply_subject = [{ $number }] New reply: { $subject }
mail_reply_intro = The service desk replied to your ticket { $number }:
mail_reply_in_portal = Reply in the portal: { $url }
mail_alert_reaction_warning = { $share }% of the reaction time is used
mail_alert_reaction_breach = the reaction time is exceeded
mail_alert_resolution_warning = { $share }% of the resolution time is used
mail_alert_resolution_breach = the resolution time is exceeded
mail_alert_subject = [{ $number }] SLA: { $what }
mail_alert_body = Ticket { $number } "{ $subject }" (priority { $priority }, line { $line }): { $what }.
mail_alert_due = Due: { $due }
mail_reminder_subject = [{ $number }] Waiting for your reaction
mail_reminder_body = We are still waiting for your reaction on ticket { $number } "{ $subject }". Without a reaction the ticket will be closed on { $when }.
mail_confirm_subject = Confirm your status updates subscription
mail_confirm_intro = Someone (hopefully you) asked to receive messages about incidents and maintenance by email.
mail_confirm_link = Confirm with this link:
mail_confirm_ignore = If it was not you, ignore this mail.
mail_maintenance_planned = Planned maintenance
mail_maintenance_emergency = Emergency maintenance
mail_maintenance_of = { $kind } of { $component }
mail_maintenance_when = From { $from } until { $to } (Dutch time)
mail_maintenance_work = Work: { $work }
mail_maintenance_impact = Impact: { $impact }
mail_unsubscribe = Unsubscribe: { $url }
mail_incident_open = Incident: { $component } is unavailable
mail_incident_resolved = Resolved: { $component } is available again
mail_progress = Progress: { $url }
mail_registration_subject = Registration request: { $name } ({ $organization })
mail_registration_body = { $name } <{ $email }> of { $organization } asks for a portal account.
mail_registration_decide = Approve or reject: { $url }
mail_activation_subject = Your portal account is ready
mail_activation_body = Your account for the self-service portal has been approved. Choose your password with this link (valid for 7 days, once):
mail_rejected_subject = Your registration request
mail_rejected_body = We could not approve your request for a portal account.
mail_reset_subject = Choose a new password
mail_reset_body = Someone (hopefully you) asked to reset your password. Choose a new one with this link (valid for 1 hour, once):
mail_reset_signs_out = A new password signs you out everywhere you are signed in.
mail_reset_ignore = If it was not you, ignore this mail; your password stays as it is.
mail_changed_subject = Your password was changed
mail_changed_body = Your password for the service desk was changed just now. For your safety we signed you out everywhere ({ $sessions } open sessions ended); sign in again with the new password.
mail_changed_not_you = If you did not change it, reset your password at once and tell the service desk.
mail_locked_subject = Failed sign-in attempts on your account
mail_locked_body = Someone tried to sign in to your service desk account several times with a wrong password. Further attempts are held back for a while; you can still sign in after a short wait.
mail_locked_not_you = If this was not you, choose a new, long password ("Forgot your password?" on the sign-in page) and set up two-step sign-in under your account.
mail_code_locked_subject = Wrong sign-in codes on your account: change your password
mail_code_locked_body = Someone entered your password correctly, then several wrong codes for the second sign-in step. The second step is held back for a while.
mail_code_locked_not_you = If this was not you, your password is known to someone else: choose a new one now ("Forgot your password?" on the sign-in page) and tell the service desk.
mail_receipt_subject = We received your security report ({ $number })
mail_receipt_body = Thank you for reporting a possible vulnerability. It is registered as { $number } and only our administrators and SaaS team can read it. We answer within 5 working days by mail; please keep the details to yourself until we have fixed the problem or agreed on a date with you.
mail_report_subject = New confidential security report { $number }
mail_report_body = A vulnerability report came in through the security page. Only admins and the SaaS team can open it:

## The SLA of a ticket in plain words
duration_minutes = { $minutes } min
duration_office_hours = { $hours ->
    [one] { $hours } office hour
   *[other] { $hours } office hours
}
duration_hours = { $hours ->
    [one] { $hours } hour
   *[other] { $hours } hours
}
sla_reaction_met = Answered { $at } — within the target
sla_reaction_late = Answered { $at } — later than the target ({ $due })
sla_reaction_breached = Not answered yet — was due { $due }
sla_reaction_not_needed = Closed before an answer was needed
sla_reaction_running = We react by { $due } — { $left } left
sla_resolution_met = Resolved in { $used } (target { $target }) — met
sla_resolution_breached = Resolved in { $used } (target { $target }) — breached
sla_paused_for_customer = paused while we wait for you
sla_paused_for_development = paused while we wait for development
sla_resolution_paused = Clock { $why }: { $used } of { $target } used{ $breached ->
    [yes] , target already breached
   *[no] {""}
}
sla_resolution_running_breached = Running — target breached
sla_resolution_running_breached_since = Running — target breached since { $due }
sla_resolution_running = Running — due { $due } — { $left } left
sla_auto_close = If we do not hear from you, the ticket closes on { $at }.

## A ticket's history on its page
event_created = filed the ticket
event_replied = replied
event_status = status: { $from } → { $to }
event_priority = priority: { $from } → { $to }
event_escalation = moved to line { $line }

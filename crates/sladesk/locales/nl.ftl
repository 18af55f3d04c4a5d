# sladesk, Nederlands. Elke sleutel hier staat ook in het Engelse bestand (een test
# controleert dat). Argumenten zijn { $naam }; Fluent regelt meervouden en keuzes.

## Pages
menu = Hoofdmenu
skip = Naar de inhoud
sign_in = Inloggen
email = E-mailadres
password = Wachtwoord
code_title = Inloggen in twee stappen
code_intro = Vul de code van 6 cijfers uit je authenticator-app in.
enrol_intro = Medewerkers loggen in met een tweede stap. Scan deze code met een authenticator-app en vul de code van 6 cijfers in die de app toont.
secret_text = Lukt scannen niet? Voer deze sleutel in:
code = Code
confirm = Bevestigen
sign_out = Uitloggen
sign_out_everywhere = Overal uitloggen
components = Onderdelen
no_components = Nog geen onderdelen.
month = Maand (JJJJ-MM)
show = Tonen
target = doel
met = doel gehaald
not_met = doel niet gehaald
downtime = Downtime
budget = budget
left = over
month_length = maand
from = Van
until = Tot
seconds = Seconden
counted = Telt
why = Waarom
yes = ja
no = nee
no_intervals = Geen onbeschikbaarheid deze maand.
availability = Beschikbaarheid
expired = Het inlogformulier is verlopen; probeer het opnieuw.
register_title = Portaalaccount aanvragen
register_intro = Eerste keer? Vraag een account aan voor het self-service portaal; de servicedesk controleert je aanvraag en mailt je.
name = Naam
organization = Organisatie
message = Bericht (optioneel)
register_button = Aanvraag versturen
registered = Dank je. De servicedesk controleert je aanvraag; je krijgt een e-mail.
activate_title = Kies je wachtwoord
activate_intro = Minstens 10 tekens; een zin van een paar woorden is het makkelijkst te onthouden en het moeilijkst te raden.
new_password = Nieuw wachtwoord
activate_button = Wachtwoord opslaan
activated = Je wachtwoord is ingesteld. Je kunt nu inloggen.
bad_link = Deze link is niet (meer) geldig. Vraag de servicedesk om een nieuwe.
forgot = Wachtwoord vergeten?
recovery_title = Je herstelcodes
recovery_intro = Bewaar deze codes op een veilige plek. Elke code laat je één keer inloggen als je je authenticator-app kwijt bent; ze worden alleen nu getoond.
continue = Verder
reset_button = Stuur me een link
too_many = Te veel verzoeken vanaf je adres; probeer het later opnieuw.
setup_title = Welkom bij sladesk
setup_intro = Er kan nog niemand inloggen. Maak de eerste beheerder aan: jezelf. Daarna stel je de tweede inlogstap in; nodig vervolgens je collega's uit via de beheerpagina.
setup_button = Beheerder aanmaken
setup_spent = Deze installatielink is al gebruikt of is niet geldig. Log in plaats daarvan in.
security_title = Een kwetsbaarheid melden
security_intro = Heb je een zwakke plek gevonden in onze servicedesk of ons platform? Dank je dat je het eerst aan ons meldt. Meld het hier; alleen onze beheerders en het SaaS-team kunnen je melding lezen.
security_how_title = Hoe we met meldingen omgaan
security_how_1 = Beschrijf wat je vond en hoe we het kunnen nabootsen; een account is niet nodig.
security_how_2 = Je krijgt meteen een ontvangstbevestiging per mail, en binnen 5 werkdagen een antwoord.
security_how_3 = Gebruik de zwakke plek niet verder dan nodig is om haar aan te tonen, en bekijk geen gegevens van anderen.
security_how_4 = Houd de details voor je tot we het hebben opgelost of samen een datum hebben afgesproken; als je wilt, noemen we je naam in ons dankwoord.
security_contact = Je kunt ook schrijven naar:
security_name = Je naam (optioneel)
security_subject = Onderwerp
security_description = Wat heb je gevonden?
security_button = Melding versturen
security_received = Dank je. Je melding staat geregistreerd als { $number }; we hebben je een ontvangstbevestiging gemaild.
reset_sent = Als het adres bekend is, hebben we een link gestuurd om een nieuw wachtwoord te kiezen.
my_tickets = Tickets
new_ticket = Nieuw ticket
search = Zoeken
status = Status
any = alle
open = open
priority = Prioriteit
sort = Sorteren
newest = nieuwste eerst
oldest = oudste eerst
updated = laatst gewijzigd
filter = Filteren
number = Nummer
subject = Onderwerp
sla = SLA
changed = Gewijzigd
no_tickets = Geen tickets gevonden.
next_page = Volgende pagina
previous_page = Vorige pagina
type = Type
type_note = Ontwikkel- en consultancyverzoeken vallen niet onder support: ze worden pas uitgevoerd na je uitdrukkelijke akkoord op een offerte.
product = Product
environment = Omgeving
description = Omschrijving
urgency = Hoe urgent is het voor jou?
urgency_note = De servicedesk bepaalt de prioriteit; wat je hier aangeeft helpt daarbij.
phone_hint = Ligt productie stil of is die ernstig verstoord? Bel dan ook de servicedesk, zodat we direct kunnen beginnen.
phone_with_number = Dien eerst het ticket in en bel ons dan met het ticketnummer bij de hand:
phone_ticket = Urgent? Bel de servicedesk en noem het nummer van dit ticket:
file_ticket = Ticket indienen
conversation = Gesprek
reply = Reageren
send = Versturen
solved = Dit lost het op
not_solved = Niet opgelost
waiting_question = We wachten op jou. Lost ons antwoord je vraag op?
reopen = Heropenen
reason = Reden
dispute = Prioriteit betwisten
dispute_intro = Niet eens met de prioriteit? Laat de eerste lijn weten waarom; die beoordeelt het opnieuw.
requester = Aanvrager
requester_email = E-mailadres van de aanvrager
requester_note = De klant voor wie dit ticket is, na een telefoontje; leeg: jijzelf.
assignee = Behandelaar
nobody = niemand
line = Lijn
reaction = Reactie
resolution = Oplossing
internal_note = Interne notitie
phone_call = Telefoongesprek
record_call = Telefoongesprek vastleggen
add_note = Notitie toevoegen
triage = Triage
save = Opslaan
move_to = Verplaatsen naar
escalate = Escaleren naar lijn
assign_me = Aan mij toewijzen
queue = Wachtrij
mine = Van mij
unassigned = Niet toegewezen
breached = Overschreden
due = Deadline
first_n = De { $n } dichtstbijzijnde deadlines staan hier; de tellers hierboven geven het totaal.
state_ok = op schema
state_warning = bijna verlopen
state_breached = overschreden
state_paused = gepauzeerd
state_done = afgerond
preferences = Voorkeuren
language = Taal
time_zone = Tijdzone
mail_status = Mail me als de status van een ticket verandert
mail_replies = Mail me als de servicedesk reageert
mail_always = Berichten over het sluiten van een ticket krijg je altijd.
saved = Opgeslagen.
two_factor = Inloggen in twee stappen instellen
admin = Beheer
organizations = Organisaties
users = Gebruikers
registrations = Registratieaanvragen
approve = Goedkeuren
reject = Afwijzen
tokens = API-tokens
create = Aanmaken
role = Rol
tier = Niveau
products_comma = Producten (kommagescheiden)
valid_from = Geldig vanaf
valid_until = Geldig tot
mfa_required = Inloggen in twee stappen verplicht
token_once = Het nieuwe token; het wordt alleen nu getoond:
no_registrations = Geen openstaande aanvragen.
edit_contract = Contract
contract_policy = Eigen SLA-beleid van het contract (TOML)
contract_policy_note = Alleen wat afwijkt van de basis-SLA, bijv. [priorities.high] reaction = "1h". Leeg: de basis-SLA.
created = Aangemaakt
revoked = ingetrokken
active = actief
revoke = Intrekken
deactivated = gedeactiveerd
deactivate = Deactiveren
reactivate = Heractiveren
account = Account
service_status = Status van de dienst
how_counted = Hoe wordt dit geteld? Elk stuk van de klokken
counted_time = Geteld
not_counted = telt niet mee
no_time_yet = Er is nog geen tijd verstreken.
around_the_clock_note = Het SaaS-platform ligt eruit: dit ticket wordt dag en nacht behandeld.
provisional = voorlopig, tot de servicedesk het ticket beoordeelt
you = jij
system = sladesk
not_found = Ticket niet gevonden.
form_expired = Het formulier was niet meer geldig; probeer het opnieuw.

## The public status page
status_title = Status van de dienstverlening
status_components = Onderdelen
status_this_month = Beschikbaarheid deze maand
status_target = doel
status_days_label = Beschikbaarheid per dag, laatste 90 dagen
status_no_components = Er worden nog geen onderdelen bewaakt.
status_incidents = Storingen
status_since = sinds
status_resolved = opgelost
status_ongoing = loopt nog
status_no_incidents = Geen storingen in de afgelopen 7 dagen.
status_maintenance = Gepland onderhoud
status_emergency = spoedonderhoud
status_no_maintenance = Geen onderhoud gepland.
status_generated = Bijgewerkt
status_up = Beschikbaar
status_down = Niet beschikbaar
status_in_maintenance = Onderhoud
status_all_up = Alle systemen zijn beschikbaar.
status_some_down = Een of meer systemen zijn niet beschikbaar; we werken eraan.
status_no_data = geen gegevens
status_no_downtime = geen downtime
status_downtime = downtime
status_not_counted = onbeschikbaarheid die niet als downtime telt
status_subscribe = Berichten per e-mail
status_email = E-mailadres
status_subscribe_button = Aanmelden
status_check_mail = Bijna klaar: we hebben je een mail gestuurd met een link om je aanmelding te bevestigen.
status_confirmed = Je aanmelding is bevestigd. Je krijgt berichten over storingen en onderhoud.
status_unsubscribed = Je bent afgemeld.
status_unknown_link = Deze link is niet (meer) geldig.
status_back = Terug naar de statuspagina
status_expired = Het formulier is verlopen; probeer het opnieuw vanaf de statuspagina.
status_too_many = Te veel verzoeken vanaf je adres; probeer het later opnieuw.
status_report_vulnerability = Kwetsbaarheid melden

## Errors: the title of a problem by its HTTP status
home = Naar de startpagina
problem_400 = Ongeldig verzoek
problem_401 = Niet ingelogd
problem_403 = Niet toegestaan
problem_404 = Niet gevonden
problem_405 = Methode niet toegestaan
problem_409 = Conflict
problem_413 = Te groot
problem_415 = Niet-ondersteund mediatype
problem_422 = Niet geaccepteerd
problem_429 = Te veel verzoeken
problem_500 = Fout in de server
problem_503 = Niet beschikbaar

## Teksten met de getallen van de SLA die voor het ticket geldt (het beleid van het contract)
office_hours_note = Kantooruren: { $hours }, { $dutch ->
    [yes] Nederlandse tijd, niet op Nederlandse feestdagen
   *[no] tijd in { $zone }, niet op feestdagen
}.
days_range = { $first } tot en met { $last }
mail_waiting_explanation = We hebben je verzoek beantwoord en wachten op je reactie. Zonder reactie binnen { $days ->
    [one] één werkdag
   *[other] { $days } werkdagen
} wordt het ticket gesloten.
mail_auto_closed_subject = [{ $number }] Gesloten na { $days ->
    [one] één werkdag
   *[other] { $days } werkdagen
} zonder reactie
mail_auto_closed_body = We hebben { $days ->
    [one] één werkdag
   *[other] { $days } werkdagen
} geen reactie ontvangen op ticket { $number } "{ $subject }" en hebben het daarom gesloten. Reageer als je nog hulp nodig hebt; we beoordelen dan of heropening passend is.

## Mails
mail_hello = Hallo { $name },
mail_hello_anonymous = Hallo,
mail_status_subject = [{ $number }] Status: { $status }
mail_status_body = Je ticket { $number } "{ $subject }" heeft nu de status { $status }.
mail_closed_explanation = Het ticket is gesloten. Reageer als het probleem niet is opgelost.
mail_reply_subject = [{ $number }] Nieuwe reactie: { $subject }
mail_reply_intro = De servicedesk heeft gereageerd op je ticket { $number }:
mail_reply_in_portal = Reageer in het portaal: { $url }
mail_alert_reaction_warning = { $share }% van de reactietijd is verbruikt
mail_alert_reaction_breach = de reactietijd is overschreden
mail_alert_resolution_warning = { $share }% van de oplostijd is verbruikt
mail_alert_resolution_breach = de oplostijd is overschreden
mail_alert_subject = [{ $number }] SLA: { $what }
mail_alert_body = Ticket { $number } "{ $subject }" (prioriteit { $priority }, lijn { $line }): { $what }.
mail_alert_due = Deadline: { $due }
mail_reminder_subject = [{ $number }] We wachten op je reactie
mail_reminder_body = We wachten nog op je reactie op ticket { $number } "{ $subject }". Zonder reactie wordt het ticket gesloten op { $when }.
mail_confirm_subject = Bevestig je aanmelding voor statusberichten
mail_confirm_intro = Iemand (hopelijk jij) heeft gevraagd om berichten over storingen en onderhoud per e-mail.
mail_confirm_link = Bevestig met deze link:
mail_confirm_ignore = Was jij het niet, negeer deze mail dan.
mail_maintenance_planned = Gepland onderhoud
mail_maintenance_emergency = Spoedonderhoud
mail_maintenance_of = { $kind } aan { $component }
mail_maintenance_when = Van { $from } tot { $to } (Nederlandse tijd)
mail_maintenance_work = Werkzaamheden: { $work }
mail_maintenance_impact = Gevolgen: { $impact }
mail_unsubscribe = Afmelden: { $url }
mail_incident_open = Storing: { $component } is niet beschikbaar
mail_incident_resolved = Opgelost: { $component } is weer beschikbaar
mail_progress = Voortgang: { $url }
mail_registration_subject = Registratieverzoek: { $name } ({ $organization })
mail_registration_body = { $name } <{ $email }> van { $organization } vraagt een portaalaccount aan.
mail_registration_decide = Goedkeuren of afwijzen: { $url }
mail_activation_subject = Je portaalaccount staat klaar
mail_activation_body = Je account voor het self-service portaal is goedgekeurd. Kies je wachtwoord met deze link (7 dagen geldig, eenmalig):
mail_rejected_subject = Je registratieverzoek
mail_rejected_body = We konden je aanvraag voor een portaalaccount niet goedkeuren.
mail_reset_subject = Kies een nieuw wachtwoord
mail_reset_body = Iemand (hopelijk jij) vroeg om je wachtwoord opnieuw in te stellen. Kies een nieuw wachtwoord met deze link (1 uur geldig, eenmalig):
mail_reset_signs_out = Met een nieuw wachtwoord word je overal uitgelogd waar je nu bent ingelogd.
mail_reset_ignore = Was jij het niet, negeer deze mail dan; je wachtwoord blijft zoals het is.
mail_changed_subject = Je wachtwoord is gewijzigd
mail_changed_body = Je wachtwoord voor de servicedesk is zojuist gewijzigd. Voor de veiligheid hebben we je overal uitgelogd ({ $sessions } open sessies beëindigd); log opnieuw in met het nieuwe wachtwoord.
mail_changed_not_you = Heb jij het niet gewijzigd? Stel dan meteen een nieuw wachtwoord in en laat het de servicedesk weten.
mail_locked_subject = Mislukte inlogpogingen op je account
mail_locked_body = Iemand heeft een paar keer geprobeerd in te loggen op je servicedesk-account met een verkeerd wachtwoord. Verdere pogingen worden een tijdje tegengehouden; na een korte wachttijd kun je gewoon inloggen.
mail_locked_not_you = Was jij dit niet? Kies dan een nieuw, lang wachtwoord ("Wachtwoord vergeten?" op de inlogpagina) en stel inloggen in twee stappen in bij je account.
mail_code_locked_subject = Verkeerde inlogcodes op je account: wijzig je wachtwoord
mail_code_locked_body = Iemand heeft je wachtwoord goed ingevuld en daarna een paar verkeerde codes voor de tweede inlogstap. De tweede stap wordt een tijdje tegengehouden.
mail_code_locked_not_you = Was jij dit niet? Dan kent iemand anders je wachtwoord: kies nu een nieuw wachtwoord ("Wachtwoord vergeten?" op de inlogpagina) en laat het de servicedesk weten.
mail_receipt_subject = We hebben je beveiligingsmelding ontvangen ({ $number })
mail_receipt_body = Dank je voor het melden van een mogelijke kwetsbaarheid. De melding staat geregistreerd als { $number } en alleen onze beheerders en het SaaS-team kunnen hem lezen. We antwoorden binnen 5 werkdagen per mail; houd de details voor je tot we het probleem hebben opgelost of samen een datum hebben afgesproken.
mail_report_subject = Nieuwe vertrouwelijke beveiligingsmelding { $number }
mail_report_body = Er is een kwetsbaarheid gemeld via de beveiligingspagina. Alleen beheerders en het SaaS-team kunnen de melding openen:

## De SLA van een ticket in gewone woorden
duration_minutes = { $minutes } min
duration_office_hours = { $hours ->
    [one] { $hours } kantooruur
   *[other] { $hours } kantooruren
}
duration_hours = { $hours } uur
sla_reaction_met = Beantwoord { $at } — binnen de termijn
sla_reaction_late = Beantwoord { $at } — later dan de termijn ({ $due })
sla_reaction_breached = Nog niet beantwoord — moest uiterlijk { $due }
sla_reaction_not_needed = Gesloten voordat een antwoord nodig was
sla_reaction_running = We reageren uiterlijk { $due } — nog { $left }
sla_resolution_met = Opgelost in { $used } (termijn { $target }) — gehaald
sla_resolution_breached = Opgelost in { $used } (termijn { $target }) — overschreden
sla_paused_for_customer = gepauzeerd zolang we op jou wachten
sla_paused_for_development = gepauzeerd zolang we op ontwikkeling wachten
sla_resolution_paused = Klok { $why }: { $used } van { $target } gebruikt{ $breached ->
    [yes] , termijn al overschreden
   *[no] {""}
}
sla_resolution_running_breached = Loopt — termijn overschreden
sla_resolution_running_breached_since = Loopt — termijn overschreden sinds { $due }
sla_resolution_running = Loopt — uiterlijk { $due } — nog { $left }
sla_auto_close = Als we niets van je horen, sluiten we het ticket op { $at }.

## De geschiedenis van een ticket op zijn pagina
event_created = diende het ticket in
event_replied = reageerde
event_status = status: { $from } → { $to }
event_priority = prioriteit: { $from } → { $to }
event_escalation = naar lijn { $line }

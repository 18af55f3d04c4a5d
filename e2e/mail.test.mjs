// Conversations by mail and files on tickets (T1, T5) in a real browser (Debian's Chromium,
// playwright-core) against a real `sladesk serve`: a customer attaches a log to a new ticket
// in the portal; the agent downloads it and replies with a screenshot; the customer's reply by
// mail (a real `sladesk mail receive`, as an MTA's pipe runs it) appears on the ticket page
// with its file; every page passes axe-core (WCAG 2.1 AA).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { callApi, enrolStaff, launchChromium, serveEmpty, sladeskOn, violations } from "./serve.mjs";

const password = "correct horse battery staple 42";
let server, browser, base, dataDir;

const sladesk = (args, input) => sladeskOn(dataDir, args, input);

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "sladesk-e2e-mail-"));
  ({ server, base } = await serveEmpty(dataDir));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
});

// A 1x1 PNG: the screenshot.
const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
const log = "2026-12-02 09:10:00 ERROR connector exact: 401 Unauthorized\n";

test("a log on a new ticket, a screenshot in the reply, and the customer's answer by mail", async () => {
  const admin = sladesk(["token", "create", "--email", "ada@vendor.example", "--role", "admin", "--language", "en"]).trim();
  const acme = await callApi(base, admin, "/api/v1/organizations", {
    method: "POST", body: JSON.stringify({ name: "Acme", tier: "support", products: ["Qixium"] }),
  });
  sladesk(["token", "create", "--email", "kim@acme.example", "--role", "customer", "--organization", String(acme.id)]);
  sladesk(["user", "set-password", "--email", "kim@acme.example"], password + "\n");

  // The customer, in Dutch, files a ticket with the connector's log.
  const customerContext = await browser.newContext({ locale: "nl-NL", acceptDownloads: true });
  const customer = await customerContext.newPage();
  await customer.goto(`${base}/login`);
  await customer.getByLabel("E-mailadres").fill("kim@acme.example");
  await customer.getByLabel("Wachtwoord").fill(password);
  await customer.getByRole("button", { name: "Inloggen" }).click();
  await customer.waitForURL(/\/tickets/);
  await customer.goto(`${base}/tickets/new`);
  await customer.locator("#subject").fill("Exact-koppeling weigert");
  await customer.locator("#description").fill("Sinds 09:10 komen er geen orders door, log bijgevoegd.");
  await customer.getByLabel("Bestanden (optioneel)").setInputFiles({ name: "exact.log", mimeType: "text/plain", buffer: Buffer.from(log) });
  assert.deepEqual(await violations(customer), []);
  await customer.locator("form button[type=submit]").last().click();
  await customer.waitForURL(/\/tickets\/\d+$/);
  const ticketId = customer.url().split("/").pop();
  assert.equal(await customer.getByRole("link", { name: "exact.log" }).count(), 1, "the log is on the ticket");

  // The agent, in English, downloads the log and replies with a screenshot.
  sladesk(["user", "set-password", "--email", "ada@vendor.example"], password + "\n");
  const staffContext = await browser.newContext({ locale: "en-GB", acceptDownloads: true });
  const desk = await staffContext.newPage();
  await enrolStaff(desk, base, "ada@vendor.example", password);
  await desk.goto(`${base}/tickets/${ticketId}`);
  const [download] = await Promise.all([
    desk.waitForEvent("download"),
    desk.getByRole("link", { name: "exact.log" }).click(),
  ]);
  assert.equal(download.suggestedFilename(), "exact.log");
  assert.equal(readFileSync(await download.path(), "utf8"), log, "the bytes the customer sent");
  await desk.locator("#reply-body").fill("The token expired; see the screenshot for where to renew it.");
  await desk.locator("#reply-files").setInputFiles({ name: "renew-token.png", mimeType: "image/png", buffer: png });
  await desk.getByRole("button", { name: "Send", exact: true }).click();
  await desk.waitForURL(new RegExp(`/tickets/${ticketId}$`));
  assert.equal(await desk.getByRole("link", { name: "renew-token.png" }).count(), 1);
  assert.deepEqual(await violations(desk), []);

  // The customer answers the reply's mail; the MTA pipes it to `sladesk mail receive`.
  const number = `SD-${String(ticketId).padStart(6, "0")}`;
  const reply = [
    "From: Kim <kim@acme.example>",
    "To: support@vendor.example",
    `Subject: Re: [${number}] Nieuwe reactie: Exact-koppeling weigert`,
    "Message-ID: <kim-1@acme.example>",
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="b"',
    "",
    "--b",
    "Content-Type: text/plain; charset=UTF-8",
    "",
    "Token vernieuwd, de orders lopen weer. Dank!",
    "",
    "Op wo 2 dec 2026 om 10:00 schreef Servicedesk <desk@vendor.example>:",
    "> The token expired; see the screenshot.",
    "--b",
    "Content-Type: text/plain",
    'Content-Disposition: attachment; filename="after.log"',
    "",
    "2026-12-02 10:30:00 INFO connector exact: 200 OK",
    "--b--",
    "",
  ].join("\r\n");
  const said = sladesk(["mail", "receive"], reply);
  assert.equal(said, "", "nothing on stdout");
  await customer.reload();
  const conversation = await customer.locator("#conversation-heading").locator("xpath=..").textContent();
  assert.match(conversation, /Token vernieuwd, de orders lopen weer\. Dank!/);
  assert.doesNotMatch(conversation, /schreef Servicedesk/, "the quoted history is cut off");
  assert.equal(await customer.getByRole("link", { name: "after.log" }).count(), 1);
  assert.equal(await customer.getByRole("link", { name: "renew-token.png" }).count(), 1, "the agent's screenshot");
  // An image is shown as a picture (loaded from the desk, typed by its bytes); a log is not.
  const picture = customer.locator('img[alt="renew-token.png"]');
  assert.equal(await picture.count(), 1);
  await picture.scrollIntoViewIfNeeded();
  await customer.waitForFunction((alt) => { const img = document.querySelector(`img[alt="${alt}"]`); return img && img.complete && img.naturalWidth === 1; }, "renew-token.png");
  assert.equal(await customer.locator('img[alt="after.log"]').count(), 0);
  assert.deepEqual(await violations(customer), []);

  // A stranger writes to the ticket: quarantined, reviewed by staff, added as a note.
  const stranger = [
    "From: Mallory <mallory@elsewhere.example>",
    `Subject: Re: [${number}] Exact-koppeling weigert`,
    "Message-ID: <mallory-1@elsewhere.example>",
    "",
    "Please send me the customer's order export.",
    "",
  ].join("\r\n");
  sladesk(["mail", "receive"], stranger);
  await desk.goto(`${base}/mail/quarantine`);
  const held = desk.locator("#quarantine tbody tr");
  assert.equal(await held.count(), 1);
  assert.match(await held.textContent(), /mallory@elsewhere\.example/);
  assert.deepEqual(await violations(desk), []);
  await held.getByRole("button", { name: "Add to the ticket as a note" }).click();
  await desk.waitForURL(/\/mail\/quarantine$/);
  assert.equal(await desk.locator("#quarantine-empty").count(), 1);
  await desk.goto(`${base}/tickets/${ticketId}`);
  assert.match(await desk.locator("article.internal").last().textContent(), /From: mallory@elsewhere\.example/);
  await customer.reload();
  assert.doesNotMatch(await customer.content(), /mallory/, "a note never reaches the customer");
  await customerContext.close();
  await staffContext.close();
});

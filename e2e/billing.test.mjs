// Consultancy (C1-C2) in a real browser (Debian's Chromium, playwright-core) against a real
// `sladesk serve`: staff propose work on a consultancy request in English, the customer reads
// and approves it in the portal in Dutch, staff book billable time, and the month's billing
// page shows the amount after the minimum block, to staff in English and to the customer in
// Dutch; every page passes axe-core (WCAG 2.1 AA).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { callApi, enrolStaff, launchChromium, serveEmpty, sladeskOn, violations } from "./serve.mjs";

const password = "correct horse battery staple 42";
let server, browser, base, dataDir;

const sladesk = (args, input) => sladeskOn(dataDir, args, input);

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "sladesk-e2e-billing-"));
  ({ server, base } = await serveEmpty(dataDir));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
});

const api = (token, path, init) => callApi(base, token, path, init);

test("staff propose, the customer approves in the portal, staff book time, the month bills the block", async () => {
  const admin = sladesk(["token", "create", "--email", "ada@vendor.example", "--role", "admin", "--language", "en"]).trim();
  const acme = await api(admin, "/api/v1/organizations", {
    method: "POST", body: JSON.stringify({ name: "Acme", tier: "qaas", products: ["Qixium"] }),
  });
  const kim = sladesk(["token", "create", "--email", "kim@acme.example", "--role", "customer", "--organization", String(acme.id)]).trim();
  const ticket = await api(kim, "/api/v1/tickets", {
    method: "POST",
    body: JSON.stringify({ type: "consultancy_request", environment: "production", product: "Qixium",
      subject: "Help met de mapping", description: "Kunnen jullie de orderstroom mappen?" }),
  });

  // Staff, in English: the proposal on the ticket's page.
  sladesk(["user", "set-password", "--email", "ada@vendor.example"], password + "\n");
  const staff = await browser.newContext({ locale: "en-GB" });
  const desk = await staff.newPage();
  await enrolStaff(desk, base, "ada@vendor.example", password);
  await desk.goto(`${base}/tickets/${ticket.id}`);
  await desk.getByLabel("Why this is not support").selectOption({ label: "a consultancy request" });
  await desk.getByLabel("Kind of work").selectOption({ label: "ad hoc consultancy, remote" });
  await desk.getByLabel("What will be done").fill("Map the order flow to the ERP");
  await desk.getByLabel("Estimate (hours, like 6 or 4.5)").fill("3.5");
  await desk.getByRole("button", { name: "Propose to the customer" }).click();
  await desk.waitForURL(new RegExp(`/tickets/${ticket.id}$`));
  const proposal = desk.locator("article[id^=proposal-]");
  assert.match(await proposal.textContent(), /waiting for the customer's approval/);
  assert.match(await proposal.textContent(), /billed as 4 h: 600\.00 EUR/);
  // Billable time is refused until the customer approves, with the reason on the page.
  await desk.getByLabel("Hours (like 1.5)").fill("3");
  await desk.getByLabel("Billable on an approved proposal").check();
  await desk.getByRole("button", { name: "Book", exact: true }).click();
  assert.match(await desk.getByRole("alert").textContent(), /billable time needs a proposal/);
  assert.deepEqual(await violations(desk), []);

  // The customer, in Dutch: reads the proposal and approves it.
  sladesk(["user", "set-password", "--email", "kim@acme.example"], password + "\n");
  const context = await browser.newContext({ locale: "nl-NL" });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.getByLabel("E-mailadres").fill("kim@acme.example");
  await page.getByLabel("Wachtwoord").fill(password);
  await page.getByRole("button", { name: "Inloggen" }).click();
  await page.waitForURL(/\/tickets/);
  await page.goto(`${base}/tickets/${ticket.id}`);
  const offer = page.locator("article[id^=proposal-]");
  assert.match(await offer.textContent(), /Map the order flow to the ERP/);
  assert.match(await offer.textContent(), /150,00 EUR per uur/);
  assert.equal(await page.getByLabel("Uren (zoals 1,5)").count(), 0, "customers book no time");
  assert.deepEqual(await violations(page), []);
  await page.getByRole("button", { name: "Akkoord" }).click();
  await page.waitForURL(new RegExp(`/tickets/${ticket.id}$`));
  assert.match(await offer.textContent(), /Besloten op/);
  assert.equal(await page.getByRole("button", { name: "Akkoord" }).count(), 0, "approved once");

  // Staff book 3 hours on the approved proposal.
  await desk.goto(`${base}/tickets/${ticket.id}`);
  await desk.getByLabel("Hours (like 1.5)").fill("3");
  await desk.getByLabel("Billable on an approved proposal").check();
  await desk.getByLabel("Proposal", { exact: true }).selectOption({ index: 1 });
  await desk.getByLabel("Note", { exact: true }).fill("Mapping session");
  await desk.getByRole("button", { name: "Book", exact: true }).click();
  await desk.waitForURL(new RegExp(`/tickets/${ticket.id}$`));
  assert.match(await desk.locator("#time table").textContent(), /3 h[^]*billed on proposal/);
  assert.deepEqual(await violations(desk), []);

  // The month's billing: 3 h booked is the 4 h minimum at €150.
  await desk.getByRole("link", { name: "Billing" }).click();
  await desk.waitForURL(/\/billing$/);
  assert.match(await desk.locator("#billing-lines tbody").textContent(), /Acme[^]*3 h[^]*4 h[^]*150\.00 EUR[^]*600\.00 EUR/);
  assert.equal(await desk.locator("#billing-total").textContent(), "600.00 EUR");
  assert.deepEqual(await violations(desk), []);
  await page.getByRole("link", { name: "Facturatie" }).click();
  await page.waitForURL(/\/billing$/);
  assert.equal(await page.locator("#billing-total").textContent(), "600,00 EUR");
  assert.deepEqual(await violations(page), []);
  await staff.close();
  await context.close();
});

// Monthly SLA reports (S3) in a real browser (Debian's Chromium, playwright-core) against a
// real `sladesk serve`: staff read the whole desk's report in English, a customer its own
// organisation's in Dutch. The kept / not kept marks must say what the API says, the charts
// must carry their figures as text, and both pages pass axe-core (WCAG 2.1 AA).
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
  dataDir = mkdtempSync(join(tmpdir(), "sladesk-e2e-reports-"));
  ({ server, base } = await serveEmpty(dataDir));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
});

/// The marks the API gives a report's indicative lines: [kept, not kept].
function marks(report) {
  const lines = [...report.priorities, ...report.outages].flatMap((r) => r.indicative);
  return [lines.filter((l) => l.kept === true).length, lines.filter((l) => l.kept === false).length];
}

const api = (token, path, init) => callApi(base, token, path, init);

test("staff and a customer read this month's SLA report, in English and in Dutch", async () => {
  const token = sladesk(["token", "create", "--email", "ada@vendor.example", "--role", "admin", "--language", "en"]).trim();
  sladesk(["user", "set-password", "--email", "ada@vendor.example"], password + "\n");
  const org = await api(token, "/api/v1/organizations", {
    method: "POST", body: JSON.stringify({ name: "Acme", tier: "support", products: ["Qixium"] }),
  });
  sladesk(["token", "create", "--email", "kim@acme.example", "--role", "customer", "--organization", String(org.id)]);
  sladesk(["user", "set-password", "--email", "kim@acme.example"], password + "\n");
  // Three tickets this month: two answered and closed, one left open.
  for (const [subject, priority, close] of [["Orders stuck", "high", true], ["Invoice export", "normal", true], ["Mapping question", "low", false]]) {
    const ticket = await api(token, "/api/v1/tickets", {
      method: "POST",
      body: JSON.stringify({ organization_id: org.id, type: "incident", environment: "production", product: "Qixium", subject, description: "Details.", priority }),
    });
    if (close) {
      await api(token, `/api/v1/tickets/${ticket.id}/comments`, { method: "POST", body: JSON.stringify({ body: "Solved.", visibility: "public" }) });
      await api(token, `/api/v1/tickets/${ticket.id}/transitions`, { method: "POST", body: JSON.stringify({ status: "closed" }) });
    }
  }
  const month = new Date().toLocaleDateString("sv-SE", { timeZone: "Europe/Amsterdam" }).slice(0, 7);
  const report = await api(token, `/api/v1/reports/sla?organization=${org.id}&month=${month}`);
  assert.equal(report.headline.opened, 3);
  assert.equal(report.headline.resolved, 2);
  const [kept, notKept] = marks(report);
  assert.ok(kept + notKept > 0, JSON.stringify(report.priorities));

  // Staff, in English: the whole desk, then Acme.
  const staff = await browser.newContext({ locale: "en-GB" });
  const page = await staff.newPage();
  await enrolStaff(page, base, "ada@vendor.example", password);
  await page.goto(`${base}/desk`);
  await page.getByRole("link", { name: "Reports" }).click();
  await page.waitForURL(/\/reports$/);
  await page.getByLabel("Organisation").selectOption({ label: "Acme" });
  await page.getByLabel("Month (like 2026-10)").fill(month);
  await page.getByRole("button", { name: "Show" }).click();
  await page.waitForURL(/from=/);
  const priorities = page.locator("table", { has: page.locator("caption", { hasText: "Per priority" }) });
  assert.equal(await priorities.getByText("✓ kept").count(), kept);
  assert.equal(await priorities.getByText("✗ not kept").count(), notKept);
  assert.match(await priorities.locator("tr", { hasText: "Low" }).textContent(), /no tickets/);
  // The charts are images with their figures as text.
  const chart = page.getByRole("img", { name: /Achieved share against the promised share/ });
  await chart.waitFor();
  const description = await chart.locator("desc").textContent();
  assert.match(description, /High — 90 % within 4 office hours: /);
  const trend = page.getByRole("img", { name: /Reaction and resolution within target/ });
  assert.match(await trend.locator("desc").textContent(), new RegExp(`${month}: reaction `));
  assert.deepEqual(await violations(page), []);
  // The downloads are the API's CSV.
  const csv = await page.getByRole("link", { name: "Figures (CSV)" }).getAttribute("href");
  assert.match(csv, /format=csv/);
  await staff.close();

  // The customer, in Dutch: only its own organisation, no choice of another.
  const customer = await browser.newContext({ locale: "nl-NL" });
  const portal = await customer.newPage();
  await portal.goto(`${base}/login`);
  await portal.getByLabel("E-mailadres").fill("kim@acme.example");
  await portal.getByLabel("Wachtwoord").fill(password);
  await portal.getByRole("button", { name: "Inloggen" }).click();
  await portal.waitForURL(/\/tickets/);
  await portal.getByRole("link", { name: "Rapporten" }).click();
  await portal.getByLabel("Maand (zoals 2026-10)").fill(month);
  await portal.getByRole("button", { name: "Toon" }).click();
  await portal.waitForURL(/from=/);
  assert.equal(await portal.getByLabel("Organisatie").count(), 0);
  assert.match(await portal.getByRole("heading", { level: 2 }).first().textContent(), /Acme/);
  const tabel = portal.locator("table", { has: portal.locator("caption", { hasText: "Per prioriteit" }) });
  assert.equal(await tabel.getByText("✓ gehaald").count(), kept);
  assert.equal(await tabel.getByText("✗ niet gehaald").count(), notKept);
  const grafiek = portal.getByRole("img", { name: /Gehaald aandeel tegen beloofd aandeel/ });
  assert.match(await grafiek.locator("desc").textContent(), /Hoog — 90 % binnen 4 kantooruren: /);
  assert.match(await portal.getByText("Welke tickets tellen").textContent(), /Welke tickets tellen/);
  assert.deepEqual(await violations(portal), []);
  // Another organisation's report is not there for a customer.
  const other = await portal.goto(`${base}/reports?organization=999&from=${month}`);
  assert.equal(other.status(), 200, "the organisation choice is the staff's; a customer keeps its own");
  await customer.close();
});

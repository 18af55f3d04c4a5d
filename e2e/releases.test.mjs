// Releases (R1-R3) in a real browser (Debian's Chromium, playwright-core) against a real
// `sladesk serve`: the SaaS team plans a release on /releases, reads its rollout plan, starts
// it and marks a batch done on the release's page; a customer sees its instance's ring, the
// release's notes and its update window, in Dutch, and not another customer's; every page
// passes axe-core (WCAG 2.1 AA).
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
  dataDir = mkdtempSync(join(tmpdir(), "sladesk-e2e-releases-"));
  ({ server, base } = await serveEmpty(dataDir));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
});

const api = (token, path, init) => callApi(base, token, path, init);

test("the SaaS team plans and starts a rollout; a customer sees its ring and its window", async () => {
  const token = sladesk(["token", "create", "--email", "ada@vendor.example", "--role", "admin", "--language", "en"]).trim();
  const acme = await api(token, "/api/v1/organizations", {
    method: "POST", body: JSON.stringify({ name: "Acme", tier: "support", products: ["Qixium"] }),
  });
  const qorp = await api(token, "/api/v1/organizations", {
    method: "POST", body: JSON.stringify({ name: "Qorp", tier: "qaas", products: ["Qixium"] }),
  });
  const mine = await api(token, "/api/v1/components", {
    method: "POST", body: JSON.stringify({ name: "Acme productie", production: true, organization_id: acme.id }),
  });
  const theirs = await api(token, "/api/v1/components", {
    method: "POST", body: JSON.stringify({ name: "Qorp productie", production: true, organization_id: qorp.id }),
  });
  await api(token, `/api/v1/components/${mine.id}/ring`, { method: "PUT", body: JSON.stringify({ ring: "broad" }) });
  await api(token, `/api/v1/components/${theirs.id}/ring`, { method: "PUT", body: JSON.stringify({ ring: "early_access" }) });

  // The SaaS team, in English, on the pages: plans the release, reads the plan, starts it.
  sladesk(["user", "set-password", "--email", "ada@vendor.example"], password + "\n");
  const staff = await browser.newContext({ locale: "en-GB" });
  const desk = await staff.newPage();
  await enrolStaff(desk, base, "ada@vendor.example", password);
  await desk.goto(`${base}/releases`);
  assert.deepEqual(await violations(desk), []);
  await desk.getByLabel("Version (like 2027.01)").fill("2027.01");
  await desk.getByLabel("Planned start (optional)").fill("2027-01-04");
  await desk.getByLabel("Note 1: kind").selectOption({ label: "New" });
  await desk.getByLabel("Note 1: English").fill("Connector for Exact Online");
  await desk.getByLabel("Note 1: Dutch").fill("Connector voor Exact Online");
  await desk.getByLabel("Note 2: kind").selectOption({ label: "Security" });
  await desk.getByLabel("Note 2: English").fill("Newer TLS libraries");
  await desk.getByLabel("Note 2: Dutch").fill("Nieuwere TLS-bibliotheken");
  await desk.getByRole("button", { name: "Plan the release" }).click();
  await desk.waitForURL(/\/releases\/\d+$/);
  const releaseId = Number(new URL(desk.url()).pathname.split("/").pop());
  // The plan before the start: Early Access (Qorp) on Monday evening, Broad (Acme) on Tuesday.
  const plan = desk.locator("table", { has: desk.locator("caption", { hasText: "Batches of the rollout" }) });
  assert.equal(await plan.locator("tbody tr").count(), 2);
  assert.match(await plan.locator("tbody tr").nth(0).textContent(), /Early Access.*Monday 4 January 2027 18:00.*Qorp productie/);
  assert.match(await plan.locator("tbody tr").nth(1).textContent(), /Broad.*Tuesday 5 January 2027 18:00.*Acme productie/);
  assert.deepEqual(await violations(desk), []);
  await desk.getByRole("button", { name: "Start the rollout" }).click();
  await desk.waitForURL(new RegExp(`/releases/${releaseId}$`));
  const batches = desk.locator("table", { has: desk.locator("caption", { hasText: "how each went" }) });
  assert.equal(await batches.locator("tbody tr").count(), 2);
  await desk.getByRole("button", { name: "Batch 1 done" }).click();
  await desk.waitForURL(new RegExp(`/releases/${releaseId}$`));
  assert.match(await batches.locator("tbody tr").nth(0).textContent(), /done/);
  assert.equal(await desk.getByRole("button", { name: "Batch 1 done" }).count(), 0);
  assert.deepEqual(await violations(desk), []);
  await staff.close();
  // What the API says the pages did.
  const started = await api(token, `/api/v1/releases/${releaseId}`);
  assert.equal(started.state, "rolling_out");
  assert.deepEqual(started.batches.map((b) => b.state), ["done", "planned"]);
  assert.ok(started.windows.find((w) => w.component_id === mine.id), JSON.stringify(started.windows));

  sladesk(["token", "create", "--email", "kim@acme.example", "--role", "customer", "--organization", String(acme.id)]);
  sladesk(["user", "set-password", "--email", "kim@acme.example"], password + "\n");
  const context = await browser.newContext({ locale: "nl-NL" });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.getByLabel("E-mailadres").fill("kim@acme.example");
  await page.getByLabel("Wachtwoord").fill(password);
  await page.getByRole("button", { name: "Inloggen" }).click();
  await page.waitForURL(/\/tickets/);
  await page.getByRole("link", { name: "Releases" }).click();
  await page.waitForURL(/\/releases$/);
  assert.match(await page.getByText(/Release 2027\.01, vanaf 2027-01-04/).textContent(), /in uitrol/);
  assert.equal(await page.getByText("Connector voor Exact Online").count(), 1);
  const instances = page.locator("table", { has: page.locator("caption", { hasText: /^Elke instantie en de ring/ }) });
  assert.equal(await instances.getByRole("row").count(), 2, "a header and Acme's one instance");
  assert.equal(await instances.getByRole("cell", { name: "Broad" }).count(), 1);
  const windows = page.locator("table", { has: page.locator("caption", { hasText: /^Wanneer elke instantie/ }) });
  assert.equal(await windows.getByRole("cell", { name: "Acme productie" }).count(), 1);
  // Acme is Broad: the day after Early Access (Qorp on Monday 4 January), at 18:00 Dutch time.
  assert.equal(await windows.getByRole("cell", { name: "dinsdag 5 januari 2027 18:00" }).count(), 1);
  assert.equal(await page.getByText("Qorp productie").count(), 0, "another customer's instance stays out");
  assert.deepEqual(await violations(page), []);
  // The calendar address: made on the page, read as a calendar app would, without signing in.
  await page.getByRole("button", { name: "Agenda-adres maken" }).click();
  const address = await page.getByLabel(/Uw agenda-adres/).inputValue();
  assert.match(address, /\/calendars\/updates\/[0-9a-f]{64}\.ics\?lang=nl$/);
  assert.deepEqual(await violations(page), []);
  const calendar = await (await fetch(address.replace(/^https?:\/\/[^/]+/, base))).text();
  assert.match(calendar, /SUMMARY:Update 2027\.01: Acme productie/);
  assert.doesNotMatch(calendar, /Qorp/);
  await context.close();
});

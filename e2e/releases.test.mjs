// Releases (R1-R3) in a real browser (Debian's Chromium, playwright-core) against a real
// `sladesk serve`: the SaaS team plans and starts a rollout through the API; a customer sees
// its instance's ring, the release's notes and its update window on /releases, in Dutch, and
// not another customer's; the page passes axe-core (WCAG 2.1 AA).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchChromium, serveEmpty, sladeskOn, violations } from "./serve.mjs";

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

async function api(token, path, init = {}) {
  const response = await fetch(`${base}${path}`, {
    ...init, headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...(init.headers ?? {}) },
  });
  assert.ok(response.ok, `${path}: ${response.status} ${await response.clone().text()}`);
  return response.json();
}

test("the SaaS team starts a rollout; a customer sees its ring and its window", async () => {
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
  const release = await api(token, "/api/v1/releases", {
    method: "POST",
    body: JSON.stringify({ version: "2027.01", planned_start: "2027-01-04", notes: [
      { kind: "new", en: "Connector for Exact Online", nl: "Connector voor Exact Online" },
      { kind: "security", en: "Newer TLS libraries", nl: "Nieuwere TLS-bibliotheken" },
    ] }),
  });
  const started = await api(token, `/api/v1/releases/${release.id}/start`, { method: "POST", body: "{}" });
  assert.equal(started.state, "rolling_out");
  const window = started.windows.find((w) => w.component_id === mine.id);
  assert.ok(window, JSON.stringify(started.windows));

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
  await context.close();
});

// Versions of the SLA (G3) in a real browser (Debian's Chromium, playwright-core) against a
// real `sladesk serve`: an admin publishes a material change on the SLA page and sees what it
// changed, key by key; a customer finds the new version under "SLA" in the portal and records
// a notice of termination. Both read Dutch. Both pages are checked by axe-core (WCAG 2.1 AA).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { enrolStaff, launchChromium, serveEmpty, sladeskOn, violations } from "./serve.mjs";

const password = "correct horse battery staple 42";
let server, browser, base, dataDir;

const sladesk = (args, input) => sladeskOn(dataDir, args, input);

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "sladesk-e2e-versions-"));
  ({ server, base } = await serveEmpty(dataDir));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
});

test("an admin publishes a version; a customer reads it and gives notice", async () => {
  const token = sladesk(["token", "create", "--email", "ada@vendor.example", "--role", "admin"]).trim();
  sladesk(["user", "set-password", "--email", "ada@vendor.example"], password + "\n");
  const org = await (await fetch(`${base}/api/v1/organizations`, {
    method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "Acme", tier: "support", products: ["Qixium"] }),
  })).json();
  sladesk(["token", "create", "--email", "kim@acme.example", "--role", "customer", "--organization", String(org.id)]);
  sladesk(["user", "set-password", "--email", "kim@acme.example"], password + "\n");

  // The admin signs in (setting up the second step) and publishes on the SLA page.
  const staff = await browser.newContext({ locale: "en-GB" });
  const page = await staff.newPage();
  await enrolStaff(page, base, "ada@vendor.example", password);
  await page.goto(`${base}/desk`);
  await page.getByRole("link", { name: "SLA" }).click();
  await page.waitForURL(/\/policies$/);
  assert.deepEqual(await violations(page), []);
  const effective = new Date(Date.now() + 40 * 86400_000).toISOString().slice(0, 10);
  // The admin reads Dutch (the default for a person made on the command line).
  await page.getByLabel("Beleid (TOML)").fill('version = "basis-2027"\n[priorities.high]\nresolution = "6h"\n');
  await page.getByLabel("Wat er verandert, in het Engels").fill("High tickets are resolved within 6 office hours.");
  await page.getByLabel("Wat er verandert, in het Nederlands").fill("Tickets met prioriteit Hoog worden binnen 6 kantooruren opgelost.");
  await page.getByLabel("Gaat in op (00:00 Nederlandse tijd)").fill(effective);
  await page.getByLabel(/Dit is een wezenlijke wijziging/).check();
  await page.getByRole("button", { name: "Publiceren" }).click();
  await page.waitForURL(/\/policies\/basis-2027$/);
  const changed = page.locator("tr", { hasText: "priorities.high.resolution" });
  assert.match(await changed.textContent(), /"8h"\s*"6h"/);
  assert.deepEqual(await violations(page), []);
  await staff.close();

  // The customer finds it under "SLA" and records a notice of termination, in Dutch.
  const customer = await browser.newContext({ locale: "nl-NL" });
  const portal = await customer.newPage();
  await portal.goto(`${base}/login`);
  await portal.getByLabel("E-mailadres").fill("kim@acme.example");
  await portal.getByLabel("Wachtwoord").fill(password);
  await portal.getByRole("button", { name: "Inloggen" }).click();
  await portal.waitForURL(/\/tickets/);
  await portal.getByRole("link", { name: "SLA" }).click();
  const row = portal.locator("tr", { hasText: "basis-2027" });
  assert.match(await row.textContent(), /binnen 6 kantooruren/);
  await portal.getByRole("link", { name: "basis-2027" }).click();
  await portal.getByLabel(/Toelichting voor de leverancier/).fill("Te streng voor ons.");
  await portal.getByRole("button", { name: "Onze opzegging vastleggen" }).click();
  await portal.getByRole("status").waitFor();
  assert.match(await portal.getByRole("status").textContent(), /opzegging is vastgelegd/);
  assert.equal(await portal.getByRole("button", { name: "Onze opzegging vastleggen" }).count(), 0);
  assert.deepEqual(await violations(portal), []);
  await customer.close();

  // Staff see the notice through the API.
  const notices = await (await fetch(`${base}/api/v1/policies/basis-2027/terminations`, {
    headers: { authorization: `Bearer ${token}` },
  })).json();
  assert.equal(notices.length, 1);
  assert.equal(notices[0].note, "Te streng voor ons.");
});

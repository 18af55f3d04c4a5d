// WCAG 2.1 AA, checked by axe-core in a real browser (Debian's Chromium, playwright-core) on
// the pages a person meets: the public ones (sign-in, registration, password reset, status,
// vulnerability disclosure, first-run setup, an error page) and a customer's signed-in ones
// (ticket list, new ticket, a ticket, account) and the staff's (queues, a ticket with the
// triage tools, admin, availability, backups and drills), in Dutch and English.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchChromium, serveEmpty, sladeskOn, violations } from "./serve.mjs";
import * as OTPAuth from "otpauth";

const password = "correct horse battery staple 42";
let server, browser, base, dataDir, setupLink;
// Fair use: a customer instance with some use, and a case about it (made with the customer).
let instance, fairUseCase;


const sladesk = (args, input) => sladeskOn(dataDir, args, input);

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "sladesk-e2e-a11y-"));
  ({ server, base, setupLink } = await serveEmpty(dataDir));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
});

for (const lang of ["nl", "en"]) {
  test(`public pages meet WCAG 2.1 AA (${lang})`, async () => {
    const context = await browser.newContext({ locale: lang === "nl" ? "nl-NL" : "en-GB" });
    const page = await context.newPage();
    const found = {};
    for (const path of ["/login", "/register", "/password-reset", "/status", "/security", "/no/such/page", new URL(setupLink).pathname + new URL(setupLink).search]) {
      await page.goto(`${base}${path}`);
      const problems = await violations(page);
      if (problems.length) found[path] = problems;
    }
    assert.deepEqual(found, {});
    // The checker does find what it is for: an image without a text alternative.
    await page.evaluate(() => document.querySelector("main, body").append(Object.assign(document.createElement("img"), { src: "/favicon.svg" })));
    assert.ok((await violations(page)).some((v) => v.startsWith("image-alt")));
    await context.close();
  });
}

test("a customer's signed-in pages meet WCAG 2.1 AA", async () => {
  // The first admin through the CLI's token (the setup link stays for the test above), an
  // organisation through the API, a customer with a password (no second step: not required).
  const token = sladesk(["token", "create", "--email", "ada@vendor.example", "--role", "admin"]).trim();
  const org = await (await fetch(`${base}/api/v1/organizations`, {
    method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "Acme", tier: "support", products: ["Qixium"] }),
  })).json();
  sladesk(["token", "create", "--email", "kim@acme.example", "--role", "customer", "--organization", String(org.id)]);
  const api = async (path, body) => (await fetch(`${base}/api/v1${path}`, {
    method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  })).json();
  instance = (await api("/components", { name: "Acme prod", organization_id: org.id })).id;
  for (const back of [1, 2, 3]) {
    const day = new Date(Date.now() - back * 86_400_000).toISOString().slice(0, 10);
    await api("/usage", { day, values: [{ component_id: instance, measure: "api_calls", value: 1000 * back }] });
  }
  fairUseCase = (await api("/fair-use/cases", { component_id: instance, measure: "network", reason: "Bulk export saturated the shared network.", acute: true })).id;
  assert.ok(instance && fairUseCase);
  sladesk(["user", "set-password", "--email", "kim@acme.example"], password + "\n");
  const context = await browser.newContext({ locale: "nl-NL" });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.getByLabel("E-mailadres").fill("kim@acme.example");
  await page.getByLabel("Wachtwoord").fill(password);
  await page.getByRole("button", { name: "Inloggen" }).click();
  await page.waitForURL(/\/tickets/);
  await page.goto(`${base}/tickets/new`);
  await page.locator("#subject").fill("Nachtelijke synchronisatie faalt");
  await page.locator("#description").fill("Sinds maandag");
  await page.locator("form button[type=submit]").last().click();
  await page.waitForURL(/\/tickets\/\d+/);
  const ticket = page.url();
  const found = {};
  for (const url of [`${base}/tickets`, `${base}/tickets/new`, ticket, `${base}/account`, `${base}/policies`, `${base}/credits?month=2026-11`, `${base}/reports`, `${base}/releases`, `${base}/fair-use`, `${base}/fair-use/tenants/${instance}`, `${base}/fair-use/cases/${fairUseCase}`]) {
    await page.goto(url);
    const problems = await violations(page);
    if (problems.length) found[url] = problems;
  }
  assert.deepEqual(found, {});
  // The fair-use pages were the real ones: a chart a measure, and the acute limit told.
  await page.goto(`${base}/fair-use/tenants/${instance}`);
  assert.equal(await page.locator("svg.chart").count(), 6);
  await page.goto(`${base}/fair-use/cases/${fairUseCase}`);
  assert.match(await page.locator("#case-steps").textContent(), /Direct beperkt/);
  await context.close();
});

for (const [email, role] of [["eva@vendor.example", "first-line"], ["ada@vendor.example", "admin"]]) {
  test(`the staff's pages meet WCAG 2.1 AA (${role})`, async () => {
    // Staff with a password; the second step is set up on the first sign-in.
    sladesk(["token", "create", "--email", email, "--role", role]);
    sladesk(["user", "set-password", "--email", email], password + "\n");
    const context = await browser.newContext({ locale: "en-GB" });
    const page = await context.newPage();
    await page.goto(`${base}/login?lang=en`);
    await page.getByLabel("Email address").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/two-factor/);
    const found = {};
    const check = async (name) => {
      const problems = await violations(page);
      if (problems.length) found[name] = problems;
    };
    await check("two-factor enrolment");
    const secret = (await page.locator("code").textContent()).trim();
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 });
    await page.getByLabel("Code").fill(totp.generate());
    await page.getByRole("button").first().click();
    await page.locator("li code").first().waitFor();
    await check("recovery codes");
    // D1: a backup of the running desk (the first run takes it; the second has nothing to do).
    sladesk(["backup", "run"]);
    for (const path of ["/desk", "/desk?view=mine", "/desk?view=breached", "/tickets", "/tickets/1", "/admin", "/staff", "/account", "/policies", "/policies/basis-2026-03-01", "/credits", "/reports", "/reports?from=2026-01&to=2026-12", "/releases", "/fair-use", `/fair-use/tenants/${instance}`, `/fair-use/cases/${fairUseCase}`, "/backups"]) {
      await page.goto(`${base}${path}`);
      await check(path);
    }
    // The backups page tells the backup as verified, and that its key still lies on the server
    // (a desk without configuration makes one in its data folder).
    await page.goto(`${base}/backups`);
    assert.match(await page.locator("#backups").textContent(), /gecontroleerd|verified/);
    assert.match(await page.locator("#key-on-server").textContent(), /backup-key\.txt/);
    assert.equal(await page.locator("#rto tbody tr").count(), 5);
    assert.deepEqual(found, {});
    await context.close();
  });
}

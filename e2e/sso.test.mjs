// Single sign-on in a real browser (Debian's Chromium): a customer of an organisation with its
// own OpenID provider (the npm package oidc-provider, e2e/oidc-provider.mjs, on a loopback port)
// starts at sladesk's sign-in page, types the work address, goes through the provider's login
// page and comes back signed in to the portal; once in Dutch, once in English. The sign-in
// page with its single sign-on part is checked against WCAG 2.1 AA. Screenshots go to
// e2e/artifacts/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { bin, freePort, launchChromium, sladeskOn, violations, callApi } from "./serve.mjs";

const artifacts = new URL("./artifacts/", import.meta.url).pathname;
let server, provider, browser, base, dataDir;

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), "sladesk-e2e-sso-"));
  const admin = sladeskOn(dataDir, ["token", "create", "--email", "admin@vendor.example", "--role", "admin"]).trim();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(bin, ["serve", "--data-dir", dataDir, "--listen", `127.0.0.1:${port}`], { stdio: "ignore", env: { ...process.env, SLADESK_LOG: "warn" } });
  for (let i = 0; i < 200; i++) {
    try { if ((await fetch(`${base}/healthz`)).ok) break; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  const idpPort = await freePort();
  const clients = [{ client_id: "acme", client_secret: "acme-secret-0123456789abcdef", redirect_uris: [`${base}/login/sso/callback`] }];
  provider = spawn("node", [new URL("./oidc-provider.mjs", import.meta.url).pathname, String(idpPort), JSON.stringify(clients)], { stdio: ["ignore", "pipe", "ignore"] });
  await new Promise((resolve, reject) => {
    const lines = createInterface({ input: provider.stdout });
    const timer = setTimeout(() => reject(new Error("the provider did not start")), 20000);
    lines.on("line", (line) => { if (line.startsWith("listening")) { clearTimeout(timer); resolve(); } });
  });
  const org = await callApi(base, admin, "/api/v1/organizations", { method: "POST", body: JSON.stringify({ name: "Acme", tier: "support", products: ["Qixium"] }) });
  await callApi(base, admin, `/api/v1/organizations/${org.id}/sso`, {
    method: "PUT",
    body: JSON.stringify({ issuer: `http://127.0.0.1:${idpPort}`, client_id: "acme", client_secret: "acme-secret-0123456789abcdef", domains: ["acme.example"] }),
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  provider?.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
});

for (const [lang, email, words] of [
  ["nl", "noor@acme.example", { email: "Werkadres voor single sign-on", go: "Verder met single sign-on", tickets: "Tickets" }],
  ["en", "nick@acme.example", { email: "Work address for single sign-on", go: "Continue with single sign-on", tickets: "Tickets" }],
]) {
  test(`a customer signs in with the organisation's provider (${lang})`, async () => {
    const context = await browser.newContext({ locale: lang === "nl" ? "nl-NL" : "en-GB" });
    const page = await context.newPage();
    await page.goto(`${base}/login?lang=${lang}&next=/tickets`);
    assert.deepEqual(await violations(page), []);
    await page.screenshot({ path: `${artifacts}sso-login-${lang}.png`, fullPage: true });
    // The single sign-on part has its own address field, labelled and described.
    const field = page.getByLabel(words.email);
    await field.fill(email);
    await page.getByRole("button", { name: words.go }).click();
    // The provider's own login page, on its own origin.
    await page.waitForURL(/127\.0\.0\.1:\d+\/interaction\//);
    assert.notEqual(new URL(page.url()).origin, base);
    await page.getByLabel("Email address").fill(email);
    await page.getByLabel("Name").fill(lang === "nl" ? "Noor de Vries" : "Nick Jones");
    await page.screenshot({ path: `${artifacts}sso-provider-${lang}.png` });
    await page.getByRole("button", { name: "Continue at the provider" }).click();
    // Back at sladesk, signed in, on the page asked for, in the language chosen at the start.
    await page.waitForURL(`${base}/tickets`);
    assert.equal(await page.locator("html").getAttribute("lang"), lang);
    const heading = await page.getByRole("heading", { level: 1 }).textContent();
    assert.match(heading, new RegExp(words.tickets));
    assert.deepEqual(await violations(page), []);
    await page.screenshot({ path: `${artifacts}sso-portal-${lang}.png`, fullPage: true });
    // The person was created in the organisation with the provider's name.
    const body = await page.content();
    assert.ok(body.includes(lang === "nl" ? "Noor de Vries" : "Nick Jones") || body.includes(email), "the signed-in person is named on the page");
    await context.close();
  });
}

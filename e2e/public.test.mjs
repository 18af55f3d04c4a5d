// The public pages in a real browser (Debian's Chromium, playwright-core), in Dutch and English,
// under the strict Content-Security-Policy that every response now carries: the status page
// with its subscription form (CSRF token from its own cookie), and the vulnerability disclosure
// page, whose report becomes a confidential ticket. security.txt is fetched as a scanner would.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import net from "node:net";
import { chromium } from "playwright-core";

const bin = process.env.E2E_SLADESK_BIN ?? new URL("../target/debug/sladesk", import.meta.url).pathname;
const artifacts = new URL("./artifacts/", import.meta.url).pathname;
let server, browser, base, dataDir, adminToken;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), "sladesk-e2e-public-"));
  adminToken = execFileSync(bin, ["token", "create", "--email", "admin@vendor.example", "--role", "admin", "--data-dir", dataDir],
    { encoding: "utf8", env: { ...process.env, SLADESK_LOG: "warn" } }).trim().split(/\s+/).pop();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(bin, ["serve", "--data-dir", dataDir, "--listen", `127.0.0.1:${port}`], {
    stdio: "ignore",
    env: { ...process.env, SLADESK_LOG: "warn", SLADESK_SECURITY_CONTACT: "mailto:security@vendor.example" },
  });
  for (let i = 0; i < 200; i++) {
    try { if ((await fetch(`${base}/healthz`)).ok) break; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
});

test("security.txt names the contact and the disclosure page", async () => {
  const response = await fetch(`${base}/.well-known/security.txt`);
  assert.equal(response.status, 200);
  const text = await response.text();
  assert.match(text, /^Contact: mailto:security@vendor\.example$/m);
  assert.match(text, /^Contact: http:\/\/127\.0\.0\.1:\d+\/security$/m, "the public URL follows --listen");
  assert.match(text, /^Expires: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
});

for (const [lang, w] of [
  ["nl", { subscribe: "Aanmelden", email: "E-mailadres", newsletter: "E-mailadres voor de nieuwsbrief", join: "Aanmelden voor de nieuwsbrief", check: "Bijna klaar", title: "Een kwetsbaarheid melden", send: "Melding versturen", thanks: "Dank je" }],
  ["en", { subscribe: "Subscribe", email: "Email address", newsletter: "Email address for the newsletter", join: "Subscribe to the newsletter", check: "Almost done", title: "Reporting a vulnerability", send: "Send report", thanks: "Thank you" }],
]) {
  test(`public pages under a strict CSP (${lang})`, async () => {
    const page = await (await browser.newContext({ locale: lang === "nl" ? "nl-NL" : "en-GB" })).newPage();
    const blocked = [];
    page.on("console", (message) => {
      if (message.type() === "error" && /Content Security Policy/i.test(message.text())) blocked.push(message.text());
    });

    // The status page is styled by its own stylesheet (no inline style), and its form works.
    await page.goto(`${base}/status`);
    const font = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
    assert.match(font, /system-ui|sans-serif/, "the status stylesheet applies");
    await page.getByLabel(w.email, { exact: true }).fill(`watcher.${lang}@example.com`);
    await page.getByRole("button", { name: w.subscribe, exact: true }).click();
    await page.waitForLoadState();
    assert.match(await page.locator("body").textContent(), new RegExp(w.check));
    await page.screenshot({ path: `${artifacts}status-subscribed-${lang}.png`, fullPage: true });
    // The release newsletter (R4) has its own form on the same page, with the same opt-in.
    await page.goto(`${base}/status`);
    await page.getByLabel(w.newsletter).fill(`reader.${lang}@example.com`);
    await page.getByRole("button", { name: w.join }).click();
    await page.waitForLoadState();
    assert.match(await page.locator("body").textContent(), new RegExp(w.check));

    // The disclosure page: how to report, and the report form, by keyboard.
    await page.goto(`${base}/security`);
    assert.equal(await page.locator("h1").textContent(), w.title);
    await page.locator("#email").fill(`rita.${lang}@researcher.example`);
    await page.locator("#subject").fill("Session cookie without Secure");
    await page.locator("#description").fill("Steps:\n1. Sign in over http\n2. Look at the cookie");
    await page.screenshot({ path: `${artifacts}security-${lang}.png`, fullPage: true });
    await page.locator("#description").focus();
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.getByRole("status").waitFor();
    const done = await page.getByRole("status").textContent();
    assert.match(done, new RegExp(w.thanks));
    const number = done.match(/SD-(\d{6})/);
    assert.ok(number, done);

    // Only admins (and the SaaS team) can read it.
    const ticket = await fetch(`${base}/api/v1/tickets/${Number(number[1])}`, { headers: { authorization: `Bearer ${adminToken}` } });
    assert.equal(ticket.status, 200);
    assert.match((await ticket.json()).subject, /Session cookie without Secure/);
    assert.deepEqual(blocked, [], "nothing blocked by the Content-Security-Policy");
    await page.context().close();
  });
}

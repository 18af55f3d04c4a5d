// Staff sign in through a real browser (Debian's Chromium, driven by playwright-core): the
// password, the TOTP enrolment from the page's own key, the staff pages; once in Dutch and
// once in English. Screenshots of each page go to e2e/artifacts/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import net from "node:net";
import { chromium } from "playwright-core";
import * as OTPAuth from "otpauth";

const bin = process.env.E2E_SLADESK_BIN ?? new URL("../target/debug/sladesk", import.meta.url).pathname;
const artifacts = new URL("./artifacts/", import.meta.url).pathname;
const password = "correct horse battery staple 42";
let server, browser, base, dataDir;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

function sladesk(args, input) {
  return execFileSync(bin, [...args, "--data-dir", dataDir], { input, encoding: "utf8", env: { ...process.env, SLADESK_LOG: "warn" } });
}

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), "sladesk-e2e-"));
  for (const [email, language] of [["eva@vendor.example", "nl"], ["sam@vendor.example", "en"]]) {
    sladesk(["token", "create", "--email", email, "--role", "first-line", "--language", language]);
    sladesk(["user", "set-password", "--email", email], password + "\n");
  }
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(bin, ["serve", "--data-dir", dataDir, "--listen", `127.0.0.1:${port}`], { stdio: "ignore", env: { ...process.env, SLADESK_LOG: "warn" } });
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

for (const [email, lang, words] of [
  ["eva@vendor.example", "nl", { signIn: "Inloggen", code: "Code", home: "Onderdelen", out: "Uitloggen", continue: "Verder" }],
  ["sam@vendor.example", "en", { signIn: "Sign in", code: "Code", home: "Components", out: "Sign out", continue: "Continue" }],
]) {
  test(`staff sign in with two steps (${lang})`, async () => {
    const context = await browser.newContext({ locale: lang === "nl" ? "nl-NL" : "en-GB" });
    const page = await context.newPage();
    await page.goto(`${base}/login?lang=${lang}`);
    await page.screenshot({ path: `${artifacts}login-${lang}.png` });
    await page.getByLabel(lang === "nl" ? "E-mailadres" : "Email address").fill(email);
    await page.getByLabel(lang === "nl" ? "Wachtwoord" : "Password").fill("wrong wrong wrong");
    await page.getByRole("button", { name: words.signIn }).click();
    await page.getByRole("alert").waitFor();
    await page.getByLabel(lang === "nl" ? "Wachtwoord" : "Password").fill(password);
    await page.getByRole("button", { name: words.signIn }).click();

    // First sign-in: set up the second step from the key the page shows.
    await page.waitForURL(/two-factor/);
    assert.ok(await page.locator("svg").count() > 0, "the QR code is on the page");
    await page.screenshot({ path: `${artifacts}two-factor-${lang}.png` });
    const secret = (await page.locator("code").textContent()).trim();
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 });
    await page.getByLabel(words.code).fill(totp.generate());
    await page.getByRole("button").first().click();

    // Enrolled: the recovery codes, once; then on to the staff pages.
    await page.locator("li code").first().waitFor();
    assert.equal(await page.locator("li code").count(), 10);
    await page.screenshot({ path: `${artifacts}recovery-${lang}.png` });
    await page.getByRole("link", { name: words.continue }).click();
    // Staff land on their queue; the availability pages are a link away.
    await page.waitForURL(/\/desk/);
    await page.goto(`${base}/staff`);
    assert.match(await page.locator("h1").textContent(), new RegExp(words.home));
    await page.screenshot({ path: `${artifacts}staff-${lang}.png` });

    // Signing out ends the session: the staff page sends us back to sign in.
    await page.getByRole("button", { name: words.out, exact: true }).click();
    await page.waitForURL(/\/login/);
    await page.goto(`${base}/staff`);
    assert.match(page.url(), /\/login/);
    await context.close();
  });
}

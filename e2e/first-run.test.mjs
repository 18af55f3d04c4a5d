// A newcomer's first minutes, in a real browser (Debian's Chromium, playwright-core): run
// `sladesk serve` on nothing, open the link it prints, create the first admin, set up the
// second sign-in step, land on the desk. Screenshots go to e2e/artifacts/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchChromium, serveEmpty } from "./serve.mjs";
import * as OTPAuth from "otpauth";

const artifacts = new URL("./artifacts/", import.meta.url).pathname;
let server, browser, dataDir, setupLink;

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), "sladesk-e2e-first-"));
  ({ server, setupLink } = await serveEmpty(dataDir));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
});

test("run it, open the printed link, create the first admin, sign in", async () => {
  const page = await (await browser.newContext({ locale: "nl-NL" })).newPage();
  const blocked = [];
  page.on("console", (m) => { if (m.type() === "error" && /Content Security Policy/i.test(m.text())) blocked.push(m.text()); });
  await page.goto(setupLink);
  assert.equal(await page.locator("h1").textContent(), "Welkom bij sladesk");
  await page.getByLabel("Naam").fill("Ada Admin");
  await page.getByLabel("E-mailadres").fill("ada@vendor.example");
  await page.getByLabel("Wachtwoord").fill("een lange eerste beheerderszin 2026");
  await page.screenshot({ path: `${artifacts}first-run-setup-nl.png`, fullPage: true });
  await page.getByRole("button", { name: "Beheerder aanmaken" }).click();

  await page.waitForURL(/two-factor/);
  const secret = (await page.locator("code").textContent()).trim();
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 });
  await page.getByLabel("Code").fill(totp.generate());
  await page.getByRole("button").first().click();
  await page.locator("li code").first().waitFor();
  await page.getByRole("link", { name: "Verder" }).click();
  await page.waitForURL(/\/desk/);
  await page.screenshot({ path: `${artifacts}first-run-desk-nl.png`, fullPage: true });

  // The link works once.
  await page.goto(setupLink);
  assert.match(await page.locator("body").textContent(), /al gebruikt/);
  assert.deepEqual(blocked, []);
});

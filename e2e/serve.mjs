// What the browser tests share: a real `sladesk serve` on a fresh data directory, the one-time
// setup link it prints on an empty database, and Debian's Chromium.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import { chromium } from "playwright-core";
import * as OTPAuth from "otpauth";

export const bin = process.env.E2E_SLADESK_BIN ?? new URL("../target/debug/sladesk", import.meta.url).pathname;

export function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/// Starts `sladesk serve` on `dataDir` (empty) and waits for the setup link it prints.
export async function serveEmpty(dataDir) {
  const port = await freePort();
  const server = spawn(bin, ["serve", "--data-dir", dataDir, "--listen", `127.0.0.1:${port}`], {
    stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, SLADESK_LOG: "warn" },
  });
  const setupLink = await new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`no setup link in: ${seen}`)), 30000);
    server.stderr.on("data", (chunk) => {
      seen += chunk;
      const found = seen.match(/http:\/\/\S+\/setup\?token=[0-9a-f]+/);
      if (found) { clearTimeout(timer); resolve(found[0]); }
    });
  });
  return { server, base: `http://127.0.0.1:${port}`, setupLink };
}

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/// Runs the `sladesk` command on `dataDir` (a token, a password), returning what it printed.
export function sladeskOn(dataDir, args, input) {
  return execFileSync(bin, [...args, "--data-dir", dataDir], { input, encoding: "utf8", env: { ...process.env, SLADESK_LOG: "warn" } });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/// What axe-core finds against WCAG 2.1 AA on the page, one line a rule.
export async function violations(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }));
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

/** A staff member's first sign-in, in English: the password, then enrolling the second step
 * (TOTP, from the secret the page shows); it ends on the page with the recovery codes. */
export async function enrolStaff(page, base, email, password) {
  await page.goto(`${base}/login?lang=en`);
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/two-factor/);
  const secret = (await page.locator("code").textContent()).trim();
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 });
  await page.getByLabel("Code").fill(totp.generate());
  await page.getByRole("button").first().click();
  await page.locator("li code").first().waitFor();
}

// A JSON call to the API as `token`; fails the test on any status but success.
export async function callApi(base, token, path, init = {}) {
  const response = await fetch(`${base}${path}`, {
    ...init, headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...(init.headers ?? {}) },
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

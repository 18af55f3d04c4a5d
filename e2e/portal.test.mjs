// The whole way of a ticket through a real browser (Debian's Chromium, driven by playwright-core)
// against a real `sladesk serve` on a fresh database and a real SMTP server process (aiosmtpd):
// a customer requests an account, staff approve it, the customer activates it from the mail,
// sets up TOTP, files a ticket; an agent triages and replies; the customer confirms the
// solution. Once in Dutch, once in English. Also: another organisation's ticket by URL is not
// found, and a form posted without its CSRF token is refused. Screenshots go to e2e/artifacts/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, readdirSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import net from "node:net";
import { chromium } from "playwright-core";
import * as OTPAuth from "otpauth";

const bin = process.env.E2E_SLADESK_BIN ?? new URL("../target/debug/sladesk", import.meta.url).pathname;
const artifacts = new URL("./artifacts/", import.meta.url).pathname;
const password = "correct horse battery staple 42";
let server, smtp, browser, base, dataDir, maildir, adminToken, acmeId, globexTicket;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

function sladesk(args, input) {
  return execFileSync(bin, [...args, "--data-dir", dataDir], { input, encoding: "utf8", env: { ...process.env, SLADESK_LOG: "warn" } });
}

async function api(method, path, body, token = adminToken) {
  const response = await fetch(`${base}/api/v1${path}`, {
    method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}

async function waitFor(what, probe, seconds = 20) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const found = await probe();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The mails aiosmtpd wrote to its Maildir, decoded: [{ to, subject, body }]. */
function mails() {
  const found = [];
  for (const sub of ["new", "cur"]) {
    const dir = join(maildir, sub);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const raw = readFileSync(join(dir, name), "utf8");
      const split = raw.search(/\r?\n\r?\n/);
      const head = raw.slice(0, split);
      let body = raw.slice(split).trim();
      if (/quoted-printable/i.test(head)) {
        body = Buffer.from(body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))), "latin1").toString("utf8");
      }
      const header = (n) => (head.match(new RegExp(`^${n}: (.*)$`, "mi")) ?? [])[1] ?? "";
      found.push({ to: header("To"), subject: header("Subject"), body });
    }
  }
  return found;
}

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), "sladesk-portal-"));
  maildir = join(dataDir, "maildir");
  const smtpPort = await freePort();
  smtp = spawn("python3", ["-m", "aiosmtpd", "-n", "-l", `127.0.0.1:${smtpPort}`, "-c", "aiosmtpd.handlers.Mailbox", maildir], { stdio: "ignore" });
  await waitFor("aiosmtpd", () => new Promise((resolve) => {
    const socket = net.connect(smtpPort, "127.0.0.1");
    socket.once("data", (d) => { socket.destroy(); resolve(d.toString().startsWith("220")); });
    socket.once("error", () => resolve(false));
  }));

  adminToken = sladesk(["token", "create", "--email", "root@vendor.example", "--role", "admin", "--language", "en"]).trim().split("\n").pop();
  for (const [email, language] of [["anna@vendor.example", "nl"], ["tom@vendor.example", "en"]]) {
    sladesk(["token", "create", "--email", email, "--role", "first-line", "--language", language]);
    sladesk(["user", "set-password", "--email", email], password + "\n");
  }
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(bin, ["serve", "--data-dir", dataDir, "--listen", `127.0.0.1:${port}`], {
    stdio: "ignore",
    env: {
      ...process.env, SLADESK_LOG: "warn", SLADESK_PUBLIC_URL: base,
      SLADESK_SMTP__HOST: "127.0.0.1", SLADESK_SMTP__PORT: String(smtpPort),
      SLADESK_SMTP__FROM: "Service desk <desk@vendor.example>", SLADESK_JOBS__INTERVAL_MS: "200",
      SLADESK_SUPPORT_PHONE: "+31 20 555 0100",
    },
  });
  await waitFor("sladesk", async () => { try { return (await fetch(`${base}/healthz`)).ok; } catch { return false; } });

  acmeId = (await api("POST", "/organizations", { name: "Acme", tier: "support", products: ["Connect", "Portal"] })).id;
  // Another customer's ticket, which nobody at Acme may open.
  const globex = await api("POST", "/organizations", { name: "Globex", tier: "support" });
  globexTicket = (await api("POST", "/tickets", {
    organization_id: globex.id, type: "question", environment: "test", product: "Connect",
    subject: "Globex secret plans", description: "Not for Acme's eyes.",
  })).id;

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  smtp?.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
});

/** Signs in with the password and, the first time, sets up TOTP from the page's own key. */
async function signIn(page, lang, email, words) {
  await page.goto(`${base}/login?lang=${lang}`);
  await page.locator("#email").fill(email);
  await page.locator("#password").fill(password);
  await page.getByRole("button", { name: words.signIn }).click();
  await page.waitForLoadState();
}

async function enrolTotp(page, lang, who) {
  await page.waitForURL(/two-factor/);
  const secret = (await page.locator("code").textContent()).trim();
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 });
  await page.screenshot({ path: `${artifacts}portal-two-factor-${who}-${lang}.png`, fullPage: true });
  await page.locator("#code").fill(totp.generate());
  await page.locator("form button[type=submit]").first().click();
  await page.locator("li code").first().waitFor();
  assert.equal(await page.locator("li code").count(), 10, "ten recovery codes");
  await page.locator("a[href='/']").click();
}

for (const [lang, w] of [
  ["nl", {
    signIn: "Inloggen", register: "Aanvraag versturen", approve: "Goedkeuren", save: "Wachtwoord opslaan",
    file: "Ticket indienen", typeNote: /niet onder support/, phone: /Bel dan ook/, queue: "Wachtrij",
    send: "Versturen", saveTriage: "Opslaan", moveTo: "Verplaatsen naar", solved: "Dit lost het op",
    closed: "Gesloten", waiting: "Wacht op klant", high: "Hoog", notFound: "Ticket niet gevonden.",
    running: /We reageren uiterlijk .* — nog/, agent: "anna@vendor.example", reply: "We hebben de koppeling opnieuw gestart.",
  }],
  ["en", {
    signIn: "Sign in", register: "Send request", approve: "Approve", save: "Save password",
    file: "File ticket", typeNote: /not part of support/, phone: /Also phone/, queue: "Queue",
    send: "Send", saveTriage: "Save", moveTo: "Move to", solved: "This solves it",
    closed: "Closed", waiting: "Waiting for Customer", high: "High", notFound: "Ticket not found.",
    running: /We react by .* — .* left/, agent: "tom@vendor.example", reply: "We restarted the connector.",
  }],
]) {
  test(`a ticket from registration to confirmed solution (${lang})`, async () => {
    const customerEmail = `kim.${lang}@acme.example`;
    const locale = lang === "nl" ? "nl-NL" : "en-GB";
    const customer = await (await browser.newContext({ locale })).newPage();
    const agent = await (await browser.newContext({ locale })).newPage();
    // The pages forbid inline code (Content-Security-Policy): anything they block is a bug.
    const blocked = [];
    for (const page of [customer, agent]) {
      page.on("console", (message) => {
        if (message.type() === "error" && /Content Security Policy/i.test(message.text())) blocked.push(message.text());
      });
    }

    // 1. The customer asks for an account (T2).
    await customer.goto(`${base}/register`);
    assert.equal(await customer.locator("html").getAttribute("lang"), lang, "language from Accept-Language");
    await customer.locator("#email").fill(customerEmail);
    await customer.locator("#name").fill(`Kim ${lang.toUpperCase()}`);
    await customer.locator("#organization").fill("Acme");
    await customer.screenshot({ path: `${artifacts}portal-register-${lang}.png`, fullPage: true });
    await customer.getByRole("button", { name: w.register }).click();
    await customer.waitForLoadState();

    // 2. An agent signs in (setting up TOTP, mandatory for staff) and approves it.
    await signIn(agent, lang, w.agent, w);
    await enrolTotp(agent, lang, "agent");
    await agent.waitForURL(/\/desk/);
    await agent.goto(`${base}/admin`);
    const request = agent.locator("article", { hasText: customerEmail });
    await request.locator("select").selectOption({ label: "Acme" });
    await agent.screenshot({ path: `${artifacts}portal-admin-${lang}.png`, fullPage: true });
    await request.getByRole("button", { name: w.approve }).click();
    await agent.waitForURL(/\/admin$/);
    assert.equal(await agent.locator("article", { hasText: customerEmail }).count(), 0, "the request is handled");

    // 3. The activation mail, through the real SMTP server; the customer chooses a password.
    const mail = await waitFor("the activation mail", () => mails().find((m) => m.to.includes(customerEmail) && /activate\?token=/.test(m.body)));
    const link = mail.body.match(/https?:\/\/\S*\/activate\?token=[0-9a-zA-Z_-]+/)[0];
    await customer.goto(link);
    await customer.locator("#password").fill(password);
    await customer.getByRole("button", { name: w.save }).click();
    await customer.waitForLoadState();

    // 4. Sign in, set up TOTP voluntarily from the preferences page.
    await signIn(customer, lang, customerEmail, w);
    await customer.waitForURL(/\/tickets/);
    await customer.goto(`${base}/account`);
    await customer.locator("a[href='/account/two-factor']").click();
    await enrolTotp(customer, lang, "customer");
    await customer.waitForURL(/\/tickets/);

    // 5. File a ticket: the T3 note is shown, high urgency brings the phone hint (T1).
    await customer.goto(`${base}/tickets/new`);
    assert.match(await customer.locator("#type-note").textContent(), w.typeNote);
    assert.equal(await customer.locator("#phone-hint").isVisible(), false);
    await customer.locator("#type").selectOption("incident");
    await customer.locator("#product").selectOption("Connect");
    await customer.locator("#environment").selectOption("production");
    await customer.locator("#subject").fill(`Orders stuck (${lang})`);
    await customer.locator("#description").fill("Since 09:00 no orders reach the warehouse.");
    await customer.locator("#urgency").selectOption("high");
    assert.equal(await customer.locator("#phone-hint").isVisible(), true, "phone hint for high urgency");
    assert.match(await customer.locator("#phone-hint").textContent(), w.phone);
    assert.ok((await customer.locator("#phone-hint").textContent()).includes("+31 20 555 0100"), "the support number");
    await customer.screenshot({ path: `${artifacts}portal-new-ticket-${lang}.png`, fullPage: true });
    await customer.getByRole("button", { name: w.file }).click();
    await customer.waitForURL(/\/tickets\/\d+$/);
    const ticketUrl = customer.url();
    const ticketId = ticketUrl.split("/").pop();
    assert.match(await customer.locator("#sla-reaction").textContent(), w.running);
    // T1: the ticket comes first, the call follows with its number.
    assert.equal(await customer.locator("a[href='tel:+31205550100']").count(), 1, "phone the desk about this urgent ticket");
    await customer.screenshot({ path: `${artifacts}portal-ticket-new-${lang}.png`, fullPage: true });

    // The customer's list shows it, and finds it by a word of its subject.
    await customer.goto(`${base}/tickets?q=stuck`);
    assert.ok(await customer.locator(`a[href='/tickets/${ticketId}']`).count() > 0, "found by search");
    await customer.screenshot({ path: `${artifacts}portal-list-${lang}.png`, fullPage: true });

    // 6. The agent finds it in the first line's queue, triages and replies.
    await agent.clock.install();
    await agent.goto(`${base}/desk`);
    // The counters keep themselves up to date: a ticket filed meanwhile shows within a refresh.
    const counter = agent.locator("[data-count=line]");
    const before = Number(await counter.textContent());
    await api("POST", "/tickets", { organization_id: acmeId, type: "question", environment: "test", product: "Portal",
      subject: `Meanwhile (${lang})`, description: "Filed while the agent looks at the queue." });
    await agent.clock.runFor(16000);
    await agent.locator("[data-count=line]", { hasText: String(before + 1) }).waitFor({ timeout: 5000 });
    await agent.goto(`${base}/desk`);
    assert.match(await agent.locator("h1").textContent(), new RegExp(w.queue));
    await agent.locator(`a[href='/tickets/${ticketId}']`).first().waitFor();
    await agent.screenshot({ path: `${artifacts}portal-queue-${lang}.png`, fullPage: true });
    await agent.locator(`a[href='/tickets/${ticketId}']`).first().click();
    await agent.locator("#triage-priority").selectOption("high");
    await agent.locator("#triage-reason").fill("production order flow is down");
    await agent.getByRole("button", { name: w.saveTriage, exact: true }).click();
    await agent.waitForURL(ticketUrl);
    assert.match(await agent.locator("#ticket-priority").textContent(), new RegExp(w.high));
    await agent.locator("#note-body").fill("Connector pod was OOM-killed; restarted.");
    await agent.locator("form:has(#note-body) button[type=submit]").click();
    await agent.waitForURL(ticketUrl);
    await agent.locator("#reply-body").fill(w.reply);
    await agent.getByRole("button", { name: w.send }).click();
    await agent.waitForURL(ticketUrl);
    await agent.locator("#move-to").selectOption("waiting_for_customer");
    await agent.locator("form:has(#move-to) button[type=submit]").click();
    await agent.waitForURL(ticketUrl);
    assert.equal((await agent.locator("#ticket-status").textContent()).trim(), w.waiting);
    await agent.screenshot({ path: `${artifacts}portal-agent-ticket-${lang}.png`, fullPage: true });

    // 7. The customer sees the reply (never the internal note) and confirms the solution.
    await customer.goto(ticketUrl);
    const conversation = await customer.locator("section[aria-labelledby=conversation-heading]").textContent();
    assert.ok(conversation.includes(w.reply), "the reply is shown");
    assert.ok(!conversation.includes("OOM"), "the internal note is not shown to the customer");
    assert.match(await customer.locator("#sla-resolution").textContent(), lang === "nl" ? /gepauzeerd/ : /paused/);
    await customer.screenshot({ path: `${artifacts}portal-ticket-waiting-${lang}.png`, fullPage: true });
    // With the keyboard only: Tab to "this solves it", then Enter.
    let tabs = 0;
    while ((await customer.evaluate(() => document.activeElement?.textContent?.trim())) !== w.solved) {
      await customer.keyboard.press("Tab");
      assert.ok(++tabs < 60, "the confirm button is reachable with Tab");
    }
    await customer.keyboard.press("Enter");
    await customer.locator("#ticket-status", { hasText: w.closed }).waitFor();
    assert.equal((await customer.locator("#ticket-status").textContent()).trim(), w.closed);
    const stored = await api("GET", `/tickets/${ticketId}`);
    assert.equal(stored.status, "closed", "the API agrees: closed");
    assert.equal(stored.priority, "high");

    // On a phone's screen the main pages fit its width (tables scroll inside their box).
    await customer.setViewportSize({ width: 390, height: 844 });
    for (const path of [`/tickets/${ticketId}`, "/tickets?status=any", "/tickets/new", "/account"]) {
      await customer.goto(`${base}${path}`);
      const overflow = await customer.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `${path} is ${overflow}px wider than a phone`);
    }
    await customer.goto(ticketUrl);
    await customer.screenshot({ path: `${artifacts}portal-phone-ticket-${lang}.png`, fullPage: true });
    await agent.setViewportSize({ width: 390, height: 844 });
    await agent.goto(`${base}/desk`);
    assert.ok(await agent.evaluate(() => document.documentElement.scrollWidth - window.innerWidth) <= 1, "the queue fits a phone");
    await agent.screenshot({ path: `${artifacts}portal-phone-queue-${lang}.png`, fullPage: true });

    // 8. Another organisation's ticket by URL is simply not there.
    const foreign = await customer.goto(`${base}/tickets/${globexTicket}`);
    assert.equal(foreign.status(), 404);
    assert.ok(!(await customer.content()).includes("Globex secret plans"));
    assert.match(await customer.locator("h1").textContent(), new RegExp(w.notFound));

    // 9. A form posted without its CSRF token is refused, and changes nothing.
    const forged = await customer.request.post(`${base}/tickets/${ticketId}/reply`, { form: { body: "forged reply" }, maxRedirects: 0 });
    assert.equal(forged.status(), 403);
    const events = await api("GET", `/tickets/${ticketId}/events`);
    assert.ok(!JSON.stringify(events).includes("forged reply"), "nothing was stored");

    assert.deepEqual(blocked, [], "nothing blocked by the Content-Security-Policy");
    await customer.context().close();
    await agent.context().close();
  });
}

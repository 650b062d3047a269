// Opens the ChatHub page in headless Chromium, sends one chat message from the page and waits until the KCP health
// panel shows a non-zero session count. Usage: node chat-page.mjs PAGE_URL NAME MESSAGE
// Prints one JSON line per step ({"step":...}); exits 0 on success, 1 with {"error":...} otherwise.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [url, name, message] = process.argv.slice(2);
const stepTimeout = 30_000;
const report = (value) => console.log(JSON.stringify(value));
const profile = mkdtempSync(join(tmpdir(), "chathub-chromium-"));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    timeout: stepTimeout,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
      "--no-first-run", "--disable-component-update", "--disable-sync",
    ],
  });
  const page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(stepTimeout);
  page.on("console", (m) => report({ console: m.type(), text: m.text() }));

  await page.goto(url);
  await page.waitForSelector("#status.online");
  report({ step: "online", status: await page.textContent("#status") });

  await page.fill("#name", name);
  await page.fill("#message", message);
  await page.click("#send-form button[type=submit]");
  // The page shows its own broadcast once the hub echoed it back.
  await page.waitForFunction((text) => [...document.querySelectorAll("#messages li")].some((li) => li.textContent.includes(text)), message);
  report({ step: "sent" });

  await page.waitForFunction(() => Number((document.getElementById("f-sessions").textContent || "").replace(/[^0-9]/g, "")) > 0);
  report({ step: "sessions", text: await page.textContent("#f-sessions") });
  process.exitCode = 0;
} catch (e) {
  report({ error: String(e && e.message || e) });
  process.exitCode = 1;
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}

// Shared machinery for the browser journeys: it starts Debian's Chromium
// through playwright-core, gives each member their own browser context,
// submits the server's plain HTML forms, waits for things with deadlines,
// takes screenshots, and talks to the Rust test that started the script.
//
// playwright-core is installed beside the Node binary that runs this (in the
// target directory's Node project), not beside this script, so it is
// resolved from there, as the client journeys resolve masto.js.
//
// Environment: CHROMIUM (the browser binary), SCREENSHOT_DIR (where PNGs go).

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";

const { chromium } = createRequire(process.execPath)("playwright-core");

/// How long any one wait may take before the journey fails. Federation
/// waits take longer: a delivery goes through a queue on each side.
export const STEP_TIMEOUT = 10_000;
export const FEDERATION_TIMEOUT = 30_000;
const POLL_INTERVAL = 200;

/// Desktop and phone viewports for screenshots and for the members.
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

/// Flags for a root, headless, offline Chromium: without the
/// background-networking ones it keeps trying to reach Google's hosts.
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function env(name) {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`${name} is not set`);
  return value;
}

/// Starts one Chromium for a whole journey. Playwright gives it a fresh,
/// empty user-data-dir and removes it on close. `javaScriptEnabled` is the
/// default for every context this browser opens.
export async function launch({ javaScriptEnabled = true } = {}) {
  const browser = await chromium.launch({
    executablePath: env("CHROMIUM"),
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: STEP_TIMEOUT * 3,
  });
  return new Browser(browser, javaScriptEnabled);
}

class Browser {
  constructor(browser, javaScriptEnabled) {
    this.browser = browser;
    this.javaScriptEnabled = javaScriptEnabled;
  }

  /// A context of its own (cookies, storage) for one member or visitor,
  /// with one page open. `options` go to Playwright's newContext, e.g. a
  /// phone viewport or another context's storageState.
  async member(options = {}) {
    const context = await this.browser.newContext({
      viewport: DESKTOP,
      javaScriptEnabled: this.javaScriptEnabled,
      ...options,
    });
    context.setDefaultTimeout(STEP_TIMEOUT);
    context.setDefaultNavigationTimeout(STEP_TIMEOUT);
    const page = await context.newPage();
    // A page's own errors are printed, so a broken script shows in the
    // test's output even when the step that trips on it names something else.
    page.on("pageerror", (error) => console.error(`page error on ${page.url()}: ${error}`));
    return page;
  }

  /// A member seen on a phone: the same session as `page`, 390 px wide.
  async onPhone(page) {
    return this.member({
      viewport: PHONE,
      isMobile: true,
      hasTouch: true,
      storageState: await page.context().storageState(),
    });
  }

  async close() {
    await this.browser.close();
  }
}

/// Opens `url` and fails unless the server answered with a success (or, if
/// given, `status`).
export async function open(page, url, { status } = {}) {
  const response = await page.goto(url);
  assert.ok(response, `no response for ${url}`);
  if (status === undefined) {
    assert.ok(response.ok(), `GET ${url} answered ${response.status()}`);
  } else {
    assert.equal(response.status(), status, `GET ${url}`);
  }
  return response;
}

/// The form on the page that posts to `action` (a path), exactly one.
export function form(page, action) {
  return page.locator(`form[action="${action}"]`);
}

/// Fills the named fields of `formLocator`: text inputs and textareas take
/// strings, selects take option values, checkboxes take booleans, and a list
/// of values checks exactly those checkboxes of a group.
export async function fill(formLocator, fields) {
  for (const [name, value] of Object.entries(fields)) {
    const field = formLocator.locator(`[name="${name}"]`);
    if (Array.isArray(value)) {
      const boxes = await field.all();
      for (const box of boxes) {
        await box.setChecked(value.includes(await box.getAttribute("value")));
      }
      continue;
    }
    const first = field.first();
    const tag = await first.evaluate((el) => el.tagName.toLowerCase());
    const type = (await first.getAttribute("type")) ?? "";
    if (tag === "select") await first.selectOption(value);
    else if (type === "checkbox") await first.setChecked(value);
    else await first.fill(value);
  }
}

/// Clicks the submit button of `formLocator` and waits for the page that
/// comes back (after any redirect) to load. Returns the status of the
/// answer to the POST itself, which is a redirect when the change went
/// through and the page itself when it was refused. Works the same with
/// JavaScript off: the browser posts the form and loads the answer.
export async function submit(formLocator, { button } = {}) {
  const page = formLocator.page();
  const action = await formLocator.getAttribute("action");
  const target = new URL(action, page.url()).href;
  const posted = page.waitForResponse(
    (r) => r.request().method() === "POST" && r.url().split("?")[0] === target,
  );
  const loaded = page.waitForEvent("load");
  const buttons = formLocator.locator('button[type="submit"], button:not([type]), input[type="submit"]');
  await (button ? buttons.filter({ hasText: button }) : buttons).first().click();
  const response = await posted;
  await loaded;
  return response.status();
}

/// Fills and submits in one step; fails unless the POST redirected.
export async function post(formLocator, fields, options) {
  if (fields) await fill(formLocator, fields);
  const action = await formLocator.getAttribute("action");
  const status = await submit(formLocator, options);
  if (status < 300 || status >= 400) {
    const error = await visibleError(formLocator.page());
    assert.fail(`POST ${action} answered ${status}, not a redirect: ${error}`);
  }
}

/// The page's error notice, if any, for failure messages.
async function visibleError(page) {
  const error = page.locator(".error");
  return (await error.count()) > 0 ? await error.first().innerText() : "(no .error on the page)";
}

/// Polls `check` until it returns something truthy and returns that; fails
/// naming `what` after `timeout`. For effects with no event to wait on
/// (deliveries between servers, API state).
export async function waitFor(what, check, timeout = STEP_TIMEOUT) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${last}` : ""}`);
    }
    await sleep(POLL_INTERVAL);
  }
}

/// Reloads `url` until `locator(page)` matches something, as a member
/// refreshes a page waiting for news from another server; returns the match.
export async function reloadUntil(page, url, what, locator, timeout = FEDERATION_TIMEOUT) {
  return waitFor(
    what,
    async () => {
      await open(page, url);
      const found = locator(page);
      return (await found.count()) > 0 ? found.first() : null;
    },
    timeout,
  );
}

/// A full-page PNG of `page` named `name` in SCREENSHOT_DIR.
export async function screenshot(page, name) {
  const dir = env("SCREENSHOT_DIR");
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

/// Opens `url`, checks it answered, and screenshots it.
export async function snap(page, url, name) {
  await open(page, url);
  await screenshot(page, name);
}

/// JSON from the server's API, failing on any status but 200.
export async function api(base, path, token) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const response = await fetch(new URL(path, base), { headers });
  const text = await response.text();
  assert.equal(response.status, 200, `GET ${path}: ${text}`);
  return JSON.parse(text);
}

/// Logs `login` in on `base`'s /login and checks the header shows them.
export async function logIn(page, base, login, password, username = login) {
  await open(page, `${base}/login`);
  await post(form(page, "/login"), { login, password });
  await expectLoggedIn(page, username);
}

export async function expectLoggedIn(page, username) {
  await page.locator(`header a[href="/@${username}"]`).first().waitFor();
  await form(page, "/logout").waitFor();
}

/// Asks the Rust test to do a setup step through the API (`setup STEP
/// JSON` on stdout) and waits for its one-line JSON answer on stdin.
const answers = (() => {
  let lines;
  return () => {
    lines ??= createInterface({ input: process.stdin })[Symbol.asyncIterator]();
    return lines;
  };
})();

export async function setup(step, args = {}) {
  console.log(`setup ${step} ${JSON.stringify(args)}`);
  const { value, done } = await answers().next();
  assert.ok(!done, `the test closed stdin before answering ${step}`);
  return JSON.parse(value);
}

/// Runs a journey: prints "NAME journey: ok" when `steps` finish, and always
/// closes the browser. Each step logs its name, so a failure shows where,
/// and a failure leaves a screenshot of every open page (`NAME-failed-N`).
export async function journey(name, browser, steps) {
  try {
    await steps();
    console.log(`${name} journey: ok`);
  } catch (error) {
    const pages = browser.browser.contexts().flatMap((context) => context.pages());
    for (const [n, page] of pages.entries()) {
      const shot = `${name}-failed-${n}`;
      await screenshot(page, shot).then(
        () => console.error(`${shot}.png: ${page.url()}`),
        () => {},
      );
    }
    throw error;
  } finally {
    await browser.close();
    process.stdin.destroy();
  }
}

export function step(what) {
  console.log(`step: ${what}`);
}

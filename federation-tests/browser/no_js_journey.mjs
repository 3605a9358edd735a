// A shorter journey with JavaScript turned off in Chromium, to hold the
// pages to working as plain HTML forms: a member logs in at /login, posts
// from the compose form on /home, sees the post on /home and on their
// profile, and the API has it; then asks a poll from the same form and
// votes in it. Throws on any mismatch.
//
// Environment: TOWN_URL, MEMBER, PASSWORD, CHROMIUM, SCREENSHOT_DIR.

import assert from "node:assert/strict";
import { api, env, form, journey, launch, logIn, open, post, screenshot, step } from "./lib.mjs";

const town = env("TOWN_URL");
const member = env("MEMBER");
const password = env("PASSWORD");
const text = "Posted with JavaScript off: the plot by the river has room for two more beds.";

const browser = await launch({ javaScriptEnabled: false });

await journey("no-js", browser, async () => {
  const page = await browser.member();

  step("scripts really are off");
  await page.setContent('<p id="ran">no</p><script>document.getElementById("ran").textContent = "yes"</script>');
  assert.equal(await page.locator("#ran").innerText(), "no");

  step(`${member} logs in`);
  await logIn(page, town, member, password);
  assert.equal(new URL(page.url()).pathname, "/home");

  step(`${member} posts from /home`);
  await open(page, `${town}/home`);
  await post(form(page, "/statuses").and(page.locator("#compose")), { status: text });
  await page.locator(".notice").first().waitFor();
  const shown = page.locator("article.status", { hasText: text });
  await shown.first().waitFor();
  assert.ok((await shown.first().locator(".content").innerText()).includes(text));
  await screenshot(page, "no-js-home");

  step("the post is on the profile and in the API");
  await open(page, `${town}/@${member}`);
  await page.locator("article.status", { hasText: text }).first().waitFor();
  const account = await api(town, `/api/v1/accounts/lookup?acct=${member}`);
  const statuses = await api(town, `/api/v1/accounts/${account.id}/statuses`);
  assert.ok(
    statuses.some((s) => s.content.includes("room for two more beds")),
    "the API lists the post",
  );

  step(`${member} asks a poll from the compose form and votes in it`);
  await open(page, `${town}/home`);
  const compose = form(page, "/statuses").and(page.locator("#compose"));
  await compose.locator("summary", { hasText: "Add a poll" }).click();
  const options = compose.locator('[name="poll_option"]');
  await options.nth(0).fill("Tuesday evening");
  await options.nth(1).fill("Saturday morning");
  await post(compose, { status: "When should the next work party be?", poll_expires_in: "86400" });
  const asked = () => page.locator("article.status", { hasText: "next work party" }).first();
  await asked().waitFor();
  await asked().locator('input[type="radio"][value="1"]').check();
  await screenshot(page, "no-js-poll-to-vote");
  await post(asked().locator('form[action$="/vote"]'));
  assert.equal(await page.locator(".notice").first().innerText(), "Your vote is counted.");
  await asked().locator(".poll-results").waitFor();
  const results = await asked().locator(".poll-results").innerText();
  assert.ok(results.includes("Saturday morning") && results.includes("100%"), results);
  assert.ok((await asked().locator(".chosen").innerText()).includes("(your vote)"));
  assert.ok((await asked().locator(".poll-summary").innerText()).startsWith("1 vote"));
  await screenshot(page, "no-js-poll-voted");
});

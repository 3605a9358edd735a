// The members' journey through Trellis's own web pages, in a real Chromium
// with JavaScript on, across two instances: the town (open sign-ups) and
// the county (sign-ups wait for approval).
//
// Alice signs up on the town, logs out and in again, describes her practice,
// sets a picture, posts a photo with its description, and asks a question
// from /home. Bob, on the county, who follows her (set
// up by the test over the API), sees the question on his /exchanges and
// replies there; Alice marks his reply as the answer and the exchange moves
// to the answered list. Alice joins a community and finds a member on the
// map. The town's admin rewrites the charter, which shows on / and in the
// instance API. On the county a visitor asks to join, is told to wait,
// cannot log in yet, is approved by the county's admin and then logs in.
// Screenshots of the main pages, at desktop and phone width, land in
// SCREENSHOT_DIR. Every step checks what it changed; any mismatch throws.
//
// Environment: TOWN_URL, COUNTY_URL, PASSWORD (every prepared account's),
// TOWN_ADMIN, COUNTY_ADMIN, BOB (on the county), COMMUNITY (on the town),
// CHROMIUM, SCREENSHOT_DIR.

import assert from "node:assert/strict";
import {
  api,
  env,
  expectLoggedIn,
  fill,
  form,
  journey,
  launch,
  logIn,
  open,
  post,
  reloadUntil,
  screenshot,
  setup,
  snap,
  step,
  submit,
  waitFor,
} from "./lib.mjs";

/// A 96×64 PNG of four green and brown stripes, for uploads.
const STRIPES_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAGAAAABACAIAAABqVuVZAAAAgElEQVR42u3QMQ3AIBAAQBQxVAUbE2I6MJDUWxWgBxy8gM8lp+BKnQ+BokCQIEGCBAkSJAhBggQJEiQoWdD6PwKCBAkSJEiQIEGCECRIkCBBgrIFnd0JCBIkSJAgQYIECUKQIEGCBAnKFvSORkCQIEGCBAkSJEgQggQJEiRIUDIXDBZODrU05k4AAAAASUVORK5CYII=",
  "base64",
);

const town = env("TOWN_URL");
const county = env("COUNTY_URL");
const password = env("PASSWORD");
const townAdmin = env("TOWN_ADMIN");
const countyAdmin = env("COUNTY_ADMIN");
const bobName = env("BOB");
const community = env("COMMUNITY");

const alice = { username: "alice", email: "alice@example.test", password: "a garden of forking paths" };
const dana = { username: "dana", email: "dana@example.test", password: "slow and steady compost" };
const question = "Who has run a tool library in a village hall? What did insurance cost?";
const reply = "We ran one in Brook Street hall for two years; the parish policy covered it.";
const practice = {
  roles: ["Allotment secretary", "Compost lead"],
  interests: ["Tool libraries", "Seed swaps"],
  offers: ["Grant writing"],
  needs: ["Insurance advice"],
  organization: "Ashford Allotments Society",
  place: "Ashford",
};
const charter = {
  name: "Ashford Growing Network",
  purpose: "Help the town's growers share land, tools and know-how.",
  principles: ["Share what works", "Credit the people you learn from", "Ask before you post for others"],
};

const browser = await launch();

await journey("web", browser, async () => {
  const visitor = await browser.member();
  step("a visitor looks around the town");
  await open(visitor, `${town}/`);
  await visitor.locator('header a[href="/signup"]').waitFor();

  step("alice signs up on the town");
  await open(visitor, `${town}/signup`);
  await screenshot(visitor, "signup");
  const signup = form(visitor, "/signup");
  assert.equal(await signup.locator('[name="reason"]').count(), 0, "open sign-ups ask no reason");
  await post(signup, {
    username: alice.username,
    email: alice.email,
    password: alice.password,
    agreement: true,
  });
  assert.equal(new URL(visitor.url()).pathname, "/home", "a new member lands on /home");
  await expectLoggedIn(visitor, alice.username);
  const aliceAccount = await api(town, `/api/v1/accounts/lookup?acct=${alice.username}`);
  assert.equal(aliceAccount.username, alice.username);

  step("alice logs out");
  const page = visitor; // from here on, alice's browser
  await submit(form(page, "/logout"));
  assert.equal(new URL(page.url()).pathname, "/login", "logging out lands on /login");
  assert.equal(await form(page, "/logout").count(), 0, "no log-out form once logged out");
  assert.equal(await page.locator(`header a[href="/@${alice.username}"]`).count(), 0);

  step("a wrong password is refused");
  await open(page, `${town}/login`);
  await fill(form(page, "/login"), { login: alice.username, password: "not her password" });
  const refused = await submit(form(page, "/login"));
  assert.ok(refused >= 400 && refused < 500, `a wrong password answered ${refused}`);
  await page.locator(".error").first().waitFor();
  assert.equal(await form(page, "/logout").count(), 0);

  step("alice logs in with her email");
  await logIn(page, town, alice.email, alice.password, alice.username);
  assert.equal(new URL(page.url()).pathname, "/home");

  step("alice describes her practice");
  await open(page, `${town}/settings/practice`);
  await post(form(page, "/settings/practice"), {
    roles: practice.roles.join("\n"),
    interests: practice.interests.join("\n"),
    offers: practice.offers.join("\n"),
    needs: practice.needs.join("\n"),
    organization: practice.organization,
    place: practice.place,
  });
  await page.locator(".notice").first().waitFor();
  assert.equal(await page.locator('[name="organization"]').inputValue(), practice.organization);
  await screenshot(page, "settings-practice");
  assert.deepEqual(await api(town, `/api/trellis/v1/accounts/${aliceAccount.id}/practice`), practice);

  step("alice sets a picture and posts a photo with a description");
  await open(page, `${town}/settings/profile`);
  await page.setInputFiles('input[name="avatar"]', { name: "alice.png", mimeType: "image/png", buffer: STRIPES_PNG });
  await post(form(page, "/settings/profile"));
  await page.locator(".notice").first().waitFor();
  const withAvatar = await api(town, `/api/v1/accounts/${aliceAccount.id}`);
  assert.match(withAvatar.avatar, /\/media\/\d+\.png$/, "the avatar is served from /media");
  await open(page, `${town}/home`);
  const photoForm = page.locator("form#compose");
  await photoForm.locator('input[name="image"]').setInputFiles({ name: "table.png", mimeType: "image/png", buffer: STRIPES_PNG });
  await post(photoForm, { status: "Our seed swap table", image_description: "Four rows of seed packets" });
  const photo = page.locator("article.status", { hasText: "Our seed swap table" }).locator(".media img");
  await photo.first().waitFor();
  assert.equal(await photo.first().getAttribute("alt"), "Four rows of seed packets");
  await waitFor("the photo to load", async () => (await photo.first().evaluate((img) => img.complete && img.naturalWidth)) > 0);
  const avatarShown = page.locator("article.status", { hasText: "Our seed swap table" }).locator("img.avatar");
  assert.equal(await avatarShown.first().getAttribute("src"), withAvatar.avatar.replace(/(\d+)\.png$/, "$1-preview.jpg"));
  await screenshot(page, "home-with-photo");

  step("bob on the county follows alice (through the API)");
  const aliceAcct = `${alice.username}@${new URL(town).host}`;
  await setup("follow", { acct: aliceAcct });

  step("alice asks a question from /home");
  await open(page, `${town}/home`);
  const compose = page.locator("form#compose");
  await post(compose, { status: question, kind: "question" });
  const posted = page.locator("article.status", { hasText: question });
  await posted.first().waitFor();
  await screenshot(page, "home-timeline");
  await open(page, `${town}/exchanges`);
  const exchange = page.locator("article.exchange", { hasText: question });
  await exchange.first().waitFor();
  const questionId = await exchange.first().getAttribute("data-id");
  assert.ok(questionId, "an exchange names its question's id");
  const meta = await exchange.first().locator(".exchange-meta").innerText();
  assert.match(meta, /question/i);
  assert.match(meta, /open/i);
  assert.ok((await page.locator("section#mine").innerText()).includes(question), "her question is under #mine");

  step("bob sees the question on the county and replies there");
  const bob = await browser.member();
  await logIn(bob, county, bobName, password);
  const onCounty = await reloadUntil(bob, `${county}/exchanges`, "alice's question on the county", (p) =>
    p.locator("article.exchange", { hasText: question }),
  );
  // The reply box starts with the asker's handle, so the reply mentions them.
  const box = onCounty.locator("form.reply");
  const mention = (await box.locator('[name="status"]').inputValue()).trim();
  assert.ok(mention.startsWith(`@${alice.username}`), `the reply box starts ${JSON.stringify(mention)}`);
  await post(box, { status: `${mention} ${reply}` });
  assert.equal(new URL(bob.url()).pathname, "/exchanges", "the reply box returns to /exchanges");
  const sent = await waitFor("bob's reply in the county's API", async () => {
    const statuses = await api(county, `/api/v1/accounts/lookup?acct=${bobName}`).then((b) =>
      api(county, `/api/v1/accounts/${b.id}/statuses`),
    );
    return statuses.find((s) => s.content.includes("Brook Street"));
  });
  assert.ok(sent.in_reply_to_id, "the reply box posts a reply");

  step("alice sees the reply and marks it as the answer");
  const mine = await reloadUntil(page, `${town}/exchanges`, "bob's reply under alice's question", (p) =>
    p.locator("section#mine").filter({ hasText: reply }),
  );
  await screenshot(page, "exchanges");
  const answerForms = mine.locator(`form[action="/exchanges/${questionId}/answer"]`);
  assert.equal(await answerForms.count(), 1, "one reply, one answer button");
  await post(answerForms.first(), null, { button: "Mark as the answer" });
  await open(page, `${town}/exchanges`);
  assert.equal(
    await page.locator(`article.exchange[data-id="${questionId}"]`).count(),
    0,
    "an answered question leaves the open list",
  );
  await open(page, `${town}/exchanges?state=answered`);
  const answered = page.locator(`article.exchange[data-id="${questionId}"]`);
  await answered.waitFor();
  assert.match(await answered.locator(".exchange-meta").innerText(), /answered/i);
  const exchangeApi = await api(town, `/api/trellis/v1/exchanges/${questionId}`);
  assert.equal(exchangeApi.state, "answered");
  assert.equal(exchangeApi.helpful.length, 1);

  step("alice joins a community");
  const before = await api(town, `/api/trellis/v1/communities/${community}`);
  await open(page, `${town}/@${community}`);
  await post(form(page, `/communities/${community}/join`), null, { button: "Join" });
  await form(page, `/communities/${community}/leave`).waitFor();
  await screenshot(page, "community");
  await waitFor("alice counted as a member", async () => {
    const after = await api(town, `/api/trellis/v1/communities/${community}`);
    return after.members_count === before.members_count + 1;
  });

  step("alice finds a member on the map");
  await open(page, `${town}/map`);
  const nodes = page.locator("figure#map svg g.node");
  await nodes.first().waitFor();
  // Alice if the map draws her (she has a follower and a community now),
  // else whichever member comes first.
  const hers = page.locator(`figure#map svg g.node[data-name="${alice.username}"]`);
  const target = (await hers.count()) > 0 ? hers.first() : page.locator("figure#map svg g.node[data-name]").first();
  const name = await target.getAttribute("data-name");
  await target.hover();
  await waitFor(`the map label to read ${name}`, async () =>
    (await page.locator("output#map-label").innerText()).includes(name),
  );
  await screenshot(page, "map");

  step("the members' own pages");
  await snap(page, `${town}/@${alice.username}`, "profile");
  assert.ok((await page.locator("article.status").allInnerTexts()).some((t) => t.includes(question)));
  await snap(page, `${town}/stories`, "stories");
  await snap(page, `${town}/network/health`, "network-health");
  await snap(page, `${town}/network`, "network-tree");
  const tree = await page.locator("main").innerText();
  assert.ok(tree.includes("1 network in this tree"), "/network shows the totals");

  step("the town's admin rewrites the charter");
  const admin = await browser.member();
  await logIn(admin, town, townAdmin, password);
  await open(admin, `${town}/admin/network`);
  await post(form(admin, "/admin/network"), {
    name: charter.name,
    purpose: charter.purpose,
    operating_principles: charter.principles.join("\n"),
  });
  await admin.locator(".notice").first().waitFor();
  await screenshot(admin, "admin-network");
  await snap(visitor, `${town}/`, "home");
  const front = await visitor.locator("body").innerText();
  for (const text of [charter.name, ...charter.principles]) {
    assert.ok(front.includes(text), `/ shows ${JSON.stringify(text)}`);
  }
  const instance = await api(town, "/api/v1/instance");
  assert.equal(instance.title, charter.name);
  assert.deepEqual(
    instance.rules.map((r) => r.text),
    charter.principles,
  );
  await snap(admin, `${town}/admin/federation`, "admin-federation");

  step("alice on her phone");
  const phone = await browser.onPhone(page);
  await snap(phone, `${town}/`, "phone-home");
  await snap(phone, `${town}/home`, "phone-home-timeline");
  await expectLoggedIn(phone, alice.username);
  await phone.context().close();

  step("a visitor asks to join the county and waits");
  const newcomer = await browser.member();
  await open(newcomer, `${county}/signup`);
  // The page itself answers, saying the sign-up waits: nothing to redirect to.
  await fill(form(newcomer, "/signup"), {
    username: dana.username,
    email: dana.email,
    password: dana.password,
    agreement: true,
    reason: "I run the seed library at the county show.",
  });
  const asked = await submit(form(newcomer, "/signup"));
  assert.ok(asked < 400, `asking to join answered ${asked}`);
  await newcomer.locator(".notice").first().waitFor();
  assert.match(await newcomer.locator(".notice").first().innerText(), /approv/i);
  assert.equal(await form(newcomer, "/logout").count(), 0, "a waiting sign-up is not logged in");
  await open(newcomer, `${county}/login`);
  await fill(form(newcomer, "/login"), { login: dana.username, password: dana.password });
  const early = await submit(form(newcomer, "/login"));
  assert.ok(early >= 400, `logging in before approval answered ${early}`);
  await newcomer.locator(".error").first().waitFor();

  step("the county's admin approves the sign-up");
  const countyAdminPage = await browser.member();
  await logIn(countyAdminPage, county, countyAdmin, password);
  await open(countyAdminPage, `${county}/admin/registrations`);
  const waiting = countyAdminPage.locator(`article.registration[data-username="${dana.username}"]`);
  await waiting.waitFor();
  assert.match(await waiting.innerText(), /seed library/, "the admin sees the reason");
  await screenshot(countyAdminPage, "admin-registrations");
  await post(waiting.locator('form[action$="/approve"]'), null, { button: "Approve" });
  await waitFor("the approved sign-up to leave the list", async () => (await waiting.count()) === 0);

  step("the new member logs in");
  await logIn(newcomer, county, dana.username, dana.password);
  assert.equal(new URL(newcomer.url()).pathname, "/home");
});

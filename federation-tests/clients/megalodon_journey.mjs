// A member's journey across two Trellis instances, driven by megalodon 10.
//
// Usage: node megalodon_journey.mjs TOWN_URL TOWN_EMAIL COUNTY_URL COUNTY_EMAIL PASSWORD
//
// Alice (town) and Bob (county) each register an app with megalodon and log
// in through the authorization-code flow: the HTML page megalodon's
// authorize URL leads to is filled in as a person would (here with fetch),
// and the code it shows goes back to megalodon. Alice names herself, Bob
// finds her by handle and follows her, and both keep their home streams
// open (megalodon's websocket). Alice posts and Bob's stream brings the post
// live; Bob replies, favourites and boosts it, and Alice's stream tells her
// of each as it arrives, as her notifications then list them. Then Bob
// deletes his reply and Alice her post; each disappears from the other
// side, and Bob's stream reports the deletion. Any mismatch throws, so the
// exit status is the verdict.
//
// megalodon is installed beside the Node binary that runs this (in the
// target directory), not beside this script, so it is resolved from there.

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { setTimeout as sleep } from "node:timers/promises";

const { default: generator } = createRequire(process.execPath)("megalodon");

const SCOPES = ["read", "write", "follow"];
const ALICE_NAME = "Alice of the Seed Library";
const OUT_OF_BAND = "urn:ietf:wg:oauth:2.0:oob";

// The authorization page is plain server-rendered HTML; these few patterns
// read its single form the way a browser would submit it.
const FORM = /<form\b[^>]*\baction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/;
const INPUT = /<input\b[^>]*>/g;
const SHOWN_CODE = /<code id="code">([^<]+)<\/code>/;

function unescapeHtml(text) {
  return text
    .replaceAll("&quot;", '"')
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
}

function attribute(tag, name) {
  const found = tag.match(new RegExp(`\\b${name}="([^"]*)"`));
  return found && unescapeHtml(found[1]);
}

// The login form on `html`: where it posts to, its hidden fields, and the
// names of the fields a person types into.
function loginForm(html, pageUrl) {
  const form = html.match(FORM);
  assert.ok(form, `no form on the authorization page:\n${html}`);
  const hidden = new URLSearchParams();
  const typed = [];
  for (const [tag] of form[2].matchAll(INPUT)) {
    if (attribute(tag, "type") === "hidden") {
      hidden.append(attribute(tag, "name"), attribute(tag, "value"));
    } else {
      typed.push(attribute(tag, "name"));
    }
  }
  return { action: new URL(unescapeHtml(form[1]), pageUrl), hidden, typed };
}

async function submit(form, login, password) {
  const body = new URLSearchParams(form.hidden);
  body.set("login", login);
  body.set("password", password);
  // The "Authorize" button's name and value, as a browser sends them.
  body.set("decision", "approve");
  const response = await fetch(form.action, { method: "POST", body, redirect: "manual" });
  assert.equal(response.status, 200, `submitting the authorization form`);
  return response.text();
}

// Opens megalodon's authorize URL and logs in on the page it shows; returns
// the code the page then shows for copying into the app. When `mistype` is
// set, a wrong password is tried first, as people do.
async function authorizeOnPage(authorizeUrl, login, password, { mistype = false } = {}) {
  const page = await fetch(authorizeUrl);
  assert.equal(page.status, 200, `GET ${authorizeUrl}`);
  const html = await page.text();
  assert.match(html, /trellis federation test/, "the page names the app asking");
  assert.match(html, /read write follow/, "the page names the permissions asked for");
  const form = loginForm(html, authorizeUrl);
  assert.deepEqual(form.typed, ["login", "password"]);
  assert.equal(form.hidden.get("client_id"), new URL(authorizeUrl).searchParams.get("client_id"));

  if (mistype) {
    const again = await submit(form, login, `${password}-typo`);
    assert.doesNotMatch(again, SHOWN_CODE, "a wrong password must not yield a code");
    assert.match(again, /class="error"/, "a wrong password is explained on the page");
    assert.deepEqual(loginForm(again, authorizeUrl).typed, ["login", "password"]);
  }

  const shown = (await submit(form, login, password)).match(SHOWN_CODE);
  assert.ok(shown, "the page shows an authorization code");
  return unescapeHtml(shown[1]);
}

async function logIn(url, email, password, options) {
  const client = generator("mastodon", url);
  const app = await client.registerApp("trellis federation test", {
    scopes: SCOPES,
    redirect_uris: OUT_OF_BAND,
  });
  const authorizeUrl = new URL(app.url);
  assert.equal(`${authorizeUrl.origin}${authorizeUrl.pathname}`, `${url}/oauth/authorize`);
  const code = await authorizeOnPage(app.url, email, password, options);
  // fetchAccessToken sends the client secret but has no way to send a PKCE
  // verifier, so this flow is the confidential-client one.
  const exchange = () =>
    client.fetchAccessToken(app.client_id, app.client_secret, code, OUT_OF_BAND);
  const token = await exchange();
  assert.deepEqual(token.scope.split(" ").sort(), [...SCOPES].sort());
  // A code is good for one exchange only.
  await assert.rejects(exchange(), (error) => error.response?.status === 400);
  return generator("mastodon", url, token.access_token);
}

async function waitFor(what, check, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

// Keeps what `stream` (from megalodon's userStreaming) delivers, for
// waitToHear to look through.
function listen(stream) {
  const heard = { connected: false, events: [], errors: [] };
  stream.on("connect", () => {
    heard.connected = true;
  });
  for (const event of ["update", "notification", "delete"]) {
    stream.on(event, (payload) => heard.events.push({ event, payload }));
  }
  // A refused handshake comes as "error" (megalodon then retries every
  // 10 s), a message it cannot read as "parser-error"; either should fail
  // the wait at once, with its reason.
  stream.on("error", (error) => heard.errors.push(error));
  stream.on("parser-error", (error) => heard.errors.push(error));
  return heard;
}

function failOnStreamError(heard, what) {
  if (heard.errors.length > 0) {
    throw new Error(`the stream failed while waiting for ${what}`, { cause: heard.errors[0] });
  }
}

// Resolves once the socket is open. megalodon names the stream in the URL,
// so by then the server has subscribed it.
async function connected(heard, who) {
  const what = `${who}'s home stream to connect`;
  await waitFor(what, () => {
    failOnStreamError(heard, what);
    return heard.connected;
  });
}

// The first event heard so far, or next, that `wanted` accepts.
async function waitToHear(heard, what, wanted) {
  return waitFor(what, () => {
    failOnStreamError(heard, what);
    return heard.events.find(wanted);
  });
}

function handleOn(url, username) {
  return `${username}@${new URL(url).host.replace("127.0.0.1", "localhost")}`;
}

async function main([townUrl, townEmail, countyUrl, countyEmail, password]) {
  const alice = await logIn(townUrl, townEmail, password, { mistype: true });
  const bob = await logIn(countyUrl, countyEmail, password);
  const { data: aliceMe } = await alice.verifyAccountCredentials();
  const { data: bobMe } = await bob.verifyAccountCredentials();
  assert.equal(aliceMe.acct, "alice");
  assert.equal(bobMe.acct, "bob");
  const aliceHandle = handleOn(townUrl, "alice");
  const bobHandle = handleOn(countyUrl, "bob");

  const { data: named } = await alice.updateCredentials({
    display_name: ALICE_NAME,
    note: "Swaps seeds on Sundays",
  });
  assert.equal(named.display_name, ALICE_NAME);
  assert.match(named.note, /Swaps seeds on Sundays/);

  // County has never seen Alice, so this makes it fetch her actor, with the
  // name she just chose.
  const {
    data: { accounts: found },
  } = await bob.search(aliceHandle, { type: "accounts", resolve: true });
  assert.deepEqual(found.map((account) => account.acct), [aliceHandle]);
  assert.equal(found[0].display_name, ALICE_NAME);
  const aliceId = found[0].id;
  const { data: requested } = await bob.followAccount(aliceId);
  assert.equal(requested.id, aliceId);
  await waitFor(
    "the follow to be accepted",
    async () => (await bob.getRelationship(aliceId)).data.following,
  );

  // Listening starts before anything else is awaited: the socket can open,
  // and say so only once, while another request is under way.
  const aliceStream = await alice.userStreaming();
  const aliceHears = listen(aliceStream);
  const bobStream = await bob.userStreaming();
  const bobHears = listen(bobStream);
  await connected(aliceHears, "alice");
  await connected(bobHears, "bob");

  const { data: post } = await alice.postStatus(
    "Posted from megalodon: the seed library has runner beans again #seeds",
  );
  assert.equal(post.account.acct, "alice");
  const { payload: streamed } = await waitToHear(
    bobHears,
    "alice's post on bob's stream",
    ({ event, payload }) => event === "update" && payload.uri === post.uri,
  );
  assert.equal(streamed.account.acct, aliceHandle);
  assert.equal(streamed.account.display_name, ALICE_NAME);
  assert.match(streamed.content, /the seed library has runner beans again/);
  const seen = await waitFor("the post in bob's home timeline", async () =>
    (await bob.getHomeTimeline()).data.find((status) => status.uri === post.uri),
  );
  assert.equal(seen.id, streamed.id);
  assert.equal(seen.account.acct, aliceHandle);
  assert.match(seen.content, /the seed library has runner beans again/);

  const { data: reply } = await bob.postStatus(`@${aliceHandle} Saving me a packet?`, {
    in_reply_to_id: seen.id,
  });
  assert.equal(reply.in_reply_to_id, seen.id);
  assert.deepEqual(reply.mentions.map((mention) => mention.acct), [aliceHandle]);
  const { data: favourited } = await bob.favouriteStatus(seen.id);
  assert.equal(favourited.favourited, true);
  // The answer is Bob's boost wrapping Alice's post. Clients read Bob's
  // own marks from either level, so both say what he did to the post.
  const { data: boost } = await bob.reblogStatus(seen.id);
  assert.equal(boost.account.acct, "bob");
  assert.equal(boost.reblog?.id, seen.id);
  assert.equal(boost.reblog.reblogged, true);
  assert.equal(boost.reblog.favourited, true);
  assert.equal(boost.reblogged, true);
  assert.equal(boost.favourited, true);

  // Alice's stream tells her of each as it arrives from county.
  const streamedAbout = {};
  for (const type of ["favourite", "mention", "reblog"]) {
    const { payload: told } = await waitToHear(
      aliceHears,
      `the ${type} on alice's stream`,
      ({ event, payload }) => event === "notification" && payload.type === type,
    );
    assert.equal(told.account.acct, bobHandle, `streamed ${type} notification`);
    streamedAbout[type] = told;
  }
  assert.equal(streamedAbout.favourite.status.id, post.id);
  assert.equal(streamedAbout.reblog.status.id, post.id);
  assert.equal(streamedAbout.mention.status.in_reply_to_id, post.id);
  assert.match(streamedAbout.mention.status.content, /Saving me a packet\?/);

  // What Alice's notifications column shows once all three have arrived:
  // each from Bob, about her post (the mention in a reply to it).
  const wanted = ["favourite", "follow", "mention", "reblog"];
  const notifications = await waitFor("bob's interactions in alice's notifications", async () => {
    const { data } = await alice.getNotifications();
    const types = data.map((notification) => notification.type);
    return wanted.every((type) => types.includes(type)) && data;
  });
  for (const notification of notifications) {
    assert.equal(notification.account.acct, bobHandle, `${notification.type} notification`);
  }
  const about = (type) => notifications.find((notification) => notification.type === type);
  // The list holds the very notifications the stream brought.
  for (const type of ["favourite", "mention", "reblog"]) {
    assert.equal(about(type).id, streamedAbout[type].id, `${type} notification`);
  }
  const { data: counted } = await alice.getStatus(post.id);
  assert.equal(counted.replies_count, 1);
  assert.equal(counted.favourites_count, 1);
  assert.equal(counted.reblogs_count, 1);

  // Bob is known on town now, so Alice finds him without a lookup.
  const {
    data: { accounts: bobFound },
  } = await alice.search(bobHandle, { type: "accounts", resolve: false });
  assert.deepEqual(bobFound.map((account) => account.acct), [bobHandle]);

  const { data: thread } = await alice.getStatusContext(post.id);
  assert.deepEqual(thread.descendants.map((status) => status.uri), [reply.uri]);
  await bob.deleteStatus(reply.id);
  await waitFor("the deleted reply to leave alice's thread", async () => {
    const { data: after } = await alice.getStatusContext(post.id);
    return after.descendants.length === 0;
  });
  await alice.deleteStatus(post.id);
  await waitFor(
    "the deleted post to leave bob's home timeline",
    async () =>
      !(await bob.getHomeTimeline()).data.some(
        (status) => status.uri === post.uri || status.reblog?.uri === post.uri,
      ),
  );
  await waitToHear(
    bobHears,
    "the deletion on bob's stream",
    ({ event, payload }) => event === "delete" && payload === seen.id,
  );
  aliceStream.stop();
  bobStream.stop();
  console.log("megalodon journey: ok");
}

await main(process.argv.slice(2));
// megalodon pings each socket 10 s after it opens, on a timer that stop()
// leaves running; the finished journey would otherwise idle until it fires.
process.exit(0);

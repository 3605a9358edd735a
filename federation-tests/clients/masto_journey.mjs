// A member's journey across two Trellis instances, driven by masto.js 8.
//
// Usage: node masto_journey.mjs TOWN_URL TOWN_EMAIL COUNTY_URL COUNTY_EMAIL PASSWORD
//
// Alice (town) and Bob (county) register an app and log in with the password
// grant, and Bob finds Alice by handle and follows her. Bob then opens his
// home stream with masto's websocket client; Alice posts, and her post
// arrives live on Bob's stream and is in his home timeline. Bob favourites
// it, and Alice sees the favourite. Any mismatch throws, so the exit status
// is the verdict.
//
// masto.js is installed beside the Node binary that runs this (in the target
// directory), not beside this script, so it is resolved from there.

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { setTimeout as sleep } from "node:timers/promises";

const { createOAuthAPIClient, createRestAPIClient, createStreamingAPIClient } = createRequire(
  process.execPath,
)("masto");

const SCOPES = "read write follow";
const OUT_OF_BAND = "urn:ietf:wg:oauth:2.0:oob";

async function logIn(url, email, password) {
  const app = await createRestAPIClient({ url }).v1.apps.create({
    clientName: "trellis federation test",
    redirectUris: OUT_OF_BAND,
    scopes: SCOPES,
  });
  const token = await createOAuthAPIClient({ url }).token.create({
    grantType: "password",
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUri: OUT_OF_BAND,
    scope: SCOPES,
    username: email,
    password,
  });
  return {
    client: createRestAPIClient({ url, accessToken: token.accessToken }),
    accessToken: token.accessToken,
  };
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

async function main([townUrl, townEmail, countyUrl, countyEmail, password]) {
  const { client: alice } = await logIn(townUrl, townEmail, password);
  const { client: bob, accessToken: bobToken } = await logIn(countyUrl, countyEmail, password);
  assert.equal((await alice.v1.accounts.verifyCredentials()).acct, "alice");
  const handle = `alice@${new URL(townUrl).host.replace("127.0.0.1", "localhost")}`;

  const { accounts: found } = await bob.v2.search.list({
    q: handle,
    resolve: true,
    type: "accounts",
  });
  assert.deepEqual(found.map((account) => account.acct), [handle]);
  const aliceId = found[0].id;
  await bob.v1.accounts.$select(aliceId).follow();
  await waitFor("the follow to be accepted", async () => {
    const [relationship] = await bob.v1.accounts.relationships.fetch({ id: [aliceId] });
    return relationship.following;
  });

  // Where masto's own documentation takes the streaming URL from.
  const instance = await bob.v2.instance.fetch();
  const streaming = createStreamingAPIClient({
    streamingApiUrl: instance.configuration.urls.streaming,
    accessToken: bobToken,
    // One attempt: a refused handshake should fail here, with masto's
    // error, rather than be retried until the wait below runs out.
    retry: false,
  });
  await streaming.prepare();
  // Reading the subscription is what makes masto send its `subscribe`
  // message, on the socket that is now open. The server does not answer
  // it, but reads it long before Alice's post can cross to county.
  const heard = [];
  let ended = false;
  (async () => {
    for await (const event of streaming.user.subscribe()) heard.push(event);
    ended = true;
  })();

  const post = await alice.v1.statuses.create({
    status: "Posted from masto.js: the tool library now lends ladders #tools",
  });
  const update = await waitFor("alice's post on bob's home stream", () =>
    heard.find(({ event, payload }) => event === "update" && payload.uri === post.uri),
  );
  assert.deepEqual(update.stream, ["user"]);
  assert.equal(update.payload.account.acct, handle);
  assert.match(update.payload.content, /the tool library now lends ladders/);
  assert.deepEqual(update.payload.tags.map((tag) => tag.name), ["tools"]);
  streaming.close();
  await waitFor("bob's stream to end once closed", () => ended);

  const seen = (await bob.v1.timelines.home.list()).find((status) => status.uri === post.uri);
  assert.equal(seen?.id, update.payload.id, "the streamed post is in bob's home timeline");
  assert.equal(seen.account.acct, handle);

  const favourited = await bob.v1.statuses.$select(seen.id).favourite();
  assert.equal(favourited.favourited, true);
  await waitFor("the favourite to reach alice", async () => {
    const status = await alice.v1.statuses.$select(post.id).fetch();
    return status.favouritesCount === 1;
  });
  console.log("masto journey: ok");
}

await main(process.argv.slice(2));

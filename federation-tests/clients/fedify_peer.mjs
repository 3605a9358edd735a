// A real Fedify server with one actor, for interoperability tests: it
// answers Follows with an Accept, reports every activity it receives in
// Fedify's own parsed view, and on request follows, posts and likes. It
// signs as Fedify does by default: RFC 9421 first, draft-cavage only after
// a refusal. Every POST it makes is reported with the signature standard
// it carried and the answer, so a test can tell whether Fedify ever had to
// fall back.
//
// Protocol, one JSON object per line. Out (stdout):
//   {"event": "ready", "actor": URL}
//   {"event": "received", "type": "Create", "id": …, "actor": …, "objectId": …, "object": {…}}
//     (the object as Fedify parsed it, fetched when only its id was sent;
//     this peer serves no objects of its own, so those stay an error)
//   {"event": "http", "method": "POST", "url": …, "signature": "rfc9421" | "draft-cavage" | "none", "status": 202}
//   {"event": "incoming", "url": …, "signature": …, "alg": …, "status": 202}
//     (a POST this peer received, with how it was signed and Fedify's answer)
//   {"event": "done", "cmd": …, "id": URL?} or {"event": "error", "message": …}
//     ("id": the object a post or poll made)
// In (stdin):
//   {"cmd": "follow", "actor": URL}
//   {"cmd": "post", "id": KEY, "content": HTML, "inReplyTo": URL?, "author": URL?, "image": ALT?}
//       (public, to every follower, and to the replied-to author; with
//       "image", an Image attachment named ALT: a 2×2 PNG this peer
//       serves at /files/dot.png)
//   {"cmd": "edit", "id": KEY, "content": HTML}  (an Update of the post KEY, to every follower)
//   {"cmd": "delete", "id": KEY}                 (a Delete of the post KEY, to every follower)
//   {"cmd": "like", "object": URL, "author": URL}
//   {"cmd": "announce", "object": URL, "author": URL}
//   {"cmd": "poll", "id": KEY, "content": HTML, "options": [NAME…], "multiple": BOOL, "hours": N}
//       (a Question to every follower)
//   {"cmd": "lookup", "actor": URL}
//       (reports {"event": "actor", "assertionMethods": […], "publicKeys": […]}
//       as Fedify parsed the actor's keys)
//   {"cmd": "vote", "question": URL, "author": URL, "option": NAME}
//       (a Note named for the option, to the poll's author alone)
//
// Environment: PEER_NAME (the actor's name; "fedi" by default).

import http from "node:http";
import { createRequire } from "node:module";
import readline from "node:readline";

// The packages live beside the Node binary the tests installed.
const load = createRequire(process.execPath);

const emit = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);

// Record every request Fedify makes, before Fedify is loaded, so that the
// fetch it captures is this one.
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const headers = new Headers(input instanceof Request ? input.headers : undefined);
  new Headers(init?.headers ?? {}).forEach((value, name) => headers.set(name, value));
  const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
  const url = input instanceof Request ? input.url : String(input);
  const signature = headers.has("signature-input")
    ? "rfc9421"
    : headers.has("signature")
      ? "draft-cavage"
      : "none";
  const response = await realFetch(input, init);
  if (method === "POST") emit({ event: "http", method, url, signature, status: response.status });
  return response;
};

const { createFederation, generateCryptoKeyPair, MemoryKvStore } = load("@fedify/fedify");
const vocab = load("@fedify/vocab");
const { Temporal } = load("@js-temporal/polyfill");

const name = process.env.PEER_NAME ?? "fedi";
const server = http.createServer();
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
// Named by host name: WebFinger handles need a domain, not an address.
const origin = `http://localhost:${server.address().port}`;

const keys = [
  await generateCryptoKeyPair("RSASSA-PKCS1-v1_5"),
  await generateCryptoKeyPair("Ed25519"),
];
const followers = new Map();

const federation = createFederation({
  kv: new MemoryKvStore(),
  origin,
  // Loopback only: the test's servers live on 127.0.0.1.
  allowPrivateAddress: true,
});

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== name) return null;
    const pairs = await ctx.getActorKeyPairs(identifier);
    return new vocab.Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Fedify peer",
      inbox: ctx.getInboxUri(identifier),
      endpoints: new vocab.Endpoints({ sharedInbox: ctx.getInboxUri() }),
      url: ctx.getActorUri(identifier),
      publicKey: pairs[0].cryptographicKey,
      assertionMethods: pairs.map((pair) => pair.multikey),
    });
  })
  .setKeyPairsDispatcher(async (_ctx, identifier) => (identifier === name ? keys : []));

/// What Fedify made of an object: the fields a test looks at.
async function parsed(object) {
  if (object == null) return null;
  const attachments = [];
  if (typeof object.getAttachments === "function") {
    for await (const attachment of object.getAttachments()) {
      attachments.push({
        type: attachment.constructor.name,
        url: attachment.url?.href ?? String(attachment.url ?? ""),
        mediaType: attachment.mediaType ?? null,
        name: attachment.name?.toString() ?? null,
      });
    }
  }
  // A Question's options, each with the votes its replies count.
  const options = async (list) => {
    const out = [];
    for await (const option of list) {
      const replies = await option.getReplies?.();
      out.push({ name: option.name?.toString() ?? null, votes: replies?.totalItems ?? null });
    }
    return out;
  };
  const question =
    object instanceof vocab.Question
      ? {
          oneOf: await options(object.getExclusiveOptions()),
          anyOf: await options(object.getInclusiveOptions()),
          voters: object.voters ?? null,
          endTime: object.endTime?.toString() ?? null,
          closed: object.closed == null ? null : String(object.closed),
        }
      : null;
  return {
    type: object.constructor.name,
    id: object.id?.href ?? null,
    name: object.name?.toString() ?? null,
    content: object.content?.toString() ?? null,
    attributedTo: object.attributionId?.href ?? null,
    inReplyTo: object.replyTargetId?.href ?? null,
    to: object.toIds?.map((id) => id.href) ?? [],
    attachments,
    question,
  };
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(vocab.Follow, async (ctx, follow) => {
    const follower = await follow.getActor(ctx);
    if (follower == null) return;
    followers.set(follower.id.href, follower);
    await ctx.sendActivity(
      { identifier: name },
      follower,
      new vocab.Accept({
        id: new URL(`${origin}/accepts/${crypto.randomUUID()}`),
        actor: ctx.getActorUri(name),
        object: follow,
      }),
    );
    emit({ event: "received", type: "Follow", id: follow.id?.href, actor: follower.id.href });
  })
  .on(vocab.Activity, async (ctx, activity) => {
    let object = null;
    try {
      object = await parsed(await activity.getObject(ctx));
    } catch (error) {
      object = { error: String(error) };
    }
    emit({
      event: "received",
      type: activity.constructor.name,
      id: activity.id?.href ?? null,
      actor: activity.actorId?.href ?? null,
      objectId: activity.objectId?.href ?? null,
      object,
    });
  });

// The image of posts with one: a 2×2 PNG.
const DOT = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR42mM4EaABRAwQCgAljgUBQTLeRwAAAABJRU5ErkJggg==",
  "base64",
);

server.on("request", async (req, res) => {
  if (req.method === "GET" && req.url === "/files/dot.png") {
    res.writeHead(200, { "content-type": "image/png" });
    res.end(DOT);
    return;
  }
  try {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const headers = new Headers();
    for (const [header, value] of Object.entries(req.headers)) {
      headers.set(header, Array.isArray(value) ? value.join(", ") : value);
    }
    const request = new Request(new URL(req.url, origin), {
      method: req.method,
      headers,
      body: ["GET", "HEAD"].includes(req.method) ? undefined : Buffer.concat(chunks),
    });
    const response = await federation.fetch(request, {
      contextData: undefined,
      onNotFound: () => new Response("not found", { status: 404 }),
      onNotAcceptable: () => new Response("not acceptable", { status: 406 }),
    });
    if (req.method === "POST") {
      const signature = headers.has("signature-input")
        ? "rfc9421"
        : headers.has("signature")
          ? "draft-cavage"
          : "none";
      const alg = /alg="([^"]+)"/.exec(headers.get("signature-input") ?? "")?.[1] ?? null;
      emit({ event: "incoming", url: request.url, signature, alg, status: response.status });
    }
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (error) {
    res.writeHead(500);
    res.end(String(error));
  }
});

const context = () => federation.createContext(new URL(origin), undefined);

async function run(command) {
  const ctx = context();
  const me = ctx.getActorUri(name);
  switch (command.cmd) {
    case "follow": {
      const target = await ctx.lookupObject(command.actor);
      if (target == null) throw new Error(`cannot look up ${command.actor}`);
      await ctx.sendActivity(
        { identifier: name },
        target,
        new vocab.Follow({ id: new URL(`${origin}/follows/${crypto.randomUUID()}`), actor: me, object: target.id }),
      );
      break;
    }
    case "post": {
      const id = new URL(`${origin}/notes/${command.id}`);
      const note = new vocab.Note({
        id,
        attribution: me,
        content: command.content,
        to: vocab.PUBLIC_COLLECTION,
        replyTarget: command.inReplyTo ? new URL(command.inReplyTo) : null,
        attachments: command.image
          ? [new vocab.Image({ url: new URL(`${origin}/files/dot.png`), mediaType: "image/png", name: command.image })]
          : [],
      });
      const recipients = [...followers.values()];
      if (command.author) recipients.push(await ctx.lookupObject(command.author));
      await ctx.sendActivity(
        { identifier: name },
        recipients,
        new vocab.Create({ id: new URL(`${id.href}/activity`), actor: me, object: note, to: vocab.PUBLIC_COLLECTION }),
      );
      return { id: id.href };
    }
    case "edit": {
      const id = new URL(`${origin}/notes/${command.id}`);
      const note = new vocab.Note({
        id,
        attribution: me,
        content: command.content,
        to: vocab.PUBLIC_COLLECTION,
        updated: Temporal.Now.instant(),
      });
      await ctx.sendActivity(
        { identifier: name },
        [...followers.values()],
        new vocab.Update({ id: new URL(`${id.href}/edits/${crypto.randomUUID()}`), actor: me, object: note, to: vocab.PUBLIC_COLLECTION }),
      );
      return { id: id.href };
    }
    case "delete": {
      const id = new URL(`${origin}/notes/${command.id}`);
      await ctx.sendActivity(
        { identifier: name },
        [...followers.values()],
        new vocab.Delete({
          id: new URL(`${id.href}/delete`),
          actor: me,
          object: new vocab.Tombstone({ id }),
          to: vocab.PUBLIC_COLLECTION,
        }),
      );
      return { id: id.href };
    }
    case "like": {
      const author = await ctx.lookupObject(command.author);
      await ctx.sendActivity(
        { identifier: name },
        author,
        new vocab.Like({ id: new URL(`${origin}/likes/${crypto.randomUUID()}`), actor: me, object: new URL(command.object) }),
      );
      break;
    }
    case "announce": {
      const author = await ctx.lookupObject(command.author);
      await ctx.sendActivity(
        { identifier: name },
        [...followers.values(), author],
        new vocab.Announce({
          id: new URL(`${origin}/announces/${crypto.randomUUID()}`),
          actor: me,
          object: new URL(command.object),
          to: vocab.PUBLIC_COLLECTION,
        }),
      );
      break;
    }
    case "poll": {
      const id = new URL(`${origin}/questions/${command.id}`);
      const choices = command.options.map(
        (option) => new vocab.Note({ name: option, replies: new vocab.Collection({ totalItems: 0 }) }),
      );
      const question = new vocab.Question({
        id,
        attribution: me,
        content: command.content,
        to: vocab.PUBLIC_COLLECTION,
        endTime: Temporal.Now.instant().add({ hours: command.hours ?? 24 }),
        voters: 0,
        ...(command.multiple ? { inclusiveOptions: choices } : { exclusiveOptions: choices }),
      });
      await ctx.sendActivity(
        { identifier: name },
        [...followers.values()],
        new vocab.Create({ id: new URL(`${id.href}/activity`), actor: me, object: question, to: vocab.PUBLIC_COLLECTION }),
      );
      return { id: id.href };
    }
    case "vote": {
      const author = await ctx.lookupObject(command.author);
      const id = new URL(`${origin}/votes/${crypto.randomUUID()}`);
      await ctx.sendActivity(
        { identifier: name },
        author,
        new vocab.Create({
          id: new URL(`${id.href}/activity`),
          actor: me,
          to: author.id,
          object: new vocab.Note({ id, attribution: me, name: command.option, replyTarget: new URL(command.question), to: author.id }),
        }),
      );
      break;
    }
    case "lookup": {
      const actor = await ctx.lookupObject(command.actor);
      if (actor == null) throw new Error(`cannot look up ${command.actor}`);
      const assertionMethods = [];
      for await (const key of actor.getAssertionMethods()) {
        assertionMethods.push({
          id: key.id?.href ?? null,
          controller: key.controllerId?.href ?? null,
          algorithm: key.publicKey?.algorithm?.name ?? null,
        });
      }
      const publicKeys = [];
      for await (const key of actor.getPublicKeys()) publicKeys.push(key.id?.href ?? null);
      emit({ event: "actor", id: actor.id?.href ?? null, assertionMethods, publicKeys });
      break;
    }
    default:
      throw new Error(`unknown command ${command.cmd}`);
  }
}

readline.createInterface({ input: process.stdin }).on("line", async (line) => {
  if (!line.trim()) return;
  let command;
  try {
    command = JSON.parse(line);
    const outcome = await run(command);
    emit({ event: "done", cmd: command.cmd, ...outcome });
  } catch (error) {
    emit({ event: "error", cmd: command?.cmd ?? null, message: String(error?.stack ?? error) });
  }
});

emit({ event: "ready", actor: `${origin}/users/${name}` });

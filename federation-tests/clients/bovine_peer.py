# SPDX-License-Identifier: AGPL-3.0-only
#
# A real bovine-herd server (PyPI `bovine-herd`, with `bovine` and
# `bovine-store` under it) with one actor, for interoperability tests. It
# runs in this process on 127.0.0.1, over plain http, named
# `http://localhost:PORT`, and keeps its SQLite database in a fresh
# temporary folder.
#
# bovine-herd is a server without a user interface: what an actor does is
# POSTed to the actor's outbox by a client, and bovine-herd gives the
# activity its id, stores it and delivers it. So this script is that
# client: it signs its outbox POSTs with the actor's own key through
# `bovine.BovineClient` and builds activities with bovine's factories.
# Everything that crosses the wire to the other server (signed GETs,
# signed deliveries, signature and digest checks, inbox processing, the
# actor document, WebFinger) is bovine-herd's own code, unchanged: the
# script only plugs into the hooks BovineHerd() offers for its background
# tasks. What the script adds: it answers Follows with an Accept
# (bovine-herd never does that by itself), writes the Question of a poll
# by hand (bovine has no factory for it) and counts the votes ("tally"),
# serves a small PNG for image posts, reports what arrives, and seeds
# bovine's JSON-LD context cache, because offline bovine cannot fetch the
# contexts it expands every activity with.
#
# Protocol, one JSON object per line. Out (stdout):
#   {"event": "ready", "actor": URL, "acct": "name@localhost:PORT"}
#     (the actor's id is bovine's: http://localhost:PORT/endpoints/RANDOM)
#   {"event": "warning", "message": …}     (no context files were found)
#   {"event": "received", "type": "Create", "id": …, "actor": …, "objectId": …, "object": {…}}
#     (after bovine-herd has checked the signature and processed it; the
#     object in bovine's own compacted view, fetched by bovine when only
#     its id was sent, reduced to the fields a test looks at: type, id,
#     name, content, attributedTo, inReplyTo, to, cc, attachments
#     [{type, url, mediaType, name}], question {oneOf, anyOf: [{name,
#     votes}], voters, endTime, closed}; "raw" holds bovine's full view)
#   {"event": "accepted", "follow": ID, "actor": URL}   (a Follow answered)
#   {"event": "dropped", "id": …, "type": …}
#     (an activity bovine-herd's inbox processing gave up on)
#   {"event": "http", "method": "GET" | "POST", "url": …, "signature": "rfc9421" | "draft-cavage" | "none", "status": N}
#     (every request bovine-herd makes to another server; "status": null
#     and "error" when it got no answer)
#   {"event": "incoming", "method": …, "url": …, "signature": …, "signer": URL | null, "status": N}
#     (every request another server made to this one, with the actor
#     bovine-herd verified it was signed by, and its answer)
#   {"event": "done", "cmd": …, …} or {"event": "error", "cmd": …, "message": …}
#     ("done" comes once bovine-herd has delivered the activity to every
#     recipient; it carries "activity", the activity's id, and for posts,
#     polls, votes, edits and deletes "id", the object's id: bovine-herd
#     gives every object an id of its own, /objects/UUID)
#   {"event": "actor", "id": …, "type": …, "preferredUsername": …, "inbox": …,
#    "outbox": …, "followers": …, "publicKeys": [ID…], "assertionMethods": [{id, controller}],
#    "parsedKeys": [{id, controller, relationships}], "raw": {…}}
#     (the answer to "lookup"; parsedKeys as bovine's own parser reads them)
# In (stdin):
#   {"cmd": "follow", "actor": URL}
#   {"cmd": "unfollow", "actor": URL}            (an Undo of the last Follow of URL)
#   {"cmd": "post", "id": KEY, "content": HTML, "inReplyTo": URL?, "author": URL?, "image": ALT?}
#       (public, to every follower, and to the replied-to author; with
#       "image", an Image attachment: a 2×2 PNG this script serves,
#       mediaType image/png, named ALT)
#   {"cmd": "edit", "id": KEY, "content": HTML}  (an Update of the post KEY)
#   {"cmd": "delete", "id": KEY}                 (a Delete of the post KEY)
#   {"cmd": "like", "object": URL, "author": URL}
#   {"cmd": "announce", "object": URL, "author": URL}
#   {"cmd": "poll", "id": KEY, "content": HTML, "options": [NAME…], "multiple": BOOL, "hours": N}
#       (a Question to every follower)
#   {"cmd": "vote", "question": URL, "author": URL, "option": NAME}
#       (a Note named for the option, to the poll's author alone)
#   {"cmd": "tally", "id": KEY}
#       (an Update of the poll KEY with the votes received so far: bovine-herd
#       counts none itself, so the script does)
#   {"cmd": "lookup", "actor": URL or "acct:NAME@HOST"}
#       (bovine-herd fetches the actor through the actor's proxyUrl)
#   {"cmd": "accept", "follow": URL}
#       (only needed with PEER_MANUAL_ACCEPT=1; otherwise every Follow of
#       the actor is accepted as soon as bovine-herd has stored it)
#
# Environment: PEER_NAME (the actor's name; "bovi" by default);
# PEER_CONTEXTS (a folder of JSON-LD context files named as Fedify's
# @fedify/vocab-runtime ships them in src/contexts; by default the one in
# target/client-node); PEER_LOG (Python log level for stderr, WARNING by
# default); PEER_MANUAL_ACCEPT=1 (leave Follows to the "accept" command).
#
# Run with the Python of a venv holding `bovine-herd==0.5.19 bovine==0.5.19
# http-sf==1.0.7` (a newer http-sf breaks bovine's signature parsing).

import asyncio
import json
import logging
import os
import shutil
import signal
import socket
import struct
import sys
import tempfile
import threading
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

NAME = os.environ.get("PEER_NAME", "bovi")
LOG_LEVEL = os.environ.get("PEER_LOG", "WARNING").upper()
MANUAL_ACCEPT = os.environ.get("PEER_MANUAL_ACCEPT") == "1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
# How long a command waits for bovine-herd to finish delivering.
PATIENCE = 25

# bovine looks WebFinger up over https, and over http only after a failed
# connection when this, its own switch for tests, is set.
os.environ.setdefault("BUTCHER_ALLOW_HTTP", "1")

logging.basicConfig(stream=sys.stderr, level=getattr(logging, LOG_LEVEL, logging.WARNING))

# bovine opens its JSON-LD context cache, bovine_jsonld_cache.sqlite, in the
# working directory when it is imported; the database goes beside it. The
# folder (under TMPDIR) is removed when stdin closes or on SIGTERM, not
# after a SIGKILL.
STATE = tempfile.mkdtemp(prefix="bovine-peer-")
os.chdir(STATE)

import aiohttp  # noqa: E402
from hypercorn.asyncio import serve  # noqa: E402
from hypercorn.config import Config  # noqa: E402
from quart import Quart, Response, g, request  # noqa: E402

import bovine.jsonld  # noqa: E402
from bovine import BovineClient  # noqa: E402
from bovine.activitystreams.object_factory import Object  # noqa: E402
from bovine.parse import Actor as ParsedActor  # noqa: E402
from bovine_herd import BovineHerd  # noqa: E402
from bovine_herd.add_to_queue import add_to_queue  # noqa: E402
from bovine_process import handle_outbox_item, process_inbox_item, process_outbox_item  # noqa: E402
from bovine_process.utils import ProcessorList  # noqa: E402
from bovine_store import BovineAdminStore  # noqa: E402

_print_lock = threading.Lock()


def emit(event):
    with _print_lock:
        sys.stdout.write(json.dumps(event) + "\n")
        sys.stdout.flush()


# --- JSON-LD contexts -------------------------------------------------------

# The context documents bovine expands with, by the file name Fedify gives
# them. ActivityStreams itself is built into bovine (with a catch-all
# vocabulary of its own), so it is left to bovine.
CONTEXT_FILES = {
    "https://w3id.org/security/v1": "security-v1.json",
    "https://www.w3.org/ns/did/v1": "did-v1.json",
    "https://w3id.org/security/multikey/v1": "security-multikey-v1.json",
    "https://w3id.org/security/data-integrity/v1": "security-data-integrity-v1.json",
    "https://w3id.org/security/data-integrity/v2": "security-data-integrity-v2.json",
    "https://www.w3.org/ns/cid/v1": "cid-v1.json",
    "https://w3id.org/identity/v1": "identity-v1.json",
    "http://schema.org/": "schemaorg.json",
    "https://gotosocial.org/ns": "gotosocial.json",
    "https://w3id.org/fep/5711": "fep-5711.json",
}


def contexts_folder() -> Path | None:
    if os.environ.get("PEER_CONTEXTS"):
        return Path(os.environ["PEER_CONTEXTS"])
    target = os.environ.get("CARGO_TARGET_DIR") or Path(__file__).resolve().parents[2] / "target"
    folder = Path(target) / "client-node/node_modules/@fedify/vocab-runtime/src/contexts"
    return folder if folder.is_dir() else None


def seed_contexts():
    """Puts the contexts into bovine's own cache, which bovine's document
    loader asks before going to the network (where, offline, it would fall
    back to an empty context and keep that)."""
    folder = contexts_folder()
    seeded = []
    for url, file in CONTEXT_FILES.items():
        path = folder / file if folder else None
        if path is None or not path.is_file():
            continue
        if bovine.jsonld.jsonld_cache.retrieve(url) is None:
            document = json.loads(path.read_text())
            bovine.jsonld.jsonld_cache.add(url, document["@context"])
        seeded.append(url)
    missing = [url for url in CONTEXT_FILES if url not in seeded][:3]
    if "https://w3id.org/security/v1" not in seeded:
        emit({"event": "warning", "message": f"no JSON-LD contexts found (looked in {folder}); missing {missing}"})


# --- A tiny PNG -------------------------------------------------------------


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes([200, 120, 40]) * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG = tiny_png()


def signature_kind(headers) -> str:
    if "signature-input" in headers:
        return "rfc9421"
    if "signature" in headers:
        return "draft-cavage"
    return "none"


# --- The server -------------------------------------------------------------

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", 0))
sock.listen(128)
sock.set_inheritable(True)
PORT = sock.getsockname()[1]
# Named by host name: WebFinger handles need a domain, not an address.
ORIGIN = f"http://localhost:{PORT}"

app = Quart(__name__)

# Activities that went through the outbox: what bovine-herd made of them
# (ids assigned), and an event set once it has delivered them.
outbox_items: dict[str, dict] = {}
outbox_done: dict[str, asyncio.Event] = {}
outbox_errors: dict[str, str] = {}
# The actor as bovine-herd knows it, and the client that acts for it.
state: dict = {}
posts: dict[str, dict] = {}
follows: dict[str, str] = {}
# Votes received, by question id: (voter, option name).
votes: dict[str, list] = {}


def done_event(activity_id: str) -> asyncio.Event:
    return outbox_done.setdefault(activity_id, asyncio.Event())


@app.before_serving
async def open_session():
    # bovine-herd takes the session it makes its requests with from here;
    # tracing it reports each one.
    trace = aiohttp.TraceConfig()

    async def on_end(session, context, params):
        url = str(params.url)
        if url.startswith(ORIGIN):
            return
        emit(
            {
                "event": "http",
                "method": params.method,
                "url": url,
                "signature": signature_kind({k.lower(): v for k, v in params.headers.items()}),
                "status": params.response.status,
            }
        )

    async def on_exception(session, context, params):
        url = str(params.url)
        if not url.startswith(ORIGIN):
            emit({"event": "http", "method": params.method, "url": url, "status": None, "error": repr(params.exception)})

    trace.on_request_end.append(on_end)
    trace.on_request_exception.append(on_exception)
    app.config["session"] = aiohttp.ClientSession(trace_configs=[trace])


async def traced_handle_outbox_item(item, actor):
    item = await handle_outbox_item(item, actor)
    if item is not None:
        outbox_items[item.data["id"]] = json.loads(json.dumps(item.data))
    return item


def start_outbox(item, actor):
    async def run():
        activity_id = item.data.get("id")
        try:
            await ProcessorList(process_outbox_item, add_to_queue)(item, actor)
        except Exception as error:  # reported by the command that sent it
            outbox_errors[activity_id] = repr(error)
        finally:
            done_event(activity_id).set()

    app.add_background_task(run)


async def start_outbox_task(item, actor):
    start_outbox(item, actor)


async def start_inbox_task(item, actor):
    async def run():
        try:
            processed = await ProcessorList(process_inbox_item, add_to_queue)(item, actor)
            if processed is None:
                # bovine-herd gave up on it (its log on stderr says why).
                emit({"event": "dropped", "id": item.data.get("id"), "type": item.data.get("type")})
                return
            await report(item.data, actor)
        except Exception as error:
            emit({"event": "error", "cmd": None, "message": f"processing {item.data.get('id')}: {error!r}"})

    app.add_background_task(run)


BovineHerd(
    app,
    start_background_task_inbox=start_inbox_task,
    start_background_task_outbox=start_outbox_task,
    handle_outbox_item=traced_handle_outbox_item,
    db_url=f"sqlite://{STATE}/bovine.sqlite3",
)


@app.get("/media/<name>")
async def media(name):
    return Response(PNG, content_type="image/png")


@app.after_request
async def report_incoming(response):
    if state.get("ready"):
        # bovine-herd's requests to itself (its client's, and its key checks
        # of that client) are left out.
        own = f'keyId="{ORIGIN}/' in request.headers.get("signature", "")
        if not own:
            emit(
                {
                    "event": "incoming",
                    "method": request.method,
                    "url": request.url,
                    "signature": signature_kind({k.lower(): v for k, v in request.headers.items()}),
                    "signer": g.get("retriever"),
                    "status": response.status_code,
                }
            )
    return response


# --- What arrives -----------------------------------------------------------


def first_id(value):
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        return value.get("id")
    return value


def link(value):
    """A URL given as a string, a Link, or a list of either: the first."""
    value = as_list(value)[0] if as_list(value) else None
    if isinstance(value, dict):
        return value.get("href") or value.get("id")
    return value


def as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def text(value):
    if isinstance(value, dict):
        return value.get("@value")
    return value


def audience(value):
    # bovine's context compacts the public collection to "as:Public".
    return [PUBLIC if first_id(x) in ("as:Public", "Public") else first_id(x) for x in as_list(value)]


def summary(obj):
    """The fields of an object a test looks at, from bovine's view of it."""
    if not isinstance(obj, dict):
        return obj

    def options(values):
        out = []
        for option in as_list(values):
            if isinstance(option, dict):
                replies = option.get("replies")
                votes = replies.get("totalItems") if isinstance(replies, dict) else None
                out.append({"name": text(option.get("name")), "votes": votes})
        return out

    question = None
    if obj.get("type") == "Question":
        question = {
            "oneOf": options(obj.get("oneOf")),
            "anyOf": options(obj.get("anyOf")),
            # Mastodon's term: bovine's context has no name for it, so it
            # comes out as a full IRI unless the sender's context mapped it
            # onto ActivityStreams' catch-all.
            "voters": obj.get("votersCount", obj.get("http://joinmastodon.org/ns#votersCount")),
            "endTime": obj.get("endTime"),
            "closed": obj.get("closed"),
        }
    attachments = []
    for attachment in as_list(obj.get("attachment")):
        if isinstance(attachment, dict):
            attachments.append(
                {
                    "type": attachment.get("type"),
                    "url": link(attachment.get("url")),
                    "mediaType": attachment.get("mediaType"),
                    "name": text(attachment.get("name")),
                }
            )
    return {
        "type": obj.get("type"),
        "id": obj.get("id"),
        "name": text(obj.get("name")),
        "content": text(obj.get("content")),
        "attributedTo": first_id(obj.get("attributedTo")),
        "inReplyTo": first_id(obj.get("inReplyTo")),
        "to": audience(obj.get("to")),
        "cc": audience(obj.get("cc")),
        "attachments": attachments,
        "question": question,
    }


async def report(data, actor):
    kind = data.get("type")
    me = state.get("actor")
    obj = data.get("object")
    object_id = first_id(obj)
    if isinstance(obj, str) and kind not in ("Follow", "Delete") and object_id != me:
        # bovine's own lookup: its store, or a signed GET as the actor.
        fetched = await actor.retrieve(obj)
        obj = fetched if fetched is not None else obj
    emit(
        {
            "event": "received",
            "type": kind,
            "id": data.get("id"),
            "actor": first_id(data.get("actor")),
            "objectId": object_id,
            "object": summary(obj),
            "raw": data,
        }
    )
    if kind == "Create" and isinstance(obj, dict) and obj.get("name") and first_id(obj.get("inReplyTo")):
        # Possibly a vote in one of this actor's polls: kept for "tally".
        votes.setdefault(first_id(obj.get("inReplyTo")), []).append((first_id(data.get("actor")), text(obj.get("name"))))
    if kind == "Follow" and object_id == me and not MANUAL_ACCEPT:
        try:
            await accept(data)
            emit({"event": "accepted", "follow": data.get("id"), "actor": first_id(data.get("actor"))})
        except Exception as error:
            emit({"event": "error", "cmd": "accept", "message": repr(error)})


def actor_summary(found: dict) -> dict:
    """An actor's id, endpoints and keys, as bovine reads them."""
    public_keys = [first_id(key) for key in as_list(found.get("publicKey"))]
    methods = [
        {"id": first_id(key), "controller": key.get("controller") if isinstance(key, dict) else None}
        for key in as_list(found.get("assertionMethod"))
    ]
    parsed = None
    try:
        parsed = [
            {"id": key.id, "controller": key.controller, "relationships": sorted(key.verification_relationships)}
            for key in ParsedActor(found, validate=False).cryptographic_identifiers
        ]
    except Exception as error:
        parsed = {"error": repr(error)}
    return {
        "id": found.get("id"),
        "type": found.get("type"),
        "preferredUsername": text(found.get("preferredUsername")),
        "inbox": found.get("inbox"),
        "outbox": found.get("outbox"),
        "followers": found.get("followers"),
        "publicKeys": public_keys,
        "assertionMethods": methods,
        "parsedKeys": parsed,
    }


# --- What the actor does ----------------------------------------------------


async def send(activity: dict) -> dict:
    """POSTs the activity to the actor's outbox, as bovine's client does,
    and waits until bovine-herd has delivered it. Returns the activity as
    bovine-herd stored it (with the ids it assigned)."""
    client: BovineClient = state["client"]
    response = await client.send_to_outbox(activity)
    if response.status != 201:
        raise RuntimeError(f"outbox answered {response.status}: {await response.text()}")
    activity_id = response.headers["location"]
    await asyncio.wait_for(done_event(activity_id).wait(), PATIENCE)
    if activity_id in outbox_errors:
        raise RuntimeError(f"bovine-herd failed to deliver {activity_id}: {outbox_errors[activity_id]}")
    return outbox_items.get(activity_id, {"id": activity_id})


async def accept(follow: dict):
    client: BovineClient = state["client"]
    return await send(client.activity_factory.accept(follow).build())


def image_attachment(alt: str) -> dict:
    image = Object(type="Image", url=f"{ORIGIN}/media/dot.png", media_type="image/png", name=alt, width=2, height=2).build()
    image.pop("@context", None)
    return image


def stored_object(sent: dict) -> dict:
    obj = sent.get("object")
    return obj if isinstance(obj, dict) else {"id": obj}


async def run(command: dict) -> dict:
    client: BovineClient = state["client"]
    activities, objects = client.activity_factory, client.object_factory
    me, followers = state["actor"], client.followers
    cmd = command.get("cmd")
    if cmd == "follow":
        sent = await send(activities.follow(command["actor"]).build())
        follows[command["actor"]] = sent["id"]
        return {"activity": sent["id"]}
    if cmd == "unfollow":
        follow = follows[command["actor"]]
        sent = await send(activities.undo(follow, to={command["actor"]}).build())
        return {"activity": sent["id"]}
    if cmd == "accept":
        sent = await accept(await state["store_actor"].retrieve(command["follow"]))
        return {"activity": sent["id"]}
    if cmd == "post":
        note = objects.note(content=command["content"]).as_public()
        if command.get("inReplyTo"):
            note.in_reply_to = command["inReplyTo"]
        if command.get("author"):
            note.cc.add(command["author"])
        if command.get("image") is not None:
            note.attachment = [image_attachment(command["image"])]
        sent = await send(activities.create(note.build()).build())
        posts[command["id"]] = stored_object(sent)
        return {"activity": sent["id"], "id": posts[command["id"]]["id"]}
    if cmd == "edit":
        note = {k: v for k, v in posts[command["id"]].items() if k != "@context"}
        note["content"] = command["content"]
        note["updated"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        sent = await send(activities.update(note).build())
        posts[command["id"]] = note
        return {"activity": sent["id"], "id": note["id"]}
    if cmd == "delete":
        note = posts.pop(command["id"])
        sent = await send(activities.delete(note["id"]).build())
        return {"activity": sent["id"], "id": note["id"]}
    if cmd == "like":
        sent = await send(activities.like(command["object"], to={command["author"]}).build())
        return {"activity": sent["id"]}
    if cmd == "announce":
        sent = await send(activities.announce(command["object"], cc={command["author"]}).as_public().build())
        return {"activity": sent["id"]}
    if cmd == "poll":
        end = datetime.now(timezone.utc) + timedelta(hours=command.get("hours", 24))
        choices = [
            {"type": "Note", "name": option, "replies": {"type": "Collection", "totalItems": 0}}
            for option in command["options"]
        ]
        question = {
            "type": "Question",
            "attributedTo": me,
            "content": command["content"],
            "to": [PUBLIC],
            "cc": [followers],
            "published": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "endTime": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
            ("anyOf" if command.get("multiple") else "oneOf"): choices,
        }
        sent = await send(activities.create(question).build())
        posts[command["id"]] = stored_object(sent)
        return {"activity": sent["id"], "id": posts[command["id"]]["id"]}
    if cmd == "tally":
        # bovine-herd keeps no vote counts: the script counts the votes it
        # received and sends the new counts as an Update of the Question.
        question = {k: v for k, v in posts[command["id"]].items() if k != "@context"}
        cast = votes.get(question["id"], [])
        for key in ("oneOf", "anyOf"):
            for option in as_list(question.get(key)):
                count = sum(1 for _, name in cast if name == text(option.get("name")))
                option["replies"] = {"type": "Collection", "totalItems": count}
        question["votersCount"] = len({voter for voter, _ in cast})
        question["updated"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        sent = await send(activities.update(question).build())
        posts[command["id"]] = question
        return {"activity": sent["id"], "id": question["id"], "voters": question["votersCount"]}
    if cmd == "vote":
        vote = objects.note(name=command["option"], in_reply_to=command["question"], to={command["author"]}).build()
        sent = await send(activities.create(vote).build())
        return {"activity": sent["id"], "id": stored_object(sent)["id"]}
    if cmd == "lookup":
        # bovine-herd's proxyUrl endpoint: it fetches (signed, as the actor)
        # or takes its stored copy, and answers in bovine's own context.
        found = await client.proxy(command["actor"])
        # bovine's store keeps a fetched key apart from its actor and puts
        # back only its id; its parser wants the key itself.
        for field in ("publicKey", "assertionMethod"):
            keys = []
            for key in as_list(found.get(field)):
                if isinstance(key, str):
                    key = await state["store_actor"].retrieve(key, skip_fetch=True) or key
                keys.append(key)
            if keys:
                found[field] = keys[0] if len(keys) == 1 and field == "publicKey" else keys
        emit({"event": "actor", **actor_summary(found), "raw": found})
        return {}
    raise ValueError(f"unknown command {cmd}")


async def handle_line(line: str):
    command = None
    try:
        command = json.loads(line)
        async with state["lock"]:
            extra = await run(command)
        emit({"event": "done", "cmd": command.get("cmd"), **extra})
    except Exception as error:
        emit({"event": "error", "cmd": (command or {}).get("cmd"), "message": repr(error)})


def read_stdin(loop: asyncio.AbstractEventLoop, stop: asyncio.Event):
    for line in sys.stdin:
        if line.strip():
            asyncio.run_coroutine_threadsafe(handle_line(line), loop)
    loop.call_soon_threadsafe(stop.set)


async def main():
    seed_contexts()
    config = Config()
    config.bind = [f"fd://{sock.fileno()}"]
    config.accesslog = None
    config.errorlog = logging.getLogger("hypercorn.error")
    stop = asyncio.Event()
    server = asyncio.create_task(serve(app, config, shutdown_trigger=stop.wait))

    # Wait for the server to answer, then make the actor.
    async with aiohttp.ClientSession() as probe:
        for _ in range(200):
            try:
                async with probe.get(f"{ORIGIN}/.well-known/nodeinfo") as answer:
                    if answer.status == 200:
                        break
            except aiohttp.ClientError:
                pass
            if server.done():
                await server
            await asyncio.sleep(0.05)
    admin = BovineAdminStore(domain=ORIGIN)
    bovine_name = await admin.register(NAME)
    await admin.set_properties_for_actor(bovine_name, {"name": "bovine-herd peer"})
    store_actor = await app.config["bovine_store"].actor_for_name(bovine_name)
    state["store_actor"] = store_actor
    state["actor"] = store_actor.actor_object.id
    # The actor's own client: HTTP signatures with its key (bovine-herd's
    # outbox accepts the actor itself, by its signature).
    client = BovineClient(
        actor_id=store_actor.actor_id,
        public_key_url=store_actor.public_key_url,
        secret=store_actor.secret,
    )
    await client.init(session=aiohttp.ClientSession())
    state["client"] = client
    state["lock"] = asyncio.Lock()

    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    threading.Thread(target=read_stdin, args=(loop, stop), daemon=True).start()
    state["ready"] = True
    emit({"event": "ready", "actor": state["actor"], "acct": f"{NAME}@localhost:{PORT}"})
    await server
    await client.session.close()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    finally:
        shutil.rmtree(STATE, ignore_errors=True)

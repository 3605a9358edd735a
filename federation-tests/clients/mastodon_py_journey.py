"""A member's journey across two Trellis instances, driven by Mastodon.py.

Usage: mastodon_py_journey.py TOWN_URL TOWN_EMAIL COUNTY_URL COUNTY_EMAIL PASSWORD

Alice (town) logs in through the authorization-code flow, filling in the
server's login page with requests as a browser would, and Bob (county) with
the password grant. Bob finds Alice by handle and follows her, then keeps
his home stream open (server-sent events, as Mastodon.py streams). Alice
posts and the post arrives live on Bob's stream and in his home timeline;
Bob replies and favourites it, and Alice sees both; Alice favourites the
reply and Bob is told on his stream. Any mismatch raises, so the exit
status is the verdict.
"""

import queue
import sys
import time
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests
from mastodon import Mastodon, StreamListener

SCOPES = ["read", "write", "follow"]
OUT_OF_BAND = "urn:ietf:wg:oauth:2.0:oob"


def new_app(base_url):
    client_id, client_secret = Mastodon.create_app(
        "trellis federation test",
        api_base_url=base_url,
        scopes=SCOPES,
        redirect_uris=OUT_OF_BAND,
    )
    return Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base_url)


def log_in(base_url, email, password):
    api = new_app(base_url)
    # Trellis publishes its OAuth metadata; under test its URLs are plain http.
    api.log_in(email, password, scopes=SCOPES, allow_http=True)
    return api


class AuthorizationPage(HTMLParser):
    """What a browser would take from the authorization page: the form's
    target and hidden fields, the fields a person fills in, and the code
    shown once they have."""

    def __init__(self, html):
        super().__init__()
        self.action = None
        self.hidden = {}
        self.typed = []
        self.code = None
        self._in_code = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action = attrs.get("action")
        elif tag == "input" and attrs.get("type") == "hidden":
            self.hidden[attrs["name"]] = attrs.get("value", "")
        elif tag == "input":
            self.typed.append(attrs["name"])
        elif tag == "code" and attrs.get("id") == "code":
            self._in_code = True

    def handle_data(self, data):
        if self._in_code:
            self.code = (self.code or "") + data

    def handle_endtag(self, tag):
        if tag == "code":
            self._in_code = False


def log_in_on_page(base_url, email, password):
    """The authorization-code flow as a person goes through it: open the URL
    the app gives, log in on the page, copy the code back into the app."""
    api = new_app(base_url)
    url = api.auth_request_url(redirect_uris=OUT_OF_BAND, scopes=SCOPES, allow_http=True)
    # Mastodon.py takes the endpoint from the server's OAuth metadata, which
    # names the server as localhost rather than the 127.0.0.1 it was given.
    page_url, server = urlsplit(url), urlsplit(base_url)
    assert (page_url.port, page_url.path) == (server.port, "/oauth/authorize"), url
    shown = requests.get(url, timeout=30)
    assert shown.status_code == 200, (shown.status_code, shown.text)
    form = AuthorizationPage(shown.text)
    assert form.typed == ["login", "password"], form.typed
    assert form.hidden["client_id"] == api.client_id, form.hidden
    answer = requests.post(
        urljoin(url, form.action),
        data={**form.hidden, "login": email, "password": password, "decision": "approve"},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 200, (answer.status_code, answer.text)
    code = AuthorizationPage(answer.text).code
    assert code, answer.text
    api.log_in(code=code, redirect_uri=OUT_OF_BAND, scopes=SCOPES, allow_http=True)
    return api


def wait_for(what, check, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


class Heard(StreamListener):
    """Keeps what a stream delivers, in order, for the main thread to wait
    on: Mastodon.py calls these from the stream's own thread."""

    def __init__(self):
        super().__init__()
        self.events = queue.Queue()

    def on_update(self, status):
        self.events.put(("update", status))

    def on_notification(self, notification):
        self.events.put(("notification", notification))

    def on_abort(self, err):
        self.events.put(("abort", err))

    def next(self, what, match, timeout=30.0):
        """The first event after those already taken for which
        `match(kind, payload)` holds; other events are passed over."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                kind, payload = self.events.get(timeout=remaining)
            except queue.Empty:
                break
            # Without this a broken stream would only show as a timeout.
            if kind == "abort":
                raise AssertionError(f"the stream failed while waiting for {what}: {payload!r}")
            if match(kind, payload):
                return payload
        raise AssertionError(f"timed out waiting for {what} on the stream")


def close_now(stream):
    """Closes a stream handle without waiting for the server's next
    heartbeat. Mastodon.py's close() first waits for the read in progress,
    which returns only when the server next writes, up to 15 s later.
    Shutting the socket down ends that read now; marked closed first, the
    stream's thread takes the end of its read as the end of the stream
    rather than as an error to raise."""
    stream.closed = True
    stream.connection.raw.shutdown()
    stream.close()
    stream.join(timeout=5)
    assert not stream.is_alive(), "the stream's thread outlived close()"


def main(town_url, town_email, county_url, county_email, password):
    alice = log_in_on_page(town_url, town_email, password)
    bob = log_in(county_url, county_email, password)
    me = alice.account_verify_credentials()
    assert me["acct"] == "alice", me
    assert bob.account_verify_credentials()["acct"] == "bob"
    town_domain = town_url.split("//", 1)[1].replace("127.0.0.1", "localhost")
    handle = f"alice@{town_domain}"

    found = bob.search_v2(handle, resolve=True, result_type="accounts")["accounts"]
    assert [a["acct"] for a in found] == [handle], found
    bob.account_follow(found[0]["id"])
    wait_for(
        "the follow to be accepted",
        lambda: bob.account_relationships(found[0]["id"])[0]["following"],
    )

    heard = Heard()
    home = bob.stream_user(heard, run_async=True)
    # The handle connects on a thread of its own, and the server only
    # streams what happens after it has answered; a post made before then
    # would never be heard.
    wait_for("bob's home stream to connect", lambda: home.connection is not None)

    post = alice.status_post("Posted from Mastodon.py: our repair café opens Saturday #repair")
    seen = heard.next(
        "alice's post",
        lambda kind, status: kind == "update" and status["uri"] == post["uri"],
    )
    assert seen["account"]["acct"] == handle, seen["account"]
    assert "repair café" in seen["content"], seen["content"]
    listed = wait_for(
        "the post in bob's home timeline",
        lambda: next((s for s in bob.timeline_home() if s["uri"] == post["uri"]), None),
    )
    assert listed["id"] == seen["id"], (listed, seen)

    reply = bob.status_post(f"@{handle} I'll bring a toaster", in_reply_to_id=seen["id"])
    assert reply["in_reply_to_id"] == seen["id"], reply
    bob.status_favourite(seen["id"])
    wait_for(
        "the reply and favourite to reach alice",
        lambda: (lambda s: s["replies_count"] == 1 and s["favourites_count"] == 1)(
            alice.status(post["id"])
        ),
    )

    replies = alice.status_context(post["id"])["descendants"]
    [reply_on_town] = [s for s in replies if s["uri"] == reply["uri"]]
    alice.status_favourite(reply_on_town["id"])
    told = heard.next(
        "alice's favourite of the reply",
        lambda kind, notification: kind == "notification" and notification["type"] == "favourite",
    )
    assert told["account"]["acct"] == handle, told["account"]
    assert told["status"]["id"] == reply["id"], told["status"]
    assert "bring a toaster" in told["status"]["content"], told["status"]
    close_now(home)

    # What Phanpy asks for when the server claims API version 2: grouped
    # notifications and their unread count.
    grouped = alice.grouped_notifications()
    accounts = {a["id"]: a["acct"] for a in grouped["accounts"]}
    groups = grouped["notification_groups"]
    [liked] = [g for g in groups if g["type"] == "favourite"]
    assert liked["status_id"] == post["id"], liked
    assert [accounts[i] for i in liked["sample_account_ids"]] == [f"bob@{county_domain(county_url)}"], (
        liked,
        accounts,
    )
    assert any(s["id"] == post["id"] for s in grouped["statuses"]), grouped["statuses"]
    [mentioned] = [g for g in groups if g["type"] == "mention"]
    assert mentioned["group_key"].startswith("ungrouped-"), mentioned
    assert alice.notifications_unread_count()["count"] == len(alice.notifications()), "unread count"

    # A profile editor shows source.fields, the practice among them, and
    # sends back the whole list, changed: the practice changes with it.
    alice.account_update_credentials(
        fields=[("Website", "https://town.example"), ("Role", "facilitator, weaver")]
    )
    me = alice.account_verify_credentials()
    shown = [(f["name"], f["value"]) for f in me["source"]["fields"]]
    assert shown == [("Website", "https://town.example"), ("Role", "facilitator, weaver")], shown
    alice.account_update_credentials(fields=shown + [("Place", "Millbrook")])
    me = alice.account_verify_credentials()
    names = [f["name"] for f in me["source"]["fields"]]
    assert names == ["Website", "Role", "Place"], names
    practice = requests.get(
        f"{town_url}/api/trellis/v1/accounts/{me['id']}/practice", timeout=10
    ).json()
    assert practice["roles"] == ["facilitator", "weaver"], practice
    assert practice["place"] == "Millbrook", practice

    # Hashtags to follow and to feature on the profile.
    followed = alice.tag_follow("Repair")
    assert followed["name"] == "repair" and followed["following"], followed
    assert [t["name"] for t in alice.followed_tags()] == ["repair"]
    alice.featured_tag_create("repair")
    [featured] = alice.account_featured_tags(me["id"])
    assert featured["name"] == "repair" and featured["statuses_count"] == 1, featured
    alice.tag_unfollow("repair")
    assert alice.followed_tags() == []
    print("mastodon.py journey: ok")


def county_domain(county_url):
    return county_url.split("//", 1)[1].replace("127.0.0.1", "localhost")


if __name__ == "__main__":
    main(*sys.argv[1:])

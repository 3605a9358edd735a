"""A member's journey across two Trellis instances, driven by Mastodon.py.

Usage: mastodon_py_journey.py TOWN_URL TOWN_EMAIL COUNTY_URL COUNTY_EMAIL PASSWORD

Alice (town) and Bob (county) log in with the password grant, Bob finds
Alice by handle and follows her, Alice posts, Bob sees the post in his home
timeline, replies and favourites it, and Alice sees both. Any mismatch
raises, so the exit status is the verdict.
"""

import sys
import time

from mastodon import Mastodon

SCOPES = ["read", "write", "follow"]


def log_in(base_url, email, password):
    client_id, client_secret = Mastodon.create_app(
        "trellis federation test", api_base_url=base_url, scopes=SCOPES
    )
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base_url)
    # Trellis publishes its OAuth metadata; under test its URLs are plain http.
    api.log_in(email, password, scopes=SCOPES, allow_http=True)
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


def main(town_url, town_email, county_url, county_email, password):
    alice = log_in(town_url, town_email, password)
    bob = log_in(county_url, county_email, password)
    me = alice.account_verify_credentials()
    assert me["acct"] == "alice", me
    town_domain = town_url.split("//", 1)[1].replace("127.0.0.1", "localhost")
    handle = f"alice@{town_domain}"

    found = bob.search_v2(handle, resolve=True, result_type="accounts")["accounts"]
    assert [a["acct"] for a in found] == [handle], found
    bob.account_follow(found[0]["id"])
    wait_for(
        "the follow to be accepted",
        lambda: bob.account_relationships(found[0]["id"])[0]["following"],
    )

    post = alice.status_post("Posted from Mastodon.py: our repair café opens Saturday #repair")
    seen = wait_for(
        "the post in bob's home timeline",
        lambda: next((s for s in bob.timeline_home() if s["uri"] == post["uri"]), None),
    )
    assert seen["account"]["acct"] == handle, seen["account"]
    assert "repair café" in seen["content"], seen["content"]

    reply = bob.status_post(f"@{handle} I'll bring a toaster", in_reply_to_id=seen["id"])
    assert reply["in_reply_to_id"] == seen["id"], reply
    bob.status_favourite(seen["id"])
    wait_for(
        "the reply and favourite to reach alice",
        lambda: (lambda s: s["replies_count"] == 1 and s["favourites_count"] == 1)(
            alice.status(post["id"])
        ),
    )
    print("mastodon.py journey: ok")


if __name__ == "__main__":
    main(*sys.argv[1:])

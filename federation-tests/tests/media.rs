//! Images, end to end: a member uploads a photograph as a phone writes it
//! (EXIF with a position and an orientation), describes it, posts it and
//! sets an avatar; another server receives `Document` and `Image` objects;
//! attachments and avatars from other servers (Mastodon's and Pleroma's
//! shapes) show by their URL, unless the server's media is rejected; a
//! deleted status takes its files with it; bad uploads change nothing.
//! With the cache on, other servers' images are copied here (stripped like
//! uploads), kept across edits, and the oldest copies go when the cache is
//! over its bound.

use federation_tests::{Backend, Instance, Response, User, backend_tests, peer::Peer, wait_until};
use image::ImageEncoder;
use reqwest::{Method, StatusCode, multipart};
use serde_json::{Value, json};
use std::time::Duration;

backend_tests!(
    members_post_images_and_servers_exchange_them,
    members_post_images_and_servers_exchange_them
);
backend_tests!(
    remote_media_is_copied_within_the_cache_bound,
    remote_media_is_copied_within_the_cache_bound
);

const SECRET: &str = "GPS 51.5072N 0.1276W";

/// A little-endian TIFF block with an ImageDescription standing for the
/// position a phone records, and an Orientation of 6 (turned a quarter).
fn exif() -> Vec<u8> {
    let text = format!("{SECRET}\0");
    let mut tiff = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    tiff.extend(2u16.to_le_bytes());
    let data_offset: u32 = 8 + 2 + 2 * 12 + 4;
    for (tag, kind, count, value) in [
        (0x010Eu16, 2u16, text.len() as u32, data_offset),
        (0x0112, 3, 1, 6),
    ] {
        tiff.extend(tag.to_le_bytes());
        tiff.extend(kind.to_le_bytes());
        tiff.extend(count.to_le_bytes());
        tiff.extend(value.to_le_bytes());
    }
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(text.as_bytes());
    tiff
}

fn photograph() -> Vec<u8> {
    let picture = image::RgbImage::from_fn(64, 32, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 8) as u8, 120])
    });
    let mut out = Vec::new();
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
    encoder.set_exif_metadata(exif()).unwrap();
    encoder
        .write_image(picture.as_raw(), 64, 32, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

fn file_form(field: &str, bytes: Vec<u8>, name: &str) -> multipart::Form {
    multipart::Form::new().part(
        field.to_string(),
        multipart::Part::bytes(bytes).file_name(name.to_string()),
    )
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// GETs a media URL as a browser would: status, content type, cache
/// policy and bytes.
async fn fetch(url: &str) -> (StatusCode, String, String, Vec<u8>) {
    let response = reqwest::get(url).await.expect("GET media");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let (content_type, cache) = (header("content-type"), header("cache-control"));
    let status = response.status();
    (
        status,
        content_type,
        cache,
        response.bytes().await.unwrap().to_vec(),
    )
}

/// Media URLs name the instance by its domain (`localhost:PORT`); the test
/// reaches it at 127.0.0.1.
fn reachable(town: &Instance, url: &str) -> String {
    url.replace(&format!("http://{}", town.domain()), &town.base_url())
}

async fn upload(town: &Instance, token: &str, form: multipart::Form) -> Response {
    town.send_multipart(Method::POST, "/api/v2/media", Some(token), form)
        .await
}

async fn members_post_images_and_servers_exchange_them(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let alice = town.create_user("alice").await;
    let bob = town.create_user("bob").await;
    let mut admin = town.create_admin("townhall").await;
    admin.token = town
        .admin(&["token", "townhall", "--scopes", "admin:write"])
        .await
        .trim()
        .to_string();
    let peer = Peer::start().await;
    let pat = peer.actor_id("pat");
    let follow = json!({
        "id": format!("{pat}/follows/alice"),
        "type": "Follow",
        "actor": pat,
        "object": format!("http://{}/users/alice", town.domain()),
    });
    let inbox = format!("{}/inbox", town.base_url());
    let (status, body) = peer.post_signed("pat", &inbox, &follow).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");

    // The upload: type read from the bytes, metadata gone, upright.
    let form = file_form("file", photograph(), "IMG_0001.jpg")
        .text("description", "The tool shed, door open")
        .text("focus", "0.25,-0.5");
    let uploaded = upload(&town, &alice.token, form).await;
    assert_eq!(uploaded.status, StatusCode::OK, "{}", uploaded.body);
    let media = uploaded.body;
    assert_eq!(media["type"], "image");
    assert_eq!(media["description"], "The tool shed, door open");
    assert_eq!(media["meta"]["original"]["width"], 32, "{media}");
    assert_eq!(media["meta"]["original"]["height"], 64, "{media}");
    assert_eq!(media["meta"]["focus"], json!({"x": 0.25, "y": -0.5}));
    assert!(
        media["blurhash"].as_str().is_some_and(|b| b.len() > 6),
        "{media}"
    );
    let media_url = media["url"].as_str().unwrap().to_string();
    for url in [&media_url, media["preview_url"].as_str().unwrap()] {
        let (status, content_type, cache, bytes) = fetch(&reachable(&town, url)).await;
        assert_eq!(status, StatusCode::OK, "{url}");
        assert_eq!(content_type, "image/jpeg");
        assert!(cache.contains("immutable"), "{cache}");
        assert!(
            !contains(&bytes, SECRET.as_bytes()),
            "{url} kept the EXIF text"
        );
        assert!(!contains(&bytes, b"Exif"), "{url} kept an EXIF block");
    }
    let media_id = media["id"].as_str().unwrap();
    let described = town
        .put_json(
            &format!("/api/v1/media/{media_id}"),
            Some(&alice.token),
            &json!({"description": "The tool shed, open on Saturdays"}),
        )
        .await;
    assert_eq!(
        described.body["description"],
        "The tool shed, open on Saturdays"
    );
    let not_hers = town
        .get(&format!("/api/v1/media/{media_id}"), Some(&bob.token))
        .await;
    assert_eq!(not_hers.status, StatusCode::NOT_FOUND);

    // Bad uploads: a reason, and nothing kept.
    let svg = file_form(
        "file",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
        "x.png",
    );
    let refused = upload(&town, &alice.token, svg).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(
        refused.body.to_string().contains("not an image"),
        "{}",
        refused.body
    );
    // Just over the limit, within the body the route reads.
    let huge = file_form("file", vec![0xFF; 16 * 1024 * 1024 + 1], "huge.jpg");
    let too_big = upload(&town, &alice.token, huge).await;
    assert_eq!(
        too_big.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        too_big.body
    );
    let no_file = upload(
        &town,
        &alice.token,
        multipart::Form::new().text("description", "x"),
    )
    .await;
    assert_eq!(no_file.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Bob cannot post Alice's upload; Alice posts it with no text.
    let stolen = town
        .post_status_raw(
            &bob.token,
            &json!({"status": "mine now", "media_ids": [media_id]}),
        )
        .await;
    assert_eq!(
        stolen.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        stolen.body
    );
    let post = town
        .post_status(&alice, &json!({"status": "", "media_ids": [media_id]}))
        .await;
    assert_eq!(post["media_attachments"][0]["id"], media_id, "{post}");
    assert_eq!(
        post["media_attachments"][0]["description"],
        "The tool shed, open on Saturdays"
    );
    let again = town
        .post_status_raw(
            &alice.token,
            &json!({"status": "twice", "media_ids": [media_id]}),
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.body
    );
    // A profile's media tab lists the posts with media only.
    town.post_status(&alice, &json!({"status": "words alone"}))
        .await;
    let alice_id = post["account"]["id"].as_str().unwrap();
    let media_tab = town
        .get(
            &format!("/api/v1/accounts/{alice_id}/statuses?only_media=true"),
            None,
        )
        .await;
    let listed: Vec<&str> = media_tab
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        vec![post["id"].as_str().unwrap()],
        "{}",
        media_tab.body
    );

    let create = wait_until(
        "the Create reaches the follower",
        Duration::from_secs(20),
        || async {
            peer.received()
                .into_iter()
                .find(|a| a["type"] == "Create" && a["object"]["id"] == post["uri"])
        },
    )
    .await;
    let document = &create["object"]["attachment"][0];
    assert_eq!(document["type"], "Document", "{create}");
    assert_eq!(document["mediaType"], "image/jpeg");
    assert_eq!(document["url"], media_url.as_str());
    assert_eq!(document["name"], "The tool shed, open on Saturdays");
    assert_eq!(document["blurhash"], media["blurhash"]);
    assert_eq!(
        (document["width"].clone(), document["height"].clone()),
        (json!(32), json!(64))
    );
    assert_eq!(document["focalPoint"], json!([0.25, -0.5]));

    // An edit changes the media: a second image first, then the first one
    // dropped (its file goes); an edit that leaves media_ids out keeps them.
    let second = upload(
        &town,
        &alice.token,
        file_form("file", photograph(), "second.jpg").text("description", "The shed from the lane"),
    )
    .await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    let second_id = second.body["id"].as_str().unwrap().to_string();
    let on_town = format!("/api/v1/statuses/{}", post["id"].as_str().unwrap());
    let edit = |body: serde_json::Value| {
        let town = &town;
        let on_town = on_town.clone();
        let token = alice.token.clone();
        async move { town.put_json(&on_town, Some(&token), &body).await }
    };
    let ids_of = |status: &serde_json::Value| -> Vec<String> {
        status["media_attachments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_string())
            .collect()
    };
    let both = edit(json!({"status": "Two views", "media_ids": [second_id, media_id]})).await;
    assert_eq!(both.status, StatusCode::OK, "{}", both.body);
    assert_eq!(
        ids_of(&both.body),
        vec![second_id.clone(), media_id.to_string()]
    );
    let update = wait_until(
        "the edit reaches the follower",
        Duration::from_secs(20),
        || async {
            peer.received().into_iter().find(|a| {
                a["type"] == "Update"
                    && a["object"]["id"] == post["uri"]
                    && a["object"]["attachment"]
                        .as_array()
                        .is_some_and(|l| l.len() == 2)
            })
        },
    )
    .await;
    assert_eq!(update["object"]["attachment"][1]["url"], media_url.as_str());
    for refused in [json!([second_id, "1"]), json!([second_id, second_id])] {
        let answer = edit(json!({"status": "x", "media_ids": refused})).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{refused}: {}",
            answer.body
        );
    }
    let one = edit(json!({"status": "The new view", "media_ids": [second_id]})).await;
    assert_eq!(ids_of(&one.body), vec![second_id.clone()], "{}", one.body);
    let (gone, _, _, _) = fetch(&reachable(&town, &media_url)).await;
    assert_eq!(
        gone,
        StatusCode::NOT_FOUND,
        "the dropped image's file is removed"
    );
    let kept = edit(json!({"status": "Text only changes"})).await;
    assert_eq!(ids_of(&kept.body), vec![second_id.clone()], "{}", kept.body);

    // An avatar through the profile editor: on the account and the actor.
    let avatar_form = file_form("avatar", photograph(), "me.jpg").text("display_name", "Alice A.");
    let updated = town
        .send_multipart(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            avatar_form,
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    let avatar = updated.body["avatar"].as_str().unwrap().to_string();
    assert!(avatar.contains("/media/"), "{avatar}");
    assert_eq!(updated.body["display_name"], "Alice A.");
    let (status, content_type, _, _) = fetch(&reachable(&town, &avatar)).await;
    assert_eq!(
        (status, content_type.as_str()),
        (StatusCode::OK, "image/jpeg")
    );
    let profile_update = wait_until("the profile Update", Duration::from_secs(20), || async {
        peer.received()
            .into_iter()
            .find(|a| a["type"] == "Update" && a["object"]["icon"].is_object())
    })
    .await;
    assert_eq!(profile_update["object"]["icon"]["url"], avatar.as_str());
    // A refused change leaves the avatar as it was.
    let bad_name =
        file_form("avatar", photograph(), "me2.jpg").text("display_name", "x".repeat(300));
    let refused = town
        .send_multipart(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            bad_name,
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let me = town
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(me.body["avatar"], avatar.as_str());

    // What another server attaches, and its actor's avatar.
    peer.set_actor_fields(
        "mia",
        json!({"icon": {"type": "Image", "mediaType": "image/png", "url": peer.url("/files/mia.png")}}),
    );
    peer.accept_follow_from(&town, &bob, "mia").await;
    let mut note = peer.create_note("mia", "photos", "<p>Two photos from the swap</p>");
    note["object"]["attachment"] = json!([
        {"type": "Document", "mediaType": "image/jpeg", "url": peer.url("/files/1.jpg"),
         "name": "Seed packets on a table", "blurhash": "UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH",
         "width": 800, "height": 600},
        {"type": "Image", "name": "A queue at the door",
         "url": [{"type": "Link", "href": peer.url("/files/2.png"), "mediaType": "image/png"}]}
    ]);
    let (status, body) = peer.post_signed("mia", &inbox, &note).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let shown = town
        .wait_for_home_status(&bob, note["object"]["id"].as_str().unwrap())
        .await;
    let attachments = shown["media_attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 2, "{shown}");
    assert_eq!(attachments[0]["remote_url"], peer.url("/files/1.jpg"));
    assert_eq!(attachments[0]["url"], peer.url("/files/1.jpg"));
    assert_eq!(attachments[0]["description"], "Seed packets on a table");
    assert_eq!(attachments[0]["meta"]["original"]["width"], 800);
    assert_eq!(attachments[1]["url"], peer.url("/files/2.png"));
    assert_eq!(attachments[1]["type"], "image");
    assert_eq!(shown["account"]["avatar"], peer.url("/files/mia.png"));

    // A server whose media is rejected: its posts arrive without media.
    let blocked = town
        .post_json(
            "/api/v1/admin/domain_blocks",
            Some(&admin.token),
            &json!({"domain": peer.domain(), "severity": "noop", "reject_media": true}),
        )
        .await;
    assert_eq!(blocked.status, StatusCode::OK, "{}", blocked.body);
    let mut later = peer.create_note("mia", "more-photos", "<p>One more</p>");
    later["object"]["attachment"] = note["object"]["attachment"].clone();
    let (status, body) = peer.post_signed("mia", &inbox, &later).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let shown = town
        .wait_for_home_status(&bob, later["object"]["id"].as_str().unwrap())
        .await;
    assert_eq!(shown["media_attachments"], json!([]), "{shown}");

    // Deleting the status removes its files.
    let deleted = town
        .delete(
            &format!("/api/v1/statuses/{}", post["id"].as_str().unwrap()),
            Some(&alice.token),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    let second_url = second.body["url"].as_str().unwrap();
    let (status, _, _, _) = fetch(&reachable(&town, second_url)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// A PNG of `side`² pixels of noise (a fixed sequence), which compresses
/// so poorly that its size is known to within a few per cent: about
/// 3 × side² bytes, and a JPEG preview beside it.
fn noise_png(side: u32, seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let picture = image::RgbImage::from_fn(side, side, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let [r, g, b, _] = state.to_le_bytes();
        image::Rgb([r, g, b])
    });
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(picture.as_raw(), side, side, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

/// A smooth PNG, which compresses to little.
fn gradient_png(side: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(side, side, |x, y| {
        image::Rgb([(x * 255 / side) as u8, (y * 255 / side) as u8, 90])
    });
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(picture.as_raw(), side, side, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

fn is_local(town: &Instance, url: &Value) -> bool {
    url.as_str()
        .is_some_and(|url| url.starts_with(&format!("http://{}/", town.domain())))
}

async fn attachments_of(town: &Instance, user: &User, uri: &str) -> Vec<Value> {
    let shown = town.wait_for_home_status(user, uri).await;
    shown["media_attachments"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Waits until attachment `index` of the status `uri` is (or is no
/// longer) served from the town, and returns it.
async fn wait_for_copy(
    town: &Instance,
    user: &User,
    uri: &str,
    index: usize,
    copied: bool,
) -> Value {
    wait_until(
        &format!("attachment {index} of {uri} to be local: {copied}"),
        Duration::from_secs(30),
        || async {
            let attachments = attachments_of(town, user, uri).await;
            attachments
                .get(index)
                .filter(|a| is_local(town, &a["url"]) == copied)
                .cloned()
        },
    )
    .await
}

async fn remote_media_is_copied_within_the_cache_bound(backend: Backend) {
    // A one-MiB cache: two of the noise images below fit, three do not.
    let town = Instance::start_with("town", backend, &[("TRELLIS_MEDIA_CACHE_MIB", "1")]).await;
    let bob = town.create_user("bob").await;
    let peer = Peer::start().await;
    let inbox = format!("{}/inbox", town.base_url());
    let avatar = peer.serve_file("mia.png", "image/png", gradient_png(900));
    peer.set_actor_fields(
        "mia",
        json!({"icon": {"type": "Image", "mediaType": "image/png", "url": avatar}}),
    );
    peer.accept_follow_from(&town, &bob, "mia").await;

    // A photograph with a position in its EXIF, something posing as a PNG,
    // and a real image sent as a web page.
    let photo = peer.serve_file("photo.jpg", "image/jpeg", photograph());
    let fake = peer.serve_file(
        "fake.png",
        "image/png",
        b"<html>not a picture</html>".to_vec(),
    );
    let page = peer.serve_file("page.jpg", "text/html", photograph());
    let mut note = peer.create_note("mia", "photos", "<p>The swap, in pictures</p>");
    let uri = note["object"]["id"].as_str().unwrap().to_string();
    note["object"]["attachment"] = json!([
        {"type": "Document", "mediaType": "image/jpeg", "url": photo, "name": "Seed packets"},
        {"type": "Document", "mediaType": "image/png", "url": fake},
        {"type": "Document", "mediaType": "image/jpeg", "url": page},
    ]);
    let (status, body) = peer.post_signed("mia", &inbox, &note).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let copy = wait_for_copy(&town, &bob, &uri, 0, true).await;
    assert_eq!(copy["remote_url"], photo.as_str(), "{copy}");
    assert_eq!(copy["description"], "Seed packets");
    // Stripped and upright, as an upload is.
    assert_eq!(copy["meta"]["original"]["width"], 32, "{copy}");
    let (status, content_type, _, bytes) =
        fetch(&reachable(&town, copy["url"].as_str().unwrap())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "image/jpeg");
    assert!(
        !contains(&bytes, SECRET.as_bytes()),
        "the copy kept the EXIF"
    );
    let (status, _, _, _) = fetch(&reachable(&town, copy["preview_url"].as_str().unwrap())).await;
    assert_eq!(status, StatusCode::OK);
    // The avatar is copied too, scaled into its box.
    let account = wait_until(
        "the avatar to be copied",
        Duration::from_secs(30),
        || async {
            let found = town
                .get(
                    &format!("/api/v1/accounts/lookup?acct={}", peer.acct("mia")),
                    Some(&bob.token),
                )
                .await;
            is_local(&town, &found.body["avatar"]).then_some(found.body)
        },
    )
    .await;
    let (status, _, _, bytes) = fetch(&reachable(&town, account["avatar"].as_str().unwrap())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(image::load_from_memory(&bytes).unwrap().width(), 400);
    wait_until(
        "both refused files to be fetched",
        Duration::from_secs(30),
        || async {
            (peer.fetches("/files/fake.png") == 1 && peer.fetches("/files/page.jpg") == 1)
                .then_some(())
        },
    )
    .await;

    // An edit that keeps the photo keeps its copy, fetched once.
    let mut update = note.clone();
    update["id"] = json!(format!("{uri}/edit-1"));
    update["type"] = json!("Update");
    update["object"]["content"] = json!("<p>The swap, in pictures (edited)</p>");
    update["object"]["updated"] = json!("2026-12-07T12:00:00Z");
    let (status, body) = peer.post_signed("mia", &inbox, &update).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    wait_until("the edit", Duration::from_secs(30), || async {
        let shown = town.wait_for_home_status(&bob, &uri).await;
        shown["content"].as_str()?.contains("edited").then_some(())
    })
    .await;
    let attachments = attachments_of(&town, &bob, &uri).await;
    assert_eq!(attachments[0]["url"], copy["url"], "{attachments:?}");
    assert_eq!(peer.fetches("/files/photo.jpg"), 1);
    // What could not be read as an image is shown from its server.
    assert_eq!(attachments[1]["url"], fake.as_str());
    assert_eq!(attachments[2]["url"], page.as_str());

    // Three images of about 400 kB each: the third pushes the oldest
    // copies out, and what they showed comes from its server again.
    let mut noise = Vec::new();
    let mut first_copy = Value::Null;
    for n in 0..3u32 {
        let url = peer.serve_file(
            &format!("noise-{n}.png"),
            "image/png",
            noise_png(300, 10 + n),
        );
        let mut note = peer.create_note("mia", &format!("noise-{n}"), "<p>Static</p>");
        note["object"]["attachment"] =
            json!([{"type": "Document", "mediaType": "image/png", "url": url}]);
        let (status, body) = peer.post_signed("mia", &inbox, &note).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        let uri = note["object"]["id"].as_str().unwrap().to_string();
        if n < 2 {
            // One at a time, so the copies' ages are known.
            let copy = wait_for_copy(&town, &bob, &uri, 0, true).await;
            if n == 0 {
                first_copy = copy["url"].clone();
            }
        }
        noise.push((uri, url));
    }
    let evicted = wait_for_copy(&town, &bob, &noise[0].0, 0, false).await;
    assert_eq!(evicted["url"], noise[0].1.as_str());
    let (status, _, _, _) = fetch(&reachable(&town, first_copy.as_str().unwrap())).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "an evicted copy's file is removed"
    );
    wait_for_copy(&town, &bob, &noise[2].0, 0, true).await;
    assert!(is_local(
        &town,
        &attachments_of(&town, &bob, &noise[1].0).await[0]["url"]
    ));
    // The older photo went first.
    assert_eq!(
        attachments_of(&town, &bob, &uri).await[0]["url"],
        photo.as_str()
    );
}

// The pictures in docs/web.md: the key pages of a populated network, as a
// member and as an admin see them, on a desktop and on a phone. Not a test;
// docs/web.md gives the commands that make the network and run this.
//
// Environment: CHROMIUM, SCREENSHOT_DIR, BASE (the server), MEMBER and
// ADMIN (usernames), PASSWORD (the admin's), MEMBER_PASSWORD.

import { env, form, launch, logIn, open, screenshot, snap } from "./lib.mjs";

const base = env("BASE");
const browser = await launch();
try {
  const visitor = await browser.member();
  await snap(visitor, `${base}/`, "home");
  await snap(visitor, `${base}/signup`, "signup");
  await snap(visitor, `${base}/communities`, "communities");

  const member = await browser.member();
  await logIn(member, base, env("MEMBER"), env("MEMBER_PASSWORD"));
  const username = env("MEMBER");
  await snap(member, `${base}/home`, "home-timeline");
  await snap(member, `${base}/@${username}`, "profile");
  await open(member, `${base}/communities`);
  const community = await member.locator(".community-item a").first().getAttribute("href");
  await snap(member, `${base}${community}`, "community");
  await snap(member, `${base}/exchanges`, "exchanges");
  await snap(member, `${base}/stories`, "stories");
  await snap(member, `${base}/introductions`, "introductions");
  await open(member, `${base}/map`);
  await member.locator("#map .node").nth(3).hover();
  await screenshot(member, "map");
  await snap(member, `${base}/network`, "network-tree");
  await snap(member, `${base}/settings/practice`, "settings-practice");
  const phone = await browser.onPhone(member);
  await snap(phone, `${base}/home`, "phone-home-timeline");
  await snap(phone, `${base}/`, "phone-home");

  const admin = await browser.member();
  await logIn(admin, base, env("ADMIN"), env("PASSWORD"));
  await snap(admin, `${base}/admin/network`, "admin-network");
  await snap(admin, `${base}/admin/registrations`, "admin-registrations");
  await snap(admin, `${base}/admin/members`, "admin-members");
  await snap(admin, `${base}/admin/federation`, "admin-federation");
  await snap(admin, `${base}/admin/reports`, "admin-reports");
  if ((await form(admin, "/logout").count()) === 0) throw new Error("the admin is not logged in");
  console.log("docs screenshots: ok");
} finally {
  await browser.close();
}

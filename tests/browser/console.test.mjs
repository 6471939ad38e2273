// The web console in Debian's Chromium against a real Lobby (scripts/run): signing in, the
// desk's screen-pop from an Asterisk call, filing a repair from it, the dispatch board moving
// live and by drag and drop, what a technician and another estate's manager may see, the
// language switch and the estate's time zone.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, root, screenshot, signedIn, startLobby, watch } from "./fixture.mjs";

let lobby, browser;
const state = {};

// The time a person should read: the estate's (Asia/Hong_Kong), "2026-12-07 14:05".
function hongKong(iso) {
  const p = Object.fromEntries(new Intl.DateTimeFormat("en-GB", {
    timeZone: "Asia/Hong_Kong", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hour12: false,
  }).formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

describe("the web console", { concurrency: false }, () => {
  before(async () => {
    lobby = await startLobby();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await lobby?.stop();
  });

  test("signing in: a wrong password is refused with a sentence, the right one opens the desk", async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    watch(page, lobby, "sign-in");
    await page.goto(`${lobby.url}/tickets`);
    await page.getByLabel("Login").fill("desk");
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor();
    assert.match(await page.getByRole("alert").innerText(), /password|login/i);
    assert.equal(await page.getByText("Your session ended").count(), 0, "a refused login is no ended session");
    await page.getByLabel("Password").fill(lobby.users.desk);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Tickets" }).waitFor();
    // The console's own answer carries the policy: no inline script, nothing from outside.
    const res = await page.request.get(`${lobby.url}/desk`);
    assert.match(res.headers()["content-security-policy"], /script-src 'self'/);
    // The session is an HttpOnly cookie: the page's script cannot read it.
    assert.equal(await page.evaluate(() => document.cookie), "");
    // Signing out ends the session: the next page asks to sign in again.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Login").waitFor();
    await page.goto(`${lobby.url}/tickets`);
    await page.getByLabel("Login").waitFor();
    await context.close();
  });

  test("an Asterisk call rings and the desk's panel shows the caller within a second", async () => {
    const page = await signedIn(browser, lobby, "desk");
    state.desk = page;
    await page.getByRole("link", { name: "Service desk" }).click();
    await page.locator(".live.on").first().waitFor();
    const eric = lobby.ctl(["residents", "list", "--site", "demo", "-o", "json"])
      .items.find((r) => r.name === "Eric Tang");
    state.eric = eric;
    const id = `${Math.floor(Date.now() / 1000)}.42`;
    const rang = Date.now();
    lobby.pbx.event({
      Event: "Newchannel", Channel: "PJSIP/trunk-00000001", CallerIDNum: eric.phones[0].replace("+852", ""),
      Exten: "hotline", Uniqueid: id, Linkedid: id,
    });
    const pop = page.getByTestId("screen-pop");
    await pop.getByRole("link", { name: "Eric Tang" }).waitFor({ timeout: 5000 });
    const took = Date.now() - rang;
    assert.ok(took < 1000, `the screen-pop took ${took} ms`);
    assert.match(await pop.innerText(), /Tower 1 3\/F A/);
    state.callId = id;
    await screenshot(page, "desk");
  });

  test("the agent logs the call and files a repair from it, with the classifier's category", async () => {
    const page = state.desk;
    await page.getByLabel("Summary of the call").fill("Kitchen pipe leaking under the sink");
    await page.getByLabel("What is wrong").fill("The kitchen pipe is leaking, water on the floor");
    await page.getByTestId("suggestion").waitFor();
    assert.equal(await page.locator("select[name=category]").inputValue(), "plumbing");
    // The caller's flat is filled from the screen-pop.
    assert.equal(await page.locator("select[name=building]").inputValue(), "Tower 1");
    assert.equal(await page.locator("select[name=room]").inputValue(), "A");
    // A visit window typed in the estate's time, though this browser's clock is New York's.
    await page.getByLabel("Visit from").fill("2027-01-14T09:30");
    await page.getByLabel("Visit until").fill("2027-01-14T12:00");
    await page.getByRole("button", { name: "Log call and file" }).click();
    const filed = page.getByTestId("filed");
    await filed.waitFor();
    const ticket = (await filed.getByRole("link").innerText()).trim();
    assert.match(ticket, /^R-\d+$/);
    state.ticket = ticket;
    const t = lobby.ctl(["repairs", "get", ticket, "-o", "json"]);
    assert.equal(t.category, "plumbing");
    assert.equal(t.channel, "CHANNEL_PHONE");
    assert.equal(t.reporter.residentId, state.eric.id);
    assert.equal(t.repair.visitWindow.start, "2027-01-14T01:30:00Z");
    assert.equal(t.repair.visitWindow.end, "2027-01-14T04:00:00Z");
    assert.equal(lobby.ctl(["hotline", "get", state.callId, "-o", "json"]).ticketIds[0], ticket);
  });

  test("a missed call joins the callback queue at once, and the agent marks it done", async () => {
    const page = state.desk;
    const susan = lobby.ctl(["residents", "list", "--site", "demo", "-o", "json"])
      .items.find((r) => r.name === "Susan Yip");
    const id = `${Math.floor(Date.now() / 1000)}.77`;
    const channel = { Channel: "PJSIP/trunk-00000002", Uniqueid: id, Linkedid: id };
    lobby.pbx.event({ Event: "Newchannel", CallerIDNum: susan.phones[0].replace("+852", ""), Exten: "hotline", ...channel });
    lobby.pbx.event({ Event: "Hangup", Cause: "16", ...channel });
    const queue = page.getByRole("region", { name: "Callbacks" });
    const task = queue.locator("li", { hasText: "Susan Yip" });
    await task.waitFor({ timeout: 5000 });
    assert.match(await task.innerText(), /missed call/);
    await task.getByPlaceholder("Outcome").fill("Called back: the lift noise is scheduled for Friday");
    await task.getByRole("button", { name: "Mark done" }).click();
    await task.waitFor({ state: "detached" });
    const done = lobby.ctl(["residents", "callbacks", "--site", "demo", "--all", "-o", "json"])
      .items.find((x) => x.name === "Susan Yip");
    assert.equal(done.done, true);
    assert.equal(done.outcome, "Called back: the lift noise is scheduled for Friday");
  });

  test("an emergency category shows the safety script to read out", async () => {
    const page = state.desk;
    await page.getByRole("button", { name: "Log a call by hand" }).click();
    await page.getByLabel("What is wrong").fill("I smell gas in the kitchen");
    await page.getByTestId("safety-script").waitFor();
    assert.ok((await page.getByTestId("safety-script").innerText()).length > 20);
  });

  test("the dispatch board shows a new repair live, and a supervisor moves it by drag and by menu", async () => {
    const board = await signedIn(browser, lobby, "chan");
    await board.goto(`${lobby.url}/board?team=plumbing`);
    await board.getByTestId("board-live").and(board.locator(".on")).waitFor();
    // A repair filed now appears on the open board without a reload.
    const created = lobby.ctl(["repairs", "create", "--site", "demo", "--channel", "phone", "--resident",
      state.eric.id, "--building", "Tower 1", "--floor", "3", "--room", "A", "--category", "plumbing",
      "--description", "Bathroom tap dripping", "-o", "json"]);
    const card = board.locator(`[data-ticket="${created.id}"]`);
    await card.waitFor({ timeout: 5000 });
    const from = await card.evaluate((el) => el.closest("[data-member]").dataset.member);
    const target = from === "wong" ? "night-duty" : "wong";
    await card.dragTo(board.locator(`section[data-member="${target}"]`));
    await board.locator(`section[data-member="${target}"] [data-ticket="${created.id}"]`).waitFor();
    assert.equal(lobby.ctl(["repairs", "get", created.id, "-o", "json"]).assignee, target);
    // The keyboard's way: the card's menu.
    await board.getByLabel(`Move to… ${created.id}`).selectOption("lee");
    await board.locator(`section[data-member="lee"] [data-ticket="${created.id}"]`).waitFor();
    assert.equal(lobby.ctl(["repairs", "get", created.id, "-o", "json"]).assignee, "lee");
    state.leeTicket = created.id;
    // Why dispatch chose whom.
    await board.locator(`[data-ticket="${created.id}"]`).getByRole("button", { name: "Why this person?" }).click();
    await board.getByTestId("explain").waitFor();
    assert.match(await board.getByTestId("explain").innerText(), /lee|wong/);
    await screenshot(board, "board");
    await board.context().close();
  });

  test("a technician sees only their own work", async () => {
    const page = await signedIn(browser, lobby, "lee");
    await page.getByRole("heading", { name: "My work" }).waitFor();
    const nav = await page.locator("header nav").innerText();
    assert.doesNotMatch(nav, /Service desk|Dispatch board/);
    await page.locator(`a[href="/tickets/${state.leeTicket}"]`).waitFor();
    const assignees = await page.locator("table.tickets tbody tr td:nth-child(6)").allInnerTexts();
    assert.ok(assignees.length > 0);
    for (const a of assignees) assert.equal(a.trim(), "lee");
    // Acknowledging the job from its page.
    await page.locator(`a[href="/tickets/${state.leeTicket}"]`).click();
    await page.locator("[data-action=ACKNOWLEDGE]").click();
    await page.locator(".badge.st-acknowledged").waitFor();
    await page.context().close();
  });

  test("a manager of another estate cannot open this estate's ticket by its URL", async () => {
    lobby.ctl(["users", "create", "harbour-mgr", "--name", "Harbour manager", "--grant", "harbour=manager"],
      "Harbour-manager-pw-1\n");
    lobby.users["harbour-mgr"] = "Harbour-manager-pw-1";
    const page = await signedIn(browser, lobby, "harbour-mgr");
    await page.goto(`${lobby.url}/tickets/${state.ticket}`);
    const alert = page.locator("main .error");
    await alert.waitFor();
    assert.match(await alert.innerText(), /harbour|may not|estate/i);
    assert.equal(await page.locator("#ticket-title").count(), 0);
    assert.doesNotMatch(await page.locator("main").innerText(), /Kitchen pipe/);
    await page.context().close();
  });

  test("times are in the estate's zone, whatever the browser's", async () => {
    const page = state.desk;  // its browser is in America/New_York
    await page.goto(`${lobby.url}/tickets/${state.ticket}`);
    await page.locator("#ticket-title").waitFor();
    const t = lobby.ctl(["repairs", "get", state.ticket, "-o", "json"]);
    const created = page.locator("dt:text-is('Created') + dd");
    assert.equal((await created.innerText()).trim(), hongKong(t.createdAt));
    assert.match(await page.locator(".zone").innerText(), /Asia\/Hong_Kong \(UTC\+8\)/);
    await screenshot(page, "ticket");
  });

  test("a manager sees the estate's changes before applying them", async () => {
    const page = await signedIn(browser, lobby, "may");
    await page.goto(`${lobby.url}/estate`);
    await page.getByRole("heading", { name: "Members" }).waitFor();
    const yaml = readFileSync(join(root, "docs", "examples", "estate.yaml"), "utf8")
      .replace(/(- id: lee\n(?:    .*\n)*?    capacity: )6/, (_, head) => `${head}7`);
    await page.getByLabel("YAML").fill(yaml);
    assert.equal(await page.getByRole("button", { name: "Apply", exact: true }).isDisabled(), true,
      "nothing is applied before the changes were shown");
    await page.getByRole("button", { name: "Show changes" }).click();
    const changes = page.getByTestId("changes");
    await changes.waitFor();
    assert.match(await changes.innerText(), /lee.*capacity.*6.*7/);
    assert.equal(lobby.ctl(["estate", "get", "--site", "demo", "-o", "json"])
      .members.find((m) => m.id === "lee").capacity, 6, "a dry run changes nothing");
    await page.getByRole("button", { name: "Apply", exact: true }).click();
    await page.getByText("Applied.", { exact: true }).waitFor();
    assert.equal(lobby.ctl(["estate", "get", "--site", "demo", "-o", "json"])
      .members.find((m) => m.id === "lee").capacity, 7);
    await page.context().close();
  });

  test("the language switch changes the console's words and is remembered", async () => {
    const page = state.desk;
    await page.getByTestId("language").first().selectOption("zh-Hant");
    await page.getByRole("link", { name: "工單" }).waitFor();
    await page.reload();
    await page.getByRole("link", { name: "工單" }).waitFor();
    await page.getByTestId("language").first().selectOption("zh-Hans");
    await page.getByRole("link", { name: "客户服务台" }).waitFor();
    await page.getByTestId("language").first().selectOption("en");
    await page.getByRole("link", { name: "Tickets" }).waitFor();
  });

  test("the resident's page shows the profile, the call and the tickets", async () => {
    const page = state.desk;
    await page.goto(`${lobby.url}/residents/${state.eric.id}`);
    await page.getByRole("heading", { name: /Eric Tang/ }).waitFor();
    // Their tickets, and the call on their timeline.
    await page.getByRole("region", { name: "Tickets" }).locator(`a[href="/tickets/${state.ticket}"]`).waitFor();
    assert.match(await page.locator("main").innerText(), /Call logged by/);
    // The desk edits the profile: what was changed, and nothing else.
    await page.getByRole("button", { name: "Edit" }).click();
    await page.getByLabel("Tags").fill("elderly, needs_assistance");
    await page.getByRole("button", { name: "Save" }).click();
    await page.locator(".tag-elderly").waitFor();
    const eric = lobby.ctl(["residents", "get", state.eric.id, "-o", "json"]);
    assert.deepEqual(eric.tags, ["elderly", "needs_assistance"]);
    assert.equal(eric.name, "Eric Tang");
    assert.deepEqual(eric.phones, state.eric.phones);
    await screenshot(page, "resident");
  });

  test("by keyboard alone at 200% zoom: sign in, reach a ticket, open it", async () => {
    // A 1366×768 screen at 200% zoom is a 683×384 viewport at twice the pixels.
    const context = await browser.newContext({ viewport: { width: 683, height: 384 }, deviceScaleFactor: 2 });
    const page = await context.newPage();
    watch(page, lobby, "keyboard");
    await page.goto(`${lobby.url}/tickets`);
    await page.getByLabel("Login").waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("name")), "login",
      "the login field has the focus");
    await page.keyboard.type("chan");
    await page.keyboard.press("Tab");
    await page.keyboard.type(lobby.users.chan);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Tickets" }).waitFor();
    await page.locator("table.tickets").waitFor();
    let reached = "";
    for (let i = 0; i < 60 && !reached.startsWith("/tickets/R-"); i++) {
      await page.keyboard.press("Tab");
      reached = await page.evaluate(() => document.activeElement?.getAttribute("href") ?? "");
    }
    assert.match(reached, /^\/tickets\/R-/, "no ticket link is reachable with Tab");
    await page.keyboard.press("Enter");
    await page.locator("#ticket-title").waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the ticket page is ${overflow}px wider than the window at 200%`);
    await context.close();
  });

  test("on a phone the ticket list fits the screen", async () => {
    const page = await signedIn(browser, lobby, "chan", { viewport: { width: 390, height: 844 } });
    await page.goto(`${lobby.url}/tickets`);
    await page.locator("table.tickets").waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the page is ${overflow}px wider than the phone`);
    await screenshot(page, "phone");
    await page.context().close();
  });

  test("no page broke a script or its Content-Security-Policy on the way", () => {
    assert.deepEqual(lobby.problems, []);
  });
});

// The dashboard and the monthly report over the demo's 90 days of history (scripts/run with
// LOBBY_RUN_DEMO_DAYS=90, lived through the APIs by lobbyctl demo simulate): each chart's figures
// are the estate's tickets counted here one by one, filters change the series, a figure opens the
// tickets behind it, and the report prints (in the browser and by lobbyctl) with its figures.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, screenshot, signedIn, startLobby } from "./fixture.mjs";

let lobby, browser, tickets;

const zone = "Asia/Hong_Kong";
/// A time's day in the estate's calendar: "2026-12-07".
const dayOf = (iso) => new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" })
  .format(new Date(iso));
const today = () => dayOf(new Date().toISOString());
/// The Monday of a day's ISO week.
function mondayOf(day) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}
const building = (x) => x.location.unit?.building ?? x.location.building;
const pdfText = (file) => execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" });
const pdfPages = (file) => Number(/Pages:\s+(\d+)/.exec(execFileSync("pdfinfo", [file], { encoding: "utf8" }))[1]);

describe("the dashboard and the report over 90 days of history", { concurrency: false }, () => {
  before(async () => {
    lobby = await startLobby({ history: 90 });
    browser = await launchBrowser();
    tickets = [...lobby.ctl(["repairs", "list", "--site", "demo", "--all", "-o", "json"]).items,
      ...lobby.ctl(["complaints", "list", "--site", "demo", "--all", "-o", "json"]).items];
  });
  after(async () => {
    await browser?.close();
    await lobby?.stop();
  });

  test("the history is there: hundreds of tickets over 90 days, on every channel", () => {
    assert.ok(tickets.length > 450, `${tickets.length} tickets`);
    const days = new Set(tickets.map((x) => dayOf(x.createdAt)));
    assert.ok(days.size >= 85, `${days.size} days with tickets`);
    const channels = new Set(tickets.map((x) => x.channel));
    for (const c of ["CHANNEL_WHATSAPP", "CHANNEL_WECHAT", "CHANNEL_SMS", "CHANNEL_PHONE", "CHANNEL_LINE", "CHANNEL_TELEGRAM"])
      assert.ok(channels.has(c), c);
    const incidents = lobby.ctl(["incidents", "list", "--site", "demo", "--all", "-o", "json"]).items;
    assert.equal(incidents.length, 1);
  });

  test("this month's figures and the open backlog are the estate's tickets", async () => {
    const page = await signedIn(browser, lobby, "may");
    const month = today().slice(0, 7);
    const thisMonth = tickets.filter((x) => dayOf(x.createdAt).startsWith(month));
    let kpi = "";
    for (let i = 0; i < 50 && kpi !== String(thisMonth.length); i++) {
      await page.goto(`${lobby.url}/dashboard?period=month`);
      kpi = (await page.locator('[data-kpi="volume"] .kpi-value').innerText()).trim();
    }
    assert.equal(kpi, String(thisMonth.length), "this month's tickets");
    const done = ["TICKET_STATUS_RESOLVED", "TICKET_STATUS_CLOSED", "TICKET_STATUS_CANCELLED"];
    const open = tickets.filter((x) => !done.includes(x.status)).length;
    assert.equal((await page.getByTestId("backlog-total").innerText()).trim(), String(open));
    await page.locator("canvas").first().waitFor();
    await screenshot(page, "dashboard");
    // The heatmap: Tower 2 × plumbing this month, and the tickets its figure opens.
    const leaks = thisMonth.filter((x) => building(x) === "Tower 2" && x.category === "plumbing");
    const heat = page.getByRole("region", { name: "Buildings × categories" });
    await heat.locator("summary").click();
    const row = heat.locator("tr", { hasText: "Tower 2" }).filter({ hasText: "Plumbing" });
    assert.equal((await row.locator("td").nth(2).innerText()).trim(), String(leaks.length));
    await row.getByRole("link").click();
    await page.locator("table.tickets").waitFor();
    const listed = (await page.locator("table.tickets tbody tr td:first-child").allInnerTexts()).map((x) => x.trim()).sort();
    assert.deepEqual(listed, leaks.map((x) => x.id).sort());
    await page.context().close();
  });

  test("a trend's series are the tickets counted week by week, a filter changes them, a figure opens its tickets", async () => {
    const page = await signedIn(browser, lobby, "may");
    await page.goto(`${lobby.url}/dashboard?by=building&every=week&kpi=volume`);
    const trend = page.getByRole("region", { name: "Trends" });
    await trend.locator("summary").click();
    const head = (await trend.locator("thead th").allInnerTexts()).map((x) => x.trim());
    assert.ok(head.includes("Tower 1") && head.includes("Tower 2"), head.join(","));
    assert.ok(!head.includes("electrical"), "grouped by building, not team");
    const rows = trend.locator("tbody tr");
    assert.equal(await rows.count(), 12, "12 ISO weeks");
    for (let r = 0; r < 12; r++) {
      const cells = (await rows.nth(r).locator("td").allInnerTexts()).map((x) => x.trim());
      const week = mondayOf(cells[0].slice(0, 10));
      for (const b of ["Tower 1", "Tower 2"]) {
        const counted = tickets.filter((x) => building(x) === b && mondayOf(dayOf(x.createdAt)) === week).length;
        assert.equal(cells[head.indexOf(b)], String(counted), `${b}, week of ${week}`);
      }
    }
    // The last full week's Tower 2 figure opens exactly its tickets.
    const cell = rows.nth(10).locator("td").nth(head.indexOf("Tower 2"));
    const week = mondayOf((await rows.nth(10).locator("td").first().innerText()).trim().slice(0, 10));
    await cell.getByRole("link").click();
    await page.locator("table.tickets").waitFor();
    const listed = (await page.locator("table.tickets tbody tr td:first-child").allInnerTexts()).map((x) => x.trim()).sort();
    const expected = tickets.filter((x) => building(x) === "Tower 2" && mondayOf(dayOf(x.createdAt)) === week)
      .map((x) => x.id).sort();
    assert.deepEqual(listed, expected);
    // Grouped by team instead: a series per team, the slow one among them.
    await page.goto(`${lobby.url}/dashboard?by=team&every=week&kpi=resolveP50Minutes`);
    const byTeam = page.getByRole("region", { name: "Trends" });
    await byTeam.locator("canvas").waitFor();
    await byTeam.scrollIntoViewIfNeeded();
    await screenshot(page, "trends");
    await byTeam.locator("summary").click();
    const teams = (await byTeam.locator("thead th").allInnerTexts()).map((x) => x.trim());
    for (const t of ["plumbing", "electrical", "maintenance"]) assert.ok(teams.includes(t), teams.join(","));
    assert.ok(!teams.includes("Resolve p50"), "no empty series for tickets of no team");
    await page.context().close();
  });

  test("a member's survey answers are one click from their scorecard row", async () => {
    const page = await signedIn(browser, lobby, "may");
    await page.goto(`${lobby.url}/dashboard?period=month`);
    const cards = page.getByRole("region", { name: "Team scorecards" });
    await cards.getByRole("button", { name: "Plumbing" }).click();
    const row = cards.locator('tr.member-row[data-member="lee"]');
    await row.getByRole("button", { name: "survey answers" }).click();
    const answers = cards.locator("tr.member-comments li");
    await answers.first().waitFor();
    const ids = (await answers.locator("a").allInnerTexts()).map((x) => x.trim());
    const lees = new Set(tickets.filter((x) => x.assignee === "lee").map((x) => x.id));
    for (const id of ids) assert.ok(lees.has(id), `${id} is lee's`);
    for (const id of ids.slice(0, 5)) {
      const survey = lobby.ctl(["surveys", "get", "--ticket", id, "-o", "json"]);
      assert.equal(survey.status, "SURVEY_STATUS_ANSWERED", id);
    }
    await page.context().close();
  });

  test("last month's report holds its figures and its breaches, and prints to A4", async () => {
    const page = await signedIn(browser, lobby, "may");
    const first = `${today().slice(0, 7)}-01`;
    const d = new Date(`${first}T00:00:00Z`);
    d.setUTCMonth(d.getUTCMonth() - 1);
    const month = d.toISOString().slice(0, 7);
    const ofMonth = tickets.filter((x) => dayOf(x.createdAt).startsWith(month));
    const breached = tickets.filter((x) => {
      const b = x.sla?.events?.find((e) => e.kind === "breach");
      return b && dayOf(b.at).startsWith(month);
    });
    await page.goto(`${lobby.url}/report?month=${month}&lang=en`);
    await page.locator("article.report .report-kpis").waitFor();
    assert.equal((await page.locator('.report-kpis tr[data-kpi="volume"] td').first().innerText()).trim(), String(ofMonth.length));
    assert.equal((await page.locator(".breach-count").innerText()).trim(),
      `${breached.length} tickets missed a deadline this month.`);
    await page.locator("article.report canvas").waitFor();
    await screenshot(page, "report");
    const file = join(lobby.dir, "report.pdf");
    writeFileSync(file, await page.pdf({ format: "A4", printBackground: true }));
    const pages = pdfPages(file);
    assert.ok(pages >= 2 && pages <= 6, `${pages} pages`);
    const text = pdfText(file);
    assert.match(text, new RegExp(`Harbour View Gardens · Monthly report ${month}`));
    assert.match(text, new RegExp(`Tickets\\s+${ofMonth.length}\\s`));
    assert.match(text, /Deadlines missed and why/);
    assert.match(text, /Worst-rated tickets and their follow-ups/);
    await page.context().close();
  });

  test("lobbyctl report monthly prints the same report to PDF, and saves it as one HTML file", () => {
    const d = new Date(`${today().slice(0, 7)}-01T00:00:00Z`);
    d.setUTCMonth(d.getUTCMonth() - 1);
    const month = d.toISOString().slice(0, 7);
    const count = tickets.filter((x) => dayOf(x.createdAt).startsWith(month)).length;
    const pdf = join(lobby.dir, "ctl.pdf");
    const said = lobby.ctl(["report", "monthly", "--site", "demo", "--month", month, "--lang", "en",
      "--console", lobby.url, "--file", pdf]);
    assert.equal(said.trim(), pdf);
    const pages = pdfPages(pdf);
    assert.ok(pages >= 2 && pages <= 6, `${pages} pages`);
    const text = pdfText(pdf);
    assert.match(text, new RegExp(`Harbour View Gardens · Monthly report ${month}`));
    assert.match(text, new RegExp(`Tickets\\s+${count}\\s`));
    assert.doesNotMatch(text, /Sign out|Print or save/);
    const html = join(lobby.dir, "ctl.html");
    lobby.ctl(["report", "monthly", "--site", "demo", "--month", month, "-o", "html", "--console", lobby.url, "--file", html]);
    const saved = readFileSync(html, "utf8");
    assert.doesNotMatch(saved, /<script/, "nothing to run");
    assert.match(saved, /<style>/, "its styles inside");
    assert.match(saved, /<img class="chart-image" src="data:image\/png;base64,/, "the chart as a picture");
    assert.match(saved, new RegExp(`data-kpi="volume"><th>[^<]+</th><td>${count}</td>`));
    assert.match(saved, /lang="zh-Hant"/, "in the estate's language by default");
    // The token it signed in with is gone.
    const tokens = lobby.ctl(["tokens", "list", "-o", "json"]).items ?? [];
    assert.ok(!tokens.some((t) => t.name === `report demo ${month}`), "revoked");
  });

  test("no page broke a script or its Content-Security-Policy on the way", () => {
    assert.deepEqual(lobby.problems, []);
  });
});

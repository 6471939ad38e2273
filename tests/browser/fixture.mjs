// The browser tests' Lobby: scripts/run itself (its own Redis, lobbyd with the console and the
// demo estate and people) on free ports in a temporary folder, with the hotline adapter connected
// to a scripted Asterisk (AMI over TCP) that the tests make ring; and Debian's Chromium, driven
// by playwright-core.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { chromium } = require(join(root, "web", "node_modules", "playwright-core"));
const bin = process.env.LOBBY_BIN ?? join(root, "build", "bin");

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

/// Asterisk's manager interface, scripted: the banner, the login and ping answers, and the events
/// a test sends.
export class FakeAsterisk {
  constructor() {
    this.sockets = new Set();
    this.loggedIn = null;
    this.loggedInPromise = new Promise((r) => (this.loggedIn = r));
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
      socket.on("error", () => {});
      socket.write("Asterisk Call Manager/7.0.3\r\n");
      let buffer = "";
      socket.on("data", (chunk) => {
        buffer += chunk.toString("utf8");
        let end;
        while ((end = buffer.indexOf("\r\n\r\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 4);
          const fields = Object.fromEntries(block.split("\r\n").map((l) => {
            const i = l.indexOf(":");
            return [l.slice(0, i), l.slice(i + 1).trim()];
          }));
          if (fields.Action === "Login") {
            socket.write(`Response: Success\r\nActionID: ${fields.ActionID}\r\nMessage: Authentication accepted\r\n\r\n`);
            this.loggedIn();
          } else if (fields.Action === "Ping") {
            socket.write(`Response: Success\r\nActionID: ${fields.ActionID}\r\nPing: Pong\r\n\r\n`);
          }
        }
      });
    });
  }
  async listen() {
    await new Promise((r) => this.server.listen(0, "127.0.0.1", r));
    return this.server.address().port;
  }
  /// One AMI event to every connected client.
  event(fields) {
    const text = Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join("\r\n") + "\r\n\r\n";
    for (const s of this.sockets) s.write(text);
  }
  close() {
    for (const s of this.sockets) s.destroy();
    this.server.close();
  }
}

/// scripts/run in a folder of its own; resolves once Lobby is up with its demo and people.
/// scripts/run on free ports in a temporary folder, with a scripted Asterisk for its hotline;
/// `history`: the days of history the demo is given (0: today's few tickets only).
export async function startLobby({ history = 0 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "lobby-browser-"));
  const pbx = new FakeAsterisk();
  const amiPort = await pbx.listen();
  const ports = { grpc: await freePort(), http: await freePort(), redis: await freePort() };
  // lobbyd refuses LOBBY_ settings it does not know (scripts/test exports LOBBY_HELM, the tests
  // have their own): none of the caller's reach it.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("LOBBY_")));
  Object.assign(env, {
    LOBBY_RUN_NO_BUILD: "1", LOBBY_RUN_BIN: bin, LOBBY_RUN_VAR: dir,
    LOBBY_RUN_GRPC_PORT: String(ports.grpc), LOBBY_RUN_HTTP_PORT: String(ports.http),
    LOBBY_RUN_REDIS_PORT: String(ports.redis), LOBBY_RUN_DEMO_DAYS: String(history),
    LOBBY_HOTLINE_LINES: "hotline=demo",
    LOBBY_HOTLINE_AGENTS: "PJSIP/1001=desk",
    LOBBY_HOTLINE_AMI_HOST: "127.0.0.1",
    LOBBY_HOTLINE_AMI_PORT: String(amiPort),
    LOBBY_HOTLINE_AMI_SECRET: "browser-test-secret",
  });
  const run = spawn(join(root, "scripts", "run"), [], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  run.stdout.on("data", (d) => (out += d));
  run.stderr.on("data", (d) => (out += d));
  const started = new Promise((resolve, reject) => {
    const limit = 90 + history * 3;  // seconds; the history takes about one a day
    const timer = setTimeout(() => reject(new Error(`scripts/run did not start in ${limit} s:\n${out}`)), limit * 1000);
    const check = setInterval(() => {
      if (out.includes("Ctrl-C stops Lobby.")) {
        clearInterval(check);
        clearTimeout(timer);
        resolve();
      }
    }, 50);
    run.on("exit", (code) => {
      clearInterval(check);
      clearTimeout(timer);
      reject(new Error(`scripts/run exited with ${code}:\n${out}`));
    });
  });
  try {
    await started;
    run.removeAllListeners("exit");
    await Promise.race([pbx.loggedInPromise, new Promise((_, reject) => setTimeout(
      () => reject(new Error(`the hotline adapter never logged in to the AMI:\n${out}`)), 30000).unref())]);
  } catch (e) {
    // Nothing left behind to keep the test runner waiting: the PBX's socket and Lobby go too.
    pbx.close();
    run.kill("SIGTERM");
    throw e;
  }
  const users = Object.fromEntries(readFileSync(join(dir, "users"), "utf8").split("\n")
    .filter((l) => l && !l.startsWith("#")).map((l) => l.split(" ")).map(([u, p]) => [u, p]));
  const admin = readFileSync(join(dir, "tokens"), "utf8").split("\n").find((l) => l.startsWith("admin "))
    .split(" ")[1];
  const lobby = {
    url: `http://127.0.0.1:${ports.http}`,
    dir, users, pbx, log: () => out, problems: [],
    /// lobbyctl as the installation's admin token; -o json answers parsed.
    ctl(args, input) {
      const text = execFileSync(join(bin, "lobbyctl"), args, {
        env: { ...process.env, LOBBY_ADDR: `127.0.0.1:${ports.grpc}`, LOBBY_TOKEN: admin, XDG_CONFIG_HOME: dir },
        input, encoding: "utf8", maxBuffer: 256 * 1024 * 1024,
      });
      return args.includes("json") ? JSON.parse(text) : text;
    },
    async stop() {
      pbx.close();
      const exited = new Promise((r) => run.on("exit", r));
      run.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return lobby;
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.LOBBY_CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/// A signed-in page at the desk's screen size (1366×768), its clock in another zone than the
/// estate's so that a time shown in the browser's zone would be caught.
export async function signedIn(browser, lobby, login, options = {}) {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1366, height: 768 },
    timezoneId: options.timezoneId ?? "America/New_York",
    locale: "en-US",
  });
  const page = await context.newPage();
  watch(page, lobby, login);
  await page.goto(`${lobby.url}/`);
  await page.getByLabel("Login").fill(login);
  await page.getByLabel("Password").fill(lobby.users[login]);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("header.top").waitFor();
  return page;
}

/// Script errors and refusals by the page's Content-Security-Policy, gathered in lobby.problems
/// for the tests to check: the console must run under its own policy without a complaint.
export function watch(page, lobby, who) {
  page.on("pageerror", (e) => lobby.problems.push(`${who}: script error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Refused to/.test(m.text()))
      lobby.problems.push(`${who}: ${m.text()}`);
  });
}

/// Where docs/console.md's pictures go when scripts/screenshots runs the tests.
export async function screenshot(page, name) {
  const dir = process.env.LOBBY_SCREENSHOTS;
  if (!dir) return;
  // Each chart drawn to the end of its animation first.
  await page.waitForFunction(() => [...document.querySelectorAll(".chart")]
    .every((c) => c.getAttribute("data-drawn") === "1" || c.classList.contains("drawn")), null, { timeout: 10000 });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: false });
}

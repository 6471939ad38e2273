// The console's npm packages must run on Debian 12's Node (18), which scripts/setup installs
// when the machine has none: every package in the lockfile that states the Node versions it
// needs must allow 18.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { root } from "./fixture.mjs";

// Whether a package's `engines.node` range (">=18", "^18 || >=20", ">=14.17") admits 18.20.
function allows18(range) {
  return range.split("||").some((part) => {
    const bounds = part.trim().split(/\s+/).filter(Boolean);
    return bounds.every((b) => {
      const m = /^(>=|>|<=|<|\^|~|=)?v?(\d+)(?:\.(\d+))?/.exec(b);
      if (!m) return true;  // "*", "x": anything
      const major = Number(m[2]), minor = Number(m[3] ?? 0);
      const v = 18 * 1000 + 20, w = major * 1000 + minor;
      switch (m[1]) {
        case ">=": return v >= w;
        case ">": return v > w;
        case "<=": return v <= w;
        case "<": return v < w;
        case "^": case "~": case "=": case undefined: return major === 18;
      }
      return true;
    });
  });
}

test("every npm package of the console runs on Node 18", () => {
  const lock = JSON.parse(readFileSync(join(root, "web", "package-lock.json"), "utf8"));
  const refused = Object.entries(lock.packages)
    .filter(([name, p]) => name && p.engines?.node && !allows18(p.engines.node))
    .map(([name, p]) => `${name}@${p.version} needs node ${p.engines.node}`);
  assert.deepEqual(refused, []);
});

test("the check itself reads ranges right", () => {
  assert.ok(allows18(">=18") && allows18(">=14.17") && allows18("^18 || >=20"));
  assert.ok(!allows18(">=20") && !allows18(">=22") && !allows18("^20.0.0"));
});

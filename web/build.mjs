// Builds the console into dist/: the typed clients from ../proto (protoc with protoc-gen-es, into
// gen/), then one bundle of the app and its styles with content-hashed names (cached for a year
// by lobbyd), and index.html naming them. No inline script: lobbyd's CSP forbids it.
//   node build.mjs            the release bundle (minified)
//   node build.mjs --check    also the TypeScript type check (scripts/test runs it)
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const web = dirname(fileURLToPath(import.meta.url));
const protoDir = join(web, "..", "proto");
const gen = join(web, "gen");
const dist = join(web, "dist");

rmSync(gen, { recursive: true, force: true });
mkdirSync(gen, { recursive: true });
const protos = readdirSync(join(protoDir, "lobby", "v1"))
  .filter((f) => f.endsWith(".proto"))
  .map((f) => join(protoDir, "lobby", "v1", f));
execFileSync("protoc", [
  `-I${protoDir}`,
  "-I/usr/include",
  `--plugin=protoc-gen-es=${join(web, "node_modules", ".bin", "protoc-gen-es")}`,
  `--es_out=${gen}`,
  "--es_opt=target=ts",
  ...protos,
], { stdio: "inherit" });

if (process.argv.includes("--check")) {
  execFileSync(join(web, "node_modules", ".bin", "tsc"), ["--noEmit", "-p", web], {
    stdio: "inherit",
  });
}

rmSync(dist, { recursive: true, force: true });
const result = await esbuild.build({
  entryPoints: [join(web, "src", "main.tsx")],
  bundle: true,
  outdir: join(dist, "assets"),
  entryNames: "[name]-[hash]",
  chunkNames: "[name]-[hash]",
  // The dashboard's charts (ECharts) load only when the dashboard is opened.
  splitting: true,
  format: "esm",
  assetNames: "[name]-[hash]",
  minify: true,
  sourcemap: "linked",
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  jsx: "automatic",
  jsxImportSource: "preact",
  loader: { ".svg": "file", ".woff2": "file" },
  metafile: true,
  logLevel: "warning",
  legalComments: "none",
});
const outputs = Object.keys(result.metafile.outputs).map((p) => p.split("/").pop());
const js = outputs.find((f) => f.startsWith("main-") && f.endsWith(".js"));
const css = outputs.find((f) => f.startsWith("main-") && f.endsWith(".css"));
writeFileSync(
  join(dist, "index.html"),
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lobby</title>
<link rel="icon" href="data:,">
${css ? `<link rel="stylesheet" href="/assets/${css}">` : ""}
<script type="module" src="/assets/${js}"></script>
</head>
<body>
<div id="app"><noscript>Lobby's console needs JavaScript.</noscript></div>
</body>
</html>
`,
);
const size = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`web: dist/assets/${js} ${css ?? ""} (${Math.round(size / 1024)} KiB with maps)`);

#include "adapters/gateway/console.h"

#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace lobby::gateway {

namespace {

namespace fs = std::filesystem;

// The page paths the console routes itself (web/src/main.tsx): a reload or a pasted link on
// any of them gets index.html. The chart's Ingress lists the same (helm/lobby/templates/).
constexpr char kPagePattern[] =
    R"(/(|signin|desk|tickets|board|dashboard|report|residents|estate|incidents)(/[A-Za-z0-9._\-]*)*)";

const char* TypeOf(const std::string& name) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".html", "text/html; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".woff2", "font/woff2"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".ico", "image/x-icon"},
  };
  for (const auto& [suffix, type] : kTypes)
    if (absl::EndsWith(name, suffix)) return type;
  return "application/octet-stream";
}

absl::StatusOr<std::string> ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path.string()));
  std::ostringstream body;
  body << in.rdbuf();
  return body.str();
}

// FNV-1a of the content: the same in every replica, and changed by any edit.
std::string Etag(const std::string& body) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : body) h = (h ^ c) * 1099511628211ull;
  return absl::StrCat("\"", absl::Hex(h, absl::kZeroPad16), "\"");
}

void Headers(httplib::Response& res) {
  res.set_header("Content-Security-Policy", kConsoleCsp);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "same-origin");
  res.set_header("X-Frame-Options", "DENY");
}

}  // namespace

absl::StatusOr<std::unique_ptr<Console>> Console::Load(const std::string& dir) {
  std::unique_ptr<Console> console(new Console());
  absl::StatusOr<std::string> index = ReadAll(fs::path(dir) / "index.html");
  if (!index.ok())
    return absl::FailedPreconditionError(
        absl::StrCat("no console in ", dir, " (index.html is missing: run scripts/build)"));
  console->index_ = {*std::move(index), TypeOf(".html"), ""};
  console->index_.etag = Etag(console->index_.body);
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(fs::path(dir) / "assets", ec)) {
    if (!e.is_regular_file()) continue;
    std::string name = e.path().filename().string();
    absl::StatusOr<std::string> body = ReadAll(e.path());
    if (!body.ok()) return body.status();
    File f{*std::move(body), TypeOf(name), ""};
    f.etag = Etag(f.body);
    console->assets_.emplace(std::move(name), std::move(f));
  }
  if (ec) return absl::FailedPreconditionError(absl::StrCat("cannot list ", dir, "/assets"));
  return console;
}

void Console::Register(httplib::Server& server) const {
  auto send = [](const File& f, const char* cache, const httplib::Request& req,
                 httplib::Response& res) {
    Headers(res);
    res.set_header("Cache-Control", cache);
    res.set_header("ETag", f.etag);
    if (req.get_header_value("If-None-Match") == f.etag) {
      res.status = 304;
      return;
    }
    res.set_content(f.body, f.type);
  };
  // The page: asked for again each time (a new release shows at the next load).
  server.Get(kPagePattern, [this, send](const httplib::Request& req, httplib::Response& res) {
    send(index_, "no-cache", req, res);
  });
  // The bundle: each name carries its content's hash, so a year's caching is safe.
  server.Get(R"(/assets/([A-Za-z0-9._\-]{1,100}))",
             [this, send](const httplib::Request& req, httplib::Response& res) {
               auto it = assets_.find(req.matches[1].str());
               if (it == assets_.end()) {
                 Headers(res);
                 res.status = 404;
                 res.set_content("no such file\n", "text/plain");
                 return;
               }
               send(it->second, "public, max-age=31536000, immutable", req, res);
             });
}

}  // namespace lobby::gateway

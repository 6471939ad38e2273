// lobbyctl report monthly: the console's monthly report page (/report), printed to PDF or saved
// as one HTML file by the headless Chromium, so that the page and the file are one design.
#include <fcntl.h>
#include <httplib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "lobby/v1/accounts.grpc.pb.h"
#include "tools/lobbyctl/lobbyctl.h"

namespace lobbyctl {
namespace {

/// LOBBY_CHROMIUM, else the first of Debian's and other systems' names on PATH; "" for none.
std::string FindChromium() {
  if (const char* c = std::getenv("LOBBY_CHROMIUM"); c != nullptr && *c) return c;
  const char* path = std::getenv("PATH");
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    for (absl::string_view dir : absl::StrSplit(path ? path : "/usr/bin", ':')) {
      std::string candidate = absl::StrCat(dir, "/", name);
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  return "";
}

/// Runs `argv` with stdout into `out` (and stderr into `err`); its exit status, or -1.
int Run(const std::vector<std::string>& argv, const std::string& out, const std::string& err) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int e = open(err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (o < 0 || e < 0) _exit(126);
    dup2(o, 1);
    dup2(e, 2);
    std::vector<char*> args;
    for (const auto& s : argv) args.push_back(const_cast<char*>(s.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

/// The page's DOM as one file that needs nothing else: its stylesheets inlined (fetched from the
/// console), its scripts left out (the report is drawn already; the charts are images).
std::string SelfContained(std::string dom, httplib::Client& http, std::string* error) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t script = dom.find("<script", pos), link = dom.find("<link", pos);
    size_t next = std::min(script, link);
    if (next == std::string::npos) break;
    out.append(dom, pos, next - pos);
    if (next == script) {
      size_t end = dom.find("</script>", next);
      pos = end == std::string::npos ? dom.size() : end + 9;
      continue;
    }
    size_t end = dom.find('>', next);
    std::string tag = dom.substr(next, end - next + 1);
    pos = end + 1;
    if (tag.find("stylesheet") == std::string::npos) continue;  // preloads
    size_t href = tag.find("href=\"");
    if (href == std::string::npos) continue;
    std::string url = tag.substr(href + 6, tag.find('"', href + 6) - href - 6);
    auto res = http.Get(url);
    if (!res || res->status != 200) {
      *error = absl::StrCat("could not read the console's stylesheet ", url);
      return "";
    }
    absl::StrAppend(&out, "<style>", res->body, "</style>");
  }
  out.append(dom, pos, std::string::npos);
  return out;
}

}  // namespace

int Report(Ctl& ctl, Args& a) {
  if (a.positional.size() < 2 || a.positional[1] != "monthly")
    throw UsageError{"report monthly --site S --month YYYY-MM [-o pdf|html] [--file F]"};
  a.Allow({"site", "month", "lang", "f", "console"}, 2);  // --file is read as --f
  std::string site = ctl.Site(a), month = a.Require("month");
  absl::CivilMonth parsed;
  if (month.size() != 7 || !absl::ParseCivilTime(month, &parsed))
    throw UsageError{"--month is YYYY-MM, e.g. 2026-11"};
  std::string format = ctl.output == "html" ? "html" : "pdf";
  std::string lang = a.Get("lang");
  if (!lang.empty() && lang != "en" && lang != "zh-Hant" && lang != "zh-Hans")
    throw UsageError{"--lang is en, zh-Hant or zh-Hans (default: the estate's language)"};
  const char* env_console = std::getenv("LOBBY_CONSOLE_URL");
  std::string console = a.Get("console", env_console ? env_console : "http://127.0.0.1:7080");
  while (absl::EndsWith(console, "/")) console.pop_back();
  if (!absl::StartsWith(console, "http://") && !absl::StartsWith(console, "https://"))
    throw UsageError{"--console is the console's address, e.g. http://127.0.0.1:7080"};
  std::string file = a.Get("f", absl::StrCat("report-", site, "-", month, ".", format));
  std::string chromium = FindChromium();
  if (chromium.empty()) {
    std::cerr << "error: the report is printed by Chromium, and there is none: install Debian's "
                 "(apt-get install chromium, or scripts/setup --browser), or set LOBBY_CHROMIUM\n";
    return 1;
  }

  // The browser signs in with a token of its own: the estate's manager for ten minutes, revoked
  // when done. A caller who may not make tokens (not an admin) lends their own instead.
  auto accounts = v1::AccountService::NewStub(ctl.channel);
  v1::CreateTokenRequest req;
  req.set_name(absl::StrCat("report ", site, " ", month));
  v1::Grant* g = req.add_grants();
  g->set_site_id(site);
  g->add_roles("manager");
  *req.mutable_expires_at() = lobby::ToTimestamp(absl::Now() + absl::Minutes(10));
  v1::CreateTokenResponse made;
  grpc::Status s = ctl.Invoke(*accounts, &v1::AccountService::Stub::CreateToken, req, &made);
  std::string token = s.ok() ? made.secret() : ctl.token;
  if (!s.ok() && s.error_code() != grpc::StatusCode::PERMISSION_DENIED) {
    std::cerr << ctl.ErrorLine(s) << "\n";
    return 1;
  }
  if (token.empty()) {
    std::cerr << "error: UNAUTHENTICATED: no token: lobbyctl login first, or give --token\n";
    return 1;
  }
  auto revoke = [&] {
    if (!s.ok()) return;
    v1::RevokeTokenRequest r;
    r.set_id(made.token().id());
    v1::RevokeTokenResponse ignored;
    (void)ctl.Invoke(*accounts, &v1::AccountService::Stub::RevokeToken, r, &ignored);
  };

  // The address carries the token in its fragment, which is never sent to a server; a page in a
  // private folder opens it, so that it is not on Chromium's command line either.
  char tmpl[] = "/tmp/lobbyctl-report-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    std::cerr << "error: could not make a folder in /tmp\n";
    revoke();
    return 1;
  }
  std::string dir = tmpl;
  std::string url = absl::StrCat(console, "/report?month=", month, "&export=1",
                                 lang.empty() ? "" : "&lang=" + lang, "#token=", token);
  {
    int fd = open((dir + "/open.html").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    std::string page =
        absl::StrCat("<!doctype html><meta charset=\"utf-8\"><script>location.replace(\"", url,
                     "\")</script>\n");
    bool written =
        fd >= 0 && write(fd, page.data(), page.size()) == static_cast<ssize_t>(page.size());
    if (fd >= 0) close(fd);
    if (!written) {
      std::cerr << "error: could not write in " << dir << "\n";
      std::filesystem::remove_all(dir);
      revoke();
      return 1;
    }
  }
  std::vector<std::string> argv = {chromium,
                                   "--headless=new",
                                   "--disable-gpu",
                                   "--no-first-run",
                                   "--no-default-browser-check",
                                   "--hide-scrollbars",
                                   "--user-data-dir=" + dir + "/profile",
                                   "--virtual-time-budget=30000"};
  if (geteuid() == 0) argv.push_back("--no-sandbox");  // Chromium's sandbox refuses root
  auto browse = [&](const std::string& what, const std::string& out) {
    std::vector<std::string> args = argv;
    args.push_back(what);
    args.push_back("file://" + dir + "/open.html");
    return Run(args, out, dir + "/chromium.log");
  };
  int code = 0;
  std::string dom_file = dir + "/dom.html";
  // The page's DOM first: whether the report was drawn (and the HTML, when that is asked for).
  if (browse("--dump-dom", dom_file) != 0) {
    std::cerr << "error: Chromium failed:\n" << Slurp(dir + "/chromium.log");
    code = 1;
  }
  std::string dom = code == 0 ? Slurp(dom_file) : "";
  if (code == 0 && dom.find("data-ready=\"1\"") == std::string::npos) {
    std::cerr << "error: the report did not finish drawing at " << console
              << "/report?month=" << month
              << (dom.find("name=\"password\"") != std::string::npos
                      ? ": the console did not accept the token"
                      : ": is the console there (--console, LOBBY_CONSOLE_URL)?")
              << "\n";
    code = 1;
  }
  if (code == 0 && format == "html") {
    httplib::Client http(console);
    http.set_connection_timeout(10);
    std::string error;
    std::string html = SelfContained(dom, http, &error);
    if (html.empty()) {
      std::cerr << "error: " << error << "\n";
      code = 1;
    } else {
      std::ofstream(file, std::ios::binary) << html;
    }
  } else if (code == 0) {
    std::vector<std::string> args = argv;
    args.push_back("--no-pdf-header-footer");
    args.push_back("--print-to-pdf=" + dir + "/report.pdf");
    args.push_back("file://" + dir + "/open.html");
    if (Run(args, "/dev/null", dir + "/chromium.log") != 0 ||
        Slurp(dir + "/report.pdf").rfind("%PDF", 0) != 0) {
      std::cerr << "error: Chromium did not print the report:\n" << Slurp(dir + "/chromium.log");
      code = 1;
    } else {
      std::error_code ec;
      std::filesystem::copy_file(dir + "/report.pdf", file,
                                 std::filesystem::copy_options::overwrite_existing, ec);
      if (ec) {
        std::cerr << "error: could not write " << file << ": " << ec.message() << "\n";
        code = 1;
      }
    }
  }
  std::filesystem::remove_all(dir);
  revoke();
  if (code == 0) std::cout << file << "\n";
  return code;
}

}  // namespace lobbyctl

#include "services/common/config.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/redis.h"
#include "services/common/status_macros.h"

namespace lobby::config {

std::string Settings::EnvName(absl::string_view name) {
  std::string env = "LOBBY_";
  for (char c : name) env.push_back(c == '-' ? '_' : absl::ascii_toupper(c));
  return env;
}

void Settings::Declare(std::string name, std::string default_value, std::string help, bool secret) {
  if (auto it = entries_.find(name); it != entries_.end()) {
    // The same setting shared by two components (repairs and complaints) is one entry; two
    // different declarations of one name are a bug, never a silent choice of the first.
    if (it->second.default_value == default_value && it->second.help == help &&
        it->second.secret == secret)
      return;
    std::fprintf(stderr, "BUG: setting %s declared twice, differently\n", name.c_str());
    std::abort();
  }
  order_.push_back(name);
  entries_[name] = Entry{default_value, std::move(help), default_value, "default", secret};
}

void Settings::Tolerate(std::string env_name) { tolerated_.push_back(std::move(env_name)); }

absl::Status Settings::Parse(int argc, const char* const* argv, const char* const* envp,
                             std::vector<std::string>* positional) {
  for (const char* const* e = envp; e && *e; ++e) {
    absl::string_view kv(*e);
    if (!absl::StartsWith(kv, "LOBBY_")) continue;
    size_t eq = kv.find('=');
    if (eq == absl::string_view::npos) continue;
    absl::string_view key = kv.substr(0, eq);
    bool found = false;
    for (auto& [name, entry] : entries_) {
      if (EnvName(name) == key) {
        entry.value = std::string(kv.substr(eq + 1));
        entry.source = "env";
        found = true;
        break;
      }
    }
    if (!found && std::find(tolerated_.begin(), tolerated_.end(), key) == tolerated_.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown environment variable ", key, " (see --help for the settings)"));
    }
  }
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg(argv[i]);
    if (!absl::StartsWith(arg, "--")) {
      if (!positional)
        return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", arg, "'"));
      positional->emplace_back(arg);
      continue;
    }
    absl::string_view body = arg.substr(2);
    std::string name, value;
    size_t eq = body.find('=');
    if (eq != absl::string_view::npos) {
      name = std::string(body.substr(0, eq));
      value = std::string(body.substr(eq + 1));
    } else {
      name = std::string(body);
      if (i + 1 >= argc)
        return absl::InvalidArgumentError(absl::StrCat("flag --", name, " needs a value"));
      value = argv[++i];
    }
    auto it = entries_.find(name);
    if (it == entries_.end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name, " (see --help)"));
    }
    it->second.value = std::move(value);
    it->second.source = "flag";
  }
  return absl::OkStatus();
}

const std::string& Settings::Get(absl::string_view name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    std::fprintf(stderr, "BUG: setting %.*s read but never declared\n",
                 static_cast<int>(name.size()), name.data());
    std::abort();
  }
  return it->second.value;
}

absl::Status Settings::Required(std::initializer_list<absl::string_view> names,
                                absl::string_view why) const {
  for (absl::string_view name : names) {
    if (Get(name).empty()) return Invalid(name, why);
  }
  return absl::OkStatus();
}

absl::Status Settings::Invalid(absl::string_view name, absl::string_view why) const {
  const Entry& e = entries_.find(name)->second;
  std::string shown = e.secret ? "(hidden)" : absl::StrCat("'", e.value, "'");
  return absl::InvalidArgumentError(
      absl::StrCat("bad setting --", name, " / ", EnvName(name), " = ", shown, ": ", why));
}

absl::StatusOr<int64_t> Settings::GetInt(absl::string_view name, int64_t min, int64_t max) const {
  int64_t v;
  if (!absl::SimpleAtoi(Get(name), &v)) return Invalid(name, "not a whole number");
  if (v < min || v > max) return Invalid(name, absl::StrCat("must be from ", min, " to ", max));
  return v;
}

absl::StatusOr<absl::Duration> Settings::GetDuration(absl::string_view name) const {
  const std::string& raw = Get(name);
  absl::Duration d;
  double secs;
  if (absl::SimpleAtod(raw, &secs)) {
    d = absl::Seconds(secs);
  } else if (!absl::ParseDuration(raw, &d)) {
    return Invalid(name, "not a duration (e.g. 250ms, 10s, 5m)");
  }
  if (d < absl::ZeroDuration()) return Invalid(name, "must not be negative");
  return d;
}

absl::StatusOr<bool> Settings::GetBool(absl::string_view name) const {
  std::string v = absl::AsciiStrToLower(Get(name));
  if (v == "1" || v == "true" || v == "yes" || v == "on") return true;
  if (v == "0" || v == "false" || v == "no" || v == "off" || v.empty()) return false;
  return Invalid(name, "not a boolean (true/false)");
}

std::string Settings::Help() const {
  std::string out;
  for (const std::string& name : order_) {
    const Entry& e = entries_.at(name);
    absl::StrAppendFormat(&out, "  --%-26s %-30s %s (default: %s)%s\n", name, EnvName(name), e.help,
                          e.default_value.empty() ? "none" : e.default_value,
                          e.secret ? " [secret]" : "");
  }
  return out;
}

void CommonConfig::Declare(Settings& s) {
  for (const auto& [name, grpc] : kServices) {
    s.Declare(absl::StrCat(name, "-addr"), "",
              absl::StrCat(
                  absl::StripPrefix(grpc, "lobby.v1."),
                  " address, when it runs in another process (default: this process if it hosts ",
                  name, ", else --lobby-addr)"));
  }
  s.Declare("lobby-addr", "",
            "the gRPC address of the services this process does not host and gives no "
            "--<service>-addr for "
            "(default: this process)");
  s.Declare(
      "redis-url", "redis://127.0.0.1:6379/0",
      "Redis: redis://[[user]:password@]host:port[/db], "
      "redis+sentinel://host:26379,host:26379/master[/db] "
      "(the master found through Sentinel, followed through failovers) or unix:///path.sock[?db=N]",
      /*secret=*/true);
  s.Declare("redis-password", "",
            "Redis password (wins over one in --redis-url), so the URL can sit in a ConfigMap and "
            "the password in a Secret",
            /*secret=*/true);
  s.Declare("redis-pool-size", "2", "Redis connections used by the pipelining writers");
  s.Declare("redis-connect-timeout", "2s", "timeout for connecting to Redis");
  s.Declare("redis-command-timeout", "5s", "timeout for one Redis round trip");
  s.Declare("grpc-listen", "127.0.0.1:7000", "gRPC listen address host:port (port 0 picks one)");
  s.Declare("http-listen", "127.0.0.1:7080",
            "HTTP listen address for /healthz, /metrics and webhooks (port 0 picks one)");
  s.Declare("tokens-file", "", "file of 'ROLE TOKEN [NAME]' lines: the bearer tokens accepted");
  s.Declare("tokens", "", "more tokens: 'ROLE:TOKEN[:NAME]' separated by commas", /*secret=*/true);
  s.Declare("service-token", "",
            "token this process presents to other Lobby services (role admin); accepted here too. "
            "Default: a random one, valid inside this process only",
            /*secret=*/true);
  s.Declare("log-format", "text", "log format: text or json");
  s.Declare("log-level", "info", "log level, with per-logger overrides: info,redis=debug");
  s.Declare("workers", "64", "threads that run request handlers (they wait on Redis)");
  s.Declare(
      "shutdown-delay", "0s",
      "after SIGTERM, how long to go on serving while reporting NOT_SERVING, so load balancers "
      "and Kubernetes endpoints stop sending calls first (queues stop at once)");
  s.Declare("shutdown-grace", "20s",
            "after the delay, how long in-flight calls may take to finish");
  s.Declare("health-interval", "1s", "how often Redis is pinged for the health status");
  s.Declare("queue-claim-idle", "60s",
            "a queue entry pending this long on a consumer is taken over (XAUTOCLAIM)");
  s.Declare("queue-block", "1s", "how long one blocking queue read waits");
  s.Declare("queue-max-deliveries", "5", "deliveries before a failing entry goes to lobby:q:dlq");
  s.Declare("rpc-deadline", "5s",
            "the deadline of one call from a Lobby process to a Lobby service (a page of a "
            "list call gets twice as long)");
  s.Declare("auth-cache", "10s",
            "how long a process trusts what it read of a session or machine token: a revoked "
            "session or a changed grant takes effect in other processes within this while");
}

absl::StatusOr<CommonConfig> CommonConfig::From(const Settings& s) {
  CommonConfig c;
  for (const auto& service : kServices) {
    c.addresses[service.name] = s.Get(absl::StrCat(service.name, "-addr"));
  }
  c.lobby_addr = s.Get("lobby-addr");
  c.redis_url = s.Get("redis-url");
  if (auto opts = redis::ParseUrl(c.redis_url); !opts.ok()) {
    return s.Invalid("redis-url", opts.status().message());  // the URL itself is not shown
  }
  LOBBY_ASSIGN_OR_RETURN(auto pool, s.GetInt("redis-pool-size", 1, 64));
  c.redis_pool_size = static_cast<int>(pool);
  LOBBY_ASSIGN_OR_RETURN(auto ct, s.GetDuration("redis-connect-timeout"));
  LOBBY_ASSIGN_OR_RETURN(auto rt, s.GetDuration("redis-command-timeout"));
  if (ct <= absl::ZeroDuration()) return s.Invalid("redis-connect-timeout", "must be positive");
  if (rt <= absl::ZeroDuration()) return s.Invalid("redis-command-timeout", "must be positive");
  c.redis_connect_timeout = ct;
  c.redis_command_timeout = rt;
  c.grpc_listen = s.Get("grpc-listen");
  c.http_listen = s.Get("http-listen");
  for (const char* name : {"grpc-listen", "http-listen"}) {
    const std::string& v = s.Get(name);
    size_t colon = v.rfind(':');
    int port;
    if (colon == std::string::npos || colon == 0 || !absl::SimpleAtoi(v.substr(colon + 1), &port) ||
        port < 0 || port > 65535) {
      return s.Invalid(name, "expected host:port, e.g. 127.0.0.1:7000");
    }
  }
  c.tokens_file = s.Get("tokens-file");
  c.tokens = s.Get("tokens");
  c.service_token = s.Get("service-token");
  if (!c.service_token.empty() && c.service_token.size() < 16) {
    return s.Invalid("service-token", "at least 16 characters");
  }
  c.redis_password = s.Get("redis-password");
  c.log_format = s.Get("log-format");
  if (c.log_format != "text" && c.log_format != "json")
    return s.Invalid("log-format", "text or json");
  c.log_level = s.Get("log-level");
  LOBBY_ASSIGN_OR_RETURN(auto workers, s.GetInt("workers", 1, 4096));
  c.workers = static_cast<int>(workers);
  for (auto [name, field] :
       {std::pair{"shutdown-delay", &c.shutdown_delay},
        std::pair{"shutdown-grace", &c.shutdown_grace},
        std::pair{"health-interval", &c.health_interval},
        std::pair{"queue-claim-idle", &c.queue_claim_idle},
        std::pair{"queue-block", &c.queue_block}, std::pair{"rpc-deadline", &c.rpc_deadline},
        std::pair{"auth-cache", &c.auth_cache}}) {
    LOBBY_ASSIGN_OR_RETURN(auto d, s.GetDuration(name));
    *field = d;
  }
  if (c.shutdown_delay < absl::ZeroDuration())
    return s.Invalid("shutdown-delay", "must not be negative");
  if (c.shutdown_grace < absl::ZeroDuration())
    return s.Invalid("shutdown-grace", "must not be negative");
  if (c.health_interval <= absl::ZeroDuration())
    return s.Invalid("health-interval", "must be positive");
  if (c.queue_block < absl::Milliseconds(1)) return s.Invalid("queue-block", "at least 1ms");
  if (c.rpc_deadline < absl::Milliseconds(10) || c.rpc_deadline > absl::Minutes(5))
    return s.Invalid("rpc-deadline", "a duration from 10ms to 5m");
  if (c.auth_cache < absl::ZeroDuration() || c.auth_cache > absl::Minutes(5))
    return s.Invalid("auth-cache", "a duration from 0s to 5m");
  LOBBY_ASSIGN_OR_RETURN(auto md, s.GetInt("queue-max-deliveries", 1, 1000));
  c.queue_max_deliveries = static_cast<int>(md);
  return c;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> SplitPairs(std::string_view list) {
  std::vector<std::pair<std::string, std::string>> out;
  for (absl::string_view item :
       absl::StrSplit(absl::string_view(list.data(), list.size()), ',', absl::SkipWhitespace())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(item, absl::MaxSplits('=', 1));
    std::string k(absl::StripAsciiWhitespace(kv.first)), v(absl::StripAsciiWhitespace(kv.second));
    if (k.empty() || v.empty())
      return absl::InvalidArgumentError(
          absl::StrCat("'", absl::StripAsciiWhitespace(item), "' is not name=value"));
    out.emplace_back(std::move(k), std::move(v));
  }
  return out;
}

}  // namespace lobby::config

#include "services/common/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <mutex>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace lobby::log {
namespace {

// One JSON object per line; the message and logger name are escaped.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto secs = std::chrono::time_point_cast<std::chrono::seconds>(msg.time);
    auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time - secs).count();
    std::time_t t = std::chrono::system_clock::to_time_t(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char ts[64];
    std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(millis));
    Append(dest, "{\"ts\":\"");
    Append(dest, ts);
    Append(dest, "\",\"level\":\"");
    auto level = spdlog::level::to_string_view(msg.level);
    dest.append(level.data(), level.data() + level.size());
    Append(dest, "\",\"logger\":\"");
    Escape(dest, absl::string_view(msg.logger_name.data(), msg.logger_name.size()));
    Append(dest, "\",\"msg\":\"");
    Escape(dest, absl::string_view(msg.payload.data(), msg.payload.size()));
    Append(dest, "\"}\n");
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }

 private:
  static void Append(spdlog::memory_buf_t& d, absl::string_view s) {
    d.append(s.data(), s.data() + s.size());
  }
  static void Escape(spdlog::memory_buf_t& d, absl::string_view s) {
    for (unsigned char c : s) {
      switch (c) {
        case '"':
          Append(d, "\\\"");
          break;
        case '\\':
          Append(d, "\\\\");
          break;
        case '\n':
          Append(d, "\\n");
          break;
        case '\r':
          Append(d, "\\r");
          break;
        case '\t':
          Append(d, "\\t");
          break;
        default:
          if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            Append(d, buf);
          } else {
            d.push_back(static_cast<char>(c));
          }
      }
    }
  }
};

struct State {
  std::mutex mu;
  bool json = false;
  spdlog::level::level_enum default_level = spdlog::level::info;
  absl::flat_hash_map<std::string, spdlog::level::level_enum> overrides;
  spdlog::sink_ptr sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
};

State& GetState() {
  static State* state = new State();  // never destroyed: loggers may log during exit
  return *state;
}

absl::Status ParseLevel(absl::string_view s, spdlog::level::level_enum* out) {
  static const std::pair<absl::string_view, spdlog::level::level_enum> kLevels[] = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
      {"off", spdlog::level::off}};
  for (const auto& [name, level] : kLevels) {
    if (s == name) {
      *out = level;
      return absl::OkStatus();
    }
  }
  return absl::InvalidArgumentError("unknown log level '" + std::string(s) +
                                    "' (trace, debug, info, warn, error, critical, off)");
}

void Configure(State& st, spdlog::logger& logger) {
  auto it = st.overrides.find(logger.name());
  logger.set_level(it == st.overrides.end() ? st.default_level : it->second);
  if (st.json) {
    logger.set_formatter(std::make_unique<JsonFormatter>());
  } else {
    logger.set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%L%$ %n %v", spdlog::pattern_time_type::utc);
  }
}

}  // namespace

absl::Status Init(absl::string_view format, absl::string_view levels) {
  State& st = GetState();
  std::lock_guard lock(st.mu);
  if (format != "text" && format != "json") {
    return absl::InvalidArgumentError("LOBBY_LOG_FORMAT must be 'text' or 'json', not '" +
                                      std::string(format) + "'");
  }
  spdlog::level::level_enum def = spdlog::level::info;
  absl::flat_hash_map<std::string, spdlog::level::level_enum> overrides;
  for (absl::string_view part : absl::StrSplit(levels, ',', absl::SkipEmpty())) {
    std::vector<absl::string_view> kv = absl::StrSplit(part, absl::MaxSplits('=', 1));
    spdlog::level::level_enum level = spdlog::level::info;
    absl::Status s = ParseLevel(kv.back(), &level);
    if (!s.ok()) return absl::InvalidArgumentError("LOBBY_LOG_LEVEL: " + std::string(s.message()));
    if (kv.size() == 1) {
      def = level;
    } else {
      overrides[std::string(kv[0])] = level;
    }
  }
  st.json = format == "json";
  st.default_level = def;
  st.overrides = std::move(overrides);
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) { Configure(st, *l); });
  return absl::OkStatus();
}

std::shared_ptr<spdlog::logger> Get(const std::string& name) {
  if (auto existing = spdlog::get(name)) return existing;
  State& st = GetState();
  std::lock_guard lock(st.mu);
  if (auto existing = spdlog::get(name)) return existing;
  auto logger = std::make_shared<spdlog::logger>(name, st.sink);
  Configure(st, *logger);
  spdlog::register_logger(logger);
  return logger;
}

namespace {
// Country calling codes are prefix-free: these are the one- and two-digit ones; all others
// have three digits.
int CountryCodeLength(absl::string_view digits) {
  if (digits.empty()) return 0;
  if (digits[0] == '1' || digits[0] == '7') return 1;
  static const char* kTwo[] = {"20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41",
                               "43", "44", "45", "46", "47", "48", "49", "51", "52", "53", "54",
                               "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66",
                               "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98"};
  for (const char* two : kTwo) {
    if (digits.substr(0, 2) == two) return 2;
  }
  return 3;
}
}  // namespace

std::string MaskPhone(absl::string_view phone) {
  std::string digits;
  for (char c : phone) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  if (digits.size() <= 4) return "****";
  std::string out;
  size_t keep_front = 0;
  if (!phone.empty() && phone[0] == '+') {
    out = "+";
    keep_front = static_cast<size_t>(CountryCodeLength(digits));
  }
  if (keep_front + 4 >= digits.size()) keep_front = 0;
  out += digits.substr(0, keep_front);
  out += "****";
  out += digits.substr(digits.size() - 4);
  return out;
}

std::string MaskName(absl::string_view name) {
  if (name.empty()) return "";
  // Keep the first UTF-8 code point.
  size_t len = 1;
  unsigned char c = static_cast<unsigned char>(name[0]);
  if (c >= 0xF0)
    len = 4;
  else if (c >= 0xE0)
    len = 3;
  else if (c >= 0xC0)
    len = 2;
  if (len > name.size()) len = name.size();
  return std::string(name.substr(0, len)) + "**";
}

std::string MaskSecret(absl::string_view secret) {
  if (secret.size() < 8) return "***";
  return std::string(secret.substr(0, 4)) + "…(" + std::to_string(secret.size()) + ")";
}

}  // namespace lobby::log

#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lobby::config {

/// Every setting has a flag `--name` and an environment variable `LOBBY_NAME` (upper case,
/// '-' -> '_'). A flag beats the environment, which beats the default. Unknown flags and unknown
/// LOBBY_* variables are errors, so a typo never silently falls back to a default.
/// Not thread-safe while declaring and parsing; read-only afterwards.
class Settings {
 public:
  /// `secret` settings (tokens, URLs with passwords) never have their value printed. A name is
  /// declared once: the same declaration again (a setting two components share) is that one
  /// setting; a different declaration of a declared name aborts, as a bug.
  void Declare(std::string name, std::string default_value, std::string help, bool secret = false);
  /// Variables that belong to other programs (lobbyctl's LOBBY_ADDR) and are not errors here.
  void Tolerate(std::string env_name);

  /// Parses flags ("--name=value" or "--name value") and the LOBBY_* entries of `envp`.
  /// Arguments that are not flags are returned in `positional` (an error if that is null).
  absl::Status Parse(int argc, const char* const* argv, const char* const* envp,
                     std::vector<std::string>* positional = nullptr);

  const std::string& Get(absl::string_view name) const;
  absl::StatusOr<int64_t> GetInt(absl::string_view name, int64_t min, int64_t max) const;
  /// "250ms", "10s", "5m", "1h", or a bare number of seconds.
  absl::StatusOr<absl::Duration> GetDuration(absl::string_view name) const;
  absl::StatusOr<bool> GetBool(absl::string_view name) const;
  /// An INVALID_ARGUMENT naming the setting, its flag and variable.
  absl::Status Invalid(absl::string_view name, absl::string_view why) const;
  /// Invalid(name, why) for the first of `names` that is not set.
  absl::Status Required(std::initializer_list<absl::string_view> names,
                        absl::string_view why) const;

  /// "--name  LOBBY_NAME  default  help" lines for --help.
  std::string Help() const;
  static std::string EnvName(absl::string_view name);

 private:
  struct Entry {
    std::string default_value;
    std::string help;
    std::string value;
    std::string source;  // "default", "env", "flag"
    bool secret = false;
  };
  std::map<std::string, Entry, std::less<>> entries_;
  std::vector<std::string> order_;
  std::vector<std::string> tolerated_;
};

/// A text setting that lands in one member of a component's settings struct. The row that
/// declares it is the row that reads it, so each name is written once (the chat providers'
/// components are tables of these).
/// What a field is besides text: a secret (its value never printed), required (empty is an error),
/// or both (kSecret | kRequired).
enum FieldKind : unsigned { kOptional = 0, kSecret = 1, kRequired = 2 };

template <typename Config>
struct Field {
  const char* name;
  const char* default_value;
  const char* help;
  std::string Config::*member;
  unsigned kind = kOptional;
};

template <typename Config, std::size_t N>
void DeclareFields(Settings& settings, const Field<Config> (&fields)[N]) {
  for (const Field<Config>& f : fields)
    settings.Declare(f.name, f.default_value, f.help, (f.kind & kSecret) != 0);
}

/// Reads every field into `cfg`; the first required one that is empty is Invalid(name, why).
template <typename Config, std::size_t N>
absl::Status ReadFields(const Settings& settings, const Field<Config> (&fields)[N], Config& cfg,
                        absl::string_view why) {
  for (const Field<Config>& f : fields) {
    cfg.*f.member = settings.Get(f.name);
    if ((f.kind & kRequired) != 0 && (cfg.*f.member).empty()) return settings.Invalid(f.name, why);
  }
  return absl::OkStatus();
}

/// Settings every lobbyd process has.
struct CommonConfig {
  std::string redis_url;
  std::string redis_password;  // overrides the URL's
  int redis_pool_size = 2;
  absl::Duration redis_connect_timeout;
  absl::Duration redis_command_timeout;
  std::string grpc_listen;
  std::string http_listen;
  std::string tokens_file;
  std::string tokens;
  std::string service_token;
  std::string log_format;
  std::string log_level;
  int workers = 64;
  absl::Duration shutdown_delay;
  absl::Duration shutdown_grace;
  absl::Duration health_interval;
  absl::Duration queue_claim_idle;
  absl::Duration queue_block;
  absl::Duration rpc_deadline;  // of calls to other Lobby services
  absl::Duration auth_cache;    // how long a session's or machine token's lookup is trusted
  int queue_max_deliveries = 5;
  /// Where each service is ("residents", "repairs", "complaints", "surveys", "dispatch") when it
  /// runs in another process: --<service>-addr, else --lobby-addr (see Runtime::AddressOf).
  std::map<std::string, std::string, std::less<>> addresses;
  std::string lobby_addr;
  /// The services a process may call in another: the name of --<name>-addr, and the gRPC
  /// service (whose registration says this process hosts it).
  struct Service {
    const char* name;
    const char* grpc;
  };
  static constexpr Service kServices[] = {
      {"residents", "lobby.v1.ResidentService"},   {"repairs", "lobby.v1.RepairService"},
      {"complaints", "lobby.v1.ComplaintService"}, {"surveys", "lobby.v1.SurveyService"},
      {"dispatch", "lobby.v1.DispatchService"},    {"calls", "lobby.v1.HotlineService"},
      {"accounts", "lobby.v1.AccountService"}};

  static void Declare(Settings& s);
  static absl::StatusOr<CommonConfig> From(const Settings& s);
};

/// "a=1, b=2": the name=value pairs of a setting, in order, names and values trimmed.
/// INVALID_ARGUMENT ("'x' is not name=value") when an item lacks either side.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> SplitPairs(std::string_view list);

}  // namespace lobby::config

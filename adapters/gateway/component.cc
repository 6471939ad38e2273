#include "adapters/gateway/component.h"

#include <httplib.h>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"

namespace lobby::gateway {

void Component::Declare(config::Settings& settings) {
  settings.Declare("gateway-timeout", "30s",
                   "the longest a call over HTTP may take, and its deadline when the client "
                   "sends no Connect-Timeout-Ms");
  settings.Declare("gateway-stream-timeout", "30m",
                   "the longest a stream over HTTP stays open (the client resumes from its "
                   "cursor)");
  settings.Declare("gateway-max-body", "1048576", "the largest request body taken, in bytes");
  settings.Declare("gateway-max-streams", "64", "streams over HTTP open at once, at most");
  settings.Declare("console-dir", "",
                   "the web console's files (web/dist, made by scripts/build), served at /; "
                   "empty: no console");
  settings.Declare("gateway-cors-origins", "",
                   "origins (https://console.example.com) whose pages may call the API from a "
                   "browser; none: no cross-origin calls");
}

absl::StatusOr<std::unique_ptr<Component>> Component::Create(const config::Settings& settings,
                                                             Runtime& runtime) {
  GatewayOptions options;
  LOBBY_ASSIGN_OR_RETURN(options.max_timeout, settings.GetDuration("gateway-timeout"));
  LOBBY_ASSIGN_OR_RETURN(options.max_stream, settings.GetDuration("gateway-stream-timeout"));
  LOBBY_ASSIGN_OR_RETURN(int64_t body, settings.GetInt("gateway-max-body", 1, 1 << 20));
  options.max_body = static_cast<size_t>(body);
  LOBBY_ASSIGN_OR_RETURN(int64_t streams, settings.GetInt("gateway-max-streams", 1, 4096));
  options.max_streams = static_cast<int>(streams);
  for (absl::string_view origin :
       absl::StrSplit(settings.Get("gateway-cors-origins"), ',', absl::SkipWhitespace())) {
    std::string o(absl::StripSuffix(absl::StripAsciiWhitespace(origin), "/"));
    if (!absl::StartsWith(o, "https://") && !absl::StartsWith(o, "http://"))
      return settings.Invalid("gateway-cors-origins",
                              "each origin is scheme://host[:port], e.g. https://desk.example.com");
    options.cors_origins.push_back(std::move(o));
  }
  std::unique_ptr<Console> console;
  if (std::string dir = settings.Get("console-dir"); !dir.empty()) {
    absl::StatusOr<std::unique_ptr<Console>> loaded = Console::Load(dir);
    if (!loaded.ok())
      return settings.Invalid("console-dir", std::string(loaded.status().message()));
    console = *std::move(loaded);
    log::Get("gateway")->info("event=console_loaded dir={} files={}", dir, console->files());
  }
  return std::unique_ptr<Component>(new Component(runtime, std::move(options), std::move(console)));
}

Component::Component(Runtime& runtime, GatewayOptions options, std::unique_ptr<Console> console)
    : gateway_(std::move(options),
               [&runtime](const std::string& service) { return runtime.AddressOf(service); }),
      console_(std::move(console)) {
  gateway_.Register(runtime.http().routes());
  if (console_ != nullptr) console_->Register(runtime.http().routes());
  runtime.OnShutdown([this] { gateway_.Shutdown(); });
  runtime.metrics().AddCollector([this](std::string& out) { gateway_.Collect(out); });
}

}  // namespace lobby::gateway

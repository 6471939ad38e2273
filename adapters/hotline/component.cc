#include "adapters/hotline/component.h"

#include "absl/strings/numbers.h"
#include "adapters/common/lobby_client.h"
#include "services/common/proto_util.h"
#include "services/common/status_macros.h"

namespace lobby::hotline {

void Component::Declare(config::Settings& settings) {
  adapters::DeclareLobbyClient(settings);  // the token ReportCall is made with
  settings.Declare("hotline-lines", "",
                   "hotline lines and their estates: what a call dials (queue, extension or "
                   "number)=site, e.g. hotline=demo,+85228001234=demo");
  settings.Declare("hotline-agents", "",
                   "PBX interfaces and the agents on them, e.g. PJSIP/1001=chan,PJSIP/1002=wong");
  settings.Declare("hotline-ami-host", "",
                   "the Asterisk Manager Interface host; empty: no AMI client (webhook only)");
  settings.Declare("hotline-ami-port", "5038", "the AMI port");
  settings.Declare("hotline-ami-user", "lobby", "the AMI user (manager.conf)");
  settings.Declare("hotline-ami-secret", "", "the AMI user's secret", true);
  settings.Declare("hotline-ami-ping", "20s",
                   "how often the AMI session is pinged; a Ping unanswered as long reconnects");
  settings.Declare("hotline-webhook-secret", "",
                   "the HMAC key of the cloud call centre's webhook /v1/hotline/events; empty: off",
                   true);
}

namespace {
absl::StatusOr<std::map<std::string, std::string>> Pairs(const config::Settings& settings,
                                                         const char* name) {
  auto pairs = config::SplitPairs(settings.Get(name));
  if (!pairs.ok()) return settings.Invalid(name, std::string(pairs.status().message()));
  return std::map<std::string, std::string>(pairs->begin(), pairs->end());
}
}  // namespace

absl::StatusOr<std::unique_ptr<Component>> Component::Create(const config::Settings& settings,
                                                             Runtime& runtime) {
  HotlineConfig cfg;
  LOBBY_ASSIGN_OR_RETURN(auto lines, Pairs(settings, "hotline-lines"));
  if (lines.empty())
    return settings.Invalid("hotline-lines",
                            "name the hotline lines and their estates, e.g. hotline=demo");
  for (const auto& [line, site] : lines) {
    if (absl::Status s = ValidateSiteId(site); !s.ok())
      return settings.Invalid("hotline-lines", std::string(s.message()));
  }
  cfg.lines = std::move(lines);
  LOBBY_ASSIGN_OR_RETURN(auto agents, Pairs(settings, "hotline-agents"));
  cfg.agents = std::move(agents);
  cfg.webhook_secret = settings.Get("hotline-webhook-secret");
  if (!cfg.webhook_secret.empty() && cfg.webhook_secret.size() < 16)
    return settings.Invalid("hotline-webhook-secret", "at least 16 characters");
  if (settings.Get("hotline-ami-host").empty() && cfg.webhook_secret.empty()) {
    return settings.Invalid(
        "hotline-ami-host",
        "the hotline needs the AMI (hotline-ami-host) or the webhook (hotline-webhook-secret)");
  }
  auto c = std::unique_ptr<Component>(
      new Component(runtime, std::move(cfg), settings.Get("adapter-token")));
  if (!settings.Get("hotline-ami-host").empty()) {
    AmiConfig ami;
    ami.host = settings.Get("hotline-ami-host");
    if (!absl::SimpleAtoi(settings.Get("hotline-ami-port"), &ami.port) || ami.port <= 0 ||
        ami.port > 65535) {
      return settings.Invalid("hotline-ami-port", "a TCP port");
    }
    ami.username = settings.Get("hotline-ami-user");
    ami.secret = settings.Get("hotline-ami-secret");
    if (ami.secret.empty())
      return settings.Invalid("hotline-ami-secret",
                              "the AMI user's secret is required with hotline-ami-host");
    auto ping = settings.GetDuration("hotline-ami-ping");
    if (!ping.ok() || *ping < absl::Milliseconds(100) || *ping > absl::Minutes(10)) {
      return settings.Invalid("hotline-ami-ping", "a duration from 100ms to 10m");
    }
    ami.ping_every = *ping;
    Hotline* hotline = &c->hotline_;
    c->ami_ =
        std::make_unique<AmiClient>(ami, [hotline](const AmiMessage& m) { hotline->OnAmi(m); });
    AmiClient* client = c->ami_.get();
    // The AMI client runs from Start to Shutdown, like the queue consumers.
    runtime.OnStart([client] { client->Start(); });
    runtime.OnShutdown([client] { client->Stop(); });
  }
  return c;
}

Component::Component(Runtime& runtime, HotlineConfig config, const std::string& token)
    : calls_(runtime.client_env(token)), hotline_(std::move(config), runtime.clock(), calls_) {
  hotline_.Register(runtime.http().routes());
}

Component::~Component() {
  if (ami_) ami_->Stop();
}

}  // namespace lobby::hotline

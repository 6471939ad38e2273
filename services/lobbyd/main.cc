// lobbyd: hosts any subset of Lobby's services and adapters in one process (--services,
// --adapters), built from the one component list (services/lobbyd/components.cc).
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/component.h"
#include "services/common/config.h"
#include "services/common/demo_clock.h"
#include "services/common/log.h"
#include "services/common/runtime.h"
#include "services/lobbyd/components.h"

extern char** environ;

namespace {

using lobby::ComponentDef;

// The names of the components of `kind`, in the list's order.
std::vector<std::string> NamesOf(ComponentDef::Kind kind) {
  std::vector<std::string> out;
  for (const ComponentDef& c : lobby::Components()) {
    if (c.kind == kind) out.emplace_back(c.name);
  }
  return out;
}

absl::StatusOr<std::set<std::string>> ParseList(const lobby::config::Settings& s,
                                                const std::string& name,
                                                const std::vector<std::string>& known) {
  std::set<std::string> out;
  for (absl::string_view item : absl::StrSplit(s.Get(name), ',', absl::SkipWhitespace())) {
    std::string v(absl::StripAsciiWhitespace(item));
    if (v == "all") {
      out.insert(known.begin(), known.end());
    } else if (v == "none") {
      continue;
    } else if (std::find(known.begin(), known.end(), v) == known.end()) {
      return s.Invalid(name, "'" + v + "' is not available in this build (available: " +
                                 (known.empty() ? "none" : absl::StrJoin(known, ", ")) + ")");
    } else {
      out.insert(v);
    }
  }
  return out;
}

void Usage(const lobby::config::Settings& s) {
  std::cout
      << "lobbyd - Lobby's server: resident feedback and CRM gateway for property management\n\n"
         "usage: lobbyd [--flag value]...\n\n"
         "Every flag can also be set by its LOBBY_* environment variable; flags win.\n"
         "Settings marked [secret] belong in a protected environment (a Kubernetes Secret),\n"
         "never on the command line or in a ConfigMap.\n\n"
      << s.Help();
}

}  // namespace

int main(int argc, char** argv) {
  // Signals are taken by sigwait below; block them before any thread starts.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  lobby::config::Settings settings;
  lobby::config::CommonConfig::Declare(settings);
  const std::vector<std::string> known_services = NamesOf(ComponentDef::Kind::kService);
  const std::vector<std::string> known_adapters = NamesOf(ComponentDef::Kind::kAdapter);
  settings.Declare("services", "all",
                   "services to host: all, or a list of " + absl::StrJoin(known_services, ", "));
  settings.Declare(
      "adapters", "none",
      "adapters to host: none, all, or a list of " + absl::StrJoin(known_adapters, ", "));
  settings.Declare("ready-file", "", "once serving, write 'grpc=ADDR http=ADDR' to this file");
  settings.Declare("demo-clock", "",
                   "for the demo's simulator and tests only: a clock admins move forward "
                   "(DemoClockService; lobbyctl demo simulate), starting at 'now', '-90d' (days "
                   "ago) or an RFC 3339 time; empty: the system's clock");
  for (const ComponentDef& c : lobby::Components()) c.declare(settings);
  settings.Tolerate("LOBBY_ADDR");   // lobbyctl's
  settings.Tolerate("LOBBY_TOKEN");  // lobbyctl's

  for (int i = 1; i < argc; ++i) {
    absl::string_view a(argv[i]);
    if (a == "--help" || a == "-h") {
      Usage(settings);
      return 0;
    }
  }
  if (absl::Status s = settings.Parse(argc, argv, environ); !s.ok()) {
    std::cerr << "lobbyd: " << s.message() << "\n";
    return 2;
  }
  auto config = lobby::config::CommonConfig::From(settings);
  if (!config.ok()) {
    std::cerr << "lobbyd: " << config.status().message() << "\n";
    return 2;
  }
  if (absl::Status s = lobby::log::Init(config->log_format, config->log_level); !s.ok()) {
    std::cerr << "lobbyd: " << s.message() << "\n";
    return 2;
  }
  auto logger = lobby::log::Get("lobbyd");
  auto services = ParseList(settings, "services", known_services);
  auto adapters = ParseList(settings, "adapters", known_adapters);
  for (const absl::Status& s : {services.status(), adapters.status()}) {
    if (!s.ok()) {
      std::cerr << "lobbyd: " << s.message() << "\n";
      return 2;
    }
  }
  if (services->empty() && adapters->empty()) {
    std::cerr << "lobbyd: nothing to host: --services and --adapters name none\n";
    return 2;
  }

  auto demo_start = lobby::ParseDemoClockStart(settings.Get("demo-clock"), absl::Now());
  if (!demo_start.ok()) {
    std::cerr << "lobbyd: --demo-clock: " << demo_start.status().message() << "\n";
    return 2;
  }
  const bool demo_clock = demo_start->has_value();
  lobby::SettableClock settable(demo_clock ? **demo_start - absl::Now() : absl::ZeroDuration());
  auto runtime = lobby::Runtime::Create(
      *config, demo_clock ? static_cast<const lobby::Clock&>(settable) : lobby::SystemClock::Get());
  if (!runtime.ok()) {
    std::cerr << "lobbyd: " << runtime.status().message() << "\n";
    return 2;
  }
  std::unique_ptr<lobby::DemoClockServiceImpl> clock_service;
  if (demo_clock) {
    clock_service = std::make_unique<lobby::DemoClockServiceImpl>(settable, **runtime);
    (*runtime)->grpc().Register(clock_service.get(), "lobby.v1.DemoClockService");
    logger->warn(
        "event=demo_clock note=\"the clock can be moved by admins (DemoClockService): "
        "for the demo and tests only\"");
  }
  // The hosted components, in the list's order; on a bad setting, says so and exits 2.
  std::vector<std::unique_ptr<lobby::Component>> hosted;
  for (const ComponentDef& c : lobby::Components()) {
    const auto& chosen = c.kind == ComponentDef::Kind::kService ? *services : *adapters;
    if (!chosen.count(std::string(c.name))) continue;
    auto made = c.create(settings, **runtime);
    if (!made.ok()) {
      std::cerr << "lobbyd: " << made.status().message() << "\n";
      return 2;
    }
    hosted.push_back(*std::move(made));
  }
  if (absl::Status s = (*runtime)->Start(); !s.ok()) {
    logger->critical("event=start_failed error=\"{}\"", s.message());
    return 1;
  }
  logger->info("event=serving services={} grpc={} http={} redis_ok={}",
               absl::StrJoin(*services, ",") +
                   (adapters->empty() ? "" : " adapters=" + absl::StrJoin(*adapters, ",")),
               (*runtime)->grpc().address(), (*runtime)->http().address(), (*runtime)->healthy());
  if (const std::string& ready = settings.Get("ready-file"); !ready.empty()) {
    std::ofstream out(ready + ".tmp");
    out << "grpc=" << (*runtime)->grpc().address() << " http=" << (*runtime)->http().address()
        << "\n";
    out.close();
    std::rename((ready + ".tmp").c_str(), ready.c_str());
  }

  int sig = 0;
  sigwait(&sigs, &sig);
  logger->info("event=shutdown signal={}", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  (*runtime)->Shutdown();
  return 0;
}

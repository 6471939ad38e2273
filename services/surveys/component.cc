#include "services/surveys/component.h"

#include "services/common/log.h"
#include "services/common/status.h"
#include "services/common/status_macros.h"

namespace lobby::surveys {

void Component::Declare(config::Settings& settings) {
  settings.Declare("surveys-tick", "1s",
                   "how often surveys sends, reminds and expires what is due");
  settings.Declare("surveys-parallel", "8",
                   "ticket events surveys handles at once (events of one ticket stay in order)");
}

absl::StatusOr<std::unique_ptr<Component>> Component::Create(const config::Settings& settings,
                                                             Runtime& runtime) {
  LOBBY_ASSIGN_OR_RETURN(auto tick, settings.GetDuration("surveys-tick"));
  auto c = std::unique_ptr<Component>(new Component(runtime, settings));
  runtime.grpc().Register(&c->service_, "lobby.v1.SurveyService");
  SurveyLogic* logic = &c->logic_;
  // A ticket's facts (when it was created, acknowledged, ...) are read and then written, so one
  // ticket's events go one at a time, in order; different tickets' go side by side, and their
  // Redis commands share pipelined round trips.
  LOBBY_ASSIGN_OR_RETURN(auto parallel, settings.GetInt("surveys-parallel", 1, 64));
  runtime.AddConsumer(
      {.stream = queue::kTicketsStream, .group = "surveys", .parallel = static_cast<int>(parallel)},
      [logic](const queue::Entry& e) { return logic->HandleEvent(e); });
  runtime.AddLoop("surveys", tick, [logic] {
    if (auto n = logic->Tick(); !n.ok())
      log::Get("surveys")->warn("event=tick_failed error=\"{}\"", n.status().message());
  });
  return c;
}

Component::Component(Runtime& runtime, const config::Settings& settings)
    : store_(runtime.redis()),
      residents_(runtime.client_env()),
      tickets_(runtime.client_env()),
      logic_(store_, runtime.clock(), residents_, tickets_),
      service_(logic_, runtime.rpc_env()) {}

}  // namespace lobby::surveys

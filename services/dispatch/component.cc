#include "services/dispatch/component.h"

#include "services/common/log.h"
#include "services/common/status.h"
#include "services/common/status_macros.h"

namespace lobby::dispatch {

void Component::Declare(config::Settings& settings) {
  settings.Declare("dispatch-tick", "1s", "how often dispatch fires the SLA timers that are due");
  settings.Declare("dispatch-parallel", "8",
                   "ticket events dispatch handles at once (events of one ticket stay in order)");
  settings.Declare(
      "dispatch-sweep", "60s",
      "how often dispatch hands on the unacknowledged tickets of members gone off shift");
}

absl::StatusOr<std::unique_ptr<Component>> Component::Create(const config::Settings& settings,
                                                             Runtime& runtime) {
  LOBBY_ASSIGN_OR_RETURN(auto tick, settings.GetDuration("dispatch-tick"));
  LOBBY_ASSIGN_OR_RETURN(auto sweep, settings.GetDuration("dispatch-sweep"));
  LOBBY_ASSIGN_OR_RETURN(auto parallel, settings.GetInt("dispatch-parallel", 1, 64));
  auto c = std::unique_ptr<Component>(new Component(runtime));
  runtime.grpc().Register(&c->service_, "lobby.v1.DispatchService");
  DispatchLogic* logic = &c->logic_;
  runtime.AddConsumer({.stream = queue::kTicketsStream,
                       .group = "dispatch",
                       .parallel = static_cast<int>(parallel)},
                      [logic](const queue::Entry& e) { return logic->HandleEvent(e); });
  // The surveys service's events (its stream, services/surveys/redis_survey_store.cc): the
  // monthly report's link and overdue follow-ups, told to the members named.
  runtime.AddConsumer({.stream = "lobby:q:surveys", .group = "dispatch"},
                      [logic](const queue::Entry& e) { return logic->HandleSurveyEvent(e); });
  runtime.AddLoop("sla", tick, [logic] {
    if (auto n = logic->Tick(); !n.ok())
      log::Get("dispatch")->warn("event=tick_failed error=\"{}\"", n.status().message());
  });
  runtime.AddLoop("shifts", sweep, [logic] {
    if (auto n = logic->Sweep(); !n.ok())
      log::Get("dispatch")->warn("event=sweep_failed error=\"{}\"", n.status().message());
  });
  Component* self = c.get();
  runtime.OnShutdown([self] {
    self->service_.EndStreams();
    self->feed_.Stop();
  });
  return c;
}

Component::Component(Runtime& runtime)
    : store_(runtime.redis()),
      tickets_(runtime.client_env()),
      logic_(store_, runtime.clock(), tickets_),
      feed_(runtime.redis_options(), queue::kTicketsStream),
      service_(logic_, runtime.rpc_env(), feed_, runtime.redis()) {}

}  // namespace lobby::dispatch

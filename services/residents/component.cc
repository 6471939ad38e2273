#include "services/residents/component.h"

#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/common/proto_util.h"
#include "services/common/status_macros.h"

namespace lobby::residents {

void Component::Declare(config::Settings& settings) {
  ResidentsConfig::Declare(settings);
  NotifyConfig::Declare(settings);
  settings.Declare("notify-tick", "1s", "how often notify tells residents what has come due");
}

absl::StatusOr<std::unique_ptr<Component>> Component::Create(const config::Settings& settings,
                                                             Runtime& runtime) {
  LOBBY_ASSIGN_OR_RETURN(auto config, ResidentsConfig::From(settings));
  LOBBY_ASSIGN_OR_RETURN(auto notify, NotifyConfig::From(settings));
  LOBBY_ASSIGN_OR_RETURN(auto tick, settings.GetDuration("notify-tick"));
  auto c = std::unique_ptr<Component>(new Component(runtime, std::move(config), std::move(notify)));
  runtime.grpc().Register(&c->service_, "lobby.v1.ResidentService");
  ResidentLogic* logic = &c->logic_;
  runtime.AddConsumer({.stream = queue::kTicketsStream, .group = "timeline"},
                      [logic](const queue::Entry& e) { return logic->HandleTicketEvent(e); });
  NotifyLogic* notifier = &c->notify_;
  runtime.AddConsumer({.stream = queue::kTicketsStream, .group = "notify"},
                      [notifier](const queue::Entry& e) { return notifier->HandleEvent(e); });
  runtime.AddLoop("notify", tick, [notifier] {
    if (auto n = notifier->Tick(); !n.ok())
      log::Get("notify")->warn("event=tick_failed error=\"{}\"", n.status().message());
  });
  runtime.metrics().AddCollector([notifier](std::string& out) {
    absl::StrAppend(&out,
                    "# HELP lobby_notify_messages_total Messages telling residents about their "
                    "tickets: queued for a channel, or undeliverable (no channel reaches them).\n"
                    "# TYPE lobby_notify_messages_total counter\n",
                    "lobby_notify_messages_total{outcome=\"queued\"} ", notifier->told(), "\n",
                    "lobby_notify_messages_total{outcome=\"undeliverable\"} ",
                    notifier->undeliverable(), "\n",
                    "# HELP lobby_notify_unread_callbacks_total Callback tasks opened because an "
                    "assisted resident did not read an urgent notice in time.\n"
                    "# TYPE lobby_notify_unread_callbacks_total counter\n",
                    "lobby_notify_unread_callbacks_total ", notifier->unread_callbacks(), "\n");
  });
  return c;
}

Component::Component(Runtime& runtime, ResidentsConfig config, NotifyConfig notify)
    : store_(runtime.redis(), runtime.clock()),
      registers_(RegisterCache::Of(runtime)),
      logic_(store_, runtime.clock(), std::move(config), &registers_),
      notify_store_(runtime.redis(), store_),
      notify_(notify_store_, runtime.clock(), std::move(notify),
              [this](absl::string_view site) {
                EstateFacts facts;
                if (auto reg = registers_.Get(site)) {
                  facts.zone = ZoneNamed(reg->proto().time_zone());
                  for (const auto& t : reg->proto().teams())
                    if (!t.name().empty()) facts.team_names[t.team()] = t.name();
                }
                return facts;
              }),
      dispatch_(runtime.client_env(), "dispatch"),
      service_(logic_, notify_, runtime.rpc_env()) {
  logic_.SetMembers([this](const std::string& site) -> absl::StatusOr<std::vector<v1::Member>> {
    v1::GetEstateRequest req;
    req.set_site_id(site);
    LOBBY_ASSIGN_OR_RETURN(auto estate, dispatch_.Call(&v1::DispatchService::Stub::GetEstate, req));
    return std::vector<v1::Member>(estate.members().begin(), estate.members().end());
  });
  notify_.SetOpenCallback([this](const v1::CallbackTask& task, const std::string& key) {
    v1::RequestCallbackRequest req;
    *req.mutable_task() = task;
    req.set_idempotency_key(key);
    return logic_.RequestCallback(req).status();
  });
}

}  // namespace lobby::residents

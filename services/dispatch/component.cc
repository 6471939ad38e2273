#include "services/dispatch/component.h"

#include "services/common/log.h"
#include "services/common/status.h"
#include "services/common/status_macros.h"

namespace lobby::dispatch {

void GrpcTicketClient::Connect() {
  std::lock_guard lock(mu_);
  if (!repairs_) repairs_ = v1::RepairService::NewStub(Dial(repairs_addr_()));
  if (!complaints_) complaints_ = v1::ComplaintService::NewStub(Dial(complaints_addr_()));
}

absl::StatusOr<v1::Ticket> GrpcTicketClient::Get(absl::string_view kind, absl::string_view ticket) {
  Connect();
  v1::GetTicketRequest req;
  req.set_id(std::string(ticket));
  v1::Ticket resp;
  grpc::ClientContext ctx;
  PrepareClientContext(ctx, token_, absl::Seconds(5));
  grpc::Status s = kind == "complaint" ? complaints_->GetComplaint(&ctx, req, &resp)
                                       : repairs_->GetRepair(&ctx, req, &resp);
  if (!s.ok()) return FromGrpcStatus(s);
  return resp;
}

absl::StatusOr<v1::Ticket> GrpcTicketClient::Annotate(absl::string_view kind,
                                                      const v1::AnnotateRequest& req) {
  Connect();
  v1::Ticket resp;
  grpc::ClientContext ctx;
  PrepareClientContext(ctx, token_, absl::Seconds(5));
  grpc::Status s = kind == "complaint" ? complaints_->Annotate(&ctx, req, &resp)
                                       : repairs_->Annotate(&ctx, req, &resp);
  if (!s.ok()) return FromGrpcStatus(s);
  return resp;
}

absl::StatusOr<v1::Catalog> GrpcTicketClient::Catalog(absl::string_view site) {
  Connect();
  v1::GetCatalogRequest req;
  req.set_site_id(std::string(site));
  v1::Catalog resp;
  grpc::ClientContext ctx;
  PrepareClientContext(ctx, token_, absl::Seconds(5));
  grpc::Status s = repairs_->GetCatalog(&ctx, req, &resp);
  if (!s.ok()) return FromGrpcStatus(s);
  return resp;
}

absl::StatusOr<v1::Ticket> GrpcTicketClient::Assign(absl::string_view kind,
                                                    absl::string_view ticket,
                                                    const v1::Decision& decision,
                                                    int64_t expected_version, bool acknowledged) {
  Connect();
  v1::AssignRequest req;
  req.set_id(std::string(ticket));
  req.set_team(decision.team());
  req.set_assignee(decision.assignee());
  req.set_note(decision.explanation().substr(0, 2000));
  req.set_expected_version(expected_version);
  req.set_acknowledged(acknowledged);
  v1::Ticket resp;
  grpc::ClientContext ctx;
  PrepareClientContext(ctx, token_, absl::Seconds(5));
  grpc::Status s = kind == "complaint" ? complaints_->Assign(&ctx, req, &resp)
                                       : repairs_->Assign(&ctx, req, &resp);
  if (!s.ok()) return FromGrpcStatus(s);
  return resp;
}

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
      tickets_(runtime.AddressFn("repairs"), runtime.AddressFn("complaints"),
               runtime.service_token()),
      logic_(store_, runtime.clock(), tickets_),
      feed_(runtime.redis_options(), queue::kTicketsStream),
      service_(logic_, runtime.rpc_env(), feed_, runtime.redis()) {}

}  // namespace lobby::dispatch

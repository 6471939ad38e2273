#include "services/surveys/component.h"

#include "services/common/log.h"
#include "services/common/status.h"
#include "services/common/status_macros.h"

namespace lobby::surveys {

void GrpcClients::Connect() {
  std::lock_guard lock(mu_);
  if (!residents_) residents_ = v1::ResidentService::NewStub(Dial(residents_addr_()));
  if (!repairs_) repairs_ = v1::RepairService::NewStub(Dial(repairs_addr_()));
  if (!complaints_) complaints_ = v1::ComplaintService::NewStub(Dial(complaints_addr_()));
}

absl::StatusOr<v1::Resident> GrpcClients::Get(absl::string_view id) {
  Connect();
  v1::GetResidentRequest req;
  req.set_id(std::string(id));
  v1::Resident resp;
  grpc::ClientContext ctx;
  PrepareClientContext(ctx, token_, absl::Seconds(5));
  grpc::Status s = residents_->GetResident(&ctx, req, &resp);
  if (!s.ok()) return FromGrpcStatus(s);
  return resp;
}

absl::StatusOr<std::vector<v1::Resident>> GrpcClients::InBuilding(absl::string_view site,
                                                                  absl::string_view building) {
  Connect();
  std::vector<v1::Resident> out;
  v1::ListResidentsRequest req;
  req.set_site_id(std::string(site));
  req.set_building(std::string(building));
  req.set_page_size(500);
  do {
    v1::ListResidentsResponse resp;
    grpc::ClientContext ctx;
    PrepareClientContext(ctx, token_, absl::Seconds(10));
    grpc::Status s = residents_->ListResidents(&ctx, req, &resp);
    if (!s.ok()) return FromGrpcStatus(s);
    for (auto& r : *resp.mutable_residents()) out.push_back(std::move(r));
    req.set_page_token(resp.next_page_token());
  } while (!req.page_token().empty() && out.size() < 100000);
  return out;
}

absl::Status GrpcClients::Reopen(absl::string_view ticket, absl::string_view note) {
  Connect();
  v1::TransitionRequest req;
  req.set_id(std::string(ticket));
  req.set_action(v1::TICKET_ACTION_REOPEN);
  req.set_note(std::string(note));
  v1::Ticket resp;
  grpc::ClientContext ctx;
  PrepareClientContext(ctx, token_, absl::Seconds(5));
  grpc::Status s = ticket.rfind("C-", 0) == 0 ? complaints_->Transition(&ctx, req, &resp)
                                              : repairs_->Transition(&ctx, req, &resp);
  return s.ok() ? absl::OkStatus() : FromGrpcStatus(s);
}

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
      clients_(runtime.AddressFn("residents"), runtime.AddressFn("repairs"),
               runtime.AddressFn("complaints"), runtime.service_token()),
      logic_(store_, runtime.clock(), clients_, clients_),
      service_(logic_, runtime.rpc_env()) {}

}  // namespace lobby::surveys

#include "services/calls/calls_service.h"

namespace lobby::calls {

// ------------------------------------------------------------------ WatchCalls

/// One WatchCalls stream: the estate's call events from the feed, one write in flight.
class WatchReactor final : public WriteQueueReactor<v1::CallEvent> {
 public:
  WatchReactor(HotlineServiceImpl& service, std::string site)
      : service_(service), site_(std::move(site)) {}

  void Begin(const absl::Status& error) {
    if (!following_.Start(this, error, service_.streams_, service_.feed_,
                          [this](const std::vector<queue::Entry>& entries) { Offer(entries); }))
      return;
    // The first message says the watch is on: from here, nothing is missed.
    v1::CallEvent started;
    started.set_type("watch.started");
    std::lock_guard lock(mu_);
    out_.push_back(std::move(started));
    Pump();
  }

  void OnDone() override {
    following_.Stop();
    delete this;
  }

 private:
  void Offer(const std::vector<queue::Entry>& entries) {
    std::lock_guard lock(mu_);
    if (finishing_) return;
    for (const auto& e : entries) {
      if (e.Get("site_id") != site_) continue;
      v1::CallEvent ev;
      if (!ev.ParseFromString(std::string(e.Get("event")))) continue;
      out_.push_back(std::move(ev));
    }
    if (out_.size() > 10000)
      EndLocked(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "too far behind: reconnect"));
    Pump();
  }

  HotlineServiceImpl& service_;
  const std::string site_;
  Following<WatchReactor> following_;
};

HotlineServiceImpl::HotlineServiceImpl(const RpcEnv& env, CallLogic& logic,
                                       redis::Options redis_options, const char* events)
    : env_(env),
      logic_(logic),
      executor_(4),
      watch_(env.Method("lobby.v1.HotlineService/WatchCalls")),
      get_(env.Method("lobby.v1.HotlineService/GetCall")),
      log_(env.Method("lobby.v1.HotlineService/LogCall")),
      report_(env.Method("lobby.v1.HotlineService/ReportCall")),
      feed_(std::move(redis_options), events) {
  log_.executor = &executor_;
  get_.executor = &executor_;
  report_.executor = &executor_;
}

HotlineServiceImpl::~HotlineServiceImpl() {
  EndStreams();
  feed_.Stop();
  executor_.Stop();
}

void HotlineServiceImpl::EndStreams() { streams_.EndAll("server shutting down: reconnect"); }

grpc::ServerWriteReactor<v1::CallEvent>* HotlineServiceImpl::WatchCalls(
    grpc::CallbackServerContext* ctx, const v1::WatchCallsRequest* req) {
  auto* reactor = new WatchReactor(*this, req->site_id());
  auto principal = env_.auth->Authorize(*ctx, watch_.roles, watch_.name);
  absl::Status error = principal.status();
  if (error.ok() && req->site_id().empty())
    error = absl::InvalidArgumentError("site_id is required");
  if (error.ok()) error = CheckRequestEstate(*principal, *req);
  watch_.stats->Record(error.code(), absl::ZeroDuration());
  reactor->Begin(error);
  return reactor;
}

grpc::ServerUnaryReactor* HotlineServiceImpl::GetCall(grpc::CallbackServerContext* ctx,
                                                      const v1::GetCallRequest* req,
                                                      v1::Call* resp) {
  return ServeUnary(env_, get_, ctx, req, resp, Into(resp, [this, req](const auth::Principal&) {
                      return logic_.Get(req->id());
                    }));
}

grpc::ServerUnaryReactor* HotlineServiceImpl::LogCall(grpc::CallbackServerContext* ctx,
                                                      const v1::LogCallRequest* req,
                                                      v1::LogCallResponse* resp) {
  return ServeUnary(env_, log_, ctx, req, resp, Into(resp, [this, req](const auth::Principal& p) {
                      return logic_.Log(*req, p);
                    }));
}

grpc::ServerUnaryReactor* HotlineServiceImpl::ReportCall(grpc::CallbackServerContext* ctx,
                                                         const v1::ReportCallRequest* req,
                                                         v1::ReportCallResponse* resp) {
  return ServeUnary(env_, report_, ctx, req, resp, Into(resp, [this, req](const auth::Principal&) {
                      return logic_.Report(*req);
                    }));
}

}  // namespace lobby::calls

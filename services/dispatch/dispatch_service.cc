#include "services/dispatch/dispatch_service.h"

#include <condition_variable>

#include "services/common/status.h"
#include "services/common/status_macros.h"
#include "services/common/write_queue.h"

namespace lobby::dispatch {

using auth::Role;

DispatchServiceImpl::DispatchServiceImpl(DispatchLogic& logic, RpcEnv env, Feed& feed,
                                         redis::Client& redis)
    : logic_(logic),
      env_(env),
      feed_(feed),
      redis_(redis),
      apply_(env.Method("lobby.v1.DispatchService/ApplyEstate")),
      get_(env.Method("lobby.v1.DispatchService/GetEstate")),
      register_(env.InternalMethod("lobby.v1.DispatchService/GetRegister")),
      explain_(env.Method("lobby.v1.DispatchService/Explain")),
      claim_(env.Method("lobby.v1.DispatchService/Claim")),
      decline_(env.Method("lobby.v1.DispatchService/Decline")),
      transfer_(env.Method("lobby.v1.DispatchService/Transfer")),
      acknowledge_(env.Method("lobby.v1.DispatchService/Acknowledge")),
      board_(env.Method("lobby.v1.DispatchService/GetBoard")),
      duty_(env.Method("lobby.v1.DispatchService/SetDuty")),
      watch_(env.Method("lobby.v1.DispatchService/WatchAssignments")) {}

DispatchServiceImpl::~DispatchServiceImpl() { EndStreams(); }

grpc::ServerUnaryReactor* DispatchServiceImpl::Acknowledge(grpc::CallbackServerContext* ctx,
                                                           const v1::MemberActionRequest* req,
                                                           v1::Ticket* resp) {
  return ServeUnary(
      env_, acknowledge_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal& p) { return logic_.Acknowledge(*req, p); }));
}

grpc::ServerUnaryReactor* DispatchServiceImpl::GetBoard(grpc::CallbackServerContext* ctx,
                                                        const v1::GetBoardRequest* req,
                                                        v1::Board* resp) {
  return ServeUnary(env_, board_, ctx, req, resp, Into(resp, [this, req](const auth::Principal&) {
                      return logic_.GetBoard(*req);
                    }));
}

grpc::ServerUnaryReactor* DispatchServiceImpl::SetDuty(grpc::CallbackServerContext* ctx,
                                                       const v1::SetDutyRequest* req,
                                                       v1::BoardMember* resp) {
  return ServeUnary(env_, duty_, ctx, req, resp, Into(resp, [this, req](const auth::Principal& p) {
                      return logic_.SetDuty(*req, p);
                    }));
}

/// One WatchAssignments stream: first what happened since the client's cursor (read with
/// XRANGE on a worker), then what the feed brings, each event once, in stream order, one write
/// in flight at a time.
class WatchReactor final : public WriteQueueReactor<v1::AssignmentEvent> {
 public:
  WatchReactor(DispatchServiceImpl& service, v1::WatchAssignmentsRequest req)
      : service_(service), req_(std::move(req)), last_(req_.cursor()) {}

  /// Registers with the service and the feed and starts the catch-up; or finishes with `error`.
  void Begin(const absl::Status& error) {
    if (!following_.Start(this, error, service_.streams_, service_.feed_,
                          [this](const std::vector<queue::Entry>& entries) { Offer(entries); }))
      return;
    {
      std::lock_guard lock(mu_);
      ++tasks_;
    }
    if (!service_.env_.executor->Submit([this] { CatchUp(); })) {
      std::lock_guard lock(mu_);
      --tasks_;
      EndLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "shutting down"));
    }
  }

  void OnDone() override {
    following_.Stop();
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return tasks_ == 0; });
    }
    delete this;
  }

 private:
  static constexpr size_t kMaxBacklog = 20000;

  /// Queues what is newer than the last entry queued, and is this watcher's.
  void Take(const queue::Entry& e) {
    if (!last_.empty() && !StreamIdLess(last_, e.id)) return;
    last_ = e.id;
    if (auto ev = ForWatcher(e, req_)) out_.push_back(*std::move(ev));
    if (out_.size() > kMaxBacklog) {
      EndLocked(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                             "too far behind: reconnect with the last cursor"));
    }
  }

  void Offer(const std::vector<queue::Entry>& entries) {
    std::lock_guard lock(mu_);
    if (finishing_) return;
    if (!caught_up_) {
      held_.insert(held_.end(), entries.begin(), entries.end());
      if (held_.size() > kMaxBacklog) {
        EndLocked(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                               "too far behind: reconnect with the last cursor"));
      }
      return;
    }
    for (const auto& e : entries) Take(e);
    Pump();
  }

  void CatchUp() {
    absl::Status s = ReadBacklog();
    std::lock_guard lock(mu_);
    if (!s.ok()) EndLocked(ToGrpcStatus(s));
    caught_up_ = true;
    for (const auto& e : held_) {
      if (!finishing_) Take(e);
    }
    held_.clear();
    Pump();
    --tasks_;
    cv_.notify_all();
  }

  absl::Status ReadBacklog() {
    if (last_.empty()) {  // from now on
      auto r =
          service_.redis_.Command({"XREVRANGE", queue::kTicketsStream, "+", "-", "COUNT", "1"});
      if (!r.ok()) return r.status();
      std::lock_guard lock(mu_);
      last_ = r->elements.empty() ? "0-0" : r->elements[0].elements[0].str;
      // The client's first cursor: should the stream break before anything happens, it
      // resumes from here and misses nothing.
      v1::AssignmentEvent start;
      start.set_cursor(last_);
      start.set_type("watch.started");
      out_.push_back(std::move(start));
      return absl::OkStatus();
    }
    std::string from = last_;
    for (;;) {
      LOBBY_ASSIGN_OR_RETURN(auto r, service_.redis_.Command({"XRANGE", queue::kTicketsStream,
                                                              "(" + from, "+", "COUNT", "500"}));
      std::vector<queue::Entry> entries = queue::ParseEntries(r);
      std::lock_guard lock(mu_);
      if (finishing_) return absl::OkStatus();
      for (const auto& e : entries) Take(e);
      Pump();
      if (entries.size() < 500) return absl::OkStatus();
      from = entries.back().id;
    }
  }

  DispatchServiceImpl& service_;
  const v1::WatchAssignmentsRequest req_;
  Following<WatchReactor> following_;
  std::condition_variable cv_;
  int tasks_ = 0;
  std::string last_;                // the last stream entry looked at
  std::vector<queue::Entry> held_;  // from the feed while catching up
  bool caught_up_ = false;
};

grpc::ServerWriteReactor<v1::AssignmentEvent>* DispatchServiceImpl::WatchAssignments(
    grpc::CallbackServerContext* ctx, const v1::WatchAssignmentsRequest* req) {
  auto* reactor = new WatchReactor(*this, *req);
  auto principal = env_.auth->Authorize(*ctx, watch_.roles, watch_.name);
  absl::Status error = principal.status();
  if (error.ok()) error = CheckRequestEstate(*principal, *req);
  if (error.ok()) {
    if (req->member().empty() == req->team().empty())
      error = absl::InvalidArgumentError("watch one member or one team");
    else if (!req->cursor().empty() && !ValidStreamId(req->cursor()))
      error = absl::InvalidArgumentError("cursor is not one this service gave out");
    else if (principal->role == Role::kTechnician && req->member() != principal->name) {
      error = absl::PermissionDeniedError("a technician watches their own assignments only");
    } else if (!principal->all_estates && req->site_id().empty()) {
      error = absl::InvalidArgumentError("site_id: name the estate to watch");
    }
  }
  watch_.stats->Record(error.code(), absl::ZeroDuration());
  reactor->Begin(error);
  return reactor;
}

void DispatchServiceImpl::EndStreams() {
  streams_.EndAll("server shutting down: reconnect with the last cursor");
}

grpc::ServerUnaryReactor* DispatchServiceImpl::Claim(grpc::CallbackServerContext* ctx,
                                                     const v1::MemberActionRequest* req,
                                                     v1::Ticket* resp) {
  return ServeUnary(env_, claim_, ctx, req, resp, Into(resp, [this, req](const auth::Principal& p) {
                      return logic_.Claim(*req, p);
                    }));
}

grpc::ServerUnaryReactor* DispatchServiceImpl::Decline(grpc::CallbackServerContext* ctx,
                                                       const v1::MemberActionRequest* req,
                                                       v1::Ticket* resp) {
  return ServeUnary(
      env_, decline_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal& p) { return logic_.Decline(*req, p); }));
}

grpc::ServerUnaryReactor* DispatchServiceImpl::Transfer(grpc::CallbackServerContext* ctx,
                                                        const v1::MemberActionRequest* req,
                                                        v1::Ticket* resp) {
  return ServeUnary(
      env_, transfer_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal& p) { return logic_.Transfer(*req, p); }));
}

grpc::ServerUnaryReactor* DispatchServiceImpl::ApplyEstate(grpc::CallbackServerContext* ctx,
                                                           const v1::ApplyEstateRequest* req,
                                                           v1::ApplyEstateResponse* resp) {
  return ServeUnary(env_, apply_, ctx, req, resp, Into(resp, [this, req](const auth::Principal&) {
                      return logic_.ApplyEstate(*req);
                    }));
}

grpc::ServerUnaryReactor* DispatchServiceImpl::GetEstate(grpc::CallbackServerContext* ctx,
                                                         const v1::GetEstateRequest* req,
                                                         v1::Estate* resp) {
  return ServeUnary(env_, get_, ctx, req, resp, Into(resp, [this, req](const auth::Principal&) {
                      return logic_.GetEstate(req->site_id());
                    }));
}

grpc::ServerUnaryReactor* DispatchServiceImpl::GetRegister(grpc::CallbackServerContext* ctx,
                                                           const v1::GetEstateRequest* req,
                                                           v1::EstateRegister* resp) {
  return ServeUnary(env_, register_, ctx, req, resp,
                    Into(resp, [this, req](const auth::Principal&) {
                      return logic_.GetRegister(req->site_id());
                    }));
}

grpc::ServerUnaryReactor* DispatchServiceImpl::Explain(grpc::CallbackServerContext* ctx,
                                                       const v1::ExplainRequest* req,
                                                       v1::Decision* resp) {
  return ServeUnary(env_, explain_, ctx, req, resp, Into(resp, [this, req](const auth::Principal&) {
                      return logic_.Explain(*req);
                    }));
}

}  // namespace lobby::dispatch

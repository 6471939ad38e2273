#include "services/common/demo_clock.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/common/proto_util.h"
#include "services/common/runtime.h"

namespace lobby {

absl::StatusOr<std::optional<absl::Time>> ParseDemoClockStart(absl::string_view value,
                                                              absl::Time now) {
  if (value.empty()) return std::nullopt;
  if (value == "now") return now;
  int days = 0;
  if (absl::string_view rest = value; absl::ConsumePrefix(&rest, "-") &&
                                      absl::ConsumeSuffix(&rest, "d") &&
                                      absl::SimpleAtoi(rest, &days) && days >= 0 && days <= 3660) {
    return now - absl::Hours(24) * days;
  }
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, std::string(value), &t, &err)) return t;
  return absl::InvalidArgumentError(
      "give 'now', days before now as '-90d', or an RFC 3339 time such as "
      "2026-09-01T00:00:00+08:00");
}

absl::Status SettableClock::Set(absl::Time at) {
  std::lock_guard lock(mu_);
  if (released_) {
    return absl::FailedPreconditionError(
        "the clock was handed back to the system's; restart lobbyd with --demo-clock to set it "
        "again");
  }
  absl::Time now = Now();
  if (at < now) {
    return absl::FailedPreconditionError(absl::StrCat("the clock only goes forward: it is ",
                                                      absl::FormatTime(now), ", not ",
                                                      absl::FormatTime(at)));
  }
  offset_ = absl::ToInt64Nanoseconds(at - absl::Now());
  return absl::OkStatus();
}

absl::Status SettableClock::Release() {
  std::lock_guard lock(mu_);
  if (absl::Duration ahead = Now() - absl::Now(); ahead > absl::ZeroDuration() && !released_) {
    return absl::FailedPreconditionError(
        absl::StrCat("the clock is ", absl::FormatDuration(ahead),
                     " ahead of the system's; it can be handed back once that has passed"));
  }
  offset_ = 0;
  released_ = true;
  return absl::OkStatus();
}

namespace {
constexpr char kPrefix[] = "lobby.v1.DemoClockService/";
}

DemoClockServiceImpl::DemoClockServiceImpl(SettableClock& clock, Runtime& runtime)
    : clock_(clock),
      runtime_(runtime),
      env_(runtime.rpc_env()),
      get_(env_.Method(std::string(kPrefix) + "GetClock")),
      set_(env_.Method(std::string(kPrefix) + "SetClock")) {}

v1::ClockState DemoClockServiceImpl::State() const {
  v1::ClockState s;
  *s.mutable_now() = ToTimestamp(clock_.Now());
  *s.mutable_system_now() = ToTimestamp(absl::Now());
  s.set_released(clock_.released());
  return s;
}

grpc::ServerUnaryReactor* DemoClockServiceImpl::GetClock(grpc::CallbackServerContext* ctx,
                                                         const v1::GetClockRequest* req,
                                                         v1::ClockState* resp) {
  return ServeUnary(env_, get_, ctx, req, resp, [this, resp](const auth::Principal&) {
    *resp = State();
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* DemoClockServiceImpl::SetClock(grpc::CallbackServerContext* ctx,
                                                         const v1::SetClockRequest* req,
                                                         v1::ClockState* resp) {
  return ServeUnary(env_, set_, ctx, req, resp, [this, req, resp](const auth::Principal&) {
    if (req->release() == req->has_at())
      return absl::InvalidArgumentError("give either at or release");
    absl::Status s = req->release() ? clock_.Release() : clock_.Set(FromTimestamp(req->at()));
    if (!s.ok()) return s;
    runtime_.RunLoopsOnce();
    *resp = State();
    return absl::OkStatus();
  });
}

}  // namespace lobby

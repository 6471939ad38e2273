#pragma once

#include <atomic>
#include <mutex>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lobby/v1/demo.grpc.pb.h"
#include "services/common/clock.h"
#include "services/common/grpc_server.h"

namespace lobby {

class Runtime;

/// lobbyd's --demo-clock: "" (none: the system's clock), "now", "-90d" (that many days before
/// `now`) or an RFC 3339 time; INVALID_ARGUMENT otherwise.
absl::StatusOr<std::optional<absl::Time>> ParseDemoClockStart(absl::string_view value,
                                                              absl::Time now);

/// The clock of a lobbyd started with --demo-clock: the system's plus an offset that the demo's
/// simulator sets through DemoClockService. It never goes back, and once released it is the
/// system's for good.
class SettableClock final : public Clock {
 public:
  /// Starts `offset` from the system's time.
  explicit SettableClock(absl::Duration offset = absl::ZeroDuration())
      : offset_(absl::ToInt64Nanoseconds(offset)) {}
  absl::Time Now() const override { return absl::Now() + absl::Nanoseconds(offset_.load()); }
  /// FAILED_PRECONDITION when `at` is before Now() or the clock was released.
  absl::Status Set(absl::Time at);
  /// Back to the system's time; FAILED_PRECONDITION while the clock is still ahead of it.
  absl::Status Release();
  bool released() const { return released_.load(); }

 private:
  std::mutex mu_;  // one Set or Release at a time
  std::atomic<int64_t> offset_{0};
  std::atomic<bool> released_{false};
};

/// DemoClockService: moves `clock` and then runs the runtime's timer loops once.
class DemoClockServiceImpl final : public v1::DemoClockService::CallbackService {
 public:
  DemoClockServiceImpl(SettableClock& clock, Runtime& runtime);
  grpc::ServerUnaryReactor* GetClock(grpc::CallbackServerContext* ctx,
                                     const v1::GetClockRequest* req, v1::ClockState* resp) override;
  grpc::ServerUnaryReactor* SetClock(grpc::CallbackServerContext* ctx,
                                     const v1::SetClockRequest* req, v1::ClockState* resp) override;

 private:
  v1::ClockState State() const;

  SettableClock& clock_;
  Runtime& runtime_;
  RpcEnv env_;
  RpcMethod get_, set_;
};

}  // namespace lobby

#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <typeindex>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/auth.h"
#include "services/common/clock.h"
#include "services/common/config.h"
#include "services/common/executor.h"
#include "services/common/grpc_server.h"
#include "services/common/http_server.h"
#include "services/common/metrics.h"
#include "services/common/queue.h"
#include "services/common/redis.h"
#include "services/common/service_client.h"

namespace lobby {

/// Everything a lobbyd process shares between its components: the Redis client, tokens, the
/// handler pool, metrics, the gRPC and HTTP servers, the queue consumers, the clock.
/// Components register on it before Start().
class Runtime {
 public:
  static absl::StatusOr<std::unique_ptr<Runtime>> Create(const config::CommonConfig& config,
                                                         const Clock& clock);
  ~Runtime();

  const config::CommonConfig& config() const { return config_; }
  const Clock& clock() const { return clock_; }
  redis::Client& redis() { return *redis_; }
  const redis::Options& redis_options() const { return redis_options_; }
  auth::Authenticator& auth() { return auth_; }
  Metrics& metrics() { return metrics_; }
  GrpcServer& grpc() { return grpc_; }
  HttpServer& http() { return http_; }
  RpcEnv rpc_env() {
    return RpcEnv{&auth_, audit_.get(), executor_.get(), &metrics_, internal_executor_.get()};
  }
  /// The bearer token for calls to other Lobby services (role admin, accepted by this process).
  const std::string& service_token() const { return service_token_; }
  /// Where to call a Lobby service ("residents", "repairs", "complaints", "surveys",
  /// "dispatch"): its --<service>-addr; else this process if it hosts the service; else
  /// --lobby-addr; else this process. Read when first needed (after the services registered).
  std::string AddressOf(absl::string_view service);
  /// How this process's clients call Lobby's services: AddressOf, `token` (empty: the service
  /// token) and --rpc-deadline.
  ClientEnv client_env(std::string token = "") {
    return ClientEnv{[this](const std::string& service) { return AddressOf(service); },
                     token.empty() ? service_token_ : std::move(token), config_.rpc_deadline};
  }

  /// A consumer started by Start() and stopped before the gRPC server on Shutdown(); its queue
  /// depth and lag are exported on /metrics. The consumer name is made unique per process.
  void AddConsumer(queue::ConsumerOptions options, queue::Handler handler);

  /// `fn` runs every `every` (wall time) on its own thread, from Start() until Shutdown() stops
  /// it together with the consumers, before the gRPC server. For timers kept in Redis.
  void AddLoop(std::string name, absl::Duration every, std::function<void()> fn);
  /// How many turns the loop `name` has finished (0 for none of that name); exported on
  /// /metrics as lobby_loop_turns_total. A test that moved the clock waits for two more turns
  /// to know a whole turn saw the new time.
  uint64_t LoopTurns(absl::string_view name) const;
  /// Runs every loop's `fn` once, now, on the caller's thread (the demo clock, once moved, so
  /// that what fell due is done before it answers). A turn may run beside the loop's own: the
  /// loops claim their timers in Redis, as replicas' loops do.
  void RunLoopsOnce();
  /// `fn` runs at the end of Start(), once the servers and consumers run: for clients that
  /// feed the process (the hotline's AMI connection).
  void OnStart(std::function<void()> fn) { on_start_.push_back(std::move(fn)); }
  /// `fn` runs at the start of Shutdown(), before the gRPC server stops: to end long streams.
  void OnShutdown(std::function<void()> fn) { on_shutdown_.push_back(std::move(fn)); }

  /// The one T of this process, made by `make()` (a std::unique_ptr<T>) on first use: what
  /// components share, such as the adapters' Lobby client, the conversation, the register cache.
  /// Destroyed with the runtime, after the components that use it.
  template <typename T, typename Make>
  T& Shared(Make&& make) {
    std::lock_guard lock(shared_mu_);
    std::shared_ptr<void>& slot = shared_[std::type_index(typeid(T))];
    if (!slot) slot = std::shared_ptr<T>(make());
    return *static_cast<T*>(slot.get());
  }

  /// Starts gRPC, HTTP, the health watcher, the consumers and the loops.
  absl::Status Start();
  bool healthy() const { return healthy_.load(); }
  /// Reports NOT_SERVING (gRPC health, /healthz), stops the consumers and loops (the batch in
  /// hand finishes and is acked), goes on serving calls until `shutdown-delay` has passed since
  /// the signal, ends long streams, lets in-flight RPCs finish within `shutdown-grace`, drains
  /// the handler pools, closes HTTP and Redis. Idempotent.
  void Shutdown();

 private:
  Runtime(config::CommonConfig config, redis::Options redis_options, auth::Authenticator auth,
          const Clock& clock);
  void HealthLoop();
  /// Reads Redis's maxmemory-policy into noeviction_ and warns unless it is noeviction.
  void CheckEvictionPolicy();
  void CollectQueueMetrics(std::string& out);

  config::CommonConfig config_;
  redis::Options redis_options_;
  const Clock& clock_;
  auth::Authenticator auth_;
  std::string service_token_;
  Metrics metrics_;
  std::unique_ptr<redis::Client> redis_;
  std::unique_ptr<auth::CredentialStore> credentials_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<Executor> executor_;
  std::unique_ptr<Executor> internal_executor_;
  GrpcServer grpc_;
  HttpServer http_;
  std::vector<std::unique_ptr<queue::Consumer>> consumers_;
  std::atomic<bool> healthy_{false};
  std::atomic<bool> draining_{false};
  std::atomic<int> noeviction_{-1};
  std::mutex health_mu_;
  std::condition_variable health_cv_;
  bool stopping_ = false;
  bool started_ = false;
  std::thread health_thread_;
  struct Loop {
    std::string name;
    absl::Duration every;
    std::function<void()> fn;
    std::unique_ptr<std::atomic<uint64_t>> turns = std::make_unique<std::atomic<uint64_t>>(0);
  };
  std::vector<Loop> loops_;
  std::vector<std::thread> loop_threads_;
  std::vector<std::function<void()>> on_start_;
  std::vector<std::function<void()>> on_shutdown_;
  std::mutex shared_mu_;
  // Last: destroyed first, while Redis and the servers it may use are still there.
  std::unordered_map<std::type_index, std::shared_ptr<void>> shared_;
};

/// A consumer name unique to this process: "<hostname>-<pid>".
std::string ProcessConsumerName();

}  // namespace lobby

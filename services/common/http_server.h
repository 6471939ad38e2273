#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"

namespace httplib {
class Server;
}

namespace lobby {

class Metrics;

/// The per-process HTTP server: GET /healthz and GET /metrics, and the adapters' webhooks.
class HttpServer {
 public:
  explicit HttpServer(std::string listen);
  ~HttpServer();
  /// Register routes before Start(). Adapters add their webhooks here.
  httplib::Server& routes() { return *server_; }
  /// /healthz (readiness) answers 200 "ok" while `not_ready()` returns "", else 503 with its
  /// reason; /livez (liveness) answers 200 while the process serves HTTP at all, so a Redis
  /// outage takes pods out of rotation without restarting them; /metrics renders `metrics`.
  void AddHealthAndMetrics(std::function<std::string()> not_ready, const Metrics* metrics);
  /// Binds (port 0 picks one) and serves on a background thread.
  absl::Status Start();
  void Stop();
  int port() const { return port_; }
  const std::string& address() const { return address_; }

 private:
  std::string listen_;
  std::string address_;
  int port_ = 0;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace lobby

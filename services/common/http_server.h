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
  /// /healthz answers 200 "ok" while `healthy()` is true, else 503; /metrics renders `metrics`.
  void AddHealthAndMetrics(std::function<bool()> healthy, const Metrics* metrics);
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

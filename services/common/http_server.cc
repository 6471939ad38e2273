#include "services/common/http_server.h"

#include <httplib.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/common/metrics.h"

namespace lobby {

HttpServer::HttpServer(std::string listen)
    : listen_(std::move(listen)), server_(std::make_unique<httplib::Server>()) {
  server_->set_payload_max_length(1 << 20);
  server_->set_read_timeout(10, 0);
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::AddHealthAndMetrics(std::function<std::string()> not_ready,
                                     const Metrics* metrics) {
  server_->Get("/healthz", [not_ready](const httplib::Request&, httplib::Response& res) {
    std::string reason = not_ready();
    res.status = reason.empty() ? 200 : 503;
    res.set_content(reason.empty() ? "ok\n" : "unavailable: " + reason + "\n", "text/plain");
  });
  server_->Get("/livez", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  server_->Get("/metrics", [metrics](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics->Render(), "text/plain; version=0.0.4");
  });
}

absl::Status HttpServer::Start() {
  size_t colon = listen_.rfind(':');
  std::string host = listen_.substr(0, colon);
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen_.substr(colon + 1), &port)) {
    return absl::InvalidArgumentError(absl::StrCat("bad HTTP listen address ", listen_));
  }
  if (port == 0) {
    port_ = server_->bind_to_any_port(host);
  } else {
    port_ = server_->bind_to_port(host, port) ? port : -1;
  }
  if (port_ <= 0)
    return absl::UnavailableError(absl::StrCat("cannot listen for HTTP on ", listen_));
  address_ = absl::StrCat(host, ":", port_);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // httplib 0.11 has no wait_until_ready(): the socket is bound already, so connections queue
  // in the backlog until the loop runs; wait briefly for it so Stop() is never early.
  for (int i = 0; i < 500 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  log::Get("http")->info("event=http_listening address={}", address_);
  return absl::OkStatus();
}

void HttpServer::Stop() {
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
}

}  // namespace lobby

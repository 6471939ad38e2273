#pragma once

// Every gRPC method of Lobby's services over HTTP, by the Connect protocol: unary methods as
// POST /lobby.v1.<Service>/<Method> with a JSON or binary body, server-streaming ones as Connect
// streams. Generic: the routes come from the services' descriptors, so a method is on HTTP the
// moment it is in a proto; the calls go through gRPC like every other client's, so it works in
// one process and split.

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/impl/codegen/proto_utils.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "adapters/gateway/connect.h"

namespace google::protobuf {
class Message;
class MethodDescriptor;
}  // namespace google::protobuf

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace lobby::gateway {

/// The cookie a browser's session is kept in (HttpOnly, SameSite=Strict; Secure behind TLS).
inline constexpr char kSessionCookie[] = "lobby_session";

struct GatewayOptions {
  /// The longest a unary call may take, and the default when Connect-Timeout-Ms is not given.
  absl::Duration max_timeout = absl::Seconds(30);
  /// The longest a stream stays open; a client resumes from its last cursor.
  absl::Duration max_stream = absl::Minutes(30);
  /// The largest request body taken.
  size_t max_body = 1 << 20;
  /// Streams open at once; more are refused with resource_exhausted.
  int max_streams = 64;
  /// Origins (scheme://host[:port]) a browser may call from; none: no CORS at all.
  std::vector<std::string> cors_origins;
};

class Gateway {
 public:
  /// `address(service)`: where the service of that short name ("repairs") is, asked on the
  /// first call to it.
  Gateway(GatewayOptions options, std::function<std::string(const std::string&)> address);
  ~Gateway();

  /// Adds the routes to `server` (before it starts), and a thread per stream it may hold.
  void Register(httplib::Server& server);
  /// Ends every open stream ("unavailable": the client reconnects elsewhere) and refuses new
  /// ones: before the HTTP server stops.
  void Shutdown();
  /// lobby_gateway_requests_total{code} and lobby_gateway_streams, Prometheus text.
  void Collect(std::string& out) const;

 private:
  using Stub = grpc::TemplatedGenericStub<google::protobuf::Message, google::protobuf::Message>;
  struct Service;
  struct Method;
  struct Stream;

  void Handle(const httplib::Request& req, httplib::Response& res);
  void Unary(const Method& m, const httplib::Request& req, httplib::Response& res);
  void ServerStream(const Method& m, const httplib::Request& req, httplib::Response& res);
  /// The error answer of a unary call, counted; with the HTTP status of its code unless `http`
  /// names one (404 for no such method, 405, 413, 415: what HTTP says of the request itself).
  void Fail(httplib::Response& res, const absl::Status& status, int http = 0);
  /// CORS: false (and the answer set) when the request's Origin may not call.
  bool AllowOrigin(const httplib::Request& req, httplib::Response& res) const;
  Stub& StubOf(Service& service);
  void Count(absl::StatusCode code) { counts_[static_cast<int>(code) % 17].fetch_add(1); }

  GatewayOptions options_;
  std::function<std::string(const std::string&)> address_;
  std::vector<std::unique_ptr<Service>> services_;
  absl::flat_hash_map<std::string, std::unique_ptr<Method>> methods_;  // by path; read-only
  std::array<std::atomic<uint64_t>, 17> counts_{};

  mutable std::mutex mu_;
  std::set<Stream*> streams_;  // open ones
  bool shutting_down_ = false;
};

}  // namespace lobby::gateway

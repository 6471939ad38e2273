#include "adapters/gateway/gateway.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>
#include <httplib.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "lobby/v1/accounts.pb.h"
#include "services/common/config.h"
#include "services/common/grpc_server.h"
#include "services/common/log.h"
#include "services/common/proto_util.h"
#include "services/common/roles.h"
#include "services/common/status.h"

namespace lobby::gateway {

namespace pb = google::protobuf;

struct Gateway::Service {
  std::string name;  // the short name: "repairs"
  std::once_flag dialled;
  std::unique_ptr<Stub> stub;
};

struct Gateway::Method {
  std::string path;  // "/lobby.v1.RepairService/GetRepair", as gRPC names it too
  Service* service;
  const pb::Message* request;  // prototypes
  const pb::Message* response;
  bool server_streaming;
};

namespace {

constexpr char kJsonType[] = "application/json";

const char* TypeOf(Codec codec, bool stream) {
  if (stream)
    return codec == Codec::kJson ? "application/connect+json" : "application/connect+proto";
  return codec == Codec::kJson ? kJsonType : "application/proto";
}

constexpr char kLoginPath[] = "/lobby.v1.AccountService/Login";
constexpr char kLogoutPath[] = "/lobby.v1.AccountService/Logout";

// The session token in the request's lobby_session cookie, or "".
std::string SessionCookie(const httplib::Request& req) {
  std::string header = req.get_header_value("Cookie");
  for (absl::string_view part : absl::StrSplit(header, ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::ConsumePrefix(&part, std::string(kSessionCookie) + "=")) return std::string(part);
  }
  return "";
}

// Where the call comes from: the address the nearest proxy saw (the last of X-Forwarded-For),
// else the peer's.
std::string ClientAddress(const httplib::Request& req) {
  std::string forwarded = req.get_header_value("X-Forwarded-For");
  if (!forwarded.empty()) {
    std::vector<absl::string_view> hops = absl::StrSplit(forwarded, ',');
    return std::string(absl::StripAsciiWhitespace(hops.back()));
  }
  return req.remote_addr;
}

// The caller's credentials and the deadline, as the services read them from any gRPC client: an
// Authorization header, else the session cookie, which is taken only with the
// Connect-Protocol-Version header (a cross-site form or image cannot set it: the protocol's
// guard against request forgery).
absl::Status Prepare(grpc::ClientContext& ctx, const httplib::Request& req,
                     absl::Duration timeout) {
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  if (std::string a = req.get_header_value("Authorization"); !a.empty()) {
    ctx.AddMetadata("authorization", a);
  } else if (std::string session = SessionCookie(req); !session.empty()) {
    if (req.get_header_value("Connect-Protocol-Version").empty())
      return absl::PermissionDeniedError(
          "a call with the session cookie must carry the Connect-Protocol-Version header");
    ctx.AddMetadata("authorization", "Bearer " + session);
  }
  if (std::string f = req.get_header_value("Lobby-Acting-For"); !f.empty())
    ctx.AddMetadata(auth::kActingForHeader, f);
  ctx.AddMetadata("lobby-client-address", ClientAddress(req));
  return absl::OkStatus();
}

// "lobby_session=TOKEN; ..." for a browser's login, or the cookie's removal (empty token).
std::string CookieHeader(const httplib::Request& req, const std::string& token,
                         absl::Duration max_age) {
  bool tls = req.get_header_value("X-Forwarded-Proto") == "https";
  return absl::StrCat(kSessionCookie, "=", token, "; Path=/; HttpOnly; SameSite=Strict",
                      tls ? "; Secure" : "",
                      "; Max-Age=", token.empty() ? 0 : absl::ToInt64Seconds(max_age));
}

}  // namespace

Gateway::Gateway(GatewayOptions options, std::function<std::string(const std::string&)> address)
    : options_(std::move(options)), address_(std::move(address)) {
  const pb::DescriptorPool* pool = pb::DescriptorPool::generated_pool();
  pb::MessageFactory* factory = pb::MessageFactory::generated_factory();
  for (const auto& [name, full_name] : config::CommonConfig::kServices) {
    const pb::ServiceDescriptor* sd = pool->FindServiceByName(std::string(full_name));
    if (sd == nullptr) continue;  // not linked into this binary
    auto service = std::make_unique<Service>();
    service->name = std::string(name);
    for (int i = 0; i < sd->method_count(); ++i) {
      const pb::MethodDescriptor* md = sd->method(i);
      if (md->client_streaming()) continue;  // none in Lobby; Connect needs HTTP/2 for them
      auto m = std::make_unique<Method>();
      m->path = absl::StrCat("/", sd->full_name(), "/", md->name());
      m->service = service.get();
      m->request = factory->GetPrototype(md->input_type());
      m->response = factory->GetPrototype(md->output_type());
      m->server_streaming = md->server_streaming();
      methods_.emplace(m->path, std::move(m));
    }
    services_.push_back(std::move(service));
  }
}

Gateway::~Gateway() { Shutdown(); }

void Gateway::Register(httplib::Server& server) {
  // A thread per open stream, and some for the unary calls beside them.
  int threads = options_.max_streams + 16;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // An answer goes out at once, not after the client's delayed ACK (40 ms a call otherwise).
  server.set_tcp_nodelay(true);
  // A console keeps its connection for many calls (httplib closes it after 5 by default).
  server.set_keep_alive_max_count(10000);
  const char* pattern = R"(/lobby\.v1\.[A-Za-z]+/[A-Za-z]+)";
  server.Post(pattern,
              [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
  auto not_post = [this](const httplib::Request&, httplib::Response& res) {
    res.set_header("Allow", "POST");
    Fail(res, absl::InvalidArgumentError("call a method with POST"), 405);
  };
  server.Get(pattern, not_post);
  server.Put(pattern, not_post);
  server.Delete(pattern, not_post);
  server.Options(pattern, [this](const httplib::Request& req, httplib::Response& res) {
    // A browser's preflight: only from the configured origins.
    if (!AllowOrigin(req, res)) return;
    res.status = 204;
    res.set_header("Access-Control-Allow-Methods", "POST");
    res.set_header("Access-Control-Allow-Headers",
                   "Content-Type, Connect-Protocol-Version, Connect-Timeout-Ms, Authorization");
    res.set_header("Access-Control-Max-Age", "7200");
  });
}

bool Gateway::AllowOrigin(const httplib::Request& req, httplib::Response& res) const {
  std::string origin = req.get_header_value("Origin");
  if (origin.empty()) return true;  // not a browser's cross-origin call
  for (const std::string& allowed : options_.cors_origins) {
    if (origin == allowed) {
      res.set_header("Access-Control-Allow-Origin", origin);
      res.set_header("Vary", "Origin");
      return true;
    }
  }
  // A same-origin POST from a browser carries Origin too: the Host it was sent to.
  if (std::string host = req.get_header_value("Host");
      !host.empty() && (origin == "http://" + host || origin == "https://" + host))
    return true;
  res.status = 403;
  res.set_content(ErrorJson(absl::PermissionDeniedError(absl::StrCat(
                      "origin ", origin, " may not call Lobby's API (--gateway-cors-origins)"))),
                  kJsonType);
  return false;
}

void Gateway::Fail(httplib::Response& res, const absl::Status& status, int http) {
  Count(status.code());
  res.status = http != 0 ? http : HttpStatus(status.code());
  res.set_content(ErrorJson(status), kJsonType);
}

Gateway::Stub& Gateway::StubOf(Service& service) {
  std::call_once(service.dialled,
                 [&] { service.stub = std::make_unique<Stub>(Dial(address_(service.name))); });
  return *service.stub;
}

void Gateway::Handle(const httplib::Request& req, httplib::Response& res) {
  if (!AllowOrigin(req, res)) {
    Count(absl::StatusCode::kPermissionDenied);
    return;
  }
  auto it = methods_.find(req.path);
  if (it == methods_.end()) {
    Fail(res, absl::UnimplementedError(absl::StrCat("Lobby has no method ", req.path.substr(1))),
         404);
    return;
  }
  if (req.body.size() > options_.max_body) {
    Fail(res,
         absl::ResourceExhaustedError(
             absl::StrCat("the body is larger than ", options_.max_body, " bytes")),
         413);
    return;
  }
  if (it->second->server_streaming) {
    ServerStream(*it->second, req, res);
  } else {
    Unary(*it->second, req, res);
  }
}

void Gateway::Unary(const Method& m, const httplib::Request& req, httplib::Response& res) {
  std::optional<Codec> codec = UnaryCodec(req.get_header_value("Content-Type"));
  if (!codec) {
    Fail(res, absl::InvalidArgumentError("send application/json or application/proto"), 415);
    res.set_header("Accept-Post", "application/json, application/proto");
    return;
  }
  if (std::string v = req.get_header_value("Connect-Protocol-Version"); !v.empty() && v != "1") {
    Fail(res, absl::InvalidArgumentError("Connect-Protocol-Version must be 1"));
    return;
  }
  absl::StatusOr<absl::Duration> timeout =
      Timeout(req.get_header_value("Connect-Timeout-Ms"), options_.max_timeout);
  if (!timeout.ok()) return Fail(res, timeout.status());
  std::unique_ptr<pb::Message> request(m.request->New());
  if (absl::Status s = Decode(*codec, req.body, *request); !s.ok()) return Fail(res, s);

  grpc::ClientContext ctx;
  if (absl::Status s = Prepare(ctx, req, *timeout); !s.ok()) return Fail(res, s);
  std::unique_ptr<pb::Message> response(m.response->New());
  grpc::Status status;
  absl::Notification done;
  StubOf(*m.service)
      .UnaryCall(&ctx, m.path, grpc::StubOptions(), request.get(), response.get(),
                 [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  if (!status.ok()) return Fail(res, FromGrpcStatus(status));
  Count(absl::StatusCode::kOk);
  if (m.path == kLoginPath) {
    // A browser's login: the token goes into the HttpOnly cookie, out of the script's reach.
    auto* login = dynamic_cast<v1::LoginResponse*>(response.get());
    auto* asked = dynamic_cast<v1::LoginRequest*>(request.get());
    if (login != nullptr && asked != nullptr && asked->cookie()) {
      absl::Duration left = FromTimestamp(login->expires_at()) - absl::Now();
      res.set_header("Set-Cookie", CookieHeader(req, login->session_token(), left));
      login->clear_session_token();
    }
  } else if (m.path == kLogoutPath && !SessionCookie(req).empty()) {
    res.set_header("Set-Cookie", CookieHeader(req, "", absl::ZeroDuration()));
  }
  res.set_content(Encode(*codec, *response), TypeOf(*codec, false));
}

// ------------------------------------------------------------------ server streams

struct Gateway::Stream {
  grpc::ClientContext ctx;
  grpc::CompletionQueue cq;
  std::unique_ptr<grpc::ClientAsyncReaderWriter<pb::Message, pb::Message>> call;
  std::unique_ptr<pb::Message> request, reply;
  Codec codec = Codec::kJson;
  bool started = false, finished = false;

  // Waits for the one operation in flight: whether it succeeded.
  bool Wait() {
    void* tag = nullptr;
    bool ok = false;
    return cq.Next(&tag, &ok) && ok;
  }
  // The call's status, once no more replies come.
  grpc::Status Finish() {
    grpc::Status status;
    call->Finish(&status, this);
    Wait();
    finished = true;
    return status;
  }
  ~Stream() {
    if (started && !finished) {
      ctx.TryCancel();
      Finish();
    }
    cq.Shutdown();
    void* tag;
    bool ok;
    while (cq.Next(&tag, &ok)) {
    }
  }
};

void Gateway::ServerStream(const Method& m, const httplib::Request& req, httplib::Response& res) {
  std::optional<Codec> codec = StreamCodec(req.get_header_value("Content-Type"));
  if (!codec) {
    Fail(res,
         absl::InvalidArgumentError(
             "a stream takes application/connect+json or application/connect+proto"),
         415);
    return;
  }
  const char* type = TypeOf(*codec, true);
  // A stream's errors are in its end message, with 200, as the protocol says.
  auto end_now = [&](const absl::Status& status) {
    Count(status.code());
    res.set_content(Envelope(kEndStream, EndOfStream(status)), type);
  };
  absl::StatusOr<absl::Duration> timeout =
      Timeout(req.get_header_value("Connect-Timeout-Ms"), options_.max_stream);
  if (!timeout.ok()) return end_now(timeout.status());
  auto body = OneEnvelope(req.body);
  if (!body.ok()) return end_now(body.status());
  auto stream = std::make_shared<Stream>();
  stream->codec = *codec;
  stream->request.reset(m.request->New());
  stream->reply.reset(m.response->New());
  if (absl::Status s = Decode(*codec, *body, *stream->request); !s.ok()) return end_now(s);
  {
    std::lock_guard lock(mu_);
    if (shutting_down_) return end_now(absl::UnavailableError("Lobby is restarting: reconnect"));
    if (static_cast<int>(streams_.size()) >= options_.max_streams)
      return end_now(absl::ResourceExhaustedError(
          absl::StrCat("this server holds ", options_.max_streams, " streams already")));
    streams_.insert(stream.get());
  }
  if (absl::Status s = Prepare(stream->ctx, req, *timeout); !s.ok()) {
    std::lock_guard lock(mu_);
    streams_.erase(stream.get());
    return end_now(s);
  }
  Stub& stub = StubOf(*m.service);
  const std::string& path = m.path;

  res.set_chunked_content_provider(
      type,
      [this, stream, &stub, &path](size_t, httplib::DataSink& sink) {
        Stream& s = *stream;
        if (!s.started) {
          s.started = true;
          s.call = stub.PrepareCall(&s.ctx, path, &s.cq);
          s.call->StartCall(&s);
          if (s.Wait()) {
            s.call->Write(*s.request, &s);
            if (s.Wait()) {
              s.call->WritesDone(&s);
              s.Wait();
            }
          }
        }
        s.reply->Clear();
        s.call->Read(s.reply.get(), &s);
        if (s.Wait()) {
          std::string frame = Envelope(0, Encode(s.codec, *s.reply));
          if (!sink.write(frame.data(), frame.size())) {  // the client is gone
            s.ctx.TryCancel();
            return false;
          }
          return true;
        }
        absl::Status status = FromGrpcStatus(s.Finish());
        {
          std::lock_guard lock(mu_);
          if (shutting_down_ && absl::IsCancelled(status))
            status = absl::UnavailableError("Lobby is restarting: reconnect");
        }
        Count(status.code());
        std::string end = Envelope(kEndStream, EndOfStream(status));
        sink.write(end.data(), end.size());
        sink.done();
        return true;
      },
      [this, stream](bool) {
        std::lock_guard lock(mu_);
        streams_.erase(stream.get());
      });
}

void Gateway::Shutdown() {
  std::lock_guard lock(mu_);
  shutting_down_ = true;
  for (Stream* s : streams_) s->ctx.TryCancel();
}

void Gateway::Collect(std::string& out) const {
  absl::StrAppend(&out, "# TYPE lobby_gateway_requests_total counter\n");
  for (int code = 0; code < 17; ++code) {
    uint64_t n = counts_[code].load(std::memory_order_relaxed);
    if (n == 0) continue;
    absl::StrAppend(&out, "lobby_gateway_requests_total{code=\"",
                    CodeName(static_cast<absl::StatusCode>(code)), "\"} ", n, "\n");
  }
  size_t open;
  {
    std::lock_guard lock(mu_);
    open = streams_.size();
  }
  absl::StrAppend(&out, "# TYPE lobby_gateway_streams gauge\nlobby_gateway_streams ", open, "\n");
}

}  // namespace lobby::gateway

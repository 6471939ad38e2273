// The HTTP API: every method of every service over real HTTP, by the Connect protocol, against
// an in-process lobbyd.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "absl/strings/match.h"
#include "adapters/gateway/connect.h"
#include "adapters/gateway/console.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "lobby/v1/residents.grpc.pb.h"
#include "tests/support/harness.h"

namespace lobby::gateway {
namespace {

using json = nlohmann::json;
using lobby::testing::Harness;
using lobby::testing::kAdminToken;
using lobby::testing::kAgentToken;
using lobby::testing::kTechToken;

class GatewayTest : public lobby::testing::RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    Start({});
  }
  void TearDown() override { harness_.reset(); }
  void Start(std::vector<std::string> flags) {
    harness_.reset();
    harness_ = std::make_unique<Harness>(server(), clock_, flags);
    http_ = std::make_unique<httplib::Client>("127.0.0.1", harness_->runtime->http().port());
    http_->set_read_timeout(10, 0);
    repairs_ = v1::RepairService::NewStub(harness_->channel);
  }

  /// POST `path` with `body` of `type`, as the holder of `token` ("" none).
  httplib::Result Post(const std::string& path, const std::string& body,
                       const std::string& token = kAgentToken,
                       const std::string& type = "application/json",
                       httplib::Headers headers = {}) {
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    return http_->Post(path.c_str(), headers, body, type.c_str());
  }
  static json Body(const httplib::Result& r) { return json::parse(r->body); }

  std::string NewRepair() {
    std::string resident = lobby::testing::CreateResidentIn(harness_->channel, "demo", "A");
    auto r = Post("/lobby.v1.RepairService/CreateRepair",
                  json{{"ticket",
                        {{"siteId", "demo"},
                         {"location", {{"building", "Tower 1"}, {"floor", "3"}}},
                         {"category", "plumbing"},
                         {"channel", "CHANNEL_PHONE"},
                         {"description", "tap leaking"},
                         {"reporter", {{"residentId", resident}}}}}}
                      .dump());
    EXPECT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
    return Body(r)["id"];
  }

  FakeClock clock_;
  std::unique_ptr<Harness> harness_;
  std::unique_ptr<httplib::Client> http_;
  std::unique_ptr<v1::RepairService::Stub> repairs_;
};

TEST_F(GatewayTest, UnaryCallsTakeAndAnswerJsonOrBinary) {
  std::string id = NewRepair();
  ASSERT_EQ(id.substr(0, 2), "R-");
  // JSON, as lobbyctl -o json prints it.
  auto got = Post("/lobby.v1.RepairService/GetRepair", json{{"id", id}}.dump(), kAgentToken,
                  "application/json; charset=utf-8", {{"Connect-Protocol-Version", "1"}});
  ASSERT_EQ(got->status, 200) << got->body;
  json t = Body(got);
  EXPECT_EQ(t["id"], id);
  EXPECT_EQ(t["siteId"], "demo");
  EXPECT_EQ(t["description"], "tap leaking");
  EXPECT_EQ(t["channel"], "CHANNEL_PHONE");
  EXPECT_TRUE(t["createdAt"].is_string()) << "RFC 3339";
  // The history names the caller of the token, through HTTP as through gRPC.
  EXPECT_EQ(t["history"][0]["actor"], "bob");

  // Binary protobuf both ways.
  v1::GetTicketRequest get;
  get.set_id(id);
  auto bin = Post("/lobby.v1.RepairService/GetRepair", get.SerializeAsString(), kAgentToken,
                  "application/proto");
  ASSERT_EQ(bin->status, 200);
  EXPECT_EQ(bin->get_header_value("Content-Type"), "application/proto");
  v1::Ticket ticket;
  ASSERT_TRUE(ticket.ParseFromString(bin->body));
  EXPECT_EQ(ticket.id(), id);
  EXPECT_EQ(ticket.description(), "tap leaking");

  // Any service's method, with an empty body for an empty request.
  auto residents = Post("/lobby.v1.ResidentService/ListResidents", json{{"siteId", "demo"}}.dump());
  ASSERT_EQ(residents->status, 200) << residents->body;
  EXPECT_EQ(Body(residents)["residents"].size(), 1u);
}

TEST_F(GatewayTest, ErrorsAreConnectErrorsWithTheServicesSentenceAndChangeNothing) {
  std::string id = NewRepair();
  auto before = server().Snapshot();
  auto expect = [&](const httplib::Result& r, int status, const std::string& code) -> std::string {
    if (!r) {
      ADD_FAILURE() << "no answer";
      return "";
    }
    EXPECT_EQ(r->status, status) << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
    json e = Body(r);
    EXPECT_EQ(e["code"], code) << r->body;
    EXPECT_TRUE(e["message"].is_string()) << r->body;
    return e["message"].is_string() ? e["message"].get<std::string>() : std::string();
  };
  expect(Post("/lobby.v1.RepairService/GetRepair", json{{"id", id}}.dump(), ""), 401,
         "unauthenticated");
  expect(Post("/lobby.v1.RepairService/GetRepair", json{{"id", id}}.dump(), "wrong-token-012345"),
         401, "unauthenticated");
  expect(Post("/lobby.v1.RepairService/GetRepair", json{{"id", "R-99999"}}.dump()), 404,
         "not_found");
  // The same sentence gRPC callers read.
  v1::CreateResidentRequest create;
  create.mutable_resident()->set_name("Chan");
  auto grpc_says =
      lobby::testing::CallRpc(*v1::ResidentService::NewStub(harness_->channel),
                              &v1::ResidentService::Stub::CreateResident, create, kTechToken);
  ASSERT_EQ(grpc_says.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  std::string sentence = expect(Post("/lobby.v1.ResidentService/CreateResident",
                                     json{{"resident", {{"name", "Chan"}}}}.dump(), kTechToken),
                                403, "permission_denied");
  EXPECT_EQ(sentence, grpc_says.status.error_message());
  std::string typo = expect(Post("/lobby.v1.RepairService/GetRepair", R"({"idd":"R-10001"})"), 400,
                            "invalid_argument");
  EXPECT_NE(typo.find("lobby.v1.GetTicketRequest"), std::string::npos) << typo;
  expect(Post("/lobby.v1.RepairService/GetRepair", "{"), 400, "invalid_argument");
  expect(Post("/lobby.v1.RepairService/GetRepair", json{{"id", id}}.dump(), kAgentToken,
              "application/json", {{"Connect-Timeout-Ms", "soon"}}),
         400, "invalid_argument");
  expect(Post("/lobby.v1.RepairService/GetRepair", json{{"id", id}}.dump(), kAgentToken,
              "application/json", {{"Connect-Protocol-Version", "2"}}),
         400, "invalid_argument");
  expect(Post("/lobby.v1.RepairService/Fix", "{}"), 404, "unimplemented");
  expect(Post("/lobby.v1.RepairService/GetRepair", "id=R-10001", kAgentToken, "text/plain"), 415,
         "invalid_argument");
  auto get = http_->Get("/lobby.v1.RepairService/GetRepair");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  EXPECT_EQ(get->get_header_value("Allow"), "POST");
  // A transition the state machine refuses.
  expect(Post("/lobby.v1.RepairService/Transition",
              json{{"id", id}, {"action", "TICKET_ACTION_CLOSE"}}.dump(), kAdminToken),
         400, "failed_precondition");
  EXPECT_EQ(server().Snapshot(), before);

  // Counted on /metrics.
  auto metrics = http_->Get("/metrics");
  EXPECT_NE(metrics->body.find(R"(lobby_gateway_requests_total{code="unauthenticated"} 2)"),
            std::string::npos)
      << metrics->body;
}

TEST_F(GatewayTest, ABodyPastTheLimitIsRefused) {
  Start({"--gateway-max-body", "200"});
  std::string id = NewRepair();
  auto before = server().Snapshot();
  json big = {{"id", id}, {"text", std::string(300, 'x')}};
  auto r = Post("/lobby.v1.RepairService/AddComment", big.dump());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(Body(r)["code"], "resource_exhausted");
  EXPECT_EQ(server().Snapshot(), before);
}

TEST_F(GatewayTest, BrowsersCallOnlyFromTheOriginsConfigured) {
  std::string id = NewRepair();
  httplib::Headers from_elsewhere = {{"Origin", "https://evil.example"}};
  auto refused = Post("/lobby.v1.RepairService/GetRepair", json{{"id", id}}.dump(), kAgentToken,
                      "application/json", from_elsewhere);
  EXPECT_EQ(refused->status, 403);
  EXPECT_EQ(refused->get_header_value("Access-Control-Allow-Origin"), "");
  auto preflight = http_->Options("/lobby.v1.RepairService/GetRepair", from_elsewhere);
  EXPECT_EQ(preflight->status, 403);

  Start({"--gateway-cors-origins", "https://desk.example.com"});
  httplib::Headers from_desk = {{"Origin", "https://desk.example.com"},
                                {"Access-Control-Request-Method", "POST"}};
  preflight = http_->Options("/lobby.v1.RepairService/GetRepair", from_desk);
  EXPECT_EQ(preflight->status, 204);
  EXPECT_EQ(preflight->get_header_value("Access-Control-Allow-Origin"), "https://desk.example.com");
  EXPECT_NE(preflight->get_header_value("Access-Control-Allow-Headers").find("Connect-Protocol"),
            std::string::npos);
  auto allowed = Post("/lobby.v1.RepairService/GetRepair", json{{"id", id}}.dump(), kAgentToken,
                      "application/json", {{"Origin", "https://desk.example.com"}});
  EXPECT_EQ(allowed->status, 200) << allowed->body;
  EXPECT_EQ(allowed->get_header_value("Access-Control-Allow-Origin"), "https://desk.example.com");
  EXPECT_EQ(Post("/lobby.v1.RepairService/GetRepair", json{{"id", id}}.dump(), kAgentToken,
                 "application/json", from_elsewhere)
                ->status,
            403);
}

/// A Connect server stream read as it comes: its messages, then its end.
class StreamReader {
 public:
  StreamReader(int port, const std::string& path, const std::string& request,
               httplib::Headers headers) {
    thread_ = std::thread([this, port, path, request, headers] {
      httplib::Client c("127.0.0.1", port);
      c.set_read_timeout(60, 0);
      httplib::Headers h = headers;
      h.emplace("Authorization", std::string("Bearer ") + kAdminToken);
      httplib::Request req;
      req.method = "POST";
      req.path = path;
      req.headers = h;
      req.body = Envelope(0, request);
      req.set_header("Content-Type", "application/connect+json");
      req.content_receiver = [this](const char* data, size_t n, uint64_t, uint64_t) {
        std::lock_guard lock(mu_);
        buffer_.append(data, n);
        while (buffer_.size() >= 5) {
          uint32_t len = 0;
          for (int i = 1; i <= 4; ++i) len = (len << 8) | static_cast<uint8_t>(buffer_[i]);
          if (buffer_.size() < 5 + len) break;
          json m = json::parse(buffer_.substr(5, len));
          if (buffer_[0] & kEndStream) {
            end_ = m;
          } else {
            messages_.push_back(m);
          }
          buffer_.erase(0, 5 + len);
        }
        return true;
      };
      auto res = c.send(req);
      std::lock_guard lock(mu_);
      status_ = res ? res->status : -1;
      type_ = res ? res->get_header_value("Content-Type") : "";
      done_ = true;
    });
  }
  ~StreamReader() { thread_.join(); }
  std::vector<json> messages() {
    std::lock_guard lock(mu_);
    return messages_;
  }
  /// The end-of-stream message once the response is complete; null until then.
  json end() {
    std::lock_guard lock(mu_);
    return done_ ? end_ : json();
  }
  int status() {
    std::lock_guard lock(mu_);
    return status_;
  }
  std::string type() {
    std::lock_guard lock(mu_);
    return type_;
  }

 private:
  std::mutex mu_;
  std::string buffer_;
  std::vector<json> messages_;
  json end_;
  bool done_ = false;
  int status_ = 0;
  std::string type_;
  std::thread thread_;
};

TEST_F(GatewayTest, AServerStreamDeliversAssignmentsLiveAndEndsCleanly) {
  int port = harness_->runtime->http().port();
  // Until its deadline.
  StreamReader timed(port, "/lobby.v1.DispatchService/WatchAssignments",
                     json{{"team", "plumbing"}}.dump(), {{"Connect-Timeout-Ms", "4000"}});
  // Until the server stops.
  StreamReader open(port, "/lobby.v1.DispatchService/WatchAssignments",
                    json{{"team", "plumbing"}}.dump(), {});
  ASSERT_TRUE(lobby::testing::WaitFor([&] {
    auto m = http_->Get("/metrics");
    return m && m->body.find("lobby_gateway_streams 2") != std::string::npos;
  }));
  std::string id = NewRepair();
  lobby::testing::AssignRepair(*repairs_, id, "plumbing", "tom");
  auto told = [&](StreamReader& s) {
    for (const json& m : s.messages())
      if (m.dump().find(id) != std::string::npos && m.dump().find("tom") != std::string::npos)
        return true;
    return false;
  };
  ASSERT_TRUE(lobby::testing::WaitFor([&] { return told(timed) && told(open); }))
      << "the assignment reached both streams";
  EXPECT_EQ(timed.type(), "");  // still open
  ASSERT_TRUE(lobby::testing::WaitFor([&] { return !timed.end().is_null(); }, 10));
  EXPECT_EQ(timed.status(), 200);
  EXPECT_EQ(timed.type(), "application/connect+json");
  EXPECT_EQ(timed.end()["error"]["code"], "deadline_exceeded") << timed.end().dump();
  EXPECT_TRUE(open.end().is_null()) << "the other stream is still open";

  harness_.reset();  // lobbyd stops: the open stream ends with a reason to reconnect
  ASSERT_FALSE(open.end().is_null());
  EXPECT_EQ(open.end()["error"]["code"], "unavailable") << open.end().dump();
}

TEST_F(GatewayTest, AStreamsBadRequestEndsTheStreamWithTheError) {
  StreamReader bad(harness_->runtime->http().port(), "/lobby.v1.DispatchService/WatchAssignments",
                   R"({"tema":"plumbing"})", {});
  ASSERT_TRUE(lobby::testing::WaitFor([&] { return !bad.end().is_null(); }));
  EXPECT_EQ(bad.status(), 200);
  EXPECT_EQ(bad.end()["error"]["code"], "invalid_argument") << bad.end().dump();
  EXPECT_TRUE(bad.messages().empty());
}

}  // namespace
}  // namespace lobby::gateway

namespace lobby::gateway {
namespace {

/// A user of estate demo, made by the admin through the HTTP API itself.
void MakeUser(httplib::Client& http, const std::string& login, const std::string& role) {
  httplib::Headers h = {{"Authorization", std::string("Bearer ") + kAdminToken}};
  auto r = http.Post("/lobby.v1.AccountService/CreateUser", h,
                     json{{"user",
                           {{"login", login},
                            {"displayName", "Wong Siu Fan"},
                            {"grants", {{{"siteId", "demo"}, {"roles", {role}}}}}}},
                          {"password", "kowloon-bay-2026"}}
                         .dump(),
                     "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
}

TEST_F(GatewayTest, ABrowserSignsInWithACookieThatNeedsTheProtocolHeader) {
  MakeUser(*http_, "wong", "agent");
  auto login =
      Post("/lobby.v1.AccountService/Login",
           json{{"login", "wong"}, {"password", "kowloon-bay-2026"}, {"cookie", true}}.dump(), "",
           "application/json", {{"Connect-Protocol-Version", "1"}});
  ASSERT_EQ(login->status, 200) << login->body;
  std::string cookie = login->get_header_value("Set-Cookie");
  EXPECT_TRUE(absl::StartsWith(cookie, "lobby_session=lbs_")) << cookie;
  EXPECT_TRUE(absl::StrContains(cookie, "HttpOnly"));
  EXPECT_TRUE(absl::StrContains(cookie, "SameSite=Strict"));
  EXPECT_FALSE(absl::StrContains(cookie, "Secure")) << "plain HTTP here";
  EXPECT_FALSE(Body(login).contains("sessionToken")) << "the token stays out of the script's reach";
  EXPECT_EQ(Body(login)["user"]["login"], "wong");
  std::string session = cookie.substr(0, cookie.find(';'));

  // With the cookie and the protocol header: the call is the user's.
  auto me = Post("/lobby.v1.AccountService/WhoAmI", "{}", "", "application/json",
                 {{"Cookie", session}, {"Connect-Protocol-Version", "1"}});
  ASSERT_EQ(me->status, 200) << me->body;
  EXPECT_EQ(Body(me)["login"], "wong");
  // Without the header (what a forged cross-site form would send): refused, nothing done.
  auto forged =
      Post("/lobby.v1.AccountService/WhoAmI", "{}", "", "application/json", {{"Cookie", session}});
  EXPECT_EQ(forged->status, 403) << forged->body;
  EXPECT_EQ(Body(forged)["code"], "permission_denied");
  EXPECT_TRUE(
      absl::StrContains(Body(forged)["message"].get<std::string>(), "Connect-Protocol-Version"));

  // Behind TLS the cookie is Secure.
  auto tls =
      Post("/lobby.v1.AccountService/Login",
           json{{"login", "wong"}, {"password", "kowloon-bay-2026"}, {"cookie", true}}.dump(), "",
           "application/json", {{"Connect-Protocol-Version", "1"}, {"X-Forwarded-Proto", "https"}});
  EXPECT_TRUE(absl::StrContains(tls->get_header_value("Set-Cookie"), "; Secure"));

  // Logout ends the session and clears the cookie.
  auto out = Post("/lobby.v1.AccountService/Logout", "{}", "", "application/json",
                  {{"Cookie", session}, {"Connect-Protocol-Version", "1"}});
  ASSERT_EQ(out->status, 200) << out->body;
  EXPECT_TRUE(absl::StrContains(out->get_header_value("Set-Cookie"), "Max-Age=0"));
  auto after = Post("/lobby.v1.AccountService/WhoAmI", "{}", "", "application/json",
                    {{"Cookie", session}, {"Connect-Protocol-Version", "1"}});
  EXPECT_EQ(after->status, 401);
  EXPECT_EQ(Body(after)["code"], "unauthenticated");
}

TEST_F(GatewayTest, AnExpiredSessionIsUnauthenticatedWithASentence) {
  MakeUser(*http_, "lam", "agent");
  auto login = Post("/lobby.v1.AccountService/Login",
                    json{{"login", "lam"}, {"password", "kowloon-bay-2026"}}.dump(), "");
  ASSERT_EQ(login->status, 200) << login->body;
  std::string token = Body(login)["sessionToken"];
  auto ok = Post("/lobby.v1.ResidentService/ListResidents", json{{"siteId", "demo"}}.dump(), token);
  EXPECT_EQ(ok->status, 200) << ok->body;
  clock_.Advance(absl::Minutes(31));                         // idle past --session-idle (30m)
  harness_->runtime->auth().Forget(auth::HexDigest(token));  // past the process's short cache
  auto expired =
      Post("/lobby.v1.ResidentService/ListResidents", json{{"siteId", "demo"}}.dump(), token);
  EXPECT_EQ(expired->status, 401) << expired->body;
  EXPECT_EQ(Body(expired)["message"], "session expired: log in again");
  // Wrong passwords: one sentence, 401.
  auto wrong = Post("/lobby.v1.AccountService/Login",
                    json{{"login", "lam"}, {"password", "not-my-password"}}.dump(), "");
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(Body(wrong)["message"], "wrong login name or password");
}

// The console's files beside the API: the page at / and at its own paths, the bundle cached for
// a year, a CSP without inline script on every answer, and nothing outside its folder.
TEST_F(GatewayTest, TheConsoleIsServedWithItsCachingAndPolicy) {
  std::string dir = ::testing::TempDir() + "console-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir + "/assets");
  auto write = [](const std::string& path, const std::string& body) {
    std::ofstream(path, std::ios::binary) << body;
  };
  write(dir + "/index.html", "<!doctype html><script src=/assets/main-AB12.js></script>");
  write(dir + "/assets/main-AB12.js", "console.log(1)");
  write(dir + "/secret.txt", "not served");
  Start({"--console-dir=" + dir});

  for (const char* page : {"/", "/desk", "/tickets/R-10001", "/board", "/dashboard", "/report",
                           "/residents/RS-10001"}) {
    auto r = http_->Get(page);
    ASSERT_TRUE(r) << page;
    EXPECT_EQ(r->status, 200) << page;
    EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
    EXPECT_TRUE(absl::StartsWith(r->body, "<!doctype html>")) << page;
    EXPECT_EQ(r->get_header_value("Cache-Control"), "no-cache");
    std::string csp = r->get_header_value("Content-Security-Policy");
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  }
  auto js = http_->Get("/assets/main-AB12.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->body, "console.log(1)");
  EXPECT_EQ(js->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js->get_header_value("Cache-Control"), "public, max-age=31536000, immutable");
  // A revalidation with the ETag it was given is a 304 without a body.
  auto again =
      http_->Get("/assets/main-AB12.js", {{"If-None-Match", js->get_header_value("ETag")}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());

  // Only files that were in assets/ when lobbyd started; no path from a request reaches the disk.
  for (const char* path : {"/assets/nothing.js", "/assets/../secret.txt", "/secret.txt",
                           "/index.html/../secret.txt", "/%2e%2e/secret.txt"}) {
    auto r = http_->Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_NE(r->status, 200) << path;
    EXPECT_EQ(r->body.find("not served"), std::string::npos) << path;
  }
  // The API and the health check are where they were.
  EXPECT_EQ(http_->Get("/healthz")->status, 200);
  EXPECT_EQ(Post("/lobby.v1.RepairService/GetRepair", R"({"id": "R-1"})")->status, 404);
  std::filesystem::remove_all(dir);
}

TEST(ConsoleTest, AFolderWithoutThePageIsRefusedWithWhatToDo) {
  auto console = Console::Load("/nonexistent/console");
  ASSERT_FALSE(console.ok());
  EXPECT_EQ(console.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(console.status().message().find("run scripts/build"), std::string::npos)
      << console.status();
}

}  // namespace
}  // namespace lobby::gateway

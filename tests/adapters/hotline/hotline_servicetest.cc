// The hotline through lobbyd: a scripted Asterisk peer over TCP speaking AMI (banner, login
// response, events, a dropped connection) drives the screen-pop, a missed call and the call
// log; the cloud call centre's webhook refuses what is not signed.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <deque>

#include "adapters/common/crypto.h"
#include "adapters/hotline/ami.h"
#include "lobby/v1/hotline.grpc.pb.h"
#include "lobby/v1/residents.grpc.pb.h"
#include "tests/adapters/fake_provider.h"
#include "tests/support/harness.h"

namespace lobby::hotline {
namespace {

using lobby::testing::CallRpc;
using lobby::testing::Harness;
using lobby::testing::kAdminToken;
using lobby::testing::kAgentToken;
using lobby::testing::RedisTest;
using lobby::testing::WaitFor;

/// Asterisk's manager port, scripted: the banner, the login answer, then what the test sends.
class FakeAsterisk {
 public:
  FakeAsterisk() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    ::listen(listener_, 4);
    socklen_t len = sizeof(a);
    getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeAsterisk() {
    stop_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    Drop();
    thread_.join();
  }
  int port() const { return port_; }
  void AnswerPings(bool answer) { answer_pings_ = answer; }
  int pongs() const { return pongs_; }
  /// One byte on the current connection: traffic that is not an answer.
  void Trickle() {
    std::lock_guard lock(mu_);
    if (conn_ >= 0) (void)!::send(conn_, "\r\n", 2, MSG_NOSIGNAL);
  }
  int logins() const { return logins_; }
  std::string last_login() {
    std::lock_guard lock(mu_);
    return login_;
  }
  /// Sends an event on the current connection, in AMI framing.
  void Event(std::vector<std::pair<std::string, std::string>> fields) {
    std::string out;
    for (const auto& [k, v] : fields) out += k + ": " + v + "\r\n";
    out += "\r\n";
    std::lock_guard lock(mu_);
    if (conn_ >= 0) (void)!::send(conn_, out.data(), out.size(), MSG_NOSIGNAL);
  }
  /// Closes the current connection, as a restarting Asterisk would.
  void Drop() {
    std::lock_guard lock(mu_);
    if (conn_ >= 0) ::shutdown(conn_, SHUT_RDWR);
  }

 private:
  void Serve() {
    while (!stop_) {
      int c = ::accept(listener_, nullptr, nullptr);
      if (c < 0) return;
      std::string banner = "Asterisk Call Manager/7.0.3\r\n";
      (void)!::send(c, banner.data(), banner.size(), MSG_NOSIGNAL);
      std::string got;
      char buf[1024];
      while (got.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::recv(c, buf, sizeof(buf), 0);
        if (n <= 0) break;
        got.append(buf, n);
      }
      {
        std::lock_guard lock(mu_);
        login_ = got;
        conn_ = c;
      }
      std::string ok =
          "Response: Success\r\nActionID: lobby-login\r\nMessage: Authentication accepted\r\n\r\n";
      (void)!::send(c, ok.data(), ok.size(), MSG_NOSIGNAL);
      ++logins_;
      std::string pending;
      for (ssize_t n;
           (n = ::recv(c, buf, sizeof(buf), 0)) > 0;) {  // pings and the like, until dropped
        pending.append(buf, n);
        for (size_t end; (end = pending.find("\r\n\r\n")) != std::string::npos;
             pending.erase(0, end + 4)) {
          std::string action = pending.substr(0, end);
          size_t id = action.find("ActionID: ");
          if (!answer_pings_ || action.find("Action: Ping") == std::string::npos ||
              id == std::string::npos)
            continue;
          std::string pong = "Response: Success\r\nActionID: " +
                             action.substr(id + 10, action.find("\r\n", id) - id - 10) +
                             "\r\nPing: Pong\r\n\r\n";
          (void)!::send(c, pong.data(), pong.size(), MSG_NOSIGNAL);
          ++pongs_;
        }
      }
      std::lock_guard lock(mu_);
      ::close(c);
      conn_ = -1;
    }
  }

  int listener_ = -1, port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> logins_{0};
  std::atomic<bool> answer_pings_{false};
  std::atomic<int> pongs_{0};
  std::mutex mu_;
  int conn_ = -1;
  std::string login_;
};

class HotlineTest : public RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    harness_ = std::make_unique<Harness>(
        server(), clock_,
        std::vector<std::string>{"--hotline-lines", "8000=demo,hotline-q=demo", "--hotline-agents",
                                 "PJSIP/1001=chan", "--hotline-ami-host", "127.0.0.1",
                                 "--hotline-ami-port", std::to_string(pbx_.port()),
                                 "--hotline-ami-user", "lobby", "--hotline-ami-secret", "s3cret",
                                 "--hotline-webhook-secret", "cti-secret-0123456789"});
    hotline_ = v1::HotlineService::NewStub(harness_->channel);
    residents_ = v1::ResidentService::NewStub(harness_->channel);
    resident_ = lobby::testing::CreateResident(harness_->channel, {"Ah Po Wong",
                                                                   "+85291234567",
                                                                   "Tower 1",
                                                                   "3",
                                                                   "A",
                                                                   "zh-Hant",
                                                                   v1::RESIDENT_ROLE_OWNER,
                                                                   {"elderly"}});
    ASSERT_FALSE(resident_.empty());
    ASSERT_TRUE(WaitFor([&] { return pbx_.logins() >= 1; }));
    // Watch as the desk would.
    watch_ctx_ = std::make_unique<grpc::ClientContext>();
    PrepareClientContext(*watch_ctx_, kAgentToken, absl::Minutes(5));
    v1::WatchCallsRequest w;
    w.set_site_id("demo");
    reader_ = hotline_->WatchCalls(watch_ctx_.get(), w);
    v1::CallEvent started;
    ASSERT_TRUE(reader_->Read(&started));
    ASSERT_EQ(started.type(), "watch.started");
    reading_ = std::thread([this] {
      v1::CallEvent e;
      while (reader_->Read(&e)) {
        std::lock_guard lock(mu_);
        events_.push_back(e);
      }
    });
  }
  void TearDown() override {
    watch_ctx_->TryCancel();
    if (reading_.joinable()) reading_.join();
    harness_.reset();
  }
  v1::CallEvent Next(const std::string& type) {
    v1::CallEvent out;
    EXPECT_TRUE(WaitFor([&] {
      std::lock_guard lock(mu_);
      for (auto it = events_.begin(); it != events_.end(); ++it) {
        if (it->type() == type) {
          out = *it;
          events_.erase(it);
          return true;
        }
      }
      return false;
    })) << "no "
        << type;
    return out;
  }

  FakeClock clock_;
  FakeAsterisk pbx_;
  std::unique_ptr<Harness> harness_;
  std::unique_ptr<v1::HotlineService::Stub> hotline_;
  std::unique_ptr<v1::ResidentService::Stub> residents_;
  std::string resident_;
  std::unique_ptr<grpc::ClientContext> watch_ctx_;
  std::unique_ptr<grpc::ClientReader<v1::CallEvent>> reader_;
  std::thread reading_;
  std::mutex mu_;
  std::deque<v1::CallEvent> events_;
};

TEST_F(HotlineTest, ScreenPopAnswerLogAndRateOverAmi) {
  EXPECT_NE(pbx_.last_login().find("Action: Login"), std::string::npos);
  EXPECT_NE(pbx_.last_login().find("Secret: s3cret"), std::string::npos);
  const std::string call = "1800000000.11";
  pbx_.Event({{"Event", "Newchannel"},
              {"Channel", "PJSIP/trunk-0000000b"},
              {"CallerIDNum", "91234567"},
              {"Exten", "8000"},
              {"Uniqueid", call},
              {"Linkedid", call}});
  pbx_.Event({{"Event", "QueueCallerJoin"},
              {"Queue", "hotline-q"},
              {"CallerIDNum", "91234567"},
              {"Uniqueid", call},
              {"Linkedid", call}});
  v1::CallEvent ringing = Next("call.ringing");
  EXPECT_EQ(ringing.call().id(), call);
  EXPECT_EQ(ringing.call().caller(), "+85291234567")
      << "the PBX's local number, in E.164 from the edge on";
  EXPECT_EQ(ringing.call().caller_profile().resident_id(), resident_);
  EXPECT_EQ(ringing.call().caller_profile().unit().room(), "A");
  EXPECT_EQ(ringing.call().caller_profile().tags(0), "elderly");
  pbx_.Event({{"Event", "DialBegin"},
              {"Channel", "PJSIP/trunk-0000000b"},
              {"DestChannel", "PJSIP/1001-0000000c"},
              {"Uniqueid", call},
              {"DestUniqueid", "1800000000.12"},
              {"Linkedid", call}});
  EXPECT_EQ(Next("call.offered").call().offered_to(), "chan");
  pbx_.Event({{"Event", "BridgeEnter"},
              {"Channel", "PJSIP/trunk-0000000b"},
              {"Uniqueid", call},
              {"Linkedid", call}});
  pbx_.Event({{"Event", "BridgeEnter"},
              {"Channel", "PJSIP/1001-0000000c"},
              {"Uniqueid", "1800000000.12"},
              {"Linkedid", call}});
  EXPECT_EQ(Next("call.answered").call().agent(), "chan");
  pbx_.Event({{"Event", "Hangup"},
              {"Channel", "PJSIP/1001-0000000c"},
              {"Uniqueid", "1800000000.12"},
              {"Linkedid", call}});
  pbx_.Event({{"Event", "Hangup"},
              {"Channel", "PJSIP/trunk-0000000b"},
              {"Uniqueid", call},
              {"Linkedid", call},
              {"Cause", "16"}});
  EXPECT_EQ(Next("call.ended").call().state(), v1::CALL_STATE_ENDED);

  // The agent logs it and files a repair on the caller's behalf.
  v1::LogCallRequest log;
  log.set_call_id(call);
  log.set_summary("Bathroom tap drips all night");
  log.set_disposition("ticket_created");
  log.mutable_new_ticket()->set_category("plumbing");
  log.mutable_new_ticket()->set_description("Bathroom tap drips");
  auto logged = CallRpc(*hotline_, &v1::HotlineService::Stub::LogCall, log, kAgentToken);
  ASSERT_TRUE(logged.ok()) << logged.status.error_message();
  EXPECT_EQ(logged.value.created().channel(), v1::CHANNEL_PHONE);
  EXPECT_EQ(logged.value.created().reporter().resident_id(), resident_);
  EXPECT_FALSE(logged.value.created().reporter().agent().empty());
  EXPECT_EQ(logged.value.call().ticket_ids(0), logged.value.created().id());
  Next("call.logged");
  // Bad logs change nothing.
  v1::LogCallRequest bad = log;
  bad.set_summary("");
  EXPECT_EQ(
      CallRpc(*hotline_, &v1::HotlineService::Stub::LogCall, bad, kAgentToken).status.error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
  bad = log;
  bad.clear_new_ticket();
  bad.add_ticket_ids("R-99999");
  EXPECT_EQ(
      CallRpc(*hotline_, &v1::HotlineService::Stub::LogCall, bad, kAgentToken).status.error_code(),
      grpc::StatusCode::NOT_FOUND);

  // The post-call rating, from the dialplan's UserEvent.
  pbx_.Event(
      {{"Event", "UserEvent"}, {"UserEvent", "LobbyRating"}, {"Linkedid", call}, {"Digit", "4"}});
  EXPECT_EQ(Next("call.rated").call().rating(), 4);

  // The call is on the resident's timeline.
  v1::ListTimelineRequest tl;
  tl.set_resident_id(resident_);
  bool on_timeline = WaitFor([&] {
    auto l = CallRpc(*residents_, &v1::ResidentService::Stub::ListTimeline, tl, kAdminToken);
    int calls = 0;
    for (const auto& e : l.value.entries()) calls += e.kind() == v1::TimelineEntry::KIND_CALL;
    return calls >= 2;  // answered, logged
  });
  EXPECT_TRUE(on_timeline);
}

TEST_F(HotlineTest, AMissedCallAfterAReconnectBecomesACallbackTask) {
  pbx_.Drop();
  ASSERT_TRUE(
      WaitFor([&] { return pbx_.logins() >= 2; }));  // the client came back and logged in again
  const std::string call = "1800000100.5";
  pbx_.Event({{"Event", "Newchannel"},
              {"Channel", "PJSIP/trunk-00000020"},
              {"CallerIDNum", "91234567"},
              {"Exten", "8000"},
              {"Uniqueid", call},
              {"Linkedid", call}});
  Next("call.ringing");
  pbx_.Event({{"Event", "Hangup"},
              {"Channel", "PJSIP/trunk-00000020"},
              {"Uniqueid", call},
              {"Linkedid", call},
              {"Cause", "16"}});
  v1::CallEvent missed = Next("call.missed");
  ASSERT_FALSE(missed.call().callback_id().empty());
  v1::ListCallbacksRequest list;
  list.set_site_id("demo");
  auto tasks = CallRpc(*residents_, &v1::ResidentService::Stub::ListCallbacks, list, kAgentToken);
  ASSERT_EQ(tasks.value.tasks_size(), 1);
  EXPECT_EQ(tasks.value.tasks(0).reason(), "missed_call");
  EXPECT_EQ(tasks.value.tasks(0).resident_id(), resident_);
  EXPECT_EQ(tasks.value.tasks(0).name(), "Ah Po Wong");
  EXPECT_EQ(tasks.value.tasks(0).phone(), "+85291234567")
      << "the call's number and the task's are one, in E.164";
  EXPECT_EQ(missed.call().caller(), "+85291234567");
  // A call on a line that is not the hotline is none of Lobby's business.
  pbx_.Event({{"Event", "Newchannel"},
              {"Channel", "PJSIP/trunk-00000021"},
              {"CallerIDNum", "91234567"},
              {"Exten", "9999"},
              {"Uniqueid", "1800000100.9"},
              {"Linkedid", "1800000100.9"}});
  // Events are handled in order: once a later hotline call rings, the earlier one was seen.
  pbx_.Event({{"Event", "Newchannel"},
              {"Channel", "PJSIP/trunk-00000022"},
              {"CallerIDNum", "91234567"},
              {"Exten", "8000"},
              {"Uniqueid", "1800000100.10"},
              {"Linkedid", "1800000100.10"}});
  EXPECT_EQ(Next("call.ringing").call().id(), "1800000100.10");
  v1::GetCallRequest get;
  get.set_id("1800000100.9");
  EXPECT_EQ(
      CallRpc(*hotline_, &v1::HotlineService::Stub::GetCall, get, kAgentToken).status.error_code(),
      grpc::StatusCode::NOT_FOUND);
}

TEST_F(HotlineTest, ShutdownEndsTheWatchSoTheDeskReconnectsElsewhere) {
  harness_->runtime->Shutdown();
  reading_.join();  // the stream ended
  grpc::Status end = reader_->Finish();
  EXPECT_EQ(end.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(end.error_message(), "server shutting down: reconnect");
}

TEST_F(HotlineTest, CtiWebhookSignedCallsAndRefusesTheRest) {
  httplib::Client http("127.0.0.1", harness_->runtime->http().port());
  std::string body = R"({"event":"newCall","call_id":"cc-77","from":"+85291234567","to":"8000"})";
  std::string ts = std::to_string(absl::ToUnixSeconds(clock_.Now()));
  auto before = server().Snapshot();
  EXPECT_EQ(http.Post("/v1/hotline/events", body, "application/json")->status, 401);
  EXPECT_EQ(http.Post("/v1/hotline/events",
                      {{"X-Lobby-Timestamp", ts},
                       {"X-Lobby-Signature",
                        adapters::TimestampedSignature("guess-0123456789", ts, body)}},
                      body, "application/json")
                ->status,
            401);
  std::string bad = R"({"event":"newCall","call_id":"cc 77!","from":"+85291234567","to":"8000"})";
  EXPECT_EQ(http.Post("/v1/hotline/events",
                      {{"X-Lobby-Timestamp", ts},
                       {"X-Lobby-Signature",
                        adapters::TimestampedSignature("cti-secret-0123456789", ts, bad)}},
                      bad, "application/json")
                ->status,
            400);
  EXPECT_EQ(server().Snapshot(), before);
  auto post = [&](const std::string& b) {
    return http
        .Post(
            "/v1/hotline/events",
            {{"X-Lobby-Timestamp", ts},
             {"X-Lobby-Signature", adapters::TimestampedSignature("cti-secret-0123456789", ts, b)}},
            b, "application/json")
        ->status;
  };
  EXPECT_EQ(post(body), 200);
  EXPECT_EQ(Next("call.ringing").call().caller_profile().resident_id(), resident_);
  EXPECT_EQ(post(R"({"event":"answer","call_id":"cc-77","agent":"wong"})"), 200);
  EXPECT_EQ(Next("call.answered").call().agent(), "wong");
  EXPECT_EQ(
      post(
          R"({"event":"hangup","call_id":"cc-77","recording_url":"https://cc.example.com/rec/77.mp3"})"),
      200);
  EXPECT_EQ(Next("call.ended").call().recording_url(), "https://cc.example.com/rec/77.mp3");
  EXPECT_EQ(post(R"({"event":"rating","call_id":"cc-77","digit":9})"), 400);
}

}  // namespace

// A half-open PBX that trickles bytes but never answers the Ping is dropped and reconnected to;
// one that answers keeps its session.
TEST(AmiClientTest, LivenessIsThePingsAnswerNotAnyByte) {
  FakeAsterisk pbx;
  AmiConfig config;
  config.host = "127.0.0.1";
  config.port = pbx.port();
  config.username = "lobby";
  config.secret = "secret";
  config.ping_every = absl::Milliseconds(300);
  AmiClient client(config, [](const AmiMessage&) {});
  client.Start();
  ASSERT_TRUE(WaitFor([&] { return pbx.logins() == 1; }));
  std::atomic<bool> trickling{true};
  std::thread trickle([&] {
    while (trickling) {
      pbx.Trickle();
      absl::SleepFor(absl::Milliseconds(50));
    }
  });
  EXPECT_TRUE(WaitFor([&] { return pbx.logins() >= 2; }, 5)) << "a silent peer keeps the session";
  pbx.AnswerPings(true);
  int logins = pbx.logins();
  ASSERT_TRUE(WaitFor([&] { return pbx.pongs() >= 4; }, 5));
  EXPECT_EQ(pbx.logins(), logins) << "an answering peer was dropped";
  trickling = false;
  trickle.join();
  client.Stop();
}

}  // namespace lobby::hotline

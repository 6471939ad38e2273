// The WeChat Official Account adapter through lobbyd's HTTP server, against a local fake of the
// WeChat API (access tokens, the customer-service API, media): the server check, signatures
// and the timestamp window, safe mode (AES), retries, bad bodies; a repair with a photo in
// Simplified Chinese answered passively; late answers through the customer-service API with a
// cached access token that is renewed when WeChat calls it invalid.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "absl/strings/str_replace.h"
#include "adapters/chatbot/wechat/wechat.h"
#include "adapters/common/crypto.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "services/common/proto_util.h"
#include "tests/adapters/fake_provider.h"
#include "tests/support/harness.h"

namespace lobby::wechat {
namespace {

using json = nlohmann::json;
using lobby::testing::CallRpc;
using lobby::testing::Harness;
using lobby::testing::kAdminToken;
using lobby::testing::RedisTest;
using lobby::testing::WaitFor;

constexpr char kToken[] = "wechat-token-0123";
constexpr char kAppId[] = "wx1234567890abcdef";
constexpr char kAppSecret[] = "app-secret-0123456789abcdef";
constexpr char kAesKey[] = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";  // 43 characters
constexpr char kOpenId[] = "oWx7p5ABCdefGHIjkl-0123456";
constexpr char kAccountId[] = "gh_0123456789ab";

/// The WeChat API as far as Lobby uses it: tokens (counted; one can be invalidated), custom
/// messages (recorded), media.
class FakeWeChatApi : public lobby::testing::FakeProvider {
 public:
  FakeWeChatApi() {
    server_.Get("/cgi-bin/token", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      if (req.get_param_value("appid") != kAppId || req.get_param_value("secret") != kAppSecret ||
          req.get_param_value("grant_type") != "client_credential") {
        res.set_content(R"({"errcode":40013,"errmsg":"invalid appid"})", "application/json");
        return;
      }
      current_ = "ACCESS_TOKEN_" + std::to_string(++tokens_);
      res.set_content(json{{"access_token", current_}, {"expires_in", 7200}}.dump(),
                      "application/json");
    });
    server_.Post("/cgi-bin/message/custom/send", [this](const httplib::Request& req,
                                                        httplib::Response& res) {
      std::lock_guard lock(mu_);
      if (req.get_param_value("access_token") != current_) {
        res.set_content(
            R"({"errcode":40001,"errmsg":"invalid credential, access_token is invalid or not latest"})",
            "application/json");
        return;
      }
      sent_.push_back(json::parse(req.body));
      res.set_content(R"({"errcode":0,"errmsg":"ok"})", "application/json");
    });
    server_.Post("/cgi-bin/message/template/send", [this](const httplib::Request& req,
                                                          httplib::Response& res) {
      std::lock_guard lock(mu_);
      if (req.get_param_value("access_token") != current_) {
        res.set_content(R"({"errcode":40001,"errmsg":"invalid credential"})", "application/json");
        return;
      }
      templates_.push_back(json::parse(req.body));
      res.set_content(R"({"errcode":0,"errmsg":"ok","msgid":200228332})", "application/json");
    });
    server_.Get("/cgi-bin/media/get", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      if (req.get_param_value("access_token") != current_) {
        res.set_content(R"({"errcode":40001,"errmsg":"invalid credential"})", "application/json");
        return;
      }
      res.set_content("JPEG" + req.get_param_value("media_id"), "image/jpeg");
    });
    Start();
  }
  ~FakeWeChatApi() { Stop(); }
  std::vector<json> sent() {
    std::lock_guard lock(mu_);
    return sent_;
  }
  std::vector<json> templates() {
    std::lock_guard lock(mu_);
    return templates_;
  }
  int tokens() {
    std::lock_guard lock(mu_);
    return tokens_;
  }
  void Invalidate() {  // as when someone else fetched a token for the same account
    std::lock_guard lock(mu_);
    current_ = "revoked";
  }

 private:
  std::mutex mu_;
  std::vector<json> sent_, templates_;
  std::string current_;
  int tokens_ = 0;
};

class WeChatTest : public RedisTest {
 protected:
  /// `safe_mode`: with the AES key, so that only safe-mode messages are taken.
  void Start(std::vector<std::string> extra = {}, bool safe_mode = true) {
    std::vector<std::string> flags = {
        "--wechat-token",      kToken,     "--wechat-app-id", kAppId,
        "--wechat-app-secret", kAppSecret, "--wechat-api",    api_.url()};
    if (safe_mode) flags.insert(flags.end(), {"--wechat-aes-key", kAesKey});
    flags.insert(flags.end(), extra.begin(), extra.end());
    harness_ = std::make_unique<Harness>(server(), clock_, flags);
    http_ = std::make_unique<httplib::Client>("127.0.0.1", harness_->runtime->http().port());
    repairs_ = v1::RepairService::NewStub(harness_->channel);
    resident_ = lobby::testing::LinkedResident(
        harness_->channel, {"王女士", "+8613800138000", "2栋", "15", "1502", "zh-Hans"},
        v1::CHANNEL_WECHAT, kOpenId);
  }
  int nonces_ = 0;
  std::string resident_;
  void TearDown() override { harness_.reset(); }

  std::string Timestamp(absl::Duration skew = absl::ZeroDuration()) {
    return std::to_string(absl::ToUnixSeconds(clock_.Now() + skew));
  }
  static std::string Xml(const std::string& type, const std::string& content,
                         const std::string& msg_id) {
    std::string body = absl::StrCat(
        "<xml><ToUserName><![CDATA[", kAccountId, "]]></ToUserName><FromUserName><![CDATA[",
        kOpenId, "]]></FromUserName><CreateTime>1800000000</CreateTime><MsgType><![CDATA[", type,
        "]]></MsgType>");
    if (type == "text") absl::StrAppend(&body, "<Content><![CDATA[", content, "]]></Content>");
    if (type == "image")
      absl::StrAppend(&body,
                      "<PicUrl><![CDATA[http://mmbiz.qpic.cn/x]]></PicUrl><MediaId><![CDATA[",
                      content, "]]></MediaId>");
    if (type == "event") absl::StrAppend(&body, "<Event><![CDATA[", content, "]]></Event>");
    if (!msg_id.empty()) absl::StrAppend(&body, "<MsgId>", msg_id, "</MsgId>");
    return body + "</xml>";
  }
  /// Posts as WeChat does: plain, or in safe mode (the message encrypted inside <Encrypt>).
  httplib::Result Post(const std::string& xml, bool safe, const std::string& ts = "",
                       const std::string& signature = "", std::string nonce = "") {
    std::string t = ts.empty() ? Timestamp() : ts;
    if (nonce.empty())
      nonce = std::to_string(1320562132 + nonces_++);  // WeChat's nonce is new for every push
    std::string sig = signature.empty() ? Signature({kToken, t, nonce}) : signature;
    std::string path = absl::StrCat("/v1/wechat/lobby?signature=", sig, "&timestamp=", t,
                                    "&nonce=", nonce, "&openid=", kOpenId);
    std::string body = xml;
    if (safe) {
      std::string sealed = Cipher::Create(kAesKey, kAppId)->Encrypt(xml);
      body = absl::StrCat("<xml><ToUserName><![CDATA[", kAccountId,
                          "]]></ToUserName><Encrypt><![CDATA[", sealed, "]]></Encrypt></xml>");
      absl::StrAppend(&path,
                      "&encrypt_type=aes&msg_signature=", Signature({kToken, t, nonce, sealed}));
    }
    return http_->Post(path.c_str(), body, "text/xml");
  }
  /// The text of a passive reply (decrypted and its signature checked in safe mode).
  std::string Passive(const httplib::Result& r, bool safe) {
    EXPECT_TRUE(r && r->status == 200);
    if (!r) return "";
    pugi::xml_document doc;
    EXPECT_TRUE(doc.load_string(r->body.c_str())) << r->body;
    pugi::xml_node x = doc.child("xml");
    if (safe) {
      std::string sealed = x.child("Encrypt").text().as_string();
      EXPECT_EQ(x.child("MsgSignature").text().as_string(),
                Signature({kToken, x.child("TimeStamp").text().as_string(),
                           x.child("Nonce").text().as_string(), sealed}));
      auto plain = Cipher::Create(kAesKey, kAppId)->Decrypt(sealed);
      EXPECT_TRUE(plain.ok());
      pugi::xml_document inner;
      EXPECT_TRUE(inner.load_string(plain->c_str()));
      x = inner.child("xml");
      EXPECT_EQ(std::string(x.child("ToUserName").text().as_string()), kOpenId);
      EXPECT_EQ(std::string(x.child("FromUserName").text().as_string()), kAccountId);
      return x.child("Content").text().as_string();
    }
    EXPECT_EQ(std::string(x.child("MsgType").text().as_string()), "text");
    return x.child("Content").text().as_string();
  }

  FakeClock clock_{absl::FromUnixSeconds(1800000000)};
  FakeWeChatApi api_;
  std::unique_ptr<Harness> harness_;
  std::unique_ptr<httplib::Client> http_;
  std::unique_ptr<v1::RepairService::Stub> repairs_;
};

TEST_F(WeChatTest, CipherRoundTripsAndRefusesOtherAccounts) {
  auto c = Cipher::Create(kAesKey, kAppId);
  ASSERT_TRUE(c.ok());
  std::string sealed = c->Encrypt("<xml>你好</xml>");
  EXPECT_NE(sealed, c->Encrypt("<xml>你好</xml>")) << "a random prefix each time";
  EXPECT_EQ(*c->Decrypt(sealed), "<xml>你好</xml>");
  EXPECT_FALSE(Cipher::Create(kAesKey, "wxother")->Decrypt(sealed).ok()) << "another AppID";
  EXPECT_FALSE(c->Decrypt("bm90IGEgbWVzc2FnZQ==").ok());
  EXPECT_FALSE(Cipher::Create("short", kAppId).ok());
  // WeChat's signature: sha1 of the sorted parts.
  EXPECT_EQ(Signature({"b", "a", "c"}), adapters::Hex(adapters::Sha1("abc")));
}

TEST_F(WeChatTest, ServerCheckSignaturesAndBadRequestsChangeNothing) {
  Start();
  std::string ts = Timestamp();
  auto check = http_->Get(absl::StrCat("/v1/wechat/lobby?signature=", Signature({kToken, ts, "42"}),
                                       "&timestamp=", ts, "&nonce=42&echostr=7141598165912345")
                              .c_str());
  ASSERT_TRUE(check);
  EXPECT_EQ(check->status, 200);
  EXPECT_EQ(check->body, "7141598165912345");
  EXPECT_EQ(
      http_
          ->Get(absl::StrCat("/v1/wechat/lobby?signature=00&timestamp=", ts, "&nonce=42&echostr=1")
                    .c_str())
          ->status,
      401);

  auto before = server().Snapshot();
  std::string hi = Xml("text", "你好", "1001");
  EXPECT_EQ(Post(hi, false, "", Signature({"wrong", Timestamp(), "1320562132"}))->status, 401);
  EXPECT_EQ(Post(hi, false, Timestamp(-absl::Minutes(10)))->status, 401) << "outside the window";
  EXPECT_EQ(Post(hi, false, Timestamp(absl::Minutes(10)))->status, 401);
  EXPECT_EQ(Post("<xml><FromUserName>", true)->status, 400);
  EXPECT_EQ(Post("<xml><Content>no sender</Content></xml>", true)->status, 400);
  EXPECT_EQ(Post(std::string(300 << 10, ' '), false)->status, 413);
  // Safe mode: a msg_signature that does not cover the Encrypt element.
  std::string ts2 = Timestamp();
  std::string sealed = Cipher::Create(kAesKey, kAppId)->Encrypt(hi);
  auto forged = http_->Post(
      absl::StrCat(
          "/v1/wechat/lobby?signature=", Signature({kToken, ts2, "1"}), "&timestamp=", ts2,
          "&nonce=1&encrypt_type=aes&msg_signature=", Signature({kToken, ts2, "1", "other"}))
          .c_str(),
      absl::StrCat("<xml><Encrypt><![CDATA[", sealed, "]]></Encrypt></xml>"), "text/xml");
  EXPECT_EQ(forged->status, 401);
  EXPECT_EQ(before, server().Snapshot());
  EXPECT_TRUE(api_.sent().empty());
}

TEST_F(WeChatTest, ARepairWithAPhotoInSimplifiedChineseAnsweredPassively) {
  Start();
  // The photo first, then the words (WeChat sends them apart); safe mode throughout.
  std::string photo = Passive(Post(Xml("image", "MEDIA_abc123", "2001"), true), true);
  EXPECT_NE(photo.find("收到照片"), std::string::npos) << photo;
  std::string confirm = Passive(Post(Xml("text", "厨房水管漏水，地上都湿了", "2002"), true), true);
  EXPECT_NE(confirm.find("报修类别：水管渠务"), std::string::npos) << confirm;
  EXPECT_NE(confirm.find("\n1. 是\n2. 不是，我自己选"), std::string::npos)
      << "buttons as numbered lines: " << confirm;
  // WeChat retrying the same message (it did not hear us): the same answer, nothing new.
  EXPECT_EQ(Passive(Post(Xml("text", "厨房水管漏水，地上都湿了", "2002"), true), true), confirm);
  std::string where = Passive(Post(Xml("text", "1", "2003"), true), true);
  EXPECT_NE(where.find("2栋 15楼 1502室"), std::string::npos) << where;
  Passive(Post(Xml("text", "1", "2004"), true), true);  // my flat
  std::string window = Passive(Post(Xml("text", "完成", "2005"), true), true);
  EXPECT_NE(window.find("7. 任何时间"), std::string::npos) << window;
  Passive(Post(Xml("text", "7", "2006"), true), true);  // any time
  std::string summary = Passive(Post(Xml("text", "不可以，我会在家", "2007"), true), true);
  EXPECT_NE(summary.find("照片：1"), std::string::npos) << summary;
  std::string done = Passive(Post(Xml("text", "确认", "2008"), true), true);
  EXPECT_NE(done.find("您的报修编号是 R-10001"), std::string::npos) << done;

  v1::GetTicketRequest get;
  get.set_id("R-10001");
  v1::Ticket t = CallRpc(*repairs_, &v1::RepairService::Stub::GetRepair, get, kAdminToken).value;
  EXPECT_EQ(t.channel(), v1::CHANNEL_WECHAT);
  EXPECT_EQ(t.category(), "plumbing");
  EXPECT_EQ(t.description(), "厨房水管漏水，地上都湿了");
  EXPECT_EQ(t.location().unit().room(), "1502");
  EXPECT_FALSE(t.repair().entry_permission());
  ASSERT_EQ(t.photos_size(), 1);
  std::string link = t.photos(0).url();
  EXPECT_EQ(link, "http://localhost:7080/v1/wechat/lobby/media/MEDIA_abc123?s=" +
                      adapters::LinkSignature(kAppSecret, "MEDIA_abc123"));
  EXPECT_EQ(http_->Get("/v1/wechat/lobby/media/MEDIA_abc124")->status, 403);
  auto file = http_->Get(link.substr(link.find("/v1/")).c_str());
  ASSERT_TRUE(file);
  EXPECT_EQ(file->body, "JPEGMEDIA_abc123")
      << "fetched with the access token, which never appears in the ticket";
  EXPECT_TRUE(api_.sent().empty()) << "every answer went back passively";
}

TEST_F(WeChatTest, LateAnswersGoThroughTheCustomerServiceApiWithACachedToken) {
  Start({"--wechat-passive-budget", "1us"}, false);
  auto r = Post(Xml("event", "subscribe", ""), false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "success") << "not ready within the budget";
  ASSERT_TRUE(WaitFor([&] { return api_.sent().size() == 1; }));
  json menu = api_.sent()[0];
  EXPECT_EQ(menu["touser"], kOpenId);
  EXPECT_EQ(menu["msgtype"], "text");
  EXPECT_NE(menu["text"]["content"].get<std::string>().find("1. 报修"), std::string::npos)
      << menu.dump();
  ASSERT_EQ(Post(Xml("text", "菜单", "3001"), false)->body, "success");
  ASSERT_TRUE(WaitFor([&] { return api_.sent().size() == 2; }));
  EXPECT_EQ(api_.tokens(), 1) << "the access token is cached";
  // WeChat no longer accepts the token: a new one, and the message still goes.
  api_.Invalidate();
  ASSERT_EQ(Post(Xml("text", "菜单", "3002"), false)->body, "success");
  ASSERT_TRUE(WaitFor([&] { return api_.sent().size() == 3; }));
  EXPECT_EQ(api_.tokens(), 2);
}

TEST_F(WeChatTest, OutsideThe48HourWindowATemplateMessageOrSms) {
  Start();
  auto notice = [&](const std::string& tmpl) {
    queue::Fields f = {{"v", "1"},
                       {"kind", "notice"},
                       {"resident_id", resident_},
                       {"text", "R-10042：已处理完成：更换了水龙头"},
                       {"ticket_id", "R-10042"}};
    if (!tmpl.empty()) f.emplace_back("template", tmpl);
    ASSERT_TRUE(server().conn().Command(queue::XAddArgs("lobby:q:outbound:wechat", f)).ok());
  };
  // She has not written for more than 48 h (never, here): the estate's template message.
  notice("TPL-ticket-update");
  ASSERT_TRUE(WaitFor([&] { return api_.templates().size() == 1; }));
  json t = api_.templates()[0];
  EXPECT_EQ(t["touser"], kOpenId);
  EXPECT_EQ(t["template_id"], "TPL-ticket-update");
  EXPECT_EQ(t["data"]["ticket"]["value"], "R-10042");
  EXPECT_EQ(t["data"]["content"]["value"], "已处理完成：更换了水龙头");
  EXPECT_TRUE(api_.sent().empty()) << "no customer-service message outside the window";
  // No template: by SMS.
  notice("");
  ASSERT_TRUE(WaitFor([&] {
    auto r = server().conn().Command({"XRANGE", "lobby:q:outbound:sms", "-", "+"});
    return r.ok() && r->elements.size() == 1;
  }));
  auto r = server().conn().Command({"XRANGE", "lobby:q:outbound:sms", "-", "+"});
  EXPECT_EQ(queue::ParseEntries(*r)[0].Get("fallback_from"), "wechat");
}

}  // namespace

// With an AES key only safe mode is taken (msg_signature covers the body); in plain mode one
// signed URL carries one body (next test), so a URL seen in an access log speaks for no one.
TEST_F(WeChatTest, WithAnAesKeyOnlySafeModeIsTaken) {
  Start();
  auto before = server().Snapshot();
  auto plain = Post(Xml("text", "你好", "5001"), false);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 401) << "plain mode with an AES key set";
  EXPECT_EQ(before, server().Snapshot());
  EXPECT_EQ(Post(Xml("text", "菜单", "5002"), true)->status, 200) << "safe mode is taken";
}

TEST_F(WeChatTest, APlainSignedUrlCarriesOneMessageOnly) {
  Start({}, false);
  std::string ts = Timestamp();
  ASSERT_EQ(Post(Xml("text", "菜单", "6001"), false, ts, "", "777")->status, 200);
  EXPECT_EQ(Post(Xml("text", "菜单", "6001"), false, ts, "", "777")->status, 200)
      << "WeChat's own retry of the same push";
  std::string other = absl::StrReplaceAll(Xml("text", "取消", "6002"),
                                          {{kOpenId, "o6_bmasdasdsad6_2sgVt7hMZOPfL"}});
  auto replay = Post(other, false, ts, "", "777");
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->status, 401) << "the same signed URL with another body and sender";
  EXPECT_EQ(Post(Xml("text", "菜单", "NaN"), false)->status, 400);
  EXPECT_EQ(Post(Xml("text", "菜单", "-1"), false)->status, 400);
}

// WeChat shows buttons as a numbered list. A notice that arrives after the conversation's last
// answer (a proposed visit) brings its own list: the number she types presses its button, not
// the button of the older menu still in her conversation.
TEST_F(WeChatTest, ANumberTypedAfterANoticePressesTheNoticesButton) {
  Start({"--notify-coalesce", "0s", "--notify-tick", "20ms"}, false);
  std::string menu = Passive(Post(Xml("text", "菜单", "4001"), false), false);
  ASSERT_NE(menu.find("1. 报修"), std::string::npos) << menu;  // what "1" meant until now
  std::string id = lobby::testing::CreateRepair(
      *repairs_, {.resident = resident_, .channel = v1::CHANNEL_WECHAT});
  lobby::testing::AssignRepair(*repairs_, id, "plumbing", "tom");
  v1::ProposeVisitRequest visit;
  visit.set_id(id);
  absl::Time start = clock_.Now() + absl::Hours(26);
  *visit.mutable_start() = ToTimestamp(start);
  *visit.mutable_end() = ToTimestamp(start + absl::Hours(2));
  ASSERT_TRUE(CallRpc(*repairs_, &v1::RepairService::Stub::ProposeVisit, visit, kAdminToken).ok());
  std::string notice;
  ASSERT_TRUE(WaitFor([&] {
    for (const json& m : api_.sent()) {
      std::string content = m["text"]["content"];
      if (content.find("上门") != std::string::npos && content.find("\n1. ") != std::string::npos)
        notice = content;
    }
    return !notice.empty();
  })) << "no proposal with its buttons";
  EXPECT_NE(notice.find("1. 确认上门时间\n2. 另约时间"), std::string::npos) << notice;

  std::string answer = Passive(Post(Xml("text", "1", "4002"), false), false);
  EXPECT_NE(answer.find("上门时间已确定"), std::string::npos) << answer;
  v1::GetTicketRequest get;
  get.set_id(id);
  EXPECT_TRUE(CallRpc(*repairs_, &v1::RepairService::Stub::GetRepair, get, kAdminToken)
                  .value.repair()
                  .visit_window()
                  .confirmed());
}

}  // namespace lobby::wechat

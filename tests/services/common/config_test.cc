#include "services/common/config.h"

#include <gtest/gtest.h>

namespace lobby::config {
namespace {

absl::Status Parse(Settings& s, std::vector<const char*> argv, std::vector<const char*> env,
                   std::vector<std::string>* positional = nullptr) {
  argv.insert(argv.begin(), "prog");
  env.push_back(nullptr);
  return s.Parse(static_cast<int>(argv.size()), argv.data(), env.data(), positional);
}

TEST(SettingsTest, FlagBeatsEnvironmentBeatsDefault) {
  Settings s;
  s.Declare("grpc-listen", "127.0.0.1:7000", "");
  s.Declare("log-level", "info", "");
  s.Declare("workers", "64", "");
  ASSERT_TRUE(Parse(s, {"--grpc-listen", "0.0.0.0:9000"},
                    {"LOBBY_GRPC_LISTEN=1.2.3.4:1", "LOBBY_LOG_LEVEL=debug", "HOME=/root"})
                  .ok());
  EXPECT_EQ(s.Get("grpc-listen"), "0.0.0.0:9000");
  EXPECT_EQ(s.Get("log-level"), "debug");
  EXPECT_EQ(s.Get("workers"), "64");
}

TEST(SettingsTest, EqualsFormAndPositional) {
  Settings s;
  s.Declare("services", "all", "");
  std::vector<std::string> pos;
  ASSERT_TRUE(Parse(s, {"--services=residents", "extra"}, {}, &pos).ok());
  EXPECT_EQ(s.Get("services"), "residents");
  EXPECT_EQ(pos, std::vector<std::string>{"extra"});
  EXPECT_FALSE(Parse(s, {"extra"}, {}).ok());
}

TEST(SettingsTest, UnknownFlagAndVariableAreErrors) {
  Settings s;
  s.Declare("workers", "64", "");
  absl::Status flag = Parse(s, {"--wrokers", "3"}, {});
  EXPECT_EQ(flag.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(flag.message().find("--wrokers"), absl::string_view::npos);
  absl::Status env = Parse(s, {}, {"LOBBY_WROKERS=3"});
  EXPECT_NE(env.message().find("LOBBY_WROKERS"), absl::string_view::npos);
  s.Tolerate("LOBBY_ADDR");
  EXPECT_TRUE(Parse(s, {}, {"LOBBY_ADDR=x"}).ok());
  EXPECT_FALSE(Parse(s, {"--workers"}, {}).ok()) << "a flag without its value";
}

TEST(SettingsTest, TypedGettersNameTheSetting) {
  Settings s;
  s.Declare("shutdown-grace", "20s", "");
  s.Declare("workers", "64", "");
  ASSERT_TRUE(Parse(s, {"--shutdown-grace", "soon", "--workers", "0"}, {}).ok());
  auto d = s.GetDuration("shutdown-grace");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("LOBBY_SHUTDOWN_GRACE"), absl::string_view::npos);
  EXPECT_NE(d.status().message().find("soon"), absl::string_view::npos);
  auto w = s.GetInt("workers", 1, 10);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("from 1 to 10"), absl::string_view::npos);
}

TEST(SettingsTest, Durations) {
  Settings s;
  s.Declare("a", "250ms", "");
  s.Declare("b", "1.5", "");
  s.Declare("c", "-1s", "");
  ASSERT_TRUE(Parse(s, {}, {}).ok());
  EXPECT_EQ(*s.GetDuration("a"), absl::Milliseconds(250));
  EXPECT_EQ(*s.GetDuration("b"), absl::Milliseconds(1500));
  EXPECT_FALSE(s.GetDuration("c").ok());
}

struct ProviderConfig {
  std::string account;
  std::string token;
};
constexpr Field<ProviderConfig> kProviderFields[] = {
    {"provider-account", "lobby", "the account", &ProviderConfig::account},
    {"provider-token", "", "the token", &ProviderConfig::token, kSecret | kRequired},
};

TEST(FieldTest, OneRowDeclaresAndReadsASetting) {
  Settings s;
  DeclareFields(s, kProviderFields);
  ASSERT_TRUE(Parse(s, {"--provider-token", "t0ken-of-the-provider"}, {}).ok());
  ProviderConfig cfg;
  ASSERT_TRUE(ReadFields(s, kProviderFields, cfg, "needed").ok());
  EXPECT_EQ(cfg.account, "lobby") << "the row's default";
  EXPECT_EQ(cfg.token, "t0ken-of-the-provider");
  EXPECT_EQ(s.Help().find("t0ken"), std::string::npos) << "a secret row stays secret";
}

TEST(FieldTest, AMissingRequiredFieldIsNamed) {
  Settings s;
  DeclareFields(s, kProviderFields);
  ASSERT_TRUE(Parse(s, {"--provider-account", "estate"}, {}).ok());
  ProviderConfig cfg;
  absl::Status st = ReadFields(s, kProviderFields, cfg, "the provider needs it");
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("--provider-token / LOBBY_PROVIDER_TOKEN"), absl::string_view::npos)
      << st;
  EXPECT_NE(st.message().find("the provider needs it"), absl::string_view::npos);
}

TEST(CommonConfigTest, SecretsAreNeverEchoed) {
  Settings s;
  CommonConfig::Declare(s);
  ASSERT_TRUE(Parse(s, {}, {"LOBBY_REDIS_URL=redis://:hunter2@redis:99999"}).ok());
  auto cfg = CommonConfig::From(s);
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("LOBBY_REDIS_URL"), absl::string_view::npos);
  EXPECT_EQ(cfg.status().message().find("hunter2"), absl::string_view::npos) << cfg.status();
}

TEST(CommonConfigTest, DefaultsAreValid) {
  Settings s;
  CommonConfig::Declare(s);
  ASSERT_TRUE(Parse(s, {}, {}).ok());
  auto c = CommonConfig::From(s);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->grpc_listen, "127.0.0.1:7000");
  EXPECT_EQ(c->queue_max_deliveries, 5);
}

TEST(CommonConfigTest, BadSettingsAreNamed) {
  struct Case {
    const char* env;
    const char* names;
  } cases[] = {
      {"LOBBY_REDIS_URL=http://localhost", "LOBBY_REDIS_URL"},
      {"LOBBY_REDIS_URL=redis://h:99999", "LOBBY_REDIS_URL"},
      {"LOBBY_GRPC_LISTEN=localhost", "LOBBY_GRPC_LISTEN"},
      {"LOBBY_HTTP_LISTEN=:x", "LOBBY_HTTP_LISTEN"},
      {"LOBBY_LOG_FORMAT=xml", "LOBBY_LOG_FORMAT"},
      {"LOBBY_WORKERS=0", "LOBBY_WORKERS"},
      {"LOBBY_REDIS_COMMAND_TIMEOUT=0s", "LOBBY_REDIS_COMMAND_TIMEOUT"},
      {"LOBBY_QUEUE_MAX_DELIVERIES=0", "LOBBY_QUEUE_MAX_DELIVERIES"},
      {"LOBBY_RPC_DEADLINE=1ms", "LOBBY_RPC_DEADLINE"},
      {"LOBBY_RPC_DEADLINE=1h", "LOBBY_RPC_DEADLINE"},
  };
  for (const Case& c : cases) {
    Settings s;
    CommonConfig::Declare(s);
    ASSERT_TRUE(Parse(s, {}, {c.env}).ok());
    auto cfg = CommonConfig::From(s);
    ASSERT_FALSE(cfg.ok()) << c.env;
    EXPECT_NE(cfg.status().message().find(c.names), absl::string_view::npos) << cfg.status();
  }
}

}  // namespace
}  // namespace lobby::config

namespace lobby::config {
namespace {

// Before, four components declared repairs-addr, each differently, and the first one won.
TEST(SettingsDeathTest, ANameIsDeclaredOnce) {
  Settings s;
  s.Declare("reopen-days", "14", "days after resolution");
  s.Declare("reopen-days", "14", "days after resolution");  // two components sharing one setting
  EXPECT_DEATH(s.Declare("reopen-days", "7", "days after resolution"),
               "declared twice, differently");
}

}  // namespace
}  // namespace lobby::config

#include "services/common/log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

#include "tests/support/process.h"

namespace lobby::log {
namespace {

TEST(MaskTest, PhoneKeepsCountryCodeAndLastFour) {
  EXPECT_EQ(MaskPhone("+85212345678"), "+852****5678");
  EXPECT_EQ(MaskPhone("+8613800138000"), "+86****8000");
  EXPECT_EQ(MaskPhone("+886912345678"), "+886****5678");
  EXPECT_EQ(MaskPhone("+14155552671"), "+1****2671");
  EXPECT_EQ(MaskPhone("9123 4567"), "****4567");
  EXPECT_EQ(MaskPhone("123"), "****");
  EXPECT_EQ(MaskPhone(""), "****");
}

TEST(MaskTest, NameKeepsFirstCharacter) {
  EXPECT_EQ(MaskName("陳大文"), "陳**");
  EXPECT_EQ(MaskName("Amy Wong"), "A**");
  EXPECT_EQ(MaskName(""), "");
}

TEST(MaskTest, SecretShowsPrefixAndLength) {
  EXPECT_EQ(MaskSecret("abcdefghijklmnop"), "abcd…(16)");
  EXPECT_EQ(MaskSecret("short"), "***");
}

TEST(LogInitTest, RejectsBadFormatAndLevel) {
  EXPECT_EQ(Init("xml", "info").code(), absl::StatusCode::kInvalidArgument);
  absl::Status s = Init("text", "info,redis=loud");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("loud"), absl::string_view::npos);
}

// Captures what the loggers write to stderr while `fn` runs.
std::string CaptureStderr(const std::function<void()>& fn) {
  fflush(stderr);
  char path[] = "/tmp/lobby-log-XXXXXX";
  int fd = mkstemp(path);
  int saved = dup(2);
  dup2(fd, 2);
  fn();
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  close(fd);
  std::string out = testing::ReadFile(path);
  unlink(path);
  return out;
}

TEST(LogInitTest, JsonLinesEscapeTheMessageAndHonourLevels) {
  ASSERT_TRUE(Init("json", "warn,jsontest=info").ok());
  std::string out = CaptureStderr([] {
    Get("jsontest")->info("event=test text=\"quote\" newline=\n end");
    Get("jsontest.quiet")->info("not shown: below warn");
    Get("jsontest")->flush();
  });
  ASSERT_TRUE(Init("text", "info").ok());
  EXPECT_NE(out.find("\"logger\":\"jsontest\""), std::string::npos) << out;
  EXPECT_NE(out.find("text=\\\"quote\\\" newline=\\n end"), std::string::npos) << out;
  EXPECT_EQ(out.find("not shown"), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
}

}  // namespace
}  // namespace lobby::log

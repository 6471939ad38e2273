#include "services/common/auth.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace lobby::auth {
namespace {

std::string WriteFile(const std::string& text) {
  char path[] = "/tmp/lobby-tokens-XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  std::ofstream(path) << text;
  return path;
}

TEST(AuthenticatorTest, LoadsFileAndEnvironment) {
  std::string path = WriteFile(
      "# comment\n\nadmin   admin-token-0123456789  alice\ntechnician tech-token-0123456789\n");
  auto a = Authenticator::Load(path,
                               "adapter:adapter-token-012345:sms-gw, agent:agent-token-0123456789");
  unlink(path.c_str());
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->size(), 4u);
  auto p = a->Check("Bearer admin-token-0123456789", {Role::kAdmin}, "m");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->name, "alice");
  auto gw = a->Check("Bearer adapter-token-012345", {Role::kAdapter}, "m");
  ASSERT_TRUE(gw.ok());
  EXPECT_EQ(gw->name, "sms-gw");
}

TEST(AuthenticatorTest, BadLinesAreErrorsThatDoNotEchoTheToken) {
  std::string path = WriteFile("admin ok-token-0123456789\nroot secret-secret-secret\n");
  auto a = Authenticator::Load(path, "");
  unlink(path.c_str());
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find(":2:"), absl::string_view::npos) << a.status();
  EXPECT_EQ(a.status().message().find("secret"), absl::string_view::npos);
  EXPECT_FALSE(Authenticator::Load("", "admin:short").ok());
  EXPECT_FALSE(Authenticator::Load("/nonexistent/tokens", "").ok());
}

TEST(AuthenticatorTest, ChecksTokenThenRole) {
  Authenticator a;
  a.Add(Role::kTechnician, "tech-token-0123456789", "tech");
  EXPECT_EQ(a.Check("", {Role::kAdmin}, "m").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(a.Check("Basic abc", {Role::kAdmin}, "m").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(a.Check("Bearer wrong-token-0123456789", {Role::kTechnician}, "m").status().code(),
            absl::StatusCode::kUnauthenticated);
  auto denied = a.Check("Bearer tech-token-0123456789", {Role::kAgent, Role::kAdmin}, "svc/Method");
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(denied.status().message().find("technician"), absl::string_view::npos);
  EXPECT_TRUE(a.Check("Bearer tech-token-0123456789", {Role::kTechnician}, "m").ok());
}

TEST(RoleTest, ParseAndName) {
  for (Role r : {Role::kAdapter, Role::kAgent, Role::kTechnician, Role::kManager, Role::kAdmin}) {
    EXPECT_EQ(*ParseRole(RoleName(r)), r);
  }
  EXPECT_FALSE(ParseRole("root").ok());
}

}  // namespace
}  // namespace lobby::auth

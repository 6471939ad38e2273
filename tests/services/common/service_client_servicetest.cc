#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "services/common/service_client.h"
#include "services/residents/client.h"
#include "services/tickets/client.h"
#include "tests/support/harness.h"

namespace lobby {
namespace {

using lobby::testing::Harness;
using lobby::testing::RedisTest;

// A TCP port that takes connections and never says a word: a hung server.
class SilentServer {
 public:
  SilentServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd_, 16) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot listen";
    }
    address_ = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  }
  ~SilentServer() { close(fd_); }
  const std::string& address() const { return address_; }

 private:
  int fd_;
  std::string address_;
};

TEST(ServiceClientTest, ACallGivesUpAtTheConfiguredDeadline) {
  SilentServer hung;
  ClientEnv env{[&](const std::string&) { return hung.address(); }, "token",
                absl::Milliseconds(300)};
  residents::Client residents(env);
  absl::Time start = absl::Now();
  auto r = residents.Get("RS-10001");
  absl::Duration took = absl::Now() - start;
  EXPECT_TRUE(absl::IsDeadlineExceeded(r.status())) << r.status();
  // Well short of the 5 s default: the deadline came from the environment.
  EXPECT_LT(took, absl::Seconds(3));
  EXPECT_GE(took, absl::Milliseconds(250));
}

class TypedClientsTest : public RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    harness_ = std::make_unique<Harness>(server(), SystemClock::Get());
  }
  void TearDown() override { harness_.reset(); }
  std::unique_ptr<Harness> harness_;
};

TEST_F(TypedClientsTest, CallWithTheTokenOfTheirEnvironmentAtTheDirectorysAddress) {
  tickets::Client tickets(harness_->runtime->client_env());
  // Reached and let in: the answers are the services' own.
  EXPECT_TRUE(absl::IsNotFound(tickets.Get("R-99999").status())) << tickets.Get("R-99999").status();
  EXPECT_TRUE(absl::IsNotFound(tickets.Get("C-99999").status())) << tickets.Get("C-99999").status();
  auto catalog = tickets.Catalog("demo");
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_GT(catalog->categories_size(), 0);

  tickets::Client stranger(harness_->runtime->client_env("not-a-token-anyone-has"));
  EXPECT_TRUE(absl::IsUnauthenticated(stranger.Get("R-99999").status()))
      << stranger.Get("R-99999").status();
  residents::Client nobody(harness_->runtime->client_env("not-a-token-anyone-has"));
  EXPECT_TRUE(absl::IsUnauthenticated(nobody.Get("RS-10001").status()));
}

}  // namespace
}  // namespace lobby

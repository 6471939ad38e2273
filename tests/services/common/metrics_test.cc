#include "services/common/metrics.h"

#include <gtest/gtest.h>

namespace lobby {
namespace {

TEST(MetricsTest, RendersCountsAndHistogramsByMethodAndCode) {
  Metrics m;
  RpcStats* create = m.Rpc("lobby.v1.ResidentService/CreateResident");
  EXPECT_EQ(create, m.Rpc("lobby.v1.ResidentService/CreateResident"));
  create->Record(absl::StatusCode::kOk, absl::Microseconds(300));
  create->Record(absl::StatusCode::kOk, absl::Milliseconds(3));
  create->Record(absl::StatusCode::kInvalidArgument, absl::Milliseconds(1));
  m.AddCollector([](std::string& out) { out += "lobby_custom 7\n"; });
  std::string text = m.Render();
  const std::string labels = "method=\"lobby.v1.ResidentService/CreateResident\",code=\"OK\"";
  EXPECT_NE(text.find("lobby_rpc_total{" + labels + "} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("code=\"INVALID_ARGUMENT\"} 1\n"), std::string::npos) << text;
  // Cumulative buckets: 0.3ms is under 0.0005s, 3ms under 0.005s.
  EXPECT_NE(text.find("lobby_rpc_duration_seconds_bucket{" + labels + ",le=\"0.0005\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("lobby_rpc_duration_seconds_bucket{" + labels + ",le=\"0.005\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("lobby_rpc_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("lobby_rpc_duration_seconds_count{" + labels + "} 2\n"), std::string::npos);
  EXPECT_NE(text.find("lobby_custom 7\n"), std::string::npos);
  // Each family's TYPE line precedes its samples.
  EXPECT_LT(text.find("# TYPE lobby_rpc_total counter"), text.find("lobby_rpc_total{"));
  EXPECT_LT(text.find("# TYPE lobby_rpc_duration_seconds histogram"),
            text.find("lobby_rpc_duration_seconds_bucket"));
}

}  // namespace
}  // namespace lobby

#include "adapters/gateway/connect.h"

#include <gtest/gtest.h>

#include "lobby/v1/repairs.pb.h"

namespace lobby::gateway {
namespace {

TEST(ConnectTest, CodesHaveTheProtocolsNamesAndHttpStatuses) {
  EXPECT_EQ(CodeName(absl::StatusCode::kPermissionDenied), "permission_denied");
  EXPECT_EQ(CodeName(absl::StatusCode::kCancelled), "canceled");  // one l, as Connect spells it
  EXPECT_EQ(HttpStatus(absl::StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatus(absl::StatusCode::kFailedPrecondition), 400);
  EXPECT_EQ(HttpStatus(absl::StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatus(absl::StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatus(absl::StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatus(absl::StatusCode::kAborted), 409);
  EXPECT_EQ(HttpStatus(absl::StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatus(absl::StatusCode::kCancelled), 499);
  EXPECT_EQ(HttpStatus(absl::StatusCode::kUnimplemented), 501);
  EXPECT_EQ(HttpStatus(absl::StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatus(absl::StatusCode::kDeadlineExceeded), 504);
  EXPECT_EQ(HttpStatus(absl::StatusCode::kDataLoss), 500);
}

TEST(ConnectTest, ErrorsAreJsonWithTheCodeAndTheSentence) {
  EXPECT_EQ(ErrorJson(absl::NotFoundError("no ticket \"R-1\"")),
            R"({"code":"not_found","message":"no ticket \"R-1\""})");
  EXPECT_EQ(EndOfStream(absl::OkStatus()), "{}");
  EXPECT_EQ(EndOfStream(absl::DeadlineExceededError("late")),
            R"({"error":{"code":"deadline_exceeded","message":"late"}})");
}

TEST(ConnectTest, ContentTypesChooseTheCodec) {
  EXPECT_EQ(UnaryCodec("application/json"), Codec::kJson);
  EXPECT_EQ(UnaryCodec("Application/JSON; charset=utf-8"), Codec::kJson);
  EXPECT_EQ(UnaryCodec("application/proto"), Codec::kProto);
  EXPECT_EQ(UnaryCodec("application/json; charset=latin1"), std::nullopt);
  EXPECT_EQ(UnaryCodec("text/plain"), std::nullopt);
  EXPECT_EQ(UnaryCodec(""), std::nullopt);
  EXPECT_EQ(UnaryCodec("application/connect+json"), std::nullopt) << "a stream's, not a call's";
  EXPECT_EQ(StreamCodec("application/connect+json"), Codec::kJson);
  EXPECT_EQ(StreamCodec("application/connect+proto"), Codec::kProto);
  EXPECT_EQ(StreamCodec("application/json"), std::nullopt);
}

TEST(ConnectTest, MessagesAreReadAndWrittenInEitherCodec) {
  v1::GetTicketRequest m;
  ASSERT_TRUE(Decode(Codec::kJson, R"({"id":"R-10001"})", m).ok());
  EXPECT_EQ(m.id(), "R-10001");
  EXPECT_EQ(Encode(Codec::kJson, m), R"({"id":"R-10001"})");
  v1::GetTicketRequest back;
  ASSERT_TRUE(Decode(Codec::kProto, Encode(Codec::kProto, m), back).ok());
  EXPECT_EQ(back.id(), "R-10001");
  v1::GetTicketRequest empty;
  EXPECT_TRUE(Decode(Codec::kJson, " ", empty).ok()) << "an empty body is the empty message";
  absl::Status typo = Decode(Codec::kJson, R"({"idd":"R-10001"})", empty);
  EXPECT_EQ(typo.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(typo.message().find("lobby.v1.GetTicketRequest"), absl::string_view::npos) << typo;
  EXPECT_EQ(Decode(Codec::kJson, "{", empty).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Decode(Codec::kProto, "\xff\xff", empty).code(), absl::StatusCode::kInvalidArgument);
}

TEST(ConnectTest, StreamsAreEnveloped) {
  std::string e = Envelope(kEndStream, "{}");
  ASSERT_EQ(e.size(), 7u);
  EXPECT_EQ(e[0], 0x02);
  EXPECT_EQ(e.substr(1, 4), std::string("\0\0\0\x02", 4));
  EXPECT_EQ(e.substr(5), "{}");
  std::string big(300, 'x');
  EXPECT_EQ(Envelope(0, big).substr(1, 4), std::string("\0\0\x01\x2c", 4));

  std::string body = Envelope(0, R"({"team":"plumbing"})");
  auto one = OneEnvelope(body);  // a view into the body
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(*one, R"({"team":"plumbing"})");
  EXPECT_EQ(OneEnvelope("").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OneEnvelope(Envelope(kCompressed, "x")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OneEnvelope(Envelope(0, "abc") + "d").status().code(),
            absl::StatusCode::kInvalidArgument)
      << "more than the one message";
  EXPECT_EQ(OneEnvelope(Envelope(0, "abc").substr(0, 7)).status().code(),
            absl::StatusCode::kInvalidArgument)
      << "cut short";
}

TEST(ConnectTest, TimeoutsAreMillisecondsCappedByTheServer) {
  EXPECT_EQ(*Timeout("", absl::Seconds(30)), absl::Seconds(30));
  EXPECT_EQ(*Timeout("1500", absl::Seconds(30)), absl::Milliseconds(1500));
  EXPECT_EQ(*Timeout("9999999999", absl::Seconds(30)), absl::Seconds(30));
  EXPECT_EQ(Timeout("-5", absl::Seconds(30)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Timeout("1.5", absl::Seconds(30)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Timeout("12345678901", absl::Seconds(30)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lobby::gateway

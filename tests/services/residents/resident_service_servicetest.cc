// ResidentService through a real gRPC server on port 0, against a real Redis.
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "google/protobuf/util/message_differencer.h"
#include "lobby/v1/residents.grpc.pb.h"
#include "services/common/queue.h"
#include "tests/support/harness.h"

namespace lobby::residents {
namespace {

using lobby::testing::Harness;
using lobby::testing::kAdapterToken;
using lobby::testing::kAdminToken;
using lobby::testing::kAgentToken;
using lobby::testing::kTechToken;
using lobby::testing::RedisTest;
using lobby::testing::Result;
using lobby::testing::WaitFor;

class ResidentServiceTest : public lobby::testing::ServiceTest<v1::ResidentService> {
 protected:
  v1::CreateResidentRequest NewResident(const std::string& name, const std::string& phone,
                                        const std::string& floor = "12",
                                        const std::string& room = "A") {
    v1::CreateResidentRequest req;
    auto* r = req.mutable_resident();
    r->set_name(name);
    r->add_phones(phone);
    r->mutable_unit()->set_site_id("demo");
    r->mutable_unit()->set_building("Tower 1");
    r->mutable_unit()->set_floor(floor);
    r->mutable_unit()->set_room(room);
    r->set_role(v1::RESIDENT_ROLE_OWNER);
    return req;
  }
  v1::Resident Create(const std::string& name, const std::string& phone,
                      const std::string& floor = "12", const std::string& room = "A") {
    auto r = Call(&Stub::CreateResident, NewResident(name, phone, floor, room));
    EXPECT_TRUE(r.ok()) << r.status.error_message();
    return r.value;
  }
  // The verification SMS queued for `phone`: its code.
  std::string LastCodeFor(const std::string& phone) {
    auto r = server().conn().Command({"XREVRANGE", "lobby:q:outbound:sms", "+", "-", "COUNT", "1"});
    auto entries = queue::ParseEntries(*r);
    if (entries.empty() || entries[0].Get("to") != phone) return "";
    std::smatch m;
    std::string text(entries[0].Get("text"));
    return std::regex_search(text, m, std::regex("[0-9]{6}")) ? m.str() : "";
  }
};

TEST_F(ResidentServiceTest, CreateGetUpdateList) {
  v1::Resident a = Create("陳大文", "9123 4567");
  EXPECT_EQ(a.id(), "RS-10001");
  EXPECT_EQ(a.phones(0), "+85291234567");
  Create("Amy Wong", "6123 4567", "3", "B");

  v1::GetResidentRequest get;
  get.set_id(a.id());
  // Technicians learn about residents only through their own tickets, never by id.
  EXPECT_EQ(Call(&Stub::GetResident, get, kTechToken).code(), grpc::StatusCode::PERMISSION_DENIED);
  auto got = Call(&Stub::GetResident, get, kAgentToken);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(got.value, a));

  v1::UpdateResidentRequest up;
  up.mutable_resident()->set_id(a.id());
  up.mutable_resident()->set_language("en");
  up.mutable_resident()->add_tags("elderly");
  up.mutable_resident()->add_opted_out_channels(v1::CHANNEL_WHATSAPP);
  for (const char* p : {"language", "tags", "opted_out_channels"})
    up.mutable_update_mask()->add_paths(p);
  auto updated = Call(&Stub::UpdateResident, up, kAdapterToken);
  ASSERT_TRUE(updated.ok()) << updated.status.error_message();
  EXPECT_EQ(updated.value.language(), "en");
  EXPECT_EQ(updated.value.version(), 2);
  EXPECT_EQ(updated.value.name(), "陳大文") << "fields outside the mask are kept";

  v1::ListResidentsRequest list;
  list.set_site_id("demo");
  auto all = Call(&Stub::ListResidents, list);
  ASSERT_EQ(all.value.residents_size(), 2);
  EXPECT_EQ(all.value.residents(0).name(), "Amy Wong") << "floor 3 sorts before floor 12";
  list.set_floor("12");
  list.set_building("Tower 1");
  EXPECT_EQ(Call(&Stub::ListResidents, list).value.residents_size(), 1);
  v1::ListResidentsRequest by_phone;
  by_phone.set_phone("+852 9123 4567");
  EXPECT_EQ(Call(&Stub::ListResidents, by_phone).value.residents(0).id(), a.id());
}

TEST_F(ResidentServiceTest, TokensAndRoles) {
  auto before = server().Snapshot();
  EXPECT_EQ(Call(&Stub::CreateResident, NewResident("X", "9123 4567"), "").code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(
      Call(&Stub::CreateResident, NewResident("X", "9123 4567"), "not-a-token-0123456789").code(),
      grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Call(&Stub::CreateResident, NewResident("X", "9123 4567"), kTechToken).code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Call(&Stub::CreateResident, NewResident("X", "9123 4567"), kAdapterToken).code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::ImportResidentsRequest import;
  import.set_csv("name,phone,site,building,floor,room,role\nA,9123 4567,demo,T,1,A,owner\n");
  EXPECT_EQ(Call(&Stub::ImportResidents, import, kAgentToken).code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::MergeResidentsRequest merge;
  merge.set_survivor_id("RS-1");
  merge.set_merged_id("RS-2");
  EXPECT_EQ(Call(&Stub::MergeResidents, merge, kAgentToken).code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::ListResidentsRequest list;
  list.set_site_id("demo");
  EXPECT_EQ(Call(&Stub::ListResidents, list, kTechToken).code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(before, server().Snapshot()) << "a refused call writes nothing";
  EXPECT_TRUE(Call(&Stub::CreateResident, NewResident("X", "9123 4567"), kAgentToken).ok());
}

TEST_F(ResidentServiceTest, BadInputGetsAClearErrorAndChangesNothing) {
  v1::Resident a = Create("陳大文", "9123 4567");
  v1::Resident b = Create("Amy Wong", "6123 4567", "3", "B");
  v1::LinkIdentityRequest link;
  link.set_resident_id(a.id());
  link.set_channel(v1::CHANNEL_TELEGRAM);
  link.set_external_id("777");
  ASSERT_TRUE(Call(&Stub::LinkIdentity, link).ok());
  auto before = server().Snapshot();

  struct Case {
    const char* what;
    std::function<grpc::Status()> call;
    grpc::StatusCode want;
  };
  std::vector<Case> cases = {
      {"invalid phone",
       [&] { return Call(&Stub::CreateResident, NewResident("X", "12345")).status; },
       grpc::StatusCode::INVALID_ARGUMENT},
      {"no name", [&] { return Call(&Stub::CreateResident, NewResident("", "9876 5432")).status; },
       grpc::StatusCode::INVALID_ARGUMENT},
      {"bad site",
       [&] {
         auto req = NewResident("X", "9876 5432");
         req.mutable_resident()->mutable_unit()->set_site_id("Demo!");
         return Call(&Stub::CreateResident, req).status;
       },
       grpc::StatusCode::INVALID_ARGUMENT},
      {"phone already at that unit",
       [&] { return Call(&Stub::CreateResident, NewResident("Twin", "+85291234567")).status; },
       grpc::StatusCode::ALREADY_EXISTS},
      {"update without mask",
       [&] {
         v1::UpdateResidentRequest up;
         up.mutable_resident()->set_id(a.id());
         return Call(&Stub::UpdateResident, up).status;
       },
       grpc::StatusCode::INVALID_ARGUMENT},
      {"update to invalid phone",
       [&] {
         v1::UpdateResidentRequest up;
         up.mutable_resident()->set_id(a.id());
         up.mutable_resident()->add_phones("999");
         up.mutable_update_mask()->add_paths("phones");
         return Call(&Stub::UpdateResident, up).status;
       },
       grpc::StatusCode::INVALID_ARGUMENT},
      {"update onto another resident's phone and unit",
       [&] {
         v1::UpdateResidentRequest up;
         up.mutable_resident()->set_id(b.id());
         *up.mutable_resident()->mutable_unit() = a.unit();
         up.mutable_resident()->add_phones("+85291234567");
         up.mutable_update_mask()->add_paths("unit");
         up.mutable_update_mask()->add_paths("phones");
         return Call(&Stub::UpdateResident, up).status;
       },
       grpc::StatusCode::ALREADY_EXISTS},
      {"update unknown resident",
       [&] {
         v1::UpdateResidentRequest up;
         up.mutable_resident()->set_id("RS-99999");
         up.mutable_resident()->set_name("x");
         up.mutable_update_mask()->add_paths("name");
         return Call(&Stub::UpdateResident, up).status;
       },
       grpc::StatusCode::NOT_FOUND},
      {"stale version",
       [&] {
         v1::UpdateResidentRequest up;
         up.mutable_resident()->set_id(a.id());
         up.mutable_resident()->set_name("x");
         up.mutable_update_mask()->add_paths("name");
         up.set_expected_version(7);
         return Call(&Stub::UpdateResident, up).status;
       },
       grpc::StatusCode::ABORTED},
      {"list without site",
       [&] { return Call(&Stub::ListResidents, v1::ListResidentsRequest()).status; },
       grpc::StatusCode::INVALID_ARGUMENT},
      {"link identity owned by another",
       [&] {
         v1::LinkIdentityRequest l = link;
         l.set_resident_id(b.id());
         return Call(&Stub::LinkIdentity, l).status;
       },
       grpc::StatusCode::ALREADY_EXISTS},
      {"link without channel",
       [&] {
         v1::LinkIdentityRequest l = link;
         l.set_channel(v1::CHANNEL_UNSPECIFIED);
         return Call(&Stub::LinkIdentity, l).status;
       },
       grpc::StatusCode::INVALID_ARGUMENT},
      {"resolve unknown identity",
       [&] {
         v1::ResolveIdentityRequest r;
         r.set_channel(v1::CHANNEL_WECHAT);
         r.set_external_id("oABC");
         return Call(&Stub::ResolveIdentity, r).status;
       },
       grpc::StatusCode::NOT_FOUND},
      {"unlink unknown identity",
       [&] {
         v1::UnlinkIdentityRequest r;
         r.set_channel(v1::CHANNEL_WECHAT);
         r.set_external_id("oABC");
         return Call(&Stub::UnlinkIdentity, r).status;
       },
       grpc::StatusCode::NOT_FOUND},
      {"verification with invalid phone",
       [&] {
         v1::StartVerificationRequest v;
         v.set_channel(v1::CHANNEL_LINE);
         v.set_external_id("U1");
         v.set_phone("abc");
         *v.mutable_unit() = a.unit();
         return Call(&Stub::StartVerification, v).status;
       },
       grpc::StatusCode::INVALID_ARGUMENT},
      {"confirm with letters",
       [&] {
         v1::ConfirmVerificationRequest c;
         c.set_verification_id("x");
         c.set_code("12ab56");
         return Call(&Stub::ConfirmVerification, c).status;
       },
       grpc::StatusCode::INVALID_ARGUMENT},
      {"confirm unknown verification",
       [&] {
         v1::ConfirmVerificationRequest c;
         c.set_verification_id("nope");
         c.set_code("123456");
         return Call(&Stub::ConfirmVerification, c).status;
       },
       grpc::StatusCode::NOT_FOUND},
      {"merge into itself",
       [&] {
         v1::MergeResidentsRequest m;
         m.set_survivor_id(a.id());
         m.set_merged_id(a.id());
         return Call(&Stub::MergeResidents, m).status;
       },
       grpc::StatusCode::INVALID_ARGUMENT},
      {"merge unknown",
       [&] {
         v1::MergeResidentsRequest m;
         m.set_survivor_id(a.id());
         m.set_merged_id("RS-404");
         return Call(&Stub::MergeResidents, m).status;
       },
       grpc::StatusCode::NOT_FOUND},
      {"timeline entry without kind",
       [&] {
         v1::AppendTimelineRequest t;
         t.set_resident_id(a.id());
         return Call(&Stub::AppendTimeline, t).status;
       },
       grpc::StatusCode::INVALID_ARGUMENT},
      {"timeline of unknown resident",
       [&] {
         v1::ListTimelineRequest t;
         t.set_resident_id("RS-404");
         return Call(&Stub::ListTimeline, t).status;
       },
       grpc::StatusCode::NOT_FOUND},
      {"import with unknown column",
       [&] {
         v1::ImportResidentsRequest i;
         i.set_csv("name,phone,site,building,floor,room,role,email\n");
         return Call(&Stub::ImportResidents, i).status;
       },
       grpc::StatusCode::INVALID_ARGUMENT},
  };
  for (const Case& c : cases) {
    grpc::Status s = c.call();
    EXPECT_EQ(s.error_code(), c.want) << c.what << ": " << s.error_message();
    EXPECT_FALSE(s.error_message().empty()) << c.what;
    EXPECT_EQ(before, server().Snapshot()) << c.what << " changed Redis";
  }
}

TEST_F(ResidentServiceTest, ImportIsIdempotentAndReportsEveryRow) {
  const std::string csv =
      "name,phone,site,building,floor,room,role,language\n"
      "陳大文,9123 4567,demo,Tower 1,12,A,owner,zh-Hant\n"
      "\"Wong, Amy\",6123 4567,demo,Tower 1,3,B,tenant,en\n"
      "Bad Phone,12,demo,Tower 1,3,C,owner,en\n"
      "No Role,9234 5678,demo,Tower 1,3,C,,en\n";
  v1::ImportResidentsRequest req;
  req.set_csv(csv);
  req.set_dry_run(true);
  auto before = server().Snapshot();
  auto dry = Call(&Stub::ImportResidents, req);
  ASSERT_TRUE(dry.ok()) << dry.status.error_message();
  EXPECT_EQ(dry.value.created(), 2);
  EXPECT_EQ(dry.value.rejected(), 2);
  EXPECT_EQ(before, server().Snapshot()) << "a dry run writes nothing";

  req.set_dry_run(false);
  auto first = Call(&Stub::ImportResidents, req);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first.value.created(), 2);
  EXPECT_EQ(first.value.rejected(), 2);
  EXPECT_EQ(first.value.rows(2).line(), 4);
  EXPECT_EQ(first.value.rows(2).outcome(), v1::ImportRow::OUTCOME_REJECTED);
  EXPECT_NE(first.value.rows(2).error().find("not a valid phone number"), std::string::npos);
  EXPECT_NE(first.value.rows(3).error().find("role"), std::string::npos);

  auto second = Call(&Stub::ImportResidents, req);
  EXPECT_EQ(second.value.created(), 0);
  EXPECT_EQ(second.value.unchanged(), 2);

  req.set_csv(
      "name,phone,site,building,floor,room,role,language\n陳大文,+852 9123 4567,demo,Tower "
      "1,12,A,family,zh-Hant\n");
  auto third = Call(&Stub::ImportResidents, req);
  EXPECT_EQ(third.value.updated(), 1);
  EXPECT_EQ(third.value.rows(0).resident_id(), "RS-10001");
  v1::ListResidentsRequest list;
  list.set_site_id("demo");
  auto all = Call(&Stub::ListResidents, list);
  ASSERT_EQ(all.value.residents_size(), 2);
  EXPECT_EQ(all.value.residents(1).role(), v1::RESIDENT_ROLE_FAMILY);
}

TEST_F(ResidentServiceTest, VerificationLinksAVerifiedIdentity) {
  v1::Resident a = Create("陳大文", "9123 4567");
  v1::StartVerificationRequest start;
  start.set_channel(v1::CHANNEL_TELEGRAM);
  start.set_external_id("5550001");
  start.set_phone("91234567");
  *start.mutable_unit() = a.unit();
  auto started = Call(&Stub::StartVerification, start, kAdapterToken);
  ASSERT_TRUE(started.ok()) << started.status.error_message();
  EXPECT_EQ(started.value.masked_phone(), "+852****4567");
  std::string code = LastCodeFor("+85291234567");
  ASSERT_EQ(code.size(), 6u);

  v1::ConfirmVerificationRequest confirm;
  confirm.set_verification_id(started.value.verification_id());
  confirm.set_code(code == "000000" ? "111111" : "000000");
  auto wrong = Call(&Stub::ConfirmVerification, confirm, kAdapterToken);
  EXPECT_EQ(wrong.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(wrong.status.error_message().find("4 attempts left"), std::string::npos);

  confirm.set_code(code);
  auto ok = Call(&Stub::ConfirmVerification, confirm, kAdapterToken);
  ASSERT_TRUE(ok.ok()) << ok.status.error_message();
  EXPECT_EQ(ok.value.resident().id(), a.id());
  EXPECT_TRUE(ok.value.identity().verified());

  v1::ResolveIdentityRequest resolve;
  resolve.set_channel(v1::CHANNEL_TELEGRAM);
  resolve.set_external_id("5550001");
  auto resolved = Call(&Stub::ResolveIdentity, resolve, kAdapterToken);
  ASSERT_TRUE(resolved.ok());
  EXPECT_EQ(resolved.value.resident().id(), a.id());
  EXPECT_EQ(Call(&Stub::ConfirmVerification, confirm, kAdapterToken).code(),
            grpc::StatusCode::NOT_FOUND)
      << "a code is used once";
}

TEST_F(ResidentServiceTest, VerificationCodesExpireAndAttemptsRunOut) {
  v1::Resident a = Create("陳大文", "9123 4567");
  v1::StartVerificationRequest start;
  start.set_channel(v1::CHANNEL_WHATSAPP);
  start.set_external_id("85291234567");
  start.set_phone("91234567");
  *start.mutable_unit() = a.unit();
  auto s1 = Call(&Stub::StartVerification, start);
  ASSERT_TRUE(s1.ok());
  v1::ConfirmVerificationRequest confirm;
  confirm.set_verification_id(s1.value.verification_id());
  confirm.set_code(LastCodeFor("+85291234567"));
  clock_.Advance(absl::Minutes(11));
  EXPECT_EQ(Call(&Stub::ConfirmVerification, confirm).code(), grpc::StatusCode::NOT_FOUND);

  auto s2 = Call(&Stub::StartVerification, start);
  ASSERT_TRUE(s2.ok());
  std::string code = LastCodeFor("+85291234567");
  confirm.set_verification_id(s2.value.verification_id());
  confirm.set_code(code == "000000" ? "111111" : "000000");
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(Call(&Stub::ConfirmVerification, confirm).code(), grpc::StatusCode::INVALID_ARGUMENT);
  confirm.set_code(code);
  EXPECT_EQ(Call(&Stub::ConfirmVerification, confirm).code(), grpc::StatusCode::NOT_FOUND)
      << "after the last wrong attempt even the right code is refused";

  v1::StartVerificationRequest stranger = start;
  stranger.set_phone("6999 8888");
  EXPECT_EQ(Call(&Stub::StartVerification, stranger).code(), grpc::StatusCode::NOT_FOUND);
  for (int i = 0; i < 3; ++i) (void)Call(&Stub::StartVerification, start);
  EXPECT_EQ(Call(&Stub::StartVerification, start).code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(ResidentServiceTest, MergeMovesIdentitiesPhonesAndHistory) {
  v1::Resident a = Create("陳大文", "9123 4567");
  v1::Resident dup = Create("陳大文 (dup)", "6123 4567");
  v1::LinkIdentityRequest link;
  link.set_resident_id(dup.id());
  link.set_channel(v1::CHANNEL_WECHAT);
  link.set_external_id("oWx123");
  ASSERT_TRUE(Call(&Stub::LinkIdentity, link).ok());
  v1::AppendTimelineRequest note;
  note.set_resident_id(dup.id());
  note.mutable_entry()->set_kind(v1::TimelineEntry::KIND_MESSAGE_IN);
  note.mutable_entry()->set_text("水喉漏水");
  ASSERT_TRUE(Call(&Stub::AppendTimeline, note, kAdapterToken).ok());
  clock_.Advance(absl::Seconds(1));

  v1::MergeResidentsRequest merge;
  merge.set_survivor_id(a.id());
  merge.set_merged_id(dup.id());
  auto merged = Call(&Stub::MergeResidents, merge);
  ASSERT_TRUE(merged.ok()) << merged.status.error_message();
  EXPECT_EQ(merged.value.phones_size(), 2);
  EXPECT_EQ(merged.value.merged_ids(0), dup.id());

  v1::GetResidentRequest get;
  get.set_id(dup.id());
  EXPECT_EQ(Call(&Stub::GetResident, get).value.id(), a.id());
  v1::ResolveIdentityRequest resolve;
  resolve.set_channel(v1::CHANNEL_WECHAT);
  resolve.set_external_id("oWx123");
  EXPECT_EQ(Call(&Stub::ResolveIdentity, resolve).value.resident().id(), a.id());
  v1::ListTimelineRequest tl;
  tl.set_resident_id(a.id());
  auto timeline = Call(&Stub::ListTimeline, tl);
  ASSERT_EQ(timeline.value.entries_size(), 2);
  EXPECT_EQ(timeline.value.entries(1).text(), "水喉漏水");
  EXPECT_EQ(Call(&Stub::MergeResidents, merge).code(), grpc::StatusCode::FAILED_PRECONDITION)
      << "merging again is refused";
  v1::ListResidentsRequest list;
  list.set_site_id("demo");
  EXPECT_EQ(Call(&Stub::ListResidents, list).value.residents_size(), 1);
}

TEST_F(ResidentServiceTest, TimelineIsNewestFirstPagedAndIdempotent) {
  v1::Resident a = Create("陳大文", "9123 4567");
  for (int i = 0; i < 7; ++i) {
    clock_.Advance(absl::Seconds(1));
    v1::AppendTimelineRequest req;
    req.set_resident_id(a.id());
    req.set_idempotency_key("sms:SM" + std::to_string(i));
    req.mutable_entry()->set_kind(v1::TimelineEntry::KIND_MESSAGE_IN);
    req.mutable_entry()->set_channel(v1::CHANNEL_SMS);
    req.mutable_entry()->set_text("message " + std::to_string(i));
    ASSERT_TRUE(Call(&Stub::AppendTimeline, req, kAdapterToken).ok());
    if (i == 3) {
      EXPECT_EQ(Call(&Stub::AppendTimeline, req, kAdapterToken).code(),
                grpc::StatusCode::ALREADY_EXISTS);
    }
  }
  v1::ListTimelineRequest tl;
  tl.set_resident_id(a.id());
  tl.set_page_size(4);
  auto p1 = Call(&Stub::ListTimeline, tl);
  ASSERT_EQ(p1.value.entries_size(), 4);
  EXPECT_EQ(p1.value.entries(0).text(), "message 6");
  tl.set_page_token(p1.value.next_page_token());
  auto p2 = Call(&Stub::ListTimeline, tl);
  ASSERT_EQ(p2.value.entries_size(), 3);
  EXPECT_EQ(p2.value.entries(2).text(), "message 0");
  EXPECT_TRUE(p2.value.next_page_token().empty());
}

TEST_F(ResidentServiceTest, TicketEventsReachTheTimelineOnce) {
  v1::Resident a = Create("陳大文", "9123 4567");
  auto& redis = harness_->runtime->redis();
  queue::Fields ev = {{"v", "1"},
                      {"type", "ticket.created"},
                      {"ticket_id", "R-10001"},
                      {"resident_id", a.id()},
                      {"actor", "resident"},
                      {"note", "kitchen tap leaking"}};
  ASSERT_TRUE(queue::Publish(redis, queue::kTicketsStream, ev).ok());
  ASSERT_TRUE(queue::Publish(redis, queue::kTicketsStream,
                             {{"type", "ticket.created"}, {"ticket_id", "R-10002"}})
                  .ok());
  v1::ListTimelineRequest tl;
  tl.set_resident_id(a.id());
  ASSERT_TRUE(WaitFor([&] { return Call(&Stub::ListTimeline, tl).value.entries_size() == 1; }));
  auto e = Call(&Stub::ListTimeline, tl).value.entries(0);
  EXPECT_EQ(e.kind(), v1::TimelineEntry::KIND_TICKET_EVENT);
  EXPECT_EQ(e.ticket_id(), "R-10001");
  EXPECT_EQ(e.text(), "ticket.created: kitchen tap leaking");
  ASSERT_TRUE(WaitFor([&] {
    auto r = server().conn().Command({"XPENDING", queue::kTicketsStream, "timeline"});
    return r.ok() && r->elements[0].integer == 0;
  }));
  EXPECT_EQ(Call(&Stub::ListTimeline, tl).value.entries_size(), 1);
}

TEST_F(ResidentServiceTest, ConcurrentUpdatesBothLand) {
  v1::Resident a = Create("陳大文", "9123 4567");
  auto update = [&](const char* path, std::function<void(v1::Resident*)> set) {
    for (int i = 0; i < 10; ++i) {
      v1::UpdateResidentRequest up;
      up.mutable_resident()->set_id(a.id());
      set(up.mutable_resident());
      up.mutable_update_mask()->add_paths(path);
      EXPECT_TRUE(Call(&Stub::UpdateResident, up).ok());
    }
  };
  std::thread t1(update, "language", [](v1::Resident* r) { r->set_language("en"); });
  std::thread t2(update, "tags", [](v1::Resident* r) { r->add_tags("vip"); });
  t1.join();
  t2.join();
  v1::GetResidentRequest get;
  get.set_id(a.id());
  auto r = Call(&Stub::GetResident, get).value;
  EXPECT_EQ(r.language(), "en");
  ASSERT_EQ(r.tags_size(), 1);
  EXPECT_EQ(r.tags(0), "vip");
  EXPECT_EQ(r.version(), 3) << "each real change bumps the version once; repeats change nothing";
}

TEST_F(ResidentServiceTest, CallbackTasksOnePerPersonUntilDone) {
  v1::Resident a = Create("陳大文", "9123 4567");
  v1::LinkIdentityRequest link;
  link.set_resident_id(a.id());
  link.set_channel(v1::CHANNEL_WECHAT);
  link.set_external_id("oWx-openid-1");
  link.set_verified(true);
  ASSERT_TRUE(Call(&Stub::LinkIdentity, link).ok());

  v1::RequestCallbackRequest req;
  req.mutable_task()->set_channel(v1::CHANNEL_WECHAT);
  req.mutable_task()->set_external_id("oWx-openid-1");
  req.mutable_task()->set_reason("asked_for_desk");
  req.mutable_task()->set_text("我要搵人");
  req.set_idempotency_key("wechat:msg-1");
  auto first = Call(&Stub::RequestCallback, req, kAdapterToken);
  ASSERT_TRUE(first.ok()) << first.status.error_message();
  EXPECT_EQ(first.value.id(), "CB-10001");
  EXPECT_EQ(first.value.resident_id(), a.id()) << "found through the chat identity";
  EXPECT_EQ(first.value.phone(), "+85291234567");
  EXPECT_EQ(first.value.site_id(), "demo");
  EXPECT_EQ(first.value.name(), "陳大文");
  EXPECT_EQ(Call(&Stub::RequestCallback, req, kAdapterToken).value.requests(), 1)
      << "a retry is not a second request";

  req.set_idempotency_key("wechat:msg-2");
  auto again = Call(&Stub::RequestCallback, req, kAdapterToken);
  EXPECT_EQ(again.value.id(), "CB-10001") << "one open task per person";
  EXPECT_EQ(again.value.requests(), 2);

  v1::RequestCallbackRequest stranger;
  stranger.mutable_task()->set_site_id("demo");
  stranger.mutable_task()->set_phone("6123 4501");
  stranger.mutable_task()->set_reason("missed_call");
  auto other = Call(&Stub::RequestCallback, stranger, kAdapterToken);
  ASSERT_TRUE(other.ok()) << other.status.error_message();
  EXPECT_TRUE(other.value.resident_id().empty());
  EXPECT_EQ(other.value.phone(), "+85261234501");

  v1::RequestCallbackRequest bad;
  bad.mutable_task()->set_site_id("demo");
  bad.mutable_task()->set_reason("missed_call");
  EXPECT_EQ(Call(&Stub::RequestCallback, bad, kAdapterToken).status.error_code(),
            grpc::StatusCode::INVALID_ARGUMENT)
      << "nobody to call back";
  bad.mutable_task()->set_phone("6123 4502");
  bad.mutable_task()->set_reason("");
  EXPECT_EQ(Call(&Stub::RequestCallback, bad, kAdapterToken).status.error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  v1::ListCallbacksRequest list;
  list.set_site_id("demo");
  EXPECT_EQ(Call(&Stub::ListCallbacks, list, kAdapterToken).status.error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto open = Call(&Stub::ListCallbacks, list, kAgentToken);
  ASSERT_EQ(open.value.tasks_size(), 2);
  EXPECT_EQ(open.value.tasks(0).id(), "CB-10001") << "oldest first";

  v1::CompleteCallbackRequest done;
  done.set_id("CB-10001");
  EXPECT_EQ(Call(&Stub::CompleteCallback, done, kAgentToken).status.error_code(),
            grpc::StatusCode::INVALID_ARGUMENT)
      << "an outcome is required";
  done.set_outcome("Called, visit booked for Friday");
  auto completed = Call(&Stub::CompleteCallback, done, kAgentToken);
  ASSERT_TRUE(completed.ok()) << completed.status.error_message();
  EXPECT_TRUE(completed.value.done());
  EXPECT_FALSE(completed.value.done_by().empty());
  EXPECT_EQ(Call(&Stub::CompleteCallback, done, kAgentToken).status.error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Call(&Stub::ListCallbacks, list, kAgentToken).value.tasks_size(), 1);
  list.set_include_done(true);
  EXPECT_EQ(Call(&Stub::ListCallbacks, list, kAgentToken).value.tasks_size(), 2);

  req.set_idempotency_key("wechat:msg-3");
  EXPECT_EQ(Call(&Stub::RequestCallback, req, kAdapterToken).value.id(), "CB-10003")
      << "after it was done, a new task";

  v1::ListTimelineRequest tl;
  tl.set_resident_id(a.id());
  auto timeline = Call(&Stub::ListTimeline, tl, kAgentToken);
  int notes = 0;
  for (const auto& e : timeline.value.entries()) notes += e.kind() == v1::TimelineEntry::KIND_NOTE;
  EXPECT_EQ(notes, 3) << "requested, called back, requested again";
}

}  // namespace
}  // namespace lobby::residents

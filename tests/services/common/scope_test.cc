// Estate scoping over any proto, and the grants the accounts store for the auth layer.
#include "services/common/scope.h"

#include <gtest/gtest.h>

#include "lobby/v1/repairs.pb.h"
#include "lobby/v1/residents.pb.h"
#include "services/common/sessions.h"

namespace lobby {
namespace {

auth::Principal Of(std::vector<std::string> estates) {
  return auth::Principal{.role = auth::Role::kManager,
                         .name = "may",
                         .all_estates = false,
                         .estates = std::move(estates)};
}

TEST(ScopeTest, AnEstateIsFoundAtTheTopOrInsideSingularFields) {
  v1::CreateResidentRequest create;
  create.mutable_resident()->mutable_unit()->set_site_id("harbour");
  EXPECT_EQ(SiteOf(create), "harbour");
  v1::ListTicketsRequest list;
  list.set_site_id("demo");
  EXPECT_EQ(SiteOf(list), "demo");
  EXPECT_EQ(SiteOf(v1::GetTicketRequest()), "");
}

TEST(ScopeTest, ARequestNamingAnotherEstateIsRefused) {
  v1::ListTicketsRequest list;
  list.set_site_id("harbour");
  auto s = CheckRequestEstate(Of({"demo"}), list);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(), "'may' may not act in estate 'harbour'");
  EXPECT_TRUE(CheckRequestEstate(Of({"demo", "harbour"}), list).ok());
  EXPECT_TRUE(CheckRequestEstate(auth::Principal{}, list).ok()) << "every estate";
  EXPECT_TRUE(CheckRequestEstate(Of({"demo"}), v1::GetTicketRequest()).ok()) << "names none";
}

TEST(ScopeTest, RepliesKeepOnlyTheCallersEstates) {
  v1::Ticket other;
  other.set_id("R-10002");
  other.set_site_id("harbour");
  EXPECT_EQ(ScopeResponse(Of({"demo"}), other).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(other.id(), "") << "cleared";

  v1::ListTicketsResponse list;
  for (const char* site : {"demo", "harbour", "demo", "harbour", "harbour"}) {
    v1::Ticket* t = list.add_tickets();
    t->set_site_id(site);
    t->set_id(absl::StrCat("R-", list.tickets_size()));
  }
  ASSERT_TRUE(ScopeResponse(Of({"demo"}), list).ok());
  ASSERT_EQ(list.tickets_size(), 2);
  EXPECT_EQ(list.tickets(0).id(), "R-1");
  EXPECT_EQ(list.tickets(1).id(), "R-3");

  v1::ListResidentsResponse residents;
  residents.add_residents()->mutable_unit()->set_site_id("harbour");
  residents.add_residents()->mutable_unit()->set_site_id("demo");
  ASSERT_TRUE(ScopeResponse(Of({"demo"}), residents).ok());
  ASSERT_EQ(residents.residents_size(), 1);
  EXPECT_EQ(residents.residents(0).unit().site_id(), "demo");
}

TEST(ScopeTest, TheAuditTargetIsWhatTheCallWasAbout) {
  v1::TransitionRequest t;
  t.set_id("R-10001");
  EXPECT_EQ(AuditTarget(t, v1::Ticket()), "R-10001");
  v1::Ticket created;
  created.set_id("R-10009");
  EXPECT_EQ(AuditTarget(v1::CreateTicketRequest(), created), "R-10009");
}

TEST(GrantsTest, EncodeAndParseRoundTrip) {
  std::vector<auth::Grant> grants = {
      {.site = "demo", .roles = {auth::Role::kAgent, auth::Role::kSupervisor}, .member = "cheung"},
      {.site = "*", .roles = {auth::Role::kAdmin}}};
  std::string text = auth::EncodeGrants(grants);
  EXPECT_EQ(text, "demo=agent+supervisor/cheung;*=admin");
  auto back = auth::ParseGrants(text);
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->size(), 2u);
  EXPECT_TRUE((*back)[0].roles.Has(auth::Role::kSupervisor));
  EXPECT_FALSE((*back)[0].roles.Has(auth::Role::kManager));
  EXPECT_EQ((*back)[0].member, "cheung");
  EXPECT_FALSE(auth::ParseGrants("demo=wizard").ok());
  EXPECT_FALSE(auth::ParseGrants("demo=").ok());
}

TEST(GrantsTest, APrincipalTakesTheHighestAllowedRoleAndItsEstates) {
  auth::Identity id{.kind = "session",
                    .user = "chan",
                    .grants = {{.site = "demo", .roles = {auth::Role::kAgent}},
                               {.site = "harbour", .roles = {auth::Role::kManager}}}};
  auto p = auth::PrincipalFor(id, {auth::Role::kAgent, auth::Role::kManager}, "m");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->role, auth::Role::kManager);
  EXPECT_EQ(p->estates, (std::vector<std::string>{"demo", "harbour"}));
  // A manager-only method: only the estate where they manage.
  auto m = auth::PrincipalFor(id, {auth::Role::kManager}, "m");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->estates, std::vector<std::string>{"harbour"});
  EXPECT_EQ(auth::PrincipalFor(id, {auth::Role::kAdmin}, "m").status().code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace lobby

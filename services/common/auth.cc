#include "services/common/auth.h"

#include <openssl/sha.h>

#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/status_macros.h"

namespace lobby::auth {
namespace {

constexpr std::pair<absl::string_view, Role> kRoles[] = {
    {"adapter", Role::kAdapter},       {"agent", Role::kAgent},
    {"technician", Role::kTechnician}, {"supervisor", Role::kSupervisor},
    {"manager", Role::kManager},       {"admin", Role::kAdmin}};

std::string Digest(absl::string_view token) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), d);
  return std::string(reinterpret_cast<char*>(d), sizeof d);
}

}  // namespace

absl::string_view RoleName(Role role) {
  for (const auto& [name, r] : kRoles) {
    if (r == role) return name;
  }
  return "unknown";
}

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  for (const auto& [n, r] : kRoles) {
    if (n == name) return r;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown role '", name, "' (adapter, agent, technician, supervisor, manager, admin)"));
}

void Authenticator::Add(Role role, absl::string_view token, std::string name) {
  tokens_[Digest(token)] = Principal{role, std::move(name)};
}

absl::StatusOr<Authenticator> Authenticator::Load(const std::string& tokens_file,
                                                  const std::string& tokens) {
  Authenticator a;
  if (!tokens_file.empty()) {
    std::ifstream in(tokens_file);
    if (!in)
      return absl::InvalidArgumentError(absl::StrCat("cannot read tokens file ", tokens_file));
    std::string line;
    int lineno = 0;
    while (std::getline(in, line)) {
      ++lineno;
      absl::string_view l = absl::StripAsciiWhitespace(line);
      if (l.empty() || l[0] == '#') continue;
      std::vector<absl::string_view> parts =
          absl::StrSplit(l, absl::ByAnyChar(" \t"), absl::SkipEmpty());
      auto role = ParseRole(parts[0]);
      if (!role.ok() || parts.size() < 2) {
        return absl::InvalidArgumentError(
            absl::StrCat(tokens_file, ":", lineno,
                         ": expected 'ROLE TOKEN [NAME]' with ROLE one of adapter, "
                         "agent, technician, supervisor, manager, admin"));
      }
      if (parts[1].size() < 16) {
        return absl::InvalidArgumentError(
            absl::StrCat(tokens_file, ":", lineno, ": token too short (16 characters at least)"));
      }
      std::string name =
          parts.size() > 2 ? std::string(parts[2]) : absl::StrCat(parts[0], "@", lineno);
      a.Add(*role, parts[1], std::move(name));
    }
  }
  int i = 0;
  for (absl::string_view item : absl::StrSplit(tokens, ',', absl::SkipEmpty())) {
    ++i;
    std::vector<absl::string_view> parts = absl::StrSplit(absl::StripAsciiWhitespace(item), ':');
    auto role = ParseRole(parts[0]);
    if (!role.ok() || parts.size() < 2 || parts.size() > 3 || parts[1].size() < 16) {
      return absl::InvalidArgumentError(
          absl::StrCat("LOBBY_TOKENS item ", i,
                       ": expected ROLE:TOKEN[:NAME], a known role and a token of 16 "
                       "characters at least"));
    }
    a.Add(*role, parts[1],
          parts.size() > 2 ? std::string(parts[2]) : absl::StrCat(parts[0], "#", i));
  }
  return a;
}

absl::Status CheckEstate(const Principal& p, absl::string_view site) {
  if (MayActIn(p, site)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat("'", p.name, "' may not act in estate '", site, "'"));
}

void Authenticator::SetResolver(Resolver resolver, const Clock* clock, absl::Duration cache_ttl) {
  resolver_ = std::move(resolver);
  clock_ = clock;
  cache_ttl_ = cache_ttl;
}

void Authenticator::Forget(absl::string_view digest) const {
  absl::MutexLock lock(&cache_->mu);
  cache_->entries.erase(digest);
}

absl::StatusOr<Identity> Authenticator::Lookup(absl::string_view secret) const {
  if (!resolver_) return absl::UnauthenticatedError("unknown bearer token");
  std::string digest = HexDigest(secret);
  absl::Time now = clock_->Now();
  {
    absl::MutexLock lock(&cache_->mu);
    auto it = cache_->entries.find(digest);
    if (it != cache_->entries.end() && it->second.second > now) return it->second.first;
  }
  auto identity = resolver_(secret);
  if (!identity.ok()) return identity.status();
  absl::MutexLock lock(&cache_->mu);
  if (cache_->entries.size() >= 100000) cache_->entries.clear();  // bounded, whatever comes
  cache_->entries[digest] = {*identity, now + cache_ttl_};
  return identity;
}

absl::StatusOr<Principal> Authenticator::Check(absl::string_view header, RoleSet allowed,
                                               absl::string_view method) const {
  absl::string_view token = header;
  if (!absl::ConsumePrefix(&token, "Bearer ") && !absl::ConsumePrefix(&token, "bearer ")) {
    return absl::UnauthenticatedError("missing bearer token (authorization: Bearer <token>)");
  }
  token = absl::StripAsciiWhitespace(token);
  auto it = tokens_.find(Digest(token));
  if (it == tokens_.end()) {
    if (!absl::StartsWith(token, kSessionPrefix) && !absl::StartsWith(token, kMachinePrefix))
      return absl::UnauthenticatedError("unknown bearer token");
    LOBBY_ASSIGN_OR_RETURN(Identity identity, Lookup(token));
    return PrincipalFor(identity, allowed, method);
  }
  if (!allowed.Has(it->second.role)) {
    return absl::PermissionDeniedError(
        absl::StrCat("role '", RoleName(it->second.role), "' may not call ", method));
  }
  return it->second;
}

absl::StatusOr<Principal> Authenticator::Authorize(const grpc::CallbackServerContext& ctx,
                                                   RoleSet allowed,
                                                   absl::string_view method) const {
  if (allowed.IsPublic()) return Principal{.name = "anonymous", .kind = "anonymous"};
  const auto& md = ctx.client_metadata();
  auto it = md.find("authorization");
  if (it == md.end()) {
    return absl::UnauthenticatedError("missing bearer token (authorization: Bearer <token>)");
  }
  auto f = md.find(kActingForHeader);
  absl::string_view acting_for =
      f == md.end() ? absl::string_view() : absl::string_view(f->second.data(), f->second.size());
  absl::string_view member = acting_for;
  if (!absl::ConsumePrefix(&member, "member:")) {
    auto principal =
        Check(absl::string_view(it->second.data(), it->second.size()), allowed, method);
    if (principal.ok() && principal->role == Role::kAdapter)
      principal->acting_for = std::string(acting_for);
    return principal;
  }
  // An adapter acting for a staff member it linked (a verified chat identity) is that member, with
  // exactly a technician's rights: the same checks as their own token would meet. Adapters left
  // without a token of their own call with the process's service token (an admin's).
  auto adapter = Check(absl::string_view(it->second.data(), it->second.size()),
                       RoleSet{Role::kAdapter, Role::kAdmin}, method);
  if (!adapter.ok()) {
    if (absl::IsUnauthenticated(adapter.status())) return adapter.status();
    return absl::PermissionDeniedError(absl::StrCat(
        "only an adapter (or an admin) acts for a member (", kActingForHeader, ": member:ID)"));
  }
  if (member.empty() || member.size() > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat(kActingForHeader, ": member:ID names the estate's member id"));
  }
  if (!allowed.Has(Role::kTechnician)) {
    return absl::PermissionDeniedError(
        absl::StrCat("a member ('technician') may not call ", method));
  }
  return Principal{.role = Role::kTechnician,
                   .name = std::string(member),
                   .all_estates = adapter->all_estates,
                   .estates = adapter->estates,
                   .acting_for = std::string(acting_for)};
}

}  // namespace lobby::auth

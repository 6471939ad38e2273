#pragma once

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Early returns on errors, after Abseil's status_macros.h (not shipped by Debian's abseil):
//   LOBBY_RETURN_IF_ERROR(store_.Put(x));            // returns the status unless it is OK
//   LOBBY_ASSIGN_OR_RETURN(auto t, store_.Get(id));  // t is the value; returns the error otherwise
// Both work in functions returning absl::Status or absl::StatusOr<T>.

#define LOBBY_RETURN_IF_ERROR(expr)                                   \
  do {                                                                \
    if (::absl::Status lobby_status_ = (expr); !lobby_status_.ok()) { \
      return lobby_status_;                                           \
    }                                                                 \
  } while (false)

#define LOBBY_STATUS_CONCAT_INNER(a, b) a##b
#define LOBBY_STATUS_CONCAT(a, b) LOBBY_STATUS_CONCAT_INNER(a, b)

#define LOBBY_ASSIGN_OR_RETURN(lhs, rexpr) \
  LOBBY_ASSIGN_OR_RETURN_IMPL(LOBBY_STATUS_CONCAT(lobby_statusor_, __LINE__), lhs, rexpr)

#define LOBBY_ASSIGN_OR_RETURN_IMPL(statusor, lhs, rexpr)  \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = *std::move(statusor)

// Turns a compiled Hyperscan database into the bytes a bundle carries (and frees it):
// shared by the rule compiler and the discovery compiler.
#pragma once

#include <hs/hs.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

namespace bulwark::rules {

// false if Hyperscan cannot serialize it; `db` is freed either way.
inline bool serialize_and_free(hs_database_t* db, std::vector<uint8_t>& out) {
  char* bytes = nullptr;
  size_t len = 0;
  const hs_error_t rc = hs_serialize_database(db, &bytes, &len);
  hs_free_database(db);
  if (rc != HS_SUCCESS) return false;
  out.assign(bytes, bytes + len);
  std::free(bytes);
  return true;
}

}  // namespace bulwark::rules

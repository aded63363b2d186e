// Messages between Bulwark's processes (bulwarkctl <-> bulwark-control <-> dataplane):
// a frame is a 4-byte big-endian length and then that many bytes of CBOR holding one
// map. CBOR rather than JSON text because rule bundles travel as binary. A frame comes
// from another process, so it is decoded with a size limit and a nesting limit and
// every field is checked by whoever reads it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace bulwark::api {

using json = nlohmann::json;

inline constexpr uint32_t kMaxFrame = 64u << 20;  // a bundle of ~10^5 rules fits
inline constexpr unsigned kMaxDepth = 32;

// Length prefix + CBOR of `msg`.
std::vector<uint8_t> encode(const json& msg);

// CBOR bytes -> a map. false and `error` for anything else (truncated, trailing bytes,
// nested deeper than kMaxDepth, not a map).
bool decode(const uint8_t* data, size_t size, json& out, std::string& error);

// Collects bytes read from a stream socket and yields whole messages.
class FrameReader {
 public:
  void feed(const uint8_t* data, size_t size);
  // 1: `out` holds the next message; 0: need more bytes; -1: broken stream (`error`
  // says why; the connection should be closed).
  int next(json& out, std::string& error);
  size_t buffered() const { return buf_.size() - off_; }

 private:
  std::vector<uint8_t> buf_;
  size_t off_ = 0;
};

// Helpers for the fields of a message: the value if present with the right type,
// otherwise `fallback`.
std::string get_string(const json& m, const char* key, const std::string& fallback = {});
uint64_t get_u64(const json& m, const char* key, uint64_t fallback = 0);
bool get_bool(const json& m, const char* key, bool fallback = false);

}  // namespace bulwark::api

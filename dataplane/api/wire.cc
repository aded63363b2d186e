// Frame encoding and bounded decoding (see wire.h).
#include "dataplane/api/wire.h"

#include <cstring>

#include "rules/lang/cbor_limited.h"

namespace bulwark::api {

std::vector<uint8_t> encode(const json& msg) {
  std::vector<uint8_t> out(4);
  json::to_cbor(msg, out);
  const size_t n = out.size() - 4;
  out[0] = static_cast<uint8_t>(n >> 24);
  out[1] = static_cast<uint8_t>(n >> 16);
  out[2] = static_cast<uint8_t>(n >> 8);
  out[3] = static_cast<uint8_t>(n);
  return out;
}

bool decode(const uint8_t* data, size_t size, json& out, std::string& error) {
  if (!rules::parse_cbor_limited(data, size, kMaxDepth, out, error)) return false;
  if (!out.is_object()) {
    error = "message is not a CBOR map";
    return false;
  }
  return true;
}

void FrameReader::feed(const uint8_t* data, size_t size) {
  if (off_ > 0 && off_ == buf_.size()) {
    buf_.clear();
    off_ = 0;
  }
  buf_.insert(buf_.end(), data, data + size);
}

int FrameReader::next(json& out, std::string& error) {
  if (buffered() < 4) return 0;
  const uint8_t* p = buf_.data() + off_;
  const uint32_t n = uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
  if (n == 0 || n > kMaxFrame) {
    error = "frame of " + std::to_string(n) + " bytes (limit " + std::to_string(kMaxFrame) + ")";
    return -1;
  }
  if (buffered() < 4 + size_t{n}) return 0;
  const bool ok = decode(p + 4, n, out, error);
  off_ += 4 + size_t{n};
  if (off_ > (1u << 20) && off_ * 2 > buf_.size()) {  // keep the buffer from growing
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(off_));
    off_ = 0;
  }
  return ok ? 1 : -1;
}

std::string get_string(const json& m, const char* key, const std::string& fallback) {
  const auto it = m.find(key);
  return it != m.end() && it->is_string() ? it->get<std::string>() : fallback;
}

uint64_t get_u64(const json& m, const char* key, uint64_t fallback) {
  const auto it = m.find(key);
  if (it == m.end() || !it->is_number_integer()) return fallback;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  const int64_t v = it->get<int64_t>();  // built in-process, not from CBOR
  return v < 0 ? fallback : static_cast<uint64_t>(v);
}

bool get_bool(const json& m, const char* key, bool fallback) {
  const auto it = m.find(key);
  return it != m.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

}  // namespace bulwark::api

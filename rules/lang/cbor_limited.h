// CBOR -> nlohmann::json with a nesting limit. nlohmann's CBOR reader recurses once
// per nesting level, so hostile input nested a few thousand levels deep overflows the
// stack (found by fuzz_bundle); this SAX handler builds the same document but stops at
// `max_depth`. Used for bundles and for every message between processes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace bulwark::rules {

namespace cbor_detail {
struct DepthLimitedSax : nlohmann::detail::json_sax_dom_parser<nlohmann::json> {
  DepthLimitedSax(nlohmann::json& root, unsigned max)
      : json_sax_dom_parser(root, false), max_depth(max) {}
  unsigned max_depth;
  unsigned depth = 0;
  bool too_deep = false;
  bool start_object(std::size_t n) {
    if (++depth > max_depth) return !(too_deep = true);
    return json_sax_dom_parser::start_object(n);
  }
  bool end_object() {
    --depth;
    return json_sax_dom_parser::end_object();
  }
  bool start_array(std::size_t n) {
    if (++depth > max_depth) return !(too_deep = true);
    return json_sax_dom_parser::start_array(n);
  }
  bool end_array() {
    --depth;
    return json_sax_dom_parser::end_array();
  }
};
}  // namespace cbor_detail

// false and `error` if the bytes are not exactly one CBOR item or nest too deep.
inline bool parse_cbor_limited(const uint8_t* data, size_t size, unsigned max_depth,
                               nlohmann::json& out, std::string& error) {
  out = nlohmann::json();
  cbor_detail::DepthLimitedSax sax(out, max_depth);
  bool ok = false;
  try {
    ok = nlohmann::json::sax_parse(data, data + size, &sax, nlohmann::json::input_format_t::cbor,
                                   true);
  } catch (const nlohmann::json::exception& e) {
    // The DOM builder throws for some inputs whatever allow_exceptions says (e.g. an
    // array announcing more elements than fit in memory; found by fuzz_control_messages).
    error = std::string("not a CBOR document: ") + e.what();
    return false;
  }
  if (sax.too_deep) {
    error = "nested more than " + std::to_string(max_depth) + " levels deep";
    return false;
  }
  if (!ok || sax.is_errored()) {
    error = "not a CBOR document";
    return false;
  }
  return true;
}

}  // namespace bulwark::rules

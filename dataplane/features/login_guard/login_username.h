// The username of a login request, from the first bytes of its body: a top-level string
// field of a JSON object, or a field of a form (application/x-www-form-urlencoded,
// percent-decoded). Hand-written: the body prefix is untrusted and bounded (the worker
// captures at most 4 KiB), and no JSON library parses without allocating; this scans
// in place, skips nested values without recursion and never reads past `body`.
#pragma once

#include <cstddef>
#include <string_view>

namespace bulwark::login_guard {

// Writes the field's value into `out` (at most `cap` bytes) and its length into `len`.
// false if the body holds no such field (or it is not a string, or it is longer).
bool username_from_json(std::string_view body, std::string_view field, char* out, size_t cap,
                        size_t& len);
bool username_from_form(std::string_view body, std::string_view field, char* out, size_t cap,
                        size_t& len);

}  // namespace bulwark::login_guard

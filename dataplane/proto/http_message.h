// What the HTTP/1.1 parser hands to detection: views of one request's or response's
// head (method, target, headers...), its body framing, and the anomalies seen while
// parsing it. Views point into the packet or the flow's header buffer and are valid
// only during the callback that receives them.
#pragma once

#include <cstdint>
#include <string_view>

namespace bulwark::proto {

// Parse anomalies, one bit each. Most are request-smuggling signs: two parsers in a
// chain (this one, a proxy, the origin) could disagree about where a message ends.
enum HttpAnomaly : uint32_t {
  kHttpCLandTE = 1u << 0,            // both Content-Length and Transfer-Encoding
  kHttpDuplicateCL = 1u << 1,        // more than one Content-Length (any values)
  kHttpConflictingCL = 1u << 2,      // Content-Length values that differ
  kHttpBadCL = 1u << 3,              // not a decimal number, or too large
  kHttpBadTE = 1u << 4,              // Transfer-Encoding other than a final "chunked"
  kHttpBadChunkSize = 1u << 5,       // chunk size not hex, too long, or missing
  kHttpBareLF = 1u << 6,             // a line ended with LF alone
  kHttpNulInHead = 1u << 7,          // NUL byte in the request line or headers
  kHttpLongLine = 1u << 8,           // a head line longer than the line limit
  kHttpHeadTooLarge = 1u << 9,       // header block past the configured bound
  kHttpObsFold = 1u << 10,           // folded (continuation) header line
  kHttpSpaceBeforeColon = 1u << 11,  // "Name : value"
  kHttpBadHeaderName = 1u << 12,     // empty name or a byte not allowed in a token
  kHttpBadRequestLine = 1u << 13,    // not "METHOD SP target SP HTTP/x.y"
  kHttpBadStatusLine = 1u << 14,     // not "HTTP/x.y SP 3DIGIT ..."
  kHttpTooManyHeaders = 1u << 15,    // more header lines than kHttpMaxHeaders (fatal: unseen
                                     // headers could frame the message)
  kHttpBadChunkEnd = 1u << 16,       // chunk data not followed by CRLF
  kHttpMultipleHost = 1u << 17,      // more than one Host header
  kHttpMissingHost = 1u << 18,       // HTTP/1.1 request without Host
  kHttpPipelineOverflow = 1u << 19,  // more requests in flight than responses can pair
  // The reference servers disagree on these request lines; parsed as nginx and Tomcat
  // parse them (several spaces or tabs between the parts, spaces inside the target,
  // trailing whitespace), which Go and Node.js reject.
  kHttpOddRequestLine = 1u << 20,
  kHttpH2cPreface = 1u << 21,  // "PRI * HTTP/2.0": HTTP/2 with prior knowledge
  kHttpBadVersion = 1u << 22,  // HTTP/1.x written other than "HTTP/1.d" (e.g. HTTP/1.10)
};
inline constexpr unsigned kHttpAnomalyCount = 23;
const char* http_anomaly_name(unsigned bit);  // "cl_and_te", ...

// Anomalies after which the end of the message is ambiguous: the parser stops parsing
// the direction (it cannot know where the next message starts).
inline constexpr uint32_t kHttpFatalAnomalies =
    kHttpCLandTE | kHttpConflictingCL | kHttpBadCL | kHttpBadTE | kHttpBadChunkSize |
    kHttpHeadTooLarge | kHttpBadRequestLine | kHttpBadStatusLine | kHttpBadChunkEnd |
    kHttpLongLine | kHttpNulInHead | kHttpTooManyHeaders | kHttpH2cPreface;

// Tomcat's default maxHeaderCount: a request with more is refused there (400), and here
// it is fatal (a header past the bound could frame the message).
inline constexpr unsigned kHttpMaxHeaders = 100;

struct HttpHeader {
  std::string_view name;   // as sent; compare case-insensitively
  std::string_view value;  // leading/trailing whitespace removed
};

enum class BodyFraming : uint8_t { none, length, chunked, until_close };

// Scalars have initialisers; the parser keeps one HttpHead per thread and resets only
// the scalars between messages (see HttpParser::head_complete).
struct HttpHead {
  bool is_request = false;
  uint8_t version_minor = 0;  // HTTP/1.x
  uint16_t status = 0;        // responses
  std::string_view method;
  std::string_view target;  // request-target as sent
  std::string_view reason;  // responses
  HttpHeader headers[kHttpMaxHeaders];
  unsigned header_count = 0;
  uint32_t anomalies = 0;  // HttpAnomaly bits seen in this head
  BodyFraming framing = BodyFraming::none;
  uint64_t content_length = 0;   // when framing == length
  bool keep_alive = false;       // connection persists after this message
  bool expect_continue = false;  // Expect: 100-continue
  bool upgrade = false;          // Upgrade header present (request) / 101 (response)

  // Resets every field but `headers` (assign `HttpHead::Scalars{}`).
  struct Scalars {};
  HttpHead& operator=(Scalars) {
    is_request = false;
    version_minor = 0;
    status = 0;
    method = target = reason = {};
    header_count = 0;
    anomalies = 0;
    framing = BodyFraming::none;
    content_length = 0;
    keep_alive = expect_continue = upgrade = false;
    return *this;
  }

  // First header named `name` (case-insensitive), or empty.
  std::string_view header(std::string_view name) const;
};

bool iequals(std::string_view a, std::string_view b);

}  // namespace bulwark::proto

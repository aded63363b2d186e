// HTTP/1.1 parser (see http_parser.h): head scanning and buffering, head parsing into
// views, body framing, chunked decoding, smuggling signs.
#include "dataplane/proto/http_parser.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

namespace bulwark::proto {
namespace {

// RFC 9110 token characters, as a table: checked for every byte of every header name.
constexpr auto kTchar = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[static_cast<size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<size_t>(c)] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

bool is_tchar(unsigned char c) { return kTchar[c]; }

bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view v) {
  while (!v.empty() && is_ows(v.front())) v.remove_prefix(1);
  while (!v.empty() && is_ows(v.back())) v.remove_suffix(1);
  return v;
}

// Content-Length value: 1 to 18 decimal digits.
bool parse_decimal(std::string_view v, uint64_t& out) {
  if (v.empty() || v.size() > 18) return false;
  uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  out = n;
  return true;
}

// Calls f(element) for each comma-separated element of a header value, trimmed,
// including empty ones ("chunked," has two elements): callers decide what is valid.
template <class F>
void for_each_token(std::string_view v, F&& f) {
  if (v.empty()) return;
  for (;;) {
    const size_t comma = v.find(',');
    f(trim(v.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
}

bool parse_version(std::string_view v, uint8_t& minor) {
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || v[5] != '1' || v[6] != '.' || v[7] < '0' ||
      v[7] > '9')
    return false;
  minor = static_cast<uint8_t>(v[7] - '0');
  return true;
}

// A request's version as nginx reads it: "HTTP/" major "." minor, up to three digits
// each. HTTP/1.x only (nginx answers others with 505); the canonical "HTTP/1.d" is
// what Go and Node.js require, so anything else is flagged. Minor versions past 9 have
// HTTP/1.1 semantics (stored as 9).
bool parse_request_version(std::string_view v, uint8_t& minor, uint32_t& anomalies) {
  if (parse_version(v, minor)) return true;
  if (v.substr(0, 5) != "HTTP/") return false;
  v.remove_prefix(5);
  auto number = [&v](unsigned& n) {
    size_t i = 0;
    n = 0;
    while (i < v.size() && i < 4 && v[i] >= '0' && v[i] <= '9') n = n * 10 + unsigned(v[i++] - '0');
    if (i == 0 || i > 3) return false;
    v.remove_prefix(i);
    return true;
  };
  unsigned major = 0, min = 0;
  if (!number(major) || v.empty() || v.front() != '.') return false;
  v.remove_prefix(1);
  if (!number(min) || !v.empty() || major != 1) return false;
  minor = static_cast<uint8_t>(min > 9 ? 9 : min);
  anomalies |= kHttpBadVersion;
  return true;
}

bool is_line_space(char c) { return c == ' ' || c == '\t'; }

// A request line as nginx and Tomcat read it: method, one or more spaces (Tomcat: or
// tabs), the target, spaces, the version, optional trailing whitespace; a target with
// spaces inside is taken whole (nginx). Go and Node.js accept exactly
// "METHOD SP target SP HTTP/1.d": any other spelling is flagged kHttpOddRequestLine so
// rules and the smuggling policy can see the disagreement.
void parse_request_line(std::string_view line, HttpHead& m) {
  if (line == "PRI * HTTP/2.0") {  // the HTTP/2 connection preface's first line
    m.method = "PRI";
    m.target = "*";
    m.anomalies |= kHttpH2cPreface;
    return;
  }
  bool odd = false;
  const size_t sp1 = line.find_first_of(" \t");
  if (sp1 == std::string_view::npos || sp1 == 0) {
    m.anomalies |= kHttpBadRequestLine;
    return;
  }
  m.method = line.substr(0, sp1);
  odd = odd || line[sp1] != ' ';
  std::string_view rest = line.substr(sp1);
  size_t lead = 0;
  while (lead < rest.size() && is_line_space(rest[lead])) ++lead;
  odd = odd || lead > 1;
  rest.remove_prefix(lead);
  size_t tail = rest.size();
  while (tail && is_line_space(rest[tail - 1])) --tail;
  odd = odd || tail != rest.size();
  rest = rest.substr(0, tail);
  const size_t sp2 = rest.find_last_of(" \t");
  if (sp2 == std::string_view::npos) {  // no version: HTTP/0.9, which nothing here serves
    m.anomalies |= kHttpBadRequestLine;
    return;
  }
  const std::string_view version = rest.substr(sp2 + 1);
  size_t end = sp2;  // the target ends before the run of whitespace before the version
  while (end && is_line_space(rest[end - 1])) --end;
  odd = odd || end != sp2 || rest[sp2] != ' ';
  const std::string_view target = rest.substr(0, end);
  m.target = target;
  bool ok = !target.empty() && parse_request_version(version, m.version_minor, m.anomalies);
  for (char c : m.method) ok = ok && is_tchar(static_cast<unsigned char>(c));
  unsigned bad = 0, spaces = 0;  // no early exit: this form vectorises
  for (char c : target) {
    const auto u = static_cast<unsigned char>(c);
    spaces += static_cast<unsigned>(u == ' ' || u == '\t');
    bad |= static_cast<unsigned>(u < 0x20 && u != '\t') | static_cast<unsigned>(u == 0x7f);
  }
  odd = odd || spaces;
  ok = ok && !bad;
  if (!ok) m.anomalies |= kHttpBadRequestLine;
  if (odd) m.anomalies |= kHttpOddRequestLine;
}

void parse_start_line(std::string_view line, bool request, HttpHead& m) {
  if (request) return parse_request_line(line, m);
  const size_t sp1 = line.find(' ');
  const std::string_view version = line.substr(0, sp1);
  const std::string_view code = sp1 == std::string_view::npos ? "" : line.substr(sp1 + 1, 3);
  if (!parse_version(version, m.version_minor) || code.size() != 3 ||
      !std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      (line.size() > sp1 + 4 && line[sp1 + 4] != ' ')) {
    m.anomalies |= kHttpBadStatusLine;
    return;
  }
  m.status = static_cast<uint16_t>((code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0'));
  m.reason = line.size() > sp1 + 5 ? line.substr(sp1 + 5) : std::string_view{};
}

// Header-field semantics that decide framing and persistence.
void apply_headers(HttpHead& m, bool request, std::string_view request_method) {
  unsigned cl_count = 0, host_count = 0;
  bool te = false, chunked = false, close = false, keep_alive_token = false;
  uint64_t cl = 0;
  for (unsigned i = 0; i < m.header_count; ++i) {
    const auto& hd = m.headers[i];
    // Only these lengths can name a header that matters here (host 4, expect 6,
    // upgrade 7, connection 10, content-length 14, transfer-encoding 17).
    const size_t n = hd.name.size();
    if (n != 4 && n != 6 && n != 7 && n != 10 && n != 14 && n != 17) continue;
    if (iequals(hd.name, "content-length")) {
      // A list "5, 5" is one value repeated; anything else is not a number.
      for_each_token(hd.value, [&](std::string_view v) {
        uint64_t n = 0;
        if (!parse_decimal(v, n)) {
          m.anomalies |= kHttpBadCL;
          return;
        }
        if (cl_count++ && n != cl) m.anomalies |= kHttpConflictingCL;
        cl = n;
      });
    } else if (iequals(hd.name, "transfer-encoding")) {
      te = true;
      std::string_view last;
      for_each_token(hd.value, [&](std::string_view v) {
        if (!v.empty()) last = v;
      });
      chunked = iequals(last, "chunked");
      // Only a plain list ending in chunked is unambiguous.
      for_each_token(hd.value, [&](std::string_view v) {
        if (v.empty() || !std::all_of(v.begin(), v.end(), [](char c) {
              return is_tchar(static_cast<unsigned char>(c));
            }))
          m.anomalies |= kHttpBadTE;
      });
      if (!chunked) m.anomalies |= kHttpBadTE;
    } else if (iequals(hd.name, "host")) {
      ++host_count;
    } else if (iequals(hd.name, "connection")) {
      for_each_token(hd.value, [&](std::string_view v) {
        close = close || iequals(v, "close");
        keep_alive_token = keep_alive_token || iequals(v, "keep-alive");
      });
    } else if (iequals(hd.name, "expect")) {
      m.expect_continue = iequals(hd.value, "100-continue");
    } else if (iequals(hd.name, "upgrade") && request) {
      m.upgrade = true;
    }
  }
  if (cl_count > 1) m.anomalies |= kHttpDuplicateCL;
  if (te && cl_count) m.anomalies |= kHttpCLandTE;
  if (request) {
    if (host_count > 1) m.anomalies |= kHttpMultipleHost;
    if (host_count == 0 && m.version_minor >= 1) m.anomalies |= kHttpMissingHost;
  }
  m.keep_alive = m.version_minor >= 1 ? !close : keep_alive_token && !close;

  if (request) {
    m.framing =
        chunked ? BodyFraming::chunked : (cl_count && cl ? BodyFraming::length : BodyFraming::none);
  } else {
    const bool no_body = request_method == "HEAD" || (m.status >= 100 && m.status < 200) ||
                         m.status == 204 || m.status == 304;
    const bool tunnel = m.status == 101 || (request_method == "CONNECT" && m.status / 100 == 2);
    m.upgrade = tunnel;
    if (no_body || tunnel)
      m.framing = BodyFraming::none;
    else if (chunked)
      m.framing = BodyFraming::chunked;
    else if (cl_count)
      m.framing = cl ? BodyFraming::length : BodyFraming::none;
    else
      m.framing = BodyFraming::until_close;
    if (m.framing == BodyFraming::until_close) m.keep_alive = false;
  }
  m.content_length = m.framing == BodyFraming::length ? cl : 0;
}

}  // namespace

void HttpParser::drop_buffer(HttpHandler& h) {
  if (buf_) h.release_head_buffer(buf_);
  buf_ = nullptr;
  buf_len_ = 0;
}

void HttpParser::die(HttpHandler& h, uint32_t anomalies) {
  drop_buffer(h);
  state_ = State::dead;
  h.on_anomaly(anomalies, true);
}

void HttpParser::message_end(HttpHandler& h) {
  ++messages_;
  state_ = State::head;
  seen_text_line_ = line_has_text_ = last_was_cr_ = false;
  line_len_ = head_bytes_ = 0;
  first_tail_len_ = 0;
  h.on_message_end();
}

void HttpParser::head_complete(const uint8_t* data, size_t len, HttpHandler& h) {
  // One head per thread, reused: constructing an HttpHead default-constructs its 64
  // header views (2 KiB of zeroing per message, 14% of head parsing, measured). Only
  // the scalars are reset; headers past header_count are never read.
  thread_local HttpHead m;
  m = HttpHead::Scalars{};
  m.is_request = requests_;
  const std::string_view all(reinterpret_cast<const char*>(data), len);
  if (all.find('\0') != std::string_view::npos) m.anomalies |= kHttpNulInHead;
  size_t pos = 0;
  bool first = true;
  while (pos < all.size()) {
    const size_t nl = all.find('\n', pos);
    if (nl == std::string_view::npos) break;  // cannot happen: the head ends with LF
    std::string_view line = all.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    else
      m.anomalies |= kHttpBareLF;
    if (line.empty()) {
      if (first) continue;  // leading blank line before the start line
      break;                // end of head
    }
    if (first) {
      parse_start_line(line, requests_, m);
      first = false;
      continue;
    }
    if (is_ows(line.front())) {  // obs-fold: continues the previous header's value
      m.anomalies |= kHttpObsFold;
      if (m.header_count) {
        auto& prev = m.headers[m.header_count - 1];
        // Extend the view over the continuation line (raw: CRLF and whitespace kept).
        const char* start = prev.value.empty() ? line.data() : prev.value.data();
        prev.value =
            trim(std::string_view(start, static_cast<size_t>(line.data() + line.size() - start)));
      }
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      m.anomalies |= kHttpBadHeaderName;
      continue;
    }
    std::string_view name = line.substr(0, colon);
    if (is_ows(name.back())) {
      m.anomalies |= kHttpSpaceBeforeColon;
      name = trim(name);
    }
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
          return is_tchar(static_cast<unsigned char>(c));
        })) {
      m.anomalies |= kHttpBadHeaderName;
      continue;
    }
    if (m.header_count == kHttpMaxHeaders) {
      m.anomalies |= kHttpTooManyHeaders;
      continue;
    }
    m.headers[m.header_count++] = HttpHeader{name, trim(line.substr(colon + 1))};
  }
  const std::string_view method = requests_ ? std::string_view{} : h.request_method();
  apply_headers(m, requests_, method);
  h.on_head(m);
  // The head carried its anomalies already: on_anomaly only says that parsing stopped.
  if (m.anomalies & kHttpFatalAnomalies) return die(h, 0);
  switch (m.framing) {
    case BodyFraming::none:
      message_end(h);
      if (m.upgrade && !requests_) state_ = State::tunnel;
      break;
    case BodyFraming::length:
      state_ = State::body_length;
      remaining_ = m.content_length;
      break;
    case BodyFraming::chunked:
      state_ = State::chunk_size;
      line_len_ = line_kept_ = 0;
      break;
    case BodyFraming::until_close: state_ = State::until_close; break;
  }
}

// Which bound a head crossed first, by byte position: the answer must not depend on
// how the bytes were split into pieces.
uint32_t HttpParser::head_bound_crossed() const {
  const bool line_over = line_len_ > lim_.max_line_bytes;
  const bool head_over = head_bytes_ > lim_.max_head_bytes;
  if (!line_over && !head_over) return 0;
  const uint64_t line_cross = uint64_t{head_bytes_} - line_len_ + lim_.max_line_bytes + 1;
  const uint64_t head_cross = uint64_t{lim_.max_head_bytes} + 1;
  return line_over && (!head_over || line_cross <= head_cross) ? kHttpLongLine : kHttpHeadTooLarge;
}

void HttpParser::keep_first_tail(const uint8_t* p, size_t n) {
  for (size_t k = n > sizeof first_tail_ ? n - sizeof first_tail_ : 0; k < n; ++k) {
    if (first_tail_len_ == sizeof first_tail_) {
      std::memmove(first_tail_, first_tail_ + 1, sizeof first_tail_ - 1);
      --first_tail_len_;
    }
    first_tail_[first_tail_len_++] = static_cast<char>(p[k]);
  }
}

// "... HTTP/x.y" (whitespace after it allowed): the line's last token starts "HTTP/".
bool HttpParser::first_line_has_version() const {
  std::string_view t(first_tail_, first_tail_len_);
  while (!t.empty() && (t.back() == '\r' || t.back() == ' ' || t.back() == '\t'))
    t.remove_suffix(1);
  const size_t sp = t.find_last_of(" \t");
  return sp != std::string_view::npos && t.substr(sp + 1, 5) == "HTTP/";
}

size_t HttpParser::feed_head(const uint8_t* p, size_t n, HttpHandler& h) {
  size_t i = 0, head_start = 0;
  while (i < n) {
    const auto* nl = static_cast<const uint8_t*>(std::memchr(p + i, '\n', n - i));
    const size_t stop = nl ? static_cast<size_t>(nl - p) : n;
    if (stop > i) {
      line_len_ += static_cast<uint32_t>(stop - i);
      head_bytes_ += static_cast<uint32_t>(stop - i);
      // Usually decided by the line's first byte; only a run of CRs is not text.
      for (size_t k = i; !line_has_text_ && k < stop; ++k) line_has_text_ = p[k] != '\r';
      if (requests_ && !seen_text_line_) keep_first_tail(p + i, stop - i);
    }
    if (const uint32_t over = head_bound_crossed()) {
      die(h, over);
      return n;
    }
    if (!nl) break;
    i = stop + 1;
    if (++head_bytes_ > lim_.max_head_bytes) {  // the LF made it one too many
      die(h, kHttpHeadTooLarge);
      return n;
    }
    const bool blank = !line_has_text_;
    line_len_ = 0;
    line_has_text_ = false;
    if (!blank) {
      if (requests_ && !seen_text_line_ && !first_line_has_version()) {
        die(h, kHttpBadRequestLine);  // HTTP/0.9, or not a request line at all
        return n;
      }
      seen_text_line_ = true;
      continue;
    }
    first_tail_len_ = 0;     // a blank line before the request line
    if (!seen_text_line_) {  // CRLFs between messages (RFC 9112 2.2): skip them
      buf_len_ = 0;          // (a CR kept from the previous piece belonged to one)
      head_bytes_ = 0;
      head_start = i;
      continue;
    }
    if (buf_len_ == 0) {
      head_complete(p + head_start, i - head_start, h);  // zero-copy: all in this piece
    } else {
      std::memcpy(buf_ + buf_len_, p, i);
      buf_len_ += static_cast<uint32_t>(i);
      head_complete(buf_, buf_len_, h);
      if (state_ != State::dead) drop_buffer(h);
    }
    return i;
  }
  // The head continues in a later piece: keep what we have of it (head_bytes_ bytes,
  // within the bound checked above).
  if (!seen_text_line_ && line_len_ == 0) return n;  // only line breaks so far
  if (buf_ == nullptr && (buf_ = h.acquire_head_buffer(lim_.max_head_bytes)) == nullptr) {
    die(h, kHttpHeadTooLarge);
    return n;
  }
  const size_t take = n - head_start;
  std::memcpy(buf_ + buf_len_, p + head_start, take);
  buf_len_ += static_cast<uint32_t>(take);
  return n;
}

void HttpParser::line_complete(HttpHandler& h) {
  std::string_view line(line_, line_kept_);
  if (!line.empty() && line.back() == '\r' && line_len_ == line_kept_) line.remove_suffix(1);
  if (line_bare_lf_) h.on_anomaly(kHttpBareLF, false);
  if (state_ == State::trailers) {
    if (line.empty() && line_len_ <= 1) message_end(h);  // the blank line ends the message
    line_len_ = line_kept_ = 0;
    return;
  }
  // chunk-size [ BWS ; extension ]: up to 16 hex digits.
  uint64_t size = 0;
  size_t digits = 0;
  while (digits < line.size() && std::isxdigit(static_cast<unsigned char>(line[digits]))) {
    const char c = line[digits];
    size = size * 16 + static_cast<uint64_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    ++digits;
  }
  size_t rest = digits;
  while (rest < line.size() && is_ows(line[rest])) ++rest;  // BWS before an extension
  const bool rest_ok = rest == line.size() || line[rest] == ';';
  line_len_ = line_kept_ = 0;
  if (digits == 0 || digits > 16 || !rest_ok) return die(h, kHttpBadChunkSize);
  if (size == 0) {
    state_ = State::trailers;
  } else {
    state_ = State::chunk_data;
    remaining_ = size;
  }
}

size_t HttpParser::feed_line(const uint8_t* p, size_t n, HttpHandler& h) {
  if (state_ == State::chunk_end) {  // CRLF after chunk data
    const uint8_t c = p[0];
    if (c == '\r' && !last_was_cr_) {
      last_was_cr_ = true;
      return 1;
    }
    if (c == '\n') {
      if (!last_was_cr_) h.on_anomaly(kHttpBareLF, false);
      last_was_cr_ = false;
      state_ = State::chunk_size;
      line_len_ = line_kept_ = 0;
      return 1;
    }
    die(h, kHttpBadChunkEnd);
    return n;
  }
  const auto* nl = static_cast<const uint8_t*>(std::memchr(p, '\n', n));
  const size_t stop = nl ? static_cast<size_t>(nl - p) : n;
  const size_t keep = std::min<size_t>(stop, sizeof line_ - line_kept_);
  std::memcpy(line_ + line_kept_, p, keep);
  line_kept_ = static_cast<uint8_t>(line_kept_ + keep);
  line_len_ += static_cast<uint32_t>(stop);
  if (stop) last_was_cr_ = p[stop - 1] == '\r';
  if (line_len_ > lim_.max_line_bytes) {
    die(h, kHttpLongLine);
    return n;
  }
  if (!nl) return n;
  line_bare_lf_ = !last_was_cr_;
  last_was_cr_ = false;
  line_complete(h);
  return stop + 1;
}

void HttpParser::feed(const uint8_t* p, size_t n, HttpHandler& h) {
  while (n && state_ != State::dead && state_ != State::tunnel) {
    size_t used = n;
    switch (state_) {
      case State::head: used = feed_head(p, n, h); break;
      case State::body_length:
      case State::chunk_data: {
        used = static_cast<size_t>(std::min<uint64_t>(remaining_, n));
        h.on_body(p, used);
        remaining_ -= used;
        if (remaining_ == 0) {
          if (state_ == State::body_length) {
            message_end(h);
          } else {
            state_ = State::chunk_end;
            last_was_cr_ = false;
          }
        }
        break;
      }
      case State::chunk_size:
      case State::chunk_end:
      case State::trailers: used = feed_line(p, n, h); break;
      case State::until_close: h.on_body(p, n); break;
      case State::tunnel:
      case State::dead: break;
    }
    p += used;
    n -= used;
  }
}

void HttpParser::finish(HttpHandler& h) {
  if (state_ == State::until_close) message_end(h);
  drop_buffer(h);
  state_ = State::dead;
}

void HttpParser::to_tunnel(HttpHandler& h) {
  drop_buffer(h);
  state_ = State::tunnel;
}

void HttpParser::reset(HttpHandler& h) { drop_buffer(h); }

}  // namespace bulwark::proto

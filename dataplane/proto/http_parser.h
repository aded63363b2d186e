// Incremental HTTP/1.1 parser for one direction of a connection (requests client to
// server, responses server to client), fed in-order bytes by TCP reassembly in pieces
// split anywhere. Zero-copy when a message head arrives within one piece; otherwise the
// head is gathered in a bounded buffer the handler lends (from the worker's pool).
// Bodies are passed through as they arrive (never buffered): Content-Length, chunked
// (extensions and trailers), or until close. Keep-alive and pipelining: any number of
// messages per connection. Hand-written: no Debian library parses incrementally
// without allocating and reports smuggling signs (llhttp, picohttpparser are not in
// Debian 12, and both reject rather than report most of the anomalies we count).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dataplane/proto/http_message.h"

namespace bulwark::proto {

// The largest head bound a configuration may set: per-worker buffers that hold decoded
// views of a head (paths, query values) are sized for it.
inline constexpr uint32_t kMaxHeadBytesLimit = 64 * 1024;

struct HttpLimits {
  uint32_t max_head_bytes = 16 * 1024;  // request/status line + headers (nginx/Apache-like)
  uint32_t max_line_bytes = 8 * 1024;   // any single head, chunk-size or trailer line
};

class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  // A complete head. For a head with fatal anomalies this is the last call for the
  // direction but one: on_anomaly(0, true) follows, saying parsing stopped (the
  // anomalies are reported once, in the head).
  virtual void on_head(const HttpHead& head) = 0;
  virtual void on_body(const uint8_t* data, size_t len) = 0;
  virtual void on_message_end() = 0;
  // Anomalies found outside a head (chunked framing, bounds hit while gathering a head);
  // `fatal`: parsing of the direction stopped because the message boundary is lost.
  virtual void on_anomaly(uint32_t anomalies, bool fatal) = 0;
  // Response parsing only: the method of the request this response answers (HEAD and
  // CONNECT change how the response is framed).
  virtual std::string_view request_method() { return "GET"; }
  // A buffer of at least `bytes` for a head that spans pieces, or nullptr (the head is
  // then treated as too large). Returned with release_head_buffer.
  virtual uint8_t* acquire_head_buffer(uint32_t bytes) = 0;
  virtual void release_head_buffer(uint8_t* buf) = 0;
};

class HttpParser {
 public:
  enum class State : uint8_t {
    head,
    body_length,
    chunk_size,
    chunk_data,
    chunk_end,
    trailers,
    until_close,
    tunnel,
    dead
  };

  HttpParser(bool requests, const HttpLimits& limits) : requests_(requests), lim_(limits) {}
  HttpParser(const HttpParser&) = delete;
  HttpParser& operator=(const HttpParser&) = delete;

  void feed(const uint8_t* data, size_t len, HttpHandler& h);
  // The direction ended (FIN): completes an until-close body. Releases the head buffer.
  void finish(HttpHandler& h);
  // Stops parsing (e.g. after a 101 Switching Protocols: the bytes are not HTTP any more).
  void to_tunnel(HttpHandler& h);
  // Returns any lent buffer (flow torn down).
  void reset(HttpHandler& h);

  State state() const { return state_; }
  uint64_t messages() const { return messages_; }
  bool holds_head_buffer() const { return buf_ != nullptr; }

 private:
  size_t feed_head(const uint8_t* p, size_t n, HttpHandler& h);
  uint32_t head_bound_crossed() const;
  size_t feed_line(const uint8_t* p, size_t n, HttpHandler& h);  // chunk-size / trailers
  void head_complete(const uint8_t* head, size_t len, HttpHandler& h);
  void line_complete(HttpHandler& h);
  void message_end(HttpHandler& h);
  void die(HttpHandler& h, uint32_t anomalies);
  void drop_buffer(HttpHandler& h);

  const bool requests_;
  HttpLimits lim_;
  State state_ = State::head;
  bool line_has_text_ = false;   // head: the current line has a byte other than CR
  bool seen_text_line_ = false;  // head: a non-empty line was seen (leading CRLFs skipped)
  bool last_was_cr_ = false;
  uint32_t line_len_ = 0;    // bytes of the current line so far
  uint32_t head_bytes_ = 0;  // bytes of the current head so far (lines and LFs)
  uint8_t* buf_ = nullptr;   // lent head buffer (a head that spans pieces)
  uint32_t buf_len_ = 0;
  uint64_t remaining_ = 0;  // body_length / chunk_data
  uint64_t messages_ = 0;
  // chunk-size and trailer lines: only the start is kept (the size is in the first 17
  // bytes; extensions are skipped).
  char line_[24];
  uint8_t line_kept_ = 0;
  bool line_bare_lf_ = false;
  // The end of a request's first line (its last bytes, CR dropped): judged at its LF,
  // since a line without a version is a whole HTTP/0.9 request to nginx and Tomcat and
  // no head end will follow.
  char first_tail_[16];
  uint8_t first_tail_len_ = 0;
  void keep_first_tail(const uint8_t* p, size_t n);
  bool first_line_has_version() const;
};

}  // namespace bulwark::proto

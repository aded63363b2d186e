// TLS ClientHello parsing for client fingerprints (JA3, JA4). Input: the first bytes a
// client sent on a connection, in order (TLS records of type handshake); the
// ClientHello may span several records, which are joined in a caller-owned scratch
// buffer. Hand-written because it runs on the packet path (no allocation; bounded by
// the caps below) and no library parses a ClientHello without a TLS stack around it.
// Lists longer than their cap are cut and flagged, never overflowed.
#pragma once

#include <cstddef>
#include <cstdint>

namespace bulwark::proto {

inline constexpr unsigned kMaxCiphers = 512;  // real clients send under 100
inline constexpr unsigned kMaxExtensions = 128;
inline constexpr unsigned kMaxGroups = 64;
inline constexpr unsigned kMaxPointFormats = 16;
inline constexpr unsigned kMaxSigAlgs = 64;
inline constexpr unsigned kMaxAlpn = 32;          // bytes kept of the first ALPN protocol
inline constexpr size_t kMaxHelloBytes = 16384;   // handshake message, as records allow
inline constexpr unsigned kMaxHelloRecords = 64;  // records one ClientHello may span

// GREASE values (RFC 8701): 0x0a0a, 0x1a1a, ... 0xfafa. Fingerprints ignore them.
inline bool is_grease(uint16_t v) { return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff); }

struct ClientHello {
  uint16_t legacy_version = 0;         // client_version field
  uint16_t max_supported_version = 0;  // highest of supported_versions (0: extension absent)
  // In the order sent, GREASE values left out.
  uint16_t ciphers[kMaxCiphers];
  uint16_t extensions[kMaxExtensions];
  uint16_t groups[kMaxGroups];  // supported_groups (elliptic curves)
  uint8_t point_formats[kMaxPointFormats];
  uint16_t sig_algs[kMaxSigAlgs];  // signature_algorithms
  uint16_t n_ciphers = 0, n_extensions = 0, n_groups = 0, n_point_formats = 0, n_sig_algs = 0;
  bool has_sni = false;  // the server_name extension is present
  bool has_alpn = false;
  uint8_t alpn[kMaxAlpn];  // the first ALPN protocol name (cut at kMaxAlpn)
  uint8_t alpn_len = 0;
  uint8_t alpn_full_len = 0;  // its length as sent
  uint8_t alpn_last = 0;      // its last byte
  bool truncated = false;     // some list had more entries than its cap (fingerprints then
                              // cover the first kMax* entries)
  char sni[256];              // the first host_name of server_name ("" if none)
};

enum class HelloStatus : uint8_t {
  ok,         // `out` holds the ClientHello
  need_more,  // a prefix of a ClientHello: call again with more bytes
  not_tls,    // the bytes are not a TLS handshake (another protocol on the port)
  malformed,  // a TLS handshake record, but its ClientHello is broken (or spread over
              // more than kMaxHelloRecords records)
  too_large,  // the ClientHello is longer than kMaxHelloBytes
};

// `scratch` must hold kMaxHelloBytes (used only when the message spans records). On
// need_more, `need` (if given) gets the length below which another call cannot make
// progress, so a caller gathering bytes can skip calls until it has that many.
HelloStatus parse_client_hello(const uint8_t* data, size_t len, uint8_t* scratch, ClientHello& out,
                               size_t* need = nullptr);

}  // namespace bulwark::proto

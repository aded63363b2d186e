#!/usr/bin/env python3
"""Scripted clients for the challenge lab test (tests/lab/challenge_test.sh).

Each mode sends a bounded number of requests to the lab origin through the appliance
and prints one JSON object with what came back:

  scripted                 a script claiming Chrome (requests' header order, no
                           Accept-Language): asks for a page and for JSON
  replay COOKIE UA         the clearance cookie a browser earned, sent with that browser's
                           user agent, then forged, from another network (a trusted-proxy
                           X-Forwarded-For), with another user agent, and without it
  limit                    an API client reading /api/v1/orders/1 12 times at once
  decoy                    a scanner posting to the admin API
  api                      an ordinary API client (not claiming a browser)
  listed                   from 198.19.5.5 (a trusted-proxy X-Forwarded-For), which the
                           block list challenges: as an API client and as a browser; and
                           from 198.19.5.6, which it does not
"""
import http.client
import json
import sys

HOST = "198.18.0.2"
CHROME = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/131.0.0.0 Safari/537.36")


def get(path, headers, method="GET", body=None):
    """One request on a fresh connection, headers sent exactly in the given order."""
    c = http.client.HTTPConnection(HOST, 80, timeout=5)
    try:
        c.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        c.putheader("Host", HOST)
        for k, v in headers:
            c.putheader(k, v)
        if body is not None:
            c.putheader("Content-Length", str(len(body)))
        c.endheaders(body.encode() if body is not None else None)
        r = c.getresponse()
        return {"status": r.status, "retry_after": r.getheader("Retry-After"),
                "type": r.getheader("Content-Type", ""), "body": r.read().decode("utf-8", "replace")}
    except (OSError, http.client.HTTPException) as e:
        return {"status": 0, "error": str(e), "body": ""}
    finally:
        c.close()


def browser_headers(ua, cookie=None, xff=None):
    h = [("User-Agent", ua), ("Accept", "text/html,application/xhtml+xml,*/*;q=0.8"),
         ("Accept-Encoding", "gzip, deflate"), ("Accept-Language", "en-US,en;q=0.9")]
    if cookie:
        h.append(("Cookie", "theme=dark; bw_clear=" + cookie))
    if xff:
        h.append(("X-Forwarded-For", xff))
    return h


def summary(r):
    page = "bw_clear=" in r["body"] and "<script>" in r["body"]
    out = {"status": r["status"], "page": page, "account": "Your account" in r["body"]}
    if r.get("type", "").startswith("application/json"):
        try:
            out["json"] = json.loads(r["body"])
        except ValueError:
            out["json"] = None
    if r.get("retry_after"):
        out["retry_after"] = r["retry_after"]
    return out


def main():
    mode = sys.argv[1]
    res = {}
    if mode == "scripted":
        # python-requests' order: User-Agent, Accept-Encoding, Accept; no Accept-Language.
        res["page"] = summary(get("/api/v1/products/1", [
            ("User-Agent", CHROME), ("Accept-Encoding", "gzip, deflate"),
            ("Accept", "text/html,*/*"), ("Connection", "close")]))
        res["json"] = summary(get("/api/v1/products/1", [
            ("User-Agent", CHROME), ("Accept-Encoding", "gzip, deflate"),
            ("Accept", "application/json"), ("Connection", "close")]))
    elif mode == "replay":
        cookie, ua = sys.argv[2], sys.argv[3]
        res["valid"] = summary(get("/account", browser_headers(ua, cookie)))
        stamp, _, nonce = cookie.rpartition("-")
        mac_at = stamp.rfind(".") + 1
        flipped = stamp[:mac_at] + ("1" if stamp[mac_at] == "0" else "0") + stamp[mac_at + 1:]
        res["forged"] = summary(get("/account", browser_headers(ua, flipped + "-" + nonce)))
        res["elsewhere"] = summary(get("/account", browser_headers(ua, cookie, xff="198.19.77.7")))
        res["other_ua"] = summary(get("/account", browser_headers(CHROME, cookie)))
        res["none"] = summary(get("/account", browser_headers(ua)))
    elif mode == "limit":
        res["answers"] = [summary(get("/api/v1/orders/1", [
            ("User-Agent", "orders-sync/1.0"), ("Accept", "application/json")]))
            for _ in range(12)]
    elif mode == "decoy":
        res["decoy"] = summary(get("/api/v1/admin/users", [
            ("User-Agent", "scanner/0.1"), ("Content-Type", "application/json")],
            method="POST", body='{"role":"admin"}'))
        res["decoy"]["body"] = None
        r = get("/api/v1/admin/users", [("User-Agent", "scanner/0.1")])
        res["decoy_get"] = {"status": r["status"], "body": r["body"]}
    elif mode == "listed":
        api = [("User-Agent", "curl/7.88.1"), ("Accept", "*/*")]
        res["api"] = summary(get("/api/v1/products/2", api + [("X-Forwarded-For", "198.19.5.5")]))
        res["browser"] = summary(get("/api/v1/products/2",
                                     browser_headers(CHROME, xff="198.19.5.5")))
        res["other"] = summary(get("/api/v1/products/2", api + [("X-Forwarded-For", "198.19.5.6")]))
    elif mode == "api":
        res["api"] = summary(get("/api/v1/products/1", [
            ("User-Agent", "curl/7.88.1"), ("Accept", "*/*")]))
    else:
        sys.exit("unknown mode " + mode)
    json.dump(res, sys.stdout)
    print()


if __name__ == "__main__":
    main()

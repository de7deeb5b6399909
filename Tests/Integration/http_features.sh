#!/usr/bin/env bash
# What users of other web servers rely on, with the clients they use: range requests
# (curl -r and -C -, several ranges, 416, malformed ranges), conditional requests (curl -z,
# --etag-save/--etag-compare, If-Match), keep-alive counted by ab -k (HTTP/1.0 with
# Connection: keep-alive), Expect: 100-continue, and the strictness statuses: an invalid
# Host (400), a long target (414), a large header (431), an HTTP/0.9 request line answered
# at once (400), unreadable files and index-less directories (403), raw UTF-8 paths. Every
# response of the run is then checked with h11.
source "$(dirname "$0")/lib.sh"
it_begin http_features
it_require curl ab cmp
it_namespace
WWW=$IT_WORK/www
head -c 300000 /dev/urandom >"$WWW/data.bin"
printf 'plain text\n' >"$WWW/hello.txt"
printf 'accented\n' >"$WWW/café.txt"
mkdir -p "$WWW/bare"
printf 'private\n' >"$WWW/private.txt"
chmod -R a+rX "$IT_WORK"
chmod 600 "$WWW/private.txt"
size=$(stat -c %s "$WWW/data.bin")

if ! tap_host "$NS" --pcap "$IT_WORK/http_features.pcap"; then
    fail "ternd starts" "no ready line"
    it_end
fi
in_ns() { ip netns exec "$NS" "$@"; }
URL=http://10.0.0.2

# Ranges.
head -c 100000 "$WWW/data.bin" >"$IT_WORK/partial.bin"
got=$(in_ns curl -s -m 20 -C - -o "$IT_WORK/partial.bin" -w '%{http_code} %{size_download}' "$URL/data.bin")
if [ "$got" = "206 $((size - 100000))" ] && cmp -s "$IT_WORK/partial.bin" "$WWW/data.bin"; then
    pass "curl -C - resumes a download cut at 100,000 bytes: 206 with the other $((size - 100000)), byte-exact"
else
    fail "curl -C -" "got '$got'; the file $(cmp "$IT_WORK/partial.bin" "$WWW/data.bin" 2>&1 | head -1)"
fi
got=$(in_ns curl -s -m 10 -r 0-99 -o "$IT_WORK/range.bin" -D "$IT_WORK/range.head" -w '%{http_code} %{size_download}' "$URL/data.bin")
if [ "$got" = "206 100" ] && cmp -s "$IT_WORK/range.bin" <(head -c 100 "$WWW/data.bin") \
    && grep -qi "^content-range: bytes 0-99/$size" "$IT_WORK/range.head"; then
    pass "curl -r 0-99: 206, Content-Range bytes 0-99/$size, exactly those 100 bytes"
else
    fail "curl -r 0-99" "got '$got', $(tr -d '\r' <"$IT_WORK/range.head" | tr '\n' '|')"
fi
got=$(in_ns curl -s -m 10 -r -500 -o "$IT_WORK/range.bin" -w '%{http_code} %{size_download}' "$URL/data.bin")
if [ "$got" = "206 500" ] && cmp -s "$IT_WORK/range.bin" <(tail -c 500 "$WWW/data.bin"); then
    pass "curl -r -500 (the last 500 bytes): 206 and those bytes"
else
    fail "curl -r -500" "got '$got'"
fi
in_ns curl -s -m 10 -r 0-9,1000-1009 -o "$IT_WORK/multi.bin" -D "$IT_WORK/multi.head" "$URL/data.bin"
if grep -qi "^content-type: multipart/byteranges; boundary=" "$IT_WORK/multi.head" \
    && [ "$(grep -ac "Content-Range: bytes" "$IT_WORK/multi.bin")" -eq 2 ]; then
    pass "curl -r 0-9,1000-1009: multipart/byteranges with two parts"
else
    fail "two ranges" "$(tr -d '\r' <"$IT_WORK/multi.head" | tr '\n' '|')"
fi
got=$(in_ns curl -s -m 10 -r 999999999- -o /dev/null -D "$IT_WORK/416.head" -w '%{http_code}' "$URL/data.bin")
if [ "$got" = 416 ] && grep -qi "^content-range: bytes \*/$size" "$IT_WORK/416.head"; then
    pass "a range past the end: 416 with Content-Range bytes */$size"
else
    fail "416" "got $got"
fi
got=$(in_ns curl -s -m 10 -H 'Range: bytes=9-3' -o "$IT_WORK/whole.bin" -w '%{http_code}' "$URL/data.bin")
if [ "$got" = 200 ] && cmp -s "$IT_WORK/whole.bin" "$WWW/data.bin"; then
    pass "a malformed Range (bytes=9-3) is ignored: 200 with the whole file"
else
    fail "malformed Range" "got $got"
fi

# Conditional requests.
got=$(in_ns curl -s -m 10 -z "$WWW/data.bin" -o /dev/null -w '%{http_code}' "$URL/data.bin")
old=$(in_ns curl -s -m 10 -z "Thu, 01 Jan 2004 00:00:00 GMT" -o /dev/null -w '%{http_code}' "$URL/data.bin")
if [ "$got" = 304 ] && [ "$old" = 200 ]; then
    pass "curl -z: 304 when the copy is as new as the file, 200 for an older date"
else
    fail "curl -z" "as new: $got, older: $old"
fi
in_ns curl -s -m 10 --etag-save "$IT_WORK/etag" -o /dev/null "$URL/hello.txt"
got=$(in_ns curl -s -m 10 --etag-compare "$IT_WORK/etag" -o /dev/null -w '%{http_code}' "$URL/hello.txt")
sleep 1.1
printf 'plain text, changed\n' >"$WWW/hello.txt"
sleep 1.1
changed=$(in_ns curl -s -m 10 --etag-compare "$IT_WORK/etag" -o /dev/null -w '%{http_code}' "$URL/hello.txt")
if [ "$got" = 304 ] && [ "$changed" = 200 ]; then
    pass "curl --etag-save / --etag-compare: 304 for the saved ETag ($(cat "$IT_WORK/etag")), 200 once the file changed"
else
    fail "curl --etag-compare" "unchanged: $got, changed: $changed"
fi
got=$(in_ns curl -s -m 10 -H 'If-Match: "nope"' -o /dev/null -w '%{http_code}' "$URL/hello.txt")
if [ "$got" = 412 ]; then pass "If-Match with another tag: 412"; else fail "If-Match" "got $got"; fi

# Keep-alive as ab counts it: HTTP/1.0 with Connection: keep-alive.
in_ns ab -q -k -n 2000 -c 10 "$URL/hello.txt" >"$IT_WORK/ab.txt" 2>&1
kept=$(sed -n 's/^Keep-Alive requests: *//p' "$IT_WORK/ab.txt")
failed=$(sed -n 's/^Failed requests: *//p' "$IT_WORK/ab.txt")
if [ "${kept:-0}" -eq 2000 ] && [ "${failed:-1}" -eq 0 ]; then
    pass "ab -k -n 2000 -c 10: 2000 keep-alive requests, 0 failed"
else
    fail "ab -k" "keep-alive ${kept:-?}, failed ${failed:-?}"
fi
check "HTTP/1.0 with Connection: keep-alive: five requests on one connection" client "$NS" http10-keepalive 10.0.0.2 80 /hello.txt 5
check "Expect: 100-continue: 100, then the response, then the next request" client "$NS" http-continue 10.0.0.2 80 /hello.txt
printf 'upload' >"$IT_WORK/upload.txt"
in_ns curl -sv -m 10 -H 'Expect: 100-continue' --data-binary @"$IT_WORK/upload.txt" -o /dev/null "$URL/hello.txt" 2>"$IT_WORK/curl-expect.txt"
if grep -q "^< HTTP/1.1 100 Continue" "$IT_WORK/curl-expect.txt" && grep -q "^< HTTP/1.1 405" "$IT_WORK/curl-expect.txt"; then
    pass "curl POST with Expect: 100-continue: 100 Continue, then the final 405"
else
    fail "curl Expect" "$(grep "^< HTTP" "$IT_WORK/curl-expect.txt" | tr -d '\r' | tr '\n' '|')"
fi

# Strictness and statuses.
check "Host: a b → 400" client "$NS" http-status 10.0.0.2 80 'GET / HTTP/1.1\r\nHost: a b\r\n\r\n' 400
long=$(head -c 9000 /dev/zero | tr '\0' a)
check "a 9,000-byte target → 414" client "$NS" http-status 10.0.0.2 80 "GET /$long HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n" 414
big=$(head -c 17000 /dev/zero | tr '\0' a)
check "a 17,000-byte header → 431" client "$NS" http-status 10.0.0.2 80 "GET / HTTP/1.1\\r\\nHost: t\\r\\nX-Big: $big\\r\\n\\r\\n" 431
near=$(head -c 15000 /dev/zero | tr '\0' a)
check "a 15,000-byte header, within the 16 KiB head bound → 200" client "$NS" http-status 10.0.0.2 80 "GET / HTTP/1.1\\r\\nHost: t\\r\\nX-Big: $near\\r\\n\\r\\n" 200
check_noted "an HTTP/0.9 request line (GET /hello.txt, no version, no blank line): 400 at once" \
    client "$NS" http-prompt 10.0.0.2 80 'GET /hello.txt\r\n' 400 2
got=$(in_ns curl -s -m 10 -o /dev/null -w '%{http_code}' "$URL/private.txt")
bare=$(in_ns curl -s -m 10 -o /dev/null -w '%{http_code}' "$URL/bare/")
if [ "$got" = 403 ] && [ "$bare" = 403 ]; then
    pass "a file the daemon's user cannot read: 403; a directory without index.html: 403"
else
    fail "403" "unreadable file $got, directory without index $bare"
fi
raw=$(in_ns curl -s -m 10 --path-as-is "$URL/café.txt")
encoded=$(in_ns curl -s -m 10 "$URL/caf%C3%A9.txt")
if [ "$raw" = accented ] && [ "$encoded" = accented ]; then
    pass "a path with raw UTF-8 bytes is served like its percent-encoded form"
else
    fail "raw UTF-8 path" "raw '$raw', encoded '$encoded'"
fi

stop_ternd "$TERND_PID"
if [ "$STOP_STATUS" -eq 0 ]; then pass "ternd exits 0 on SIGTERM"; else fail "exit" "status $STOP_STATUS"; fi
h11_check "$IT_WORK/http_features.pcap"
it_end

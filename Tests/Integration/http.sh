#!/usr/bin/env bash
# The web server (SPEC §3.1) against curl and raw sockets: text, HTML, binary and a 256 MiB
# file (sha256), Content-Type values, HEAD, 404, directories, traversal attempts that must
# never return a file outside the web root, keep-alive, Connection: close, HTTP/1.0, 100
# clients at once, malformed requests, a request one byte per segment, and slowloris
# clients cut off without disturbing anyone else.
source "$(dirname "$0")/lib.sh"
it_begin http
it_require curl sha256sum xargs
it_namespace
MIB=$((1 << 20))
WWW=$IT_WORK/www
SECRET="tern-outside-the-web-root-$$"

# The web root (the default ./www of ternd's working directory), readable by nobody.
printf 'plain text\n' >"$WWW/hello.txt"
printf '<!doctype html>\n<title>page</title>\n<p>a page</p>\n' >"$WWW/page.html"
printf 'body { color: teal; }\n' >"$WWW/style.css"
printf '{"tern": true}\n' >"$WWW/data.json"
head -c 3000 /dev/urandom >"$WWW/image.png"
head -c $MIB /dev/urandom >"$WWW/blob.bin"
head -c 1000 /dev/urandom >"$WWW/noextension"
mkdir -p "$WWW/sub/deeper"
printf '<h1>sub</h1>\n' >"$WWW/sub/index.html"
printf 'deep\n' >"$WWW/sub/deeper/file.txt"
# Outside the root, readable by anyone: only the server's checks keep it in.
echo "$SECRET" >"$IT_WORK/secret.txt"
mkdir -p "$IT_WORK/outside"
echo "$SECRET" >"$IT_WORK/outside/secret.txt"
ln -s /etc/passwd "$WWW/passwd-link"
ln -s ../secret.txt "$WWW/secret-link.txt"
ln -s "$IT_WORK/outside" "$WWW/outside-dir"
chmod -R a+rX "$IT_WORK"

if ! tap_host "$NS" --pcap "$IT_WORK/http.pcap"; then
    fail "ternd starts" "no ready line"
    it_end
fi

in_ns() { ip netns exec "$NS" "$@"; }
URL=http://10.0.0.2

# fetch NAME PATH STATUS TYPE FILE: GET PATH with curl; the status, the Content-Type and
# the body (compared with FILE by sha256) must all match.
fetch() {
    local name=$1 path=$2 status=$3 type=$4 file=$5 got
    got=$(in_ns curl -s -m 20 -o "$IT_WORK/body" -w '%{http_code}|%{content_type}' "$URL$path")
    if [ "$got" = "$status|$type" ] && cmp -s "$IT_WORK/body" "$file"; then
        pass "$name"
    else
        fail "$name" "got '$got' and $(wc -c <"$IT_WORK/body") bytes; expected '$status|$type' and the $(wc -c <"$file") bytes of $(basename "$file")"
    fi
}

fetch "GET a text file: 200, text/plain with charset, the exact bytes" /hello.txt 200 "text/plain; charset=utf-8" "$WWW/hello.txt"
fetch "GET an HTML file: text/html with charset" /page.html 200 "text/html; charset=utf-8" "$WWW/page.html"
fetch "GET a binary file (1 MiB): application/octet-stream, byte-exact" /blob.bin 200 "application/octet-stream" "$WWW/blob.bin"
fetch "Content-Type of .css: text/css with charset" /style.css 200 "text/css; charset=utf-8" "$WWW/style.css"
fetch "Content-Type of .json: application/json with charset" /data.json 200 "application/json; charset=utf-8" "$WWW/data.json"
fetch "Content-Type of .png: image/png" /image.png 200 "image/png" "$WWW/image.png"
fetch "no extension: application/octet-stream" /noextension 200 "application/octet-stream" "$WWW/noextension"
fetch "a file in a subdirectory" /sub/deeper/file.txt 200 "text/plain; charset=utf-8" "$WWW/sub/deeper/file.txt"
fetch "/ serves the root's index.html" / 200 "text/html; charset=utf-8" "$WWW/index.html"
fetch "a directory (/sub/) serves its index.html" /sub/ 200 "text/html; charset=utf-8" "$WWW/sub/index.html"

got=$(in_ns curl -s -m 5 -o /dev/null -w '%{http_code} %{redirect_url}' "$URL/sub")
body=$(in_ns curl -s -m 5 -L "$URL/sub")
if { [ "$got" = "301 $URL/sub/" ] || [ "${got%% *}" = 200 ]; } && [ "$body" = "<h1>sub</h1>" ]; then
    pass "a directory without the slash (/sub): $got, and curl -L gets its index.html"
else
    fail "/sub" "got '$got', body '$body'"
fi

# 404 for a missing file: short text.
got=$(in_ns curl -s -m 5 -o "$IT_WORK/body" -w '%{http_code}|%{content_type}' "$URL/no/such/file.txt")
if [ "${got%%|*}" = 404 ] && [ -s "$IT_WORK/body" ] && [ "$(wc -c <"$IT_WORK/body")" -lt 512 ] && [[ "${got#*|}" == text/plain* ]]; then
    pass "a missing file: 404 with a short text body ($(head -c 60 "$IT_WORK/body" | tr -d '\n'))"
else
    fail "missing file" "got '$got', $(wc -c <"$IT_WORK/body") bytes"
fi

# HEAD: headers only, the GET's Content-Length.
size=$(stat -c %s "$WWW/blob.bin")
head_out=$(in_ns curl -s -m 5 -I "$URL/blob.bin" | tr -d '\r')
if echo "$head_out" | head -1 | grep -q "^HTTP/1.1 200" && echo "$head_out" | grep -qix "content-length: $size"; then
    pass "curl -I: 200 and Content-Length $size"
else
    fail "curl -I" "$(echo "$head_out" | tr '\n' '|')"
fi
check "HEAD on a raw socket: Content-Length $size and not one body byte" client "$NS" http-head 10.0.0.2 80 /blob.bin "$size"

# Traversal: none of these may return a file outside the web root (404 or 400 only). The
# files are readable by the daemon's user: only its checks keep them out.
if setpriv --reuid=65534 --regid=65534 --clear-groups cat "$IT_WORK/secret.txt" "$WWW/secret-link.txt" \
    "$WWW/outside-dir/secret.txt" 2>/dev/null | grep -qc "$SECRET"; then
    pass "the files outside the root are readable by nobody, directly and through the symlinks"
else
    fail "outside files" "nobody cannot read them: the traversal checks below would prove nothing"
fi
attempts=("/../secret.txt" "/%2e%2e/secret.txt" "/%2E%2E/secret.txt" "/.%2e/secret.txt" "/%2e./secret.txt"
    "/sub/../../secret.txt" "/sub/%2e%2e/%2e%2e/secret.txt" "/../../../../../etc/passwd" "//etc/passwd"
    "/%2fetc%2fpasswd" "/%2Fetc/passwd" "/..%2fsecret.txt" "/sub%2f..%2f..%2fsecret.txt" "/%2e%2e%2fsecret.txt"
    "/..%5csecret.txt" "/hello.txt%00/../../secret.txt" "/passwd-link" "/secret-link.txt" "/outside-dir/secret.txt"
    "/outside-dir/" "/sub/../secret-link.txt")
traversal_failures=()
for path in "${attempts[@]}"; do
    code=$(in_ns curl -s -m 5 --path-as-is -o "$IT_WORK/body" -w '%{http_code}' "$URL$path")
    if grep -q -e "$SECRET" -e "^root:" "$IT_WORK/body" || { [ "$code" != 404 ] && [ "$code" != 400 ]; }; then
        traversal_failures+=("$path → $code $(head -c 40 "$IT_WORK/body" | tr -d '\n')")
    fi
done
if [ ${#traversal_failures[@]} -eq 0 ]; then
    pass "${#attempts[@]} traversal attempts with curl --path-as-is (.., %2e%2e, //, encoded slashes, NUL, outward symlinks): all 404/400, never the file"
else
    fail "traversal" "${traversal_failures[*]}"
fi

# Keep-alive: curl fetches two URLs over one connection.
in_ns curl -sv -m 5 -o /dev/null -o /dev/null "$URL/hello.txt" "$URL/page.html" 2>"$IT_WORK/keep-alive.txt"
if grep -qiE "re-?using existing connection" "$IT_WORK/keep-alive.txt" && [ "$(grep -c "^< HTTP/1.1 200" "$IT_WORK/keep-alive.txt")" -eq 2 ]; then
    pass "keep-alive: curl with two URLs re-uses the connection, both 200"
else
    fail "keep-alive with curl" "$(grep -iE "connect|< HTTP" "$IT_WORK/keep-alive.txt" | tr -d '\r' | tr '\n' '|')"
fi
check "keep-alive: four requests in turn on one raw connection" client "$NS" http-keepalive 10.0.0.2 80 /hello.txt /blob.bin /sub/ /page.html
check "Connection: close is honoured: the header in the response, then the server closes" client "$NS" http-close 10.0.0.2 80 /hello.txt
check "HTTP/1.0: the server closes after the response" client "$NS" http10 10.0.0.2 80 /page.html
check "a request sent one byte per segment is parsed" client "$NS" http-trickle 10.0.0.2 80 /hello.txt

check "a malformed request line: 400" client "$NS" http-status 10.0.0.2 80 'NONSENSE\r\n\r\n' 400
check "an unknown method: 501" client "$NS" http-status 10.0.0.2 80 'BREW /pot HTTP/1.1\r\nHost: t\r\n\r\n' 501
check "a known method not allowed (DELETE): 405 or 501" client "$NS" http-status 10.0.0.2 80 'DELETE /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n' 405/501
big_header=$(head -c 20000 /dev/zero | tr '\0' a)
check "a 20 KB header: 431 or 400" client "$NS" http-status 10.0.0.2 80 "GET / HTTP/1.1\\r\\nHost: t\\r\\nX-Big: $big_header\\r\\n\\r\\n" 431/400

# 100 clients at once, each checked by sha256.
mkdir -p "$IT_WORK/many"
want=$(sha256sum <"$WWW/blob.bin" | cut -d' ' -f1)
seq 100 | in_ns timeout 120 xargs -P 100 -I{} curl -s -m 60 -o "$IT_WORK/many/{}" -w '%{http_code}\n' "$URL/blob.bin" >"$IT_WORK/many-codes.txt"
ok_codes=$(grep -cx 200 "$IT_WORK/many-codes.txt")
ok_bodies=$(cd "$IT_WORK/many" && sha256sum -- * 2>/dev/null | grep -c "^$want ")
if [ "$ok_codes" -eq 100 ] && [ "$ok_bodies" -eq 100 ]; then
    pass "100 concurrent curl clients (xargs -P 100), 1 MiB each: all 200, all byte-exact"
else
    fail "100 concurrent clients" "$ok_codes answered 200, $ok_bodies bodies match"
fi
rm -rf "$IT_WORK/many"

# 256 MiB, streamed: sha256 of what arrives equals the file's.
head -c $((256 * MIB)) /dev/urandom >"$WWW/big.bin"
chmod a+r "$WWW/big.bin"
want=$(sha256sum <"$WWW/big.bin" | cut -d' ' -f1)
got=$(in_ns curl -s -m 300 -o "$IT_WORK/big.out" -w '%{http_code} %{size_download} %{speed_download}' "$URL/big.bin")
have=$(sha256sum <"$IT_WORK/big.out" | cut -d' ' -f1)
read -r code bytes speed <<<"$got"
if [ "$code" = 200 ] && [ "$have" = "$want" ]; then
    pass "GET a 256 MiB file: 200, sha256 matches"
else
    fail "256 MiB file" "status $code, $bytes bytes, sha256 $have (want $want)"
fi
echo "#   $bytes bytes at $(awk -v s="${speed:-0}" 'BEGIN { printf "%.1f", s / 1e6 }') MB/s"
rm -f "$WWW/big.bin" "$IT_WORK/big.out"

# Slowloris: ten clients trickle a header byte a second and never finish it. Meanwhile
# everyone else is served at once; the ten are cut off (408 or a close).
pids=()
for i in $(seq 10); do
    client "$NS" http-slowloris 10.0.0.2 80 40 "$IT_WORK/slow-$i.ready" >"$IT_WORK/slow-$i.txt" &
    pids+=($!)
done
for _ in $(seq 100); do [ "$(ls "$IT_WORK"/slow-*.ready 2>/dev/null | wc -l)" -eq 10 ] && break; sleep 0.05; done
served=0
for _ in $(seq 12); do
    code=$(in_ns curl -s -m 3 -o /dev/null -w '%{http_code}' "$URL/hello.txt")
    [ "$code" = 200 ] && served=$((served + 1))
    sleep 1
done
if [ "$served" -eq 12 ]; then
    pass "while 10 slowloris clients trickle their headers, 12 of 12 other requests are served"
else
    fail "service during slowloris" "only $served of 12 requests answered 200"
fi
cut_off=0
for pid in "${pids[@]}"; do wait "$pid" && cut_off=$((cut_off + 1)); done
if [ "$cut_off" -eq 10 ]; then
    pass "the 10 slowloris clients are cut off ($(head -1 "$IT_WORK/slow-1.txt" | sed 's/^ok slowloris: //'))"
else
    fail "slowloris" "$cut_off of 10 cut off; e.g. $(grep -h FAIL "$IT_WORK"/slow-*.txt | head -1)"
fi

if grep -q "http: GET /hello.txt HTTP/1.1 200 11" "$IT_WORK/ternd.err" && grep -q "http: GET /no/such/file.txt HTTP/1.1 404" "$IT_WORK/ternd.err"; then
    pass "the access log has one line per request (method, path, status, bytes)"
else
    fail "access log" "no 'GET /hello.txt HTTP/1.1 200 11' line"
fi
stop_ternd "$TERND_PID"
if [ "$STOP_STATUS" -eq 0 ]; then pass "ternd exits 0 on SIGTERM"; else fail "exit" "status $STOP_STATUS"; fi
h11_check "$IT_WORK/http.pcap"
it_end

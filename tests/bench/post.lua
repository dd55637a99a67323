-- wrk script: POST the file named by BENCH_BODY to the URL, as Metacontroller posts a sync request.
local file = assert(io.open(assert(os.getenv("BENCH_BODY"), "set BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
-- Go's HTTP client, and so Metacontroller, asks for gzip on every request.
wrk.headers["Accept-Encoding"] = "gzip"

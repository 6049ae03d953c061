-- GET one path; with an ETag argument, as a revalidating browser (If-None-Match: 304 path).
-- wrk -s get.lua URL -- PATH [ETAG]
package.path = debug.getinfo(1, "S").source:match("@(.*/)") .. "?.lua;" .. package.path
require "report"

function init(args)
  local headers = {}
  if args[2] then headers["If-None-Match"] = args[2] end
  req = wrk.format("GET", args[1], headers)
end

function request()
  return req
end

done = report

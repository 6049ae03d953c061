-- POST a new, never-seen comment per request (the duplicate check must not answer 409).
-- wrk -s post.lua URL -- ours|isso PATH THREAD
package.path = debug.getinfo(1, "S").source:match("@(.*/)") .. "?.lua;" .. package.path
require "report"

local counter = 0
local seed = 0

function setup(thread)
  seed = seed + 1
  thread:set("tag", string.format("%d-%d", os.time(), seed))
end

function init(args)
  kind, path, thread_uri = args[1], args[2], args[3]
end

function request()
  counter = counter + 1
  local text = string.format(
    "Benchmark comment %s-%d: thank you for the clear article about the infusion schedule.",
    tag, counter)
  local body
  if kind == "isso" then
    body = string.format('{"text": "%s", "author": "Bench", "title": "Bench"}', text)
  else
    body = string.format('{"thread": "%s", "author": "Bench", "body": "%s"}', thread_uri, text)
  end
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
end

done = report

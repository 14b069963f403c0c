-- GET one path (args[2], "{class}" replaced by the member's class id) as a signed-in member,
-- over and over; any answer but a 200 is wrong.
dofile(os.getenv("WRK_SCRIPTS") .. "/common.lua")

function init(args)
  local me = read_member(args[1], id)
  wrk.headers["Cookie"] = me.cookie
  wrk.headers["X-Forwarded-Proto"] = "https"
  wrong = 0
  the_request = wrk.format("GET", (args[2]:gsub("{class}", me.class_id)))
end

function request()
  return the_request
end

function response(status, headers, body)
  if status ~= 200 then
    wrong = wrong + 1
  end
end

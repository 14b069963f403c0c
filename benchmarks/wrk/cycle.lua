-- A member books her class and cancels, as a browser does it: POST book (a redirect to the
-- class page), GET the class page (which shows the cancel form with the booking's id), POST
-- cancel (a redirect), GET the class page. Any other answer is wrong and starts over.
dofile(os.getenv("WRK_SCRIPTS") .. "/common.lua")

function init(args)
  local me = read_member(args[1], id)
  wrk.headers["Cookie"] = me.cookie
  wrk.headers["X-Forwarded-Proto"] = "https"
  origin = args[2]
  token = me.token
  class_page = "/classes/" .. me.class_id .. "/"
  book = "/classes/" .. me.class_id .. "/book/"
  step, booking_id, wrong, cycles = 1, nil, 0, 0
end

-- (wrk.format takes these headers instead of wrk.headers, not beside them.)
local function post(path)
  return wrk.format("POST", path, {
    ["Cookie"] = wrk.headers["Cookie"],
    ["X-Forwarded-Proto"] = "https",
    ["Origin"] = origin,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, "csrfmiddlewaretoken=" .. token)
end

function request()
  if step == 1 then
    return post(book)
  elseif step == 3 then
    return post("/bookings/" .. booking_id .. "/cancel/")
  end
  return wrk.format("GET", class_page)
end

local function redirected_to_class(status, headers)
  return status == 302 and headers["Location"] == class_page
end

function response(status, headers, body)
  if step == 1 and redirected_to_class(status, headers) then
    step = 2
  elseif step == 2 and status == 200 then
    booking_id = body:match("/bookings/([%x%-]+)/cancel/")
    step = booking_id and 3 or 1
    if not booking_id then wrong = wrong + 1 end
  elseif step == 3 and redirected_to_class(status, headers) then
    step = 4
  elseif step == 4 and status == 200 and not body:match("/bookings/[%x%-]+/cancel/") then
    step, cycles = 1, cycles + 1
  else
    wrong, step = wrong + 1, 1
  end
end

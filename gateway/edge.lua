-- The edge of the REST API (the first filter after CORS).
--
-- Requests: identity headers a client sends are removed (only the gateway
-- says who is calling); the Bearer scheme is accepted in any case; the
-- `access_token` query parameter is removed from every path and, on
-- GET /tasks/{id}/events only (EventSource cannot send headers), becomes
-- the Authorization header. So no token is ever part of a path that a log
-- line could show.
--
-- Responses: TaskService writes the REST error body into `x-error-body`
-- (and an HTTP status into `x-http-status` where it is not the gRPC code's);
-- it replaces the transcoder's google.rpc.Status JSON here. An upstream
-- error without one gets a generic body; the gateway's own replies are
-- already shaped by local_reply_config (marked `x-error-source`).

local IDENTITY_HEADERS = {
  "x-user-id", "x-user-email", "x-auth-user", "x-authenticated-user", "x-forwarded-user",
  "x-remote-user", "remote-user", "x-jwt-payload", "x-error-body", "x-http-status",
}
local EVENTS_PATH = "^/tasks/[^/]+/events$"

local GENERIC = {
  [400] = { "INVALID_REQUEST", "The request was rejected." },
  [401] = { "AUTHENTICATION_REQUIRED", "Not authenticated" },
  [403] = { "REQUEST_REJECTED", "Not allowed." },
  [404] = { "ROUTE_NOT_FOUND", "Not Found" },
  [409] = { "REQUEST_REJECTED", "The request conflicts with the task's state; please retry." },
  [429] = { "ANALYSIS_CAPACITY_EXHAUSTED", "Too many requests; please retry later." },
  [501] = { "ROUTE_NOT_FOUND", "Not implemented." },
  [503] = { "SERVICE_UNAVAILABLE", "The service is unavailable; please retry." },
  [504] = { "SERVICE_TIMEOUT", "The service did not answer in time; please retry." },
}

local function url_decode(text)
  return (text:gsub("%%(%x%x)", function(hex) return string.char(tonumber(hex, 16)) end))
end

-- The path without any access_token parameter, and the first token found.
local function without_token(path)
  local base, query = path:match("^([^?]*)%?(.*)$")
  if base == nil then
    return path, nil, base
  end
  local kept, token = {}, nil
  for part in query:gmatch("[^&]+") do
    local key, value = part:match("^([^=]*)=?(.*)$")
    if url_decode(key) == "access_token" then
      if token == nil then
        token = url_decode(value)
      end
    else
      kept[#kept + 1] = part
    end
  end
  if #kept > 0 then
    return base .. "?" .. table.concat(kept, "&"), token, base
  end
  return base, token, base
end

-- The request carries a Bearer token: a 401 then means "invalid token"
-- (local_reply_config reads this; jwt_authn removes the header itself).
local function presented(handle)
  handle:streamInfo():dynamicMetadata():set("dataquality.edge", "bearer", true)
end

function envoy_on_request(handle)
  local headers = handle:headers()
  for _, name in ipairs(IDENTITY_HEADERS) do
    headers:remove(name)
  end
  local authorization = headers:get("authorization")
  if authorization ~= nil then
    local scheme, credentials = authorization:match("^%s*(%S+)%s+(%S+)%s*$")
    if scheme ~= nil and scheme:lower() == "bearer" then
      headers:replace("authorization", "Bearer " .. credentials)
      presented(handle)
    end
  end
  local path = headers:get(":path")
  if path == nil or not path:find("access_token", 1, true) then
    return
  end
  local cleaned, token, base = without_token(path)
  if token == nil then
    return
  end
  headers:replace(":path", cleaned)
  if headers:get(":method") == "GET" and base:match(EVENTS_PATH)
      and headers:get("authorization") == nil and token ~= "" then
    headers:add("authorization", "Bearer " .. token)
    presented(handle)
  end
end

function envoy_on_response(handle)
  local headers = handle:headers()
  local content_type = headers:get("content-type") or ""
  if content_type:sub(1, 16) == "application/grpc" then
    return -- a native gRPC call through the gateway: untouched
  end
  headers:remove("grpc-status")
  headers:remove("grpc-message")
  headers:remove("grpc-status-details-bin")
  headers:remove("grpc-accept-encoding")
  local status = headers:get("x-http-status")
  if status ~= nil then
    headers:remove("x-http-status")
    headers:replace(":status", status)
  end
  local error_body = headers:get("x-error-body")
  if error_body ~= nil then
    headers:remove("x-error-body")
    headers:replace("content-type", "application/json")
    local body = handle:body()
    if body ~= nil then
      body:setBytes(error_body)
    end
    return
  end
  if headers:get("x-error-source") ~= nil then
    headers:remove("x-error-source")
    return
  end
  local code = tonumber(headers:get(":status") or "")
  if code == nil or code < 400 or content_type == "text/event-stream" then
    return
  end
  local generic = GENERIC[code] or { code >= 500 and "INTERNAL_ERROR" or "REQUEST_REJECTED",
    code >= 500 and "An internal error occurred; please retry." or "The request was rejected." }
  headers:replace("content-type", "application/json")
  local body = handle:body()
  if body ~= nil then
    body:setBytes('{"detail":"' .. generic[2] .. '","error_code":"' .. generic[1] .. '"}')
  end
end

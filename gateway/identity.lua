-- The caller's identity (runs right after jwt_authn, which verified the
-- token's signature, expiry, issuer and audience). Checks the claims
-- jwt_authn does not: a usable `sub`, the token type and, when configured,
-- the token's age; then passes the verified subject to TaskService as
-- `x-user-id` (any such header from the client was removed at the edge).
-- A refusal is a 401 that local_reply_config turns into the contract's
-- "Invalid or expired token" body (AUTH_009) with WWW-Authenticate.
--
-- REQUIRED_TYPE, MAX_AGE_SECONDS and CLOCK_SKEW_SECONDS are set above this
-- script when the gateway configuration is rendered.

local MAX_SUBJECT_LENGTH = 255

local function refuse(handle)
  handle:respond({ [":status"] = "401" }, "invalid token")
end

function envoy_on_request(handle)
  local metadata = handle:streamInfo():dynamicMetadata():get("envoy.filters.http.jwt_authn")
  if metadata == nil then
    return -- a route without a token requirement (the tools API)
  end
  local payload = metadata["jwt_payload"]
  if payload == nil then
    return
  end
  local subject = payload["sub"]
  if type(subject) ~= "string" or subject == "" or #subject > MAX_SUBJECT_LENGTH
      or subject:find("%c") or subject:match("^%s") or subject:match("%s$") then
    return refuse(handle)
  end
  local kind = payload["type"]
  if REQUIRED_TYPE ~= "" and kind ~= nil and kind ~= REQUIRED_TYPE then
    return refuse(handle)
  end
  if MAX_AGE_SECONDS > 0 then
    local issued = payload["iat"]
    local now = os.time()
    if type(issued) ~= "number" or now - issued > MAX_AGE_SECONDS
        or issued > now + CLOCK_SKEW_SECONDS then
      return refuse(handle)
    end
  end
  handle:headers():replace("x-user-id", subject)
end

"""Names this stack defines that run-time code repeats: the user pool's custom attributes and the
developer username and password rules. The lambdas keep copies; contract tests hold them equal
to these."""

from __future__ import annotations

# Custom attributes of the user pool (infra/user_pool.py); neither is writable by the native
# app client.
TENANT_ATTRIBUTE = "custom:tenant"
IDP_GROUPS_ATTRIBUTE = "custom:idp_groups"
# A developer user's username: the login API's request schema, the sign-in function and the
# operator tool (client/developer_users.py) all refuse anything else.
USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@+-]{2,63}$"
# A developer user's password: at least this many characters (code points), at most this many
# bytes in UTF-8, any Unicode text otherwise (no lone surrogate, which UTF-8 cannot carry). The
# operator tool, the client and the sign-in function apply the same limits; the login API's
# schema is no stricter (infra/developer_auth.py).
PASSWORD_MIN_CHARACTERS = 8
PASSWORD_MAX_BYTES = 256

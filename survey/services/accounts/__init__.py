"""Staff accounts: users, grants and their unit scope, passwords, set-password links,
signing in."""
from .passwords import password_problems
from .scope import Scope, unit_scope
from .signin import SignInLimiter, SignInResult, sign_in
from .users import (add_grant, create_demo_admin, create_user, deactivate_user, find_user,
                    issue_link, link_url, list_users, remove_grant, set_password, valid_link)

__all__ = [
    "Scope", "SignInLimiter", "SignInResult", "add_grant", "create_demo_admin", "create_user",
    "deactivate_user", "find_user", "issue_link", "link_url", "list_users", "password_problems",
    "remove_grant", "set_password", "sign_in", "unit_scope", "valid_link",
]

"""Who is calling: a staff or partner user, turned into the `Caller` every service scopes by.

Sits above `users` and `organisations` (it reads both) and below every domain that serves
staff; `create_app` hands `load_caller` to `signage.core.deps`, so core needs no domain.
"""

"""Users, passwords, sign-in (throttled) and sign-out. Above `organisations`."""

"""The bottom layer: settings, database engine and sessions, errors, security primitives, the
tenancy helper, request limits and the bounded HTTP protocol. Imports no domain; domains
import it.
"""

"""The screens' side of the protocol: the poll's hot path and its in-memory snapshot, pairing,
device authentication, status reports, and the claim and preview routes staff use. Above
`schedules` and `screens`; imported only by `plays` and the entry points.
"""

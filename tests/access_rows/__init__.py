"""More rows of the access matrix, one module per feature (controls, referrals, reports, api, …).

Each module imports what it needs from `tests.access_matrix` (Row, everyone, only, …), may
register kwargs builders and setup hooks there, and defines `ROWS: list[Row]`;
`tests.access_matrix` appends every module's ROWS (and SUBJECT_ROWS, if it has them) in the
order of the module names. One module per feature keeps parallel work from colliding in one list.
"""

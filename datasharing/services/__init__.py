"""Every write of the data-sharing domain (style rule 4). Split by sub-domain:

- requests.py — data requests (data_request_create / data_request_withdraw)
- deliveries.py — upload and processing of deliveries (delivery_upload / delivery_process)
- records.py — building pseudonymised record rows and vault entries
- retention.py — the retention rules (retention_enforce)
- keys.py — key rotation (project_key_rotate)
- objections.py — objections and corrections (objection_record / objection_resolve)
"""

from .deliveries import deliveries_stuck_requeue, delivery_process, delivery_upload
from .keys import project_key_rotate
from .objections import objection_record, objection_resolve
from .requests import data_request_blockers, data_request_create, data_request_withdraw
from .retention import retention_enforce

__all__ = [
    "data_request_blockers",
    "data_request_create",
    "data_request_withdraw",
    "deliveries_stuck_requeue",
    "delivery_process",
    "delivery_upload",
    "objection_record",
    "objection_resolve",
    "project_key_rotate",
    "retention_enforce",
]

"""atheris (libFuzzer for Python) on the intake's file reader and the API's write serializers,
for a bounded number of runs (issue 16 item 6). Run by tests/security/test_atheris.py in a
subprocess, as libFuzzer takes over the process:

    python -m tests.security.atheris_fuzz -runs=3000 -seed=1

Every input either parses or is refused with the intake's Dutch DeliveryFileError (the reader)
or a validation result (the serializers); any other exception is a crash: libFuzzer stops and
the exit status is not 0.
"""

import os
import sys

import atheris

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wijkaanpak.settings.test")

import django  # noqa: E402

django.setup()

# Coverage feedback for the code under test only (instrumenting Django and pandas as well
# takes minutes).
with atheris.instrument_imports(include=["datasharing.intake", "controls.api"]):
    from controls.api.sync import FindingInput, VisitResultInput
    from controls.api.v1 import OutcomeInputSerializer
    from datasharing.intake.reading import DeliveryFileError, read_table

SERIALIZERS = (VisitResultInput, FindingInput, OutcomeInputSerializer)
FILENAMES = ("levering.csv", "levering.xlsx")


def one_input(data: bytes) -> None:
    source = atheris.FuzzedDataProvider(data)
    choice = source.ConsumeIntInRange(0, 2)
    if choice == 0:  # a delivery file, CSV or XLSX
        name = FILENAMES[source.ConsumeIntInRange(0, 1)]
        try:
            read_table(source.ConsumeBytes(source.remaining_bytes()), name)
        except DeliveryFileError as error:
            assert error.message
        return
    serializer_class = SERIALIZERS[source.ConsumeIntInRange(0, len(SERIALIZERS) - 1)]
    fields = list(serializer_class().fields)
    body = {}
    for _ in range(source.ConsumeIntInRange(0, len(fields) + 1)):
        key = fields[source.ConsumeIntInRange(0, len(fields) - 1)]
        kind = source.ConsumeIntInRange(0, 3)
        if kind == 0:
            body[key] = source.ConsumeUnicodeNoSurrogates(40)
        elif kind == 1:
            body[key] = source.ConsumeInt(8)
        elif kind == 2:
            body[key] = source.ConsumeFloat()
        else:
            body[key] = None
    serializer_class(data=body).is_valid()


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()

"""Static scans of templates and application code (not tests).

R16: no `|safe`, `|safeseq`, `{% autoescape off %}`, `mark_safe(`, `SafeString(` on user data.
R18(d)/R22: in datasharing/, `hashlib` (and unkeyed or public-keyed `hmac`) is never applied to
BSN or address input; every call site is on an allowlist with its reason, and the allowlist
holds no stale entries.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP_PACKAGES = (
    "wijkaanpak",
    "partners",
    "projects",
    "datasharing",
    "controls",
    "reports",
    "privacy",
)

# --- R16 ------------------------------------------------------------------------------------

UNSAFE_TEMPLATE = re.compile(
    r"\|\s*safe(seq)?\b|{%-?\s*autoescape\s+off|\bmark_safe\s*\(|\bSafeString\s*\(|\bSafeText\s*\(|"
    r"\bhtml_safe\b|\bis_safe\s*=\s*True",
    re.IGNORECASE,
)
# (relative path, matched text) → why it is safe. Empty today: the OTP QR code is a server-made
# SVG in a data: URI of an <img> (auth_views.qr_data_uri), so it needs no |safe.
UNSAFE_ALLOWLIST: dict[tuple[str, str], str] = {
    ("reports/charts.py", "mark_safe("): "pygal's SVG: ElementTree escapes every label and value; "
    "reports.charts._clean strips script and style and refuses an SVG that still has them "
    "(tests/reports/test_charts.py puts markup in a label)",
    ("wijkaanpak/core/templatetags/tablet.py", "mark_safe("): "the tablet's stylesheet and script "
    "inline: the build's own output (PurgeCSS and lightningcss over the design system's CSS, "
    "esbuild over static/js and idb-keyval, all from the lockfile), no user data; "
    "wijkaanpak.core.offline refuses a stylesheet with '</' and a script with '</script', "
    "'<script' or '<!--'",
}


def _app_python_files():
    for package in APP_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _template_files():
    yield from sorted((ROOT / "templates").rglob("*.html"))
    for package in APP_PACKAGES:
        yield from sorted((ROOT / package).rglob("templates/**/*.html"))


def unsafe_output_sites(paths) -> list[tuple[str, int, str]]:
    sites = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in UNSAFE_TEMPLATE.finditer(line):
                name = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
                sites.append((name, number, match.group(0)))
    return sites


def test_unsafe_output_scanner_finds_each_form(tmp_path):
    sample = tmp_path / "sample.html"
    sample.write_text(
        "{{ x|safe }}\n{{ y | safeseq }}\n{% autoescape off %}{{ z }}{% endautoescape %}\n"
        "mark_safe(value)\nSafeString(v)\n{{ ok }}\n"
    )
    sites = [(line, text) for _, line, text in unsafe_output_sites([sample])]
    assert [line for line, _ in sites] == [1, 2, 3, 4, 5]


def test_no_unescaped_output_in_templates_or_code():
    scanned = list(_template_files()) + list(_app_python_files())
    assert len(scanned) > 40  # the scan really covers the templates and the app code
    sites = unsafe_output_sites(scanned)
    unexplained = [site for site in sites if (site[0], site[2]) not in UNSAFE_ALLOWLIST]
    assert unexplained == [], unexplained
    stale = set(UNSAFE_ALLOWLIST) - {(path, text) for path, _, text in sites}
    assert not stale, stale


# --- R18(d) -----------------------------------------------------------------------------------

# An HMAC keyed with a per-project derived key (`self._hmac_keys[...]` of
# datasharing.pseudonymisation.Pseudonymiser) is the one sanctioned pseudonym (R18); such calls,
# including the `sha256` passed as their digestmod, are recognised structurally below.
PROJECT_KEYED = re.compile(r"^self\._hmac_keys\[")

# Every other use: (file, enclosing function) → why the hash there never sees a BSN or address.
HASH_ALLOWLIST: dict[tuple[str, str], str] = {
    ("datasharing/services/deliveries.py", "_delivery_create"): (
        "SHA-256 of the whole uploaded file's bytes, to refuse a file delivered twice; the file "
        "is high-entropy content, not a single identifier, and the hash is not a pseudonym."
    ),
    ("datasharing/matching/services/settings.py", "software_version"): (
        "SHA-256 of the indicator engine's own source files (reproducibility of a run)."
    ),
    ("datasharing/matching/services/chunks.py", "display_pseudonym"): (
        "HMAC with a public label over the stored address pseudonym (already an HMAC with the "
        "project key), not over an address; the short display name reveals nothing without "
        "that key."
    ),
}
HASH_MODULES = {"hashlib", "hmac"}
HASH_FUNCTIONS = {
    "blake2b",
    "blake2s",
    "md5",
    "new",
    "sha1",
    "sha224",
    "sha256",
    "sha384",
    "sha3_256",
    "sha3_512",
    "sha512",
    "file_digest",
    "pbkdf2_hmac",
    "scrypt",
    "digest",
}


class _HashUses(ast.NodeVisitor):
    """Every use of hashlib/hmac (attribute or imported name), with its enclosing function."""

    def __init__(self):
        self.scope: list[str] = []
        self.imported: set[str] = set()
        self.uses: list[tuple[str, int, str]] = []
        self.project_keyed: list[tuple[str, int]] = []

    def visit_ImportFrom(self, node):
        if node.module in HASH_MODULES:
            self.imported.update(alias.asname or alias.name for alias in node.names)

    def _scoped(self, node):
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scoped  # noqa: N815 (ast API)

    def visit_Call(self, node):
        func = ast.unparse(node.func)
        if (
            func in {"hmac.new", "hmac.digest", "hmac.HMAC"}
            and node.args
            and PROJECT_KEYED.match(ast.unparse(node.args[0]))
        ):
            self.project_keyed.append((".".join(self.scope), node.lineno))
            return  # the digestmod inside is part of the sanctioned keyed HMAC
        self.generic_visit(node)

    def visit_Attribute(self, node):
        if isinstance(node.value, ast.Name) and node.value.id in HASH_MODULES:
            self.uses.append((".".join(self.scope) or "<module>", node.lineno, ast.unparse(node)))
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id in self.imported and isinstance(node.ctx, ast.Load):
            self.uses.append((".".join(self.scope) or "<module>", node.lineno, node.id))


def _visit(path: Path) -> _HashUses:
    visitor = _HashUses()
    visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
    return visitor


def hash_uses(path: Path) -> list[tuple[str, int, str]]:
    return _visit(path).uses


def test_hash_scanner_finds_attribute_and_imported_uses(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import hashlib\nfrom hashlib import md5 as m\n\n"
        "def pseudonym(bsn):\n    return hashlib.sha256(bsn.encode()).hexdigest()\n\n"
        "class A:\n    def f(self, postcode):\n        return m(postcode)\n"
        "    def g(self, bsn):\n        return hmac.new(self._hmac_keys['bsn'], bsn, m)\n"
        "    def h(self, bsn):\n        return hmac.new(b'public', bsn, 'sha256')\n"
    )
    assert hash_uses(sample) == [
        ("pseudonym", 5, "hashlib.sha256"),
        ("A.f", 9, "m"),
        ("A.h", 13, "hmac.new"),
    ]
    assert _visit(sample).project_keyed == [("A.g", 11)]


def test_hashlib_never_applied_to_bsn_or_address_in_datasharing():
    files = [
        path
        for path in sorted((ROOT / "datasharing").rglob("*.py"))
        if "migrations" not in path.parts
    ]
    found: dict[tuple[str, str], list] = {}
    for path in files:
        relative = str(path.relative_to(ROOT))
        for function, line, text in hash_uses(path):
            found.setdefault((relative, function), []).append((line, text))
    unexplained = {site: uses for site, uses in found.items() if site not in HASH_ALLOWLIST}
    assert unexplained == {}, (
        "hashlib/hmac used outside the reviewed call sites; a BSN or address may only be "
        f"pseudonymised through datasharing.pseudonymisation (keyed HMAC): {unexplained}"
    )
    stale = set(HASH_ALLOWLIST) - set(found)
    assert not stale, f"allowlist entries without a call site (remove them): {stale}"
    keyed = [site for path in files for site in _visit(path).project_keyed]
    assert keyed, "the keyed HMAC of datasharing.pseudonymisation was not found by the scan"


@pytest.mark.parametrize("site", sorted(HASH_ALLOWLIST))
def test_allowlisted_hash_sites_take_no_identifier_input(site):
    """Belt and braces: an allowlisted function does not name a BSN or raw address input."""
    path, function = site
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    parts = function.split(".")
    node = tree
    for part in parts:
        node = next(
            child
            for child in ast.walk(node)
            if isinstance(child, (ast.FunctionDef, ast.ClassDef)) and child.name == part
        )
    names = {arg.arg for arg in node.args.args} if isinstance(node, ast.FunctionDef) else set()
    forbidden = re.compile(r"bsn|postcode|huisnummer|huisletter|toevoeging|straat|adres$|address$")
    assert not {name for name in names if forbidden.search(name)}, (site, names)

"""Copy the pinned front-end assets from npm into ``signage/console/static/vendor/``.

The console and the API docs must work with no network (a force's locked-down machines reach no
CDN) and from a plain ``pip install .``, so the few files they need are committed inside the
package. This script is the only way they get there: it installs exactly what
``package-lock.json`` in this folder pins (``npm ci --ignore-scripts``, in a temporary copy, so
no ``node_modules`` appears in the repository and no package's install script runs), copies only
the listed files and each package's licence, and writes ``MANIFEST.json`` with the versions,
the lock's integrity hashes and the sha256 of every copied file (tests/console/test_assets.py
checks it).

To change a version: edit ``package.json`` here, run ``npm install --package-lock-only
--ignore-scripts`` in this folder, then ``make assets``, and commit all three.

GOV.UK Frontend's compiled CSS is changed on the way (recorded in the manifest): its
``@font-face`` blocks are removed and "GDS Transport" is replaced with the system font stack,
because that typeface is licensed for GOV.UK only and its files are not shipped; its absolute
``/assets/`` URLs are made relative, since the files are served under ``/console/static/``;
and the source-map comment goes, as the map is not shipped. ReDoc's bundle loses the one
image it would fetch from its CDN. Every other file is copied as is.

Standard library only: it runs with any python3 and needs node and npm only when run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

VENDOR_DIR = Path(__file__).resolve().parent
STATIC_VENDOR_DIR = VENDOR_DIR.parent / "static" / "vendor"
LICENCES_DIR = VENDOR_DIR / "licences"
MANIFEST_NAME = "MANIFEST.json"

# The console's typeface: whatever the reader's system uses for its own interface.
SYSTEM_FONT_STACK = 'system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif'


@dataclass(frozen=True)
class Copy:
    """Files of a package to ship: ``source`` is a path in the npm package, or a folder ending
    in ``/*`` for every file directly in it; ``target`` is a path under the asset's folder (a
    folder ending in ``/`` for a glob)."""

    source: str
    target: str
    transform: Callable[[bytes], bytes] | None = None
    why: str = ""


@dataclass(frozen=True)
class Asset:
    name: str  # the folder under static/vendor/, part of the URLs the templates use
    npm: str
    copies: tuple[Copy, ...]
    # Kept here when the npm package ships no licence file of its own (the text of the
    # project's repository licence); checked against the package's declared licence.
    kept_licence: tuple[str, str] | None = None  # (file in licences/, SPDX id)
    notes: dict[str, str] = field(default_factory=dict)


def _govuk_css(css: bytes) -> bytes:
    text = css.decode("utf-8")
    text, faces = re.subn(r"@font-face\{[^}]*\}", "", text)
    text = text.replace("GDS Transport,arial,sans-serif", SYSTEM_FONT_STACK)
    text = text.replace("url(/assets/", "url(assets/")
    text = re.sub(r"/\*# sourceMappingURL=[^*]*\*/\s*$", "", text)
    # Fail loudly when an upgrade changes the compiled CSS so that a rule above no longer
    # applies, rather than ship the GOV.UK typeface or URLs that 404.
    problems = [
        what
        for what, bad in (
            ("no @font-face block was found", faces == 0),
            ("'GDS Transport' is still named", "GDS Transport" in text),
            ("an absolute url(/...) remains", "url(/" in text),
            ("a source-map comment remains", "sourceMappingURL" in text),
        )
        if bad
    ]
    if problems:
        raise SystemExit("govuk-frontend.min.css: " + "; ".join(problems))
    return text.encode("utf-8")


REDOCLY_LOGO = 'src:"https://cdn.redoc.ly/redoc/logo-mini.svg"'
EMPTY_IMAGE = "src:\"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E\""


def _redoc_js(js: bytes) -> bytes:
    # ReDoc 2 draws a logo fetched from its CDN in the sidebar's "API docs by Redocly" link,
    # with no option to turn it off: an empty inline image instead, so the page asks for
    # nothing outside the server.
    text = js.decode("utf-8")
    if text.count(REDOCLY_LOGO) != 1:
        raise SystemExit("redoc.standalone.js: the CDN logo is not where it was; review")
    return text.replace(REDOCLY_LOGO, EMPTY_IMAGE).encode("utf-8")


ASSETS: tuple[Asset, ...] = (
    Asset(
        name="govuk-frontend",
        npm="govuk-frontend",
        copies=(
            Copy(
                "dist/govuk/govuk-frontend.min.css",
                "govuk-frontend.min.css",
                _govuk_css,
                "@font-face blocks removed and 'GDS Transport' replaced with the system font "
                "stack (the typeface is for GOV.UK only; its files are not shipped); absolute "
                "/assets/ URLs made relative; source-map comment removed",
            ),
            Copy("dist/govuk/govuk-frontend.min.js", "govuk-frontend.min.js"),
            Copy("dist/govuk/assets/manifest.json", "assets/manifest.json"),
            Copy("dist/govuk/assets/images/*", "assets/images/"),
        ),
        # The npm tarball has no licence file; this is the repository's LICENSE.txt.
        kept_licence=("govuk-frontend.LICENSE.txt", "MIT"),
    ),
    Asset(
        name="htmx",
        npm="htmx.org",
        copies=(Copy("dist/htmx.min.js", "htmx.min.js"), Copy("LICENSE", "LICENSE")),
    ),
    Asset(
        name="swagger-ui",
        npm="swagger-ui-dist",
        copies=(
            Copy("swagger-ui.css", "swagger-ui.css"),
            Copy("swagger-ui-bundle.js", "swagger-ui-bundle.js"),
            Copy("swagger-ui-bundle.js.LICENSE.txt", "swagger-ui-bundle.js.LICENSE.txt"),
            Copy("favicon-32x32.png", "favicon-32x32.png"),
            Copy("LICENSE", "LICENSE"),
            # Apache-2.0 asks for the NOTICE to travel with the work.
            Copy("NOTICE", "NOTICE"),
        ),
    ),
    Asset(
        name="redoc",
        npm="redoc",
        copies=(
            Copy(
                "bundles/redoc.standalone.js",
                "redoc.standalone.js",
                _redoc_js,
                "the sidebar's Redocly logo, loaded from cdn.redoc.ly, replaced with an empty "
                "inline image (ReDoc 2 has no option to turn it off)",
            ),
            # The bundle's third-party notices, its search worker's (inlined) included.
            Copy("bundles/redoc.standalone.js.LICENSE.txt", "redoc.standalone.js.LICENSE.txt"),
            Copy("bundles/*.worker.js.LICENSE.txt", "./"),
            Copy("LICENSE", "LICENSE"),
        ),
    ),
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def locked_packages(lock_path: Path) -> dict[str, dict[str, str]]:
    """The top-level packages of a lock file: npm name -> its lock entry."""
    lock = json.loads(lock_path.read_text(encoding="utf-8"))
    prefix = "node_modules/"
    return {
        key[len(prefix) :]: entry
        for key, entry in lock["packages"].items()
        if key.startswith(prefix) and "/node_modules/" not in key
    }


def npm_install(workdir: Path) -> Path:
    """Install the lock file's exact tree in ``workdir`` and return its node_modules."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed to update the assets (Debian: apt-get install npm)")
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(VENDOR_DIR / name, workdir / name)
    # --ignore-scripts: no package's install hook runs (swagger-ui-dist depends on one that
    # reports installs over the network).
    subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=workdir,
        check=True,
    )
    return workdir / "node_modules"


def _sources(package_dir: Path, copy: Copy) -> list[tuple[Path, str]]:
    if "*" not in copy.source:
        return [(package_dir / copy.source, copy.target)]
    found = sorted(p for p in package_dir.glob(copy.source) if p.is_file())
    if not found:
        raise SystemExit(f"{package_dir.name}: nothing matches {copy.source}")
    folder = copy.target.removeprefix("./")
    return [(p, f"{folder}{p.name}") for p in found]


def copy_asset(
    asset: Asset, package_dir: Path, lock_entry: dict[str, str], out_dir: Path
) -> dict[str, object]:
    declared = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
    if declared["version"] != lock_entry["version"]:
        raise SystemExit(
            f"{asset.npm}: installed {declared['version']}, locked {lock_entry['version']}"
        )
    target_dir = out_dir / asset.name
    files: dict[str, str] = {}
    changed: dict[str, str] = {}
    for copy in asset.copies:
        for source, target in _sources(package_dir, copy):
            if not source.is_file():
                raise SystemExit(f"{asset.npm} {declared['version']} has no {copy.source}")
            destination = target_dir / target
            destination.parent.mkdir(parents=True, exist_ok=True)
            if copy.transform is None:
                shutil.copyfile(source, destination)
            else:
                destination.write_bytes(copy.transform(source.read_bytes()))
                changed[target] = copy.why
            files[target] = sha256(destination)
    if asset.kept_licence is not None:
        licence_file, spdx = asset.kept_licence
        if declared.get("license") != spdx:
            raise SystemExit(
                f"{asset.npm} now declares licence {declared.get('license')!r}, not {spdx!r}: "
                f"review licences/{licence_file}"
            )
        shutil.copyfile(LICENCES_DIR / licence_file, target_dir / "LICENSE")
        files["LICENSE"] = sha256(target_dir / "LICENSE")
    if "LICENSE" not in files:
        raise SystemExit(f"{asset.npm}: no licence file copied")
    entry: dict[str, object] = {
        "npm": asset.npm,
        "version": lock_entry["version"],
        "integrity": lock_entry["integrity"],
        "license": declared.get("license"),
        "files": dict(sorted(files.items())),
    }
    if changed:
        entry["changed"] = changed
    return entry


def build(out_dir: Path, node_modules: Path) -> dict[str, object]:
    locked = locked_packages(VENDOR_DIR / "package-lock.json")
    packages = {
        asset.name: copy_asset(asset, node_modules / asset.npm, locked[asset.npm], out_dir)
        for asset in ASSETS
    }
    manifest: dict[str, object] = {
        "comment": "Written by signage/console/vendor/update_assets.py from package-lock.json;"
        " do not edit by hand.",
        "packages": packages,
    }
    (out_dir / MANIFEST_NAME).write_text(
        json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8"
    )
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--out",
        type=Path,
        default=STATIC_VENDOR_DIR,
        help="the folder to replace (default: signage/console/static/vendor)",
    )
    args = parser.parse_args(argv)
    out_dir: Path = args.out.resolve()
    with tempfile.TemporaryDirectory(prefix="signage-assets-") as temp:
        node_modules = npm_install(Path(temp))
        # Built beside the old copy, then swapped in: a failure leaves the old files whole, and
        # a file dropped from the list above does not linger.
        staging = out_dir.with_name(out_dir.name + ".new")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        try:
            manifest = build(staging, node_modules)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        shutil.rmtree(out_dir, ignore_errors=True)
        staging.rename(out_dir)
    packages = manifest["packages"]
    assert isinstance(packages, dict)
    for name, entry in packages.items():
        sys.stdout.write(f"{name} {entry['version']}: {len(entry['files'])} files\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
